"""The Jinja environment every template renders in: sandboxed, strict, with qdocgen's filters.

Templates come from users and from other offices by e-mail, so they get no access to Python
internals, the file system or the OS (jinja2's immutable sandbox), and an undefined variable is
an error rather than an empty string.
"""

from __future__ import annotations

from datetime import date

from jinja2 import StrictUndefined, meta
from jinja2.exceptions import TemplateSyntaxError
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


class TemplateEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, remembering the sources it compiled so a build can tell which context
    variables a template uses (and so which data its document shows)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources: set[str] = set()

    def from_string(self, source, *args, **kwargs):
        self.sources.add(str(source))
        return super().from_string(source, *args, **kwargs)

    def compile_expression(self, source, *args, **kwargs):
        self.sources.add("{{ " + str(source) + " }}")
        return super().compile_expression(source, *args, **kwargs)

    def used_names(self) -> set[str]:
        """The top-level variables the compiled sources refer to."""
        names: set[str] = set()
        for source in self.sources:
            try:
                names |= meta.find_undeclared_variables(self.parse(source))
            except TemplateSyntaxError:
                continue
        return names


def make_env(*, autoescape: bool) -> TemplateEnvironment:
    """A fresh sandboxed environment; autoescape on for Word XML, off for Excel cell values."""
    env = TemplateEnvironment(
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
    )
    env.filters.update({name: func for name, (func, _) in FILTERS.items()})
    return env
