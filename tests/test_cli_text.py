"""The command line speaks Chinese: click's own usage, errors and help headings included."""

from __future__ import annotations

import inspect
import re

import click
import pytest
from click.testing import CliRunner

from qdocgen import click_zh
from qdocgen.cli import main
from qdocgen.textwidth import columns


def run(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="qdocgen")


def test_help_is_chinese():
    result = run("--help")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("用法：qdocgen [选项] 命令 [参数]...")
    assert "选项：" in out and "命令：" in out and "显示此帮助并退出。" in out and "显示版本号并退出。" in out
    assert not re.search(r"Usage|Options|Commands|Show this", out)


def test_command_help_is_chinese():
    out = run("targets", "-h").output
    assert "用法：qdocgen targets [选项]" in out and "[必填]" in out and "[默认：table]" in out
    assert "--year 整数" in out
    # the help texts start in one column although the metavars are Chinese
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  --")}
    starts = {
        columns(line[: line.index(text)]) for line, text in ((lines["--year"], "年度，"), (lines["--district"], "只列"))
    }
    assert len(starts) == 1


def test_unknown_option_is_chinese():
    result = run("targets", "--year", "2018", "--yaer", "2018")
    assert result.exit_code == 2
    assert "错误：没有选项 “--yaer”。" in result.output
    assert "可运行“qdocgen targets --help”查看帮助。" in result.output
    assert "Error" not in result.output and "No such option" not in result.output


def test_missing_required_option_is_chinese():
    result = run("targets")
    assert result.exit_code == 2
    assert "错误：缺少必填选项 “--year”。" in result.output and "Missing" not in result.output


def test_bad_values_and_commands_are_chinese():
    assert "错误：“--year” 的取值无效：“x” 不是有效的整数。" in run("targets", "--year", "x").output
    assert "“x”不是 table、csv、json 之一" in run("targets", "--year", "2018", "--format", "x").output
    out = run("tagets").output
    assert "没有命令 “tagets”。是否想写 “targets”？" in out


def _click_source() -> str:
    return "".join(inspect.getsource(__import__(name, fromlist=["_"])) for name in click_zh.MODULES)


@pytest.mark.parametrize("msgid", sorted(click_zh.MESSAGES))
def test_every_translated_text_is_one_click_uses(msgid):
    """A click upgrade that rewords a text shows up here rather than as English on screen."""
    source = _click_source()
    literal = msgid.replace("\n", "\\n").replace("\t", "\\t")
    assert f'"{literal}"' in source, msgid


def test_plurals_are_clicks():
    source = _click_source()
    for singular, plural in click_zh.PLURALS:
        assert f'"{singular}"' in source and f'"{plural}"' in source


def test_installing_twice_is_harmless():
    click_zh.install()
    click_zh.install()
    assert click.INT.name == "整数"


def test_a_bad_period_lists_the_periods_as_the_help_writes_them():
    out = run("progress", "--year", "2018", "--period", "H3").output
    assert "“H3”不是 year、H1、Q1、Q2、Q3 之一" in out and "'h1'" not in out


def test_a_global_option_after_the_command_says_where_it_goes():
    result = run("check", "--data", "plan_data")
    assert result.exit_code == 2
    assert "--data 是全局选项，要写在命令名之前，如 qdocgen --data 文件夹 check" in result.output
