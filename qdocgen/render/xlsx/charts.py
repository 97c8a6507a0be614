"""Charts and pictures follow the rows: series ranges grow with a loop, caches hold the new values.

openpyxl reads the charts of a template into its chart objects and writes them back (styles
that only Excel 2013+ keeps in separate chartStyle/colors parts are not carried; the chart's
own colours, fonts, titles and axes are). Each series' `c:f` range is moved like any formula,
and its cached values (which viewers that do not recalculate draw from) are rewritten from the
filled cells; a cache that would need a formula's value is left out, so Excel and LibreOffice
compute it when they open the file. Anchors move with the rows, keeping each drawing's size.
"""

from __future__ import annotations

from openpyxl.chart.data_source import MultiLevelStrRef, NumData, NumRef, NumVal, StrData, StrRef, StrVal
from openpyxl.descriptors.serialisable import Serialisable
from openpyxl.utils.cell import range_boundaries

from qdocgen.render.xlsx.layout import RowMap
from qdocgen.render.xlsx.references import EmptyRange, ReferenceMover, Refused


def chart_label(ws, index: int, chart) -> str:
    title = _title_text(chart)
    return f"图表 {index}" + (f"（“{title}”）" if title else "")


def move_chart_ranges(ws, mover: ReferenceMover, error) -> None:
    """Move every series range of every chart on `ws` and refresh its cache from the cells.

    A series whose rows a loop left empty is dropped (the chart shows no bar rather than a
    wrong one); any other range that cannot be moved refuses the render.
    """
    for index, chart in enumerate(ws._charts, start=1):  # openpyxl keeps a sheet's charts only here
        label = chart_label(ws, index, chart)
        done: set[int] = set()
        plots = {id(p): p for p in [chart, *getattr(chart, "_charts", [])]}
        for plot in plots.values():
            kept = []
            for series in getattr(plot, "ser", None) or []:
                try:
                    names = {id(getattr(series.tx, "strRef", None))} if getattr(series, "tx", None) else set()
                    for ref in _refs(series):
                        _move(ws, ref, mover, error, label, title=id(ref) in names)
                        done.add(id(ref))
                except EmptyRange:
                    continue
                done.add(id(_text_categories(ws.parent, series)))
                kept.append(series)
            plot.ser = kept
        for ref in _refs(chart):
            if id(ref) not in done:
                try:
                    _move(ws, ref, mover, error, label)
                except EmptyRange as exc:
                    raise error(ws.title, label, f"数据区域 {ref.f}：{exc}") from None


def series_name(before: str, after: str) -> None:
    """A series' name is one cell: one in a loop's rows (series in rows) would become several."""
    if ":" in after and ":" not in before.rpartition("!")[2]:
        raise Refused(
            f"系列名称 {before} 在行循环的行中，展开后成为 {after} 多个单元格；图表的系列按行排列时"
            "无法随行循环展开；请按列排列系列（选中图表，“图表设计 → 切换行/列”，每项成为一个分类）"
        )


def _move(ws, ref, mover: ReferenceMover, error, label: str, title: bool = False) -> None:
    if not ref.f:
        return
    try:
        moved = mover.formula(ref.f, ws.title, as_ranges=True)
        if title:
            series_name(ref.f, moved)
        ref.f = moved
    except EmptyRange:
        raise
    except Refused as exc:
        raise error(ws.title, label, f"数据区域 {ref.f}：{exc}") from None
    _refresh_cache(ws.parent, ref)


def move_anchors(ws, rows: RowMap) -> None:
    """Move charts and pictures with the rows they sit on, keeping their size."""
    for drawing in [*ws._charts, *ws._images]:
        anchor = getattr(drawing, "anchor", None)
        start = getattr(anchor, "_from", None)
        if start is None:  # an absolute anchor, or a cell name openpyxl resolves on saving
            continue
        new = rows.first(start.row + 1) - 1
        shift = new - start.row
        start.row = new
        end = getattr(anchor, "to", None)
        if end is not None:
            end.row += shift


def _text_categories(wb, series):
    """Categories that are text become a string reference (openpyxl's Reference makes a
    number one, whose cache cannot hold text); returns the new reference, if any."""
    cat = getattr(series, "cat", None)
    if cat is None or cat.numRef is None or not cat.numRef.f:
        return None
    values = range_values(wb, cat.numRef.f)
    if not values or not any(isinstance(v, str) and not v.startswith("=") for v in values):
        return None
    cat.strRef = StrRef(f=cat.numRef.f)
    cat.numRef = None
    _refresh_cache(wb, cat.strRef)
    return cat.strRef


def _refs(obj, seen=None):
    """Every NumRef/StrRef/MultiLevelStrRef in a chart (series, titles, sub-charts)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (NumRef, StrRef, MultiLevelStrRef)):
        yield obj
        return
    values = obj if isinstance(obj, (list, tuple)) else list(vars(obj).values())
    for value in values:
        if isinstance(value, (Serialisable, list, tuple)) or hasattr(value, "_charts"):
            yield from _refs(value, seen)


def _refresh_cache(wb, ref) -> None:
    values = range_values(wb, ref.f)
    if isinstance(ref, MultiLevelStrRef):
        ref.multiLvlStrCache = None
        return
    if values is None or any(isinstance(v, str) and v.startswith("=") for v in values):
        if isinstance(ref, NumRef):
            ref.numCache = None
        else:
            ref.strCache = None
        return
    if isinstance(ref, NumRef):
        fmt = ref.numCache.formatCode if ref.numCache is not None and ref.numCache.formatCode else "General"
        points = [
            NumVal(idx=i, v=v) for i, v in enumerate(values) if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        ref.numCache = NumData(formatCode=fmt, ptCount=len(values), pt=points)
    else:
        points = [StrVal(idx=i, v=str(v)) for i, v in enumerate(values) if v is not None and str(v) != ""]
        ref.strCache = StrData(ptCount=len(values), pt=points)


def range_values(wb, formula: str) -> list | None:
    """The filled values of a one-area range `'Sheet'!$A$1:$A$5`, or None if not that simple."""
    if "!" not in formula or formula.startswith("(") or "," in formula:
        return None
    name, _, cells = formula.rpartition("!")
    if name.startswith("'") and name.endswith("'"):
        name = name[1:-1].replace("''", "'")
    if name not in wb.sheetnames:
        return None
    try:
        min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    except ValueError:
        return None
    if None in (min_col, min_row, max_col, max_row) or (max_row - min_row + 1) * (max_col - min_col + 1) > 10_000:
        return None
    ws = wb[name]
    return [
        value
        for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True)
        for value in row
    ]


def _title_text(chart) -> str:
    try:
        rich = chart.title.tx.rich
        return "".join(run.t for p in rich.p for run in (p.r or []))[:20]
    except AttributeError:
        return ""
