"""Make the second plan of the tests: 江州市 2021—2023, published as a Word table and an Excel sheet.

江州市 is made up, but its table is written the way offices publish theirs, and the two editions
are laid out differently, as they are in life:

- Word: 序号 | 重点任务 (merged over its rows) | 工作内容 | 牵头单位 | 责任单位 | 工作目标 over three
  year columns (a goal for all years is one cell across them) | 完成时限; a “注：” line under it.
  No 工作措施 column.
- Excel: a title row, then 序号 | 具体内容 | 工作目标 (one column: the years are in the text) |
  牵头单位 | 配合单位 | 备注, the tasks as “一、…” rows across the sheet.

Eight units: three districts, two counties, a county-level city and two functional zones with a
管委会. The goal texts use the wordings `qdocgen import` must read or mark for review: “东城区新增20家”
lists, a year cell that drops the lead-in, several years in one cell, a pending year, “临江、南山各1项”,
a target set for the last year only, a list of units sharing one figure.

    python tests/plans/make_jiangzhou.py     # writes tests/plans/jiangzhou/任务分解表.docx and .xlsx
"""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
from docx.enum.section import WD_ORIENT
from docx.shared import Mm
from openpyxl.styles import Alignment

HERE = Path(__file__).resolve().parent / "jiangzhou"
TITLE = "江州市质量提升三年行动计划（2021—2023年）任务分解表"
YEARS = (2021, 2022, 2023)
UNITS = "各区（县、市）人民政府，高新区、开发区管委会"
NOTE = "注：各区（县、市）和功能区的目标为当年新增数，由各单位在每年1月报送上年完成情况。"

ALL = "all"  # one goal for every year: one cell across the year columns (Word), one text (Excel)

# (task, content, lead, support, deadline, remark, Word goals {year or ALL: text}, Excel goal text)
ROWS = [
    (
        "质量品牌建设",
        "培育区域质量品牌示范企业",
        "市市场监管局",
        UNITS,
        "2023年12月",
        "",
        {
            2021: "培育区域质量品牌示范企业：东城区新增20家、西城区新增15家、北湖区新增10家、临江县新增5家、"
            "南山县新增5家、青溪市新增8家、高新区新增6家、开发区新增4家。",
            2022: "东城区22家、西城区16家、北湖区12家、临江县6家、南山县6家、青溪市9家、高新区7家、开发区5家。",
            2023: "东城区25家、西城区18家、北湖区14家、临江县8家、南山县7家、青溪市10家、高新区8家、开发区6家。",
        },
        "2021年：培育区域质量品牌示范企业，东城区新增20家、西城区新增15家、北湖区新增10家、临江县新增5家、"
        "南山县新增5家、青溪市新增8家、高新区新增6家、开发区新增4家；2022年：东城区22家、西城区16家、北湖区12家、"
        "临江县6家、南山县6家、青溪市9家、高新区7家、开发区5家；2023年：东城区25家、西城区18家、北湖区14家、"
        "临江县8家、南山县7家、青溪市10家、高新区8家、开发区6家。",
    ),
    (
        "质量品牌建设",
        "开展质量标杆创建",
        "市工业和信息化局",
        "市市场监管局",
        "每年12月",
        "",
        {ALL: "全市新增省级以上质量标杆企业2021年10项、2022年15项、2023年20项。"},
        "全市新增省级以上质量标杆企业2021年10项、2022年15项、2023年20项。",
    ),
    (
        "质量品牌建设",
        "争创各级政府质量奖",
        "市市场监管局",
        "市工业和信息化局",
        "2023年12月",
        "",
        {
            2021: "做好中国质量奖培育工作。",
            2022: "推荐企业申报省政府质量奖。",
            2023: "到2023年底，全市获中国质量奖提名奖及省政府质量奖企业达到12家。",
        },
        "做好中国质量奖培育工作，推荐企业申报省政府质量奖；到2023年底，全市获中国质量奖提名奖及省政府质量奖企业达到12家。",
    ),
    (
        "质量品牌建设",
        "建设质量基础设施一站式服务站",
        "市市场监管局",
        UNITS,
        "每年12月",
        "",
        {ALL: "东城、西城、北湖各建成2个，临江、南山、青溪各1个，高新区、开发区各1个。"},
        "每年东城、西城、北湖各建成2个，临江、南山、青溪各1个，高新区、开发区各1个。",
    ),
    (
        "标准化建设",
        "实施标准化战略",
        "市市场监管局",
        "市有关部门",
        "每年12月",
        "",
        {2021: "全市制定修订各类标准30项。", 2022: "2022年、2023年目标待省明确后再定。"},
        "2021年全市制定修订各类标准30项；2022年、2023年目标待省明确后再定。",
    ),
    (
        "标准化建设",
        "开展标准化试点示范",
        "市市场监管局",
        "临江县、南山县人民政府",
        "2022年12月",
        "国家级试点以国家标准委公布为准",
        {
            2021: "开展标准化试点培育。",
            2022: "创建国家级标准化试点示范项目，临江、南山各1项。",
            2023: "巩固试点成果。",
        },
        "2021年开展标准化试点培育；2022年创建国家级标准化试点示范项目，临江、南山各1项；2023年巩固试点成果。",
    ),
    (
        "标准化建设",
        "加大企业研发投入",
        "市科学技术局",
        "市统计局",
        "每年12月",
        "",
        {ALL: "全市规模以上工业企业研发经费投入年均增长10%以上。"},
        "全市规模以上工业企业研发经费投入年均增长10%以上。",
    ),
    (
        "质量安全监管",
        "加强产品质量监督抽查",
        "市市场监管局",
        UNITS,
        "每年12月",
        "",
        {ALL: "全市产品质量监督抽查合格率稳定在95%以上。"},
        "全市产品质量监督抽查合格率稳定在95%以上。",
    ),
    (
        "质量安全监管",
        "开展重点产品专项整治",
        "市市场监管局",
        "东城区、西城区、临江县、南山县人民政府",
        "每年12月",
        "",
        {ALL: "东城区、西城区、临江县、南山县各开展产品质量专项整治2次。"},
        "东城区、西城区、临江县、南山县每年各开展产品质量专项整治2次。",
    ),
    (
        "质量安全监管",
        "建立质量工作考核评价机制",
        "市政府办公室",
        "市市场监管局",
        "每年12月",
        "",
        {ALL: "完善质量工作考核办法，将质量工作纳入对各区（县、市）和功能区的年度考核。"},
        "完善质量工作考核办法，将质量工作纳入对各区（县、市）和功能区的年度考核。",
    ),
]


def make_docx(path: Path) -> None:
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    document.add_paragraph("附件")
    document.add_paragraph(TITLE)
    heads = ["序号", "重点任务", "工作内容", "牵头单位", "责任单位", "工作目标", "", "", "完成时限"]
    table = document.add_table(rows=2 + len(ROWS), cols=len(heads))
    table.style = "Table Grid"
    for c, text in enumerate(heads):
        table.cell(0, c).text = text
    for i, year in enumerate(YEARS):
        table.cell(1, 5 + i).text = f"{year}年"
    for c in (0, 1, 2, 3, 4, 8):
        table.cell(0, c).merge(table.cell(1, c))
    table.cell(0, 5).merge(table.cell(0, 7))
    table.cell(0, 5).text = "工作目标"
    for i, (_, content, lead, support, deadline, _, goals, _) in enumerate(ROWS):
        r = 2 + i
        for c, text in ((0, str(i + 1)), (2, content), (3, lead), (4, support), (8, deadline)):
            table.cell(r, c).text = text
        if ALL in goals:
            merged = table.cell(r, 5).merge(table.cell(r, 7))
            merged.text = goals[ALL]
        else:
            for k, year in enumerate(YEARS):
                table.cell(r, 5 + k).text = goals.get(year, "")
            if 2022 in goals and 2023 not in goals:  # a pending text for both later years: one cell
                merged = table.cell(r, 6).merge(table.cell(r, 7))
                merged.text = goals[2022]
    first = 0
    for i in range(1, len(ROWS) + 1):  # 重点任务 merged down over its rows
        if i == len(ROWS) or ROWS[i][0] != ROWS[first][0]:
            merged = table.cell(2 + first, 1).merge(table.cell(2 + i - 1, 1))
            merged.text = ROWS[first][0]
            first = i
    document.add_paragraph(NOTE)
    document.core_properties.title = TITLE
    document.save(str(path))


def make_xlsx(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "任务分解表"
    heads = ["序号", "具体内容", "工作目标", "牵头单位", "配合单位", "备注"]
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heads))
    sheet.append(heads)
    sections = "一二三四五"
    task = None
    for i, (name, content, lead, support, _, remark, _, text) in enumerate(ROWS):
        if name != task:
            task = name
            sheet.append([f"{sections[len({r[0] for r in ROWS[:i]})]}、{name}"])
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=len(heads))
        sheet.append([i + 1, content, text, lead, support, remark or None])
    for column, width in zip("ABCDEF", (6, 24, 60, 16, 24, 20), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    book.save(str(path))


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    make_docx(HERE / "任务分解表.docx")
    make_xlsx(HERE / "任务分解表.xlsx")
    print(HERE)


if __name__ == "__main__":
    main()
