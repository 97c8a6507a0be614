"""`qdocgen check` passes on the bundled data and locates every kind of problem."""

from __future__ import annotations

import json
import re

import pytest

HEADER = "\ufeff区,序号,指标,完成值,说明,来源\r\n"


def write_figures(data_dir, name: str, lines: list[str]) -> str:
    path = data_dir / "figures" / name
    path.write_text(HEADER + "".join(line + "\r\n" for line in lines), encoding="utf-8")
    return str(path)


def test_check_passes_on_bundled_data(cli):
    result = cli("check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("检查通过")
    assert result.output.count("\n") == 1


@pytest.mark.parametrize(
    "line,message",
    [
        ("浦东区,4,细分行业龙头企业数,30,,", "未知的区“浦东区”"),
        ("南海区,4,不存在的指标,30,,", "序号 4 没有指标“不存在的指标”"),
        ("南海区,4,细分行业龙头企业数,三十,,", "“三十”不是数字"),
        ("南海区,4,细分行业龙头企业数,-3,,", "负数"),
        ("南海区,37,工业产品质量监督抽查综合合格率,0.952,,", "完成值0.952：比率请填百分数，如 95.2"),
        ("南海区,4,细分行业龙头企业数,12.5,,", "12.5：单位为“家”，完成值应为整数"),
        ("南海区,4,细分行业龙头企业数,1e15,,", "超出合理范围"),
        ("南海区,4,细分行业龙头企业数,99999999999999999999999,,", "超出合理范围"),
        ("南海区,,细分行业龙头企业数,30,,", "缺少必填项“序号”"),
        (",4,细分行业龙头企业数,30,,", "缺少必填项“区”"),
        ("南海区,45,细分行业龙头企业数,30,,", "序号 45 不在任务分解表 1–44 内"),
        ("南海区,四,细分行业龙头企业数,30,,", "序号“四”不是整数"),
        ("全市,4,细分行业龙头企业数,30,,", "按区考核"),
        ("南海区,10,国家级质量技术机构数,3,,", "全市指标"),
        ("全市,1,通过省预验收,2,,", "节点任务"),
    ],
)
def test_each_bad_figure_is_located(cli, data_dir, line, message):
    path = write_figures(data_dir, "2018.csv", ["禅城区,4,细分行业龙头企业数,20,,", line])
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert f"{path}:3: " in result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_duplicated_line(cli, data_dir):
    path = write_figures(data_dir, "2018.csv", ["南海区,4,细分行业龙头企业数,20,,", "南海,4,细分行业龙头企业数,21,,"])
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert f"{path}:3: 与第 2 行重复" in result.output


def test_year_outside_the_plan(cli, data_dir):
    path = write_figures(data_dir, "2021.csv", ["南海区,4,细分行业龙头企业数,20,,"])
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert f"{path}: 年度 2021 不在计划年度 2017—2019 内" in result.output


def test_badly_named_file(cli, data_dir):
    write_figures(data_dir, "2018 - 副本.csv", [])
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert "2018 - 副本.csv: 文件名不是 年度.csv 或 年度-时段.csv" in result.output
    other = cli("progress", "--year", "2018", "--district", "南海", data=data_dir)  # other commands go on
    assert other.exit_code == 0
    assert "注意：" in other.output and "2018 - 副本.csv" in other.output


def test_period_file_names_ignore_case(cli, data_dir):
    (data_dir / "figures" / "2019-H1.csv").rename(data_dir / "figures" / "2019-h1.csv")
    assert cli("check", data=data_dir).exit_code == 0
    result = cli(
        "progress", "--year", "2019", "--period", "H1", "--district", "南海", "--format", "json", data=data_dir
    )
    records = json.loads(result.stdout)
    assert sum(r["actual"] is not None for r in records) > 20  # the figures were read


def test_two_files_for_one_period(cli, data_dir):
    (data_dir / "figures" / "2019-h1.csv").write_bytes((data_dir / "figures" / "2019-H1.csv").read_bytes())
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert "都是2019年上半年的完成值" in result.output


def test_a_period_without_figures_is_said(cli):
    result = cli("progress", "--year", "2018", "--period", "H1", "--district", "南海")
    assert result.exit_code == 0
    assert "注意：没有2018年上半年的完成值文件" in result.output and "未报送" in result.output


def test_missing_column(cli, data_dir):
    path = data_dir / "figures" / "2018.csv"
    path.write_text("区,序号,指标\n南海区,4,细分行业龙头企业数\n", encoding="utf-8")
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert f"{path}:1: 表头缺少列：完成值" in result.output


def test_every_problem_is_reported_at_once(cli, data_dir):
    write_figures(data_dir, "2018.csv", ["浦东区,4,细分行业龙头企业数,1,,", "南海区,4,细分行业龙头企业数,x,,"])
    write_figures(data_dir, "2017.csv", ["南海区,4,细分行业龙头企业数,-1,,"])
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert len(re.findall(r"^\S+\.csv:\d+: ", result.output, re.M)) == 3
    assert "发现 3 个问题" in result.output


def break_plan(data_dir, old: str, new: str, count: int = 1) -> str:
    path = data_dir / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return str(path)


def line_of(data_dir, needle: str) -> int:
    lines = (data_dir / "plan.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


@pytest.mark.parametrize(
    "old,new,message",
    [
        ("    kind: annual\n", "    kind: yearly\n", "指标类型应为"),
        ("2017: {禅城区: 25, 南海区: 35", "2017: {禅城区: 25, 南海: 35, 浦东区: 35", "未知的区“浦东区”"),
        ("2017: {禅城区: 25,", "2017: {禅城区: 多,", "目标值应为数字"),
        ("2017: {禅城区: 25,", "2017: {禅城区: -25,", "目标值不能为负数"),
        ("      2017: 10\n", "      2022: 10\n", "年度 2022 不在计划年度"),
        ("  doc_number: 佛府办函〔2017〕388号", "  doc_number: 佛府办函[2017]388号", "文号"),
    ],
)
def test_each_plan_problem_is_located(cli, data_dir, old, new, message):
    path = break_plan(data_dir, old, new)
    line = line_of(data_dir, new.strip().split("\n")[0][:12])
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert message in result.output
    assert re.search(rf"^{re.escape(path)}:{line}: ", result.output, re.M), result.output
    assert "Traceback" not in result.output


def test_missing_required_field_in_plan(cli, data_dir):
    path = break_plan(data_dir, "    action: 大力挖掘和重点培育细分行业“隐形冠军”。\n", "")
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert "缺少必填项“action”（工作措施）" in result.output
    assert f"{path}:" in result.output


def test_yaml_syntax_error_names_the_line(cli, data_dir):
    path = break_plan(data_dir, "  - {name: 南海区, short: 南海}", "  - {name: 南海区, short: 南海")
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(path)}:18: YAML 格式错误：映射 {{ }} 中缺少逗号或右花括号", result.output)


def test_tab_indentation_is_explained(cli, data_dir):
    path = break_plan(data_dir, "  - {name: 南海区, short: 南海}", "\t- {name: 南海区, short: 南海}")
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert f"{path}:17: YAML 格式错误：此处有不能出现的字符（如 Tab 缩进：请改用空格）" in result.output


def test_merged_cells_must_hold_the_same_text(cli, data_dir):
    break_plan(data_dir, "    content: 引导企业建立健全质量管理体系\n", "    content: 引导企业建立质量管理体系\n")
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert "第 7–9 行合并了栏目 content，但各行文字不一致" in result.output


def test_missing_data_folder(cli, tmp_path):
    result = cli("check", data=tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "找不到计划数据文件夹" in result.output and "qdocgen init" in result.output


@pytest.mark.parametrize("name", ["../evil", "南海/区", "..\\\\evil", "..", "/etc"])
def test_district_name_that_is_a_path_is_refused(cli, data_dir, name):
    """A district name becomes part of file names (forms, notices): it must not be a path."""
    path = break_plan(data_dir, "  - {name: 南海区, short: 南海}", f"  - {{name: '{name}', short: 南海}}")
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert re.search(rf"^{re.escape(path)}:17: .*(不允许的字符|不能以点或空格结尾)", result.output, re.M), result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "old,new,key,closest",
    [
        ("    kind: annual\n", "    knid: annual\n", "knid", "kind"),
        ("    scope: district\n", "    scpoe: district\n", "scpoe", "scope"),
        ("  doc_number: ", "  doc_numbr: ", "doc_numbr", "doc_number"),
        ("    action: 大力挖掘", "    actoin: 大力挖掘", "actoin", "action"),
    ],
)
def test_a_misspelled_key_is_named_with_the_closest_known_one(cli, data_dir, old, new, key, closest):
    path = break_plan(data_dir, old, new)
    line = line_of(data_dir, new.strip()[:10])
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert re.search(rf"^{re.escape(path)}:{line}: .*未知的项“{key}”，是否应为“{closest}”", result.output, re.M), (
        result.output
    )
    assert f"缺少必填项“{closest}”" in result.output  # and the key it stands for is missing
    assert "None" not in result.output


def test_a_misspelled_districts_list_does_not_cascade(cli, data_dir):
    path = break_plan(data_dir, "\ndistricts:", "\ndistrcts:")
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert (
        f"{path}:{line_of(data_dir, 'distrcts:')}: 计划文件：未知的项“distrcts”，是否应为“districts”" in result.output
    )
    assert "districts（各区）缺失或为空" in result.output
    assert "未知的区" not in result.output and "发现 2 个问题" in result.output
