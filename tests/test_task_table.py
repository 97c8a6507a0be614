"""The 任务分解表 in Excel and Word: its 44 rows, merges, page setup and fonts, against the plan."""

from __future__ import annotations

import io
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from qdocgen import display
from qdocgen.cli import main
from qdocgen.documents.task_table import file_name, task_table, template_name
from qdocgen.figures.period import Period
from qdocgen.progress import NOT_APPLICABLE, evaluate

from conftest import TEMPLATES, needs_soffice, pdf_pages, soffice_convert

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FIRST_BODY_ROW = 5  # Excel: 附件, title, two header rows


def xlsx_table(plan, **kw):
    fmt = "xlsx"
    data = task_table(plan, TEMPLATES / fmt / template_name(fmt, "year" in kw), **kw)
    return data, load_workbook(io.BytesIO(data)).active


def docx_table(plan, **kw):
    fmt = "docx"
    data = task_table(plan, TEMPLATES / fmt / template_name(fmt, "year" in kw), **kw)
    return data, Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def xlsx_plain(plan):
    return xlsx_table(plan)


@pytest.fixture(scope="module")
def docx_plain(plan):
    return docx_table(plan)


def span_start(plan, column: str, no: int) -> int:
    return next(first for first, last in plan.merge_spans(column) if first <= no <= last)


def merged(ws) -> set[str]:
    return {str(m) for m in ws.merged_cells.ranges}


# --- Excel --------------------------------------------------------------------------------


def test_xlsx_has_the_44_rows_with_their_texts(plan, xlsx_plain):
    _, ws = xlsx_plain
    assert ws["A2"].value == plan.table_title
    # G and H are 完成时限 and 备注, which the bundled plan has not: covered by 配合单位
    assert [ws.cell(3, c).value for c in range(1, 10)] == [
        "序号",
        "任务名称",
        "工作内容",
        "工作措施",
        "牵头单位",
        "配合单位",
        None,
        None,
        "工作目标",
    ]
    assert [ws.cell(4, c).value for c in range(9, 12)] == [str(y) for y in plan.years]
    assert ws.max_row == FIRST_BODY_ROW + 43
    for row in plan.rows:
        r = FIRST_BODY_ROW + row.no - 1
        assert ws.cell(r, 1).value == row.no
        assert ws.cell(r, 4).value == row.action
        top = FIRST_BODY_ROW + span_start(plan, "goals", row.no) - 1
        for cell in row.goals:
            assert ws.cell(top, 9 + plan.years.index(cell.years[0])).value == cell.text
    for first, _ in plan.merge_spans("task"):
        assert ws.cell(FIRST_BODY_ROW + first - 1, 2).value == plan.row(first).task


def test_xlsx_merges_follow_the_plan(plan, xlsx_plain):
    _, ws = xlsx_plain
    m = merged(ws)
    for column, letter, end in (("task", "B", "B"), ("content", "C", "C"), ("lead", "E", "E"), ("support", "F", "H")):
        for first, last in plan.merge_spans(column):
            if last > first:
                assert f"{letter}{FIRST_BODY_ROW + first - 1}:{end}{FIRST_BODY_ROW + last - 1}" in m, (column, first)
    assert "B5:B7" in m and "B8:B22" in m and "C11:C13" in m  # areas 1–3, 4–18; content 7–9
    for row in plan.rows:
        r = FIRST_BODY_ROW + row.no - 1
        for cell in row.goals:
            first = "IJK"[plan.years.index(cell.years[0])]
            last = "IJK"[plan.years.index(cell.years[-1])]
            if len(cell.years) > 1:
                assert f"{first}{r}:{last}{r}" in m, row.no
    assert "J20:K20" in m  # row 16: 2018 and 2019 share one target still to be set
    assert "I5:I7" in m  # rows 1–3 share their targets
    assert "I3:K3" in m and "A3:A4" in m  # the two-row header
    # a goal written for 2017—2019 sits in one cell across the year columns
    assert ws["I8"].value.startswith("在全市打造一批")


def test_xlsx_page_setup_and_fonts(xlsx_plain):
    _, ws = xlsx_plain
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$3:$4"
    assert ws["B3"].font.name == "黑体"
    assert ws["D10"].font.name == "仿宋_GB2312"
    assert ws["D10"].alignment.wrap_text
    assert ws["D10"].border.left.style == "thin"
    assert "&P" in ws.oddFooter.right.text and "—" in ws.oddFooter.right.text
    # merged wrapped cells get room: row 8 (row 4 of the plan, a long target) is taller than default
    assert ws.row_dimensions[8].height > 40


def test_xlsx_progress_shows_every_figure_and_note(plan, figures):
    year = 2018
    _, ws = xlsx_table(plan, figures=figures, year=year)
    ev = evaluate(plan, figures, Period(year))
    shown = [r for r in ev.results if r.scope != "total" and (r.status != NOT_APPLICABLE or r.note)]
    header = 5
    assert ws.cell(header, 6).value == f"{year}年工作目标"
    assert "示例数据" in (ws["A4"].value or "")
    body = list(ws.iter_rows(min_row=header + 1, values_only=True))
    with_measure = [row for row in body if row[8]]
    assert len(with_measure) == len(shown)
    for res, row in zip(shown, with_measure, strict=True):
        assert row[8] == (res.district or "全市")
        assert row[9] == pytest.approx(res.target)
        assert row[10] == pytest.approx(res.actual)
        assert row[12] == res.status
        assert (row[13] or "") == res.note
        if res.ratio is not None:  # the ratio as the display rule shows it (99.99%, never 100.0% if missed)
            assert row[11] == pytest.approx(display.ratio(res.ratio, res.status)[1])
    # numbers stay numbers
    assert isinstance(with_measure[3][9], (int, float))
    # every plan row appears
    assert {row[0] for row in body if row[0]} == set(range(1, 45))


def test_xlsx_progress_for_one_district(plan, figures):
    _, ws = xlsx_table(plan, figures=figures, year=2018, district="南海区")
    assert "南海区" in ws["A3"].value
    districts = {row[8] for row in ws.iter_rows(min_row=6, values_only=True) if row[8]}
    assert districts == {"南海区"}


# --- Word ---------------------------------------------------------------------------------


def body_rows(doc):
    tbl = doc.tables[0]._tbl
    return tbl.findall(f"{W}tr")


def cell_text(tc) -> str:
    return "".join(t.text or "" for t in tc.iter(f"{W}t"))


def v_merge(tc) -> str | None:
    el = tc.find(f"{W}tcPr/{W}vMerge")
    if el is None:
        return None
    return el.get(f"{W}val") or "continue"


def test_docx_has_the_44_rows_with_their_texts(plan, docx_plain):
    _, doc = docx_plain
    assert plan.table_title in "".join(p.text for p in doc.paragraphs)
    rows = body_rows(doc)
    assert len(rows) == 2 + 44
    header = [cell_text(tc) for tc in rows[0].findall(f"{W}tc")]
    assert header == ["序号", "任务名称", "工作内容", "工作措施", "牵头单位", "配合单位", "工作目标"]
    assert [cell_text(tc) for tc in rows[1].findall(f"{W}tc")][-3:] == [str(y) for y in plan.years]
    for row, tr in zip(plan.rows, rows[2:], strict=True):
        tcs = tr.findall(f"{W}tc")
        assert cell_text(tcs[0]) == str(row.no)
        assert cell_text(tcs[3]) == row.action


def test_docx_group_merges(plan, docx_plain):
    _, doc = docx_plain
    rows = body_rows(doc)[2:]
    for column, index in (("task", 1), ("content", 2), ("lead", 4), ("support", 5)):
        for first, last in plan.merge_spans(column):
            tcs = [rows[n - 1].findall(f"{W}tc")[index] for n in range(first, last + 1)]
            if last == first:
                assert v_merge(tcs[0]) is None, (column, first)
                assert cell_text(tcs[0]) == getattr(plan.row(first), column)
                continue
            assert v_merge(tcs[0]) == "restart", (column, first)
            assert cell_text(tcs[0]) == getattr(plan.row(first), column)
            for tc in tcs[1:]:
                assert v_merge(tc) == "continue", (column, first)
                assert cell_text(tc) == ""
    for row, tr in zip(plan.rows, rows, strict=True):
        tcs = tr.findall(f"{W}tc")
        assert len(tcs) == 6 + len(row.goals), row.no
        for cell, tc in zip(row.goals, tcs[6:], strict=True):
            span = tc.find(f"{W}tcPr/{W}gridSpan")
            assert (int(span.get(f"{W}val")) if span is not None else 1) == len(cell.years), row.no
            assert tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w") == str(len(cell.years) * 1400)
            if span_start(plan, "goals", row.no) == row.no:
                assert cell_text(tc) == cell.text
    assert [len(r.goals) for r in plan.rows].count(1) > 20  # most targets span 2017—2019
    # rows 1–3 share their targets: restart then continue in each year column
    assert [v_merge(rows[n].findall(f"{W}tc")[7]) for n in range(3)] == ["restart", "continue", "continue"]


def test_docx_page_setup_and_fonts(docx_plain):
    data, doc = docx_plain
    sec = doc.sections[0]
    assert sec.orientation == 1 and sec.page_width > sec.page_height
    tbl = doc.tables[0]._tbl
    grid = [int(g.get(f"{W}w")) for g in tbl.findall(f"{W}tblGrid/{W}gridCol")]
    assert len(grid) == 11 and sum(grid) <= 12756  # with 完成时限 and 备注, covered by 配合单位 here
    rows = body_rows(doc)
    assert all(r.find(f"{W}trPr/{W}tblHeader") is not None for r in rows[:2])
    assert rows[2].find(f"{W}trPr/{W}tblHeader") is None
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert 'w:eastAsia="黑体"' in xml and 'w:eastAsia="仿宋_GB2312"' in xml
    styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml").decode()
    assert 'w:eastAsia="仿宋_GB2312"' in styles
    footers = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/footer")]
    footer_xml = "".join(zipfile.ZipFile(io.BytesIO(data)).read(n).decode() for n in footers)
    assert "PAGE" in footer_xml and "— " in footer_xml


def test_docx_progress(plan, figures):
    _, doc = docx_table(plan, figures=figures, year=2018, district="南海区")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2018年度完成情况（南海区）" in text and "示例数据" in text
    rows = body_rows(doc)[1:]
    districts = {cell_text(tr.findall(f"{W}tc")[7]) for tr in rows} - {""}
    assert districts == {"南海区"}
    ev = evaluate(plan, figures, Period(2018))
    mine = [r for r in ev.results if r.district == "南海区" and (r.status != NOT_APPLICABLE or r.note)]
    assert len([tr for tr in rows if cell_text(tr.findall(f"{W}tc")[7])]) == len(mine)
    notes = {r.note for r in mine if r.note}
    assert notes <= {cell_text(tr.findall(f"{W}tc")[12]) for tr in rows}


# --- files, edits, reproducibility --------------------------------------------------------


def test_file_names():
    assert file_name("xlsx") == "任务分解表.xlsx"
    assert file_name("docx", year=2018, progress=True, district="南海区") == "2018年度任务分解表完成情况-南海区.docx"


def test_same_input_same_bytes(plan, xlsx_plain, docx_plain):
    time.sleep(1.1)  # the libraries stamp the time in seconds
    assert xlsx_table(plan)[0] == xlsx_plain[0]
    assert docx_table(plan)[0] == docx_plain[0]


def test_cli_table_writes_readable_names(cli):
    result = cli("table", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    assert Path("output/任务分解表.xlsx").is_file()
    result = cli("table", "--format", "docx", "--year", "2018", "--progress", "--district", "南海")
    assert result.exit_code == 0, result.output
    assert Path("output/2018/完成情况表/2018年度任务分解表完成情况-南海区.docx").is_file()  # where build puts it
    result = cli("table", "--format", "xlsx", "-o", "别处/表.xlsx")
    assert result.exit_code == 0 and Path("别处/表.xlsx").is_file()


def test_cli_table_refuses_progress_without_year(cli):
    result = cli("table", "--format", "xlsx", "--progress")
    assert result.exit_code == 1
    assert "--year" in result.output and "Traceback" not in result.output


def test_edited_templates_change_the_output_without_code(cli, tmp_path):
    templates = tmp_path / "my_templates"
    shutil.copytree(TEMPLATES, templates)
    xlsx = templates / "xlsx" / "任务分解表.xlsx"
    wb = load_workbook(xlsx)
    ws = wb.active
    ws["D3"] = "具体措施"
    ws.column_dimensions["D"].width = 50
    wb.save(xlsx)
    docx = templates / "docx" / "任务分解表.docx"
    doc = Document(docx)
    cell = doc.tables[0].rows[0].cells[3]
    cell.paragraphs[0].runs[0].text = "具体措施"
    doc.save(docx)

    assert cli("table", "--format", "xlsx", templates=templates).exit_code == 0
    assert cli("table", "--format", "docx", templates=templates).exit_code == 0
    out = load_workbook("output/任务分解表.xlsx").active
    assert out["D3"].value == "具体措施"
    assert out.column_dimensions["D"].width == 50
    assert Document("output/任务分解表.docx").tables[0].rows[0].cells[3].text == "具体措施"


@needs_soffice
def test_libreoffice_converts_both_to_pdf(tmp_path, plan, figures, xlsx_plain, docx_plain):
    files = {
        "table-x.xlsx": xlsx_plain[0],
        "table-d.docx": docx_plain[0],
        "progress.xlsx": xlsx_table(plan, figures=figures, year=2018)[0],
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    soffice_convert([tmp_path / n for n in files], tmp_path)
    for name in files:
        pdf = (tmp_path / name).with_suffix(".pdf")
        assert pdf.is_file() and pdf.stat().st_size > 10000, name
        assert pdf_pages(pdf.read_bytes()) >= 2, name


# --- a figure reported where the measure has no target ------------------------------------

OFF_YEAR = "南海区,24,申报中国质量奖或广东省政府质量奖企业数,3,,示例数据\n"


@pytest.fixture
def off_year(data_dir):
    """Row 24 is biennial (no 2018 target); 南海区 reports 3 all the same."""
    with open(data_dir / "figures" / "2018.csv", "a", encoding="utf-8") as f:
        f.write(OFF_YEAR)
    from qdocgen.figures.store import load_figures
    from qdocgen.plan.load import load_plan

    plan = load_plan(data_dir)
    return data_dir, plan, load_figures(data_dir, plan)


@pytest.mark.parametrize("district", ["南海区", None])
def test_off_year_figure_is_kept_in_both_tables(off_year, district):
    _, plan, figures = off_year
    _, ws = xlsx_table(plan, figures=figures, year=2018, district=district)
    rows = [r for r in ws.iter_rows(min_row=6, values_only=True) if r[6] and "质量奖" in str(r[6])]
    mine = [r for r in rows if r[8] == "南海区"]
    assert len(mine) == 1 and mine[0][10] == 3 and mine[0][12] == NOT_APPLICABLE
    _, doc = docx_table(plan, figures=figures, year=2018, district=district)
    texts = [[cell_text(tc) for tc in tr.findall(f"{W}tc")] for tr in body_rows(doc)]
    mine = [t for t in texts if "南海区" in t and any("质量奖企业数" in c for c in t)]
    assert len(mine) == 1 and NOT_APPLICABLE in mine[0], mine
    assert mine[0][mine[0].index("南海区") + 2].startswith("3"), mine[0]


def test_check_warns_of_an_off_year_figure_but_passes(off_year, cli):
    data_dir, _, _ = off_year
    result = CliRunner().invoke(
        main, ["--data", str(data_dir), "--templates", str(TEMPLATES), "check"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "检查通过" in result.stdout
    assert "2018.csv:" in result.stderr and "序号 24" in result.stderr and "没有目标" in result.stderr


# --- any number of plan years -------------------------------------------------------------


def plan_of_years(tmp_path: Path, years: list[int]):
    """The five-year test plan (tests/plans/five_years) cut to `years`: row 1 has a goal over
    the second and third year, row 2 one over all years."""
    from qdocgen.plan.load import load_plan

    text = (Path(__file__).parent / "plans" / "five_years" / "plan.yaml").read_text(encoding="utf-8")
    if len(years) == 2:
        text = text.replace("[2022, 2023, 2024, 2025, 2026]", "[2022, 2023]")
        text = text.replace("[2023, 2024]", "[2023]").replace("2022—2026", "2022—2023")
        text = "\n".join(line for line in text.splitlines() if "2025" not in line and "2026" not in line)
    (tmp_path / "figures").mkdir()
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    return load_plan(tmp_path)


@pytest.mark.parametrize("years", [[2022, 2023, 2024, 2025, 2026], [2022, 2023]])
def test_task_table_has_one_goal_column_per_plan_year(tmp_path, years):
    plan = plan_of_years(tmp_path, years)
    assert list(plan.years) == years
    n = len(years)
    _, ws = xlsx_table(plan)
    assert ws.max_column == 8 + n  # with 完成时限 and 备注 (covered here)
    assert [ws.cell(4, 9 + k).value for k in range(n)] == [str(y) for y in years]
    assert ws.cell(3, 9).value == "工作目标" and f"I3:{chr(ord('I') + n - 1)}3" in merged(ws)
    first = [ws.cell(5, 9 + k).value for k in range(n)]
    assert first[0] == "甲2022"
    assert first[1].startswith("乙2023")
    if n == 5:  # the goal over 2023 and 2024 spans two columns; 2025 and 2026 follow
        assert "J5:K5" in merged(ws) and first[3:] == ["丙2025", "丁2026"]
    assert ws.cell(6, 9).value == "五年都做" and f"I6:{chr(ord('I') + n - 1)}6" in merged(ws)
    assert {"I", "J"} <= set(ws.column_dimensions) and ws.column_dimensions["J"].width == 24

    _, doc = docx_table(plan)
    tbl = doc.tables[0]._tbl
    grid = tbl.find(f"{W}tblGrid").findall(f"{W}gridCol")
    rows = tbl.findall(f"{W}tr")
    for tr in rows:  # every row spans exactly the grid
        spans = sum(
            int(tc.find(f"{W}tcPr/{W}gridSpan").get(f"{W}val")) if tc.find(f"{W}tcPr/{W}gridSpan") is not None else 1
            for tc in tr.findall(f"{W}tc")
        )
        assert spans == len(grid)
    texts = [[cell_text(tc) for tc in tr.findall(f"{W}tc")] for tr in rows]
    assert texts[1][-n:] == [str(y) for y in years]
    assert texts[2][-n + (1 if n == 5 else 0)] == "甲2022"  # five years: 2023—2024 is one cell
    assert "五年都做" == texts[3][-1]
