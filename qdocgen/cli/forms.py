"""The commands of the reporting round: forms out to the districts, figures back in (collect), a figure
taken back (withdraw)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from qdocgen.cli.group import main
from qdocgen.cli.options import (
    PERIODS,
    check_year,
    is_city,
    output_option,
    period_option,
    resolve_district,
    say_written,
)
from qdocgen.figures.period import Period
from qdocgen.plan.model import CITY

if TYPE_CHECKING:
    from qdocgen.workspace import Workspace


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2022。")
@period_option
@click.option("--district", default=None, help="只生成一个区的填报表（东城 或 东城区；全市 为市级指标表）。")
@output_option("out_dir", "输出文件夹（默认 output/年度/填报表）。")
@click.pass_obj
def forms(ws: Workspace, year: int, period: str, district: str | None, out_dir: Path | None) -> None:
    """生成各区填报表（.xlsx）：目标值已填并锁定，各区只填完成值和说明。"""
    from qdocgen.documents.catalog import FORM_DIR
    from qdocgen.documents.forms import make_forms
    from qdocgen.figures.forms import TEMPLATE, who_of

    check_year(ws, year)
    per = Period.parse_part(year, period)
    if district is not None and district.strip() == CITY:
        who: list[str | None] = [None]
    elif district is not None:
        who = [resolve_district(ws, district)]
    else:
        who = [*ws.plan.district_names, None]
    out_dir = out_dir or ws.output_dir / str(year) / FORM_DIR
    results = make_forms(ws.plan, ws.template("xlsx", TEMPLATE), per, who, out_dir)
    for path, changed in results:
        say_written(path, changed)
    click.echo(f"共 {len(results)} 份{per.words}填报表（{'、'.join(who_of(d) for d in who)}）。")


@main.command()
@click.option("--year", type=int, default=None, help="年度（可省略：按表格内记录的年度导入；给出时核对）。")
@click.option(
    "--period", type=PERIODS, default=None, help="时段 year、H1、Q1–Q3（可省略：按表格内记录的时段；给出时核对）。"
)
@click.option("--partial", is_flag=True, help="只导入没有问题的表格，有问题的列出并跳过。")
@click.option("--dry-run", is_flag=True, help="只显示将要发生的改动，不写入。")
@click.option("--force", is_flag=True, help="允许较早的表格覆盖较新的完成值或手工更正（逐项记入收集记录）。")
@click.argument("paths", nargs=-1, metavar="[填报表文件或文件夹]...", type=click.Path(path_type=Path))
@click.pass_obj
def collect(
    ws: Workspace,
    year: int | None,
    period: str | None,
    partial: bool,
    dry_run: bool,
    force: bool,
    paths: tuple[Path, ...],
) -> None:
    """导入各区填好的填报表（文件或文件夹）：逐格检查，写入完成值文件并记入收集记录。"""
    from qdocgen.errors import DataError
    from qdocgen.figures.collect import collect as run_collect
    from qdocgen.figures.collect import describe

    if year is not None:
        check_year(ws, year)
    report = run_collect(
        ws.plan, ws.data_dir, list(paths), year=year, part=period, partial=partial, dry_run=dry_run, force=force
    )
    for line in describe(report):
        click.echo(line)
    for note in report.notes:
        ws.warnings.append(str(note))
    if report.problems:
        skipped = len(report.forms) - len(report.accepted)
        raise DataError(f"发现 {len(report.problems)} 个问题，已跳过 {skipped} 份有问题的表格。", report.problems)


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2022。")
@period_option
@click.option("--district", required=True, help="区，如 东城 或 东城区；全市指标写 全市。")
@click.option("--row", type=int, required=True, help="任务分解表序号。")
@click.option("--measure", default=None, help="指标名称（该序号有多项指标时必填）。")
@click.option("--note-only", is_flag=True, help="只清除说明，保留完成值。")
@click.option("--reason", default="", help="撤回原因，记入收集记录的“备注”。")
@click.pass_obj
def withdraw(
    ws: Workspace,
    year: int,
    period: str,
    district: str,
    row: int,
    measure: str | None,
    note_only: bool,
    reason: str,
) -> None:
    """撤回一项已报送的完成值（或只清除其说明），并记入收集记录。"""
    from qdocgen.figures.withdraw import withdraw as run_withdraw

    check_year(ws, year)
    per = Period.parse_part(year, period)
    who = None if is_city(district) else resolve_district(ws, district)
    click.echo(run_withdraw(ws.plan, ws.data_dir, per, who, row, measure, note_only=note_only, reason=reason))
