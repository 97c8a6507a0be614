"""The qdocgen command line: each command parses its options and calls one function."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from qdocgen import __version__
from qdocgen.errors import UserError
from qdocgen.figures.period import PARTS, Period
from qdocgen.listing import csv_text, json_text, number_or_int, text_table
from qdocgen.workspace import Workspace

FORMATS = click.Choice(["table", "csv", "json"])
PERIODS = click.Choice(list(PARTS), case_sensitive=False)


class QdocgenGroup(click.Group):
    """Runs a command and turns a user error into a message and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("已中断。", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so briefly, show details on request
            if os.environ.get("QDOCGEN_DEBUG"):
                raise
            click.echo(f"qdocgen 内部错误：{type(exc).__name__}: {exc}（设置环境变量 QDOCGEN_DEBUG=1 可查看详情）", err=True)
            sys.exit(3)


@click.group(cls=QdocgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data", "data_dir", default="plan_data", show_default=True, type=click.Path(path_type=Path),
              help="计划数据文件夹（plan.yaml 与 figures/）。")
@click.option("--templates", "templates_dir", default=None, type=click.Path(path_type=Path),
              help="模板文件夹（默认 ./templates，没有则用内置模板）。")
@click.version_option(__version__, prog_name="qdocgen")
@click.pass_context
def main(ctx: click.Context, data_dir: Path, templates_dir: Path | None) -> None:
    """qdocgen：由行动计划和各区报送数据生成通报、任务分解表、填报表等公文。"""
    ctx.obj = Workspace(data_dir=data_dir, templates_dir=templates_dir)


def resolve_district(ws: Workspace, name: str | None) -> str | None:
    """The full name of a district given as 南海 or 南海区; refuses an unknown one."""
    if name is None:
        return None
    district = ws.plan.district(name)
    if district is None:
        raise UserError(f"未知的区“{name}”，应为 {'、'.join(ws.plan.district_names)} 之一")
    return district.name


def check_year(ws: Workspace, year: int) -> int:
    if year not in ws.plan.years:
        raise UserError(f"年度 {year} 不在计划年度 {ws.plan.years[0]}—{ws.plan.years[-1]} 内")
    return year


@main.command()
@click.pass_obj
def check(ws: Workspace) -> None:
    """检查计划数据和完成值，列出全部问题（文件:行号: 说明）。"""
    from qdocgen.errors import DataError

    problems = []
    try:
        plan = ws.plan
    except DataError as exc:
        raise DataError(f"发现 {len(exc.problems)} 个问题。", exc.problems) from None
    try:
        figures = ws.figures
    except DataError as exc:
        problems = exc.problems
    if problems:
        raise DataError(f"发现 {len(problems)} 个问题。", problems)
    count = sum(len(v) for v in figures.periods.values())
    periods = "、".join(p.key for p in sorted(figures.periods)) or "无"
    click.echo(
        f"检查通过：计划 {len(plan.rows)} 行、{len(plan.measures)} 项指标、{len(plan.districts)} 个区；"
        f"完成值 {count} 条（时段：{periods}）。"
    )


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2018。")
@click.option("--district", default=None, help="只列出一个区，如 南海 或 南海区。")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def targets(ws: Workspace, year: int, district: str | None, fmt: str) -> None:
    """列出某年度的全部量化目标。"""
    check_year(ws, year)
    district = resolve_district(ws, district)
    records = [
        {
            "row": t.row,
            "measure": t.measure,
            "measure_id": t.measure_id,
            "unit": t.unit,
            "kind": t.kind,
            "year": t.year,
            "district": t.district,
            "target": number_or_int(t.target),
        }
        for t in ws.plan.targets(year, district)
    ]
    if fmt == "json":
        click.echo(json_text(records))
        return
    headers = ["序号", "指标", "单位", "类型", "年度", "区", "目标值"]
    rows = [
        [r["row"], r["measure"], r["unit"], r["kind"], r["year"], r["district"] or "全市",
         "待定" if r["target"] is None else r["target"]]
        for r in records
    ]
    click.echo(csv_text(headers, rows) if fmt == "csv" else text_table(headers, rows), nl=fmt != "csv")


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2018。")
@click.option("--period", type=PERIODS, default="year", show_default=True, help="时段：year 全年，H1 上半年，Q1–Q3 季度。")
@click.option("--district", default=None, help="只列出一个区。")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def progress(ws: Workspace, year: int, period: str, district: str | None, fmt: str) -> None:
    """按指标类型评估完成情况：目标、完成值、完成率、状态。"""
    from qdocgen.progress import evaluate

    check_year(ws, year)
    district = resolve_district(ws, district)
    per = Period.parse_part(year, period)
    ev = evaluate(ws.plan, ws.figures, per)
    results = [r for r in ev.results if district is None or r.district == district]
    records = [r.as_dict() for r in results]
    for rec in records:
        for key in ("target", "year_target", "actual"):
            rec[key] = number_or_int(rec[key])
    if fmt == "json":
        click.echo(json_text(records))
        return
    from qdocgen import fmt as f

    headers = ["序号", "指标", "单位", "区", "目标值", "完成值", "完成率", "状态", "说明"]
    rows = [
        [r.measure.row, r.measure.name, r.measure.unit,
         r.district or ("全市（各区合计）" if r.scope == "total" else "全市"),
         f.number(r.target), f.number(r.actual), f.percent(r.ratio), r.status, r.note]
        for r in results
    ]
    if fmt == "csv":
        click.echo(csv_text(headers, rows), nl=False)
        return
    click.echo(text_table(headers, rows))
    if district is None:
        click.echo("")
        click.echo(text_table(
            ["排名", "区", "考核指标", "完成", "未完成", "未报送", "完成率"],
            [[s.rank, s.district, s.assessed, s.met, s.missed, s.not_reported, f.percent(s.rate)]
             for s in sorted(ev.standings, key=lambda s: (s.rank, ev.plan.district_names.index(s.district)))],
        ))
    if ev.sample:
        click.echo(f"\n注意：{per.words}完成值为示例数据。")


if __name__ == "__main__":  # pragma: no cover
    main()
