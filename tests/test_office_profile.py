"""LibreOffice's profile made once and copied for each LibreOffice `build --pdf` starts
(qdocgen/office_profile.py): kept whole from a LibreOffice that ended well, used by later starts,
keyed by LibreOffice and the locale, forgotten when a start from it fails, never in a cache
folder that is not the user's own."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import time

import pytest

from qdocgen import office_profile, pdf

from conftest import TEMPLATES, needs_soffice, pdf_pages

FORM = TEMPLATES / "xlsx" / "填报表.xlsx"


@needs_soffice
def test_the_first_libreoffice_keeps_its_profile_and_later_ones_start_from_it(tmp_path, cache_dir, monkeypatch):
    soffice = pdf.find_soffice()
    assert office_profile.kept(soffice).parent.parent == cache_dir
    copies = []
    real_copy = office_profile.copy_into
    monkeypatch.setattr(office_profile, "copy_into", lambda *a: copies.append(real_copy(*a)) or copies[-1])
    first, second = tmp_path / "一.xlsx", tmp_path / "二.xlsx"
    for path in (first, second):
        path.write_bytes(FORM.read_bytes())

    assert dict(pdf.converted([first], processes=1)) == {first: None}
    kept = office_profile.kept(soffice)
    assert copies == [False] and (kept / "user" / "registrymodifications.xcu").is_file()
    assert not (kept / ".lock").exists() and not list(kept.rglob(".lock"))
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # no staging folder left
    before = {p: p.read_bytes() for p in kept.rglob("*") if p.is_file()}

    assert dict(pdf.converted([second], processes=1)) == {second: None}
    assert copies == [False, True]
    assert pdf_pages(second.with_suffix(".pdf").read_bytes()) == pdf_pages(first.with_suffix(".pdf").read_bytes())
    if shutil.which("pdftotext"):  # the same words in the same places, from a made and a copied profile
        words = _words(first.with_suffix(".pdf"))
        assert len(words) > 20 and _words(second.with_suffix(".pdf")) == words
    assert {p: p.read_bytes() for p in kept.rglob("*") if p.is_file()} == before  # used, not changed


def _words(pdf_file):
    """Each word of a PDF with its page and box (pdftotext -bbox), without the document's metadata."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf_file), "-"], capture_output=True, check=True).stdout
    return re.findall(rb"<page [^>]*>|<word [^>]*>[^<]*</word>", html)


def test_the_key_follows_libreoffice_and_the_locale(tmp_path, cache_dir, monkeypatch):
    program = tmp_path / "program"
    program.mkdir()
    soffice = program / "soffice"
    soffice.write_text("#!/bin/sh\n")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    first = office_profile.kept(str(soffice))
    assert office_profile.kept(str(soffice)) == first
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert office_profile.kept(str(soffice)) != first
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    (program / "versionrc").write_text("[Version]\nbuildid=2\n")  # another LibreOffice in the same place
    assert office_profile.kept(str(soffice)) != first


def test_no_profile_kept_without_a_cache_folder_of_the_users_own(tmp_path, monkeypatch):
    made = tmp_path / "made"
    (made / "user").mkdir(parents=True)
    (made / "user" / "registrymodifications.xcu").write_text("<x/>")
    monkeypatch.setenv("QDOCGEN_CACHE_DIR", "off")
    assert office_profile.kept(sys.executable) is None
    office_profile.keep(sys.executable, made)
    assert office_profile.copy_into(sys.executable, tmp_path / "p") is False
    if os.name == "posix":
        shared = tmp_path / "shared"
        shared.mkdir()
        shared.chmod(0o777)  # others may write there: code and macros kept there could be anyone's
        monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(shared))
        office_profile.keep(sys.executable, made)
        assert not list(shared.iterdir())
        shared.chmod(stat.S_IRWXU)


def test_a_profile_is_kept_whole_without_the_lock_and_once(tmp_path, cache_dir):
    made = tmp_path / "made"
    (made / "user" / "temp").mkdir(parents=True)
    (made / "user" / "registrymodifications.xcu").write_text("<first/>")
    (made / ".lock").write_text("a running LibreOffice's")
    office_profile.keep(sys.executable, made)
    kept = office_profile.kept(sys.executable)
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*")) == ["user", "user/registrymodifications.xcu"]
    (made / "user" / "registrymodifications.xcu").write_text("<second/>")
    office_profile.keep(sys.executable, made)  # one is kept already: it stays
    assert (kept / "user" / "registrymodifications.xcu").read_text() == "<first/>"
    office_profile.keep(sys.executable, tmp_path / "nothing")  # a folder LibreOffice never filled
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands for LibreOffice")
def test_a_kept_profile_is_forgotten_when_libreoffice_started_from_it_fails(tmp_path, cache_dir, monkeypatch):
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(pdf, "find_soffice", lambda: str(broken))
    kept = office_profile.kept(str(broken))
    (kept / "user").mkdir(parents=True)
    (kept / "user" / "registrymodifications.xcu").write_text("<damaged")
    form = tmp_path / "表.xlsx"
    form.write_bytes(FORM.read_bytes())
    results = dict(pdf.converted([form], processes=1))
    assert "异常退出" in results[form]
    assert not kept.exists() and not list(kept.parent.iterdir())
    results = dict(pdf.converted([form], processes=1))  # and nothing kept from a start that failed
    assert "异常退出" in results[form] and not list(kept.parent.iterdir())


_FAKE = '''#!{python}
"""Stands for LibreOffice: converts (writes a PDF, says so) unless its profile holds user/broken,
then does what that file says: "exit" fails at once, "hang" never answers; never gets through a
document whose name starts with 卡."""
import sys, time
from pathlib import Path
from urllib.parse import unquote, urlparse

args = sys.argv[1:]
profile = Path(unquote(urlparse(args[0].split("=", 1)[1]).path))
broken = profile / "user" / "broken"
if broken.is_file():
    if broken.read_text() == "hang":
        time.sleep(600)
    sys.exit(1)
(profile / "user").mkdir(parents=True, exist_ok=True)
(profile / "user" / "registrymodifications.xcu").write_text("<made/>")
outdir = Path(args[args.index("--outdir") + 1])
for name in args[args.index("--outdir") + 2 :]:
    print(f"convert {{name}} -> {{outdir / (Path(name).stem + '.pdf')}} using filter : pdf", flush=True)
    if Path(name).name.startswith("卡"):  # a document it never gets through
        time.sleep(600)
    (outdir / (Path(name).stem + ".pdf")).write_bytes(b"%PDF-1.4 " + Path(name).read_bytes()[:4])
'''


def _fake_soffice(tmp_path, monkeypatch) -> str:
    fake = tmp_path / "program" / "soffice"
    fake.parent.mkdir()
    fake.write_text(_FAKE.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setattr(pdf, "find_soffice", lambda: str(fake))
    return str(fake)


@pytest.mark.skipif(os.name != "posix", reason="a script stands for LibreOffice")
@pytest.mark.parametrize("failure", ["exit", "hang"])
def test_a_kept_profile_that_fails_libreoffice_fails_no_pdf(tmp_path, cache_dir, monkeypatch, failure):
    """A LibreOffice started from the kept profile that fails (or stops answering) before its
    first file: the profile is forgotten and the batch converted again by one that makes its own,
    in the same build (a cache is never an error); that one's profile is kept instead."""
    soffice = _fake_soffice(tmp_path, monkeypatch)
    monkeypatch.setattr(pdf, "TIMEOUT", 2)
    kept = office_profile.kept(soffice)
    (kept / "user").mkdir(parents=True)
    (kept / "user" / "broken").write_text(failure)
    files = []
    for name in ("一", "二", "三"):
        files.append(tmp_path / f"{name}.xlsx")
        files[-1].write_bytes(FORM.read_bytes())
    starts = []
    real_start = pdf._Converter._start
    monkeypatch.setattr(pdf._Converter, "_start", lambda self, batch: starts.append(batch) or real_start(self, batch))

    assert dict(pdf.converted(files, processes=2)) == {f: None for f in files}
    assert all(f.with_suffix(".pdf").read_bytes() == b"%PDF-1.4 PK\x03\x04" for f in files)
    assert len(starts) == 4 and sorted(map(tuple, starts[2:])) == sorted(map(tuple, starts[:2]))  # each batch again
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*")) == ["user", "user/registrymodifications.xcu"]
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]


@pytest.mark.skipif(os.name != "posix", reason="a script stands for LibreOffice")
def test_a_kept_profile_folder_this_user_cannot_read_is_no_profile(tmp_path, cache_dir, monkeypatch):
    """`sudo qdocgen build --pdf` with the user's HOME (macOS keeps it) leaves office-profile/ to
    root, mode 0700: what is inside cannot even be looked at (EACCES). The PDFs are made all the
    same, with no traceback. (Injected: as root, the tests' usual user here, modes do not bind.)"""
    soffice = _fake_soffice(tmp_path, monkeypatch)
    made = tmp_path / "made"
    (made / "user").mkdir(parents=True)
    (made / "user" / "registrymodifications.xcu").write_text("<x/>")
    office_profile.keep(soffice, made)
    inside = str(office_profile.kept(soffice).parent) + os.sep
    form = tmp_path / "表.xlsx"
    form.write_bytes(FORM.read_bytes())
    with monkeypatch.context() as denying:
        for name in ("stat", "lstat"):
            real = getattr(os, name)

            def denied(path, *args, real=real, **kwargs):
                if os.fspath(path).startswith(inside):
                    raise PermissionError(13, "Permission denied", os.fspath(path))
                return real(path, *args, **kwargs)

            denying.setattr(os, name, denied)
        assert dict(pdf.converted([form], processes=1)) == {form: None}
        office_profile.keep(soffice, made)
        office_profile.forget(soffice)
    assert (office_profile.kept(soffice) / "user" / "registrymodifications.xcu").read_text() == "<x/>"


def test_staging_folders_a_killed_build_left_are_removed_when_a_profile_is_kept(tmp_path, cache_dir):
    made = tmp_path / "made"
    (made / "user").mkdir(parents=True)
    (made / "user" / "registrymodifications.xcu").write_text("<x/>")
    parent = office_profile.kept(sys.executable).parent
    for name in (".~killed", ".~running"):
        (parent / name / "p" / "user").mkdir(parents=True)
    old = time.time() - 2 * 3600
    os.utime(parent / ".~killed", (old, old))
    office_profile.keep(sys.executable, made)
    assert sorted(p.name for p in parent.iterdir()) == sorted([".~running", office_profile.kept(sys.executable).name])


@pytest.mark.skipif(os.name != "posix", reason="a script stands for LibreOffice")
def test_a_libreoffice_that_stops_answering_fails_its_file_and_the_rest_are_converted(tmp_path, cache_dir, monkeypatch):
    """(qdocgen/pdf.py) The process is ended, its file named as timed out, the files after it given
    to a new process; the ended process's last word (its output closing) is not taken for another's."""
    _fake_soffice(tmp_path, monkeypatch)
    monkeypatch.setattr(pdf, "TIMEOUT", 2)
    stuck, after = tmp_path / "卡.xlsx", tmp_path / "好.xlsx"
    for f in (stuck, after):
        f.write_bytes(FORM.read_bytes())
    results = dict(pdf.converted([stuck, after], processes=1))
    assert results[after] is None and after.with_suffix(".pdf").is_file()
    assert "超时" in results[stuck] and not stuck.with_suffix(".pdf").exists()
