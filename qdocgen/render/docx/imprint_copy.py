"""A 通报's copy with no page number on its 版记 page, for `build --pdf` (qdocgen/build_pdf.py).

The 版记's section starts on an even page (`w:type evenPage`): Word, WPS and LibreOffice put a
blank page before it when the text ends on an even page, and GB/T 9704 7.5 then wants neither
the blank page nor the 版记 page numbered. Which case a document is in is known only once it is
laid out, so `build --pdf` converts the copy made here (the 版记's section with an empty footer
of its own) where a blank page is expected, and the document as it is where none is, and
converts the other when the PDF shows the guess was wrong.

This module needs only lxml, not python-docx: `build --pdf` runs it on every Word document it
converts, in the parent process, before LibreOffice can start.
"""

from __future__ import annotations

import codecs
import copy
import io
import re
import zipfile

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
STYLES = "word/styles.xml"
DOCUMENT = "word/document.xml"
SPACER_ROLE = "QImprintSpacer"  # the style of the empty paragraph that holds the 版记's section
SPACER_NAME = "版记前空白"  # … and its name (gbt9704.style_specs)
BLANK_FOOTER = "word/footerQBlankPage.xml"  # the empty footer of the 版记's section
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
FOOTER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
FOOTER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"


def find_style(styles_root, sid: str, name: str):
    """A role's w:style by its id, else by its name: LibreOffice renumbers the ids of styles
    with Chinese names (Style14, …) when it saves, but keeps their names."""
    by_name = None
    for style in styles_root.findall(W + "style"):
        if style.get(W + "styleId") == sid:
            return style
        el = style.find(W + "name")
        if by_name is None and el is not None and el.get(W + "val") == name:
            by_name = style
    return by_name


def role_id(styles_root, sid: str, name: str) -> str | None:
    """The id the role's style has in this package, None when it has no such style."""
    style = find_style(styles_root, sid, name)
    return None if style is None else style.get(W + "styleId")


def imprint_unnumbered(blob: bytes, *, blank_page: bool = False) -> bytes | None:
    """The document with no page number on its 版记 page, or None when it has no 版记.

    `blank_page`: a page break before the 版记 as well, for a LibreOffice (before 7.4) that leaves
    the blank page it inserts out of the PDF whatever it is asked: the page break makes one it keeps.
    """
    src = zipfile.ZipFile(io.BytesIO(blob))
    spacer_id = role_id(etree.fromstring(src.read(STYLES)), SPACER_ROLE, SPACER_NAME) or SPACER_ROLE
    document = src.read(DOCUMENT)
    if not _may_use(document, spacer_id):  # a table or a letter: no need to parse it (a city table is 650 kB)
        return None
    root = etree.fromstring(document)
    spacer = next(
        (
            ref.getparent().getparent()
            for ref in root.iter(W + "pStyle")
            if ref.get(W + "val") == spacer_id
            and ref.getparent().tag == W + "pPr"
            and ref.getparent().getparent().tag == W + "p"
        ),
        None,
    )
    if spacer is None:
        return None
    if blank_page:
        blank = etree.SubElement(spacer.getparent(), W + "p")
        spacer.addprevious(blank)
        etree.SubElement(etree.SubElement(blank, W + "r"), W + "br").set(W + "type", "page")
    section = _section_of(spacer)
    rels_name = "word/_rels/document.xml.rels"
    rels = etree.fromstring(src.read(rels_name))
    rid = _free_id(rels, "rIdQBlankPageFooter")
    etree.SubElement(rels, f"{{{REL_NS}}}Relationship", Id=rid, Type=FOOTER_REL, Target=BLANK_FOOTER[len("word/") :])
    if section is not None:
        for ref in section.findall(W + "footerReference"):
            section.remove(ref)
        r_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        for kind in ("first", "even", "default"):
            section.insert(0, etree.Element(W + "footerReference", {W + "type": kind, r_id: rid}))
    types_name = "[Content_Types].xml"
    types = etree.fromstring(src.read(types_name))
    ct = types.nsmap[None]
    etree.SubElement(types, f"{{{ct}}}Override", PartName="/" + BLANK_FOOTER, ContentType=FOOTER_TYPE)
    replaced = {
        DOCUMENT: etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True),
        rels_name: etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True),
        types_name: etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:  # a copy LibreOffice reads at once: not compressed
        for info in src.infolist():
            stored = copy.copy(info)
            stored.compress_type = zipfile.ZIP_STORED
            dst.writestr(stored, replaced.get(info.filename) or src.read(info.filename))
        dst.writestr(
            BLANK_FOOTER,
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr xmlns:w="{W_NS}"><w:p/></w:ftr>',
        )
    return out.getvalue()


def _may_use(document: bytes, style_id: str) -> bool:
    """Whether document.xml's text may name the style `style_id` in an attribute: False only when
    the text is UTF-8, the id, quoted either way, is not in it and no character reference could
    spell it otherwise."""
    if b"&#" in document or any(c in style_id for c in "&<>\"'") or not _utf8(document):
        return True
    quoted = style_id.encode("utf-8")
    return b'"' + quoted + b'"' in document or b"'" + quoted + b"'" in document


_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


def _utf8(document: bytes) -> bool:
    """Whether an XML part is UTF-8 (XML's default; OOXML allows UTF-16 too, with its byte order
    mark, and a declaration may name another encoding): only then are the id's bytes its bytes."""
    if document.startswith(codecs.BOM_UTF8):
        document = document[len(codecs.BOM_UTF8) :]
    if not document.startswith(b"<") or document[1:2] == b"\0":  # UTF-16 or -32, with a mark or without
        return False
    declared = _DECLARED.match(document)
    return declared is None or declared[1].lower().replace(b"-", b"").replace(b"_", b"") == b"utf8"


def _section_of(paragraph):
    """The sectPr of the section `paragraph` is in: the next paragraph-held one, else the body's."""
    for p in paragraph.itersiblings(W + "p"):
        held = p.find(f"{W}pPr/{W}sectPr")
        if held is not None:
            return held
    body = paragraph.getparent()
    while body is not None and body.tag != W + "body":
        body = body.getparent()
    return None if body is None else body.find(W + "sectPr")


def _free_id(rels, wanted: str) -> str:
    """A relationship id not yet used in `rels`, `wanted` if free."""
    used = {r.get("Id") for r in rels}
    n, rid = 1, wanted
    while rid in used:
        n, rid = n + 1, f"{wanted}{n}"
    return rid
