"""render/xlsx/plain.py: a sheet filled as plain cells writes the bytes the general path (openpyxl's
Cells) writes, and a template or value the plain cells do not prove goes the general way."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from qdocgen.render.spans import Span
from qdocgen.render.xlsx import PreparedXlsx, engine, plain

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@pytest.fixture
def tried(monkeypatch):
    """How each sheet written so far went: "plain", or "again" (plain cells refused a value)."""
    found: list[str] = []
    run_plain = engine._SheetWriter.run_plain

    def recording(self):
        try:
            run_plain(self)
        except plain.NotPlain:
            found.append("again")
            raise
        found.append("plain")

    monkeypatch.setattr(engine._SheetWriter, "run_plain", recording)
    return found


def both_ways(path, context, monkeypatch) -> bytes:
    """The rendering with plain cells, checked equal to the general path's."""
    prepared = PreparedXlsx(path)
    with_plain = prepared.render(context)
    monkeypatch.setattr(plain, "ENABLED", False)
    general = PreparedXlsx(path).render(context)
    monkeypatch.setattr(plain, "ENABLED", True)
    assert with_plain == general
    return with_plain


def table(tmp_path, body: dict[str, object], *, more=None):
    """A sheet 表: a styled title, a loop over `items` with `body` in row 3 (boxed, wrapped,
    a tall row), a total row with a merge and a static number."""
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = "{{ title }}"
    ws["A1"].font = Font(bold=True, size=16)
    ws.merge_cells("A1:F1")
    ws["A2"] = "{%tr for it in items %}"
    for coord, value in body.items():
        ws[coord] = value
    for col in "ABCDEF":
        cell = ws[f"{col}3"]
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[3].height = 22
    ws["A4"] = "{%tr endfor %}"
    ws["A5"] = "合计"
    ws["B5"] = 42
    ws["C5"] = 2.5
    ws["D5"].fill = PatternFill("solid", fgColor="D9D9D9")
    ws.merge_cells("E5:F6")
    ws.column_dimensions["B"].width = 6
    if more is not None:
        more(wb, ws)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    return path


SPANNED = {
    "A3": "{%vmerge it.span %}{{ it.group }}",
    "B3": "{{ it.text }}",
    "C3": "{{ it.n }}",
    "D3": "{%hmerge it.wide %}{{ it.other }}",
    "F3": "固定说明",
}


def spanned_items() -> list[dict]:
    groups = [("甲组", 3), ("乙组", 1), ("丙组", 2)]
    items, k = [], 0
    for name, size in groups:
        for i in range(size):
            items.append(
                {
                    "group": name,
                    "span": Span(size if i == 0 else 0, name, size),
                    "text": "很长的一段说明文字，会折行显示，行高随之增加。" * (k % 3 + 1),
                    "n": [3, 0.1 + 0.2, Decimal("2.50"), -7, 10**15, None][k % 6],
                    "wide": 2 if k % 2 else 1,
                    "other": ["=不是公式", "-3", "+", "@x", " 前后有空格 ", "R&D <b>"][k % 6],
                }
            )
            k += 1
    return items


def test_a_table_with_merges_heights_and_odd_texts_is_written_as_the_general_path_writes_it(
    tmp_path, monkeypatch, tried
):
    path = table(tmp_path, SPANNED)
    data = both_ways(path, {"title": "标题", "items": spanned_items()}, monkeypatch)
    assert tried[0] == "plain"
    ws = load_workbook(io.BytesIO(data)).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:F1", "A2:A4", "A6:A7", "D3:E3", "E8:F9"} <= merged  # each group's rows merged, the total's moved
    assert ws["A2"].value == "甲组" and ws["A3"].value is None and ws["A5"].value == "乙组"
    assert ws["D2"].value == "=不是公式" and ws["D2"].data_type == "s" and ws["D2"].quotePrefix
    assert ws["C3"].value == pytest.approx(0.3) and ws["C4"].value == 2.5 and ws["C7"].value is None
    assert ws.row_dimensions[2].height > 22  # the wrapped text grew its row
    assert ws["A2"].border.bottom.style == "thin"  # the merge's top-left cell has the bottom-right's border


def test_an_empty_loop_and_a_loop_of_one(tmp_path, monkeypatch, tried):
    path = table(tmp_path, SPANNED)
    both_ways(path, {"title": "空", "items": []}, monkeypatch)
    both_ways(path, {"title": "一项", "items": spanned_items()[:1]}, monkeypatch)
    assert tried == ["plain", "plain"]


@pytest.mark.parametrize(
    "value",
    [True, date(2025, 6, 30), "#N/A", float("nan"), 10**400, "\ud800"],
    ids=["bool", "date", "error", "nan", "huge", "surrogate"],
)
def test_a_value_the_plain_cells_do_not_write_sends_the_sheet_the_general_way(tmp_path, monkeypatch, tried, value):
    path = table(tmp_path, {"A3": "{{ it.v }}", "B3": "{{ it.text }}"})
    items = [{"v": 1, "text": "一"}, {"v": value, "text": "二"}]
    prepared = PreparedXlsx(path)
    try:
        with_plain = prepared.render({"title": "标题", "items": items})
    except Exception as exc:  # (what openpyxl refuses, the general path refuses alike)
        monkeypatch.setattr(plain, "ENABLED", False)
        with pytest.raises(type(exc)):
            PreparedXlsx(path).render({"title": "标题", "items": items})
        return
    assert tried == ["again"]
    monkeypatch.setattr(plain, "ENABLED", False)
    assert PreparedXlsx(path).render({"title": "标题", "items": items}) == with_plain


def link(wb, ws):
    ws["C3"].hyperlink = "https://example.org/"


def note(wb, ws):
    ws["D3"].comment = Comment("批注", "作者")


def formula(wb, ws):
    ws["C3"] = "=B3*2"


def chart(wb, ws):
    bars = BarChart()
    bars.add_data(Reference(ws, min_col=3, min_row=3, max_row=3))
    ws.add_chart(bars, "H2")


@pytest.mark.parametrize("more", [link, note, formula, chart])
def test_a_template_the_plain_cells_do_not_prove_is_written_the_general_way(tmp_path, monkeypatch, tried, more):
    path = table(tmp_path, {"A3": "{{ it.text }}", "B3": "{{ it.n }}"}, more=more)
    items = [{"text": "一", "n": 1}, {"text": "二", "n": 2}]
    prepared = PreparedXlsx(path)
    first = prepared.render({"title": "标题", "items": items})
    assert prepared.sheets[0].plain is False and tried == []
    assert PreparedXlsx(path).render({"title": "标题", "items": items}) == first


def test_fixed_values_the_plain_cells_do_not_write_keep_the_sheet_general():
    assert plain.static_is_plain("文字") and plain.static_is_plain(3) and plain.static_is_plain(None)
    assert not plain.static_is_plain(True) and not plain.static_is_plain(date(2025, 1, 1))
    assert not plain.static_is_plain("#DIV/0!") and not plain.static_is_plain(float("inf"))


def test_a_row_style_and_a_blank_styled_cell_keep_their_order_in_the_stylesheet(tmp_path, monkeypatch, tried):
    """Styles are numbered in the order the writer first meets them: rows' styles, then cells'."""

    def styled_rows(wb, ws):
        ws.row_dimensions[3].font = Font(italic=True)
        ws["G3"].fill = PatternFill("solid", fgColor="FFFF00")  # styled, never filled
        ws.row_dimensions[5].height = 30

    path = table(tmp_path, {"A3": "{{ it.text }}"}, more=styled_rows)
    both_ways(path, {"title": "标题", "items": [{"text": "一"}, {"text": "二"}]}, monkeypatch)
    assert tried == ["plain"]


@pytest.mark.parametrize("fixed", ["-", "+86 757", "@", "="])
def test_a_fixed_text_that_starts_as_a_formula_would_is_written_as_the_general_path_writes_it(
    tmp_path, monkeypatch, tried, fixed
):
    """A template's own text is copied (`cell.value = copy(value)`): no quote prefix is added to
    it, as put_value adds one to a filled-in text starting with = + - @."""
    path = table(tmp_path, {"A3": "{{ it.text }}", "F3": fixed}, more=lambda wb, ws: ws.__setitem__("B5", fixed))
    data = both_ways(path, {"title": "标题", "items": [{"text": "一"}, {"text": "-二"}]}, monkeypatch)
    assert tried == ["plain"]
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["F2"].value == fixed and not ws["F2"].quotePrefix and ws["F3"].value == fixed
    assert ws["A3"].value == "-二" and ws["A3"].quotePrefix  # a value filled in still gets one
