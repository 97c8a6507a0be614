"""The whole notice fast: charts filled from a prepared frame and the document written once, signed,
give the bytes of the straightforward path (python-pptx and xlsxwriter filling the chart of the
docxtpl-rendered document, then the properties signed by writing the package again)."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from qdocgen.documents.notice import CITY_TEMPLATE, DISTRICT_TEMPLATE, NoticeMaker
from qdocgen.render.docx import chart_fast
from qdocgen.render.docx.chart_fast import fast_chart_parts
from qdocgen.render.docx.chart_part import ChartTable, chart_parts
from qdocgen.render.docx.charts import _chart_ids, package_parts
from qdocgen.render.package import Signature, with_document_properties
from qdocgen.workspace import Workspace

from conftest import DATA, TEMPLATES


@pytest.fixture(scope="module")
def ws():
    return Workspace(data_dir=DATA, templates_dir=TEMPLATES)


@pytest.fixture(scope="module")
def maker(ws):
    return NoticeMaker(ws)


def test_every_bundled_notice_equals_the_straightforward_path(ws, maker):
    """A build's notices, each period, the city's and every district's."""
    for period in sorted(ws.figures.periods):
        for district in [None, *ws.plan.district_names]:
            name = CITY_TEMPLATE if district is None else DISTRICT_TEMPLATE
            prepared = maker.template(name)
            context = maker.context(period, district)
            fast = maker.render(period, district, context)
            plain = prepared.render_docxtpl(context, fast_charts=False)
            office = ws.plan.office
            assert fast == with_document_properties(plain, when=maker._when(period), author=office), (period, district)
            core = zipfile.ZipFile(io.BytesIO(fast)).read("docProps/core.xml").decode("utf-8")
            assert f"<dc:creator>{office}</dc:creator>" in core


def test_signing_in_the_same_pass_is_signing_afterwards(maker, ws, monkeypatch):
    from qdocgen.figures.period import Period

    prepared = maker.template(DISTRICT_TEMPLATE)
    context = maker.context(Period(2018), "南海区")
    signature = Signature(maker._when(Period(2018)), "某办公室 & <办>")
    for epoch in (None, "1700000000"):
        if epoch:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        assert prepared.render(context, signature) == signature.package(prepared.render(context))


def _template_parts(name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(TEMPLATES / "docx" / name) as z:
        return {n: z.read(n) for n in z.namelist()}


TEXTS = ["南海区", "A & B", "<x>", 'a"b', "x'y", "完成率（%）", "≥90%", "=SUM(A1)", "http://e.cn", "Ω≠∞", "1e5"]
ODD = ["", " 前空格", "后空格 ", "换\n行", "回车\r", "制表\t符", "\x01"]  # the straightforward path's


def _table(rng: random.Random, n: int, s: int, texts=TEXTS) -> ChartTable:
    def text():
        return rng.choice(texts) + str(rng.randrange(100) if rng.random() < 0.5 else "")

    def value():
        return rng.choice([None, 0, 1, 0.5, 1.25, 0.914, 1e-7, 123456789.123, 0.1 + 0.2, 7, -3.5])

    series = tuple((f"系列{j}{text()}", tuple(value() for _ in range(n))) for j in range(s))
    return ChartTable(text(), tuple(text() for _ in range(n)), series)


@pytest.mark.parametrize("template", [DISTRICT_TEMPLATE, CITY_TEMPLATE])
def test_fast_fill_equals_python_pptx_and_xlsxwriter(template):
    parts = _template_parts(template)
    part = "word/charts/chart1.xml"
    rng = random.Random(9704)
    chart_fast._FRAMES.clear()
    shapes = [(5, 2), (30, 2), (2, 2), (12, 1), (7, 3), (40, 2), (3, 4)]
    for n, s in shapes * 3:  # the first of a shape makes its frame, the others are filled from it
        table = _table(rng, n, s)
        assert fast_chart_parts(parts, part, table) == chart_parts(parts, part, table), (n, s)
    assert any(f is not None for f in chart_fast._FRAMES.values()), "frames are made and used"
    for n in (1, 3, 9):  # texts the frame leaves to the straightforward path
        table = _table(rng, n, 2, TEXTS + ODD)
        assert fast_chart_parts(parts, part, table) == chart_parts(parts, part, table)
    empty = ChartTable("区", (), (("完成率", ()),))
    assert fast_chart_parts(parts, part, empty) == chart_parts(parts, part, empty)


def test_the_workbook_written_here_is_xlsxwriters_for_every_column_width():
    parts = _template_parts(DISTRICT_TEMPLATE)
    part = "word/charts/chart1.xml"
    chart_fast._FRAMES.clear()
    for length in range(1, 35):  # the category column is 10 to 60 characters wide
        table = ChartTable(
            "指标", ("甲" * length, "乙", "丙"), (("已完成", (1, None, 0.5)), ("未完成", (None, 0.3, None)))
        )
        got = fast_chart_parts(parts, part, table)
        assert got == chart_parts(parts, part, table), length
    frames = [f for f in chart_fast._FRAMES.values() if f is not None]
    assert frames, "the shape was filled from its frame"
    book = zipfile.ZipFile(io.BytesIO(got["word/embeddings/Microsoft_Excel_Worksheet_chart1.xlsx"]))
    assert "甲" * 34 in book.read("xl/sharedStrings.xml").decode("utf-8")


def test_charts_drawn_are_found_by_their_relationship():
    document = package_parts((TEMPLATES / "docx" / DISTRICT_TEMPLATE).read_bytes())["word/document.xml"]
    from lxml import etree

    from qdocgen.render.docx.chart_part import C_NS, R_NS

    parsed = [c.get(f"{{{R_NS}}}id") for c in etree.fromstring(document).iter(f"{{{C_NS}}}chart")]
    assert _chart_ids(document) == parsed and parsed
    # the namespace under another prefix: read by parsing
    other = document.replace(b"xmlns:c=", b"xmlns:cc=").replace(b"<c:", b"<cc:").replace(b"</c:", b"</cc:")
    assert _chart_ids(other) == parsed


def test_texts_xlsxwriter_writes_its_own_way_fill_as_it_does():
    parts = _template_parts(DISTRICT_TEMPLATE)
    part = "word/charts/chart1.xml"
    chart_fast._FRAMES.clear()
    plain = ChartTable(
        "指标", ("甲", "乙", "丙", "丁"), (("已完成", (1, None, 0.5, 2)), ("未完成", (None, 0.3, None, 1)))
    )
    fast_chart_parts(parts, part, plain)  # the shape's frame made from plain texts, then used for these
    assert [f for f in chart_fast._FRAMES.values() if f is not None]
    odd = ["A&B", "<甲>", 'say "x"', "_x0041_", "<r>粗</r>", "a\u3000b", "tab\tin", "é", "甲"]
    for k in range(len(odd)):
        cats = (odd[k], odd[(k + 1) % len(odd)], "丙", odd[k])  # a text used twice: counted twice
        table = ChartTable("指标", cats, (("已完成", (1, None, 0.5, 2)), ("未完成", (None, 0.3, None, 1))))
        assert fast_chart_parts(parts, part, table) == chart_parts(parts, part, table), cats


def test_column_names_are_excels():
    from xlsxwriter.utility import xl_col_to_name

    assert [chart_fast._column_name(c) for c in range(800)] == [xl_col_to_name(c) for c in range(800)]


def test_a_chart_namespace_named_as_a_value_still_reads_the_ids_off_the_bytes(monkeypatch):
    document = package_parts((TEMPLATES / "docx" / DISTRICT_TEMPLATE).read_bytes())["word/document.xml"]
    assert b'uri="http://schemas.openxmlformats.org/drawingml/2006/chart"' in document
    expected = _chart_ids(document)
    from qdocgen.render.docx import charts

    monkeypatch.setattr(charts.etree, "fromstring", lambda *a: pytest.fail("parsed"))
    assert _chart_ids(document) == expected
    # the chart namespace also bound to another prefix, or the prefix c to another namespace: parsed
    for other in (
        document.replace(b"<w:body>", b'<w:body xmlns:cc="http://schemas.openxmlformats.org/drawingml/2006/chart">'),
        document.replace(b"<w:body>", b'<w:body xmlns:c="urn:other">'),
    ):
        with pytest.raises(pytest.fail.Exception):
            _chart_ids(other)
