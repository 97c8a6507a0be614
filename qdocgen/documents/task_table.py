"""The 任务分解表 (task table), plain or with a year's progress, as Excel or Word.

The layout lives in templates the users edit (templates/xlsx|docx/任务分解表*.x); this module
only chooses the template, builds the documented context and names the file.
"""

from __future__ import annotations

from pathlib import Path

from qdocgen.documents.render_any import fill
from qdocgen.figures.period import Period
from qdocgen.figures.store import FigureSet
from qdocgen.plan.model import Plan
from qdocgen.progress import evaluate

FORMATS = ("xlsx", "docx")
TEMPLATES = {False: "任务分解表", True: "任务分解表-完成情况"}


def template_name(fmt: str, progress: bool) -> str:
    """The template's file name under templates/<fmt>/."""
    return f"{TEMPLATES[progress]}.{fmt}"


def file_name(
    fmt: str,
    *,
    year: int | None = None,
    progress: bool = False,
    district: str | None = None,
    period: Period | None = None,
) -> str:
    """任务分解表.xlsx, 2018年度任务分解表完成情况.docx, 2019年上半年任务分解表完成情况-南海区.xlsx."""
    period = period or (Period(year) if year is not None else None)
    stem = f"{period.words}任务分解表完成情况" if progress and period else "任务分解表"
    if district:
        stem += f"-{district}"
    return f"{stem}.{fmt}"


def task_table(
    plan: Plan,
    template: Path,
    *,
    figures: FigureSet | None = None,
    year: int | None = None,
    district: str | None = None,
    period: Period | None = None,
) -> bytes:
    """The task table filled from `template`; with `figures` and a year (or part-year period),
    with that period's progress.

    `district` is a district's full name (南海区) or None for the whole city.
    """
    period = period or (Period(year) if year is not None else None)
    evaluation = evaluate(plan, figures, period) if figures is not None and period is not None else None
    return fill(template, plan, period=period, district=district, evaluation=evaluation)
