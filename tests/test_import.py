"""`qdocgen import`: the bundled plan's own table round-trips; other offices' layouts import too."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from docx.enum.text import WD_BREAK
from hypothesis import given, settings
from hypothesis import strategies as st

from qdocgen.plan.load import load_plan
from qdocgen.plan.model import District
from qdocgen.plan.yaml_lines import loaders
from qdocgen.plan_import import Draft
from qdocgen.plan_import.measures import draft_measures
from qdocgen.plan_import.rows import DraftRow, DraftTable
from qdocgen.plan_import.yaml_out import flow, plan_yaml, scalar

from conftest import DATA, fails_if_hung

# Bundled measures whose targets the goal texts do not state: the draft cannot recover them from
# text alone, and marks the row's drafted measure for review instead (asserted below).
NOT_IN_TEXT = {
    "1a": "2017年通过省预验收：一个时间节点（milestone），目标文字中没有数字；草稿为定性指标并标待核",
    "1b": "2018年通过国家质检总局验收：同上，时间节点，不是数字",
    "32": "示范区通过验收的节点任务，每年记 1；文字中没有数字，草稿为定性指标并标待核",
}


def export(cli, tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"published.{fmt}"
    result = cli("table", "--format", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def import_into(cli, table: Path, folder: Path, *extra: str):
    """Run `qdocgen import` into folder/plan_data; the loaded draft and the command's output."""
    data = folder / "plan_data"
    data.mkdir(parents=True, exist_ok=True)
    result = cli("import", table, *extra, data=data)
    assert result.exit_code == 0, result.output
    return load_plan(data), result.output


def same_measure(a, b) -> bool:
    return (a.row, a.kind, a.unit, a.scope, a.targets, a.proportion) == (
        b.row, b.kind, b.unit, b.scope, b.targets, b.proportion,
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_round_trip_of_the_bundled_table(cli, tmp_path, plan, fmt):
    draft, output = import_into(cli, export(cli, tmp_path, fmt), tmp_path / "new")
    assert (draft.title, draft.table_title, draft.years) == (plan.title, plan.table_title, plan.years)
    assert draft.districts == plan.districts
    assert draft.areas == plan.areas
    assert sorted(draft.merges, key=repr) == sorted(plan.merges, key=repr)
    for mine, theirs in zip(draft.rows, plan.rows, strict=True):
        assert (mine.no, mine.task, mine.content, mine.action, mine.lead, mine.support, mine.goals) == (
            theirs.no, theirs.task, theirs.content, theirs.action, theirs.lead, theirs.support, theirs.goals,
        )  # fmt: skip

    # Measure by measure: every bundled measure has a drafted twin with the same row, kind, unit,
    # scope and targets (names are drafted from the sentence and differ), except NOT_IN_TEXT.
    missed = {m.id for m in plan.measures if not any(same_measure(m, d) for d in draft.measures)}
    assert missed == set(NOT_IN_TEXT)
    for mid in NOT_IN_TEXT:
        row = plan.measures[[m.id for m in plan.measures].index(mid)].row
        assert all(d.review for d in draft.measures if d.row == row), f"第 {row} 行应标为待核"
    # A drafted measure with no bundled twin is a guess, and says so.
    extra = [d for d in draft.measures if not any(same_measure(m, d) for m in plan.measures)]
    assert {d.row for d in extra} == {1, 32, 38}
    assert all(d.review for d in extra)
    # Every per-district target is read correctly, and none of them needed a guess about its figures.
    district = [m for m in plan.measures if m.scope == "district"]
    assert len(district) == 31 and all(any(same_measure(m, d) for d in draft.measures) for m in district)
    # The review list names each guess with its row and the phrase it was read from.
    assert "第 38 行指标 38a" in output and "对获证企业巡查每年不少于1次" in output
    assert "第 16 行" in output and "2018年、2019年目标待省明确相关指标数后再定" in output


def test_the_drafts_table_is_the_published_table(cli, tmp_path):
    """From the draft, `qdocgen table` makes the very same table (document and sheet XML)."""
    published_docx, published_xlsx = export(cli, tmp_path, "docx"), export(cli, tmp_path, "xlsx")
    import_into(cli, published_docx, tmp_path / "new")
    for fmt, published, part in (
        ("docx", published_docx, "word/document.xml"),
        ("xlsx", published_xlsx, "xl/worksheets/sheet1.xml"),
    ):
        again = tmp_path / f"again.{fmt}"
        assert cli("table", "--format", fmt, "-o", again, data=tmp_path / "new" / "plan_data").exit_code == 0
        with zipfile.ZipFile(published) as a, zipfile.ZipFile(again) as b:
            assert a.read(part) == b.read(part)


def test_check_lists_what_is_still_marked_for_review(cli, tmp_path):
    data = tmp_path / "new" / "plan_data"
    import_into(cli, export(cli, tmp_path, "xlsx"), tmp_path / "new")
    result = cli("check", data=data)
    assert result.exit_code == 0, result.output
    lines = (data / "plan.yaml").read_text(encoding="utf-8").splitlines()
    marks = re.findall(r"plan\.yaml:(\d+): 待核：(.*)", result.output)
    review_lines = [i + 1 for i, line in enumerate(lines) if line.strip().startswith("review:")]
    assert [int(n) for n, _ in marks] == review_lines
    assert any("第 38 行指标 38a" in text for _, text in marks)
    assert f"仍有 {len(review_lines)} 处标记为待核" in result.output
    # Once a person has checked them and deleted the marks, check says nothing more about them.
    kept = [line for line in lines if not line.strip().startswith("review:")]
    (data / "plan.yaml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = cli("check", data=data)
    assert result.exit_code == 0 and "待核" not in result.output


def test_import_is_deterministic_and_keeps_the_file_it_replaces(cli, tmp_path):
    table = export(cli, tmp_path, "docx")
    data = tmp_path / "new" / "plan_data"
    import_into(cli, table, tmp_path / "new")
    first = (data / "plan.yaml").read_bytes()
    (data / "plan.yaml").write_text("# 手工改过的计划\n", encoding="utf-8")
    _, output = import_into(cli, table, tmp_path / "new")
    assert (data / "plan.yaml").read_bytes() == first
    assert (data / "plan（导入前备份）.yaml").read_text(encoding="utf-8") == "# 手工改过的计划\n"
    assert "已另存为" in output


def test_output_option_and_figures_warning(cli, tmp_path):
    target = tmp_path / "elsewhere" / "plan.yaml"
    result = cli("import", export(cli, tmp_path, "xlsx"), "-o", target)
    assert result.exit_code == 0 and target.is_file()
    assert "完成值属于原来的计划" not in result.output
    # Over a workspace made by `qdocgen init`, the old plan is kept and its sample figures pointed out.
    assert cli("init", tmp_path / "ws").exit_code == 0
    result = cli("import", tmp_path / "published.xlsx", data=tmp_path / "ws" / "plan_data")
    assert result.exit_code == 0
    assert "plan（导入前备份）.yaml" in result.output and "完成值属于原来的计划" in result.output
    assert (tmp_path / "ws" / "plan_data" / "plan（导入前备份）.yaml").read_bytes() == (DATA / "plan.yaml").read_bytes()


# ── Tables laid out the way other offices publish them ─────────────────────────────────────

DISTRICTS = "越秀区,海珠区,荔湾区"
HEAD = ["序号", "任务名称", "工作内容", "工作措施", "牵头单位", "配合单位"]
ROWS = [  # (序号, 任务名称, 工作内容, 工作措施, 牵头单位, 配合单位, 工作目标)
    ("1", "实施质量提升行动", "培育龙头企业", "挖掘细分行业冠军。", "市市场监管局", "各区人民政府",
     "2020—2022年，各区每年培育龙头企业数不少于：越秀10家、海珠8家、荔湾6家。"),
    ("2", "实施质量提升行动", "培育龙头企业", "制定认定标准。", "市市场监管局", "",
     "到2022年底，全市龙头企业达到100家以上。"),
    ("3", "实施质量提升行动", "提升产品质量", "开展监督抽查。", "市市场监管局", "各区人民政府",
     "2020—2022年，各区监督抽查合格率力争达到96%以上。"),
    ("4", "加强品牌建设", "培育知名品牌", "推动企业申报品牌。", "市市场监管局，各区人民政府", "市工业和信息化局",
     "2020—2022年，各区每年通过认证和获奖的企业数分别不少于：越秀（3家、1家）、海珠（2家、1家）、荔湾（2家、1家）。"),
    ("5", "加强品牌建设", "开展品牌宣传", "举办品牌宣传活动。", "市市场监管局", "市委宣传部",
     "目标待省明确后再定。"),
]  # fmt: skip
TITLE = "广州市质量提升行动计划（2020—2022年）任务分解表"


def xlsx_one_row_header(path: Path, repeat_header_at: int | None = None) -> Path:
    """A title row and an 附件 line; one header row with 工作目标 not split by year; 任务名称
    and 工作内容 written on every row instead of merged."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "分解表"
    sheet.append(["附件2"])
    sheet.append([TITLE])
    sheet.merge_cells("A2:G2")
    sheet.append([*HEAD, "工作目标"])
    for i, row in enumerate(ROWS):
        if repeat_header_at == i:
            sheet.append([*HEAD, "工作目标"])
        sheet.append([int(row[0]), *row[1:]])
    sheet.append(["注：各区目标为最低要求。"])
    book.save(path)
    return path


def test_xlsx_one_row_header_repeated_names_title_and_annex_line(cli, tmp_path):
    table = xlsx_one_row_header(tmp_path / "表.xlsx", repeat_header_at=3)
    plan, output = import_into(cli, table, tmp_path / "ws", "--districts", DISTRICTS)
    assert plan.table_title == TITLE and plan.title == "广州市质量提升行动计划（2020—2022年）"
    assert plan.years == (2020, 2021, 2022) and plan.city == "广州市"
    assert [d.short for d in plan.districts] == ["越秀", "海珠", "荔湾"]
    assert plan.areas == (("实施质量提升行动", 1, 3), ("加强品牌建设", 4, 5))
    assert plan.merges == ()  # repeated on every row, so nothing is merged in the published table
    assert [r.content for r in plan.rows] == [r[2] for r in ROWS]
    assert all(r.goals[0].years == (2020, 2021, 2022) for r in plan.rows)
    assert plan.rows[3].goals[0].text == ROWS[3][6]
    assert "表头没有分年度，计划年度 2020—2022 取自标题" in output
    assert "注：各区目标为最低要求。" in output
    check_measures(plan)


def check_measures(plan) -> None:
    by_row = {}
    for m in plan.measures:
        by_row.setdefault(m.row, []).append(m)
    (m1,) = by_row[1]
    assert (m1.kind, m1.unit, m1.scope) == ("annual", "家", "district")
    assert m1.targets == {y: {"越秀区": 10, "海珠区": 8, "荔湾区": 6} for y in (2020, 2021, 2022)}
    (m2,) = by_row[2]
    assert (m2.kind, m2.scope, m2.targets) == ("stock", "city", {2022: 100}) and m2.review
    (m3,) = by_row[3]
    assert (m3.kind, m3.unit, m3.targets[2021]) == ("rate", "%", {"越秀区": 96, "海珠区": 96, "荔湾区": 96})
    a, b = by_row[4]
    assert a.targets[2020] == {"越秀区": 3, "海珠区": 2, "荔湾区": 2} and a.review
    assert b.targets[2022] == {"越秀区": 1, "海珠区": 1, "荔湾区": 1}
    assert (a.name, b.name) == ("通过认证的企业数", "获奖的企业数")
    (m5,) = by_row[5]
    assert (m5.kind, m5.targets) == ("pending", {2020: None, 2021: None, 2022: None}) and m5.review


def docx_two_row_header(path: Path, *, split_table: bool, repeat_goal: bool) -> Path:
    """附件 line and title as paragraphs; a two-row header (工作目标 over 2020/2021/2022);
    任务名称 merged; a 2020—2022 goal either merged across the years or repeated in each;
    the header repeated after a page break (a second table, or a row inside the table)."""
    document = docx.Document()
    document.add_paragraph("附件")
    document.add_paragraph(TITLE)

    def table_with_header(rows: int):
        table = document.add_table(rows=2 + rows, cols=9)
        for c, text in enumerate(HEAD):
            table.cell(0, c).merge(table.cell(1, c)).text = text
        table.cell(0, 6).merge(table.cell(0, 8)).text = "工作目标"
        for c, year in enumerate(("2020年", "2021年", "2022年")):
            table.cell(1, 6 + c).text = year
        return table

    parts = [ROWS[:3], ROWS[3:]] if split_table else [ROWS]
    for n, part in enumerate(parts):
        if n:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        extra = 0 if split_table else 2  # the header again inside the one table, before row 4
        table = table_with_header(len(part) + extra)
        r, at = 2, []
        for i, row in enumerate(part):
            if not split_table and i == 3:
                for c, text in enumerate([*HEAD, "工作目标", "", ""]):
                    table.cell(r, c).text = text
                for c, year in enumerate(("2020年", "2021年", "2022年")):
                    table.cell(r + 1, 6 + c).text = year
                r += 2
            at.append(r)
            for c, text in enumerate(row[:6]):
                table.cell(r, c).text = text
            if repeat_goal or row[0] == "5":
                for c in range(3):
                    table.cell(r, 6 + c).text = row[6]
            else:
                table.cell(r, 6).merge(table.cell(r, 8)).text = row[6]
            r += 1
        # 任务名称 and 工作内容 merged down their rows, as the official layout does.
        first = 0
        for group in _runs([row[1] for row in part]):
            _merge_down(table, 1, at[first], at[first + group - 1], part[first][1])
            first += group
        if part[0][0] == "1":
            _merge_down(table, 2, 2, 3, "培育龙头企业")
    document.save(path)
    return path


def _runs(values: list[str]) -> list[int]:
    runs: list[int] = []
    for i, value in enumerate(values):
        if i and value == values[i - 1]:
            runs[-1] += 1
        else:
            runs.append(1)
    return runs


def _merge_down(table, column: int, first: int, last: int, text: str) -> None:
    if last > first:
        table.cell(first, column).merge(table.cell(last, column)).text = text


@pytest.mark.parametrize("split_table", [True, False], ids=["second-table", "row-repeat"])
@pytest.mark.parametrize("repeat_goal", [False, True], ids=["goal-merged", "goal-repeated"])
def test_docx_two_row_header_merges_and_page_break_repeats(cli, tmp_path, split_table, repeat_goal):
    table = docx_two_row_header(tmp_path / "表.docx", split_table=split_table, repeat_goal=repeat_goal)
    plan, _ = import_into(cli, table, tmp_path / "ws")  # districts found in the goal texts
    assert [d.name for d in plan.districts] == ["越秀区", "海珠区", "荔湾区"]
    assert plan.table_title == TITLE and plan.years == (2020, 2021, 2022)
    assert plan.areas == (("实施质量提升行动", 1, 3), ("加强品牌建设", 4, 5))
    assert [(m.column, m.first, m.last) for m in plan.merges] == [("content", 1, 2)]
    assert [r.action for r in plan.rows] == [r[3] for r in ROWS]
    goals = plan.rows[0].goals
    if repeat_goal:
        assert [g.years for g in goals] == [(2020,), (2021,), (2022,)] and {g.text for g in goals} == {ROWS[0][6]}
    else:
        assert [g.years for g in goals] == [(2020, 2021, 2022)]
    check_measures(plan)


# ── Bad input ──────────────────────────────────────────────────────────────────────────────


def failing(cli, table: Path, tmp_path: Path) -> str:
    data = tmp_path / "bad" / "plan_data"
    result = cli("import", table, "--districts", DISTRICTS, data=data)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and not (data / "plan.yaml").exists()
    return result.output


def test_no_table_like_a_task_table(cli, tmp_path):
    document = docx.Document()
    document.add_paragraph("关于印发某计划的通知")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text = "单位", "联系人"
    document.save(tmp_path / "通知.docx")
    output = failing(cli, tmp_path / "通知.docx", tmp_path)
    assert "找不到像任务分解表的表格" in output and "第 1 个表格（首格“单位”）" in output
    (tmp_path / "坏.docx").write_bytes((tmp_path / "通知.docx").read_bytes()[:100])
    assert "坏.docx：无法打开：文件已损坏" in failing(cli, tmp_path / "坏.docx", tmp_path)
    (tmp_path / "表.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    assert "只能导入 Word（.docx）或 Excel（.xlsx）文件" in failing(cli, tmp_path / "表.doc", tmp_path)


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([1, 2, 4, 5, 6], "工作表“分解表”!A6（序号）: 序号应为 3，实为 4（序号跳过了3）"),
        ([1, 2, 2, 3, 4], "工作表“分解表”!A6（序号）: 序号 2 重复"),
    ],
)
def test_numbers_that_skip_or_repeat(cli, tmp_path, numbers, expected):
    table = xlsx_one_row_header(tmp_path / "表.xlsx")
    book = openpyxl.load_workbook(table)
    for i, n in enumerate(numbers):
        book.active.cell(4 + i, 1).value = n
    book.save(table)
    assert expected in failing(cli, table, tmp_path)


def test_goal_years_merged_down_unevenly(cli, tmp_path):
    table = xlsx_two_row_header_with_merges(tmp_path / "表.xlsx", merges=["G4:G5", "H4:H5"])
    output = failing(cli, table, tmp_path)
    assert "工作表“分解表”!" in output and "工作目标各年度列的纵向合并不一致" in output


def test_content_merged_across_two_tasks(cli, tmp_path):
    table = xlsx_two_row_header_with_merges(tmp_path / "表.xlsx", merges=["C6:C7"])
    output = failing(cli, table, tmp_path)
    assert "工作表“分解表”!C6（工作内容）" in output
    assert "跨过了任务名称“实施质量提升行动”（第 1—3 行）的边界" in output


def xlsx_two_row_header_with_merges(path: Path, merges: list[str]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "分解表"
    sheet.append([TITLE])
    sheet.append([*HEAD, "工作目标", None, None])
    sheet.append([None] * 6 + ["2020", "2021", "2022"])
    for c in "ABCDEF":
        sheet.merge_cells(f"{c}2:{c}3")
    sheet.merge_cells("G2:I2")
    for row in ROWS:
        sheet.append([int(row[0]), *row[1:6], row[6], row[6], row[6]])
    for ref in merges:
        sheet.merge_cells(ref)
    book.save(path)
    return path


def test_the_xlsx_with_year_header_imports(cli, tmp_path):
    plan, _ = import_into(cli, xlsx_two_row_header_with_merges(tmp_path / "表.xlsx", []), tmp_path / "ws")
    assert [g.years for g in plan.rows[0].goals] == [(2020,), (2021,), (2022,)]
    check_measures(plan)


# ── Goal sentences, one kind at a time ──────────────────────────────────────────────────────

FOSHAN = [District(f"{n}区", n) for n in ("禅城", "南海", "顺德", "高明", "三水")]
YEARS = (2017, 2018, 2019)
ALL = YEARS


def drafted(*goals: tuple[tuple[int, ...], str]):
    row = DraftRow(
        7, "任务", {"content": "内容", "action": "措施。", "lead": "市质监局", "support": ""}, list(goals), ""
    )
    return [(m.kind, m.unit, m.scope, m.targets, bool(m.review)) for m in draft_measures([row], [], FOSHAN, YEARS)]


def per(*values):
    return dict(zip((d.name for d in FOSHAN), values, strict=True))


@pytest.mark.parametrize(
    ("goals", "expected"),
    [
        # per-district counts, the same every year of a 2017—2019 goal
        ([(ALL, "2017—2019年，各区每年新增企业数不少于：禅城25家、南海35家、顺德35家、高明15家、三水15家。")],
         [("annual", "家", "district", {y: per(25, 35, 35, 15, 15) for y in ALL}, False)]),
        # listed in another order: matched by name, never by position
        ([(ALL, "各区每年培训企业数不少于：禅城20家、南海30家、顺德30家、三水10家、高明20家。")],
         [("annual", "家", "district", {y: per(20, 30, 30, 20, 10) for y in ALL}, False)]),
        # a city total to reach by the end of the plan
        ([(ALL, "到2019年底，全市培育龙头企业数量达到350家以上。")],
         [("cumulative", "家", "city", {2019: 350}, True)]),
        # a rate for every district
        ([(ALL, "2017—2019年，各区监督抽查合格率达到95%以上。")],
         [("rate", "%", "district", {y: per(95, 95, 95, 95, 95) for y in ALL}, False)]),
        # growth
        ([((2017,), "全市孵化器数量增长10%。"), ((2018,), "全市孵化器数量增长10%。"), ((2019,), "全市孵化器数量增长12%。")],
         [("growth", "%", "city", {2017: 10, 2018: 10, 2019: 12}, False)]),
        # cumulative, said so
        ([(ALL, "2017—2019年，全市累计培训检验员1,200人次以上。")],
         [("cumulative", "人次", "city", {2019: 1200}, False)]),
        # the same 2017—2019 goal written in each year column
        ([((2017,), "2017—2019年，各区每年开展检查不少于：禅城4次、南海5次、顺德5次、高明3次、三水3次。")] * 1
         + [((2018,), "2017—2019年，各区每年开展检查不少于：禅城4次、南海5次、顺德5次、高明3次、三水3次。"),
            ((2019,), "2017—2019年，各区每年开展检查不少于：禅城4次、南海5次、顺德5次、高明3次、三水3次。")],
         [("annual", "次", "district", {y: per(4, 5, 5, 3, 3) for y in ALL}, False)]),
        # a figure for 2017, then “to be set later”
        ([((2017,), "全市推动1000家规模以上企业实施技术改造。"), ((2018, 2019), "2018年、2019年目标待省明确相关指标数后再定。")],
         [("city-level", "家", "city", {2017: 1000, 2018: None, 2019: None}, True)]),
        # only in 2017 and 2019
        ([(ALL, "2017年和2019年，各区每年推荐申报的企业数不少于3家。")],
         [("biennial", "家", "district", {2017: per(3, 3, 3, 3, 3), 2019: per(3, 3, 3, 3, 3)}, False)]),
        # stock per district, different each year
        ([((2017,), "各区有效期内名牌产品数量不少于：禅城55个、南海229个、顺德151个、高明33个、三水32个。"),
          ((2018,), "各区有效期内名牌产品数量不少于：禅城60个、南海239个、顺德161个、高明36个、三水36个。"),
          ((2019,), "各区有效期内名牌产品数量不少于：禅城65个、南海249个、顺德171个、高明39个、三水39个。")],
         [("stock", "个", "district",
           {2017: per(55, 229, 151, 33, 32), 2018: per(60, 239, 161, 36, 36), 2019: per(65, 249, 171, 39, 39)}, False)]),
        # a district left out of the list: its target is not invented, and the measure is marked
        ([(ALL, "各区每年新增标准数不少于：禅城2个、南海3个、顺德3个、高明1个。")],
         [("annual", "个", "district", {y: dict(list(per(2, 3, 3, 1, 0).items())[:4]) for y in ALL}, True)]),
        # a growth may exceed 100% (2.5 times as many), and is kept as written
        ([(ALL, "2017—2019年，全市孵化器数量每年增长150%。")],
         [("growth", "%", "city", {y: 150 for y in ALL}, False)]),
        # a share over 100% (a 合格率 of 120%) cannot be: null and marked, never a wrong figure
        ([(ALL, "2017—2019年，全市工业产品质量监督抽查综合合格率达到120%。")],
         [("rate", "%", "city", {y: None for y in ALL}, True)]),
        # no number at all
        ([(ALL, "积极组织企业参加品牌价值评价工作。")], [("qualitative", "", "city", {}, False)]),
        # a milestone-like goal without figures: qualitative, with a hint to review
        ([((2017,), "2017年底通过省预验收。"), ((2018,), "通过国家验收。"), ((2019,), "推广经验。")],
         [("qualitative", "", "city", {}, True)]),
    ],
)  # fmt: skip
def test_goal_sentences(goals, expected):
    assert drafted(*goals) == expected


def test_several_measures_in_one_sentence():
    got = drafted((ALL, "2017—2019年，各区每年通过A体系确认和B体系认证的企业数分别不少于：禅城（4家、1家）、"
                        "南海（10家、2家）、顺德（10家、2家）、高明（3家、1家）、三水（3家、1家）。"))  # fmt: skip
    assert got == [
        ("annual", "家", "district", {y: per(4, 10, 10, 3, 3) for y in ALL}, True),
        ("annual", "家", "district", {y: per(1, 2, 2, 1, 1) for y in ALL}, True),
    ]


def test_a_stray_formatted_cell_far_away_costs_nothing(cli, tmp_path):
    """WPS and Excel leave formatting at XFD1048576 now and then; only cells with values count."""
    table = xlsx_one_row_header(tmp_path / "表.xlsx")
    book = openpyxl.load_workbook(table)
    book.active["XFD1048576"].fill = openpyxl.styles.PatternFill("solid", fgColor="FF0000")
    book.save(table)
    with fails_if_hung(60):
        plan, _ = import_into(cli, table, tmp_path / "ws", "--districts", DISTRICTS)
    assert len(plan.rows) == 5


def test_a_number_cell_merged_over_two_rows(cli, tmp_path):
    table = xlsx_two_row_header_with_merges(tmp_path / "表.xlsx", ["A5:A6"])
    assert "工作表“分解表”!A6（序号）: 序号 2 的单元格纵向合并了两行" in failing(cli, table, tmp_path)


def test_the_whole_letter_gives_number_date_and_issuer(cli, tmp_path):
    """When the Word file is the 政府办函 with its annex, the meta comes from the letter itself."""
    table = docx_two_row_header(tmp_path / "函.docx", split_table=False, repeat_goal=False)
    document = docx.Document(table)
    first = document.paragraphs[0]
    for line in ("广州市人民政府办公厅", "穗府办函〔2020〕12号", "广州市人民政府办公厅", "2020年3月5日"):
        first.insert_paragraph_before(line)
    document.save(table)
    plan, output = import_into(cli, table, tmp_path / "ws")
    assert (plan.doc_number, plan.date.isoformat(), plan.issuer) == (
        "穗府办函〔2020〕12号",
        "2020-03-05",
        "广州市人民政府办公厅",
    )
    meta_review = next(m.text for m in plan.reviews if m.what.startswith("计划信息"))
    assert "文号" not in meta_review and "通报署名机关" in meta_review


def test_task_names_as_section_rows_and_an_extra_column(cli, tmp_path):
    """No 任务名称 column: “一、…” rows across the table name the tasks; 年度 as one-row headings;
    a 备注 column the plan has no place for is named in the review list, not dropped silently."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.append(
        [
            "序号",
            "工作内容",
            "工作措施",
            "牵头单位",
            "配合单位",
            "2020年目标",
            "2021年目标",
            "2022年目标",
            "备注",
            "附注",
        ]
    )
    sections = {0: "一、实施质量提升行动", 3: "二、加强品牌建设"}
    for i, row in enumerate(ROWS):
        if i in sections:
            sheet.append([sections[i]])
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=10)
        sheet.append([int(row[0]), *row[2:6], row[6], row[6], row[6], "已纳入考核" if i == 0 else None, "见附"])
    table = tmp_path / "表.xlsx"
    book.save(table)
    plan, output = import_into(cli, table, tmp_path / "ws", "--districts", DISTRICTS)
    assert plan.areas == (("实施质量提升行动", 1, 3), ("加强品牌建设", 4, 5))
    assert [g.years for g in plan.rows[0].goals] == [(2020,), (2021,), (2022,)]
    # 备注 is a column plans have: imported; a column of no known kind is named, not dropped silently.
    assert plan.columns == ("content", "action", "lead", "support", "remark")
    assert (plan.rows[0].remark, plan.rows[1].remark) == ("已纳入考核", "")
    assert "原表“附注”栏未导入" in output and "分项行" in output
    check_measures(plan)


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_cell_text_survives_the_yaml(text):
    """Whatever a cell holds (quotes, colons, “true”, line breaks, U+2028…) reads back unchanged."""
    loaded = yaml.load(f"k: {scalar(text)}\nf: {{{flow(text or 'x')}: 1}}\n", Loader=loaders()[0])  # noqa: S506
    assert loaded == {"k": text, "f": {text or "x": 1}}


def test_districts_nowhere_in_the_text(cli, tmp_path):
    book = openpyxl.Workbook()
    book.active.append([*HEAD, "工作目标"])
    book.active.append([1, "任务", "内容", "措施。", "市质监局", "", "2020—2022年，各区每年举办2期以上培训班。"])
    book.save(tmp_path / "表.xlsx")
    result = cli("import", tmp_path / "表.xlsx", data=tmp_path / "ws" / "plan_data")
    assert result.exit_code == 1 and "请用 --districts 写出各单位全称" in result.output
    assert "标题和目标文字中" not in result.output  # years were found in the goal text


FRAGMENTS = [
    "禅城", "南海", "顺德", "高明", "三水", "禅城区", "各区", "全市", "我市", "每年", "累计", "有效期内", "新增",
    "2017—2019年", "2017年", "2019年底", "到2019年底", "2017年和2019年", "2018年、2019年", "目标待省明确后再定",
    "不少于", "达到", "以上", "增长", "合格率", "对企业", "（", "）", "：", "、", "，", "。", "；", "（注：每2年一次）",
    "0", "1", "5", "25", "95", "150", "10,000", "1.5", "家", "个", "项", "次", "人次", "%", "企业数", "培训班",
]  # fmt: skip


@given(st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join), min_size=1, max_size=3))
@settings(max_examples=150, deadline=None)
def test_any_goal_text_drafts_a_plan_that_loads(tmp_path_factory, texts):
    """Whatever the goal cells say, the draft loads with qdocgen's own loader (no internal error)."""
    years = [(y,) for y in YEARS] if len(texts) == 3 else [YEARS] * len(texts)
    goals = [(ys, t) for ys, t in zip(years, texts, strict=False)][: 1 if len(texts) != 3 else 3]
    row = DraftRow(1, "任务", {"content": "内容", "action": "措施。", "lead": "市质监局", "support": ""}, goals, "")
    table = DraftTable([row], [("任务", 1, 1)], [], [])
    meta = {"title": "某计划", "table_title": "某计划任务分解表", "doc_number": "待填〔2017〕1号", "issuer": "某办",
            "date": "2017-01-01", "years": list(YEARS), "city": "某市", "office": "某局"}  # fmt: skip
    draft = Draft("表.xlsx", meta, FOSHAN, table, draft_measures([row], [], FOSHAN, YEARS), [])
    folder = tmp_path_factory.mktemp("draft")
    (folder / "plan.yaml").write_text(plan_yaml(draft), encoding="utf-8")
    load_plan(folder)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_import_and_check_count_the_same_review_marks(cli, tmp_path, fmt):
    data = tmp_path / "new" / "plan_data"
    plan, output = import_into(cli, export(cli, tmp_path, fmt), tmp_path / "new")
    said = int(re.search(r"有 (\d+) 处标记为待核（review）", output).group(1))
    checked = cli("check", data=data).output
    assert f"仍有 {said} 处标记为待核（review）" in checked, (output, checked)
    lines = (data / "plan.yaml").read_text(encoding="utf-8").splitlines()
    assert said == len(plan.reviews) == sum(line.strip().startswith("review:") for line in lines)


def test_a_figure_cut_from_mid_sentence_leaves_no_broken_name(cli, tmp_path):
    """Row 38: “各区每年组织专家对5%以上的生产许可证获证企业开展技术检查”."""
    plan, _ = import_into(cli, export(cli, tmp_path, "docx"), tmp_path / "new")
    names = {m.id: m for m in plan.measures if m.row == 38}
    rate = next(m for m in names.values() if m.unit == "%")
    assert "对的" not in rate.name and "生产许可证获证企业" in rate.name, rate.name
    assert rate.review and "请核对" in rate.review
    assert all("对的" not in m.name for m in plan.measures)


@pytest.mark.parametrize(
    "table_title, title",
    [
        ("云川市质量提升行动计划（2024—2026年）重点任务分解表", "云川市质量提升行动计划（2024—2026年）"),
        ("江州市质量提升三年行动计划（2021—2023年）任务分解表", "江州市质量提升三年行动计划（2021—2023年）"),
        ("某市质量提升行动计划（2021—2023年）主要任务清单", "某市质量提升行动计划（2021—2023年）"),
    ],
)
def test_the_plan_title_ends_with_its_years_not_with_a_word_of_the_table_name(table_title, title):
    from types import SimpleNamespace

    from qdocgen.plan_import.meta import draft_meta

    layout = SimpleNamespace(title=table_title, years=[2024, 2025, 2026], headings={})
    meta, _ = draft_meta(layout, SimpleNamespace(rows=[]), [], Path("任务分解表.docx"))
    assert meta["title"] == title and meta["table_title"] == table_title
