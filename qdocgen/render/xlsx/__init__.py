"""Excel templates: Jinja in cells, repeated rows and data-driven merges, on openpyxl.

A template is an ordinary workbook a user edits in Excel or WPS. Cells may hold Jinja
(`{{ r.task }}`, `{% if %}`); a row whose cell reads `{%tr for r in rows %}` (optionally
`… if test`) and a later row reading `{%tr endfor %}` repeat the rows between them once per
item, with their styles, heights and merges (the two marker rows disappear). `{%vmerge N %}`
and `{%hmerge N %}` at the start of a cell merge it down or across. Page headers and footers
take tags too. Every reference in the workbook — formulas on any sheet, defined names,
validations, conditional formats, print areas and titles, tables, chart series — follows the
rows, or the render is refused naming the place when it cannot follow them safely.

The package, by concern:
- `tags`: the tag language (markers, smart quotes and wide spaces, `for … if`);
- `template`: reading and compiling a template's cells, loops and page headers once;
- `layout`: which output rows each template row becomes;
- `references`: moving a formula's or range's references by the layouts of all sheets;
- `ranges`, `charts`: the sheet settings, names, charts and pictures that name ranges;
- `cells`, `heights`: writing values and styles, and row heights for wrapped text;
- `plain`: a filled sheet's cells kept as plain lists rather than openpyxl's Cells, for a
  template simple enough (anything else, and any value they do not prove, goes the general way);
- `chart_parts`: the template's chart parts carried into the output as written;
- `writer`: saving, openpyxl's writer with the worksheets' cells (openpyxl's or plain) written
  faster, same bytes;
- `engine`: `PreparedXlsx`, which ties them together.

openpyxl's public API is used wherever it has one. Where it has none, the private attribute is
used in one place, with the reason beside it: listing only the cells that exist and clearing
them (`ws._cells`, cells.py), copying a cell's whole style at once (`_style`, as openpyxl's own
worksheet copy does), a sheet's charts and pictures (`ws._charts`, `ws._images`), and the order
in which openpyxl's reader finds a drawing's charts (`SpreadsheetDrawing._chart_rels`).

The names below are imported when first asked for: a reporting form (render/form_book.py) uses
`cells`, `copies` and `writer` only, and a worker that makes forms alone does without the engine
and what it imports (Jinja, the tag language: ~25 ms).
"""

from importlib import import_module

_FROM = {
    "MAX_ROWS": "layout",
    "PreparedXlsx": "engine",
    "put_value": "cells",
    "text_lines": "heights",
}

__all__ = ["MAX_ROWS", "PreparedXlsx", "put_value", "text_lines"]


def __getattr__(name: str):
    if name in _FROM:
        value = getattr(import_module(f"{__name__}.{_FROM[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
