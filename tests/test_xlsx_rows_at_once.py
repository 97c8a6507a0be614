"""The expressions of an Excel row's cells are evaluated together (jinja_env.ExpressionBatch):
the same values, and the same errors naming the same cell, as evaluating them one by one."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from qdocgen.errors import TemplateError
from qdocgen.render.jinja_env import make_env
from qdocgen.render.spans import Span
from qdocgen.render.xlsx import PreparedXlsx


def table(tmp_path, cells: dict[str, str]):
    """A sheet 表: a header row, a loop over `items` with `cells` in row 3, a total row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = "标题"
    ws["A2"] = "{%tr for it in items %}"
    for coord, text in cells.items():
        ws[coord] = text
    ws["A4"] = "{%tr endfor %}"
    ws["A5"] = "合计"
    path = tmp_path / "t.xlsx"
    wb.save(path)
    return path


def values(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


ITEMS = [
    {"name": "甲", "n": 3, "x": 0.1, "d": Decimal("2.50"), "note": None, "flag": True},
    {"name": "乙", "n": -7, "x": 1e20, "d": Decimal("0"), "note": "=不是公式", "flag": False},
    {"name": " 丙 ", "n": 10**15, "x": 0.1 + 0.2, "d": Decimal("-1.5"), "note": "说明", "flag": None},
]


def test_a_rows_values_are_those_of_its_cells_one_by_one(tmp_path):
    cells = {
        "A3": "{{ it.name }}",
        "B3": "{{ it.n }}",
        "C3": "{{ it.x }}",
        "D3": "{{ it.d }}",
        "E3": "{{ it.note }}",
        "F3": "{{ it.flag }}",
        "G3": "{{ loop.index }}/{{ loop.length }}",  # a template, not a single expression
        "H3": "{{ it.n * 2 if it.n > 0 else 'neg' }}",
        "I3": "{{ items|length }}",
    }
    path = table(tmp_path, cells)
    prepared = PreparedXlsx(path)
    assert prepared.sheets[0].batches  # the row's expressions are evaluated together
    got = values(prepared.render({"items": ITEMS}))
    assert got[1][:9] == ["甲", 3, 0.1, 2.5, None, True, "1/3", 6, 3]
    assert got[2][:9] == ["乙", -7, 1e20, 0, "=不是公式", False, "2/3", "neg", 3]
    assert got[3][:9] == [" 丙 ", 10**15, 0.3, -1.5, "说明", None, "3/3", 2 * 10**15, 3]  # (openpyxl writes 16 digits)
    together = prepared.render({"items": ITEMS})
    for sheet in prepared.sheets:
        sheet.batches.clear()
    assert prepared.render({"items": ITEMS}) == together  # cell by cell: the same bytes


def test_an_error_in_one_cell_of_a_row_names_that_cell(tmp_path):
    path = table(tmp_path, {"A3": "{{ it.name }}", "B3": "{{ it.n + 1 }}", "C3": "{{ it.nmae }}"})
    with pytest.raises(TemplateError, match=r"表”!C3") as info:
        PreparedXlsx(path).render({"items": ITEMS})
    assert "name" in str(info.value)  # the suggestion from the names the expression could use

    path = table(tmp_path, {"A3": "{{ it.name }}", "B3": "{{ it.n / it.d }}", "C3": "{{ it.note }}"})
    with pytest.raises(TemplateError, match=r"表”!B3"):  # 3 / 2.5 is fine, -7 / 0 is not
        PreparedXlsx(path).render({"items": ITEMS})


def test_a_cell_a_merge_covers_is_not_evaluated(tmp_path):
    """Evaluated together, the value of a cell under a merge is worked out too; when that fails
    the row is evaluated cell by cell, which (as before) never asks for it."""
    items = [
        {"g": {"name": "组一"}, "span": Span(2, "一", 2)},
        {"g": None, "span": Span(0, "一", 2)},
        {"g": {"name": "组二"}, "span": Span(1, "二", 1)},
    ]
    path = table(tmp_path, {"A3": "{%vmerge it.span %}{{ it.g.name }}", "B3": "{{ loop.index }}"})
    data = PreparedXlsx(path).render({"items": items})
    ws = load_workbook(io.BytesIO(data)).active
    assert [ws.cell(r, 1).value for r in (2, 3, 4)] == ["组一", None, "组二"]
    assert [ws.cell(r, 2).value for r in (2, 3, 4)] == [1, 2, 3]
    assert "A2:A3" in {str(r) for r in ws.merged_cells.ranges}


def test_a_bad_span_names_its_cell(tmp_path):
    path = table(tmp_path, {"A3": "{%hmerge it.w %}{{ it.name }}", "B3": "{{ it.name }}"})
    with pytest.raises(TemplateError, match=r"表”!A3.*不小于 0 的整数"):
        PreparedXlsx(path).render({"items": [{"name": "甲", "w": 1}, {"name": "乙", "w": -1}]})


def test_batches_are_not_made_where_they_could_clash():
    env = make_env(autoescape=False)
    assert env.compile_batch(["a", "qdocgen_batch_0"]) is None  # the names a batch sets
    assert env.compile_batch(["a", "b +"]) is None  # does not compile
    batch = env.compile_batch(["a", "'%}' ~ b", "a.x"])
    assert batch({"a": {"x": 1}, "b": "!"}) == [{"x": 1}, "%}!", 1]
    assert batch({"a": {}, "b": "!"}) is None  # a.x undefined: told when evaluated alone
    assert batch({"a": 1, "b": "!"}) is None  # `1.x`: undefined too
    assert "qdocgen_batch_0" not in env.used_names()


def test_cells_taken_from_the_batch_directly_are_as_filled_one_by_one(tmp_path):
    """The cells written straight from a row's batch (one expression; or a `{%vmerge %}` whose
    span knows its group, with or without a `{%hmerge %}`, 0 too) give the bytes of the same rows
    evaluated cell by cell."""
    items = [
        {
            "g": "组一",
            "span": Span(2, "一", 2),
            "n": 3,
            "note": "=不是公式",
            "w": 2,
            "text": " 甲 ",
            "wide": 2,
            "none": 0,
        },
        {"g": "组一", "span": Span(0, "一", 2), "n": 1.5, "note": None, "w": 0, "text": "乙", "wide": 2, "none": 0},
        {
            "g": "组二",
            "span": Span(1, "二", 1),
            "n": Decimal("2.5"),
            "note": "说明",
            "w": 1,
            "text": "",
            "wide": 1,
            "none": 0,
        },
        {
            "g": "组三",
            "span": Span(0, "三", 2),
            "n": float("inf"),
            "note": True,
            "w": 1,
            "text": "丁\n戊",
            "wide": 2,
            "none": 0,
        },
    ]
    cells = {
        "A3": "{%vmerge it.span %}{{ it.g }}",
        "B3": "{{ it.n }}",
        "C3": "{{ it.note }}",
        "D3": "{%vmerge it.w %}{{ it.text }}",
        "E3": "第{{ loop.index }}项",
        "F3": "{%vmerge it.span %}{%hmerge it.wide %}{{ it.g }}",
        "H3": "{%vmerge it.span %}{%hmerge it.none %}{{ it.g }}",
    }
    path = table(tmp_path, cells)
    at_once = PreparedXlsx(path)
    assert any(sheet.batches for sheet in at_once.sheets)
    one_by_one = PreparedXlsx(path)
    for sheet in one_by_one.sheets:
        sheet.batches.clear()
    for chosen in (items, items[1:], items[::2]):
        assert at_once.render({"items": chosen}) == one_by_one.render({"items": chosen})
