"""Collecting filled forms: check every cell, then lay the figures over the store.

First every form of the batch is read and checked (figures/read_form.py; gather everything, then write): a value
that is not a number or not plausible (figures/plausible.py), a form of another district or
period than it claims, an edited target, a missing, blank or unknown row, merged cells, a
file that is not a workbook, two forms of one district and period. Each problem names the
file, sheet and cell. Any problem refuses the whole batch unless `partial` is set, in which
case the good forms go in and the bad ones are left out. A blank cell never erases a stored
figure; 撤回 in 说明 withdraws one (see docs/plan_data.md).

Then each figure is held against where the stored one came from (the collection log,
figures/log.py): a figure from an older form than the stored one's, from a form already
superseded, or from a form saved before a hand correction or withdrawal, would revert a
newer figure. Such a batch is refused, listing every such figure, unless `force` is set.
Every change is appended to the log before the figures file is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from qdocgen.errors import DataError, Problem
from qdocgen.figures import log, receipts
from qdocgen.figures.forms import who_of
from qdocgen.figures.period import Period
from qdocgen.figures.read_form import Form, read_form
from qdocgen.figures.store import SAMPLE, Figure, figures_dir
from qdocgen.figures.values import format_value
from qdocgen.plan.model import CITY, Plan
from qdocgen.storage import journal

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
COMMAND = "qdocgen collect"


@dataclass
class Change:
    """One figure of a form compared with the store."""

    figure: Figure  # what the store will hold (value None and no 说明: nothing)
    old: Figure | None
    # new, changed, note (only 说明 changed), withdrawn, note_cleared, confirmed (same figure,
    # now from this form), unchanged, kept (a blank row: the store keeps what it has), blank
    kind: str
    form: Form
    place: str
    reason: str = ""  # why the form is thought older than the stored figure (a revert)
    dropped_note: str = ""  # the old 说明, cleared with the old value it explained (the form left 说明 blank)

    @property
    def writes(self) -> bool:
        return self.kind in ("new", "changed", "note", "withdrawn", "note_cleared", "confirmed")


@dataclass
class PeriodResult:
    """What collecting did (or would do) to one period's figures file and log."""

    period: Period
    path: Path
    log_path: Path
    changes: list[Change] = field(default_factory=list)
    by_hand: list[log.Entry] = field(default_factory=list)  # hand corrections found and logged
    baseline: list[log.Entry] = field(default_factory=list)  # the file's figures when its log starts
    written: bool = False

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


@dataclass
class Report:
    """What collecting a batch did (or, with dry_run, would do) to the store."""

    forms: list[Form]
    results: list[PeriodResult]
    dry_run: bool
    forced: list[Change] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files in the folders that are not workbooks
    recovered: list[str] = field(default_factory=list)  # what finishing an interrupted command did

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.forms for p in f.problems]

    @property
    def notes(self) -> list[Problem]:
        return [p for f in self.forms for p in f.notes]

    @property
    def accepted(self) -> list[Form]:
        return [f for f in self.forms if not f.problems]

    @property
    def changes(self) -> list[Change]:
        return [c for r in self.results for c in r.changes]

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


# ---------------------------------------------------------------- finding the files


def expand(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(workbooks, other files) named by `paths`: folders are searched recursively.

    Office lock files (~$南海区….xlsx, left while a workbook is open) are skipped. A file
    named directly is always taken, whatever its name, so that a wrong one is reported.
    """
    found: list[Path] = []
    other: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not f.is_file() or f.name.startswith("~$"):
                    continue
                (found if f.suffix.lower() in WORKBOOK_SUFFIXES else other).append(f)
        else:
            found.append(p)
    unique = list(dict.fromkeys(found))
    return unique, other


# ---------------------------------------------------------------- a batch


def read_batch(paths: list[Path], plan: Plan, year: int | None = None, part: str | None = None) -> list[Form]:
    """Read every form; flag a second form of the same district and period in the batch."""
    forms = [read_form(Path(p), plan, year, part) for p in paths]
    order = {name: i for i, name in enumerate([CITY, *plan.district_names])}
    forms.sort(key=lambda f: order.get(f.who, len(order)))  # the plan's order, not the files'
    first: dict[tuple, Form] = {}
    for form in forms:
        if form.who is None or form.period is None:
            continue
        key = (form.who, form.period)
        if key in first:
            form.problem(
                f"与 {first[key].shown} 同为{form.who}{form.period.words}的填报表：一次只能导入一个区的一份表格"
            )
        else:
            first[key] = form
    return forms


def compare(old: list[Figure], forms: list[Form], entries: list[log.Entry] | None = None) -> list[Change]:
    """How each row of the forms stands against the store and where its figures came from."""
    stored = {f.key: f for f in old}
    history: dict[tuple, list[log.Entry]] = {}
    for e in entries or []:
        history.setdefault(e.key, []).append(e)
    changes = []
    for form in forms:
        for row in form.rows:
            f, kept = row.figure, stored.get(row.figure.key)
            old_value, old_note = (kept.value, kept.note) if kept else (None, "")
            if row.withdraw:
                value, note = None, ""
            else:
                value = f.value if f.value is not None else old_value
                note = "" if row.clear_note else (f.note or old_note)
            # A 说明 explains its value: a form that changes the value and leaves 说明 blank does not
            # carry the old explanation over to the new figure ("验收推迟" beside a milestone now met).
            dropped = old_note if (value != old_value and not f.note and note) else ""
            if dropped:
                note = ""
            new = replace(f, value=value, note=note, line=0)
            if (value, note) == (old_value, old_note):
                if kept is None:
                    kind = "blank"
                elif f.value is None and not row.clear_note and old_value is not None:
                    kind = "kept"
                elif (
                    kept.source != f.source
                    and not _older(form, history.get(f.key, []))
                    and not _same_file(form, history.get(f.key, []))
                ):
                    kind = "confirmed"
                else:
                    kind = "unchanged"
            elif row.withdraw:
                kind = "withdrawn" if old_value is not None else "note_cleared"
            elif value != old_value:
                kind = "new" if kept is None or old_value is None else "changed"
            elif note != old_note and not note:
                kind = "note_cleared"
            else:
                kind = "note"
            change = Change(new, kept, kind, form, row.place, dropped_note=dropped)
            if change.writes and kind != "confirmed":
                change.reason = _older(form, history.get(f.key, []))
            changes.append(change)
            if change.writes:
                stored[f.key] = new
    return changes


def _same_file(form: Form, history: list[log.Entry]) -> bool:
    """Whether the stored figure came from this very file (by SHA-256), perhaps under another name:
    a renamed copy collected again confirms nothing new."""
    return bool(history) and history[-1].source.sha256 == form.sha256


def _older(form: Form, history: list[log.Entry]) -> str:
    """Why `form` is older than where the stored figure came from; '' when it is not."""
    if not history:
        return ""
    last = history[-1]
    src = last.source
    if src.is_form:
        if src.sha256 == form.sha256:
            return ""
        for earlier in history[:-1]:
            if earlier.source.sha256 == form.sha256:
                return (
                    f"此表已于 {log.shown_time(earlier.time)} 收集过，之后该数已由 {src.file}"
                    f"（{log.shown_time(last.time)} 收集）更新"
                )
        if form.saved is not None and src.saved is not None and form.saved < src.saved:
            return f"此表保存于 {log.shown_time(form.saved)}，早于现值来源 {src.file}（保存于 {log.shown_time(src.saved)}）"
        return ""
    if last.kind == log.BASELINE and last.source.file == SAMPLE:
        return ""  # 示例数据 stands for nothing a district said
    if form.saved is not None and form.saved > last.time:
        return ""
    if last.kind == log.BASELINE:  # in the file before its log began: as new as the file's last change
        saved = f"此表保存于 {log.shown_time(form.saved)}" if form.saved else "此表没有记录保存时间"
        return f"完成值文件在开始收集记录之前最后修改于 {log.shown_time(last.time)}，{saved}，早于该时间"
    saved = f"此表保存于 {log.shown_time(form.saved)}" if form.saved else "此表没有记录保存时间"
    how = "在完成值文件中手工更正" if last.kind == log.BY_HAND else f"用 {src.file} {last.kind}"
    return f"该数已于 {log.shown_time(last.time)} {how}，{saved}，早于{last.kind}"


def collect(
    plan: Plan,
    data_dir: Path,
    paths: list[Path],
    *,
    year: int | None = None,
    part: str | None = None,
    partial: bool = False,
    dry_run: bool = False,
    force: bool = False,
    clock: Callable[[], datetime] = log.now,
) -> Report:
    """Check a batch of filled forms (files or folders) and write their figures into the store.

    Each form goes to the period it records. Raises DataError, changing nothing, when any
    form has a problem and `partial` is false, or when a figure would be reverted by an
    older form and `force` is false. With `partial`, the forms without problems go in (a form
    that would revert a newer figure counts as one with a problem).
    """
    if year is not None and (problem := plan.year_problem(year)):
        raise DataError(problem)
    if part is not None:
        Period.parse_part(year or plan.years[0], part)  # refuses an unknown part
    if not paths:
        raise DataError("没有指定要导入的填报表文件或文件夹")
    files, other = expand(paths)
    if not files:
        raise DataError(f"{'、'.join(map(str, paths))} 中没有 .xlsx 填报表")
    forms = read_batch(files, plan, year, part)
    problems = [p for f in forms for p in f.problems]
    if problems and not partial:
        if not dry_run:  # 收件记录: refused, and why
            with journal.changing(figures_dir(data_dir), COMMAND):
                journal.commit(figures_dir(data_dir), receipts.files(data_dir, forms, batch_refused=True), COMMAND)
        raise DataError(
            f"发现 {len(problems)} 个问题：本批 {len(forms)} 份表格均未导入，完成值文件未改动。"
            "（加 --partial 可只导入没有问题的表格）",
            problems,
        )
    report = Report(forms, [], dry_run, skipped=other)
    # From reading the store to writing it, no other command changes it (one writer at a time),
    # and every period's file and log change together or not at all (storage/journal.py).
    with journal.changing(figures_dir(data_dir), COMMAND) as recovered:
        report.recovered = recovered
        _compare_and_write(plan, data_dir, forms, report, partial=partial, dry_run=dry_run, force=force, clock=clock)
    return report


def _compare_and_write(plan, data_dir, forms, report, *, partial, dry_run, force, clock) -> None:
    moment = clock()
    while True:
        accepted = [f for f in forms if not f.problems]
        report.results, states = [], []
        for period in sorted({f.period for f in accepted}):
            state = log.load_state(plan, data_dir, period)
            result = PeriodResult(period, state.path, state.log_path, by_hand=state.by_hand, baseline=state.baseline)
            result.changes = compare(state.figures, [f for f in accepted if f.period == period], state.history)
            report.results.append(result)
            states.append((result, state))
        reverts = [c for c in report.changes if c.reason]
        if not reverts or force:
            break
        refused = [Problem(c.form.shown, None, f"{_name(c)}：{_what_changes(c)}，{c.reason}", c.place) for c in reverts]
        if not partial:
            for c, problem in zip(reverts, refused, strict=True):
                c.form.problems.append(problem)
            if not dry_run:
                batch = receipts.files(data_dir, forms, batch_refused=True)
                journal.commit(figures_dir(data_dir), batch, COMMAND)
            raise DataError(
                f"以上 {len(reverts)} 项完成值会被较早的表格覆盖（撤销较新的数），本批均未导入，完成值文件未改动。"
                "核对后确需以这些表格为准，请加 --force 重新导入",
                refused,
            )
        # --partial: a form that would take back a newer figure is a form with a problem, left out
        # like the others (and the rest compared again without it).
        for c, problem in zip(reverts, refused, strict=True):
            c.form.problems.append(problem)
    report.forced = reverts
    batch: list[tuple[Path, bytes]] = []
    for result, state in states:
        writing = [c for c in result.changes if c.writes]
        if dry_run or not (writing or result.by_hand):
            continue
        merged = {f.key: f for f in state.figures}
        for c in writing:
            merged[c.figure.key] = c.figure
        batch += log.files(plan, state, list(merged.values()), [_entry(c, moment) for c in writing])
    if not dry_run:  # the receipt register changes with the figures, in the same commit
        batch += receipts.files(data_dir, forms)
    changed = set(journal.commit(figures_dir(data_dir), batch, COMMAND)) if batch else set()
    for result, _ in states:
        result.written = result.path in changed


_KIND_OF_CHANGE = {
    "new": log.NEW,
    "changed": log.CHANGED,
    "note": log.NOTE,
    "withdrawn": log.WITHDRAWN,
    "note_cleared": log.NOTE_CLEARED,
    "confirmed": log.CONFIRMED,
}


def _entry(c: Change, moment: datetime) -> log.Entry:
    old_value, old_note = (c.old.value, c.old.note) if c.old else (None, "")
    f = c.figure
    remark = f"--force：{c.reason}" if c.reason else ""
    return log.Entry(
        moment,
        f.district,
        f.row,
        f.measure,
        old_value,
        f.value,
        old_note,
        f.note,
        _KIND_OF_CHANGE[c.kind],
        c.form.source,
        remark,
    )


def _what_changes(c: Change) -> str:
    """'36 → 34', or for a change of 说明 alone, '说明“…” → “…”' (never '139 → 139')."""
    old_value, old_note = (c.old.value, c.old.note) if c.old else (None, "")
    if old_value == c.figure.value and old_note != c.figure.note:
        return f"说明 {_quoted(old_note)} → {_quoted(c.figure.note)}"
    return f"{_shown(old_value)} → {_shown(c.figure.value)}"


def _name(c: Change) -> str:
    f = c.figure
    return f"{who_of(f.district)} {c.form.period.words} 序号 {f.row}“{f.measure}”"


def describe(report: Report) -> list[str]:
    """The report in words: one line per changed figure, then a summary per period."""
    lines = [f"注意：{said}。" for said in report.recovered]
    for result in report.results:
        label = str(result.period.year) if result.period.is_year else result.period.words
        for e in result.by_hand:
            lines.append(
                f"发现手工更正 {who_of(e.district)} {label} {e.measure}：{_shown(e.old_value)} → {_shown(e.new_value)}"
                + (f"，说明“{e.new_note}”" if e.new_note != e.old_note else "")
                + ("（将记入收集记录）" if report.dry_run else "（已记入收集记录）")
            )
        for c in result.changes:
            f, name = c.figure, f"{who_of(c.figure.district)} {label} {c.figure.measure}"
            forced = f"（--force：{c.reason}）" if c.reason else ""
            dropped = (
                f"（原说明“{c.dropped_note}”说明的是改动前的情况，已一并清除；仍适用请在表中重填说明）"
                if c.dropped_note
                else ""
            )
            said = f"，说明“{f.note}”" if f.note and f.value is not None else ""  # a 说明 saved is echoed
            if c.kind == "new":
                shown = format_value(f.value) if f.value is not None else f"（说明）{f.note}"
                lines.append(f"新增 {name}：{shown}{said}{forced}{dropped}")
            elif c.kind == "changed":
                said = said if f.note != c.old.note else ""
                lines.append(f"{name}：{_shown(c.old.value)} → {_shown(f.value)}{said}{forced}{dropped}")
            elif c.kind == "note":
                lines.append(f"{name}：说明改为“{f.note}”{forced}")
            elif c.kind == "withdrawn":
                lines.append(f"撤回 {name}：{_shown(c.old.value)} → （空）{forced}")
            elif c.kind == "note_cleared":
                lines.append(f"{name}：清除说明“{c.old.note}”{forced}")
        summary = (
            f"{label}：新增 {result.count('new')} 项，修改 {result.count('changed')} 项，"
            f"说明更新 {result.count('note') + result.count('note_cleared')} 项，撤回 {result.count('withdrawn')} 项，"
            f"未变 {result.count('unchanged') + result.count('confirmed')} 项"
        )
        if result.count("kept"):
            summary += f"，留空而保留原值 {result.count('kept')} 项"
        summary += "。"
        if report.dry_run:
            summary += f"试运行：未写入 {result.path}。"
        elif result.written:
            summary += f"已写入 {result.path}，改动记入 {result.log_path.name}。"
        elif result.by_hand or any(c.writes for c in result.changes):
            summary += f"{result.path} 无需改动，来源记入 {result.log_path.name}。"
        else:
            summary += f"{result.path} 无需改动。"
        lines.append(summary)
    accepted = len(report.accepted)
    head = f"{len(report.forms)} 份表格，导入 {accepted} 份。"
    if report.skipped:
        head += f"跳过 {len(report.skipped)} 个不是 Excel 工作簿的文件。"
    lines.append(head)
    return lines


def _quoted(note: str) -> str:
    return f"“{note}”" if note else "（空）"


def _shown(value: float | None) -> str:
    return "（空）" if value is None else format_value(value)
