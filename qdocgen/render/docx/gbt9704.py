"""A GB/T 9704 profile written into a Word package: sections, styles and settings.

The templates name each paragraph's role by a style (QTitle, QBody, QHeading1, …). The
style's fonts, sizes, indents and line spacing are derived from the profile here, and
`apply_profile` rewrites them, with every section's page size, margins and grid, in a
template's bytes. The generator (tools/make_notice_templates.py) builds its styles from
`style_specs` too, so a fresh template and a re-applied one agree. Styles of other names,
and everything else a user changed in Word, are left alone.

The XML is written through python-docx's oxml layer (its element classes know the schema's
child order; its `Section` and `Settings` proxies set pages and odd/even headers); the few
children python-docx does not declare are placed by qdocgen/render/docx/ooxml.py.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING, WD_PARAGRAPH_ALIGNMENT
from docx.oxml.ns import qn
from docx.section import Section
from docx.settings import Settings
from docx.shared import Pt, RGBColor, Twips
from lxml import etree

from qdocgen.render.docx import ooxml
from qdocgen.render.docx.imprint_copy import (  # the 版记's copy for --pdf shares these (it needs no python-docx)
    DOCUMENT,
    SPACER_NAME,
    SPACER_ROLE,
    STYLES,
    W,
    find_style,
    role_id,
)
from qdocgen.render.gbt9704 import Profile
from qdocgen.textwidth import em_width

SETTINGS = "word/settings.xml"
# A representative 成文日期 for placing the signature ('2000年12月31日': two-digit month and day are the longest).
DATE_SAMPLE = "2000年12月31日"
IMPRINT_ROW = 567  # least height of a 版记 row, twips
TAIL = 20  # the height of the empty paragraph that must end the document after the 版记
LANDSCAPE_HF = 567  # header and footer distance on landscape pages (10 mm)
EMU_PER_TWIP = 635
NUMBER_BOX_LENGTH = 1700  # twips along the page edge
NUMBER_DESCR = "qdocgen:page-number:"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


@dataclass(frozen=True)
class StyleSpec:
    """What a role's style looks like. Lengths in twips, sizes in half-points."""

    name: str
    font: str
    size: int
    kind: str = "paragraph"
    align: str | None = None  # left, center, right, both
    first_line: int = 0
    left: int = 0
    right: int = 0
    hanging: int = 0
    grid: bool = True  # exact line pitch and snap to the document grid
    line: int | None = None  # exact line height when not on the grid (None: single)
    before: int = 0
    after: int = 0
    condensed: int = 0  # character spacing, twips (negative condenses)
    color: str | None = None
    scale: int | None = None  # character width, percent
    keep_next: bool = False
    border_bottom: tuple[str, int, int] | None = None  # colour, width (eighths of a point), space (pt)


def style_specs(p: Profile, signer: str = "") -> dict[str, StyleSpec]:
    """Every role's style, by style id, for the profile and the 署名 text `signer`."""
    body, ch, cs = p.body_font, p.char_width, p.char_spacing
    indent = 2 * p.body_size * 10  # 空二字: 640 twips at 3号
    name_ind, date_ind, date_align, date_left = _signature(p, signer)
    mark_scale = None
    if p.issuer_mark:
        natural = em_width(p.issuer_mark) * p.mark_size * 10
        mark_scale = min(100, math.floor(p.text_width / natural * 100)) if natural else None
    return {
        "Normal": StyleSpec("Normal", body, p.body_size, align="both", condensed=cs),
        "QTitle": StyleSpec(
            "公文标题", p.title_font, p.title_size, align="center", grid=False, line=p.line_pitch * 6 // 5
        ),
        "QSample": StyleSpec("示例数据提示", body, p.imprint_size, align="center", color="FF0000", grid=False),
        "QAddressee": StyleSpec("主送机关", body, p.body_size, align="both", condensed=cs),
        "QBody": StyleSpec("公文正文", body, p.body_size, align="both", first_line=indent, condensed=cs),
        "QHeading1": StyleSpec(
            "一级标题", p.heading1_font, p.body_size, align="both", first_line=indent, condensed=cs, keep_next=True
        ),
        "QHeading2": StyleSpec(
            "二级标题", p.heading2_font, p.body_size, align="both", first_line=indent, condensed=cs, keep_next=True
        ),
        "QHeading2Char": StyleSpec("二级标题字符", p.heading2_font, p.body_size, kind="character"),
        "QChart": StyleSpec("图表", body, p.body_size, align="center", grid=False),
        "QCaption": StyleSpec("图表题", body, p.imprint_size, align="center", grid=False, after=120),
        "QAnnexNote": StyleSpec(
            "附件说明", body, p.body_size, align="left", left=indent + 3 * ch, hanging=3 * ch, condensed=cs
        ),
        "QSignName": StyleSpec("发文机关署名", body, p.body_size, align="right", right=name_ind, condensed=cs),
        "QSignDate": StyleSpec(
            "成文日期", body, p.body_size, align=date_align, right=date_ind, left=date_left, condensed=cs
        ),
        "QAnnexLabel": StyleSpec("附件标识", p.heading1_font, p.body_size, align="left", condensed=cs),
        "QAnnexTitle": StyleSpec(
            "附件标题", p.title_font, p.title_size, align="center", grid=False, line=p.line_pitch * 6 // 5
        ),
        "QTableHead": StyleSpec("表格表头", p.heading1_font, p.table_size, align="center", grid=False),
        "QTableText": StyleSpec("表格文字", p.table_font, p.table_size, align="center", grid=False),
        "QTableLeft": StyleSpec("表格文字左齐", p.table_font, p.table_size, align="left", grid=False),
        "QImprint": StyleSpec(
            "版记",
            body,
            p.imprint_size,
            align="left",
            left=p.imprint_size * 10,
            right=p.imprint_size * 10,
            grid=False,
            line=p.imprint_size * 20,
            before=60,
            after=60,
        ),
        "QImprintRight": StyleSpec(
            "版记右齐",
            body,
            p.imprint_size,
            align="right",
            right=p.imprint_size * 10,
            grid=False,
            line=p.imprint_size * 20,
            before=60,
            after=60,
        ),
        SPACER_ROLE: StyleSpec(SPACER_NAME, body, p.body_size, grid=False),
        "QTail": StyleSpec("文末空段", body, 2, grid=False, line=TAIL),
        "QPageOdd": StyleSpec(
            "页码（单页）",
            p.page_number_font,
            p.page_number_size,
            align="right",
            right=p.page_number_size * 10,
            grid=False,
        ),
        "QPageEven": StyleSpec(
            "页码（双页）",
            p.page_number_font,
            p.page_number_size,
            align="left",
            left=p.page_number_size * 10,
            grid=False,
        ),
        "QMark": StyleSpec(
            "发文机关标志",
            p.mark_font,
            p.mark_size,
            align="center",
            grid=False,
            color=p.red_color,
            scale=mark_scale,
            before=round(35 * 56.693),
        ),
        "QDocNumber": StyleSpec(
            "发文字号",
            body,
            p.body_size,
            align="center",
            before=2 * p.line_pitch,
            border_bottom=(p.red_color, 11, 11),
            after=2 * p.line_pitch,
        ),
    }


def _signature(p: Profile, signer: str) -> tuple[int, int, str, int]:
    """(署名 right indent, 成文日期 right indent, 成文日期 alignment, 成文日期 left indent).

    With a seal the date stands 4 characters from the right and the name is centred over
    it; a name too long for that keeps 2 characters from the right and the date moves left
    to stay centred under it. Without a seal the name stands 2 characters from the right
    and the date starts 2 characters further right than the name (GB/T 9704 7.3.5).
    """
    ch = p.char_width
    name_w = em_width(signer or "某某某某某某") * ch
    date_w = em_width(DATE_SAMPLE) * ch
    if p.seal:
        name_right = max(4 * ch + (date_w - name_w) / 2, 2 * ch)
        date_right = name_right + (name_w - date_w) / 2
        return round(name_right), round(date_right), "right", 0
    if date_w <= name_w - 2 * ch:
        return 2 * ch, 0, "left", round(p.text_width - name_w)
    return round(4 * ch + date_w - name_w), 2 * ch, "right", 0


def set_style(style, spec: StyleSpec, p: Profile) -> None:
    """Write `spec` into a w:style element (a python-docx CT_Style), leaving other settings alone.

    Each property the profile sets is written afresh (a `w:firstLineChars` Word added to an
    indent would otherwise outrank the profile's `w:firstLine`).
    """
    rpr = style.get_or_add_rPr()
    _set_fonts(rpr, spec.font)
    rpr._remove_b()
    rpr.get_or_add_b().val = False
    rpr._remove_sz()
    rpr.get_or_add_sz().val = Pt(spec.size / 2)
    ooxml.set_child(rpr, "w:szCs", val=spec.size)
    rpr._remove_color()
    if spec.color:
        rpr.get_or_add_color().val = RGBColor.from_string(spec.color.upper())
    _set_or_clear(rpr, "w:spacing", spec.condensed, val=spec.condensed)
    _set_or_clear(rpr, "w:w", spec.scale, val=spec.scale)
    ooxml.set_child(rpr, "w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    if spec.kind != "paragraph":
        return
    ppr = style.get_or_add_pPr()
    ppr.keepNext_val = True if spec.keep_next else None
    # no extra space between Chinese and Latin text or digits (2018年度, not 2018 年度)
    ooxml.set_child(ppr, "w:autoSpaceDE", val="0")
    ooxml.set_child(ppr, "w:autoSpaceDN", val="0")
    if spec.grid:
        line, rule = p.line_pitch, WD_LINE_SPACING.EXACTLY
    elif spec.line:
        line, rule = spec.line, WD_LINE_SPACING.EXACTLY
    else:
        line, rule = 240, WD_LINE_SPACING.MULTIPLE  # single
    _set_spacing(ppr, spec.before, spec.after, line, rule, grid=spec.grid)
    ppr._remove_ind()
    ind = ppr.get_or_add_ind()
    ind.left, ind.right = Twips(spec.left), Twips(spec.right)
    if spec.hanging:
        ind.hanging = Twips(spec.hanging)
    else:
        ind.firstLine = Twips(spec.first_line)
    ppr._remove_jc()
    if spec.align:
        ppr.jc_val = WD_PARAGRAPH_ALIGNMENT.from_xml(spec.align)
    if spec.border_bottom:
        colour, size, space = spec.border_bottom
        bdr = ooxml.set_child(ppr, "w:pBdr")
        bdr.append(bdr.makeelement(qn("w:bottom"), _w(val="single", sz=size, space=space, color=colour)))


def _set_fonts(rpr, font: str) -> None:
    """One font for every script (w:rFonts ascii, hAnsi, eastAsia, cs), replacing theme fonts."""
    rpr._remove_rFonts()
    fonts = rpr.get_or_add_rFonts()
    fonts.ascii = fonts.hAnsi = font
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:cs"), font)


def _set_spacing(ppr, before: int, after: int, line: int, rule, grid: bool) -> None:
    """Paragraph spacing (twips) and whether lines snap to the document grid."""
    ooxml.set_child(ppr, "w:snapToGrid", val="1" if grid else "0")
    ppr._remove_spacing()
    spacing = ppr.get_or_add_spacing()
    spacing.before, spacing.after = Twips(before), Twips(after)
    spacing.line, spacing.lineRule = Twips(line), rule


def _set_or_clear(parent, tag: str, value, **attrs) -> None:
    if value:
        ooxml.set_child(parent, tag, **attrs)
    else:
        ooxml.remove_children(parent, tag)


def _w(**attrs) -> dict[str, str]:
    return {qn(f"w:{k}"): str(v) for k, v in attrs.items()}


def role_ids(styles_xml: bytes, p: Profile) -> dict[str, str]:
    """role style id (QImprintSpacer) → the id that style has in this package."""
    root = etree.fromstring(styles_xml)
    out = {}
    for sid, spec in style_specs(p).items():
        found = role_id(root, sid, spec.name)
        if found is not None:
            out[sid] = found
    return out


def patch_styles(xml: bytes, p: Profile, signer: str) -> bytes:
    """styles.xml with every known role's style rewritten from the profile (missing ones added)."""
    root = ooxml.parse(xml)
    for sid, spec in style_specs(p, signer).items():
        style = find_style(root, sid, spec.name)
        if style is None:
            style = root._add_style()
            style.type = WD_STYLE_TYPE.PARAGRAPH if spec.kind == "paragraph" else WD_STYLE_TYPE.CHARACTER
            style.styleId = sid
            style.name_val = spec.name
            if sid != "Normal":
                style.basedOn_val = "Normal"
            style.get_or_add_qFormat()
        set_style(style, spec, p)
    defaults = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    if defaults is not None:
        _set_fonts(defaults, p.body_font)
        ooxml.set_child(defaults, "w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    return ooxml.serialise(root)


def patch_sections(xml: bytes, p: Profile, ids: dict[str, str] | None = None) -> bytes:
    """document.xml with every section's page size, margins and grid from the profile.

    A landscape section (the annex table) gets the portrait page turned a quarter clockwise:
    its top margin is the portrait left (订口) margin, so the table's head faces the binding.
    """
    root = ooxml.parse(xml)
    for sect in root.iter(W + "sectPr"):
        section = Section(sect, None)
        landscape = section.orientation == WD_ORIENT.LANDSCAPE
        sect._remove_pgSz()  # written afresh: a stale paper code (w:code) must not outlive the size
        sect._remove_pgMar()
        if landscape:
            # its page numbers are drawn in the header (see number_box): keep header and
            # footer inside the margins so they do not push the table
            section.page_width, section.page_height = Twips(p.paper_height), Twips(p.paper_width)
            section.orientation = WD_ORIENT.LANDSCAPE
            margins = (p.margin_left, p.margin_top, p.margin_right, p.margin_bottom, LANDSCAPE_HF, LANDSCAPE_HF)
        else:
            section.page_width, section.page_height = Twips(p.paper_width), Twips(p.paper_height)
            margins = (
                p.margin_top,
                p.margin_right,
                p.margin_bottom,
                p.margin_left,
                p.header_distance,
                p.footer_distance,
            )
        (top, right, bottom, left, header, footer) = (Twips(m) for m in margins)
        section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = top, right, bottom, left
        section.header_distance, section.footer_distance, section.gutter = header, footer, Twips(0)
        ooxml.set_child(sect, "w:docGrid", type="lines", linePitch=p.line_pitch)
    spacer_id = (ids or {}).get(SPACER_ROLE, SPACER_ROLE)
    for spacer in root.iter(W + "p"):
        if spacer.find(f"{W}pPr/{W}pStyle[@{W}val='{spacer_id}']") is not None:
            _size_spacer(spacer, p)
    return ooxml.serialise(root)


def _size_spacer(spacer, p: Profile) -> None:
    """Give the spacer before the 版记 the height that puts the 版记's last rule on the
    版心's bottom edge: the 版心 less the table's rows, each row's lines estimated from its text
    (a Jinja field counted as ten characters)."""
    table = spacer.getnext()
    if table is None or table.tag != W + "tbl":
        return
    usable = p.text_width - 2 * p.imprint_size * 10 - 120
    height = 0
    for tr in table.findall(W + "tr"):
        lines = 1
        for tc in tr.findall(W + "tc"):
            text = "".join(t.text or "" for t in tc.iter(W + "t"))
            text = re.sub(r"\{\{.*?\}\}", "某" * 10, re.sub(r"\{%.*?%\}", "", text))
            width = int(tc.find(f"{W}tcPr/{W}tcW").get(W + "w")) if tc.find(f"{W}tcPr/{W}tcW") is not None else usable
            chars = em_width(text) * p.imprint_size * 10
            lines = max(lines, math.ceil(chars / max(width - 2 * p.imprint_size * 10 - 120, 1)) or 1)
        height += max(IMPRINT_ROW, lines * p.imprint_size * 20 + 120) + 20
    line = max(p.text_height - height - TAIL - 60, 240)
    _set_spacing(spacer.find(W + "pPr"), 0, 0, line, WD_LINE_SPACING.EXACTLY, grid=False)


def patch_settings(xml: bytes) -> bytes:
    """settings.xml with odd and even page headers and footers switched on."""
    root = ooxml.parse(xml)
    Settings(root).odd_and_even_pages_header_footer = True
    return ooxml.serialise(root)


def number_box(p: Profile, odd: bool) -> tuple[int, int, int, int]:
    """(x, y, width, height) in EMU of a landscape page's page number, from the page's top left.

    A landscape page is bound as a portrait page turned a quarter clockwise, so its number
    stands where a portrait page has it: along the left edge (the portrait foot), near the
    bottom on odd pages (portrait right) and near the top on even pages (portrait left),
    reading top to bottom.
    """
    line = p.page_number_size * 14  # the footer line's height, twips
    x = p.footer_distance
    if odd:
        end = p.paper_width - p.margin_right - p.page_number_size * 10
        y = end - NUMBER_BOX_LENGTH
    else:
        y = p.margin_left + p.page_number_size * 10
    return x * EMU_PER_TWIP, y * EMU_PER_TWIP, line * EMU_PER_TWIP, NUMBER_BOX_LENGTH * EMU_PER_TWIP


def patch_number_boxes(xml: bytes, p: Profile) -> bytes:
    """A header part with its landscape page-number boxes moved to the profile's place."""
    if NUMBER_DESCR.encode() not in xml:
        return xml
    root = ooxml.parse(xml)
    wp, a = f"{{{WP_NS}}}", f"{{{A_NS}}}"
    for anchor in root.iter(wp + "anchor"):
        descr = anchor.find(wp + "docPr").get("descr", "")
        if not descr.startswith(NUMBER_DESCR):
            continue
        x, y, cx, cy = number_box(p, descr.endswith("odd"))
        anchor.find(f"{wp}positionH/{wp}posOffset").text = str(x)
        anchor.find(f"{wp}positionV/{wp}posOffset").text = str(y)
        for ext in (anchor.find(wp + "extent"), *anchor.iter(a + "ext")):
            ext.set("cx", str(cx))
            ext.set("cy", str(cy))
    return ooxml.serialise(root)


def apply_profile(blob: bytes, p: Profile, signer: str = "") -> bytes:
    """A .docx (template or document) with the profile's layout written into it."""
    src = zipfile.ZipFile(io.BytesIO(blob))
    ids = role_ids(src.read(STYLES), p) if STYLES in src.namelist() else {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == STYLES:
                data = patch_styles(data, p, signer)
            elif info.filename == DOCUMENT:
                data = patch_sections(data, p, ids)
            elif info.filename == SETTINGS:
                data = patch_settings(data)
            elif info.filename.startswith("word/header"):
                data = patch_number_boxes(data, p)
            dst.writestr(info, data)
    return out.getvalue()
