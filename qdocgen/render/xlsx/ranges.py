"""Sheet settings that name ranges, moved with the rows: validations, conditional formats,
print areas and titles, filters, tables, page breaks, frozen panes and defined names."""

from __future__ import annotations

import re

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.worksheet.pagebreak import Break, RowBreak

from qdocgen.render.xlsx.layout import RowMap
from qdocgen.render.xlsx.references import ReferenceMover, Refused

_ROWS = re.compile(r"^\$?(\d+):\$?(\d+)$")


def move_sheet_ranges(ws, rows: RowMap, mover: ReferenceMover, error) -> None:
    """Move every range setting of `ws`; `error(sheet, place, reason)` makes the refusal."""
    title = ws.title

    def moved(what: str, call, *args):
        try:
            return call(*args)
        except Refused as exc:
            raise error(title, what, str(exc)) from None

    if ws.print_area:
        areas = [a.split("!")[-1] for a in str(ws.print_area).split(",")]
        kept = [a for a in (moved("打印区域", mover.range_or_none, a, title) for a in areas) if a]
        ws.print_area = kept or None
    if ws.print_title_rows:
        m = _ROWS.match(str(ws.print_title_rows).split("!")[-1])
        if m:
            span = moved("打印标题行", mover.range_or_none, f"${m.group(1)}:${m.group(2)}", title)
            ws.print_title_rows = span.replace("$", "") if span else None
    for dv in ws.data_validations.dataValidation:
        dv.sqref = moved("数据有效性的区域", mover.sqref, str(dv.sqref), title)
        for attr in ("formula1", "formula2"):
            value = getattr(dv, attr)
            if value:
                source = moved(f"数据有效性 {dv.sqref} 的来源", _list_source, mover, value, title)
                setattr(dv, attr, source)
    if ws.auto_filter.ref:
        ws.auto_filter.ref = moved("筛选区域", mover.range_or_none, ws.auto_filter.ref, title)
    for table in ws.tables.values():
        table.ref = moved(f"表格“{table.name}”", mover.ref, table.ref, title)
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = table.ref
    _move_conditional_formats(ws, mover, moved)
    if ws.row_breaks.brk:
        breaks = RowBreak()
        for brk in ws.row_breaks.brk:
            breaks.append(Break(id=rows.final(brk.id)))
        ws.row_breaks = breaks
    if ws.freeze_panes:
        col = re.match(r"[A-Z]+", ws.freeze_panes).group(0)
        ws.freeze_panes = f"{col}{rows.first(int(ws.freeze_panes[len(col) :]))}"
    for name, defined in list(ws.defined_names.items()):
        defined.attr_text = moved(f"名称“{name}”", _name_text, mover, defined.attr_text, title)


def move_workbook_names(wb, mover: ReferenceMover, error) -> None:
    for name, defined in list(wb.defined_names.items()):
        try:
            defined.attr_text = _name_text(mover, defined.attr_text, None)
        except Refused as exc:
            raise error(None, f"名称“{name}”", str(exc)) from None


def _list_source(mover: ReferenceMover, text: str, sheet: str) -> str:
    return mover.formula(text, sheet, as_ranges=True)


def _name_text(mover: ReferenceMover, text: str | None, sheet: str | None) -> str | None:
    if not text:
        return text
    return mover.formula(text, sheet or "")


def _move_conditional_formats(ws, mover: ReferenceMover, moved) -> None:
    old = ws.conditional_formatting
    if not old:
        return
    new = ConditionalFormattingList()
    for cf in old:
        sqref = moved("条件格式的区域", mover.sqref, str(cf.sqref), ws.title)
        if not sqref:
            continue
        for rule in cf.rules:
            if rule.formula:
                rule.formula = [moved(f"条件格式 {sqref} 的公式", mover.formula, f, ws.title) for f in rule.formula]
            new.add(sqref, rule)
    ws.conditional_formatting = new
