"""What a district reporting form (填报表) is: its rows, cells and recorded identity.

Shared by the two sides of a form's life: documents/forms.py builds the workbook from a
template, figures/collect.py reads a filled one back. Neither side needs the other.

A form lists the measures a district (or, on its own form, the city office) reports for a
period, with the period's target filled in and locked. The clerk fills in 完成值 and 说明 only.
The district, year, period and a digest of the targets shown are recorded in the workbook
three ways (a very hidden sheet `_meta`, defined names and custom document properties) so
that `qdocgen collect` can refuse a form filed as another district's or another period's,
and can tell a target revised in the plan since the form was issued from one edited on it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qdocgen.errors import TemplateError
from qdocgen.figures.period import PARTS, Period
from qdocgen.figures.targets import period_target, reference_target
from qdocgen.plan.model import CITY, Measure, Plan

TEMPLATE = "填报表.xlsx"
SHEET = "填报"
META_SHEET = "_meta"
HEADERS = ("序号", "指标", "单位", "目标值", "完成值", "说明")
KIND_OF_FORM = "填报表"
QUALITATIVE_TARGET = "定性任务"
PENDING_TARGET = "待定"
MILESTONE_UNIT = "1/0"
# Typed in 完成值 or 说明: withdraw the figure reported before (see docs/plan_data.md).
WITHDRAW = "撤回"
# Keys recorded in the workbook; the defined names and custom properties carry the same values.
META_KEYS = {
    "表格": "QDOCGEN_FORM",
    "区": "QDOCGEN_DISTRICT",
    "年度": "QDOCGEN_YEAR",
    "时段": "QDOCGEN_PERIOD",
    "目标摘要": "QDOCGEN_TARGETS",
}
# File names as forms() writes them: 南海区-2018年度-填报表.xlsx, 全市-2019年上半年-填报表.xlsx.
_WORDS_PART = {(Period(2000, p).words[4:]): p for p in PARTS}  # 年度, 年上半年, 年第一季度 …
FILE_NAME = re.compile(r"(?P<who>[^\s/\\-]+)-(?P<year>\d{4})(?P<part>" + "|".join(_WORDS_PART) + r")-填报表")


@dataclass(frozen=True)
class FormLine:
    """One data row of a form: a measure, its target for the period and what the cells show."""

    measure: Measure
    target: float | None  # the period target; None when pending or qualitative
    year_target: float | None
    reference: tuple[int, float | None] | None = None  # a later year's target, shown for reference

    @property
    def unit(self) -> str:
        """The 单位 cell: the plan's unit, 1/0 for a milestone, marked 累计 for a cumulative."""
        m = self.measure
        if m.kind == "milestone":
            return MILESTONE_UNIT
        if m.kind == "cumulative":
            return f"{m.unit}（累计）"
        return m.unit

    @property
    def shown_target(self) -> float | int | str:
        """The 目标值 cell: a number (rounded to 2 places), 待定 or 定性任务."""
        if self.measure.kind == "qualitative":
            return QUALITATIVE_TARGET
        if self.reference is not None:
            year, value = self.reference
            return f"{year}年目标{PENDING_TARGET if value is None else number_cell(value)}"
        if self.target is None:
            return PENDING_TARGET
        return number_cell(self.target)

    @property
    def takes_value(self) -> bool:
        """Whether 完成值 is filled in (not for a qualitative measure)."""
        return self.measure.kind != "qualitative"


def number_cell(value: float) -> float | int:
    """A figure as a form cell holds it: an int when whole, else rounded to 2 places."""
    value = round(float(value), 2)
    return int(value) if value.is_integer() else value


def who_of(district: str | None) -> str:
    return district or CITY


def form_file_name(district: str | None, period: Period) -> str:
    """南海区-2018年度-填报表.xlsx; the city office's own form is 全市-2018年度-填报表.xlsx."""
    return f"{who_of(district)}-{period.words}-{KIND_OF_FORM}.xlsx"


def parse_file_name(name: str) -> tuple[str, Period] | None:
    """(who, period) named by a form's file name, or None if it does not follow the pattern."""
    m = FILE_NAME.search(unicodedata.normalize("NFKC", Path(name).stem))
    if not m:
        return None
    return m.group("who"), Period(int(m.group("year")), _WORDS_PART[m.group("part")])


def form_lines(plan: Plan, period: Period, district: str | None) -> list[FormLine]:
    """The measures on the form of `district` (None: the city office) for `period`, in table order.

    A district's form holds the district measures that apply in the period; the city form
    holds the city-level measures that apply, and the qualitative tasks (reported in words).
    A stock measure with a target only in a later year is on the forms of the years before,
    its target shown for reference (“2023年目标12”): the figure is tracked every year.
    """
    lines = []
    for m in plan.measures:
        if m.is_city != (district is None):
            continue
        if m.kind == "qualitative":
            lines.append(FormLine(m, None, None))
            continue
        target, written, applies = period_target(m, period, district, plan)
        if applies:
            lines.append(FormLine(m, target, written))
        elif (reference := reference_target(m, period, district)) is not None:
            lines.append(FormLine(m, None, None, reference))
    return lines


def shown_text(value: object) -> str:
    """A cell's value as text, the way a form compares it: 35.0 → '35', None → ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def target_cells(rows: list[tuple]) -> str:
    """A digest of the 序号, 指标, 单位 and 目标值 cells of a form's rows, as stamped on issue."""
    text = "\n".join("|".join(shown_text(v) for v in row) for row in rows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def lines_digest(lines: list[FormLine]) -> str:
    return target_cells([(ln.measure.row, ln.measure.name, ln.unit, ln.shown_target) for ln in lines])


def meta_values(district: str | None, period: Period, lines: list[FormLine]) -> dict[str, str]:
    return {
        "表格": KIND_OF_FORM,
        "区": who_of(district),
        "年度": str(period.year),
        "时段": period.part,
        "目标摘要": lines_digest(lines),
    }


def find_header(ws, shown: str) -> tuple[int, dict[str, int]]:
    """The header row of a 填报 sheet and the column of each of the six headings."""
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60), max_col=min(ws.max_column, 60)):
        found = {}
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip() in HEADERS:
                found.setdefault(cell.value.strip(), cell.column)
        if len(found) == len(HEADERS):
            return row[0].row, found
    raise TemplateError(f"{shown} 工作表“{SHEET}”中找不到表头行（应有 {'、'.join(HEADERS)} 六列）")
