"""Row heights from wrapped text: Excel does not grow a row that holds merged cells itself."""

from __future__ import annotations

import math
from functools import lru_cache

from qdocgen.render.xlsx.cells import existing_cells
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


def fit_row_heights(ws, row_count: int) -> None:
    """Grow rows 1..row_count so wrapped text fits; never lower a height the template set."""
    merged = {}
    covered = set()
    for rng in ws.merged_cells.ranges:
        merged[(rng.min_row, rng.min_col)] = rng
        covered |= {(r, c) for r, c in rng.cells} - {(rng.min_row, rng.min_col)}
    widths = _ColumnWidths(ws)
    need: dict[int, float] = {}
    tall: list[tuple[range, float]] = []
    looks: dict[tuple[int, int], tuple[bool, float]] = {}  # (alignment, font) ids → wrapping, size
    for cell in existing_cells(ws):
        row, col = cell.row, cell.column
        text = cell.value if isinstance(cell.value, str) else None
        if text is None and cell.value is not None and type(cell.value).__name__ == "CellRichText":
            text = str(cell.value)
        if (row, col) in covered or not text:
            continue
        style = cell._style
        key = (style.alignmentId, style.fontId) if style else (0, 0)
        look = looks.get(key)
        if look is None:
            wrap = bool(cell.alignment and cell.alignment.wrap_text)
            look = looks[key] = (wrap, float(cell.font.sz or 11) if cell.font else 11.0)
        wrap, size = look
        if not wrap and "\n" not in text:
            continue
        rng = merged.get((row, col))
        cols = range(col, (rng.max_col if rng else col) + 1)
        width_px = sum(widths.px(c) for c in cols) - 6  # less the cell's padding
        height = text_lines(text, width_px, size) * size * LINE_FACTOR + ROW_PADDING
        if rng and rng.max_row > rng.min_row:
            tall.append((range(rng.min_row, rng.max_row + 1), height))
        else:
            need[row] = max(need.get(row, 0.0), height)
    heights = {}
    for row in range(1, row_count + 1):
        heights[row] = max(_height(ws, row) or DEFAULT_ROW_HEIGHT, need.get(row, 0.0))
    for rows, height in tall:
        have = sum(heights.get(r, DEFAULT_ROW_HEIGHT) for r in rows)
        if have < height:
            extra = (height - have) / len(rows)
            for r in rows:
                heights[r] = heights.get(r, DEFAULT_ROW_HEIGHT) + extra
    for row, height in heights.items():
        if height > (_height(ws, row) or DEFAULT_ROW_HEIGHT) + 0.01:
            ws.row_dimensions[row].height = round(height, 1)


def _height(ws, row: int) -> float | None:
    return ws.row_dimensions[row].height if row in ws.row_dimensions else None


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
