"""Row layout: which output rows each template row becomes once the row loops are expanded.

`lay_out` evaluates each loop's list (and its `if` filter) and gives a `RowMap`: the output
rows in order (each with the scope its cells render in), and for every template row the first
and last output row it became. Rows outside loops move down or up by what the loops above
them added or removed; a loop's marker rows disappear; its body rows repeat once per item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Undefined

from qdocgen.render.xlsx.template import Loop, SheetTemplate

# More output rows than any document of a plan needs: a template asking for more is refused
# rather than left to run for minutes (a loop over range(100000), a cell at row 1,048,576).
MAX_ROWS = 50_000


@dataclass
class OutRow:
    template_row: int
    scope: dict
    loop: Loop | None = None
    copy_start: int = 0  # the output row where this row's loop iteration starts


@dataclass
class RowMap:
    """Template rows → output rows for one sheet (the identity for a sheet without loops)."""

    title: str
    loops: list[Loop] = field(default_factory=list)
    rows: list[OutRow] = field(default_factory=list)
    lo: dict[int, int] = field(default_factory=dict)
    hi: dict[int, int] = field(default_factory=dict)
    last: int = 0  # the last template row laid out; later rows move with it

    def first(self, row: int) -> int:
        """The first output row of template row `row` (for a marker row: the row after it)."""
        return self.lo[row] if row in self.lo else row + len(self.rows) - self.last

    def final(self, row: int) -> int:
        """The last output row of template row `row` (for a marker row: the row before it)."""
        return self.hi[row] if row in self.hi else row + len(self.rows) - self.last

    def origin(self, out_row: int) -> OutRow:
        """The template row (and loop iteration) output row `out_row` came from."""
        if out_row <= len(self.rows):
            return self.rows[out_row - 1]
        return OutRow(out_row - len(self.rows) + self.last, {})

    def loop_of(self, row: int) -> Loop | None:
        """The loop whose body holds template row `row`."""
        return next((lp for lp in self.loops if lp.start < row < lp.end), None)

    def is_marker(self, row: int) -> bool:
        return any(row in (lp.start, lp.end) for lp in self.loops)

    def iteration_starts(self, loop: Loop) -> list[int]:
        return sorted({o.copy_start for o in self.rows if o.loop is loop})


class LoopError(Exception):
    """A loop's list could not be evaluated: `place` is the marker cell, `cause` the error."""

    def __init__(self, place: str, cause: BaseException | str):
        super().__init__(str(cause))
        self.place = place
        self.cause = cause


RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError)


def lay_out(sheet: SheetTemplate, context: dict, template_rows: int) -> RowMap:
    """The output rows of `sheet`; `template_rows` is the last row the template uses."""
    from jinja2 import TemplateError as JinjaError

    out = RowMap(sheet.title, list(sheet.loops), last=template_rows)
    loops = {lp.start: lp for lp in sheet.loops}
    row = 1
    while row <= template_rows:
        loop = loops.get(row)
        if loop is None:
            _place(out, row, OutRow(row, context))
            row += 1
            continue
        _mark_empty(out, row)
        try:
            scopes = _scopes(loop, context)
        except (JinjaError, *RUNTIME_ERRORS) as exc:
            raise LoopError(loop.coord, exc) from None
        for scope in scopes:
            start = len(out.rows) + 1
            for tpl_row in loop.body:
                _place(out, tpl_row, OutRow(tpl_row, scope, loop, start))
        if not scopes:
            for tpl_row in loop.body:
                _mark_empty(out, tpl_row)
        _mark_empty(out, loop.end)
        row = loop.end + 1
    return out


def _scopes(loop: Loop, context: dict) -> list[dict]:
    """The scope of each iteration: the context, the loop variables and `loop`."""
    items = loop.items(context)
    if isinstance(items, Undefined):
        str(items)  # raises UndefinedError, naming the variable
    bound = []
    for item in items:
        names = _bind(loop, item)
        if loop.test is not None:
            keep = loop.test({**context, **names})
            if isinstance(keep, Undefined):
                str(keep)
            if not keep:
                continue
        bound.append(names)
    scopes = []
    n = len(bound)
    for index, names in enumerate(bound):
        scope = dict(context)
        scope.update(names)
        scope["loop"] = {
            "index": index + 1,
            "index0": index,
            "first": index == 0,
            "last": index == n - 1,
            "length": n,
            "revindex": n - index,
            "revindex0": n - index - 1,
            "depth": 1,
            "depth0": 0,
        }
        scopes.append(scope)
    return scopes


def _bind(loop: Loop, item) -> dict:
    if len(loop.targets) == 1:
        return {loop.targets[0]: item}
    values = list(item)
    if len(values) != len(loop.targets):
        raise ValueError(f"循环变量有 {len(loop.targets)} 个，而每项有 {len(values)} 个值")
    return dict(zip(loop.targets, values, strict=True))


def _place(out: RowMap, tpl_row: int, row: OutRow) -> None:
    if len(out.rows) >= MAX_ROWS:
        coord = row.loop.coord if row.loop is not None else f"A{tpl_row}"
        raise LoopError(coord, f"输出超过 {MAX_ROWS:,} 行，已拒绝（模板的循环或工作表过大）")
    out.rows.append(row)
    n = len(out.rows)
    out.lo.setdefault(tpl_row, n)
    out.hi[tpl_row] = n


def _mark_empty(out: RowMap, tpl_row: int) -> None:
    out.lo[tpl_row] = len(out.rows) + 1
    out.hi[tpl_row] = len(out.rows)
