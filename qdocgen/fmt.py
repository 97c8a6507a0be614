"""Numbers, rates, dates and periods as an official document writes them (babel, zh_CN).

One rounding rule for every number qdocgen writes: 四舍五入 (half away from zero) on the
figure as written, as Excel and WPS display a cell. A float is first read as the decimal
Excel shows, its 15 significant digits (1.005 is 1.005, not 1.00499999999999989…; 19.05/20
is 0.9525), and that decimal is rounded: 1.005 → 1.01, 0.125 → 0.13, 0.9525 → 95.3%,
-2.5 → -3. (babel and Python round half to even on the binary value: 1.005 → 1, 0.125 →
0.12, 0.9525 → 95.2%, so a Word report and the Excel sheet of one figure disagreed.)
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern

LOCALE = Locale.parse("zh_CN")
_DATE_PATTERN = "y年M月d日"
SIGNIFICANT = 15  # the digits Excel keeps and shows of a number


def as_written(value: float | int | Decimal) -> Decimal:
    """The decimal a figure reads as in Excel: 1.005 → Decimal('1.005'), 0.1 + 0.2 → 0.3."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(format(float(value), f".{SIGNIFICANT}g"))


def rounded(value: float | int | Decimal, places: int = 0) -> Decimal:
    """`value` rounded to `places` decimals by the rule above: rounded(0.125, 2) → 0.13."""
    return as_written(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=64)
def pattern(text: str) -> NumberPattern:
    return parse_pattern(text)


def apply(fmt: str, value: float | int | Decimal) -> str:
    """`value` written with the babel (CLDR) pattern `fmt`, rounded by the rule above."""
    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP
        return pattern(fmt).apply(as_written(value), LOCALE, decimal_quantization=True, group_separator=True)


@lru_cache(maxsize=4096)
def number(value: float | None, unit: str = "") -> str:
    """10000 → '10,000'; 12.5 → '12.5'; 1.005 → '1.01'; a rate with unit % → '95.0%'. None → ''."""
    if value is None:
        return ""
    if unit == "%":
        return apply("#,##0.0", value) + "%"
    return apply("#,##0.##", value)


@lru_cache(maxsize=4096)
def percent(ratio: float | None) -> str:
    """0.95 → '95.0%'; 0.9525 → '95.3%'. None → ''."""
    if ratio is None:
        return ""
    return apply("#,##0.0%", ratio)


def cn_date(value: date) -> str:
    """date(2019, 12, 31) → '2019年12月31日' (Arabic numerals, no leading zeros)."""
    return format_date(value, format=_DATE_PATTERN, locale=LOCALE)


def quantity(value: float | None, unit: str) -> str:
    """A figure with its unit: '12家', '95.0%', '10,000人次'."""
    if value is None:
        return ""
    if unit == "%":
        return number(value, unit)
    return number(value) + unit
