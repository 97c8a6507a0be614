"""Load plan_data/plan.yaml into a Plan, reporting every problem with its line."""

from __future__ import annotations

import difflib
import math
import re
from datetime import date
from pathlib import Path

from qdocgen.errors import DataError, Problem
from qdocgen.plan.model import (
    CITY,
    DEFAULT_HEADINGS,
    KINDS,
    MERGEABLE_COLUMNS,
    OPTIONAL_COLUMNS,
    District,
    GoalCell,
    Measure,
    Merge,
    Plan,
    ReviewMark,
    Row,
    year_problem,
)
from qdocgen.plan.relations import load_relations, relation_reviews
from qdocgen.plan.units import DEFAULT_KIND, kind_problem, unit_word
from qdocgen.plan.yaml_lines import Keeper, LineDict, line_of, load_yaml
from qdocgen.safe_names import name_problem

PLAN_FILE = "plan.yaml"
DOC_NUMBER = re.compile(r"^\S+〔(19|20)\d{2}〕[1-9]\d*号$")
MEASURE_ID = re.compile(r"^[1-9]\d*[a-z]?$")
ROW_FIELDS = ("no", *OPTIONAL_COLUMNS, "goals")
# The keys each mapping of plan.yaml may hold; any other is a typo (`knid: annual`) and refused.
TOP_KEYS = ("meta", "districts", "areas", "rows", "merges", "measures", "relations")
META_KEYS = (
    "title",
    "table_title",
    "doc_number",
    "issuer",
    "date",
    "years",
    "city",
    "office",
    "headings",
    "review",
)
DISTRICT_KEYS = ("name", "short", "kind", "authority", "you")
AREA_KEYS = ("name", "rows")
ROW_KEYS = (*ROW_FIELDS, "mends")
GOAL_KEYS = ("years", "text")
MERGE_KEYS = ("column", "rows")
MEASURE_KEYS = ("id", "row", "name", "unit", "kind", "scope", "targets", "note", "review", "proportion")


class _Checker:
    """Collects problems while walking the YAML, so that all are reported at once."""

    def __init__(self, shown: str):
        self.shown = shown
        self.problems: list[Problem] = []

    def add(self, container: object, key: object, message: str) -> None:
        self.problems.append(Problem(self.shown, line_of(container, key), message))

    def mapping(self, container: object, key: object, what: str) -> LineDict | None:
        value = container.get(key) if isinstance(container, dict) else None
        if not isinstance(value, dict):
            self.add(container, key, f"{what}缺失或不是映射")
            return None
        return value

    def keys(self, container: object, known: tuple[str, ...], where: str) -> None:
        """Refuse a key `known` does not hold, naming the closest known one (a typo)."""
        if not isinstance(container, dict):
            return
        for key in container:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
            hint = f"，是否应为“{close[0]}”？" if close else f"；可用的有：{'、'.join(known)}"
            self.add(container, key, f"{where}：未知的项“{key}”{hint}")

    def text(self, container: dict, key: str, what: str, required: bool = True) -> str:
        value = container.get(key)
        if value is None or (isinstance(value, str) and not value.strip() and required):
            if required:
                self.add(container, key, f"缺少必填项“{key}”（{what}）")
            return ""
        if not isinstance(value, str):
            self.add(container, key, f"“{key}”（{what}）应为文字，实为 {value!r}")
            return ""
        return value

    def integer(self, container: dict, key: str, what: str) -> int | None:
        value = container.get(key)
        if value is None:
            self.add(container, key, f"缺少必填项“{key}”（{what}）")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(container, key, f"“{key}”（{what}）应为整数，实为 {value!r}")
            return None
        return value


def load_plan(data_dir: Path, kept: Keeper | None = None) -> Plan:
    """Read and validate the plan; raise DataError listing every problem found. `kept`: where
    its parsed YAML may be kept between runs (yaml_lines.load_yaml)."""
    path = Path(data_dir) / PLAN_FILE
    shown = str(path)
    raw = load_yaml(path, shown, kept)
    check = _Checker(shown)
    if not isinstance(raw, dict):
        raise DataError("", [Problem(shown, 1, "计划文件应为 YAML 映射（meta、districts、rows…）")])

    check.keys(raw, TOP_KEYS, "计划文件")
    meta = check.mapping(raw, "meta", "meta（计划基本信息）") or LineDict()
    check.keys(meta, META_KEYS, "meta（计划基本信息）")
    years = _years(check, meta)
    districts = _districts(check, raw)
    areas = _areas(check, raw)
    rows = _rows(check, raw, areas, years)
    merges = _merges(check, raw, rows)
    measures = _measures(check, raw, rows, districts, years)

    title = check.text(meta, "title", "计划名称")
    doc_number = check.text(meta, "doc_number", "文号")
    if doc_number and not DOC_NUMBER.match(doc_number):
        check.add(meta, "doc_number", f"文号“{doc_number}”格式不对，应如“某府办函〔2021〕12号”")
    issued = meta.get("date")
    if not isinstance(issued, date):
        check.add(meta, "date", f"成文日期应写作 2021-06-23，实为 {issued!r}")
        issued = date(1970, 1, 1)
    plan = Plan(
        title=title,
        table_title=check.text(meta, "table_title", "任务分解表标题"),
        doc_number=doc_number,
        issuer=check.text(meta, "issuer", "印发机关"),
        date=issued,
        years=tuple(years),
        city=check.text(meta, "city", "城市名"),
        office=check.text(meta, "office", "通报署名机关"),
        districts=tuple(districts),
        areas=tuple(areas),
        rows=tuple(rows),
        merges=tuple(merges),
        measures=tuple(measures),
        source=shown,
        reviews=(*_reviews(check, meta, raw.get("measures")), *relation_reviews(raw)),
        columns=_columns(raw),
        relations=tuple(load_relations(check, raw, measures)),  # plan/relations.py
        headings=_headings(check, meta),
    )
    if check.problems:
        raise DataError("", check.problems)
    return plan


def _years(check: _Checker, meta: dict) -> list[int]:
    years = meta.get("years")
    if (
        not isinstance(years, list)
        or not years
        or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
        or list(years) != list(range(years[0], years[0] + len(years)))
    ):
        check.add(meta, "years", f"计划年度应为连续年份的列表，如 [2021, 2022, 2023]，实为 {years!r}")
        return []
    return list(years)


def _districts(check: _Checker, raw: dict) -> list[District]:
    items = raw.get("districts")
    if not isinstance(items, list) or not items:
        check.add(raw, "districts", "districts（各区）缺失或为空；各指标的区目标在改正后再检查")
        return []
    out: list[District] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            check.add(items, i, "每个区应写作 {name: 东城区, short: 东城}")
            continue
        check.keys(item, DISTRICT_KEYS, f"第 {i + 1} 个区")
        name, short = check.text(item, "name", "区名"), check.text(item, "short", "简称")
        if name and any(name in (d.name, d.short) or short in (d.name, d.short) for d in out):
            check.add(items, i, f"区“{name}”重复")
        if CITY in (name, short):
            check.add(items, i, "“全市”是保留字，不能作区名")
        for value in (name, short):
            problem = name_problem(value) if value else None
            if problem:
                check.add(items, i, f"区名“{value}”{problem}（区名会用在文件名中）")
        kind = item.get("kind", DEFAULT_KIND)
        problem = kind_problem(kind)
        if problem:
            check.add(item, "kind", f"第 {i + 1} 个区“{name}”的{problem}")
            kind = DEFAULT_KIND
        authority = check.text(item, "authority", "主送机关", required=False)
        you = check.text(item, "you", "通报中的称呼", required=False)
        if name:
            out.append(District(name, short or name, kind, authority or "", you or ""))
    return out


def _areas(check: _Checker, raw: dict) -> list[tuple[str, int, int]]:
    items = raw.get("areas")
    if not isinstance(items, list) or not items:
        check.add(raw, "areas", "areas（任务名称）缺失或为空")
        return []
    out: list[tuple[str, int, int]] = []
    expected = 1
    for i, item in enumerate(items):
        span = item.get("rows") if isinstance(item, dict) else None
        name = check.text(item, "name", "任务名称") if isinstance(item, dict) else ""
        check.keys(item, AREA_KEYS, f"areas 第 {i + 1} 项")
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) for n in span)):
            check.add(items, i, "每个任务名称应写作 {name: …, rows: [起始序号, 终止序号]}")
            continue
        first, last = span
        if first != expected or last < first:
            check.add(items, i, f"任务名称“{name}”的序号范围 {first}–{last} 应从 {expected} 开始且不倒序")
        out.append((name, first, last))
        expected = last + 1
    return out


def _rows(check: _Checker, raw: dict, areas: list, years: list[int]) -> list[Row]:
    items = raw.get("rows")
    if not isinstance(items, list) or not items:
        check.add(raw, "rows", "rows（任务分解表各行）缺失或为空")
        return []
    out: list[Row] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            check.add(items, i, "每一行应为映射（no、content、action…）")
            continue
        no = check.integer(item, "no", "序号")
        if no is not None and no != len(out) + 1:
            check.add(item, "no", f"序号应为 {len(out) + 1}，实为 {no}（各行按序号连续排列）")
        check.keys(item, ROW_KEYS, f"rows 第 {i + 1} 行")
        task = next((name for name, first, last in areas if first <= len(out) + 1 <= last), "")
        goals = _goals(check, item, years)
        mends = item.get("mends") or []
        out.append(
            Row(
                no=len(out) + 1,
                task=task,
                goals=tuple(goals),
                mends=tuple(str(m) for m in mends) if isinstance(mends, list) else (str(mends),),
                **{key: check.text(item, key, word, required=False) for key, word in OPTIONAL_COLUMNS.items()},
            )
        )
    present = _columns(raw)
    for i, item in enumerate(items):  # a column the table has is written in every row
        if isinstance(item, dict):
            for key in present:
                if key not in item:
                    check.add(
                        items,
                        i,
                        f"缺少必填项“{key}”（{OPTIONAL_COLUMNS[key]}）：其他行有这一栏，每行都应写出"
                        '（原表空白的写 ""；原表没有这一栏的，各行都删去它）',
                    )
    if areas and areas[-1][2] != len(out):
        check.add(raw, "areas", f"任务名称覆盖到第 {areas[-1][2]} 行，而表中共 {len(out)} 行")
    return out


def _headings(check: _Checker, meta: dict) -> dict[str, str]:
    """meta.headings: the published table's headings (重点任务, 责任单位, “{year}年目标”)."""
    raw = meta.get("headings")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.add(meta, "headings", "headings（表头）应为“栏目: 表头文字”的映射，如 task: 重点任务")
        return {}
    out = {}
    for key, text in raw.items():
        if key not in DEFAULT_HEADINGS:
            known = "、".join(DEFAULT_HEADINGS)
            check.add(raw, key, f"headings 中的“{key}”不是栏目名（可用：{known}）")
        elif not isinstance(text, str) or not text.strip():
            check.add(raw, key, f"headings 中“{key}”的表头文字应为非空文字")
        elif key == "year" and "{year}" not in text:
            check.add(raw, key, "headings.year 应含 {year}（各年度处换成年份），如 “{year}年目标”")
        else:
            out[key] = text.strip()
    return out


def _columns(raw: dict) -> tuple[str, ...]:
    """The optional columns some row writes: the columns of the plan's table."""
    rows = raw.get("rows") if isinstance(raw.get("rows"), list) else []
    return tuple(key for key in OPTIONAL_COLUMNS if any(isinstance(r, dict) and key in r for r in rows))


def _goals(check: _Checker, item: dict, years: list[int]) -> list[GoalCell]:
    cells = item.get("goals")
    if not isinstance(cells, list) or not cells:
        check.add(item, "goals", "工作目标（goals）缺失或为空")
        return []
    out: list[GoalCell] = []
    covered: list[int] = []
    for j, cell in enumerate(cells):
        check.keys(cell, GOAL_KEYS, "工作目标单元格")
        cell_years = cell.get("years") if isinstance(cell, dict) else None
        if not isinstance(cell_years, list) or not all(isinstance(y, int) for y in cell_years):
            check.add(cells, j, "每个目标单元格应写作 {years: [2021, 2022, 2023], text: …}")
            continue
        for y in cell_years:
            if years and y not in years:
                check.add(cell, "years", year_problem(years, y))
        covered.extend(cell_years)
        out.append(GoalCell(tuple(cell_years), check.text(cell, "text", "目标文字", required=False)))
    if years and sorted(covered) != years:
        check.add(item, "goals", f"目标单元格应恰好覆盖每个计划年度一次，实为 {sorted(covered)}")
    return out


def _merges(check: _Checker, raw: dict, rows: list[Row]) -> list[Merge]:
    items = raw.get("merges") or []
    if not isinstance(items, list):
        check.add(raw, "merges", "merges 应为列表")
        return []
    out: list[Merge] = []
    for i, item in enumerate(items):
        column = item.get("column") if isinstance(item, dict) else None
        span = item.get("rows") if isinstance(item, dict) else None
        check.keys(item, MERGE_KEYS, f"merges 第 {i + 1} 项")
        if column not in MERGEABLE_COLUMNS:
            check.add(items, i, f"合并的栏目应为 {'、'.join(MERGEABLE_COLUMNS)} 之一，实为 {column!r}")
            continue
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) for n in span)):
            check.add(items, i, "合并范围应写作 rows: [起始序号, 终止序号]")
            continue
        first, last = span
        if not (1 <= first < last <= len(rows)):
            check.add(items, i, f"合并范围 {first}–{last} 不在 1–{len(rows)} 内或不足两行")
            continue
        if any(m.column == column and m.first <= last and first <= m.last for m in out):
            check.add(items, i, f"栏目 {column} 的合并范围 {first}–{last} 与另一合并重叠")
        texts = {_column_text(rows[n - 1], column) for n in range(first, last + 1)}
        if len(texts) > 1:
            check.add(items, i, f"第 {first}–{last} 行合并了栏目 {column}，但各行文字不一致")
        out.append(Merge(column, first, last))
    return out


def _column_text(row: Row, column: str) -> object:
    if column == "goals":
        return row.goals
    return getattr(row, column)


def _measures(
    check: _Checker, raw: dict, rows: list[Row], districts: list[District], years: list[int]
) -> list[Measure]:
    items = raw.get("measures")
    if not isinstance(items, list):
        check.add(raw, "measures", "measures（指标）缺失或不是列表")
        return []
    out: list[Measure] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            check.add(items, i, "每个指标应为映射（id、row、name、unit、kind、scope、targets）")
            continue
        mid = str(item.get("id", "")).strip()
        check.keys(item, MEASURE_KEYS, f"指标 {mid or i + 1}")
        if not MEASURE_ID.match(mid):
            check.add(item, "id", f"指标编号应为序号或序号加字母（如 8a），实为 {item.get('id')!r}")
        elif any(m.id == mid for m in out):
            check.add(item, "id", f"指标编号 {mid} 重复")
        row = check.integer(item, "row", "序号")
        if row is not None and not 1 <= row <= len(rows):
            check.add(item, "row", f"序号 {row} 不在任务分解表 1–{len(rows)} 内")
        name = check.text(item, "name", "指标名称")
        if row is not None and any(m.row == row and m.name == name for m in out):
            check.add(item, "name", f"序号 {row} 下指标“{name}”重复")
        unit = check.text(item, "unit", "单位", required=item.get("kind") not in ("qualitative", "milestone"))
        kind = item.get("kind")
        if kind is None:
            check.add(item, "kind", f"缺少必填项“kind”（指标类型，{'、'.join(KINDS)} 之一）")
        elif kind not in KINDS:
            check.add(item, "kind", f"指标类型应为 {'、'.join(KINDS)} 之一，实为 {kind!r}")
        scope = item.get("scope")
        if scope is None:
            check.add(item, "scope", "缺少必填项“scope”（district 按区 或 city 全市）")
        elif scope not in ("district", "city"):
            check.add(item, "scope", f"scope 应为 district（按区）或 city（全市），实为 {scope!r}")
        proportion = item.get("proportion", False)
        if not isinstance(proportion, bool):
            check.add(item, "proportion", f"proportion 应为 true 或 false，实为 {proportion!r}")
            proportion = False
        elif proportion and unit != "%":
            check.add(item, "proportion", f"proportion（占比，不超过 100%）只用于单位为 % 的指标，此指标单位为“{unit}”")
            proportion = False
        targets = _targets(check, item, scope, unit if proportion else "", districts, years)
        out.append(
            Measure(
                id=mid,
                row=row or 0,
                name=name,
                unit=unit,
                kind=str(kind),
                scope=str(scope),
                targets=targets,
                note=str(item.get("note") or ""),
                proportion=proportion,
                review=check.text(item, "review", "待核说明", required=False),
            )
        )
    return out


def _reviews(check: _Checker, meta: dict, measures: object) -> list[ReviewMark]:
    """The `review` (待核) marks of meta and of each measure, with their lines."""
    marks = []
    if meta.get("review"):
        marks.append(ReviewMark(line_of(meta, "review"), "计划信息（meta）", check.text(meta, "review", "待核说明")))
    for item in measures if isinstance(measures, list) else []:
        if isinstance(item, dict) and item.get("review"):
            what = f"第 {item.get('row')} 行指标 {item.get('id')}“{item.get('name')}”"
            marks.append(ReviewMark(line_of(item, "review"), what, check.text(item, "review", "待核说明")))
    return marks


def _targets(check, item, scope, unit, districts, years) -> dict[int, object]:
    raw = item.get("targets")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        check.add(item, "targets", "targets 应为 年度 → 目标值 的映射")
        return {}
    names = {d.name for d in districts}
    out: dict[int, object] = {}
    for year, value in raw.items():
        if not isinstance(year, int) or (years and year not in years):
            check.add(raw, year, year_problem(years, repr(year) if not isinstance(year, int) else year))
            continue
        if scope == "district":
            if not isinstance(value, dict):
                check.add(raw, year, "按区考核的指标，每年的目标应为 {东城区: 数值, …}")
                continue
            per: dict[str, float | None] = {}
            for district, v in value.items():
                full = next((d.name for d in districts if district in (d.name, d.short)), None)
                if full is None and not districts:  # the list itself is broken: reported once, above
                    continue
                if full is None:
                    check.add(
                        value,
                        district,
                        f"未知的{unit_word(districts)}“{district}”，应为 {'、'.join(sorted(names))} 之一",
                    )
                    continue
                per[full] = _target_value(check, value, district, v, unit)
            out[year] = per
        else:
            if isinstance(value, dict):
                check.add(raw, year, "全市指标每年的目标应为一个数（或 null 表示待定）")
                continue
            out[year] = _target_value(check, raw, year, value, unit)
    return out


def _target_value(check, container, key, value, unit) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        check.add(container, key, f"目标值应为数字（或 null 表示待定），实为 {value!r}")
        return None
    if value < 0:
        check.add(container, key, f"目标值不能为负数：{value}")
    if unit == "%" and value > 100:  # only a proportion (unit passed as %) is capped
        check.add(container, key, f"占比目标不能超过 100：{value}")
    return value
