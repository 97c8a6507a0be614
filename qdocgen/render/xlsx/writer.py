"""Saving a workbook: openpyxl's own writer, with what costs most in it done faster.

openpyxl writes a worksheet's `<sheetData>` through lxml's incremental writer, an element per
row, cell, value and string: three quarters of the time a filled table took to save. Here
the same bytes are built as one string (`sheet_data`) and put in place of an empty
`<sheetData></sheetData>` that openpyxl's writer writes for everything else of the worksheet.
Besides: a sheet's merged cells are written without parsing each range again, and the
stylesheet is kept for the next workbook with the same styles (`_stylesheet`).

The bytes must be openpyxl's exactly (outputs are compared byte for byte). `sheet_data`
knows the cells qdocgen writes: empty cells with or without a style, numbers, booleans,
inline text, and formulas given as text; with the side effects openpyxl's writer has (the
style of each cell added to the workbook's list in the same order, hyperlinks and comments
collected for the parts written after the cells). For anything else — rich text, dates, array
or data-table formulas, errors, a value type or character it was not proven on — it gives
None and openpyxl's writer writes that worksheet. tests/test_xlsx_writer.py compares the two.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import marshal
import math
import pickle
import re
import sys
import zipfile
from functools import lru_cache

import openpyxl
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.workbook._writer import WorkbookWriter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.dimensions import RowDimension, SheetDimension
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.writer.excel import ExcelWriter
from openpyxl.writer.theme import theme_xml
from openpyxl.xml.constants import (
    ARC_APP,
    ARC_CORE,
    ARC_CUSTOM,
    ARC_ROOT_RELS,
    ARC_STYLE,
    ARC_THEME,
    ARC_WORKBOOK,
    ARC_WORKBOOK_RELS,
    CPROPS_TYPE,
)
from openpyxl.xml.functions import Element, SubElement, tostring

from qdocgen.code_stamp import library_stamp
from qdocgen.render import compile_cache
from qdocgen.render.package import CORE, Member, build_epoch, normalise_package, stamp_core_dates, write_members
from qdocgen.render.xlsx.plain import PlainSheet, plain_sheet

# What lxml refuses to write (openpyxl's writer then raises its own error) or was not
# checked against it: left to openpyxl.
_UNPROVEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # escaped, or _UNPROVEN
_PLACEHOLDER = b"<sheetData></sheetData>"
_UNSEEN = object()
_ROW_FIELDS = ("hidden", "outlineLevel", "collapsed", "ht", "thickBot", "thickTop")  # RowDimension's own
_TYPES = {"n": ' t="n"', "b": ' t="b"', "s": ' t="inlineStr"', "f": ""}


def workbook_bytes(wb) -> bytes:
    """What `wb.save(buffer)` writes, as a zip whose members are stored uncompressed (it is
    normalised, and so compressed, once: render/package.py)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        wb.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)  # as openpyxl
        _ExcelWriter(wb, archive).save()
    return buf.getvalue()


def package_bytes(wb) -> bytes:
    """`normalise_package(workbook_bytes(wb))`, the same bytes, written at once: the members are
    kept in memory as openpyxl's writer gives them (no zip written and read again), and a member
    whose bytes were packed before (the theme, styles, relationships of every document of one
    template) is not compressed again (`_packed`)."""
    archive = _Members()
    wb.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)  # as openpyxl
    _ExcelWriter(wb, archive).save()
    if len(archive.data) != len(archive.names):  # a name written twice: as a zip holding both
        return normalise_package(archive.stored())
    epoch = build_epoch()
    parts = {}
    for name, data in archive.data.items():
        if name == CORE:
            data = stamp_core_dates(data, epoch)
        parts[name] = _packed(name, data)
    return write_members(parts, epoch)


class _Members:
    """The members openpyxl's ExcelWriter writes into its zip archive, as zipfile would name
    them, in memory: what the writer asks of an archive (writestr, write, namelist, close)."""

    def __init__(self):
        self.names: list[str] = []  # in the order written, as namelist() gives them
        self.data: dict[str, bytes] = {}

    def writestr(self, name, data) -> None:
        if isinstance(name, zipfile.ZipInfo):
            name = name.filename
        else:
            name = zipfile.ZipInfo(name).filename  # as zipfile names it
        self.names.append(name)
        self.data[name] = data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def write(self, filename, arcname=None) -> None:
        with open(filename, "rb") as f:
            self.writestr(zipfile.ZipInfo.from_file(filename, arcname).filename, f.read())

    def namelist(self) -> list[str]:
        return list(self.names)

    def close(self) -> None:
        pass

    def stored(self) -> bytes:
        """The zip `workbook_bytes` writes (a name written twice is there twice, its last bytes
        read for both, as zipfile reads it)."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name in self.names:
                archive.writestr(name, self.data[name])
        return buf.getvalue()


def _remembered(store: dict, limit: int, key, make):
    """`store[key]`, made by `make()` the first time it is asked for; once `limit` are kept, the
    oldest is dropped for a new one (a build's templates need a few each)."""
    try:
        return store[key]
    except KeyError:
        pass
    value = make()
    if len(store) >= limit:
        store.pop(next(iter(store)))
    store[key] = value
    return value


_PACKED: dict[tuple[str, bytes], Member] = {}  # (name, bytes) → the member compressed


def _packed(name: str, data: bytes) -> Member:
    """`Member.of(name, data)`, kept for the members that recur from document to document (a
    worksheet seldom does: not kept)."""
    if name.startswith("xl/worksheets/"):
        return Member.of(name, data)
    return _remembered(_PACKED, 64, (name, data), lambda: Member.of(name, data))


class _ExcelWriter(ExcelWriter):
    def write_data(self):
        if openpyxl.__version__ != _WRITE_DATA_OF:
            super().write_data()
            return
        # openpyxl 3.1.5's write_data, with the stylesheet taken from _stylesheet
        from openpyxl.packaging.extended import ExtendedProperties

        archive = self._archive
        archive.writestr(ARC_APP, _app_xml(ExtendedProperties))
        archive.writestr(ARC_CORE, tostring(self.workbook.properties.to_tree()))
        if self.workbook.loaded_theme:
            archive.writestr(ARC_THEME, self.workbook.loaded_theme)
        else:
            archive.writestr(ARC_THEME, theme_xml)
        if len(self.workbook.custom_doc_props) >= 1:
            archive.writestr(ARC_CUSTOM, _custom_xml(self.workbook.custom_doc_props))

            class CustomOverride:
                path = "/" + ARC_CUSTOM  # PartName
                mime_type = CPROPS_TYPE  # ContentType

            self.manifest.append(CustomOverride())
        self._write_worksheets()
        self._write_chartsheets()
        self._write_images()
        self._write_charts()
        self._write_external_links()
        archive.writestr(ARC_STYLE, _stylesheet(self.workbook))
        writer = WorkbookWriter(self.workbook)
        archive.writestr(ARC_ROOT_RELS, _root_rels(writer))
        archive.writestr(ARC_WORKBOOK, writer.write())
        archive.writestr(ARC_WORKBOOK_RELS, _workbook_rels(writer))
        self._merge_vba()
        _write_manifest(self.manifest, archive, self.workbook)

    def write_worksheet(self, ws):
        # openpyxl's write_worksheet, writing into memory rather than a temporary file
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


_WRITE_DATA_OF = "3.1.5"  # the openpyxl whose ExcelWriter.write_data _ExcelWriter.write_data follows

# The package parts around the worksheets are the same for every document of one template: each
# is kept as bytes, by everything its writer reads (a key of plain values), and written again.
# A workbook keeping a VBA project (whose parts openpyxl reads from the template's package)
# goes openpyxl's way each time. tests/test_xlsx_writer.py compares them with openpyxl's writer.
_PARTS: dict[tuple, bytes] = {}


def _kept_part(key: tuple, make) -> bytes:
    return _remembered(_PARTS, 64, key, make)


def _app_xml(properties) -> bytes:
    """docProps/app.xml: openpyxl writes `ExtendedProperties()`, the same for every workbook."""
    return _kept_part(("app",), lambda: tostring(properties().to_tree()))


def _root_rels(writer: WorkbookWriter) -> bytes:
    """`writer.write_root_rels()`: it reads whether the workbook has custom properties (and its
    VBA project)."""
    wb = writer.wb
    if wb.vba_archive is not None:
        return writer.write_root_rels()
    return _kept_part(("root rels", len(wb.custom_doc_props) >= 1), writer.write_root_rels)


def _workbook_rels(writer: WorkbookWriter) -> bytes:
    """`writer.write_rels()` (after `writer.write()`, which lists the sheets' relationships): it
    reads those relationships (every field of each) and the VBA project."""
    if writer.wb.vba_archive is not None:
        return writer.write_rels()
    key = ("workbook rels", *((r.Type, r.Target, r.TargetMode, r.Id) for r in writer.rels))
    return _kept_part(key, writer.write_rels)


_CUSTOM: dict[tuple, list[bytes] | None] = {}  # see _custom_xml


def _custom_xml(props) -> bytes:
    """`tostring(props.to_tree())`, docProps/custom.xml. Where every property is text (a form's
    record of itself: the same names on every form, other values), the part is made by openpyxl
    once per list of names, with a stand-in for each value, and the values (escaped as lxml
    escapes element text) written in their places; anything else is openpyxl's each time."""
    from openpyxl.packaging.custom import CustomPropertyList, StringProperty

    items = props.props
    for prop in items:
        if type(prop) is not StringProperty or type(prop.name) is not str or type(prop.value) is not str:
            return tostring(props.to_tree())
        if _UNPROVEN.search(prop.value):
            return tostring(props.to_tree())  # (lxml refuses some: openpyxl's error)
    values = [prop.value for prop in items]
    spaced = [bool(v.strip()) and v != v.strip() for v in values]  # what gives xml:space="preserve"
    key = (*(prop.name for prop in items), *spaced)

    def pieces_around_values() -> list[bytes] | None:
        holes = [(" " if space else "") + f"qdocgen{k}hole" for k, space in enumerate(spaced)]
        model = CustomPropertyList()
        model.props = [StringProperty(name=prop.name, value=hole) for prop, hole in zip(items, holes, strict=True)]
        xml = tostring(model.to_tree())
        marks = [hole.encode("ascii") for hole in holes]
        if not all(xml.count(mark) == 1 for mark in marks):
            return None
        pieces = []
        for mark in marks:
            head, found, xml = xml.partition(mark)
            if not found:  # (out of order)
                return None
            pieces.append(head)
        pieces.append(xml)
        return pieces

    pieces = _remembered(_CUSTOM, 16, key, pieces_around_values)
    if pieces is None:  # (a name holding a stand-in's text)
        return tostring(props.to_tree())
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        out += (_text(value).encode("utf-8"), piece)
    return b"".join(out)


def _write_manifest(manifest, archive, wb) -> None:
    """`manifest._write(archive, wb)`: [Content_Types].xml is made of the manifest's entries (every
    field of each), the workbook's own entry, the file types of the members written, and
    mimetypes' map of them in openpyxl's manifest module (the same for the process)."""
    if wb.vba_archive is not None:
        manifest._write(archive, wb)
        return
    manifest.append(wb)
    names = archive.namelist()
    key = (
        "manifest",
        tuple((d.Extension, d.ContentType) for d in manifest.Default),
        tuple((o.PartName, o.ContentType) for o in manifest.Override),
        *names,
    )

    def make() -> bytes:
        manifest._register_mimetypes(filenames=names)  # (what _write does after appending)
        return tostring(manifest.to_tree())

    archive.writestr(manifest.path, _kept_part(key, make))


_STYLESHEETS: dict[bytes, bytes] = {}  # what a workbook's styles are → its xl/styles.xml
_STYLES_KIND = "xlsx-styles"  # a stylesheet kept in the compile cache for later processes


@lru_cache(maxsize=1)
def _libraries() -> str:
    return f"{library_stamp('openpyxl', 'lxml')} pickle {pickle.HIGHEST_PROTOCOL} {sys.version}"


def _stylesheet_source(key: bytes) -> str:
    """What decides a stylesheet kept in the compile cache (besides qdocgen's own code, in the
    cache's key): the styles (`key`, their pickle) and the openpyxl and lxml that pickled them
    and write them."""
    return f"1\0{hashlib.sha256(key).hexdigest()}\0{_libraries()}"


def _stylesheet(wb) -> bytes:
    """`tostring(write_stylesheet(wb))`, kept for workbooks whose styles are the same: the
    forms and tables of one template share theirs, and writing them costs a tenth of saving.
    The key is everything write_stylesheet reads, pickled: the same bytes, the same styles. A
    stylesheet written is kept in the compile cache too, for the next process (a build's workers
    each write the few its templates have: ~4 ms each)."""
    try:
        key = pickle.dumps(
            (
                wb._fonts,
                wb._fills,
                wb._borders,
                wb._differential_styles.styles,
                wb._colors,
                wb._number_formats,
                wb._cell_styles,
                wb._alignments,
                wb._protections,
                [
                    (s.name, s.builtinId, s.hidden, s._style.tobytes(), s.alignment, s.protection)
                    for s in wb._named_styles
                ],
                wb._table_styles,
            ),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    except Exception:  # something pickle cannot take: written each time
        return tostring(write_stylesheet(wb))

    def kept_or_written() -> bytes:
        source = _stylesheet_source(key)
        xml = compile_cache.unmarshalled(compile_cache.data(_STYLES_KIND, source))
        if type(xml) is not bytes:  # not kept by an earlier process (or damaged): written
            xml = tostring(write_stylesheet(wb))
            compile_cache.keep_data(_STYLES_KIND, source, marshal.dumps(xml))
        return xml

    return _remembered(_STYLESHEETS, 16, key, kept_or_written)


class _WorksheetWriter(WorksheetWriter):
    data: str | None = None

    def write_dimensions(self):
        plain = plain_sheet(self.ws)
        if plain is None:
            super().write_dimensions()
        else:
            self.xf.send(SheetDimension(plain.dimension()).to_tree())

    def write_rows(self):
        plain = plain_sheet(self.ws)
        self.data = sheet_data(self.ws) if plain is None else plain_sheet_data(self.ws, plain)
        if self.data is None:
            super().write_rows()
            return
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            xf.write("")  # `<sheetData></sheetData>`, replaced in read()
        self.xf.send(None)

    # The sheet settings below are the same on every sheet made from one template (a form's page
    # setup, margins, views…): each is serialised once per state, the state being its pickle
    # (everything its to_tree reads is in it), and the same element written again.

    def write_properties(self):
        _send_tree(self.xf, self.ws.sheet_properties)

    def write_format(self):
        self.ws.sheet_format.outlineLevelCol = self.ws.column_dimensions.max_outline  # as openpyxl's
        _send_tree(self.xf, self.ws.sheet_format)

    def write_views(self):
        _send_tree(self.xf, self.ws.views)

    def write_protection(self):
        if self.ws.protection:
            _send_tree(self.xf, self.ws.protection)

    def write_print(self):
        if self.ws.print_options:
            _send_tree(self.xf, self.ws.print_options)

    def write_margins(self):
        if self.ws.page_margins:
            _send_tree(self.xf, self.ws.page_margins)

    def write_page(self):
        if self.ws.page_setup:
            _send_tree(self.xf, self.ws.page_setup)

    def write_header(self):
        if self.ws.HeaderFooter:
            _send_tree(self.xf, self.ws.HeaderFooter)

    def write_merged_cells(self):
        # openpyxl's, without a MergeCell (a range parsed again from its text) per merge
        merged = self.ws.merged_cells
        if merged:
            element = Element("mergeCells", count=str(len(merged.ranges)))
            letters = _Letters()
            for ref in merged:
                SubElement(element, "mergeCell", ref=_range_text(ref, letters))
            self.xf.send(element)

    def read(self):
        out = super().read()
        if self.data is None:
            return out
        at = out.index(_PLACEHOLDER)  # the first: nothing written before the cells holds a `<`
        return b"".join((out[:at], self.data.encode("ascii", "xmlcharrefreplace"), out[at + len(_PLACEHOLDER) :]))


def _range_text(ref, letters: _Letters) -> str:
    """`str(ref)` for a merged range: its coordinates (its sheet's name before them, if it has one)."""
    if type(ref) in _RANGES and not ref.title:
        d = ref.__dict__
        r1, c1, r2, c2 = d.get("min_row"), d.get("min_col"), d.get("max_row"), d.get("max_col")
        if type(r1) is int and type(c1) is int and type(r2) is int and type(c2) is int and c1 > 0 and c2 > 0:
            if r1 == r2 and c1 == c2:
                return f"{letters[c1]}{r1}"
            return f"{letters[c1]}{r1}:{letters[c2]}{r2}"
    return str(ref)


_RANGES = (CellRange, MergedCellRange)  # (neither has a str() of its own beyond CellRange's)

_TREES: dict[bytes, object] = {}  # a sheet setting's pickle → its element


def _send_tree(xf, obj) -> None:
    """`xf.send(obj.to_tree())`, the element made once per state of `obj` (see above)."""
    try:
        key = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # something pickle cannot take: made each time
        xf.send(obj.to_tree())
        return
    xf.send(_remembered(_TREES, 64, key, obj.to_tree))


def sheet_data(ws) -> str | None:
    """The `<sheetData>` element openpyxl's writer writes for `ws` (as text, before its
    characters outside ASCII become references), or None for a sheet with a cell it does
    not know how to write. On success the styles, hyperlinks and comments are recorded as
    openpyxl's writer records them."""
    styles = ws.parent._cell_styles
    dims = ws.row_dimensions
    rows: dict[int, list] = {}
    for (row, _), cell in sorted(ws._cells.items()):
        if row in rows:
            rows[row].append(cell)
        else:
            rows[row] = [cell]
    for row in dims.keys() - rows.keys():
        rows[row] = []
    links, comments = [], []
    letters = _Letters()
    texts = _TEXTS
    if len(texts) > 50_000:
        texts.clear()
    numbers: dict[bytes, int | None] = {}  # a style's bytes → its number (what styles.add gives it,
    # asked once), None for a style of all zeros (written as no style)
    tails: dict[tuple, str] = {}  # (style number, data type) → the attributes after a cell's reference
    out = ["<sheetData>"]
    put = out.append
    formats: dict[tuple, str] = {}  # a row format's attributes (the same on most rows of a table)
    for row, cells in sorted(rows.items()):
        dim = dims.get(row)
        put(f'<row r="{row}"{_row_attributes(dim, formats)}>' if dim is not None else f'<row r="{row}">')
        for cell in cells:
            if cell._comment is not None:
                comments.append(cell)
            value = cell._value
            style = cell._style
            if style is None:
                number = None
            else:
                key = style.tobytes()
                number = numbers.get(key, _UNSEEN)
                if number is _UNSEEN:
                    if any(style):  # styled
                        kind = cell.data_type
                        if kind not in _TYPES:  # (before the style is added, as openpyxl would add it)
                            return None
                        number = numbers[key] = styles.add(style)
                    else:
                        number = numbers[key] = None
            if value is None and number is None and not cell._comment:
                continue
            kind = cell.data_type
            tail = tails.get((number, kind))
            if tail is None:
                if kind not in _TYPES:
                    return None
                tail = tails[number, kind] = (f' s="{number}"' if number is not None else "") + _TYPES[kind]
            head = f'<c r="{letters[cell.column]}{cell.row}"{tail}'
            if cell.hyperlink:
                links.append(cell.hyperlink)
            if value is None or value == "":
                put(head + "></c>")
                continue
            kind_value = type(value)
            if kind == "s":
                if kind_value is not str:
                    return None
                body = texts.get(value)
                if body is None:
                    body = _text_body(value)
                    if body is None:
                        return None
                put(head + body)
            elif kind == "f":
                if kind_value is not str or len(value) < 2 or _UNPROVEN.search(value):
                    return None
                put(f"{head}><f>{_text(value[1:])}</f><v></v></c>")
            elif (
                kind_value is float
                and math.isfinite(value)
                or kind_value is bool
                or kind_value is int
                and value.bit_length() < 1000
            ):
                put(f"{head}><v>{'%.16g' % value}</v></c>")  # noqa: UP031 - openpyxl's safe_string, exactly
            else:
                return None
        put("</row>")
    put("</sheetData>")
    for cell in comments:
        ws._comments.append(CommentRecord.from_cell(cell))
    ws._hyperlinks.extend(links)
    return "".join(out)


def plain_sheet_data(ws, plain: PlainSheet) -> str:
    """sheet_data() for a worksheet whose cells and rows are kept as a PlainSheet (plain.py): the
    same text, the styles added to the workbook's list in the same order. Every value is one
    plain_cell() gives (text it was proven on, or a number) or a fixed one static_is_plain() allows."""
    if ws._cells or ws.row_dimensions:
        raise ValueError(f"worksheet {ws.title} has cells or rows besides its plain ones")
    styles = ws.parent._cell_styles
    cells, formats, heights = plain.cells, plain.formats, plain.heights
    letters = _Letters()
    numbers: dict[bytes, int | None] = {}  # as in sheet_data
    by_object: dict[int, int | None] = {}  # a style's id → its number (a template cell's style is shared)
    tails: dict[tuple, str] = {}
    attributes: dict[tuple, str] = {}  # (its RowDimension's id, height) → a row's attributes
    formatted: dict[tuple, str] = {}  # see _row_attributes
    texts = _TEXTS
    if len(texts) > 50_000:
        texts.clear()
    out = ["<sheetData>"]
    put = out.append
    for row in sorted({row for row, found in cells.items() if found} | formats.keys() | heights.keys()):
        made, height = formats.get(row), heights.get(row)
        if made is None and height is None:
            put(f'<row r="{row}">')
        else:
            key = (id(made), height)
            text = attributes.get(key)
            if text is None:
                # the RowDimension the general path gives the row: a copy of the template row's
                # (or a new one), its height set when it grew; the attributes as it writes them
                if made is None:
                    dim = RowDimension(ws)
                else:  # (as the engine's row_format copies it)
                    dim = RowDimension.__new__(RowDimension)
                    dim.__dict__.update(made.__dict__)
                    dim.parent = made.parent
                    dim._style = None if made._style is None else StyleArray(made._style)
                if height is not None:
                    dim.height = height
                text = attributes[key] = _row_attributes(dim, formatted)
            put(f'<row r="{row}"{text}>')
        row_cells = cells.get(row)
        if not row_cells:
            put("</row>")
            continue
        for col in sorted(row_cells):
            style, value, kind = row_cells[col]
            if style is None:
                number = None
            else:
                number = by_object.get(id(style), _UNSEEN)
                if number is _UNSEEN:
                    key = style.tobytes()
                    number = numbers.get(key, _UNSEEN)
                    if number is _UNSEEN:
                        number = numbers[key] = styles.add(style) if any(style) else None
                    by_object[id(style)] = number
            if value is None and number is None:
                continue
            tail = tails.get((number, kind))
            if tail is None:
                tail = tails[number, kind] = (f' s="{number}"' if number is not None else "") + _TYPES[kind]
            if value is None or value == "":
                put(f'<c r="{letters[col]}{row}"{tail}></c>')
            elif kind == "s":
                body = texts.get(value)
                if body is None:
                    body = _text_body(value)  # (never None: plain cells hold proven text)
                put(f'<c r="{letters[col]}{row}"{tail}{body}')
            else:
                put(f'<c r="{letters[col]}{row}"{tail}><v>{"%.16g" % value}</v></c>')  # noqa: UP031 - openpyxl's safe_string, exactly
        put("</row>")
    put("</sheetData>")
    return "".join(out)


_TEXTS: dict[str, str] = {}  # a cell's text → what follows its attributes (the same texts recur)


def _text_body(text: str) -> str | None:
    """What follows the attributes of a cell of inline `text`, its characters outside ASCII
    written as references already (as read() writes them: the same bytes, and the whole sheet's
    text then encodes at once), kept in _TEXTS; None for text with a character it was not proven on."""
    if _SPECIAL.search(text):
        if _UNPROVEN.search(text):
            return None
        escaped = _text(text)
    else:
        escaped = text
    if text != text.strip():
        body = f'><is><t xml:space="preserve">{escaped}</t></is></c>'
    else:
        body = f"><is><t>{escaped}</t></is></c>"
    body = body.encode("ascii", "xmlcharrefreplace").decode("ascii")
    _TEXTS[text] = body
    return body


def _row_attributes(dim, formats: dict) -> str:
    """The attributes after a row's number: what iterating its RowDimension gives, the style
    number asked first (the one attribute asking has an effect: its style is added to the
    workbook's list); `formats` keeps them by what decides them (the same on most rows)."""
    if type(dim) is not RowDimension:
        return "".join(f' {key}="{_attr(value)}"' for key, value in dim)
    number = dim.style_id
    d = dim.__dict__
    key = (number, dim.has_style, *(d.get(name) for name in _ROW_FIELDS))
    text = formats.get(key)
    if text is None:
        text = formats[key] = "".join(f' {name}="{_attr(value)}"' for name, value in dim)
    return text


class _Letters(dict):
    """Column number → letters, worked out once per column a sheet uses."""

    def __missing__(self, column: int) -> str:
        letters = self[column] = get_column_letter(column)
        return letters


def _text(text: str) -> str:
    """Element text as lxml escapes it (characters outside ASCII are left to the encoding)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def _attr(value: str) -> str:
    """An attribute value as lxml escapes it."""
    text = _text(value)
    if '"' in text:
        text = text.replace('"', "&quot;")
    for ch, ref in (("\t", "&#9;"), ("\n", "&#10;")):
        if ch in text:
            text = text.replace(ch, ref)
    return text
