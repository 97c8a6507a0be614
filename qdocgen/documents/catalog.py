"""What `qdocgen build` makes: every document of every period with figures, and where it goes.

    output/任务分解表.xlsx, .docx                              the plan's task table
    output/2018/完成情况表/2018年度任务分解表完成情况[-南海区].xlsx, .docx
    output/2018/通报/全市-2018年度…完成情况通报.docx, 南海区-…docx
    output/2018/填报表/南海区-2018年度-填报表.xlsx, 全市-…xlsx
    output/2019/通报/全市-2019年上半年…通报.docx

Each job says what data its document shows, so that the build remakes it exactly when
that data (or its template) changes. A job's context is built once per build (`Job.context`)
and serves both the fingerprint and the document; each period is evaluated once
(`Workspace.evaluation`), and a template's variables are found once per template version
(`render.names`).
"""

from __future__ import annotations

from pathlib import Path

from qdocgen.documents import forms, task_table
from qdocgen.documents.context import base_context
from qdocgen.documents.render_any import prepare
from qdocgen.figures import forms as form_rows
from qdocgen.figures.period import Period
from qdocgen.jobs import Job
from qdocgen.render.names import used_names
from qdocgen.workspace import Workspace

TABLE_DIR = "完成情况表"
NOTICE_DIR = "通报"
FORM_DIR = "填报表"


def all_jobs(ws: Workspace, year: int | None = None, date=None) -> list[Job]:
    """Every document for `year` (or for every year with figures), in a stable order.

    `date` is the notices' 成文日期 (YYYY-MM-DD; None: qdocgen.toml's [notice] date, else each
    period's end, which the workspace's warnings then say once).
    """
    periods = [p for p in sorted(ws.figures.periods) if year is None or p.year == year]
    years = sorted({p.year for p in periods})
    for period in periods:  # once per build, before any document (and any worker process) needs it
        ws.evaluation(period)
    jobs: list[Job] = []
    if year is None:
        jobs += plain_table_jobs(ws)
    for period in periods:
        jobs += progress_table_jobs(ws, period)
    jobs += notice_jobs(ws, periods, date)
    form_periods = sorted(set(periods) | {Period(y) for y in years})
    for period in form_periods:
        jobs += form_jobs(ws, period)
    return jobs


def used_part(template: Path, context: dict) -> dict:
    """The part of `context` that the template refers to: what its document can show."""
    used = used_names(template, lambda: prepare(template).env.used_names())
    part = {k: v for k, v in context.items() if k in used}
    if isinstance(part.get("lines"), list):
        part["lines"] = _lines_shown(part["lines"])
    return part


def _lines_shown(lines: list) -> dict:
    """`lines` as the fingerprint takes them: the row each line belongs to (with all its measures,
    the same on each of its lines) written once and named on its lines by its place. The same
    data, a fraction of the JSON (the city's table wrote 0.7 MB, hashed for every build)."""
    rows: list = []
    places: dict[int, int] = {}
    out = []
    for line in lines:
        row = line.get("row") if isinstance(line, dict) else None
        if isinstance(row, dict):
            place = places.get(id(row))
            if place is None:
                place = places[id(row)] = len(rows)
                rows.append(row)
            line = {**line, "row": place}
        out.append(line)
    return {"rows": rows, "lines": out}


def plain_table_jobs(ws: Workspace) -> list[Job]:
    jobs = []
    for fmt in task_table.FORMATS:
        template = ws.template(fmt, task_table.template_name(fmt, False))
        jobs.append(
            Job(
                path=task_table.file_name(fmt),
                title="任务分解表",
                context=lambda: base_context(ws.plan),
                shows=lambda context, template=template: used_part(template, context),
                make=lambda context, template=template: prepare(template).render(context),
                templates=(template,),
            )
        )
    return jobs


def progress_table_jobs(ws: Workspace, period: Period) -> list[Job]:
    jobs = []
    last: dict = {}  # the Excel and Word tables of one district, made one after the other, share a context

    def shared_context(district):
        if last.get("district", ...) != district:
            last.clear()  # keep one context at a time, however many districts
            evaluation = ws.evaluation(period)
            last.update(
                district=district,
                context=base_context(ws.plan, period=period, district=district, evaluation=evaluation),
            )
        return last["context"]

    for district in [None, *ws.plan.district_names]:
        for fmt in task_table.FORMATS:
            template = ws.template(fmt, task_table.template_name(fmt, True))

            def context(district=district):
                return shared_context(district)

            jobs.append(
                Job(
                    path=f"{period.year}/{TABLE_DIR}/"
                    + task_table.file_name(fmt, period=period, progress=True, district=district),
                    title=f"{period.words}任务分解表完成情况",
                    context=context,
                    shows=lambda context, template=template: used_part(template, context),
                    make=lambda context, template=template: prepare(template).render(context),
                    templates=(template,),
                    period=period,
                    district=district,
                )
            )
    return jobs


def notice_jobs(ws: Workspace, periods: list[Period], date=None, maker=None) -> list[Job]:
    """The 通报 of `periods`, made by `maker` (a NoticeMaker; by default one with the workspace's
    settings and `date`)."""
    from qdocgen.documents.notice import CITY_TEMPLATE, DISTRICT_TEMPLATE, NoticeMaker

    if not periods:
        return []
    maker = maker or NoticeMaker(ws, date=date)  # the same settings as `qdocgen notice`: the same bytes
    for period in periods:  # a date set for a period that cannot carry it: refused before anything is written
        maker.date_of(period)
    jobs = []
    for period in periods:
        for district in [None, *ws.plan.district_names]:
            name = CITY_TEMPLATE if district is None else DISTRICT_TEMPLATE

            def context(period=period, district=district):
                return maker.context(period, district)

            def shows(context, period=period, district=district):
                return maker.shows(period, district, context)

            def make(context, period=period, district=district):
                return maker.render(period, district, context)

            jobs.append(
                Job(
                    path=f"{period.year}/{NOTICE_DIR}/" + maker.filename(period, district),
                    title=f"{period.words}通报",
                    context=context,
                    shows=shows,
                    make=make,
                    templates=(ws.template("docx", name),),
                    period=period,
                    district=district,
                )
            )
    return jobs


def form_jobs(ws: Workspace, period: Period) -> list[Job]:
    template = ws.template("xlsx", form_rows.TEMPLATE)
    jobs = []
    for district in [*ws.plan.district_names, None]:

        def shows(district=district):
            lines = form_rows.form_lines(ws.plan, period, district)
            return {
                "markers": forms.markers(ws.plan, period, district, lines, ws.config.forms.note_when_missed),
                "lines": [
                    (ln.measure.id, ln.measure.name, ln.unit, ln.shown_target, ln.measure.proportion) for ln in lines
                ],
            }

        jobs.append(
            Job(
                path=f"{period.year}/{FORM_DIR}/" + form_rows.form_file_name(district, period),
                title=f"{period.words}填报表",
                shows=shows,
                make=lambda district=district: forms.build_form(
                    template, ws.plan, period, district, ws.config.forms.note_when_missed
                ),
                templates=(template,),
                period=None,  # forms show targets, not figures
                district=district,
            )
        )
    return jobs
