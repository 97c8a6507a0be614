"""Native Word charts: the notices' charts read back (part, caches, workbook, relationships,
content types, Word's strict rules) against the evaluation; the chart tag in any Word template;
bad tags; LibreOffice draws them as vector graphics."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from qdocgen import display
from qdocgen.documents.notice import CHART_FONT_RETIRED, NoticeMaker
from qdocgen.errors import TemplateError
from qdocgen.figures.period import Period
from qdocgen.progress import MET, MISSED, evaluate
from qdocgen.render.docx.chart_part import ChartTable, chart_parts
from qdocgen.render.docx.charts import parse_tag
from qdocgen.render.docx.engine import PreparedDocx
from qdocgen.workspace import Workspace

from conftest import DATA, ROOT, TEMPLATES, needs_soffice, soffice_convert

sys.path.insert(0, str(ROOT))
from tools import notice_charts  # noqa: E402

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
Y2018 = Period(2018)

# Schema order (ECMA-376 dml-chart.xsd) of the children that matter here.
ORDER = {
    "chartSpace": "date1904 lang roundedCorners AlternateContent clrMapOvr pivotSource protection chart spPr txPr "
    "externalData printSettings userShapes extLst",
    "chart": "title autoTitleDeleted pivotFmts view3D floor sideWall backWall plotArea legend plotVisOnly "
    "dispBlanksAs showDLblsOverMax extLst",
    "barChart": "barDir grouping varyColors ser dLbls gapWidth overlap serLines axId extLst",
    "lineChart": "grouping varyColors ser dLbls dropLines hiLowLines upDownBars marker smooth axId extLst",
    "ser": "idx order tx spPr invertIfNegative pictureOptions marker dPt dLbls trendline errBars cat val shape "
    "smooth extLst",
    "dLbls": "dLbl delete numFmt spPr txPr dLblPos showLegendKey showVal showCatName showSerName showPercent "
    "showBubbleSize separator showLeaderLines leaderLines extLst",
    "catAx": "axId scaling delete axPos majorGridlines minorGridlines title numFmt majorTickMark minorTickMark "
    "tickLblPos spPr txPr crossAx crosses crossesAt auto lblAlgn lblOffset tickLblSkip tickMarkSkip noMultiLvlLbl "
    "extLst",
    "valAx": "axId scaling delete axPos majorGridlines minorGridlines title numFmt majorTickMark minorTickMark "
    "tickLblPos spPr txPr crossAx crosses crossesAt crossBetween majorUnit minorUnit dispUnits extLst",
    "scaling": "logBase orientation max min extLst",
    "defRPr": "ln noFill solidFill gradFill blipFill pattFill grpFill effectLst effectDag highlight uLnTx uLn "
    "uFillTx uFill latin ea cs sym hlinkClick hlinkMouseOver rtl extLst",
}


class Package:
    """A .docx read back: its members, a chart part and its embedded workbook."""

    def __init__(self, data: bytes):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = self.zip.namelist()

    def xml(self, name: str):
        return etree.fromstring(self.zip.read(name))

    def rels(self, name: str) -> dict[str, etree._Element]:
        return {r.get("Id"): r for r in self.xml(name)}

    def chart(self, part: str = "word/charts/chart1.xml"):
        return self.xml(part)

    def embedded(self):
        ext = self.chart().find(C + "externalData")
        rel = self.rels("word/charts/_rels/chart1.xml.rels")[ext.get(R + "id")]
        assert rel.get("Type") == "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package"
        name = "word/embeddings/" + rel.get("Target").rsplit("/", 1)[-1]
        assert rel.get("Target") == "../embeddings/" + name.rsplit("/", 1)[-1]
        return name, load_workbook(io.BytesIO(self.zip.read(name)))


def series(chart) -> list[tuple[str, list[str], dict[int, float]]]:
    """(name, categories, {index: value}) of each series, from the caches."""
    out = []
    for ser in chart.iter(C + "ser"):
        name = ser.find(f"{C}tx/{C}strRef/{C}strCache/{C}pt/{C}v").text
        cat_cache = ser.find(f"{C}cat/{C}strRef/{C}strCache")
        count = int(cat_cache.find(C + "ptCount").get("val"))
        cats = [""] * count
        for pt in cat_cache.iter(C + "pt"):
            cats[int(pt.get("idx"))] = pt.find(C + "v").text or ""
        num_cache = ser.find(f"{C}val/{C}numRef/{C}numCache")
        assert int(num_cache.find(C + "ptCount").get("val")) == count
        values = {int(pt.get("idx")): float(pt.find(C + "v").text) for pt in num_cache.iter(C + "pt")}
        out.append((name, cats, values))
    return out


def in_schema_order(root) -> list[str]:
    """Elements whose children break the schema order (empty when all is well)."""
    bad = []
    for el in root.iter():
        local = etree.QName(el).localname
        if local not in ORDER or el.tag not in (C + local, A + local):
            continue
        order = ORDER[local].split()
        seen = [etree.QName(c).localname for c in el if isinstance(c.tag, str)]
        ranks = [order.index(s) if s in order else -1 for s in seen]
        if -1 in ranks or ranks != sorted(ranks):
            bad.append(f"{local}: {seen}")
    return bad


@pytest.fixture(scope="module")
def maker():
    return NoticeMaker(Workspace(data_dir=DATA, templates_dir=TEMPLATES))


@pytest.fixture(scope="module")
def evaluation(plan, figures):
    return evaluate(plan, figures, Y2018)


@pytest.fixture(scope="module")
def city(maker):
    return Package(maker.city(Y2018))


@pytest.fixture(scope="module")
def nanhai(maker):
    return Package(maker.district(Y2018, "南海"))


# ── the notices' charts ─────────────────────────────────────────────────────────────────────


def test_city_chart_caches_hold_each_districts_rate(city, evaluation, plan):
    # each district's 完成比例 as the display rule shows it (docs/progress.md, 七)
    rates = {s.district: display.ratio(s.rate, MET if s.met == s.assessed else MISSED)[1] for s in evaluation.standings}
    (name, cats, values), (target, cats2, ones) = series(city.chart())
    assert cats == cats2 == plan.district_names  # the plan's order
    assert name == "完成比例" and [values[i] for i in range(len(cats))] == pytest.approx(
        [rates[d] for d in cats], rel=1e-14
    )
    assert target == "目标（100%）" and ones == {i: 1.0 for i in range(len(cats))}


def test_district_chart_marks_missed_measures_in_their_own_series(nanhai, evaluation):
    mine = [r for r in evaluation.for_district("南海区") if r.ratio is not None]
    (done_name, cats, done), (missed_name, cats2, missed) = series(nanhai.chart())
    assert (done_name, missed_name) == ("已完成", "未完成")
    assert cats == cats2 == [r.measure.name for r in mine]
    assert any(r.status == MISSED for r in mine) and any(r.status != MISSED for r in mine)
    for i, r in enumerate(mine):
        # each measure's bar in exactly one series: a gap (no c:pt) in the other
        shown, other = (missed, done) if r.status == MISSED else (done, missed)
        assert shown[i] == pytest.approx(display.ratio(r.ratio, r.status)[1], rel=1e-14) and i not in other
    assert len(done) + len(missed) == len(mine)


@pytest.mark.parametrize("which", ["city", "nanhai"])
def test_embedded_workbook_holds_the_same_data(which, request):
    pkg = request.getfixturevalue(which)
    name, wb = pkg.embedded()
    ws = wb.active
    data = series(pkg.chart())
    cats = data[0][1]
    assert ws.cell(1, 1).value == ("区" if which == "city" else "指标")
    assert [ws.cell(1, 2 + k).value for k in range(len(data))] == [s[0] for s in data]
    assert [ws.cell(2 + i, 1).value for i in range(len(cats))] == cats
    for k, (_, _, values) in enumerate(data):
        for i in range(len(cats)):
            assert ws.cell(2 + i, 2 + k).value == values.get(i)  # a gap is an empty cell
            assert ws.cell(2 + i, 2 + k).number_format == "0.0#######%"  # as many decimals as the display rule needs
    # the series' references point at those cells
    ser = next(pkg.chart().iter(C + "ser"))
    assert ser.find(f"{C}cat/{C}strRef/{C}f").text == f"Sheet1!$A$2:$A${len(cats) + 1}"
    assert ser.find(f"{C}val/{C}numRef/{C}f").text == f"Sheet1!$B$2:$B${len(cats) + 1}"


@pytest.mark.parametrize("which", ["city", "nanhai"])
def test_parts_relationships_and_content_types(which, request):
    pkg = request.getfixturevalue(which)
    types = pkg.xml("[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(CT + "Override")}
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(CT + "Default")}
    assert overrides["/word/charts/chart1.xml"] == "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
    assert defaults["xlsx"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    doc = pkg.xml("word/document.xml")
    (ref,) = doc.iter(C + "chart")  # drawn once
    rel = pkg.rels("word/_rels/document.xml.rels")[ref.get(R + "id")]
    assert rel.get("Type") == "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
    assert rel.get("Target") == "charts/chart1.xml"
    graphic = ref.getparent()
    assert graphic.get("uri") == "http://schemas.openxmlformats.org/drawingml/2006/chart"
    assert ref.getparent().getparent().getparent().tag == WP + "inline"
    name, _ = pkg.embedded()
    assert name in pkg.names
    assert not any(n.startswith("word/media/") for n in pkg.names)  # no picture anywhere


@pytest.mark.parametrize("which", ["city", "nanhai"])
def test_words_strict_rules_hold(which, request):
    pkg = request.getfixturevalue(which)
    ids = []
    for name in pkg.names:
        if name.startswith("word/") and name.endswith(".xml") and "/charts/" not in name:
            ids += [p.get("id") for p in pkg.xml(name).iter(WP + "docPr")]
    assert ids and len(ids) == len(set(ids))  # unique drawing ids across body, headers and footers
    assert in_schema_order(pkg.chart()) == []
    # the binding tag is gone from the output: from the alt text and from the chart's title
    for pr in pkg.xml("word/document.xml").iter(WP + "docPr"):
        assert "{{" not in (pr.get("descr") or "") + (pr.get("title") or "")
    chart = pkg.chart()
    assert chart.find(f"{C}chart/{C}title") is None
    assert chart.find(f"{C}chart/{C}autoTitleDeleted").get("val") == "1"  # Word makes up no title


@pytest.mark.parametrize("name", ["通报-全市.docx", "通报-区.docx"])
def test_notice_templates_carry_their_tag_in_the_chart_title(name):
    pkg = Package((TEMPLATES / "docx" / name).read_bytes())
    text = "".join(t.text for t in pkg.chart().find(f"{C}chart/{C}title").iter(A + "t"))
    assert text.startswith("{{ chart: chart | ")
    assert PreparedDocx(TEMPLATES / "docx" / name).warnings == []


@pytest.mark.parametrize("which", ["city", "nanhai"])
def test_east_asian_fonts_percent_axis_and_100_percent_reference(which, request):
    chart = request.getfixturevalue(which).chart()
    props = list(chart.iter(A + "defRPr"))
    assert props and all(p.find(A + "ea") is not None and p.find(A + "ea").get("typeface") for p in props)
    assert all(int(p.get("sz")) <= 1000 for p in props)  # not python-pptx's 18 pt
    val_ax = chart.find(f".//{C}valAx")
    fmt = val_ax.find(C + "numFmt")
    assert "%" in fmt.get("formatCode") and fmt.get("sourceLinked") == "0"
    if which == "city":  # a dashed target line at 100%
        line = chart.find(f".//{C}lineChart/{C}ser")
        assert line.find(f"{C}spPr/{A}ln/{A}prstDash").get("val") == "dash"
    else:  # dashed gridlines every 100%: the one inside the plot marks the target
        assert val_ax.find(C + "majorUnit").get("val") == "1"
        assert val_ax.find(f"{C}majorGridlines/{C}spPr/{A}ln/{A}prstDash").get("val") == "dash"


def test_workbook_bytes_are_reproducible(city, maker):
    name, _ = city.embedded()
    again = Package(NoticeMaker(Workspace(data_dir=DATA, templates_dir=TEMPLATES)).city(Y2018))
    assert city.zip.read(name) == again.zip.read(name)
    inner = zipfile.ZipFile(io.BytesIO(city.zip.read(name)))
    assert {i.date_time for i in inner.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    assert b"2000-01-01T00:00:00Z" in inner.read("docProps/core.xml")


def test_nothing_reported_leaves_the_chart_out(tmp_path, data_dir):
    (data_dir / "figures" / "2018.csv").write_text("区,序号,指标,完成值,说明,来源\n", encoding="utf-8-sig")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    for data in (NoticeMaker(ws).city(Y2018), NoticeMaker(ws).district(Y2018, "南海")):
        pkg = Package(data)
        assert list(pkg.xml("word/document.xml").iter(C + "chart")) == []
        # and the template's sample figures are nowhere in the file
        ((_, cats, values), *_) = series(pkg.chart())
        assert cats == [""] and values == {}
        assert [c.value for c in pkg.embedded()[1].active["A"]][1:] in ([None], [""])


def test_fingerprint_follows_the_chart_data(maker):
    shown = maker.shows(Y2018, "南海")["context"]
    assert shown["chart"] and shown["chart"][0].keys() == {"label", "ratio", "missed"}
    assert "chart" in maker.template("通报-全市.docx").env.used_names()


def test_fingerprint_of_a_template_showing_only_a_chart(tmp_path):
    """A template whose only variable is in its chart's tag still shows that list."""
    path = tmp_path / "t.docx"
    path.write_bytes(chart_docx("{{ chart: standings | 区=district, 完成率=rate }}"))
    assert "standings" in PreparedDocx(path).env.used_names()


def test_retired_chart_font_setting_warns_once(data_dir, cli):
    (data_dir.parent / "qdocgen.toml").write_text('[chart]\nfont = "SimHei"\ndpi = 300\n', encoding="utf-8")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    NoticeMaker(ws), NoticeMaker(ws)
    assert list(ws.warnings).count(CHART_FONT_RETIRED) == 1
    result = cli("notice", "--year", "2018", "--city", "-o", "out", data=data_dir)
    assert result.exit_code == 0, result.output
    assert result.output.count("[chart] 一节（font）已不再使用") == 1


# ── the tag in any Word template ────────────────────────────────────────────────────────────


def chart_docx(tag: str, body: str = "", *, loop: bool = False, horizontal: bool = False) -> bytes:
    """A minimal Word document holding one chart whose alt text is `tag`."""
    ns = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    )
    chart = f"<w:p>{notice_charts.drawing(horizontal, tag)}</w:p>"
    if loop:
        chart = f"<w:p><w:r><w:t>{{%p for x in [1, 2] %}}</w:t></w:r></w:p>{chart}<w:p><w:r><w:t>{{%p endfor %}}</w:t></w:r></w:p>"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        f"{notice_charts.CONTENT_TYPES}</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="word/document.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>",
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {ns}><w:body>'
        f"<w:p><w:r><w:t>{body}</w:t></w:r></w:p>{chart}<w:sectPr/></w:body></w:document>",
        "word/_rels/document.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{notice_charts.DOC_REL}</Relationships>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
        for name, blob in notice_charts.chart_package_parts(horizontal, tag_in_title=False).items():
            z.writestr(name, blob)
    return buf.getvalue()


def test_render_fills_a_chart_of_any_context_list(cli, tmp_path, evaluation):
    template = tmp_path / "排名图.docx"
    tag = '{{ chart: standings|sort(attribute="rank") | 区=district, 完成率=rate, 完成项数=met }} 各区排名'
    template.write_bytes(chart_docx(tag, "{{ plan.city }}"))
    result = cli("render", template, "--year", "2018", "-o", tmp_path / "out.docx")
    assert result.exit_code == 0, result.output
    pkg = Package((tmp_path / "out.docx").read_bytes())
    ranked = sorted(evaluation.standings, key=lambda s: s.rank)
    data = series(pkg.chart())
    assert [s[0] for s in data] == ["完成率", "完成项数"]  # a third series was added, cloned from the last
    assert data[0][1] == [s.district for s in ranked]
    assert data[0][2] == pytest.approx({i: s.rate for i, s in enumerate(ranked)}, rel=1e-14)
    assert data[1][2] == {i: float(s.met) for i, s in enumerate(ranked)}
    uids = [u.get("val") for u in pkg.chart().iter("{http://schemas.microsoft.com/office/drawing/2014/chart}uniqueId")]
    assert len(uids) == len(set(uids))
    (pr,) = pkg.xml("word/document.xml").iter(WP + "docPr")
    assert pr.get("descr") == "各区排名"  # the alt text without its tag
    _, wb = pkg.embedded()
    assert [c.value for c in wb.active[1]] == ["区", "完成率", "完成项数"]
    assert in_schema_order(pkg.chart()) == []


@pytest.mark.parametrize(
    "tag, district, first",
    [  # the examples of docs/templates.md
        ('{{ chart: standings|sort(attribute="rank") | 区=district, 完成率=rate }}', None, "rate"),
        ('{{ chart: progress|rejectattr("ratio", "none") | 指标=measure, 完成率=ratio }}', "南海", "ratio"),
    ],
)
def test_documented_examples(cli, tmp_path, tag, district, first):
    assert tag in (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    template = tmp_path / "例.docx"
    template.write_bytes(chart_docx(tag))
    args = ["render", template, "--year", "2018", "-o", tmp_path / "out.docx"]
    result = cli(*args, *(["--district", district] if district else []))
    assert result.exit_code == 0, result.output
    ((_, cats, values),) = series(Package((tmp_path / "out.docx").read_bytes()).chart())
    assert len(cats) > 1 and len(values) == len(cats) and "指标一" not in cats


@pytest.mark.parametrize(
    "values, points",
    [
        ((0, None, 1.0), {0: 0.0, 2: 1.0}),  # 0 is a bar of zero, none a gap, exactly 100% a bar
        ((None, None, None), {}),
    ],
)
def test_zero_gap_and_exact_values(values, points):
    parts = notice_charts.chart_package_parts(False)
    parts["[Content_Types].xml"] = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    table = ChartTable("区", ("甲", "乙", "丙"), (("完成率", values),))
    out = chart_parts(parts, "word/charts/chart1.xml", table)
    ((name, cats, got),) = series(etree.fromstring(out["word/charts/chart1.xml"]))
    assert (name, cats, got) == ("完成率", ["甲", "乙", "丙"], points)
    # the line chart the second series stood in is gone with it
    assert etree.fromstring(out["word/charts/chart1.xml"]).find(f".//{C}lineChart") is None


def test_empty_list_gives_an_empty_chart(tmp_path):
    path = tmp_path / "t.docx"
    path.write_bytes(chart_docx("{{ chart: [] | 区=name, 完成率=rate }}"))
    pkg = Package(PreparedDocx(path).render({}))
    ((_, cats, values),) = series(pkg.chart())
    assert cats == [""] and values == {}


def test_workbook_is_embedded_when_the_chart_has_none(tmp_path):
    parts = notice_charts.chart_package_parts(False)
    chart = etree.fromstring(parts.pop("word/charts/chart1.xml"))
    chart.remove(chart.find(C + "externalData"))
    parts = {
        "word/charts/chart1.xml": etree.tostring(chart),
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    }
    out = chart_parts(parts, "word/charts/chart1.xml", ChartTable("区", ("甲",), (("率", (0.5,)),)))
    rid = etree.fromstring(out["word/charts/chart1.xml"]).find(C + "externalData").get(R + "id")
    (rel,) = etree.fromstring(out["word/charts/_rels/chart1.xml.rels"])
    assert rel.get("Id") == rid and (Path("word/charts") / rel.get("Target")).name in {
        Path(n).name for n in out if n.endswith(".xlsx")
    }
    assert b'Extension="xlsx"' in out["[Content_Types].xml"]
    assert in_schema_order(etree.fromstring(out["word/charts/chart1.xml"])) == []


@pytest.mark.parametrize(
    "tag, expected",
    [
        ("chart: standings | 区=district, 完成率=rate", ("standings", (("区", "district"), ("完成率", "rate")))),
        (
            'chart：annex|rejectattr("ratio", "none") | 指标＝measure，率=ratio if x == 1 else none',
            ('annex|rejectattr("ratio", "none")', (("指标", "measure"), ("率", "ratio if x == 1 else none"))),
        ),
        ("chart: rows[:5] | 甲=a, 乙=b >= 1", ("rows[:5]", (("甲", "a"), ("乙", "b >= 1")))),
        (
            "chart: rows|sort(attribute=“rank”) | 甲=a, 乙=b|round(2)",
            ('rows|sort(attribute="rank")', (("甲", "a"), ("乙", "b|round(2)"))),
        ),
    ],
)
def test_tag_syntax(tag, expected):
    """Full-width ：，＝ are accepted as typed with a Chinese input method; filters keep their `|`."""
    inside = tag.split(":", 1)[-1] if ":" in tag else tag.split("：", 1)[-1]
    assert parse_tag(inside) == expected


@pytest.mark.parametrize(
    "tag, message",
    [
        ("{{ chart: standings }}", "缺少“| 名称=字段"),
        ("{{ chart: standings | 区=district }}", "至少要有分类和一个系列"),
        ("{{ chart: standings | 区=district, 区=rate }}", "名称重复"),
        ("{{ chart: standings | 区=district, 完成率=rate( }}", "完成率"),
        ("{{ chart: nosuch | 区=district, 完成率=rate }}", "nosuch"),
        ("{{ chart: standings | 区=district, 完成率=district }}", "系列“完成率”第1项应为数字，实为 '禅城区'"),
        ("{{ chart: plan.title | 区=district, 完成率=rate }}", "应为列表"),
        ("{{ chart: standings | 区=district, 完成率=nosuch.x }}", "第1项的“完成率”"),
        ("{{ chart: standings | 区=district, 完成率=rat }}", "第1项的“完成率”：未定义的变量“rat”"),
        ("{{ chart: standings | 区=district, 完成率=item.rat }}", "没有属性“rat”"),
        ("{{ chart: nosuch | 区=district, 完成率=rate }}", "未定义的变量“nosuch”"),
        ("{{ chart: range(20000) | 甲=item, 乙=item }}", "一张图表最多画 10,000 项"),
    ],
)
def test_bad_tag_is_refused_naming_template_and_chart(tmp_path, plan, figures, tag, message):
    from qdocgen.documents.context import base_context

    path = tmp_path / "坏模板.docx"
    path.write_bytes(chart_docx(tag))
    context = base_context(plan, period=Y2018, evaluation=evaluate(plan, figures, Y2018))
    with pytest.raises(TemplateError) as err:
        PreparedDocx(path).render(context)
    text = str(err.value)
    assert "坏模板.docx" in text and "各区完成率图" in text and message in text


def test_chart_in_a_loop_is_refused(tmp_path):
    path = tmp_path / "t.docx"
    path.write_bytes(chart_docx("{{ chart: [1] | 甲=item, 乙=item }}", loop=True))
    with pytest.raises(TemplateError, match="图表不能放在循环中"):
        PreparedDocx(path).render({})


def test_a_tag_on_a_picture_is_refused(tmp_path):
    data = chart_docx("{{ chart: [1] | 甲=item, 乙=item }}")
    zin = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in zin.namelist():
            blob = zin.read(n)
            if n == "word/_rels/document.xml.rels":
                blob = blob.replace(b'Id="rIdChart1"', b'Id="rIdOther"')
            z.writestr(n, blob)
    path = tmp_path / "t.docx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(TemplateError, match="不是 Word 图表"):
        PreparedDocx(path)


# ── LibreOffice ─────────────────────────────────────────────────────────────────────────────

needs_poppler = pytest.mark.skipif(
    shutil.which("pdfimages") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils（pdfimages、pdftotext）未安装；.ci/run 会在 CI 中安装它",
)


@needs_soffice
@needs_poppler
def test_libreoffice_draws_the_charts_as_vector(tmp_path, maker, evaluation):
    paths = []
    for name, data in (("city.docx", maker.city(Y2018)), ("nanhai.docx", maker.district(Y2018, "南海"))):
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    for pdf in soffice_convert(paths, tmp_path):
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
        assert len(images.stdout.strip().splitlines()) == 2, images.stdout  # the heading only: no raster image
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        squeezed = "".join(text.split())
        if pdf.stem == "city":
            assert "目标（100%）" in squeezed and "120%" in squeezed  # legend and axis labels are text
            for s in evaluation.standings:
                assert f"{s.rate:.1%}" in squeezed  # each bar's label
        else:
            assert "未完成" in squeezed and "已完成" in squeezed and "200%" in squeezed


@needs_soffice
def test_template_saved_by_libreoffice_keeps_its_chart_binding(tmp_path, maker):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(TEMPLATES / "docx" / "通报-区.docx", src / "通报-区.docx")
    templates = tmp_path / "templates" / "docx"
    templates.mkdir(parents=True)
    soffice_convert([src / "通报-区.docx"], templates, to="docx:MS Word 2007 XML")
    ws = Workspace(data_dir=DATA, templates_dir=tmp_path / "templates")
    pkg = Package(NoticeMaker(ws).district(Y2018, "南海"))
    ours = Package(maker.district(Y2018, "南海"))
    chart_name = next(n for n in pkg.names if n.startswith("word/charts/chart") and n.endswith(".xml"))
    assert [s[1:] for s in series(pkg.chart(chart_name))] == [s[1:] for s in series(ours.chart())]


def test_a_chart_without_tag_is_said(tmp_path, cli):
    """Its data stays the template's: the user is told, not left to find sample figures."""
    path = tmp_path / "无标记.docx"
    path.write_bytes(chart_docx("只是一张图"))
    assert len(PreparedDocx(path).warnings) == 1 and "没有 {{ chart: … }} 标记" in PreparedDocx(path).warnings[0]
    result = cli("render", path, "-o", tmp_path / "out.docx")
    assert result.exit_code == 0 and "图表“各区完成率图”没有 {{ chart: … }} 标记" in result.output


def test_fingerprint_changes_with_only_the_chart_data(tmp_path, data_dir):
    """A notice template showing nothing but its chart: the build's fingerprint still follows
    the chart's data (a corrected figure remakes the notice), and nothing else moves it."""
    templates = tmp_path / "templates" / "docx"
    templates.mkdir(parents=True)
    (templates / "通报-区.docx").write_bytes(chart_docx("{{ chart: chart | 指标=label, 完成率=ratio }}"))
    ws = Workspace(data_dir=data_dir, templates_dir=tmp_path / "templates")
    before = NoticeMaker(ws).shows(Y2018, "南海")
    assert before == NoticeMaker(Workspace(data_dir=data_dir, templates_dir=tmp_path / "templates")).shows(
        Y2018, "南海"
    )
    csv = data_dir / "figures" / "2018.csv"
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("南海区,") and ",细分行业龙头企业数," in line)
    cells = lines[i].split(",")
    cells[3] = str(int(float(cells[3])) + 1)
    lines[i] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    after = NoticeMaker(Workspace(data_dir=data_dir, templates_dir=tmp_path / "templates")).shows(Y2018, "南海")
    assert after != before and set(after["context"]) == {"chart"}


def test_texts_stay_text_in_the_embedded_workbook():
    """A name that looks like a formula or an address is text in 编辑数据, not a formula or link."""
    parts = notice_charts.chart_package_parts(False)
    parts["[Content_Types].xml"] = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    names = ('=HYPERLINK("http://x","y")', "http://example.com", "+1", "<&>")
    table = ChartTable("=A1", names, (("=SUM(B2:B3)", (1, 2, 3, 4)),))
    out = chart_parts(parts, "word/charts/chart1.xml", table)
    xlsx = next(v for k, v in out.items() if k.endswith(".xlsx"))
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert [c.value for c in ws["A"]] == ["=A1", *names] and [c.data_type for c in ws["A"]] == ["s"] * 5
    assert ws["B1"].value == "=SUM(B2:B3)" and ws["B1"].data_type == "s"
    assert not ws._hyperlinks
    ((name, cats, _),) = series(etree.fromstring(out["word/charts/chart1.xml"]))
    assert name == "=SUM(B2:B3)" and cats == list(names)


def test_points_styled_past_the_last_category_are_dropped():
    parts = notice_charts.chart_package_parts(False)
    parts["[Content_Types].xml"] = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    chart = etree.fromstring(parts["word/charts/chart1.xml"])
    ser = chart.find(f".//{C}ser")
    for i in (1, 4):  # the user coloured the 2nd and the 5th bar
        dpt = etree.fromstring(f'<c:dPt xmlns:c="{C[1:-1]}"><c:idx val="{i}"/><c:invertIfNegative val="0"/></c:dPt>')
        ser.find(C + "invertIfNegative").addnext(dpt)
    parts["word/charts/chart1.xml"] = etree.tostring(chart)
    out = chart_parts(parts, "word/charts/chart1.xml", ChartTable("区", ("甲", "乙", "丙"), (("率", (1, 2, 3)),)))
    ser = etree.fromstring(out["word/charts/chart1.xml"]).find(f".//{C}ser")
    assert [d.find(C + "idx").get("val") for d in ser.findall(C + "dPt")] == ["1"]
