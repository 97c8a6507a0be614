"""How a judged figure is shown: the one display rule (docs/progress.md, 七、显示规则).

Judging (qdocgen/progress.py) is exact; a document shows rounded figures. Rounding must
never make a document contradict its own judgement, so every place that shows a target,
a reported figure, a gap or a completion ratio takes its text from here:

- a figure and its target are written with the usual decimals (rates one, 95.0%; counts
  up to two, 12.5) and, where the status says they differ (未完成, 超额完成) but the usual
  decimals would make them read alike or the wrong way round, with as many more decimals
  as it takes: 79.96% against 80.0%, 9,999.5 against 10,000;
- the gap (差…) is the shown target less the shown figure, so it is never 0 and adds up;
- a completion ratio is one decimal (95.0%), two where one would read 100.0% for 未完成
  (99.99%), and for 未完成 never 100% or more: a ratio that still rounds to 100.00% is cut
  to 99.99%; for 完成 and 超额完成 it is never under 100%, and for 超额完成 it reads above
  100% (100.0002% where one decimal would read 100.0%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache

from qdocgen import fmt
from qdocgen.progress import DONE, EXCEEDED, MET, MISSED, Result

MAX_DECIMALS = 8  # enough to tell apart any two figures a form can hold


@dataclass(frozen=True)
class Shown:
    """The texts of one result's figures, consistent with its status."""

    target: str  # '80.0' (no unit)
    year_target: str
    actual: str
    gap: str  # '' unless 未完成
    ratio: str  # '99.99%'
    ratio_value: float | None  # the ratio as shown, as a number (0.9999), for Excel cells
    decimals: int  # the decimals the pair needed at most


def _pattern(min_dec: int, max_dec: int) -> str:
    if max_dec <= 0:
        return "#,##0"
    return "#,##0." + "0" * min_dec + "#" * (max_dec - min_dec)


def _text(value: float | Decimal, min_dec: int, max_dec: int) -> str:
    # fmt.apply (四舍五入 on the figure as written), each text kept: a build shows every result
    # in several documents (babel takes 15 µs a call).
    if value == 0 and math.copysign(1.0, value) < 0:  # -0.0 is written '-0': not the cached 0.0's text
        return fmt.apply(_pattern(min_dec, max_dec), value)
    return _cached_text(value, min_dec, max_dec)


@lru_cache(maxsize=100_000)
def _cached_text(value: float | Decimal, min_dec: int, max_dec: int) -> str:
    return fmt.apply(_pattern(min_dec, max_dec), value)


def _hundredfold(value: float) -> Decimal:
    """A ratio as a percentage, from the ratio as written: 0.9525 → 95.25 (not 95.24999…)."""
    return fmt.as_written(value).scaleb(2)


def _read(text: str) -> Decimal:
    return Decimal(text.replace(",", "").removesuffix("%"))


def base_decimals(unit: str) -> tuple[int, int]:
    """(fewest, most) decimals a figure with `unit` is usually written with."""
    return (1, 1) if unit == "%" else (0, 2)


def number(value: float | None, unit: str = "") -> str:
    """A lone figure (no status to agree with): 10,000; 12.5; 95.0 for a rate."""
    if value is None:
        return ""
    low, high = base_decimals(unit)
    return _text(value, low, high)


def _agrees(target: Decimal, actual: Decimal, status: str) -> bool:
    if status == MISSED:
        return actual < target
    if status == EXCEEDED:
        return actual > target
    if status == MET:
        return actual == target
    return True


def pair(target: float | None, actual: float | None, unit: str, status: str) -> tuple[str, str, int]:
    """(target text, actual text, decimals used) that read the way `status` judges them."""
    low, high = base_decimals(unit)
    if target is None or actual is None:
        return number(target, unit), number(actual, unit), high
    for dec in range(high, MAX_DECIMALS + 1):
        t, a = _text(target, low, dec), _text(actual, low, dec)
        if _agrees(_read(t), _read(a), status):
            return t, a, dec
    return t, a, MAX_DECIMALS


def gap(target_text: str, actual_text: str, unit: str, decimals: int) -> str:
    """The shown target less the shown figure ('0.04'), as written next to them."""
    if not target_text or not actual_text:
        return ""
    low, _ = base_decimals(unit)
    return _text(float(_read(target_text) - _read(actual_text)), low, decimals)


def ratio(value: float | None, status: str) -> tuple[str, float | None]:
    """(text, shown value) of a completion ratio that never contradicts `status`."""
    if value is None:
        return "", None
    for dec in range(1, (MAX_DECIMALS if status == EXCEEDED else 2) + 1):
        text = _text(_hundredfold(value), 1, dec)
        shown = _read(text)
        if status == MISSED and shown >= 100:
            continue
        if status == EXCEEDED and shown <= 100:
            continue  # 超额完成 by a hair: as many decimals as it takes (100.0002%)
        if status in DONE and shown < 100:
            text, shown = "100.0", Decimal(100)
        return text + "%", float(shown / 100)
    if status == MISSED:  # still 100.00: cut, not rounded
        shown = _hundredfold(value).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
        shown = min(shown, Decimal("99.99"))
        return f"{shown}%", float(shown / 100)
    # 超额完成 by less than the last decimal: rounded up, so it still reads above 100%
    step = Decimal(1).scaleb(-MAX_DECIMALS)
    shown = max(_hundredfold(value).quantize(step, rounding=ROUND_CEILING), Decimal(100) + step)
    return f"{shown}%", float(shown / 100)


def share(done: int, of: int) -> str:
    """A 完成比例 (items met ÷ items assessed), never 100.0% unless all are met: '80.0%'."""
    if not of:
        return ""
    text, _ = ratio(done / of, MET if done == of else MISSED)
    return text


def whole_percent(value: float | None) -> str:
    """0.5 → '50%', 0.125 → '12.5%': a share written without a needless '.0' (序时进度)."""
    if value is None:
        return ""
    return _text(_hundredfold(value), 0, 2) + "%"


def show(r: Result) -> Shown:
    """All texts of one result's figures (kept: a build's notices and tables show each result
    many times, and the texts follow from the figures alone)."""
    return _shown(r.measure.unit, r.target, r.actual, r.year_target, r.status, r.ratio)


@lru_cache(maxsize=65536, typed=True)
def _shown(unit: str, target, actual, year_target, status: str, ratio_value) -> Shown:
    target_text, actual_text, dec = pair(target, actual, unit, status)
    ratio_text, ratio_shown = ratio(ratio_value, status)
    return Shown(
        target=target_text,
        year_target=number(year_target, unit),
        actual=actual_text,
        gap=gap(target_text, actual_text, unit, dec) if status == MISSED else "",
        ratio=ratio_text,
        ratio_value=ratio_shown,
        decimals=dec,
    )


def with_unit(text: str, unit: str) -> str:
    """'12' + '家' → '12家'; '95.0' + '%' → '95.0%'; '' stays ''."""
    return text + unit if text else ""
