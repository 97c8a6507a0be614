"""通报: layout per GB/T 9704 (read back from the .docx), wording against evaluate(), options."""

from __future__ import annotations

import io
import re
import shutil
import zipfile

import docx
import pytest
from lxml import etree

from qdocgen import display
from qdocgen.config import example_config, load_config
from qdocgen.documents.notice import NoticeMaker, check_notice_date, notice_filename
from qdocgen.documents.notice_context import city_annex, subject_of
from qdocgen.errors import UserError
from qdocgen.figures.period import Period
from qdocgen.progress import ASSESSED, MISSED, NOT_REPORTED, evaluate
from qdocgen.render.gbt9704 import Profile
from qdocgen.workspace import Workspace

from conftest import DATA, TEMPLATES, needs_soffice, pdf_pages, soffice_convert

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DATE = re.compile(r"^20\d\d年[1-9]\d?月[1-9]\d?日$")
Y2018 = Period(2018)
H1 = Period(2019, "H1")


# ── helpers ─────────────────────────────────────────────────────────────────────────────


class Doc:
    """A rendered .docx read back: its XML parts, paragraphs by style, and text."""

    def __init__(self, data: bytes):
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.body = self.xml("word/document.xml")
        self.styles = {s.get(W + "styleId"): s for s in self.xml("word/styles.xml").iter(W + "style")}

    def xml(self, name: str):
        return etree.fromstring(self.zip.read(name))

    def paragraphs(self, inside_tables: bool = False) -> list[tuple[str, str]]:
        out = []
        for p in self.body.iter(W + "p"):
            if not inside_tables and any(a.tag == W + "tbl" for a in p.iterancestors()):
                continue
            style = p.find(f"{W}pPr/{W}pStyle")
            out.append(
                (
                    style.get(W + "val") if style is not None else "Normal",
                    "".join(t.text or "" for t in p.iter(W + "t")),
                )
            )
        return out

    def styled(self, style: str) -> list[str]:
        return [text for s, text in self.paragraphs() if s == style]

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.paragraphs())

    def sections(self):
        return list(self.body.iter(W + "sectPr"))

    def style_font(self, sid: str) -> tuple[str, int]:
        rpr = self.styles[sid].find(W + "rPr")
        return rpr.find(W + "rFonts").get(W + "eastAsia"), int(rpr.find(W + "sz").get(W + "val"))

    def style_ppr(self, sid: str, tag: str):
        return self.styles[sid].find(f"{W}pPr/{W}{tag}")

    def tables(self):
        return list(self.body.iter(W + "tbl"))


def table_rows(tbl) -> list[list[str]]:
    return [
        ["".join(t.text or "" for t in tc.iter(W + "t")) for tc in tr.findall(W + "tc")] for tr in tbl.findall(W + "tr")
    ]


@pytest.fixture(scope="module")
def maker():
    return NoticeMaker(Workspace(data_dir=DATA, templates_dir=TEMPLATES))


@pytest.fixture(scope="module")
def city(maker):
    return Doc(maker.city(Y2018))


@pytest.fixture(scope="module")
def nanhai(maker):
    return Doc(maker.district(Y2018, "南海"))


@pytest.fixture
def workspace(tmp_path, data_dir):
    """A writable workspace: plan_data/ copy with qdocgen.toml beside it."""
    return Workspace(data_dir=data_dir, templates_dir=TEMPLATES)


# ── layout ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("which", ["city", "nanhai"])
def test_page_margins_and_grid(which, request):
    doc = request.getfixturevalue(which)
    portrait = [s for s in doc.sections() if s.find(W + "pgSz").get(W + "orient") != "landscape"]
    assert len(portrait) == 2
    for s in portrait:
        size, mar, grid = s.find(W + "pgSz"), s.find(W + "pgMar"), s.find(W + "docGrid")
        assert (size.get(W + "w"), size.get(W + "h")) == ("11906", "16838")
        assert {k: mar.get(W + k) for k in ("top", "left", "right", "bottom")} == {
            "top": "2098",
            "left": "1587",
            "right": "1474",
            "bottom": "1984",
        }
        assert (grid.get(W + "type"), grid.get(W + "linePitch")) == ("lines", "579")
    normal = doc.styles["Normal"]
    spacing = normal.find(f"{W}pPr/{W}spacing")
    assert (spacing.get(W + "line"), spacing.get(W + "lineRule")) == ("579", "exact")
    assert normal.find(f"{W}rPr/{W}spacing").get(W + "val") == "-5"  # 28 characters a line


def test_profile_numbers():
    p = Profile()
    assert (p.text_width, p.text_height, p.line_pitch, p.char_spacing) == (8845, 12756, 579, -5)


@pytest.mark.parametrize("which", ["city", "nanhai"])
def test_fonts_and_sizes_by_role(which, request):
    doc = request.getfixturevalue(which)
    assert doc.style_font("QTitle") == ("方正小标宋简体", 44)
    assert doc.style_font("QBody") == ("仿宋_GB2312", 32)
    assert doc.style_font("QHeading1") == ("黑体", 32)
    assert doc.style_font("QHeading2Char") == ("楷体_GB2312", 32)
    assert doc.style_font("QPageOdd") == ("宋体", 28)
    assert doc.style_font("QImprint") == ("仿宋_GB2312", 28)
    assert doc.style_ppr("QBody", "ind").get(W + "firstLine") == "640"
    assert doc.styles["QTitle"].find(f"{W}rPr/{W}b").get(W + "val") == "0"
    headings = doc.styled("QHeading1")
    assert headings == ["一、总体情况", "二、主要成效", "三、存在问题", "四、下一步工作要求"]
    kai = [r for r in doc.body.iter(W + "r") if r.find(f"{W}rPr/{W}rStyle") is not None]
    assert any("".join(t.text for t in r.iter(W + "t")).startswith("（一）") for r in kai)
    fonts = doc.xml("word/styles.xml").find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert fonts.get(W + "eastAsia") == "zh-CN"
    assert b"Mincho" not in doc.zip.read("word/styles.xml")


@pytest.mark.parametrize("which", ["city", "nanhai"])
def test_page_numbers_odd_right_even_left(which, request):
    doc = request.getfixturevalue(which)
    assert doc.xml("word/settings.xml").find(W + "evenAndOddHeaders") is not None
    first = doc.sections()[0]
    refs = {
        r.get(W + "type"): r.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        for r in first.findall(W + "footerReference")
    }
    rels = etree.fromstring(doc.zip.read("word/_rels/document.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    for kind, style in (("default", "QPageOdd"), ("even", "QPageEven")):
        footer = doc.xml("word/" + target[refs[kind]])
        assert footer.find(f".//{W}pStyle").get(W + "val") == style
        assert "PAGE" in "".join(t.text for t in footer.iter(W + "instrText"))
        text = "".join(t.text for t in footer.iter(W + "t"))
        assert text.startswith("— ") and text.endswith(" —") and "\u2014" in text
    assert doc.style_ppr("QPageOdd", "jc").get(W + "val") == "right"
    assert doc.style_ppr("QPageOdd", "ind").get(W + "right") == "280"
    assert doc.style_ppr("QPageEven", "jc").get(W + "val") == "left"
    assert doc.style_ppr("QPageEven", "ind").get(W + "left") == "280"


@pytest.mark.parametrize("which", ["city", "nanhai"])
def test_landscape_annex_with_repeated_header(which, request):
    doc = request.getfixturevalue(which)
    landscape = [s for s in doc.sections() if s.find(W + "pgSz").get(W + "orient") == "landscape"]
    assert len(landscape) == 1
    size, mar = landscape[0].find(W + "pgSz"), landscape[0].find(W + "pgMar")
    assert (size.get(W + "w"), size.get(W + "h")) == ("16838", "11906")
    assert int(size.get(W + "w")) - int(mar.get(W + "left")) - int(mar.get(W + "right")) == 12756
    annex = doc.tables()[0]
    assert annex.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None
    assert sum(int(c.get(W + "w")) for c in annex.iter(W + "gridCol")) <= 12756
    # page numbers on the landscape pages stand where portrait pages have them (left edge)
    assert b"qdocgen:page-number:odd" in b"".join(doc.zip.read(n) for n in doc.zip.namelist() if "header" in n)


# ── wording ─────────────────────────────────────────────────────────────────────────────


def test_title_addressee_date(city, nanhai):
    assert city.styled("QTitle") == ["关于2018年度全市工业产品质量提升工作完成情况的通报"]
    # a district's own document is a 函 by default ([notice] district_genre)
    assert nanhai.styled("QTitle") == ["关于反馈南海区2018年度工业产品质量提升工作完成情况的函"]
    assert city.styled("QAddressee") == ["各区人民政府："]
    assert nanhai.styled("QAddressee") == ["南海区人民政府："]
    for doc in (city, nanhai):
        assert (
            "佛府办函〔2017〕388号" in doc.text and "《佛山市工业产品质量提升三年行动计划（2017—2019年）》" in doc.text
        )
        assert DATE.match(doc.styled("QSignDate")[0])
        assert doc.styled("QSignName") == ["佛山市质量强市工作领导小组办公室"]
        assert ("特此通报。" if doc is city else "特此函告。") in doc.styled("QBody")
        assert doc.styled("QAnnexNote")[0].startswith("附件：")
        assert doc.styled("QAnnexLabel")[0] == "附件"
        imprint = table_rows(doc.tables()[-1])  # the 版记, after the annex's tables
        assert imprint[0][0] == "抄送：市质量强市工作领导小组各成员单位。"
        assert imprint[1][0] == "佛山市质量强市工作领导小组办公室" and re.match(
            r"^20\d\d年[1-9]\d?月[1-9]\d?日印发$", imprint[1][1]
        )


def _missed_phrase(r) -> str:
    if r.measure.kind == "milestone":
        return f"{r.measure.name}尚未完成"
    # running text carries no thousands separators (1000家)
    return f"{r.measure.name}为{display.with_unit(display.show(r).actual, r.measure.unit)}，".replace(",", "")


def test_district_names_every_missed_and_unreported_measure(plan, figures, maker):
    for period in (Y2018, H1, Period(2017)):
        ev = evaluate(plan, figures, period)
        for d in plan.district_names:
            doc = Doc(maker.district(period, d))
            text = doc.text
            for r in ev.for_district(d):
                if r.status == MISSED:
                    assert _missed_phrase(r) in text, (period, d, r.measure.name)
                    if r.measure.kind != "milestone":
                        gap = display.show(r).gap
                        assert f"差{gap}{'个百分点' if r.measure.unit == '%' else r.measure.unit}" in text
                if r.status == NOT_REPORTED:
                    unreported = [t for t in doc.styled("QBody") if "未报送完成情况：" in t]
                    assert unreported and r.measure.name in unreported[0]
            rows = table_rows(doc.tables()[0])[1:]
            assert len(rows) == len(ev.for_district(d))
            assert [row[1] for row in rows] == [r.measure.name for r in ev.for_district(d)]


def test_missed_figures_example(nanhai):
    # 南海区 2018: 细分行业龙头企业数 32 of 35
    assert "细分行业龙头企业数为32家，目标35家，差3家" in nanhai.text


def test_city_names_every_missed_measure_and_ranks(plan, figures, city):
    ev = evaluate(plan, figures, Y2018)
    text = city.text
    for r in ev.results:
        if r.status == MISSED and r.scope != "total":
            assert _missed_phrase(r) in text, r.measure.name
        if r.status == NOT_REPORTED and r.scope == "district":
            line = next(t for t in city.styled("QBody") if f"{r.district}未报送" in t)
            assert r.measure.name in line and "暂无法评估" not in city.text
    for s in ev.standings:
        assert s.district in text
    assert "并列第1名" in text
    # the annex (a 指标×区 matrix by default, tests/test_notice_matrix.py) names every measure
    # assessed in the period, shared out to the districts or the city's own
    named = {row[1] for t in city.tables()[:-1] for row in table_rows(t)[1:]}
    assessed = {r.measure.name for r in ev.results if r.status in ASSESSED}
    assert assessed <= named


def test_city_list_annex_has_a_row_per_measure_and_district(data_dir):
    """[notice] annex = "list": one row per measure and district, each with its 序号 and 指标."""
    (data_dir.parent / "qdocgen.toml").write_text('[notice]\nannex = "list"\n', encoding="utf-8")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    ev = ws.evaluation(Y2018)
    city = Doc(NoticeMaker(ws, date="2019-01-15").city(Y2018))
    assert len(city.tables()) == 2  # the list and the 版记
    rows = table_rows(city.tables()[0])[1:]
    annex = city_annex(ws.plan, ev)
    assert len(rows) == len(annex)
    assert [(row[0], row[1], row[2]) for row in rows] == [(str(a["row"]), a["measure"], a["place"]) for a in annex]
    assert {m.name for m in ws.plan.measures} <= {row[1] for row in rows}


def test_sample_data_is_said_visibly(city, nanhai):
    for doc in (city, nanhai):
        notes = doc.styled("QSample")
        assert len(notes) == 2 and all("示例数据" in n for n in notes)
        assert doc.styles["QSample"].find(f"{W}rPr/{W}color").get(W + "val") == "FF0000"


def test_chart_is_a_native_word_chart(city, nanhai):
    """No pictures: the chart is a chart part (tests/test_docx_chart.py checks it in depth)."""
    for doc in (city, nanhai):
        names = doc.zip.namelist()
        assert "word/charts/chart1.xml" in names and not any(n.startswith("word/media/") for n in names)


def test_half_year_speaks_of_time_progress(maker):
    doc = Doc(maker.district(H1, "南海"))
    assert doc.styled("QTitle") == ["关于反馈南海区2019年上半年工业产品质量提升工作完成情况的函"]
    assert "序时进度50%" in doc.text and "50.0%" not in doc.text
    assert "序时目标" in doc.text and "全年目标" in doc.text


# ── options and inputs ──────────────────────────────────────────────────────────────────


def test_filenames_and_subject(plan):
    assert subject_of(plan) == "工业产品质量提升"
    assert (
        notice_filename(Y2018, "工业产品质量提升", "南海区") == "南海区-2018年度工业产品质量提升工作完成情况通报.docx"
    )
    assert notice_filename(Y2018, "工业产品质量提升") == "全市-2018年度工业产品质量提升工作完成情况通报.docx"
    # a district's document is named after its genre ([notice] district_genre, default 函)
    assert (
        notice_filename(Y2018, "工业产品质量提升", "南海区", "函")
        == "南海区-2018年度工业产品质量提升工作完成情况反馈函.docx"
    )
    assert notice_filename(Y2018, "工业产品质量提升", genre="函").endswith("完成情况通报.docx")  # the city's: 通报


def test_date_option_and_validation(workspace):
    m = NoticeMaker(workspace, date="2019-01-15")
    assert Doc(m.district(Y2018, "禅城")).styled("QSignDate") == ["2019年1月15日"]
    with pytest.raises(UserError, match="不晚于"):
        check_notice_date(__import__("datetime").date(2018, 6, 1), Y2018)
    with pytest.raises(UserError, match="不是有效的日期"):
        NoticeMaker(workspace, date="2019-02-30")
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        NoticeMaker(workspace, date="2019年1月5日")


def test_toml_override_changes_the_output(workspace):
    (workspace.data_dir.parent / "qdocgen.toml").write_text(
        '[gbt9704]\nmargin_top = 2200\nbody_font = "仿宋"\nred_head = true\n'
        'issuer_mark = "佛山市质量强市工作领导小组办公室文件"\ndoc_number = "佛质强办〔2019〕3号"\n'
        '[notice]\nsubject = "工业产品质量提升三年行动"\n',
        encoding="utf-8",
    )
    doc = Doc(NoticeMaker(workspace).city(Y2018))
    assert doc.sections()[0].find(W + "pgMar").get(W + "top") == "2200"
    assert doc.style_font("QBody") == ("仿宋", 32)
    assert doc.styled("QMark") == ["佛山市质量强市工作领导小组办公室文件"]
    assert doc.styled("QDocNumber") == ["佛质强办〔2019〕3号"]
    assert doc.styles["QMark"].find(f"{W}rPr/{W}color").get(W + "val") == "FF0000"
    assert doc.styled("QTitle") == ["关于2018年度全市工业产品质量提升三年行动工作完成情况的通报"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('doc_number = "佛质强办[2019]03号"', "六角括号"),
        ("margin_top = -3", "之间"),
        ('colour = "red"', "未知的设置项"),
        ('red_head = "yes"', "true 或 false"),
    ],
)
def test_bad_profile_is_refused_naming_the_key(tmp_path, line, message):
    path = tmp_path / "qdocgen.toml"
    path.write_text(f"[gbt9704]\n{line}\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_config(path)
    assert message in str(info.value) and line.split(" =")[0] in str(info.value)


def test_example_config_lists_every_key_and_loads(tmp_path):
    text = example_config()
    for key in Profile.__dataclass_fields__:
        assert f"# {key} = " in text
    path = tmp_path / "qdocgen.toml"
    path.write_text(
        "\n".join(x[2:] if x.startswith("# ") and " = " in x else x for x in text.splitlines()), encoding="utf-8"
    )
    assert load_config(path).gbt9704 == Profile()


def test_unknown_notice_setting_is_refused(workspace):
    (workspace.data_dir.parent / "qdocgen.toml").write_text('[notice]\ntitle = "x"\n', encoding="utf-8")
    with pytest.raises(UserError, match="未知的设置项 title"):
        NoticeMaker(workspace)


def test_shows_is_json_and_tells_documents_apart(maker):
    import json

    one = json.dumps(maker.shows(Y2018, "南海"), ensure_ascii=False, sort_keys=True)
    assert one == json.dumps(maker.shows(Y2018, "南海区"), ensure_ascii=False, sort_keys=True)
    assert one != json.dumps(maker.shows(Y2018, "顺德"), ensure_ascii=False, sort_keys=True)
    assert json.dumps(maker.shows(H1, None), ensure_ascii=False)


def test_reproducible_bytes(maker):
    again = NoticeMaker(Workspace(data_dir=DATA, templates_dir=TEMPLATES))
    assert maker.city(Y2018) == again.city(Y2018)
    assert maker.district(H1, "顺德") == again.district(H1, "顺德区")


def test_templates_prepared_once_per_build(workspace):
    m = NoticeMaker(workspace, charts=False)
    for period in (Y2018, H1):
        m.city(period)
        for d in workspace.plan.district_names:
            m.district(period, d)
    assert m.prepare_count == 2


def test_missing_figures_said_unless_strict(workspace):
    csv = workspace.data_dir / "figures" / "2018.csv"
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    csv.write_text("\n".join(x for x in lines if not x.startswith("南海区,")) + "\n", encoding="utf-8")
    doc = Doc(NoticeMaker(workspace).district(Y2018, "南海"))
    assert "你区尚未报送2018年度完成情况" in doc.text
    with pytest.raises(UserError, match="未报送"):
        NoticeMaker(workspace, strict=True).district(Y2018, "南海")


def test_cli_writes_city_and_every_district(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("notice", "--year", "2018", "-o", out)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 6 and "全市-2018年度工业产品质量提升工作完成情况通报.docx" in names
    docx.Document(out / "南海区-2018年度工业产品质量提升工作完成情况反馈函.docx")
    again = cli("notice", "--year", "2018", "--district", "南海", "-o", out)
    assert "未变化" in again.output
    early = cli("notice", "--year", "2018", "--date", "2018-06-01", "--city", "-o", out)
    # (dated after the period and the last form collected: the sample's logs say 2019-01-15)
    assert early.exit_code == 0 and "2018年度当日尚未结束" in early.output and "2019年1月15日" in early.output
    strict = cli("notice", "--year", "2018", "--district", "三水", "--strict", "-o", out)
    assert strict.exit_code == 1 and "专利转化标准数" in strict.output


@needs_soffice
def test_libreoffice_converts_to_pdf(tmp_path, maker):
    path = tmp_path / "notice.docx"
    path.write_bytes(maker.district(Y2018, "南海"))
    (pdf,) = soffice_convert([path], tmp_path)
    assert pdf_pages(pdf.read_bytes()) > 1


@needs_soffice
def test_template_saved_by_libreoffice_still_takes_the_profile(tmp_path, data_dir):
    """LibreOffice renumbers the ids of styles with Chinese names when it saves a template;
    the profile still finds them by name."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(TEMPLATES / "docx" / "通报-区.docx", src / "in.docx")
    (tmp_path / "saved").mkdir()
    soffice_convert([src / "in.docx"], tmp_path / "saved", to="docx:MS Word 2007 XML")
    templates = tmp_path / "templates" / "docx"
    templates.mkdir(parents=True)
    shutil.copy(tmp_path / "saved" / "in.docx", templates / "通报-区.docx")
    (data_dir.parent / "qdocgen.toml").write_text(
        '[gbt9704]\nbody_font = "仿宋"\nmargin_left = 1650\n', encoding="utf-8"
    )
    doc = Doc(NoticeMaker(Workspace(data_dir=data_dir, templates_dir=tmp_path / "templates")).district(Y2018, "南海"))
    body = next(s for s in doc.styles.values() if s.find(W + "name").get(W + "val") == "公文正文")
    assert body.find(f"{W}rPr/{W}rFonts").get(W + "eastAsia") == "仿宋"
    assert doc.sections()[0].find(W + "pgMar").get(W + "left") == "1650"
    assert "细分行业龙头企业数为32家，目标35家，差3家" in doc.text


def test_document_properties_are_the_notices_date_and_office(plan, monkeypatch):
    """docProps/core.xml: created/modified on the 成文日期 and written by the office, not
    2000-01-01 and “qdocgen”; SOURCE_DATE_EPOCH, when set, still wins for the dates."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    maker = NoticeMaker(Workspace(data_dir=DATA, templates_dir=TEMPLATES), date="2019-01-15")
    for data in (maker.city(Y2018), maker.district(Y2018, "南海")):
        core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
        assert core.count("2019-01-15T00:00:00Z") == 2 and "2000-01-01" not in core, core
        assert f"<dc:creator>{plan.office}</dc:creator>" in core and ">qdocgen<" not in core, core
    assert maker.city(Y2018) == maker.city(Y2018)  # still deterministic
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1546300800")  # 2019-01-01T00:00:00Z
    core = zipfile.ZipFile(io.BytesIO(maker.city(Y2018))).read("docProps/core.xml").decode()
    assert core.count("2019-01-01T00:00:00Z") == 2 and plan.office in core


def test_the_last_collection_day_is_kept_by_the_log_s_bytes(data_dir, monkeypatch, tmp_path):
    """The notices' default date follows the collection log: kept between runs (a build reads every
    period's log before its workers start), it is read again once the log changes, and a log that
    cannot be read is said every time, never kept."""
    from datetime import date

    from qdocgen.documents.notice import last_collected
    from qdocgen.errors import DataError
    from qdocgen.figures import log as log_module
    from qdocgen.figures.period import Period
    from qdocgen.workspace import Workspace

    monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(tmp_path / "cache"))
    reads = []
    real = log_module.read_log
    monkeypatch.setattr(log_module, "read_log", lambda *a: reads.append(a) or real(*a))
    log = data_dir / "figures" / "2018.收集记录.csv"
    period = Period(2018)
    assert last_collected(Workspace(data_dir=data_dir), period) == date(2019, 1, 15)
    assert last_collected(Workspace(data_dir=data_dir), period) == date(2019, 1, 15)
    assert len(reads) == 1  # the second from the cache
    text = log.read_text(encoding="utf-8-sig")
    log.write_text(
        text + "2019-02-20 10:30:00,全市,44,培训企业各类人员人次,14000,14500,,,修改,更正,,,,,\n", encoding="utf-8-sig"
    )
    assert last_collected(Workspace(data_dir=data_dir), period) == date(2019, 2, 20)
    log.write_text(text + "不是时间,全市,44,培训企业各类人员人次,14000,14500,,,修改,更正,,,,,\n", encoding="utf-8-sig")
    for _ in range(2):
        with pytest.raises(DataError, match="收集记录"):
            last_collected(Workspace(data_dir=data_dir), period)
