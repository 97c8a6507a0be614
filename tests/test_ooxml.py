"""Unit tests, in python-docx's style, for the OOXML helpers the layout profile writes with.

Each starts from a few elements of XML and checks the exact children (and their order,
which Word enforces) that come out.
"""

from __future__ import annotations

import pytest
from docx.oxml.ns import nsdecls, qn

from qdocgen.render.docx import ooxml
from qdocgen.render.docx.gbt9704 import StyleSpec, patch_sections, patch_settings, set_style
from qdocgen.render.gbt9704 import Profile

DECL = nsdecls("w")


def el(xml: str):
    """An element from XML written with the w: prefix, e.g. '<w:pPr><w:jc/></w:pPr>'."""
    head, rest = xml.split(">", 1)
    closing = head.endswith("/")
    head = head.rstrip("/")
    return ooxml.parse(f"{head} {DECL}{'/' if closing else ''}>{rest}".encode())


def children(element) -> list[str]:
    return ["w:" + c.tag.split("}")[1] for c in element]


@pytest.mark.parametrize(
    ("before", "tag", "after"),
    [
        ("<w:pPr/>", "w:snapToGrid", ["w:snapToGrid"]),
        ("<w:pPr><w:pStyle/><w:jc/></w:pPr>", "w:snapToGrid", ["w:pStyle", "w:snapToGrid", "w:jc"]),
        ("<w:pPr><w:spacing/><w:ind/></w:pPr>", "w:autoSpaceDE", ["w:autoSpaceDE", "w:spacing", "w:ind"]),
        (
            "<w:pPr><w:autoSpaceDE/><w:spacing/></w:pPr>",
            "w:autoSpaceDN",
            ["w:autoSpaceDE", "w:autoSpaceDN", "w:spacing"],
        ),
        ("<w:pPr><w:keepNext/><w:rPr/></w:pPr>", "w:pBdr", ["w:keepNext", "w:pBdr", "w:rPr"]),
        ("<w:rPr><w:rFonts/><w:sz/><w:lang/></w:rPr>", "w:szCs", ["w:rFonts", "w:sz", "w:szCs", "w:lang"]),
        ("<w:rPr><w:color/><w:sz/></w:rPr>", "w:spacing", ["w:color", "w:spacing", "w:sz"]),
        ("<w:rPr><w:spacing/><w:sz/></w:rPr>", "w:w", ["w:spacing", "w:w", "w:sz"]),
        ("<w:rPr><w:sz/><w:eastAsianLayout/></w:rPr>", "w:lang", ["w:sz", "w:lang", "w:eastAsianLayout"]),
        ("<w:sectPr><w:pgSz/><w:titlePg/></w:sectPr>", "w:docGrid", ["w:pgSz", "w:titlePg", "w:docGrid"]),
        (
            "<w:sectPr><w:pgSz/><w:printerSettings/></w:sectPr>",
            "w:docGrid",
            ["w:pgSz", "w:docGrid", "w:printerSettings"],
        ),
    ],
)
def test_set_child_puts_the_child_in_schema_order(before, tag, after):
    parent = el(before)
    ooxml.set_child(parent, tag, val="0")
    assert children(parent) == after


def test_set_child_replaces_the_old_child_and_its_attributes():
    ppr = el('<w:pPr><w:snapToGrid w:val="1" w:extra="x"/><w:snapToGrid/></w:pPr>')
    new = ooxml.set_child(ppr, "w:snapToGrid", val="0")
    assert children(ppr) == ["w:snapToGrid"] and dict(new.attrib) == {qn("w:val"): "0"}


def test_set_child_refuses_a_child_it_cannot_place():
    with pytest.raises(KeyError):
        ooxml.set_child(el("<w:pPr/>"), "w:madeUp")


def test_parse_gives_python_docx_classes_and_keeps_whitespace():
    root = ooxml.parse(f'<w:settings {DECL}>\n  <w:zoom w:percent="100"/>\n</w:settings>'.encode())
    assert type(root).__name__ == "CT_Settings"
    assert b"\n  <w:zoom" in ooxml.serialise(root)


def test_set_style_writes_every_property_in_order_and_drops_words_overrides():
    style = el(
        '<w:style w:type="paragraph" w:styleId="QBody"><w:name w:val="公文正文"/>'
        '<w:pPr><w:ind w:firstLineChars="200" w:firstLine="420"/><w:jc w:val="left"/></w:pPr>'
        '<w:rPr><w:rFonts w:asciiTheme="minorHAnsi"/><w:sz w:val="21"/></w:rPr></w:style>'
    )
    spec = StyleSpec("公文正文", "仿宋_GB2312", 32, align="both", first_line=640, condensed=-9, keep_next=True)
    set_style(style, spec, Profile())
    ppr, rpr = style.find(qn("w:pPr")), style.find(qn("w:rPr"))
    assert children(ppr) == [
        "w:keepNext",
        "w:autoSpaceDE",
        "w:autoSpaceDN",
        "w:snapToGrid",
        "w:spacing",
        "w:ind",
        "w:jc",
    ]
    assert children(rpr)[:2] == ["w:rFonts", "w:b"] and children(rpr)[-4:] == ["w:spacing", "w:sz", "w:szCs", "w:lang"]
    ind = ppr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLine")) == "640" and ind.get(qn("w:firstLineChars")) is None
    assert ppr.find(qn("w:jc")).get(qn("w:val")) == "both"
    spacing = ppr.find(qn("w:spacing"))
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == (str(Profile().line_pitch), "exact")
    fonts = rpr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and fonts.get(qn("w:asciiTheme")) is None
    assert rpr.find(qn("w:sz")).get(qn("w:val")) == "32" and rpr.find(qn("w:b")).get(qn("w:val")) == "0"


def test_set_style_clears_what_the_spec_does_not_set():
    style = el(
        '<w:style><w:rPr><w:color w:val="FF0000"/><w:w w:val="80"/></w:rPr><w:pPr><w:keepNext/></w:pPr></w:style>'
    )
    set_style(style, StyleSpec("x", "宋体", 24, grid=False), Profile())
    assert style.find(f"{qn('w:rPr')}/{qn('w:color')}") is None and style.find(f"{qn('w:rPr')}/{qn('w:w')}") is None
    assert style.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is None
    spacing = style.find(f"{qn('w:pPr')}/{qn('w:spacing')}")
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("240", "auto")


def test_patch_settings_switches_odd_and_even_headers_on_in_place():
    xml = f'<w:settings {DECL}><w:zoom/><w:defaultTabStop/><w:evenAndOddHeaders w:val="0"/><w:compat/></w:settings>'
    root = ooxml.parse(patch_settings(xml.encode()))
    assert children(root) == ["w:zoom", "w:defaultTabStop", "w:evenAndOddHeaders", "w:compat"]
    assert root.find(qn("w:evenAndOddHeaders")).get(qn("w:val")) is None
    root = ooxml.parse(patch_settings(f"<w:settings {DECL}><w:zoom/><w:compat/></w:settings>".encode()))
    assert children(root) == ["w:zoom", "w:evenAndOddHeaders", "w:compat"]


def test_patch_sections_sets_page_margins_and_grid_and_turns_landscape_pages():
    xml = (
        f"<w:document {DECL}><w:body><w:p><w:pPr><w:sectPr>"
        '<w:headerReference w:type="default"/><w:pgSz w:w="12240" w:h="15840" w:code="1"/><w:cols/>'
        '</w:sectPr></w:pPr></w:p><w:sectPr><w:pgSz w:w="15840" w:h="12240" w:orient="landscape"/>'
        '<w:docGrid w:type="linesAndChars" w:charSpace="4"/></w:sectPr></w:body></w:document>'
    )
    p = Profile()
    root = ooxml.parse(patch_sections(xml.encode(), p))
    portrait, landscape = root.iter(qn("w:sectPr"))
    assert children(portrait) == ["w:headerReference", "w:pgSz", "w:pgMar", "w:cols", "w:docGrid"]
    size = portrait.find(qn("w:pgSz"))
    assert dict(size.attrib) == {qn("w:w"): "11906", qn("w:h"): "16838"}  # the Letter paper code is gone
    margins = portrait.find(qn("w:pgMar"))
    assert margins.get(qn("w:top")) == "2098" and margins.get(qn("w:left")) == "1587"
    assert children(landscape) == ["w:pgSz", "w:pgMar", "w:docGrid"]
    assert landscape.find(qn("w:pgSz")).get(qn("w:orient")) == "landscape"
    assert landscape.find(qn("w:pgSz")).get(qn("w:w")) == "16838"
    # the portrait page turned a quarter clockwise: its top margin is the portrait left (binding) margin
    assert landscape.find(qn("w:pgMar")).get(qn("w:top")) == "1587"
    grid = landscape.find(qn("w:docGrid"))
    assert dict(grid.attrib) == {qn("w:type"): "lines", qn("w:linePitch"): str(p.line_pitch)}
