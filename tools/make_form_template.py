"""Make templates/xlsx/填报表.xlsx, the workbook every district reporting form starts from.

This script is the source of truth for the bundled template: change it, then regenerate the
template and commit both (tests/test_template_sources.py checks that it remakes the shipped
file byte for byte). Users edit their own copies in Excel or WPS (wording of the
instructions, fonts, column widths, print settings). Like every Excel template it is made
with openpyxl (Word templates are written as OOXML parts: tools/ooxml_parts.py). Run from the
repository root:

    python tools/make_form_template.py [--out templates]   # writes xlsx/填报表.xlsx under --out

What `qdocgen forms` relies on in the template (see qdocgen/documents/forms.py):
- a sheet named 填报;
- one row whose cells read 序号, 指标, 单位, 目标值, 完成值, 说明 (the header row);
- the row below it: the look of every data row (fonts, borders, fills, locked or not);
- rows below that (the footer) are moved down below the filled rows;
- markers in braces anywhere in text cells, replaced when a form is made:
  {区} {时段} {年度} {截止日期} {目标说明} {计划名称} {文号} {起始年} {发文机关}
  {存量示例} (“（如有效期内认证企业数）”: the name of one of the plan's own stock measures, or
  nothing when it has none — so an example never comes from another plan).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qdocgen.render.package import normalise_package  # noqa: E402

NAME = "xlsx/填报表.xlsx"
HEADERS = ("序号", "指标", "单位", "目标值", "完成值", "说明")
WIDTHS = {"A": 6, "B": 38, "C": 12, "D": 11, "E": 12, "F": 34}
BODY = "宋体"
INSTRUCTIONS = (
    "填写说明：",
    "1. 只填写白色底的“完成值”和“说明”两列；序号、指标、单位、目标值已锁定，请勿改动，也不要增删行或改动工作表名称。",
    "2. 完成值只填数字，不带单位、不加文字；暂无数据的留空，并在“说明”中写明原因。",
    "3. 计数类指标填{年度}年1月1日至{截止日期}的完成数；存量类指标{存量示例}填{截止日期}的有效数量。",
    "4. 比率类指标（单位为%）填百分数，如 95.2 表示 95.2%，不要填 0.952。",
    "5. 累计类指标（单位注明“累计”）填自{起始年}年1月1日起的累计总数。",
    "6. 节点任务（单位为“1/0”）已完成填 1，未完成填 0；定性任务（目标值为“定性任务”）不填完成值，在“说明”中简述进展。",
    "7. 要撤回此前已报的数，清空“完成值”并在“说明”中填“撤回”；只清除此前报的说明，在“说明”中填“撤回说明”。",
    "8. 填好后保存为 .xlsx 格式报送，请勿改动文件名。",
)
FOOTER = "填报人：　　　　　　　　联系电话：　　　　　　　　审核人：　　　　　　　　填报日期：　　　　年　　月　　日"


def build() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "填报"
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def line(row: int, text: str, font: Font, align: Alignment, height: float) -> None:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(HEADERS))
        cell = ws.cell(row, 1, text)
        cell.font = font
        cell.alignment = align
        ws.row_dimensions[row].height = height

    line(1, "{区}{时段}工作目标完成情况填报表", Font(name="方正小标宋简体", size=18), center, 36)
    line(2, "{计划名称}（{文号}）", Font(name="楷体", size=12), center, 22)
    line(3, "填报单位：{区}　　　　报送时段：{时段}（截至{截止日期}）", Font(name=BODY, size=11), left, 20)
    line(4, "{目标说明}", Font(name=BODY, size=11, bold=True), left, 20)
    row = 5
    for i, text in enumerate(INSTRUCTIONS):
        line(row, text, Font(name=BODY, size=10, bold=i == 0), left, 16)
        row += 1

    header = row
    fill = PatternFill("solid", fgColor="D9D9D9")
    for col, name in enumerate(HEADERS, start=1):
        cell = ws.cell(header, col, name)
        cell.font = Font(name="黑体", size=11)
        cell.alignment = center
        cell.border = box
        cell.fill = fill
    ws.row_dimensions[header].height = 22

    # The data row prototype: locked plan columns, open (white) columns to fill in.
    open_fill = PatternFill("solid", fgColor="FFFFFF")
    styles = (
        (center, True, None),
        (left, True, None),
        (center, True, None),
        (Alignment(horizontal="right", vertical="center"), True, None),
        (Alignment(horizontal="right", vertical="center"), False, open_fill),
        (left, False, open_fill),
    )
    for col, (align, locked, cell_fill) in enumerate(styles, start=1):
        cell = ws.cell(header + 1, col)
        cell.font = Font(name=BODY, size=11)
        cell.alignment = align
        cell.border = box
        cell.protection = Protection(locked=locked)
        if cell_fill is not None:
            cell.fill = cell_fill
        elif col <= 4:
            cell.fill = PatternFill("solid", fgColor="F2F2F2")
    ws.row_dimensions[header + 1].height = 20

    footer = header + 3
    line(footer, FOOTER, Font(name=BODY, size=11), left, 24)
    ws.cell(footer, 1).protection = Protection(locked=False)

    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(header + 1, 1)
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"

    wb.properties.creator = "qdocgen"
    wb.properties.title = "工作目标完成情况填报表"
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_package(buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "templates", help="templates folder (xlsx/ inside)")
    out = ap.parse_args().out / NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build())
    print(f"已生成 {out}")


if __name__ == "__main__":
    main()
