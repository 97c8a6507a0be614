"""Writing cells: values as the right type, styles copied, and the few places openpyxl has no
public API for (listing the cells that exist without creating the rest)."""

from __future__ import annotations

import math
from copy import copy
from datetime import date, datetime
from decimal import Decimal

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.styles.cell_style import StyleArray


def existing_cells(ws) -> list:
    """The cells a worksheet holds, in row then column order.

    openpyxl has no public way to list only the cells that exist: `iter_rows()` creates every
    cell of the used rectangle, millions for a template with a stray cell at XFD1048576.
    """
    return [cell for _, cell in sorted(ws._cells.items())]


def clear_cells(ws) -> None:
    """Remove every cell (values and styles) and every merge, keeping the sheet's settings.

    `ws.delete_rows(1, ws.max_row)` would do it publicly, but visits every position of the
    used rectangle (17 billion for a stray cell at XFD1048576), so the cells go at once.
    """
    ws._cells.clear()
    for rng in list(ws.merged_cells.ranges):
        ws.merged_cells.remove(rng)
    for row in list(ws.row_dimensions):
        del ws.row_dimensions[row]


def copy_format(src, dst) -> None:
    """Give `dst` the style, hyperlink and comment of template cell `src`.

    The style is copied as a whole (as openpyxl's own worksheet copy does): setting font, fill,
    border, alignment, protection and number format one by one costs six look-ups a cell.
    """
    if src.has_style:
        dst._style = StyleArray(src._style)  # what copy() gives, without its look-ups
    if src.hyperlink is not None:
        dst.hyperlink = copy(src.hyperlink)
    if src.comment is not None:
        dst.comment = copy(src.comment)


def copy_row_format(src, dst) -> None:
    """Height, hiding, outline level and style of a template row (a RowDimension)."""
    dst.height, dst.hidden, dst.outlineLevel = src.height, src.hidden, src.outlineLevel
    if src.has_style:
        dst._style = copy(src._style)


_MAX_TEXT = 32767  # characters openpyxl keeps of a cell's text


def put_value(cell, value) -> None:
    """Write a rendered value: numbers as numbers, text as text (never as a formula)."""
    if value is None:
        if cell._value is not None or cell.data_type != "n":  # (a new cell is already empty)
            cell.value = None
        return
    kind = type(value)
    if kind is not str:
        if isinstance(value, Decimal):
            value = float(value)
            kind = float
        if (kind is int or kind is float) and math.isfinite(value):
            cell._value = value  # what `cell.value = value` does with a number, without its look-ups
            cell.data_type = "n"
            return
        if isinstance(value, (bool, datetime, date)):
            cell.value = value
            return
        if isinstance(value, (int, float)):
            cell.value = value if math.isfinite(value) else str(value)
            return
        value = str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text:
        if cell._value is not None or cell.data_type != "n":  # (a new cell is already empty)
            cell.value = None
        return
    if len(text) <= _MAX_TEXT:
        # what `cell.value = text` does (openpyxl's Cell._bind_value), without its look-ups:
        # a table writes hundreds of texts
        cell._value = text
        cell.data_type = "f" if len(text) > 1 and text[0] == "=" else "e" if text in ERROR_CODES else "s"
    else:
        cell.value = text
    if text[0] in "=+-@":
        cell.data_type = "s"
        cell.quotePrefix = True


def put_runs(cell, runs: list[tuple[object, str]]) -> None:
    """Write rendered rich text: (font or None, text) runs, empty ones dropped."""
    runs = [(font, ILLEGAL_CHARACTERS_RE.sub("", text)) for font, text in runs]
    runs = [(font, text) for font, text in runs if text]
    if not runs:
        cell.value = None
    elif all(font is None for font, _ in runs):
        put_value(cell, "".join(text for _, text in runs))
    else:
        cell.value = CellRichText([TextBlock(copy(font), text) if font is not None else text for font, text in runs])


class RowDimensions:
    """`ws.row_dimensions[row]` for many rows: a row without one gets what openpyxl's factory
    makes (RowDimension(ws), its index set), copied from one made so (a descriptor's value is
    kept in the instance's __dict__), not built afresh — hundreds of descriptor calls a table."""

    def __init__(self, ws):
        self.dims = ws.row_dimensions
        self.blank = None

    def __getitem__(self, row: int):
        dim = self.dims.get(row)
        if dim is not None:
            return dim  # (its index is `row` already: what the dictionary's look-up would set)
        blank = self.blank
        if blank is None:
            blank = self.blank = self.dims.default_factory()
        dim = object.__new__(type(blank))
        dim.__dict__.update(blank.__dict__)
        dim.parent, dim._style = blank.parent, None if blank._style is None else copy(blank._style)
        dim.index = row
        self.dims[row] = dim
        return dim


_new = Cell.__new__


def styled_cell(ws, row: int, column: int, style) -> object:
    """`ws.cell(row, column)` given a copy of `style` (a StyleArray): a missing cell made as
    Cell(ws, row, column, style_array=style) and ws._add_cell make it, slot by slot."""
    cell = ws._cells.get((row, column))
    if cell is not None:
        cell._style = StyleArray(style)
        return cell
    cell = _new(Cell)
    cell.parent = ws
    cell._style = StyleArray(style)
    cell.row = row
    cell.column = column
    cell._value = cell._hyperlink = cell._comment = None
    cell.data_type = "n"
    ws._cells[(row, column)] = cell
    if row > ws._current_row:
        ws._current_row = row
    return cell
