"""Any plan, any city: another city's 2021—2023 plan runs the whole year, and nothing of the
bundled plan (佛山 2017—2019) is left in the code or the templates.

The second plan is tests/plans/jiangzhou (made by tests/plans/make_jiangzhou.py): eight units —
three districts, two counties, a county-level city and two functional zones — published as a
Word table and as an Excel sheet laid out differently.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from qdocgen.cli import main
from qdocgen.plan.load import load_plan
from qdocgen.plan_import.districts import find_districts, parse_districts
from qdocgen.plan_import.measures import draft_measures
from qdocgen.plan_import.rows import DraftRow

from conftest import ROOT

PLANS = ROOT / "tests" / "plans" / "jiangzhou"
EDITIONS = {"docx": PLANS / "任务分解表.docx", "xlsx": PLANS / "任务分解表.xlsx"}
YEARS = (2021, 2022, 2023)
UNITS = ("东城区", "西城区", "北湖区", "临江县", "南山县", "青溪市", "高新区", "开发区")
KINDS = ("区", "区", "区", "县", "县", "县级市", "功能区", "功能区")


def per(*values, names=UNITS):
    return dict(zip(names, values, strict=True))


# What each row of the 江州 table sets, read by a person: (row, scope, unit, targets).
EXPECTED = {
    1: ("district", "家", {
        2021: per(20, 15, 10, 5, 5, 8, 6, 4),
        2022: per(22, 16, 12, 6, 6, 9, 7, 5),
        2023: per(25, 18, 14, 8, 7, 10, 8, 6),
    }),
    2: ("city", "项", {2021: 10, 2022: 15, 2023: 20}),
    3: ("city", "家", {2023: 12}),
    4: ("district", "个", {y: per(2, 2, 2, 1, 1, 1, 1, 1) for y in YEARS}),
    5: ("city", "项", {2021: 30, 2022: None, 2023: None}),
    6: ("district", "项", {2022: {"临江县": 1, "南山县": 1}}),
    7: ("city", "%", {y: 10 for y in YEARS}),
    8: ("city", "%", {y: 95 for y in YEARS}),
    9: ("district", "次", {y: {"东城区": 2, "西城区": 2, "临江县": 2, "南山县": 2} for y in YEARS}),
}  # fmt: skip


def run(folder: Path, *args: str):
    """`qdocgen ARGS` in workspace `folder`, as a clerk runs it there."""
    import os

    old = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False)
    finally:
        os.chdir(old)


def workspace(tmp_path: Path, edition: str) -> tuple[Path, str]:
    """`qdocgen init`, the sample figures removed, then `qdocgen import` of the published table."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    ws = tmp_path / "江州"
    result = run(tmp_path, "init", ws)
    assert result.exit_code == 0, result.output
    assert "qdocgen import" in result.output and "图表字体" not in result.output
    for sample in (ws / "plan_data" / "figures").iterdir():
        sample.unlink()
    result = run(ws, "import", EDITIONS[edition])
    assert result.exit_code == 0, result.output
    return ws, result.output


# ---------------------------------------------------------------- import of both editions


@pytest.mark.parametrize("edition", ["docx", "xlsx"])
def test_both_editions_import_without_a_hand_edit(tmp_path, edition):
    ws, output = workspace(tmp_path, edition)
    plan = load_plan(ws / "plan_data")
    assert plan.years == YEARS and plan.city == "江州市"
    assert [(d.name, d.kind) for d in plan.districts] == list(zip(UNITS, KINDS, strict=True))
    assert [d.authority for d in plan.districts][3:] == [
        "临江县人民政府", "南山县人民政府", "青溪市人民政府", "高新区管委会", "开发区管委会",
    ]  # fmt: skip
    assert "类型按名称推断" in plan.reviews[0].text  # the kinds are a guess, marked
    # Neither edition has 工作措施: it is absent from plan.yaml, never “（原表空白）”.
    text = (ws / "plan_data" / "plan.yaml").read_text(encoding="utf-8")
    assert "原表空白" not in text and "action:" not in text and "action" not in plan.columns
    if edition == "docx":
        assert plan.columns == ("content", "lead", "support", "deadline")
        assert plan.rows[0].support.startswith("各区（县、市）人民政府") and plan.rows[0].deadline == "2023年12月"
        assert "注：各区（县、市）和功能区的目标为当年新增数" in output  # the line under the Word table
    else:
        assert plan.columns == ("content", "lead", "support", "remark")
        assert plan.rows[5].remark == "国家级试点以国家标准委公布为准"
        assert [a[0] for a in plan.areas] == ["质量品牌建设", "标准化建设", "质量安全监管"]

    # Every target is read right, or its measure is marked for review.
    drafted = {m.row: [] for m in plan.measures}
    for m in plan.measures:
        drafted[m.row].append(m)
    for row, (scope, unit, targets) in EXPECTED.items():
        right = [m for m in drafted[row] if (m.scope, m.unit, m.targets) == (scope, unit, targets)]
        assert right, f"第 {row} 行没有读对：{[(m.scope, m.unit, m.targets) for m in drafted[row]]}"
    for m in plan.measures:
        expected = EXPECTED.get(m.row)
        if expected is None or (m.scope, m.unit, m.targets) != expected:
            assert m.review or m.kind == "qualitative", f"{m.id} 读错了却没有标为待核"
    # Read with certainty, so not marked: the lists, the continued year cells, the years in one cell.
    for row in (1, 2, 4):
        assert [m.review for m in drafted[row]] == [""], row
    assert [m.kind for m in drafted[1]] == ["annual"] and [m.kind for m in drafted[2]] == ["city-level"]
    # Marked: a pending year, units left out of a list, a target for the last year only.
    assert "目标待定" in drafted[5][0].review
    assert "北湖、青溪、高新区、开发区" in drafted[9][0].review
    assert drafted[3][0].review


def test_the_two_editions_give_the_same_measures(tmp_path):
    plans = [load_plan(workspace(tmp_path / e, e)[0] / "plan_data") for e in EDITIONS]
    keys = [[(m.row, m.kind, m.unit, m.scope, m.targets, m.name) for m in p.measures] for p in plans]
    assert keys[0] == keys[1]


# ---------------------------------------------------------------- the wordings, one by one

DISTRICTS = parse_districts(",".join(UNITS))


def drafted(*goals):
    row = DraftRow(3, "任务", {"content": "建设服务站", "action": "", "lead": "市局", "support": ""}, list(goals), "")
    return [(m.scope, m.unit, m.targets, bool(m.review)) for m in draft_measures([row], [], DISTRICTS, YEARS)]


EACH = {y: per(20, 15, 10, 5, 5, 8, 6, 4) for y in YEARS}


@pytest.mark.parametrize(
    ("goals", "expected"),
    [
        pytest.param(  # a verb before each figure: one measure, not eight city measures
            [
                (
                    YEARS,
                    "东城区新增20家、西城区新增15家、北湖区新增10家、临江县新增5家、南山县新增5家、"
                    "青溪市新增8家、高新区新增6家、开发区新增4家",
                )
            ],
            [("district", "家", EACH, False)],
            id="verb-before-figure",
        ),
        pytest.param(  # the later year cells drop the lead-in: they continue the first year's list
            [
                ((2021,), "培育示范企业：东城区新增2家、西城区新增1家"),
                ((2022,), "东城区3家、西城区2家"),
                ((2023,), "东城区4家、西城区3家"),
            ],
            [
                (
                    "district",
                    "家",
                    {
                        2021: {"东城区": 2, "西城区": 1},
                        2022: {"东城区": 3, "西城区": 2},
                        2023: {"东城区": 4, "西城区": 3},
                    },
                    True,
                )
            ],
            id="year-cell-continues",  # marked: the list leaves out six units
        ),
        pytest.param(  # several years in one cell
            [(YEARS, "全市新增省级以上质量标杆企业2021年10项、2022年15项、2023年20项。")],
            [("city", "项", {2021: 10, 2022: 15, 2023: 20}, False)],
            id="years-in-one-cell",
        ),
        pytest.param(
            [(YEARS, "2021年：全市培训500人次；2022年：全市培训600人次；2023年：全市培训800人次。")],
            [("city", "人次", {2021: 500, 2022: 600, 2023: 800}, False)],
            id="year-headed-parts",
        ),
        pytest.param(  # a pending year beside a figure is kept, as null, and marked
            [(YEARS, "2021年全市制定修订标准30项；2022年、2023年目标待省明确后再定。")],
            [("city", "项", {2021: 30, 2022: None, 2023: None}, True)],
            id="pending-years",
        ),
        pytest.param(  # “各1项”: names sharing one figure
            [((2022,), "创建国家级标准化试点示范项目，临江、南山各1项。")],
            [("district", "项", {2022: {"临江县": 1, "南山县": 1}}, True)],
            id="shared-figure",
        ),
        pytest.param(  # “临江县、南山县” inside a list is one list, not bogus measures
            [(YEARS, "东城区、西城区、临江县、南山县各开展产品质量专项整治2次，高新区、开发区各1次。")],
            [
                (
                    "district",
                    "次",
                    {y: {"东城区": 2, "西城区": 2, "临江县": 2, "南山县": 2, "高新区": 1, "开发区": 1} for y in YEARS},
                    True,
                )
            ],
            id="units-inside-a-list",
        ),
        pytest.param(  # a target for the last year only: stock or cumulative is a guess, marked
            [((2021,), "做好培育工作。"), ((2022,), "推荐申报。"), ((2023,), "到2023年底，全市获奖企业达到12家。")],
            [("city", "家", {2023: 12}, True)],
            id="last-year-only",
        ),
        pytest.param(  # “到2023年” without 底: a target for that year, not every year
            [(YEARS, "到2023年，全市规模以上工业企业产品合格率达到98%。")],
            [("city", "%", {2023: 98}, False)],
            id="by-a-year",
        ),
        pytest.param(  # a cell of every year whose lead-in names one year: that year only, marked
            [(YEARS, "2021年培育“江州精品”：东城区新增20家、西城区新增15家")],
            [("district", "家", {2021: {"东城区": 20, "西城区": 15}}, True)],
            id="year-prefixed-lead-in",
        ),
        pytest.param(  # “各区、县（高新区）…”: every unit, and the later cells without the lead-in continue it
            [
                ((2021,), "各区、县（高新区）重点工业产品监督抽查合格率达到95%以上"),
                ((2022,), "抽查合格率达到95%以上"),
                ((2023,), "抽查合格率达到96%以上"),
            ],
            [("district", "%", {2021: per(*[95] * 8), 2022: per(*[95] * 8), 2023: per(*[96] * 8)}, False)],
            id="units-lead-in-dropped",
        ),
    ],
)
def test_goal_wordings(goals, expected):
    assert drafted(*goals) == expected


def test_names_leave_out_the_units_and_the_year_of_the_lead_in():
    row = DraftRow(
        3,
        "任务",
        {"content": "", "action": "", "lead": "市局", "support": ""},
        [
            ((2021,), "各区、县（高新区）重点工业产品监督抽查合格率达到95%以上"),
            (YEARS, "2021年培育“江州精品”：东城区新增20家、西城区新增15家"),
        ],
        "",
    )
    names = [m.name for m in draft_measures([row], [], DISTRICTS, YEARS)]
    assert names == ["重点工业产品监督抽查合格率", "培育“江州精品”数"]


def test_units_listed_once_are_found_without_districts_and_marked():
    units, guesses = find_districts(
        ["2024年培育精品：东城区新增20家、西城区新增15家、临江县新增5家、高新区新增8家", "做好培育工作"]
    )
    assert [(u.name, u.kind) for u in units] == [
        ("东城区", "区"),
        ("西城区", "区"),
        ("临江县", "县"),
        ("高新区", "功能区"),
    ]
    assert any("只在一处" in g for g in guesses)


def test_like_figures_of_one_sentence_are_marked_when_read_as_several_measures():
    """The safety net: figures the reader cannot tie to years stay separate measures, marked."""
    out = drafted((YEARS, "全市新增标杆企业10项、15项、20项。"))
    assert len(out) == 3 and all(review for *_, review in out)


def test_units_found_in_the_goal_texts_keep_their_kind():
    texts = [
        "东城区新增20家、西城区新增15家、临江县新增5家、南山县新增5家、青溪市新增8家、高新区新增6家",
        "东城区22家、西城区16家、临江县6家、南山县6家、青溪市9家、高新区7家",
        "东城、西城各建成2个，临江、南山、青溪各1个，高新区各1个",
    ]
    units, guesses = find_districts(texts)
    assert [(d.name, d.short, d.kind) for d in units] == [
        ("东城区", "东城", "区"), ("西城区", "西城", "区"), ("临江县", "临江", "县"), ("南山县", "南山", "县"),
        ("青溪市", "青溪", "县级市"), ("高新区", "高新区", "功能区"),
    ]  # fmt: skip
    assert [d.you for d in units] == ["你区", "你区", "你县", "你县", "你市", "你委"]
    assert "请核对全称、类型" in guesses[0]
    # Names only ever written short: the suffix is a guess, and said to be one.
    units, guesses = find_districts(["甲乙1家、丙丁2家、戊己3家", "甲乙2家、丙丁3家、戊己4家"])
    assert [d.name for d in units] == ["甲乙区", "丙丁区", "戊己区"] and "只写了简称" in guesses[1]


def test_a_table_without_a_number_column_imports(cli, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["江州市质量提升三年行动计划（2021—2023年）任务分解表"])
    sheet.append(["重点任务", "工作目标"])
    sheet.append(["培育品牌", "东城区新增2家、西城区新增1家、临江县新增1家。"])
    sheet.append(["培育品牌", "东城区建成1个、西城区建成1个、临江县建成2个。"])
    sheet.append(["加强培训", "全市每年培训500人次。"])
    sheet.append(["注：本表由市质量办负责解释。"])
    sheet.merge_cells("A6:B6")
    book.save(tmp_path / "表.xlsx")
    data = tmp_path / "ws" / "plan_data"
    result = cli("import", tmp_path / "表.xlsx", data=data)
    assert result.exit_code == 0, result.output
    plan = load_plan(data)
    assert [r.no for r in plan.rows] == [1, 2, 3] and plan.columns == ()
    assert plan.areas == (("培育品牌", 1, 2), ("加强培训", 3, 3))
    assert [(m.row, m.scope, m.targets[2022]) for m in plan.measures] == [
        (1, "district", {"东城区": 2, "西城区": 1, "临江县": 1}),
        (2, "district", {"东城区": 1, "西城区": 1, "临江县": 2}),
        (3, "city", 500),
    ]
    assert "注：本表由市质量办负责解释。" in result.output


# ---------------------------------------------------------------- the whole year, by the command line


def read_docx(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def fill_forms(folder: Path) -> dict[tuple[str, str], float]:
    """Fill every form as the units would: the target, one more or one less; a note for the rest."""
    filled = {}
    for i, path in enumerate(sorted(folder.glob("*.xlsx"))):
        book = openpyxl.load_workbook(path)
        sheet = book["填报"]
        header = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "序号")
        r = header + 1
        while isinstance(sheet.cell(r, 1).value, int):
            target = sheet.cell(r, 4).value
            if isinstance(target, str) and "年目标" in target:  # a later year's target, for reference
                target = int(target.split("年目标")[1])
            if isinstance(target, (int, float)):
                value = target + (1 if i % 2 else -1) if target > 1 else target
                sheet.cell(r, 5).value = value
                filled[(path.name.split("-")[0], sheet.cell(r, 2).value)] = value
            else:
                sheet.cell(r, 6).value = "按计划推进"
            r += 1
        book.save(path)
    return filled


def test_the_whole_year_of_another_city(tmp_path):
    ws, _ = workspace(tmp_path, "docx")
    check = run(ws, "check")
    assert check.exit_code == 0, check.output
    assert "待核" in check.output  # the review marks are listed, the year can still run

    forms = run(ws, "forms", "--year", 2022, "-o", ws / "收表")
    assert forms.exit_code == 0, forms.output
    names = sorted(p.name for p in (ws / "收表").glob("*.xlsx"))
    assert names == sorted(f"{u}-2022年度-填报表.xlsx" for u in (*UNITS, "全市"))
    county = openpyxl.load_workbook(ws / "收表" / "临江县-2022年度-填报表.xlsx")["填报"]
    text = "\n".join(str(c.value) for row in county.iter_rows() for c in row if c.value is not None)
    assert "有效期内省名牌" not in text
    # the stock example in the instructions is one of the measures on this unit's own form, if any
    asked = {str(row[1].value) for row in county.iter_rows() if isinstance(row[0].value, int)}
    for example in re.findall(r"存量类指标（如(.+?)）", text):
        assert example in asked
    assert "开展产品质量专项整治次数" in text and "2021年1月1日" in text

    # A target set for the last year only is on the earlier forms, for reference, and tracked.
    city_form = openpyxl.load_workbook(ws / "收表" / "全市-2022年度-填报表.xlsx")["填报"]
    cells = [c.value for row in city_form.iter_rows() for c in row]
    assert "2023年目标12" in cells and any("某年目标" in str(c) for c in cells)

    before = run(ws, "missing", "--year", 2022)
    assert before.exit_code == 0 and "临江县" in before.output
    filled = fill_forms(ws / "收表")
    book = openpyxl.load_workbook(ws / "收表" / "南山县-2022年度-填报表.xlsx")
    sheet = book["填报"]
    first = next(r for r in range(1, sheet.max_row + 1) if isinstance(sheet.cell(r, 5).value, (int, float)))
    sheet.cell(first, 6).value = "含跨年度项目"
    book.save(ws / "收表" / "南山县-2022年度-填报表.xlsx")
    collect = run(ws, "collect", ws / "收表")
    assert collect.exit_code == 0, collect.output
    assert "导入 9 份" in collect.output
    assert "说明“含跨年度项目”" in collect.output  # a 说明 saved with a figure is echoed
    seen = [u for line in collect.output.splitlines() for u in ("全市", *UNITS) if f"新增 {u} " in line]
    assert list(dict.fromkeys(seen)) == ["全市", *UNITS]  # in the plan's order, not the files'
    unknown = run(ws, "progress", "--year", 2022, "--district", "南湖")
    assert unknown.exit_code != 0 and "未知的区（县" in unknown.output and "未知的区“" not in unknown.output
    assert run(ws, "progress", "--year", 2022, "--district", "高新").exit_code == 0  # 高新 for 高新区
    after = run(ws, "missing", "--year", 2022, "--format", "json")
    assert after.exit_code == 0, after.output
    records = json.loads(after.output[: after.output.rindex("]") + 1])
    assert [r["name"] for r in records] == [*UNITS, "全市"]
    assert all(r["missing"] == [] and r["reported"] == r["expected"] > 0 for r in records)

    progress = run(ws, "progress", "--year", 2022, "--district", "临江县", "--format", "csv")
    assert progress.exit_code == 0, progress.output
    lines = progress.output.splitlines()
    brand = next(line for line in lines if "培育区域质量品牌示范企业数" in line)
    assert f",6,{filled[('临江县', '培育区域质量品牌示范企业数')]:g}," in brand

    city = run(ws, "progress", "--year", 2022, "--district", "全市", "--format", "csv").output
    award = next(line for line in city.splitlines() if "获中国质量奖提名奖" in line)
    assert f",{filled[('全市', '获中国质量奖提名奖及省政府质量奖企业数')]:g}," in award and "不适用" in award
    assert "没有目标" not in run(ws, "check").output  # asked for on the form: not a slip

    table = run(ws, "table", "--format", "xlsx", "-o", ws / "任务分解表.xlsx")
    assert table.exit_code == 0, table.output
    sheet = openpyxl.load_workbook(ws / "任务分解表.xlsx").active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "工作措施" not in cells and "（原表空白）" not in "".join(cells)
    # the published headings (重点任务, 责任单位, “2021年”), see meta.headings
    assert {"序号", "重点任务", "工作内容", "牵头单位", "责任单位", "2021年", "2022年", "2023年"} <= set(cells)

    build = run(ws, "build", "--year", 2022, "--date", "2023-01-20", "-o", ws / "out")
    assert build.exit_code == 0, build.output
    notices = ws / "out" / "2022" / "通报"
    assert len(list(notices.glob("*.docx"))) == 9
    county = read_docx(notices / "临江县-2022年度质量提升工作完成情况反馈函.docx")
    city = read_docx(notices / "全市-2022年度质量提升工作完成情况通报.docx")
    zone = read_docx(notices / "高新区-2022年度质量提升工作完成情况反馈函.docx")
    # a unit's own document is a 函 by default (issue 21)
    assert county.startswith("关于反馈临江县2022年度") and "临江县人民政府：" in county
    for text in (county, city, zone):
        assert "江州市质量提升三年行动计划（2021—2023年）" in text
        assert not re.search("佛山|禅城|南海|顺德|高明|三水|2017|2019", text)


def test_the_notices_write_to_each_unit_as_what_it_is(tmp_path):
    ws, _ = workspace(tmp_path, "docx")
    assert run(ws, "forms", "--year", 2022, "-o", ws / "收表").exit_code == 0
    fill_forms(ws / "收表")
    assert run(ws, "collect", ws / "收表").exit_code == 0
    assert run(ws, "notice", "--year", 2022, "--date", "2023-01-20", "-o", ws / "out").exit_code == 0
    county = read_docx(next((ws / "out").rglob("临江县-*.docx")))
    zone = read_docx(next((ws / "out").rglob("高新区-*.docx")))
    city = read_docx(next((ws / "out").rglob("全市-*.docx")))
    assert "你县" in county and "你区" not in county
    assert "你委" in zone and "你区" not in zone and "高新区管委会：" in zone
    assert "各区、县、市人民政府，高新区、开发区管委会：" in city or "高新区、开发区管委会" in city.splitlines()[3]
    assert "在全市8个区（县、市、功能区）中" in county or "个区（县" in county


# ---------------------------------------------------------------- nothing of the bundled plan

BUNDLED = re.compile(r"佛山|禅城|南海|顺德|高明|三水|388号|佛府|佛质|2017|2018|2019")
PRONOUN = re.compile(r"你区|各区人民政府")
NOTICE_FILES = re.compile(r"notice|通报")


def literals(path: Path):
    """(line, text) of the string literals of a Python file, docstrings left out (they explain code)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def template_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def bundled_words(notices: bool) -> list[str]:
    """Where the package, the template tools and the templates name the bundled plan."""
    hits = []
    sources = [*ROOT.glob("qdocgen/**/*.py"), *ROOT.glob("tools/make_*_template*.py")]
    for path in sorted(sources):
        if bool(NOTICE_FILES.search(path.name)) != notices:
            continue
        for line, text in literals(path):
            if BUNDLED.search(text):
                hits.append(f"{path.relative_to(ROOT)}:{line}: {text[:60]}")
    for path in sorted(ROOT.glob("templates/*/*.*")):
        if bool(NOTICE_FILES.search(path.name)) != notices:
            continue
        text = template_text(path)
        for m in [*BUNDLED.finditer(text), *PRONOUN.finditer(text)]:
            hits.append(f"{path.relative_to(ROOT)}: {text[max(0, m.start() - 20) : m.end() + 20]}")
    return hits


def test_nothing_of_the_bundled_plan_in_code_or_templates():
    assert bundled_words(notices=False) == []


def test_nothing_of_the_bundled_plan_in_the_notices():
    assert bundled_words(notices=True) == []


def test_a_blank_cell_with_nothing_above_stays_blank_and_the_mend_says_so(cli, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["江州市质量提升三年行动计划（2021—2023年）任务分解表"])
    sheet.append(["序号", "重点任务", "工作措施", "牵头单位", "工作目标"])
    sheet.append([1, "培育品牌", None, "市局", "东城区新增2家、西城区新增1家、临江县新增1家。"])
    sheet.append([2, "培育品牌", "加强培育。", None, "东城区建成1个、西城区建成1个、临江县建成2个。"])
    book.save(tmp_path / "表.xlsx")
    data = tmp_path / "ws" / "plan_data"
    result = cli("import", tmp_path / "表.xlsx", data=data)
    assert result.exit_code == 0, result.output
    plan = load_plan(data)
    assert (plan.rows[0].action, plan.rows[0].mends) == ("", ("原表工作措施空白，此处留空",))
    assert (plan.rows[1].lead, plan.rows[1].mends) == ("市局", ("原表牵头单位空白，沿用上一行",))
    assert "（原表空白）" not in (data / "plan.yaml").read_text(encoding="utf-8")


def test_usage_lines_and_init_speak_chinese(cli, tmp_path):
    usage = cli("import", "--help").output
    assert "TABLE" not in usage and "任务分解表.docx或.xlsx" in usage
    init = cli("init", tmp_path / "新计划").output
    assert "图表字体" not in init and "qdocgen import" in init


def test_the_task_table_keeps_the_published_columns_and_headings(tmp_path):
    """The Word edition's headings (重点任务, 责任单位 for the second unit column, “2021年” over
    each year) and its 完成时限 column come back in the tables qdocgen makes from the draft."""
    from docx import Document
    from openpyxl import load_workbook

    ws, _ = workspace(tmp_path, "docx")
    plan = load_plan(ws / "plan_data")
    assert plan.headings["task"] == "重点任务" and plan.heading("support") == "责任单位"
    assert [plan.year_heading(y) for y in YEARS] == ["2021年", "2022年", "2023年"]
    assert plan.has("deadline")
    for fmt in ("docx", "xlsx"):
        result = run(ws, "table", "--format", fmt, "-o", tmp_path / f"表.{fmt}")
        assert result.exit_code == 0, result.output
    table = Document(tmp_path / "表.docx").tables[0]
    head = [c.text for c in table.rows[0].cells]
    years = [c.text for c in table.rows[1].cells]
    first = [c.text for c in table.rows[2].cells]
    sheet = load_workbook(tmp_path / "表.xlsx").active
    rows = [[v for v in r if v is not None] for r in sheet.iter_rows(min_row=3, max_row=4, values_only=True)]
    for top, sub in ((head, years), (rows[0], rows[1])):
        assert {"序号", "重点任务", "工作内容", "牵头单位", "责任单位", "完成时限", "工作目标"} <= set(top)
        assert "任务名称" not in top and "配合单位" not in top and "工作措施" not in top
        assert [t for t in sub if t.endswith("年")] == ["2021年", "2022年", "2023年"]
    assert plan.rows[0].deadline and plan.rows[0].deadline in first


def test_the_review_of_a_last_year_only_target_says_what_the_forms_do():
    row = DraftRow(4, "任务", {"content": "", "action": "", "lead": "市局", "support": ""}, [], "")
    row.goals = [(YEARS, "到2023年底，全市国家级、省级质量标准实验室达到12家")]
    (m,) = draft_measures([row], [], DISTRICTS, YEARS)
    assert m.kind == "stock" and m.targets == {2023: 12}
    text = "；".join(m.review)
    assert "此前各年的填报表也列出它" in text and "2023年目标" in text and "不填报" not in text
