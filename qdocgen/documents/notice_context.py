"""What a 通报 template sees beyond the base context: counts, ranking, and the lists its
sentences are built from. Only data is prepared here; every word is in the templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qdocgen import fmt
from qdocgen.documents.context import base_context, result_context
from qdocgen.plan.model import Plan
from qdocgen.progress import ASSESSED, EXCEEDED, MET, MISSED, NOT_APPLICABLE, NOT_REPORTED, PENDING, Evaluation, Result

# name → description, for docs/templates.md (merged with context.VARIABLES by the lead).
NOTICE_VARIABLES: dict[str, str] = {
    "notice.subject": "工作名称（不含“工作”二字），如 工业产品质量提升；可在 qdocgen.toml 的 [notice] subject 改写",
    "notice.signer": "发文机关署名（计划的 office）",
    "notice.date": "成文日期，写作 2019年1月15日（--date，默认为时段截止日期）",
    "notice.printer / notice.print_date": "版记中的印发机关与印发日期",
    "redhead": "红头：mark（发文机关标志）、number（发文字号）；qdocgen.toml 未启用红头时为 none",
    "summary": "考核指标汇总：measures（指标项数）、assessed（考核项/项次）、met（完成，含超额）、exceeded、missed、not_reported、pending（目标待定项数）、rate_text（完成率）、none_reported（区通报：一项也未报送）",
    "city_summary": "全市性指标汇总（全市通报），字段同 summary",
    "ranking": "全市通报的排名，按名次分组：rank、names（区名列表）、tied（是否并列）、met、assessed、rate_text",
    "standing": "区通报中本区的名次：rank、count（区数）、tied_with（并列的区）、rate_text",
    "by_district": "全市通报中各区的情况：name、exceeded、met、missed、not_reported（指标列表）、none_reported（一项也未报送）",
    "exceeded / met / missed / not_reported": "区通报中本区超额完成、完成、未完成、未报送的指标列表",
    "city_exceeded / city_missed / city_not_reported": "全市通报中全市性指标的相应列表",
    "all_done": "全市通报中考核指标全部完成的区名列表",
    "any_exceeded / any_missed / any_not_reported": "全市通报中是否有超额完成、未完成、未报送的指标",
    "指标列表各项": "progress[] 的全部字段，另有 target_q、year_target_q、actual_q（带单位）、gap_q（差额，比率写作“个百分点”）、partial（目标是否按进度折算）、final_year（累计指标的目标年度）、target_cell（表格中的目标值）、place",
    "annex": "附件表格各行：row、measure、place（区或全市）、first（该指标的第一行）、target_cell、actual_q、ratio_text、status、note",
    "chart": "附件图表的数据，每项一根柱：label（区名或指标名）、ratio（完成率，1 = 100%）、missed（是否未完成）；全市通报为有完成率的各区（按计划中的顺序），区通报为本区有完成率的各项指标。图表的用法见第二节“图表”",
}


@dataclass(frozen=True)
class NoticeOptions:
    """What a notice needs besides the evaluation: dates, signer, red head."""

    subject: str
    date_text: str
    print_date_text: str
    signer: str
    redhead: dict | None = None


def subject_of(plan: Plan) -> str:
    """'工业产品质量提升' from '佛山市工业产品质量提升三年行动计划（2017—2019年）'."""
    title = re.sub(r"[（(].*?[)）]$", "", plan.title)
    title = title.removeprefix(plan.city)
    return re.sub(r"(三年|五年)?行动计划$|(工作)?(实施)?方案$|计划$", "", title) or title


def item(r: Result, place: str | None = None) -> dict:
    """A result as the notice's sentences and table use it."""
    ctx = result_context(r)
    unit = r.measure.unit
    milestone = r.measure.kind == "milestone"
    ctx["place"] = place or r.district or "全市"
    ctx["partial"] = r.target is not None and r.year_target is not None and abs(r.target - r.year_target) > 1e-9
    ctx["target_q"] = "完成" if milestone and r.target is not None else fmt.quantity(r.target, unit)
    ctx["year_target_q"] = fmt.quantity(r.year_target, unit)
    if milestone:
        ctx["actual_q"] = "" if r.actual is None else ("已完成" if r.actual >= 1 else "未完成")
    else:
        ctx["actual_q"] = fmt.quantity(r.actual, unit)
    ctx["gap_q"] = _gap(r.shortfall, unit)
    ctx["final_year"] = max(r.measure.targets) if r.measure.targets else r.period.year
    if not ctx["partial"]:
        ctx["target_cell"] = ctx["target_q"]
    elif r.measure.kind == "cumulative":
        ctx["target_cell"] = f"{ctx['target_q']}（{ctx['final_year']}年累计{ctx['year_target_q']}）"
    else:
        ctx["target_cell"] = f"{ctx['target_q']}（全年{ctx['year_target_q']}）"
    return ctx


def _gap(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "%":
        return fmt.number(value, "%").removesuffix("%") + "个百分点"
    return fmt.quantity(value, unit)


def _summary(results: list[Result]) -> dict:
    assessed = [r for r in results if r.status in ASSESSED]
    count = {s: sum(1 for r in assessed if r.status == s) for s in ASSESSED}
    met = count[EXCEEDED] + count[MET]
    return {
        "measures": len({r.measure.id for r in assessed}),
        "assessed": len(assessed),
        "met": met,
        "exceeded": count[EXCEEDED],
        "missed": count[MISSED],
        "not_reported": count[NOT_REPORTED],
        "pending": len({r.measure.id for r in results if r.status == PENDING}),
        "rate": met / len(assessed) if assessed else None,
        "rate_text": fmt.percent(met / len(assessed)) if assessed else "",
        "none_reported": bool(assessed) and count[NOT_REPORTED] == len(assessed),
    }


def _by_status(results: list[Result], status: str) -> list[dict]:
    return [item(r) for r in results if r.status == status]


def _ranking(ev: Evaluation) -> list[dict]:
    standings = ev.ranked
    per_rank = {s.rank: sum(1 for t in standings if t.rank == s.rank) for s in standings}
    groups: list[dict] = []
    for s in standings:
        key = (s.rank, s.met, s.assessed)
        if groups and groups[-1]["key"] == key:
            groups[-1]["names"].append(s.district)
            continue
        groups.append(
            {
                "key": key,
                "rank": s.rank,
                "names": [s.district],
                "tied": per_rank[s.rank] > 1,
                "met": s.met,
                "assessed": s.assessed,
                "rate_text": fmt.percent(s.rate),
            }
        )
    for g in groups:
        del g["key"]
    return groups


def _common(plan: Plan, ev: Evaluation, district: str | None, opts: NoticeOptions, chart) -> dict:
    ctx = base_context(plan, period=ev.period, district=district, evaluation=ev)
    ctx["notice"] = {
        "subject": opts.subject,
        "signer": opts.signer,
        "date": opts.date_text,
        "printer": opts.signer,
        "print_date": opts.print_date_text,
    }
    ctx["redhead"] = opts.redhead
    ctx["chart"] = chart
    return ctx


def city_context(plan: Plan, ev: Evaluation, opts: NoticeOptions, chart=None) -> dict:
    """The context of the 通报 to all districts."""
    ctx = _common(plan, ev, None, opts, chart)
    district_results = [r for r in ev.results if r.scope == "district"]
    ctx["summary"] = _summary(district_results)
    ctx["city_summary"] = _summary(ev.city)
    ctx["ranking"] = _ranking(ev)
    by_district = []
    for name in plan.district_names:
        mine = ev.for_district(name)
        by_district.append(
            {
                "name": name,
                "exceeded": _by_status(mine, EXCEEDED),
                "met": _by_status(mine, MET),
                "missed": _by_status(mine, MISSED),
                "not_reported": _by_status(mine, NOT_REPORTED),
                "none_reported": _summary(mine)["none_reported"],
            }
        )
    ctx["by_district"] = by_district
    ctx["city_exceeded"] = _by_status(ev.city, EXCEEDED)
    ctx["city_missed"] = _by_status(ev.city, MISSED)
    ctx["city_not_reported"] = _by_status(ev.city, NOT_REPORTED)
    ctx["all_done"] = [
        d["name"] for d in by_district if (d["exceeded"] or d["met"]) and not d["missed"] and not d["not_reported"]
    ]
    ctx["any_exceeded"] = bool(ctx["city_exceeded"] or any(d["exceeded"] for d in by_district))
    ctx["any_missed"] = bool(ctx["city_missed"] or any(d["missed"] for d in by_district))
    ctx["any_not_reported"] = bool(ctx["city_not_reported"] or any(d["not_reported"] for d in by_district))
    ctx["annex"] = city_annex(plan, ev)
    return ctx


def district_context(plan: Plan, ev: Evaluation, district: str, opts: NoticeOptions, chart=None) -> dict:
    """The context of the 通报 to one district about its own results."""
    ctx = _common(plan, ev, district, opts, chart)
    mine = ev.for_district(district)
    ctx["summary"] = _summary(mine)
    standing = ev.standing(district)
    ctx["standing"] = {
        "rank": standing.rank,
        "count": len(plan.districts),
        "tied_with": [s.district for s in ev.standings if s.rank == standing.rank and s.district != district],
        "rate_text": fmt.percent(standing.rate),
    }
    for key, status in (("exceeded", EXCEEDED), ("met", MET), ("missed", MISSED), ("not_reported", NOT_REPORTED)):
        ctx[key] = _by_status(mine, status)
    ctx["annex"] = [dict(item(r), first=True) for r in mine]
    return ctx


def city_annex(plan: Plan, ev: Evaluation) -> list[dict]:
    """Every measure: the city's figure, or each district's with the districts' total.

    A measure with no target in the period takes one 不适用 row rather than six.
    """
    rows = []
    for measure in plan.measures:
        results = [r for r in ev.results if r.measure is measure]
        shown = [r for r in results if r.status != NOT_APPLICABLE]
        if not shown:
            first = results[0]
            note = next((r.note for r in results if r.note), "")
            place = "全市" if measure.is_city else "各区"
            rows.append(dict(item(first, place), note=note, first=True))
            continue
        for i, r in enumerate(shown):
            place = "各区合计" if r.scope == "total" else None
            rows.append(dict(item(r, place), first=i == 0))
    return rows
