"""Column loops in Excel templates: the columns between a `{%tc for x in list %}` cell and a
`{%tc endfor %}` cell of the same row repeat once per item, in every row of the sheet.

As with row loops, the marker columns are deleted from the output. The list is taken from the
template's context (not from a row's loop variable), so every row has the same columns: a task
table has one column per plan year (`{%tc for i in range(plan.years|length) %}`). In the
repeated cells the loop variable is replaced by the item (an integer or a text as a literal,
anything else as `(list)[k]`), so `{{ plan.years[i] }}` and `{%hmerge r.year_goals[i].span %}`
work in every row. Column widths repeat; a merge inside the repeated columns repeats, one that
spans all of them stretches. The expansion is a new template, compiled once per item list.
"""

from __future__ import annotations

import io
import re
from copy import copy

from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange

from qdocgen.render.xlsx.tags import clean, tag_spans

START = re.compile(r"^\s*\{%-?\s*tc\s+for\s+(?P<name>[A-Za-z_]\w*)\s+in\s+(?P<items>.+?)\s*-?%\}\s*$", re.S)
END = re.compile(r"^\s*\{%-?\s*tc\s+endfor\s*-?%\}\s*$")
MARK = re.compile(r"\{%-?\s*tc\s")


class ColumnLoopError(ValueError):
    """A column loop that cannot be laid out; `place` is the cell, the message says why."""

    def __init__(self, place: str, message: str, sheet: str | None = None):
        super().__init__(message)
        self.place = place
        self.sheet = sheet


def has_column_loops(blob: bytes) -> bool:
    """Whether any cell of the workbook holds a `{%tc … %}` marker (cheap: the shared strings)."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        for name in z.namelist():
            if name.endswith(".xml") and ("sharedStrings" in name or "worksheets/" in name):
                if MARK.search(z.read(name).decode("utf-8", "replace")):
                    return True
    return False


def loops(wb) -> list[tuple[str, str, int, int, str, str]]:
    """(sheet, coord, start column, end column, variable, items source) of every column loop."""
    found = []
    for ws in wb.worksheets:
        for (row, col), cell in sorted(ws._cells.items()):
            if isinstance(cell.value, str) and MARK.match(cell.value.strip()):
                text = clean(cell.value.strip())
                start = START.match(text)
                if len(MARK.findall(text)) > 1 or (start and start.end() < len(text)):
                    raise ColumnLoopError(
                        cell.coordinate,
                        "这是 Word 模板的标记，Excel 模板中不能用：Word 模板中同一格内按列重复的 {%tc … %} 写法；"
                        "Excel 模板中 {%tc for x in 列表 %} 与 {%tc endfor %} 各自单独占一格，两格之间的列按列表重复",
                        ws.title,
                    )
                if start:
                    end = next(
                        (
                            c
                            for (r, c), other in sorted(ws._cells.items())
                            if r == row and c > col and isinstance(other.value, str) and END.match(other.value)
                        ),
                        None,
                    )
                    if end is None:
                        raise ColumnLoopError(cell.coordinate, "{%tc for … %} 右边同一行没有对应的 {%tc endfor %}")
                    found.append((ws.title, cell.coordinate, col, end, start.group("name"), start.group("items")))
                elif not END.match(text):
                    raise ColumnLoopError(
                        cell.coordinate, f"无法识别的列标记“{text}”（应为 {{%tc for x in 列表 %}} 或 {{%tc endfor %}}）"
                    )
    return found


def expand(blob: bytes, items_of) -> bytes:
    """The workbook with every column loop laid out. `items_of(source)` gives the items of a
    loop's list source: a list of literal texts to put for the variable (one per column group)."""
    wb = load_workbook(io.BytesIO(blob), rich_text=True)
    for title, coord, start, end, name, source in sorted(loops(wb), key=lambda x: (x[0], -x[2])):
        _expand_sheet(wb[title], coord, start, end, name, items_of(source))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def literal(source: str, k: int, item) -> str:
    """The Jinja text put for the loop variable in the k-th group."""
    if isinstance(item, bool) or item is None:
        return f"(({source}))[{k}]"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, str) and "\\" not in item and '"' not in item and "\n" not in item:
        return f'"{item}"'
    return f"(({source}))[{k}]"


def _expand_sheet(ws, coord: str, start: int, end: int, name: str, values: list[str]) -> None:
    width = end - start - 1
    if width < 1:
        raise ColumnLoopError(coord, "{%tc for %} 与 {%tc endfor %} 之间没有要重复的列")
    n = len(values)

    def new_cols(c: int) -> list[int]:
        if c < start:
            return [c]
        if c > end:
            return [c - (width + 2) + n * width]
        if c in (start, end):
            return []
        return [start + k * width + (c - start - 1) for k in range(n)]

    cells = sorted(ws._cells.items())
    for (_row, col), cell in cells:
        if (
            col in (start, end)
            and cell.value is not None
            and not (isinstance(cell.value, str) and MARK.match(cell.value))
        ):
            if isinstance(cell.value, str) and not cell.value.strip():
                continue
            raise ColumnLoopError(
                cell.coordinate,
                f"本格与列标记 {coord} 在同一列，标记所在的列在输出中整列删去，本格的内容会丢失；请把它移到标记列之外",
            )
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    widths = {c: copy(d) for c, d in ((col, ws.column_dimensions[get_column_letter(col)]) for col in _dim_cols(ws))}
    ws._cells = {}
    for rng in list(ws.merged_cells.ranges):
        ws.merged_cells.remove(rng)
    for (row, col), cell in cells:
        for k, to in enumerate(new_cols(col)):
            out = ws.cell(row=row, column=to)
            out._style = copy(cell._style)
            value = cell.value
            if start < col < end:
                value = _bind(value, name, values[k])
            out.value = value
    for letter in list(ws.column_dimensions):
        del ws.column_dimensions[letter]
    for col, dim in sorted(widths.items()):
        for to in new_cols(col):
            d = ws.column_dimensions[get_column_letter(to)]
            d.width = dim.width
            d.hidden = dim.hidden
    for r1, c1, r2, c2 in merges:
        if c2 < start or c1 > end:
            new = [(new_cols(c1)[0], new_cols(c2)[0])]
        elif start < c1 and c2 < end:
            new = list(zip(new_cols(c1), new_cols(c2), strict=True))
        elif c1 <= start + 1 and c2 >= end - 1:
            first = new_cols(c1)[0] if c1 != start else start
            last = new_cols(c2)[-1] if c2 != end else (start + n * width - 1)
            new = [(first, last)] if last >= first else []
        else:
            where = f"{get_column_letter(c1)}{r1}"
            raise ColumnLoopError(where, f"合并区域 {where} 只覆盖列循环（{coord} 起）中的部分列，展开后无法合并")
        for a, b in new:
            if (a, r1) != (b, r2):
                name_ = f"{get_column_letter(a)}{r1}:{get_column_letter(b)}{r2}"
                ws.merged_cells.add(MergedCellRange(ws, name_))


def _dim_cols(ws) -> list[int]:
    from openpyxl.utils import column_index_from_string

    cols = []
    for letter, dim in ws.column_dimensions.items():
        first = column_index_from_string(letter)
        last = max(first, dim.max or first) if dim.min else first
        cols.extend(range(first, last + 1))
    return cols


def _bind(value, name: str, text: str):
    if isinstance(value, str):
        return _bind_text(value, name, text)
    if isinstance(value, CellRichText):
        return CellRichText(
            *(
                TextBlock(b.font, _bind_text(b.text, name, text))
                if isinstance(b, TextBlock)
                else _bind_text(str(b), name, text)
                for b in value
            )
        )
    return value


def _bind_text(value: str, name: str, text: str) -> str:
    word = re.compile(r"(?<![\w.'\"])" + re.escape(name) + r"(?![\w'\"])")
    source = clean(value)
    out, at = [], 0
    for s, e in tag_spans(source):
        out.append(source[at:s])
        out.append(word.sub(text, source[s:e]))
        at = e
    out.append(source[at:])
    return "".join(out)
