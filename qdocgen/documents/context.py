"""The context every template sees: plain values, lists and mappings, documented for users.

Templates are the users' to edit, so what they can use is spelled out here and in
docs/templates.md (`qdocgen render --list-vars` prints it). Everything is built from the
plan, the figures and the evaluation; templates never see qdocgen's own objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from qdocgen import display, fmt
from qdocgen.documents.table_lines import table_lines
from qdocgen.figures.period import Period
from qdocgen.plan.model import DEFAULT_HEADINGS, OPTIONAL_COLUMNS, District, Plan
from qdocgen.plan.units import addressee_line, unit_word
from qdocgen.progress import DONE, Evaluation, Result
from qdocgen.render.spans import Span

SAMPLE_NOTE = "示例数据：本文件中的完成值为演示用的示例数据，并非实际报送数据。"

# name → description, in the order docs/templates.md lists them.
VARIABLES: dict[str, str] = {
    "plan.title": "计划名称，如 某市工业产品质量提升三年行动计划（2021—2023年）",
    "plan.table_title": "任务分解表标题",
    "plan.doc_number": "计划文号，如 某府办函〔2021〕12号",
    "plan.issuer": "计划印发机关",
    "plan.date": "计划成文日期（写作 2021年6月23日）",
    "plan.years": "计划年度列表，如 [2021, 2022, 2023]",
    "plan.first_year / plan.last_year": "计划起止年度",
    "plan.city": "城市名，如 某市",
    "plan.office": "发通报的机关",
    "plan.headings": "任务分解表各栏的表头，原表怎么写就怎么写（plan.yaml 的 meta.headings，导入时写入）：no、task、content、action、lead、support、deadline、remark、goals，如 plan.headings.task 为 重点任务；没写的取默认（任务名称、牵头单位、工作目标……）",
    "plan.year_headings": "各年度目标栏的表头，与 plan.years 一一对应：默认为年份（2024），原表写作“2024年目标”时照写（meta.headings.year: “{year}年目标”）",
    "plan.columns": "任务分解表有的可选栏目（原表有哪些就是哪些）：content（工作内容）、action（工作措施）、lead（牵头单位）、support（配合单位）、deadline（完成时限）、remark（备注）",
    "plan.has": "各栏目是否存在：plan.has.action 为 true/false（序号、任务名称、工作目标总为 true）；模板用它让原表没有的栏目不出现，如 {%hmerge 1 if plan.has.action else 0 %}",
    "districts": "各区（县、功能区）列表，每项有 name（东城区）、short（东城）、kind（区、县、县级市、功能区）、authority（主送机关，如 东城区人民政府、高新区管委会）、you（通报中的称呼：你区、你县、你市、你委）",
    "units.word": "各单位的统称，如 区；有县时为 区（县）",
    "units.addressees": "发给全部单位的主送机关，如 各区人民政府；各区、县人民政府，高新区、开发区管委会",
    "district": "本文件针对的区（name、short、kind、authority、you）；可选：全市文件中为 none，先判断再用（--district）",
    "year": "年度（整数）；可选：未指定时为 none，先判断再用（--year）",
    "period": "时段：key（如 2022-H1）、words（2022年上半年）、part（year/H1/Q1…）、elapsed（序时进度，0.5）、elapsed_text（序时进度写作 50%）、end（时段截止日期，写作 2022年6月30日）、is_year；可选：未指定年度时为 none（--year、--period）",
    "rows": "任务分解表各行，见下方 rows 各项",
    "rows[].no / task / content / action / lead / support / deadline / remark": "序号、任务名称、工作内容、工作措施、牵头单位、配合单位、完成时限、备注（原表没有的栏目为空）",
    "rows[].goals": "工作目标单元格列表：years（年度列表）、text、span（跨几列）、first_year",
    "rows[].year_goals": "按计划年度顺序的目标列表（第 i 项对应 plan.years[i]）：text（该年度的目标文字，跨年合并的单元格各年相同）、span（从该年度起的目标单元格向右跨几列；被左侧跨年目标覆盖时为 0，用于 {%hmerge %}）",
    "rows[].goal_<年度> / goal_span_<年度>": "同 year_goals，按年度取，如 r.goal_2022、r.goal_span_2022（模板宜用 year_goals，换了计划年度也能用）",
    "rows[].goal_all": "目标跨全部年度时的文字，否则为空",
    "rows[].task_first / task_span": "该行是否为任务名称合并区的首行、合并行数（同理 content_、lead_、support_、goals_ 前缀）",
    "rows[].measures": "该行的指标列表，每项同 progress[] 的字段",
    "progress": "完成情况列表（指定年度时）：row、measure_id（指标编号，如 1a）、measure、unit、kind、district、scope（district 按区考核的指标在一个区的结果，city 全市指标，total 按区考核的指标的各区合计）、target、year_target、actual、ratio、status、done（是否完成，含超额完成）、note、shortfall，以及写好格式的 target_text、year_target_text、actual_text、ratio_text、shortfall_text（按 docs/progress.md 第七节的显示规则，与状态一致）、ratio_shown（完成率按显示取舍后的数，Excel 单元格用）",
    "city_results": "全市指标的完成情况（同 progress[] 字段）",
    "totals": "按区考核指标的各区合计（同 progress[] 字段）",
    "standings": "各区排名：rank、district、assessed（考核项数）、met、exceeded、missed、not_reported、rate、rate_text（完成比例＝完成项数÷考核项数）",
    "lines": "任务分解表按指标展开的行（完成情况表用）：row（所在行，同 rows[]）、m（一项完成情况，同 progress[]，没有时为 none）、goal（该年度目标文字），以及 row_、task_、content_、lead_、support_、goals_、measure_ 前缀的 first（是否合并区首行）与 span（合并行数）",
    "sample": "完成值是否为示例数据（true/false）",
    "sample_note": "示例数据的提示文字；不是示例数据时为空",
}


# Values a rendering may not have, and what to add to give them. A template that needs one
# (prints it, computes with it, loops over it) is refused before rendering rather than
# printing "None" or an empty table; a template may test for them instead:
# {% if district %}{{ district.name }}{% else %}全市{% endif %}.
YEAR_LISTS = ("progress", "city_results", "totals", "standings")
UNSET_ADVICE = {
    "year": "用到了年度（year），但没有指定年度：请加 --year，如 --year 2022",
    "period": "用到了时段（period），但没有指定年度：请加 --year（半年、季度再加 --period，如 --year 2022 --period H1）",
    "district": (
        "用到了区（district），但没有指定区：请加 --district，如 --district 东城；"
        "全市的文件可写 {% if district %}{{ district.name }}{% else %}全市{% endif %}"
    ),
    **{name: f"用到了完成情况（{name}），但没有指定年度：请加 --year，如 --year 2022" for name in YEAR_LISTS},
}
# Testing one of these names in a template covers the others: {% if year %}{% for p in progress %}…
UNSET_GUARDS = {"year": (*YEAR_LISTS, "period"), "period": (*YEAR_LISTS, "year")}


def unset_values(context: dict) -> dict[str, str]:
    """The documented values `context` does not have (name → what option to add)."""
    unset = {}
    if context.get("year") is None:
        unset.update({name: UNSET_ADVICE[name] for name in ("year", "period", *YEAR_LISTS)})
    if context.get("district") is None:
        unset["district"] = UNSET_ADVICE["district"]
    return unset


def plan_context(plan: Plan) -> dict:
    return {
        "title": plan.title,
        "table_title": plan.table_title,
        "doc_number": plan.doc_number,
        "issuer": plan.issuer,
        "date": fmt.cn_date(plan.date),
        "years": list(plan.years),
        "first_year": plan.years[0],
        "last_year": plan.years[-1],
        "city": plan.city,
        "office": plan.office,
        "columns": list(plan.columns),
        "has": {key: plan.has(key) for key in ("no", "task", *OPTIONAL_COLUMNS, "goals")},
        "headings": {key: plan.heading(key) for key in DEFAULT_HEADINGS if key != "year"},
        "year_headings": [plan.year_heading(y) for y in plan.years],
    }


def unit_context(d: District) -> dict:
    return {"name": d.name, "short": d.short, "kind": d.kind, "authority": d.authority, "you": d.you}


def period_context(period: Period | None) -> dict | None:
    if period is None:
        return None
    return {
        "key": period.key,
        "words": period.words,
        "part": period.part,
        "elapsed": period.elapsed,
        "elapsed_text": display.whole_percent(period.elapsed),
        "end": fmt.cn_date(period.end),
        "is_year": period.is_year,
    }


class PerResult:
    """What is made of a result (and a key), once: a result never changes, and a build shows each
    one in several documents. Kept with the result itself, so another result later given its
    id is not taken for it; at most `limit` kept, then begun afresh."""

    def __init__(self, limit: int = 200_000):
        self.limit = limit
        self._kept: dict[tuple, tuple[Result, object]] = {}

    def get(self, r: Result, key, make: Callable[[], object]):
        kept = self._kept.get((id(r), key))
        if kept is None or kept[0] is not r:
            if len(self._kept) >= self.limit:
                self._kept.clear()
            kept = self._kept[(id(r), key)] = (r, make())
        return kept[1]


_RESULT_CONTEXTS = PerResult()


def result_context(r: Result) -> dict:
    """A result as templates see it (a new dict each time: callers add to it; made once per result)."""
    return dict(_RESULT_CONTEXTS.get(r, None, lambda: _result_context(r)))


def _result_context(r: Result) -> dict:
    unit = r.measure.unit
    shown = display.show(r)  # texts that agree with the status (docs/progress.md, 七)
    pct = "%" if unit == "%" else ""
    return {
        "row": r.measure.row,
        "measure_id": r.measure.id,
        "measure": r.measure.name,
        "unit": unit,
        "kind": r.measure.kind,
        "district": r.district,
        "scope": r.scope,
        "target": r.target,
        "year_target": r.year_target,
        "actual": r.actual,
        "ratio": r.ratio,
        "status": r.status,
        "done": r.status in DONE,
        "note": r.note,
        "shortfall": r.shortfall,
        "target_text": display.with_unit(shown.target, pct),
        "year_target_text": display.with_unit(shown.year_target, pct),
        "actual_text": display.with_unit(shown.actual, pct),
        "ratio_text": shown.ratio,
        "ratio_shown": shown.ratio_value,
        "shortfall_text": display.with_unit(shown.gap, "个百分点" if unit == "%" else unit),
    }


def rows_context(plan: Plan, evaluation: Evaluation | None = None, district: str | None = None) -> list[dict]:
    """The 44 rows with their merge spans and, when evaluated, their measures' progress."""
    by_row: dict[int, list[dict]] = {}
    if evaluation is not None:
        for r in evaluation.results:
            if r.scope == "total":
                continue
            if district is not None and r.district not in (district, None):
                continue
            by_row.setdefault(r.measure.row, []).append(result_context(r))
    out = []
    for no, head, tail in _plan_rows(plan):
        item = dict(head)
        item["goals"] = [{**g, "years": list(g["years"])} for g in head["goals"]]
        item["measures"] = by_row.get(no, [])
        item.update(tail)
        item["year_goals"] = [dict(g) for g in tail["year_goals"]]
        out.append(item)
    return out


_PLAN_ROWS: dict[int, tuple[tuple, list]] = {}  # id(plan) → (what the rows were made of, the rows)


def _plan_rows(plan: Plan) -> list[tuple[int, dict, dict]]:
    """Each row's fields that follow from the plan alone, before and after its measures (in the
    context's order): made once per plan, not for every document's context."""
    made_of = (plan.rows, plan.years, plan.areas, plan.merges)
    kept = _PLAN_ROWS.get(id(plan))
    if kept is not None and all(a is b for a, b in zip(kept[0], made_of, strict=True)):
        return kept[1]
    spans = {col: _span_index(plan.merge_spans(col), col) for col in ("task", "content", "lead", "support", "goals")}
    rows = []
    for row in plan.rows:
        head = {
            "no": row.no,
            "task": row.task,
            "content": row.content,
            "action": row.action,
            "lead": row.lead,
            "support": row.support,
            "deadline": row.deadline,
            "remark": row.remark,
            "goals": [
                {"years": list(c.years), "text": c.text, "span": len(c.years), "first_year": c.years[0]}
                for c in row.goals
            ],
            "goal_all": row.goals[0].text if len(row.goals) == 1 else "",
        }
        tail: dict = {"year_goals": []}
        for year in plan.years:
            cell = row.goal_for(year)
            text = cell.text if cell else ""
            span = (len(cell.years) if cell.years[0] == year else 0) if cell else 1
            tail[f"goal_{year}"], tail[f"goal_span_{year}"] = text, span
            tail["year_goals"].append({"text": text, "span": span})
        for col, index in spans.items():
            first, span = index[row.no]
            tail[f"{col}_first"] = first
            tail[f"{col}_span"] = span
        rows.append((row.no, head, tail))
    if len(_PLAN_ROWS) > 16:
        _PLAN_ROWS.clear()
    _PLAN_ROWS[id(plan)] = (made_of, rows)
    return rows


def _span_index(spans: list[tuple[int, int]], col: str) -> dict[int, tuple[bool, Span]]:
    index = {}
    for first, last in spans:
        size = last - first + 1
        for n in range(first, last + 1):
            index[n] = (n == first, Span(size if n == first else 0, (col, first), size))
    return index


_BASE_CONTEXTS: dict[tuple, tuple] = {}  # (plan, period, district, evaluation) → the context made of them
_BASE_LIMIT = 64


def base_context(
    plan: Plan,
    *,
    period: Period | None = None,
    district: str | None = None,
    evaluation: Evaluation | None = None,
) -> dict:
    """The documented context for a template, for the whole city or one district (a new dict
    each time: callers add to it; its values are made once for the same plan, period, district
    and evaluation — a build's completion table and notice of a district show the same)."""
    key = (id(plan), period, district, id(evaluation))
    kept = _BASE_CONTEXTS.get(key)
    if kept is None or kept[0] is not plan or kept[1] is not evaluation:
        if len(_BASE_CONTEXTS) >= _BASE_LIMIT:  # the oldest goes (a build makes one district's documents after another)
            del _BASE_CONTEXTS[next(iter(_BASE_CONTEXTS))]
        kept = _BASE_CONTEXTS[key] = (plan, evaluation, _base_context(plan, period, district, evaluation))
    return dict(kept[2])


def _base_context(plan: Plan, period: Period | None, district: str | None, evaluation: Evaluation | None) -> dict:
    d = plan.district(district) if district else None
    ctx = {
        "plan": plan_context(plan),
        "districts": [unit_context(x) for x in plan.districts],
        "district": unit_context(d) if d else None,
        "units": {"word": unit_word(plan.districts), "addressees": addressee_line(plan.districts)},
        "year": period.year if period else None,
        "period": period_context(period),
        "rows": rows_context(plan, evaluation, d.name if d else None),
        "lines": [],
        "progress": [],
        "city_results": [],
        "totals": [],
        "standings": [],
        "sample": False,
        "sample_note": "",
    }
    ctx["lines"] = table_lines(ctx["rows"], ctx["year"], d.name if d else None)
    if evaluation is not None:
        results = [r for r in evaluation.results if r.scope != "total"]
        if d is not None:
            results = [r for r in results if r.district == d.name]
        ctx["progress"] = [result_context(r) for r in results]
        ctx["city_results"] = [result_context(r) for r in evaluation.city]
        ctx["totals"] = [result_context(r) for r in evaluation.totals]
        ctx["standings"] = [
            {
                "rank": s.rank,
                "district": s.district,
                "assessed": s.assessed,
                "met": s.met,
                "exceeded": s.exceeded,
                "missed": s.missed,
                "not_reported": s.not_reported,
                "rate": s.rate,
                "rate_text": display.share(s.met, s.assessed),
            }
            for s in evaluation.ranked
        ]
        ctx["sample"] = evaluation.sample
        ctx["sample_note"] = SAMPLE_NOTE if evaluation.sample else ""
    return ctx


def context_json(context: dict) -> str:
    """The context as JSON (`qdocgen context`): the names and values a template sees; a
    date as templates print it with cn_date, anything else that is not plain data as text."""

    def plain(value):
        if isinstance(value, date):
            return fmt.cn_date(value)
        if isinstance(value, Decimal):
            return float(value)
        return str(value)

    return json.dumps(context, ensure_ascii=False, indent=2, default=plain)
