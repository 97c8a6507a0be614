"""Collecting filled forms: check every cell, then lay the figures over the store.

First every form of the batch is read and checked (gather everything, then write): a value
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

import hashlib
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from openpyxl import load_workbook

from qdocgen.errors import DataError, Problem, UserError, os_error_text
from qdocgen.figures import log, plausible
from qdocgen.figures.forms import (
    HEADERS,
    KIND_OF_FORM,
    META_KEYS,
    META_SHEET,
    SHEET,
    WITHDRAW,
    FormLine,
    find_header,
    form_lines,
    number_cell,
    parse_file_name,
    shown_text,
    target_cells,
    who_of,
)
from qdocgen.figures.period import Period
from qdocgen.figures.store import Figure
from qdocgen.figures.values import BadValue, format_value, parse_value
from qdocgen.plan.model import CITY, Plan

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
TARGET_TOLERANCE = 0.005
CLEAR_NOTE = "撤回说明"  # typed in 说明: clear the stored 说明, keep the figure
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
MAX_BLANK_RUN = 50


@dataclass(frozen=True)
class Reported:
    """One row of a form as the district meant it."""

    figure: Figure  # value None: the cell was blank (or the figure is withdrawn)
    place: str  # the 完成值 cell, e.g. 填报!E14
    withdraw: bool = False  # 撤回: take back the figure and its 说明
    clear_note: bool = False  # 撤回说明: clear the stored 说明


@dataclass
class Form:
    """One filled form as read: whose it is, its figures, and what is wrong with it."""

    path: Path
    who: str | None = None  # 南海区 or 全市, once known
    period: Period | None = None
    sha256: str = ""
    saved: datetime | None = None  # the workbook's own save time (docProps modified)
    rows: list[Reported] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # said, not refused: a revised target, a doubtful value

    @property
    def shown(self) -> str:
        return str(self.path)

    @property
    def figures(self) -> list[Figure]:
        return [r.figure for r in self.rows]

    @property
    def source(self) -> log.Source:
        return log.Source(
            self.path.name, self.sha256, self.who or "", self.period.key if self.period else "", self.saved
        )

    def problem(self, message: str, place: str | None = None) -> None:
        self.problems.append(Problem(self.shown, None, message, place))

    def note(self, message: str, place: str | None = None) -> None:
        self.notes.append(Problem(self.shown, None, message, place))


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


# ---------------------------------------------------------------- reading one form


def read_form(path: Path, plan: Plan, year: int | None = None, part: str | None = None) -> Form:
    """Read and check one filled form against the plan; `year`/`part`, if given, must match it."""
    form = Form(Path(path))
    books = _open(form)
    if books is None:
        return form
    values, formulas = books
    meta = _meta(form, values, plan)
    if meta is None:
        return form
    who, claimed, digest = meta
    form.who, form.period = who, claimed
    _check_claims(form, plan, year, part)
    if claimed.year not in plan.years:
        form.problem(f"表格记录的年度 {claimed.year} 不在计划年度 {plan.years[0]}—{plan.years[-1]} 内")
        return form
    if SHEET not in values.sheetnames:
        form.problem(f"没有名为“{SHEET}”的工作表（工作表名称不能改动）")
        return form
    _read_rows(form, plan, values[SHEET], formulas[SHEET], digest)
    return form


def _open(form: Form):
    try:
        data = form.path.read_bytes()
    except FileNotFoundError:
        form.problem("文件不存在")
        return None
    except IsADirectoryError:
        form.problem("这是一个文件夹，不是文件")
        return None
    except OSError as exc:
        form.problem(f"无法读取文件：{os_error_text(exc)}")
        return None
    if data.startswith(_OLE_MAGIC):
        form.problem("不是 xlsx 文件：是旧版 .xls 格式或加了密码的工作簿，请在 Excel 中另存为不加密的 .xlsx")
        return None
    if not data.startswith(_ZIP_MAGIC):
        form.problem("不是 xlsx 文件（文件内容不是 Excel 工作簿），请报送由填报表填写的 .xlsx 文件")
        return None
    form.sha256 = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = load_workbook(io.BytesIO(data), data_only=True)
            formulas = load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # a damaged zip or a zip that is not a workbook: openpyxl raises many kinds
        form.problem("无法打开：文件已损坏或不是 xlsx 工作簿，请重新保存后报送")
        return None
    modified = values.properties.modified
    if isinstance(modified, datetime):  # openpyxl reads the W3CDTF time as naive UTC
        form.saved = (modified if modified.tzinfo else modified.replace(tzinfo=timezone.utc)).replace(microsecond=0)
    return values, formulas


def _meta(form: Form, wb, plan: Plan) -> tuple[str, Period, str | None] | None:
    """(who, period, targets digest) recorded in the workbook; None, with a problem, when missing or inconsistent."""
    sources: list[dict[str, str]] = []
    if META_SHEET in wb.sheetnames:
        rows = wb[META_SHEET].iter_rows(min_row=2, max_row=50, max_col=2, values_only=True)  # 5 rows written
        sources.append({str(k).strip(): str(v).strip() for k, v in rows if k is not None and v is not None})
    props = {p.name: str(p.value) for p in wb.custom_doc_props}
    sources.append({k: props[n] for k, n in META_KEYS.items() if n in props})
    names = {}
    for key, name in META_KEYS.items():
        dn = wb.defined_names.get(name)
        if dn is not None and dn.attr_text and dn.attr_text.startswith('"'):
            names[key] = dn.attr_text[1:-1].replace('""', '"')
    sources.append(names)
    meta: dict[str, str] = {}
    for source in sources:
        for key, value in source.items():
            if key in meta and meta[key] != value:
                form.problem(
                    f"表格信息前后不一致（“{key}”既是“{meta[key]}”又是“{value}”），表格可能被改动过，请重新下发填报表"
                )
                return None
            meta.setdefault(key, value)
    if meta.get("表格") != KIND_OF_FORM or not {"区", "年度", "时段"} <= meta.keys():
        form.problem("不是 qdocgen 生成的填报表（缺少区、年度、时段等表格信息），请使用下发的填报表填写")
        return None
    if meta["区"] == CITY:
        who = CITY
    else:
        district = plan.district(meta["区"])
        if district is None:
            form.problem(f"表格记录的区“{meta['区']}”不是 {'、'.join(plan.district_names)} 之一")
            return None
        who = district.name
    try:
        claimed = Period.parse_part(int(meta["年度"]), meta["时段"])
    except (ValueError, UserError):
        form.problem(f"表格记录的年度或时段无效：{meta['年度']} {meta['时段']}")
        return None
    return who, claimed, meta.get("目标摘要")


def _check_claims(form: Form, plan: Plan, year: int | None, part: str | None) -> None:
    """The form's file name and the options given must agree with what the workbook records."""
    named = parse_file_name(form.path.name)
    if named is not None:
        name_who, name_period = named
        district = plan.district(name_who)
        name_who = district.name if district else name_who
        if name_who != form.who:
            form.problem(f"文件名写的是{name_who}的填报表，但表格内记录的是{form.who}的填报表")
        if name_period != form.period:
            form.problem(f"文件名写的是{name_period.words}，但表格内记录的是{form.period.words}")
    if year is not None and form.period.year != year:
        form.problem(f"这是{form.period.words}的填报表，本次导入的是{year}年（--year {year}）")
    elif part is not None and form.period.part.lower() != part.lower():
        asked = Period.parse_part(form.period.year, part)
        form.problem(f"这是{form.period.words}的填报表，本次导入的是{asked.words}（--period {part}）")


def _read_rows(form: Form, plan: Plan, ws, ws_formulas, digest: str | None) -> None:
    try:
        header, cols = find_header(ws, form.shown)
    except Exception:
        form.problem(f"工作表“{SHEET}”中找不到表头行（应有 {'、'.join(HEADERS)} 六列）")
        return
    first_col, last_col = min(cols.values()), max(cols.values())
    # The table ends at the footer: the first text line merged across the table (or the sheet's end).
    footer = min(
        (
            rng.min_row
            for rng in ws.merged_cells.ranges
            if rng.min_row > header and rng.min_col <= first_col and rng.max_col >= last_col
        ),
        default=ws.max_row + 1,
    )

    def blank(r: int) -> bool:
        return all(ws.cell(r, c).value in (None, "") for c in cols.values())

    def text_line(r: int) -> bool:  # a line of text in the first column only: the footer, unmerged
        first = ws.cell(r, first_col).value
        others = [ws.cell(r, c).value for c in cols.values() if c != first_col]
        return isinstance(first, str) and _row_key(ws, r, cols) is None and all(v in (None, "") for v in others)

    # The data end at the last row before the footer that holds data; a run of blank rows
    # longer than any cleared stretch of a form ends the search (a stray cell far below).
    last, run = header, 0
    for r in range(header + 1, footer):
        if blank(r):
            run += 1
            if run > MAX_BLANK_RUN:
                break
        else:
            run = 0
            if not text_line(r):
                last = r
    merged = False
    for rng in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        if rng.max_row >= header and rng.min_row <= last and rng.max_col >= first_col and rng.min_col <= last_col:
            form.problem("表格中有合并单元格，请取消合并，每个指标一行、每格一个值", f"{SHEET}!{rng.coord}")
            merged = True
    if merged:
        return

    district = None if form.who == CITY else form.who
    lines = form_lines(plan, form.period, district)
    expected = {(ln.measure.row, ln.measure.name): ln for ln in lines}
    seen: dict[tuple[int, str], int] = {}
    blanks: list[int] = []
    shown_cells: list[tuple[int, str, str, object]] = []
    revised: list[tuple[str, str, str]] = []  # (message, place, note) of targets differing from the plan
    for r in range(header + 1, last + 1):
        if blank(r):
            blanks.append(r)
            continue
        key = _row_key(ws, r, cols)
        line = expected.get(key) if key else None
        shown_cells.append(
            tuple(ws.cell(r, cols[h]).value for h in ("序号", "指标", "单位", "目标值"))  # type: ignore[arg-type]
        )
        if line is None:
            shown = f"序号“{shown_text(ws.cell(r, cols['序号']).value)}”“{shown_text(ws.cell(r, cols['指标']).value)}”"
            form.problem(
                f"多出的行：{shown}不是本表的指标（请勿增加或改动行）", f"{SHEET}!{ws.cell(r, cols['序号']).coordinate}"
            )
            continue
        if key in seen:
            form.problem(
                f"与第 {seen[key]} 行重复：序号 {key[0]}“{key[1]}”", f"{SHEET}!{ws.cell(r, cols['序号']).coordinate}"
            )
            continue
        seen[key] = r
        reported = _read_line(form, ws, ws_formulas, r, cols, line, district, revised)
        if reported is not None:
            form.rows.append(reported)
    if revised:
        issued_as_is = (
            digest is not None
            and target_cells([(shown_text(a), shown_text(b), shown_text(c), d) for a, b, c, d in shown_cells]) == digest
        )
        for message, place, note in revised:
            if issued_as_is:
                form.note(note, place)
            else:
                form.problem(message, place)
        if not issued_as_is:
            form.rows.clear()
    missing = [key for key in expected if key not in seen]
    for i, r in enumerate(blanks):
        should = f"（应为序号 {missing[i][0]}“{missing[i][1]}”）" if len(missing) == len(blanks) else ""
        form.problem(
            f"第 {r} 行是空行{should}：序号、指标等被清空，请从下发的填报表恢复该行后再报送",
            f"{SHEET}!{r}:{r}",
        )
    if len(missing) != len(blanks):
        for key in missing:
            form.problem(
                f"缺少指标行：序号 {key[0]}“{key[1]}”（请使用下发的填报表，不要删除行）", f"{SHEET}!{header + 1}:{last}"
            )


def _row_key(ws, r: int, cols: dict[str, int]) -> tuple[int, str] | None:
    raw_no, name = ws.cell(r, cols["序号"]).value, ws.cell(r, cols["指标"]).value
    try:
        no = int(float(str(raw_no).strip()))
    except (ValueError, OverflowError):  # not a number, or inf
        return None
    return no, shown_text(name)


def _read_line(form: Form, ws, ws_formulas, r, cols, line: FormLine, district, revised: list) -> Reported | None:
    """What one data row reports, or None (with problems recorded) when a cell is wrong."""
    unit_cell = ws.cell(r, cols["单位"])
    if shown_text(unit_cell.value) != line.unit:
        place = f"{SHEET}!{unit_cell.coordinate}"
        revised.append(
            (
                f"单位被改动：表中为“{shown_text(unit_cell.value)}”，应为“{line.unit}”",
                place,
                f"计划已修订：表中单位为“{shown_text(unit_cell.value)}”，现行为“{line.unit}”，完成值按表中所填导入",
            )
        )
    target_cell = ws.cell(r, cols["目标值"])
    if not _same_target(target_cell.value, line.shown_target):
        place = f"{SHEET}!{target_cell.coordinate}"
        was, now_ = shown_text(target_cell.value), shown_text(line.shown_target)
        revised.append(
            (
                f"目标值被改动：表中为“{was}”，计划为“{now_}”（目标值不能修改）",
                place,
                f"下发此表后目标已修订：表中目标为“{was}”，现行目标为“{now_}”，完成情况按现行目标评估",
            )
        )
    cell = ws.cell(r, cols["完成值"])
    place = f"{SHEET}!{cell.coordinate}"
    raw = cell.value
    if ws_formulas.cell(r, cols["完成值"]).data_type == "f" and raw is None:
        form.problem("完成值是公式但没有计算结果：请在 Excel 中打开并保存，或直接填写数值", place)
        return None
    m = line.measure
    percent = False
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and "%" in (cell.number_format or ""):
        raw = format_value(round(raw * 100, 9)) + "%"  # typed as 95.2% in Excel: stored as 0.952
    if isinstance(raw, str):
        percent = raw.strip().endswith(("%", "％"))
    note = shown_text(ws.cell(r, cols["说明"]).value)
    withdraw = shown_text(raw) == WITHDRAW or note == WITHDRAW
    clear_note = note in (WITHDRAW, CLEAR_NOTE)
    if shown_text(raw) == WITHDRAW:
        raw = None
    if note == WITHDRAW and raw not in (None, ""):
        form.problem(
            f"完成值填了“{shown_text(raw)}”，说明却写“{WITHDRAW}”：要撤回已报的数请清空完成值；只清除说明请填“{CLEAR_NOTE}”",
            place,
        )
        return None
    if note in (WITHDRAW, CLEAR_NOTE):
        note = ""
    if not line.takes_value:
        if raw not in (None, ""):
            form.problem(f"“{m.name}”是定性任务，完成值应留空，情况写在“说明”中", place)
            return None
        value = None
    else:
        try:
            value = parse_value(raw, rate=m.is_rate, milestone=m.kind == "milestone")
        except BadValue as exc:
            form.problem(str(exc), place)
            return None
        refused, doubts = plausible.check(m, value, line.target, percent_written=percent)
        if refused:
            form.problem(refused, place)
            return None
        for doubt in doubts:
            form.note(f"{who_of(district)}“{m.name}”完成值{doubt}", place)
    figure = Figure(district, m.row, m.name, value, note, Path(form.path).name)
    return Reported(figure, place, withdraw=withdraw, clear_note=clear_note)


def _same_target(value: object, expected: object) -> bool:
    if isinstance(expected, str):
        return shown_text(value) == expected
    if isinstance(value, bool):
        return False
    try:
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return False
    return abs(number_cell(number) - float(expected)) <= TARGET_TOLERANCE


# ---------------------------------------------------------------- a batch


def read_batch(paths: list[Path], plan: Plan, year: int | None = None, part: str | None = None) -> list[Form]:
    """Read every form; flag a second form of the same district and period in the batch."""
    forms = [read_form(Path(p), plan, year, part) for p in paths]
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
            new = replace(f, value=value, note=note, line=0)
            if (value, note) == (old_value, old_note):
                if kept is None:
                    kind = "blank"
                elif f.value is None and not row.clear_note and old_value is not None:
                    kind = "kept"
                elif kept.source != f.source and not _older(form, history.get(f.key, [])):
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
            change = Change(new, kept, kind, form, row.place)
            if change.writes and kind != "confirmed":
                change.reason = _older(form, history.get(f.key, []))
                if change.reason and kind == "changed" and not f.note:
                    # An older value taken back (--force) does not keep the newer one's 说明.
                    change.figure = new = replace(new, note="")
            changes.append(change)
            if change.writes:
                stored[f.key] = new
    return changes


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
    if last.kind == log.BASELINE:
        return ""
    if form.saved is not None and form.saved > last.time:
        return ""
    saved = f"此表保存于 {log.shown_time(form.saved)}" if form.saved else "此表没有记录保存时间"
    what = "手工更正" if last.kind == log.BY_HAND else f"用 {src.file} {last.kind}"
    return f"该数已于 {log.shown_time(last.time)} {what}，{saved}，早于{what.removeprefix('用 ')}"


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
    older form and `force` is false. With `partial`, the forms without problems go in.
    """
    if year is not None and year not in plan.years:
        raise DataError(f"年度 {year} 不在计划年度 {plan.years[0]}—{plan.years[-1]} 内")
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
        raise DataError(
            f"发现 {len(problems)} 个问题：本批 {len(forms)} 份表格均未导入，完成值文件未改动。"
            "（加 --partial 可只导入没有问题的表格）",
            problems,
        )
    accepted = [f for f in forms if not f.problems]
    report = Report(forms, [], dry_run, skipped=other)
    moment = clock()
    states: list[tuple[PeriodResult, log.PeriodState]] = []
    for period in sorted({f.period for f in accepted}):
        state = log.load_state(plan, data_dir, period)
        result = PeriodResult(period, state.path, state.log_path, by_hand=state.by_hand, baseline=state.baseline)
        result.changes = compare(state.figures, [f for f in accepted if f.period == period], state.history)
        report.results.append(result)
        states.append((result, state))
    reverts = [c for c in report.changes if c.reason]
    if reverts and not force:
        raise DataError(
            f"以上 {len(reverts)} 项完成值会被较早的表格覆盖（撤销较新的数），本批均未导入，完成值文件未改动。"
            "核对后确需以这些表格为准，请加 --force 重新导入",
            [
                Problem(
                    c.form.shown,
                    None,
                    f"{_name(c)}：{_shown(_old_value(c))} → {_shown(c.figure.value)}，{c.reason}",
                    c.place,
                )
                for c in reverts
            ],
        )
    report.forced = reverts
    for result, state in states:
        writing = [c for c in result.changes if c.writes]
        if dry_run or not (writing or result.by_hand):
            continue
        merged = {f.key: f for f in state.figures}
        for c in writing:
            merged[c.figure.key] = c.figure
        result.written = log.commit(plan, state, list(merged.values()), [_entry(c, moment) for c in writing])
    return report


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


def _old_value(c: Change) -> float | None:
    return c.old.value if c.old else None


def _name(c: Change) -> str:
    f = c.figure
    return f"{who_of(f.district)} {c.form.period.words} 序号 {f.row}“{f.measure}”"


def describe(report: Report) -> list[str]:
    """The report in words: one line per changed figure, then a summary per period."""
    lines = []
    for result in report.results:
        label = str(result.period.year) if result.period.is_year else result.period.words
        for e in result.by_hand:
            lines.append(
                f"发现手工更正 {who_of(e.district)} {label} {e.measure}：{_shown(e.old_value)} → {_shown(e.new_value)}"
                + (f"，说明“{e.new_note}”" if e.new_note != e.old_note else "")
                + "（已记入收集记录）"
            )
        for c in result.changes:
            f, name = c.figure, f"{who_of(c.figure.district)} {label} {c.figure.measure}"
            forced = f"（--force：{c.reason}）" if c.reason else ""
            if c.kind == "new":
                shown = format_value(f.value) if f.value is not None else f"（说明）{f.note}"
                lines.append(f"新增 {name}：{shown}{forced}")
            elif c.kind == "changed":
                lines.append(f"{name}：{_shown(c.old.value)} → {_shown(f.value)}{forced}")
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


def _shown(value: float | None) -> str:
    return "（空）" if value is None else format_value(value)
