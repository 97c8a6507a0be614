"""Make the bundled sample figures (示例数据) for 2017, 2018 and 2019-H1.

The original plan has no reported figures; these are invented, deterministic and varied on
purpose: targets exceeded, met and missed, measures a district did not report, rates,
stocks, milestones and cumulative city totals. Run from the repository root:

    python tools/make_sample_figures.py
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from qdocgen.figures.period import Period
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
NOTES = {
    ("南海区", "27"): "含当年新获评省名牌产品 12 个",
    ("顺德区", "9"): "部分企业认证证书年底前未发放，计入下年度",
    ("禅城区", "37"): "全年抽查 312 批次，不合格 14 批次",
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


def main() -> None:
    plan = load_plan(DATA)
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
                note = NOTES.get((district, measure.id), "")
                figures.append(Figure(district, measure.row, measure.name, value, note, SAMPLE))
        path = period_file(DATA, period)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_figures_csv(plan, figures))
        print(f"{path}: {len(figures)} 条")


if __name__ == "__main__":
    main()
