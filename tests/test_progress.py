"""The evaluation rules of docs/progress.md, kind by kind, on small hand-made plans."""

from __future__ import annotations

import json
from datetime import date

import pytest

from qdocgen.figures.period import Period
from qdocgen.figures.store import Figure, FigureSet
from qdocgen.plan.model import District, Measure, Plan
from qdocgen.progress import (
    EXCEEDED,
    MET,
    MISSED,
    NOT_APPLICABLE,
    NOT_REPORTED,
    PENDING,
    evaluate,
    judge,
    period_target,
    rank,
)

DISTRICTS = ("甲区", "乙区", "丙区", "丁区")


def make_plan(*measures: Measure) -> Plan:
    return Plan(
        title="测试计划（2017—2019年）",
        table_title="测试计划任务分解表",
        doc_number="测府办函〔2017〕1号",
        issuer="测试市人民政府办公室",
        date=date(2017, 6, 23),
        years=(2017, 2018, 2019),
        city="测试市",
        office="测试市办公室",
        districts=tuple(District(d, d[0]) for d in DISTRICTS),
        areas=(),
        rows=(),
        merges=(),
        measures=tuple(measures),
    )


def each(value) -> dict[str, float]:
    return {d: value for d in DISTRICTS}


def figures(period: Period, values: dict[tuple[str | None, str], float | None], plan: Plan) -> FigureSet:
    by_id = {m.id: m for m in plan.measures}
    return FigureSet({period: [Figure(d, by_id[i].row, by_id[i].name, v) for (d, i), v in values.items()]})


ANNUAL = Measure(
    "1",
    1,
    "年度计数",
    "家",
    "annual",
    "district",
    {y: {"甲区": 10, "乙区": 20, "丙区": 4, "丁区": 8} for y in (2017, 2018, 2019)},
)
STOCK = Measure("2", 2, "年末存量", "个", "stock", "district", {2017: each(100), 2018: each(110), 2019: each(130)})
ONE_YEAR = Measure("3", 3, "单年目标", "家", "one-year", "district", {2017: each(50)})
BIENNIAL = Measure("4", 4, "两年一次", "家", "biennial", "district", {2017: each(2), 2019: each(2)})
RATE = Measure("5", 5, "合格率", "%", "rate", "district", {y: each(95) for y in (2017, 2018, 2019)})
CITY = Measure("6", 6, "全市计数", "家", "city-level", "city", {2017: 200, 2018: 200, 2019: 200})
CUMULATIVE = Measure("7", 7, "全市累计", "家", "cumulative", "city", {2019: 300})
GROWTH = Measure("8", 8, "增长率", "%", "growth", "city", {2017: 10, 2018: 10, 2019: 10})
MILESTONE = Measure("9", 9, "节点", "", "milestone", "city", {2018: 1})
PENDING_M = Measure("10", 10, "待定", "家", "city-level", "city", {2017: 100, 2018: None})
QUALITATIVE = Measure("11", 11, "定性", "", "qualitative", "city", {})
PLAN = make_plan(ANNUAL, STOCK, ONE_YEAR, BIENNIAL, RATE, CITY, CUMULATIVE, GROWTH, MILESTONE, PENDING_M, QUALITATIVE)


def target(measure: Measure, period: Period, district: str | None = None):
    return period_target(measure, period, district, PLAN)


# ---------------------------------------------------------------- period targets by kind


@pytest.mark.parametrize(
    ("measure", "period", "district", "expected"),
    [
        (ANNUAL, Period(2018), "乙区", (20, 20, True)),
        (ANNUAL, Period(2018, "H1"), "乙区", (10, 20, True)),  # 序时进度 50%
        (ANNUAL, Period(2018, "Q1"), "乙区", (5, 20, True)),  # 25%
        (ANNUAL, Period(2018, "Q3"), "乙区", (15, 20, True)),  # 75%
        (STOCK, Period(2018), "甲区", (110, 110, True)),
        (STOCK, Period(2018, "H1"), "甲区", (105, 110, True)),  # halfway from last year's 100
        (STOCK, Period(2019, "Q1"), "甲区", (115, 130, True)),  # 110 + 20 × 25%
        (STOCK, Period(2017, "H1"), "甲区", (100, 100, True)),  # no target the year before
        (ONE_YEAR, Period(2017), "甲区", (50, 50, True)),
        (ONE_YEAR, Period(2018), "甲区", (None, None, False)),
        (BIENNIAL, Period(2018), "甲区", (None, None, False)),
        (BIENNIAL, Period(2019, "H1"), "甲区", (1, 2, True)),
        (RATE, Period(2018, "H1"), "甲区", (95, 95, True)),  # rates are not scaled
        (CITY, Period(2018, "Q1"), None, (50, 200, True)),
        (CITY, Period(2018), "甲区", (None, None, False)),  # a city measure has no district target
        (CUMULATIVE, Period(2017), None, (100, 300, True)),  # a third of the plan elapsed
        (CUMULATIVE, Period(2018, "H1"), None, (150, 300, True)),
        (CUMULATIVE, Period(2019), None, (300, 300, True)),
        (GROWTH, Period(2018, "H1"), None, (5, 10, True)),
        (MILESTONE, Period(2018, "H1"), None, (1, 1, True)),
        (MILESTONE, Period(2017), None, (None, None, False)),
        (PENDING_M, Period(2018), None, (None, None, True)),
    ],
)
def test_period_target(measure, period, district, expected):
    assert target(measure, period, district) == pytest.approx(expected)


# ---------------------------------------------------------------- statuses


def test_judge_statuses():
    assert judge(ANNUAL, 10, 12, True, 10) == EXCEEDED
    assert judge(ANNUAL, 10, 10, True, 10) == MET
    assert judge(ANNUAL, 10, 9.5, True, 10) == MISSED
    assert judge(ANNUAL, 10, None, True, 10) == NOT_REPORTED
    assert judge(ANNUAL, None, 5, False, None) == NOT_APPLICABLE
    assert judge(PENDING_M, None, 5, True, None) == PENDING
    assert judge(QUALITATIVE, None, None, False, None) == NOT_APPLICABLE
    assert judge(MILESTONE, 1, 1, True, 1) == MET
    assert judge(MILESTONE, 1, 0, True, 1) == MISSED


def test_evaluate_every_kind_at_h1():
    period = Period(2018, "H1")
    ev = evaluate(
        PLAN,
        figures(
            period,
            {
                ("甲区", "1"): 5,  # target 5 (序时进度): met
                ("乙区", "1"): 12,  # target 10: exceeded
                ("丙区", "1"): 1,  # target 2: missed
                # 丁区 did not report measure 1
                ("甲区", "2"): 104,  # stock target 105: missed
                ("甲区", "5"): 96.5,  # rate target 95: exceeded
                (None, "6"): 100,  # city target 100: met
                (None, "7"): 151,  # cumulative target 150: exceeded
                (None, "8"): 4,  # growth target 5: missed
                (None, "9"): 1,  # milestone done
                (None, "10"): 40,  # target to be set: reported, still 目标待定
            },
            PLAN,
        ),
        period,
    )
    status = {(r.measure.id, r.district, r.scope): r for r in ev.results}
    assert status[("1", "甲区", "district")].status == MET
    assert status[("1", "乙区", "district")].status == EXCEEDED
    assert status[("1", "丙区", "district")].status == MISSED
    assert status[("1", "丁区", "district")].status == NOT_REPORTED
    assert status[("2", "甲区", "district")].status == MISSED
    assert status[("2", "甲区", "district")].target == pytest.approx(105)
    assert status[("3", "甲区", "district")].status == NOT_APPLICABLE  # one-year, 2017 only
    assert status[("5", "甲区", "district")].status == EXCEEDED
    assert status[("6", None, "city")].status == MET
    assert status[("7", None, "city")].status == EXCEEDED
    assert status[("8", None, "city")].status == MISSED
    assert status[("9", None, "city")].status == MET
    assert status[("10", None, "city")].status == PENDING
    assert status[("11", None, "city")].status == NOT_APPLICABLE
    assert status[("1", "乙区", "district")].ratio == pytest.approx(1.2)
    assert status[("1", "丁区", "district")].ratio is None


def test_city_total_against_sum_of_district_targets():
    period = Period(2018)
    values = {("甲区", "1"): 10, ("乙区", "1"): 25, ("丙区", "1"): 4, ("丁区", "1"): 8}
    ev = evaluate(PLAN, figures(period, values, PLAN), period)
    total = next(r for r in ev.totals if r.measure is ANNUAL)
    assert (total.target, total.actual, total.status) == (42, 47, EXCEEDED)
    assert total.district is None and total.scope == "total"
    # Rates are not summed.
    assert next(r for r in ev.totals if r.measure is RATE).status == NOT_APPLICABLE


def test_city_total_with_a_district_missing_has_no_ratio():
    period = Period(2018)
    values = {("甲区", "1"): 10, ("乙区", "1"): 25, ("丙区", "1"): 4}
    total = next(r for r in evaluate(PLAN, figures(period, values, PLAN), period).totals if r.measure is ANNUAL)
    assert total.status == NOT_REPORTED
    assert total.actual == 39 and total.ratio is None
    assert "1 个区未报送" in total.note


# ---------------------------------------------------------------- counts and ranking


def test_ranking_ties_competition_style():
    """Shares 2/2, 1/2, 1/2, 0/2: ranks 1, 2, 2, 4."""
    plan = make_plan(ANNUAL, RATE)
    period = Period(2018)
    values = {
        ("甲区", "1"): 10,
        ("甲区", "5"): 99,
        ("乙区", "1"): 20,
        ("乙区", "5"): 90,
        ("丙区", "1"): 1,
        ("丙区", "5"): 95,
        ("丁区", "1"): 1,  # rate not reported: counts as not met
    }
    ev = evaluate(plan, figures(period, values, plan), period)
    ranks = {s.district: s.rank for s in ev.standings}
    assert ranks == {"甲区": 1, "乙区": 2, "丙区": 2, "丁区": 4}
    s = ev.standing("甲区")
    assert (s.assessed, s.met, s.exceeded, s.missed, s.not_reported) == (2, 2, 1, 0, 0)
    assert s.rate == 1.0
    d = ev.standing("丁区")
    assert (d.assessed, d.met, d.missed, d.not_reported) == (2, 0, 1, 1)


def test_ranking_nothing_assessed_ranks_last():
    plan = make_plan(ONE_YEAR)
    ev = evaluate(plan, FigureSet(), Period(2018))
    assert all(s.rank == 1 and s.assessed == 0 and s.rate is None for s in ev.standings)
    assert rank([], list(DISTRICTS))[0].rank == 1


# ---------------------------------------------------------------- the bundled plan and the command


def test_bundled_h1_uses_serial_progress(plan, figures):
    ev = evaluate(plan, figures, Period(2019, "H1"))
    r = next(r for r in ev.results if r.measure.id == "4" and r.district == "南海区")
    assert (r.target, r.year_target) == (18, 35)  # 35 × 50% = 17.5, rounded up
    stock = next(r for r in ev.results if r.measure.id == "27" and r.district == "南海区")
    assert stock.target == pytest.approx(239 + (249 - 239) * 0.5)


def test_bundled_statuses_all_present(plan, figures):
    seen = set()
    for p in (Period(2017), Period(2018), Period(2019, "H1")):
        seen |= {r.status for r in evaluate(plan, figures, p).results}
    assert {EXCEEDED, MET, MISSED, NOT_REPORTED, NOT_APPLICABLE, PENDING} <= seen


def test_progress_json_keys(cli):
    result = cli("progress", "--year", "2018", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert records
    for key in ("row", "measure", "unit", "district", "year", "target", "actual", "ratio", "status"):
        assert key in records[0]
    city = [r for r in records if r["district"] is None and r["scope"] == "city"]
    assert city and all(r["status"] in (EXCEEDED, MET, MISSED, NOT_REPORTED, NOT_APPLICABLE, PENDING) for r in city)


def test_scaled_count_targets_are_rounded_up_rates_are_not(plan):
    by_id = {m.id: m for m in plan.measures}
    assert period_target(by_id["4"], Period(2018, "Q1"), "南海区", plan)[0] == 9  # 35 × 25% = 8.75
    assert period_target(by_id["4b"], Period(2018), None, plan)[0] == 234  # 350 × 2/3 = 233.3
    assert period_target(by_id["12"], Period(2018), None, plan)[0] == 800  # exact stays exact
    assert period_target(by_id["37"], Period(2018, "H1"), "南海区", plan)[0] == 95
    assert period_target(by_id["15"], Period(2018, "Q1"), None, plan)[0] == 2.5  # a growth rate, in %
