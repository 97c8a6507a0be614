"""Make the bundled sample figures (示例数据) for 2017, 2018 and 2019-H1.

The original plan has no reported figures; these are invented, deterministic and varied on
purpose: targets exceeded, met and missed, measures a district did not report, rates,
stocks, milestones and cumulative city totals. Run from the repository root:

    python tools/make_sample_figures.py
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from qdocgen.figures import log
from qdocgen.figures.period import Period
from qdocgen.figures.reconcile import note_count
from qdocgen.figures.store import SAMPLE, Figure, period_file, render_figures_csv
from qdocgen.plan.load import load_plan
from qdocgen.progress import period_target

DATA = Path("plan_data")
# (district, measure id) pairs left unreported in a period, so notices can say so.
NOT_REPORTED = {
    "2017": {("三水区", "22")},
    "2018": {("三水区", "22"), ("高明区", "29")},
    "2019-H1": {("高明区", "40"), ("禅城区", "28b")},
}
# Factors applied to the period target: exceeded, met exactly, missed.
FACTORS = (1.25, 1.0, 1.1, 0.8, 1.0, 1.4, 0.6, 1.05, 1.0, 0.9)
# A stock (brands valid at year end) moves slowly: it stays near its target from year to year.
STOCK_FACTORS = (1.02, 1.0, 0.97, 1.04, 1.0, 0.99)
# 说明 by period: a note speaks of its own period (never a 全年 note carried into a half-year); a
# rate's note gives the counts its figure is computed from (plan.yaml's relations say which).
NOTES = {
    "2017": {
        ("南海区", "27"): "含当年新获评省名牌产品 12 个",
        ("禅城区", "37"): "全年抽查 300 批次，不合格 11 批次",
    },
    "2018": {
        ("南海区", "27"): "含当年新获评省名牌产品 9 个",
        ("顺德区", "9"): "部分企业认证证书年底前未发放，计入下年度",
        ("禅城区", "37"): "全年抽查 312 批次，不合格 14 批次",
    },
    "2019-H1": {
        ("南海区", "27"): "含上半年新获评省名牌产品 10 个",
        ("禅城区", "37"): "上半年抽查 150 批次，不合格 6 批次",
    },
}
# When the sample's collection logs begin (原有): after each period's figures were in.
LOG_START = {
    "2017": datetime(2018, 1, 15, 9, 0),
    "2018": datetime(2019, 1, 15, 9, 0),
    "2019-H1": datetime(2019, 7, 15, 9, 0),
}


def pick(*parts: str) -> int:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return digest[0]


def value_for(plan, measure, period, district) -> float | None:
    target, written, applies = period_target(measure, period, district, plan)
    if measure.kind == "qualitative":
        return None
    if not applies or written is None:
        return None
    if measure.kind == "milestone":
        return 0.0 if pick(period.key, measure.id) % 5 == 0 and not period.is_year else 1.0
    factors = STOCK_FACTORS if measure.kind == "stock" else FACTORS
    factor = factors[pick(period.key, measure.id, district or "") % len(factors)]
    if measure.is_rate:
        return round(min(100.0, target * (0.97 + 0.06 * factor / 1.4)), 1)
    return float(max(0, round(target * factor)))


def reconciled(plan, periods: dict[Period, list[Figure]]) -> None:
    """Make the figures agree with plan.yaml's relations, in period order: a city total grows by
    the districts' additions, a city figure is (at least) the sum of the districts', a rate is
    what its 说明's counts give."""
    index = {p: {f.key: f for f in figures} for p, figures in periods.items()}

    def value(period, m, district):
        f = index.get(period, {}).get((district, m.row, m.name))
        return None if f is None else f.value

    def put(period, m, district, new):
        key = (district, m.row, m.name)
        if key in index[period]:
            index[period][key] = replace(index[period][key], value=float(new))

    for period in sorted(periods, key=lambda p: (p.end, p.part)):
        for rel in plan.relations:
            total, parts = plan.measure_by_id(rel.total), plan.measure_by_id(rel.parts or rel.total)
            if value(period, total, None) is None:
                continue
            added = [value(period, parts, d) for d in plan.district_names]
            added = [v for v in added if v is not None]
            if rel.kind == "grows-by" and added:
                before = rel.base if period.year == plan.years[0] else value(Period(period.year - 1), total, None)
                if before is not None:
                    put(period, total, None, before + sum(added))
            elif rel.kind == "sum" and added:
                now = value(period, total, None)
                put(period, total, None, max(now, sum(added)) if rel.at_least else sum(added))
        for rel in plan.relations:
            if rel.kind != "rate" or rel.denominator is None or not rel.denominator.note:
                continue
            rate = plan.measure_by_id(rel.total)
            words = [c.note for c in (rel.numerator, rel.denominator, rel.excluded) if c is not None]
            for key, f in list(index[period].items()):
                if f.row != rate.row or f.measure != rate.name or not f.note:
                    continue
                den = note_count(f.note, rel.denominator.note, words)
                if rel.excluded is not None:
                    num = den - note_count(f.note, rel.excluded.note, words)
                else:
                    num = note_count(f.note, rel.numerator.note, words)
                index[period][key] = replace(f, value=round(num / den * 100, 1))
    for period in periods:
        periods[period] = list(index[period].values())


def main() -> None:
    plan = load_plan(DATA)
    made: dict[Period, list[Figure]] = {}
    for key in ("2017", "2018", "2019-H1"):
        period = Period.from_key(key)
        figures = []
        for measure in plan.measures:
            places = [None] if measure.is_city else plan.district_names
            for district in places:
                if measure.kind == "qualitative":
                    figures.append(
                        Figure(None, measure.row, measure.name, None, f"{period.words}按计划推进（示例）", SAMPLE)
                    )
                    continue
                _, written, applies = period_target(measure, period, district, plan)
                if not applies or written is None:
                    continue
                if (district, measure.id) in NOT_REPORTED[key]:
                    continue
                value = value_for(plan, measure, period, district)
                note = NOTES[key].get((district, measure.id), "")
                figures.append(Figure(district, measure.row, measure.name, value, note, SAMPLE))
        made[period] = figures
    reconciled(plan, made)
    for period, figures in made.items():
        path = period_file(DATA, period)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_figures_csv(plan, figures))
        # The collection log starts with the sample (原有): a figure later corrected by hand in the
        # CSV is then told from it, by `qdocgen check` and `build`, as in any workspace with a log.
        moment = LOG_START[period.key].astimezone()
        kept = [f for f in figures if f.value is not None or f.note]
        entries = log.hand_changes(kept, [], log.Source(SAMPLE), moment)
        log.log_file(DATA, period).write_bytes(log.log_bytes(plan, None, sorted_like(plan, entries)))
        print(f"{path}: {len(figures)} 条")


def sorted_like(plan, entries):
    """Log lines in the figures file's order (table order, districts in official order)."""
    order = {(m.row, m.name): i for i, m in enumerate(plan.measures)}
    places = {None: -1, **{d: i for i, d in enumerate(plan.district_names)}}
    return sorted(entries, key=lambda e: (e.row, order.get((e.row, e.measure), 0), places.get(e.district, 99)))


if __name__ == "__main__":
    main()
