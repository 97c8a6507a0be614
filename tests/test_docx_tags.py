"""Word tags a docxtpl user writes, each rendered right or refused at its place: never a
document silently wrong. Stock docxtpl is rendered beside qdocgen where it shows what goes wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate
from openpyxl import Workbook, load_workbook

from qdocgen.figures.period import Period
from qdocgen.progress import evaluate

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CITY = "佛山市"


def word(path: Path, paragraphs=(), table=None) -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for row, texts in zip(t.rows, table, strict=True):
            for cell, text in zip(row.cells, texts, strict=True):
                cell.text = text
    doc.save(path)
    return path


def texts(path) -> list[str]:
    return [p.text for p in Document(path).paragraphs]


def stock(template: Path, context: dict) -> Document:
    """What docxtpl itself makes of the template."""
    tpl = DocxTemplate(template)
    tpl.render(context, autoescape=True)
    out = template.with_name("stock-" + template.name)
    tpl.save(out)
    return out


def test_two_strips_in_one_run_keep_the_paragraph(cli, tmp_path):
    line = "本年度：{{ year }}年 {%- if district %}（{{ district.name }}）{% endif %} {%- if year %}已完成{% endif %}。"
    template = word(tmp_path / "t.docx", ["前一段", line, "后一段"])
    assert cli("render", template, "--year", "2018", "--district", "南海", "-o", "o.docx").exit_code == 0
    assert texts("o.docx") == ["前一段", "本年度：2018年（南海区）已完成。", "后一段"]
    # docxtpl: the second `{%-` joined this paragraph to the one before, deleting the text between
    out = stock(template, {"year": 2018, "district": {"name": "南海区"}})
    assert texts(out)[0].startswith("前一段") and "本年度" not in "".join(texts(out))


def test_strips_inside_a_loop_in_one_run(cli, tmp_path):
    line = "各区：{%- for d in districts %}{{ d.short }}{% if not loop.last %}、{% endif %}{% endfor %} {%- if year %}。{% endif %}"
    template = word(tmp_path / "t.docx", ["前一段", line])
    assert cli("render", template, "--year", "2018", "-o", "o.docx").exit_code == 0
    assert texts("o.docx") == ["前一段", "各区：禅城、南海、顺德、高明、三水。"]


def test_a_refused_join_names_the_paragraph_it_is_in(cli, tmp_path):
    doc = Document()
    doc.add_paragraph("第一段")
    doc.add_table(rows=1, cols=1).rows[0].cells[0].text = "表内"
    doc.add_paragraph("{%- if year %}本年度 {%- if district %}（{{ district.name }}）{% endif %}{% endif %}")
    doc.save(tmp_path / "t.docx")
    result = cli("render", tmp_path / "t.docx", "--year", "2018", "-o", "o.docx")
    assert result.exit_code == 1
    assert "正文第 2 段" in result.output and "表格" in result.output
    assert not Path("o.docx").exists()


@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        ('{{ plan.city ~ " & " ~ district.short }}', f"{CITY} & 南海"),
        ('{{ "R&D"|e }}', "R&D"),
        ('{% if plan.city ~ "&设计" == "佛山市&设计" %}相等{% else %}不等{% endif %}', "相等"),
        ("{{ \"<b>\" ~ '&quot;' }}", "<b>&quot;"),
    ],
)
def test_an_ampersand_typed_in_a_tag_is_an_ampersand(cli, tmp_path, tag, shown):
    template = word(tmp_path / "t.docx", [tag])
    assert cli("render", template, "--district", "南海", "-o", "o.docx").exit_code == 0
    assert texts("o.docx") == [shown]


def test_run_and_paragraph_value_tags_show_their_value(cli, tmp_path):
    doc = Document()
    p = doc.add_paragraph("前")
    p.add_run("{{r plan.city }}").bold = True
    p.add_run("后")
    doc.add_paragraph("{{p plan.city }}")
    doc.add_paragraph("尾")
    doc.save(tmp_path / "t.docx")
    assert cli("render", tmp_path / "t.docx", "-o", "o.docx").exit_code == 0
    out = Document("o.docx")
    assert [x.text for x in out.paragraphs] == [f"前{CITY}后", CITY, "尾"]
    assert [r.bold for r in out.paragraphs[0].runs if r.text == CITY] == [True]  # the run's own formatting
    # docxtpl: the value lands outside any run (or paragraph), Word shows 前后 and the XML is invalid
    stocked = Document(stock(tmp_path / "t.docx", {"plan": {"city": CITY}}))
    assert stocked.paragraphs[0].text == "前后"
    assert CITY in "".join(stocked.element.body.find(f"{W}p").itertext())  # text straight in w:p


def test_a_value_in_place_of_a_table_row_is_refused(cli, tmp_path):
    template = word(tmp_path / "t.docx", [], [["{{tr plan.city }}", "x"]])
    result = cli("render", template, "-o", "o.docx")
    assert result.exit_code == 1
    assert "表格 1 第 1 行第 1 列" in result.output and "{{tr" in result.output
    assert not Path("o.docx").exists()


FILTERED = "{%tr for l in lines if l.m and l.m.status == '未完成' %}"


def missed_lines(plan, figures, district="南海区"):
    results = evaluate(plan, figures, Period(2018)).results
    return [(r.measure.row, r.measure.name) for r in results if r.district == district and r.status == "未完成"]


def test_group_merges_over_a_filtered_loop_in_word(cli, tmp_path, plan, figures):
    template = word(
        tmp_path / "t.docx",
        [],
        [
            [FILTERED, "", ""],
            ["{%vmerge l.task_span %}{{ l.row.task }}", "{{ l.m.measure }}", "x"],
            ["{%tr endfor %}", "", ""],
        ],
    )
    assert cli("render", template, "--year", "2018", "--district", "南海", "-o", "o.docx").exit_code == 0
    expected = missed_lines(plan, figures)
    tasks = {r.no: r.task for r in plan.rows}
    rows = Document("o.docx").tables[0]._tbl.findall(f"{W}tr")
    assert len(rows) == len(expected) > 2
    previous = None
    for tr, (row_no, measure) in zip(rows, expected, strict=True):
        tc = tr.findall(f"{W}tc")
        mark = tc[0].find(f"{W}tcPr/{W}vMerge")
        continues = mark is not None and mark.get(f"{W}val") in (None, "continue")
        text = "".join(t.text for t in tc[0].iter(f"{W}t"))
        assert "".join(t.text for t in tc[1].iter(f"{W}t")) == measure
        assert continues == (tasks[row_no] == previous)  # merged only under its own task
        assert text == ("" if continues else tasks[row_no])
        previous = tasks[row_no]


def test_group_merges_over_a_filtered_loop_in_excel(cli, tmp_path, plan, figures):
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = "任务", FILTERED
    ws["A3"], ws["B3"] = "{%vmerge l.task_span %}{{ l.row.task }}", "{{ l.m.measure }}"
    ws["A4"], ws["A5"] = "{%tr endfor %}", "下方标签"
    wb.save(tmp_path / "t.xlsx")
    assert cli("render", tmp_path / "t.xlsx", "--year", "2018", "--district", "南海", "-o", "o.xlsx").exit_code == 0
    out = load_workbook("o.xlsx").active
    expected = missed_lines(plan, figures)
    tasks = {r.no: r.task for r in plan.rows}
    last = 1 + len(expected)
    assert out.cell(last + 1, 1).value == "下方标签"  # not wiped by a merge running on
    merged = {r.min_row: r.max_row for r in out.merged_cells.ranges}
    assert all(r2 <= last for r2 in merged.values())
    row = 2
    for group in _runs([tasks[n] for n, _ in expected]):
        assert out.cell(row, 1).value == group[0]
        assert merged.get(row, row) == row + len(group) - 1
        row += len(group)


def _runs(items: list) -> list[list]:
    out: list[list] = []
    for x in items:
        if out and out[-1][0] == x:
            out[-1].append(x)
        else:
            out.append([x])
    return out


def test_an_excel_merge_running_past_its_loop_is_refused(cli, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{%tr for d in districts if d.short != '南海' %}"
    ws["A2"], ws["B2"] = "{%vmerge 5 if loop.first else 0 %}合计", "{{ d.name }}"
    ws["A3"], ws["A4"] = "{%tr endfor %}", "下方标签"
    wb.save(tmp_path / "t.xlsx")
    result = cli("render", tmp_path / "t.xlsx", "-o", "o.xlsx")
    assert result.exit_code == 1
    assert "A2" in result.output and "超出了行循环" in result.output
    assert not Path("o.xlsx").exists()


OOXML_CHECK = Path(__file__).resolve().parents[2] / "shared" / "tools" / "ooxml_check" / "ooxml_check.py"
needs_ooxml_check = pytest.mark.skipif(
    not OOXML_CHECK.is_file(), reason="../shared/tools/ooxml_check 不在仓库旁边（CI 中有）"
)


def ooxml_errors(path: Path) -> list[str]:
    run = subprocess.run([sys.executable, str(OOXML_CHECK), str(path)], capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stderr
    return [line for line in run.stdout.splitlines() if "\tE " in line]


def cell_properties(tc) -> list[str]:
    return [el.tag.removeprefix(W) for el in tc.find(f"{W}tcPr")]


def test_docxtpl_cell_tags_keep_word_s_order(cli, tmp_path):
    doc = Document()
    table = doc.add_table(rows=5, cols=3)
    table.rows[0].cells[0].text = "{% colspan 2 %}合并"
    table.rows[1].cells[0].text = "{% cellbg 'FF0000' %}红"
    cell = table.rows[1].cells[1]
    cell.text = "{% cellbg plan.city and '00FF00' %}绿"
    props = cell._tc.get_or_add_tcPr()  # properties after w:shd in the schema's order
    props.append(props.makeelement(f"{W}vAlign", {f"{W}val": "center"}))
    props.append(props.makeelement(f"{W}tcBorders", {}))
    table.rows[2].cells[0].text = "{%tr for d in districts %}"
    table.rows[3].cells[0].text = "{% vm %}{{ plan.city }}"
    table.rows[3].cells[1].text = "{{ d.name }}"
    props = table.rows[3].cells[0]._tc.get_or_add_tcPr()
    props.append(props.makeelement(f"{W}vAlign", {f"{W}val": "center"}))
    table.rows[4].cells[0].text = "{%tr endfor %}"
    doc.save(tmp_path / "t.docx")
    assert cli("render", tmp_path / "t.docx", "-o", "o.docx").exit_code == 0
    rows = Document("o.docx").tables[0]._tbl.findall(f"{W}tr")
    assert len(rows) == 2 + 5
    assert cell_properties(rows[0].find(f"{W}tc")) == ["tcW", "gridSpan"]
    assert cell_properties(rows[1].findall(f"{W}tc")[0]) == ["tcW", "shd"]
    # docxtpl put w:gridSpan, w:shd first and w:vMerge last in w:tcPr, out of the schema's order
    assert cell_properties(rows[1].findall(f"{W}tc")[1]) == ["tcW", "tcBorders", "shd", "vAlign"]
    assert [cell_properties(r.find(f"{W}tc")) for r in rows[2:]] == [["tcW", "vMerge", "vAlign"]] * 5


@needs_ooxml_check
def test_docxtpl_cell_tags_give_a_file_word_opens_unrepaired(cli, tmp_path):
    doc = Document()
    table = doc.add_table(rows=5, cols=3)
    table.rows[0].cells[0].text = "{% colspan 2 %}合并"
    table.rows[1].cells[0].text = "{% cellbg 'FF0000' %}红"
    table.rows[2].cells[0].text = "{%tr for d in districts %}"
    table.rows[3].cells[0].text = "{% vm %}{{ plan.city }}"
    table.rows[3].cells[1].text = "{{ d.name }}"
    table.rows[4].cells[0].text = "{%tr endfor %}"
    doc.add_paragraph("{{r plan.city }}")
    cols = doc.add_table(rows=1, cols=3).rows[0].cells
    cols[0].text, cols[1].text, cols[2].text = "{%tc for d in districts %}", "{% hm %}{{ d.short }}", "{%tc endfor %}"
    doc.save(tmp_path / "t.docx")
    assert cli("render", tmp_path / "t.docx", "-o", "o.docx").exit_code == 0
    assert ooxml_errors(Path("o.docx")) == []


def test_tables_a_loop_leaves_empty_are_dropped(cli, tmp_path):
    none = "{%tr for p in progress if p.actual == -1 %}"
    doc = Document()
    doc.add_paragraph("前")
    only_loop = doc.add_table(rows=3, cols=2)
    only_loop.rows[0].cells[0].text = none
    only_loop.rows[1].cells[0].text = "{{ p.measure }}"
    only_loop.rows[2].cells[0].text = "{%tr endfor %}"
    doc.add_paragraph("中")
    by_column = doc.add_table(rows=2, cols=3)
    by_column.rows[0].cells[0].text = "表头"
    cells = by_column.rows[1].cells
    cells[0].text, cells[1].text, cells[2].text = none.replace("tr", "tc"), "{{ p.measure }}", "{%tc endfor %}"
    doc.add_paragraph("后")
    doc.save(tmp_path / "t.docx")
    assert cli("render", tmp_path / "t.docx", "--year", "2018", "-o", "o.docx").exit_code == 0
    out = Document("o.docx")
    assert [p.text for p in out.paragraphs] == ["前", "中", "后"]
    assert len(out.tables) == 1 and [len(r.cells) for r in out.tables[0].rows] == [3]
    if OOXML_CHECK.is_file():
        assert ooxml_errors(Path("o.docx")) == []


def test_a_group_merge_two_columns_wide_in_excel(cli, tmp_path, plan, figures):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = FILTERED
    ws["A2"], ws["C2"] = "{%vmerge l.task_span %}{%hmerge 2 %}{{ l.row.task }}", "{{ l.m.measure }}"
    ws["B2"] = "{%hmerge 0 %}"
    ws["A3"] = "{%tr endfor %}"
    wb.save(tmp_path / "t.xlsx")
    assert cli("render", tmp_path / "t.xlsx", "--year", "2018", "--district", "南海", "-o", "o.xlsx").exit_code == 0
    out = load_workbook("o.xlsx").active
    tasks = {r.no: r.task for r in plan.rows}
    groups = _runs([tasks[n] for n, _ in missed_lines(plan, figures)])
    merged = sorted((r.min_row, r.max_row, r.min_col, r.max_col) for r in out.merged_cells.ranges)
    row, expected = 1, []
    for group in groups:
        expected.append((row, row + len(group) - 1, 1, 2))
        row += len(group)
    assert merged == expected
