"""The 通报's copy with an unnumbered 版记 page (qdocgen/render/docx/imprint_copy.py): its byte
pre-check (`_may_use`) never hides a 版记 the parse would find, whatever wrote the document."""

from __future__ import annotations

import io
import subprocess
import zipfile

from lxml import etree

from qdocgen.documents.notice import NoticeMaker
from qdocgen.figures.period import Period
from qdocgen.render.docx.imprint_copy import BLANK_FOOTER, DOCUMENT, STYLES, W, imprint_unnumbered, role_id
from qdocgen.workspace import Workspace

from conftest import TEMPLATES, needs_soffice


def _notice(data_dir) -> bytes:
    return NoticeMaker(Workspace(data_dir=data_dir, templates_dir=TEMPLATES), date="2019-01-15").district(
        Period(2018), "南海"
    )


def _replaced(blob: bytes, name: str, data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(blob))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == name else src.read(info.filename))
    return out.getvalue()


def _unnumbered_spacer_section(copy: bytes) -> bool:
    """Whether the copy's 版记 section (the one after the spacer paragraph) has only the empty footer."""
    assert copy is not None, "no 版记 found"
    z = zipfile.ZipFile(io.BytesIO(copy))
    rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
    blank = {r.get("Id") for r in rels if r.get("Target") == BLANK_FOOTER[len("word/") :]}
    sections = etree.fromstring(z.read(DOCUMENT)).iter(W + "sectPr")
    *_, last = sections
    refs = last.findall(W + "footerReference")
    r_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    return len(blank) == 1 and len(refs) == 3 and {r.get(r_id) for r in refs} == blank and BLANK_FOOTER in z.namelist()


def test_a_notice_has_its_imprint_found_and_a_table_none(data_dir):
    blob = _notice(data_dir)
    assert _unnumbered_spacer_section(imprint_unnumbered(blob))
    table = (TEMPLATES / "docx" / "任务分解表.docx").read_bytes()
    assert imprint_unnumbered(table) is None


def test_the_imprint_is_found_in_a_document_xml_not_written_in_utf8(data_dir):
    """XML parts may be UTF-16 (OOXML allows it; some libraries write it): the style id's UTF-8
    bytes are not in the text then, and the pre-check must not say there is no 版记."""
    blob = _notice(data_dir)
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(blob)).read(DOCUMENT))
    utf16 = _replaced(blob, DOCUMENT, etree.tostring(root, xml_declaration=True, encoding="UTF-16", standalone=True))
    assert _unnumbered_spacer_section(imprint_unnumbered(utf16))
    spelled = zipfile.ZipFile(io.BytesIO(blob)).read(DOCUMENT).replace(b'"QImprintSpacer"', b'"&#81;ImprintSpacer"')
    assert b'"QImprintSpacer"' not in spelled  # the id spelled with a character reference
    assert _unnumbered_spacer_section(imprint_unnumbered(_replaced(blob, DOCUMENT, spelled)))


@needs_soffice
def test_the_imprint_is_found_in_a_notice_saved_by_libreoffice(data_dir, tmp_path):
    """A clerk opens the 通报 in LibreOffice and saves it: the spacer style gets another id
    (Style…), keeps its name, and the copy still has its 版记 page unnumbered."""
    (tmp_path / "n.docx").write_bytes(_notice(data_dir))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(tmp_path / "saved"),
            str(tmp_path / "n.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    saved = (tmp_path / "saved" / "n.docx").read_bytes()
    styles = etree.fromstring(zipfile.ZipFile(io.BytesIO(saved)).read(STYLES))
    assert role_id(styles, "QImprintSpacer", "版记前空白") not in (None, "QImprintSpacer")  # renumbered
    assert _unnumbered_spacer_section(imprint_unnumbered(saved))
