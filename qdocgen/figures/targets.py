"""Period targets: what a measure asks of a district (or the city) by the end of a period.

The rules (序时进度, rounding a scaled count up) are written out for users in docs/progress.md.
They live here, apart from progress.py, so that reading forms (figures/) can use them
without importing the evaluation.
"""

from __future__ import annotations

import math

from qdocgen.figures.period import Period
from qdocgen.plan.model import Measure, Plan

# Kinds whose yearly target is scaled by 序时进度 in a part-year period.
PRO_RATA = ("annual", "one-year", "biennial", "city-level", "growth")
EPS = 1e-9


def reference_target(measure: Measure, period: Period, district: str | None) -> tuple[int, float | None] | None:
    """(year, target) of a stock measure whose first target lies after `period`'s year (“到2023年底
    …达到12家”): the forms of the years before show it for reference, so the figure toward it is
    reported every year; it is judged only in its own year. None for any other measure."""
    if measure.kind != "stock" or measure.applies(period.year, district):
        return None
    years = sorted(measure.targets)
    if not years or years[0] <= period.year or not measure.applies(years[0], district):
        return None
    return years[0], measure.target(years[0], district)


def period_target(
    measure: Measure, period: Period, district: str | None, plan: Plan
) -> tuple[float | None, float | None, bool]:
    """(period target, target as written, applies) for a measure in a period.

    A cumulative measure applies in every plan year up to its final target year, against
    the share of the plan elapsed; other measures apply in the years the plan gives them.
    A count target scaled to part of a year or of the plan is rounded up to a whole number
    (no office asks for 17.5 enterprises): the district must reach at least that many.
    """
    target, written, applies = _scaled_target(measure, period, district, plan)
    if target is not None and measure.unit != "%" and measure.kind != "milestone" and target != written:
        target = float(math.ceil(target - EPS))
    return target, written, applies


def _scaled_target(
    measure: Measure, period: Period, district: str | None, plan: Plan
) -> tuple[float | None, float | None, bool]:
    if measure.kind == "cumulative":
        final_year = max(measure.targets) if measure.targets else None
        if final_year is None or period.year > final_year:
            return None, None, False
        final = measure.target(final_year, district)
        if not (measure.is_city or district in (measure.targets[final_year] or {})):
            return None, None, False
        if final is None:
            return None, None, True
        elapsed_years = period.year - plan.years[0] + period.elapsed
        total_years = final_year - plan.years[0] + 1
        return final * elapsed_years / total_years, final, True
    if not measure.applies(period.year, district):
        return None, None, False
    written = measure.target(period.year, district)
    if written is None:
        return None, None, True
    if period.is_year or measure.kind in ("rate", "milestone"):
        return written, written, True
    if measure.kind == "stock":
        previous = measure.target(period.year - 1, district) if measure.applies(period.year - 1, district) else None
        if previous is None:
            return written, written, True
        return previous + (written - previous) * period.elapsed, written, True
    if measure.kind in PRO_RATA:
        return written * period.elapsed, written, True
    return written, written, True
