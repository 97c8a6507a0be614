"""The commands that read the plan and the figures and print them: check, targets, progress, missing, context."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from qdocgen.cli.group import main
from qdocgen.cli.options import FORMATS, check_year, is_city, optional_period, period_option, resolve_district
from qdocgen.figures.period import Period

if TYPE_CHECKING:
    from qdocgen.workspace import Workspace


@main.command()
@click.pass_obj
def check(ws: Workspace) -> None:
    """检查计划数据、完成值和配置（qdocgen.toml），列出全部问题（文件:行号: 说明）。"""
    from qdocgen.views.check import check as run_check

    click.echo(run_check(ws), nl=False)


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2022。")
@click.option("--district", default=None, help="只列出一个区，如 东城 或 东城区；“全市”只列全市指标。")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def targets(ws: Workspace, year: int, district: str | None, fmt: str) -> None:
    """列出某年度的全部量化目标。"""
    from qdocgen.views.targets import targets as listed

    check_year(ws, year)
    city_only = is_city(district)
    district = None if city_only else resolve_district(ws, district)
    click.echo(listed(ws.plan, year, district, city_only, fmt), nl=False)


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2022。")
@period_option
@click.option("--district", default=None, help="只列出一个区；“全市”只列全市指标和各区合计。")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def progress(ws: Workspace, year: int, period: str, district: str | None, fmt: str) -> None:
    """按指标类型评估完成情况：目标、完成值、完成率、状态。"""
    from qdocgen.views.progress import progress as listed

    check_year(ws, year)
    city_only = is_city(district)
    district = None if city_only else resolve_district(ws, district)
    per = Period.parse_part(year, period)
    ws.expect_figures(per)
    click.echo(listed(ws, per, district, city_only, fmt), nl=False)


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2022。")
@period_option
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def missing(ws: Workspace, year: int, period: str, fmt: str) -> None:
    """列出各区（及全市）尚未报送完成值的指标和指标报送率：催报清单。"""
    from qdocgen.views.missing import missing as listed

    check_year(ws, year)
    per = Period.parse_part(year, period)
    ws.expect_figures(per)
    click.echo(listed(ws, per, fmt), nl=False)


@main.command()
@click.option("--year", type=int, default=None, help="年度，如 2022（不指定时为计划原表的数据）。")
@period_option
@click.option("--district", default=None, help="针对一个区（东城 或 东城区）。")
@click.pass_obj
def context(ws: Workspace, year: int | None, period: str, district: str | None) -> None:
    """以 JSON 打印模板得到的全部变量（与 qdocgen render 相同的选项），便于核对数值。"""
    from qdocgen.documents.context import base_context, context_json

    per, evaluation = optional_period(ws, year, period)
    district = resolve_district(ws, district)
    text = context_json(base_context(ws.plan, period=per, district=district, evaluation=evaluation))
    out = click.get_binary_stream("stdout")  # UTF-8 whatever the console's code page
    out.write((text + "\n").encode("utf-8"))
    out.flush()
