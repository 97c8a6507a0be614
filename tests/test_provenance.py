"""Figures you can trust: every figure traceable to its form or correction, never silently
reverted by an older form, plausible at the cell; folders, withdrawals, who has not reported."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from docx import Document
from test_collect import TEMPLATE, cell_of, fill, make, met

from qdocgen.documents.forms import make_forms
from qdocgen.figures.period import Period
from qdocgen.figures.store import load_figures, period_file

T0 = datetime(2019, 1, 10, 9, 0, tzinfo=timezone.utc)
LEADER = "细分行业龙头企业数"  # 南海区 2018 target 35 家
LOG_2018 = "2018.收集记录.csv"


def saved_at(path: Path, moment: datetime) -> Path:
    """Stamp `moment` as the workbook's own save time (docProps/core.xml), as Excel would."""
    stamp = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data
                )
            dst.writestr(info, data)
    path.write_bytes(buf.getvalue())
    return path


def version(plan, tmp_path: Path, name: str, moment: datetime, values=None, notes=None, who="南海区") -> Path:
    """A filled 2018 form of `who`, saved as `name` at `moment`."""
    blank = make(plan, tmp_path, Period(2018), (who,))[who if who else "全市"]
    path = fill(blank, values=values, notes=notes, default=met, save_as=tmp_path / name)
    return saved_at(path, moment)


def stored(data_dir: Path, plan, district="南海区", measure=LEADER, period=Period(2018)):
    figures = load_figures(data_dir, plan)
    return next(
        ((f.value, f.note) for f in figures.of(period) if f.district == district and f.measure == measure), None
    )


def log_rows(data_dir: Path, name: str = LOG_2018) -> list[dict]:
    text = (data_dir / "figures" / name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def files(data_dir: Path) -> dict[str, bytes]:
    """The store: figures files and collection logs (the receipt register records every form received)."""
    return {p.name: p.read_bytes() for p in sorted((data_dir / "figures").iterdir()) if "收件记录" not in p.name}


# ---------------------------------------------------------------- 1. traceability


def test_every_figure_traces_to_its_form(plan, cli, data_dir, tmp_path):
    form = version(
        plan, tmp_path, "南海区-2018年度-填报表.xlsx", T0, values={LEADER: 34}, notes={LEADER: "含新认定2家"}
    )
    result = cli("collect", form, data=data_dir)  # year and period read from the form
    assert result.exit_code == 0, result.output
    assert "南海区 2018 细分行业龙头企业数：32 → 34" in result.output
    rows = log_rows(data_dir)
    assert list(rows[0]) == [
        "时间", "区", "序号", "指标", "原完成值", "新完成值", "原说明", "新说明", "变动",
        "来源文件", "SHA-256", "表内区", "表内时段", "表格保存时间", "备注",
    ]  # fmt: skip
    # The log starts with what the file held (原有), then this collect's changes.
    assert {r["变动"] for r in rows if r["来源文件"] == "示例数据"} == {"原有"}
    mine = [r for r in rows if r["区"] == "南海区" and r["指标"] == LEADER]
    assert [r["变动"] for r in mine] == ["原有", "修改"]
    last = mine[-1]
    assert (last["原完成值"], last["新完成值"], last["新说明"]) == ("32", "34", "含新认定2家")
    assert last["来源文件"] == form.name
    assert last["SHA-256"] == hashlib.sha256(form.read_bytes()).hexdigest()
    assert (last["表内区"], last["表内时段"]) == ("南海区", "2018")
    assert last["表格保存时间"] == T0.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    # Every stored figure is the last logged value of its key.
    latest = {(r["区"], r["序号"], r["指标"]): r for r in rows}
    for f in load_figures(data_dir, plan).of(Period(2018)):
        r = latest[(f.district or "全市", str(f.row), f.measure)]
        assert r["新完成值"] == ("" if f.value is None else f"{f.value:g}") and r["新说明"] == f.note
    # The log is not a figures file: no stray-file warning, check passes.
    check = cli("check", data=data_dir)
    assert check.exit_code == 0 and "文件名不是" not in check.output


def test_same_form_twice_changes_nothing(plan, cli, data_dir, tmp_path):
    form = version(plan, tmp_path, "v1.xlsx", T0, values={LEADER: 34})
    assert cli("collect", form, data=data_dir).exit_code == 0
    before = files(data_dir)
    again = cli("collect", form, data=data_dir)
    assert again.exit_code == 0 and "无需改动" in again.output
    assert files(data_dir) == before


# ---------------------------------------------------------------- 2. never silently reverted


def test_collecting_the_first_version_again_is_refused(plan, cli, data_dir, tmp_path):
    v1 = version(plan, tmp_path, "v1.xlsx", T0, values={LEADER: 34})
    v2 = version(
        plan, tmp_path, "v2.xlsx", T0 + timedelta(hours=2), values={LEADER: 36}, notes={LEADER: "更正：补录1家"}
    )
    assert cli("collect", v1, data=data_dir).exit_code == 0
    assert cli("collect", v2, data=data_dir).exit_code == 0
    before = files(data_dir)
    result = cli("collect", v1, data=data_dir)
    assert result.exit_code == 1
    assert (
        f"{v1} 填报!{cell_of(v1, LEADER, '完成值')}: 南海区 2018年度 序号 4“细分行业龙头企业数”：36 → 34，此表已于"
        in result.output
    )
    assert "--force" in result.output and "Traceback" not in result.output
    assert files(data_dir) == before and stored(data_dir, plan) == (36, "更正：补录1家")
    forced = cli("collect", "--force", v1, data=data_dir)
    assert forced.exit_code == 0 and "36 → 34（--force：此表已于" in forced.output
    assert stored(data_dir, plan) == (34, "")  # the note of 36 does not stay with 34
    # (a leading apostrophe: text starting with '-' is a formula to Excel, see store.safe_text)
    assert log_rows(data_dir)[-1]["备注"].startswith("'--force：此表已于")


def test_partial_leaves_out_a_form_that_would_revert_and_takes_the_rest(plan, cli, data_dir, tmp_path):
    newer = version(plan, tmp_path, "newer.xlsx", T0 + timedelta(days=1), values={LEADER: 36})
    assert cli("collect", newer, data=data_dir).exit_code == 0
    older = version(plan, tmp_path, "older.xlsx", T0, values={LEADER: 34})
    shunde = version(plan, tmp_path, "shunde.xlsx", T0, values={LEADER: 30}, who="顺德区")
    whole = cli("collect", older, shunde, data=data_dir)
    assert whole.exit_code == 1 and "本批均未导入" in whole.output
    assert stored(data_dir, plan, district="顺德区")[0] != 30
    result = cli("collect", "--partial", older, shunde, data=data_dir)
    assert result.exit_code == 1, "a form was left out: said, and not a success"
    assert "36 → 34，此表保存于" in result.output and "已跳过 1 份有问题的表格" in result.output
    assert stored(data_dir, plan)[0] == 36, "the newer figure stays"
    assert stored(data_dir, plan, district="顺德区")[0] == 30, "the other form went in"


def test_a_renamed_copy_of_a_collected_form_changes_nothing(plan, cli, data_dir, tmp_path):
    form = version(plan, tmp_path, "南海区-2018年度-填报表.xlsx", T0, values={LEADER: 34})
    assert cli("collect", form, data=data_dir).exit_code == 0
    before = files(data_dir)
    copy = tmp_path / "收件箱" / "南海区填报表（副本）.xlsx"
    copy.parent.mkdir()
    copy.write_bytes(form.read_bytes())
    result = cli("collect", copy, data=data_dir)
    assert result.exit_code == 0, result.output
    assert "无需改动" in result.output
    assert files(data_dir) == before, "no 确认 lines for the same file under another name"


def test_a_form_saved_earlier_than_the_current_one_is_refused(plan, cli, data_dir, tmp_path):
    older = version(plan, tmp_path, "older.xlsx", T0, values={LEADER: 34})
    newer = version(plan, tmp_path, "newer.xlsx", T0 + timedelta(days=1), values={LEADER: 36})
    assert cli("collect", newer, data=data_dir).exit_code == 0
    result = cli("collect", older, data=data_dir)
    assert result.exit_code == 1
    assert "36 → 34，此表保存于" in result.output and "早于现值来源 newer.xlsx" in result.output
    assert stored(data_dir, plan)[0] == 36
    # The same figure with another 说明 is a change of 说明, and is named as one.
    noted = version(plan, tmp_path, "noted.xlsx", T0, values={LEADER: 36}, notes={LEADER: "旧说明"})
    result = cli("collect", noted, data=data_dir)
    assert result.exit_code == 1
    assert "细分行业龙头企业数”：说明 （空） → “旧说明”，此表保存于" in result.output


def test_hand_correction_is_logged_and_protected(plan, cli, data_dir, tmp_path):
    v2 = version(plan, tmp_path, "v2.xlsx", T0, values={LEADER: 36})
    assert cli("collect", v2, data=data_dir).exit_code == 0
    path = period_file(data_dir, Period(2018))
    path.write_bytes(
        path.read_bytes().replace(
            "南海区,4,细分行业龙头企业数,36,".encode(), "南海区,4,细分行业龙头企业数,37,".encode()
        )
    )
    corrected = T0 + timedelta(days=2)
    os.utime(path, (corrected.timestamp(), corrected.timestamp()))
    # The same (older) form again would revert the correction: refused, nothing written.
    before = files(data_dir)
    result = cli("collect", v2, data=data_dir)
    assert result.exit_code == 1 and "37 → 36，该数已于" in result.output
    assert "在完成值文件中手工更正，此表保存于" in result.output and "早于手工更正" in result.output
    assert files(data_dir) == before
    # A form of another district: goes in, and the correction is recorded in the log.
    other = version(plan, tmp_path, "shunde.xlsx", T0, who="顺德区")
    dry = cli("collect", "--dry-run", other, data=data_dir)
    assert "细分行业龙头企业数：36 → 37（将记入收集记录）" in dry.output, "a dry run writes nothing, and says so"
    assert files(data_dir) == before
    result = cli("collect", other, data=data_dir)
    assert result.exit_code == 0 and "发现手工更正 南海区 2018 细分行业龙头企业数：36 → 37" in result.output
    by_hand = [r for r in log_rows(data_dir) if r["变动"] == "手工更正"]
    assert [(r["区"], r["原完成值"], r["新完成值"], r["来源文件"]) for r in by_hand] == [
        ("南海区", "36", "37", "2018.csv")
    ]
    # A form saved after the correction is newer: it goes in.
    v3 = version(plan, tmp_path, "v3.xlsx", corrected + timedelta(hours=1), values={LEADER: 38})
    result = cli("collect", v3, data=data_dir)
    assert result.exit_code == 0 and "37 → 38" in result.output
    assert stored(data_dir, plan)[0] == 38


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_no_order_of_collects_loses_the_newest_figure(order, plan, cli, data_dir, tmp_path):
    values = (33, 36, 39)  # saved in this order
    forms = [
        version(plan, tmp_path, f"v{i}.xlsx", T0 + timedelta(hours=i), values={LEADER: v}) for i, v in enumerate(values)
    ]
    newest = -1
    for i in order:
        result = cli("collect", forms[i], data=data_dir)
        assert "Traceback" not in result.output
        assert (result.exit_code == 0) == (i > newest), result.output
        newest = max(newest, i)
        assert stored(data_dir, plan)[0] == values[newest]


# ---------------------------------------------------------------- 3. plausible values


@pytest.mark.parametrize(
    "value,message",
    [
        (0.952, "0.952：比率请填百分数，如 95.2"),
        ("0.952", "0.952：比率请填百分数，如 95.2"),
    ],
)
def test_rate_typed_as_fraction_refused_at_cell(value, message, plan, cli, data_dir, tmp_path):
    form = version(plan, tmp_path, "f.xlsx", T0, values={"工业产品质量监督抽查综合合格率": value})
    result = cli("collect", form, data=data_dir)
    assert (
        result.exit_code == 1
        and f"{form} 填报!{cell_of(form, '工业产品质量监督抽查综合合格率', '完成值')}: {message}" in result.output
    )


def test_small_rate_with_percent_sign_is_meant_and_kept(plan, cli, data_dir, tmp_path):
    form = version(plan, tmp_path, "f.xlsx", T0, values={"开展技术检查的生产许可证获证企业比例": "0.5%"})
    assert cli("collect", form, data=data_dir).exit_code == 0
    text = period_file(data_dir, Period(2018)).read_text(encoding="utf-8-sig")
    assert "南海区,38,开展技术检查的生产许可证获证企业比例,0.5%," in text  # not taken for a fraction later
    assert cli("check", data=data_dir).exit_code == 0


def test_proportion_over_100_and_ten_times_target_warn(plan, cli, data_dir, tmp_path):
    form = version(plan, tmp_path, "f.xlsx", T0, values={"工业产品质量监督抽查综合合格率": 101, LEADER: 351})
    result = cli("collect", form, data=data_dir)
    assert result.exit_code == 0, result.output
    rate, count = cell_of(form, "工业产品质量监督抽查综合合格率", "完成值"), cell_of(form, LEADER, "完成值")
    assert f"填报!{rate}: 南海区“工业产品质量监督抽查综合合格率”完成值101% 超过 100%" in result.output
    assert f"填报!{count}: 南海区“细分行业龙头企业数”完成值351 超过目标值 35 的 10 倍" in result.output
    check = cli("check", data=data_dir)
    assert check.exit_code == 0 and "超过 100%" in check.output and "的 10 倍" in check.output


def test_growth_rate_may_exceed_100(plan, cli, data_dir, tmp_path):
    blank = make(plan, tmp_path, Period(2018), (None,))["全市"]
    form = saved_at(fill(blank, values={"孵化器数量增长率": 150}, default=met, save_as=tmp_path / "c.xlsx"), T0)
    result = cli("collect", form, data=data_dir)
    assert result.exit_code == 0, result.output
    assert "超过 100" not in result.output
    assert stored(data_dir, plan, None, "孵化器数量增长率")[0] == 150


def test_proportion_is_plan_data(plan):
    assert {m.id for m in plan.measures if m.proportion} == {"17c", "34", "37", "38", "41", "43"}
    assert not next(m for m in plan.measures if m.id == "15").proportion  # growth


def test_proportion_only_for_percent_units(data_dir, cli):
    path = data_dir / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "    name: 细分行业龙头企业数\n    unit: 家\n",
        "    name: 细分行业龙头企业数\n    unit: 家\n    proportion: true\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    result = cli("check", data=data_dir)
    assert result.exit_code == 1 and "proportion（占比，不超过 100%）只用于单位为 % 的指标" in result.output


# ---------------------------------------------------------------- 4. a target revised after the form was issued


def test_form_issued_before_a_target_revision_is_accepted_with_a_note(plan, cli, data_dir, tmp_path):
    form = version(plan, tmp_path, "f.xlsx", T0, values={LEADER: 40})
    path = data_dir / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    old = "2018: {禅城区: 25, 南海区: 35, 顺德区: 35, 高明区: 15, 三水区: 15}"
    assert old in text
    path.write_text(text.replace(old, old.replace("南海区: 35", "南海区: 38"), 1), encoding="utf-8")
    result = cli("collect", form, data=data_dir)
    assert result.exit_code == 0, result.output
    assert (
        f"填报!{cell_of(form, LEADER, '目标值')}: 下发此表后目标已修订：表中目标为“35”，现行目标为“38”" in result.output
    )
    assert stored(data_dir, plan)[0] == 40


# ---------------------------------------------------------------- 5. collect like a clerk works


def test_collect_a_folder_recursively_reading_periods_from_forms(plan, cli, data_dir, tmp_path):
    inbox = tmp_path / "收件箱"
    (inbox / "南海").mkdir(parents=True)
    (inbox / "顺德" / "上半年").mkdir(parents=True)
    make_forms(plan, TEMPLATE, Period(2018), ["南海区"], inbox / "南海")
    make_forms(plan, TEMPLATE, Period(2019, "H1"), ["顺德区"], inbox / "顺德" / "上半年")
    for p in inbox.rglob("*.xlsx"):
        fill(p, default=met)
    (inbox / "南海" / "~$南海区-2018年度-填报表.xlsx").write_bytes(b"lock")  # Excel's lock file
    (inbox / "说明.txt").write_text("附件", encoding="utf-8")
    result = cli("collect", inbox, data=data_dir)
    assert result.exit_code == 0, result.output
    assert "2 份表格，导入 2 份。跳过 1 个不是 Excel 工作簿的文件。" in result.output
    assert (data_dir / "figures" / "2018.收集记录.csv").is_file()
    assert (data_dir / "figures" / "2019-H1.收集记录.csv").is_file()
    # --year/--period, when given, are checked against the forms.
    refused = cli("collect", "--period", "H1", inbox / "南海", data=data_dir)
    assert refused.exit_code == 1 and "这是2018年度的填报表，本次导入的是2018年上半年（--period H1）" in refused.output


def test_a_cleared_row_is_one_message_naming_it(plan, cli, data_dir, tmp_path):
    blank = make(plan, tmp_path, Period(2018))["南海区"]
    cleared = []

    def clear(wb, ws, cols, rows):
        cleared.append(rows["质量义诊企业数"])
        for c in cols.values():
            ws.cell(cleared[0], c).value = None

    fill(blank, default=met, edit=clear)
    result = cli("collect", blank, data=data_dir)
    assert result.exit_code == 1
    r = cleared[0]
    assert f"填报!{r}:{r}: 第 {r} 行是空行（应为序号 6“质量义诊企业数”）" in result.output
    assert "发现 1 个问题" in result.output


# ---------------------------------------------------------------- 6. who has not reported


def test_missing_lists_measures_without_figures_and_rates(cli):
    result = cli("missing", "--year", "2018")
    assert result.exit_code == 0, result.output
    assert re.search(r"三水区\s+\d+\s+\d+\s+1\s+9\d\.\d%", result.output)
    assert re.search(r"三水区\s+22\s+专利转化标准数", result.output)
    assert re.search(r"高明区\s+29\s+", result.output)
    data = json.loads(cli("missing", "--year", "2018", "--format", "json").output)
    by_name = {d["name"]: d for d in data}
    assert list(by_name) == ["禅城区", "南海区", "顺德区", "高明区", "三水区", "全市"]
    assert by_name["南海区"]["missing"] == [] and by_name["南海区"]["rate"] == 1
    assert [m["row"] for m in by_name["三水区"]["missing"]] == [22]
    assert by_name["三水区"]["reported"] == by_name["三水区"]["expected"] - 1
    lines = cli("missing", "--year", "2018", "--format", "csv").output.splitlines()
    assert lines[0].lstrip("\ufeff") == "区,序号,指标,单位,目标值,指标报送率,情况,原因或说明"
    assert len(lines) == 3


def test_missing_when_nothing_reported(cli, data_dir):
    result = cli("missing", "--year", "2019", data=data_dir)
    assert result.exit_code == 0 and "0.0%" in result.output and "各项指标均按“未报送”处理" in result.output


def test_city_notice_states_reporting_rates(cli, tmp_path):
    result = cli("notice", "--year", "2018", "--city", "-o", tmp_path / "n")
    assert result.exit_code == 0, result.output
    (path,) = (tmp_path / "n").glob("*.docx")
    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert re.search(r"指标报送率：高明区9\d\.\d%（应报\d+项，已报\d+项）；三水区9\d\.\d%", text), text


# ---------------------------------------------------------------- 7. withdrawing


def test_withdraw_by_command_is_logged_and_kept_against_older_forms(plan, cli, data_dir, tmp_path):
    form = version(plan, tmp_path, "f.xlsx", T0, values={LEADER: 34})
    assert cli("collect", form, data=data_dir).exit_code == 0
    result = cli(
        "withdraw", "--year", "2018", "--district", "南海", "--row", "4", "--reason", "区里来电撤回", data=data_dir
    )
    assert result.exit_code == 0 and "已撤回 南海区 2018年度 序号 4“细分行业龙头企业数”：34 → （空）" in result.output
    assert stored(data_dir, plan) is None
    last = log_rows(data_dir)[-1]
    assert (last["变动"], last["原完成值"], last["新完成值"], last["来源文件"], last["备注"]) == (
        "撤回", "34", "", "qdocgen withdraw", "区里来电撤回",
    )  # fmt: skip
    again = cli("collect", form, data=data_dir)  # the form predates the withdrawal
    assert again.exit_code == 1 and "（空） → 34，该数已于" in again.output
    assert "用 qdocgen withdraw 撤回，此表保存于" in again.output and "早于撤回" in again.output
    nothing = cli("withdraw", "--year", "2018", "--district", "南海", "--row", "4", data=data_dir)
    assert nothing.exit_code == 1 and "没有已报送的完成值可撤回" in nothing.output
    two = cli("withdraw", "--year", "2018", "--district", "南海", "--row", "8", data=data_dir)
    assert two.exit_code == 1 and "请用 --measure 指定一项" in two.output


def test_withdraw_and_clear_note_on_the_form(plan, cli, data_dir, tmp_path):
    first = version(plan, tmp_path, "a.xlsx", T0, values={LEADER: 34}, notes={"质量义诊企业数": "含线上义诊"})
    assert cli("collect", first, data=data_dir).exit_code == 0
    assert stored(data_dir, plan, measure="质量义诊企业数")[1] == "含线上义诊"
    second = version(
        plan, tmp_path, "b.xlsx", T0 + timedelta(days=1), values={LEADER: None},
        notes={LEADER: "撤回", "质量义诊企业数": "撤回说明"},
    )  # fmt: skip
    result = cli("collect", second, data=data_dir)
    assert result.exit_code == 0, result.output
    assert "撤回 南海区 2018 细分行业龙头企业数：34 → （空）" in result.output
    assert "清除说明“含线上义诊”" in result.output
    assert stored(data_dir, plan) is None
    value, note = stored(data_dir, plan, measure="质量义诊企业数")
    assert value is not None and note == ""
    mine = {r["指标"]: r["变动"] for r in log_rows(data_dir) if r["来源文件"] == "b.xlsx" and r["变动"] != "确认"}
    assert mine == {LEADER: "撤回", "质量义诊企业数": "清除说明"}


def test_a_note_goes_with_the_value_it_explains(plan, cli, data_dir, tmp_path):
    """A later form that changes a figure and leaves 说明 blank does not leave the old explanation
    beside the new figure (a notice would read 完成 … “差5家”); an unchanged figure keeps its 说明."""
    first = version(
        plan,
        tmp_path,
        "a.xlsx",
        T0,
        values={LEADER: 30},
        notes={LEADER: "差5家，年底前认定", "质量义诊企业数": "含线上义诊"},
    )
    assert cli("collect", first, data=data_dir).exit_code == 0
    second = version(plan, tmp_path, "b.xlsx", T0 + timedelta(days=1), values={LEADER: 35})
    result = cli("collect", second, data=data_dir)
    assert result.exit_code == 0, result.output
    assert "细分行业龙头企业数：30 → 35（原说明“差5家，年底前认定”说明的是改动前的情况，已一并清除" in result.output
    assert stored(data_dir, plan) == (35, "")
    assert stored(data_dir, plan, measure="质量义诊企业数")[1] == "含线上义诊", "its figure did not change"
    last = [r for r in log_rows(data_dir) if r["指标"] == LEADER][-1]
    assert (last["原说明"], last["新说明"], last["变动"]) == ("差5家，年底前认定", "", "修改")
    # A note given in place of a figure (none yet) does not stay once the figure comes.
    brand = "有效期内省名牌产品数"
    third = version(
        plan, tmp_path, "c.xlsx", T0 + timedelta(days=2), values={LEADER: 35, brand: None}, notes={brand: "待省里公布"}
    )
    assert cli("collect", third, data=data_dir).exit_code == 0
    assert stored(data_dir, plan, measure=brand)[1] == "待省里公布"
    fourth = version(plan, tmp_path, "d.xlsx", T0 + timedelta(days=3), values={LEADER: 35, brand: 240})
    result = cli("collect", fourth, data=data_dir)
    assert f"{brand}：" in result.output and "原说明“待省里公布”说明的是改动前的情况" in result.output, result.output
    assert stored(data_dir, plan, measure=brand) == (240, "")
    notice = cli("notice", "--year", "2018", "--district", "南海", "--date", "2019-01-20", data=data_dir)
    assert notice.exit_code == 0, notice.output
    path = Path(notice.output.split("已生成 ")[1].split()[0])
    text = "\n".join(c.text for t in Document(path).tables for row in t.rows for c in row.cells)
    assert "差5家" not in text


def test_withdraw_with_a_value_is_refused(plan, cli, data_dir, tmp_path):
    form = version(plan, tmp_path, "a.xlsx", T0, values={LEADER: 34}, notes={LEADER: "撤回"})
    result = cli("collect", form, data=data_dir)
    place = cell_of(form, LEADER, "完成值")
    assert result.exit_code == 1 and f"填报!{place}: 完成值填了“34”，说明却写“撤回”" in result.output


# ---------------------------------------------------------------- structure


def test_figures_do_not_import_progress_or_documents():
    code = (
        "import sys, qdocgen.figures.collect, qdocgen.figures.store, qdocgen.figures.withdraw;"
        "print([m for m in sys.modules if m in ('qdocgen.progress',) or m.startswith('qdocgen.documents')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_check_reads_the_log_and_names_hand_corrections(plan, cli, data_dir, tmp_path):
    form = version(plan, tmp_path, "f.xlsx", T0, values={LEADER: 34})
    assert cli("collect", form, data=data_dir).exit_code == 0
    path = period_file(data_dir, Period(2018))
    path.write_bytes(path.read_bytes().replace("细分行业龙头企业数,34,".encode(), "细分行业龙头企业数,35,".encode()))
    result = cli("check", data=data_dir)
    assert result.exit_code == 0
    assert "2018年度 南海区 序号 4“细分行业龙头企业数”手工更正：34 → 35（收集记录 2018.收集记录.csv 中为前者" in (
        result.output
    )
    log_path = data_dir / "figures" / LOG_2018
    log_path.write_text("时间,区\n", encoding="utf-8")
    broken = cli("check", data=data_dir)
    assert broken.exit_code == 1 and "表头缺少列" in broken.output and "Traceback" not in broken.output
    refused = cli("collect", form, data=data_dir)  # a damaged log never lets a collect guess
    assert refused.exit_code == 1 and "收集记录文件的表头被改动" in refused.output


def test_a_store_from_before_the_log_is_protected_by_its_last_change(plan, cli, data_dir, tmp_path):
    for shipped in (data_dir / "figures").glob("*.收集记录.csv"):  # a store kept before logs began
        shipped.unlink()
    path = period_file(data_dir, Period(2018))
    text = path.read_text(encoding="utf-8-sig").replace(
        "南海区,4,细分行业龙头企业数,32,,示例数据", "南海区,4,细分行业龙头企业数,37,,南海区-2018年度-填报表.xlsx"
    )
    path.write_text("\ufeff" + text, encoding="utf-8", newline="")
    edited = T0 + timedelta(days=1)
    os.utime(path, (edited.timestamp(), edited.timestamp()))
    older = version(plan, tmp_path, "older.xlsx", T0, values={LEADER: 34})
    result = cli("collect", older, data=data_dir)
    assert result.exit_code == 1 and "37 → 34，完成值文件在开始收集记录之前最后修改于" in result.output
    assert not (data_dir / "figures" / LOG_2018).exists()
    newer = version(plan, tmp_path, "newer.xlsx", edited + timedelta(hours=1), values={LEADER: 38})
    assert cli("collect", newer, data=data_dir).exit_code == 0
    assert stored(data_dir, plan)[0] == 38
