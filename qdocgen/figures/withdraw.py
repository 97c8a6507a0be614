"""Withdrawing a stored figure, or clearing its 说明, by command; logged like any change.

(A district withdraws on its form instead: 撤回 in 说明, see figures/collect.py.)
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from qdocgen.errors import UserError
from qdocgen.figures import log
from qdocgen.figures.forms import who_of
from qdocgen.figures.period import Period
from qdocgen.figures.store import figures_dir
from qdocgen.figures.values import format_value
from qdocgen.plan.model import Plan
from qdocgen.storage import journal

COMMAND = "qdocgen withdraw"


def withdraw(
    plan: Plan,
    data_dir: Path,
    period: Period,
    district: str | None,
    row: int,
    measure: str | None = None,
    *,
    note_only: bool = False,
    reason: str = "",
    clock=log.now,
) -> str:
    """Withdraw the figure of `district` (None: the city) at `row` (and `measure`); a sentence saying what was done."""
    if problem := plan.year_problem(period.year):
        raise UserError(problem)
    if not 1 <= row <= len(plan.rows):
        raise UserError(f"序号 {row} 不在任务分解表 1–{len(plan.rows)} 内")
    measures = [m for m in plan.measures_of_row(row) if m.is_city == (district is None)]
    names = "、".join(f"“{m.name}”" for m in measures) or "（无）"
    if measure is not None:
        measures = [m for m in measures if m.name == measure.strip()]
        if not measures:
            raise UserError(f"序号 {row} 没有{who_of(district)}报送的指标“{measure}”；可选：{names}")
    if not measures:
        raise UserError(f"序号 {row} 没有{who_of(district)}报送的指标")
    if len(measures) > 1:
        raise UserError(f"序号 {row} 有 {len(measures)} 项指标（{names}），请用 --measure 指定一项")
    m = measures[0]
    with journal.changing(figures_dir(data_dir), COMMAND) as recovered:
        said = _withdraw(plan, data_dir, period, district, row, m, note_only=note_only, reason=reason, clock=clock)
    return "".join(f"注意：{r}。\n" for r in recovered) + said


def _withdraw(plan, data_dir, period, district, row, m, *, note_only, reason, clock) -> str:
    state = log.load_state(plan, data_dir, period)
    stored = {f.key: f for f in state.figures}
    key = (district, row, m.name)
    figure = stored.get(key)
    name = f"{who_of(district)} {period.words} 序号 {row}“{m.name}”"
    if note_only:
        if figure is None or not figure.note:
            raise UserError(f"{name}没有说明可清除，完成值文件未改动")
        new = replace(figure, note="")
        kind, said = log.NOTE_CLEARED, f"已清除 {name} 的说明“{figure.note}”"
    else:
        if figure is None or figure.value is None:
            raise UserError(f"{name}没有已报送的完成值可撤回，完成值文件未改动")
        new = replace(figure, value=None, note="", source=COMMAND)
        kind, said = log.WITHDRAWN, f"已撤回 {name}：{format_value(figure.value)} → （空）"
    stored[key] = new
    entry = log.Entry(
        time=clock(),
        district=district,
        row=row,
        measure=m.name,
        old_value=figure.value,
        new_value=new.value,
        old_note=figure.note,
        new_note=new.note,
        kind=kind,
        source=log.Source(COMMAND),
        remark=reason,
    )
    journal.commit(figures_dir(data_dir), log.files(plan, state, list(stored.values()), [entry]), COMMAND)
    return f"{said}；已记入 {state.log_path.name}。"
