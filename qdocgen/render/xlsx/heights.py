"""Row heights from wrapped text: Excel does not grow a row that holds merged cells itself."""

from __future__ import annotations

import math
from functools import lru_cache

from qdocgen.render.xlsx.cells import RowDimensions
from qdocgen.textwidth import text_width

# Text measurement: points a line takes per point of font size, padding in points, and the
# pixel width of one unit of Excel column width (Calibri 11, the default).
LINE_FACTOR = 1.3
ROW_PADDING = 4.0
PX_PER_WIDTH_UNIT = 7.0
DEFAULT_ROW_HEIGHT = 15.0


@lru_cache(maxsize=4096)  # the same texts (a plan's rows, statuses) recur in every district's table
def text_lines(text: str, width_px: float, size_pt: float) -> int:
    """How many lines `text` takes when wrapped in a cell `width_px` wide at `size_pt`."""
    full = size_pt * 96 / 72
    lines = 0
    for para in text.split("\n"):
        px = text_width(para, narrow=full * 0.55, wide=full)
        lines += max(1, math.ceil(px / max(width_px, full)))
    return lines


def fit_row_heights(ws, row_count: int, plain=None) -> None:
    """Grow rows 1..row_count so wrapped text fits; never lower a height the template set.
    `plain`: the sheet's PlainSheet when its cells and rows are kept so (plain.py): its
    heights are set there."""
    merged = {}
    covered = set()
    for rng in ws.merged_cells.ranges:
        r1, c1, r2, c2 = rng.min_row, rng.min_col, rng.max_row, rng.max_col
        merged[(r1, c1)] = rng
        covered.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
        covered.discard((r1, c1))
    widths = _ColumnWidths(ws)
    need: dict[int, float] = {}
    tall: list[tuple[tuple[int, int], range, float]] = []  # (cell, its rows, the height they need)
    looks: dict[tuple[int, int], tuple[bool, float]] = {}  # (alignment, font) ids → wrapping, size
    spans: dict[tuple[int, int], float] = {}  # (first, last column) → pixels wide, less the padding
    if plain is None:
        items = ((key, cell._value, cell._style) for key, cell in ws._cells.items())  # (cell.value)
    else:
        items = (  # (its values are text, numbers or None: only text is measured)
            ((row, col), cell[1], cell[0])
            for row, cells in plain.cells.items()
            for col, cell in cells.items()
            if cell[1].__class__ is str
        )
    alignments, fonts = ws.parent._alignments, ws.parent._fonts
    for key, value, style in items:  # existing_cells(ws) (the order: see `tall`)
        if isinstance(value, str):
            text = value
        elif value is not None and type(value).__name__ == "CellRichText":
            text = str(value)
        else:
            continue
        if not text or key in covered:
            continue
        look_key = (style[5], style[0]) if style else (0, 0)  # (alignmentId, fontId) of the StyleArray
        look = looks.get(look_key)
        if look is None:  # (cell.alignment.wrap_text, cell.font.sz)
            look = looks[look_key] = (bool(alignments[look_key[0]].wrap_text), float(fonts[look_key[1]].sz or 11))
        wrap, size = look
        if not wrap and "\n" not in text:
            continue
        row, col = key
        rng = merged.get(key)
        last = rng.max_col if rng else col
        width_px = spans.get((col, last))
        if width_px is None:
            width_px = spans[col, last] = sum(widths.px(c) for c in range(col, last + 1)) - 6  # less the padding
        height = text_lines(text, width_px, size) * size * LINE_FACTOR + ROW_PADDING
        if rng and rng.max_row > rng.min_row:
            tall.append((key, range(rng.min_row, rng.max_row + 1), height))
        else:
            need[row] = max(need.get(row, 0.0), height)
    tall.sort(key=lambda t: t[0])  # in the cells' order: heights grow by the sums of what is added
    dims = ws.row_dimensions if plain is None else plain.formats
    heights = {}
    for row in range(1, row_count + 1):
        dim = dims.get(row)  # _height(ws, row)
        heights[row] = max((dim.height if dim is not None else None) or DEFAULT_ROW_HEIGHT, need.get(row, 0.0))
    for _, rows, height in tall:
        have = sum(heights.get(r, DEFAULT_ROW_HEIGHT) for r in rows)
        if have < height:
            extra = (height - have) / len(rows)
            for r in rows:
                heights[r] = heights.get(r, DEFAULT_ROW_HEIGHT) + extra
    rows = RowDimensions(ws) if plain is None else plain.heights  # ws.row_dimensions, adding rows faster
    for row, height in heights.items():
        dim = dims.get(row)  # _height(ws, row)
        if height > ((dim.height if dim is not None else None) or DEFAULT_ROW_HEIGHT) + 0.01:
            if plain is None:
                rows[row].height = round(height, 1)
            else:
                rows[row] = round(height, 1)


class _ColumnWidths:
    def __init__(self, ws):
        self.ws = ws
        self.cache: dict[int, float] = {}

    def px(self, col: int) -> float:
        if col not in self.cache:
            self.cache[col] = self._measure(col)
        return self.cache[col]

    def _measure(self, col: int) -> float:
        ws = self.ws
        width = None
        for dim in ws.column_dimensions.values():
            if dim.min and dim.max and dim.min <= col <= dim.max and dim.width:
                width = dim.width
                break
        if width is None:
            width = ws.sheet_format.defaultColWidth or (ws.sheet_format.baseColWidth or 8) + 0.43
        return width * PX_PER_WIDTH_UNIT + 5
