"""qdocgen.toml: one schema for every section, every problem reported at once with its line."""

from __future__ import annotations

import re
from datetime import date

import pytest

from qdocgen.config import CONFIG_NAME, Config, example_config, key_lines, load_config, parse_config
from qdocgen.errors import UserError
from qdocgen.render.gbt9704 import Profile


def problems(text: str) -> list[str]:
    with pytest.raises(UserError) as info:
        parse_config(text, "qdocgen.toml")
    return [str(p) for p in info.value.problems]


def test_no_file_means_every_default(tmp_path):
    config = load_config(tmp_path / CONFIG_NAME)
    assert config == Config() and config.gbt9704 == Profile()
    assert not config.chart.given and config.notice.subject == "" and config.notice.date is None


def test_every_section_is_read():
    config = parse_config(
        '[gbt9704]\nbody_size = 30\nseal = false\n[chart]\nfont = "SimHei"\n'
        '[notice]\nsubject = "质量提升"\ndate = "2019-01-15"\n'
    )
    assert config.gbt9704.body_size == 30 and config.gbt9704.seal is False
    assert config.chart.given  # the retired [chart] section is still accepted in older files
    assert config.notice.subject == "质量提升" and config.notice.date == date(2019, 1, 15)


def test_a_toml_date_is_a_date():
    assert parse_config("[notice]\ndate = 2019-01-15\n").notice.date == date(2019, 1, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[gbt9704]\nbody_size = 999\n", "qdocgen.toml:2 [gbt9704] body_size: 应在 16—72 之间，实为 999"),
        ("[gbt9704]\nbody_size = 16\nbody_size = 20\n", "qdocgen.toml:"),  # TOML itself refuses a repeated key
        (
            '[gbt9704]\nbody_fnot = "仿宋"\n',
            "qdocgen.toml:2 [gbt9704] body_fnot: 未知的设置项 body_fnot，是否想写 body_font？",
        ),
        ('\n[notise]\nsubject = "x"\n', "qdocgen.toml:2 [notise]: 未知的节 [notise]，是否想写 [notice]？"),
        ('[notice]\ndate = "2019-02-30"\n', "qdocgen.toml:2 [notice] date: "),
        ('[notice]\ndate = "2019年1月5日"\n', "YYYY-MM-DD"),
        ('[notice]\nsubject = "a/b"\n', "[notice] subject: “a/b”含有文件名不允许的字符"),
        ('[gbt9704]\nred_color = "red"\n', "应为六位十六进制颜色"),
        ('[gbt9704]\nbody_font = " "\n', "不能为空"),
        ("[gbt9704]\nseal = 1\n", "应为 true 或 false"),
        ("[gbt9704]\nbody_size = 30.5\n", "应为整数"),
        ("body_size = 30\n", "qdocgen.toml:1 [body_size]: 设置项 body_size 应写在 [gbt9704] 节下"),
        ("[gbt9704]\nred_head = true\n", "qdocgen.toml:1 [gbt9704]: red_head = true 时须写 issuer_mark"),
        ("[gbt9704]\nbody_size = \n", "qdocgen.toml:2: 第 "),
    ],
)
def test_each_problem_names_file_line_and_key(text, expected):
    found = problems(text)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once():
    found = problems('[gbt9704]\nbody_size = 999\nmargin_top = -1\ncolour = "red"\n[notise]\n[notice]\nsubjcet = ""\n')
    assert len(found) == 5
    assert [p.split(" ")[0] for p in found] == [f"qdocgen.toml:{n}" for n in (2, 3, 4, 5, 7)]


def test_key_lines_find_keys_sections_and_dotted_keys():
    text = '# comment\n[gbt9704]  # layout\nbody_size = 30\n"seal" = true\n\n[notice]\nsubject="x"\n'
    lines = key_lines(text)
    assert lines[("gbt9704", None)] == 2 and lines[("gbt9704", "body_size")] == 3
    assert lines[("gbt9704", "seal")] == 4 and lines[("notice", "subject")] == 7
    assert key_lines('notice.subject = "x"\n')[("notice", "subject")] == 1


def test_example_config_parses_to_the_defaults():
    config = parse_config(example_config())
    assert (config.gbt9704, config.chart, config.notice) == (Profile(), Config().chart, Config().notice)
    text = "\n".join(x[2:] if x.startswith("# ") and " = " in x else x for x in example_config().splitlines())
    assert parse_config(text).gbt9704 == Profile()


def test_digest_follows_values_not_comments():
    one = parse_config("[gbt9704]\nbody_size = 30\n")
    assert one.digest() == parse_config("# a comment\n[gbt9704]\nbody_size   =   30\n").digest()
    assert one.digest() != parse_config("[gbt9704]\nbody_size = 31\n").digest()


def test_check_refuses_a_bad_config(cli, data_dir):
    path = data_dir.parent / CONFIG_NAME
    path.write_text('[gbt9704]\nbody_size = 999\n[notise]\nsubject = "x"\n', encoding="utf-8")
    result = cli("check", data=data_dir)
    assert result.exit_code == 1
    assert f"{path}:2 [gbt9704] body_size: 应在 16—72 之间，实为 999" in result.output
    assert f"{path}:3 [notise]: 未知的节 [notise]，是否想写 [notice]？" in result.output
    assert "发现 2 个问题" in result.output and "Traceback" not in result.output


def test_check_passes_a_good_config(cli, data_dir):
    (data_dir.parent / CONFIG_NAME).write_text(example_config(), encoding="utf-8")
    assert cli("check", data=data_dir).exit_code == 0


def test_build_refuses_a_bad_config_before_writing(cli, data_dir, tmp_path):
    (data_dir.parent / CONFIG_NAME).write_text("[gbt9704]\nbody_size = 999\n", encoding="utf-8")
    result = cli("build", "--year", "2018", "-o", tmp_path / "out", data=data_dir)
    assert result.exit_code == 1 and "body_size" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "text, said",
    [
        ("[gbt9704", "qdocgen.toml:1: 文件末尾：节名缺少右方括号"),
        ('[notice]\ndate = "2019-01-15"\ndate = "2019-01-16"\n', "qdocgen.toml:3: 第 "),
        ("[notice]\n[notice]\n", "节 [notice] 写了两次"),
        ("[notice]\nsubject = 质量\n", "文字两边请加英文双引号"),
        ('[notice]\nsubject = "质量\n', "引号没有闭合"),
    ],
)
def test_toml_syntax_errors_are_explained_in_chinese(text, said):
    found = problems(text)
    assert len(found) == 1 and said in found[0], found
    english = re.sub(r"qdocgen\.toml|notice|subject|true/false", "", found[0])
    assert not re.search(r"[A-Za-z]{4,}", english), found  # none of tomllib's English
