"""Reading an Excel template: every cell compiled once, the row loops and the page headers found.

A cell holds a static value (copied), a formula (its references are moved later), or text with
tags: a single `{{ expression }}` gives a value (numbers stay numbers), anything else renders
as text. `{%vmerge N %}`/`{%hmerge N %}` at the start of a cell merge it. A row whose cell is
`{%tr for x in list [if test] %}` opens a row loop closed by a `{%tr endfor %}` row.
A cell with formatted runs (rich text) keeps each run's font around the tags it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jinja2 import TemplateError as JinjaError
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.worksheet.formula import ArrayFormula

from qdocgen.render.xlsx import tags

# Marks the start of run k inside a rich-text cell's source: private-use characters that
# neither Jinja nor a template uses, split out again after rendering.
_RUN = "\ue000{}\ue001"
RUN_MARK = re.compile("\ue000(\\d+)\ue001")

# Page header/footer items and where they sit, as Excel's 页面设置 names them.
HEADER_ITEMS = {
    "oddHeader": "页眉",
    "oddFooter": "页脚",
    "evenHeader": "偶数页页眉",
    "evenFooter": "偶数页页脚",
    "firstHeader": "首页页眉",
    "firstFooter": "首页页脚",
}
HEADER_PARTS = {"left": "左", "center": "中", "right": "右"}
_VALUE_TAG = re.compile(r"\{\{(-?)(.*?)(-?)\}\}", re.S)


@dataclass
class CellTemplate:
    """One template cell: how to fill it, and where it is in the template."""

    col: int
    coord: str
    value: object = None  # a static value or formula, copied as is
    text: object = None  # a compiled Jinja template giving text
    expr: object = None  # a compiled expression giving a value (numbers stay numbers)
    vmerge: object = None
    hmerge: object = None
    formula: bool = False
    fonts: list | None = None  # rich text: the font of each run, in RUN_MARK order
    sources: dict = field(default_factory=dict)  # vmerge, hmerge, expr → the expression's text

    @property
    def dynamic(self) -> bool:
        return self.text is not None or self.expr is not None or self.vmerge is not None or self.hmerge is not None


@dataclass
class Loop:
    start: int  # the row of `{%tr for %}`
    end: int  # the row of `{%tr endfor %}`
    targets: tuple[str, ...]
    items: object
    test: object  # the `if` filter of the loop, or None
    coord: str

    @property
    def body(self) -> range:
        return range(self.start + 1, self.end)


@dataclass
class HeaderTemplate:
    item: str  # oddHeader, …
    part: str  # left, center, right
    template: object

    @property
    def place(self) -> str:
        return f"{HEADER_ITEMS[self.item]}（{HEADER_PARTS[self.part]}）"


@dataclass
class SheetTemplate:
    title: str
    cells: dict[int, list[CellTemplate]] = field(default_factory=dict)
    loops: list[Loop] = field(default_factory=list)
    headers: list[HeaderTemplate] = field(default_factory=list)
    max_row: int = 0
    # template row → the expressions of its cells evaluated at once (jinja_env.ExpressionBatch)
    # and, by column, where each cell's vmerge, hmerge and value are in what it gives
    batches: dict[int, tuple[object, dict[int, tuple]]] = field(default_factory=dict)
    plain: bool | None = None  # whether its cells are written as plain cells (plain.py); None: not yet known

    @property
    def dynamic(self) -> bool:
        return bool(self.loops) or any(c.dynamic for cs in self.cells.values() for c in cs)


class TemplateReader:
    """Compiles the cells of a worksheet with `env`; `error(sheet, place, exc)` makes the error."""

    def __init__(self, env, error):
        self.env = env
        self.error = error
        # (sheet, place) → the template text of each cell or header with tags, and the Jinja it
        # holds: for quoting a place in messages and for checks of what a template uses.
        self.texts: dict[tuple[str, str], str] = {}
        self.sources: dict[tuple[str, str], str] = {}

    def read_sheet(self, ws, cells) -> SheetTemplate:
        """`cells`: the worksheet's existing cells, in row order."""
        sheet = SheetTemplate(ws.title, max_row=ws.max_row)
        open_loop = None
        by_row: dict[int, list] = {}
        for cell in cells:
            if cell.value is not None:
                by_row.setdefault(cell.row, []).append(cell)
        for row, row_cells in by_row.items():
            markers = [c for c in row_cells if isinstance(c.value, str) and tags.MARKER.match(c.value.strip())]
            if not markers:
                sheet.cells[row] = [self._cell(ws.title, cell) for cell in row_cells]
                continue
            open_loop = self._marker(sheet, markers[0], tags.clean(markers[0].value.strip()), open_loop)
            self._marker_row_alone(ws.title, markers[0], row_cells)
        if open_loop is not None:
            raise self.error(ws.title, open_loop[-1], "{%tr for … %} 没有对应的 {%tr endfor %}")
        sheet.headers = self._headers(ws)
        return sheet

    # -- row loops ---------------------------------------------------------------------

    def _marker(self, sheet: SheetTemplate, cell, text: str, open_loop):
        start = tags.LOOP_START.match(text)
        coord = cell.coordinate
        self.texts[(sheet.title, coord)] = text
        if start:
            if open_loop is not None:
                raise self.error(sheet.title, coord, "不支持嵌套的行循环（{%tr for %} 内又有 {%tr for %}）")
            try:
                targets, items, test = tags.split_loop_header(start.group("header"))
            except ValueError as exc:
                raise self.error(sheet.title, coord, str(exc)) from None
            if not tags.TARGETS.match(targets):
                raise self.error(sheet.title, coord, f"循环变量“{targets}”无效")
            names = tuple(t.strip() for t in targets.split(","))
            compiled_test = self.expression(sheet.title, coord, test) if test else None
            return (cell.row, names, self.expression(sheet.title, coord, items), compiled_test, coord)
        if tags.LOOP_END.match(text):
            if open_loop is None:
                raise self.error(sheet.title, coord, "{%tr endfor %} 前没有 {%tr for … %}")
            row, names, items, test, start_coord = open_loop
            sheet.loops.append(Loop(row, cell.row, names, items, test, start_coord))
            return None
        why = f"无法识别的行标记“{text}”（应为 {{%tr for x in 列表 %}} 或 {{%tr endfor %}}）"
        if re.match(r"\{%-?\s*tr\s+if\b", text):
            why += "；Excel 模板中整行的有无写作 {%tr for x in 列表 if 条件 %}，一项一行"
        elif not tags.LOOP_END.match(text) and re.match(r"\{%-?\s*tr\s+(?:for|endfor)\b", text):
            why += "；行标记要单独写在一格中，不能与其他文字或标记写在同一格"
        raise self.error(sheet.title, coord, why)

    def _marker_row_alone(self, title: str, marker, row_cells) -> None:
        """A marker row is deleted from the output: anything else written on it would vanish
        without a word (a total beside `{%tr endfor %}`), so it is refused."""
        for cell in row_cells:
            if cell is marker or (isinstance(cell.value, str) and not cell.value.strip()):
                continue
            text = cell.value.text if isinstance(cell.value, ArrayFormula) else str(cell.value)
            self.texts[(title, cell.coordinate)] = text
            what = "另一个行标记" if tags.MARKER.match(text.strip()) else "内容"
            raise self.error(
                title,
                cell.coordinate,
                f"本格与行标记 {marker.coordinate} 在同一行（第 {cell.row} 行），标记所在的行在输出中整行删去，"
                f"本格的{what}会丢失；请把它移到标记行之外（如合计写在 {{%tr endfor %}} 的下一行），"
                "标记行只写标记本身",
            )

    # -- cells -------------------------------------------------------------------------

    def _cell(self, title: str, cell) -> CellTemplate:
        out = CellTemplate(cell.column, cell.coordinate)
        value = cell.value
        if isinstance(value, CellRichText):
            if not tags.has_tags(str(value)):
                out.value = value
                return out
            source, out.fonts = _rich_source(value)
        elif cell.data_type == "f":
            text = value.text if isinstance(value, ArrayFormula) else str(value)
            if tags.has_tags(text):
                self.texts[(title, cell.coordinate)] = text
                raise self.error(
                    title,
                    cell.coordinate,
                    "公式中不能写 {{ }}、{% %} 等标记（填入的数据不会变成公式，原样写出的公式会出错）；"
                    "请把要填的值放在另一格（如 Z1 写 {{ year }}），公式引用那一格（如 =2*Z1）",
                )
            out.value = value
            out.formula = True
            return out
        elif not tags.has_tags(value):
            out.value = value
            out.formula = cell.data_type == "f"
            return out
        else:
            source = tags.clean(value)
        self.texts[(title, cell.coordinate)] = str(value)
        while True:
            m = tags.DIRECTIVE.match(source)
            if not m:
                break
            setattr(out, m.group(1), self.expression(title, cell.coordinate, m.group(2)))
            out.sources[m.group(1)] = m.group(2)
            source = source[m.end() :]
        word = tags.word_only(source)
        if word:
            raise self.error(title, cell.coordinate, word)
        single = tags.SINGLE.match(source.strip())
        self._record(title, cell.coordinate, RUN_MARK.sub("", source))
        try:
            if single:
                out.expr = self.env.compile_expression(single.group(1), undefined_to_none=False)
                out.sources["expr"] = single.group(1)
                out.fonts = out.fonts[:1] if out.fonts else None
            elif source:
                out.text = self.env.from_string(source)
        except JinjaError as exc:
            raise self.error(title, cell.coordinate, exc) from None
        return out

    def batch_rows(self, sheet: SheetTemplate) -> None:
        """Each row with two or more expressions in its cells gets them compiled into one
        batch (see jinja_env.ExpressionBatch), where the environment can."""
        for row, cells in sheet.cells.items():
            sources, at = [], {}
            for cell in cells:
                where = []
                for kind in ("vmerge", "hmerge", "expr"):
                    if getattr(cell, kind) is not None and kind in cell.sources:
                        where.append(len(sources))
                        sources.append(cell.sources[kind])
                    else:
                        where.append(None)
                if any(k is not None for k in where):
                    at[cell.col] = tuple(where)
            batch = self.env.compile_batch(sources) if len(sources) > 1 else None
            if batch is not None:
                sheet.batches[row] = (batch, at)

    def expression(self, title: str, place: str, source: str):
        self._record(title, place, "{{ " + source + " }}")
        try:
            return self.env.compile_expression(source, undefined_to_none=False)
        except JinjaError as exc:
            raise self.error(title, place, exc) from None

    def _record(self, title: str, place: str, source: str) -> None:
        self.sources[(title, place)] = self.sources.get((title, place), "") + source

    # -- page headers and footers ------------------------------------------------------

    def _headers(self, ws) -> list[HeaderTemplate]:
        found = []
        for item in HEADER_ITEMS:
            hf = getattr(ws.HeaderFooter, item, None)
            for part in HEADER_PARTS:
                text = getattr(getattr(hf, part, None), "text", None)
                if not tags.has_tags(text):
                    continue
                # `&` starts a code in a header (&P is the page number): values write theirs as `&&`.
                source = _VALUE_TAG.sub(r'{{\1 (\2)|string|replace("&", "&&") \3}}', tags.clean(text))
                header = HeaderTemplate(item, part, None)
                self.texts[(ws.title, header.place)] = text
                word = tags.word_only(tags.clean(text))
                if word:
                    raise self.error(ws.title, header.place, word)
                self._record(ws.title, header.place, tags.clean(text))
                try:
                    header.template = self.env.from_string(source)
                except JinjaError as exc:
                    raise self.error(ws.title, header.place, exc) from None
                found.append(header)
        return found


def _rich_source(value: CellRichText) -> tuple[str, list]:
    """The Jinja source of a rich-text cell with run marks, and the font of each run.

    Runs that a tag spans are joined (the tag takes the font of the run it starts in), so
    every tag is whole; the marks between the remaining runs survive rendering and say where
    each font resumes.
    """
    runs = [(r.font, r.text) if isinstance(r, TextBlock) else (None, str(r)) for r in value]
    full = tags.clean("".join(text for _, text in runs))
    spans = tags.tag_spans(full)
    fonts, pieces, at = [], [], 0
    for font, text in runs:
        inside = any(s < at < e for s, e in spans)
        if not pieces or inside:
            if not pieces:
                fonts.append(font)
        else:
            pieces.append(_RUN.format(len(fonts)))
            fonts.append(font)
        pieces.append(full[at : at + len(text)])
        at += len(text)
    return "".join(pieces), fonts
