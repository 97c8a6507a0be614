"""Figures that reconcile: what the figures say read together, not each on its own.

Each figure is validated alone when it is read (store.py, plausible.py). Read together they can
still say impossible things; this module finds them, as warnings (the office decides):

- a city total that moves differently from the additions the districts report (`grows-by`);
- a city figure that is not the sum of the districts' (`sum`; `at_least`: less than the sum);
- a rate whose numerator and denominator (two measures, or counts in its own 说明) give another rate;
- a cumulative figure that falls: a 期内累计 total from one period to the next, or a count since
  1 January (年度计数 and kin) from an earlier part of the year to a later one;
- a 说明 carried unchanged into another period.

The relations are declared in plan.yaml (plan/relations.py); the last two follow from the
measures' kinds. Each finding names the period, the district, the 序号 and the figures on both
sides, in Chinese. `qdocgen check` says them all; `collect` says those its figures cause.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from qdocgen.figures.period import Period
from qdocgen.figures.store import Figure, FigureSet
from qdocgen.figures.values import format_value
from qdocgen.plan.model import CITY, Measure, Plan
from qdocgen.plan.relations import Count, Relation

EPSILON = 1e-9
# Kinds counted from 1 January to the period's end: within a year, never less at a later part.
COUNTS_IN_YEAR = ("annual", "one-year", "biennial", "city-level")
_NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
_NEGATIONS = "不未非无"


@dataclass(frozen=True)
class Finding:
    """One inconsistency: where it is (period, district or None for the city, 序号) and what."""

    period: Period
    district: str | None
    row: int
    text: str

    def __str__(self) -> str:
        return self.text


def reconcile(plan: Plan, figures: FigureSet) -> list[Finding]:
    """Every inconsistency among the stored figures, in period order, then table order."""
    found: list[Finding] = []
    for relation in plan.relations:
        if relation.kind == "grows-by":
            found += _grows_by(plan, figures, relation)
        elif relation.kind == "sum":
            found += _sum(plan, figures, relation)
        elif relation.kind == "rate":
            found += _rate(plan, figures, relation)
    found += _falls(plan, figures)
    found += _carried_notes(plan, figures)
    order = {m.row: i for i, m in enumerate(plan.measures)}
    return sorted(found, key=lambda f: (_when(f.period), order.get(f.row, 0)))


def texts(plan: Plan, figures: FigureSet) -> list[str]:
    return [f.text for f in reconcile(plan, figures)]


def new_findings(plan: Plan, before: FigureSet, after: FigureSet) -> list[str]:
    """What `after` says that `before` did not: the inconsistencies new figures cause."""
    old = set(texts(plan, before))
    return [t for t in texts(plan, after) if t not in old]


def caused_by(plan: Plan, before: FigureSet | None, report) -> list[str]:
    """The inconsistencies a collect's figures (its `Report`) cause among `before`, each said
    as 导入后：…; nothing when the figures before could not be read."""
    if before is None:
        return []
    changes = [(r.period, c.figure) for r in report.results for c in r.changes if c.writes]
    return [f"导入后：{text}" for text in new_findings(plan, before, laid_over(before, changes))]


def laid_over(before: FigureSet, changes: Iterable[tuple[Period, Figure]]) -> FigureSet:
    """`before` with each (period, figure) laid over it (a figure with no value and no 说明 removes)."""
    periods = {p: {f.key: f for f in fs} for p, fs in before.periods.items()}
    for period, figure in changes:
        held = periods.setdefault(period, {})
        if figure.value is None and not figure.note:
            held.pop(figure.key, None)
        else:
            held[figure.key] = replace(figure, line=0)
    return FigureSet(periods={p: list(held.values()) for p, held in periods.items()})


# ---------------------------------------------------------------- shared wording


def _when(period: Period) -> tuple:
    return (period.end, period.part != "year", period.part)


def _who(district: str | None) -> str:
    return district or CITY


def _label(period: Period, district: str | None, m: Measure) -> str:
    return f"{period.words} {_who(district)} 序号 {m.row}“{m.name}”"


def _amount(value: float, m: Measure) -> str:
    return f"{format_value(value)}{m.unit if m.unit else ''}"


def _rate_text(value: float) -> str:
    return f"{round(value, 2):g}%"


def _value(figures: FigureSet, period: Period, m: Measure, district: str | None) -> float | None:
    f = figures.lookup(period, m, district)
    return None if f is None else f.value


def _listed(parts: list[tuple[str, float]], m: Measure) -> str:
    return "、".join(f"{d}{format_value(v)}" for d, v in parts)


# ---------------------------------------------------------------- grows-by and sum


def _district_parts(plan: Plan, figures: FigureSet, period: Period, m: Measure):
    """(reported [(district, value)], districts expected but missing) of a district measure."""
    reported, missing = [], []
    for d in plan.district_names:
        value = _value(figures, period, m, d)
        if value is not None:
            reported.append((d, value))
        elif m.applies(period.year, d) and m.target(period.year, d) is not None:
            missing.append(d)
    return reported, missing


def _grows_by(plan: Plan, figures: FigureSet, rel: Relation) -> list[Finding]:
    total, adds = plan.measure_by_id(rel.total), plan.measure_by_id(rel.parts)
    out = []
    for period in sorted(figures.periods, key=_when):
        now = _value(figures, period, total, None)
        if now is None:
            continue
        reported, missing = _district_parts(plan, figures, period, adds)
        if not reported and not missing:
            continue  # no district adds anything in this period: nothing to hold the total to
        if period.year == plan.years[0]:
            before, before_text = rel.base, f"计划首年之前为{_amount(rel.base, total)}"
        else:
            last = Period(period.year - 1)
            before = _value(figures, last, total, None)
            if before is None:
                continue
            before_text = f"{last.year}年底为{_amount(before, total)}"
        added = sum(v for _, v in reported)
        expected = before + added
        if missing:
            if now + EPSILON >= expected:
                continue  # the missing districts' additions may make up the rest
            gap = expected - now
            out.append(
                Finding(
                    period,
                    None,
                    total.row,
                    f"{_label(period, None, total)}报{_amount(now, total)}，而{before_text}、各区已报本期“{adds.name}”"
                    f"合计{_amount(added, adds)}（{_listed(reported, adds)}；{'、'.join(missing)}未报），"
                    f"至少应为{_amount(expected, total)}：少{_amount(gap, total)}。",
                )
            )
        elif abs(now - expected) > EPSILON:
            out.append(
                Finding(
                    period,
                    None,
                    total.row,
                    f"{_label(period, None, total)}报{_amount(now, total)}，而{before_text}、各区本期“{adds.name}”"
                    f"合计{_amount(added, adds)}（{_listed(reported, adds)}），应为{_amount(expected, total)}："
                    f"{'多' if now > expected else '少'}{_amount(abs(now - expected), total)}。",
                )
            )
    return out


def _sum(plan: Plan, figures: FigureSet, rel: Relation) -> list[Finding]:
    total, parts = plan.measure_by_id(rel.total), plan.measure_by_id(rel.parts)
    out = []
    for period in sorted(figures.periods, key=_when):
        now = _value(figures, period, total, None)
        reported, missing = _district_parts(plan, figures, period, parts)
        if now is None or not reported:
            continue
        added = sum(v for _, v in reported)
        listed = _listed(reported, parts) + (f"；{'、'.join(missing)}未报" if missing else "")
        head = f"{_label(period, None, total)}报{_amount(now, total)}，而各区“{parts.name}”"
        if (rel.at_least or missing) and now + EPSILON < added:
            out.append(
                Finding(
                    period,
                    None,
                    total.row,
                    f"{head}{'已报的' if missing else ''}合计{_amount(added, parts)}（{listed}）：全市数应不少于各区之和，"
                    f"少{_amount(added - now, total)}。",
                )
            )
        elif not rel.at_least and not missing and abs(now - added) > EPSILON:
            out.append(
                Finding(
                    period,
                    None,
                    total.row,
                    f"{head}合计{_amount(added, parts)}（{listed}）：全市数应等于各区之和，"
                    f"{'多' if now > added else '少'}{_amount(abs(now - added), total)}。",
                )
            )
    return out


# ---------------------------------------------------------------- rates and their counts


def note_count(note: str, word: str, others: Iterable[str] = ()) -> float | None:
    """The number written after `word` in a 说明 (“抽查 312 批次” → 312), or None.

    A few words may stand between (“抽查产品312批次”), no punctuation. A longer word of the same
    relation wins its place (“不合格” is not read as “合格”), and so does a negation before the
    word (“不合格14批次” is no count of 合格)."""
    text = unicodedata.normalize("NFKC", note)
    for other in sorted(others, key=len, reverse=True):  # blank the longer words that contain this one
        if word in other and other != word:
            text = text.replace(other, "\0" * len(other))
    for match in re.finditer(re.escape(word) + r"[^\d\s,，。；;、:：()（）\0]{0,6}?\s*" + _NUMBER, text):
        start = match.start()
        if start and text[start - 1] in _NEGATIONS and word[0] not in _NEGATIONS:
            continue
        return float(match.group(1).replace(",", ""))
    return None


def _count_of(
    count: Count | None, plan: Plan, figures: FigureSet, period: Period, district, note: str, words
) -> tuple[float | None, str]:
    """(the count, how it is named) from a measure or the 说明."""
    if count is None:
        return None, ""
    if count.note:
        return note_count(note, count.note, words), count.note
    m = plan.measure_by_id(count.measure)
    return _value(figures, period, m, district), f"“{m.name}”"


def _rate(plan: Plan, figures: FigureSet, rel: Relation) -> list[Finding]:
    rate = plan.measure_by_id(rel.total)
    words = [c.note for c in (rel.numerator, rel.denominator, rel.excluded) if c is not None and c.note]
    from_note = bool(words)
    out = []
    for period in sorted(figures.periods, key=_when):
        for f in figures.of(period):
            if f.row != rate.row or f.measure != rate.name or f.value is None:
                continue
            if from_note and not f.note:
                continue
            den, den_name = _count_of(rel.denominator, plan, figures, period, f.district, f.note, words)
            if rel.excluded is not None:
                out_n, out_name = _count_of(rel.excluded, plan, figures, period, f.district, f.note, words)
                num = None if den is None or out_n is None else den - out_n
                how = f"（{den_name} {format_value(den)} − {out_name} {format_value(out_n)}）÷ {format_value(den)}"
            else:
                num, num_name = _count_of(rel.numerator, plan, figures, period, f.district, f.note, words)
                how = f"{num_name} {format_value(num)} ÷ {den_name} {format_value(den)}"
            if num is None or den is None or den <= 0:
                continue
            computed = num / den * 100
            if abs(computed - f.value) <= _tolerance(f.value) + EPSILON:
                continue
            source = f"其说明“{f.note}”" if from_note else "其分子、分母"
            out.append(
                Finding(
                    period,
                    f.district,
                    rate.row,
                    f"{_label(period, f.district, rate)}报{_rate_text(f.value)}，而{source}算得{how} = "
                    f"{_rate_text(computed)}：两者不符。",
                )
            )
    return out


def _tolerance(value: float) -> float:
    """Half a unit of the last decimal written (95.5 stands for 95.45–95.55), at least of the
    first decimal: rates are shown with one."""
    text = format_value(value)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10 ** -max(1, decimals)


# ---------------------------------------------------------------- falls and carried notes


def _falls(plan: Plan, figures: FigureSet) -> list[Finding]:
    out = []
    periods = sorted(figures.periods, key=_when)
    for m in plan.measures:
        if m.kind != "cumulative" and m.kind not in COUNTS_IN_YEAR:
            continue
        for district in [None] if m.is_city else plan.district_names:
            seen: list[tuple[Period, float]] = []
            for period in periods:
                value = _value(figures, period, m, district)
                if value is None:
                    continue
                if m.kind != "cumulative":  # counted from 1 January: only earlier parts of the same year
                    earlier = [(p, v) for p, v in seen if p.year == period.year and p.end < period.end]
                else:
                    earlier = [(p, v) for p, v in seen if p.end < period.end]
                if earlier:
                    last_p, last_v = max(earlier, key=lambda pv: _when(pv[0]))
                    if value + EPSILON < last_v:
                        since = "计划期内累计" if m.kind == "cumulative" else f"{period.year}年1月1日起累计"
                        out.append(
                            Finding(
                                period,
                                district,
                                m.row,
                                f"{_label(period, district, m)}报{_amount(value, m)}，少于{last_p.words}的"
                                f"{_amount(last_v, m)}：这是{since}的数，不会减少。",
                            )
                        )
                seen.append((period, value))
    return out


def _carried_notes(plan: Plan, figures: FigureSet) -> list[Finding]:
    out = []
    notes: dict[tuple, list[tuple[Period, Figure]]] = {}
    for period in sorted(figures.periods, key=_when):
        for f in figures.of(period):
            if f.note.strip():
                notes.setdefault(f.key, []).append((period, f))
    for seen in notes.values():
        for i, (period, f) in enumerate(seen):
            same = [(p, e) for p, e in seen[:i] if e.note.strip() == f.note.strip()]
            if not same:
                continue
            p, e = same[-1]
            m = plan.measure(f.row, f.measure)
            if m is None:
                continue
            both = ""
            if f.value is not None or e.value is not None:
                shown = [(x.value, w) for w, x in ((p.words, e), (period.words, f))]
                both = "（" + "，".join(
                    f"{w}报{'（空）' if v is None else _amount(v, m)}" for v, w in shown
                ) + "）"  # fmt: skip
            out.append(
                Finding(
                    period,
                    f.district,
                    f.row,
                    f"{_label(period, f.district, m)}的说明与{p.words}的一字不差：“{f.note}”{both}："
                    "是否沿用了上一时段的说明？",
                )
            )
    return out
