"""A table's column grid widened to the cells a `{%tc for %}` loop or an `{%hmerge %}` added.

docxtpl's fix_tables counts cells, not the columns they span, so a row whose repeated cells
span more grid columns than the template had keeps the template's grid and Word lays the
table out wrongly. Before fix_tables, such a table's grid is rebuilt from its widest row:
each cell's width (w:tcW) split evenly over the columns it spans.

A table whose width the template gives in percent of the text width (Word: 表格属性 › 指定宽度 ›
度量单位“百分比”) keeps the width it has in the template however many cells a column loop made:
the columns before and after the loop keep their widths, and the repeated cells share the width
the loop's cells (the `{%tc for %}` and `{%tc endfor %}` cells with those between) had. So a
table with a column per unit fills the page for three units as for nine.
"""

from __future__ import annotations

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TCPR, _GRIDSPAN, _TCW, _VAL = W + "tcPr", W + "gridSpan", W + "tcW", W + "val"


def _child(element, tag: str):
    """The first child of `element` with `tag`, as element.find(tag) gives it (without
    ElementPath: a matrix annex asks this of every cell, several times)."""
    for child in element:
        if child.tag == tag:
            return child
    return None


def _span(cell) -> int:
    props = _child(cell, _TCPR)
    span = _child(props, _GRIDSPAN) if props is not None else None
    return max(int(span.get(_VAL, "1")), 1) if span is not None else 1


def _widest(table) -> tuple[int, list[int] | None]:
    """The number of grid columns the widest row spans (the first such row), and their widths
    (None where a cell of that row has no width). The rows' spans are counted in one pass over
    the table's gridSpans; only the widest row is read cell by cell."""
    rows = table.findall(W + "tr")
    extra: dict = {}  # row → its cells' gridSpan beyond 1, read as _span reads them
    for span in table.iter(W + "gridSpan"):
        props = span.getparent()
        cell = props.getparent()
        if props.tag == W + "tcPr" and cell is not None and cell.tag == W + "tc":
            if cell.find(W + "tcPr") is props and props.find(W + "gridSpan") is span:
                row = cell.getparent()
                extra[row] = extra.get(row, 0) + max(int(span.get(W + "val", "1")), 1) - 1
    widest, first = 0, None
    for row in rows:
        spans = len(row.findall(W + "tc")) + extra.get(row, 0)
        if spans > widest:
            widest, first = spans, row
    if first is None:
        return 0, None
    cols: list[int] | None = []
    for cell in first.findall(W + "tc"):
        props = cell.find(W + "tcPr")
        width = props.find(W + "tcW") if props is not None else None
        n = _span(cell)
        if width is None or not (width.get(W + "w") or "").isdigit() or cols is None:
            cols = None
        else:
            cols += [int(width.get(W + "w")) // n] * n
    return widest, cols


def _fitted(old: list[int], new: list[int]) -> list[int]:
    """`new` with the columns a loop repeated (those between the longest run of columns equal to
    the template's at the start and at the end) scaled to the width the loop had in `old`."""
    limit = min(len(old), len(new))
    head = 0
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    middle = new[head : len(new) - tail]
    room = sum(old[head : len(old) - tail])
    if not middle or not sum(middle) or room <= 0:
        return new
    # each column's right edge rounded, so the widths add up to the template's exactly and
    # differ from each other by a twip at most where they were alike
    total, edges, run = sum(middle), [0], 0
    for w in middle:
        run += w
        edges.append(run * room // total)
    scaled = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return new[:head] + scaled + new[len(new) - tail :]


def _set_grid(table, grid, widths: list[int]) -> None:
    for col in grid.findall(W + "gridCol"):
        grid.remove(col)
    for w in widths:
        grid.append(grid.makeelement(W + "gridCol", {W + "w": str(w)}))
    for row in table.findall(W + "tr"):  # each cell as wide as the columns it spans
        cells = row.findall(W + "tc")
        spans = [_span(c) for c in cells]
        if sum(spans) != len(widths):
            continue
        at = 0
        for cell, n in zip(cells, spans, strict=True):
            props = _child(cell, _TCPR)
            width = _child(props, _TCW) if props is not None else None
            if width is not None and width.get(W + "type", "dxa") == "dxa":
                width.set(W + "w", str(sum(widths[at : at + n])))
            at += n


def _percent_wide(table) -> bool:
    props = table.find(W + "tblPr")
    width = props.find(W + "tblW") if props is not None else None
    return width is not None and width.get(W + "type") == "pct"


def widen_grids(tree) -> bool:
    """Rebuild the grid of every table whose widest row spans more columns, and fit a table
    given in percent to its template's width; whether any was changed."""
    changed = False
    for table in tree.iter(W + "tbl"):
        grid = table.find(W + "tblGrid")
        if grid is None:
            continue
        old = [int(c.get(W + "w")) if (c.get(W + "w") or "").isdigit() else 0 for c in grid.findall(W + "gridCol")]
        percent = _percent_wide(table)
        if not percent and not _may_be_wider(table, len(old)):
            continue
        widest, widths = _widest(table)
        if widths is not None and percent and old and all(old):
            if widths != old:
                _set_grid(table, grid, _fitted(old, widths))
                changed = True
            continue
        if widest <= len(old) or widths is None:
            continue
        for col in grid.findall(W + "gridCol"):
            grid.remove(col)
        for w in widths:
            grid.append(grid.makeelement(W + "gridCol", {W + "w": str(w)}))
        changed = True
    return changed


def _may_be_wider(table, columns: int) -> bool:
    """Whether a row of `table` may span more than `columns` grid columns: its cells counted, and
    their gridSpans found in one pass over the table, not cell by cell (most tables are not
    wider, and a large one has thousands of cells); anything unusual says yes."""
    try:
        extra: dict = {}  # row → its cells' gridSpan beyond 1
        for span in table.iter(W + "gridSpan"):
            props = span.getparent()
            cell = props.getparent()
            if props.tag == W + "tcPr" and cell is not None and cell.tag == W + "tc":
                if cell.find(W + "tcPr") is props and props.find(W + "gridSpan") is span:  # as the loop reads it
                    row = cell.getparent()
                    extra[row] = extra.get(row, 0) + int(span.get(W + "val", "1")) - 1
        return any(len(row.findall(W + "tc")) + extra.get(row, 0) > columns for row in table.findall(W + "tr"))
    except (AttributeError, TypeError, ValueError):
        return True
