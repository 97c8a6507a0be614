"""Sheet settings that name ranges, moved with the rows: validations, conditional formats,
print areas and titles, filters, tables, page breaks, frozen panes and defined names."""

from __future__ import annotations

import re

from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.utils.cell import range_boundaries
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
    kept = []
    for dv in ws.data_validations.dataValidation:
        template_sqref = str(dv.sqref)
        place = _first_range(template_sqref)
        what = f"数据有效性（区域 {template_sqref}）"
        dv.sqref = moved(place, _with_reason, f"{what}无法随行循环调整：", mover.sqref, template_sqref, title)
        if not str(dv.sqref):
            continue  # its rows are gone with an empty loop
        for attr in ("formula1", "formula2"):
            value = getattr(dv, attr)
            if not value:
                continue
            if dv.type == "list":  # a list's source: a single cell of a loop's rows grows with it
                source = moved(
                    place, _with_reason, f"{what}的来源 {value} 无法随行循环调整：", _list_source, mover, value, title
                )
            else:  # a formula read for the range's first cell, as Excel does
                source = moved(
                    place,
                    _with_reason,
                    f"{what}的公式 {value} 无法随行循环调整：",
                    _anchored,
                    mover,
                    value,
                    title,
                    template_sqref,
                    str(dv.sqref),
                )
            setattr(dv, attr, source)
        kept.append(dv)
    ws.data_validations.dataValidation = kept
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
        template_sqref = str(cf.sqref)
        place = _first_range(template_sqref)  # the template's cell, as the clerk sees it
        what = f"条件格式（区域 {template_sqref}）"
        sqref = moved(place, _with_reason, f"{what}无法随行循环调整：", mover.sqref, template_sqref, ws.title)
        if not sqref:
            continue
        for rule in cf.rules:
            if rule.formula:
                rule.formula = [
                    moved(
                        place,
                        _with_reason,
                        f"{what}的公式 {f} 无法随行循环调整：",
                        _anchored,
                        mover,
                        f,
                        ws.title,
                        template_sqref,
                        sqref,
                    )
                    for f in rule.formula
                ]
            new.add(sqref, rule)
    ws.conditional_formatting = new


def _with_reason(lead: str, call, *args):
    """`call(*args)`, its refusal prefixed with what was being moved."""
    try:
        return call(*args)
    except Refused as exc:
        raise type(exc)(f"{lead}{exc}") from None


def _first_range(sqref: str) -> str:
    return sqref.split()[0] if sqref.split() else sqref


def _anchored(mover: ReferenceMover, formula: str, sheet: str, template_sqref: str, sqref: str) -> str:
    """A formula Excel reads for the first cell of its range, moved with the range."""
    first = template_sqref.split()[0]
    anchor_col, anchor_row = range_boundaries(first)[:2]
    if any(None in range_boundaries(ref) for ref in [*template_sqref.split(), *sqref.split()]):
        return mover.anchored(formula, sheet, 0, None)  # whole columns or rows
    new_first = sqref.split()[0]
    if range_boundaries(new_first)[0] != anchor_col:
        raise Refused(f"区域的第一个单元格从 {first} 变为 {new_first}，公式中的相对引用无法随之调整")
    rows: list[int] = []
    seen: set[int] = set()
    for ref in sqref.split():
        _, top, _, bottom = range_boundaries(ref)
        rows += [r for r in range(top, bottom + 1) if r not in seen]
        seen.update(range(top, bottom + 1))
    return mover.anchored(formula, sheet, anchor_row, rows)
