"""Figures corrected by hand in a figures file, not yet in its collection log, each named.

The last line of a figure in the collection log (figures/log.py) is where its stored value came
from; a figures file that says otherwise was corrected by hand (in Excel). `collect` and
`withdraw` log such corrections when they next write; until then `qdocgen check` and every
`qdocgen build` (its quick no-change path too) name each one, so a correction is never only
noticed by a later command. The bundled sample data ships with its logs for this reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qdocgen.figures import log
from qdocgen.figures.period import Period
from qdocgen.figures.store import FigureSet, period_file
from qdocgen.figures.values import format_value
from qdocgen.plan.model import CITY, Plan


@dataclass(frozen=True)
class HandCorrections:
    """One period's figures that differ from the last line of their collection log."""

    period: Period
    path: Path
    log_path: Path
    entries: list[log.Entry]

    def lines(self) -> list[str]:
        out = []
        for e in self.entries:
            what = f"{format_value(e.old_value) or '（空）'} → {format_value(e.new_value) or '（空）'}"
            if e.old_value == e.new_value:
                what = f"说明“{e.old_note}” → “{e.new_note}”"
            elif e.old_note != e.new_note:
                what += f"，说明“{e.old_note}” → “{e.new_note}”"
            out.append(
                f"{self.path}: {self.period.words} {e.district or CITY} 序号 {e.row}“{e.measure}”手工更正："
                f"{what}（收集记录 {self.log_path.name} 中为前者；下次导入或撤回时记入收集记录）"
            )
        return out


def hand_corrections(plan: Plan, data_dir: Path, figures: FigureSet) -> list[HandCorrections]:
    """Each period whose figures file holds figures its log does not say (periods without a log:
    none, there is nothing to tell a correction from). Raises DataError for an unreadable log."""
    out = []
    for period in sorted(figures.periods):
        log_path = log.log_file(data_dir, period)
        entries = log.read_log(log_path, plan)
        if not entries:
            continue
        found = log.hand_changes(figures.of(period), entries, log.Source(""), log.now())
        if found:
            out.append(HandCorrections(period, period_file(data_dir, period), log_path, found))
    return out


def unlogged_corrections(plan: Plan, data_dir: Path, figures: FigureSet, year: int | None = None) -> list[str]:
    """Each hand correction (of `year`, if given: what a `build --year` makes) as a warning, for
    commands that only mention them (build): an unreadable log is `check`'s and `collect`'s to
    report, so it is passed over here."""
    from qdocgen.errors import DataError

    try:
        found = hand_corrections(plan, data_dir, figures)
        return [line for f in found if year is None or f.period.year == year for line in f.lines()]
    except DataError:
        return []
