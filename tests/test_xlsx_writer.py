"""render/xlsx/writer.py: the worksheets' cells written as openpyxl's own writer writes them,
byte for byte, and openpyxl's writer used for whatever the fast one does not know."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.formula import ArrayFormula

from qdocgen.render.package import normalise_package
from qdocgen.render.xlsx import writer
from qdocgen.render.xlsx.writer import package_bytes, sheet_data, workbook_bytes

THIN = Side(style="thin")


def openpyxl_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parts(package: bytes) -> dict[str, bytes]:
    """The members of a package but its core properties (openpyxl stamps the time of saving)."""
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def same_as_openpyxl(make) -> None:
    """`make()` builds a workbook: one is saved by openpyxl, another like it by workbook_bytes.
    (Two workbooks: saving changes a workbook, e.g. it sets the sheet's outlineLevelCol.)"""
    expected = parts(openpyxl_bytes(make()))
    got = parts(workbook_bytes(make()))
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == expected[name], name


def fast(make) -> bool:
    """Whether every worksheet of `make()` is written by the fast writer."""
    return all(sheet_data(ws) is not None for ws in make().worksheets)


TEXTS = [
    "普通文字",
    "R&D <b> 5>3 \"quoted\" 'single'",
    " leading space",
    "trailing space ",
    "\u3000全角空格开头",
    "tab\tinside",
    "\ttab first",
    "line one\nline two",
    "line\r\nwith CR",
    "ends with newline\n",
    "é ñ ü — “” ‘’ … ©",
    "emoji 😀 and 𠀋",
    "\x7f\x80\x85\x9f\xa0 C1 controls and nbsp",
    "\u2028\ufeff\ufffd",
    "]]> not a CDATA end",
    "&amp; already escaped",
    "=not a formula",
]

NUMBERS = [0, 1, -1, 42, 10**15, 2**53 + 1, 2**70, -(2**64), 0.1 + 0.2, 1 / 3, 1e-300, 1e300, -0.0, 2.5, 5e-5]


def mixed_workbook() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "表一"
    for row, text in enumerate(TEXTS, start=1):
        ws.cell(row=row, column=1, value=text)
        if text.startswith("="):
            ws.cell(row=row, column=1).data_type = "s"  # as render.xlsx.cells.put_value writes it
            ws.cell(row=row, column=1).quotePrefix = True
    for row, number in enumerate(NUMBERS, start=1):
        ws.cell(row=row, column=2, value=number)
    ws["C1"] = True
    ws["C2"] = False
    ws["C3"] = "=SUM(B1:B5)"
    ws["C4"] = '=IF(A1<>"",A1&"<x>","")'
    ws["C5"] = "='表一'!B2*2"
    ws["C6"] = 7
    ws["C6"].number_format = "0.00%"
    # empty cells with and without styles, a styled row without cells, heights, hidden rows
    ws["D1"].border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws["D2"].fill = PatternFill("solid", fgColor="D9D9D9")
    ws["D3"].font = Font(name="仿宋_GB2312", size=12, bold=True)
    ws["D4"].alignment = Alignment(wrap_text=True, vertical="center")
    ws.cell(row=5, column=4)  # a cell that exists, no value nor style: not written
    ws["D6"] = ""  # an empty string
    ws.row_dimensions[2].height = 30.5
    ws.row_dimensions[3].hidden = True
    ws.row_dimensions[4].outlineLevel = 1
    ws.row_dimensions[30].height = 12  # a row with no cells
    ws.row_dimensions[31].font = Font(italic=True)  # a styled row with no cells
    ws.row_dimensions[32].hidden = True
    for row in range(50, 54):  # rows of one format (its attributes are written once, then reused)
        ws.row_dimensions[row].height = 20
        ws.row_dimensions[row].font = Font(bold=True)
        ws.cell(row=row, column=1, value=row)
    ws.row_dimensions[53].height = 21
    ws.row_dimensions[54].thickBot = True
    ws.row_dimensions[55].collapsed = True
    ws.row_dimensions[56].font = Font(bold=True)  # the bold rows' style, no height
    ws.merge_cells("E1:G3")
    ws["E1"] = "合并"
    ws["E1"].border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws.merge_cells("E5:E8")
    ws.cell(row=40, column=20, value="far away")
    ws.cell(row=40, column=16384, value="last column")
    ws["H1"] = "链接"
    ws["H1"].hyperlink = "https://example.org/a?b=1&c=2"
    ws["H2"] = "内部链接"
    ws["H2"].hyperlink = "#'表一'!A1"
    ws["H3"] = "批注"
    ws["H3"].comment = Comment("批注内容 & <说明>", "作者")
    ws["H4"].comment = Comment("空格的批注", "作者")  # a comment on a cell without value
    second = wb.create_sheet("第二页")
    second["A1"] = "={表一}"  # not valid Excel, written as given
    second["A1"] = "=表一!A1"
    second["B2"] = 3.0
    second.row_dimensions[5].height = 40
    wb.create_sheet("空表")
    return wb


def test_mixed_cells_are_written_as_openpyxl_writes_them():
    assert fast(mixed_workbook)
    same_as_openpyxl(mixed_workbook)


def test_every_character_escapes_as_lxml_escapes_it():
    """Text holding each code point openpyxl accepts in a cell, in chunks, and in an attribute
    of a row (its height is a number: attributes are the row's own, so only cells carry text)."""

    def make():
        wb = Workbook()
        ws = wb.active
        points = [c for c in range(0x09, 0x30000) if not (0xD800 <= c <= 0xDFFF) and c not in (0xFFFE, 0xFFFF)]
        points = [c for c in points if c in (0x09, 0x0A, 0x0D) or c >= 0x20]
        for k in range(0, len(points), 2048):
            ws.cell(row=k // 2048 + 1, column=1, value="".join(map(chr, points[k : k + 2048])))
        return wb

    assert fast(make)
    same_as_openpyxl(make)


def test_styles_are_numbered_in_the_order_openpyxl_numbers_them():
    """Cell styles are added to the workbook's list as the cells are written: new styles met
    first in a later row get the later numbers, as openpyxl gives them."""

    def make():
        wb = Workbook()
        ws = wb.active
        for row in range(1, 30):
            for col in range(1, 6):
                cell = ws.cell(row=row, column=col, value=row * col if col % 2 else None)
                cell.font = Font(size=8 + (row * col) % 7)
                cell.border = Border(bottom=THIN) if row % 3 == 0 else Border()
        ws.row_dimensions[7].fill = PatternFill("solid", fgColor="FFFF00")
        return wb

    same_as_openpyxl(make)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2019, 6, 30, 12, 0),
        date(2019, 6, 30),
        Decimal("1.10"),
        float("nan"),
        float("inf"),
        ArrayFormula("A1:A2", "=B1:B2*2"),
        CellRichText([TextBlock(InlineFont(b=True), "粗"), "细"]),
    ],
    ids=["datetime", "date", "decimal", "nan", "inf", "array-formula", "rich-text"],
)
def test_cells_it_does_not_know_fall_back_to_openpyxl(value):
    def make():
        wb = Workbook()
        ws = wb.active
        ws["A1"] = "before"
        ws["A1"].hyperlink = "https://example.org/"
        ws["A2"] = value
        ws["B2"].comment = Comment("说明", "作者")
        return wb

    wb = make()
    assert sheet_data(wb.active) is None
    assert wb.active._hyperlinks == [] and wb.active._comments == []  # nothing recorded by the attempt
    same_as_openpyxl(make)


def test_error_values_and_set_types_fall_back():
    def make():
        wb = Workbook()
        ws = wb.active
        ws["A1"] = "#N/A"
        ws["A1"].data_type = "e"
        ws["A2"] = "12"
        ws["A2"].data_type = "n"  # text marked as a number: openpyxl writes it as given
        return wb

    assert not fast(make)
    same_as_openpyxl(make)


def test_a_workbook_with_one_unknown_sheet_writes_the_others_fast():
    def make():
        wb = mixed_workbook()
        wb.create_sheet("日期")["A1"] = datetime(2020, 1, 1)
        return wb

    wb = make()
    assert [sheet_data(ws) is not None for ws in wb.worksheets] == [True, True, True, False]
    same_as_openpyxl(make)


def test_characters_lxml_refuses_fail_as_openpyxl_fails():
    """U+FFFE passes openpyxl's check of a cell value but not lxml's: openpyxl's writer is left
    to refuse it, as it refuses it when saving."""
    wb = Workbook()
    wb.active["A1"] = "bad \ufffe"
    assert sheet_data(wb.active) is None
    with pytest.raises(ValueError, match="All strings must be XML compatible"):
        workbook_bytes(wb)


def test_a_kept_stylesheet_is_only_given_for_the_same_styles():
    """The stylesheet is kept for the next workbook with the same styles: one style more or
    changed (a font's size, a fill) is another stylesheet, each as openpyxl writes it."""

    def make(size=12, color="D9D9D9", extra=False):
        def build():
            wb = Workbook()
            ws = wb.active
            ws["A1"] = "标题"
            ws["A1"].font = Font(name="黑体", size=size)
            ws["B2"].fill = PatternFill("solid", fgColor=color)
            if extra:
                ws["C3"] = 1
                ws["C3"].number_format = "0.0%"
            return wb

        return build

    for variant in [make(), make(), make(size=14), make(color="FFFF00"), make(extra=True), make()]:
        same_as_openpyxl(variant)


def test_custom_properties_and_named_styles_are_written_as_openpyxl_writes_them():
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import NamedStyle

    def make():
        wb = mixed_workbook()
        wb.custom_doc_props.append(StringProperty(name="QDOCGEN_FORM", value="填报表"))
        highlight = NamedStyle(name="highlight", font=Font(bold=True), alignment=Alignment(horizontal="center"))
        wb.add_named_style(highlight)
        wb.active["A1"].style = "highlight"
        return wb

    same_as_openpyxl(make)


def _put_value_as_openpyxl(cell, value) -> None:
    """render.xlsx.cells.put_value as it was written before its shortcut for text: every
    value through openpyxl's `cell.value = …`."""
    import math

    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, Decimal):
        value = float(value)
    if value is None or isinstance(value, bool) or isinstance(value, (datetime, date)):
        cell.value = value
        return
    if isinstance(value, (int, float)):
        cell.value = value if math.isfinite(value) else str(value)
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text:
        cell.value = None
        return
    cell.value = text
    if text[0] in "=+-@":
        cell.data_type = "s"
        cell.quotePrefix = True


@pytest.mark.parametrize(
    "value",
    [
        "文字",
        "=SUM(A1:A2)",
        "=",
        "+1",
        "-",
        "-3.5",
        "@home",
        "#N/A",
        "#DIV/0!",
        "a\x01b\x1fc",
        "\x01\x02",
        "",
        " ",
        "x" * 40000,
        None,
        0,
        2.5,
        -7,
        10**20,
        True,
        Decimal("1.25"),
        float("nan"),
        float("-inf"),
    ],
    ids=repr,
)
def test_put_value_writes_a_cell_as_openpyxl_would(value):
    from qdocgen.render.xlsx.cells import put_value

    wb = Workbook()
    ws = wb.active
    for row, before in enumerate([None, "旧值", 7], start=1):  # a new cell, one with text, one with a number
        ours, theirs = ws.cell(row=row, column=1), ws.cell(row=row, column=2)
        for cell in (ours, theirs):
            if before is not None:
                cell.value = before
        put_value(ours, value)
        _put_value_as_openpyxl(theirs, value)
        assert (ours.value, ours.data_type, ours.quotePrefix, ours.has_style) == (
            theirs.value,
            theirs.data_type,
            theirs.quotePrefix,
            theirs.has_style,
        )


@pytest.mark.parametrize("epoch", [None, "1700000000"])
def test_package_bytes_are_the_normalised_package(monkeypatch, epoch):
    """package_bytes writes what normalise_package(workbook_bytes(wb)) writes, byte for byte,
    whether its members were packed before (kept) or not, under any SOURCE_DATE_EPOCH."""
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)

    def make():
        wb = mixed_workbook()
        wb.properties.title = "标题"
        wb.create_sheet("第二张").append(["a", 1])
        return wb

    writer._PACKED.clear()
    expected = normalise_package(workbook_bytes(make()))
    first = package_bytes(make())
    assert writer._PACKED  # the members that recur were kept
    again = package_bytes(make())
    assert first == expected
    assert again == expected
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert z.namelist()[:2] == ["[Content_Types].xml", "_rels/.rels"]
        assert z.testzip() is None


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_package_bytes_with_a_member_written_twice_is_as_zipfile_makes_it():
    archive = writer._Members()
    archive.writestr("a.xml", b"<one/>")
    archive.writestr("a.xml", "<two/>")
    with zipfile.ZipFile(io.BytesIO(archive.stored())) as z:
        assert z.namelist() == ["a.xml", "a.xml"]
        assert z.read("a.xml") == b"<two/>"


def test_sheet_settings_written_once_per_state_follow_every_change():
    """The settings kept as written (views, format, protection, print options, margins, page
    setup, header and footer, properties) are told apart by their whole state: workbooks that
    differ in one of them, written in turn, each come out as openpyxl writes them."""

    def variant(k: int):
        def make():
            wb = Workbook()
            ws = wb.active
            ws["A1"] = "文字"
            if k == 1:
                ws.page_setup.orientation = "landscape"
            if k == 2:
                ws.page_margins.left = 1.25
            if k == 3:
                ws.oddHeader.center.text = "第&P页"
            if k == 4:
                ws.protection.sheet = True
            if k == 5:
                ws.sheet_view.showGridLines = False
            if k == 6:
                ws.print_options.horizontalCentered = True
            if k == 7:
                ws.sheet_properties.tabColor = "FF0000"
            if k == 8:
                ws.column_dimensions["B"].outlineLevel = 2  # the format's outlineLevelCol
            return wb

        return make

    for k in [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 3, 1]:
        same_as_openpyxl(variant(k))


def test_row_dimensions_added_by_copy_are_those_openpyxl_adds():
    from qdocgen.render.xlsx.cells import RowDimensions

    ours, theirs = Workbook().active, Workbook().active
    for ws in (ours, theirs):
        ws.row_dimensions[2].height = 30  # an existing one is given as it is
    rows = RowDimensions(ours)
    for row in (2, 5, 6, 40):
        made, expected = rows[row], theirs.row_dimensions[row]
        assert made is ours.row_dimensions[row]
        assert type(made) is type(expected) and made.__dict__ == expected.__dict__
        assert (made.parent, made._style) == (ours, expected._style)
    rows[5].height, theirs.row_dimensions[5].height = 12.5, 12.5
    rows[6].hidden, theirs.row_dimensions[6].hidden = True, True
    assert rows[6] is not rows[5] and rows[40].height is None
    assert [dict(d) for _, d in sorted(ours.row_dimensions.items())] == [
        dict(d) for _, d in sorted(theirs.row_dimensions.items())
    ]


def test_a_cell_made_slot_by_slot_is_the_cell_openpyxl_makes():
    """styled_cell sets a new cell's slots itself (openpyxl's constructor checks what the engine has
    checked already): every slot openpyxl's Cell has must come out as Cell(…) sets it, so that an
    openpyxl whose Cell gained or changed a slot fails here, not in a user's build."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles.cell_style import StyleArray

    from qdocgen.render.xlsx.cells import styled_cell

    ws = Workbook().active
    style = StyleArray([3, 1, 2, 0, 5, 0, 1, 0, 0])
    ours = styled_cell(ws, 7, 4, style)
    theirs = Cell(ws, row=7, column=4, style_array=StyleArray(style))
    slots = {slot for klass in Cell.__mro__ for slot in getattr(klass, "__slots__", ())}
    assert slots >= {"row", "column", "_value", "data_type", "parent", "_hyperlink", "_comment", "_style"}
    missing = object()
    for slot in sorted(slots):
        assert getattr(ours, slot, missing) == getattr(theirs, slot, missing), slot
    assert ours._style is not style and ws._cells[(7, 4)] is ours and ws._current_row >= 7
    assert (
        styled_cell(ws, 7, 4, StyleArray([0] * 9)) is ours and list(ours._style) == [0] * 9
    )  # an existing cell: restyled


def _with_structure(sheets: int = 1, custom: int = 0, hidden: bool = False, picture: bool = False, chart: bool = False):
    """A workbook maker: `sheets` worksheets (the last very hidden with `hidden`), `custom`
    custom properties, a picture or a chart on the first sheet."""

    def make():
        from openpyxl.packaging.custom import StringProperty

        wb = Workbook()
        wb.active.title = "表"
        wb.active["A1"] = "首"
        for k in range(1, sheets):
            ws = wb.create_sheet(f"页{k}")
            ws["B2"] = k
        if hidden:
            wb.worksheets[-1].sheet_state = "veryHidden"
        for k in range(custom):
            wb.custom_doc_props.append(StringProperty(name=f"P{k}", value=f"值{k}"))
        if picture:
            from openpyxl.drawing.image import Image

            png = io.BytesIO(
                bytes.fromhex(
                    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf"
                    "c0f01f0005000201a5f5a1c10000000049454e44ae426082"
                )
            )
            wb.active.add_image(Image(png), "C3")
        if chart:
            from openpyxl.chart import BarChart, Reference

            for r in range(2, 5):
                wb.active.cell(r, 1, r)
            bar = BarChart()
            bar.add_data(Reference(wb.active, min_col=1, min_row=2, max_row=4))
            wb.active.add_chart(bar, "E2")
        return wb

    return make


def test_package_parts_kept_as_bytes_are_those_openpyxl_writes_for_each_structure():
    """The parts kept from document to document (content types, relationships, app.xml) follow
    what they are made of: workbooks of other shapes, written one after the other in either order,
    each get openpyxl's own parts."""
    pytest.importorskip("PIL")
    makers = [
        _with_structure(),
        _with_structure(sheets=2),
        _with_structure(sheets=2, custom=1),
        _with_structure(sheets=3, custom=2, hidden=True),
        _with_structure(custom=1),
        _with_structure(picture=True),
        _with_structure(sheets=2, chart=True),
        _with_structure(sheets=2, picture=True, chart=True, custom=1),
    ]
    writer._PARTS.clear()
    for make in [*makers, *reversed(makers), *makers]:
        same_as_openpyxl(make)
    assert any(key[0] == "manifest" for key in writer._PARTS)


def test_texts_kept_from_sheet_to_sheet_are_written_as_openpyxl_writes_them():
    """A cell's text is escaped once and kept (characters outside ASCII as references already):
    written again in a later workbook, or on a sheet openpyxl's writer writes, it is the same."""
    writer._TEXTS.clear()
    same_as_openpyxl(mixed_workbook)
    assert writer._TEXTS and all(body.isascii() for body in writer._TEXTS.values())
    same_as_openpyxl(mixed_workbook)  # every text kept now

    def unknown_too():
        wb = mixed_workbook()
        wb.active["Z1"] = datetime(2019, 1, 15)  # a sheet the fast writer leaves to openpyxl
        return wb

    same_as_openpyxl(unknown_too)


@pytest.mark.parametrize("ref", ["A1:B2", "C3", "XFD1:XFD1048576", "AA10:AB10", "B2:B9"])
def test_merged_ranges_are_named_as_openpyxl_names_them(ref):
    from openpyxl.worksheet.cell_range import CellRange
    from openpyxl.worksheet.merge import MergedCellRange

    wb = Workbook()
    merged = MergedCellRange(wb.active, ref)
    assert writer._range_text(merged, writer._Letters()) == str(merged)
    titled = CellRange(ref, title="表 一")
    assert writer._range_text(titled, writer._Letters()) == str(titled) == f"'表 一'!{CellRange(ref).coord}"

    def make():
        book = Workbook()
        book.active.merge_cells(ref)
        book.active.merge_cells("D20:F22")
        return book

    same_as_openpyxl(make)


@pytest.mark.parametrize(
    "values",
    [
        ["填报表", "南海区", "2018", "", "0123abcd"],
        ["R&D <b> 5>3 \"q\" 'single'", " leading", "trailing ", "  ", "a\r\nb\tc", "emoji 😀 𠀋"],
        ["qdocgen0hole", "qdocgen1hole"],
        ["\u3000全角空格\u3000"],
    ],
    ids=repr,
)
def test_custom_properties_written_from_a_kept_model_are_openpyxl_s(values):
    """docProps/custom.xml of text properties is made once per list of names and the values put
    in: what openpyxl writes for any value; other kinds of property, and text lxml refuses, go
    openpyxl's way."""
    from openpyxl.packaging.custom import CustomPropertyList, IntProperty, StringProperty
    from openpyxl.xml.functions import tostring

    def props(vals, extra=None):
        found = CustomPropertyList()
        for k, v in enumerate(vals):
            found.append(StringProperty(name=f'名{k}&"', value=v))
        if extra is not None:
            found.append(extra)
        return found

    writer._CUSTOM.clear()
    for _ in range(2):  # made, then from the kept model
        assert writer._custom_xml(props(values)) == tostring(props(values).to_tree())
        assert writer._custom_xml(props(values[::-1])) == tostring(props(values[::-1]).to_tree())
    named = props(values, StringProperty(name="qdocgen0hole", value="名字里有替身"))
    for _ in range(2):
        assert writer._custom_xml(named) == tostring(named.to_tree())
    mixed = props(values, IntProperty(name="n", value=3))
    assert writer._custom_xml(mixed) == tostring(mixed.to_tree())
    with pytest.raises(ValueError):
        writer._custom_xml(props(["bad\x01char"]))
    with pytest.raises(ValueError):
        tostring(props(["bad\x01char"]).to_tree())


def test_a_stylesheet_is_kept_for_a_later_process_and_only_for_the_same_styles(cache_dir, monkeypatch):
    """xl/styles.xml written once is kept in the compile cache: a later process (the kept ones in
    memory forgotten) takes it from there without writing it, for workbooks of the same styles
    only; a damaged entry is written again."""

    def styled(color: str):
        def make():
            wb = mixed_workbook()
            wb.active["A1"].font = Font(color=color)
            return wb

        return make

    writer._STYLESHEETS.clear()
    same_as_openpyxl(styled("FF0000"))
    assert any(cache_dir.rglob("*"))
    writer._STYLESHEETS.clear()  # as in a new process
    written = []
    real = writer.write_stylesheet
    monkeypatch.setattr(writer, "write_stylesheet", lambda wb: written.append(1) or real(wb))
    same_as_openpyxl(styled("FF0000"))
    assert written == []  # taken from the cache
    same_as_openpyxl(styled("00FF00"))  # other styles: written
    assert written == [1]
    for path in (p for p in cache_dir.rglob("*") if p.is_file()):
        data = bytearray(path.read_bytes())
        data[-1] ^= 0xFF
        path.write_bytes(bytes(data))
    writer._STYLESHEETS.clear()
    same_as_openpyxl(styled("FF0000"))
    assert written == [1, 1]
