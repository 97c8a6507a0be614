"""Numbers, rates, dates and periods as an official document writes them (babel, zh_CN)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALE = Locale.parse("zh_CN")
_DATE_PATTERN = "y年M月d日"


@lru_cache(maxsize=4096)
def number(value: float | None, unit: str = "") -> str:
    """10000 → '10,000'; 12.5 → '12.5'; a rate with unit % → '95.0%'. None → ''."""
    if value is None:
        return ""
    if unit == "%":
        return format_decimal(value, format="#,##0.0", locale=LOCALE) + "%"
    if float(value).is_integer():
        return format_decimal(int(value), format="#,##0", locale=LOCALE)
    return format_decimal(value, format="#,##0.##", locale=LOCALE)


@lru_cache(maxsize=4096)
def percent(ratio: float | None) -> str:
    """0.95 → '95.0%'. None → ''."""
    if ratio is None:
        return ""
    return format_percent(ratio, format="#,##0.0%", locale=LOCALE)


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
