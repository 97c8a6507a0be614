"""What a 通报 template sees beyond the base context: counts, ranking, and the lists its
sentences are built from. Only data is prepared here; every word is in the templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qdocgen import display
from qdocgen.documents.context import base_context, result_context
from qdocgen.documents.reporting import reporting_context
from qdocgen.plan.model import Plan
from qdocgen.progress import ASSESSED, EXCEEDED, MET, MISSED, NOT_APPLICABLE, NOT_REPORTED, PENDING, Evaluation, Result

# name → description, for docs/templates.md (merged with context.VARIABLES by the lead).
NOTICE_VARIABLES: dict[str, str] = {
    "notice.subject": "工作名称（不含“工作”二字），如 工业产品质量提升；可在 qdocgen.toml 的 [notice] subject 改写",
    "notice.signer": "发文机关署名（计划的 office）",
    "notice.date": "成文日期，写作 2019年1月15日（--date 或 qdocgen.toml 的 [notice] date；都没有时为时段截止日期）",
    "notice.printer / notice.print_date": "版记中的印发机关与印发日期",
    "redhead": "红头：mark（发文机关标志）、number（发文字号）；qdocgen.toml 未启用红头时为 none",
    "summary": "考核指标汇总：measures（指标项数）、assessed（考核项/项次）、met（完成，含超额）、exceeded、met_only（恰好完成）、missed、not_reported、reported（已报送）、pending（目标待定项数）、rate_text（完成比例＝完成项数÷考核项数）、none_reported（考核项一项也未报送）、all_met（考核项全部完成）",
    "city_summary": "全市性指标汇总（全市通报），字段同 summary",
    "ranking": "全市通报的排名（没有考核指标的区不排名），按名次分组：rank、names（区名列表）、tied（是否并列）、met、assessed、rate_text（完成比例）、none_reported（该组的区一项也未报送）",
    "unranked": "全市通报中本时段没有考核指标、不参与排名的区名列表",
    "standing": "区通报中本区的名次：rank、count（区数）、tied_with（并列的区）、rate_text（完成比例）、ranked（本区有考核指标、参与排名）",
    "by_district": "全市通报中各区的情况：name、exceeded、met、missed、not_reported（指标列表）、assessed（考核项数）、none_reported（一项也未报送）、all_met（全部完成）",
    "exceeded / met / missed / not_reported": "区通报中本区超额完成、完成、未完成、未报送的指标列表",
    "city_exceeded / city_missed / city_not_reported": "全市通报中全市性指标的相应列表",
    "all_done / silent": "全市通报中考核指标全部完成的区名列表 / 一项也未报送的区名列表",
    "any_exceeded / any_missed / any_not_reported / any_done": "全市通报中是否有超额完成、未完成、未报送、完成（含超额）的指标",
    "no_assessed / nothing_reported / all_met": "本通报（区通报：本区；全市通报：各区和全市性指标）没有任何考核指标 / 考核指标一项也未报送 / 考核指标全部完成",
    "report_gaps": "存在问题中是否要单独列出未报送的指标（有未报送、但并非一项也未报送时为 true）",
    "sections": "“一、总体情况”之后各部分的序号：results（主要成效，没有完成的指标时为 none）、problems（存在问题，没有未完成的指标、也没有需要单独列出的未报送指标时为 none）、next（下一步工作要求），如 二、三、四；有部分略去时序号依次前移",
    "指标列表各项": "progress[] 的全部字段，另有 target_q、year_target_q、actual_q（带单位）、gap_q（差额，比率写作“个百分点”）、partial（目标是否按进度折算）、final_year（累计指标的目标年度）、target_cell（表格中的目标值）、place；数字按 docs/progress.md 第七节的显示规则写出，与状态一致",
    "annex": "附件表格各行：row、measure、place（区或全市）、first（该指标的第一行）、target_cell、actual_q、ratio_text、status、note",
    "chart": "附件图表的数据，每项一根柱：label（区名或指标名）、ratio（全市通报为各区的完成比例，区通报为各项指标的完成率，1 = 100%，按显示规则取舍：未完成的不会是 100%）、missed（是否未完成）；全市通报为有完成比例的各区（按计划中的顺序），区通报为本区有完成率的各项指标。图表的用法见第二节“图表”",
    "reporting": "全市通报：尚有指标未报送的区（及全市性指标），各项 name、label（区名或“全市性指标”）、expected（应报项数）、reported（已报）、missing（未报）、rate_text（指标报送率）；全部报齐时为空列表",
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
    """A result as the notice's sentences and table use it; every figure's text follows the
    display rule (qdocgen/display.py), so a missed item never reads as if it were met."""
    ctx = result_context(r)
    unit = r.measure.unit
    milestone = r.measure.kind == "milestone"
    shown = display.show(r)
    ctx["place"] = place or r.district or "全市"
    ctx["partial"] = r.target is not None and r.year_target is not None and abs(r.target - r.year_target) > 1e-9
    ctx["target_q"] = "完成" if milestone and r.target is not None else display.with_unit(shown.target, unit)
    ctx["year_target_q"] = display.with_unit(shown.year_target, unit)
    if milestone:
        ctx["actual_q"] = "" if r.actual is None else ("已完成" if r.actual >= 1 else "未完成")
    else:
        ctx["actual_q"] = display.with_unit(shown.actual, unit)
    ctx["gap_q"] = display.with_unit(shown.gap, "个百分点" if unit == "%" else unit)
    ctx["final_year"] = max(r.measure.targets) if r.measure.targets else r.period.year
    if not ctx["partial"]:
        ctx["target_cell"] = ctx["target_q"]
    elif r.measure.kind == "cumulative":
        ctx["target_cell"] = f"{ctx['target_q']}（{ctx['final_year']}年累计{ctx['year_target_q']}）"
    else:
        ctx["target_cell"] = f"{ctx['target_q']}（全年{ctx['year_target_q']}）"
    return ctx


def _summary(results: list[Result]) -> dict:
    assessed = [r for r in results if r.status in ASSESSED]
    count = {s: sum(1 for r in assessed if r.status == s) for s in ASSESSED}
    met = count[EXCEEDED] + count[MET]
    return {
        "measures": len({r.measure.id for r in assessed}),
        "assessed": len(assessed),
        "met": met,
        "exceeded": count[EXCEEDED],
        "met_only": count[MET],
        "missed": count[MISSED],
        "not_reported": count[NOT_REPORTED],
        "reported": len(assessed) - count[NOT_REPORTED],
        "pending": len({r.measure.id for r in results if r.status == PENDING}),
        "rate": met / len(assessed) if assessed else None,
        "rate_text": display.share(met, len(assessed)),
        "none_reported": bool(assessed) and count[NOT_REPORTED] == len(assessed),
        "all_met": bool(assessed) and met == len(assessed),
    }


def _sections(results: bool, problems: bool) -> dict:
    """The numbers of the headings after 一、总体情况, skipping the sections left out."""
    numerals = iter(("二", "三", "四"))
    return {
        "results": next(numerals) if results else None,
        "problems": next(numerals) if problems else None,
        "next": next(numerals),
    }


def _by_status(results: list[Result], status: str) -> list[dict]:
    return [item(r) for r in results if r.status == status]


def _ranking(ev: Evaluation) -> list[dict]:
    # A district with nothing assessed is not ranked (the template names it apart: `unranked`).
    standings = [s for s in ev.ranked if s.assessed]
    per_rank = {s.rank: sum(1 for t in standings if t.rank == s.rank) for s in standings}
    groups: list[dict] = []
    for s in standings:
        none_reported = s.not_reported == s.assessed
        key = (s.rank, s.met, s.assessed, none_reported)
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
                "rate_text": display.share(s.met, s.assessed),
                "none_reported": none_reported,
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
    ctx["unranked"] = [s.district for s in ev.standings if not s.assessed]
    by_district = []
    for name in plan.district_names:
        mine = ev.for_district(name)
        own = _summary(mine)
        by_district.append(
            {
                "name": name,
                "exceeded": _by_status(mine, EXCEEDED),
                "met": _by_status(mine, MET),
                "missed": _by_status(mine, MISSED),
                "not_reported": _by_status(mine, NOT_REPORTED),
                "assessed": own["assessed"],
                "none_reported": own["none_reported"],
                "all_met": own["all_met"],
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
    ctx["any_done"] = bool(ctx["summary"]["met"] or ctx["city_summary"]["met"])
    ctx["silent"] = [d["name"] for d in by_district if d["none_reported"]]
    both = _summary([r for r in ev.results if r.scope in ("district", "city")])
    ctx["no_assessed"] = both["assessed"] == 0
    ctx["nothing_reported"] = both["none_reported"]
    ctx["all_met"] = both["all_met"]
    # 存在问题 lists what was missed or not reported; when nothing at all was reported,
    # 一、总体情况 already says so and there is nothing else to list.
    ctx["report_gaps"] = ctx["any_not_reported"] and not ctx["nothing_reported"]
    ctx["sections"] = _sections(ctx["any_done"], ctx["any_missed"] or ctx["report_gaps"])
    ctx["annex"] = city_annex(plan, ev)
    ctx["reporting"] = reporting_context(ev)  # 指标报送率 where not all figures are in (issue 11)
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
        "rate_text": display.share(standing.met, standing.assessed),
        "ranked": standing.assessed > 0,
    }
    for key, status in (("exceeded", EXCEEDED), ("met", MET), ("missed", MISSED), ("not_reported", NOT_REPORTED)):
        ctx[key] = _by_status(mine, status)
    summary = ctx["summary"]
    ctx["no_assessed"] = summary["assessed"] == 0
    ctx["nothing_reported"] = summary["none_reported"]
    ctx["all_met"] = summary["all_met"]
    ctx["report_gaps"] = bool(ctx["not_reported"]) and not summary["none_reported"]
    ctx["sections"] = _sections(bool(summary["met"]), bool(ctx["missed"]) or ctx["report_gaps"])
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
