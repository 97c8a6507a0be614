"""The Word fast path gives the documents docxtpl gives; large builds and rebuilds stay correct.

PreparedDocx renders Jinja straight into the package's parts and copies the other members
unchanged (render/docx/engine.py). Here every bundled Word template, and a template whose tags
Word split across runs, is rendered both ways with the same context and compared byte for byte:
against stock docxtpl (load, render, save) where the template is plain docxtpl, and against the
docxtpl path of qdocgen's own engine where it uses qdocgen's merge directives.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate

from qdocgen.build import RECORD, run_build
from qdocgen.documents import catalog
from qdocgen.documents.context import base_context
from qdocgen.documents.notice import CITY_TEMPLATE, DISTRICT_TEMPLATE, NoticeMaker
from qdocgen.documents.render_any import prepare
from qdocgen.figures.period import Period
from qdocgen.render import names
from qdocgen.render.docx.charts import fill_charts
from qdocgen.render.docx.engine import PreparedDocx
from qdocgen.render.jinja_env import make_env
from qdocgen.render.package import members, normalise_package, write_members
from qdocgen.workspace import Workspace

from conftest import DATA, TEMPLATES

PERIOD = Period(2018)


def stock_docxtpl(blob: bytes, context: dict) -> bytes:
    """A plain docxtpl loop: load the template, render, save (then qdocgen's fixed zip dates)."""
    tpl = DocxTemplate(io.BytesIO(blob))
    tpl.render(context, make_env(autoescape=True), autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return normalise_package(buf.getvalue())


def differing_members(a: bytes, b: bytes) -> list[str]:
    za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
    assert za.namelist() == zb.namelist()
    return [n for n in za.namelist() if za.read(n) != zb.read(n)]


@pytest.fixture(scope="module")
def ws():
    return Workspace(data_dir=DATA, templates_dir=TEMPLATES)


@pytest.fixture(scope="module")
def maker(ws):
    return NoticeMaker(ws)


@pytest.mark.parametrize("district", ["南海区", "顺德区", None])
def test_notices_equal_stock_docxtpl_byte_for_byte(maker, district):
    prepared = maker.template(CITY_TEMPLATE if district is None else DISTRICT_TEMPLATE)
    context = maker.context(PERIOD, district)
    fast = prepared.render(context)
    assert prepared._package is not None, "the notice templates take the fast path"
    if district is None:
        # the city notice's matrix is a column loop in a table given in percent, which qdocgen
        # fits to the page (render/docx/grid.py) and stock docxtpl does not: its docxtpl path
        assert fast == prepared.render_docxtpl(context)
    else:
        stock = stock_docxtpl(prepared.blob, context)
        # docxtpl draws no chart: python-pptx's and xlsxwriter's filling (not the fast one) on its output
        charts = fill_charts(stock, prepared.charts, context, fast=False)
        assert charts, "the notice's chart is filled"
        stock = normalise_package(stock, replace=charts)
        assert differing_members(fast, stock) == []
        assert fast == stock
    text = zipfile.ZipFile(io.BytesIO(fast)).read("word/document.xml").decode("utf-8")
    assert "{{" not in text and "{%" not in text and "工作完成情况" in text


@pytest.mark.parametrize("name", ["任务分解表.docx", "任务分解表-完成情况.docx"])
@pytest.mark.parametrize("district", [None, "南海区"])
def test_task_tables_equal_the_docxtpl_path(ws, name, district):
    prepared = prepare(TEMPLATES / "docx" / name)
    progress = "完成情况" in name
    context = base_context(
        ws.plan,
        period=PERIOD if progress else None,
        district=district,
        evaluation=ws.evaluation(PERIOD) if progress else None,
    )
    fast = prepared.render(context)
    assert prepared._package is not None
    assert fast == prepared.render_docxtpl(context)
    document = zipfile.ZipFile(io.BytesIO(fast)).read("word/document.xml").decode("utf-8")
    assert "{%" not in document and "vmerge" not in document


def split_runs_template(path: Path) -> Path:
    """A template as Word saves one after editing: tags split over runs of different formatting,
    a loop over table rows, a tag in the header and in the title property, and text to escape."""
    doc = Document()
    p = doc.add_paragraph()
    for text, bold in (("关于{{ dis", False), ("trict.na", True), ("me }}的", False), ("{{ title }}", True)):
        p.add_run(text).bold = bold
    p = doc.add_paragraph()
    p.add_run("{%p if items %}")
    table = doc.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "{%tr for it in items %}"
    table.cell(1, 0).text = "{{ it.name }}"
    table.cell(1, 1).paragraphs[0].add_run("{{ it.")
    table.cell(1, 1).paragraphs[0].add_run("value }}").italic = True
    table.cell(2, 0).text = "{%tr endfor %}"
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{{ note }}")
    doc.sections[0].header.paragraphs[0].text = "页眉：{{ dis"
    doc.sections[0].header.paragraphs[0].add_run("trict.name }}")
    doc.core_properties.title = "{{ title }}（{{ district.name }}）"
    doc.save(path)
    return path


CONTEXT = {
    "district": {"name": "南海区"},
    "title": "质量 & 效益 <提升>",
    "items": [{"name": f"指标{i}", "value": i * 1.5} for i in range(4)],
    "note": "第一行\n第二行\t缩进",
}


def test_tags_split_across_runs_render_as_stock_docxtpl_does(tmp_path):
    path = split_runs_template(tmp_path / "拆分.docx")
    prepared = PreparedDocx(path)
    fast = prepared.render(CONTEXT)
    assert prepared._package is not None
    assert fast == stock_docxtpl(path.read_bytes(), CONTEXT)
    z = zipfile.ZipFile(io.BytesIO(fast))
    body = z.read("word/document.xml").decode("utf-8")
    assert "关于南海区的" in body.replace("</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>", "")
    assert "质量 &amp; 效益 &lt;提升&gt;" in body and "指标3" in body and "<w:br/>" in body
    assert "页眉：南海区" in z.read("word/header1.xml").decode("utf-8").replace("</w:t></w:r><w:r><w:t>", "")
    # docxtpl escapes a property's values twice ("&" becomes "&amp;" in Word's title); kept, as docxtpl does
    assert (
        "<dc:title>质量 &amp;amp; 效益 &amp;lt;提升&amp;gt;（南海区）</dc:title>"
        in z.read("docProps/core.xml").decode()
    )


def test_output_is_reproducible_and_follows_source_date_epoch(tmp_path, monkeypatch):
    path = split_runs_template(tmp_path / "拆分.docx")
    prepared = PreparedDocx(path)
    first = prepared.render(CONTEXT)
    assert prepared.render(CONTEXT) == first == PreparedDocx(path).render(CONTEXT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1546300800")  # 2019-01-01, after the template was prepared
    later = prepared.render(CONTEXT)
    assert later != first and later == prepared.render_docxtpl(CONTEXT)
    assert b"2019-01-01T00:00:00Z" in zipfile.ZipFile(io.BytesIO(later)).read("docProps/core.xml")
    assert all(i.date_time == (2019, 1, 1, 0, 0, 0) for i in zipfile.ZipFile(io.BytesIO(later)).infolist())


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.*x")), ids=lambda p: p.name)
def test_copied_members_make_the_zip_normalise_package_makes(template):
    package = normalise_package(template.read_bytes())
    assert write_members(members(package)) == package


def test_a_pooled_build_writes_what_a_serial_build_writes(ws, tmp_path):
    def jobs():
        return catalog.progress_table_jobs(ws, PERIOD) + catalog.notice_jobs(ws, [PERIOD], maker=NoticeMaker(ws))

    serial = run_build(ws, jobs(), tmp_path / "serial", workers=1)
    pooled = run_build(ws, jobs(), tmp_path / "pooled", workers=2)
    assert not serial.failed and not pooled.failed
    assert [p for p, _ in pooled.made] == [p for p, _ in serial.made]
    files = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*.*x"))
    assert len(files) == len(jobs())
    for rel in files:
        assert (tmp_path / "pooled" / rel).read_bytes() == (tmp_path / "serial" / rel).read_bytes(), rel
    again = run_build(ws, jobs(), tmp_path / "pooled", workers=2)
    assert again.made == [] and len(again.kept) == len(files)


def test_a_rebuild_that_changes_nothing_compiles_no_template(tmp_path, monkeypatch):
    ws = Workspace(data_dir=DATA, templates_dir=TEMPLATES)
    maker = NoticeMaker(ws)
    run_build(ws, catalog.progress_table_jobs(ws, PERIOD) + catalog.notice_jobs(ws, [PERIOD], maker=maker), tmp_path)
    monkeypatch.setattr(names, "_BY_HASH", {})  # a new process: only the build record knows the names

    def refuse(*args, **kwargs):
        raise AssertionError("a template was prepared")

    monkeypatch.setattr(catalog, "prepare", refuse)
    monkeypatch.setattr(NoticeMaker, "template", refuse)
    ws = Workspace(data_dir=DATA, templates_dir=TEMPLATES)
    jobs = catalog.progress_table_jobs(ws, PERIOD) + catalog.notice_jobs(ws, [PERIOD], maker=NoticeMaker(ws))
    outcome = run_build(ws, jobs, tmp_path)
    assert outcome.made == [] and len(outcome.kept) == len(jobs)
    assert "template_names" in (tmp_path / RECORD).read_text(encoding="utf-8")


def test_a_build_evaluates_each_period_once(tmp_path, monkeypatch):
    import qdocgen.workspace as workspace

    calls = []
    real = workspace.evaluate
    monkeypatch.setattr(
        workspace, "evaluate", lambda plan, figures, period: calls.append(period) or real(plan, figures, period)
    )
    ws = Workspace(data_dir=DATA, templates_dir=TEMPLATES)
    periods = sorted(ws.figures.periods)
    jobs = [j for j in catalog.all_jobs(ws) if j.path.endswith(".docx") and "通报" not in j.path]
    jobs += catalog.notice_jobs(ws, periods, maker=NoticeMaker(ws))
    run_build(ws, jobs, tmp_path)
    assert sorted(calls) == periods


def test_parts_finished_after_jinja_are_put_in_on_both_paths(tmp_path):
    class Stamped(PreparedDocx):
        def finished_members(self, parts, context, fast=True):
            assert b"<w:body>" in parts["word/document.xml"]  # the rendered package, to read from
            return {"customXml/qdocgen.xml": f"<n>{context['district']['name']}</n>".encode()}

    prepared = Stamped(split_runs_template(tmp_path / "拆分.docx"))
    fast = prepared.render(CONTEXT)
    assert fast == prepared.render_docxtpl(CONTEXT)
    assert zipfile.ZipFile(io.BytesIO(fast)).read("customXml/qdocgen.xml") == "<n>南海区</n>".encode()


def test_each_document_has_its_own_properties_however_the_last_ones_were(tmp_path):
    path = split_runs_template(tmp_path / "拆分.docx")
    prepared = PreparedDocx(path)
    for name in ["南海区", "顺德区", "顺德区", "南海区"]:
        context = dict(CONTEXT, district={"name": name})
        made = prepared.render(context)
        assert made == prepared.render_docxtpl(context)
        assert f"（{name}）</dc:title>" in zipfile.ZipFile(io.BytesIO(made)).read("docProps/core.xml").decode()


LEAN_SOURCES = [
    '<w:body>\n<w:p><w:r><w:t>{{ a }}</w:t></w:r></w:p>\n<w:p w:rsidR="1"><w:r><w:t>{{ b }}</w:t></w:r></w:p></w:body>',
    "<w:body>{% if a %}\n<w:p>甲</w:p>{% elif b %}\n<w:p>乙</w:p>{% else %}\n<w:p >丙</w:p>{% endif %}</w:body>",
    "<w:body>{% for x in items %}\n<w:p>{{ x }}</w:p>{% else %}\n<w:p>无</w:p>{% endfor %}\n\n<w:p>尾</w:p></w:body>",
    "<w:body>{{ a }}\n<w:p>{% with y = b %}\n<w:p>{{ y }}</w:p>{% endwith %}</w:body>",
    "<w:body>{% filter upper %}\n<w:p>x</w:p>{% endfilter %}{% set s %}\n<w:p>{% endset %}{{ s|length }}</w:body>",
    "<w:body>{% macro m() %}\n<w:p>m</w:p>{% endmacro %}{{ m() }}{{ m()|length }}{% if a -%}\n<w:p>-{%- endif %}</w:body>",
    "<w:body>{{ a }}{{ b }}\n<w:p>\n<w:pPr/>\n\n<w:p>\n</w:body>",
]


@pytest.mark.parametrize("source", LEAN_SOURCES)
@pytest.mark.parametrize(
    "values",
    [
        {"a": "甲", "b": "乙", "items": [1, 2]},
        {"a": "", "b": "x\n", "items": []},
        {"a": "\n", "b": "\n\n", "items": ["\n"]},
    ],
)
def test_a_part_rendered_without_paragraph_breaks_finishes_as_the_part_itself(source, values):
    """fast.without_paragraph_breaks: where its rendering is finished, it is finish_part's text of
    the template's own; where not (a line end of a value or of the text before a paragraph), the
    template's own is rendered (cached.CachedDocx.render_part)."""
    from qdocgen.render.docx.fast import finish_part, lean_rendering_is_finished, without_paragraph_breaks
    from qdocgen.render.jinja_env import make_env

    env = make_env(autoescape=True)
    own = env.from_string(source).render(values)
    lean = env.from_changed_tree(source, "test-lean", without_paragraph_breaks).render(values)
    for listing in (False, True):
        expected = finish_part(own, False, True, listing=listing)
        if lean_rendering_is_finished(lean):
            assert finish_part(lean, False, True, listing=listing) == expected
    plain = "macro" not in source and "filter" not in source and "set" not in source
    if plain and "\n" not in own.replace("\n<w:p ", "").replace("\n<w:p>", ""):
        assert lean_rendering_is_finished(lean)  # nothing else made a line end: no second rendering


def test_a_recursive_loop_whose_text_is_a_value_keeps_its_paragraph_breaks():
    """A recursive loop's body is printed and also the value `loop(…)` gives: counted, replaced or
    compared, its line ends are the template's (the cached body, rendered from the lean twin, made
    "1:14" of what the template itself makes "1:15")."""
    from qdocgen.render.docx.fast import finish_part, lean_rendering_is_finished, without_paragraph_breaks
    from qdocgen.render.jinja_env import make_env

    source = (
        "<w:body>{% for x in items recursive %}\n<w:p>{{ x.n }}:{{ loop(x.kids)|length }}</w:p>{% endfor %}</w:body>"
    )
    values = {"items": [{"n": 1, "kids": [{"n": 2, "kids": []}]}]}
    env = make_env(autoescape=True)
    own = finish_part(env.from_string(source).render(values), False, True)
    assert own == "<w:body><w:p>1:15</w:p></w:body>"
    lean = env.from_changed_tree(source, "test-lean", without_paragraph_breaks).render(values)
    assert not lean_rendering_is_finished(lean) or finish_part(lean, False, True) == own
