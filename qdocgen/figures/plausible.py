"""Whether a reported figure is one a district could mean: the rules of docs/progress.md (八).

Refused: a rate typed as a fraction where the target is 1% or more (0.952 meant as 95.2%),
a fractional count of a counting unit (12.5 家), a number beyond any sane size. Flagged
(a warning, the figure is kept): more than ten times its target, a proportion above 100%.
A rate written with an explicit percent sign ("0.5%", or a cell formatted as percent in
Excel) is taken as meant.
"""

from __future__ import annotations

from qdocgen.figures.values import format_value
from qdocgen.plan.model import Measure

# Units counted in whole things: a fraction of one is a typing error.
COUNTING_UNITS = frozenset(
    "家 个 件 次 期 人次 项 条 类 所 人 名 台 套 批 场 户 座 处 份 篇 届 批次 家次 项次 场次".split()
)
LIMIT = 1e8  # no figure of a city's quality work reaches a hundred million
TIMES_TARGET = 10


def check(
    measure: Measure, value: float | None, target: float | None, *, percent_written: bool = False
) -> tuple[str | None, list[str]]:
    """(why the figure is refused or None, warnings about it) for `value` against `target`."""
    if value is None or measure.kind == "qualitative":
        return None, []
    shown = format_value(value) if value < LIMIT else f"{value:.6g}"
    if value >= LIMIT:
        return f"“{shown}”超出合理范围（完成值应小于 1 亿），请核实后重填", []
    if measure.is_rate and not percent_written and 0 < value < 1 and target is not None and target >= 1:
        hint = format_value(round(value * 100, 6))
        return f"{shown}：比率请填百分数，如 {hint}（确为 {shown}% 请写作“{shown}%”）", []
    if measure.unit in COUNTING_UNITS and measure.kind != "milestone" and not float(value).is_integer():
        return f"{shown}：单位为“{measure.unit}”，完成值应为整数", []
    warnings = []
    if target is not None and target > 0 and value > TIMES_TARGET * target:
        warnings.append(f"{shown} 超过目标值 {format_value(target)} 的 {TIMES_TARGET} 倍，请核实")
    if measure.is_rate and measure.proportion and value > 100:
        warnings.append(f"{shown}% 超过 100%，而“{measure.name}”是占比，请核实")
    return None, warnings
