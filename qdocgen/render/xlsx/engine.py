"""Filling a prepared Excel template: lay out every sheet, write the rows, move the references."""

from __future__ import annotations

import hashlib
import io
import marshal
import re
from copy import copy
from datetime import datetime, timezone
from pathlib import Path

from jinja2 import TemplateError as JinjaError
from jinja2 import Undefined
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles.borders import Border
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.merge import MergedCellRange

from qdocgen.code_stamp import library_stamp
from qdocgen.errors import TemplateError, package_error_text, read_template_package
from qdocgen.render import compile_cache
from qdocgen.render.explain import template_error
from qdocgen.render.jinja_env import make_env, needs_value
from qdocgen.render.locate import excel_place
from qdocgen.render.package import build_epoch, normalise_package
from qdocgen.render.spans import Span
from qdocgen.render.xlsx import plain
from qdocgen.render.xlsx.cells import clear_cells, copy_format, copy_row_format, existing_cells, put_runs, put_value
from qdocgen.render.xlsx.chart_parts import replace_parts, rewrite, template_charts
from qdocgen.render.xlsx.charts import chart_label, move_anchors, move_chart_ranges
from qdocgen.render.xlsx.columns import ColumnLoopError, expand, has_column_loops, literal
from qdocgen.render.xlsx.copies import WorkbookCopier, keep, kept
from qdocgen.render.xlsx.heights import fit_row_heights
from qdocgen.render.xlsx.layout import RUNTIME_ERRORS, LoopError, OutRow, RowMap, lay_out
from qdocgen.render.xlsx.plain import PROVEN, NotPlain, PlainSheet, keep_plain_sheet, plain_cell, sheet_is_plain
from qdocgen.render.xlsx.ranges import move_sheet_ranges, move_workbook_names
from qdocgen.render.xlsx.references import EmptyRange, ReferenceMover, Refused
from qdocgen.render.xlsx.template import RUN_MARK, CellTemplate, SheetTemplate, TemplateReader
from qdocgen.render.xlsx.writer import package_bytes, workbook_bytes

_ERRORS = (JinjaError, *RUNTIME_ERRORS)
_new_cell = Cell.__new__
_new_dimension = RowDimension.__new__


class PreparedXlsx:
    """An Excel template read and compiled once; `render(context)` gives the workbook's bytes."""

    def __init__(self, path: Path, blob: bytes | None = None):
        self.path = Path(path)
        self.name = self.path.name
        self.blob = read_template_package(self.path, blob, "Excel 工作簿（.xlsx）")
        self.env = make_env(autoescape=False)
        # Column loops ({%tc for %}): laid out per item list at rendering; the template as read
        # here has one symbolic column group, for the checks of what it uses.
        self.column_source: bytes | None = None
        self.column_lists: list[str] = []
        self._expanded: dict[tuple, PreparedXlsx] = {}
        self.texts, self.sources = {}, {}  # (a column loop's error is placed before the cells are read)
        if blob is None and has_column_loops(self.blob):
            self.column_source = self.blob
            found = _kept_columns(self.blob, "symbolic")
            if found is None:
                seen: list[str] = []
                found = (self._expand(lambda src: seen.append(src) or [f"(({src}))[0]"]), sorted(set(seen)))
                _keep_columns(self.column_source, "symbolic", found)
            self.blob, self.column_lists = found
        wb, self._copier = self._read()
        reader = TemplateReader(self.env, self.error)
        self.texts, self.sources = reader.texts, reader.sources  # by (sheet, cell or 页眉（中）…), as read
        self._complete: set[frozenset] = set()  # sets of unset names this template does without
        self.sheets: list[SheetTemplate] = []
        for ws in wb.worksheets:
            cells = existing_cells(ws)
            sheet = reader.read_sheet(ws, cells)
            reader.batch_rows(sheet)
            sheet.max_row = max(
                [
                    ws.max_row,
                    *(c.row for c in cells[-1:]),
                    *ws.row_dimensions,
                    *(m.max_row for m in ws.merged_cells.ranges),
                ]
            )
            self.sheets.append(sheet)
        self.chart_parts = _carried_charts(self.blob, wb)
        self.charted = bool(wb.chartsheets) or any(ws._charts for ws in wb.worksheets)  # see plain.py

    def _expand(self, items_of) -> bytes:
        try:
            return expand(self.column_source, items_of)
        except ColumnLoopError as exc:
            raise self.error(exc.sheet, exc.place, str(exc)) from None
        except Exception as exc:  # openpyxl refuses the package
            raise TemplateError(f"模板 {self.path} 无法作为 Excel 工作簿打开：{package_error_text(exc)}") from None

    def _with_columns(self, context: dict) -> PreparedXlsx:
        """The template with its column loops laid out for `context` (compiled once per item list)."""
        chosen: dict[str, list[str]] = {}
        for source in self.column_lists:
            try:
                items = list(self.env.compile_expression(source, undefined_to_none=False)(context))
            except _ERRORS as exc:
                raise TemplateError(f"模板 {self.path} 的列循环“{source}”无法求值：{exc}") from None
            chosen[source] = [literal(source, k, item) for k, item in enumerate(items)]
        key = tuple((k, tuple(v)) for k, v in chosen.items())
        if key not in self._expanded:
            found = _kept_columns(self.column_source, repr(key))
            if found is None:
                found = (self._expand(chosen.__getitem__), [])
                _keep_columns(self.column_source, repr(key), found)
            self._expanded[key] = PreparedXlsx(self.path, blob=found[0])
        return self._expanded[key]

    def _read(self):
        """The template's workbook and the copier of it for each rendering (None: read each
        time), taken from the compile cache when an earlier process kept them (copies.py)."""
        found = kept(self.blob, "template")
        if found is not None:
            copier, wb = found
            return wb, copier
        wb = self._load()
        copier = WorkbookCopier.of(wb, self.blob)
        if copier is not None:
            keep(self.blob, "template", copier)
        return wb, copier

    def _load(self):
        try:
            return load_workbook(io.BytesIO(self.blob), rich_text=True)
        except Exception as exc:  # openpyxl refuses the package
            raise TemplateError(f"模板 {self.path} 无法作为 Excel 工作簿打开：{package_error_text(exc)}") from None

    def _fresh(self):
        """The template's workbook, as `_load` gives it, for one rendering to fill (a copy of
        the one read when preparing: render/xlsx/copies.py)."""
        return self._load() if self._copier is None else self._copier.copy()

    def error(self, sheet: str | None, place: str, exc: BaseException | str) -> TemplateError:
        """The error for a place: a cell (`C5`), a page header (`页眉（中）`), a chart, a name;
        `exc` is the exception, or what to say."""
        at = excel_place(sheet, place, self.texts.get((sheet, place), ""))
        return template_error(exc, self.path, at, self.env, self.sources.get((sheet, place), ""))

    def refuse_unset(self, unset: dict[str, str], guards=None) -> None:
        """Refuse, before rendering, a template that needs a value this rendering was not given
        (`unset`: variable name → what to add; `guards`: see jinja_env.needs_value), naming
        the first cell or header that needs one. Remembered per set of unset names."""
        if not unset or frozenset(unset) in self._complete:
            return
        for (sheet, place), source in self.sources.items():
            found = needs_value(self.env, source, unset, guards)
            if found:
                name = found[0][0]
                at = excel_place(sheet, place, self.texts.get((sheet, place), ""))
                raise TemplateError(unset[name], template=self.path, place=at.near(name))
        self._complete.add(frozenset(unset))

    def render(self, context: dict) -> bytes:
        """The filled workbook as normalised (reproducible) .xlsx bytes."""
        if self.column_source is not None:
            return self._with_columns(context).render(context)
        wb = self._fresh()
        maps: dict[str, RowMap] = {}
        for sheet in self.sheets:
            if not sheet.dynamic:
                maps[sheet.title] = RowMap(sheet.title)
                continue
            try:
                maps[sheet.title] = lay_out(sheet, context, sheet.max_row)
            except LoopError as exc:
                raise self.error(sheet.title, exc.place, exc.cause) from None
        mover = ReferenceMover(maps)
        for sheet in self.sheets:
            ws = wb[sheet.title]
            if sheet.dynamic:
                _SheetWriter(self, sheet, ws, maps[sheet.title], mover).run()
            elif mover.moving:
                self._move_formulas(ws, mover)
            self._fill_headers(sheet, ws, context)
        if mover.moving:
            for ws in wb.worksheets:
                move_sheet_ranges(ws, maps[ws.title], mover, self.error)
                move_anchors(ws, maps[ws.title])
            move_workbook_names(wb, mover, self.error)
        for ws in [*wb.worksheets, *wb.chartsheets]:
            move_chart_ranges(ws, mover, self.error)
        carried = []
        for ws in wb.worksheets:
            for index, (chart, part) in enumerate(zip(ws._charts, self.chart_parts.get(ws.title, []), strict=False), 1):
                if part is not None:
                    try:
                        carried.append((chart, rewrite(part, ws.title, wb, mover), part))
                    except Refused as exc:
                        raise self.error(ws.title, chart_label(ws, index, chart), str(exc)) from None
        stamp = datetime.fromtimestamp(build_epoch(), tz=timezone.utc).replace(tzinfo=None)
        wb.properties.created = stamp
        wb.properties.modified = stamp
        wb.properties.lastModifiedBy = None
        if not carried:
            return package_bytes(wb)
        package = replace_parts(workbook_bytes(wb), [(c.path.lstrip("/"), xml, part) for c, xml, part in carried])
        return normalise_package(package)

    def _move_formulas(self, ws, mover: ReferenceMover) -> None:
        """A sheet without tags of its own: its formulas may still point at a sheet with loops."""
        for cell in existing_cells(ws):
            self.move_link(cell, mover, ws.title, None, cell.coordinate)
            if cell.data_type == "f":
                try:
                    cell.value = _moved_formula(cell.value, mover, ws.title, None, cell.row)
                except Refused as exc:
                    raise self.error(ws.title, cell.coordinate, _formula_reason(cell.value, exc)) from None

    def move_link(self, cell, mover: ReferenceMover, sheet: str, site: OutRow | None, coord: str) -> None:
        """A hyperlink to a place in the workbook (`明细!A5`) follows the rows too."""
        link = cell.hyperlink
        if link is None or not link.location or not mover.moving:
            return
        try:
            link.location = mover.formula(link.location, sheet, site)
        except EmptyRange:
            cell.hyperlink = None  # its rows are gone: no link rather than one to the wrong row
        except Refused as exc:
            raise self.error(sheet, coord, f"超链接的位置 {link.location} 无法随行循环调整：{exc}") from None

    def _fill_headers(self, sheet: SheetTemplate, ws, context: dict) -> None:
        for header in sheet.headers:
            try:
                text = header.template.render(context)
            except _ERRORS as exc:
                raise self.error(sheet.title, header.place, exc) from None
            getattr(getattr(ws.HeaderFooter, header.item), header.part).text = text


class _SheetWriter:
    """Writes one laid-out worksheet: cells, merges, formulas and row heights."""

    def __init__(self, prepared: PreparedXlsx, sheet: SheetTemplate, ws, rows: RowMap, mover: ReferenceMover):
        self.p = prepared
        self.sheet = sheet
        self.ws = ws
        self.rows = rows
        self.mover = mover
        self.merges: list[tuple[int, int, int, int]] = []
        # `{%vmerge %}` spans that know their group (render/spans.py): template cell → the
        # group last written there and the index in `merges` of its merge, grown row by row
        self.groups: dict[str, tuple[object, int]] = {}
        self.by_row: dict[int, list] = {}  # see row_cells
        self.formats: dict[int, RowDimension] = {}  # see row_format

    def run(self) -> None:
        ws = self.ws
        self.tpl_cells: dict[int, dict[int, object]] = {}
        for cell in existing_cells(ws):
            self.tpl_cells.setdefault(cell.row, {})[cell.column] = cell
        self.tpl_dims = {r: copy(d) for r, d in ws.row_dimensions.items()}
        self.tpl_merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        clear_cells(ws)
        if self.sheet.plain is None:
            compiled = [tpl for tpls in self.sheet.cells.values() for tpl in tpls]
            self.sheet.plain = sheet_is_plain(
                [c for cells in self.tpl_cells.values() for c in cells.values()], compiled, self.p.charted
            )
        if self.sheet.plain and plain.ENABLED:
            try:
                self.run_plain()
                return
            except NotPlain:  # a value the plain cells do not write: the sheet again, the general way
                self.merges, self.groups = [], {}
                clear_cells(ws)
        for out_row, out in enumerate(self.rows.rows, start=1):
            self.write_row(out_row, out)
        self.copy_template_merges()
        self.apply_merges()
        fit_row_heights(ws, len(self.rows.rows))

    def run_plain(self) -> None:
        """`run` with the cells kept as plain cells (plain.py) rather than openpyxl's."""
        sheet = PlainSheet()
        for out_row, out in enumerate(self.rows.rows, start=1):
            self.write_plain_row(sheet, out_row, out)
        self.copy_template_merges()
        self.apply_plain_merges(sheet.cells)
        fit_row_heights(self.ws, len(self.rows.rows), sheet)
        keep_plain_sheet(self.ws, sheet)

    def error(self, place: str, exc) -> TemplateError:
        return self.p.error(self.sheet.title, place, exc)

    # cells

    def write_row(self, out_row: int, out: OutRow) -> None:
        ws = self.ws
        if out.template_row in self.tpl_dims:
            ws.row_dimensions[out_row] = self.row_format(out.template_row, out_row)
        cells = ws._cells
        values = at = None
        batch = self.sheet.batches.get(out.template_row)
        if batch is not None:
            values = batch[0](out.scope)  # None: evaluated cell by cell, as the errors are told
            at = batch[1]
        if out_row > ws._current_row:
            ws._current_row = out_row  # as ws._add_cell does
        for col, src, tpl, style, bare, at_batch, group_at in self.row_cells(out.template_row):
            if bare and (out_row, col) not in cells:
                # ws.cell() and copy_format() for a cell without hyperlink or comment, at once
                # (thousands a table): the new cell, as Cell(ws, row, column, style_array=style)
                # makes it, takes a copy of the template cell's style
                cell = _new_cell(Cell)
                cell.parent = ws
                cell._style = None if style is None else StyleArray(style)
                cell.row = out_row
                cell.column = col
                cell._value = cell._hyperlink = cell._comment = None
                cell.data_type = "n"
                cells[(out_row, col)] = cell
            else:
                cell = ws.cell(row=out_row, column=col)
                copy_format(src, cell)
                self.p.move_link(cell, self.mover, self.sheet.title, out, src.coordinate)
            if at_batch is not None and values is not None:
                # a cell holding one expression and no merge: what fill() does with it, at once
                # (the batch gave no undefined value: it gives None then)
                put_value(cell, values[at_batch])
            elif group_at is not None and values is not None and self.group_cell(cell, tpl, values, group_at, out_row):
                pass
            elif tpl is not None:
                self.fill(cell, tpl, out, out_row, None if values is None else (values, at.get(col)))

    def group_cell(self, cell, tpl: CellTemplate, values: list, at: tuple, out_row: int) -> bool:
        """A `{%vmerge %}` whose span knows its group (and a `{%hmerge %}` of a whole number, or
        none) and one expression, written from the row's batch as fill() writes it; False (nothing
        done) for anything else."""
        value = self.group_value(tpl, values, at, out_row)
        if value is _OTHER:
            return False
        put_value(cell, value)
        return True

    def group_value(self, tpl: CellTemplate, values: list, at: tuple, out_row: int):
        """The value group_cell() writes, or _OTHER (nothing done) when it writes none."""
        v, h, e = at
        down = values[v]
        if type(down) is not Span or down < 0 or down.group is None:
            return _OTHER
        across = 1
        if h is not None:
            across = values[h]
            if type(across) is not int or across < 0:
                return _OTHER
        if across == 0:
            self.groups.pop(tpl.coord, None)
            return None
        return None if self.in_group(tpl, down.group, across, out_row) else values[e]

    def write_plain_row(self, sheet: PlainSheet, out_row: int, out: OutRow) -> None:
        """write_row() into plain cells and rows (the template's cells have neither hyperlink nor
        comment, formula nor rich text: sheet_is_plain)."""
        template_row = out.template_row
        if template_row in self.tpl_dims:
            made = self.formats.get(template_row)
            if made is None:
                made = self.formats[template_row] = RowDimension(self.ws)
                copy_row_format(self.tpl_dims[template_row], made)
            sheet.formats[out_row] = made
        cells = sheet.cells[out_row] = {}
        values = at = None
        batch = self.sheet.batches.get(template_row)
        if batch is not None:
            values = batch[0](out.scope)  # None: evaluated cell by cell, as the errors are told
            at = batch[1]
        proven = PROVEN
        for col, _, tpl, style, _, at_batch, group_at in self.row_cells(template_row):
            if at_batch is not None and values is not None:
                value = values[at_batch]
            elif tpl is None:
                value = None
            elif not tpl.dynamic:
                # a fixed text or number (static_is_plain): as `cell.value = copy(value)` writes it,
                # not as put_value (which gives "-" or "+86" a quote prefix, "" no type)
                value = tpl.value
                cells[col] = [style, value, "s" if value.__class__ is str else "n"]
                continue
            else:
                value = _OTHER
                if group_at is not None and values is not None:
                    value = self.group_value(tpl, values, group_at, out_row)
                if value is _OTHER:
                    value = self.value(tpl, out, out_row, None if values is None else (values, at.get(col)))
            if value is None:
                cells[col] = [style, None, "n"]
            elif value.__class__ is str and value in proven:
                cells[col] = [style, value, "s"]
            else:
                cells[col] = plain_cell(style, value)

    def row_format(self, template_row: int, out_row: int):
        """The RowDimension of an output row, as `copy_row_format(template's, ws.row_dimensions[out_row])`
        makes it: a copy of one made so once per template row (a table has hundreds of rows)."""
        made = self.formats.get(template_row)
        if made is None:
            made = self.formats[template_row] = RowDimension(self.ws)
            copy_row_format(self.tpl_dims[template_row], made)
        dim = _new_dimension(RowDimension)
        dim.__dict__.update(made.__dict__)  # openpyxl's descriptors keep their values there
        dim.parent = made.parent
        dim._style = None if made._style is None else StyleArray(made._style)
        dim.index = out_row  # as ws.row_dimensions[out_row] sets it
        return dim

    def row_cells(self, template_row: int) -> list[tuple]:
        """The cells of a template row in column order: (column, template cell, how to fill it
        (None: its format only), its style (None: none), whether it has neither hyperlink nor
        comment, and for a cell that is one expression without merges or rich text, where its
        value is in what the row's batch gives (else None), and for one that is also a
        `{%vmerge %}`, where its span and value are (else None))."""
        found = self.by_row.get(template_row)
        if found is None:
            prepared = {c.col: c for c in self.sheet.cells.get(template_row, [])}
            batch = self.sheet.batches.get(template_row)
            at = batch[1] if batch is not None else {}
            cells = sorted(self.tpl_cells.get(template_row, {}).items())
            found = self.by_row[template_row] = []
            for col, src in cells:
                tpl = prepared.get(col)
                at_batch = group_at = None
                if (
                    tpl is not None
                    and not tpl.formula
                    and tpl.expr is not None
                    and not tpl.fonts
                    and col in at
                    and at[col][2] is not None
                    and (tpl.hmerge is None) == (at[col][1] is None)
                ):
                    v, h, e = at[col]
                    if tpl.vmerge is None and v is None and h is None:
                        at_batch = e
                    elif tpl.vmerge is not None and v is not None:
                        group_at = (v, h, e)
                style = src._style if src.has_style else None
                plain = src.hyperlink is None and src.comment is None
                found.append((col, src, tpl, style, plain, at_batch, group_at))
        return found

    def fill(self, cell, tpl: CellTemplate, out: OutRow, out_row: int, given=None) -> None:
        """`given`: (the values of the row's batch, where this cell's are), or None to
        evaluate the cell's expressions here."""
        if tpl.formula:
            try:
                cell.value = _moved_formula(tpl.value, self.mover, self.sheet.title, out, out_row)
            except Refused as exc:
                raise self.error(tpl.coord, _formula_reason(tpl.value, exc)) from None
            return
        if not tpl.dynamic:
            cell.value = copy(tpl.value)
            return
        value = self.value(tpl, out, out_row, given)
        if tpl.fonts and isinstance(value, str):
            put_runs(cell, _runs(value, tpl.fonts))
        else:
            put_value(cell, value)

    def value(self, tpl: CellTemplate, out: OutRow, out_row: int, given=None):
        """What fill() writes in a cell with tags (None for one a merge covers), its merges noted."""
        try:
            if given is None or given[1] is None:
                down = 1 if tpl.vmerge is None else _span(tpl.vmerge(out.scope))
                across = 1 if tpl.hmerge is None else _span(tpl.hmerge(out.scope))
            else:
                values, (v, h, e) = given
                down = 1 if v is None else _span(values[v])
                across = 1 if h is None else _span(values[h])
            if type(down) is not int and getattr(down, "group", None) is not None and across != 0:
                if self.in_group(tpl, down.group, across, out_row):
                    return None
                down = across = 1  # the group's merge (as wide as `across`) grows with the rows that join it
            else:
                self.groups.pop(tpl.coord, None)
            if down == 0 or across == 0:
                return None
            if down > 1 and out.loop is not None and out_row + down - 1 > self.rows.final(out.loop.end):
                raise self.error(
                    tpl.coord,
                    f"{{%vmerge {int(down)} %}} 向下合并 {int(down)} 行，超出了行循环（{out.loop.coord} 起）"
                    f"在输出中的最后一行（第 {self.rows.final(out.loop.end)} 行），会盖住循环下方的单元格；"
                    "合并的行数应只数循环写出的行（循环带 if 条件时，自己算的行数常常是按整个列表数的）",
                )
            if down > 1 or across > 1:
                self.merges.append((out_row, tpl.col, out_row + down - 1, tpl.col + across - 1))
            if tpl.expr is not None:
                value = tpl.expr(out.scope) if given is None or given[1] is None else given[0][given[1][2]]
                if isinstance(value, Undefined):
                    str(value)  # raises UndefinedError, naming the variable
            else:
                value = tpl.text.render(out.scope) if tpl.text is not None else None
        except TemplateError:
            raise
        except _ERRORS as exc:
            raise self.error(tpl.coord, exc) from None
        return value

    # merges

    def in_group(self, tpl: CellTemplate, group: object, across: int, out_row: int) -> bool:
        """For a span that knows its group: whether this cell continues the merge of the
        group written in the row above (and so stays empty), growing that merge; else it
        starts its group's merge here, one row high until the next row joins it."""
        last = self.groups.get(tpl.coord)
        if last is not None and last[0] == group:
            index = last[1]
            r1, c1, r2, c2 = self.merges[index]
            if r2 == out_row - 1:
                self.merges[index] = (r1, c1, out_row, c2)
                return True
        self.merges.append((out_row, tpl.col, out_row, tpl.col + across - 1))
        self.groups[tpl.coord] = (group, len(self.merges) - 1)
        return False

    def copy_template_merges(self) -> None:
        rows = self.rows
        for r1, c1, r2, c2 in self.tpl_merges:
            name = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
            inside = None
            for loop in rows.loops:
                body_first, body_last = loop.start + 1, loop.end - 1
                if body_first <= r1 and r2 <= body_last:
                    inside = loop
                elif max(r1, body_first) <= min(r2, body_last) and not (r1 <= body_first and body_last <= r2):
                    raise self.error(
                        f"{get_column_letter(c1)}{r1}",
                        f"合并区域 {name} 只覆盖行循环（{loop.coord} 起）中的部分行，展开后无法合并；"
                        "请让它覆盖循环的全部行，或只在循环的一行之内",
                    )
            if inside is None:
                first, last = rows.first(r1), rows.final(r2)
                if last >= first:
                    self.merges.append((first, c1, last, c2))
                continue
            for start in rows.iteration_starts(inside):
                offset = start - inside.start - 1
                self.merges.append((r1 + offset, c1, r2 + offset, c2))

    def _merge_areas(self):
        """(r1, c1, r2, c2, cells covered) of each merge to make, in order; refuses two that overlap."""
        taken: set[tuple[int, int]] = set()
        for r1, c1, r2, c2 in sorted(set(self.merges)):
            if r1 == r2 and c1 == c2:
                continue
            area = {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
            if area & taken:
                name = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
                raise self.error(f"{get_column_letter(c1)}{r1}", f"合并区域 {name}（输出中）与另一合并区域重叠")
            taken |= area
            yield r1, c1, r2, c2, area

    def apply_merges(self) -> None:
        ws = self.ws
        cells = ws._cells
        ranges = ws.merged_cells.ranges  # emptied by clear_cells; no two merges below overlap
        borders: dict[tuple[int, int], int] = {}  # see _merged_range
        for r1, c1, r2, c2, area in self._merge_areas():
            ranges.add(_merged_range(ws, r1, c1, r2, c2, borders))
            for r, c in sorted(area - {(r1, c1)}):
                cell = cells.get((r, c))
                if cell is None:
                    ws.cell(r, c)
                elif cell.value is not None:
                    cell.value = None

    def apply_plain_merges(self, cells: dict) -> None:
        """apply_merges() on plain cells."""
        ws = self.ws
        ranges = ws.merged_cells.ranges  # emptied by clear_cells; no two merges below overlap
        borders: dict[tuple[int, int], int] = {}  # see _merged_range
        for r1, c1, r2, c2, area in self._merge_areas():
            ranges.add(_plain_merged_range(ws, cells, r1, c1, r2, c2, borders))
            for r, c in area:
                if r == r1 and c == c1:
                    continue
                row = cells.get(r)
                if row is None:
                    row = cells[r] = {}
                cell = row.get(c)
                if cell is None:
                    row[c] = [None, None, "n"]  # as ws.cell(r, c) makes it
                elif cell[1] is not None:
                    cell[1], cell[2] = None, "n"  # as `cell.value = None` leaves it


_OTHER = object()  # see group_value
_COLUMNS_KIND = "xlsx-columns"


def _columns_source(blob: bytes, variant: str) -> str:
    return "\0".join(["1", variant, hashlib.sha256(blob).hexdigest(), library_stamp("openpyxl", "lxml")])


def _kept_columns(blob: bytes, variant: str) -> tuple[bytes, list[str]] | None:
    """A template's column loops laid out (`variant`: "symbolic", or the item lists) by an earlier
    process, and the loops' list sources: kept in the compile cache, as laying them out reads and
    writes the workbook with openpyxl. None when not kept (or damaged)."""
    value = compile_cache.unmarshalled(compile_cache.data(_COLUMNS_KIND, _columns_source(blob, variant)))
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], bytes)
        and isinstance(value[1], list)
        and all(isinstance(v, str) for v in value[1])
    ):
        return value
    return None


def _keep_columns(blob: bytes, variant: str, found: tuple[bytes, list[str]]) -> None:
    compile_cache.keep_data(_COLUMNS_KIND, _columns_source(blob, variant), marshal.dumps(found))


def _merged_range(ws, r1: int, c1: int, r2: int, c2: int, borders: dict) -> MergedCellRange:
    """`MergedCellRange(ws, "B2:D5")`, as openpyxl makes it, giving the top-left cell the right
    and bottom borders of the bottom-right one (_join_border)."""
    rng = _bare_range(ws, r1, c1, r2, c2)
    start = ws._cells.get((r1, c1))
    if start is None:
        start = ws.cell(row=r1, column=c1)
    rng.start_cell = start
    end = ws._cells.get((r2, c2))
    if end is not None:
        for cell in (start, end):
            if not cell._style:  # as reading a cell's border does
                cell._style = StyleArray()
        _join_border(ws, start._style, end._style, borders)  # (the cell's own style array)
    return rng


def _plain_merged_range(ws, cells: dict, r1: int, c1: int, r2: int, c2: int, borders: dict) -> MergedCellRange:
    """_merged_range() on plain cells: the top-left cell gets a style of its own (the one it
    had may be shared with other cells) with the right and bottom borders of the bottom-right
    one, added to the workbook's borders as `start.border += Border(…)` adds it."""
    rng = _bare_range(ws, r1, c1, r2, c2)
    row = cells.get(r1)
    if row is None:
        row = cells[r1] = {}
    start = row.get(c1)
    if start is None:
        start = row[c1] = [None, None, "n"]
    rng.start_cell = None  # (read only by format(), which openpyxl's merge_cells calls, not its writer)
    end = cells.get(r2, {}).get(c2)
    if end is not None:
        if end[0] is None:
            end[0] = StyleArray()
        start[0] = StyleArray() if start[0] is None else StyleArray(start[0])
        _join_border(ws, start[0], end[0], borders)
    return rng


def _bare_range(ws, r1: int, c1: int, r2: int, c2: int) -> MergedCellRange:
    """`MergedCellRange(ws, …)` without parsing or checking its bounds again (its start cell not set)."""
    rng = MergedCellRange.__new__(MergedCellRange)
    rng.ws = ws
    # CellRange.__init__(rng, min_col=c1, …): its descriptors keep the (here valid) bounds there
    rng.__dict__.update(min_col=c1, min_row=r1, max_col=c2, max_row=r2, title=None)
    return rng


def _join_border(ws, start: StyleArray, end: StyleArray, borders: dict) -> None:
    """Give `start` (the top-left cell's style) the right and bottom borders of `end` (the
    bottom-right cell's), as `start_cell.border += Border(right=…, bottom=…)` does: the border
    that gives added to the workbook's and remembered in `borders` by the two border ids (the
    same pair recurs on every row of a table)."""
    key = (start.borderId, end.borderId)
    if key in borders:
        start.borderId = borders[key]
        return
    found = ws.parent._borders
    end_border = found[end.borderId]
    start.borderId = borders[key] = found.add(
        found[start.borderId] + Border(right=end_border.right, bottom=end_border.bottom)
    )


def _carried_charts(blob: bytes, wb) -> dict:
    """The template's chart parts by sheet, where they line up with the charts openpyxl read."""
    try:
        parts = template_charts(blob)
    except Exception:  # an unusual package: openpyxl's own chart objects are written instead
        return {}
    return {ws.title: parts[ws.title] for ws in wb.worksheets if len(parts.get(ws.title, [])) == len(ws._charts) > 0}


def _span(value) -> int:
    """The span a `{%vmerge %}` or `{%hmerge %}` expression gave."""
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, Undefined):
        str(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or int(value) != value:
        raise ValueError(f"合并的行数或列数应为不小于 0 的整数，实为“{value}”")
    return value if hasattr(value, "group") else int(value)


def _runs(text: str, fonts: list) -> list[tuple[object, str]]:
    """Rendered rich text split back into (font, text) runs at the run marks."""
    parts = RUN_MARK.split(text)
    runs = [(fonts[0], parts[0])]
    for index, piece in zip(parts[1::2], parts[2::2], strict=True):
        runs.append((fonts[min(int(index), len(fonts) - 1)], piece))  # a mark typed in the data: no crash
    return runs


def _moved_formula(value, mover: ReferenceMover, sheet: str, site: OutRow | None, out_row: int):
    if isinstance(value, ArrayFormula):
        ref = value.ref
        if ref and ":" not in ref:
            ref = re.sub(r"\d+$", str(out_row), ref.replace("$", ""))
        else:
            ref = mover.ref(ref, sheet, site) if ref else ref
        return ArrayFormula(ref, mover.formula(value.text, sheet, site))
    if isinstance(value, str):
        return mover.formula(value, sheet, site)
    return value


def _formula_reason(value, exc: Refused) -> str:
    text = value.text if isinstance(value, ArrayFormula) else str(value)
    return f"公式 {text} 无法随行循环调整：{exc}"
