"""Issue 21: what a 科长 signs unchanged — the change since the last period, repeated misses,
deadlines from the 成文日期, addressees that agree with the tasks, each document its own 文号,
units that are not all districts, and the plan's final year. Every notice is read back."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import docx
import pytest

from qdocgen.documents.notice import NoticeMaker, next_working_day
from qdocgen.documents.notice_context import join_names
from qdocgen.figures.period import Period
from qdocgen.workspace import Workspace

from conftest import TEMPLATES

Y2018 = Period(2018)


def text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(__import__("io").BytesIO(data)).paragraphs)


def maker(data_dir, toml: str = "", date: str | None = "2019-01-15", plan=None, charts=False) -> NoticeMaker:
    if toml:
        (data_dir.parent / "qdocgen.toml").write_text(toml, encoding="utf-8")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    if plan is not None:
        ws.__dict__["plan"] = plan(ws.plan)
    return NoticeMaker(ws, date=date, charts=charts)


def test_city_notice_says_the_change_the_repeats_and_the_deadline(data_dir):
    city = text(maker(data_dir).city(Y2018))
    # 总体情况: the completion share against 2017, and who moved in the ranking
    assert re.search(r"总体完成比例85\.9%，较2017年度（[\d.]+%）提高[\d.]+个百分点", city)
    assert "与2017年度相比，禅城区上升2位" in city
    # 主要成效 with figures, the milestone reached, citywide totals
    assert "通过国家质检总局验收（任务分解表第1项）" in city
    assert re.search(r"各区合计\d+家（目标\d+家，完成目标的[\d.]+%）", city)
    # a measure missed in 2017 and 2018 is flagged where it is listed
    assert "认证活动监督检查次数为12次，目标20次，差8次（连续两年未完成）" in city
    # 工作要求: praise for the first, a written explanation from the last, a deadline 15 days on
    assert "禅城区、顺德区完成比例位居全市第一，予以肯定" in city
    assert "三水区完成比例排名末位，要于2019年1月30日前向我办书面说明" in city
    assert "确保2019年目标任务按期完成" in city
    # no separators, no 待定, the unreported counted as not done (said once)
    assert "1,000" not in city and "待定" not in city and "暂无法评估" not in city
    assert city.count("按未完成计）") == 1
    # the leading group's members are only in 抄送: no task for them
    assert "成员单位要" not in city and "我办将会同市有关部门加强跟踪督导" in city


def test_members_get_a_task_only_when_addressed(data_dir):
    toml = '[notice]\naddressees = "各区人民政府，市质量强市工作领导小组各成员单位"\ncopy_to = "市人大常委会办公室"\n'
    m = maker(data_dir, toml)
    city = text(m.city(Y2018))
    assert "各区人民政府，市质量强市工作领导小组各成员单位：" in city
    assert "领导小组各成员单位要加强对口指导" in city
    blob = m.city(Y2018)
    assert "抄送：市人大常委会办公室。" in "".join(
        c.text for t in docx.Document(__import__("io").BytesIO(blob)).tables for r in t.rows for c in r.cells
    )


def test_district_letter_genre_rank_change_and_repeats(data_dir):
    nanhai = text(maker(data_dir).district(Y2018, "南海"))
    assert "关于反馈南海区2018年度" in nanhai and "现将有关情况函告如下" in nanhai and "特此函告。" in nanhai
    assert "较2017年度（79.3%）提高5.9个百分点" in nanhai and "名次与2017年度相同" in nanhai
    assert "其中推荐申请“广东优质”企业数、认证活动监督检查次数连续两年未完成，要作为整改重点" in nanhai
    assert "于2019年1月30日前将整改情况报送我办" in nanhai
    sanshui = text(maker(data_dir).district(Y2018, "三水"))
    assert "你区完成比例排名全市末位" in sanshui and "未完成原因的书面说明和整改情况" in sanshui
    as_notice = text(maker(data_dir, '[notice]\ndistrict_genre = "通报"\n').district(Y2018, "南海"))
    assert "关于南海区2018年度" in as_notice and "特此通报。" in as_notice and "函告" not in as_notice


def test_counties_and_a_functional_zone_are_addressed_as_what_they_are(data_dir):
    def units(plan):
        kinds = {"三水区": "县", "高明区": "功能区"}
        return dataclasses.replace(
            plan,
            districts=tuple(
                dataclasses.replace(d, kind=kinds.get(d.name, d.kind), authority="", you="") for d in plan.districts
            ),
        )

    m = maker(data_dir, plan=units)
    city = text(m.city(Y2018))
    assert "各区、县人民政府，高明区管委会：" in city and "各区（县、功能区）" in city
    gaoming = text(m.district(Y2018, "高明"))
    assert "高明区管委会：" in gaoming and "你委" in gaoming and "你区" not in gaoming
    sanshui = text(m.district(Y2018, "三水"))
    assert "三水区人民政府：" in sanshui and "你县完成比例排名全市末位" in sanshui and "你区" not in sanshui


def test_final_year_asks_for_lasting_results(data_dir):
    shutil.copy(data_dir / "figures" / "2018.csv", data_dir / "figures" / "2019.csv")
    m = maker(data_dir, date="2020-01-15")
    city = text(m.city(Period(2019)))
    assert "2019年是《行动计划》实施的最后一年" in city and "建立长效机制" in city
    assert "下一年度" not in city and "2020年目标任务" not in city
    # the same figures again: a third year of the same misses, the same first and last
    assert "认证活动监督检查次数为12次，目标20次，差8次（连续三年未完成）" in city
    assert "禅城区完成比例位居全市第一" in city and "三水区完成比例排名末位" in city
    # every district left figures out: 各区 are asked for them, not five names
    assert "各区要于2020年1月30日前补报未报送的数据" in city
    first = text(m.district(Period(2019), "禅城"))
    assert "你区完成比例位居全市第一，予以肯定" in first and "建立长效机制" in first and "2020年目标" not in first
    last = text(m.district(Period(2019), "三水"))
    assert "你区完成比例排名全市末位" in last and "未完成原因的书面说明和整改情况" in last
    assert "2019年是《行动计划》实施的最后一年，要对未完成的指标逐项说明原因" in last and "2020年目标" not in last
    # the annex of the final year: the matrix, cell by cell
    from test_notice_matrix import check_matrix

    check_matrix(m.city(Period(2019)), m.ws.plan, m.ws.evaluation(Period(2019)))


def test_each_notice_has_its_own_number_and_dates_never_fall_on_a_weekend(data_dir):
    toml = (
        '[gbt9704]\nred_head = true\nissuer_mark = "佛山市质量强市工作领导小组办公室"\n'
        'doc_number = "佛质强办〔{year}〕{n}号"\n[notice]\nfirst_number = 5\n'
        'dates = { "2019-H1" = "2019-07-22" }\n'
    )
    m = maker(data_dir, toml, date=None)
    numbers = {(p, d): m.number(p, d) for p in (Period(2017), Y2018) for d in (None, "南海区")}
    assert numbers[(Period(2017), None)] == "佛质强办〔2018〕5号"  # 2017's notices are dated 2 January 2018
    assert numbers[(Y2018, None)] == "佛质强办〔2019〕5号" and numbers[(Y2018, "南海区")] == "佛质强办〔2019〕7号"
    assert m.number(Period(2019, "H1"), None) == "佛质强办〔2019〕11号"  # after 2018's six
    assert "佛质强办〔2019〕7号" in text(m.district(Y2018, "南海"))
    assert m.district(Y2018, "南海") == maker(data_dir, date=None).district(Y2018, "南海")  # stable
    for day in range(1, 40):
        d = next_working_day(__import__("datetime").date(2019, 1, 1) + __import__("datetime").timedelta(days=day))
        assert d.weekday() < 5


def test_names_with_the_list_mark_stay_apart():
    assert join_names(["甲、乙认证企业数", "丙数"]) == "“甲、乙认证企业数”、丙数"


def test_progress_json_has_the_previous_period(cli):
    out = cli("progress", "--year", "2018", "--district", "南海", "--format", "json")
    assert out.exit_code == 0, out.output
    records = json.loads(out.output)
    row = next(r for r in records if r["measure"] == "认证活动监督检查次数")
    assert row["previous_period"] == "2017" and row["previous_status"] == "未完成"
    assert row["missed_in_a_row"] == 2 and row["previous_rank"] == 3 and row["rank_change"] == 0


@pytest.mark.parametrize(
    "toml, why",
    [('[notice]\ndistrict_genre = "报告"\n', "函"), ('[notice]\ndates = { "2019-X" = "2019-07-01" }\n', "时段")],
)
def test_bad_settings_are_named(data_dir, toml, why):
    from qdocgen.errors import UserError

    with pytest.raises(UserError) as exc:
        maker(data_dir, toml)
    assert why in str(exc.value) + "".join(str(p) for p in getattr(exc.value, "problems", []) or [])


def _pdf_pages(pdf: Path) -> list[str]:
    import subprocess

    count = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout)[1]
    )
    return [
        subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True).stdout
        for n in range(1, count + 1)
    ]


PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")


def test_the_imprint_falls_on_an_even_last_page(data_dir, tmp_path):
    """The 版记's section starts on an even page (Word, WPS and LibreOffice put a blank page before
    it where the text ends on an even page); with a blank page before it, neither page is
    numbered (GB/T 9704 7.5): the copy `build --pdf` converts then has the 版记 page unnumbered."""
    from qdocgen.pdf import converted, last_pages
    from qdocgen.render.docx.imprint_copy import imprint_unnumbered

    blob = maker(data_dir).district(Y2018, "南海")
    body = docx.Document(__import__("io").BytesIO(blob)).element.body
    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    assert body.find(f"{W}sectPr/{W}type").get(W + "val") == "evenPage"
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice 或 poppler 未安装")
    (tmp_path / "as_is").mkdir()
    (tmp_path / "unnumbered").mkdir()
    (tmp_path / "as_is" / "n.docx").write_bytes(blob)
    (tmp_path / "unnumbered" / "n.docx").write_bytes(imprint_unnumbered(blob))
    assert [e for _, e in converted([tmp_path / "as_is" / "n.docx", tmp_path / "unnumbered" / "n.docx"])] == [None] * 2
    as_is, unnumbered = (_pdf_pages(tmp_path / k / "n.pdf") for k in ("as_is", "unnumbered"))
    assert len(as_is) == len(unnumbered) and len(as_is) % 2 == 0  # the 版记 on an even page, either way
    assert "印发" in as_is[-1] and "印发" in unnumbered[-1]
    blank = last_pages((tmp_path / "as_is" / "n.pdf").read_bytes())[1]
    assert blank is (as_is[-2].strip() == "") is (unnumbered[-2].strip() == "")
    assert PAGE_NUMBER.search(as_is[-1]) and not PAGE_NUMBER.search(unnumbered[-1])
    assert PAGE_NUMBER.search(unnumbered[0])  # while the pages before them keep theirs


def test_build_pdf_gives_each_imprint_page_the_number_its_case_wants(data_dir, tmp_path):
    """A build converts each 通报 in the form its case is expected to need, and again in the other
    form where its PDF shows the other case (here: the record made to expect the wrong case)."""
    from qdocgen.build import RECORD, run_build
    from qdocgen.build_pdf import BLANK_KEY
    from qdocgen.documents.catalog import notice_jobs
    from qdocgen.pdf import last_pages

    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice 或 poppler 未安装")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    jobs = [j for j in notice_jobs(ws, [Y2018]) if j.district in (None, "南海区")]
    out = tmp_path / "out"
    assert run_build(ws, jobs, out, pdf=True).ok

    def check() -> dict[str, bool]:
        record = json.loads((out / RECORD).read_text(encoding="utf-8"))
        cases = {}
        for job in jobs:
            pdf = (out / job.path).with_suffix(".pdf")
            pages = _pdf_pages(pdf)
            blank = last_pages(pdf.read_bytes())[1]
            assert len(pages) % 2 == 0 and "印发" in pages[-1]
            assert bool(PAGE_NUMBER.search(pages[-1])) is not blank, job.path  # GB/T 9704 7.5
            assert record["outputs"][job.path][BLANK_KEY] is blank
            cases[job.path] = blank
        return cases

    cases = check()
    assert True in cases.values()  # the bundled 2018 notices end on an even page: a blank page, unnumbered 版记
    record = json.loads((out / RECORD).read_text(encoding="utf-8"))
    for job in jobs:  # the next build expects the wrong case, and must still come out right
        entry = record["outputs"][job.path]
        entry[BLANK_KEY] = not cases[job.path]
        entry.pop("pdf_of")
    (out / RECORD).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    shown = []

    def pdf_progress(items, count):  # what a progress bar is given: each document once, of `count`
        shown.append(count)
        for item in items:
            shown.append(item)
            yield item

    assert run_build(ws, jobs, out, pdf=True, pdf_progress=pdf_progress).ok
    assert check() == cases
    count, *items = shown  # each converted twice, counted once, by its own name (not its copy's)
    assert count == len(jobs) and sorted(items) == sorted((out / job.path, None) for job in jobs)


def test_a_wrong_guess_is_converted_again_by_a_libreoffice_already_running(data_dir, tmp_path, monkeypatch):
    """The 通报 go first in each LibreOffice's batch; one whose PDF shows the other case has its
    other form written to the spare path at the end of that batch, and the same LibreOffice
    converts it: no third process (a start costs ~2 s of CPU), and the pages still come out right."""
    from qdocgen import pdf
    from qdocgen.build import RECORD, run_build
    from qdocgen.build_pdf import BLANK_KEY
    from qdocgen.documents.catalog import notice_jobs, progress_table_jobs
    from qdocgen.pdf import last_pages

    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice 或 poppler 未安装")
    monkeypatch.setenv("QDOCGEN_WORKERS", "2")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    notices = [j for j in notice_jobs(ws, [Y2018]) if j.district in (None, "南海区")]
    tables = [j for j in progress_table_jobs(ws, Y2018) if j.path.endswith(".docx")][:4]
    jobs = tables + notices  # the notices last: the build still converts them first
    out = tmp_path / "out"
    assert run_build(ws, jobs, out, pdf=True).ok
    record = json.loads((out / RECORD).read_text(encoding="utf-8"))
    for job in jobs:  # the next build expects the wrong case for both 通报
        entry = record["outputs"][job.path]
        entry.pop("pdf_of")
        if BLANK_KEY in entry:
            entry[BLANK_KEY] = not entry[BLANK_KEY]
    (out / RECORD).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    started = []
    real = pdf._Converter._start
    monkeypatch.setattr(pdf._Converter, "_start", lambda self, files: started.append(files) or real(self, files))
    assert run_build(ws, jobs, out, pdf=True).ok
    assert len(started) == 2, started  # no process of their own for the two 通报 converted again
    # The 通报 first within each batch, whichever batches the cost model put them in (both may
    # share one, beside the 650 kB city table alone in the other): never after another document.
    kinds = [[f.name.endswith(("通报.docx", "反馈函.docx")) for f in batch] for batch in started]
    assert all(kind == sorted(kind, reverse=True) for kind in kinds), started
    assert sum(map(sum, kinds)) == 2 and any(True in kind and False in kind[:-1] for kind in kinds), started
    record = json.loads((out / RECORD).read_text(encoding="utf-8"))
    for job in notices:
        pdf_path = (out / job.path).with_suffix(".pdf")
        pages = _pdf_pages(pdf_path)
        blank = last_pages(pdf_path.read_bytes())[1]
        assert record["outputs"][job.path][BLANK_KEY] is blank
        assert bool(PAGE_NUMBER.search(pages[-1])) is not blank, job.path  # GB/T 9704 7.5
    for job in tables:
        assert (out / job.path).with_suffix(".pdf").is_file()


def test_build_pdf_without_libreoffices_blank_pages_makes_its_own(data_dir, tmp_path, monkeypatch):
    """A LibreOffice before 7.4 ignores the option that keeps its blank pages (as the plain `pdf`
    filter does): the odd page count shows it, and the 通报 is converted with a page break of its
    own before the 版记, so the PDF still ends with a blank page and an unnumbered 版记 page."""
    from qdocgen import pdf
    from qdocgen.build import run_build
    from qdocgen.documents.catalog import notice_jobs

    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice 或 poppler 未安装")
    monkeypatch.setattr(pdf, "EXPORT", "pdf")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    jobs = [j for j in notice_jobs(ws, [Y2018]) if j.district == "南海区"]
    out = tmp_path / "out"
    outcome = run_build(ws, jobs, out, pdf=True)
    assert outcome.ok, outcome.pdf_failed
    pages = _pdf_pages((out / jobs[0].path).with_suffix(".pdf"))
    assert len(pages) % 2 == 0 and "印发" in pages[-1]
    assert pages[-2].strip() == "" and not PAGE_NUMBER.search(pages[-1])


def test_a_pdf_that_cannot_be_written_is_named_and_the_others_are_made(data_dir, tmp_path, monkeypatch):
    from qdocgen import build_pdf
    from qdocgen.build import run_build
    from qdocgen.documents.catalog import notice_jobs
    from qdocgen.errors import UserError

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice 未安装")
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    jobs = [j for j in notice_jobs(ws, [Y2018]) if j.district in ("南海区", "顺德区")]
    real = build_pdf.write_atomic

    def refuse_nanhai(path, data):
        if "南海区" in path.name:
            raise UserError(f"无法写入 {path}：只读")
        return real(path, data)

    monkeypatch.setattr(build_pdf, "write_atomic", refuse_nanhai)
    out = tmp_path / "out"
    outcome = run_build(ws, jobs, out, pdf=True)
    nanhai, shunde = (j.path for j in jobs)
    assert [path for path, _ in outcome.pdf_failed] == [nanhai]
    assert "只读" in outcome.pdf_failed[0][1]
    assert (out / shunde).with_suffix(".pdf").is_file() and not (out / nanhai).with_suffix(".pdf").exists()


def test_the_city_chart_shows_a_district_that_reported_nothing(data_dir):
    path = data_dir / "figures" / "2018.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join(x for x in lines if not x.startswith("高明区")) + "\n", encoding="utf-8-sig")
    m = maker(data_dir, charts=True)
    bars = {b["label"]: b["ratio"] for b in m.context(Y2018, None)["chart"]}
    assert list(bars) == m.ws.plan.district_names and bars["高明区"] == 0
    city = text(m.city(Y2018))
    assert "高明区第5名，未报送完成情况，完成比例0" in city or "高明区27项考核指标均未报送" in city


def test_a_remade_notice_says_the_ranking_moved_it(cli, data_dir):
    out = data_dir.parent / "out"
    assert cli("build", "--year", "2018", "--date", "2019-01-15", "-o", str(out), data=data_dir).exit_code == 0
    path = data_dir / "figures" / "2018.csv"
    path.write_text(
        path.read_text(encoding="utf-8-sig").replace(
            "禅城区,4,细分行业龙头企业数,15,", "禅城区,4,细分行业龙头企业数,30,"
        ),
        encoding="utf-8-sig",
    )
    again = cli("build", "--year", "2018", "--date", "2019-01-15", "-o", str(out), data=data_dir)
    assert again.exit_code == 0, again.output
    assert "顺德区-2018年度工业产品质量提升工作完成情况反馈函.docx（其他区完成值变化，排名随之变化" in again.output


def test_a_district_document_is_named_after_its_genre_and_a_rename_leaves_nothing_stale(cli, data_dir):
    """A 函 is …反馈函.docx, a 通报 …通报.docx (the 通报 folder either way). Changing the genre and
    building again removes the files the last build wrote under the old names, and says so; a
    file someone changed since is kept and named."""
    out = data_dir.parent / "out"
    folder = out / "2018" / "通报"
    args = ("build", "--year", "2018", "--date", "2019-01-15", "-o", str(out))
    assert cli(*args, data=data_dir).exit_code == 0
    names = {p.name for p in folder.glob("*.docx")}
    assert names == {"全市-2018年度工业产品质量提升工作完成情况通报.docx"} | {
        f"{d}-2018年度工业产品质量提升工作完成情况反馈函.docx"
        for d in ("禅城区", "南海区", "顺德区", "高明区", "三水区")
    }
    edited = folder / "南海区-2018年度工业产品质量提升工作完成情况反馈函.docx"
    edited.write_bytes(edited.read_bytes() + b"\0")  # someone's hand on it
    (data_dir.parent / "qdocgen.toml").write_text('[notice]\ndistrict_genre = "通报"\n', encoding="utf-8")
    again = cli(*args, data=data_dir)
    assert again.exit_code == 0, again.output
    names = sorted(p.name for p in folder.glob("*.docx"))
    assert names == sorted(
        ["南海区-2018年度工业产品质量提升工作完成情况反馈函.docx"]
        + [
            f"{d}-2018年度工业产品质量提升工作完成情况通报.docx"
            for d in ("全市", "禅城区", "南海区", "顺德区", "高明区", "三水区")
        ]
    )
    assert (
        "删除 2018/通报/禅城区-2018年度工业产品质量提升工作完成情况反馈函.docx"
        "（已改名为 禅城区-2018年度工业产品质量提升工作完成情况通报.docx）" in again.output
    )
    assert "保留 2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx" in again.output
    assert "特此通报。" in text((folder / "禅城区-2018年度工业产品质量提升工作完成情况通报.docx").read_bytes())
    record = json.loads((out / "构建记录.json").read_text(encoding="utf-8"))
    assert not [p for p in record["outputs"] if p.endswith("反馈函.docx")]
    # said once: the next build has nothing to remove
    third = cli(*args, data=data_dir)
    assert third.exit_code == 0 and "删除" not in third.output and "保留" not in third.output


def test_a_half_year_compares_with_the_same_half_of_the_year_before(cli, data_dir):
    """2019年上半年 (prorated targets): without figures for 2018年上半年 it is compared with 2018 as a
    whole and says so (较2018年全年); given them, with 上年同期 on a like basis, named."""
    h1 = Period(2019, "H1")
    city = text(maker(data_dir, date="2019-07-15").city(h1))
    assert re.search(r"总体完成比例[\d.]+%，较2018年全年（85\.9%）(提高|下降)[\d.]+个百分点", city)
    assert "与2018年全年相比，" in city and "2018年度（" not in city
    letter = text(maker(data_dir, date="2019-07-15").district(h1, "南海"))
    assert "较2018年全年（85.2%）提高4.1个百分点" in letter and "较2018年全年上升1位" in letter
    # figures for 2018年上半年: every district one short of its 2019 half-year figure where it can be
    source = (data_dir / "figures" / "2019-H1.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [source[0]]
    for line in source[1:]:
        cells = line.split(",")
        if cells[0] != "全市" and cells[3] and float(cells[3]) > 1:
            cells[3] = f"{float(cells[3]) - 1:g}"
        rows.append(",".join(cells))
    (data_dir / "figures" / "2018-H1.csv").write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    city = text(maker(data_dir, date="2019-07-15").city(h1))
    assert re.search(r"总体完成比例85\.7%，较2018年上半年（[\d.]+%）提高[\d.]+个百分点", city), city
    assert "2018年全年" not in city
    out = cli("progress", "--year", "2019", "--period", "H1", "--district", "南海", "--format", "json", data=data_dir)
    assert out.exit_code == 0, out.output
    assert {r["previous_period"] for r in json.loads(out.output)} == {"2018-H1"}
