"""Why a figure is missing: `qdocgen missing` tells the cases apart.

- 填报表被退回 (refused): the last form received from the district for the period was refused by
  `collect` (the receipt register, figures/receipts.py, says why);
- 留空并写明原因 (blank_with_note): the form left 完成值 blank and gave a 说明;
- 表中留空 (blank): the district reported (other figures of the period, or a form taken in) but
  left this one blank without a word;
- 未收到填报表 (no_form): nothing at all from the district for the period.

With the setting `[forms] note_when_missed = true` (qdocgen.toml), a 未完成 figure without a 说明
is listed too (missed_without_note): the form asks for one.
"""

from __future__ import annotations

from pathlib import Path

from qdocgen.figures import receipts
from qdocgen.figures.period import Period
from qdocgen.figures.store import FigureSet
from qdocgen.plan.model import CITY

CASES = {
    "refused": "填报表被退回",
    "blank_with_note": "留空并写明原因",
    "blank": "表中留空，未说明原因",
    "no_form": "未收到填报表",
    "missed_without_note": "未完成，未写说明",
}


class WhyMissing:
    """The case of each missing figure of one period, from the figures and the receipt register."""

    def __init__(self, data_dir: Path, figures: FigureSet, period: Period):
        self.figures = figures.of(period)
        self.receipts = receipts.latest(data_dir, period)
        self.reported = {f.district for f in self.figures if f.value is not None or f.note}
        self.reported |= {None if who == CITY else who for who, r in self.receipts.items() if not r.refused}
        self.by_key = {f.key: f for f in self.figures}

    def case(self, district: str | None, row: int, measure: str) -> tuple[str, str]:
        """(case key, reason or 说明; '' when there is none) of a measure with no figure."""
        last = self.receipts.get(district or CITY)
        if last is not None and last.refused:
            return "refused", f"{last.file}（{last.time}）：{last.reason}"
        figure = self.by_key.get((district, row, measure))
        if figure is not None and figure.note:
            return "blank_with_note", figure.note
        if district in self.reported:
            return "blank", ""
        return "no_form", ""


def shown(case: str, reason: str) -> str:
    """The case in words, with its reason: 填报表被退回：…；留空并写明原因：…"""
    return f"{CASES[case]}：{reason}" if reason else CASES[case]


def unexplained(plan, report) -> list[str]:
    """With `[forms] note_when_missed`: each figure a collect took in (its `Report`) below its period
    target without a 说明, located at its cell. Said, not refused: the office asks for it."""
    from qdocgen.figures.targets import period_target
    from qdocgen.figures.values import format_value

    out = []
    for result in report.results:
        for c in result.changes:
            f = c.figure
            m = plan.measure(f.row, f.measure)
            if c.kind in ("kept", "blank") or f.value is None or f.note or m is None:
                continue
            target, _, applies = period_target(m, result.period, f.district, plan)
            if applies and target is not None and f.value + 1e-9 < target:
                out.append(
                    f"{c.form.shown} {c.place}: {f.district or CITY} {result.period.words} 序号 {f.row}“{f.measure}”"
                    f"完成值 {format_value(f.value)} 低于目标 {format_value(target)}（未完成），没有写说明："
                    "按 qdocgen.toml 的 [forms] note_when_missed，请该区补写原因"
                )
    return out
