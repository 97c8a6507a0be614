"""The collection log (收集记录): where every stored figure came from.

Beside each figures file `figures/2018.csv` lies `figures/2018.收集记录.csv`, a CSV a clerk opens
in Excel (UTF-8 with BOM): one line per change of one figure, appended, never rewritten. A
line says when, which figure, old → new value and 说明, what kind of change, and its source:
the form's file name, SHA-256, the district and period stamped in it and the form's own save
time; or a hand correction in the figures file; or `qdocgen withdraw`. The last line of a
figure is where its stored value came from. See docs/plan_data.md.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from qdocgen.errors import DataError, Problem
from qdocgen.figures.period import Period
from qdocgen.figures.store import (
    LOG_SUFFIX,
    Added,
    Figure,
    decode_text,
    figures_dir,
    read_text,
    safe_text,
    stored_value,
)
from qdocgen.figures.values import BadValue, format_value, parse_value
from qdocgen.plan.model import CITY, Plan

COLUMNS = (
    "时间",
    "区",
    "序号",
    "指标",
    "原完成值",
    "新完成值",
    "原说明",
    "新说明",
    "变动",
    "来源文件",
    "SHA-256",
    "表内区",
    "表内时段",
    "表格保存时间",
    "备注",
)
# Kinds of change (变动).
BASELINE = "原有"  # in the figures file when the log was started
NEW = "新增"
CHANGED = "修改"
NOTE = "说明"
CONFIRMED = "确认"  # the same value and 说明, now from this form
WITHDRAWN = "撤回"
NOTE_CLEARED = "清除说明"
BY_HAND = "手工更正"  # found changed in the figures file since the last logged change
KINDS = (BASELINE, NEW, CHANGED, NOTE, CONFIRMED, WITHDRAWN, NOTE_CLEARED, BY_HAND)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_READ_FORMATS = (TIME_FORMAT, "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")


@dataclass(frozen=True)
class Source:
    """Where a figure came from: a form (file, sha256, stamped who and period, save time),
    or, with no sha256, a hand correction or a command (file says which)."""

    file: str
    sha256: str = ""
    who: str = ""
    period: str = ""
    saved: datetime | None = None

    @property
    def is_form(self) -> bool:
        return bool(self.sha256)


@dataclass(frozen=True)
class Entry:
    """One change of one figure."""

    time: datetime
    district: str | None
    row: int
    measure: str
    old_value: float | None
    new_value: float | None
    old_note: str
    new_note: str
    kind: str
    source: Source
    remark: str = ""
    line: int = 0

    @property
    def key(self) -> tuple[str | None, int, str]:
        return (self.district, self.row, self.measure)

    @property
    def when(self) -> datetime:
        """When the figure as it now stands was made: a form's save time, else the change's time."""
        if self.source.is_form:
            return self.source.saved
        return self.time


def log_file(data_dir: Path, period: Period) -> Path:
    return figures_dir(data_dir) / f"{period.key}{LOG_SUFFIX}.csv"


def now() -> datetime:
    """The time a change is logged at: this computer's clock, to the second, local time zone."""
    return datetime.now(timezone.utc).astimezone().replace(microsecond=0)


def shown_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone().strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime | None:
    text = text.strip()
    return _parsed(text) if text else None


@lru_cache(maxsize=1024)
def _parsed(text: str) -> datetime:
    """A log's times, read once each: the rows of one form share one (a build reads every
    period's log before forking, 150 rows and more each, and strptime is slow)."""
    for pattern in _READ_FORMATS:
        try:
            return datetime.strptime(text, pattern).astimezone()
        except ValueError:
            continue
    raise ValueError(text)


def read_log(path: Path, plan: Plan, data: bytes | None = None) -> list[Entry]:
    """Every entry of a log file, oldest first; [] when there is none. Raises DataError if unreadable.
    `data`: the file's bytes, read already (by a caller that keeps a result by them)."""
    if data is None and not path.is_file():
        return []
    shown = str(path)
    text = decode_text(path.read_bytes() if data is None else data, shown)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DataError(
            "收集记录文件的表头被改动，请从备份恢复（此文件由 qdocgen 写入，请勿修改）",
            [Problem(shown, 1, f"表头缺少列：{'、'.join(missing)}")],
        )
    col = {name: header.index(name) for name in COLUMNS}
    entries, problems = [], []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            i = col[name]
            text = cells[i].strip() if i < len(cells) else ""
            return text if name in _NOT_TEXT else read_text(text)

        try:
            district = None if cell("区") == CITY else cell("区")
            entries.append(
                Entry(
                    time=parse_time(cell("时间")) or datetime.fromtimestamp(0, timezone.utc),
                    district=district,
                    row=int(cell("序号")),
                    measure=cell("指标"),
                    old_value=parse_value(cell("原完成值"), rate=True),
                    new_value=parse_value(cell("新完成值"), rate=True),
                    old_note=cell("原说明"),
                    new_note=cell("新说明"),
                    kind=cell("变动"),
                    source=Source(
                        cell("来源文件"),
                        cell("SHA-256").lower(),
                        cell("表内区"),
                        cell("表内时段"),
                        parse_time(cell("表格保存时间")),
                    ),
                    remark=cell("备注"),
                    line=number,
                )
            )
        except (ValueError, BadValue) as exc:
            problems.append(Problem(shown, number, f"无法读取这一行（{exc}）：此文件由 qdocgen 写入，请勿修改"))
    if problems:
        raise DataError("收集记录文件有问题，请从备份恢复后再导入", problems)
    return entries


def latest(entries: list[Entry]) -> dict[tuple, Entry]:
    """The last entry of every figure: where its stored value came from."""
    out: dict[tuple, Entry] = {}
    for e in entries:
        out[e.key] = e
    return out


# Columns of numbers and times, written as they are; every other cell is text, written so that a
# spreadsheet never runs it as a formula (store.safe_text).
_NOT_TEXT = ("时间", "序号", "原完成值", "新完成值", "表格保存时间")


def render_entries(plan: Plan, entries: list[Entry]) -> str:
    """Log lines (CSV text, CRLF, no header) for `entries`."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    for e in entries:
        old = Figure(e.district, e.row, e.measure, e.old_value)
        new = Figure(e.district, e.row, e.measure, e.new_value)
        cells = [
            shown_time(e.time),
            e.district or CITY,
            e.row,
            e.measure,
            stored_value(plan, old),
            stored_value(plan, new),
            e.old_note,
            e.new_note,
            e.kind,
            e.source.file,
            e.source.sha256,
            e.source.who,
            e.source.period,
            shown_time(e.source.saved),
            e.remark,
        ]
        writer.writerow([v if name in _NOT_TEXT else safe_text(v) for name, v in zip(COLUMNS, cells, strict=True)])
    return buf.getvalue()


def log_bytes(plan: Plan, before: bytes | None, entries: list[Entry]) -> bytes:
    """The log file's bytes with `entries` appended to what it held (`before`, None if new)."""
    if before is None or not before.strip(b"\xef\xbb\xbf\r\n "):
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\r\n").writerow(COLUMNS)
        head = ("\ufeff" + buf.getvalue()).encode("utf-8")
    else:
        # Kept as it was, but as UTF-8 with BOM even if Excel re-saved it in another encoding.
        text = decode_text(before, "收集记录")
        head = ("\ufeff" + text if text.endswith("\n") else "\ufeff" + text + "\r\n").encode("utf-8")
    return head + render_entries(plan, entries).encode("utf-8")


def hand_changes(stored: list[Figure], entries: list[Entry], source_of_file: Source, when: datetime) -> list[Entry]:
    """Entries for what the figures file holds that the log does not say: hand corrections.

    With no log at all, every stored figure gets a 原有 (baseline) entry instead.
    """
    last = latest(entries)
    out = []
    if not entries:
        for f in stored:
            if f.value is None and not f.note:
                continue
            src = Source(f.source or source_of_file.file)
            out.append(Entry(when, f.district, f.row, f.measure, None, f.value, "", f.note, BASELINE, src))
        return out
    now_stored = {f.key: f for f in stored}
    for key in sorted(set(now_stored) | set(last), key=lambda k: (k[1], k[2], k[0] or "")):
        f, e = now_stored.get(key), last.get(key)
        value, note = (f.value, f.note) if f else (None, "")
        was_value, was_note = (e.new_value, e.new_note) if e else (None, "")
        if (value, note) == (was_value, was_note):
            continue
        district, row, measure = key
        out.append(
            Entry(
                when,
                district,
                row,
                measure,
                was_value,
                value,
                was_note,
                note,
                BY_HAND,
                source_of_file,
                "完成值文件中的数与收集记录的最后一次不同",
            )
        )
    return out


def stamp(entry: Entry, moment: datetime) -> Entry:
    return replace(entry, time=moment)


def value_text(value: float | None) -> str:
    return "（空）" if value is None else format_value(value)


# ---------------------------------------------------------------- a period's file and log together


@dataclass
class PeriodState:
    """One period's figures file and log as they stand, with what the log does not yet say."""

    period: Period
    path: Path
    log_path: Path
    before: bytes | None  # the figures file's bytes (None: no file yet)
    log_before: bytes | None
    figures: list[Figure]
    entries: list[Entry]
    baseline: list[Entry]  # the file's figures, when the log starts now
    by_hand: list[Entry]  # hand corrections found in the file since the last logged change
    added: Added = field(default_factory=Added)  # columns a clerk added to the figures file, kept

    @property
    def history(self) -> list[Entry]:
        return self.entries + self.baseline + self.by_hand


def load_state(plan: Plan, data_dir: Path, period: Period) -> PeriodState:
    """Read a period's figures file and log; raises DataError when the figures file has problems."""
    from qdocgen.figures.store import added_columns, period_file, read_figures_file

    path, log_path = period_file(data_dir, period), log_file(data_dir, period)
    before = path.read_bytes() if path.is_file() else None
    log_before = log_path.read_bytes() if log_path.is_file() else None
    figures: list[Figure] = []
    added = Added()
    if before is not None:
        figures, found, _ = read_figures_file(path, plan, period)
        if found:
            raise DataError("完成值文件有问题，请先修正（可运行 qdocgen check）", found)
        added = added_columns(decode_text(before, str(path)), figures)
    entries = read_log(log_path, plan)
    baseline: list[Entry] = []
    by_hand: list[Entry] = []
    if before is not None:
        edited = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(microsecond=0)
        found_here = hand_changes(figures, entries, Source(path.name), edited)
        if entries:
            by_hand = found_here
        else:
            baseline = found_here
    return PeriodState(period, path, log_path, before, log_before, figures, entries, baseline, by_hand, added)


def files(plan: Plan, state: PeriodState, figures: list[Figure], entries: list[Entry]) -> list[tuple[Path, bytes]]:
    """The period's log with `entries` appended (after the state's baseline and hand corrections)
    and its figures file holding `figures`: (path, bytes) of each, to be written together
    (storage.journal.commit), so the log never claims what the file does not hold."""
    from qdocgen.figures.store import parse_figures, render_figures_csv

    data = render_figures_csv(plan, [f for f in figures if f.value is not None or f.note], state.added)
    _, found = parse_figures(data.decode("utf-8-sig"), str(state.path), plan)
    if found:  # never write a store that `qdocgen check` would refuse
        raise DataError("内部错误：写入后的完成值文件未通过检查，未写入", found)
    log_data = log_bytes(plan, state.log_before, state.baseline + state.by_hand + entries)
    return [(state.log_path, log_data), (state.path, data)]
