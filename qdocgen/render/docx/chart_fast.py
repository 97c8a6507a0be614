"""Charts filled from a prepared frame: only the values written, the same bytes as chart_part.py.

`chart_part.chart_parts` rewrites a chart with python-pptx and writes its embedded workbook with
xlsxwriter: a few milliseconds a chart, more than rendering the notice around it. Here the first
chart of each shape (the template's chart part, the number of categories and of series) is filled
that way, and also made into a frame:

- the chart part, rewritten by python-pptx for stand-in data whose every category, series name and
  value is a token, cut at the tokens; a chart is then the frame joined with the real texts
  (escaped as lxml writes them) and values (as python-pptx writes them; a gap is a point left out);
- the workbook's members that do not depend on the data (styles, theme, properties) as xlsxwriter
  wrote them, with its sheet and shared strings written here as xlsxwriter writes them for
  python-pptx's layout (categories in A, a series a column, the heading in A1).

The frame's output for the first chart's data must equal what python-pptx and xlsxwriter gave for
it, byte for byte, or the shape is always filled the straightforward way. Data the frame is not
sure to write as they would (an empty or blank text, a text with line ends or control characters,
over-long text) goes the straightforward way too (tests/test_chart_fast.py compares the two).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from qdocgen.render.docx.chart_part import ChartTable, chart_parts, rels_name, rewritten
from qdocgen.render.package import Member, build_epoch, members, write_members

_MISSING = object()
_FRAMES: dict[tuple, _Frame | None] = {}  # shape → frame (None: filled the straightforward way)
_MAX_FRAMES = 64
_SHEET, _STRINGS = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
# Texts written the same way by every path: no line end, tab or other control character (XML
# parsers change line ends, xlsxwriter escapes controls), no space at either end (kept with
# xml:space), not empty (a blank cell), within Excel's 32,767 characters.
_PLAIN = re.compile(r"[^\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]+")


def fast_chart_parts(parts: Mapping[str, bytes], part: str, table: ChartTable) -> dict[str, bytes]:
    """What `chart_parts(parts, part, table)` gives, from the shape's frame when there is one."""
    if not _plain(table):
        return chart_parts(parts, part, table)
    rels = rels_name(part)
    key = (part, parts[part], parts.get(rels), len(table.series), build_epoch())
    frame = _FRAMES.get(key, _MISSING)
    if frame is _MISSING:
        frame = _kept(key)
        if frame is not _MISSING:
            _remember(key, frame)
    if frame is not _MISSING and (frame is None or len(table.categories) < frame.fewest):
        return chart_parts(parts, part, table)
    if frame is _MISSING:
        reference = chart_parts(parts, part, table)
        frame = _Frame.made(parts, part, table, reference)
        _remember(key, frame)
        if frame is not None:
            _keep(key, frame)
        return reference
    return frame.fill(table)


def _remember(key: tuple, frame: _Frame | None) -> None:
    if len(_FRAMES) >= _MAX_FRAMES:
        _FRAMES.clear()
    _FRAMES[key] = frame


# ── frames kept between runs ────────────────────────────────────────────────────────────────
# A frame is made with python-pptx and xlsxwriter (importing them costs a build's Word worker a
# quarter of a second). It is kept in the compile cache (compile_cache.py), keyed by the chart
# part, its relationships, the number of series, the epoch and the versions of qdocgen, python-pptx,
# xlsxwriter and lxml, so a later run fills the same shape without making it again.

_KIND = "chart-frame"


def _source(key: tuple) -> str:
    import hashlib

    from qdocgen.code_stamp import library_stamp

    part, chart, rels, series, epoch = key
    digest = hashlib.sha256(chart + b"\0" + (rels if rels is not None else b"-")).hexdigest()
    versions = library_stamp("pptx", "xlsxwriter", "lxml") + repr(etree.LXML_VERSION) + repr(etree.LIBXML_VERSION)
    return f"1\0{part}\0{digest}\0{series}\0{epoch}\0{versions}"


def _keep(key: tuple, frame: _Frame) -> None:
    import marshal

    from qdocgen.render.compile_cache import keep_data

    book = frame.book
    state = (
        frame.part,
        [p if isinstance(p, str) else tuple(p) for p in frame.pieces],
        frame.target,
        frame.fewest,
        [(m.name, m.crc, m.size, m.compressed) for m in book.static.values()],
        book.head,
        book.middle,
        book.tail,
        list(book.styles),
        book.epoch,
    )
    keep_data(_KIND, _source(key), marshal.dumps(state))


def _kept(key: tuple):
    """The frame kept for `key` by an earlier run, or _MISSING."""
    import marshal

    from qdocgen.render.compile_cache import data

    blob = data(_KIND, _source(key))
    if blob is None:
        return _MISSING
    try:
        part, pieces, target, fewest, static, head, middle, tail, styles, epoch = marshal.loads(blob)  # noqa: S302 - plain values from the user's own cache folder, checked below
        book = _Book(
            {name: Member(name, crc, size, data) for name, crc, size, data in static}, head, middle, tail, styles, epoch
        )
        frame = _Frame(part, pieces, target, book, fewest)
    except (ValueError, EOFError, TypeError):
        return _MISSING
    ok = (
        all(isinstance(p, str) or (isinstance(p, tuple) and p and p[0] in "cvsnr") for p in pieces)
        and all(
            isinstance(m.compressed, bytes) and isinstance(m.crc, int) and isinstance(m.size, int)
            for m in book.static.values()
        )
        and all(isinstance(v, str) for v in (part, target, head, middle, tail, *styles))
        and isinstance(fewest, int)
        and epoch == key[4]
    )
    return frame if ok else _MISSING


def _plain(table: ChartTable) -> bool:
    texts = [table.heading, *table.categories, *(name for name, _ in table.series)]
    return bool(table.categories) and all(
        len(t) <= 32767 and _PLAIN.fullmatch(t) is not None and t.strip() == t for t in texts
    )


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class _Frame:
    part: str
    pieces: list  # str, or a slot: ("c",) the categories' points, ("v", j) series j's, ("s", j) its
    # name, ("n",) the number of categories, ("r",) the last row of the data in the workbook
    target: str  # the embedded workbook's member name
    book: _Book
    fewest: int  # categories the frame needs (python-pptx drops points styled past the last one)

    @classmethod
    def made(cls, parts, part: str, table: ChartTable, reference: dict[str, bytes]) -> _Frame | None:
        """The frame of `table`'s shape, if it gives `reference` (what chart_parts gave) exactly,
        and for one more category what chart_parts gives for it."""
        if len(reference) != 2 or part not in reference:  # a workbook was added: rels, content types
            return None
        target = next(n for n in reference if n != part)
        n, s = len(table.categories), len(table.series)
        if n < 2:
            return None
        stand_in = ChartTable(
            "QDGH",
            tuple(f"QDGC{k:05d}Q" for k in range(n)),
            tuple((f"QDGS{j:03d}Q", tuple(f"QDGV{j:03d}x{k:05d}Q" for k in range(n))) for j in range(s)),
        )
        try:
            xml = _rewritten_chart(parts, part, stand_in)
        except (ValueError, TypeError):
            return None
        pieces = _cut(xml, n, s)
        book = _Book.of(reference[target], table)
        if pieces is None or book is None:
            return None
        frame = cls(part, pieces, target, book, _fewest(parts[part]))
        if n < frame.fewest or frame.fill(table) != reference:
            return None
        longer = ChartTable(
            table.heading,
            (*table.categories, "QDGX"),
            tuple((name, (*values, 1 if k % 2 else None)) for k, (name, values) in enumerate(table.series)),
        )
        return frame if frame.fill(longer) == chart_parts(parts, part, longer) else None

    def fill(self, table: ChartTable) -> dict[str, bytes]:
        n = len(table.categories)
        cats = "".join(f'<c:pt idx="{k}"><c:v>{_escaped(c)}</c:v></c:pt>' for k, c in enumerate(table.categories))
        out = []
        for p in self.pieces:
            if isinstance(p, str):
                out.append(p)
            elif p[0] == "c":
                out.append(cats)
            elif p[0] == "v":
                out.extend(
                    f'<c:pt idx="{k}"><c:v>{v}</c:v></c:pt>'
                    for k, v in enumerate(table.series[p[1]][1])
                    if v is not None
                )
            elif p[0] == "s":
                out.append(_escaped(table.series[p[1]][0]))
            elif p[0] == "n":
                out.append(str(n))
            else:
                out.append(str(n + 1))
        return {self.part: "".join(out).encode("utf-8"), self.target: self.book.workbook(table)}


_RUN = re.compile(
    r'<c:ptCount val="(?P<n>\d+)"/>'
    r"|(?P<ref>Sheet1!\$[A-Z]+\$2:\$[A-Z]+\$)(?P<last>\d+)(?=</c:f>)"
    r'|(?P<cats>(?:<c:pt idx="\d+"><c:v>QDGC\d{5}Q</c:v></c:pt>)+)'
    r'|(?P<vals>(?:<c:pt idx="\d+"><c:v>QDGV(?P<j>\d{3})x\d{5}Q</c:v></c:pt>)+)'
    r"|QDGS(?P<s>\d{3})Q"
)


def _cut(xml: str, n: int, s: int) -> list | None:
    """The stand-in chart cut into the frame's pieces; None if it is not as expected."""
    pieces: list = []
    at = 0
    for m in _RUN.finditer(xml):
        pieces.append(xml[at : m.start()])
        if m.group("n") is not None:
            if m.group("n") == "1":  # a series name's cache
                pieces.append(m.group(0))
            elif int(m.group("n")) == n:
                pieces += ['<c:ptCount val="', ("n",), '"/>']
            else:
                return None
        elif m.group("ref") is not None:
            if int(m.group("last")) != n + 1:
                return None
            pieces += [m.group("ref"), ("r",)]
        elif m.group("cats") is not None:
            expected = "".join(f'<c:pt idx="{k}"><c:v>QDGC{k:05d}Q</c:v></c:pt>' for k in range(n))
            if m.group("cats") != expected:
                return None
            pieces.append(("c",))
        elif m.group("vals") is not None:
            j = int(m.group("j"))
            expected = "".join(f'<c:pt idx="{k}"><c:v>QDGV{j:03d}x{k:05d}Q</c:v></c:pt>' for k in range(n))
            if m.group("vals") != expected or j >= s:
                return None
            pieces.append(("v", j))
        else:
            pieces.append(("s", int(m.group("s"))))
        at = m.end()
    pieces.append(xml[at:])
    if any(isinstance(p, str) and "QDG" in p for p in pieces):
        return None
    return pieces


def _fewest(chart_xml: bytes) -> int:
    """Categories from which python-pptx drops no point the template styles or labels on its own."""
    found = [int(v) for v in re.findall(rb'<c:(?:dPt|dLbl)><c:idx val="(\d+)"/>', chart_xml)]
    return max(found, default=0) + 1 if b"<c:dPt>" in chart_xml or b"<c:dLbl>" in chart_xml else 2


def _rewritten_chart(parts, part: str, table: ChartTable) -> str:
    """The chart part as chart_parts rewrites it for `table` (its workbook not written)."""
    space, _ = rewritten(parts, part, table)
    return etree.tostring(space, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")


# ── the workbook ────────────────────────────────────────────────────────────────────────────

_DIGIT, _PADDING = 7, 5  # xlsxwriter's Calibri 11 digit width and cell padding, in pixels


@dataclass
class _Book:
    """An embedded workbook as chart_part._workbook writes it, its sheet and strings written here."""

    static: dict[str, Member]  # the members that do not depend on the data
    head: str  # the sheet before <dimension …/>
    middle: str  # between <dimension …/> and <cols>
    tail: str  # after </sheetData>
    styles: list[str]  # the s="…" of column A's and of each series' cells
    epoch: int

    @classmethod
    def of(cls, workbook: bytes, table: ChartTable) -> _Book | None:
        import zipfile

        with zipfile.ZipFile(io.BytesIO(workbook)) as z:
            sheet = z.read(_SHEET).decode("utf-8")
        m = re.fullmatch(
            r"(.*?)<dimension ref=\"[^\"]*\"/>(.*?)<cols>.*?</cols><sheetData>.*?</sheetData>(.*)", sheet, re.S
        )
        row = re.search(r"<row r=\"2\"[^>]*>(.*?)</row>", sheet)
        if m is None or row is None:
            return None
        styles = re.findall(r"<c r=\"[A-Z]+2\"(?: s=\"(\d+)\")?", row.group(1))
        if len(styles) != len(table.series) + 1 or not all(styles):
            return None
        static = {n: mem for n, mem in members(workbook).items() if n not in (_SHEET, _STRINGS)}
        return cls(static, m.group(1), m.group(2), m.group(3), styles, build_epoch())

    def workbook(self, table: ChartTable) -> bytes:
        sheet, strings = self._sheet(table)
        parts = dict(self.static)
        parts[_SHEET] = Member.of(_SHEET, sheet)
        parts[_STRINGS] = Member.of(_STRINGS, strings)
        return write_members(parts, self.epoch)

    def _sheet(self, table: ChartTable) -> tuple[bytes, bytes]:
        index: dict[str, int] = {}  # each text's place in the shared strings, as xlsxwriter numbers them
        # written as python-pptx and chart_part._workbook write them: the categories, each
        # series' name, then the heading
        texts = [*table.categories, *(name for name, _ in table.series), table.heading]
        for text in texts:
            index.setdefault(text, len(index))
        n, s = len(table.categories), len(table.series)
        cats = [index[c] for c in table.categories]
        names = [index[name] for name, _ in table.series]
        heading = index[table.heading]
        cols = [_column_name(j + 1) for j in range(s)]
        span = f"1:{s + 1}"
        rows = [f'<row r="1" spans="{span}"><c r="A1" t="s"><v>{heading}</v></c>']
        rows += [f'<c r="{c}1" t="s"><v>{i}</v></c>' for c, i in zip(cols, names, strict=True)]
        rows.append("</row>")
        cat_style = self.styles[0]
        series = [(cols[j], self.styles[j + 1], table.series[j][1]) for j in range(s)]
        for k in range(n):
            r = k + 2
            rows.append(f'<row r="{r}" spans="{span}"><c r="A{r}" s="{cat_style}" t="s"><v>{cats[k]}</v></c>')
            for col, style, values in series:
                value = values[k]
                if value is None:
                    rows.append(f'<c r="{col}{r}" s="{style}"/>')
                else:
                    rows.append(f'<c r="{col}{r}" s="{style}"><v>{value:.16G}</v></c>')
            rows.append("</row>")
        width = max(10, min(60, 2 * max(len(c) for c in table.categories)))
        pixels = int(width * _DIGIT + 0.5) + _PADDING
        chars = f"{(pixels * 256 // _DIGIT) / 256.0:.16g}"
        sheet = (
            f'{self.head}<dimension ref="A1:{cols[-1]}{n + 1}"/>{self.middle}'
            f'<cols><col min="1" max="1" width="{chars}" customWidth="1"/></cols>'
            f"<sheetData>{''.join(rows)}</sheetData>{self.tail}"
        )
        return sheet.encode("utf-8"), _shared_strings(list(index), len(texts)).encode("utf-8")


def _column_name(col: int) -> str:
    """Column `col` (from 0) as Excel names it: A, …, Z, AA, … (xlsxwriter's xl_col_to_name)."""
    n, name = col + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


_XLSX_ESCAPED = re.compile(r"_x[0-9a-fA-F]{4}_")  # a text xlsxwriter would write escaped


def _shared_strings(strings: list[str], count: int) -> str:
    """xl/sharedStrings.xml as xlsxwriter writes it for `strings` (in order of first use; `count`
    uses in all): here for texts it writes as they are (and _plain lets through), else by it."""
    if all(
        s and not s[0].isspace() and not s[-1].isspace() and not _XLSX_ESCAPED.search(s)
        and not (s.startswith("<r>") and s.endswith("</r>")) and _PLAIN.fullmatch(s)
        for s in strings
    ):  # fmt: skip
        items = "".join(
            f"<si><t>{s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</t></si>" for s in strings
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}"'
            f' uniqueCount="{len(strings)}">{items}</sst>'
        )
    from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable

    table = SharedStringTable()
    for s in strings:
        table._get_shared_string_index(s)
    table.count = count
    table._sort_string_data()
    writer = SharedStrings()
    writer.string_table = table
    fh = _Text()
    writer._set_filehandle(fh)
    writer._assemble_xml_file()
    return fh.getvalue()


class _Text(io.StringIO):
    """A StringIO that xlsxwriter's writer may close and that still gives its text."""

    def close(self) -> None:
        pass
