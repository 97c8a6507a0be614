"""One warning channel: every command says what it noticed, once, in order, at the end."""

from __future__ import annotations

from qdocgen.warnings import Warnings


def test_warnings_keep_order_and_say_each_once():
    w = Warnings(["甲", "乙"])
    w.append("甲")
    w.extend(["丙", "乙"])
    assert list(w) == ["甲", "乙", "丙"] and len(w) == 3 and w[0] == "甲"
    assert w.lines() == ["注意：甲", "注意：乙", "注意：丙"]


def test_build_shows_the_warning_notice_shows(cli, data_dir, tmp_path):
    # An older qdocgen.toml with the retired [chart] font: both commands say so, once, at the end.
    (data_dir.parent / "qdocgen.toml").write_text('[chart]\nfont = "SimHei"\n', encoding="utf-8")
    notice = cli("notice", "--year", "2018", "--city", "-o", tmp_path / "n", data=data_dir)
    assert notice.exit_code == 0, notice.output
    said = [line for line in notice.output.splitlines() if line.startswith("注意：")]
    assert any("[chart]" in line and "不再使用" in line for line in said)

    built = cli("build", "--year", "2018", "-o", tmp_path / "b", data=data_dir)
    assert built.exit_code == 0, built.output
    lines = built.output.splitlines()
    warned = [i for i, line in enumerate(lines) if "[chart]" in line and "不再使用" in line]
    assert len(warned) == 1, "said once, however many notices are made"
    assert lines[warned[0]].startswith("注意：")
    done = next(i for i, line in enumerate(lines) if line.startswith("完成："))
    assert warned[0] > done, "warnings come at the end, after the command's own output"
