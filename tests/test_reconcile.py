"""Figures that reconcile: `qdocgen check` reads the figures together (figures/reconcile.py) and
names each inconsistency with its period, district, 序号 and the figures on both sides; every
relation of plan.yaml held at its edges (equal, one off, a district missing)."""

from __future__ import annotations

import textwrap

import pytest

from qdocgen.errors import DataError
from qdocgen.figures.period import Period
from qdocgen.figures.reconcile import laid_over, new_findings, note_count, texts
from qdocgen.figures.store import Figure, FigureSet, period_file
from qdocgen.plan.load import load_plan

# ---------------------------------------------------------------- the bundled data


def edit(data_dir, key: str, old: str, new: str) -> None:
    path = period_file(data_dir, Period.from_key(key))
    text = path.read_text(encoding="utf-8-sig")
    assert text.count(old) == 1, old
    path.write_text("\ufeff" + text.replace(old, new), encoding="utf-8", newline="")


def warnings_of(result) -> list[str]:
    return [line.removeprefix("注意：") for line in result.output.splitlines() if line.startswith("注意：")]


def test_bundled_figures_reconcile(plan, figures, cli):
    assert texts(plan, figures) == []
    result = cli("check")
    assert result.exit_code == 0 and warnings_of(result) == []


def test_the_bundled_city_total_moves_with_the_districts_additions(plan, figures):
    total, adds = plan.measure_by_id("4b"), plan.measure_by_id("4")
    for period in (Period(2018), Period(2019, "H1")):
        before = figures.lookup(Period(period.year - 1), total, None).value
        added = sum(figures.lookup(period, adds, d).value for d in plan.district_names)
        assert figures.lookup(period, total, None).value == before + added


@pytest.mark.parametrize(
    "key,old,new,expected",
    [
        (  # the notice: the end-2018 total repeated in the half-year
            "2019-H1",
            "全市,4,全市细分行业龙头企业总数,338,",
            "全市,4,全市细分行业龙头企业总数,274,",
            "2019年上半年 全市 序号 4“全市细分行业龙头企业总数”报274家，而2018年底为274家、各区本期“细分行业龙头企业数”"
            "合计64家（禅城区13、南海区22、顺德区18、高明区6、三水区5），应为338家：少64家。",
        ),
        (  # a sum that is not the sum: the city's includes the districts'
            "2019-H1",
            "全市,42,全市产品质量风险监测次数,5,",
            "全市,42,全市产品质量风险监测次数,4,",
            "2019年上半年 全市 序号 42“全市产品质量风险监测次数”报4次，而各区“产品质量风险监测次数”合计5次"
            "（禅城区1、南海区1、顺德区1、高明区1、三水区1）：全市数应不少于各区之和，少1次。",
        ),
        (  # a cumulative figure that falls
            "2019-H1",
            "全市,12,培训企业检验员人次,1250,",
            "全市,12,培训企业检验员人次,900,",
            "2019年上半年 全市 序号 12“培训企业检验员人次”报900人次，少于2018年度的1000人次：这是计划期内累计的数，不会减少。",
        ),
        (  # a 全年 说明 carried into the half-year
            "2019-H1",
            "顺德区,9,新增质量管理体系认证企业数,98,,",
            "顺德区,9,新增质量管理体系认证企业数,98,部分企业认证证书年底前未发放，计入下年度,",
            "2019年上半年 顺德区 序号 9“新增质量管理体系认证企业数”的说明与2018年度的一字不差："
            "“部分企业认证证书年底前未发放，计入下年度”（2018年度报140家，2019年上半年报98家）：是否沿用了上一时段的说明？",
        ),
        (  # a rate its own 说明 contradicts (the 95.4% against 312 and 14)
            "2018",
            "禅城区,37,工业产品质量监督抽查综合合格率,95.5,",
            "禅城区,37,工业产品质量监督抽查综合合格率,95.4,",
            "2018年度 禅城区 序号 37“工业产品质量监督抽查综合合格率”报95.4%，而其说明“全年抽查 312 批次，不合格 14 批次”"
            "算得（抽查 312 − 不合格 14）÷ 312 = 95.51%：两者不符。",
        ),
    ],
)
def test_each_inconsistency_put_in_by_hand_is_named_by_check(cli, data_dir, key, old, new, expected):
    edit(data_dir, key, old, new)
    result = cli("check", data=data_dir)
    assert result.exit_code == 0, result.output  # warnings, not refusals: the office decides
    found = [w for w in warnings_of(result) if "手工更正" not in w]
    assert found == [expected]


def test_a_hand_correction_is_named_by_check_and_by_the_quick_rebuild(cli, data_dir, tmp_path):
    out = tmp_path / "out"
    assert cli("build", "-q", "-o", out, "--date", "2019-07-20", data=data_dir).exit_code == 0
    edit(data_dir, "2018", "南海区,27,有效期内省名牌产品数,239,", "南海区,27,有效期内省名牌产品数,241,")
    said = "2018年度 南海区 序号 27“有效期内省名牌产品数”手工更正：239 → 241"
    check = cli("check", data=data_dir)
    assert check.exit_code == 0 and any(said in w for w in warnings_of(check))
    first = cli("build", "-o", out, "--date", "2019-07-20", data=data_dir)
    assert "生成 6 个" in first.output and any(said in w for w in warnings_of(first))
    quick = cli("build", "-o", out, "--date", "2019-07-20", data=data_dir)  # nothing changed since: the quick path
    assert "生成 0 个" in quick.output and any(said in w for w in warnings_of(quick))


def test_collect_says_what_its_figures_cause(cli, data_dir, tmp_path, plan):
    from test_collect import fill, make, met

    form = make(plan, tmp_path, Period(2018), ("南海区",))["南海区"]
    fill(form, values={"细分行业龙头企业数": 40}, default=met)
    result = cli("collect", form, data=data_dir)
    assert result.exit_code == 0, result.output
    caused = [w for w in warnings_of(result) if w.startswith("导入后：")]
    assert any("2018年度 全市 序号 4“全市细分行业龙头企业总数”报274家" in w and "应为282家：少8家" in w for w in caused)
    # what was already so before the collect is not said again by it
    again = cli("collect", form, data=data_dir)
    assert not [w for w in warnings_of(again) if w.startswith("导入后：")]


# ---------------------------------------------------------------- another plan, each relation at its edges

UNITS = ["东城区", "西城区", "南湖县", "北山县", "江口市", "高新区", "港区"]
KINDS = {"南湖县": "县", "北山县": "县", "江口市": "县级市", "高新区": "功能区", "港区": "功能区"}


def other_plan(tmp_path, relations: str):
    """A 2021—2023 plan of seven units (counties, a city, zones) with the given relations."""
    districts = "\n".join(
        f"  - {{name: {u}, short: {u[:-1]}, kind: {KINDS.get(u, '区')}}}" for u in UNITS
    )  # fmt: skip
    each = "{" + ", ".join(f"{u}: 2" for u in UNITS) + "}"
    text = f"""\
meta:
  title: 某市质量提升行动计划（2021—2023年）
  table_title: 某市质量提升行动计划（2021—2023年）任务分解表
  doc_number: 某府办〔2021〕5号
  issuer: 某市人民政府办公室
  date: 2021-03-01
  years: [2021, 2022, 2023]
  city: 某市
  office: 某市质量强市工作领导小组办公室
districts:
{districts}
areas:
  - {{name: 质量提升, rows: [1, 2]}}
rows:
  - no: 1
    content: 培育企业
    action: 培育。
    lead: 市市场监管局
    support: ""
    goals: [{{years: [2021, 2022, 2023], text: 每年各地2家，全市累计20家。}}]
  - no: 2
    content: 监督抽查
    action: 抽查。
    lead: 市市场监管局
    support: ""
    goals: [{{years: [2021, 2022, 2023], text: 合格率95%。}}]
measures:
  - {{id: "1", row: 1, name: 新增企业数, unit: 家, kind: annual, scope: district,
     targets: {{2021: {each}, 2022: {each}, 2023: {each}}}}}
  - {{id: "1b", row: 1, name: 全市企业总数, unit: 家, kind: cumulative, scope: city, targets: {{2023: 20}}}}
  - {{id: "1c", row: 1, name: 全市新增企业数, unit: 家, kind: city-level, scope: city,
     targets: {{2021: 14, 2022: 14, 2023: 14}}}}
  - {{id: "2", row: 2, name: 抽查合格率, unit: "%", kind: rate, proportion: true, scope: district,
     targets: {{2021: {{{", ".join(f"{u}: 95" for u in UNITS)}}}}}}}
  - {{id: "2n", row: 2, name: 抽查合格批次, unit: 批次, kind: annual, scope: district, targets: {{2021: {each}}}}}
  - {{id: "2d", row: 2, name: 抽查批次, unit: 批次, kind: annual, scope: district, targets: {{2021: {each}}}}}
relations:
{textwrap.indent(textwrap.dedent(relations), "  ")}
"""
    folder = tmp_path / "other"
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    (folder / "plan.yaml").write_text(text, encoding="utf-8")
    return load_plan(folder)


def figure_set(plan, per_period: dict[str, dict]) -> FigureSet:
    """{period key: {(unit or None, measure id): value or (value, note)}} as a FigureSet."""
    out = FigureSet()
    for key, values in per_period.items():
        figures = []
        for (who, mid), value in values.items():
            m = plan.measure_by_id(mid)
            value, note = value if isinstance(value, tuple) else (value, "")
            figures.append(Figure(who, m.row, m.name, None if value is None else float(value), note))
        out.periods[Period.from_key(key)] = figures
    return out


def additions(values: list[int | None], mid: str = "1") -> dict:
    return {(u, mid): v for u, v in zip(UNITS, values, strict=True) if v is not None}


GROWS = """\
- kind: grows-by
  total: "1b"
  additions: "1"
  base: 3
"""


@pytest.mark.parametrize(
    "total_2022,adds_2022,said",
    [
        (17, [1, 1, 1, 1, 1, 1, 1], None),  # equal: 10 at end 2021 + 7
        (18, [1, 1, 1, 1, 1, 1, 1], "应为17家：多1家"),  # one off
        (16, [1, 1, 1, 1, 1, 1, 1], "应为17家：少1家"),
        (16, [1, 1, 1, 1, 1, 1, None], None),  # 港区 missing: 16 is still possible
        (15, [1, 1, 1, 1, 1, 1, None], "港区未报），至少应为16家：少1家"),
    ],
)
def test_grows_by_at_its_edges(tmp_path, total_2022, adds_2022, said):
    plan = other_plan(tmp_path, GROWS)
    figures = figure_set(
        plan,
        {
            "2021": {**additions([1, 1, 1, 1, 1, 1, 1]), (None, "1b"): 10},  # base 3 + 7
            "2022": {**additions(adds_2022), (None, "1b"): total_2022},
        },
    )
    found = texts(plan, figures)
    if said is None:
        assert found == []
    else:
        assert len(found) == 1 and said in found[0]
        assert found[0].startswith(f"2022年度 全市 序号 1“全市企业总数”报{total_2022}家，而2021年底为10家")


def test_grows_by_in_the_first_year_starts_from_base(tmp_path):
    plan = other_plan(tmp_path, GROWS)
    ok = figure_set(plan, {"2021": {**additions([1] * 7), (None, "1b"): 10}})
    assert texts(plan, ok) == []
    off = figure_set(plan, {"2021": {**additions([1] * 7), (None, "1b"): 7}})
    assert texts(plan, off) == [
        "2021年度 全市 序号 1“全市企业总数”报7家，而计划首年之前为3家、各区本期“新增企业数”合计7家"
        "（东城区1、西城区1、南湖县1、北山县1、江口市1、高新区1、港区1），应为10家：少3家。"
    ]


def test_grows_by_within_a_year_counts_from_the_last_year_end(tmp_path):
    plan = other_plan(tmp_path, GROWS)
    figures = figure_set(
        plan,
        {
            "2021": {**additions([1] * 7), (None, "1b"): 10},
            "2022-Q1": {**additions([0, 0, 0, 0, 0, 0, 1]), (None, "1b"): 11},
            "2022-H1": {**additions([1, 0, 0, 0, 0, 0, 1]), (None, "1b"): 11},  # should be 12
        },
    )
    found = texts(plan, figures)
    assert len(found) == 1 and found[0].startswith("2022年上半年") and "应为12家：少1家" in found[0]


@pytest.mark.parametrize(
    "at_least,city,parts,said",
    [
        (False, 7, [1] * 7, None),  # equal
        (False, 8, [1] * 7, "全市数应等于各区之和，多1家"),  # one off
        (False, 6, [1] * 7, "全市数应等于各区之和，少1家"),
        (False, 7, [1, 1, 1, 1, 1, 1, None], None),  # 港区 missing: cannot be told
        (
            False,
            5,
            [1, 1, 1, 1, 1, 1, None],
            "已报的合计6家（东城区1、西城区1、南湖县1、北山县1、江口市1、高新区1；港区未报）",
        ),
        (True, 9, [1] * 7, None),  # includes the districts': more is fine
        (True, 7, [1] * 7, None),
        (True, 6, [1] * 7, "全市数应不少于各区之和，少1家"),
    ],
)
def test_sum_at_its_edges(tmp_path, at_least, city, parts, said):
    plan = other_plan(tmp_path, f'- {{kind: sum, total: "1c", parts: "1", at_least: {str(at_least).lower()}}}\n')
    found = texts(plan, figure_set(plan, {"2021": {**additions(parts), (None, "1c"): city}}))
    if said is None:
        assert found == []
    else:
        assert (
            len(found) == 1
            and said in found[0]
            and found[0].startswith(f"2021年度 全市 序号 1“全市新增企业数”报{city}家")
        )


RATE_BY_MEASURES = '- {kind: rate, rate: "2", numerator: {measure: "2n"}, denominator: {measure: "2d"}}\n'


@pytest.mark.parametrize(
    "rate,numerator,denominator,said",
    [
        (95.5, 298, 312, None),  # 95.51 written to one decimal
        (95.51, 298, 312, None),
        (95.4, 298, 312, "报95.4%，而其分子、分母算得“抽查合格批次” 298 ÷ “抽查批次” 312 = 95.51%：两者不符。"),
        (95.6, 298, 312, "= 95.51%"),
        (100, 312, 312, None),
        (95.5, 298, None, None),  # the denominator not reported: nothing to hold the rate to
        (95.5, 298, 0, None),
    ],
)
def test_rate_from_two_measures_at_its_edges(tmp_path, rate, numerator, denominator, said):
    plan = other_plan(tmp_path, RATE_BY_MEASURES)
    values = {("南湖县", "2"): rate, ("南湖县", "2n"): numerator, ("南湖县", "2d"): denominator}
    found = texts(plan, figure_set(plan, {"2021": values}))
    if said is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith("2021年度 南湖县 序号 2“抽查合格率”") and said in found[0]


RATE_IN_NOTE = '- {kind: rate, rate: "2", denominator: {note: 抽查}, numerator: {note: 合格}}\n'


@pytest.mark.parametrize(
    "rate,note,said",
    [
        (95.5, "抽查312批次，合格298批次，不合格14批次", None),
        (95.4, "抽查312批次，不合格14批次，合格298批次", "算得合格 298 ÷ 抽查 312 = 95.51%"),  # 不合格 is not 合格
        (95.4, "抽查 312 批次", None),  # no numerator written: nothing to compare
        (95.4, "抽查情况良好", None),
        (95.4, "", None),
        (95.5, "全年抽查产品３１２批次，合格２９８批次", None),  # full-width digits, words between
    ],
)
def test_rate_from_its_note_at_its_edges(tmp_path, rate, note, said):
    plan = other_plan(tmp_path, RATE_IN_NOTE)
    found = texts(plan, figure_set(plan, {"2021": {("港区", "2"): (rate, note)}}))
    if said is None:
        assert found == []
    else:
        assert len(found) == 1 and said in found[0] and f"其说明“{note}”" in found[0]


def test_note_count_reads_the_number_after_its_word():
    words = ["抽查", "不合格"]
    assert note_count("全年抽查 312 批次，不合格 14 批次", "抽查", words) == 312
    assert note_count("全年抽查 312 批次，不合格 14 批次", "不合格", words) == 14
    assert note_count("不合格14批次", "合格", ["合格", "不合格"]) is None
    assert note_count("抽查1,200批次", "抽查", words) == 1200
    assert note_count("抽查，共312批次", "抽查", words) is None  # punctuation between: not its number


@pytest.mark.parametrize(
    "periods,said",
    [
        ({"2021": 5, "2022": 5}, None),  # equal
        (
            {"2021": 5, "2022": 4},
            "2022年度 全市 序号 1“全市企业总数”报4家，少于2021年度的5家：这是计划期内累计的数，不会减少。",
        ),
        ({"2021": 5, "2022-H1": 4}, "2022年上半年 全市 序号 1“全市企业总数”报4家，少于2021年度的5家"),
        ({"2021": 5, "2023": 4}, "少于2021年度的5家"),  # a year missing between
    ],
)
def test_a_cumulative_figure_that_falls(tmp_path, periods, said):
    plan = other_plan(tmp_path, "[]")
    found = texts(plan, figure_set(plan, {k: {(None, "1b"): v} for k, v in periods.items()}))
    if said is None:
        assert found == []
    else:
        assert len(found) == 1 and said in found[0]


def test_a_count_since_january_falls_only_within_a_year(tmp_path):
    plan = other_plan(tmp_path, "[]")
    figures = figure_set(
        plan, {"2021": {("江口市", "1"): 3}, "2022-Q1": {("江口市", "1"): 1}, "2022-H1": {("江口市", "1"): 0}}
    )
    assert texts(plan, figures) == [
        "2022年上半年 江口市 序号 1“新增企业数”报0家，少于2022年第一季度的1家：这是2022年1月1日起累计的数，不会减少。"
    ]


@pytest.mark.parametrize(
    "first,second,said",
    [
        ("全年认证证书年底前未发放", "全年认证证书年底前未发放", True),
        ("全年认证证书年底前未发放", "上半年证书已发放", False),
        ("全年认证证书年底前未发放", "", False),
    ],
)
def test_a_note_carried_into_another_period(tmp_path, first, second, said):
    plan = other_plan(tmp_path, "[]")
    figures = figure_set(plan, {"2021": {("高新区", "1"): (2, first)}, "2022-H1": {("高新区", "1"): (1, second)}})
    expected = (
        [
            f"2022年上半年 高新区 序号 1“新增企业数”的说明与2021年度的一字不差：“{first}”"
            "（2021年度报2家，2022年上半年报1家）：是否沿用了上一时段的说明？"
        ]
        if said
        else []
    )
    assert texts(plan, figures) == expected


def test_new_findings_are_only_those_the_new_figures_cause(tmp_path):
    plan = other_plan(tmp_path, GROWS)
    before = figure_set(plan, {"2021": {**additions([1] * 7), (None, "1b"): 10}})
    m = plan.measure_by_id("1")
    after = laid_over(before, [(Period(2021), Figure("港区", m.row, m.name, 2.0))])
    found = new_findings(plan, before, after)
    assert len(found) == 1 and "港区2），应为11家：少1家" in found[0]
    assert new_findings(plan, after, after) == []


# ---------------------------------------------------------------- relations in plan.yaml, refused where wrong


@pytest.mark.parametrize(
    "relations,message",
    [
        ('- {kind: grows-by, total: "9z", additions: "1"}', "total 没有编号为 '9z' 的指标"),
        ('- {kind: grows-by, total: "1", additions: "1"}', "total 应为全市指标（scope: city），“新增企业数”按区考核"),
        ('- {kind: sum, total: "1c", parts: "1b"}', "parts 应为按区考核的指标"),
        ('- {kind: sum, total: "1c", parts: "2n"}', "应为同一计数单位"),
        ('- {kind: grows-by, total: "1b", additions: "1", base: -1}', "base（计划首年之前的总数）应为不小于 0 的数"),
        ('- {kind: rate, rate: "1", denominator: {note: 抽查}, excluded: {note: 不合格}}', "“新增企业数”的单位不是 %"),
        ('- {kind: rate, rate: "2", denominator: {note: 抽查}}', "以及 numerator（分子）或 excluded"),
        (
            '- {kind: rate, rate: "2", denominator: {measure: "1b"}, numerator: {note: 合格}}',
            "应为与“抽查合格率”同样考核范围",
        ),
        (
            '- {kind: rate, rate: "2", denominator: 抽查, numerator: {note: 合格}}',
            "denominator 应写作 {measure: 指标编号}",
        ),
        ('- {kind: total, total: "1b"}', "kind 应为 grows-by、sum、rate 之一"),
        ('- {kind: sum, total: "1c", parts: "1", atleast: true}', "未知的项“atleast”，是否应为“at_least”"),
    ],
)
def test_a_wrong_relation_is_located(tmp_path, relations, message):
    with pytest.raises(DataError) as caught:
        other_plan(tmp_path, relations + "\n")
    problems = [str(p) for p in caught.value.problems]
    assert any(message in p for p in problems), problems
    assert all(":" in p.split("plan.yaml", 1)[1][:8] for p in problems)  # each with its line


def test_the_bundled_relations_load(plan):
    kinds = [(r.kind, r.total, r.parts) for r in plan.relations]
    assert ("grows-by", "4b", "4") in kinds and ("rate", "37", "") in kinds


# ---------------------------------------------------------------- import drafts the obvious ones, for review


def test_import_drafts_the_bundled_relations_for_review(cli, tmp_path, plan):
    from test_import import export, import_into, same_measure

    draft, output = import_into(cli, export(cli, tmp_path, "docx"), tmp_path / "new")

    def twin(mid: str) -> str:  # the bundled measure a drafted one stands for
        m = draft.measure_by_id(mid)
        return next(b.id for b in plan.measures if same_measure(b, m))

    drafted = {(r.kind, twin(r.total), twin(r.parts), r.at_least) for r in draft.relations}
    bundled = {(r.kind, r.total, r.parts, r.at_least) for r in plan.relations if r.kind != "rate"}
    assert drafted == bundled  # rates are the office's to declare: which words carry their counts
    marks = [m for m in draft.reviews if m.what.startswith("relations")]
    assert len(marks) == len(draft.relations) and all("推测" in m.text for m in marks)
    assert "relations 第 1 项（grows-by，" in output and f"有 {len(draft.reviews)} 处标记为待核" in output
    check = cli("check", data=tmp_path / "new" / "plan_data")
    assert check.exit_code == 0 and f"仍有 {len(draft.reviews)} 处标记为待核" in check.output
