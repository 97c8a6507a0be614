"""The Jinja environment every template renders in: sandboxed, strict, with qdocgen's filters.

Templates come from users and from other offices by e-mail, so they get no access to Python
internals, the file system or the OS (jinja2's immutable sandbox), and an undefined variable is
an error rather than an empty string.
"""

from __future__ import annotations

from datetime import date

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from qdocgen import fmt


def _date(value: object) -> str:
    return fmt.cn_date(value) if isinstance(value, date) else ("" if value is None else str(value))


def _number(value: object, unit: str = "") -> str:
    if value is None or value == "":
        return ""
    return fmt.number(float(value), unit)


def _percent(value: object) -> str:
    return "" if value is None or value == "" else fmt.percent(float(value))


def _quantity(value: object, unit: str = "") -> str:
    return "" if value is None or value == "" else fmt.quantity(float(value), unit)


# Filters a template can use, with what they do (docs/templates.md lists them too).
FILTERS: dict[str, tuple[object, str]] = {
    "number": (_number, "数字加千分位：10000 → 10,000；number('%') 写作 95.0%"),
    "percent": (_percent, "比例写作百分数：0.95 → 95.0%"),
    "quantity": (_quantity, "数字带单位：quantity('家') → 12家"),
    "cn_date": (_date, "日期写作 2019年12月31日"),
}


def make_env(*, autoescape: bool) -> ImmutableSandboxedEnvironment:
    """A fresh sandboxed environment; autoescape on for Word XML, off for Excel cell values."""
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
    )
    env.filters.update({name: func for name, (func, _) in FILTERS.items()})
    return env
