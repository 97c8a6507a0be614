"""PDF copies of documents, made by LibreOffice: a few processes, each converting a batch.

Starting LibreOffice costs seconds, converting a document under one: `converted` starts one
process per core (at most MAX_PROCESSES), each with a private profile (two processes sharing
one would hand their work to each other) and a batch of the files, balanced by their expected
cost, and yields each file as its PDF is written beside it, with the failure said per file.

LibreOffice converts a batch in the order given and prints “convert SOURCE -> TARGET” as it
starts on each file, so a file is finished when the next one starts or the process ends; a
file it could not read is skipped with no such line. A process that stops answering (no file
started or finished for TIMEOUT seconds) is ended: the file it was on fails, and the files of
its batch not yet started go to a new process.
"""

from __future__ import annotations

import io
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qdocgen import office_profile
from qdocgen.errors import UserError, os_error_text
from qdocgen.storage.atomic import write_atomic

MAX_PROCESSES = 4  # each LibreOffice takes a few hundred MB
TIMEOUT = 300  # seconds one file may take
# Seconds LibreOffice 7.4 takes to load and export a document, on one core of the 2-core machine
# where they were measured (2026-12-06: documents of one kind converted one after another in one
# process, the first of a kind left out): a Word document 0.36 s, a chart 0.45 s more, and its
# text and tables by the size of word/document.xml, more than in proportion (tables are laid out
# row by row, page by page: a 240 kB table 0.45 s more, the 672 kB city table 3.0 s in all); a
# workbook ~0.33 s whatever its size (a 23 kB form fitted to the page width 0.36 s, a 64 kB table
# 0.31 s). Only the ratios matter: they share the files out between the processes.
_WORD = (0.36, 0.45, 0.45, 240_000, 1.7)  # base, per chart, scale, at size, power
_BOOK = (0.33, 0.0002 / 1000)  # base, per byte of sheets
_OTHER = 0.5  # a document whose package cannot be read: LibreOffice says so quickly or not at all

# LibreOffice's PDF export, keeping the blank pages it inserts where a section must start on an
# even or odd page (the 版记's, GB/T 9704), as Word prints them; by default it leaves them out.
# (The Writer filter's name serves Calc documents too: LibreOffice picks the PDF export by kind.)
EXPORT = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'

SOFFICE_MISSING = (
    "--pdf 需要 LibreOffice，但本机没有找到。请先安装：Windows 或 macOS 从 LibreOffice 官网下载安装；"
    "Debian/Ubuntu 运行 sudo apt-get install libreoffice-writer libreoffice-calc。其余文件已照常生成。"
)


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        r"C:\Program Files\LibreOffice\program\soffice.exe",
        r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ):
        if Path(candidate).is_file():
            return candidate
    return None


def pdf_of(document: Path) -> Path:
    """Where a document's PDF goes: beside it, its name ending .pdf."""
    return Path(document).with_suffix(".pdf")


def process_count(files: int) -> int:
    """LibreOffice processes for `files` documents: one per core (QDOCGEN_WORKERS overrides)."""
    wanted = os.environ.get("QDOCGEN_WORKERS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        count = int(wanted)
    else:
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(count, MAX_PROCESSES, files))


def batches(files: list[Path], count: int) -> list[list[Path]]:
    """`files` in `count` batches of about equal expected cost (the largest first, each to the
    lightest batch), keeping the given order within a batch. Two files whose PDFs would have the
    same name (任务分解表.docx and 任务分解表.xlsx) never share a batch: a batch's PDFs are
    written to one folder."""
    cost = {f: _cost(f) for f in files}
    loads = [0.0] * count
    out: list[list[Path]] = [[] for _ in range(count)]
    stems: list[set[str]] = [set() for _ in range(count)]
    for f in sorted(files, key=lambda f: -cost[f]):
        stem = f.stem
        free = [k for k in range(len(out)) if stem not in stems[k]]
        if not free:
            out.append([])
            stems.append(set())
            loads.append(0.0)
            free = [len(out) - 1]
        k = min(free, key=lambda k: loads[k])
        out[k].append(f)
        stems[k].add(stem)
        loads[k] += cost[f]
    order = {f: i for i, f in enumerate(files)}
    return [sorted(b, key=order.__getitem__) for b in out if b]


def _cost(path: Path) -> float:
    """The expected seconds of converting `path`, from its package's directory (nothing unpacked)."""
    try:
        with zipfile.ZipFile(path) as z:
            sizes = {i.filename: i.file_size for i in z.infolist()}
    except Exception:  # noqa: BLE001 - only an estimate: whatever the package, LibreOffice says what is wrong
        return _OTHER
    if "word/document.xml" in sizes:
        base, per_chart, scale, at, power = _WORD
        charts = sum(1 for n in sizes if n.startswith("word/charts/chart") and n.endswith(".xml"))
        return base + per_chart * charts + scale * (sizes["word/document.xml"] / at) ** power
    sheets = sum(v for n, v in sizes.items() if n.startswith("xl/worksheets/sheet"))
    if sheets:
        return _BOOK[0] + _BOOK[1] * sheets
    return _OTHER


def converted(
    files: Iterable[Path],
    *,
    processes: int | None = None,
    more: list[Path] | None = None,
    spare: Callable[[int], Path] | None = None,
) -> Iterator[tuple[Path, str | None]]:
    """Convert each of `files` to PDF beside it (pdf_of); yield (file, None) as each PDF is
    written, (file, message) for each that failed, in the order they finish.

    `more`: a list the caller may add files to while iterating (after a file it was given made
    it want another); they are converted too, in a process of their own started at once (such
    files are few), so they need not wait for the others.

    `spare(k)`: a path put last in batch k, for a file the caller may write there while the batch
    runs (a file it was given made it want another): converted by the process already running,
    without starting one more (a start costs ~2 s of CPU). LibreOffice opens it when it gets
    there: a path still without a file is skipped, and yielded as failed like any file.

    UserError (SOFFICE_MISSING) when LibreOffice is not installed."""
    files = [Path(f) for f in files]
    if not files:
        return
    soffice = find_soffice()
    if soffice is None:
        raise UserError(SOFFICE_MISSING)
    count = process_count(len(files)) if processes is None else max(1, processes)
    todo = batches(files, count)
    if spare is not None:
        todo = [[*batch, spare(k)] for k, batch in enumerate(todo)]
    with tempfile.TemporaryDirectory(prefix="qdocgen-pdf-") as tmp:
        yield from _Converter(soffice, Path(tmp)).run(todo, count, more)


@dataclass
class _Process:
    """One LibreOffice converting one batch."""

    number: int
    files: list[Path]
    outdir: Path
    popen: subprocess.Popen
    profile: Path | None = None  # its profile folder
    from_kept: bool = False  # the profile a copy of the kept one (office_profile)
    current: int = -1  # the file being converted (-1: none started yet)
    last: float = field(default_factory=time.monotonic)  # when a file last started


class _Converter:
    def __init__(self, soffice: str, tmp: Path):
        self.soffice, self.tmp = soffice, tmp
        self.events: queue.Queue = queue.Queue()
        self.started = 0
        self.kept_failed = False  # a LibreOffice started from the kept profile failed: none more from it

    def run(
        self, todo: list[list[Path]], at_once: int, more: list[Path] | None = None
    ) -> Iterator[tuple[Path, str | None]]:
        running: dict[int, _Process] = {}
        more = [] if more is None else more
        try:
            while todo or running or more:
                if more:  # files the caller added since (few: a 通报's other form): started now, not queued
                    proc = self._start([Path(f) for f in more])
                    more.clear()
                    if isinstance(proc, _Process):
                        running[proc.number] = proc
                    else:
                        yield from proc
                while todo and len(running) < at_once:
                    proc = self._start(todo.pop(0))
                    if isinstance(proc, _Process):
                        running[proc.number] = proc
                    else:  # LibreOffice could not be started at all
                        yield from proc
                try:
                    number, line = self.events.get(timeout=1.0)
                except queue.Empty:
                    number, line = None, None
                proc = running.get(number)  # (None: no event, or one of a process ended for hanging)
                if proc is not None:
                    if line is None:  # the process has ended
                        del running[number]
                        rest = proc.files[proc.current + 1 :]
                        if self._ended(proc):  # the kept profile it started from failed it: again without
                            todo.insert(0, proc.files)
                        elif proc.popen.returncode and proc.current >= 0 and rest:  # crashed on a file
                            yield from self._finished(proc, range(proc.current, proc.current + 1))
                            todo.insert(0, rest)  # the files it never started, to a new process
                        else:
                            yield from self._finished(proc, range(proc.current, len(proc.files)))
                    else:
                        yield from self._line(proc, line)
                now = time.monotonic()
                for proc in list(running.values()):
                    if now - proc.last > TIMEOUT:  # hung: end it, its unstarted files to a new one
                        proc.popen.kill()
                        proc.popen.wait()
                        del running[proc.number]
                        if self._failed_from_kept(proc):  # hung at its start: again without the kept profile
                            todo.insert(0, proc.files)
                            continue
                        stuck = max(proc.current, 0)
                        yield proc.files[stuck], f"LibreOffice 转换 PDF 超时（超过 {TIMEOUT} 秒）"
                        if proc.files[stuck + 1 :]:
                            todo.insert(0, proc.files[stuck + 1 :])
        finally:  # interrupted: no LibreOffice left running
            for proc in running.values():
                proc.popen.kill()
                proc.popen.wait()

    def _start(self, files: list[Path]) -> _Process | list[tuple[Path, str]]:
        self.started += 1
        outdir = self.tmp / f"out{self.started}"
        profile = self.tmp / f"profile{self.started}"
        outdir.mkdir()
        from_kept = not self.kept_failed and office_profile.copy_into(self.soffice, profile)
        office_profile.seed(self.soffice, profile)
        cmd = [
            self.soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            EXPORT,
            "--outdir",
            str(outdir),
            *(str(f.resolve()) for f in files),
        ]
        try:
            popen = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.tmp
            )
        except OSError as exc:
            return [(f, f"无法启动 LibreOffice：{os_error_text(exc)}") for f in files]
        proc = _Process(self.started, files, outdir, popen, profile, from_kept)
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()
        return proc

    def _ended(self, proc: _Process) -> bool:
        """A process ended by itself: keep its profile for later starts; True when it started
        from the kept profile and failed before it got to any file (_failed_from_kept)."""
        code = proc.popen.returncode
        if code == 0 and proc.current >= 0 and not proc.from_kept:
            office_profile.keep(self.soffice, proc.profile)
        return bool(code) and self._failed_from_kept(proc)

    def _failed_from_kept(self, proc: _Process) -> bool:
        """Whether `proc`, ended with an error or stopped answering, started from the kept profile
        and never got to a file: then the profile is likely to blame, and a cache must never fail
        a build. The kept profile is forgotten (the next to end well is kept instead), no process
        of this build starts from it again, and the caller gives its files to a new process."""
        if proc.current >= 0 or not proc.from_kept:
            return False
        office_profile.forget(self.soffice)
        self.kept_failed = True
        return True

    def _read(self, proc: _Process) -> None:
        for raw in proc.popen.stdout:
            self.events.put((proc.number, raw.decode("utf-8", "replace").rstrip("\r\n")))
        proc.popen.wait()
        self.events.put((proc.number, None))

    def _line(self, proc: _Process, line: str) -> Iterator[tuple[Path, str | None]]:
        if not line.startswith("convert "):
            return
        source = line[len("convert ") :].split(" -> ", 1)[0]
        for k in range(proc.current + 1, len(proc.files)):
            if source.endswith(os.sep + proc.files[k].name) or source == str(proc.files[k]):
                yield from self._finished(proc, range(max(proc.current, 0), k))
                proc.current, proc.last = k, time.monotonic()
                return

    def _finished(self, proc: _Process, indices: range) -> Iterator[tuple[Path, str | None]]:
        """The files at `indices` are behind LibreOffice: each has its PDF, or failed."""
        for k in indices:
            if k < 0:  # (the process ended before it started on any file)
                continue
            source = proc.files[k]
            made = proc.outdir / (source.stem + ".pdf")
            try:
                data = made.read_bytes()
            except OSError:
                code = proc.popen.poll()
                if code:
                    yield source, f"LibreOffice 异常退出（代码 {code}），未能转换为 PDF"
                else:
                    yield source, "LibreOffice 未能把它转换为 PDF（文件无法打开或已损坏？）"
                continue
            try:
                write_atomic(pdf_of(source), data)
            except UserError as exc:
                yield source, str(exc)
                continue
            try:
                made.unlink()
            except OSError:
                pass
            yield source, None


_PAINTING = re.compile(rb"(?:^|[\s>\])])(?:BT|Do|sh|BI|S|s|f\*?|F|B\*?|b\*?)(?=\s|$)")


def last_pages(pdf: bytes) -> tuple[int, bool]:
    """A PDF's page count, and whether the page before its last one shows nothing (a blank page
    LibreOffice put before a section that starts on an even page); (0, False) for a PDF it
    cannot read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        pages = PdfReader(io.BytesIO(pdf)).pages
        count = len(pages)
        if count < 2:
            return count, False
        contents = pages[count - 2].get_contents()
        data = b"" if contents is None else contents.get_data()
    except (PyPdfError, ValueError, KeyError, OSError):
        return 0, False
    return count, _PAINTING.search(data) is None
