"""Scenarios: generated figure sets for every case a 通报 must word correctly, with figures
just under, at and just over their targets. Every notice is rendered in-process, read back,
and held to what a clerk must be able to sign: its counts add up, a missed item never reads
as met, every heading has content, and no sentence is malformed.

The progress tables (xlsx and docx) are checked for the same agreement between figures and status.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from lxml import etree

from qdocgen import display
from qdocgen.documents.catalog import all_jobs
from qdocgen.documents.notice import NoticeMaker
from qdocgen.documents.render_any import fill
from qdocgen.errors import UserError
from qdocgen.figures.period import Period
from qdocgen.figures.store import Figure, FigureSet
from qdocgen.plan.load import load_plan
from qdocgen.plan.model import District
from qdocgen.progress import ASSESSED, DONE, EXCEEDED, MET, MISSED, NOT_REPORTED, evaluate, period_target
from qdocgen.workspace import Workspace

from conftest import DATA, TEMPLATES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
Y2018 = Period(2018)
H1 = Period(2019, "H1")
NUM = r"[\d,]+(?:\.\d+)?"
NEW_DISTRICT = "新城区"  # a district the plan gives no target


# ── figure sets ──────────────────────────────────────────────────────────────────────────


def exact(m, t):
    return 1 if m.kind == "milestone" else t


def over(m, t):
    return 1 if m.kind == "milestone" else t + (0.01 if m.unit == "%" else 1)


def just_over(m, t):
    return 1 if m.kind == "milestone" else t + (0.001 if m.unit == "%" else 0.01)


def hair_over(m, t):
    """Over by two millionths: 5.00001% against 5.0%, whose ratio reads 100.0% at one decimal."""
    return 1 if m.kind == "milestone" else t * 1.000002 if t else t + 0.01


def under(m, t):
    """Just under: 79.96 against 80, 9,999 against 10,000 (a count one short)."""
    if m.kind == "milestone":
        return 0
    return t - (0.04 if m.unit == "%" else 1)


def barely_under(m, t):
    """So close that the usual decimals would read as the target: 79.996, 9,999.99."""
    if m.kind == "milestone":
        return 0
    return t - (0.004 if m.unit == "%" else 0.01)


def missing(m, t):
    return None


def cycle(*picks):
    """A pick that takes `picks` in turn over the assessed items (deterministic)."""
    state = {"i": 0}

    def pick(m, t):
        state["i"] += 1
        return picks[state["i"] % len(picks)](m, t)

    return pick


def figures_for(plan, period, pick, city_pick=None) -> FigureSet:
    out = []
    for m in plan.measures:
        if m.kind == "qualitative":
            continue
        for d in [None] if m.is_city else plan.district_names:
            target, written, applies = period_target(m, period, d, plan)
            if not applies or written is None:
                continue
            value = (city_pick or pick)(m, target) if d is None else pick(m, target)
            if value is not None:
                out.append(Figure(d, m.row, m.name, float(max(value, 0))))
    return FigureSet(periods={period: out})


def plan_with_new_district(plan):
    return dataclasses.replace(plan, districts=(*plan.districts, District(NEW_DISTRICT, "新城")))


def plan_with_zero_targets(plan):
    """高明区's targets of three count measures set to 0 in every year."""
    measures = []
    for m in plan.measures:
        if m.id in ("4", "9", "29"):
            targets = {y: (dict(t, 高明区=0) if isinstance(t, dict) else t) for y, t in m.targets.items()}
            m = dataclasses.replace(m, targets=targets)
        measures.append(m)
    return dataclasses.replace(plan, measures=tuple(measures))


BORDER = cycle(exact, under, over, barely_under, just_over)
SCENARIOS = {
    # name: (plan change, pick for districts, pick for city measures)
    "all_met": (None, cycle(exact, over, just_over, hair_over), None),
    "borderline_mixed": (None, cycle(exact, under, over, barely_under, just_over, missing), None),
    "missed_all_reported": (None, BORDER, None),
    "none_missed_some_unreported": (None, cycle(exact, over, missing), cycle(exact, missing)),
    "nothing_reported": (None, missing, missing),
    "city_only_missed": (None, exact, cycle(exact, under, barely_under)),
    "all_tied": (None, lambda m, t: under(m, t) if m.id == "4" else exact(m, t), exact),
    "district_without_measures": (plan_with_new_district, cycle(exact, under, over), None),
    "zero_targets": (plan_with_zero_targets, cycle(exact, over, under, missing), None),
}


@pytest.fixture(scope="module")
def base_plan():
    return load_plan(DATA)


def make(base_plan, tmp_path_factory, name, period, no_file=False):
    change, pick, city_pick = SCENARIOS[name]
    plan = change(base_plan) if change else base_plan
    figures = FigureSet() if no_file else figures_for(plan, period, pick, city_pick)
    folder = tmp_path_factory.mktemp(name) / "plan_data"  # no qdocgen.toml: the defaults
    folder.mkdir()
    ws = Workspace(data_dir=folder, templates_dir=TEMPLATES)
    ws.plan = plan
    ws.figures = figures
    maker = NoticeMaker(ws, date="2019-07-15", charts=False)
    return plan, maker, evaluate(plan, figures, period)


CASES = [(name, period, False) for name in SCENARIOS for period in (Y2018, H1)] + [
    ("nothing_reported", H1, True)  # a period with no figures file at all
]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}-{c[1].key}{'-nofile' if c[2] else ''}")
def case(request, base_plan, tmp_path_factory):
    name, period, no_file = request.param
    plan, maker, ev = make(base_plan, tmp_path_factory, name, period, no_file)
    docs = {None: read(maker.city(period))}
    for d in plan.district_names:
        docs[d] = read(maker.district(period, d))
    return name, period, plan, ev, docs


# ── reading a notice back ────────────────────────────────────────────────────────────────


class Notice:
    def __init__(self, data: bytes):
        self.data = data
        body = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
        self.paras = []
        for p in body.iter(W + "p"):
            if any(a.tag == W + "tbl" for a in p.iterancestors()):
                continue
            style = p.find(f"{W}pPr/{W}pStyle")
            text = "".join(t.text or "" for t in p.iter(W + "t"))
            if text.strip():
                self.paras.append((style.get(W + "val") if style is not None else "", text))
        self.tables = [
            [["".join(t.text or "" for t in c.iter(W + "t")) for c in tr.iter(W + "tc")] for tr in tbl.iter(W + "tr")]
            for tbl in body.iter(W + "tbl")
        ]
        self.sections: dict[str, list[str]] = {}
        current = None
        for style, text in self.paras:
            if style == "QHeading1":
                current = text
                self.sections[current] = []
            elif text in ("特此通报。", "特此函告。"):
                current = None
            elif current:
                self.sections[current].append(text)
        self.text = "\n".join(t for _, t in self.paras)

    def section(self, title: str) -> str:
        return "\n".join(next((v for k, v in self.sections.items() if k.endswith(title)), []))


def read(data: bytes) -> Notice:
    return Notice(data)


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def count(pattern: str, text: str) -> int:
    """The sum of the numbers `pattern` (one group) finds in `text`."""
    return sum(int(x) for x in re.findall(pattern, text))


# ── what every notice must satisfy ───────────────────────────────────────────────────────


def test_headings_are_numbered_in_order_and_each_has_content(case):
    *_, docs = case
    for who, doc in docs.items():
        titles = list(doc.sections)
        assert [t[0] for t in titles] == list("一二三四")[: len(titles)], (who, titles)
        assert titles[0] == "一、总体情况" and titles[-1].endswith("下一步工作要求"), (who, titles)
        for title, paras in doc.sections.items():
            assert paras, (who, title)


def test_no_malformed_sentences(case):
    *_, docs = case
    for who, doc in docs.items():
        text = doc.text
        assert "完成完成" not in text, who
        assert not re.search(r"差0(\.0+)?(?![.\d])", text), who
        assert not re.search(r"序时进度\d+\.0%", text), who
        assert "（）" not in text and "，，" not in text and "。。" not in text and "：。" not in text, who
        for title, paras in doc.sections.items():
            joined = "\n".join(paras)
            assert ("（一）" in joined) == ("（二）" in joined), (who, title)
        for _, para in doc.paras:
            depth = 0
            for ch in para:
                depth += ch == "（"
                depth -= ch == "）"
                assert depth <= 1, (who, para)  # no brackets inside brackets
            # measures in a list read as names, never glued to a verb that repeats them
            assert not re.search(r"超额完成完成|达到目标达到", para), (who, para)


def test_district_counts_agree_with_the_items_listed(case):
    name, period, plan, ev, docs = case
    for d in plan.district_names:
        doc, s = docs[d], _truth(ev.for_district(d))
        overall = doc.section("总体情况")
        if not s["assessed"]:
            assert "没有需要你区考核的量化指标" in overall and len(doc.sections) == 2
            continue
        if s["not_reported"] == s["assessed"]:
            assert "尚未报送" in overall and f"{s['assessed']}项考核指标均按未完成计" in overall
            assert len(doc.sections) == 2, list(doc.sections)  # nothing to praise or list
            continue
        met = s["assessed"] if "全部完成" in overall else int(re.search(r"完成(\d+)项", overall).group(1))
        assert met == s["met"]
        assert count(r"超额完成(\d+)项", overall) == s["exceeded"]
        assert count(r"，未完成(\d+)项", overall) == s["missed"]
        assert count(r"，未报送(\d+)项", overall) == s["not_reported"]
        assert f"完成比例{display.share(s['met'], s['assessed'])}" in overall
        results = doc.section("主要成效")
        # the strongest results with their figures (a long list summarised, the rest in the annex)
        assert count(r"超额完成(\d+)项指标", results) == s["exceeded"]
        for m in re.finditer(r"超额完成(\d+)项指标(：|，较突出的有)([^。]*)。", results):
            shown = m.group(3).split("；")
            assert len(shown) <= min(int(m.group(1)), 4) and all("目标" in x for x in shown), m.group(0)
        assert count(r"(\d+)项指标达到目标", results) == s["met"] - s["exceeded"]
        problems = doc.section("存在问题")
        assert _listed(r"有(\d+)项指标未完成：([^。]*)。", problems, "；") == s["missed"]
        assert _listed(r"有(\d+)项指标未报送完成情况：([^。]*)。", problems, "、") == s["not_reported"]
        if s["missed"] == s["not_reported"] == 0:
            assert "存在问题" not in "".join(doc.sections)
        _praise_and_shortfalls(doc, s)


def test_city_counts_agree_with_the_items_listed(case):
    name, period, plan, ev, docs = case
    doc = docs[None]
    s = _truth([r for r in ev.results if r.scope == "district"])
    c = _truth(ev.city)
    overall = doc.section("总体情况")
    if s["assessed"] and s["not_reported"] < s["assessed"]:
        head = overall.split("按考核指标完成比例排名")[0]
        met = s["assessed"] if "全部完成" in head else int(re.search(r"各区共完成(\d+)项次", head).group(1))
        assert met == s["met"]
        assert count(r"超额完成(\d+)项次", head) == s["exceeded"]
        assert count(r"未完成(\d+)项次", head) == s["missed"]
        assert count(r"未报送(\d+)项次", head) == s["not_reported"]
    results, problems = doc.section("主要成效"), doc.section("存在问题")
    per_district_exceeded = sum(count(rf"{d}超额完成(\d+)项指标", results) for d in plan.district_names)
    assert per_district_exceeded == s["exceeded"]
    assert count(r"全市性指标超额完成(\d+)项", results) == c["exceeded"]
    # each district's misses: counted in full, at most four listed with figures, the rest in the annex
    per_district_missed = sum(count(rf"{d}有(\d+)项指标未完成", problems) for d in plan.district_names)
    assert per_district_missed == s["missed"]
    for m in re.finditer(r"有(\d+)项指标未完成：([^。]*)。", problems):
        listed = len(re.findall("差|尚未完成", m.group(2)))
        more = re.search(r"另有(\d+)项，详见附件", m.group(2))
        assert listed <= 4 and listed + (int(more.group(1)) if more else 0) == int(m.group(1)), m.group(0)
    assert _listed(r"全市性指标有(\d+)项未完成：([^。]*)。", problems, "；") == c["missed"]
    everything = _truth([r for r in ev.results if r.scope in ("district", "city")])
    if everything["assessed"] and everything["not_reported"] < everything["assessed"]:
        unreported = count(r"区未报送(\d+)项", problems) + count(r"(\d+)项考核指标均未报送", problems)
        assert unreported == s["not_reported"]
    if c["assessed"]:
        assert f"全市性指标共{c['assessed']}项" in overall
    _praise_and_shortfalls(doc, everything)


def test_ranking_says_ties_and_leaves_out_districts_without_measures(case):
    name, period, plan, ev, docs = case
    overall = docs[None].section("总体情况")
    ranked = [s for s in ev.standings if s.assessed]
    if not ranked or all(s.not_reported == s.assessed for s in ranked):
        assert "排名" not in overall
        return
    ranking = overall.split("按考核指标完成比例排名：")[1]
    for s in ranked:
        tied = sum(1 for t in ranked if t.rank == s.rank) > 1
        assert re.search(rf"{s.district}[^；]*{'并列' if tied else ''}第{s.rank}名", ranking), (s, ranking)
    for s in ev.standings:
        if not s.assessed:
            assert f"{s.district}{period.words}没有考核指标，不参与排名" in ranking
            assert "排第" not in docs[s.district].text
        elif s.not_reported < s.assessed:
            tied_with = [t.district for t in ranked if t.rank == s.rank and t is not s]
            words = f"与{'、'.join(tied_with)}并列" if tied_with else ""
            assert f"{words}排第{s.rank}名" in docs[s.district].section("总体情况")
    if name == "all_tied":
        assert "并列第1名" in ranking


def test_missed_items_never_read_as_met(case):
    *_, ev, docs = case
    for who, doc in docs.items():
        for m in re.finditer(rf"为({NUM})([^，；。（]*)，(?:序时|进度)?目标({NUM})[^；。]*?差({NUM})", doc.text):
            actual, target, gap = number(m.group(1)), number(m.group(3)), number(m.group(4))
            assert actual < target and gap == target - actual and gap > 0, (who, m.group(0))
        for m in re.finditer(rf"为({NUM})[^（；。]*（[^）]*?目标({NUM})[^）]*?完成率({NUM})%", doc.text):
            actual, target, ratio = (number(m.group(i)) for i in (1, 2, 3))
            assert actual > target and ratio > 100, (who, m.group(0))


def test_next_steps_speak_of_lagging_measures_only_where_some_were_missed(case):
    name, period, plan, ev, docs = case
    results = [r for r in ev.results if r.scope != "total"]
    for who, doc in docs.items():
        mine = ev.for_district(who) if who else results
        next_steps = re.split("特此(通报|函告)", doc.section("下一步工作要求"))[0]
        assert next_steps, who
        if not any(r.status == MISSED for r in mine):
            assert "滞后" not in next_steps and "未完成" not in next_steps, (name, who, next_steps)


def test_annex_agrees_with_the_status(case):
    *_, docs = case
    for who, doc in docs.items():
        table = next(t for t in doc.tables if t and "目标值" in t[0])
        head = table[0]
        col = {name: head.index(name) for name in ("目标值", "完成值", "完成率", "状态")}
        for row in table[1:]:
            if len(row) != len(head):
                continue
            _check_row(row[col["目标值"]], row[col["完成值"]], row[col["完成率"]], row[col["状态"]], who)


def test_city_matrix_agrees_with_the_evaluation(case):
    """The 指标×区 matrix of the city notice (the default annex) in every scenario: each unit's
    cell the figure, mark and target the evaluation gives (nothing reported: 未报 throughout; a
    unit without targets: —), and no figure wider than its column."""
    from test_notice_matrix import check_matrix

    name, period, plan, ev, docs = case
    shared = [r for r in ev.results if r.scope == "district" and r.status in ASSESSED]
    if shared:
        matrix = check_matrix(docs[None].data, plan, ev)
        cells = [c for tr in matrix.rows[1:] for c in matrix.cells(tr)[3:-1]]
        if all(r.status == NOT_REPORTED for r in shared):
            assert {c[0] for c in cells} <= {"未报", "—"}, name
        if name == "district_without_measures":
            column = plan.district_names.index(NEW_DISTRICT) + 3
            assert {matrix.cells(tr)[column][0] for tr in matrix.rows[1:]} == {"—"}
    else:
        assert not any(t and t[0][:3] == ["序号", "指标", "单位"] for t in docs[None].tables), name


def test_nothing_unreported_asks_for_nothing_to_be_reported(case):
    """Where every figure is in, no sentence speaks of figures not reported or asks for them,
    and no cell of the matrix says 未报; where some are missing, the text and the matrix agree."""
    name, period, plan, ev, docs = case
    missing = [r for r in ev.results if r.status == NOT_REPORTED and r.scope != "total"]
    for who, doc in docs.items():
        body = "\n".join("\n".join(paras) for paras in doc.sections.values())
        mine = [r for r in missing if who is None or r.district == who]
        if not mine:
            assert "未报送" not in body and "补报" not in body, (name, who)
    matrix = next((t for t in docs[None].tables if t and t[0][:3] == ["序号", "指标", "单位"]), None)
    if matrix is not None:
        unreported = sum(c.startswith("未报") for row in matrix[1:] for c in row[3:-1])
        assert unreported == sum(1 for r in missing if r.scope == "district"), name


def test_dates_and_progress_words(case):
    name, period, plan, ev, docs = case
    for doc in docs.values():
        assert "2019年7月15日" in doc.text
        if not period.is_year:
            assert "按序时进度50%计算" in doc.text


# ── the progress tables ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", ["borderline_mixed", "missed_all_reported", "zero_targets"])
@pytest.mark.parametrize("period", [Y2018, H1], ids=lambda p: p.key)
def test_progress_tables_agree_with_the_status(name, period, base_plan, tmp_path_factory):
    plan, _, ev = make(base_plan, tmp_path_factory, name, period)
    by_key = {(r.measure.name, r.district or "全市"): r for r in ev.results if r.scope != "total"}
    for district in (None, "南海区"):
        data = fill(
            TEMPLATES / "xlsx" / "任务分解表-完成情况.xlsx", plan, period=period, district=district, evaluation=ev
        )
        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        seen = 0
        for row in ws.iter_rows(min_row=6, values_only=True):
            r = by_key.get((row[6], row[8]))
            if r is None or row[11] is None:
                continue
            seen += 1
            ratio = Decimal(str(row[11]))
            if r.status == MISSED:
                assert row[10] != row[9] and ratio < 1, row
            if r.status in DONE:
                assert ratio >= 1, row
        assert seen
        data = fill(
            TEMPLATES / "docx" / "任务分解表-完成情况.docx", plan, period=period, district=district, evaluation=ev
        )
        doc = Notice(data)
        table = doc.tables[0]
        head = next(row for row in table if "完成率" in row)
        col = {name: head.index(name) for name in ("目标值", "完成值", "完成率", "状态")}
        rows = [row for row in table if len(row) == len(head) and row[col["状态"]] in (MISSED, MET, EXCEEDED)]
        assert rows
        for row in rows:
            _check_row(row[col["目标值"]], row[col["完成值"]], row[col["完成率"]], row[col["状态"]], district)


def test_borderline_figures_are_written_apart():
    assert display.pair(80, 79.96, "%", MISSED)[:2] == ("80.0", "79.96")
    assert display.pair(80, 79.996, "%", MISSED)[:2] == ("80.0", "79.996")
    assert display.pair(10000, 9999, "", MISSED)[:2] == ("10,000", "9,999")
    assert display.pair(18, 17.99, "", MISSED)[:2] == ("18", "17.99")
    assert display.pair(80, 80.001, "%", EXCEEDED)[:2] == ("80.0", "80.001")
    assert display.pair(80, 80, "%", MET)[:2] == ("80.0", "80.0")
    assert display.ratio(0.9999, MISSED)[0] == "99.99%"
    assert display.ratio(0.99999, MISSED)[0] == "99.99%"  # cut, not rounded up to 100.00%
    assert display.ratio(0.9996, MISSED)[0] == "99.96%"
    assert display.ratio(0.914285, MISSED)[0] == "91.4%"
    assert display.ratio(1.0, MET)[0] == "100.0%"
    assert display.ratio(1.0004, EXCEEDED)[0] == "100.04%"
    assert display.ratio(5.00001 / 5, EXCEEDED)[0] == "100.0002%"  # never 100.0% for 超额完成
    assert display.ratio(1 + 1e-13, EXCEEDED)[0] == "100.00000001%"
    assert display.share(1999, 2000) == "99.95%" and display.share(5, 5) == "100.0%"
    t, a, dec = display.pair(80, 79.96, "%", MISSED)
    assert display.gap(t, a, "%", dec) == "0.04"
    assert display.whole_percent(0.5) == "50%" and display.whole_percent(0.75) == "75%"


def test_notice_and_build_with_the_same_date_make_the_same_bytes(cli, tmp_path):
    out = tmp_path / "output"
    made = cli("notice", "--year", "2018", "--date", "2019-01-15", "--city", "-o", out / "2018" / "通报")
    assert made.exit_code == 0, made.output
    notice = next((out / "2018" / "通报").glob("全市-*.docx"))
    first = notice.read_bytes()
    built = cli("build", "--year", "2018", "--date", "2019-01-15", "-o", out)
    assert built.exit_code == 0, built.output
    assert "未设定成文日期" not in built.output
    assert notice.read_bytes() == first  # adopted, not moved aside
    assert not list((out / "2018" / "通报").glob("*备份*"))


def test_date_from_the_config_and_one_warning_without_it(data_dir):
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    jobs = all_jobs(ws, 2018)
    assert len([w for w in ws.warnings if "未设定成文日期" in w]) == 1  # said once, not per notice
    city = next(j for j in jobs if j.path.endswith("通报.docx") and "全市-" in j.path)
    # no date set: the first working day after the period's end and after the last form collected
    # (the sample's logs record its forms collected on Tuesday 2019-01-15)
    assert "2019年1月15日" in Notice(city.make()).text
    (data_dir.parent / "qdocgen.toml").write_text('[notice]\ndate = "2019-01-20"\n', encoding="utf-8")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    jobs = all_jobs(ws, 2018)
    assert not [w for w in ws.warnings if "未设定成文日期" in w]
    city = next(j for j in jobs if j.path.endswith("通报.docx") and "全市-" in j.path)
    assert "2019年1月20日" in Notice(city.make()).text
    maker = NoticeMaker(ws, date="2019-02-01", charts=False)  # --date wins over the file
    assert "2019年2月1日" in Notice(maker.city(Y2018)).text
    # one date for several periods: used where the period had ended, the others said once
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    jobs = all_jobs(ws, None, date="2019-01-15")
    said = [w for w in ws.warnings if "2019年上半年当日尚未结束" in w]
    assert len(said) == 1 and "2019年7月15日" in said[0], ws.warnings  # its forms were collected on 7-15
    h1 = next(j for j in jobs if "全市-2019年上半年" in j.path)
    assert "2019年7月15日" in Notice(h1.make()).text
    (data_dir.parent / "qdocgen.toml").write_text('[notice]\ndates = { "2019-H1" = "2019-06-30" }\n', encoding="utf-8")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    with pytest.raises(UserError, match="不晚于2019年上半年的截止日期"):  # refused before anything is made
        all_jobs(ws, None)


# ── helpers ──────────────────────────────────────────────────────────────────────────────


def _truth(results) -> dict:
    assessed = [r for r in results if r.status in (EXCEEDED, MET, MISSED, NOT_REPORTED)]
    return {
        "assessed": len(assessed),
        "met": sum(1 for r in assessed if r.status in DONE),
        "exceeded": sum(1 for r in assessed if r.status == EXCEEDED),
        "missed": sum(1 for r in assessed if r.status == MISSED),
        "not_reported": sum(1 for r in assessed if r.status == NOT_REPORTED),
    }


def _listed(pattern: str, text: str, sep: str) -> int:
    """The count a sentence states, checked against the items it lists; 0 without one."""
    total = 0
    for m in re.finditer(pattern, text):
        stated, items = int(m.group(1)), m.group(2).split(sep)
        assert stated == len(items), m.group(0)
        total += stated
    return total


def _praise_and_shortfalls(doc: Notice, s: dict) -> None:
    if s["missed"]:
        assert "整改" in doc.text
    else:
        assert "整改" not in doc.text and "部分指标未完成" not in doc.text
    if s["assessed"] and s["met"] == s["assessed"]:
        assert "予以肯定" in doc.text and "巩固成果" in doc.text
    if s["assessed"] and s["not_reported"] == s["assessed"]:
        assert "主要成效" not in "".join(doc.sections) and "予以肯定" not in doc.text


def _check_row(target: str, actual: str, ratio: str, status: str, who) -> None:
    first = re.match(NUM, target)
    shown = re.match(NUM, actual)
    if status == MISSED:
        if first and shown:
            assert number(shown.group(0)) < number(first.group(0)), (who, target, actual)
        if ratio:
            assert number(ratio.removesuffix("%")) < 100, (who, ratio)
    if status in DONE:
        if first and shown:
            assert number(shown.group(0)) >= number(first.group(0)), (who, target, actual)
        if ratio:
            assert number(ratio.removesuffix("%")) >= 100, (who, ratio)
    if status == EXCEEDED and ratio:
        assert number(ratio.removesuffix("%")) > 100, (who, ratio)


def test_scenarios_cover_every_case(base_plan, tmp_path_factory):
    """The generated sets do produce the cases they are named for."""
    seen = set()
    for name in SCENARIOS:
        plan, maker, ev = make(base_plan, tmp_path_factory, name, Y2018)
        ctx = maker.context(Y2018, None, chart=False)
        statuses = {r.status for r in ev.results if r.scope != "total"}
        if ctx["all_met"]:
            seen.add("all met")
        if ctx["any_missed"]:
            seen.add("some missed")
        if not ctx["any_missed"] and ctx["report_gaps"]:
            seen.add("none missed, some not reported")
        if ctx["nothing_reported"]:
            seen.add("nothing reported")
        if any(g["tied"] for g in ctx["ranking"]):
            seen.add("ties")
        if ctx["unranked"]:
            seen.add("district without measures")
        if MISSED in statuses and EXCEEDED in statuses:
            seen.add("under and over")
    assert seen == {
        "all met",
        "some missed",
        "none missed, some not reported",
        "nothing reported",
        "ties",
        "district without measures",
        "under and over",
    }
