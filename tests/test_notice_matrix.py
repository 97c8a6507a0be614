"""The city notice's annex as a 指标×区 matrix ([notice] annex = "matrix", the default): one row
per measure shared out to the units, one column per unit from a column loop, each cell the
unit's figure with its mark and its target; the city's own measures in a list under it. Read
back from the .docx for the bundled plan (5 districts), the same plan with 9 units and the
江州 plan (8 units of four kinds), and laid out by LibreOffice to see that it fits the page."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import zipfile

from lxml import etree

from qdocgen import display
from qdocgen.documents.notice import NoticeMaker
from qdocgen.figures.period import Period
from qdocgen.figures.store import Figure, FigureSet
from qdocgen.plan.model import District
from qdocgen.progress import ASSESSED, EXCEEDED, MET, MISSED, NOT_REPORTED, Evaluation
from qdocgen.render.gbt9704 import Profile
from qdocgen.textwidth import em_width
from qdocgen.workspace import Workspace

from conftest import TEMPLATES, needs_soffice, soffice_convert

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
Y2018 = Period(2018)
MARKS = {EXCEEDED: "▲", MET: "√", MISSED: "×"}
TEXT_WIDTH = Profile().text_height  # the landscape annex's text width, twips


class Table:
    """A table of a rendered notice: its grid, and per row its cells' widths and paragraphs."""

    def __init__(self, tbl):
        self.tbl = tbl
        self.grid = [int(c.get(W + "w")) for c in tbl.iter(W + "gridCol")]
        margins = {m.tag[len(W) :]: int(m.get(W + "w")) for m in tbl.find(f"{W}tblPr/{W}tblCellMar")}
        self.margins = margins.get("left", 108) + margins.get("right", 108)
        self.rows = tbl.findall(W + "tr")

    def cells(self, tr) -> list[list[str]]:
        """Each cell of row `tr` as the texts of its paragraphs."""
        return [
            ["".join(t.text or "" for t in p.iter(W + "t")) for p in tc.iter(W + "p")] for tc in tr.findall(W + "tc")
        ]

    def texts(self) -> list[list[str]]:
        return [["".join(c) for c in self.cells(tr)] for tr in self.rows]


def tables(data: bytes) -> list[Table]:
    body = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    return [Table(t) for t in body.iter(W + "tbl")]


def matrix_of(data: bytes) -> Table:
    return next(t for t in tables(data) if t.texts()[0][:3] == ["序号", "指标", "单位"])


def expected_cell(r) -> list[str]:
    """A unit's cell: the figure and its mark, the target under it (no unit, no separators)."""
    if r is None:
        return ["—", ""]
    shown = display.show(r)
    if r.measure.kind == "milestone":
        actual = "" if r.actual is None else ("已完成" if r.actual >= 1 else "未完成")
        target = "完成" if r.target is not None else ""
    else:
        actual, target = shown.actual.replace(",", ""), shown.target.replace(",", "")
    if r.status == NOT_REPORTED:
        top = "未报"
    elif actual:
        top = actual + MARKS.get(r.status, "")
    else:
        top = "—"
    return [top, target.replace(",", "")]


def check_matrix(data: bytes, plan, ev: Evaluation) -> Table:
    """The matrix holds exactly the district measures assessed in the period, each unit's cell
    what the evaluation says, in the plan's order, and fills the landscape text width."""
    matrix = matrix_of(data)
    head, *rows = matrix.rows
    assert head.find(f"{W}trPr/{W}tblHeader") is not None  # repeated on each page
    assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in rows)  # a row never breaks
    assert matrix.texts()[0] == ["序号", "指标", "单位", *plan.district_names, "合计"]
    shared = [
        m
        for m in plan.measures
        if not m.is_city and any(r.status in ASSESSED for r in ev.results if r.measure is m and r.scope == "district")
    ]
    assert [matrix.texts()[i + 1][:3] for i in range(len(shared))] == [
        [str(m.row), m.name, m.unit or ""] for m in shared
    ]
    assert len(rows) == len(shared)
    for m, tr in zip(shared, rows, strict=True):
        cells = matrix.cells(tr)
        mine = {r.district: r for r in ev.results if r.measure is m and r.scope == "district"}
        total = next((r for r in ev.results if r.measure is m and r.scope == "total"), None)
        assert cells[3:-1] == [expected_cell(mine.get(d)) for d in plan.district_names], m.name
        assert cells[-1] == expected_cell(total), m.name
    # the page's width, shared: the unit columns alike, the fixed ones as in the template
    assert sum(matrix.grid) == TEXT_WIDTH and len(matrix.grid) == len(plan.district_names) + 4
    units = matrix.grid[3:-1]
    assert max(units) - min(units) <= 1
    # no figure wraps: the first line of every cell fits its column in 五号 (10.5 pt)
    for tr in rows:
        for width, cell in zip(matrix.grid[3:], matrix.cells(tr)[3:], strict=True):
            assert em_width(cell[0]) * 210 <= width - matrix.margins, (cell, width)
    return matrix


def percentages_fit(table: Table) -> None:
    """Every figure with a % in the table fits its column on one line in the table's size."""
    size = Profile().table_size * 10  # twips per em
    shown = 0
    for tr in table.rows[1:]:
        for width, cell in zip(table.grid, table.cells(tr), strict=False):
            for line in cell:
                if re.fullmatch(r"[\d.]+%", line):
                    shown += 1
                    assert em_width(line) * size <= width - table.margins, (line, width)
    assert shown


def workspace(data_dir, toml: str = "") -> Workspace:
    if toml:
        (data_dir.parent / "qdocgen.toml").write_text(toml, encoding="utf-8")
    return Workspace(data_dir=data_dir, templates_dir=TEMPLATES)


def test_the_bundled_2018_matrix(data_dir):
    ws = workspace(data_dir)
    data = NoticeMaker(ws, date="2019-01-15", charts=False).city(Y2018)
    matrix = check_matrix(data, ws.plan, ws.evaluation(Y2018))
    texts = matrix.texts()
    # a few cells as a reader sees them: 南海区 32 of 35 龙头企业, 顺德区 44 of 35, 三水区 unreported
    row = next(r for r in texts if r[1] == "细分行业龙头企业数")
    assert row[3:] == ["15×25", "32×35", "44▲35", "15√15", "12×15", "118×125"]
    row = next(r for r in texts if r[1] == "专利转化标准数")
    assert row[-2:] == ["未报3", "未报20"]  # 三水区 did not report; so the total is not whole
    rate = next(r for r in texts if r[1] == "企业质量信用档案建档率")
    assert rate[2] == "%" and rate[-1] == "—"  # a rate is not summed
    # the city's own measures are listed under the matrix, the note explains the marks
    listed = next(t for t in tables(data) if t.texts()[0][:3] == ["序号", "指标", "目标值"])
    percentages_fit(listed)
    city = listed.texts()
    assert ["1", "通过国家质检总局验收", "完成", "已完成", "100.0%", "完成", ""] in city
    assert all(r[1] != "细分行业龙头企业数" for r in city)
    notes = [p.text for p in __import__("docx").Document(io.BytesIO(data)).paragraphs]
    note = next(t for t in notes if t.startswith("注：各区一格中"))
    assert "▲超额完成，√完成，×未完成" in note and "比率类指标不合计" in note
    assert "表1　各区考核指标完成情况" in notes and "表2　全市性指标完成情况" in notes


def test_nine_units_fill_the_page_without_wrapping(data_dir):
    """Four more units, with targets and figures of the widest kinds (99.96%, 12345家)."""
    ws = workspace(data_dir)
    plan = ws.plan
    extra = ("新城区", "东湖区", "西岭县", "北江市")
    measures = []
    for m in plan.measures:
        targets = {}
        for year, t in m.targets.items():
            if isinstance(t, dict):
                t = dict(t, **{u: (99.95 if m.unit == "%" else 12000) for u in extra})
            targets[year] = t
        measures.append(dataclasses.replace(m, targets=targets))
    units = (*plan.districts, *(District(u, u[:2]) for u in extra))
    plan = dataclasses.replace(plan, districts=units, measures=tuple(measures))
    figures = [f for f in ws.figures.periods[Y2018]]
    for m in plan.measures:
        if not m.is_city and m.kind != "qualitative" and Y2018.year in m.targets:
            for u in extra:
                figures.append(Figure(u, m.row, m.name, 99.96 if m.unit == "%" else 12345))
    ws.__dict__["plan"] = plan
    ws.figures = FigureSet(periods={**ws.figures.periods, Y2018: figures})
    ev = ws.evaluation(Y2018)
    data = NoticeMaker(ws, date="2019-01-15", charts=False).city(Y2018)
    matrix = check_matrix(data, plan, ev)
    assert len(matrix.grid) == 13 and matrix.grid[:3] == [620, 2700, 600] and matrix.grid[-1] == 1100
    cells = [c for tr in matrix.rows[1:] for c in matrix.cells(tr)]
    assert ["99.96▲", "99.95"] in cells and ["12345▲", "12000"] in cells


def test_ten_units_get_the_list_unless_the_matrix_is_asked_for(data_dir):
    """By default ([notice] annex = "auto") a tenth unit's column would not fit the landscape page:
    the annex is the list; asked for, the matrix is made all the same."""
    from qdocgen.documents.notice import annex_form

    assert [annex_form("auto", n) for n in (3, 9, 10, 40)] == ["matrix", "matrix", "list", "list"]
    assert annex_form("matrix", 40) == "matrix" and annex_form("list", 5) == "list"
    ws = workspace(data_dir)
    extra = tuple(District(f"新{i}区", f"新{i}") for i in range(5))
    ws.__dict__["plan"] = dataclasses.replace(ws.plan, districts=(*ws.plan.districts, *extra))
    context = NoticeMaker(ws, date="2019-01-15", charts=False).context(Y2018, None)
    assert context["notice"]["annex"] == "list"
    ws = workspace(data_dir, '[notice]\nannex = "matrix"\n')
    ws.__dict__["plan"] = dataclasses.replace(ws.plan, districts=(*ws.plan.districts, *extra))
    assert NoticeMaker(ws, date="2019-01-15", charts=False).context(Y2018, None)["notice"]["annex"] == "matrix"


def test_list_annex_keeps_labels_and_never_wraps_a_percentage(data_dir):
    """[notice] annex = "list": every row carries its 序号 and 指标 (no merged cell to lose
    across a page), and a 完成率 such as 133.3% fits its column in the table's size."""
    ws = workspace(data_dir, '[notice]\nannex = "list"\n')
    data = NoticeMaker(ws, date="2019-01-15", charts=False).city(Y2018)
    annex = tables(data)[0]
    head, *rows = annex.texts()
    assert head[:3] == ["序号", "指标", "区"] and len(rows) > 100
    assert all(r[0] and r[1] for r in rows)
    assert not any(tc.find(f"{W}tcPr/{W}vMerge") is not None for tc in annex.tbl.iter(W + "tc"))
    col = head.index("完成率")
    assert any(r[col].startswith("1") and len(r[col]) >= 6 for r in rows)  # 100.0% and above
    percentages_fit(annex)
    assert sum(annex.grid) == TEXT_WIDTH


def test_the_setting_is_checked(data_dir, cli):
    (data_dir.parent / "qdocgen.toml").write_text('[notice]\nannex = "grid"\n', encoding="utf-8")
    result = cli("--data", data_dir, "notice", "--year", "2018", "-o", data_dir.parent / "out")
    assert result.exit_code != 0
    assert "annex" in result.output and "matrix" in result.output and "list" in result.output
    assert "Traceback" not in result.output


@needs_soffice
def test_eight_units_of_another_city_fit_the_landscape_page(tmp_path):
    """The 江州 plan (8 units): the matrix's pages, as LibreOffice lays them out, keep every
    word inside the page's text area, and the matrix's header is on each of its pages."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_any_plan import fill_forms, run
    from test_any_plan import workspace as jiangzhou

    ws, _ = jiangzhou(tmp_path, "docx")
    assert run(ws, "forms", "--year", 2022, "-o", ws / "收表").exit_code == 0
    fill_forms(ws / "收表")
    assert run(ws, "collect", ws / "收表").exit_code == 0
    assert run(ws, "notice", "--year", 2022, "--date", "2023-01-20", "-o", ws / "out").exit_code == 0
    path = next((ws / "out").rglob("全市-*.docx"))
    space = Workspace(data_dir=ws / "plan_data", templates_dir=TEMPLATES)
    data = path.read_bytes()
    matrix = check_matrix(data, space.plan, space.evaluation(Period(2022)))
    assert matrix.texts()[0][3:-1] == ["东城区", "西城区", "北湖区", "临江县", "南山县", "青溪市", "高新区", "开发区"]
    pdf = soffice_convert([path], tmp_path)[0]
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S)
    landscape = [body for w, h, body in pages if float(w) > float(h)]
    assert landscape
    p = Profile()
    for w, _h, body in [(w, h, b) for w, h, b in pages if float(w) > float(h)]:
        right = float(w) - p.margin_top / 20 + 1  # the landscape page's right margin is the portrait top's
        for x in re.findall(r'xMax="([\d.]+)"', body):
            assert float(x) <= right, (x, right)
    shown = [b for b in landscape if ">合计<" in b]
    assert shown and all(">序号<" in b for b in shown)


def test_what_the_units_said_is_in_the_text_and_the_annex(data_dir):
    """A district's 说明: qualitative progress (考核办法已于9月印发) is in 主要成效, a reason for a
    miss or for a figure not yet in stands beside that item in 存在问题, in the city notice and
    in the district's own letter; the matrix has no room for them, so the annex lists them."""
    ws = workspace(data_dir)
    plan = ws.plan
    # 区级政府质量奖评选机制 as each district's own task, reported in words by two of them
    measures = tuple(dataclasses.replace(m, scope="district") if m.id == "26" else m for m in plan.measures)
    plan = dataclasses.replace(plan, measures=measures)
    noted = {
        ("南海区", 26): "考核办法已于9月印发。",
        ("禅城区", 26): "评选方案已报区政府审定",
        ("三水区", 4): "2家企业的认定材料已报省，预计一季度公布。",  # missed
        ("三水区", 22): "数据待区统计局3月发布",  # not reported
    }
    figures = [f for f in ws.figures.periods[Y2018] if not (f.row == 26 or (f.district, f.row) in noted)]
    figures += [
        Figure(d, row, next(m.name for m in plan.measures if m.row == row and not m.is_city), value, note)
        for (d, row), note in noted.items()
        for value in [{4: 12, 22: None}.get(row)]
    ]
    ws.__dict__["plan"] = plan
    ws.figures = FigureSet(periods={**ws.figures.periods, Y2018: figures})
    maker = NoticeMaker(ws, date="2019-01-15", charts=False)
    city_data = maker.city(Y2018)
    import docx

    city = "\n".join(p.text for p in docx.Document(io.BytesIO(city_data)).paragraphs)
    results = city.split("二、主要成效")[1].split("三、存在问题")[0]
    assert "禅城区区级政府质量奖评选机制，评选方案已报区政府审定" in results
    assert "南海区区级政府质量奖评选机制，考核办法已于9月印发" in results
    problems = city.split("三、存在问题")[1].split("四、")[0]
    assert "细分行业龙头企业数为12家，目标15家，差3家（报送说明：2家企业的认定材料已报省，预计一季度公布）" in problems
    assert "三水区未报送1项：专利转化标准数（报送说明：数据待区统计局3月发布）" in problems
    notes = next(t for t in tables(city_data) if t.texts()[0] == ["序号", "指标", "区", "状态", "说明"]).texts()[1:]
    # with the sample's own notes (顺德区 row 9 …), in the plan's order of measures, then of units
    assert notes == [
        ["4", "细分行业龙头企业数", "三水区", "未完成", "2家企业的认定材料已报省，预计一季度公布。"],
        ["9", "新增质量管理体系认证企业数", "顺德区", "完成", "部分企业认证证书年底前未发放，计入下年度"],
        ["22", "专利转化标准数", "三水区", "未报送", "数据待区统计局3月发布"],
        ["26", "区级政府质量奖评选机制", "禅城区", "不适用", "评选方案已报区政府审定"],
        ["26", "区级政府质量奖评选机制", "南海区", "不适用", "考核办法已于9月印发。"],
        ["27", "有效期内省名牌产品数", "南海区", "完成", "含当年新获评省名牌产品 9 个"],
        ["37", "工业产品质量监督抽查综合合格率", "禅城区", "超额完成", "全年抽查 312 批次，不合格 14 批次"],
    ]
    assert "表3　各区报送的说明" in city
    letter = "\n".join(p.text for p in docx.Document(io.BytesIO(maker.district(Y2018, "南海"))).paragraphs)
    assert "定性任务的进展情况：区级政府质量奖评选机制，考核办法已于9月印发。" in letter
    sanshui = "\n".join(p.text for p in docx.Document(io.BytesIO(maker.district(Y2018, "三水"))).paragraphs)
    assert "差3家（报送说明：2家企业的认定材料已报省，预计一季度公布）" in sanshui
    assert "你区有1项指标未报送完成情况：专利转化标准数（报送说明：数据待区统计局3月发布）。" in sanshui
