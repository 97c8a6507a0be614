"""Moving references to the rows that exist after the row loops are expanded.

Every reference in the workbook is moved by the row maps of the sheet it points at, whichever
sheet it is written on: `=SUM(明细!G5:G5)` on a summary sheet becomes `=SUM(明细!G5:G9)` when
明细's loop gives five rows. The rules, for a reference into a sheet with a loop:

- a range that covers a loop's whole body (its marker rows may be in it or not) grows over all
  the rows the loop gives; a range that covers none of it moves with the rows around it;
- inside a loop, a reference to the loop's own rows points at the same iteration (as Excel
  does when rows are copied); an absolute row (`$B$4:B4`) stays at the first (or, at the end
  of a range, the last) iteration, so `=SUM($B$4:B4)` is a running total; such a range spans
  the items, so it must cover each item's whole body (over part of a two-row item it would
  take the other rows of the items in between) and is refused otherwise;
- outside a loop, a single cell of a loop's rows means the first item's row;
- a validation or conditional format on part of a loop's body is copied to every item; its
  formula, which Excel reads for the range's first cell, is moved as a cell formula in each of
  the range's rows would be and written for the new first cell (`anchored`), or refused;
- a one-row range of several columns in a loop's rows (a chart's series in rows) would grow
  into two dimensions where a single series or list is meant, and is refused;
- a range that covers part of a loop's body, a cell of a marker row, INDIRECT and OFFSET
  (whose text or offsets cannot be moved) and references across several sheets are refused:
  `Refused` carries the reason, and the caller names the cell;
- a range left with no rows (the loop had no items) is written `0` inside SUM, SUMPRODUCT, MAX, MIN,
  where that is the true value; a COUNTIF, SUMIF, COUNTIFS, SUMIFS, MAXIFS or MINIFS over it is
  written 0 as a whole (what Excel computes for no rows); it is refused elsewhere (COUNT(0)
  would say 1; AVERAGEIF over no rows is #DIV/0! in Excel, said so).

References are found with openpyxl's formula tokenizer, so text in quotes is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from openpyxl.formula.tokenizer import Token, Tokenizer

from qdocgen.render.xlsx.layout import OutRow, RowMap

_CELLS = re.compile(r"^(?P<c1>\$?[A-Za-z]{1,3})?(?P<r1>\$?\d+)?(?::(?P<c2>\$?[A-Za-z]{1,3})?(?P<r2>\$?\d+)?)?$")
SHEET_ROWS = 1_048_576
EMPTY_OK = {"SUM", "MAX", "MIN", "SUMPRODUCT"}
# Conditional counts and sums over no rows are 0, as Excel computes them: the call is written 0
# (its ranges cannot be: COUNTIF takes a reference, not a number).
EMPTY_ZERO = {"COUNTIF", "COUNTIFS", "SUMIF", "SUMIFS", "MAXIFS", "MINIFS"}
EMPTY_DIV0 = {"AVERAGEIF", "AVERAGEIFS", "AVERAGE", "AVERAGEA"}  # Excel: #DIV/0!
UNMOVABLE = {
    "INDIRECT": "INDIRECT 中以文字写的引用不会随行循环展开而调整",
    "OFFSET": "OFFSET 的行偏移和高度不会随行循环展开而调整",
}


class Refused(Exception):
    """A reference that cannot be moved safely; the message says why, in Chinese."""


class EmptyRange(Refused):
    """A range left without rows where an empty range has no true value."""


class _Empty(Exception):
    def __init__(self, ref: str):
        super().__init__(ref)
        self.ref = ref


class ReferenceMover:
    """Moves references by the row maps of all sheets (`maps`: sheet title → RowMap)."""

    def __init__(self, maps: dict[str, RowMap]):
        self.maps = maps
        self.moving = any(m.loops for m in maps.values())

    # -- formulas ------------------------------------------------------------------------

    def formula(self, text: str, sheet: str, site: OutRow | None = None, *, as_ranges: bool = False) -> str:
        """A formula (with or without its leading `=`) with every reference moved.

        `as_ranges`: a single cell means a range of one cell (a chart series or a list's
        source over a one-row loop grows with it rather than staying at the first item).
        """
        if not self.moving or not isinstance(text, str):
            return text
        return self._rewritten(text, lambda ref: self.ref(ref, sheet, site, as_range=as_ranges))

    def _rewritten(self, text: str, move: Callable[[str], str]) -> str:
        """`text` (with or without its leading `=`) with each range operand replaced by `move(range)`;
        functions that cannot follow rows are refused, and an empty range is written 0 where that is
        the right value."""
        lead = "=" if text.startswith("=") else ""
        try:
            items = Tokenizer("=" + text.lstrip("=")).items
        except Exception:
            raise Refused(f"无法解析公式“{text}”，无法确认其中的引用随行循环调整") from None
        calls: list[str] = []
        starts: list[int] = []  # where each open call begins in `parts`
        zero: set[int] = set()  # depths of calls that come to 0 as a whole (COUNTIF over no rows)
        parts = []
        for t in items:
            if t.subtype == Token.OPEN:  # a function, a bracket or an array constant
                name = t.value[:-1].upper().removeprefix("_XLFN.").removeprefix("_XLWS.")
                if t.type == Token.FUNC and name in UNMOVABLE:
                    raise Refused(f"{UNMOVABLE[name]}，请改用直接引用（如 =SUM(明细!G5:G5)）")
                calls.append(name if t.type == Token.FUNC else t.value)
                starts.append(len(parts))
            elif t.subtype == Token.CLOSE and calls:
                calls.pop()
                start = starts.pop()
                if len(calls) in zero:
                    zero.discard(len(calls))
                    del parts[start:]
                    parts.append("0")
                    continue
            if t.type == Token.OPERAND and t.subtype == Token.RANGE:
                try:
                    parts.append(move(t.value))
                except _Empty as empty:
                    call = calls[-1] if calls else None
                    if call in EMPTY_ZERO:
                        zero.add(len(calls) - 1)
                        parts.append(t.value)  # dropped with its call
                        continue
                    if call in EMPTY_DIV0:
                        raise EmptyRange(
                            f"引用 {empty.ref} 只覆盖行循环的行，而本次循环没有数据；{call} 对没有数据的区域"
                            "在 Excel 中是 #DIV/0!（没有可平均的数），无法写出正确的值；要在没有数据时显示别的，"
                            '可写作 =IF(COUNTIF(…)=0,"",SUMIF(…)/COUNTIF(…))'
                        ) from None
                    if call not in EMPTY_OK:
                        raise EmptyRange(
                            f"引用 {empty.ref} 只覆盖行循环的行，而本次循环没有数据；空区域只能在 "
                            "SUM、SUMPRODUCT、MAX、MIN 中写作 0，COUNTIF、SUMIF、COUNTIFS、SUMIFS、MAXIFS、MINIFS "
                            "整个写作 0，在这里无法写出正确的值"
                        ) from None
                    parts.append("0")
            else:
                parts.append(t.value)
        return lead + "".join(parts)

    # -- references ----------------------------------------------------------------------

    def ref(self, ref: str, sheet: str, site: OutRow | None = None, *, as_range: bool = False) -> str:
        """One reference (`B4`, `$B$4:$B$9`, `明细!G5:G5`, `4:4`) moved; `sheet` is where it is written.

        Raises `_Empty` when the range is left without rows, `Refused` when it cannot be moved.
        """
        prefix, target = self._target(ref, sheet)
        if target is None:
            return ref
        m = _CELLS.match(ref[len(prefix) :])
        if not m or not (m.group("r1") or m.group("r2")):
            return ref  # a name, a whole column, an error value
        r1, r2 = m.group("r1"), m.group("r2")
        if as_range and r2 is None and m.group("r1") and ":" not in ref[len(prefix) :]:
            cell = ref[len(prefix) :]
            first, _, last = self.ref(f"{prefix}{cell}:{cell}", sheet, site)[len(prefix) :].partition(":")
            return prefix + (first if first == last else f"{first}:{last}")
        if r1 is None or (r2 is None and ":" in ref[len(prefix) :]):
            return ref
        own = site if (site is not None and target.title == sheet) else None
        lo, hi = self._rows(target, ref, r1, r2, own)
        if hi < lo:
            raise _Empty(ref)
        hi = _within_sheet(ref, r2, lo, hi)
        c1, c2 = (m.group("c1") or "").replace("$", ""), (m.group("c2") or "").replace("$", "")
        if as_range and r2 is not None and int(r1.lstrip("$")) == int(r2.lstrip("$")) and c1 != c2 and hi > lo:
            raise Refused(
                f"区域 {ref} 是一行中的几列（系列按行排列），行循环展开后成为 {hi - lo + 1} 行的二维区域，"
                "不能作为一个系列或一个列表；图表请按列排列系列（选中图表，“图表设计 → 切换行/列”，"
                "每项成为一个分类），列表的来源请选一列"
            )
        text = f"{prefix}{m.group('c1') or ''}{_row(r1, lo)}"
        if r2 is not None:
            text += f":{m.group('c2') or ''}{_row(r2, hi)}"
        return text

    def _target(self, ref: str, sheet: str) -> tuple[str, RowMap | None]:
        """The sheet prefix as written (`'明细'!`) and the map of the sheet it names."""
        if "!" not in ref:
            return "", self.maps.get(sheet)
        prefix = ref[: ref.rindex("!") + 1]
        name = prefix[:-1]
        if name.startswith("'") and name.endswith("'"):
            name = name[1:-1].replace("''", "'")
        elif ":" in name:  # Sheet1:Sheet3!A1
            if self.moving:
                raise Refused(f"跨多个工作表的引用 {ref} 无法随行循环调整")
            return prefix, None
        return prefix, self.maps.get(name)

    def _rows(self, target: RowMap, ref: str, r1: str, r2: str | None, own: OutRow | None) -> tuple[int, int]:
        a, a_abs = int(r1.lstrip("$")), r1.startswith("$")
        if r2 is None:
            loop = target.loop_of(a)
            if loop is not None and own is not None and own.loop is loop:
                row = target.first(a) if a_abs else own.copy_start + a - loop.start - 1
                return row, row
            if target.is_marker(a):
                raise Refused(f"引用 {ref} 指向 {{%tr %}} 标记所在的第 {a} 行，该行在输出中删去")
            # the first item's row; a loop without items leaves (first, first - 1): no row
            return target.first(a), min(target.first(a), target.final(a))
        b, b_abs = int(r2.lstrip("$")), r2.startswith("$")
        if b < a:
            a, b, a_abs, b_abs = b, a, b_abs, a_abs
        for loop in target.loops:
            body_first, body_last = loop.start + 1, loop.end - 1
            if body_last < body_first:
                continue
            inter = (max(a, body_first), min(b, body_last))
            if inter[0] > inter[1]:
                continue
            if own is not None and own.loop is loop and body_first <= a and b <= body_last:
                if (a_abs or b_abs) and (a, b) != (body_first, body_last):
                    # a `$` end spans the items: over part of each item's rows it would take
                    # the other rows of the items in between too (完成 and 未完成 summed together)
                    raise Refused(
                        f"引用 {ref} 的行号带 $，展开后跨越循环的各项，但它只覆盖每项第 {body_first}—{body_last} 行"
                        f"（{loop.coord} 起的行循环）中的部分行，展开后会混入每项的其他行；"
                        "请让带 $ 的区域覆盖每项的全部行，或去掉 $ 只引用同一项的行"
                    )
                lo = target.first(a) if a_abs else own.copy_start + a - body_first
                hi = target.final(b) if b_abs else own.copy_start + b - body_first
                return lo, hi
            if inter != (body_first, body_last):
                raise Refused(
                    f"引用 {ref} 只覆盖工作表“{target.title}”第 {body_first}—{body_last} 行这一行循环"
                    f"（{loop.coord} 起）中的部分行，展开后无法确定应覆盖哪些行；"
                    "请让引用覆盖循环的全部行，或完全不含循环的行"
                )
        return target.first(a), target.final(b)

    # -- formulas relative to a range: conditional formats, validations -------------------

    def anchored(self, text: str, sheet: str, anchor: int, out_rows: list[int] | None) -> str:
        """A conditional format's or validation's formula, moved with its range.

        Excel reads such a formula for the first cell of the range (template row `anchor`) and
        shifts its relative references for every other cell. Each reference is moved as a cell
        formula in each output row (`out_rows`, the moved range's rows, its first cell's row
        first) would be; the result is written for the first output cell: relative when the
        moved reference keeps one offset from every row, with a `$` row when it points at the
        same row from every row (the average row below a loop), and refused otherwise.
        `out_rows` None: the range is whole columns; a relative row into a sheet with loops
        is refused there, any other reference moves as in a formula outside the loops.
        """
        if not self.moving or not isinstance(text, str) or out_rows == []:
            return text
        return self._rewritten(text, lambda ref: self._anchored_ref(ref, sheet, anchor, out_rows))

    def _anchored_ref(self, ref: str, sheet: str, anchor: int, out_rows: list[int]) -> str:
        prefix, target = self._target(ref, sheet)
        if target is None:
            return ref
        body = ref[len(prefix) :]
        m = _CELLS.match(body)
        if not m or not (m.group("r1") or m.group("r2")):
            return ref
        r1, r2 = m.group("r1"), m.group("r2")
        if r1 is None or (r2 is None and ":" in body):
            return ref
        if out_rows is None:
            if target.loops and not all(r.startswith("$") for r in (r1, r2) if r is not None):
                raise Refused(f"整列（或整行）区域的公式中的相对引用 {ref} 无法随行循环调整；请把区域只设在表格的行上")
            return self.ref(ref, sheet)
        here = self.maps.get(sheet) or RowMap(sheet)
        # Far below every loop each row maps linearly (one offset): past `linear`, the last row
        # stands for all (a whole-column format has a million rows).
        reach = max(abs(int(r.lstrip("$")) - anchor) for r in (r1, r2) if r is not None)
        linear = len(here.rows) + max(m.last for m in self.maps.values()) + reach + 2
        last = len(out_rows) - 1
        out_rows = [o for i, o in enumerate(out_rows) if o <= linear or i in (0, last)]
        ends: list[tuple[int, int]] = []
        for out_row in out_rows:
            site = here.origin(out_row)
            shift = site.template_row - anchor
            rows = [_shifted(r, shift, ref) for r in (r1, r2) if r is not None]
            own = site if (site.loop is not None and target.title == sheet) else None
            lo, hi = self._rows(target, ref, rows[0], rows[-1] if r2 is not None else None, own)
            if hi < lo:
                ends.append(None)
            else:
                ends.append((lo, _within_sheet(ref, r2, lo, hi)))
        if all(e is None for e in ends):
            raise _Empty(ref)
        if any(e is None for e in ends):
            raise Refused(f"引用 {ref} 在本区域的一部分行中没有对应的行，无法写成一个公式")
        first = _anchored_row(r1, [e[0] for e in ends], out_rows, ref)
        text = f"{prefix}{m.group('c1') or ''}{first}"
        if r2 is not None:
            text += f":{m.group('c2') or ''}{_anchored_row(r2, [e[1] for e in ends], out_rows, ref)}"
        return text

    # -- lists of ranges -----------------------------------------------------------------

    def sqref(self, text: str, sheet: str) -> str:
        """A space-separated list of ranges (conditional formats, validations); empty ones dropped."""
        parts = []
        for ref in str(text).split():
            copies = self._each_item(ref if ":" in ref else f"{ref}:{ref}", sheet)
            if copies is not None:
                parts += copies
                continue
            try:
                moved = self.ref(ref if ":" in ref else f"{ref}:{ref}", sheet)
            except _Empty:
                continue
            first, _, last = moved.partition(":")
            parts.append(first if first == last else moved)
        return " ".join(parts)

    def _each_item(self, ref: str, sheet: str) -> list[str] | None:
        """A range within part of a loop's body (a validation on the second of two rows per
        item): one copy per item, as the rows themselves are copied. None for any other range."""
        target = self.maps.get(sheet)
        m = _CELLS.match(ref)
        if target is None or not m or not (m.group("r1") and m.group("r2")):
            return None
        a, b = sorted((int(m.group("r1").lstrip("$")), int(m.group("r2").lstrip("$"))))
        loop = target.loop_of(a)
        if loop is None or target.loop_of(b) is not loop or (a, b) == (loop.start + 1, loop.end - 1):
            return None
        c1, c2 = (m.group("c1") or "").replace("$", ""), (m.group("c2") or "").replace("$", "")
        offsets = [start - loop.start - 1 for start in target.iteration_starts(loop)]
        return [_one(f"{c1}{a + k}", f"{c2}{b + k}") for k in offsets]

    def range_or_none(self, ref: str, sheet: str) -> str | None:
        """One range moved, or None when it is left without rows."""
        try:
            return self.ref(ref, sheet)
        except _Empty:
            return None


def _one(first: str, last: str) -> str:
    return first if first == last else f"{first}:{last}"


def _row(written: str, row: int) -> str:
    return f"${row}" if written.startswith("$") else str(row)


def _shifted(written: str, shift: int, ref: str) -> str:
    """A row of a reference as Excel reads it `shift` rows below the range's first cell."""
    if written.startswith("$"):
        return written
    row = int(written) + shift
    if row < 1:
        raise Refused(f"引用 {ref} 在本区域的部分单元格中指向第 1 行以上，无法随行循环调整")
    return str(row)


def _anchored_row(written: str, targets: list[int], out_rows: list[int], ref: str) -> str:
    """One row of a reference in a formula written for `out_rows[0]`: the row each output row
    must point at is `targets[i]`; relative if one offset serves all, `$` if one row does."""
    offsets = {t - o for t, o in zip(targets, out_rows, strict=True)}
    if not written.startswith("$") and len(offsets) == 1:
        return str(out_rows[0] + offsets.pop())
    if len(set(targets)) == 1:
        return f"${targets[0]}"
    raise Refused(
        f"引用 {ref} 展开后在各行所指的行既不是相对于本格的同一偏移，也不是同一行，无法写成一个公式；"
        "请改为引用同一项的行，或以 $ 固定的行"
    )


def _within_sheet(ref: str, r2: str | None, lo: int, hi: int) -> int:
    """The last row of a moved range: one that ran to the sheet's end (a whole column, as Excel
    stores it) still does; any other pushed past the last row is refused."""
    if hi <= SHEET_ROWS:
        return hi
    if r2 is None or int(r2.lstrip("$")) != SHEET_ROWS or lo > SHEET_ROWS:
        raise Refused(f"引用 {ref} 展开后超出工作表的最后一行（第 {SHEET_ROWS:,} 行）")
    return SHEET_ROWS
