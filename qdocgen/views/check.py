"""`qdocgen check`: every problem in the plan, the figures and the settings at once, then what the
collection logs and the plan's review marks still say."""

from __future__ import annotations

from qdocgen.errors import DataError, UserError
from qdocgen.figures.log import load_state
from qdocgen.figures.store import period_file
from qdocgen.figures.values import format_value
from qdocgen.plan.model import CITY
from qdocgen.progress import untargeted_figures
from qdocgen.workspace import Workspace


def check(ws: Workspace) -> str:
    """The summary of a workspace without problems; raises DataError listing them all otherwise."""
    problems = []
    try:
        ws.config  # noqa: B018 - the settings first: they are the shortest file
    except UserError as exc:
        problems += exc.problems or [exc.message]
    try:
        plan = ws.plan
    except DataError as exc:
        problems += exc.problems
        raise DataError(f"发现 {len(problems)} 个问题。", problems) from None
    try:
        figures = ws.figures
        problems += list(figures.ignored)
        ws.warnings.clear()  # reported below as problems instead
    except DataError as exc:
        problems += exc.problems
    if problems:
        raise DataError(f"发现 {len(problems)} 个问题。", problems)
    for doubt in figures.doubts:  # plausible but worth a look: kept, not refused
        ws.warnings.append(str(doubt))
    for per in sorted(figures.periods):  # the collection logs: readable, and what they do not yet say
        try:
            state = load_state(plan, ws.data_dir, per)
        except DataError as exc:
            raise DataError(f"发现 {len(exc.problems)} 个问题。{exc.message}", exc.problems) from None
        if state.by_hand:
            ws.warnings.append(
                f"{state.path} 中有 {len(state.by_hand)} 项与收集记录 {state.log_path.name} 不同（手工更正），"
                "下次导入或撤回时记入收集记录"
            )
    count = sum(len(v) for v in figures.periods.values())
    periods = "、".join(p.key for p in sorted(figures.periods)) or "无"
    lines = [
        f"检查通过：计划 {len(plan.rows)} 行、{len(plan.measures)} 项指标、{len(plan.districts)} 个区；"
        f"完成值 {count} 条（时段：{periods}）。"
    ]
    for period, f in untargeted_figures(plan, figures):  # kept and shown as 不适用, but likely a slip
        where = f"{period_file(ws.data_dir, period)}:{f.line}"
        ws.warnings.append(
            f"{where}: {f.district or CITY}报送了序号 {f.row}“{f.measure}”的完成值 {format_value(f.value)}，"
            f"但该指标{period.words}没有目标：各表和通报照常列出这个数，状态为“不适用”，不计入完成率。"
        )
    for mark in plan.reviews:  # left by `qdocgen import` on what it guessed
        lines.append(f"{plan.source}:{mark.line}: 待核：{mark.what}：{mark.text}")
    if plan.reviews:
        lines.append(f"仍有 {len(plan.reviews)} 处标记为待核（review）：核对、改正后删去该处的 review 一行。")
    return "".join(line + "\n" for line in lines)
