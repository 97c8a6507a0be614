"""One warning channel: every command says what it noticed, once, in order, at the end."""

from __future__ import annotations

import pytest

from qdocgen.render import chart
from qdocgen.warnings import Warnings


def test_warnings_keep_order_and_say_each_once():
    w = Warnings(["甲", "乙"])
    w.append("甲")
    w.extend(["丙", "乙"])
    assert list(w) == ["甲", "乙", "丙"] and len(w) == 3 and w[0] == "甲"
    assert w.lines() == ["注意：甲", "注意：乙", "注意：丙"]


@pytest.fixture
def no_chinese_font(monkeypatch):
    def missing(*_a, **_k):
        raise chart.ChartFontMissing(chart.INSTALL_HINT)

    monkeypatch.setattr(chart, "find_cjk_font", missing)


def test_build_shows_the_warning_notice_shows(cli, tmp_path, no_chinese_font):
    notice = cli("notice", "--year", "2018", "--city", "-o", tmp_path / "n")
    assert notice.exit_code == 0, notice.output
    said = [line for line in notice.output.splitlines() if line.startswith("注意：")]
    assert any("未找到可显示中文的字体" in line for line in said)

    built = cli("build", "--year", "2018", "-o", tmp_path / "b")
    assert built.exit_code == 0, built.output
    lines = built.output.splitlines()
    warned = [i for i, line in enumerate(lines) if "未找到可显示中文的字体" in line]
    assert len(warned) == 1, "said once, however many notices lack their chart"
    assert lines[warned[0]].startswith("注意：")
    done = next(i for i, line in enumerate(lines) if line.startswith("完成："))
    assert warned[0] > done, "warnings come at the end, after the command's own output"
