"""District reporting forms (填报表): one workbook per district and period, made from a template.

A form lists the measures a district (or, on its own form, the city office) reports for a
period, with the period's target filled in and locked. The clerk fills in 完成值 and 说明 only.
The district, year and period are recorded in the workbook three ways (a very hidden sheet
`_meta`, defined names and custom document properties) so that `qdocgen collect` can refuse a
form filed as another district's or another period's.

The layout comes from templates/xlsx/填报表.xlsx (see tools/make_form_template.py): a sheet
填报, a header row with the six column names, the row below it as the look of every data row,
a footer moved below the data, and {markers} in text cells.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from copy import copy
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from qdocgen import fmt
from qdocgen.errors import TemplateError, UserError, package_error_text
from qdocgen.figures.period import PARTS, Period
from qdocgen.plan.model import CITY, Measure, Plan
from qdocgen.progress import period_target
from qdocgen.render.package import move_aside, normalise_package, write_atomic

TEMPLATE = "填报表.xlsx"
SHEET = "填报"
META_SHEET = "_meta"
HEADERS = ("序号", "指标", "单位", "目标值", "完成值", "说明")
KIND_OF_FORM = "填报表"
QUALITATIVE_TARGET = "定性任务"
PENDING_TARGET = "待定"
MILESTONE_UNIT = "1/0"
# Keys recorded in the workbook; the defined names and custom properties carry the same values.
META_KEYS = {"表格": "QDOCGEN_FORM", "区": "QDOCGEN_DISTRICT", "年度": "QDOCGEN_YEAR", "时段": "QDOCGEN_PERIOD"}
_MARKER = re.compile(r"\{([^{}\s]+)\}")
_FORMULA_START = ("=", "+", "-", "@")
_CLOSED_FILL = PatternFill("solid", fgColor="D9D9D9")
# File names as forms() writes them: 南海区-2018年度-填报表.xlsx, 全市-2019年上半年-填报表.xlsx.
_WORDS_PART = {(Period(2000, p).words[4:]): p for p in PARTS}  # 年度, 年上半年, 年第一季度 …
FILE_NAME = re.compile(r"(?P<who>[^\s/\\-]+)-(?P<year>\d{4})(?P<part>" + "|".join(_WORDS_PART) + r")-填报表")


@dataclass(frozen=True)
class FormLine:
    """One data row of a form: a measure, its target for the period and what the cells show."""

    measure: Measure
    target: float | None  # the period target; None when pending or qualitative
    year_target: float | None

    @property
    def unit(self) -> str:
        """The 单位 cell: the plan's unit, 1/0 for a milestone, marked 累计 for a cumulative."""
        m = self.measure
        if m.kind == "milestone":
            return MILESTONE_UNIT
        if m.kind == "cumulative":
            return f"{m.unit}（累计）"
        return m.unit

    @property
    def shown_target(self) -> float | int | str:
        """The 目标值 cell: a number (rounded to 2 places), 待定 or 定性任务."""
        if self.measure.kind == "qualitative":
            return QUALITATIVE_TARGET
        if self.target is None:
            return PENDING_TARGET
        return number_cell(self.target)

    @property
    def takes_value(self) -> bool:
        """Whether 完成值 is filled in (not for a qualitative measure)."""
        return self.measure.kind != "qualitative"


def number_cell(value: float) -> float | int:
    """A figure as a form cell holds it: an int when whole, else rounded to 2 places."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def who_of(district: str | None) -> str:
    return district or CITY


def form_file_name(district: str | None, period: Period) -> str:
    """南海区-2018年度-填报表.xlsx; the city office's own form is 全市-2018年度-填报表.xlsx."""
    return f"{who_of(district)}-{period.words}-{KIND_OF_FORM}.xlsx"


def parse_file_name(name: str) -> tuple[str, Period] | None:
    """(who, period) named by a form's file name, or None if it does not follow the pattern."""
    m = FILE_NAME.search(unicodedata.normalize("NFKC", Path(name).stem))
    if not m:
        return None
    return m.group("who"), Period(int(m.group("year")), _WORDS_PART[m.group("part")])


def form_lines(plan: Plan, period: Period, district: str | None) -> list[FormLine]:
    """The measures on the form of `district` (None: the city office) for `period`, in table order.

    A district's form holds the district measures that apply in the period; the city form
    holds the city-level measures that apply, and the qualitative tasks (reported in words).
    """
    lines = []
    for m in plan.measures:
        if m.is_city != (district is None):
            continue
        if m.kind == "qualitative":
            lines.append(FormLine(m, None, None))
            continue
        target, written, applies = period_target(m, period, district, plan)
        if applies:
            lines.append(FormLine(m, target, written))
    return lines


def target_note(plan: Plan, period: Period, lines: list[FormLine]) -> str:
    """The sentence saying which target the 目标值 column shows."""
    if period.is_year:
        text = f"“目标值”为{period.words}目标。"
    else:
        share = f"{period.elapsed:.0%}"
        text = (
            f"“目标值”为{period.words}序时进度目标（全年时间已过{share}）：计数类按全年目标的{share}，"
            f"存量类按上年目标至本年目标推进{share}，比率类和节点任务按全年目标。"
        )
    cumulative = [ln for ln in lines if ln.measure.kind == "cumulative"]
    if cumulative:
        final = max(max(ln.measure.targets) for ln in cumulative)
        text += f"累计类为{plan.years[0]}—{final}年计划期按时间均匀推进，到{fmt.cn_date(period.end)}应累计达到的数。"
    pending = [ln for ln in lines if ln.target is None and ln.takes_value]
    if pending:
        text += "目标“待定”的指标照常填报完成值。"
    return text


def markers(plan: Plan, period: Period, district: str | None, lines: list[FormLine]) -> dict[str, str]:
    return {
        "区": who_of(district),
        "时段": period.words,
        "年度": str(period.year),
        "截止日期": fmt.cn_date(period.end),
        "目标说明": target_note(plan, period, lines),
        "计划名称": plan.title,
        "文号": plan.doc_number,
        "起始年": str(plan.years[0]),
        "发文机关": plan.office,
    }


def meta_values(district: str | None, period: Period) -> dict[str, str]:
    return {"表格": KIND_OF_FORM, "区": who_of(district), "年度": str(period.year), "时段": period.part}


# ---------------------------------------------------------------- building a workbook


def put_text(cell, text: str) -> None:
    """Write text as text, never as a formula, even when it starts with = + - @."""
    cell.value = text
    if text.startswith(_FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def find_header(ws, shown: str) -> tuple[int, dict[str, int]]:
    """The header row of a 填报 sheet and the column of each of the six headings."""
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60), max_col=min(ws.max_column, 60)):
        found = {}
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip() in HEADERS:
                found.setdefault(cell.value.strip(), cell.column)
        if len(found) == len(HEADERS):
            return row[0].row, found
    raise TemplateError(f"{shown} 工作表“{SHEET}”中找不到表头行（应有 {'、'.join(HEADERS)} 六列）")


def text_height(text: str, width: float, size: float) -> float:
    """Row height (points) for wrapped `text` in a cell `width` characters wide."""
    per_line = max(width / (size / 11), 1)
    lines = 0
    for part in str(text).split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in part)
        lines += max(1, math.ceil(w / per_line))
    return round(max(lines * size * 1.45 + 4, size * 1.8), 1)


def _width(ws, first: int, last: int) -> float:
    return sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(first, last + 1))


def _merged_width(ws, cell) -> float:
    for rng in ws.merged_cells.ranges:
        if cell.coordinate in rng:
            return _width(ws, rng.min_col, rng.max_col)
    return _width(ws, cell.column, cell.column)


def fill_markers(ws, values: dict[str, str], rows: range, shown: str) -> None:
    """Replace {markers} in the text cells of `rows`; grow rows whose text now wraps."""
    for r in rows:
        for cell in ws[r]:
            if not isinstance(cell.value, str) or "{" not in cell.value:
                continue

            def sub(m: re.Match, where: str = cell.coordinate) -> str:
                if m.group(1) not in values:
                    known = "、".join("{" + k + "}" for k in values)
                    raise TemplateError(f"{shown} {SHEET}!{where}: 未知的标记“{m.group(0)}”，可用的标记：{known}")
                return values[m.group(1)]

            text = _MARKER.sub(sub, cell.value)
            put_text(cell, text)
            if cell.alignment.wrap_text:
                size = cell.font.sz or 11
                need = text_height(text, _merged_width(ws, cell), size)
                if need > (ws.row_dimensions[r].height or 15):
                    ws.row_dimensions[r].height = need


def move_footer(ws, first: int, shift: int) -> None:
    """Move rows from `first` to the end down by `shift` rows, with merges and heights."""
    if shift <= 0 or first > ws.max_row:
        return
    last = ws.max_row
    merges = [rng for rng in ws.merged_cells.ranges if rng.min_row >= first]
    for rng in merges:
        ws.unmerge_cells(rng.coord)
    heights = {r: ws.row_dimensions[r].height for r in range(first, last + 1)}
    ws.move_range(f"A{first}:{get_column_letter(ws.max_column)}{last}", rows=shift)
    for r in range(first, first + shift):
        ws.row_dimensions[r].height = None
    for r, h in heights.items():
        ws.row_dimensions[r + shift].height = h
    for rng in merges:
        rng.shift(0, shift)
        ws.merge_cells(rng.coord)


def _validation(line: FormLine, period: Period, start: int) -> tuple[tuple, DataValidation] | None:
    """The data validation of a line's 完成值 cell, keyed so that equal rules are shared."""
    m = line.measure
    if not line.takes_value:
        return None
    end = fmt.cn_date(period.end)
    if m.kind == "milestone":
        key = ("list",)
        dv = DataValidation(type="list", formula1='"1,0"', allow_blank=True)
        dv.promptTitle, dv.prompt = "节点任务", "已完成填 1，未完成填 0。"
        dv.errorTitle, dv.error = "只能填 1 或 0", "节点任务已完成填 1，未完成填 0。"
    elif m.is_rate:
        key = ("rate",)
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
        dv.promptTitle, dv.prompt = "比率（%）", "填百分数，如 95.2 表示 95.2%。"
        dv.errorTitle, dv.error = "比率应在 0 到 100 之间", "请填百分数（0 到 100），如 95.2 表示 95.2%，不要填 0.952。"
    else:
        if m.kind == "cumulative":
            key, title, prompt = ("cumulative",), "累计数", f"填自{start}年1月1日至{end}的累计总数。"
        elif m.kind == "stock":
            key, title, prompt = ("stock",), "年末存量", f"填{end}的有效数量。"
        else:
            key, title, prompt = ("count",), "完成数", f"填{period.year}年1月1日至{end}的完成数。"
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.promptTitle, dv.prompt = title, prompt
        dv.errorTitle, dv.error = "应为不小于 0 的数字", "完成值只填数字（不带单位），不能为负数。"
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorStyle = "stop"
    return key, dv


def _record_meta(wb, values: dict[str, str]) -> None:
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "veryHidden"
    meta.append(["项目", "值"])
    for key, value in values.items():
        meta.append([key, value])
        wb.defined_names[META_KEYS[key]] = DefinedName(META_KEYS[key], attr_text='"' + value.replace('"', '""') + '"')
        wb.custom_doc_props.append(StringProperty(name=META_KEYS[key], value=value))
    meta.protection.sheet = True


def build_form(template: Path, plan: Plan, period: Period, district: str | None) -> bytes:
    """The bytes of the form of `district` (None: the city office) for `period`."""
    shown = template.name
    try:
        wb = load_workbook(template)
    except FileNotFoundError:
        raise TemplateError(f"找不到填报表模板 {template}") from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise TemplateError(f"无法读取填报表模板 {template}：{package_error_text(exc)}") from None
    if SHEET not in wb.sheetnames:
        raise TemplateError(f"{shown} 中没有名为“{SHEET}”的工作表")
    for name in list(wb.sheetnames):
        if name != SHEET:
            del wb[name]
    ws = wb[SHEET]
    header, cols = find_header(ws, shown)
    lines = form_lines(plan, period, district)
    proto = {c: copy(ws.cell(header + 1, c)._style) for c in range(1, ws.max_column + 1)}
    proto_height = ws.row_dimensions[header + 1].height

    move_footer(ws, header + 2, len(lines) - 1)
    fill_markers(ws, markers(plan, period, district, lines), range(1, header), shown)
    fill_markers(ws, markers(plan, period, district, lines), range(header + 1 + len(lines), ws.max_row + 1), shown)

    rules: dict[tuple, DataValidation] = {}
    name_width = ws.column_dimensions[get_column_letter(cols["指标"])].width or 30
    unit_width = ws.column_dimensions[get_column_letter(cols["单位"])].width or 8
    for i, line in enumerate(lines):
        r = header + 1 + i
        for c, style in proto.items():
            ws.cell(r, c)._style = copy(style)
        m = line.measure
        ws.cell(r, cols["序号"]).value = m.row
        put_text(ws.cell(r, cols["指标"]), m.name)
        put_text(ws.cell(r, cols["单位"]), line.unit)
        target = line.shown_target
        if isinstance(target, str):
            put_text(ws.cell(r, cols["目标值"]), target)
        else:
            cell = ws.cell(r, cols["目标值"])
            cell.value = target
            cell.number_format = "#,##0" if isinstance(target, int) else "#,##0.0#"
        value_cell = ws.cell(r, cols["完成值"])
        ws.cell(r, cols["说明"]).value = None
        if not line.takes_value:
            value_cell.protection = Protection(locked=True)
            value_cell.fill = _CLOSED_FILL
        found = _validation(line, period, plan.years[0])
        if found:
            key, dv = found
            rules.setdefault(key, dv).add(value_cell.coordinate)
        size = ws.cell(r, cols["指标"]).font.sz or 11
        need = max(text_height(m.name, name_width, size), text_height(line.unit, unit_width, size))
        ws.row_dimensions[r].height = max(proto_height or 15, need)
    for dv in rules.values():
        ws.add_data_validation(dv)

    ws.protection.sheet = True
    ws.protection.formatColumns = False  # clerks may widen columns and rows
    ws.protection.formatRows = False
    wb.security = wb.security or WorkbookProtection()
    wb.security.lockStructure = True  # the hidden _meta sheet stays hidden
    _record_meta(wb, meta_values(district, period))
    wb.active = 0
    wb.properties.title = f"{who_of(district)}{period.words}工作目标完成情况填报表"
    wb.properties.creator = "qdocgen"
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_package(buf.getvalue())


# ---------------------------------------------------------------- the command


def make_forms(
    plan: Plan, template: Path, period: Period, who: list[str | None], out_dir: Path
) -> list[tuple[Path, bool]]:
    """Write the forms of `who` (district names, None for the city office); (path, changed) each."""
    if period.year not in plan.years:
        raise UserError(f"年度 {period.year} 不在计划年度 {plan.years[0]}—{plan.years[-1]} 内")
    if not Path(template).is_file():
        raise TemplateError(f"找不到填报表模板 {template}（可用 tools/make_form_template.py 重新生成）")
    written = []
    for district in who:
        data = build_form(Path(template), plan, period, district)
        path = Path(out_dir) / form_file_name(district, period)
        if path.is_file() and filled_in(path):
            move_aside(path)  # a district's filled form is never overwritten by a blank one
        written.append((path, write_atomic(path, data)))
    return written


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
