"""Excel templates read in an earlier process (render/xlsx/copies.py `kept`, engine.py's kept
column loops): the workbook, and a template's column loops laid out, are taken from the compile
cache instead of read with openpyxl — the same bytes; nothing kept that does not fit is used.
"""

from __future__ import annotations

import io
import os
import pickle

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from qdocgen.documents import forms
from qdocgen.documents.context import base_context
from qdocgen.figures.period import Period
from qdocgen.render import form_book
from qdocgen.render.xlsx import copies, engine
from qdocgen.render.xlsx.engine import PreparedXlsx
from qdocgen.workspace import Workspace

from conftest import DATA, TEMPLATES


@pytest.fixture(scope="module")
def ws():
    return Workspace(data_dir=DATA, templates_dir=TEMPLATES)


def unreadable(*args, **kwargs):
    raise AssertionError("the template's package was read again")


@pytest.mark.parametrize("name", ["任务分解表.xlsx", "任务分解表-完成情况.xlsx"])
def test_a_table_template_renders_from_the_kept_workbook_as_read(cache_dir, ws, monkeypatch, name):
    template = TEMPLATES / "xlsx" / name
    period = Period(2018)
    contexts = [
        base_context(ws.plan, period=period, district=d, evaluation=ws.evaluation(period)) for d in (None, "南海区")
    ]
    first = PreparedXlsx(template)  # nothing kept yet: read, and kept
    expected = [first.render(c) for c in contexts]
    assert any(cache_dir.rglob("*"))
    # a later process: neither the template nor its column loops are read with openpyxl
    monkeypatch.setattr(engine.PreparedXlsx, "_load", unreadable)
    monkeypatch.setattr(engine, "expand", unreadable)
    again = PreparedXlsx(template)
    assert again._copier is not None and again._copier.kept
    assert [again.render(c) for c in contexts] == expected
    assert again.sources == first.sources and again.column_lists == first.column_lists


def test_forms_are_made_from_the_kept_workbook_as_from_the_template(cache_dir, ws, monkeypatch):
    template = TEMPLATES / "xlsx" / "填报表.xlsx"
    form_book._COPIES.clear()
    expected = forms.build_form(template, ws.plan, Period(2018), "南海区")
    form_book._COPIES.clear()  # as in a new process
    monkeypatch.setattr(form_book, "load_workbook", unreadable)
    assert forms.build_form(template, ws.plan, Period(2018), "南海区") == expected
    assert forms.build_form(template, ws.plan, Period(2018), None) != expected
    form_book._COPIES.clear()


def test_a_changed_or_damaged_kept_workbook_is_not_used(cache_dir, ws):
    template = TEMPLATES / "xlsx" / "任务分解表-完成情况.xlsx"
    context = base_context(ws.plan, period=Period(2018), district=None, evaluation=ws.evaluation(Period(2018)))
    expected = PreparedXlsx(template).render(context)
    entries = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert entries
    for path in entries:  # damaged (each entry): the checksum fails, the template is read again
        data = bytearray(path.read_bytes())
        data[-1] ^= 0xFF
        path.write_bytes(bytes(data))
    again = PreparedXlsx(template)
    assert not again._copier.kept
    assert again.render(context) == expected
    # another template's bytes: another entry
    assert copies.kept(template.read_bytes() + b"\0", "template") is None


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo should not run",))


@pytest.mark.parametrize(
    "payload",
    [
        pickle.dumps(_Evil()),
        pickle.dumps(getattr),  # the real getattr is never given
        pickle.dumps([1, 2]),  # not a workbook
    ],
)
def test_a_kept_workbook_is_unpickled_to_openpyxl_classes_only(payload):
    copier = copies.WorkbookCopier(payload, {}, kept=True)
    with pytest.raises(pickle.UnpicklingError):
        copier.copy()


def test_classes_openpyxl_only_imports_are_not_made_from_a_kept_workbook(tmp_path):
    """openpyxl's modules hold classes of other libraries under their own names (ZipFile,
    MimeTypes, operator's attrgetter and itemgetter, functools' partial): found through an
    openpyxl module they are not openpyxl's classes, and are refused. Taken for openpyxl's, a
    ZipFile opened for writing makes (or empties) any file, and attrgetter and itemgetter reach
    from an openpyxl object to os.system."""
    target = tmp_path / "made.zip"
    opened = b"copenpyxl.reader.excel\nZipFile\n(V" + str(target).encode() + b"\nVw\ntR."
    with pytest.raises(pickle.UnpicklingError):
        copies.WorkbookCopier(opened, {}, kept=True).copy()
    assert not target.exists()
    unpickler = copies._KeptUnpickler(io.BytesIO(b""))
    for module, name in [
        ("openpyxl.worksheet.cell_range", "attrgetter"),
        ("openpyxl.worksheet.datavalidation", "itemgetter"),
        ("openpyxl.xml.functions", "partial"),
        ("openpyxl.packaging.manifest", "MimeTypes"),
        ("openpyxl.writer.excel", "ZipFile"),
    ]:
        with pytest.raises(pickle.UnpicklingError):
            unpickler.find_class(module, name)
    assert unpickler.find_class("openpyxl.styles.fonts", "Font") is Font


def test_a_kept_copier_copies_a_workbook_as_the_one_pickled():
    wb = Workbook()
    wb.active["A1"] = "文字"
    wb.active.row_dimensions[3].height = 20
    wb.active.merge_cells("B2:C3")
    blob = io.BytesIO()
    wb.save(blob)
    copier = copies.WorkbookCopier.of(wb, blob.getvalue())
    kept = copies.WorkbookCopier(copier.data, copier.merges, kept=True)
    twin = kept.copy()
    assert twin.active["A1"].value == "文字"
    assert twin.active.row_dimensions[3].height == 20
    assert twin.active.row_dimensions[7].height is None  # the dimension factory works
    assert [r.coord for r in twin.active.merged_cells.ranges] == ["B2:C3"]


def test_cells_are_copied_with_their_values_styles_links_and_comments():
    """Cells are pickled as the arguments that make them again (copies._cell), those with a
    hyperlink or comment as before: the copy writes the bytes the workbook writes, and its cells
    are of openpyxl's own classes, each with its own style where it had one."""
    from datetime import datetime

    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    from qdocgen.render.xlsx.writer import workbook_bytes

    def make():
        wb = Workbook()
        ws = wb.active
        ws["A1"] = "文字"
        ws["A1"].font = Font(bold=True)
        ws["B1"] = 2.5
        ws["C1"] = datetime(2019, 1, 15)
        ws["D1"] = "=SUM(B1:B2)"
        ws["A2"] = "链接"
        ws["A2"].hyperlink = "https://example.org/"
        ws["B2"] = "批注"
        ws["B2"].comment = Comment("说明", "qdocgen")
        ws.merge_cells("A4:C5")
        ws["E5"].number_format = "0.00"
        return wb

    wb = make()
    blob = io.BytesIO()
    make().save(blob)
    copier = copies.WorkbookCopier.of(wb, blob.getvalue())
    for twin in (copier.copy(), copies.WorkbookCopier(copier.data, copier.merges, kept=True).copy()):
        cells = twin.active._cells
        assert {type(c) for c in cells.values()} == {Cell, MergedCell}
        assert twin.active["A2"].hyperlink.target == "https://example.org/"
        assert twin.active["B2"].comment.text == "说明"
        assert twin.active["A1"].font.b and not twin.active["B1"].font.b
        assert twin.active["A1"]._style is not twin.active["E5"]._style
        assert _parts(workbook_bytes(twin)) == _parts(workbook_bytes(make()))


def _parts(package: bytes) -> dict:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("odd", [False, True], ids=["bundled", "footer of several merged rows"])
def test_forms_laid_out_for_their_number_of_lines_are_kept_and_copied_as_made(
    cache_dir, ws, tmp_path, monkeypatch, odd
):
    """A form's rows laid out (footer moved, rows styled) are kept per number of lines: forms made
    from that copy, in this process or a later one, are the forms made from the template itself.
    A copy whose merged ranges would be written in another order is not kept (copies.py): with
    a footer of several merges the layout is then made for each form, as before."""
    from openpyxl import load_workbook

    template = TEMPLATES / "xlsx" / "填报表.xlsx"
    if odd:
        wb = load_workbook(template)
        sheet = wb["填报"]
        sheet["A18"] = "报送单位：{区}"
        sheet.merge_cells("A18:C19")
        sheet["D18"] = "第二行页脚"
        sheet.merge_cells("D18:F18")
        sheet["A21"] = "末行"
        sheet.merge_cells("A21:F21")
        sheet.row_dimensions[21].height = 30
        template = tmp_path / "填报表.xlsx"
        wb.save(template)
    who = [(Period(2018), "南海区"), (Period(2018), None), (Period(2019, "H1"), "禅城区"), (Period(2018), "禅城区")]

    def made_from_the_template(*args, then=None, then_key=""):
        book = real(*args)
        if then is not None:
            then(book)
        return book

    real = form_book.open_sheet
    form_book._COPIES.clear()
    monkeypatch.setattr(form_book, "open_sheet", made_from_the_template)
    expected = [forms.build_form(template, ws.plan, period, d) for period, d in who]
    monkeypatch.setattr(form_book, "open_sheet", real)
    form_book._COPIES.clear()
    assert [forms.build_form(template, ws.plan, period, d) for period, d in who] == expected  # made, then copied
    laid_out = {key for key in form_book._COPIES if len(key) == 4}
    assert len(laid_out) >= (0 if odd else 2)  # one per number of lines
    form_book._COPIES.clear()  # as in a new process: from the compile cache
    if laid_out:
        monkeypatch.setattr(form_book, "load_workbook", unreadable)
    assert [forms.build_form(template, ws.plan, period, d) for period, d in who] == expected
    form_book._COPIES.clear()
    if odd:
        shown = load_workbook(io.BytesIO(expected[1]))["填报"]
        assert sum(r.min_row > shown.max_row - 5 for r in shown.merged_cells.ranges) == 4  # the footer's


def test_a_template_saved_while_it_is_read_is_not_kept_for_its_old_bytes(cache_dir, ws, tmp_path, monkeypatch):
    """The template is read twice (its bytes for the key, then by openpyxl): saved in between,
    the workbook read is the new template's, and kept under the old bytes' digest it would be
    given, in this process and later ones, for the old template."""
    from openpyxl import load_workbook

    template = tmp_path / "填报表.xlsx"
    template.write_bytes((TEMPLATES / "xlsx" / "填报表.xlsx").read_bytes())
    old = template.read_bytes()
    changed = load_workbook(template)
    changed["填报"]["A1"] = "改过的标题"
    buf = io.BytesIO()
    changed.save(buf)
    real = form_book.load_workbook

    def saved_meanwhile(path, *args, **kwargs):
        template.write_bytes(buf.getvalue())
        return real(path, *args, **kwargs)

    form_book._COPIES.clear()
    monkeypatch.setattr(form_book, "load_workbook", saved_meanwhile)
    forms.build_form(template, ws.plan, Period(2018), "南海区")
    monkeypatch.setattr(form_book, "load_workbook", real)
    template.write_bytes(old)  # the old template back (an undo, a checkout)
    expected = forms.build_form(template, ws.plan, Period(2018), "南海区")
    form_book._COPIES.clear()
    assert forms.build_form(template, ws.plan, Period(2018), "南海区") == expected
    assert load_workbook(io.BytesIO(expected))["填报"]["A1"].value != "改过的标题"
    form_book._COPIES.clear()
