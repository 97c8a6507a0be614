"""Collecting filled forms: the round trip, every bad form refused with its cell, nothing lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qdocgen.documents.forms import make_forms
from qdocgen.figures.forms import find_header
from qdocgen.figures.period import Period
from qdocgen.figures.store import load_figures, period_file
from qdocgen.progress import EXCEEDED, MET, MISSED, NOT_APPLICABLE, NOT_REPORTED, PENDING, evaluate

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "xlsx" / "填报表.xlsx"
FILE_2018 = "南海区-2018年度-填报表.xlsx"


def make(plan, tmp_path: Path, period: Period, who=("南海区",)) -> dict[str, Path]:
    out = tmp_path / "forms"
    written = make_forms(plan, TEMPLATE, period, list(who), out)
    return {(d or "全市"): path for d, (path, _) in zip(who, written, strict=True)}


def layout(ws):
    header, cols = find_header(ws, "form")
    rows = {}
    r = header + 1
    while ws.cell(r, cols["序号"]).value is not None:
        rows[ws.cell(r, cols["指标"]).value] = r
        r += 1
    return cols, rows


def fill(
    path: Path,
    values: dict[str, object] | None = None,
    notes: dict[str, str] | None = None,
    default=None,
    edit=None,
    save_as: Path | None = None,
) -> Path:
    """Fill a form as a district clerk would: 完成值 by measure name; `default(target, unit)` for the rest."""
    wb = load_workbook(path)
    ws = wb["填报"]
    cols, rows = layout(ws)
    for name, r in rows.items():
        cell = ws.cell(r, cols["完成值"])
        if values and name in values:
            cell.value = values[name]
        elif default is not None:
            cell.value = default(ws.cell(r, cols["目标值"]).value, ws.cell(r, cols["单位"]).value)
    for name, note in (notes or {}).items():
        ws.cell(rows[name], cols["说明"]).value = note
    if edit:
        edit(wb, ws, cols, rows)
    target = save_as or path
    wb.save(target)
    return target


def met(target, unit):
    """Every quantitative target exactly met (qualitative rows left blank)."""
    return target if isinstance(target, (int, float)) else None


def snapshot(data_dir: Path) -> dict[str, bytes]:
    """The store: figures files and collection logs (the receipt register records refusals too)."""
    return {p.name: p.read_bytes() for p in sorted((data_dir / "figures").iterdir()) if "收件记录" not in p.name}


# ---------------------------------------------------------------- the round trip


def test_round_trip_covers_every_status(plan, cli, data_dir, tmp_path):
    period = Period(2019)
    assert not period_file(data_dir, period).exists()
    forms = make(plan, tmp_path, period, (*plan.district_names, None))

    def clerk(i: int):
        def value(target, unit):
            if not isinstance(target, (int, float)):
                return None
            if unit == "1/0":
                return 1 if i % 2 == 0 else 0
            if unit == "%":
                return min(100, target + i - 2)
            return [target + 3, target, max(target - 1, 0), None, target * 2][i]

        return value

    for i, d in enumerate(plan.district_names):
        fill(forms[d], default=clerk(i))
    fill(
        forms["全市"],
        default=clerk(0),
        values={"实施技术改造的规模以上企业数": 980},
        notes={"城市质量精神宣传": "开展质量月活动 12 场"},
    )
    result = cli("collect", "--year", "2019", *forms.values(), data=data_dir)
    assert result.exit_code == 0, result.output
    assert "新增 南海区 2019 细分行业龙头企业数：35" in result.output
    assert "已写入" in result.output

    ev = evaluate(plan, load_figures(data_dir, plan), period)
    statuses = {r.status for r in ev.results}
    assert statuses >= {EXCEEDED, MET, MISSED, NOT_REPORTED, NOT_APPLICABLE, PENDING}
    by = {(r.measure.id, r.district, r.scope): r for r in ev.results}
    assert by[("4", "禅城区", "district")].status == EXCEEDED  # 25 + 3
    assert by[("4", "南海区", "district")].status == MET
    assert by[("4", "顺德区", "district")].status == MISSED
    assert by[("4", "高明区", "district")].status == NOT_REPORTED  # left blank
    assert by[("16", None, "city")].status == PENDING and by[("16", None, "city")].actual == 980
    assert by[("3", None, "city")].note == "开展质量月活动 12 场"
    assert by[("23a", "南海区", "district")].status == NOT_APPLICABLE
    ranks = [s.rank for s in ev.standings]
    assert sorted(ranks)[0] == 1

    # Collecting the same forms again changes nothing, to the byte.
    before = snapshot(data_dir)
    again = cli("collect", "--year", "2019", *forms.values(), data=data_dir)
    assert again.exit_code == 0 and "无需改动" in again.output
    assert snapshot(data_dir) == before


def test_changes_reported_against_store_and_blank_keeps_value(plan, cli, data_dir, tmp_path):
    figs = load_figures(data_dir, plan)
    period = Period(2018)
    stock = plan.measure(27, "有效期内省名牌产品数")
    old = figs.lookup(period, stock, "南海区").value
    kept_measure = plan.measure(9, "新增质量管理体系认证企业数")
    kept = figs.lookup(period, kept_measure, "南海区")
    path = make(plan, tmp_path, period)["南海区"]
    fill(path, default=met, values={"有效期内省名牌产品数": 241, "新增质量管理体系认证企业数": None})
    result = cli("collect", "--year", "2018", path, data=data_dir)
    assert result.exit_code == 0, result.output
    assert f"南海区 2018 有效期内省名牌产品数：{old:g} → 241" in result.output
    assert "留空而保留原值 1 项" in result.output
    after = load_figures(data_dir, plan)
    assert after.lookup(period, stock, "南海区").value == 241
    assert after.lookup(period, kept_measure, "南海区").value == kept.value  # blank never erases
    # Nothing stored for other districts was dropped.
    assert len(after.of(period)) == len(figs.of(period))
    # Every figure the form gave, changed or confirmed, now comes from the form, not the sample data.
    mine = [f for f in after.of(period) if f.district == "南海区" and f.row != 9]
    assert mine and all(f.source == path.name for f in mine)
    assert after.lookup(period, kept_measure, "南海区").source == kept.source
    # A blank 说明 beside a changed figure does not carry the old figure's note over (and says so).
    note = figs.lookup(period, stock, "南海区").note
    assert note and after.lookup(period, stock, "南海区").note == ""
    assert f"（原说明“{note}”说明的是改动前的情况，已一并清除" in result.output


def test_dry_run_writes_nothing(plan, cli, data_dir, tmp_path):
    path = make(plan, tmp_path, Period(2018))["南海区"]
    fill(path, default=met, values={"有效期内省名牌产品数": 241})
    before = snapshot(data_dir)
    result = cli("collect", "--year", "2018", "--dry-run", path, data=data_dir)
    assert result.exit_code == 0, result.output
    assert "→ 241" in result.output and "试运行" in result.output
    assert snapshot(data_dir) == before


def test_percent_typed_in_excel_is_read_as_percent(plan, cli, data_dir, tmp_path):
    def as_percent(wb, ws, cols, rows):
        cell = ws.cell(rows["工业产品质量监督抽查综合合格率"], cols["完成值"])
        cell.value, cell.number_format = 0.962, "0.0%"

    path = make(plan, tmp_path, Period(2018))["南海区"]
    fill(path, default=met, edit=as_percent)
    assert cli("collect", "--year", "2018", path, data=data_dir).exit_code == 0
    figure = load_figures(data_dir, plan).lookup(
        Period(2018), plan.measure(37, "工业产品质量监督抽查综合合格率"), "南海区"
    )
    assert figure.value == pytest.approx(96.2)


# ---------------------------------------------------------------- bad forms


def set_value(name, value):
    def edit(wb, ws, cols, rows):
        ws.cell(rows[name], cols["完成值"]).value = value

    return edit


def cell_of(path: Path, name: str, column: str) -> str:
    ws = load_workbook(path)["填报"]
    cols, rows = layout(ws)
    return ws.cell(rows[name], cols[column]).coordinate


def edit_target(wb, ws, cols, rows):
    ws.cell(rows["有效期内省名牌产品数"], cols["目标值"]).value = 200


def delete_row(wb, ws, cols, rows):
    ws.delete_rows(rows["专利转化标准数"])


def extra_row(wb, ws, cols, rows):
    r = max(rows.values()) + 1
    ws.cell(r, cols["序号"]).value = 99
    ws.cell(r, cols["指标"]).value = "自加指标"
    ws.cell(r, cols["完成值"]).value = 5


def merge_values(wb, ws, cols, rows):
    r = rows["有效期内省名牌产品数"]
    ws.merge_cells(start_row=r, start_column=cols["完成值"], end_row=r + 1, end_column=cols["完成值"])


def edit_meta(wb, ws, cols, rows):
    wb["_meta"]["B3"] = "顺德区"


def formula(wb, ws, cols, rows):
    ws.cell(rows["专利转化标准数"], cols["完成值"]).value = "=2+3"


BAD = {
    "text": (set_value("细分行业龙头企业数", "abc"), "“abc”不是数字", ("细分行业龙头企业数", "完成值")),
    "negative": (set_value("细分行业龙头企业数", -3), "是负数", ("细分行业龙头企业数", "完成值")),
    "rate typed as a fraction": (
        set_value("工业产品质量监督抽查综合合格率", 0.952),
        "0.952：比率请填百分数，如 95.2",
        ("工业产品质量监督抽查综合合格率", "完成值"),
    ),
    "fractional count": (
        set_value("细分行业龙头企业数", 12.5),
        "12.5：单位为“家”，完成值应为整数",
        ("细分行业龙头企业数", "完成值"),
    ),
    "absurd size": (set_value("细分行业龙头企业数", 1e15), "超出合理范围", ("细分行业龙头企业数", "完成值")),
    "absurd text": (
        set_value("细分行业龙头企业数", "99999999999999999999999"),
        "超出合理范围",
        ("细分行业龙头企业数", "完成值"),
    ),
    "percent sign on a count": (set_value("细分行业龙头企业数", "30%"), "不是比率", ("细分行业龙头企业数", "完成值")),
    "milestone other than 1/0": (None, None, None),  # district forms have none; see the city test
    "edited target": (edit_target, "目标值被改动：表中为“200”，计划为“239”", ("有效期内省名牌产品数", "目标值")),
    "missing row": (delete_row, "缺少指标行：序号 22“专利转化标准数”", None),
    "extra row": (extra_row, "多出的行：序号“99”“自加指标”", None),
    "merged cells": (merge_values, "合并单元格", None),
    "meta edited": (edit_meta, "表格信息前后不一致", None),
    "formula without value": (formula, "公式但没有计算结果", ("专利转化标准数", "完成值")),
}


@pytest.mark.parametrize("case", [k for k, v in BAD.items() if v[0] is not None])
def test_bad_form_refused_with_cell_and_store_unchanged(case, plan, cli, data_dir, tmp_path):
    edit, message, where = BAD[case]
    path = make(plan, tmp_path, Period(2018))["南海区"]
    fill(path, default=met, edit=edit)
    before = snapshot(data_dir)
    result = cli("collect", "--year", "2018", path, data=data_dir)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert message in result.output, result.output
    if where:
        assert f"{path} 填报!{cell_of(path, *where)}: " in result.output, result.output
    assert "均未导入" in result.output
    assert snapshot(data_dir) == before


def test_merged_cells_named_by_range(plan, cli, data_dir, tmp_path):
    path = make(plan, tmp_path, Period(2018))["南海区"]
    fill(path, default=met, edit=merge_values)
    e = cell_of(path, "有效期内省名牌产品数", "完成值")
    below = e[0] + str(int(e[1:]) + 1)
    result = cli("collect", "--year", "2018", path, data=data_dir)
    assert f"填报!{e}:{below}: 表格中有合并单元格" in result.output


def test_milestone_accepts_only_1_or_0(plan, cli, data_dir, tmp_path):
    path = make(plan, tmp_path, Period(2018), (None,))["全市"]
    fill(path, default=met, values={"通过国家质检总局验收": 2})
    before = snapshot(data_dir)
    result = cli("collect", "--year", "2018", path, data=data_dir)
    assert result.exit_code == 1 and "节点任务的完成值应为 1（完成）或 0（未完成）" in result.output
    assert snapshot(data_dir) == before


def test_qualitative_value_refused(plan, cli, data_dir, tmp_path):
    def unlock_and_fill(wb, ws, cols, rows):
        ws.cell(rows["城市质量精神宣传"], cols["完成值"]).value = 5

    path = make(plan, tmp_path, Period(2018), (None,))["全市"]
    fill(path, default=met, edit=unlock_and_fill)
    result = cli("collect", "--year", "2018", path, data=data_dir)
    assert result.exit_code == 1 and "是定性任务，完成值应留空" in result.output


def test_form_of_another_year(plan, cli, data_dir, tmp_path):
    path = make(plan, tmp_path, Period(2017))["南海区"]
    fill(path, default=met)
    before = snapshot(data_dir)
    result = cli("collect", "--year", "2018", path, data=data_dir)
    assert result.exit_code == 1
    assert f"{path}: 这是2017年度的填报表，本次导入的是2018年（--year 2018）" in result.output
    result = cli("collect", "--year", "2017", "--period", "H1", path, data=data_dir)
    assert "这是2017年度的填报表，本次导入的是2017年上半年（--period H1）" in result.output
    assert snapshot(data_dir) == before


def test_form_renamed_as_another_district(plan, cli, data_dir, tmp_path):
    path = make(plan, tmp_path, Period(2018))["南海区"]
    renamed = tmp_path / "顺德区-2018年度-填报表.xlsx"
    fill(path, default=met, save_as=renamed)
    before = snapshot(data_dir)
    result = cli("collect", "--year", "2018", renamed, data=data_dir)
    assert result.exit_code == 1
    assert "文件名写的是顺德区的填报表，但表格内记录的是南海区的填报表" in result.output
    assert snapshot(data_dir) == before


def test_two_forms_of_one_district(plan, cli, data_dir, tmp_path):
    path = make(plan, tmp_path, Period(2018))["南海区"]
    fill(path, default=met)
    copy = tmp_path / "南海区-2018年度-填报表（修改）.xlsx"
    shutil.copy(path, copy)
    before = snapshot(data_dir)
    result = cli("collect", "--year", "2018", path, copy, data=data_dir)
    assert result.exit_code == 1
    assert f"{copy}: 与 {path} 同为南海区2018年度的填报表" in result.output
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbf\xe5\x8c\xba,\xe5\xba\x8f\xe5\x8f\xb7\r\n", "不是 xlsx 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "旧版 .xls 格式"),
        (b"PK\x03\x04" + b"\x00" * 40, "文件已损坏"),
        (None, "文件不存在"),
    ],
)
def test_not_an_xlsx(content, message, plan, cli, data_dir, tmp_path):
    path = tmp_path / FILE_2018
    if content is not None:
        path.write_bytes(content)
    before = snapshot(data_dir)
    result = cli("collect", "--year", "2018", path, data=data_dir)
    assert result.exit_code == 1
    assert f"{path}: " in result.output and message in result.output, result.output
    assert snapshot(data_dir) == before


def test_truncated_xlsx(plan, cli, data_dir, tmp_path):
    path = make(plan, tmp_path, Period(2018))["南海区"]
    path.write_bytes(path.read_bytes()[:2000])
    before = snapshot(data_dir)
    result = cli("collect", "--year", "2018", path, data=data_dir)
    assert result.exit_code == 1 and "文件已损坏" in result.output
    assert snapshot(data_dir) == before


def test_several_problems_all_listed(plan, cli, data_dir, tmp_path):
    path = make(plan, tmp_path, Period(2018))["南海区"]
    fill(
        path,
        default=met,
        values={"细分行业龙头企业数": "abc", "质量义诊企业数": -1, "工业产品质量监督抽查综合合格率": 0.9},
    )
    result = cli("collect", "--year", "2018", path, data=data_dir)
    assert result.exit_code == 1 and "发现 3 个问题" in result.output


# ---------------------------------------------------------------- --partial


def test_partial_takes_good_forms_and_reports_bad(plan, cli, data_dir, tmp_path):
    forms = make(plan, tmp_path, Period(2018), ("南海区", "顺德区"))
    fill(forms["南海区"], default=met, values={"有效期内省名牌产品数": 241})
    fill(forms["顺德区"], default=met, values={"有效期内省名牌产品数": "很多"})
    stock = plan.measure(27, "有效期内省名牌产品数")
    old_shunde = load_figures(data_dir, plan).lookup(Period(2018), stock, "顺德区").value
    result = cli("collect", "--year", "2018", "--partial", *forms.values(), data=data_dir)
    assert result.exit_code == 1
    assert "“很多”不是数字" in result.output and "已跳过 1 份" in result.output
    assert "2 份表格，导入 1 份" in result.output
    after = load_figures(data_dir, plan)
    assert after.lookup(Period(2018), stock, "南海区").value == 241
    assert after.lookup(Period(2018), stock, "顺德区").value == old_shunde


def test_partial_with_all_bad_changes_nothing(plan, cli, data_dir, tmp_path):
    path = make(plan, tmp_path, Period(2018))["南海区"]
    fill(path, default=met, values={"有效期内省名牌产品数": "很多"})
    before = snapshot(data_dir)
    result = cli("collect", "--year", "2018", "--partial", path, data=data_dir)
    assert result.exit_code == 1
    assert snapshot(data_dir) == before


def test_no_files_is_an_error(cli, data_dir):
    result = cli("collect", "--year", "2018", data=data_dir)
    assert result.exit_code == 1 and "没有指定" in result.output
