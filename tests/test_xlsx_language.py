"""Excel templates speak Word's template language: headers and footers, smart quotes, wide
spaces, `for … if` rows and formatted (rich text) cells."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from qdocgen.errors import TemplateError
from qdocgen.render.xlsx import PreparedXlsx

PROGRESS = [
    {"measure": "甲", "district": "南海区", "status": "完成", "actual": 5},
    {"measure": "乙", "district": "顺德区", "status": "未完成", "actual": 2},
    {"measure": "丙", "district": "南海区", "status": "未完成", "actual": 0},
    {"measure": "丁", "district": "南海区", "status": "完成", "actual": 9},
]
CONTEXT = {"year": 2018, "plan": {"city": "佛山市", "title": "R&D 计划"}, "progress": PROGRESS}


def render(wb, tmp_path, context=CONTEXT):
    path = tmp_path / "t.xlsx"
    wb.save(path)
    return load_workbook(io.BytesIO(PreparedXlsx(path).render(context)), rich_text=True)


def test_headers_and_footers_are_filled(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws.oddHeader.center.text = "{{ plan.city }}{{ year }}年度统计表"
    ws.oddHeader.center.font = "黑体,常规"
    ws.oddHeader.right.text = "{{ plan.title }}"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.firstFooter.left.text = "{% if year %}{{- year -}}{% endif %}"
    out = render(wb, tmp_path).active
    assert out.oddHeader.center.text == "佛山市2018年度统计表"
    assert out.oddHeader.center.font == "黑体,常规"
    assert out.oddHeader.right.text == "R&&D 计划"  # `&` doubled: a header code otherwise
    assert out.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert out.firstFooter.left.text == "2018"


@pytest.mark.parametrize(
    "item, part, text, where",
    [
        ("oddHeader", "center", "{{ plan.citi }}", "页眉（中）"),
        ("oddFooter", "right", "{{ year }", "页脚（右）"),
        ("evenFooter", "left", "{{ nothing }}", "偶数页页脚（左）"),
    ],
)
def test_header_errors_are_located(tmp_path, item, part, text, where):
    wb = Workbook()
    wb.active.title = "表"
    getattr(getattr(wb.active, item), part).text = text
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path)
    assert f"工作表“表”{where}（“{text}”）：" in str(info.value)  # the header as typed, quoted


def test_smart_quotes_and_wide_spaces_inside_tags(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{{ plan.city ~ “市区” }}"
    ws["A2"] = "{%　if year == 2018　%}‘今年’{% endif %}"
    ws["A3"] = "{{\u3000year\u3000}}"
    ws["A4"] = "引号“保留”"
    ws["A5"] = "{%tr for p in progress if p.district == “南海区” %}"
    ws["A6"] = "{{ p.measure }}"
    ws["A7"] = "{%tr endfor %}"
    out = render(wb, tmp_path).active
    assert out["A1"].value == "佛山市市区"
    assert out["A2"].value == "‘今年’"  # quotes outside tags are text and stay as typed
    assert out["A3"].value == 2018
    assert out["A4"].value == "引号“保留”"
    assert [out.cell(r, 1).value for r in range(5, 8)] == ["甲", "丙", "丁"]


def test_for_if_rows_filter_and_loop_counts_the_kept_items(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for p in progress if p.status != '完成' and p.actual is not none %}"
    ws["A2"] = "{{ loop.index }}/{{ loop.length }}"
    ws["B2"] = "{{ p.measure }}"
    ws["A3"] = "{%tr endfor %}"
    ws["A4"] = "共"
    ws["B4"] = "=COUNTA(B2:B2)"
    out = render(wb, tmp_path).active
    assert [(out.cell(r, 1).value, out.cell(r, 2).value) for r in (1, 2)] == [("1/2", "乙"), ("2/2", "丙")]
    assert out["B3"].value == "=COUNTA(B1:B2)"


def test_for_if_with_no_item_kept(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for p in progress if p.actual > 100 %}"
    ws["A2"] = "{{ p.measure }}"
    ws["A3"] = "{%tr endfor %}"
    ws["A4"] = "=SUM(B2:B2)"
    out = render(wb, tmp_path).active
    assert out["A1"].value == "=SUM(0)"


@pytest.mark.parametrize(
    "marker, words",
    [
        ("{%tr for p progress %}", "缺少 in"),
        ("{%tr for p in progress if %}", "if 后缺少条件"),
        ("{%tr for p in progress if p.actual > %}", "模板语法错误"),
        ("{%tr for p in progress if p.nope %}", "没有属性“nope”"),
        ("{%tr for p in progress recursive %}", "recursive"),
    ],
)
def test_bad_loop_headers_are_located(tmp_path, marker, words):
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws["B3"] = marker
    ws["B4"] = "{{ p.measure }}"
    ws["B5"] = "{%tr endfor %}"
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path)
    assert "工作表“表”!B3（“" in str(info.value)  # the marker as typed, quoted
    assert words in str(info.value)


def test_rich_text_keeps_its_runs_around_tags(tmp_path):
    bold = InlineFont(b=True, color="FFFF0000")
    wb = Workbook()
    ws = wb.active
    ws["A1"] = CellRichText(
        [TextBlock(bold, "{{ year }}年"), "工作完成情况（", TextBlock(bold, "{{ plan.city }}"), "）"]
    )
    # a tag split across runs (Excel splits a run where the typing was corrected): joined
    ws["A2"] = CellRichText([TextBlock(bold, "合计：{{ plan."), "city }}。说明"])
    ws["A3"] = CellRichText([TextBlock(bold, "静态"), "文字"])  # no tags: kept as is
    out = render(wb, tmp_path).active
    a1 = out["A1"].value
    assert isinstance(a1, CellRichText)
    assert [
        (isinstance(r, TextBlock) and bool(r.font.b), str(r.text if isinstance(r, TextBlock) else r)) for r in a1
    ] == [
        (True, "2018年"),
        (False, "工作完成情况（"),
        (True, "佛山市"),
        (False, "）"),
    ]
    a2 = out["A2"].value
    assert str(a2) == "合计：佛山市。说明"
    assert a2[0].font.b and a2[0].text == "合计：佛山市。说明"
    assert [str(r.text) if isinstance(r, TextBlock) else r for r in out["A3"].value] == ["静态", "文字"]


def test_word_reads_the_same_tags(tmp_path):
    """One language: the tags the Excel tests above use work in a Word template too."""
    from docx import Document

    from qdocgen.render.docx.engine import PreparedDocx

    doc = Document()
    doc.add_paragraph("{{\u3000plan.city ~ “市区” }}")
    doc.add_paragraph("{%p if year == 2018　%}")
    doc.add_paragraph("今年")
    doc.add_paragraph("{%p endif %}")
    table = doc.add_table(rows=3, cols=1)
    table.rows[0].cells[0].text = "{%tr for p in progress if p.district == “南海区” %}"
    table.rows[1].cells[0].text = "{{ p.measure }}"
    table.rows[2].cells[0].text = "{%tr endfor %}"
    path = tmp_path / "t.docx"
    doc.save(path)
    out = Document(io.BytesIO(PreparedDocx(path).render(CONTEXT)))
    assert [p.text for p in out.paragraphs if p.text] == ["佛山市市区", "今年"]
    assert [row.cells[0].text for row in out.tables[0].rows] == ["甲", "丙", "丁"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{%p if year %}有{%p endif %}", "{%p … %} 是 Word 模板的段落标记"),
        ("{%tc for d in progress %}{{ d.measure }}{%tc endfor %}", "{%tc endfor %} 各自单独占一格"),
        ("{{r plan.city }}", "{{r … }}"),
        ("{{p plan.city }}", "{{r … }}"),
        ("{%r if year %}x{%r endif %}", "{%r … %}"),
        ("{% colspan 2 %}合计", "{%hmerge N %}"),
        ("{% cellbg 'FF0000' %}红", "单元格格式或条件格式"),
        ("{% vm %}{{ year }}", "{%vmerge N %}"),
        ("序号{%tr for p in progress %}", "要单独写在一格中"),
    ],
)
def test_word_only_tags_in_excel_say_so(tmp_path, text, words):
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"], ws["C2"] = "标题", text
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path)
    message = str(info.value)
    assert "工作表“表”!C2" in message and "Word 模板的标记，Excel 模板中不能用" in message and words in message


def test_word_only_tags_in_an_excel_header_say_so(tmp_path):
    wb = Workbook()
    wb.active.oddHeader.center.text = "{{r plan.city }}"
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path)
    assert "页眉（中）" in str(info.value) and "Excel 模板中不能用" in str(info.value)


def test_a_row_marker_that_is_not_for_says_what_excel_has(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "{%tr if year %}"
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path)
    assert "{%tr for x in 列表 if 条件 %}" in str(info.value)


def test_variables_named_like_tags_are_still_variables(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for p in progress %}"
    ws["A2"], ws["B2"] = "{{ p.measure }}", "{{p.actual}}"
    ws["A3"] = "{%tr endfor %}"
    out = render(wb, tmp_path).active
    assert [out["A1"].value, out["B1"].value] == ["甲", 5]


def test_escape_filter_in_excel_is_the_text_itself(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "{{ plan.title|e }}"
    assert render(wb, tmp_path).active["A1"].value == "R&D 计划"
