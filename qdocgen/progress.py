"""Progress: each measure's target against its reported figure, judged by kind.

The rules are written out for users in docs/progress.md; this module is their one home.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from qdocgen.figures.period import Period
from qdocgen.figures.store import Figure, FigureSet
from qdocgen.figures.targets import EPS, PRO_RATA, period_target, reference_target  # noqa: F401 - re-exported
from qdocgen.plan.model import Measure, Plan

EXCEEDED = "超额完成"
MET = "完成"
MISSED = "未完成"
NOT_REPORTED = "未报送"
NOT_APPLICABLE = "不适用"
PENDING = "目标待定"
STATUSES = (EXCEEDED, MET, MISSED, NOT_REPORTED, NOT_APPLICABLE, PENDING)
DONE = (EXCEEDED, MET)
ASSESSED = (EXCEEDED, MET, MISSED, NOT_REPORTED)


@dataclass(frozen=True)
class Result:
    """One measure judged for one district (None: the city) and one period."""

    measure: Measure
    district: str | None
    period: Period
    target: float | None  # the target for the period (after 序时进度)
    year_target: float | None  # the target as the plan writes it
    actual: float | None
    status: str
    note: str = ""
    sample: bool = False
    scope: str = "district"  # district, city, or total (a district measure summed over districts)

    @property
    def ratio(self) -> float | None:
        """Completion: actual / target, None where it has no meaning."""
        if self.actual is None or self.target is None or self.status in (NOT_APPLICABLE, PENDING, NOT_REPORTED):
            # A city total with districts missing has a partial sum: no ratio to speak of.
            return None
        if self.measure.kind == "milestone":
            return self.actual
        if self.target <= 0:
            return None
        return self.actual / self.target

    @property
    def shortfall(self) -> float | None:
        if self.status != MISSED or self.actual is None or self.target is None:
            return None
        return self.target - self.actual

    def as_dict(self) -> dict:
        return {
            "row": self.measure.row,
            "measure": self.measure.name,
            "measure_id": self.measure.id,
            "unit": self.measure.unit,
            "kind": self.measure.kind,
            "district": self.district,
            "year": self.period.year,
            "period": self.period.part,
            "scope": self.scope,
            "target": self.target,
            "year_target": self.year_target,
            "actual": self.actual,
            "ratio": None if self.ratio is None else round(self.ratio, 6),
            "status": self.status,
            "note": self.note,
            "sample": self.sample,
        }


@dataclass(frozen=True)
class Standing:
    """A district's summary: measures met out of those assessed, and its rank."""

    district: str
    assessed: int
    met: int
    exceeded: int
    missed: int
    not_reported: int
    rank: int

    @property
    def rate(self) -> float | None:
        return self.met / self.assessed if self.assessed else None


@dataclass
class Evaluation:
    """Everything judged for one period: per-district and city results, totals, standings."""

    plan: Plan
    period: Period
    results: list[Result] = field(default_factory=list)
    standings: list[Standing] = field(default_factory=list)
    sample: bool = False

    def for_district(self, district: str | None) -> list[Result]:
        """Results of one district (None: the city's own measures)."""
        index = self.__dict__.get("_by_district")
        if index is None or index[0] != len(self.results):  # grouped once (a notice per district asks)
            groups: dict[str | None, list[Result]] = {}
            for r in self.results:
                if r.scope == ("city" if r.district is None else "district"):
                    groups.setdefault(r.district, []).append(r)
            index = self.__dict__["_by_district"] = (len(self.results), groups)
        return list(index[1].get(district, []))

    @property
    def city(self) -> list[Result]:
        return self.for_district(None)

    @property
    def totals(self) -> list[Result]:
        return [r for r in self.results if r.scope == "total"]

    def standing(self, district: str) -> Standing:
        return next(s for s in self.standings if s.district == district)

    @property
    def ranked(self) -> list[Standing]:
        """The standings best first; districts of equal rank in the plan's order."""
        order = {name: i for i, name in enumerate(self.plan.district_names)}
        return sorted(self.standings, key=lambda s: (s.rank, order[s.district]))


def judge(measure: Measure, target: float | None, actual: float | None, applies: bool, written: float | None) -> str:
    """The status of one measure from its period target and reported figure."""
    if measure.kind == "qualitative" or not applies:
        return NOT_APPLICABLE
    if written is None:
        return PENDING
    if actual is None:
        return NOT_REPORTED
    if measure.kind == "milestone":
        return MET if actual >= 1 else MISSED
    if actual > target + EPS:
        return EXCEEDED
    if actual >= target - EPS:
        return MET
    return MISSED


def untargeted_figures(plan: Plan, figures: FigureSet) -> list[tuple[Period, Figure]]:
    """Figures reported for a measure that has no target in their period (a biennial measure
    in its off year, a one-year measure in another year): shown as 不适用, never judged."""
    out = []
    for period in sorted(figures.periods):
        for f in figures.of(period):
            measure = plan.measure(f.row, f.measure)
            if measure is None or measure.kind == "qualitative" or f.value is None:
                continue
            asked = reference_target(measure, period, f.district) is not None  # on the form for reference
            if not period_target(measure, period, f.district, plan)[2] and not asked:
                out.append((period, f))
    return out


def evaluate(plan: Plan, figures: FigureSet, period: Period) -> Evaluation:
    """Judge every measure for every district and for the city in `period`."""
    ev = Evaluation(plan, period, sample=figures.is_sample(period))
    for measure in plan.measures:
        places = [None] if measure.is_city else plan.district_names
        mine = [_result(plan, figures, measure, period, district) for district in places]
        ev.results.extend(mine)
        if not measure.is_city:
            ev.results.append(_total(measure, period, mine))
    ev.standings = rank(ev.results, plan.district_names)
    return ev


def _result(plan, figures, measure, period, district) -> Result:
    target, written, applies = period_target(measure, period, district, plan)
    figure = figures.lookup(period, measure, district)
    actual = figure.value if figure else None
    status = judge(measure, target, actual, applies, written)
    return Result(
        measure=measure,
        district=district,
        period=period,
        target=target if applies else None,
        year_target=written if applies else None,
        actual=actual,
        status=status,
        note=figure.note if figure else "",
        sample=bool(figure and figure.is_sample),
        scope="city" if district is None else "district",
    )


def _total(measure: Measure, period: Period, parts: list[Result]) -> Result:
    """A district measure summed over the districts: the city's total against theirs.

    Rates are not summed (a city rate needs the underlying counts); such totals are 不适用.
    """
    assessed = [r for r in parts if r.status in ASSESSED]
    if measure.is_rate or measure.kind == "milestone" or not assessed:
        status = PENDING if any(r.status == PENDING for r in parts) and not assessed else NOT_APPLICABLE
        return Result(measure, None, period, None, None, None, status, scope="total")
    target = sum(r.target for r in assessed)
    written = sum(r.year_target for r in assessed)
    reported = [r for r in assessed if r.actual is not None]
    actual = sum(r.actual for r in reported) if reported else None
    missing = len(assessed) - len(reported)
    if missing:
        status = NOT_REPORTED
        note = f"{missing} 个区未报送，合计仅含已报送的 {len(reported)} 个区"
    else:
        status = judge(measure, target, actual, True, written)
        note = ""
    sample = any(r.sample for r in parts)
    return Result(measure, None, period, target, written, actual, status, note, sample, scope="total")


def rank(results: list[Result], districts: list[str]) -> list[Standing]:
    """Districts ranked by the share of assessed measures met; equal shares share a rank.

    Ranking is competition style (1, 2, 2, 4). A district with nothing assessed ranks last.
    """
    by_district: dict[str, list[Result]] = {d: [] for d in districts}
    for r in results:
        if r.scope == "district" and r.status in ASSESSED and r.district in by_district:
            by_district[r.district].append(r)
    rows = []
    for d in districts:
        mine = by_district[d]
        count = {s: sum(1 for r in mine if r.status == s) for s in ASSESSED}
        rows.append((d, len(mine), count[EXCEEDED] + count[MET], count[EXCEEDED], count[MISSED], count[NOT_REPORTED]))

    def share(row) -> float:
        return row[2] / row[1] if row[1] else -1.0

    shares = sorted(share(row) for row in rows)
    standings = []
    for d, assessed, met, exceeded, missed, not_reported in rows:
        # how many shares exceed this one by more than EPS (a binary search of the sorted shares)
        better = len(shares) - bisect.bisect_right(shares, share((d, assessed, met)) + EPS)
        standings.append(Standing(d, assessed, met, exceeded, missed, not_reported, better + 1))
    return standings


# ── against earlier periods: what a notice says changed ─────────────────────────────────


@dataclass(frozen=True)
class Trend:
    """One period's results against the periods before it (those with figures, oldest first).

    - `previous`: the period compared with, or None: the latest one before, but for part of a
      year the same part of the year before when it has figures (上年同期);
    - `before[(measure id, district)]`: the status the measure had there;
    - `streak[(measure id, district)]`: how many periods in a row, this one included, it was
      missed (periods where it had no target are passed over; any other status ends the run);
    - `standing_before[district]`: the district's Standing in the previous period.
    """

    previous: Period | None
    before: dict = field(default_factory=dict)
    streak: dict = field(default_factory=dict)
    standing_before: dict = field(default_factory=dict)
    streak_years: dict = field(default_factory=dict)  # key -> True when the run is all whole years

    def of(self, r: Result) -> tuple[str | None, int]:
        """(previous status, missed periods in a row) of a district's or the city's result."""
        key = (r.measure.id, r.district)
        return self.before.get(key), self.streak.get(key, 0)


def trend(current: Evaluation, earlier: list[Evaluation]) -> Trend:
    """`current` against `earlier` (evaluations of the periods before it, oldest first): the
    streaks run through all of them; the statuses and standings compared are the previous
    period's (a part of a year is compared with the same part of the year before when there is
    one, a like basis of prorated targets, else with the latest period)."""
    earlier = [e for e in earlier if e.period.end < current.period.end]
    if not earlier:
        return Trend(None)
    period = current.period
    same = [e for e in earlier if not period.is_year and e.period == Period(period.year - 1, period.part)]
    last = same[-1] if same else earlier[-1]
    compared = earlier.index(last)
    own = [r for r in current.results if r.scope != "total"]
    past = [{(r.measure.id, r.district): r for r in e.results if r.scope != "total"} for e in earlier]
    before, streak, years = {}, {}, {}
    for r in own:
        key = (r.measure.id, r.district)
        old = past[compared].get(key)
        before[key] = old.status if old else None
        if r.status != MISSED:
            continue
        run, all_years = 1, current.period.is_year
        for index in range(len(earlier) - 1, -1, -1):
            old = past[index].get(key)
            if old is None or old.status in (NOT_APPLICABLE, PENDING):
                continue
            if old.status != MISSED:
                break
            run += 1
            all_years = all_years and earlier[index].period.is_year
        streak[key] = run
        years[key] = all_years
    return Trend(
        last.period,
        before,
        streak,
        {s.district: s for s in last.standings},
        years,
    )
