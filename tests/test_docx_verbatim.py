"""A rendered body written without parsing it (render/docx/verbatim.py) is what parsing gives.

Every document here is rendered by the fast path and by the docxtpl path of the same prepared
template (which parses the body, mends its tables and numbers its drawings as docxtpl does) and
compared byte for byte; each test also says whether the body was written from its text or
parsed, so that a case meant to be proved is not silently parsed and a case meant to be parsed
(quotes in a value, a line break, a column loop that widens a table) is not written unparsed.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml

from qdocgen.documents import catalog
from qdocgen.render.docx import tags as word_tags
from qdocgen.render.docx import verbatim
from qdocgen.render.docx.engine import PreparedDocx
from qdocgen.workspace import Workspace

from conftest import DATA, TEMPLATES

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@pytest.fixture
def written(monkeypatch):
    """What Plan.written answered for each body rendered: True (written from the text) or False."""
    answers: list[bool] = []
    real = verbatim.Plan.written

    def spy(self, text):
        out = real(self, text)
        answers.append(out is not None)
        return out

    monkeypatch.setattr(verbatim.Plan, "written", spy)
    return answers


def template(tmp_path: Path, *paragraphs: str, table: list[list[str]] | None = None, name="t.docx") -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if table is not None:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
    path = tmp_path / name
    doc.save(path)
    return path


def same_both_ways(path: Path, context: dict) -> PreparedDocx:
    prepared = PreparedDocx(path)
    assert prepared.render(context) == prepared.render_docxtpl(context)
    return prepared


@pytest.mark.parametrize("a", ["R&D <研发> 100%", "#1 & #2", "{_{ 不是模板 }_}", "\ufeff＃\uffe5"])
def test_escaped_values_and_empty_ones_are_written_from_the_text(tmp_path, written, a):
    path = template(tmp_path, "甲{{ a }}乙", "{{ b }}", "{{ c }}{% if d %}有{% endif %}")
    prepared = same_both_ways(path, {"a": a, "b": "", "c": "", "d": False})
    assert prepared.body_plan() is not None
    assert written == [True]


@pytest.mark.parametrize("value", ['他说"好"', "it's", "第一行\n第二行", "甲\t乙", "甲\ufffe乙", "\uffff"])
def test_values_lxml_writes_otherwise_are_parsed(tmp_path, written, value):
    path = template(tmp_path, "值：{{ a }}")
    same_both_ways(path, {"a": value})
    assert written == [False]


@pytest.mark.parametrize(
    "text",
    [
        "{{ a|safe }}",
        "{% macro m(x) %}{{ x }}{% endmacro %}{{ m(a) }}",
        "{% set s %}{{ a }}{% endset %}{{ s }}",
        "{% autoescape false %}{{ a }}{% endautoescape %}",
        "{% filter upper %}{{ a }}{% endfilter %}",
        "{{ (a|e)[:3] }}",
        "{{ a|e|truncate(5) }}",
    ],
)
def test_templates_that_may_print_markup_are_not_proved(tmp_path, written, text):
    path = template(tmp_path, text)
    prepared = same_both_ways(path, {"a": "x"} if "safe" in text else {"a": "R&D 研发&设计 <w:p/>"})
    assert prepared.body_plan() is None
    assert written == []


def test_an_unbalanced_branch_is_not_proved(tmp_path):
    # {%p if %} around one paragraph is balanced; a bare if opening in one paragraph and closing
    # in another spans the paragraphs' ends
    path = template(tmp_path, "{% if a %}甲", "乙{% endif %}")
    prepared = PreparedDocx(path)
    assert prepared.body_plan() is None
    assert prepared.render({"a": True}) == prepared.render_docxtpl({"a": True})


@pytest.mark.parametrize("rows", [[], [{"n": "一", "v": 1}], [{"n": "一", "v": 1}, {"n": "二&三", "v": ""}]])
def test_row_loops_are_written_from_the_text(tmp_path, written, rows):
    path = template(
        tmp_path,
        "表：",
        table=[["名称", "值"], ["{%tr for r in rows %}", ""], ["{{ r.n }}", "{{ r.v }}"], ["{%tr endfor %}", ""]],
    )
    prepared = same_both_ways(path, {"rows": rows})
    assert written == [True]
    assert prepared.body_plan().full  # a header row, each row a cell: no empty row or table to drop


def test_a_table_of_only_loop_rows_left_empty_is_dropped_unparsed(tmp_path, written):
    path = template(tmp_path, "前", table=[["{%tr for r in rows %}", ""], ["{{ r }}", "x"], ["{%tr endfor %}", ""]])
    prepared = same_both_ways(path, {"rows": []})
    assert written == [True]
    assert not prepared.body_plan().full


@pytest.mark.parametrize("items", [[], ["甲"], ["甲", "乙"]])
def test_a_row_of_only_loop_cells_left_empty_is_dropped(tmp_path, items):
    path = template(tmp_path, "前", table=[["标题", "x", "y"], ["{%tc for i in items %}", "{{ i }}", "{%tc endfor %}"]])
    prepared = same_both_ways(path, {"items": items})
    assert prepared.body_plan() is None or not prepared.body_plan().full
    body = zipfile.ZipFile(io.BytesIO(prepared.render({"items": items}))).read("word/document.xml").decode()
    assert body.count("<w:tr>") + body.count("<w:tr ") == (2 if items else 1)


def in_percent(path: Path) -> None:
    """The template's table given in percent of the text width (Word: 指定宽度, 百分比)."""
    doc = Document(path)
    props = doc.tables[0]._tbl.tblPr
    for old in props.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblW"):
        props.remove(old)
    props.append(parse_xml(f'<w:tblW {W} w:w="5000" w:type="pct"/>'))
    doc.save(path)


@pytest.mark.parametrize("percent", [False, True])
@pytest.mark.parametrize("n", [1, 3, 5, 9])
def test_a_column_loop_is_written_unparsed_where_widen_grids_is_followed(tmp_path, written, n, percent):
    # four columns in the template; the loop's own cells go: 1 + n columns rendered. Wider than
    # the grid, the grid is widened; in percent of the page, fitted to the template's width (cells
    # too) whether wider or narrower; narrower and not in percent, fix_tables mends it: parsed
    loop = ["{%tc for u in units %}", "{{ u }}", "{%tc endfor %}"]
    path = template(tmp_path, table=[["项目", *loop], ["合计", *loop]])
    if percent:
        in_percent(path)
    same_both_ways(path, {"units": [f"单位{i}" for i in range(n)]})
    assert written == [percent or n > 1]


@pytest.mark.parametrize("full_row, unparsed", [(True, True), (False, False)])
def test_conditional_cells_are_judged_by_the_widest_row(tmp_path, written, full_row, unparsed):
    # four columns in the template; the conditional row renders 2 or 1 cells: with a row of all
    # four beside it the grid fits, alone it is narrower than the grid (fix_tables mends it)
    rows = [["甲", "{%tc if a %}", "乙", "{%tc endif %}"]] + ([["丙", "丁", "", ""]] if full_row else [])
    path = template(tmp_path, table=rows)
    prepared = PreparedDocx(path)
    for a in (True, False):
        assert prepared.render({"a": a}) == prepared.render_docxtpl({"a": a})
    assert written == [unparsed, unparsed]


def test_a_table_in_percent_of_the_page_is_judged_as_widen_grids_judges_it(tmp_path, written):
    path = template(tmp_path, table=[["甲", "{{ a }}"], ["丙", "丁"]])
    in_percent(path)
    same_both_ways(path, {"a": "乙"})
    assert written == [True]


def test_every_bundled_document_is_written_from_its_text_as_parsing_writes_it(written):
    """Each bundled Word document is written unparsed (the city notices' matrix widened in the
    text); the bytes are checked by tests/test_outputs_unchanged.py."""
    ws = Workspace(data_dir=DATA, templates_dir=TEMPLATES)
    jobs = [job for job in catalog.all_jobs(ws) if job.path.endswith(".docx")]
    for job in jobs:
        job.made(job.prepare())
    assert len(written) == len(jobs) and all(written)


@pytest.mark.parametrize(
    "xml",
    [
        "<w:tbl><w:tblPr/><w:tr><w:trPr/></w:tr><w:tr><w:tc>1</w:tc></w:tr></w:tbl>",
        '<w:tbl><w:tr w:rsidR="1"></w:tr></w:tbl><w:p/><w:tbl><w:tr><w:tc/></w:tr></w:tbl><w:tr>',
        "<w:tr><w:trPr/><w:tr><w:tc></w:tc></w:tr></w:tr><w:tbl><w:tbl></w:tbl></w:tbl>",
        "<w:tbl><w:trx></w:tr></w:tbl><w:tbl><w:tr></w:tr>",
        "<w:tbl></w:tbl><w:tbl></w:tbl>",
    ],
)
def test_dropping_empty_rows_and_tables_is_the_patterns_substitution(xml):
    expected = word_tags._EMPTY_TABLE.sub("", word_tags._EMPTY_ROW.sub("", xml))
    assert word_tags.drop_empty_tables(xml) == expected
