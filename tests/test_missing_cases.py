"""`qdocgen missing` tells the cases apart: no form received, form refused (with the reason), left
blank with a reason, left blank without one; and, with `[forms] note_when_missed`, a 说明 for
every 未完成 figure, asked for in the form itself."""

from __future__ import annotations

import csv
import io
import json
import os
import time

from openpyxl import load_workbook
from test_collect import cell_of, fill, make, met, set_value

from qdocgen.figures.period import Period
from qdocgen.figures.store import period_file

H1 = Period(2019, "H1")


def listed(cli, data_dir, *args) -> list[dict]:
    out = cli("missing", "--year", "2019", "--period", "H1", "--format", "csv", *args, data=data_dir).output
    return list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))


def without(data_dir, period: Period, who: str) -> None:
    """Remove every figure `who` reported in `period`: nothing received from it."""
    path = period_file(data_dir, period)
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("\ufeff" + "".join(ln for ln in lines if not ln.startswith(who + ",")), encoding="utf-8")


def test_no_form_received(cli, data_dir):
    without(data_dir, H1, "三水区")
    rows = [r for r in listed(cli, data_dir) if r["区"] == "三水区"]
    assert rows and {r["情况"] for r in rows} == {"未收到填报表"}
    others = [r for r in listed(cli, data_dir) if r["区"] == "高明区"]  # 高明区 reported, left 序号 40 blank
    assert [(r["序号"], r["情况"], r["原因或说明"]) for r in others] == [("40", "表中留空，未说明原因", "")]


def test_left_blank_with_a_reason(cli, data_dir):
    path = period_file(data_dir, H1)
    text = path.read_text(encoding="utf-8-sig")
    path.write_text("\ufeff" + text + "高明区,40,检查认证产品获证企业数,,检查安排在下半年,\r\n", encoding="utf-8")
    rows = [r for r in listed(cli, data_dir) if r["区"] == "高明区"]
    assert [(r["序号"], r["情况"], r["原因或说明"]) for r in rows] == [("40", "留空并写明原因", "检查安排在下半年")]
    table = cli("missing", "--year", "2019", "--period", "H1", data=data_dir).output
    assert "留空并写明原因：检查安排在下半年" in table


def test_form_refused_with_its_reason(plan, cli, data_dir, tmp_path):
    without(data_dir, H1, "三水区")
    # removed a minute before the forms are made and filled: a form saved within the same second
    # as the change (a fast machine) would be taken for older than it (figures/collect.py)
    stamp = time.time() - 60
    os.utime(period_file(data_dir, H1), (stamp, stamp))
    form = make(plan, tmp_path, H1, ("三水区",))["三水区"]
    fill(form, default=met, edit=set_value("细分行业龙头企业数", "abc"))
    refused = cli("collect", form, data=data_dir)
    assert refused.exit_code == 1 and "均未导入" in refused.output
    place = cell_of(form, "细分行业龙头企业数", "完成值")
    rows = [r for r in listed(cli, data_dir) if r["区"] == "三水区"]
    assert rows and {r["情况"] for r in rows} == {"填报表被退回"}
    assert all(form.name in r["原因或说明"] and f"填报!{place}" in r["原因或说明"] for r in rows)
    assert all("“abc”不是数字" in r["原因或说明"] for r in rows)
    data = json.loads(cli("missing", "--year", "2019", "--period", "H1", "--format", "json", data=data_dir).output)
    sanshui = next(d for d in data if d["name"] == "三水区")
    assert {m["case"] for m in sanshui["missing"]} == {"refused"} and "“abc”不是数字" in sanshui["missing"][0]["reason"]
    # the corrected form goes in: the refusal no longer stands
    fill(form, default=met, edit=set_value("细分行业龙头企业数", 3))
    assert cli("collect", form, data=data_dir).exit_code == 0
    assert not [r for r in listed(cli, data_dir) if r["区"] == "三水区"]
    register = (data_dir / "figures" / "2019-H1.收件记录.csv").read_text(encoding="utf-8-sig")
    assert [r["结果"] for r in csv.DictReader(io.StringIO(register))] == ["退回", "导入"]


def test_a_note_for_every_missed_figure_when_set(plan, cli, data_dir, tmp_path):
    plain = listed(cli, data_dir)
    assert not [r for r in plain if r["情况"] == "未完成，未写说明"]  # not asked for by default
    (data_dir.parent / "qdocgen.toml").write_text("[forms]\nnote_when_missed = true\n", encoding="utf-8")
    rows = [r for r in listed(cli, data_dir) if r["情况"] == "未完成，未写说明"]
    evaluation = json.loads(
        cli("progress", "--year", "2019", "--period", "H1", "--format", "json", data=data_dir).output
    )
    expected = {
        (e["district"], str(e["row"]), e["measure"])
        for e in evaluation
        if e["status"] == "未完成" and not e["note"] and e["scope"] != "total"
    }
    assert expected and {(r["区"] if r["区"] != "全市" else None, r["序号"], r["指标"]) for r in rows} == expected
    # and the form asks for it: the sentence, and the 说明 cell marked while the figure is short of its target
    out = tmp_path / "forms"
    assert (
        cli("forms", "--year", "2019", "--period", "H1", "--district", "南海", "-o", out, data=data_dir).exit_code == 0
    )
    (path,) = out.glob("*.xlsx")
    ws = load_workbook(path)["填报"]
    text = "".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert "完成值低于目标值（未完成）的，须在“说明”中写明原因" in text
    note = cell_of(path, "细分行业龙头企业数", "说明")
    value = cell_of(path, "细分行业龙头企业数", "完成值")
    target = cell_of(path, "细分行业龙头企业数", "目标值")
    rules = [(str(rng.sqref), r.formula[0]) for rng in ws.conditional_formatting for r in rng.rules]
    assert (note, f"AND(ISNUMBER({value}),ISNUMBER({target}),{value}<{target},LEN(TRIM({note}))=0)") in rules


def test_collect_asks_for_the_missing_note_when_set(plan, cli, data_dir, tmp_path):
    form = make(plan, tmp_path, Period(2018), ("南海区",))["南海区"]
    fill(form, values={"细分行业龙头企业数": 30}, notes={"质量义诊企业数": "（无）"}, default=met)  # 30 < 35
    place = cell_of(form, "细分行业龙头企业数", "完成值")
    said = f"{form} 填报!{place}: 南海区 2018年度 序号 4“细分行业龙头企业数”完成值 30 低于目标 35（未完成），没有写说明"
    quiet = cli("collect", form, "--dry-run", data=data_dir)
    assert quiet.exit_code == 0 and said not in quiet.output  # not asked for by default
    (data_dir.parent / "qdocgen.toml").write_text("[forms]\nnote_when_missed = true\n", encoding="utf-8")
    asked = cli("collect", form, data=data_dir)
    assert asked.exit_code == 0 and said in asked.output  # said, not refused: the figure is taken in
    fill(form, values={"细分行业龙头企业数": 30}, notes={"细分行业龙头企业数": "两家企业认定推迟到下半年"}, default=met)
    explained = cli("collect", form, data=data_dir)
    assert explained.exit_code == 0 and "没有写说明" not in explained.output
