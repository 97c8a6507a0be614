"""What a 通报 template sees beyond the base context: counts, ranking, and the lists its
sentences are built from. Only data is prepared here; every word is in the templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qdocgen import display
from qdocgen.documents.context import PerResult, base_context, result_context
from qdocgen.documents.reporting import reporting_context
from qdocgen.plan.model import Plan
from qdocgen.progress import (
    ASSESSED,
    EXCEEDED,
    MET,
    MISSED,
    NOT_APPLICABLE,
    NOT_REPORTED,
    PENDING,
    Evaluation,
    Result,
    Trend,
)

# name → description, for docs/templates.md (merged with context.VARIABLES by the lead).
NOTICE_VARIABLES: dict[str, str] = {
    "notice.subject": "工作名称（不含“工作”二字），如 工业产品质量提升；可在 qdocgen.toml 的 [notice] subject 改写",
    "notice.signer": "发文机关署名（计划的 office）",
    "notice.date": "成文日期，写作 2024年1月15日（--date 或 [notice] date，只用于在该日之前已结束的时段；[notice] dates 按时段设定；都没有时为时段结束、最后一份填报表收回后的第一个工作日）",
    "notice.printer / notice.print_date": "版记中的印发机关与印发日期",
    "redhead": "红头：mark（发文机关标志）、number（发文字号）；qdocgen.toml 未启用红头时为 none",
    "summary": "考核指标汇总：measures（指标项数）、assessed（考核项/项次）、met（完成，含超额）、exceeded、met_only（恰好完成）、missed、not_reported、reported（已报送）、pending（目标待定项数）、rate_text（完成比例＝完成项数÷考核项数）、none_reported（考核项一项也未报送）、all_met（考核项全部完成）",
    "city_summary": "全市性指标汇总（全市通报），字段同 summary",
    "ranking": "全市通报的排名（没有考核指标的区不排名），按名次分组：rank、names（区名列表）、tied（是否并列）、met、assessed、rate_text（完成比例）、none_reported（该组的区一项也未报送）",
    "unranked": "全市通报中本时段没有考核指标、不参与排名的区名列表",
    "standing": "区通报中本区的名次：rank、count（区数）、tied_with（并列的区）、rate_text（完成比例）、ranked（本区有考核指标、参与排名）、rank_change_text 与 rate_change_text（较上一时段）、previous_rate_text、first（第一名）、last（末位）",
    "by_district": "全市通报中各区的情况：name、exceeded、met、missed、not_reported（指标列表）、assessed（考核项数）、none_reported（一项也未报送）、all_met（全部完成）、rank、rate_text、rank_change_text、rate_change_text（较上一时段）、best（完成最突出的2项，带数字）、missed_shown（至多4项，连续未完成的在前）与 missed_more（其余项数）、not_reported_text",
    "exceeded / met / missed / not_reported": "区通报中本区超额完成、完成、未完成、未报送的指标列表",
    "city_exceeded / city_missed / city_not_reported": "全市通报中全市性指标的相应列表",
    "all_done / silent": "全市通报中考核指标全部完成的区名列表 / 一项也未报送的区名列表",
    "any_exceeded / any_missed / any_not_reported / any_done": "全市通报中是否有超额完成、未完成、未报送、完成（含超额）的指标",
    "no_assessed / nothing_reported / all_met": "本通报（区通报：本区；全市通报：各区和全市性指标）没有任何考核指标 / 考核指标一项也未报送 / 考核指标全部完成",
    "report_gaps": "存在问题中是否要单独列出未报送的指标（有未报送、但并非一项也未报送时为 true）",
    "sections": "“一、总体情况”之后各部分的序号：results（主要成效，没有完成的指标时为 none）、problems（存在问题，没有未完成的指标、也没有需要单独列出的未报送指标时为 none）、next（下一步工作要求），如 二、三、四；有部分略去时序号依次前移",
    "指标列表各项": "progress[] 的全部字段，另有 target_q、year_target_q、actual_q（带单位）、gap_q（差额，比率写作“个百分点”）、above_q（比率超过目标的个百分点）、previous_status、streak（连续未完成的时段数）、streak_text（连续两年）、partial（目标是否按进度折算）、final_year（累计指标的目标年度）、target_cell（表格中的目标值）、place、note_text（报送的说明，去掉句末标点，供正文引用）；数字按 docs/progress.md 第七节的显示规则写出，与状态一致",
    "notice.annex": "全市通报附件的形式：matrix（指标×区矩阵：每项指标一行、每个区一列）或 list（每项指标每个区一行），由 qdocgen.toml [notice] annex 决定（默认 auto：9 个以内的单位为 matrix，更多为 list）；区的文件只有本区，总是逐项列出",
    "matrix": "全市通报的指标×区矩阵：units（各区名，按计划顺序，表头的列循环用）；rows（分解到各区、本时段有考核目标的指标，每项一行：row、measure、unit、cells（每区一格，与 units 同序：status、actual（完成值，不带单位、不写千位分隔符，未报送时为空）、target（目标值，同上）、note）、total（各区合计的一格，字段同 cells，没有合计时 status 为空或“不适用”））；city（全市性指标的各行，字段同 annex，本时段无考核目标、也没有报送完成值或说明的不列）；notes（各区报送了说明的各项，如定性任务的进展、未完成的原因，字段同 annex，按计划中的指标和区的顺序）；omitted（本时段没有考核目标、未列入矩阵的分解到各区的指标项数）；untotalled（是否有指标没有合计，如比率类）",
    "annex": "附件表格各行：row、measure、place（区或全市）、first（该指标的第一行）、target_cell、actual_q、ratio_text、status、note",
    "chart": "附件图表的数据，每项一根柱：label（区名或指标名）、ratio（全市通报为各区的完成比例，区通报为各项指标的完成率，1 = 100%，按显示规则取舍：未完成的不会是 100%）、missed（是否未完成）；全市通报为有完成比例的各区（按计划中的顺序），区通报为本区有完成率的各项指标。图表的用法见第二节“图表”",
    "notice.number": "本文件的发文字号：[gbt9704] doc_number 中的 {year} 换为成文年份、{n} 换为序号（每份通报各一个，按成文日期、时段、全市在前、各区按计划顺序编号，[notice] first_number 为每年起始号）；未设定时为空",
    "notice.deadline": "整改、补报的期限：成文日期后 [notice] deadline_days 天（默认 15 天），遇周末、元旦、劳动节、国庆节顺延",
    "notice.addressees": "主送机关：全市通报为 [notice] addressees（不写时为 units.addressees），区的文件为本区的 authority",
    "notice.copy_to": "抄送机关：[notice] copy_to（不写时为发文的领导小组各成员单位，如 市质量强市工作领导小组各成员单位）",
    "notice.genre / notice.closing": "文种（全市为 通报；区的文件为 [notice] district_genre，默认 函）与结束语（特此通报。／特此函告。）",
    "notice.contact / notice.public": "附注：联系人（[notice] contact）与公开属性（[notice] public），印在成文日期下一行；不写时为空",
    "notice.members_addressed": "主送中是否有领导小组成员单位：给成员单位布置任务的句子只在此时出现",
    "final_year / ahead": "是否为计划最后一年的年度通报 / 工作要求所指的时段（下一年如 2024年，年内为 全年，最后一年为空）",
    "previous": "比较的上一时段：words、key（docs/progress.md 第九节）、label（正文中的称呼：半年、季度通报与上年全年相比时写作 2023年全年，否则同 words）、same_period（是否为上年同期）；年度通报比上一年度，半年、季度通报比上年同期（有其完成值时），否则比最近的上一时段；没有更早的完成值时为 none",
    "prorated_some / prorated_all / unprorated_kinds": "半年、季度通报中是否有（全部）考核指标的目标按序时进度折算 / 未折算的指标类型，如 比率类、节点类",
    "change": "全市通报：上一时段的总体完成比例 rate_text 与变化 diff_text（提高3.7个百分点、下降…、持平；无上一时段时为空）",
    "rank_moves / rank_moves_text / rank_moves_rest": "全市通报：名次有变化的区（如 东城区上升2位）、其连写、是否还有名次未变的区",
    "city_best / totals_best / milestones / reported_words": "主要成效：全市性指标、各区合计中完成最突出的几项（带完成值、目标与完成目标的百分比，比率写高于目标几个百分点）/ 如期实现的节点目标 / 定性任务报送的进展（至多4项）",
    "reported_more": "定性任务报送了进展、未在 reported_words 中列出的项数（附件中有）",
    "repeated / repeated_places / repeated_text": "连续未完成的指标（place、measure、streak_text）/ 有此类指标的区 / 区的文件中这些指标名的连写",
    "leaders / last / missed_places / missed_all / unreported_places": "全市通报：完成比例第一名的区（名次有分别时）/ 末位的区 / 有未完成指标的区 / 是否各区都有 / 有未报送指标的区",
    "steps": "工作要求各项的序号：praise（表扬先进，只在有第一名可表扬且有未完成指标时）、fix（整改）、report（报送）、guide（督导）",
    "best / exceeded_more / met_text / met_more / not_reported_text / city_not_reported_text": "区的文件：完成最突出的至多4项（带数字）/ 超额完成的项是否多于所列 / 达到目标的指标名连写（至多4项）与其余项数 / 未报送的指标名连写；名称中含“、”的加引号",
    "reporting": "全市通报：尚有指标未报送的区（及全市性指标），各项 name、label（区名或“全市性指标”）、expected（应报项数）、reported（已报）、missing（未报）、rate_text（指标报送率）；全部报齐时为空列表",
}


@dataclass(frozen=True)
class NoticeOptions:
    """What a notice needs besides the evaluation: dates, signer, red head, addressees."""

    subject: str
    date_text: str
    print_date_text: str
    signer: str
    redhead: dict | None = None
    number: str = ""  # 发文字号 of this document ('' when none is set)
    deadline_text: str = ""  # 整改/补报 due date, from the 成文日期
    addressees: str = ""  # 主送 of the city notice
    copy_to: str = ""  # 抄送
    genre: str = "通报"  # 通报 or 函 (a district's own document)
    contact: str = ""
    public: str = ""
    annex: str = "matrix"  # the city notice's annex: "matrix" (指标×区) or "list" (notice.annex_form)
    trend: Trend | None = None


LIST_MAX = 4  # a list longer than this is summarised with a count ("等9项") and left to the annex
CN_COUNT = {2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九"}


def join_names(names: list[str]) -> str:
    """Names joined with 、; a name that itself contains 、 is set in quotation marks so the
    list still reads as so many items ("“二级计量保证体系确认、测量管理体系认证”企业数")."""
    return "、".join(f"“{n}”" if "、" in n else n for n in names)


def names_noted(items: list[dict]) -> str:
    """join_names of the items' measures, each followed by what its unit said of it
    ('专利转化标准数（报送说明：统计数据3月发布）')."""
    return "、".join(
        join_names([x["measure"]]) + (f"（报送说明：{x['note_text']}）" if x.get("note_text") else "") for x in items
    )


def streak_words(count: int, years: bool) -> str:
    """'连续两年' / '连续三期' (count ≥ 2), '' otherwise."""
    if count < 2:
        return ""
    return f"连续{CN_COUNT.get(count, str(count))}{'年' if years else '期'}"


def rank_change_words(before: int | None, now: int | None) -> str:
    """'上升2位' / '下降1位' / '持平' (rank 1 is best), '' with nothing to compare."""
    if before is None or now is None:
        return ""
    if before == now:
        return "持平"
    return f"上升{before - now}位" if now < before else f"下降{now - before}位"


def points_change_words(before: float | None, now: float | None) -> str:
    """'提高3.7个百分点' / '下降1.2个百分点' / '持平' between two shares (0–1)."""
    if before is None or now is None:
        return ""
    a, b = round(before * 100, 1), round(now * 100, 1)
    if a == b:
        return "持平"
    diff = display.number(abs(b - a), "%")
    return f"{'提高' if b > a else '下降'}{diff}个百分点"


def _mark_streak(items: list[dict], results: list[Result], trend: Trend | None) -> list[dict]:
    for it, r in zip(items, results, strict=True):
        before, run = trend.of(r) if trend else (None, 0)
        it["previous_status"] = before or ""
        it["streak"] = run
        it["streak_text"] = streak_words(run, bool(trend and trend.streak_years.get((r.measure.id, r.district))))
    return items


def _phrase(it: dict, total: bool = False) -> str:
    """'质量义诊企业数45家（目标25家，完成目标的180.0%）'; a rate '…95.8%，高于目标0.8个百分点';
    a milestone '通过国家质检总局验收'."""
    if it["kind"] == "milestone":
        return it["measure"]
    name = it["measure"] + ("各区合计" if total else "")
    if it["above_q"]:
        return f"{name}{it['actual_q']}，高于目标{it['above_q']}"
    ratio = f"，完成目标的{it['ratio_text']}" if it["status"] == EXCEEDED and it["ratio_text"] else ""
    return f"{name}{it['actual_q']}（目标{it['target_q']}{ratio}）"


def _best(results: list[Result], count: int) -> list[Result]:
    """The strongest results: exceeded counts by their ratio, then rates by their margin."""
    done = [r for r in results if r.status == EXCEEDED and r.ratio is not None and r.measure.kind != "milestone"]
    return sorted(done, key=lambda r: (r.measure.unit == "%", -(r.ratio or 0), r.measure.row))[:count]


def _milestones(plan: Plan, results: list[Result]) -> list[str]:
    """Milestones reached: '通过国家质检总局验收（任务分解表第1项）'."""
    # the sentence ends "…节点目标如期实现": a name ending in 节点 drops it ("示范区创建节点节点目标")
    return [
        f"{r.measure.name.removesuffix('节点') or r.measure.name}（任务分解表第{r.measure.row}项）"
        for r in results
        if r.measure.kind == "milestone" and r.status in (MET, EXCEEDED)
    ]


def _reported_words(ev: Evaluation, district: str | None = "") -> list[str]:
    """Qualitative progress reported in words ('东城区质量奖评选机制，考核办法已于9月印发');
    `district` "" for every unit and the city, else one unit's own."""
    out = []
    for r in ev.results:
        if r.measure.kind != "qualitative" or not r.note or r.scope == "total":
            continue
        if district != "" and r.district != district:
            continue
        place = r.district if district == "" and r.district else ""
        out.append(f"{place}{r.measure.name}，{r.note.strip().rstrip('。；;，,')}")
    return out


def subject_of(plan: Plan) -> str:
    """'工业产品质量提升' from '佛山市工业产品质量提升三年行动计划（2017—2019年）'."""
    title = re.sub(r"[（(].*?[)）]$", "", plan.title)
    title = title.removeprefix(plan.city)
    return re.sub(r"(三年|五年)?行动计划$|(工作)?(实施)?方案$|计划$", "", title) or title


def prorated(r: Result) -> bool:
    """Whether the period's target is a share of a larger one (序时进度, or a cumulative
    measure's part): it differs from the year's."""
    return r.target is not None and r.year_target is not None and abs(r.target - r.year_target) > 1e-9


def milestone_words(r: Result) -> tuple[str | None, str]:
    """A milestone's target and figure in words: '完成' (None when it has no target), and
    '已完成' / '未完成' ('' when not reported)."""
    return ("完成" if r.target is not None else None), (
        "" if r.actual is None else ("已完成" if r.actual >= 1 else "未完成")
    )


_ITEMS = PerResult()  # per result and place


def item(r: Result, place: str | None = None) -> dict:
    """A result as the notice's sentences and table use it; every figure's text follows the
    display rule (qdocgen/display.py), so a missed item never reads as if it were met. (A new
    dict each time, callers add to it; made once per result and place: a result is immutable,
    and a build's notices show each one several times.)"""
    return dict(_ITEMS.get(r, place, lambda: _item(r, place)))


def _item(r: Result, place: str | None) -> dict:
    ctx = result_context(r)
    unit = r.measure.unit
    milestone = r.measure.kind == "milestone"
    shown = display.show(r)
    ctx["place"] = place or r.district or "全市"
    ctx["partial"] = prorated(r)
    ctx["target_q"] = display.with_unit(shown.target, unit)
    ctx["year_target_q"] = display.with_unit(shown.year_target, unit)
    ctx["actual_q"] = display.with_unit(shown.actual, unit)
    if milestone:
        target, ctx["actual_q"] = milestone_words(r)
        ctx["target_q"] = target if target is not None else ctx["target_q"]
    ctx["gap_q"] = display.with_unit(shown.gap, "个百分点" if unit == "%" else unit)
    # a rate above its target: by how much, in 个百分点 (a 完成率 of a 合格率 reads wrong)
    ctx["above_q"] = ""
    if unit == "%" and r.status == EXCEEDED and shown.target and shown.actual:
        ctx["above_q"] = display.with_unit(display.gap(shown.actual, shown.target, unit, shown.decimals), "个百分点")
    ctx["final_year"] = max(r.measure.targets) if r.measure.targets else r.period.year
    if not ctx["partial"]:
        ctx["target_cell"] = ctx["target_q"]
    elif r.measure.kind == "cumulative":
        ctx["target_cell"] = f"{ctx['target_q']}（{ctx['final_year']}年累计{ctx['year_target_q']}）"
    else:
        ctx["target_cell"] = f"{ctx['target_q']}（全年{ctx['year_target_q']}）"
    # the unit's 说明, as running text quotes it (no closing stop: it stands in brackets)
    # brackets within the note become square ones: it is quoted inside （…） (GB/T 15834)
    note = (r.note or "").strip().rstrip("。；;，,").strip()
    ctx["note_text"] = note.replace("（", "［").replace("）", "］").replace("(", "［").replace(")", "］")
    # running text writes 1000家, not 1,000家 (公文 usage); the annex's cells alike
    for key in ("target_q", "year_target_q", "actual_q", "gap_q", "above_q", "target_cell"):
        if isinstance(ctx.get(key), str):
            ctx[key] = ctx[key].replace(",", "")
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
    ctx["notice"].update(
        {
            "number": opts.number,
            "deadline": opts.deadline_text,
            "addressees": opts.addressees,
            "copy_to": opts.copy_to,
            "genre": opts.genre,
            "closing": "特此函告。" if opts.genre == "函" else "特此通报。",
            "contact": opts.contact,
            "public": opts.public,
            "annex": opts.annex,
            # a task for the leading group's members is given only where they are addressed
            "members_addressed": "成员单位" in opts.addressees,
        }
    )
    ctx["redhead"] = opts.redhead
    ctx["chart"] = chart
    period = ev.period
    ctx["final_year"] = period.is_year and period.year == plan.years[-1]
    # what the 工作要求 look to: the plan's next year, the rest of this year, or (final year) none
    ctx["ahead"] = "全年" if not period.is_year else ("" if ctx["final_year"] else f"{period.year + 1}年")
    tr = opts.trend
    ctx["previous"] = None
    if tr and tr.previous:
        # a part of a year compared with a whole year says so: 2018年全年 (its targets were not prorated)
        whole = tr.previous.is_year and not period.is_year
        ctx["previous"] = {
            "words": tr.previous.words,
            "key": tr.previous.key,
            "label": f"{tr.previous.year}年全年" if whole else tr.previous.words,
            "same_period": tr.previous == type(period)(period.year - 1, period.part),
        }
    # 序时进度 is said of the measures whose target it shares out, and the rest named by kind
    assessed = [r for r in ev.results if r.status in ASSESSED and r.target is not None]
    partial, whole = [], []  # (split in one pass: `r not in partial` compared every pair of results)
    for r in assessed:
        (partial if prorated(r) else whole).append(r)
    ctx["prorated_some"] = not period.is_year and bool(partial)
    ctx["prorated_all"] = ctx["prorated_some"] and not whole
    # the kinds a reader knows by name (比率类、节点类), with 等 when others keep their targets too
    named = list(dict.fromkeys(KIND_WORDS[r.measure.kind] for r in whole if r.measure.kind in KIND_WORDS))
    others = any(r.measure.kind not in KIND_WORDS for r in whole)
    ctx["unprorated_kinds"] = "、".join(named) + ("等" if named and others else "") if named else "其余"
    return ctx


KIND_WORDS = {"rate": "比率类", "milestone": "节点类"}


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
    ctx["matrix"] = city_matrix(plan, ev, ctx["annex"])
    ctx["reporting"] = reporting_context(ev)  # 指标报送率 where not all figures are in (issue 11)
    _city_story(plan, ev, opts.trend, ctx)
    return ctx


def _city_story(plan: Plan, ev: Evaluation, tr: Trend | None, ctx: dict) -> None:
    """What the city notice says beyond counts: the change since the previous period, the
    strongest results with figures, repeated misses, who leads and who trails."""
    before = tr.standing_before if tr and tr.previous else {}
    assessed_before = sum(s.assessed for s in before.values())
    met_before = sum(s.met for s in before.values())
    rate_before = met_before / assessed_before if assessed_before else None
    ctx["change"] = {
        "rate_text": display.share(met_before, assessed_before) if assessed_before else "",
        "diff_text": points_change_words(rate_before, ctx["summary"]["rate"]),
    }
    moves = []
    for d in ctx["by_district"]:
        s = ev.standing(d["name"])
        old = before.get(d["name"])
        ranked = s.assessed and old is not None and old.assessed
        d["rank"] = s.rank
        d["rate_text"] = display.share(s.met, s.assessed)
        d["rank_change_text"] = rank_change_words(old.rank, s.rank) if ranked else ""
        d["rate_change_text"] = points_change_words(old.rate, s.rate) if ranked else ""
        if d["rank_change_text"] and d["rank_change_text"] != "持平":
            moves.append(f"{d['name']}{d['rank_change_text']}")
        for key, status in (("missed", MISSED), ("exceeded", EXCEEDED)):
            mine = [r for r in ev.for_district(d["name"]) if r.status == status]
            _mark_streak(d[key], mine, tr)
        # the items named in the text: those missed period after period first (a reader must see
        # them, not find them in the annex), then in the plan's order
        d["missed_shown"] = sorted(d["missed"], key=lambda x: -x["streak"])[:LIST_MAX]
        d["missed_more"] = max(0, len(d["missed"]) - LIST_MAX)
        d["best"] = [_phrase(item(r)) for r in _best(ev.for_district(d["name"]), 2)]
        d["not_reported_text"] = names_noted(d["not_reported"])
    ctx["rank_moves"] = moves
    compared = [d for d in ctx["by_district"] if d["rank_change_text"]]
    ctx["rank_moves_rest"] = bool(moves) and len(moves) < len(compared)
    ctx["rank_moves_text"] = "，".join(moves)
    _mark_streak(ctx["city_missed"], [r for r in ev.city if r.status == MISSED], tr)
    ctx["city_best"] = [_phrase(item(r)) for r in _best(ev.city, 3)]
    ctx["totals_best"] = [_phrase(item(r), total=True) for r in _best(ev.totals, 3)]
    ctx["milestones"] = _milestones(plan, [r for r in ev.results if r.scope != "total"])
    words = _reported_words(ev)
    ctx["reported_words"], ctx["reported_more"] = words[:LIST_MAX], max(0, len(words) - LIST_MAX)
    ctx["city_not_reported_text"] = names_noted(ctx["city_not_reported"])
    repeated = [(d["name"], x) for d in ctx["by_district"] for x in d["missed"] if x["streak"] >= 2] + [
        ("全市性指标", x) for x in ctx["city_missed"] if x["streak"] >= 2
    ]
    ctx["repeated"] = [
        {"place": place, "measure": x["measure"], "streak_text": x["streak_text"]} for place, x in repeated
    ]
    ctx["repeated_places"] = list(dict.fromkeys(p for p, _ in repeated))
    # leaders and last: only where the ranking separates them (not when all share one rank)
    groups = [g for g in ctx["ranking"] if not g["none_reported"]]
    spread = len({g["rank"] for g in ctx["ranking"]}) > 1
    ctx["leaders"] = groups[0]["names"] if spread and groups and groups[0]["rank"] == 1 else []
    ctx["last"] = ctx["ranking"][-1]["names"] if spread else []
    ctx["missed_places"] = [d["name"] for d in ctx["by_district"] if d["missed"]]
    ctx["missed_all"] = len(ctx["missed_places"]) == len(ctx["by_district"])
    ctx["unreported_places"] = [d["name"] for d in ctx["by_district"] if d["not_reported"]]
    ctx["steps"] = _steps(bool(ctx["leaders"]) and ctx["any_missed"])


def _steps(praise: bool) -> dict:
    """The numbers of the 工作要求 items: praise (only where someone is singled out), then
    整改, 报送, 督导."""
    numerals = iter(("（一）", "（二）", "（三）", "（四）"))
    return {
        "praise": next(numerals) if praise else None,
        "fix": next(numerals),
        "report": next(numerals),
        "guide": next(numerals),
    }


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
    tr = opts.trend
    old = tr.standing_before.get(district) if tr and tr.previous else None
    ranked = standing.assessed and old is not None and old.assessed
    ctx["standing"]["rank_change_text"] = rank_change_words(old.rank, standing.rank) if ranked else ""
    ctx["standing"]["rate_change_text"] = points_change_words(old.rate, standing.rate) if ranked else ""
    ctx["standing"]["previous_rate_text"] = display.share(old.met, old.assessed) if ranked else ""
    ranks = {s.rank for s in ev.standings if s.assessed}
    ctx["standing"]["first"] = standing.assessed > 0 and standing.rank == 1 and len(ranks) > 1
    ctx["standing"]["last"] = standing.assessed > 0 and len(ranks) > 1 and standing.rank == max(ranks)
    _mark_streak(ctx["missed"], [r for r in mine if r.status == MISSED], tr)
    _mark_streak(ctx["exceeded"], [r for r in mine if r.status == EXCEEDED], tr)
    ctx["repeated"] = [x for x in ctx["missed"] if x["streak"] >= 2]
    ctx["repeated_text"] = join_names([x["measure"] for x in ctx["repeated"]])
    ctx["best"] = [_phrase(item(r)) for r in _best(mine, LIST_MAX)]
    ctx["exceeded_more"] = max(0, len(ctx["exceeded"]) - LIST_MAX)
    ctx["met_text"] = join_names([x["measure"] for x in ctx["met"]][:LIST_MAX])
    ctx["met_more"] = max(0, len(ctx["met"]) - LIST_MAX)
    ctx["milestones"] = _milestones(plan, mine)
    words = _reported_words(ev, district)
    ctx["reported_words"], ctx["reported_more"] = words[:LIST_MAX], max(0, len(words) - LIST_MAX)
    ctx["not_reported_text"] = names_noted(ctx["not_reported"])
    ctx["steps"] = _steps(ctx["standing"]["first"])
    return ctx


def city_annex(plan: Plan, ev: Evaluation) -> list[dict]:
    """Every measure: the city's figure, or each district's with the districts' total.

    A measure with no target in the period takes one 不适用 row rather than six.
    """
    rows = []
    by_measure: dict[int, list[Result]] = {}  # each measure's results in their order, found in one pass
    for r in ev.results:
        by_measure.setdefault(id(r.measure), []).append(r)
    for measure in plan.measures:
        results = by_measure.get(id(measure), [])
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


def _matrix_cell(r: Result | None) -> dict:
    """One unit's cell of the matrix: its status and bare figures (the unit is the row's)."""
    if r is None:
        return {"status": "", "actual": "", "target": "", "note": ""}
    shown = display.show(r)
    actual, target = shown.actual, shown.target
    if r.measure.kind == "milestone":
        words, actual = milestone_words(r)
        target = words or ""
    return {
        "status": r.status,
        "actual": "" if r.status == NOT_REPORTED else actual.replace(",", ""),
        "target": target.replace(",", ""),
        "note": r.note or "",
    }


def city_matrix(plan: Plan, ev: Evaluation, annex: list[dict]) -> dict:
    """The annex as a 指标×区 matrix: a row per measure shared out to the units that has a
    target in the period, a cell per unit (and one for the units' total); the city's own
    measures as list rows. Measures without a target in the period are counted, not listed."""
    by_measure: dict[int, list[Result]] = {}  # each measure's results, found in one pass
    for r in ev.results:
        by_measure.setdefault(id(r.measure), []).append(r)
    rows, omitted = [], 0
    for measure in plan.measures:
        if measure.is_city:
            continue
        results = by_measure.get(id(measure), [])
        if not any(r.status in ASSESSED for r in results if r.scope == "district"):
            omitted += 1
            continue
        mine = {r.district: r for r in results if r.scope == "district"}
        total = next((r for r in results if r.scope == "total"), None)
        rows.append(
            {
                "row": measure.row,
                "measure": measure.name,
                "unit": measure.unit or "",
                "cells": [_matrix_cell(mine.get(name)) for name in plan.district_names],
                "total": _matrix_cell(total),
            }
        )
    city = [
        r
        for r in annex
        if r["scope"] == "city" and (r["status"] != NOT_APPLICABLE or r["actual"] is not None or r["note"])
    ]
    # what the units wrote in 说明 (qualitative progress, reasons), which the matrix has no room for
    order = {name: i for i, name in enumerate(plan.district_names)}
    notes = [
        item(r)
        for measure in plan.measures
        for r in sorted(
            (r for r in by_measure.get(id(measure), []) if r.scope == "district" and (r.note or "").strip()),
            key=lambda r: order.get(r.district, len(order)),
        )
    ]
    return {
        "units": list(plan.district_names),
        "rows": rows,
        "city": city,
        "notes": notes,
        "omitted": omitted,
        "untotalled": any(r["total"]["status"] not in ASSESSED for r in rows),
    }
