"""Raw-OOXML building blocks shared by the Word template tools.

Word templates are written as OOXML parts, string by string (tools/make_notice_templates.py,
tools/make_table_templates.py); Excel templates are made with openpyxl. This module holds what
the Word tools share: the namespaces, paragraphs and runs, tables, the `— N —` page-number
footer, the font table, the package's fixed parts and the zip writer.
"""

from __future__ import annotations

import io
import re
import zipfile

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" mc:Ignorable="w14"'
)


# ── paragraphs and runs ───────────────────────────────────────────────────────────────────


def esc(text: str) -> str:
    # Only & < > : docxtpl reads quotes inside Jinja tags literally.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run(text: str, rstyle: str | None = None, rpr: str = "") -> str:
    """A run of text with a character style and/or direct run properties (`rpr`, raw XML)."""
    props = (f'<w:rStyle w:val="{rstyle}"/>' if rstyle else "") + rpr
    props = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{esc(text)}</w:t></w:r>'


def font(name: str, size: float, color: str | None = None) -> str:
    """Direct run properties: `name` for Chinese (eastAsia) and Latin text, `size` in points."""
    fonts = f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}"/>'
    colour = f'<w:color w:val="{color}"/>' if color else ""
    return f'{fonts}{colour}<w:sz w:val="{round(size * 2)}"/><w:lang w:eastAsia="zh-CN"/>'


def para(style: str | None, *parts, ppr: str = "") -> str:
    """A paragraph; parts are text, (char style, text) pairs, or raw XML starting with '<'.
    `style` None: the default paragraph style (no w:pStyle)."""
    runs = []
    for part in parts:
        if isinstance(part, tuple):
            runs.append(run(part[1], part[0]))
        elif part.startswith("<"):
            runs.append(part)
        else:
            runs.append(run(part))
    props = (f'<w:pStyle w:val="{style}"/>' if style else "") + ppr
    props = f"<w:pPr>{props}</w:pPr>" if props or style is not None else ""
    return f"<w:p>{props}{''.join(runs)}</w:p>"


# ── tables ────────────────────────────────────────────────────────────────────────────────


def cell(
    width: int, content: str, span: int = 1, borders: str = "", valign: str = "center", vmerge: str | None = None
) -> str:
    """A table cell; `vmerge` "restart" starts a vertical merge, "" continues one."""
    grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    merge = "" if vmerge is None else f'<w:vMerge w:val="{vmerge}"/>' if vmerge else "<w:vMerge/>"
    bd = f"<w:tcBorders>{borders}</w:tcBorders>" if borders else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid}{merge}{bd}<w:vAlign w:val="{valign}"/></w:tcPr>'
        f"{content}</w:tc>"
    )


CELL_MARGINS = '<w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'


def table(
    widths: list[int],
    rows: list[str],
    props: str = "",
    borders: str = "",
    margins: str = CELL_MARGINS,
    full_width: bool = False,
) -> str:
    """A fixed-layout, centred table with the given column widths (twips), thin black rules
    unless `borders` says otherwise, and cell margins `margins` (the w:tblCellMar children).
    `full_width`: its width is given as 100% of the text width (a column loop then keeps it)."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    if not borders:
        borders = "".join(
            f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
    width = '<w:tblW w:w="5000" w:type="pct"/>' if full_width else f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
    return (
        f'<w:tbl><w:tblPr>{props}{width}<w:jc w:val="center"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f"<w:tblCellMar>{margins}</w:tblCellMar>"
        f'<w:tblLook w:val="04A0"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>'
    )


def row(cells: list[str], header: bool = False, cant_split: bool = True, extra: str = "") -> str:
    """A table row; `header`: repeated at the top of each page."""
    trpr = ("<w:cantSplit/>" if cant_split else "") + extra + ("<w:tblHeader/>" if header else "")
    return f"<w:tr><w:trPr>{trpr}</w:trPr>{''.join(cells)}</w:tr>"


# ── page numbers ──────────────────────────────────────────────────────────────────────────

PAGE_FIELD = (
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
)


def page_footer(style: str) -> str:
    """A footer part holding `— N —` in paragraph style `style` (which sets font and place)."""
    body = para(style, "— ", PAGE_FIELD, " —")
    return f"{XML_HEAD}<w:ftr {NS}>{body}</w:ftr>"


# ── fixed parts and the package ───────────────────────────────────────────────────────────

FONTS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>
<w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>
<w:font w:name="黑体"><w:altName w:val="SimHei"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>
<w:font w:name="宋体"><w:altName w:val="SimSun"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>
<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/><w:charset w:val="86"/><w:family w:val="script"/><w:pitch w:val="fixed"/></w:font>
</w:fonts>"""

_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
# (part name pattern, content type), in the order [Content_Types].xml lists them.
_OVERRIDES = (
    (r"word/document\.xml", _WML + "document.main+xml"),
    (r"word/styles\.xml", _WML + "styles+xml"),
    (r"word/settings\.xml", _WML + "settings+xml"),
    (r"word/fontTable\.xml", _WML + "fontTable+xml"),
    (r"word/footer\d+\.xml", _WML + "footer+xml"),
    (r"word/header\d+\.xml", _WML + "header+xml"),
    (r"docProps/core\.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
    (r"docProps/app\.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml"),
)


def content_types(parts, defaults: tuple[tuple[str, str], ...] = ()) -> str:
    """[Content_Types].xml for the package `parts` (their names), with extra (extension,
    content type) defaults; parts of other kinds (charts) the caller adds itself."""
    lines = [
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        *(f'<Default Extension="{ext}" ContentType="{kind}"/>' for ext, kind in defaults),
    ]
    for pattern, kind in _OVERRIDES:
        for name in sorted(n for n in parts if re.fullmatch(pattern, n)):
            lines.append(f'<Override PartName="/{name}" ContentType="{kind}"/>')
    return XML_HEAD + "\n".join([*lines, "</Types>"])


def document_rels(rels: tuple[tuple[str, str, str], ...]) -> str:
    """word/_rels/document.xml.rels from (Id, relationship kind, target) triples."""
    lines = ['<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    lines += [
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}"'
        f' Target="{target}"/>'
        for rid, kind, target in rels
    ]
    return XML_HEAD + "\n".join([*lines, "</Relationships>"])


ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>
</Relationships>"""

CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>{title}</dc:title><dc:creator>qdocgen</dc:creator><cp:lastModifiedBy>qdocgen</cp:lastModifiedBy>
<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>
</cp:coreProperties>"""

APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>qdocgen</Application></Properties>"""


def zip_parts(parts: dict[str, str | bytes]) -> bytes:
    """The package holding `parts` (name → XML text or bytes), in the order given."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    return buf.getvalue()
