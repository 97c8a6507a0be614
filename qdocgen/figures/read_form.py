"""Reading one filled form: who and which period it is, what each row reports, and every
problem with it, located by sheet and cell. Nothing here touches the store.

Checked: the workbook opens and is a qdocgen form; the identity recorded three ways agrees
with itself, the file name and the options given; the rows are the form's rows (a cleared
row is one problem naming it); units and targets are as issued (a target revised in the
plan since the form was issued is a note, not a problem); each 完成值 is a number and
plausible (figures/plausible.py); 撤回 / 撤回说明 in 说明 withdraw (docs/plan_data.md).
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from openpyxl import load_workbook

from qdocgen.errors import Problem, UserError, os_error_text
from qdocgen.figures import log, plausible, signature
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
    lines_digest,
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
MAX_BLANK_RUN = 50
# Limits checked before a workbook is read (a form of the largest plan is a few hundred rows and
# well under 1 MB unpacked): a zip bomb or a million-row sheet is refused as too large at once.
MAX_UNPACKED = 50 * 2**20
MAX_MEMBERS = 500
MAX_ROWS = 20_000


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
    who, claimed, digest, signed = meta
    form.who, form.period = who, claimed
    if not _check_signature(form, plan, signed, digest):
        return form
    _check_claims(form, plan, year, part)
    if problem := plan.year_problem(claimed.year):
        form.problem(f"表格记录的{problem}")
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
    too_large = _too_large(data)
    if too_large:
        form.problem(
            f"文件过大：{too_large}，远超任何填报表（通常解压后不到 1 MB、几百行），未读取。"
            "这不是下发的填报表，或被加入了大量内容；请用下发的填报表重新填写后报送"
        )
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = load_workbook(io.BytesIO(data), data_only=True)
            formulas = load_workbook(io.BytesIO(data), data_only=False)
    except MemoryError:
        form.problem("文件过大：读取时内存不足，未读取。请用下发的填报表重新填写后报送")
        return None
    except Exception:  # a damaged zip or a zip that is not a workbook: openpyxl raises many kinds
        form.problem("无法打开：文件已损坏或不是 xlsx 工作簿，请重新保存后报送")
        return None
    modified = values.properties.modified
    if isinstance(modified, datetime):  # openpyxl reads the W3CDTF time as naive UTC
        form.saved = (modified if modified.tzinfo else modified.replace(tzinfo=timezone.utc)).replace(microsecond=0)
    return values, formulas


def _too_large(data: bytes) -> str:
    """Why a workbook is too large to be a form ('' if it is not), found before it is read: the
    zip's declared sizes (zipfile never inflates a member past its declared size, so a lie there
    ends in a damaged-file error, not in memory), then each sheet's rows, counted while inflating."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > MAX_MEMBERS:
                return f"工作簿由 {len(infos)} 个部件组成（上限 {MAX_MEMBERS}）"
            total = sum(i.file_size for i in infos)
            if total > MAX_UNPACKED:
                return f"解压后共 {_size(total)}（上限 {_size(MAX_UNPACKED)}）"
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    rows = _count_rows(z, info, MAX_ROWS)
                    if rows > MAX_ROWS:
                        return f"工作表部件 {info.filename} 有超过 {MAX_ROWS:,} 行（上限 {MAX_ROWS:,}）"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, RuntimeError, ValueError):
        return ""  # damaged: said as such when opened
    return ""


def _count_rows(z: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> int:
    """The number of <row> elements in a sheet part (prefixed or not), counting stops past `limit`."""
    count, tail = 0, b""
    with z.open(info) as fh:
        while chunk := fh.read(1 << 20):
            block = tail + chunk
            count += sum(block.count(p) for p in (b"<row ", b"<row>", b":row ", b":row>"))
            tail = block[-4:]  # shorter than a pattern: nothing is counted twice
            if count > limit:
                break
    return count


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.1f} MB"


def _meta(form: Form, wb, plan: Plan) -> tuple[str, Period, str | None, str | None] | None:
    """(who, period, targets digest, signature) recorded in the workbook; None, with a problem, when missing or inconsistent."""
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
    return who, claimed, meta.get("目标摘要"), meta.get("签名")


def _check_signature(form: Form, plan: Plan, signed: str | None, digest: str | None) -> bool:
    """Whether the form's signature is the workspace's for its district, period and targets (with
    a problem naming what was changed when not); a form without one is read, with a note."""
    key = signature.load_key(Path(plan.source).parent) if plan.source else None
    if not signed:
        form.note(
            "此表没有签名（是启用表格签名之前下发的），无法核实区、时段未被改动，已照常读取；"
            "请确认表格确由该区交回，今后请用新下发的填报表"
        )
        return True
    if key is None:
        form.problem(
            f"此表有签名，但本工作区没有签名密钥（{signature.key_path(Path(plan.source).parent)}），"
            "无法核实它是本单位下发的；请在下发它的工作区中导入，或重新下发填报表"
        )
        return False
    who, period, digest = form.who, form.period, digest or ""
    if signature.matches(key, who, period, digest, signed):
        return True

    def digest_of(w: str, p: Period) -> str:
        return lines_digest(form_lines(plan, p, None if w == CITY else w))

    changed = signature.what_changed(key, plan, who, period, digest, signed, digest_of)
    form.problem(f"表格签名不符：{changed}。此表被改动过，不能导入；请该区用下发的填报表重新填写")
    return False


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
    shown_cells: list[tuple] = []  # 序号, 指标, 单位, 目标值 of each row, for the digest stamped on issue
    revised: list[tuple[str, str, str]] = []  # (message, place, note) of targets differing from the plan
    for r in range(header + 1, last + 1):
        if blank(r):
            blanks.append(r)
            continue
        key = _row_key(ws, r, cols)
        line = expected.get(key) if key else None
        shown_cells.append(tuple(ws.cell(r, cols[h]).value for h in ("序号", "指标", "单位", "目标值")))
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
        issued_as_is = digest is not None and target_cells(shown_cells) == digest
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


def filled_in(path: Path) -> bool:
    """Whether the form at `path` has anything typed in its 完成值 or 说明 column."""
    try:
        wb = load_workbook(path, read_only=True)
        ws = wb[SHEET]
        header, cols = find_header(ws, path.name)
    except Exception:  # not a form we can read: treat it as someone's work and keep it
        return True
    try:
        columns = (cols["完成值"], cols["说明"])
        for row in ws.iter_rows(min_row=header + 1, max_row=header + 500, max_col=max(columns)):
            if any(row[c - 1].value not in (None, "") for c in columns if c - 1 < len(row)):
                return True
        return False
    finally:
        wb.close()
