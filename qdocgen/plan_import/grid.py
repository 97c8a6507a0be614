"""Tables of a Word or Excel file as grids of cells, each merged area one shared cell."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from qdocgen.errors import UserError, package_error_text


@dataclass(eq=False)
class Cell:
    """One cell as the reader sees it: its text and the grid area it covers (inclusive)."""

    text: str
    top: int
    left: int
    bottom: int
    right: int


@dataclass
class Grid:
    """One table: `cells[r][c]` is the cell covering row r, column c (the same object across a merge).

    `before` holds the lines of text above the table (a title, an 附件 line); `kind` is
    "docx" or "xlsx", which decides how a place is named in messages.
    """

    name: str
    kind: str
    cells: list[list[Cell | None]]
    before: list[str] = field(default_factory=list)
    headings: dict[int, str] = field(default_factory=dict)  # column → its heading, once recognised
    after: list[str] = field(default_factory=list)  # lines below the last table of a Word file (“注：…”)

    @property
    def height(self) -> int:
        return len(self.cells)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.cells), default=0)

    def at(self, r: int, c: int) -> Cell | None:
        row = self.cells[r]
        return row[c] if c < len(row) else None

    def text(self, r: int, c: int) -> str:
        cell = self.at(r, c)
        return cell.text if cell is not None else ""

    def place(self, r: int, c: int | None = None) -> str:
        """Where row r (and column c) is, in the words of someone looking at the file."""
        heading = f"（{self.headings[c]}）" if c in self.headings else ""
        if self.kind == "xlsx":
            if c is None:
                return f"工作表“{self.name}”第 {r + 1} 行"
            return f"工作表“{self.name}”!{column_letter(c)}{r + 1}{heading}"
        where = f"{self.name}第 {r + 1} 行"
        return where if c is None else f"{where}第 {c + 1} 列{heading}"


def column_letter(c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_grids(path: Path) -> list[Grid]:
    """Every table of a .docx (in document order) or every sheet of a .xlsx."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UserError(f"{path}：文件不存在")
    if suffix in (".docx", ".xlsx", ".xlsm") and not zipfile.is_zipfile(path):
        raise UserError(f"{path}：无法打开：{package_error_text(zipfile.BadZipFile())}")
    try:
        if suffix == ".docx":
            return _docx_grids(path)
        if suffix in (".xlsx", ".xlsm"):
            return _xlsx_grids(path)
    except UserError:
        raise
    except Exception as exc:  # a damaged or foreign file: say so in Chinese
        raise UserError(f"{path}：无法打开：{package_error_text(exc)}") from None
    raise UserError(f"{path}：只能导入 Word（.docx）或 Excel（.xlsx）文件；.doc/.xls 请先在 Word/Excel 中另存为新格式")


def clean(text: object) -> str:
    """A cell's text as published, without surrounding blanks or Windows line ends."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    return str(text).replace("\r\n", "\n").replace("\r", "\n").strip()


def _docx_grids(path: Path) -> list[Grid]:
    import docx
    from docx.table import Table

    document = docx.Document(str(path))
    grids: list[Grid] = []
    before: list[str] = []
    for block in document.iter_inner_content():
        if not isinstance(block, Table):
            text = clean(block.text)
            if text:
                before.append(text)
            continue
        grids.append(_docx_grid(block, f"第 {len(grids) + 1} 个表格", before))
        before = []
    if grids:
        grids[-1].after = before
    return grids


def _docx_grid(table, name: str, before: list[str]) -> Grid:
    """python-docx gives each grid position the cell that holds its content (the top of a
    vertical merge); cells sharing one content holder are one merged cell."""
    rows: list[list[Cell | None]] = []
    holders: dict[object, Cell] = {}
    for r, row in enumerate(table.rows):
        out: list[Cell | None] = [None] * row.grid_cols_before
        for cell in row.cells:
            c = len(out)
            holder = cell._tc  # the <w:tc> holding the content; shared by the positions of a merge
            shared = holders.get(holder)
            if shared is None:
                shared = holders[holder] = Cell(clean(cell.text), r, c, r, c)
            shared.bottom, shared.right = max(shared.bottom, r), max(shared.right, c)
            out.append(shared)
        rows.append(out)
    return Grid(name, "docx", rows, list(before))


def _xlsx_grids(path: Path) -> list[Grid]:
    import openpyxl

    book = openpyxl.load_workbook(str(path), data_only=True)
    grids = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        height, width = _used_extent(sheet)
        rows: list[list[Cell | None]] = [[None] * width for _ in range(height)]
        for r, values in enumerate(sheet.iter_rows(min_row=1, max_row=height, max_col=width, values_only=True)):
            for c, value in enumerate(values):
                rows[r][c] = Cell(clean(value), r, c, r, c)
        for merged in sheet.merged_cells.ranges:
            top, left = merged.min_row - 1, merged.min_col - 1
            bottom, right = min(merged.max_row, height) - 1, min(merged.max_col, width) - 1
            if top >= height or left >= width:
                continue
            shared = Cell(rows[top][left].text if rows[top][left] else "", top, left, bottom, right)
            for r in range(top, bottom + 1):
                for c in range(left, right + 1):
                    rows[r][c] = shared
        grids.append(Grid(sheet.title, "xlsx", rows))
    return grids


MAX_CELLS = 200_000  # far more than any 任务分解表; a stray cell at XFD1048576 must not cost minutes


def _used_extent(sheet) -> tuple[int, int]:
    """Rows and columns up to the last cell holding a value (formatting alone does not count)."""
    height, width = sheet.max_row, sheet.max_column
    if height * width > MAX_CELLS:
        filled = [key for key, cell in sheet._cells.items() if cell.value is not None]
        height = max((r for r, _ in filled), default=0)
        width = max((c for _, c in filled), default=0)
    if height * width > MAX_CELLS:
        raise UserError(f"工作表“{sheet.title}”有 {height} 行 {width} 列，不像任务分解表；请只保留表格所在的区域")
    return height, width


SPACES = re.compile(r"\s+")


def squeeze(text: str) -> str:
    """Text without any blanks, for recognising headings such as “序  号”."""
    return SPACES.sub("", text)
