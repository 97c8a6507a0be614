"""Excel templates: Jinja in cells, repeated rows and data-driven merges, on openpyxl.

A template is an ordinary workbook a user edits in Excel or WPS. Cells may hold Jinja
(`{{ r.task }}`, `{% if %}`); a row whose cell reads `{%tr for r in rows %}` and a later row
reading `{%tr endfor %}` repeat the rows between them once per item, with their styles,
heights and merges (the two marker rows themselves disappear). A cell starting with
`{%vmerge N %}` merges down over N rows, `{%hmerge N %}` across N columns; N = 0 means the
cell is covered by a merge from above or from the left and stays empty. Formulas already in
the template have their row references moved to the rows that exist, so `=SUM(E5:E5)` under
a one-row loop becomes `=SUM(E5:E48)`.

`PreparedXlsx` reads the template and compiles every cell once; `render(context)` fills a
fresh copy of the workbook and returns reproducible .xlsx bytes. Errors name the template,
the sheet and the template cell.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from jinja2 import TemplateError as JinjaError
from jinja2 import Undefined
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange

from qdocgen.errors import TemplateError, os_error_text, package_error_text
from qdocgen.render.explain import template_error
from qdocgen.render.jinja_env import make_env, needs_value
from qdocgen.render.locate import excel_place
from qdocgen.render.package import build_epoch, normalise_package

_LOOP_START = re.compile(r"^\{%-?\s*tr\s+for\s+(.+?)\s+in\s+(.+?)\s*-?%\}$", re.S)
_LOOP_END = re.compile(r"^\{%-?\s*tr\s+endfor\s*-?%\}$")
_MARKER = re.compile(r"^\{%-?\s*tr\s")
_DIRECTIVE = re.compile(r"^\s*\{%-?\s*(vmerge|hmerge)\s+(.+?)\s*-?%\}", re.S)
_SINGLE = re.compile(r"^\{\{((?:(?!\}\}|\{\{|\{%).)*)\}\}$", re.S)
_TARGETS = re.compile(r"^[A-Za-z_]\w*(\s*,\s*[A-Za-z_]\w*)*$")
_REF = re.compile(
    r"^(?P<sheet>(?:'[^']+'|[^!]+)!)?"
    r"(?P<c1>\$?[A-Za-z]{1,3})?(?P<r1>\$?\d+)?"
    r"(?::(?P<c2>\$?[A-Za-z]{1,3})?(?P<r2>\$?\d+)?)?$"
)
_RUNTIME_ERRORS = (JinjaError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError)
_JINJA = ("{{", "{%", "{#")

# Text measurement for row heights: points a line takes per point of font size, padding in
# points, and the pixel width of one unit of Excel column width (Calibri 11, the default).
LINE_FACTOR = 1.3
ROW_PADDING = 4.0
PX_PER_WIDTH_UNIT = 7.0
DEFAULT_ROW_HEIGHT = 15.0
# More output rows than any document of a plan needs: a template asking for more is refused
# rather than left to run for minutes (a loop over range(100000), a cell at row 1,048,576).
MAX_ROWS = 50_000


@dataclass
class _Cell:
    """One template cell: how to fill it, and where it is in the template."""

    col: int
    coord: str
    value: object = None  # a static value or formula, copied as is
    text: object = None  # a compiled Jinja template giving text
    expr: object = None  # a compiled expression giving a value (numbers stay numbers)
    vmerge: object = None
    hmerge: object = None
    formula: bool = False


@dataclass
class _Loop:
    start: int  # the row of `{%tr for %}`
    end: int  # the row of `{%tr endfor %}`
    targets: tuple[str, ...]
    items: object
    coord: str


@dataclass
class _Sheet:
    title: str
    cells: dict[int, list[_Cell]] = field(default_factory=dict)
    loops: list[_Loop] = field(default_factory=list)
    max_row: int = 0


class PreparedXlsx:
    """An Excel template read and compiled once; `render(context)` gives the workbook's bytes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = self.path.name
        try:
            self.blob = self.path.read_bytes()
        except OSError as exc:
            raise TemplateError(f"无法读取模板 {self.path}：{os_error_text(exc)}") from None
        if not zipfile.is_zipfile(io.BytesIO(self.blob)):
            raise TemplateError(f"模板 {self.path} 不是 Excel 工作簿（.xlsx）")
        self.env = make_env(autoescape=False)
        self.texts: dict[tuple[str, str], str] = {}  # template text of each cell with a tag
        self.sources: dict[tuple[str, str], str] = {}  # the Jinja in each such cell
        self._complete: set[frozenset] = set()  # sets of unset names this template does without
        wb = self._load()
        self.sheets = [self._prepare_sheet(ws) for ws in wb.worksheets]

    def _load(self):
        try:
            return load_workbook(io.BytesIO(self.blob))
        except Exception as exc:  # openpyxl refuses the package
            raise TemplateError(f"模板 {self.path} 无法作为 Excel 工作簿打开：{package_error_text(exc)}") from None

    def error(self, sheet: str, coord: str, exc: BaseException | str) -> TemplateError:
        """The TemplateError for a mistake in a template cell (`exc`: an exception or what to say)."""
        place = excel_place(sheet, coord, self.texts.get((sheet, coord), ""))
        return template_error(exc, self.path, place, self.env, self.sources.get((sheet, coord), ""))

    def refuse_unset(self, unset: dict[str, str], guards=None) -> None:
        """Refuse, before rendering, a template that needs a value this rendering was not given
        (see PreparedDocx.refuse_unset)."""
        if frozenset(unset) in self._complete:
            return
        for (sheet, coord), source in self.sources.items():
            found = needs_value(self.env, source, unset, guards)
            if found:
                name = found[0][0]
                raise TemplateError(
                    unset[name],
                    template=self.path,
                    place=excel_place(sheet, coord, self.texts[(sheet, coord)]).near(name),
                )
        self._complete.add(frozenset(unset))

    # -- preparing -------------------------------------------------------------------------

    def _prepare_sheet(self, ws) -> _Sheet:
        sheet = _Sheet(ws.title, max_row=ws.max_row)
        open_loop: tuple[int, str, str, str] | None = None
        by_row: dict[int, list] = {}
        for (r, _c), cell in sorted(ws._cells.items()):  # only cells that exist: iter_rows() would
            by_row.setdefault(r, []).append(cell)  # create every cell up to a stray one at XFD1048576
        for row in by_row.values():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                if isinstance(value, str) and _MARKER.match(value.strip()):
                    open_loop = self._marker(sheet, cell, value.strip(), open_loop)
                    break  # the rest of a marker row is ignored
                sheet.cells.setdefault(cell.row, []).append(self._prepare_cell(ws.title, cell))
        if open_loop is not None:
            raise self.error(ws.title, open_loop[3], "{%tr for … %} 没有对应的 {%tr endfor %}")
        return sheet

    def _marker(self, sheet: _Sheet, cell, text: str, open_loop):
        self.texts[(sheet.title, cell.coordinate)] = text
        start = _LOOP_START.match(text)
        if start:
            if open_loop is not None:
                raise self.error(sheet.title, cell.coordinate, "不支持嵌套的行循环（{%tr for %} 内又有 {%tr for %}）")
            targets = start.group(1).strip()
            if not _TARGETS.match(targets):
                raise self.error(sheet.title, cell.coordinate, f"循环变量“{targets}”无效")
            items = self._expression(sheet.title, cell.coordinate, start.group(2))
            return (cell.row, targets, items, cell.coordinate)
        if _LOOP_END.match(text):
            if open_loop is None:
                raise self.error(sheet.title, cell.coordinate, "{%tr endfor %} 前没有 {%tr for … %}")
            row, targets, items, coord = open_loop
            names = tuple(t.strip() for t in targets.split(","))
            sheet.loops.append(_Loop(row, cell.row, names, items, coord))
            return None
        raise self.error(
            sheet.title,
            cell.coordinate,
            f"无法识别的行标记“{text}”（应为 {{%tr for x in 列表 %}} 或 {{%tr endfor %}}）",
        )

    def _prepare_cell(self, title: str, cell) -> _Cell:
        out = _Cell(cell.column, cell.coordinate)
        value = cell.value
        if cell.data_type == "f" or not isinstance(value, str) or not any(t in value for t in _JINJA):
            out.value = value
            out.formula = cell.data_type == "f" and isinstance(value, str)
            return out
        source = value
        self.texts[(title, cell.coordinate)] = value
        self.sources[(title, cell.coordinate)] = ""
        while True:
            m = _DIRECTIVE.match(source)
            if not m:
                break
            setattr(out, m.group(1), self._expression(title, cell.coordinate, m.group(2)))
            source = source[m.end() :]
        single = _SINGLE.match(source.strip())
        self.sources[(title, cell.coordinate)] += source
        try:
            if single:
                out.expr = self.env.compile_expression(single.group(1), undefined_to_none=False)
            elif source:
                out.text = self.env.from_string(source)
        except JinjaError as exc:
            raise self.error(title, cell.coordinate, exc) from None
        return out

    def _expression(self, title: str, coord: str, source: str):
        self.sources[(title, coord)] = self.sources.get((title, coord), "") + "{{ " + source + " }}"
        try:
            return self.env.compile_expression(source, undefined_to_none=False)
        except JinjaError as exc:
            raise self.error(title, coord, exc) from None

    # -- rendering -------------------------------------------------------------------------

    def render(self, context: dict) -> bytes:
        """The filled workbook as normalised (reproducible) .xlsx bytes."""
        wb = self._load()
        for sheet in self.sheets:
            if sheet.loops or any(c.text or c.expr or c.vmerge or c.hmerge for cs in sheet.cells.values() for c in cs):
                _SheetRender(self, sheet, wb[sheet.title], context).run()
        stamp = datetime.fromtimestamp(build_epoch(), tz=timezone.utc).replace(tzinfo=None)
        wb.properties.created = stamp
        wb.properties.modified = stamp
        wb.properties.lastModifiedBy = None
        buf = io.BytesIO()
        wb.save(buf)
        return normalise_package(buf.getvalue())


@dataclass
class _OutRow:
    template_row: int
    scope: dict
    loop: _Loop | None = None
    copy_start: int = 0  # the output row where this row's loop iteration starts


class _SheetRender:
    """Fills one worksheet: lays out output rows, writes cells, merges, formulas, heights."""

    def __init__(self, prepared: PreparedXlsx, sheet: _Sheet, ws, context: dict):
        self.p = prepared
        self.sheet = sheet
        self.ws = ws
        self.context = context

    def run(self) -> None:
        ws = self.ws
        self.snapshot()
        self.layout()
        ws._cells.clear()
        ws.merged_cells.ranges = set()
        ws.row_dimensions.clear()
        self.merges: list[tuple[int, int, int, int]] = []
        for out_row, out in enumerate(self.rows, start=1):
            self.write_row(out_row, out)
        self.copy_template_merges()
        self.apply_merges()
        self.fit_row_heights()
        self.adjust_sheet_ranges()

    # layout

    def snapshot(self) -> None:
        ws = self.ws
        self.tpl_cells: dict[int, dict[int, object]] = {}
        for (row, col), cell in ws._cells.items():
            self.tpl_cells.setdefault(row, {})[col] = cell
        self.tpl_dims = {r: copy(d) for r, d in ws.row_dimensions.items()}
        self.tpl_merges = [CellRange(m.coord) for m in ws.merged_cells.ranges]

    def layout(self) -> None:
        """The output rows in order, with each template row's first and last output row."""
        self.rows: list[_OutRow] = []
        self.lo: dict[int, int] = {}
        self.hi: dict[int, int] = {}
        loops = {lp.start: lp for lp in self.sheet.loops}
        last = max([self.sheet.max_row, *self.tpl_cells, *self.tpl_dims, *(m.max_row for m in self.tpl_merges)] or [0])
        row = 1
        while row <= last:
            loop = loops.get(row)
            if loop is None:
                self._place(row, _OutRow(row, self.context))
                row += 1
                continue
            self._mark_empty(row)
            items = self._items(loop)
            body = range(loop.start + 1, loop.end)
            for tpl_row in body:
                self.lo.setdefault(tpl_row, len(self.rows) + 1)
            for index, item in enumerate(items):
                scope = dict(self.context)
                scope.update(self._bind(loop, item))
                scope["loop"] = {
                    "index": index + 1,
                    "index0": index,
                    "first": index == 0,
                    "last": index == len(items) - 1,
                    "length": len(items),
                    "revindex": len(items) - index,
                }
                start = len(self.rows) + 1
                for tpl_row in body:
                    self._place(tpl_row, _OutRow(tpl_row, scope, loop, start))
            for tpl_row in body:
                self.hi.setdefault(tpl_row, len(self.rows))
            self._mark_empty(loop.end)
            row = loop.end + 1

    def _place(self, tpl_row: int, out: _OutRow) -> None:
        if len(self.rows) >= MAX_ROWS:
            coord = out.loop.coord if out.loop is not None else f"A{tpl_row}"
            raise self.p.error(self.sheet.title, coord, f"输出超过 {MAX_ROWS:,} 行，已拒绝（模板的循环或工作表过大）")
        self.rows.append(out)
        n = len(self.rows)
        self.lo.setdefault(tpl_row, n)
        self.hi[tpl_row] = n

    def _mark_empty(self, tpl_row: int) -> None:
        self.lo[tpl_row] = len(self.rows) + 1
        self.hi[tpl_row] = len(self.rows)

    def _items(self, loop: _Loop) -> list:
        try:
            items = loop.items(self.context)
            if isinstance(items, Undefined):
                str(items)
            return list(items)
        except _RUNTIME_ERRORS as exc:
            raise self.p.error(self.sheet.title, loop.coord, exc) from None

    def _bind(self, loop: _Loop, item) -> dict:
        if len(loop.targets) == 1:
            return {loop.targets[0]: item}
        values = list(item)
        if len(values) != len(loop.targets):
            raise self.p.error(
                self.sheet.title, loop.coord, f"循环变量有 {len(loop.targets)} 个，而每项有 {len(values)} 个值"
            )
        return dict(zip(loop.targets, values, strict=True))

    # cells

    def write_row(self, out_row: int, out: _OutRow) -> None:
        ws = self.ws
        dim = self.tpl_dims.get(out.template_row)
        if dim is not None:
            new = ws.row_dimensions[out_row]
            new.ht, new.hidden, new.outlineLevel = dim.ht, dim.hidden, dim.outlineLevel
            if dim.has_style:
                new._style = copy(dim._style)
        sources = self.tpl_cells.get(out.template_row, {})
        prepared = {c.col: c for c in self.sheet.cells.get(out.template_row, [])}
        for col, src in sorted(sources.items()):
            cell = ws.cell(row=out_row, column=col)
            if src.has_style:
                cell._style = copy(src._style)
            if src.hyperlink is not None:
                cell.hyperlink = copy(src.hyperlink)
            if src.comment is not None:
                cell.comment = copy(src.comment)
            tpl = prepared.get(col)
            if tpl is not None:
                self.fill(cell, tpl, out, out_row)

    def fill(self, cell, tpl: _Cell, out: _OutRow, out_row: int) -> None:
        if tpl.formula:
            cell.value = self.adjust_formula(tpl.value, out, out_row)
            return
        if tpl.text is None and tpl.expr is None and tpl.vmerge is None and tpl.hmerge is None:
            cell.value = tpl.value
            return
        try:
            down = self._span(tpl.vmerge, out.scope)
            across = self._span(tpl.hmerge, out.scope)
            if down == 0 or across == 0:
                cell.value = None
                return
            if down > 1 or across > 1:
                self.merges.append((out_row, tpl.col, out_row + down - 1, tpl.col + across - 1))
            if tpl.expr is not None:
                value = tpl.expr(out.scope)
                if isinstance(value, Undefined):
                    str(value)  # raises UndefinedError, naming the variable
            else:
                value = tpl.text.render(out.scope) if tpl.text is not None else None
        except TemplateError:
            raise
        except _RUNTIME_ERRORS as exc:
            raise self.p.error(self.sheet.title, tpl.coord, exc) from None
        put_value(cell, value)

    def _span(self, expr, scope) -> int:
        if expr is None:
            return 1
        value = expr(scope)
        if isinstance(value, Undefined):
            str(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or int(value) != value:
            raise ValueError(f"合并的行数或列数应为不小于 0 的整数，实为“{value}”")
        return int(value)

    # merges

    def copy_template_merges(self) -> None:
        loops = self.sheet.loops
        for m in self.tpl_merges:
            inside = next((lp for lp in loops if lp.start < m.min_row and m.max_row < lp.end), None)
            if inside is None:
                first, last = self.lo.get(m.min_row, m.min_row), self.hi.get(m.max_row, m.max_row)
                if last >= first:
                    self.merges.append((first, m.min_col, last, m.max_col))
                continue
            body_start = inside.start + 1
            starts = sorted({o.copy_start for o in self.rows if o.loop is inside})
            for start in starts:
                self.merges.append(
                    (start + m.min_row - body_start, m.min_col, start + m.max_row - body_start, m.max_col)
                )

    def apply_merges(self) -> None:
        ws = self.ws
        taken: set[tuple[int, int]] = set()
        for r1, c1, r2, c2 in sorted(set(self.merges)):
            if r1 == r2 and c1 == c2:
                continue
            cells = {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
            if cells & taken:
                raise self.p.error(
                    self.sheet.title,
                    f"{get_column_letter(c1)}{r1}",
                    f"合并区域 {get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}（输出中）与另一合并区域重叠",
                )
            taken |= cells
            rng = MergedCellRange(ws, f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")
            ws.merged_cells.add(rng)
            for r, c in cells - {(r1, c1)}:
                cell = ws._cells.get((r, c))
                if cell is not None:
                    cell.value = None

    # formulas and ranges

    def row_range(self, r1: int, r2: int) -> tuple[int, int]:
        """Output rows covering template rows r1..r2 (empty when last < first)."""
        return self.lo.get(r1, r1 + self._shift(r1)), self.hi.get(r2, r2 + self._shift(r2))

    def _shift(self, tpl_row: int) -> int:
        # rows past the template's end move with the last template row
        last = max(self.hi) if self.hi else 0
        return (self.hi[last] - last) if last else 0

    def adjust_formula(self, formula: str, out: _OutRow, out_row: int) -> str:
        try:
            tok = Tokenizer(formula)
        except Exception:
            return formula
        parts = []
        for t in tok.items:
            if t.type == Token.OPERAND and t.subtype == Token.RANGE:
                parts.append(self._adjust_ref(t.value, out))
            else:
                parts.append(t.value)
        return "=" + "".join(parts)

    def _adjust_ref(self, ref: str, out: _OutRow | None) -> str:
        m = _REF.match(ref)
        if not m or not (m.group("r1") or m.group("r2")):
            return ref
        sheet = m.group("sheet")
        if sheet and sheet[:-1].strip("'") != self.sheet.title:
            return ref
        r1 = int(m.group("r1").lstrip("$")) if m.group("r1") else None
        r2 = int(m.group("r2").lstrip("$")) if m.group("r2") else None
        loop = out.loop if out is not None else None
        if r2 is None and r1 is not None:  # one cell
            if loop is not None and loop.start < r1 < loop.end:
                new = out.copy_start + r1 - (loop.start + 1)
            else:
                new = self.row_range(r1, r1)[0]
            return f"{sheet or ''}{m.group('c1') or ''}{_keep_dollar(m.group('r1'), new)}"
        if r1 is None or r2 is None:
            return ref
        lo, hi = self.row_range(min(r1, r2), max(r1, r2))
        if hi < lo:
            return "0"
        return (
            f"{sheet or ''}{m.group('c1') or ''}{_keep_dollar(m.group('r1'), lo)}"
            f":{m.group('c2') or ''}{_keep_dollar(m.group('r2'), hi)}"
        )

    def _adjust_sqref(self, sqref: str) -> str:
        parts = []
        for ref in str(sqref).split():
            new = self._adjust_ref(ref if ":" in ref else f"{ref}:{ref}", None)
            if new != "0":
                parts.append(new)
        return " ".join(parts)

    def adjust_sheet_ranges(self) -> None:
        ws = self.ws
        if ws.print_area:
            areas = [a.split("!")[-1] for a in ws.print_area.split(",")] if isinstance(ws.print_area, str) else []
            if areas:
                ws.print_area = [self._adjust_ref(a, None) for a in areas]
        if ws.print_title_rows:
            m = re.match(r"^\$?(\d+):\$?(\d+)$", str(ws.print_title_rows).split("!")[-1])
            if m:
                lo, hi = self.row_range(int(m.group(1)), int(m.group(2)))
                if hi >= lo:
                    ws.print_title_rows = f"{lo}:{hi}"
        for dv in ws.data_validations.dataValidation:
            dv.sqref = self._adjust_sqref(str(dv.sqref))
        if ws.auto_filter.ref:
            ws.auto_filter.ref = self._adjust_ref(ws.auto_filter.ref, None)
        old = ws.conditional_formatting
        if old:
            from openpyxl.formatting.formatting import ConditionalFormattingList

            new = ConditionalFormattingList()
            for cf in old:
                sqref = self._adjust_sqref(str(cf.sqref))
                for rule in cf.rules:
                    new.add(sqref, rule)
            ws.conditional_formatting = new
        for name in list(ws.defined_names.values()):
            name.attr_text = self._adjust_names(name.attr_text)
        wb = ws.parent
        for name in list(wb.defined_names.values()):
            name.attr_text = self._adjust_names(name.attr_text)

    def _adjust_names(self, text: str | None) -> str | None:
        if not text:
            return text
        return ",".join(self._adjust_ref(part, None) if "!" in part else part for part in text.split(","))

    # row heights

    def fit_row_heights(self) -> None:
        """Grow rows so wrapped text fits: Excel does not grow rows holding merged cells."""
        ws = self.ws
        merged = {}
        covered = set()
        for rng in ws.merged_cells.ranges:
            merged[(rng.min_row, rng.min_col)] = rng
            covered |= {(r, c) for r, c in rng.cells} - {(rng.min_row, rng.min_col)}
        need: dict[int, float] = {}
        tall: list[tuple[range, float]] = []
        for (row, col), cell in ws._cells.items():
            if (row, col) in covered or not isinstance(cell.value, str) or not cell.value:
                continue
            if not (cell.alignment and cell.alignment.wrap_text) and "\n" not in cell.value:
                continue
            rng = merged.get((row, col))
            cols = range(col, (rng.max_col if rng else col) + 1)
            width_px = sum(self._column_px(c) for c in cols) - 6  # less the cell's padding
            size = float(cell.font.sz or 11) if cell.font else 11.0
            height = text_lines(cell.value, width_px, size) * size * LINE_FACTOR + ROW_PADDING
            if rng and rng.max_row > rng.min_row:
                tall.append((range(rng.min_row, rng.max_row + 1), height))
            else:
                need[row] = max(need.get(row, 0.0), height)
        heights = {}
        for row in range(1, len(self.rows) + 1):
            current = ws.row_dimensions[row].ht if row in ws.row_dimensions else None
            heights[row] = max(current or DEFAULT_ROW_HEIGHT, need.get(row, 0.0))
        for rows, height in tall:
            have = sum(heights.get(r, DEFAULT_ROW_HEIGHT) for r in rows)
            if have < height:
                extra = (height - have) / len(rows)
                for r in rows:
                    heights[r] = heights.get(r, DEFAULT_ROW_HEIGHT) + extra
        for row, height in heights.items():
            current = ws.row_dimensions[row].ht if row in ws.row_dimensions else None
            if height > (current or DEFAULT_ROW_HEIGHT) + 0.01:
                ws.row_dimensions[row].ht = round(height, 1)

    def _column_px(self, col: int) -> float:
        cache = self.__dict__.setdefault("_px", {})
        if col not in cache:
            cache[col] = self._measure_column(col)
        return cache[col]

    def _measure_column(self, col: int) -> float:
        ws = self.ws
        width = None
        for dim in ws.column_dimensions.values():
            if dim.min and dim.max and dim.min <= col <= dim.max and dim.width:
                width = dim.width
                break
        if width is None:
            width = ws.sheet_format.defaultColWidth or (ws.sheet_format.baseColWidth or 8) + 0.43
        return width * PX_PER_WIDTH_UNIT + 5


def text_lines(text: str, width_px: float, size_pt: float) -> int:
    """How many lines `text` takes when wrapped in a cell `width_px` wide at `size_pt`."""
    full = size_pt * 96 / 72
    lines = 0
    for para in text.split("\n"):
        px = sum(full if unicodedata.east_asian_width(ch) in "WF" else full * 0.55 for ch in para)
        lines += max(1, math.ceil(px / max(width_px, full)))
    return lines


def _keep_dollar(original: str | None, row: int) -> str:
    return f"${row}" if original and original.startswith("$") else str(row)


def put_value(cell, value) -> None:
    """Write a rendered value: numbers as numbers, text as text (never as a formula)."""
    if isinstance(value, Decimal):
        value = float(value)
    if value is None or isinstance(value, bool) or isinstance(value, (datetime, date)):
        cell.value = value
        return
    if isinstance(value, (int, float)):
        cell.value = value if math.isfinite(value) else str(value)
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text:
        cell.value = None
        return
    cell.value = text
    if text[0] in "=+-@":
        cell.data_type = "s"
        cell.quotePrefix = True
