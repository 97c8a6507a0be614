"""The Excel template engine on small workbooks made in the tests."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from qdocgen.errors import TemplateError
from qdocgen.render.xlsx import PreparedXlsx, text_lines

from conftest import loop_sheet

THIN = Side(style="thin")


def save(wb, path):
    wb.save(path)
    return path


def rendered(path, context):
    return load_workbook(io.BytesIO(PreparedXlsx(path).render(context)))


@pytest.fixture
def loop_template(tmp_path):
    """A title, a header, a one-row loop over `items` and a total row with a formula."""
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = "{{ title }}"
    ws.merge_cells("A1:D1")
    ws.append(["名称", "数量", "备注", "两倍"])
    ws["A3"] = "{%tr for it in items %}"
    ws["A4"] = "{{ it.name }}"
    ws["B4"] = "{{ it.n }}"
    ws["C4"] = "{{ it.note }}"
    ws["D4"] = "=B4*2"
    for col in "ABCD":
        ws[f"{col}4"].border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
        ws[f"{col}4"].font = Font(name="仿宋_GB2312", size=12)
    ws["B4"].number_format = "#,##0"
    ws.row_dimensions[4].height = 22
    ws["A5"] = "{%tr endfor %}"
    ws["A6"] = "合计"
    ws["B6"] = "=SUM(B4:B4)"
    ws["C6"] = "=B6+$B$4"
    ws.column_dimensions["C"].width = 30
    ws.print_title_rows = "2:2"
    ws.protection.sheet = True
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    dv.add("B4:B4")
    ws.add_data_validation(dv)
    wb.defined_names["合计"] = DefinedName("合计", attr_text="'表'!$B$6")
    return save(wb, tmp_path / "loop.xlsx")


ITEMS = [
    {"name": "甲", "n": 10000, "note": '=HYPERLINK("http://x")'},
    {"name": "乙", "n": 2.5, "note": "+86 757"},
    {"name": "丙", "n": 0, "note": "-1 例"},
    {"name": "丁", "n": 7, "note": "@SUM(A1)"},
]


def test_loop_repeats_rows_with_styles_and_heights(loop_template):
    ws = rendered(loop_template, {"title": "标题", "items": ITEMS})["表"]
    assert ws["A1"].value == "标题"
    assert [ws.cell(r, 1).value for r in range(3, 7)] == ["甲", "乙", "丙", "丁"]
    assert ws["A7"].value == "合计"
    for r in range(3, 7):
        assert ws.cell(r, 2).border.left.style == "thin"
        assert ws.cell(r, 1).font.name == "仿宋_GB2312"
        assert ws.cell(r, 2).number_format == "#,##0"
        assert ws.row_dimensions[r].height == 22
    # the marker rows are gone and nothing is left behind the loop
    assert ws.max_row == 7
    assert "A1:D1" in {str(m) for m in ws.merged_cells.ranges}


def test_numbers_stay_numbers_and_text_is_never_a_formula(loop_template):
    ws = rendered(loop_template, {"title": "标题", "items": ITEMS})["表"]
    assert ws["B3"].value == 10000 and ws["B3"].data_type == "n"
    assert ws["B4"].value == 2.5
    assert ws["B5"].value == 0 and ws["B5"].data_type == "n"
    for r, item in zip(range(3, 7), ITEMS, strict=True):
        cell = ws.cell(r, 3)
        assert cell.value == item["note"]
        assert cell.data_type == "s", item["note"]
        assert cell.quotePrefix


def test_formulas_cover_the_rows_that_exist(loop_template):
    ws = rendered(loop_template, {"title": "标题", "items": ITEMS})["表"]
    assert ws["B7"].value == "=SUM(B3:B6)"
    assert ws["C7"].value == "=B7+$B$3"
    assert [ws.cell(r, 4).value for r in range(3, 7)] == ["=B3*2", "=B4*2", "=B5*2", "=B6*2"]


def test_sheet_settings_are_kept_and_moved(loop_template):
    wb = rendered(loop_template, {"title": "标题", "items": ITEMS})
    ws = wb["表"]
    assert ws.column_dimensions["C"].width == 30
    assert ws.print_title_rows == "$2:$2"
    assert ws.protection.sheet
    assert str(ws.data_validations.dataValidation[0].sqref) == "B3:B6"
    assert wb.defined_names["合计"].attr_text == "'表'!$B$7"


def test_empty_loop_leaves_no_rows(loop_template):
    wb = load_workbook(loop_template)
    wb["表"]["C6"] = None  # `$B$4`, the first item, does not exist without items (refused below)
    wb.save(loop_template)
    ws = rendered(loop_template, {"title": "标题", "items": []})["表"]
    assert ws["A3"].value == "合计"
    assert ws["B3"].value == "=SUM(0)"


def test_empty_loop_refuses_a_cell_of_the_missing_rows(loop_template):
    with pytest.raises(TemplateError, match=r"工作表“表”!C6：公式 =B6\+\$B\$4 .*没有数据"):
        PreparedXlsx(loop_template).render({"title": "标题", "items": []})


def test_prepared_once_rendered_many(loop_template):
    prepared = PreparedXlsx(loop_template)
    a = prepared.render({"title": "一", "items": ITEMS[:1]})
    b = prepared.render({"title": "二", "items": ITEMS})
    assert load_workbook(io.BytesIO(a))["表"]["A1"].value == "一"
    assert load_workbook(io.BytesIO(b))["表"].max_row == 7


def test_same_input_same_bytes(loop_template):
    first = PreparedXlsx(loop_template).render({"title": "标题", "items": ITEMS})
    time.sleep(1.1)
    assert PreparedXlsx(loop_template).render({"title": "标题", "items": ITEMS}) == first


def test_a_copy_of_the_template_read_once_writes_what_a_fresh_read_does(tmp_path):
    """Each rendering fills a copy of the workbook read when preparing (render/xlsx/copies.py):
    the bytes must be those of a rendering that reads the package again, for a workbook with
    what a copy could lose: many merged ranges (a set, written in its order), a table, styled
    columns, rich text, a loop sheet whose merges are all replaced."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.worksheet.table import Table

    wb = Workbook()
    ws = wb.active
    ws.title = "静态"
    for k in range(150):
        ws.merge_cells(
            start_row=1 + 2 * (k % 60),
            start_column=1 + 3 * (k // 60),
            end_row=2 + 2 * (k % 60),
            end_column=2 + 3 * (k // 60),
        )
    ws["A1"] = "{{ title }}"
    ws["Z1"], ws["AA1"], ws["Z2"], ws["AA2"] = "名称", "数量", "甲", 1
    ws.add_table(Table(displayName="明细", ref="Z1:AA2"))
    ws.column_dimensions["C"].font = Font(bold=True)
    ws["B200"] = CellRichText(["前", TextBlock(InlineFont(b=True), "{{ title }}"), "后"])
    loop = wb.create_sheet("循环")
    loop["A1"] = "{%tr for it in items %}"
    loop["A2"] = "{%vmerge 2 %}{{ it.name }}"
    loop["B2"] = "{%hmerge 2 %}{{ it.n }}"
    loop["A4"] = "{%tr endfor %}"
    for k in range(80):
        loop.merge_cells(start_row=10 + k, start_column=1, end_row=10 + k, end_column=2 + k % 5)
    path = save(wb, tmp_path / "副本.xlsx")
    context = {"title": "标题", "items": [{"name": f"第{k}项", "n": k} for k in range(40)]}
    prepared, fresh = PreparedXlsx(path), PreparedXlsx(path)
    assert prepared._copier is not None
    fresh._copier = None  # reads the package at every rendering
    assert prepared.render(context) == fresh.render(context)
    assert prepared.render(context) == fresh.render(context)  # and again, from the same copy


@pytest.fixture
def merge_template(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "合并"
    ws["A1"] = "{%tr for g in groups %}"
    ws["A2"] = "{%vmerge g.span %}{{ g.name }}"
    ws["B2"] = "{%hmerge g.wide %}{{ g.text }}"
    ws["C2"] = "{%hmerge 0 if g.wide == 2 else 1 %}{{ g.other }}"
    ws["D2"] = "{{ g.static }}"
    ws["D3"] = "说明"
    ws.merge_cells("D3:E3")  # a static merge inside the loop body, copied per item
    ws["A4"] = "{%tr endfor %}"
    for col in "ABCDE":
        ws[f"{col}2"].alignment = Alignment(wrap_text=True)
    return save(wb, tmp_path / "merge.xlsx")


def test_merges_follow_the_data(merge_template):
    groups = [
        {"name": "一", "span": 4, "wide": 2, "text": "跨两列", "other": "不应出现", "static": 1},
        {"name": "一", "span": 0, "wide": 1, "text": "左", "other": "右", "static": 2},
        {"name": "二", "span": 2, "wide": 1, "text": "左", "other": "右", "static": 3},
        {"name": "二", "span": 0, "wide": 1, "text": "左", "other": "右", "static": 4},
    ]
    ws = rendered(merge_template, {"groups": groups})["合并"]
    # two template rows per item: item 1 is output rows 1–2, item 2 rows 3–4, …
    assert {str(m) for m in ws.merged_cells.ranges} == {
        "A1:A4",  # vmerge counts output rows
        "A5:A6",
        "B1:C1",  # hmerge 2 on item 1 only
        "D2:E2",  # the template's own merge D3:E3, once per item
        "D4:E4",
        "D6:E6",
        "D8:E8",
    }
    assert [ws.cell(r, 4).value for r in (1, 3, 5, 7)] == [1, 2, 3, 4]
    assert ws["C1"].value is None
    assert ws["C3"].value == "右"


def test_vmerge_spans_output_rows(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for g in groups %}"
    ws["A2"] = "{%vmerge g.span %}{{ g.name }}"
    ws["B2"] = "{{ g.n }}"
    ws["A3"] = "{%tr endfor %}"
    path = save(wb, tmp_path / "v.xlsx")
    groups = [
        {"name": "甲", "span": 3, "n": 1},
        {"name": "甲", "span": 0, "n": 2},
        {"name": "甲", "span": 0, "n": 3},
        {"name": "乙", "span": 1, "n": 4},
        {"name": "丙", "span": 2, "n": 5},
        {"name": "丙", "span": 0, "n": 6},
    ]
    out = rendered(path, {"groups": groups}).active
    assert {str(m) for m in out.merged_cells.ranges} == {"A1:A3", "A5:A6"}
    assert [out.cell(r, 1).value for r in range(1, 7)] == ["甲", None, None, "乙", "丙", None]
    assert [out.cell(r, 2).value for r in range(1, 7)] == [1, 2, 3, 4, 5, 6]


def test_wrapped_text_grows_rows_even_when_merged(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 10
    ws["A1"] = "{%tr for g in groups %}"
    ws["A2"] = "{%vmerge g.span %}{{ g.text }}"
    ws["A2"].alignment = Alignment(wrap_text=True)
    ws["A2"].font = Font(size=12)
    ws["A3"] = "{%tr endfor %}"
    path = save(wb, tmp_path / "h.xlsx")
    long = "工业产品质量提升" * 10
    out = rendered(
        path, {"groups": [{"span": 2, "text": long}, {"span": 0, "text": ""}, {"span": 1, "text": "短"}]}
    ).active
    needed = text_lines(long, 10 * 7 + 5 - 6, 12) * 12
    assert out.row_dimensions[1].height + out.row_dimensions[2].height >= needed
    assert (out.row_dimensions[3].height or 15) <= 20


def write_cell_template(tmp_path, value, coord="C5", sheet="省表"):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws[coord] = value
    return save(wb, tmp_path / "bad.xlsx")


@pytest.mark.parametrize(
    "value, words",
    [
        ("{{ nothing }}", "未定义的变量“nothing”"),
        ("{{ plan.nope }}", "没有属性“nope”"),
        ("{% if %}", "模板语法错误"),
        ("{{ 1 + }}", "模板语法错误"),
        ("{%vmerge 'x' %}{{ plan.city }}", "合并的行数或列数"),
    ],
)
def test_errors_name_template_sheet_and_cell(tmp_path, value, words):
    path = write_cell_template(tmp_path, value)
    with pytest.raises(TemplateError) as info:
        PreparedXlsx(path).render({"plan": {"city": "佛山市"}})
    message = str(info.value)
    assert message.startswith(f"模板 {path} 工作表“省表”!C5（“{value}”）：")  # the cell and its text
    assert words in message


def test_unclosed_loop_is_located(tmp_path):
    path = write_cell_template(tmp_path, "{%tr for r in rows %}", coord="A7")
    with pytest.raises(TemplateError, match="工作表“省表”!A7.*endfor"):
        PreparedXlsx(path)


def test_not_a_workbook(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("hello")
    with pytest.raises(TemplateError, match="不是 Excel 工作簿"):
        PreparedXlsx(path)


def test_sandbox_refuses_internals(tmp_path):
    path = write_cell_template(tmp_path, "{{ plan.__class__.__mro__ }}")
    with pytest.raises(TemplateError, match="C5"):
        PreparedXlsx(path).render({"plan": {}})


def test_conditional_formatting_and_unknown_list(tmp_path):
    from openpyxl.formatting.rule import CellIsRule

    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = "{%tr for x in xs %}"
    ws["A2"] = "{{ x }}"
    ws["A3"] = "{%tr endfor %}"
    ws.conditional_formatting.add("A2:A2", CellIsRule(operator="lessThan", formula=["0"], font=Font(color="FF0000")))
    path = save(wb, tmp_path / "cf.xlsx")
    out = rendered(path, {"xs": [1, -2, 3]})["表"]
    assert [str(cf.sqref) for cf in out.conditional_formatting] == ["A1:A3"]
    with pytest.raises(TemplateError, match="工作表“表”!A1（“{%tr for x in xs %}”）：未定义的变量“xs”"):
        PreparedXlsx(path).render({})


# -- found by a new-user trial: refused rather than silently wrong -------------------------


@pytest.mark.parametrize(
    "cell, value",
    [("B4", "=SUM(B3:B3)"), ("C4", "合计"), ("C2", "说明"), ("D2", 0), ("B4", "{%tr endfor %}")],
)
def test_content_on_a_marker_row_is_refused_naming_the_cell(tmp_path, cell, value):
    """A marker row is deleted: a total written beside {%tr endfor %} vanished without a word."""
    wb, ws = loop_sheet()
    ws[cell] = value
    with pytest.raises(TemplateError) as info:
        PreparedXlsx(save(wb, tmp_path / "t.xlsx"))
    message = str(info.value)
    assert f"工作表“排名”!{cell}" in message and "标记所在的行在输出中整行删去" in message
    assert f"行标记 A{cell[1]}" in message


def test_blank_or_formatted_cells_on_a_marker_row_are_fine(tmp_path):
    wb, ws = loop_sheet()
    ws["B4"] = "  "
    ws["C2"].font = Font(b=True)
    out = rendered(save(wb, tmp_path / "t.xlsx"), {"items": [{"name": "甲", "n": 1}]})
    assert [[c.value for c in row] for row in out.active.iter_rows(max_col=2)] == [["区", "完成"], ["甲", 1]]


@pytest.mark.parametrize("formula", ["=2*{{ year }}", '=IF(A2="{% if x %}",1,0)'])
def test_a_tag_inside_a_formula_is_refused_naming_the_cell(tmp_path, formula):
    wb = Workbook()
    wb.active.title = "表"
    wb.active["C3"] = formula
    with pytest.raises(TemplateError) as info:
        PreparedXlsx(save(wb, tmp_path / "t.xlsx"))
    message = str(info.value)
    assert f"工作表“表”!C3（“{formula}”）" in message and "公式中不能写" in message


def test_render_refuses_an_output_name_of_another_format(tmp_path, cli):
    wb = Workbook()
    wb.active["A1"] = "{{ plan.city }}"
    template = save(wb, tmp_path / "省表格.xlsx")
    result = cli("render", template, "-o", "out.docx")
    assert result.exit_code != 0
    assert "输出文件应为 .xlsx（与模板相同）" in result.output and "out.xlsx" in result.output
    assert not (tmp_path / "out.docx").exists()
    result = cli("render", template, "-o", "out.XLSX")
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "out.XLSX").active["A1"].value == "佛山市"
