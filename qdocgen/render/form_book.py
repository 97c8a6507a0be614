"""Workbook mechanics for district forms: text cells, markers, row heights, a moved footer,
data validation, a very hidden record of the form's identity, and sheet protection.

documents/forms.py says what goes where; this module knows how openpyxl writes it.
"""

from __future__ import annotations

import hashlib
import math
import re
from copy import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import PatternFill, Protection
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation

from qdocgen.errors import TemplateError, package_error_text
from qdocgen.render.xlsx import copies
from qdocgen.render.xlsx.cells import RowDimensions, put_value, styled_cell
from qdocgen.render.xlsx.copies import WorkbookCopier
from qdocgen.render.xlsx.writer import package_bytes
from qdocgen.textwidth import text_width

_MARKER = re.compile(r"\{([^{}\s]+)\}")
_CLOSED_FILL = PatternFill("solid", fgColor="D9D9D9")


@dataclass(frozen=True)
class Rule:
    """A data validation rule of a value cell, as the form means it.

    kind: "list" (the values in `choices`), or "decimal" (between `low` and `high`, either
    may be None). `warn_only` lets Excel accept the value after a warning.
    """

    kind: str
    title: str
    prompt: str
    error_title: str
    error: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    warn_only: bool = False


def open_sheet(template, sheet: str, record: str | None = None, then=None, then_key: str = ""):
    """The template workbook with only its sheet `sheet` left (and, given `record`, a new empty
    sheet so named after it, for record_meta: made once, as copying a worksheet costs less than
    making one); TemplateError when it cannot be. Given `then`, a function of the workbook that
    changes it in a way decided by the template and `then_key` alone (a form's rows laid out for
    so many lines), the workbook as `then` leaves it.

    A build makes a form per district and period from one template: the workbook read the
    first time (and as `then` leaves it, per `then_key`) is kept (render/xlsx/copies.py) and each
    later form starts from a copy of it, while the template's bytes are unchanged. A copy gives
    its merged ranges in the order the workbook `then` left gives them (else it is not kept:
    WorkbookCopier.of), which holds for the copy's writing as long as nothing is merged or
    unmerged after `then` (the order of a set depends on its history)."""
    try:
        blob = Path(template).read_bytes()
    except FileNotFoundError:
        raise TemplateError(f"找不到填报表模板 {template}") from None
    except OSError:
        blob = None  # load_workbook says what is wrong
    base = (hashlib.sha256(blob).digest(), sheet, record) if blob is not None else None
    key = base if then is None or base is None else (*base, then_key)
    copier = _COPIES.get(key)
    if copier is not None:
        return copier.copy()
    variant = f"form sheet {sheet}" if record is None else f"form sheet {sheet} record {record}"
    if then is not None:
        variant += f" then {then_key}"
    found = copies.kept(blob, variant) if key is not None else None
    if found is not None:  # kept by an earlier process: the package is not read again
        copier, wb = found
        _remember(key, copier)
        return wb
    if then is not None:
        wb = open_sheet(template, sheet, record)
        then(wb)
        if key is not None and _unchanged(template, blob):
            merges = {ws.title: [r.coord for r in ws.merged_cells.ranges] for ws in wb.worksheets}
            if (copier := WorkbookCopier.of(wb, blob, merges)) is not None:
                copies.keep(blob, variant, copier)
                _remember(key, copier)
        return wb
    try:
        wb = load_workbook(template)
    except FileNotFoundError:
        raise TemplateError(f"找不到填报表模板 {template}") from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise TemplateError(f"无法读取填报表模板 {template}：{package_error_text(exc)}") from None
    if sheet not in wb.sheetnames:
        raise TemplateError(f"{template.name} 中没有名为“{sheet}”的工作表")
    for name in list(wb.sheetnames):
        if name != sheet:
            del wb[name]
    if record is not None and record != sheet:
        wb.create_sheet(record)
    if key is not None and _unchanged(template, blob) and (copier := WorkbookCopier.of(wb, blob)) is not None:
        copies.keep(blob, variant, copier)
        _remember(key, copier)
    return wb


def _unchanged(template, blob: bytes) -> bool:
    """Whether the template still holds `blob`, the bytes whose digest keys what is kept: one
    saved while it was read (a clerk saving it from Excel during a build) was read as the new
    template, which is not to be kept under the old one's digest (and given for it later)."""
    try:
        return Path(template).read_bytes() == blob
    except OSError:
        return False


_COPIES: dict[tuple, WorkbookCopier] = {}  # (template's digest, sheet, record) → its workbook


def _remember(key: tuple, copier: WorkbookCopier) -> None:
    if len(_COPIES) >= 32:  # (a template, and its rows laid out for each number of lines a build has)
        _COPIES.pop(next(iter(_COPIES)))
    _COPIES[key] = copier


def package(wb, *, title: str) -> bytes:
    """The workbook as reproducible bytes, its first sheet active, titled `title`."""
    wb.active = 0
    wb.properties.title = title
    wb.properties.creator = "qdocgen"
    return package_bytes(wb)


def put_text(cell, text: str) -> None:
    """Write text as text, never as a formula, even when it starts with = + - @ (the one rule
    for every Excel output: `render.xlsx.cells.put_value`)."""
    put_value(cell, str(text))


@lru_cache(maxsize=4096)  # a plan's measure names and units recur on every form
def text_height(text: str, width: float, size: float) -> float:
    """Row height (points) for wrapped `text` in a cell `width` characters wide."""
    per_line = max(width / (size / 11), 1)
    lines = 0
    for part in str(text).split("\n"):
        w = text_width(part, narrow=1.1)
        lines += max(1, math.ceil(w / per_line))
    return round(max(lines * size * 1.45 + 4, size * 1.8), 1)


def column_width(ws, column: int, default: float) -> float:
    return ws.column_dimensions[get_column_letter(column)].width or default


def _width(ws, first: int, last: int) -> float:
    return sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(first, last + 1))


def _merged_width(ws, cell) -> float:
    row, col = cell.row, cell.column
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return _width(ws, rng.min_col, rng.max_col)
    return _width(ws, cell.column, cell.column)


def fill_markers(ws, values: dict[str, str], rows: range, shown: str) -> None:
    """Replace {markers} in the text cells of `rows`; grow rows whose text now wraps."""
    columns = ws.max_column  # (what `ws[r]` asks for every row)
    for r in rows:
        for cell in next(ws.iter_rows(min_row=r, max_row=r, max_col=columns)):  # ws[r]
            if not isinstance(cell.value, str) or "{" not in cell.value:
                continue

            def sub(m: re.Match, where: str = cell.coordinate) -> str:
                if m.group(1) not in values:
                    known = "、".join("{" + k + "}" for k in values)
                    raise TemplateError(f"{shown} {ws.title}!{where}: 未知的标记“{m.group(0)}”，可用的标记：{known}")
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
    dims = RowDimensions(ws)  # ws.row_dimensions, adding rows faster
    heights = {r: dims[r].height for r in range(first, last + 1)}
    ws.move_range(f"A{first}:{get_column_letter(ws.max_column)}{last}", rows=shift)
    for r in range(first, first + shift):
        dims[r].height = None
    for r, h in heights.items():
        dims[r + shift].height = h
    for rng in merges:
        rng.shift(0, shift)
        ws.merge_cells(rng.coord)


def copy_row_style(ws, styles: dict[int, object], row: int) -> None:
    if not 0 < row < 1048577:  # what ws.cell() refuses
        raise ValueError("Row or column values must be at least 1")
    for c, style in styles.items():
        styled_cell(ws, row, c, style)  # ws.cell(row, c)._style = copy(style), at once


def row_styles(ws, row: int) -> dict[int, object]:
    """Each column's style in `row` (a StyleArray): all zeros, openpyxl's default, for a cell the
    template does not have there (openpyxl gives a cell made without a style none until asked)."""
    styles = {}
    for c in range(1, ws.max_column + 1):
        style = ws.cell(row, c)._style
        styles[c] = StyleArray() if style is None else copy(style)
    return styles


def close_cell(cell) -> None:
    """A cell the clerk does not fill: locked and greyed."""
    cell.protection = Protection(locked=True)
    cell.fill = _CLOSED_FILL


def add_rules(ws, rules: dict[Rule, list[str]]) -> None:
    """Data validation: each rule on its cells (equal rules share one entry)."""
    for rule, cells in rules.items():
        if rule.kind == "list":
            dv = DataValidation(type="list", formula1='"' + ",".join(rule.choices) + '"', allow_blank=True)
        elif rule.high is not None:
            dv = DataValidation(
                type="decimal", operator="between", formula1=_num(rule.low or 0), formula2=_num(rule.high)
            )
            dv.allow_blank = True
        else:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=_num(rule.low or 0))
            dv.allow_blank = True
        dv.promptTitle, dv.prompt = rule.title, rule.prompt
        dv.errorTitle, dv.error = rule.error_title, rule.error
        dv.showErrorMessage = True
        dv.showInputMessage = True
        dv.errorStyle = "warning" if rule.warn_only else "stop"
        if all(":" not in c for c in cells):
            # dv.add(c) for each, which checks each new cell against every range added before:
            # single cells, added once each, are the same ranges (written sorted)
            dv.sqref = MultiCellRange([_cell_range(c) for c in dict.fromkeys(cells)])
        else:
            for coordinate in cells:
                dv.add(coordinate)
        ws.add_data_validation(dv)


_RANGES: dict[str, CellRange] = {}  # a cell's coordinate → its CellRange (the same cells on every form)


def _cell_range(coordinate: str) -> CellRange:
    """`CellRange(coordinate)`, made once: a range in a validation's sqref is only read (written)."""
    found = _RANGES.get(coordinate)
    if found is None:
        if len(_RANGES) >= 4096:
            _RANGES.clear()
        found = _RANGES[coordinate] = CellRange(coordinate)
    return found


_ASK_FILL = "FFC7CE"  # Excel's light red, as its own 条件格式 presets


def ask_for_notes(ws, cells: list[tuple[str, str, str]]) -> None:
    """Mark each 说明 cell red while its 完成值 is below its 目标值 and the 说明 is blank
    (cells: (说明, 完成值, 目标值) coordinates): a conditional format Excel and WPS keep live."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Font, PatternFill

    fill = PatternFill(start_color=_ASK_FILL, end_color=_ASK_FILL, fill_type="solid")
    for note, value, target in cells:
        formula = f"AND(ISNUMBER({value}),ISNUMBER({target}),{value}<{target},LEN(TRIM({note}))=0)"
        ws.conditional_formatting.add(note, FormulaRule(formula=[formula], fill=fill, font=Font(color="9C0006")))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def record_meta(wb, sheet: str, names: dict[str, str], values: dict[str, str]) -> None:
    """Record `values` three ways: a very hidden sheet, defined names and custom properties.

    `names` maps each key to the defined name (and custom property name) that carries it.
    """
    meta = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)  # (open_sheet may have made it)
    meta.sheet_state = "veryHidden"
    meta.append(["项目", "值"])
    for key, value in values.items():
        meta.append([key, value])
        wb.defined_names[names[key]] = DefinedName(names[key], attr_text='"' + value.replace('"', '""') + '"')
        wb.custom_doc_props.append(StringProperty(name=names[key], value=value))
    meta.protection.sheet = True


def protect(wb, ws) -> None:
    """Lock the sheet (clerks may still widen columns and rows) and the workbook's structure."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    wb.security = wb.security or WorkbookProtection()
    wb.security.lockStructure = True  # the hidden meta sheet stays hidden
