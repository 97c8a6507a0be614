"""Collecting filled forms: check every cell, then lay the figures over the store.

First every form of the batch is read and checked (gather everything, then write): a value
that is not a number, a negative number, a rate over 100, a form of another district or
period than it claims, an edited target, a missing or unknown row, merged cells, a file that
is not a workbook, two forms of one district. Each problem names the file, sheet and cell.
Any problem refuses the whole batch unless `partial` is set, in which case the good forms go
in and the bad ones are left out. A blank cell never erases a stored figure.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import load_workbook

from qdocgen.errors import DataError, Problem, UserError, os_error_text
from qdocgen.figures.forms import (
    HEADERS,
    KIND_OF_FORM,
    META_KEYS,
    META_SHEET,
    SHEET,
    FormLine,
    find_header,
    form_lines,
    number_cell,
    parse_file_name,
    who_of,
)
from qdocgen.figures.period import Period
from qdocgen.figures.store import (
    Figure,
    merge_figures,
    parse_figures,
    period_file,
    read_figures_file,
    render_figures_csv,
)
from qdocgen.figures.values import BadValue, format_value, parse_value
from qdocgen.plan.model import CITY, Plan
from qdocgen.render.package import write_atomic

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
TARGET_TOLERANCE = 0.005


@dataclass
class Form:
    """One filled form as read: whose it is, its figures, and what is wrong with it."""

    path: Path
    who: str | None = None  # 南海区 or 全市, once known
    period: Period | None = None
    figures: list[Figure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return str(self.path)

    def problem(self, message: str, place: str | None = None) -> None:
        self.problems.append(Problem(self.shown, None, message, place))


@dataclass
class Change:
    """One figure of a form compared with the store."""

    figure: Figure
    old: Figure | None
    # new, changed, note (only 说明 changed), unchanged, kept (a blank row: the store keeps
    # what it has), blank (a blank row and nothing stored: nothing to do)
    kind: str


@dataclass
class Report:
    """What collecting a batch did (or, with dry_run, would do) to the store."""

    period: Period
    path: Path
    forms: list[Form]
    changes: list[Change]
    written: bool
    dry_run: bool

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.forms for p in f.problems]

    @property
    def accepted(self) -> list[Form]:
        return [f for f in self.forms if not f.problems]

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


# ---------------------------------------------------------------- reading one form


def read_form(path: Path, plan: Plan, period: Period) -> Form:
    """Read and check one filled form against the plan for `period`."""
    form = Form(Path(path))
    books = _open(form)
    if books is None:
        return form
    values, formulas = books
    meta = _meta(form, values, plan)
    if meta is None:
        return form
    who, claimed = meta
    form.who, form.period = who, claimed
    _check_claims(form, plan, period)
    if SHEET not in values.sheetnames:
        form.problem(f"没有名为“{SHEET}”的工作表（工作表名称不能改动）")
        return form
    _read_rows(form, plan, values[SHEET], formulas[SHEET])
    return form


def _open(form: Form):
    try:
        data = form.path.read_bytes()
    except FileNotFoundError:
        form.problem("文件不存在")
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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = load_workbook(io.BytesIO(data), data_only=True)
            formulas = load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # a damaged zip or a zip that is not a workbook: openpyxl raises many kinds
        form.problem("无法打开：文件已损坏或不是 xlsx 工作簿，请重新保存后报送")
        return None
    return values, formulas


def _meta(form: Form, wb, plan: Plan) -> tuple[str, Period] | None:
    """(who, period) recorded in the workbook; None, with a problem, when missing or inconsistent."""
    sources: list[dict[str, str]] = []
    if META_SHEET in wb.sheetnames:
        rows = wb[META_SHEET].iter_rows(min_row=2, max_row=50, max_col=2, values_only=True)  # 4 rows written
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
    return who, claimed


def _check_claims(form: Form, plan: Plan, period: Period) -> None:
    """The form's file name and the batch's period must agree with what the workbook records."""
    named = parse_file_name(form.path.name)
    if named is not None:
        name_who, name_period = named
        district = plan.district(name_who)
        name_who = district.name if district else name_who
        if name_who != form.who:
            form.problem(f"文件名写的是{name_who}的填报表，但表格内记录的是{form.who}的填报表")
        if name_period != form.period:
            form.problem(f"文件名写的是{name_period.words}，但表格内记录的是{form.period.words}")
    if form.period != period:
        form.problem(f"这是{form.period.words}的填报表，本次导入的是{period.words}")


def _read_rows(form: Form, plan: Plan, ws, ws_formulas) -> None:
    try:
        header, cols = find_header(ws, form.shown)
    except Exception:
        form.problem(f"工作表“{SHEET}”中找不到表头行（应有 {'、'.join(HEADERS)} 六列）")
        return
    first_col, last_col = min(cols.values()), max(cols.values())
    # The table ends at the first blank row, or at a text line merged across the table (the footer).
    lines = {rng.min_row for rng in ws.merged_cells.ranges if rng.min_col <= first_col and rng.max_col >= last_col}
    last = header
    while (
        last < ws.max_row
        and last + 1 not in lines
        and any(ws.cell(last + 1, c).value not in (None, "") for c in cols.values())
    ):
        last += 1
    merged = False
    for rng in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        if rng.max_row >= header and rng.min_row <= last and rng.max_col >= first_col and rng.min_col <= last_col:
            form.problem("表格中有合并单元格，请取消合并，每个指标一行、每格一个值", f"{SHEET}!{rng.coord}")
            merged = True
    if merged:
        return

    district = None if form.who == CITY else form.who
    expected = {(ln.measure.row, ln.measure.name): ln for ln in form_lines(plan, form.period, district)}
    seen: dict[tuple[int, str], int] = {}
    for r in range(header + 1, last + 1):
        key = _row_key(ws, r, cols)
        line = expected.get(key) if key else None
        if line is None:
            shown = f"序号“{_text(ws.cell(r, cols['序号']).value)}”“{_text(ws.cell(r, cols['指标']).value)}”"
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
        figure = _read_line(form, ws, ws_formulas, r, cols, line, district)
        if figure is not None:
            form.figures.append(figure)
    for key in expected:
        if key not in seen:
            form.problem(
                f"缺少指标行：序号 {key[0]}“{key[1]}”（请使用下发的填报表，不要删除行）", f"{SHEET}!{header + 1}:{last}"
            )


def _row_key(ws, r: int, cols: dict[str, int]) -> tuple[int, str] | None:
    raw_no, name = ws.cell(r, cols["序号"]).value, ws.cell(r, cols["指标"]).value
    try:
        no = int(float(str(raw_no).strip()))
    except (ValueError, OverflowError):  # not a number, or inf
        return None
    return no, _text(name)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_line(form: Form, ws, ws_formulas, r: int, cols: dict[str, int], line: FormLine, district) -> Figure | None:
    """The figure of one data row, or None (with problems recorded) when a cell is wrong."""
    ok = True
    unit_cell = ws.cell(r, cols["单位"])
    if _text(unit_cell.value) != line.unit:
        form.problem(
            f"单位被改动：表中为“{_text(unit_cell.value)}”，应为“{line.unit}”", f"{SHEET}!{unit_cell.coordinate}"
        )
        ok = False
    target_cell = ws.cell(r, cols["目标值"])
    if not _same_target(target_cell.value, line.shown_target):
        form.problem(
            f"目标值被改动：表中为“{_text(target_cell.value)}”，计划为“{_text(line.shown_target)}”（目标值不能修改）",
            f"{SHEET}!{target_cell.coordinate}",
        )
        ok = False
    cell = ws.cell(r, cols["完成值"])
    place = f"{SHEET}!{cell.coordinate}"
    raw = cell.value
    if ws_formulas.cell(r, cols["完成值"]).data_type == "f" and raw is None:
        form.problem("完成值是公式但没有计算结果：请在 Excel 中打开并保存，或直接填写数值", place)
        return None
    m = line.measure
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and "%" in (cell.number_format or ""):
        raw = format_value(round(raw * 100, 9)) + "%"  # typed as 95.2% in Excel: stored as 0.952
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
    note = _text(ws.cell(r, cols["说明"]).value)
    if not ok:
        return None
    return Figure(district, m.row, m.name, value, note, Path(form.path).name)


def _same_target(value: object, expected: object) -> bool:
    if isinstance(expected, str):
        return _text(value) == expected
    if isinstance(value, bool):
        return False
    try:
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return False
    return abs(number_cell(number) - float(expected)) <= TARGET_TOLERANCE


# ---------------------------------------------------------------- a batch


def read_batch(paths: list[Path], plan: Plan, period: Period) -> list[Form]:
    """Read every form; flag a second form of the same district in the batch."""
    forms = [read_form(Path(p), plan, period) for p in paths]
    first: dict[str, Form] = {}
    for form in forms:
        if form.who is None:
            continue
        if form.who in first:
            form.problem(f"与 {first[form.who].shown} 同为{form.who}的填报表：一次只能导入一个区的一份表格")
        else:
            first[form.who] = form
    return forms


def compare(old: list[Figure], new: list[Figure]) -> list[Change]:
    """How each figure from the forms stands against the store."""
    stored = {f.key: f for f in old}
    changes = []
    for f in new:
        kept = stored.get(f.key)
        if kept is not None and not f.note:
            f = replace(f, note=kept.note)  # a blank 说明 cell keeps the stored note, as 完成值 does
        if kept is None:
            kind = "blank" if f.value is None and not f.note else "new"
        elif f.note != kept.note and f.value in (None, kept.value):
            kind = "note"
        elif f.value is None:
            kind = "unchanged" if kept.value is None else "kept"  # a blank 完成值 keeps the stored one
        elif f.value != kept.value:
            kind = "changed"
        else:
            kind = "unchanged"
        changes.append(Change(f, kept, kind))
    return changes


def collect(
    plan: Plan, data_dir: Path, period: Period, paths: list[Path], *, partial: bool = False, dry_run: bool = False
) -> Report:
    """Check a batch of filled forms and write their figures into the store for `period`.

    Raises DataError, changing nothing, when any form has a problem and `partial` is false.
    With `partial`, the forms without problems go in; the report lists the others' problems.
    """
    if problem := plan.year_problem(period.year):
        raise DataError(problem)
    if not paths:
        raise DataError("没有指定要导入的填报表文件")
    forms = read_batch(paths, plan, period)
    problems = [p for f in forms for p in f.problems]
    if problems and not partial:
        raise DataError(
            f"发现 {len(problems)} 个问题：本批 {len(forms)} 份表格均未导入，完成值文件未改动。"
            "（加 --partial 可只导入没有问题的表格）",
            problems,
        )
    path = period_file(data_dir, period)
    old: list[Figure] = []
    before = None
    if path.is_file():
        before = path.read_bytes()
        old, found = read_figures_file(path, plan)
        if found:
            raise DataError("完成值文件有问题，请先修正后再导入（可运行 qdocgen check）", found)
    changes = compare(old, [fig for form in forms if not form.problems for fig in form.figures])
    # A figure confirmed unchanged still takes the form as its source (it may have been 示例数据).
    new = [
        c.figure
        for c in changes
        if c.kind in ("new", "changed", "note") or (c.kind == "unchanged" and c.old.source != c.figure.source)
    ]
    written = False
    if new and not dry_run:
        data = render_figures_csv(plan, merge_figures(old, new))
        _, found = parse_figures(data.decode("utf-8-sig"), str(path), plan)
        if found:  # never write a store that `qdocgen check` would refuse
            raise DataError("内部错误：导入后的完成值文件未通过检查，未写入", found)
        written = data != before and write_atomic(path, data)
    return Report(period, path, forms, changes, written, dry_run)


def describe(report: Report) -> list[str]:
    """The report in words: one line per changed figure, then a summary."""
    label = str(report.period.year) if report.period.is_year else report.period.words
    lines = []
    for c in report.changes:
        f, name = c.figure, f"{who_of(c.figure.district)} {label} {c.figure.measure}"
        if c.kind == "new":
            shown = format_value(f.value) if f.value is not None else f"（说明）{f.note}"
            lines.append(f"新增 {name}：{shown}")
        elif c.kind == "changed":
            lines.append(f"{name}：{_shown(c.old.value)} → {_shown(f.value)}")
        elif c.kind == "note":
            lines.append(f"{name}：说明改为“{f.note}”")
    accepted = len(report.accepted)
    summary = (
        f"{len(report.forms)} 份表格，导入 {accepted} 份；新增 {report.count('new')} 项，"
        f"修改 {report.count('changed')} 项，说明更新 {report.count('note')} 项，未变 {report.count('unchanged')} 项"
    )
    if report.count("kept"):
        summary += f"，留空而保留原值 {report.count('kept')} 项"
    summary += "。"
    if report.dry_run:
        summary += f"试运行：未写入 {report.path}。"
    elif report.written:
        summary += f"已写入 {report.path}。"
    else:
        summary += f"{report.path} 无需改动。"
    lines.append(summary)
    return lines


def _shown(value: float | None) -> str:
    return "（空）" if value is None else format_value(value)
