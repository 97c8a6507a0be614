"""`--pdf`: documents converted by a few LibreOffice processes, each failure named per file,
progress shown on a terminal only."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import click._termui_impl
import pytest

from qdocgen import pdf
from qdocgen.build import Job, run_build
from qdocgen.cli.documents import progress_bars
from qdocgen.workspace import Workspace

from conftest import DATA, TEMPLATES, needs_soffice, pdf_pages

TABLE = TEMPLATES / "docx" / "任务分解表.docx"
FORM = TEMPLATES / "xlsx" / "填报表.xlsx"


def _package(path, members: dict[str, int]):
    """A package whose members have these uncompressed sizes (what pdf._cost reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, size in members.items():
            z.writestr(name, b"x" * size)
    return path


def test_batches_share_the_work_and_keep_same_named_pdfs_apart(tmp_path):
    files = []
    for n, size in enumerate([650_000, 10_000, 10_000, 600_000, 20_000, 20_000, 20_000]):
        files.append(_package(tmp_path / f"d{n}.docx", {"word/document.xml": size}))
    twins = [tmp_path / "表.docx", tmp_path / "表.xlsx", tmp_path / "sub" / "表.xlsx"]
    for path in twins:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x")
    out = pdf.batches(files + twins, 2)
    assert sorted(f for b in out for f in b) == sorted(files + twins)  # every file, once
    for b in out:
        assert len({f.stem for f in b}) == len(b)  # one folder of PDFs per batch: no two 表.pdf
        assert b == sorted(b, key=(files + twins).index)  # converted in the order given
    assert len(out) == 3  # three 表 need three batches
    big = [b for b in out if files[0] in b][0]
    assert files[3] not in big  # the two large ones on different processes


def test_the_expected_cost_follows_what_libreoffice_takes(tmp_path):
    """Measured with LibreOffice 7.4 on the bundled documents (seconds per file, 2026-12-06): district
    table 0.84, city table 3.0, district letter 0.84, form 0.36, district Excel table 0.31."""
    cost = {
        name: pdf._cost(_package(tmp_path / f"{name}.{kind}", members))
        for name, kind, members in [
            ("table", "docx", {"word/document.xml": 238_000}),
            ("city_table", "docx", {"word/document.xml": 672_000}),
            ("letter", "docx", {"word/document.xml": 56_000, "word/charts/chart1.xml": 5_000}),
            ("form", "xlsx", {"xl/worksheets/sheet1.xml": 18_000, "xl/worksheets/sheet2.xml": 3_000}),
            ("book", "xlsx", {"xl/worksheets/sheet1.xml": 64_000}),
        ]
    }
    measured = {"table": 0.84, "city_table": 3.0, "letter": 0.84, "form": 0.36, "book": 0.31}
    for name, seconds in measured.items():
        assert abs(cost[name] - seconds) / seconds < 0.25, (name, cost[name])
    (tmp_path / "broken.docx").write_bytes(b"not a package")
    assert pdf._cost(tmp_path / "broken.docx") == pdf._OTHER
    assert pdf._cost(tmp_path / "missing.docx") == pdf._OTHER


def test_process_count_follows_cores_and_files(monkeypatch):
    monkeypatch.setenv("QDOCGEN_WORKERS", "3")
    assert pdf.process_count(10) == 3
    assert pdf.process_count(2) == 2
    monkeypatch.setenv("QDOCGEN_WORKERS", "99")
    assert pdf.process_count(100) == pdf.MAX_PROCESSES


@needs_soffice
def test_each_file_converted_beside_itself_and_a_bad_one_named(tmp_path):
    (tmp_path / "a").mkdir()
    table = tmp_path / "a" / "表.docx"
    table.write_bytes(TABLE.read_bytes())
    form = tmp_path / "表.xlsx"  # the same name in another folder
    form.write_bytes(FORM.read_bytes())
    broken = tmp_path / "坏.docx"
    broken.write_bytes(b"PK\x03\x04garbage")
    other = tmp_path / "另.docx"
    other.write_bytes(TABLE.read_bytes())
    results = dict(pdf.converted([broken, table, form, other], processes=2))
    assert set(results) == {broken, table, form, other}
    assert results[table] is None and results[form] is None and results[other] is None
    assert "未能把它转换为 PDF" in results[broken]
    for doc in (table, form, other):
        assert pdf_pages(doc.with_suffix(".pdf").read_bytes()) >= 1, doc
    assert not broken.with_suffix(".pdf").exists()
    assert not list(tmp_path.rglob(".~*"))


@needs_soffice
def test_files_added_while_converting_are_converted_too(tmp_path):
    """A file the caller adds to `more` after one is done (the other form of a 通报) is converted
    in a process of its own started at once, without waiting for the rest."""
    first, later, last = (tmp_path / f"{n}.xlsx" for n in ("一", "二", "三"))
    for path in (first, later, last):
        path.write_bytes(FORM.read_bytes())
    more: list[Path] = []
    seen = []
    for source, error in pdf.converted([first, last], processes=1, more=more):
        assert error is None
        seen.append(source)
        if source == first:
            more.append(later)
    assert sorted(seen) == sorted([first, later, last]) and seen[0] == first
    assert all(pdf_pages(p.with_suffix(".pdf").read_bytes()) >= 1 for p in (first, later, last))


@needs_soffice
def test_a_build_converts_only_what_changed_and_names_failures(tmp_path):
    table = TABLE.read_bytes()
    ws = Workspace(data_dir=DATA)
    data = {"好.docx": table, "坏.docx": b"PK\x03\x04garbage", "b/好.docx": table}

    def jobs():
        return [Job(path=p, title=p, shows=lambda p=p: len(data[p]), make=lambda p=p: data[p]) for p in data]

    outcome = run_build(ws, jobs(), tmp_path, pdf=True)
    assert [p for p, _ in outcome.pdf_failed] == ["坏.docx"]
    assert (tmp_path / "好.pdf").is_file() and (tmp_path / "b" / "好.pdf").is_file()
    stamp = (tmp_path / "好.pdf").stat().st_mtime_ns
    data["b/好.docx"] = (TEMPLATES / "docx" / "任务分解表-完成情况.docx").read_bytes()
    outcome = run_build(ws, jobs(), tmp_path, pdf=True)
    assert [p for p, _ in outcome.pdf_failed] == ["坏.docx"]  # tried again: it never had a PDF
    assert (tmp_path / "好.pdf").stat().st_mtime_ns == stamp  # unchanged: not converted again
    assert b"%PDF" in (tmp_path / "b" / "好.pdf").read_bytes()


def _as_terminal(monkeypatch) -> io.StringIO:
    err = io.StringIO()
    err.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(click._termui_impl, "isatty", lambda f: True)
    return err


def test_progress_says_how_many_of_how_many_on_a_terminal(monkeypatch):
    err = _as_terminal(monkeypatch)
    progress, pdf_progress = progress_bars(quiet=False)
    jobs = [Job(path=f"{n}.docx", title="", shows=dict, make=bytes) for n in range(6)]
    assert list(progress(jobs)) == jobs
    done = [(Path(f"{n}.docx"), None) for n in range(3)]
    assert list(pdf_progress(iter(done), 3)) == done
    shown = err.getvalue()
    assert "生成文件" in shown and "6/6" in shown and "5.docx" in shown
    assert "转换 PDF" in shown and "3/3" in shown and "2.docx" in shown


@pytest.mark.parametrize("quiet, terminal", [(True, True), (False, False)])
def test_no_progress_when_quiet_or_not_on_a_terminal(monkeypatch, quiet, terminal):
    err = _as_terminal(monkeypatch) if terminal else io.StringIO()
    if not terminal:
        monkeypatch.setattr(sys, "stderr", err)
    progress, pdf_progress = progress_bars(quiet=quiet)
    jobs = [Job(path=f"{n}.docx", title="", shows=dict, make=bytes) for n in range(6)]
    assert list(progress(jobs)) == jobs
    assert list(pdf_progress(iter([(Path("a.docx"), None)]), 1)) == [(Path("a.docx"), None)]
    assert err.getvalue() == ""


def _conversion(tmp_path, monkeypatch, count):
    """`count` workbooks in an output folder with their record entries, and a stand-in for
    LibreOffice (build_pdf.converted) that writes each one's PDF beside it."""
    from qdocgen import build_pdf

    def converted(files, **_):
        for f in files:
            pdf.pdf_of(f).write_bytes(b"%PDF-1.4 " + f.name.encode())
            yield f, None

    monkeypatch.setattr(build_pdf, "converted", converted)
    monkeypatch.setattr(build_pdf, "find_soffice", lambda: "/usr/bin/soffice")
    entries = {}
    for k in range(count):
        rel = f"表{k}.xlsx"
        (tmp_path / rel).write_bytes(b"workbook %d" % k)
        entries[rel] = {"sha256": f"digest{k}"}
    return build_pdf, entries


def _copy(entries):
    return {rel: dict(e) for rel, e in entries.items()}


def test_the_record_is_saved_now_and_then_and_at_the_end_with_every_pdf_in_it(tmp_path, monkeypatch):
    build_pdf, entries = _conversion(tmp_path, monkeypatch, 6)
    saved = []

    def save():
        saved.append(_copy(entries))

    monkeypatch.setattr(build_pdf, "SAVE_EVERY", 1e9)  # a quick conversion: saved once, at the end
    build_pdf.convert_pdfs(tmp_path, list(entries), entries.get, save, [])
    assert len(saved) == 1 and all(e["pdf_of"] == e["sha256"] for e in saved[0].values())

    saved.clear()
    for e in entries.values():
        e["sha256"] += "-new"  # every document changed: every PDF made again
    monkeypatch.setattr(build_pdf, "SAVE_EVERY", 0.0)  # a slow one: saved as PDFs come in
    build_pdf.convert_pdfs(tmp_path, list(entries), entries.get, save, [])
    assert len(saved) == 6 and [
        sum("pdf_of" in e and e["pdf_of"] == e["sha256"] for e in s.values()) for s in saved
    ] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]


def test_an_interrupted_conversion_records_the_pdfs_it_made(tmp_path, monkeypatch):
    build_pdf, entries = _conversion(tmp_path, monkeypatch, 5)
    saved = []
    monkeypatch.setattr(build_pdf, "SAVE_EVERY", 1e9)

    def progress(items, count):
        for k, item in enumerate(items):
            if k == 3:
                raise KeyboardInterrupt  # Ctrl-C as the fourth PDF is reported
            yield item

    with pytest.raises(KeyboardInterrupt):
        build_pdf.convert_pdfs(tmp_path, list(entries), entries.get, lambda: saved.append(_copy(entries)), [], progress)
    assert len(saved) == 1
    recorded = sorted(rel for rel, e in saved[0].items() if e.get("pdf_of") == e["sha256"])
    assert recorded == ["表0.xlsx", "表1.xlsx", "表2.xlsx", "表3.xlsx"]  # each PDF in place, no other
    assert sorted(p.with_suffix(".xlsx").name for p in tmp_path.glob("*.pdf")) == recorded


@pytest.mark.parametrize("ending", [KeyboardInterrupt, RuntimeError])
def test_what_ended_a_conversion_is_reported_even_when_the_record_cannot_be_saved(tmp_path, monkeypatch, ending):
    """Ctrl-C (or a bug) while the record cannot be written (构建记录.json open in an editor on
    Windows, a full disk): the build still ends with what ended it (“已中断。”, exit 130), not
    with the record's write error in its place."""
    from qdocgen.errors import UserError

    build_pdf, entries = _conversion(tmp_path, monkeypatch, 4)
    monkeypatch.setattr(build_pdf, "SAVE_EVERY", 1e9)
    tried = []

    def save():
        tried.append(_copy(entries))
        raise UserError("无法写入 构建记录.json：没有写权限")

    def progress(items, count):
        for k, item in enumerate(items):
            if k == 2:
                raise ending("stopped")
            yield item

    with pytest.raises(ending):
        build_pdf.convert_pdfs(tmp_path, list(entries), entries.get, save, [], progress)
    assert len(tried) == 1  # the record was tried once, with the PDFs made so far
    assert sorted(rel for rel, e in tried[0].items() if e.get("pdf_of") == e["sha256"]) == [
        "表0.xlsx",
        "表1.xlsx",
        "表2.xlsx",
    ]
