"""Word XML parts read and written through python-docx's oxml layer.

python-docx's element classes (`CT_PPr`, `CT_RPr`, `CT_SectPr`, `CT_Style`, `CT_Settings`)
know the schema's child order and add a child in its place (`get_or_add_spacing()`), and
its proxies (`Section`, `Settings`, `Font`, `ParagraphFormat`) speak in page sizes,
margins and fonts. A part parsed here gets those classes without opening a whole package.

A few children the GB/T 9704 profile sets are not declared by python-docx (character
spacing and width, `w:lang`, `w:szCs`, `w:autoSpaceDE`, `w:snapToGrid`, `w:pBdr`,
`w:docGrid`). `set_child` adds them the way python-docx's `ZeroOrOne` does: before the
first sibling that the schema puts after them, listed below once per parent element
(ECMA-376 Part 1: 17.3.1.26 pPr, 17.3.2.28 rPr, 17.6.17 sectPr).
"""

from __future__ import annotations

from docx.oxml.ns import qn
from docx.oxml.parser import element_class_lookup
from lxml import etree

# The schema's children of each parent, from the first child python-docx does not declare
# to the end: an undeclared child goes before any later one present.
_TAILS = {
    "w:pPr": (
        "w:pBdr w:shd w:tabs w:suppressAutoHyphens w:kinsoku w:wordWrap w:overflowPunct w:topLinePunct "
        "w:autoSpaceDE w:autoSpaceDN w:bidi w:adjustRightInd w:snapToGrid w:spacing w:ind w:contextualSpacing "
        "w:mirrorIndents w:suppressOverlap w:jc w:textDirection w:textAlignment w:textboxTightWrap w:outlineLvl "
        "w:divId w:cnfStyle w:rPr w:sectPr w:pPrChange"
    ),
    "w:rPr": (
        "w:color w:spacing w:w w:kern w:position w:sz w:szCs w:highlight w:u w:effect w:bdr w:shd w:fitText "
        "w:vertAlign w:rtl w:cs w:em w:lang w:eastAsianLayout w:specVanish w:oMath"
    ),
    "w:sectPr": "w:docGrid w:printerSettings w:sectPrChange",
}
_SUCCESSORS = {
    (parent, child): tuple(qn(t) for t in tail.split()[i + 1 :])
    for parent, tail in _TAILS.items()
    for i, child in enumerate(tail.split())
}

_parser = etree.XMLParser(resolve_entities=False)  # keeps the part's whitespace, unlike python-docx's
_parser.set_element_class_lookup(element_class_lookup)


def parse(xml: bytes):
    """The root of a Word XML part, its elements python-docx's classes (CT_Styles, CT_Document, …)."""
    return etree.fromstring(xml, _parser)


def serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_child(parent, tag: str, **attrs: object):
    """Replace child `tag` of `parent` by a new one with `attrs` (w: attributes), in schema order.

    For the children python-docx does not declare; the new element comes before the first
    present sibling that the schema puts after it. Returns the new element.
    """
    remove_children(parent, tag)
    parent_tag = _prefixed(parent.tag)
    try:
        successors = _SUCCESSORS[(parent_tag, tag)]
    except KeyError:
        raise KeyError(f"{tag} is not a known child of {parent_tag}") from None
    child = parent.makeelement(qn(tag), {qn(f"w:{k}"): str(v) for k, v in attrs.items()})
    later = next((c for c in parent if c.tag in successors), None)
    if later is not None:
        later.addprevious(child)
    else:
        parent.append(child)
    return child


def remove_children(parent, tag: str) -> None:
    for old in parent.findall(qn(tag)):
        parent.remove(old)


def _prefixed(clark: str) -> str:
    return "w:" + etree.QName(clark).localname
