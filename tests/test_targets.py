"""`qdocgen targets` lists every quantitative target of a year."""

from __future__ import annotations

import csv
import io
import json

import pytest


def targets_json(cli, *args):
    result = cli("targets", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("year", [2017, 2018, 2019])
def test_json_lists_every_quantitative_target(cli, plan, year):
    records = targets_json(cli, "--year", str(year))
    expected = set()
    for m in plan.measures:
        if m.kind == "qualitative" or year not in m.targets:
            continue
        if m.is_city:
            expected.add((m.row, m.name, None))
        else:
            expected.update((m.row, m.name, d) for d in m.targets[year])
    assert {(r["row"], r["measure"], r["district"]) for r in records} == expected
    for r in records:
        assert set(r) >= {"row", "measure", "unit", "kind", "year", "district", "target"}
        assert isinstance(r["row"], int) and r["year"] == year
        assert r["target"] is None or isinstance(r["target"], (int, float))


def test_known_values(cli):
    records = targets_json(cli, "--year", "2018")
    by_key = {(r["row"], r["measure"], r["district"]): r for r in records}
    assert by_key[(27, "有效期内省名牌产品数", "南海区")]["target"] == 239
    assert by_key[(27, "有效期内省名牌产品数", "南海区")]["kind"] == "stock"
    assert by_key[(44, "培训企业各类人员人次", None)]["target"] == 10000
    assert by_key[(16, "实施技术改造的规模以上企业数", None)]["target"] is None


@pytest.mark.parametrize("name", ["南海", "南海区"])
def test_one_district_by_short_or_full_name(cli, name):
    records = targets_json(cli, "--year", "2019", "--district", name)
    assert records and {r["district"] for r in records} == {"南海区"}


def test_unknown_district_is_refused(cli):
    result = cli("targets", "--year", "2018", "--district", "浦东")
    assert result.exit_code == 1
    assert "未知的区“浦东”" in result.output


def test_year_outside_plan_is_refused(cli):
    result = cli("targets", "--year", "2020")
    assert result.exit_code == 1
    assert "年度 2020 不在计划年度" in result.output


def test_csv_and_table_formats(cli):
    result = cli("targets", "--year", "2017", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["序号", "指标", "单位", "类型", "年度", "区", "目标值"]
    # 类型 in Chinese, as the user reads it (--format json keeps the key: annual)
    assert ["4", "细分行业龙头企业数", "家", "年度计数", "2017", "禅城区", "25"] in rows
    assert not any(kind in result.output for kind in ("annual", "city-level", "stock"))
    table = cli("targets", "--year", "2017").output
    assert "细分行业龙头企业数" in table and "禅城区" in table and "全市指标" in table and "city-level" not in table
