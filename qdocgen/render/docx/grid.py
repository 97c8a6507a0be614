"""A table's column grid widened to the cells a `{%tc for %}` loop or an `{%hmerge %}` added.

docxtpl's fix_tables counts cells, not the columns they span, so a row whose repeated cells
span more grid columns than the template had keeps the template's grid and Word lays the
table out wrongly. Before fix_tables, such a table's grid is rebuilt from its widest row:
each cell's width (w:tcW) split evenly over the columns it spans.
"""

from __future__ import annotations

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def widen_grids(tree) -> bool:
    """Rebuild the grid of every table whose widest row spans more columns; whether any was."""
    changed = False
    for table in tree.iter(W + "tbl"):
        grid = table.find(W + "tblGrid")
        if grid is None:
            continue
        columns = len(grid.findall(W + "gridCol"))
        if not _may_be_wider(table, columns):
            continue
        widest, widths = 0, None
        for row in table.findall(W + "tr"):
            spans, cols = 0, []
            for cell in row.findall(W + "tc"):
                props = cell.find(W + "tcPr")
                span = props.find(W + "gridSpan") if props is not None else None
                width = props.find(W + "tcW") if props is not None else None
                n = int(span.get(W + "val", "1")) if span is not None else 1
                spans += n
                if width is None or not (width.get(W + "w") or "").isdigit() or cols is None:
                    cols = None
                else:
                    cols += [int(width.get(W + "w")) // max(n, 1)] * max(n, 1)
            if spans > widest:
                widest, widths = spans, cols
        if widest <= columns or widths is None:
            continue
        for col in grid.findall(W + "gridCol"):
            grid.remove(col)
        for w in widths:
            col = grid.makeelement(W + "gridCol", {W + "w": str(w)})
            grid.append(col)
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
