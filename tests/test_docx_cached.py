"""Word templates rendered from an earlier run's preparation (render/docx/cached.py) and charts
filled from a kept frame (chart_fast.py) give the bytes, and the messages, of a template prepared
in full; nothing kept that does not fit is used.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from docx import Document

from qdocgen.documents.context import base_context
from qdocgen.documents.notice import CITY_TEMPLATE, DISTRICT_TEMPLATE, NoticeMaker
from qdocgen.errors import TemplateError
from qdocgen.figures.period import Period
from qdocgen.render.docx import chart_fast
from qdocgen.render.docx.cached import CachedDocx, prepared
from qdocgen.render.docx.engine import PreparedDocx
from qdocgen.render.docx.merge import MergingDocx
from qdocgen.workspace import Workspace

from conftest import DATA, TEMPLATES


@pytest.fixture(scope="module")
def ws():
    return Workspace(data_dir=DATA, templates_dir=TEMPLATES)


@pytest.mark.parametrize("name", ["任务分解表.docx", "任务分解表-完成情况.docx"])
def test_a_table_template_renders_from_the_kept_state_as_prepared_in_full(cache_dir, ws, name):
    template = TEMPLATES / "docx" / name
    period = Period(2018)
    first = prepared(template, merging=True)
    assert isinstance(first, MergingDocx)  # nothing kept yet: prepared in full, and kept
    again = prepared(template, merging=True)
    assert isinstance(again, CachedDocx)
    for district in (None, "南海区"):
        context = base_context(ws.plan, period=period, district=district, evaluation=ws.evaluation(period))
        assert again.render(context) == first.render(context) == MergingDocx(template).render(context)
    assert again._full is None  # rendered without preparing the template in full
    assert again.env.used_names() == first.env.used_names()


def test_notices_render_from_the_kept_state_signed_and_with_their_charts(cache_dir, ws):
    made = []
    for _ in range(2):
        maker = NoticeMaker(ws)
        made.append([maker.city(Period(2018)), maker.district(Period(2018), "南海区")])
        kinds = {type(maker.template(n)) for n in (CITY_TEMPLATE, DISTRICT_TEMPLATE)}
        made[-1].append(kinds)
    assert made[0][2] == {PreparedDocx} and made[1][2] == {CachedDocx}
    assert made[0][:2] == made[1][:2]
    # and the notices of a different GB/T 9704 profile are not taken from this one's preparation
    other = NoticeMaker(ws)
    other.profile = dataclasses.replace(other.profile, margin_top=other.profile.margin_top + 100)
    assert type(other.template(CITY_TEMPLATE)) is PreparedDocx


def clerk_template(path, cell: str):
    doc = Document()
    doc.add_paragraph("{{ plan.city }}年度")
    table = doc.add_table(rows=3, cols=2)
    table.rows[0].cells[0].text = "{%tr for r in rows %}"
    table.rows[1].cells[0].text = "{{ r.no }}"
    table.rows[1].cells[1].text = cell
    table.rows[2].cells[0].text = "{%tr endfor %}"
    doc.save(path)
    return path


def test_a_mistake_is_reported_as_without_the_kept_state(cache_dir, ws, tmp_path):
    template = clerk_template(tmp_path / "表.docx", "{{ r.no_such_field | round }}")
    context = base_context(ws.plan, period=Period(2018), evaluation=ws.evaluation(Period(2018)))
    with pytest.raises(TemplateError) as full:
        prepared(template, merging=True).render(context)
    cached = prepared(template, merging=True)
    assert isinstance(cached, CachedDocx)
    with pytest.raises(TemplateError) as again:
        cached.render(context)
    assert str(again.value) == str(full.value) and "表格" in str(again.value)


def test_a_changed_or_damaged_template_state_is_not_used(cache_dir, ws, tmp_path):
    template = clerk_template(tmp_path / "表.docx", "{{ r.task }}")
    context = base_context(ws.plan, period=Period(2018), evaluation=ws.evaluation(Period(2018)))
    before = prepared(template, merging=True).render(context)
    clerk_template(template, "{{ r.lead }}")  # edited: other bytes, another key
    edited = prepared(template, merging=True)
    assert isinstance(edited, MergingDocx) and edited.render(context) != before
    for entry in cache_dir.rglob("*"):  # every entry damaged: prepared in full again, same bytes
        if entry.is_file():
            entry.write_bytes(entry.read_bytes()[:-7] + b"damaged")
    again = prepared(template, merging=True)
    assert isinstance(again, MergingDocx) and again.render(context) == edited.render(context)


def test_a_kept_chart_frame_fills_as_python_pptx_and_xlsxwriter_do(cache_dir, ws, monkeypatch):
    maker = NoticeMaker(ws)
    slow = [maker.template(CITY_TEMPLATE).render_docxtpl(maker.context(Period(2018), None), fast_charts=False)]
    chart_fast._FRAMES.clear()
    maker.city(Period(2018))  # makes the frame of the city chart's shape, and keeps it
    chart_fast._FRAMES.clear()  # as a new process: only the kept frame is there
    monkeypatch.setattr(chart_fast, "chart_parts", lambda *a: pytest.fail("frame made again"))
    context = maker.context(Period(2018), None)
    assert maker.template(CITY_TEMPLATE).render_docxtpl(context, fast_charts=True) == slow[0]


def test_a_build_with_everything_kept_imports_no_docx_library(tmp_path):
    env = {"QDOCGEN_CACHE_DIR": str(tmp_path / "cache")}
    script = (
        "import sys\n"
        "from qdocgen.cli import main\n"
        "try:\n"
        f"    main(['--data', {str(DATA)!r}, '--templates', {str(TEMPLATES)!r}, 'build', '-q', '--year', '2018',"
        " '-o', sys.argv[1]])\n"
        "finally:\n"
        "    print(sorted(m for m in ('docx', 'docxtpl', 'pptx') if m in sys.modules))\n"
    )
    outputs = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        done = subprocess.run(
            [sys.executable, "-c", script, str(out)],
            capture_output=True, text=True, env={**os.environ, **env, "QDOCGEN_WORKERS": "1"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs.append(({p.relative_to(out): p.read_bytes() for p in out.rglob("*.docx")}, done.stdout.strip()))
    assert len(outputs[0][0]) > 10 and outputs[0][0] == outputs[1][0]
    assert outputs[0][1] != "[]" and outputs[1][1] == "[]"
