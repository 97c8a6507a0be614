"""District reporting forms: content, locking, validation, recorded meta, reproducible bytes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qdocgen.documents.forms import build_form
from qdocgen.figures.forms import (
    HEADERS,
    find_header,
    form_file_name,
    form_lines,
    parse_file_name,
)
from qdocgen.figures.period import Period

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "xlsx" / "填报表.xlsx"


def open_form(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    ws = wb["填报"]
    header, cols = find_header(ws, "form")
    rows = []
    r = header + 1
    while ws.cell(r, cols["序号"]).value is not None:
        rows.append(r)
        r += 1
    return wb, ws, header, cols, rows


@pytest.fixture(scope="module")
def nanhai_2018(plan):
    return build_form(TEMPLATE, plan, Period(2018), "南海区")


def test_headings_exact_and_rows_match_plan(plan, nanhai_2018):
    wb, ws, header, cols, rows = open_form(nanhai_2018)
    assert wb.sheetnames[0] == "填报"
    assert [ws.cell(header, c).value for c in range(1, 7)] == list(HEADERS)
    lines = form_lines(plan, Period(2018), "南海区")
    assert len(rows) == len(lines)
    got = [(ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 4).value) for r in rows]
    assert got == [(ln.measure.row, ln.measure.name, ln.measure.target(2018, "南海区")) for ln in lines]
    # Numbers are numbers, not text.
    assert all(isinstance(ws.cell(r, 4).value, (int, float)) for r in rows)
    names = {ln.measure.id for ln in lines}
    assert "27" in names and "37" in names
    assert "24" not in names  # biennial: no target in 2018
    assert "23a" not in names  # one-year: 2017 only
    assert not any(ln.measure.is_city for ln in lines)


def test_title_and_which_target_is_shown(nanhai_2018, plan):
    _, ws, header, *_ = open_form(nanhai_2018)
    text = "\n".join(str(ws.cell(r, 1).value) for r in range(1, header))
    assert "南海区2018年度工作目标完成情况填报表" in text
    assert "“目标值”为2018年度目标" in text
    assert "{" not in text  # every marker filled
    assert plan.doc_number in text


def test_half_year_shows_serial_progress_targets(plan):
    data = build_form(TEMPLATE, plan, Period(2019, "H1"), "南海区")
    _, ws, header, cols, rows = open_form(data)
    text = "\n".join(str(ws.cell(r, 1).value) for r in range(1, header))
    assert "序时进度" in text and "50%" in text
    by_name = {ws.cell(r, 2).value: ws.cell(r, 4).value for r in rows}
    assert by_name["细分行业龙头企业数"] == 18  # 35 × 50% = 17.5, rounded up to whole enterprises
    assert by_name["有效期内省名牌产品数"] == 244  # 239 → 249, halfway
    assert by_name["工业产品质量监督抽查综合合格率"] == 95  # rates unscaled


def test_locked_targets_open_values(nanhai_2018):
    _, ws, header, cols, rows = open_form(nanhai_2018)
    assert ws.protection.sheet
    for r in rows:
        for name in ("序号", "指标", "单位", "目标值"):
            assert ws.cell(r, cols[name]).protection.locked, (name, r)
        for name in ("完成值", "说明"):
            assert not ws.cell(r, cols[name]).protection.locked, (name, r)
    assert ws.cell(header, 1).protection.locked


def test_data_validations(plan, nanhai_2018):
    _, ws, header, cols, rows = open_form(nanhai_2018)
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                rules[row] = dv
    units = {r: ws.cell(r, cols["单位"]).value for r in rows}
    assert set(rules) == set(rows)
    for r in rows:
        dv = rules[r]
        assert dv.showErrorMessage
        if units[r] == "%":  # every rate on a district form is a proportion: above 100 warns, not stops
            assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", "100")
            assert dv.errorStyle == "warning"
        else:
            assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
            assert dv.errorStyle == "stop"
        assert "撤回" in dv.prompt


def test_city_form_milestone_qualitative_cumulative(plan):
    data = build_form(TEMPLATE, plan, Period(2018), None)
    wb, ws, header, cols, rows = open_form(data)
    by_name = {ws.cell(r, 2).value: r for r in rows}
    milestone = by_name["通过国家质检总局验收"]
    assert ws.cell(milestone, cols["单位"]).value == "1/0"
    dv = next(d for d in ws.data_validations.dataValidation if ws.cell(milestone, cols["完成值"]).coordinate in d.sqref)
    assert (dv.type, dv.formula1) == ("list", '"1,0"')
    qualitative = by_name["城市质量精神宣传"]
    assert ws.cell(qualitative, cols["目标值"]).value == "定性任务"
    assert ws.cell(qualitative, cols["完成值"]).protection.locked
    assert not ws.cell(qualitative, cols["说明"]).protection.locked
    assert ws.cell(by_name["实施技术改造的规模以上企业数"], cols["目标值"]).value == "待定"
    cumulative = by_name["培训企业检验员人次"]
    assert ws.cell(cumulative, cols["单位"]).value == "人次（累计）"
    assert ws.cell(cumulative, cols["目标值"]).value == 800  # 1200 × 2/3 of the plan elapsed
    assert not any(ln.measure.id == "4" for ln in form_lines(plan, Period(2018), None))


def test_meta_recorded_three_ways(nanhai_2018):
    wb, *_ = open_form(nanhai_2018)
    meta = wb["_meta"]
    assert meta.sheet_state == "veryHidden"
    values = dict(meta.iter_rows(min_row=2, values_only=True))
    digest = values.pop("目标摘要")  # the targets as issued: tells a revised plan from an edited form
    signed = values.pop("签名")  # of district, period and digest, with the workspace's key (issue 23)
    assert values == {"表格": "填报表", "区": "南海区", "年度": "2018", "时段": "year"}
    assert len(signed) == 32 and wb.defined_names["QDOCGEN_SIGNATURE"].attr_text == f'"{signed}"'
    import zipfile

    from qdocgen.figures.signature import load_key

    key = load_key(Path(TEMPLATE).parent.parent.parent / "plan_data").hex()  # never in the form itself
    with zipfile.ZipFile(io.BytesIO(nanhai_2018)) as z:
        assert not [n for n in z.namelist() if key.encode() in z.read(n)]
    assert len(digest) == 16 and wb.defined_names["QDOCGEN_TARGETS"].attr_text == f'"{digest}"'
    assert wb.defined_names["QDOCGEN_DISTRICT"].attr_text == '"南海区"'
    assert wb.defined_names["QDOCGEN_YEAR"].attr_text == '"2018"'
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["QDOCGEN_DISTRICT"] == "南海区" and props["QDOCGEN_PERIOD"] == "year"
    assert wb.security.lockStructure


def test_reproducible_bytes(plan, nanhai_2018):
    assert build_form(TEMPLATE, plan, Period(2018), "南海区") == nanhai_2018


def test_text_that_looks_like_a_formula_stays_text(plan):
    from dataclasses import replace

    m = plan.measures[4]
    odd = replace(plan, measures=(replace(m, name="=SUM(A1:A9)"), *plan.measures[5:8]))
    data = build_form(TEMPLATE, odd, Period(2018), "南海区")
    _, ws, _, cols, rows = open_form(data)
    cell = ws.cell(rows[0], cols["指标"])
    assert cell.value == "=SUM(A1:A9)" and cell.data_type == "s"


def test_file_names():
    assert form_file_name("南海区", Period(2018)) == "南海区-2018年度-填报表.xlsx"
    assert form_file_name("南海区", Period(2019, "H1")) == "南海区-2019年上半年-填报表.xlsx"
    assert form_file_name(None, Period(2018)) == "全市-2018年度-填报表.xlsx"
    assert parse_file_name("收到/南海区-2019年第一季度-填报表 (1).xlsx") == ("南海区", Period(2019, "Q1"))
    assert parse_file_name("顺德区-2018年度-填报表.xlsx") == ("顺德区", Period(2018))
    assert parse_file_name("南海报表.xlsx") is None


def test_forms_command(cli, tmp_path):
    result = cli("forms", "--year", "2019", "--period", "H1", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(names) == 6
    assert "南海区-2019年上半年-填报表.xlsx" in names and "全市-2019年上半年-填报表.xlsx" in names
    again = cli("forms", "--year", "2019", "--period", "H1", "--district", "南海", "-o", tmp_path / "out")
    assert again.exit_code == 0 and "未变化" in again.output


def test_forms_command_refuses_unknown_district_and_year(cli, tmp_path):
    bad = cli("forms", "--year", "2018", "--district", "北区", "-o", tmp_path)
    assert bad.exit_code == 1 and "未知的区" in bad.output
    bad = cli("forms", "--year", "2020", "-o", tmp_path)
    assert bad.exit_code == 1 and "2020" in bad.output


def test_template_marker_error_names_cell(plan, tmp_path):
    wb = load_workbook(TEMPLATE)
    wb["填报"]["A2"] = "{没有这个标记}"
    path = tmp_path / "t.xlsx"
    wb.save(path)
    from qdocgen.errors import TemplateError

    with pytest.raises(TemplateError, match=r"填报!A2: 未知的标记"):
        build_form(path, plan, Period(2018), "南海区")


def test_a_filled_form_is_never_overwritten_by_a_blank_one(cli, data_dir, tmp_path):
    out = tmp_path / "forms"
    assert cli("forms", "--year", "2018", "--district", "南海", "-o", out, data=data_dir).exit_code == 0
    path = out / "南海区-2018年度-填报表.xlsx"
    # a blank form is simply replaced when the targets change
    text = (data_dir / "plan.yaml").read_text(encoding="utf-8")
    (data_dir / "plan.yaml").write_text(
        text.replace("2018: {禅城区: 60, 南海区: 239,", "2018: {禅城区: 60, 南海区: 240,"), encoding="utf-8"
    )
    assert cli("forms", "--year", "2018", "--district", "南海", "-o", out, data=data_dir).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["南海区-2018年度-填报表.xlsx"]
    # a form a clerk filled in where it was written is kept aside
    wb = load_workbook(path)
    ws = wb["填报"]
    header = next(r for r in range(1, 40) if ws.cell(r, 1).value == "序号")
    ws.cell(header + 1, 5).value = 33
    wb.save(path)
    filled = path.read_bytes()
    assert cli("forms", "--year", "2018", "--district", "南海", "-o", out, data=data_dir).exit_code == 0
    assert (out / "南海区-2018年度-填报表（改动备份）.xlsx").read_bytes() == filled
    assert load_workbook(path)["填报"].cell(header + 1, 5).value is None


def test_a_template_with_cells_beside_the_table_lays_out_its_rows(plan, tmp_path, monkeypatch):
    """A clerk's template with something to the right of the table (a note in column H): the
    first row under the header has no cell there (openpyxl gives such a cell no style), and each
    form's rows take the look of that row all the same, with the note kept; the same bytes with
    the compile cache off, empty and full."""
    from qdocgen.render import form_book

    wb = load_workbook(TEMPLATE)
    ws = wb["填报"]
    note = ws.max_column + 2
    ws.cell(1, note, "备注：请勿改动表头")
    path = tmp_path / "填报表.xlsx"
    wb.save(path)
    made = []
    for cache in ["off", tmp_path / "cache", tmp_path / "cache"]:
        monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(cache))
        form_book._COPIES.clear()
        made.append([build_form(path, plan, period, "南海区") for period in (Period(2018), Period(2019, "H1"))])
    form_book._COPIES.clear()
    assert made[0] == made[1] == made[2]
    for data in made[0]:
        _, ws, header, cols, rows = open_form(data)
        assert ws.cell(1, note).value == "备注：请勿改动表头"
        assert rows
        below_header = load_workbook(TEMPLATE)["填报"].cell(header + 1, cols["指标"])
        for r in rows:
            assert ws.cell(r, cols["指标"]).border.left.style == below_header.border.left.style
            assert ws.cell(r, note).value is None
