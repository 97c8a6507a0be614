"""Plain cells: a laid-out sheet's cells kept as small lists rather than openpyxl's Cell objects.

Filling a table made a Cell (and a copy of its style) for each of its thousand cells, and the
writer then read them back; for a sheet whose template is simple enough the engine keeps each
output cell as `[style, value, data type]` instead — the style being the template cell's own
StyleArray, shared until a cell needs one of its own — and writer.py writes the worksheet's
`<sheetData>` from them (`plain_sheet_data`), the same bytes openpyxl's writer writes for the
Cells the general path makes.

Simple enough (`sheet_is_plain`): no chart in the workbook (a chart's cached values are read
from the cells), and no template cell of the sheet with a hyperlink, a comment, a formula, rich
text, or a fixed value other than text, a number or nothing. A value the general path would
write in any other way than as text or a number (a date, a truth value, an error code, text
openpyxl's fast writer was not proven on…) raises `NotPlain` while the rows are written: the
sheet is then written again by the general path from the start.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

ENABLED = True  # tests (and benchmarks) compare the two paths by turning this off
ATTRIBUTE = "_qdocgen_plain_sheet"  # a worksheet's PlainSheet, for the writer

_MAX_TEXT = 32767  # characters openpyxl keeps of a cell's text (cells.put_value)
_UNPROVEN = re.compile("[\ud800-\udfff\ufffe\uffff]")  # writer._UNPROVEN, less what ILLEGAL_CHARACTERS_RE removes


class NotPlain(Exception):
    """A value the plain cells do not write as the general path would: write the sheet that way."""


class PlainSheet:
    """A filled sheet's plain cells and rows: what the worksheet's `_cells` and `row_dimensions`
    would hold (both are left empty)."""

    __slots__ = ("cells", "formats", "heights")

    def __init__(self):
        self.cells: dict[int, dict[int, list]] = {}  # row → column → [style, value, data type]
        # row → its RowDimension as the template row it came from has it (one object for all
        # the rows of a template row), and row → the height fit_row_heights gave it
        self.formats: dict[int, object] = {}
        self.heights: dict[int, float] = {}

    def dimension(self) -> str:
        """What ws.calculate_dimension() gives for the cells."""
        rows = [row for row, cells in self.cells.items() if cells]
        if not rows:
            return "A1:A1"
        cols = {col for cells in self.cells.values() for col in cells}
        return f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}"


def plain_sheet(ws) -> PlainSheet | None:
    """The plain cells and rows of a worksheet the engine filled so, else None."""
    return ws.__dict__.get(ATTRIBUTE)


def keep_plain_sheet(ws, sheet: PlainSheet) -> None:
    ws.__dict__[ATTRIBUTE] = sheet


def sheet_is_plain(template_cells, compiled, charted: bool) -> bool:
    """Whether a sheet may be written with plain cells: `template_cells` are its cells as read
    (openpyxl's), `compiled` the CellTemplates of its rows, `charted` whether the workbook has
    charts."""
    if charted:
        return False
    for cell in template_cells:
        if cell.hyperlink is not None or cell.comment is not None:
            return False
    for tpl in compiled:
        if tpl.formula or tpl.fonts:
            return False
        if not tpl.dynamic and not static_is_plain(tpl.value):
            return False
    return True


def static_is_plain(value) -> bool:
    """Whether `cell.value = copy(value)` (a template cell's fixed value) gives a cell of text or a
    number the plain writer writes as openpyxl's writer does."""
    kind = type(value)
    if value is None or (kind is int and value.bit_length() < 1000):
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is not str:
        return False
    if (len(value) > 1 and value[0] == "=") or value in ERROR_CODES or len(value) > _MAX_TEXT:
        return False
    return ILLEGAL_CHARACTERS_RE.search(value) is None and _UNPROVEN.search(value) is None


PROVEN: set[str] = set()  # texts plain_cell() wrote as they are (plan texts recur in every document)


def plain_cell(style, value) -> list:
    """The plain cell `put_value` makes of `value` in a new cell with `style` (a StyleArray
    shared with other cells, or None): [style, value, data type]. NotPlain for a value
    it would write otherwise than as a number or text, or text the writer was not proven on."""
    if value is None:
        return [style, None, "n"]
    kind = type(value)
    if kind is not str:
        if kind is Decimal:
            value = float(value)
            kind = float
        if kind is int:
            if value.bit_length() < 1000:
                return [style, value, "n"]
            raise NotPlain
        if kind is float:
            if math.isfinite(value):
                return [style, value, "n"]
            raise NotPlain
        if isinstance(value, (int, float, Decimal, date)):
            raise NotPlain  # a truth value, a date, a number's subclass: written otherwise
        value = str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text:
        return [style, None, "n"]
    if len(text) > _MAX_TEXT or _UNPROVEN.search(text):
        raise NotPlain
    if text[0] in "=+-@":
        quoted = StyleArray() if style is None else StyleArray(style)
        quoted.quotePrefix = True  # as `cell.quotePrefix = True` sets it
        return [quoted, text, "s"]
    if text in ERROR_CODES:
        raise NotPlain
    if text is value and len(PROVEN) < 100_000:
        PROVEN.add(text)
    return [style, text, "s"]
