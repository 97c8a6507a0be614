"""Figures corrected by hand in a figures file, not yet in its collection log, each named.

The last line of a figure in the collection log (figures/log.py) is where its stored value came
from; a figures file that says otherwise was corrected by hand (in Excel). `collect` and
`withdraw` log such corrections when they next write; until then `qdocgen check` and every
`qdocgen build` (its quick no-change path too) name each one, so a correction is never only
noticed by a later command. The bundled sample data ships with its logs for this reason.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from qdocgen.errors import DataError
from qdocgen.figures import log
from qdocgen.figures.period import Period
from qdocgen.figures.store import FigureSet, decode_text, period_file, stored_value
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
        if not _differs(plan, log_path, figures.of(period)):
            continue  # the usual case, told without parsing every time and value in the log
        entries = log.read_log(log_path, plan)
        if not entries:
            continue
        found = log.hand_changes(figures.of(period), entries, log.Source(""), log.now())
        if found:
            out.append(HandCorrections(period, period_file(data_dir, period), log_path, found))
    return out


def _differs(plan: Plan, log_path: Path, stored: list) -> bool:
    """Whether the figures file may say what its log's last lines do not (a quick look: the last
    新完成值 and 新说明 of each figure, as text); False without a log. An unreadable log: True,
    for `read_log` to name its problem."""
    try:
        text = decode_text(log_path.read_bytes(), str(log_path))
    except FileNotFoundError:
        return False
    except (OSError, DataError):
        return True
    rows = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(rows, [])]
    try:
        at = [header.index(name) for name in ("区", "序号", "指标", "新完成值", "新说明")]
    except ValueError:
        return True
    last: dict[tuple, tuple[str, str]] = {}
    for cells in rows:
        if len(cells) <= max(at):
            if any(c.strip() for c in cells):
                return True
            continue
        who, row, measure, value, note = (cells[i].strip() for i in at)
        last[(who, row, measure)] = (value, note)
    if not last:
        return False
    rates = {(m.row, m.name) for m in plan.measures if m.is_rate}
    now = {
        (f.district or CITY, str(f.row), f.measure): (
            stored_value(plan, f) if (f.row, f.measure) in rates else format_value(f.value),
            f.note,
        )
        for f in stored
        if f.value is not None or f.note
    }
    held = {k: v for k, v in last.items() if v != ("", "")}
    return now != held


def unlogged_corrections(plan: Plan, data_dir: Path, figures: FigureSet, year: int | None = None) -> list[str]:
    """Each hand correction (of `year`, if given: what a `build --year` makes) as a warning, for
    commands that only mention them (build): an unreadable log is `check`'s and `collect`'s to
    report, so it is passed over here."""
    try:
        found = hand_corrections(plan, data_dir, figures)
        return [line for f in found if year is None or f.period.year == year for line in f.lines()]
    except DataError:
        return []
