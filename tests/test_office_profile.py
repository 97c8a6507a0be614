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
    # Both LibreOffices started with the installed version recorded (office_profile.seed): neither ran
    # its graphics self-tests, which write their log into the profile.
    if office_profile.version(soffice) is not None:
        settings = (kept / "user" / "registrymodifications.xcu").read_text(encoding="utf-8")
        assert f"<value>{office_profile.version(soffice)}</value>" in settings
        assert not list(kept.rglob("GraphicsRenderTests.log"))


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


def _installation(root, *, macos=False, version="24.8"):
    """A stand-in LibreOffice installation: its program and, where LibreOffice keeps it, a registry
    naming `version` (the schema's empty declaration first, as in the real main.xcd)."""
    program = root / ("Contents/MacOS" if macos else "program")
    program.mkdir(parents=True)
    (program / "soffice").write_text("#!/bin/sh\n")
    registry = root / ("Contents/Resources/registry" if macos else "share/registry")
    registry.mkdir(parents=True)
    (registry / "main.xcd").write_text(
        '<oor:data><prop oor:name="ooSetupVersion" oor:type="xs:string" oor:nillable="false"><value/></prop>'
        '<node oor:name="Product"><prop oor:name="ooSetupVersion">\n  <value>' + version + "</value></prop></node>"
        "</oor:data>",
        encoding="utf-8",
    )
    return str(program / "soffice")


def _settings(profile):
    return (profile / "user" / "registrymodifications.xcu").read_text(encoding="utf-8")


def test_the_installed_version_is_read_from_libreoffices_registry(tmp_path):
    assert office_profile.version(_installation(tmp_path / "linux")) == "24.8"
    assert office_profile.version(_installation(tmp_path / "LibreOffice.app", macos=True, version="7.6")) == "7.6"
    bare = tmp_path / "bare" / "program"
    bare.mkdir(parents=True)
    (bare / "soffice").write_text("#!/bin/sh\n")
    assert office_profile.version(str(bare / "soffice")) is None  # (a snap's /usr/bin/snap, say)


@needs_soffice
def test_the_version_read_is_the_one_the_installed_libreoffice_says(tmp_path):
    """The installed LibreOffice's own registry parsed (not only the stand-ins above): a version
    misread there would silently bring the self-tests back (the check in the first test above is
    skipped when none is read)."""
    soffice = pdf.find_soffice()
    program = os.path.dirname(os.path.realpath(soffice))
    if not any(os.path.isfile(os.path.join(program, *parts)) for parts in office_profile._REGISTRY):
        pytest.skip("LibreOffice's registry is not beside its program (a snap, say): no version to read")
    said = subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert office_profile.version(soffice) == re.search(r"(\d+\.\d+)\.\d", said).group(1)  # “LibreOffice 7.4.7.2 …”


def test_each_profile_records_the_installed_version_before_libreoffice_starts(tmp_path):
    soffice = _installation(tmp_path / "lo", version="7.4")
    fresh = tmp_path / "fresh"  # an empty profile folder: a settings file with only the version
    office_profile.seed(soffice, fresh)
    text = _settings(fresh)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items ')
    assert re.findall(r'<item oor:path="([^"]+)"><prop oor:name="(\w+)" oor:op="fuse"><value>([^<]*)<', text) == [
        ("/org.openoffice.Setup/Product", "ooSetupLastVersion", "7.4")
    ]
    office_profile.seed(soffice, fresh)  # once only
    assert _settings(fresh) == text

    copied = tmp_path / "copied"  # a kept profile's settings: kept, the version added at their end
    (copied / "user").mkdir(parents=True)
    theirs = (
        '<?xml version="1.0"?>\n<oor:items>\n<item oor:path="/a"><prop oor:name="b"><value>中</value></prop></item>\n'
    )
    (copied / "user" / "registrymodifications.xcu").write_text(theirs + "</oor:items>\n", encoding="utf-8")
    office_profile.seed(soffice, copied)
    assert _settings(copied) == theirs + office_profile._LAST_VERSION.format("7.4") + "</oor:items>\n"

    recorded = tmp_path / "recorded"  # LibreOffice's own record (its window ran): left as it is
    (recorded / "user").mkdir(parents=True)
    own = '<oor:items><item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion">'
    own += "<value>7.3</value></prop></item></oor:items>"
    (recorded / "user" / "registrymodifications.xcu").write_text(own, encoding="utf-8")
    office_profile.seed(soffice, recorded)
    assert _settings(recorded) == own

    unknown = tmp_path / "unknown"  # a LibreOffice whose version cannot be read: the folder untouched
    office_profile.seed(sys.executable, unknown)
    assert not unknown.exists()


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
