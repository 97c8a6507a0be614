"""`qdocgen init DIR` makes a workspace a user can start another plan from."""

from __future__ import annotations

import os

from click.testing import CliRunner

from qdocgen.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_init_makes_a_workspace_that_checks_and_builds(tmp_path, monkeypatch):
    target = tmp_path / "新计划"
    result = run("init", str(target))
    assert result.exit_code == 0, result.output
    assert (target / "plan_data" / "plan.yaml").is_file()
    assert sorted(p.name for p in (target / "plan_data" / "figures").glob("*.csv")) == [
        "2017.csv",
        "2017.收集记录.csv",  # the sample ships with its logs: a first hand correction is told
        "2018.csv",
        "2018.收集记录.csv",
        "2019-H1.csv",
        "2019-H1.收集记录.csv",
    ]
    assert (target / "templates" / "docx" / "通报-全市.docx").is_file()
    assert (target / "templates" / "xlsx" / "填报表.xlsx").is_file()
    config = (target / "qdocgen.toml").read_text(encoding="utf-8")
    assert "[gbt9704]" in config and "# margin_top = 2098" in config
    assert not list(target.rglob("__init__.py")) and not list(target.rglob("__pycache__"))

    monkeypatch.chdir(target)
    assert run("check").exit_code == 0
    built = run("build", "--year", "2018", "-q")
    assert built.exit_code == 0, built.output
    assert (target / "output" / "2018" / "通报").is_dir()


def test_init_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me", encoding="utf-8")
    result = run("init", str(tmp_path))
    assert result.exit_code == 1
    assert "已存在且不为空" in result.output
    assert os.listdir(tmp_path) == ["mine.txt"]


def test_data_elsewhere_brings_its_own_templates(tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    assert run("init", str(workspace)).exit_code == 0
    (workspace / "templates" / "xlsx" / "填报表.xlsx").write_bytes(b"not a workbook")
    monkeypatch.chdir(tmp_path)  # elsewhere: no plan_data or templates here
    result = run("--data", str(workspace / "plan_data"), "forms", "--year", "2018", "--district", "南海")
    assert result.exit_code == 1
    assert str(workspace / "templates" / "xlsx" / "填报表.xlsx") in result.output
