"""References follow the rows a loop adds, on every sheet; or the render is refused, never wrong.

Templates are made the way a clerk makes them (openpyxl here, LibreOffice below); where
LibreOffice is installed it recalculates the filled workbook and the totals are compared with
the data.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from qdocgen.errors import TemplateError
from qdocgen.render.xlsx import PreparedXlsx

from conftest import loop_sheet, needs_soffice, soffice_convert

ITEMS = [
    {"name": "禅城", "v": 120.5, "n": 3},
    {"name": "南海", "v": 3000, "n": 7},
    {"name": "顺德", "v": 0, "n": 0},
    {"name": "高明", "v": 23, "n": 1},
    {"name": "三水", "v": 300, "n": 2},
]
TOTAL = sum(it["v"] for it in ITEMS)  # 3443.5


def province_workbook():
    """A detail sheet with a two-row header, a loop and a total; a summary sheet pointing at it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws["A1"] = "{{ title }}"
    ws.append(["区", "完成值", "项数", "累计"])
    ws["A3"] = "{%tr for p in items %}"
    ws["A4"] = "{{ p.name }}"
    ws["B4"] = "{{ p.v }}"
    ws["C4"] = "{{ p.n }}"
    ws["D4"] = "=SUM($B$4:B4)"  # a running total
    ws["A5"] = "{%tr endfor %}"
    ws["A6"] = "合计"
    ws["B6"] = "=SUM(B4:B4)"
    ws["C6"] = "=SUM(C4:C4)"
    ws["A8"] = "填表说明"
    summary = wb.create_sheet("汇总")
    summary["A1"] = "全市合计"
    summary["B1"] = "=SUM(明细!B4:B4)"
    summary["A2"] = "按名称"
    summary["B2"] = "=SUM(完成值)"
    summary["A3"] = "明细表合计格"
    summary["B3"] = "=明细!B6"
    summary["A4"] = "平均"
    summary["B4"] = "=AVERAGE('明细'!$B$4:$B$4)"
    summary["A5"] = "区数"
    summary["B5"] = "=COUNTA(明细!A3:A5)"  # marker rows and body: all the rows
    wb.defined_names["完成值"] = DefinedName("完成值", attr_text="明细!$B$4:$B$4")
    return wb


def render(wb, tmp_path, context, name="t.xlsx") -> bytes:
    path = tmp_path / name
    wb.save(path)
    return PreparedXlsx(path).render(context)


def test_formulas_on_other_sheets_and_names_follow_the_rows(tmp_path):
    out = load_workbook(io.BytesIO(render(province_workbook(), tmp_path, {"title": "表", "items": ITEMS})))
    detail, summary = out["明细"], out["汇总"]
    assert [detail.cell(r, 1).value for r in range(3, 8)] == [it["name"] for it in ITEMS]
    assert detail["B8"].value == "=SUM(B3:B7)"
    assert [detail.cell(r, 4).value for r in range(3, 8)] == [f"=SUM($B$3:B{r})" for r in range(3, 8)]
    assert detail["A10"].value == "填表说明"
    assert summary["B1"].value == "=SUM(明细!B3:B7)"
    assert summary["B2"].value == "=SUM(完成值)"
    assert out.defined_names["完成值"].attr_text == "明细!$B$3:$B$7"
    assert summary["B3"].value == "=明细!B8"
    assert summary["B4"].value == "=AVERAGE('明细'!$B$3:$B$7)"
    assert summary["B5"].value == "=COUNTA(明细!A3:A7)"


@needs_soffice
@pytest.mark.parametrize("made_by", ["openpyxl", "LibreOffice"])
def test_libreoffice_computes_the_right_totals(tmp_path, made_by):
    template = tmp_path / "province.xlsx"
    province_workbook().save(template)
    if made_by == "LibreOffice":  # the template as LibreOffice saves it: its own formula and name XML
        (template,) = soffice_convert([template], tmp_path / "made", to="xlsx")
    data = PreparedXlsx(template).render({"title": "表", "items": ITEMS})
    (tmp_path / "out").mkdir()
    filled = tmp_path / "out" / "filled.xlsx"
    filled.write_bytes(data)
    (recalculated,) = soffice_convert([filled], tmp_path / "lo", to="xlsx")
    wb = load_workbook(recalculated, data_only=True)
    detail, summary = wb["明细"], wb["汇总"]
    assert detail["B8"].value == pytest.approx(TOTAL)
    assert detail["C8"].value == sum(it["n"] for it in ITEMS)
    running = [detail.cell(r, 4).value for r in range(3, 8)]
    assert running == pytest.approx([120.5, 3120.5, 3120.5, 3143.5, 3443.5])
    assert summary["B1"].value == pytest.approx(TOTAL)
    assert summary["B2"].value == pytest.approx(TOTAL)
    assert summary["B3"].value == pytest.approx(TOTAL)
    assert summary["B4"].value == pytest.approx(TOTAL / len(ITEMS))
    assert summary["B5"].value == len(ITEMS)


@pytest.mark.parametrize("count", [1, 2])
def test_one_and_two_items(tmp_path, count):
    out = load_workbook(io.BytesIO(render(province_workbook(), tmp_path, {"title": "表", "items": ITEMS[:count]})))
    assert out["汇总"]["B1"].value == f"=SUM(明细!B3:B{2 + count})"
    assert out["明细"].cell(3 + count, 2).value == f"=SUM(B3:B{2 + count})"


def test_no_items_sum_is_zero_but_average_is_refused(tmp_path):
    wb = province_workbook()
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path, {"title": "表", "items": []})
    message = str(info.value)
    assert "工作表“汇总”!B4" in message and "没有数据" in message
    del wb["汇总"]
    del wb.defined_names["完成值"]
    wb["明细"]["D4"] = None
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"title": "表", "items": []})))
    assert out["明细"]["B3"].value == "=SUM(0)"
    assert out["明细"]["A3"].value == "合计"


def two_row_loop():
    """Each item takes two rows: a value row and a remark row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws["A1"] = "{%tr for p in items %}"
    ws["A2"] = "{{ p.name }}"
    ws["B2"] = "{{ p.v }}"
    ws["A3"] = "说明"
    ws["B3"] = "{{ p.n }}"
    ws["A4"] = "{%tr endfor %}"
    ws["A5"] = "合计"
    return wb


@pytest.mark.parametrize(
    "sheet, formula, words",
    [
        ("明细", "=SUM(B2:B2)", "第 2—3 行这一行循环（A1 起）中的部分行"),
        ("汇总", "=SUM(明细!B3:B3)", "部分行"),
        ("汇总", "=SUM(明细!B1:B2)", "部分行"),
        ("汇总", '=SUM(INDIRECT("明细!B2:B3"))', "INDIRECT"),
        ("汇总", "=SUM(OFFSET(明细!B2,0,0,2,1))", "OFFSET"),
        ("汇总", "=明细!A4", "标记所在的第 4 行"),
    ],
)
def test_references_that_cannot_follow_are_refused_with_the_cell(tmp_path, sheet, formula, words):
    wb = two_row_loop()
    target = wb["明细"] if sheet == "明细" else wb.create_sheet("汇总")
    target["B5" if sheet == "明细" else "C2"] = formula
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path, {"items": ITEMS})
    message = str(info.value)
    assert f"工作表“{sheet}”!{'B5' if sheet == '明细' else 'C2'}：公式 {formula} 无法随行循环调整" in message
    assert words in message


def test_whole_two_row_body_grows(tmp_path):
    wb = two_row_loop()
    wb["明细"]["B5"] = "=SUM(B2:B3)"
    summary = wb.create_sheet("汇总")
    summary["A1"] = '=SUMPRODUCT((明细!A1:A4="说明")*明细!B1:B4)'
    summary["A2"] = "=明细!B3"  # the first item's second row
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS[:3]})))
    assert out["明细"]["B7"].value == "=SUM(B1:B6)"
    assert out["汇总"]["A1"].value == '=SUMPRODUCT((明细!A1:A6="说明")*明细!B1:B6)'
    assert out["汇总"]["A2"].value == "=明细!B2"


def test_sheet_settings_follow_the_rows(tmp_path):
    wb = province_workbook()
    ws = wb["明细"]
    ws.conditional_formatting.add("B4:B4", FormulaRule(formula=["B4>AVERAGE($B$4:$B$4)"], font=Font(color="FF0000")))
    ws.add_table(Table(displayName="明细表", ref="A2:C6"))
    ws.print_area = "A1:D8"
    ws.freeze_panes = "B4"
    summary = wb["汇总"]
    dv = DataValidation(type="list", formula1="=明细!$A$4:$A$4")
    dv.add("C1")
    summary.add_data_validation(dv)
    summary.conditional_formatting.add("B1", FormulaRule(formula=["B1<>SUM(明细!$B$4:$B$4)"], font=Font(b=True)))
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"title": "表", "items": ITEMS})))
    detail = out["明细"]
    (cf,) = list(detail.conditional_formatting)
    assert str(cf.sqref) == "B3:B7"
    assert cf.rules[0].formula == ["B3>AVERAGE($B$3:$B$7)"]
    assert detail.tables["明细表"].ref == "A2:C8"
    assert detail.print_area == "'明细'!$A$1:$D$10"
    assert detail.freeze_panes == "B3"
    summary = out["汇总"]
    assert summary.data_validations.dataValidation[0].formula1 == "=明细!$A$3:$A$7"
    (cf,) = list(summary.conditional_formatting)
    assert cf.rules[0].formula == ["B1<>SUM(明细!$B$3:$B$7)"]


def test_validations_and_formats_on_one_row_of_a_two_row_item_are_copied_to_every_item(tmp_path):
    wb = two_row_loop()
    ws = wb["明细"]
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    dv.add("B2")
    ws.add_data_validation(dv)
    ws.conditional_formatting.add("B3", FormulaRule(formula=["B3>B2"], font=Font(b=True)))
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS[:3]})))["明细"]
    assert str(out.data_validations.dataValidation[0].sqref) == "B1 B3 B5"
    (cf,) = list(out.conditional_formatting)
    assert str(cf.sqref) == "B2 B4 B6"
    assert cf.rules[0].formula == ["B2>B1"]  # relative to the first cell, as Excel reads it


def test_links_into_the_workbook_follow_the_rows(tmp_path):
    from openpyxl.worksheet.hyperlink import Hyperlink

    wb = province_workbook()
    wb["汇总"]["A1"].hyperlink = Hyperlink(ref="A1", location="明细!A6")  # 插入 → 链接 → 本文档中的位置
    wb["明细"]["A1"].hyperlink = Hyperlink(ref="A1", location="'汇总'!A1")
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"title": "表", "items": ITEMS})))
    assert out["汇总"]["A1"].hyperlink.location == "明细!A8"  # the total row, moved down
    assert out["明细"]["A1"].hyperlink.location == "'汇总'!A1"


def test_merge_partly_over_a_loop_is_refused(tmp_path):
    wb = two_row_loop()
    wb["明细"].merge_cells("C3:C5")
    with pytest.raises(TemplateError, match="工作表“明细”!C3：合并区域 C3:C5 只覆盖行循环"):
        render(wb, tmp_path, {"items": ITEMS})


def test_merge_over_the_whole_loop_grows(tmp_path):
    wb = two_row_loop()
    wb["明细"]["C2"] = "备注"
    wb["明细"].merge_cells("C1:C4")
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS[:3]})))
    assert "C1:C6" in {str(m) for m in out["明细"].merged_cells.ranges}


# -- charts ------------------------------------------------------------------------------


def chart_workbook():
    """A ranking sheet with a loop, and a bar chart of it placed below the table."""
    wb, ws = loop_sheet("s", "v", ("区", "完成率"))
    ws["A5"] = "合计"
    ws["B5"] = "=SUM(B3:B3)"
    chart = BarChart()
    chart.title = "完成值"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=3))
    ws.add_chart(chart, "A7")
    other = wb.create_sheet("图")
    chart2 = BarChart()
    chart2.add_data(Reference(ws, min_col=2, min_row=2, max_row=4))  # markers included: the whole loop
    chart2.set_categories(Reference(ws, min_col=1, min_row=2, max_row=4))
    other.add_chart(chart2, "B2")
    return wb


def chart_xml(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode() for n in z.namelist() if n.startswith(("xl/charts/", "xl/drawings/"))}


def test_chart_series_grow_with_the_rows_and_caches_hold_the_data(tmp_path):
    data = render(chart_workbook(), tmp_path, {"items": ITEMS})
    out = load_workbook(io.BytesIO(data))
    (chart,) = out["排名"]._charts
    series = chart.series[0]
    assert series.val.numRef.f == "'排名'!$B$2:$B$6"
    assert series.cat.strRef.f == "'排名'!$A$2:$A$6"  # text categories, cached as text
    assert series.tx.strRef.f == "'排名'!B1"
    (chart2,) = out["图"]._charts
    assert chart2.series[0].val.numRef.f == "'排名'!$B$2:$B$6"
    xml = chart_xml(data)
    first = next(v for k, v in sorted(xml.items()) if k.startswith("xl/charts/chart") and "$B$2:$B$6" in v)
    cached = re.findall(r"<(?:c:)?pt idx=\"(\d+)\"><(?:c:)?v>([^<]*)</(?:c:)?v>", first)
    assert ("1", "3000") in cached and ("4", "300") in cached
    assert "禅城" in first and "三水" in first
    # the chart stood two rows below the total; it still does, with its size kept
    anchor = out["排名"]._charts[0].anchor
    assert anchor._from.row + 1 == 7 + 2  # total now on row 7; the chart from row 9 (1-based)


def test_chart_with_no_items_shows_no_series(tmp_path):
    out = load_workbook(io.BytesIO(render(chart_workbook(), tmp_path, {"items": []})))
    (chart,) = out["排名"]._charts
    assert chart.series == []


@needs_soffice
def test_libreoffice_made_template_with_a_chart(tmp_path):
    """The same template saved by LibreOffice (its own chart XML and shared strings)."""
    wb = chart_workbook()
    wb.save(tmp_path / "plain.xlsx")
    (lo_made,) = soffice_convert([tmp_path / "plain.xlsx"], tmp_path / "lo", to="xlsx")
    data = PreparedXlsx(lo_made).render({"items": ITEMS})
    out = load_workbook(io.BytesIO(data))
    (chart,) = out["排名"]._charts
    assert chart.series[0].val.numRef.f.replace("'", "") == "排名!$B$2:$B$6"
    assert "{{" not in "".join(chart_xml(data).values())  # no cache still showing the template's tags
    written = chart_xml(data)["xl/charts/chart1.xml"]
    assert '<c:roundedCorners val="0"/>' in written and "<c:autoTitleDeleted" in written  # carried as written
    (tmp_path / "out").mkdir()
    filled = tmp_path / "out" / "filled.xlsx"
    filled.write_bytes(data)
    (recalculated,) = soffice_convert([filled], tmp_path / "lo2", to="xlsx")
    assert load_workbook(recalculated, data_only=True)["排名"]["B7"].value == pytest.approx(TOTAL)


STYLE_NS = "http://schemas.microsoft.com/office/2011/relationships/chartStyle"
COLORS_NS = "http://schemas.microsoft.com/office/2011/relationships/chartColorStyle"


def excel_like(path, plain: bytes) -> None:
    """The openpyxl template as Excel 2016 saves a chart: no rounded corners, the c14 style in
    mc:AlternateContent, an extension list, and chart style and colour parts beside the chart."""
    src = zipfile.ZipFile(io.BytesIO(plain))
    with zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/charts/chart1.xml":
                text = data.decode()
                head = text.index("<chart>") if "<chart>" in text else text.index("<c:chart>")
                text = (
                    text[:head]
                    + '<roundedCorners val="0"/><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/'
                    'markup-compatibility/2006"><mc:Choice Requires="c14" xmlns:c14="http://schemas.microsoft.com/'
                    'office/drawing/2007/8/2/chart"><c14:style val="102"/></mc:Choice><mc:Fallback><style val="2"/>'
                    "</mc:Fallback></mc:AlternateContent>" + text[head:]
                )
                data = text.encode()
            if name == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/charts/style1.xml" ContentType="application/vnd.ms-office.chartstyle+xml"/>'
                    b'<Override PartName="/xl/charts/colors1.xml" '
                    b'ContentType="application/vnd.ms-office.chartcolorstyle+xml"/></Types>',
                )
            dst.writestr(name, data)
        dst.writestr(
            "xl/charts/style1.xml",
            '<cs:chartStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" id="201"/>',
        )
        dst.writestr(
            "xl/charts/colors1.xml",
            '<cs:colorStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" meth="cycle" id="10"/>',
        )
        dst.writestr(
            "xl/charts/_rels/chart1.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId2" Type="{COLORS_NS}" Target="colors1.xml"/>'
            f'<Relationship Id="rId1" Type="{STYLE_NS}" Target="style1.xml"/></Relationships>',
        )


def test_chart_parts_are_carried_as_written(tmp_path):
    """What openpyxl's chart model would lose (rounded corners off, the Excel 2010 style, the
    chart style and colour parts) is kept: the template's own chart XML is carried."""
    wb = chart_workbook()
    del wb["图"]
    buf = io.BytesIO()
    wb.save(buf)
    excel_like(tmp_path / "excel.xlsx", buf.getvalue())
    data = PreparedXlsx(tmp_path / "excel.xlsx").render({"items": ITEMS})
    z = zipfile.ZipFile(io.BytesIO(data))
    chart = z.read("xl/charts/chart1.xml").decode()
    assert '<roundedCorners val="0"/>' in chart.replace("c:", "")
    assert 'c14:style val="102"' in chart
    assert "'排名'!$B$2:$B$6" in chart and "'排名'!$A$2:$A$6" in chart
    assert z.read("xl/charts/style1.xml").startswith(b"<cs:chartStyle")
    rels = z.read("xl/charts/_rels/chart1.xml.rels").decode()
    assert STYLE_NS in rels and COLORS_NS in rels
    types = z.read("[Content_Types].xml").decode()
    assert "/xl/charts/style1.xml" in types and "/xl/charts/colors1.xml" in types
    out = load_workbook(io.BytesIO(data))  # openpyxl, standing in for Excel, still reads it
    assert out["排名"]._charts[0].series[0].val.numRef.f == "'排名'!$B$2:$B$6"
    assert PreparedXlsx(tmp_path / "excel.xlsx").render({"items": ITEMS}) == data


def ranking_chart_template(path):
    """The chart example of docs/templates.md: the standings table and a bar chart over its loop row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    ws["A1"] = "{{ period.words }}各区考核指标完成率"
    ws.append(["名次", "区", "完成率"])
    ws["A3"] = "{%tr for s in standings %}"
    ws["A4"] = "{{ s.rank }}"
    ws["B4"] = "{{ s.district }}"
    ws["C4"] = "{{ s.rate }}"
    ws["C4"].number_format = "0.0%"
    ws["A5"] = "{%tr endfor %}"
    chart = BarChart()
    chart.title = "各区完成率"
    chart.add_data(Reference(ws, min_col=3, min_row=2, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=4, max_row=4))
    ws.add_chart(chart, "E2")
    wb.save(path)
    return path


def test_documented_chart_of_a_context_list(cli, tmp_path, plan, figures):
    from qdocgen.figures.period import Period
    from qdocgen.progress import evaluate

    template = ranking_chart_template(tmp_path / "排名图.xlsx")
    result = cli("render", template, "--year", "2018", "-o", "out.xlsx")
    assert result.exit_code == 0, result.output
    data = (tmp_path / "out.xlsx").read_bytes()
    ws = load_workbook(io.BytesIO(data))["排名"]
    standings = sorted(
        evaluate(plan, figures, Period(2018)).standings, key=lambda s: (s.rank, plan.district_names.index(s.district))
    )
    n = len(standings)
    assert n == len(plan.district_names) > 1
    (chart,) = ws._charts
    assert chart.series[0].val.numRef.f == f"'排名'!$C$3:$C${2 + n}"
    assert chart.series[0].cat.strRef.f == f"'排名'!$B$3:$B${2 + n}"
    assert [p.v for p in chart.series[0].val.numRef.numCache.pt] == pytest.approx([s.rate for s in standings])
    assert [p.v for p in chart.series[0].cat.strRef.strCache.pt] == [s.district for s in standings]


def test_pictures_below_a_loop_move_down(tmp_path):
    from openpyxl.drawing.image import Image
    from PIL import Image as PILImage

    png = tmp_path / "seal.png"
    PILImage.new("RGB", (40, 40), "red").save(png)
    wb = two_row_loop()
    wb["明细"].add_image(Image(str(png)), "B7")
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS[:3]})))
    (picture,) = out["明细"]._images
    # three two-row items where the template had one (+4 rows), less the two marker rows: row 7 → 9
    assert picture.anchor._from.row + 1 == 9


# -- found by a new-user trial: never a silently wrong formula ------------------------------


def share_workbook(formula: str):
    """Two rows per item (完成 / 未完成), a formula in E on the first row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws.append(["区", "项目", "数"])
    ws["A2"] = "{%tr for p in items %}"
    ws["A3"] = "{{ p.name }}"
    ws["B3"] = "完成"
    ws["C3"] = "{{ p.v }}"
    ws["B4"] = "未完成"
    ws["C4"] = "{{ p.n }}"
    ws["A5"] = "{%tr endfor %}"
    ws["E3"] = formula
    return wb


@pytest.mark.parametrize("formula", ["=C3/SUM($C$3:$C$3)", "=SUM($C$3:C3)", "=SUM(C3:$C$3)"])
def test_a_dollar_range_over_part_of_a_two_row_item_is_refused(tmp_path, formula):
    """$C$3:$C$3 would become $C$2:$C$10: 完成 and 未完成 rows summed together, the last row missed."""
    with pytest.raises(TemplateError) as info:
        render(share_workbook(formula), tmp_path, {"items": ITEMS})
    message = str(info.value)
    assert f"工作表“明细”!E3：公式 {formula} 无法随行循环调整" in message
    assert "部分行" in message and "$" in message


def test_a_dollar_range_over_the_whole_two_row_item_and_relative_ranges_still_follow(tmp_path):
    wb = share_workbook("=SUM($C$3:C4)")  # running total over both rows of every item so far
    wb["明细"]["F3"] = "=C3/SUM(C3:C4)"  # the item's own share: same item's rows
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS[:3]})))["明细"]
    assert [out.cell(r, 5).value for r in (2, 4, 6)] == ["=SUM($C$2:C3)", "=SUM($C$2:C5)", "=SUM($C$2:C7)"]
    assert [out.cell(r, 6).value for r in (2, 4, 6)] == ["=C2/SUM(C2:C3)", "=C4/SUM(C4:C5)", "=C6/SUM(C6:C7)"]


def _holds(ws, formula: str, first: str, cell: str) -> str:
    """The conditional format's (or validation's) formula as Excel applies it at `cell`."""
    from openpyxl.formula.translate import Translator

    return Translator("=" + formula, origin=first).translate_formula(cell)[1:]


def average_format_workbook():
    """A one-row loop, an average row below it, and a format on the loop row comparing with it."""
    wb, ws = loop_sheet("p", "v")
    ws["A5"] = "平均"
    ws["B5"] = "=AVERAGE(B3:B3)"
    ws.conditional_formatting.add("B3", FormulaRule(formula=["B3<B5"], font=Font(color="FF0000")))
    ws.conditional_formatting.add("A3", FormulaRule(formula=["B3<$B$5"], font=Font(b=True)))
    return wb


def test_a_conditional_format_compares_every_row_with_the_average_row(tmp_path):
    out = load_workbook(io.BytesIO(render(average_format_workbook(), tmp_path, {"items": ITEMS})))["排名"]
    rules = {str(cf.sqref): cf.rules[0].formula for cf in out.conditional_formatting}
    # the average row is now B7: every row compares with B7 ($ row), the row itself stays relative
    assert rules == {"B2:B6": ["B2<B$7"], "A2:A6": ["B2<$B$7"]}
    assert [_holds(out, "B2<B$7", "B2", f"B{r}") for r in (2, 6)] == ["B2<B$7", "B6<B$7"]


@needs_soffice
def test_libreoffice_highlights_the_rows_below_the_average(tmp_path):
    """Each output row's rule, as Excel shifts it from the first cell, computed by LibreOffice."""
    data = render(average_format_workbook(), tmp_path, {"items": ITEMS})
    wb = load_workbook(io.BytesIO(data))
    ws = wb["排名"]
    (rule,) = [cf.rules[0].formula[0] for cf in ws.conditional_formatting if str(cf.sqref) == "B2:B6"]
    for r in range(2, 7):
        ws[f"Z{r}"] = f"=IF({_holds(ws, rule, 'B2', f'B{r}')},1,0)"
    (tmp_path / "out").mkdir()
    wb.save(tmp_path / "out" / "cf.xlsx")
    (recalculated,) = soffice_convert([tmp_path / "out" / "cf.xlsx"], tmp_path / "lo", to="xlsx")
    done = load_workbook(recalculated, data_only=True)["排名"]
    average = TOTAL / len(ITEMS)
    assert done["B7"].value == pytest.approx(average)
    assert [done[f"Z{r}"].value for r in range(2, 7)] == [int(it["v"] < average) for it in ITEMS]  # 4 of 5


def validation_workbook():
    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    ws.append(["区", "考核", "完成", "上限"])
    ws["A2"] = "{%tr for p in items %}"
    ws["A3"] = "{{ p.name }}"
    ws["B3"] = "{{ p.n }}"
    ws["C3"] = "{{ p.n }}"
    ws["D3"] = "{{ p.v }}"
    ws["A4"] = "{%tr endfor %}"
    ws["A5"] = "上限"
    ws["C5"] = 1000
    custom = DataValidation(type="custom", formula1="C3<=B3")
    custom.add("C3")
    below = DataValidation(type="custom", formula1="D3<=C5")
    below.add("D3")
    ws.add_data_validation(custom)
    ws.add_data_validation(below)
    return wb


def test_a_custom_validation_is_written_for_its_first_cell(tmp_path):
    out = load_workbook(io.BytesIO(render(validation_workbook(), tmp_path, {"items": ITEMS})))["排名"]
    found = {str(dv.sqref): dv.formula1 for dv in out.data_validations.dataValidation}
    assert found == {"C2:C6": "C2<=B2", "D2:D6": "D2<=C$7"}


@needs_soffice
def test_libreoffice_checks_each_row_of_a_custom_validation(tmp_path):
    wb = load_workbook(io.BytesIO(render(validation_workbook(), tmp_path, {"items": ITEMS})))
    ws = wb["排名"]
    for dv in ws.data_validations.dataValidation:
        first = str(dv.sqref).split(":")[0]
        column = "Y" if first.startswith("C") else "Z"
        for r in range(2, 7):
            ws[f"{column}{r}"] = f"=IF({_holds(ws, dv.formula1, first, f'{first[0]}{r}')},1,0)"
    (tmp_path / "out").mkdir()
    wb.save(tmp_path / "out" / "dv.xlsx")
    (recalculated,) = soffice_convert([tmp_path / "out" / "dv.xlsx"], tmp_path / "lo", to="xlsx")
    done = load_workbook(recalculated, data_only=True)["排名"]
    assert [done[f"Y{r}"].value for r in range(2, 7)] == [1] * 5  # 完成 <= 考核 on every row
    assert [done[f"Z{r}"].value for r in range(2, 7)] == [int(it["v"] <= 1000) for it in ITEMS]  # 南海 3000 > 1000


def test_formats_on_one_row_of_a_two_row_item_keep_their_offsets(tmp_path):
    wb = two_row_loop()
    ws = wb["明细"]
    ws["B5"] = "=SUM(B2:B3)"
    ws.conditional_formatting.add("B3", FormulaRule(formula=["B3>B2", "B3>$B$5"], font=Font(b=True)))
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS[:3]})))["明细"]
    (cf,) = list(out.conditional_formatting)
    assert str(cf.sqref) == "B2 B4 B6"
    assert cf.rules[0].formula == ["B2>B1", "B2>$B$7"]


def test_a_format_that_cannot_be_one_formula_is_refused_naming_the_template_range(tmp_path):
    """The rule is on C3 in the template: the message names C3, not the output's C2 C4 C6 …"""
    wb = share_workbook("")
    wb["明细"]["E3"] = None
    wb["明细"].conditional_formatting.add(
        "C3", FormulaRule(formula=["C3<AVERAGE($C$3:$C$3)"], font=Font(color="FF0000"))
    )
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path, {"items": ITEMS})
    message = str(info.value)
    assert "工作表“明细”!C3" in message and "条件格式（区域 C3）的公式 C3<AVERAGE($C$3:$C$3)" in message
    assert "C2 C4" not in message


def test_a_validation_that_cannot_be_one_formula_is_refused(tmp_path):
    wb = share_workbook("")
    wb["明细"]["E3"] = None
    dv = DataValidation(type="custom", formula1="C3<=SUM($C$3:$C$3)")
    dv.add("C3")
    wb["明细"].add_data_validation(dv)
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path, {"items": ITEMS})
    assert "工作表“明细”!C3" in str(info.value) and "数据有效性（区域 C3）的公式" in str(info.value)


def test_a_chart_with_series_in_rows_is_refused_naming_the_chart(tmp_path):
    """Series in rows over a loop row would become one series with a 2-D range and a 5-cell name."""
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws.append(["区", "完成", "未完成"])
    ws["A2"] = "{%tr for p in items %}"
    ws["A3"] = "{{ p.name }}"
    ws["B3"] = "{{ p.v }}"
    ws["C3"] = "{{ p.n }}"
    ws["A4"] = "{%tr endfor %}"
    chart = BarChart()
    chart.title = "各区"
    chart.add_data(Reference(ws, min_col=1, max_col=3, min_row=3, max_row=3), from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=3, min_row=1, max_row=1))
    ws.add_chart(chart, "F2")
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path, {"items": ITEMS})
    message = str(info.value)
    assert "工作表“明细”图表 1（“各区”）" in message and "系列" in message and "按列" in message
    chart.series[0].tx = None  # without the name cell: the 2-D values range is refused too
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path, {"items": ITEMS})
    assert "$B$3:$C$3" in str(info.value) and "二维" in str(info.value)
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS[:1]})))  # one item: one row, fine
    assert out["明细"]["A2"].value == "禅城"


def test_a_one_row_list_source_over_a_loop_row_is_refused(tmp_path):
    wb = validation_workbook()
    ws = wb["排名"]
    ws.data_validations.dataValidation = []
    dv = DataValidation(type="list", formula1="=$B$3:$D$3")
    dv.add("F1")
    ws.add_data_validation(dv)
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path, {"items": ITEMS})
    assert "工作表“排名”!F1" in str(info.value) and "二维" in str(info.value)


def test_a_whole_column_format_is_moved_quickly_and_exactly(tmp_path):
    """A rule on all of column B (B1:B1048576 as Excel stores it) is checked row by row only
    where the loops make a difference; far below them every row moves alike."""
    wb = average_format_workbook()
    ws = wb["排名"]
    ws.conditional_formatting = type(ws.conditional_formatting)()
    ws.conditional_formatting.add("B1:B1048576", FormulaRule(formula=["B1>$B$5"], font=Font(b=True)))
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS})))["排名"]
    assert [(str(cf.sqref), cf.rules[0].formula) for cf in out.conditional_formatting] == [("B1:B1048576", ["B1>$B$7"])]


def test_ranges_to_the_end_of_the_sheet_stay_there(tmp_path):
    wb = average_format_workbook()
    ws = wb["排名"]
    ws["C1"] = "=SUM(B3:B1048576)"
    ws.conditional_formatting.add("C1", FormulaRule(formula=["C1>MAX($B$3:$B$1048576)"], font=Font(b=True)))
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS})))["排名"]
    assert out["C1"].value == "=SUM(B2:B1048576)"
    assert [cf.rules[0].formula for cf in out.conditional_formatting if str(cf.sqref) == "C1"] == [
        ["C1>MAX($B$2:$B$1048576)"]
    ]


def test_conditional_counts_and_sums_over_an_empty_loop_are_zero(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for it in items %}"
    ws["A2"], ws["B2"] = "{{ it.name }}", "{{ it.n }}"
    ws["A3"] = "{%tr endfor %}"
    ws["A4"] = '=COUNTIF(A2:A2,"南海*")'
    ws["B4"] = '=SUMIF(A2:A2,"南海*",B2:B2)+1'
    ws["C4"] = '=COUNTIFS(A2:A2,"x",B2:B2,">0")'
    ws["D4"] = '=IF(SUMIFS(B2:B2,A2:A2,"x")>0,"有","无")'
    ws["E4"] = '=_xlfn.MAXIFS(B2:B2,A2:A2,"x")'
    out = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": []}))).active
    assert [c.value for c in out[1]][:5] == ["=0", "=0+1", "=0", '=IF(0>0,"有","无")', "=0"]
    full = load_workbook(io.BytesIO(render(wb, tmp_path, {"items": ITEMS[:2]}))).active
    assert full["A3"].value == '=COUNTIF(A1:A2,"南海*")'  # with rows: the range grows as ever


def test_averageif_over_an_empty_loop_is_refused_as_excel_would_show_div0(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for it in items %}"
    ws["A2"], ws["B2"] = "{{ it.name }}", "{{ it.n }}"
    ws["A3"] = "{%tr endfor %}"
    ws["C4"] = '=AVERAGEIF(A2:A2,"x",B2:B2)'
    with pytest.raises(TemplateError) as info:
        render(wb, tmp_path, {"items": []})
    assert "C4" in str(info.value) and "#DIV/0!" in str(info.value)
