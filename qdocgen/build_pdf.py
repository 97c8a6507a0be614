"""The PDF copies `build --pdf` makes: which documents need one, and each 通报's 版记 page.

A document is converted when it has no PDF or its PDF was made from another version of it (the
build record says which). Conversion runs in a few LibreOffice processes (qdocgen/pdf.py), and
each failure is named per file.

A 通报's 版记 section starts on an even page, so LibreOffice, like Word, puts a blank page before
it when the text ends on an even page, and keeps that page in the PDF (pdf.EXPORT). GB/T 9704
7.5 then wants neither the blank page nor the 版记 page numbered, while a 版记 page with no blank
page before it keeps its number. Which case a document is in shows only once it is laid out, so
each 通报 is converted in the form its case is expected to need — with its 版记 page unnumbered
(gbt9704.imprint_unnumbered) where a blank page is expected, as it is where none is — and, where
the PDF shows the other case, converted again in the other form: the 通报 go first in each
LibreOffice's batch, so the wrong guesses are known early, and the other form is written to the
spare path at the end of a batch, converted by the LibreOffice already running (a start costs
~2 s of CPU); more of them, or one written after LibreOffice got there, go together to one more
LibreOffice once every 通报's first PDF is checked. The expectation is the case the
document's last PDF was in (kept in the build record), else a blank page (16 of the bundled 18
通报). A 通报 is converted from a copy in a temporary folder, so its PDF reaches the output folder
only once checked. A LibreOffice before 7.4 leaves its blank page out of the PDF whatever it is
asked (an odd page count): the 通报 is then converted with a page break of its own before the 版记.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from qdocgen.errors import UserError, os_error_text
from qdocgen.pdf import SOFFICE_MISSING, converted, find_soffice, last_pages, pdf_of
from qdocgen.storage.atomic import write_atomic

BLANK_KEY = "imprint_blank_page"  # in a document's record entry: its last PDF had a blank page before the 版记
# Seconds between saves of the build record while PDFs come in (and once at the end, however the
# conversion ends): a build killed outright forgets at most the PDFs of the last ones, which the
# next build converts again. Saving after each PDF cost ~7 ms of CPU each (61 for the bundled data),
# taken from the LibreOffices converting beside it.
SAVE_EVERY = 2.0


def convert_pdfs(
    out_dir: Path,
    all_paths: list[str],
    entry: Callable[[str], dict | None],
    save: Callable[[], None],
    failed: list[tuple[str, str]],
    progress: Callable[[Iterable, int], Iterable] = lambda items, count: items,
) -> None:
    """Convert the documents of `all_paths` (relative to `out_dir`) whose PDF is missing or out of
    date; `entry(rel)` is a document's record entry (marked with the version its PDF was made
    from, `pdf_of`), `save()` keeps the record (every SAVE_EVERY seconds and at the end), and a
    failure is appended to `failed`."""
    wanted = []
    last = {pdf_of(Path(rel)): rel for rel in all_paths}
    for rel in all_paths:
        if last[pdf_of(Path(rel))] != rel:  # 表.docx and 表.xlsx: 表.pdf is the last one's, as it always was
            continue
        info = entry(rel)
        if info is None or not (out_dir / rel).is_file():
            continue
        if info.get("pdf_of") != info.get("sha256") or not pdf_of(out_dir / rel).is_file():
            wanted.append(rel)
    if not wanted:
        return
    if find_soffice() is None:
        failed.append(("PDF", SOFFICE_MISSING))
        return
    documents = {(out_dir / rel): rel for rel in wanted}

    def done(document: Path, source: Path, blank: bool | None) -> None:
        if source != document:  # a copy's PDF, made beside it in the temporary folder
            try:
                write_atomic(pdf_of(document), pdf_of(source).read_bytes())
            except (UserError, OSError) as exc:
                text = str(exc) if isinstance(exc, UserError) else os_error_text(exc)
                failed.append((documents[document], text))
                return
        info = entry(documents[document])
        info["pdf_of"] = info["sha256"]
        if blank is not None:
            info[BLANK_KEY] = blank
        unsaved.append(document)
        if time.monotonic() - saved[0] >= SAVE_EVERY:
            keep_record()

    saved = [time.monotonic()]  # when the record was last saved
    unsaved: list[Path] = []  # documents whose PDF the saved record does not know of yet

    def keep_record() -> None:
        if unsaved:
            save()
            unsaved.clear()
        saved[0] = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="qdocgen-pdf-") as tmp:
        copies = _Copies(Path(tmp))
        forms: dict[Path, tuple[Path, bool | None]] = {}
        for document, rel in documents.items():
            expected = (entry(rel) or {}).get(BLANK_KEY, True) is not False
            source = copies.form(document, unnumbered=expected)
            forms[source] = (document, expected if source != document else None)
        # The 通报 first in each LibreOffice's batch, so the wrongly guessed ones are known early.
        # Their other form goes to the spare path at the end of a batch (pdf.converted) while one
        # is free, converted by that LibreOffice when it gets there; the rest, and any LibreOffice
        # got to before it was written, together to one more LibreOffice once every 通报 is
        # checked (a start costs ~2 s of CPU).
        first = dict(sorted(forms.items(), key=lambda item: item[1][1] is None))
        checks = sum(1 for _, expected in first.values() if expected is not None)
        again: dict[Path, tuple[Path, bool | None]] = {}  # the other form: (document, blank page)
        spares: set[Path] = set()  # the spare paths
        free: list[Path] = []  # … not yet written to
        retried: set[Path] = set()
        waiting: list[Path] = []  # … once every 通报's first PDF is checked
        more: list[Path] = []

        def spare(k: int) -> Path:
            path = copies.folder / f"spare{k}" / f"again{k}.docx"
            path.parent.mkdir()
            spares.add(path)
            free.append(path)
            return path

        def convert_again(document: Path, other: Path, blank: bool) -> None:
            """`other`, `document`'s other form, to a spare path while one is free, else waiting."""
            if free and other != document:  # (never the document itself: it would be moved)
                target = free.pop(0)
                os.replace(other, target)  # complete, or not there at all, when LibreOffice opens it
                other = target
            else:
                waiting.append(other)
            again[other] = (document, blank)

        def checked() -> None:
            nonlocal checks
            checks -= 1
            flush()

        def flush() -> None:
            if checks == 0 and waiting:
                more.extend(waiting)
                waiting.clear()

        def finished() -> Iterator[tuple[Path, str | None]]:
            """(document, failure or None) once per document, when its PDF is in place or has
            failed: a 通报 converted again in its other form counts once, when that is done."""
            for source, error in converted(first, more=more, spare=spare if checks else None):
                if source in free:  # a spare path nothing was written to, and now passed: not to be used
                    free.remove(source)
                    continue
                if source in again:  # a second conversion: its form is the right one
                    document, blank = again[source]
                    if error is not None and source in spares and source not in retried:
                        retried.add(source)  # written there after LibreOffice had passed: once more, on its own
                        waiting.append(source)
                        flush()
                        continue
                    if error is not None:  # its PDF from an earlier build, if any, stays: the record says it is old
                        failed.append((documents[document], error))
                    else:
                        done(document, source, blank)
                    yield document, error
                    continue
                document, expected = first[source]
                if error is not None:
                    failed.append((documents[document], error))
                    if expected is not None:
                        checked()
                    yield document, error
                    continue
                if expected is None:  # no 版记: nothing to check
                    done(document, source, None)
                    yield document, None
                    continue
                pages, blank = last_pages(pdf_of(source).read_bytes())
                if pages % 2:  # the blank page left out (LibreOffice before 7.4): made with a page break
                    other, blank = copies.form(document, unnumbered=True, blank_page=True), True
                elif blank != expected:  # the other case: the other form is the right one
                    other = copies.form(document, unnumbered=blank)
                else:
                    done(document, source, blank)
                    checked()
                    yield document, None
                    continue
                convert_again(document, other, blank)
                checked()

        try:
            for _ in progress(finished(), len(first)):
                pass
        except BaseException:
            # Ctrl-C, a failed save, a bug: the PDFs made so far are recorded if the record can be
            # saved, and what ended the conversion is still what the build reports (a record that
            # cannot be written must not turn Ctrl-C into a write error, exit 1): the PDFs it
            # does not know of are only converted again next time.
            with contextlib.suppress(Exception):
                keep_record()
            raise
        keep_record()


class _Copies:
    """What LibreOffice is given for a document with a 版记: a copy in the temporary folder, as it
    is or with its 版记 page unnumbered (its PDF reaches the output folder only once checked);
    any other document itself."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    def form(self, document: Path, *, unnumbered: bool, blank_page: bool = False) -> Path:
        if document.suffix.lower() != ".docx":
            return document
        import zipfile

        from lxml import etree

        from qdocgen.render.docx.imprint_copy import imprint_unnumbered

        try:
            blob = document.read_bytes()
            copy = imprint_unnumbered(blob, blank_page=blank_page)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError):
            return document  # not a package it can read: LibreOffice converts it or says it cannot
        if copy is None:  # no 版记
            return document
        self.count += 1
        target = self.folder / str(self.count) / document.name
        target.parent.mkdir()
        target.write_bytes(copy if unnumbered else blob)
        return target
