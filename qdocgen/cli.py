"""The qdocgen command line: each command parses its options and calls one function."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qdocgen import __version__, click_zh
from qdocgen.errors import UserError
from qdocgen.figures.period import PARTS, Period
from qdocgen.figures.values import plain_number
from qdocgen.listing import csv_text, json_text, text_table
from qdocgen.plan.model import CITY
from qdocgen.safe_names import check_inside

if TYPE_CHECKING:  # imported when a command runs, so `qdocgen --help` loads no YAML, TOML or babel
    from qdocgen.workspace import Workspace

click_zh.install()  # before the decorators below: they ask click for its texts
FORMATS = click_zh.Choice(["table", "csv", "json"])


class PeriodChoice(click.Choice):
    """A case-insensitive choice whose error lists the choices as the help and README write
    them (H1, Q1), not lower-cased as click shows them."""

    def get_invalid_choice_message(self, value, ctx) -> str:
        return f"“{value}”不是 {'、'.join(self.choices)} 之一。"


PERIODS = PeriodChoice(list(PARTS), case_sensitive=False)
period_option = click.option(
    "--period", type=PERIODS, default="year", show_default=True, help="时段：year 全年，H1 上半年，Q1–Q3 季度。"
)


def output_option(dest: str, help: str):
    """-o/--output, the same name on every command that writes."""
    return click.option("-o", "--output", dest, default=None, type=click.Path(path_type=Path), help=help)


GLOBAL_OPTIONS = ("--data", "--templates")


class QdocgenCommand(click.Command):
    context_class = click_zh.Context  # help headings with Chinese punctuation

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", click_zh.OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if isinstance(exc, click.NoSuchOption) and exc.option_name in GLOBAL_OPTIONS:  # written after the command
                exc.message += (
                    f"{exc.option_name} 是全局选项，要写在命令名之前，如 qdocgen {exc.option_name} 文件夹 {self.name} …"
                )
            raise click_zh.chinese_usage_error(exc) from None


class QdocgenGroup(click.Group):
    """Runs a command and turns a user error into a message and exit code 1, never a traceback."""

    context_class = click_zh.Context
    command_class = QdocgenCommand

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", click_zh.OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", click_zh.SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:  # the global options' errors, in Chinese punctuation too
            raise click_zh.chinese_usage_error(exc) from None

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # a misspelt command
            raise click_zh.chinese_usage_error(exc) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("已中断。", err=True)
            sys.exit(130)
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so briefly, show details on request
            if os.environ.get("QDOCGEN_DEBUG"):
                raise
            click.echo(
                f"qdocgen 内部错误：{type(exc).__name__}: {exc}（设置环境变量 QDOCGEN_DEBUG=1 可查看详情）", err=True
            )
            sys.exit(3)
        finally:  # what the workspace noticed on the way (a period without figures, a stray file, …)
            warnings = getattr(ctx.obj, "warnings", None)
            for line in warnings.lines() if warnings is not None else []:
                click.echo(line, err=True)


@click.group(cls=QdocgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "data_dir",
    default="plan_data",
    show_default=True,
    type=click.Path(path_type=Path),
    help="计划数据文件夹（plan.yaml 与 figures/）。",
)
@click.option(
    "--templates",
    "templates_dir",
    default=None,
    type=click.Path(path_type=Path),
    help="模板文件夹（默认 ./templates，没有则用内置模板）。",
)
@click.version_option(__version__, prog_name="qdocgen")
@click.pass_context
def main(ctx: click.Context, data_dir: Path, templates_dir: Path | None) -> None:
    """qdocgen：由行动计划和各区报送数据生成通报、任务分解表、填报表等公文。"""
    from qdocgen.workspace import Workspace

    ctx.obj = Workspace(data_dir=data_dir, templates_dir=templates_dir)


def resolve_district(ws: Workspace, name: str | None) -> str | None:
    """The full name of a district given as 南海 or 南海区; refuses an unknown one."""
    return None if name is None else ws.district_name(name)


def say_written(path: Path, changed: bool) -> None:
    click.echo(f"{'已生成' if changed else '未变化'} {path}")


def write_and_say(ws: Workspace, path: Path, data: bytes) -> None:
    """Write a document as a build would (a file someone edited there is moved aside, never
    overwritten), and say so."""
    from qdocgen.build import write_document

    changed, backup = write_document(ws.output_dir, path, data)
    say_written(path, changed)
    if backup is not None:
        click.echo(f"  原文件不在 qdocgen 的生成记录中（可能有人改动过），已另存为 {backup.name}")


def is_city(name: str | None) -> bool:
    """Whether a --district value means the city as a whole (全市)."""
    return name is not None and name.strip() == CITY


def check_year(ws: Workspace, year: int) -> int:
    if problem := ws.plan.year_problem(year):
        raise UserError(problem)
    return year


@main.command()
@click.pass_obj
def check(ws: Workspace) -> None:
    """检查计划数据、完成值和配置（qdocgen.toml），列出全部问题（文件:行号: 说明）。"""
    from qdocgen.errors import DataError
    from qdocgen.figures.store import period_file
    from qdocgen.figures.values import format_value
    from qdocgen.progress import untargeted_figures

    problems = []
    try:
        ws.config  # noqa: B018 - the settings first: they are the shortest file
    except UserError as exc:
        problems += exc.problems or [exc.message]
    try:
        plan = ws.plan
    except DataError as exc:
        problems += exc.problems
        raise DataError(f"发现 {len(problems)} 个问题。", problems) from None
    try:
        figures = ws.figures
        problems += list(figures.ignored)
        ws.warnings.clear()  # reported below as problems instead
    except DataError as exc:
        problems += exc.problems
    if problems:
        raise DataError(f"发现 {len(problems)} 个问题。", problems)
    for doubt in figures.doubts:  # plausible but worth a look: kept, not refused
        ws.warnings.append(str(doubt))
    from qdocgen.figures.log import load_state

    for per in sorted(figures.periods):  # the collection logs: readable, and what they do not yet say
        try:
            state = load_state(plan, ws.data_dir, per)
        except DataError as exc:
            raise DataError(f"发现 {len(exc.problems)} 个问题。{exc.message}", exc.problems) from None
        if state.by_hand:
            ws.warnings.append(
                f"{state.path} 中有 {len(state.by_hand)} 项与收集记录 {state.log_path.name} 不同（手工更正），"
                "下次导入或撤回时记入收集记录"
            )
    count = sum(len(v) for v in figures.periods.values())
    periods = "、".join(p.key for p in sorted(figures.periods)) or "无"
    click.echo(
        f"检查通过：计划 {len(plan.rows)} 行、{len(plan.measures)} 项指标、{len(plan.districts)} 个区；"
        f"完成值 {count} 条（时段：{periods}）。"
    )
    for period, f in untargeted_figures(plan, figures):  # kept and shown as 不适用, but likely a slip
        where = f"{period_file(ws.data_dir, period)}:{f.line}"
        ws.warnings.append(
            f"{where}: {f.district or CITY}报送了序号 {f.row}“{f.measure}”的完成值 {format_value(f.value)}，"
            f"但该指标{period.words}没有目标：各表和通报照常列出这个数，状态为“不适用”，不计入完成率。"
        )
    for mark in plan.reviews:  # left by `qdocgen import` on what it guessed
        click.echo(f"{plan.source}:{mark.line}: 待核：{mark.what}：{mark.text}")
    if plan.reviews:
        click.echo(f"仍有 {len(plan.reviews)} 处标记为待核（review）：核对、改正后删去该处的 review 一行。")


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2018。")
@click.option("--district", default=None, help="只列出一个区，如 南海 或 南海区；“全市”只列全市指标。")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def targets(ws: Workspace, year: int, district: str | None, fmt: str) -> None:
    """列出某年度的全部量化目标。"""
    check_year(ws, year)
    city_only = is_city(district)
    district = None if city_only else resolve_district(ws, district)
    records = [
        {
            "row": t.row,
            "measure": t.measure,
            "measure_id": t.measure_id,
            "unit": t.unit,
            "kind": t.kind,
            "year": t.year,
            "district": t.district,
            "target": plain_number(t.target),
        }
        for t in ws.plan.targets(year, district)
        if not city_only or t.district is None
    ]
    if fmt == "json":
        click.echo(json_text(records))
        return
    headers = ["序号", "指标", "单位", "类型", "年度", "区", "目标值"]
    rows = [
        [
            r["row"],
            r["measure"],
            r["unit"],
            r["kind"],
            r["year"],
            r["district"] or CITY,
            "待定" if r["target"] is None else r["target"],
        ]
        for r in records
    ]
    click.echo(csv_text(headers, rows) if fmt == "csv" else text_table(headers, rows), nl=fmt != "csv")


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2018。")
@period_option
@click.option("--district", default=None, help="只列出一个区；“全市”只列全市指标和各区合计。")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def progress(ws: Workspace, year: int, period: str, district: str | None, fmt: str) -> None:
    """按指标类型评估完成情况：目标、完成值、完成率、状态。"""
    check_year(ws, year)
    city_only = is_city(district)
    district = None if city_only else resolve_district(ws, district)
    per = Period.parse_part(year, period)
    ws.expect_figures(per)
    ev = ws.evaluation(per)
    if city_only:
        results = [r for r in ev.results if r.district is None]
    else:
        results = [r for r in ev.results if district is None or r.district == district]
    records = [r.as_dict() for r in results]
    standing = {s.district: s for s in ev.standings}
    for rec in records:
        for key in ("target", "year_target", "actual"):
            rec[key] = plain_number(rec[key])
        # the ranking (名次, 完成比例) of the record's district, as in the table's 排名 and in
        # templates' standings[]: rank, rate (null for city-wide records)
        s = standing.get(rec["district"])
        rec["rank"] = s.rank if s else None
        rec["rate"] = None if s is None or s.rate is None else round(s.rate, 6)
    # against the period before (issue 21): its status, misses in a row, the rank then
    tr = ws.trend(per)
    for rec, r in zip(records, results, strict=True):
        rec["previous_period"] = tr.previous.key if tr.previous else None
        before, streak = tr.of(r) if r.scope != "total" else (None, 0)
        rec["previous_status"] = before
        rec["missed_in_a_row"] = streak
        old = tr.standing_before.get(r.district)
        now = standing.get(r.district)
        ranked = old is not None and now is not None and old.assessed and now.assessed
        rec["previous_rank"] = old.rank if ranked else None
        rec["rank_change"] = old.rank - now.rank if ranked else None
    if fmt == "json":
        click.echo(json_text(records))
        return
    from qdocgen import display

    headers = ["序号", "指标", "单位", "区", "目标值", "完成值", "完成率", "状态", "说明"]
    shown = [display.show(r) for r in results]  # the display rule: never contradicts the status
    rows = [
        [
            r.measure.row,
            r.measure.name,
            r.measure.unit,
            r.district or (f"{CITY}（各区合计）" if r.scope == "total" else CITY),
            s.target,
            s.actual,
            s.ratio,
            r.status,
            r.note,
        ]
        for r, s in zip(results, shown, strict=True)
    ]
    if fmt == "csv":  # plain numbers, for scripts and Excel: 10000, 0.9143
        plain = [
            [*row[:4], rec["target"], rec["actual"], None if rec["ratio"] is None else round(rec["ratio"], 4), *row[7:]]
            for row, rec in zip(rows, records, strict=True)
        ]
        click.echo(csv_text(headers, plain), nl=False)
        return
    click.echo(text_table(headers, rows))
    if district is None and not city_only:
        click.echo("")
        click.echo(
            text_table(
                ["排名", "区", "考核指标", "完成", "未完成", "未报送", "完成比例"],
                [
                    [s.rank, s.district, s.assessed, s.met, s.missed, s.not_reported, display.share(s.met, s.assessed)]
                    for s in ev.ranked
                ],
            )
        )
    if ev.sample:
        ws.warnings.append(f"{per.words}完成值为示例数据。")


@main.command()
@click.option("--year", type=int, default=None, help="只生成一个年度（默认：所有有完成值的年度）。")
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="output",
    show_default=True,
    type=click.Path(path_type=Path),
    help="输出文件夹。",
)
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 转换为 PDF。")
@click.option("--force", is_flag=True, help="全部重新生成，不论输入是否变化。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度，只报告错误。")
@click.option(
    "--date",
    "date_text",
    default=None,
    help="通报的成文日期，写作 YYYY-MM-DD（优先于 qdocgen.toml 的 [notice] date；都没有时为时段截止日期）。",
)
@click.pass_obj
def build(
    ws: Workspace, year: int | None, out_dir: Path, pdf: bool, force: bool, quiet: bool, date_text: str | None
) -> None:
    """生成全部文件；只重做输入有变化的文件，并说明原因。"""
    import time

    from qdocgen.build import failures, run_build, summarise
    from qdocgen.documents.catalog import all_jobs

    start = time.perf_counter()
    if year is not None:
        check_year(ws, year)
    ws.figures  # noqa: B018 - validate every input before anything is written
    ws.config  # noqa: B018
    jobs = all_jobs(ws, year, date=date_text)  # without a date, one warning (ws.warnings)

    def progress(items):
        if quiet or len(items) < 5 or not sys.stderr.isatty():
            return items
        return _progressbar(items)

    settings = {"year": year, "date": date_text}  # all else that decides the documents is in the files
    outcome = run_build(ws, jobs, out_dir, force=force, pdf=pdf, progress=progress, settings=settings)
    if not quiet:
        for line in summarise(outcome, out_dir, time.perf_counter() - start):
            click.echo(line)
    for line in failures(outcome):
        click.echo(line, err=True)
    if not outcome.ok:
        sys.exit(1)


def _progressbar(items):
    with click.progressbar(
        items, label="生成文件", file=sys.stderr, item_show_func=lambda j: j.path if j else ""
    ) as bar:
        yield from bar


@main.command()
@click.argument("directory", metavar="文件夹", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """新建工作区：计划数据、模板和配置，可从这里开始另一个计划或城市。"""
    from qdocgen.workspace_init import init_workspace

    for line in init_workspace(directory):
        click.echo(line)


@main.command("import")
@click.argument("table_file", metavar="TABLE.docx|TABLE.xlsx", type=click.Path(path_type=Path))
@click.option(
    "--districts", default=None, help="各区全称，按官方顺序以逗号分隔，如 禅城区,南海区（默认从目标文字推断）。"
)
@output_option("out_path", "写出的计划草稿（默认 --data 文件夹中的 plan.yaml；已有的先另存备份）。")
@click.pass_obj
def import_(ws: Workspace, table_file: Path, districts: str | None, out_path: Path | None) -> None:
    """由印发的任务分解表（Word 或 Excel）生成计划草稿 plan.yaml，并列出需要人工核对的项。"""
    from qdocgen.plan_import import import_table
    from qdocgen.plan_import.write import write_draft

    draft = import_table(table_file, districts)
    out_path = out_path or Path(ws.data_dir) / "plan.yaml"
    for line in write_draft(draft, out_path):
        click.echo(line)
    review = draft.review_list()
    if review:  # counted as `qdocgen check` counts them: one per review line in plan.yaml
        click.echo(f"有 {len(review)} 处标记为待核（review），请逐处核对（qdocgen check 列出其行号）：")
        for line in review:
            click.echo(f"  {line}")
    if left_out := draft.left_out():
        click.echo("表下文字未导入，请核对是否需要写入计划：")
        for line in left_out:
            click.echo(f"  {line}")


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2018。")
@period_option
@click.option("--district", default=None, help="只生成一个区的填报表（南海 或 南海区；全市 为市级指标表）。")
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


# ---------------------------------------------------------------- figures in: collect, withdraw, missing (issue 11)


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
@click.option("--year", type=int, required=True, help="年度，如 2018。")
@period_option
@click.option("--district", required=True, help="区，如 南海 或 南海区；全市指标写 全市。")
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


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2018。")
@period_option
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def missing(ws: Workspace, year: int, period: str, fmt: str) -> None:
    """列出各区（及全市）尚未报送完成值的指标和指标报送率：催报清单。"""
    from qdocgen import fmt as f
    from qdocgen.documents.reporting import reporting

    check_year(ws, year)
    per = Period.parse_part(year, period)
    ws.expect_figures(per)
    found = reporting(ws.evaluation(per))
    if fmt == "json":
        click.echo(
            json_text(
                [
                    {
                        "district": r.district,
                        "name": r.name,
                        "year": per.year,
                        "period": per.part,
                        "expected": len(r.expected),
                        "reported": r.reported,
                        "rate": None if r.rate is None else round(r.rate, 6),
                        "missing": [
                            {
                                "row": m.measure.row,
                                "measure": m.measure.name,
                                "measure_id": m.measure.id,
                                "unit": m.measure.unit,
                                "target": plain_number(m.target),
                            }
                            for m in r.missing
                        ],
                    }
                    for r in found
                ]
            )
        )
        return
    headers = ["区", "序号", "指标", "单位", "目标值", "指标报送率"]
    rows = [
        [r.name, m.measure.row, m.measure.name, m.measure.unit, f.number(m.target), r.rate_text]
        for r in found
        for m in r.missing
    ]
    if fmt == "csv":
        plain = [
            [*row[:4], plain_number(m.target), None if r.rate is None else round(r.rate, 4)]
            for row, (r, m) in zip(rows, [(r, m) for r in found for m in r.missing], strict=True)
        ]
        click.echo(csv_text(headers, plain), nl=False)
        return
    click.echo(
        text_table(
            ["区", "应报", "已报", "未报", "指标报送率"],
            [[r.name, len(r.expected), r.reported, len(r.missing), r.rate_text] for r in found],
        )
    )
    click.echo("")
    if rows:
        click.echo(text_table(headers[:5], [row[:5] for row in rows]))
    else:
        click.echo(f"{per.words}各区及全市的考核指标均已报送。")


@main.command()
@click.option("--year", type=int, default=None, help="年度，如 2018（--progress 时必填）。")
@click.option(
    "--progress", "with_progress", is_flag=True, help="完成情况表：该年度各项指标的目标、完成值、完成率、状态和说明。"
)
@period_option
@click.option("--district", default=None, help="只列一个区的完成情况（南海 或 南海区）；默认全市。")
@click.option(
    "--format",
    "fmt",
    type=click_zh.Choice(["xlsx", "docx"]),
    required=True,
    help="xlsx（Excel/WPS 表格）或 docx（Word/WPS 文字）。",
)
@output_option("out_path", "输出文件（默认 output/任务分解表.xlsx；完成情况表在 output/年度/完成情况表/ 下）。")
@click.pass_obj
def table(
    ws: Workspace,
    year: int | None,
    with_progress: bool,
    period: str,
    district: str | None,
    fmt: str,
    out_path: Path | None,
) -> None:
    """生成任务分解表（Excel 或 Word），可附某年度完成情况。"""
    from qdocgen.documents.catalog import TABLE_DIR
    from qdocgen.documents.task_table import file_name, task_table, template_name

    if with_progress and year is None:
        raise UserError("生成完成情况表（--progress）需要指定年度，如 --year 2018")
    if not with_progress and (year is not None or district is not None or period.lower() != "year"):
        raise UserError("--year、--period、--district 只用于完成情况表，请同时加 --progress；不加时生成计划原表")
    per = None
    if with_progress:
        check_year(ws, year)
        per = Period.parse_part(year, period)
        ws.expect_figures(per)
    district = None if is_city(district) else resolve_district(ws, district)
    data = task_table(
        ws.plan,
        ws.template(fmt, template_name(fmt, with_progress)),
        figures=ws.figures if with_progress else None,
        period=per,
        district=district,
    )
    folder = ws.output_dir / str(year) / TABLE_DIR if with_progress else ws.output_dir
    out_path = out_path or check_inside(folder, file_name(fmt, period=per, progress=with_progress, district=district))
    write_and_say(ws, out_path, data)


@main.command()
@click.argument("template", required=False, metavar="[模板]", type=click.Path(path_type=Path))
@click.option("--year", type=int, default=None, help="年度：填入该年度的目标和完成情况。")
@period_option
@click.option("--district", default=None, help="针对一个区（南海 或 南海区）。")
@output_option("out_path", "输出文件（默认 output/ 下：模板名-时段-区）。")
@click.option("--list-vars", is_flag=True, help="列出模板可用的全部变量和过滤器。")
@click.pass_obj
def render(
    ws: Workspace,
    template: Path | None,
    year: int | None,
    period: str,
    district: str | None,
    out_path: Path | None,
    list_vars: bool,
) -> None:
    """用计划数据填写任意 Word（.docx）或 Excel（.xlsx）模板，如省里下发的表格。"""
    if list_vars:
        from qdocgen.documents.context import VARIABLES
        from qdocgen.render.jinja_env import FILTERS

        click.echo("变量（详见 docs/templates.md）：")
        width = max(map(len, VARIABLES))
        for name, text in VARIABLES.items():
            click.echo(f"  {name.ljust(width)}  {text}")
        from qdocgen.documents.notice_context import NOTICE_VARIABLES

        click.echo(
            "通报模板（通报-全市.docx、通报-区.docx）另有（只在 qdocgen notice、build 生成通报时有，render 填写的模板不能用）："
        )
        width = max(map(len, NOTICE_VARIABLES))
        for name, text in NOTICE_VARIABLES.items():
            click.echo(f"  {name.ljust(width)}  {text}")
        click.echo("过滤器：")
        for name, (_, text) in FILTERS.items():
            click.echo(f"  {name.ljust(10)}  {text}")
        return
    if template is None:
        raise UserError(
            "请给出模板文件，如 qdocgen render 省表格.xlsx --year 2018；qdocgen render --list-vars 列出可用变量"
        )
    from qdocgen.documents.render_any import fill, output_name, prepare

    if out_path is not None and out_path.suffix.lower() != Path(template).suffix.lower():
        # the file is written in the template's format: a .docx name on an Excel workbook opens nowhere
        want = Path(template).suffix.lower()
        raise UserError(
            f"输出文件应为 {want}（与模板相同），而 -o 给出的是 {out_path.name}；请改为 {out_path.stem}{want}"
        )
    per, evaluation = optional_period(ws, year, period)
    district = resolve_district(ws, district)
    data = fill(template, ws.plan, period=per, district=district, evaluation=evaluation)
    ws.warnings.extend(getattr(prepare(template), "warnings", []))  # e.g. a chart without a chart tag
    if out_path is None:  # -o is the user's explicit choice; a name made from the template stays inside
        from qdocgen.safe_names import check_inside

        name = output_name(template, per, district)
        check_inside(ws.output_dir, name)
        out_path = ws.output_dir / name
    if out_path.resolve() == Path(template).resolve():
        raise UserError(f"输出文件不能覆盖模板 {template}，请用 -o 指定另一个文件")
    write_and_say(ws, out_path, data)


def optional_period(ws: Workspace, year: int | None, period: str):
    """(period, its evaluation) for commands where a year is optional (render, context);
    (None, None) without one. A part of a year without the year is refused."""
    if year is None:
        if period.lower() != "year":
            raise UserError(f"时段 --period {period} 需要同时指定年度，如 --year 2019")
        return None, None
    check_year(ws, year)
    per = Period.parse_part(year, period)
    ws.expect_figures(per)
    return per, ws.evaluation(per)


# -- qdocgen context (issue 12) ------------------------------------------------------------


@main.command()
@click.option("--year", type=int, default=None, help="年度，如 2018（不指定时为计划原表的数据）。")
@period_option
@click.option("--district", default=None, help="针对一个区（南海 或 南海区）。")
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


@main.command()
@click.option("--year", type=int, required=True, help="年度，如 2018。")
@period_option
@click.option("--district", default=None, help="只生成一个区的通报，如 南海 或 南海区。")
@click.option("--city", is_flag=True, help="只生成全市通报。")
@click.option(
    "--date",
    "date_text",
    default=None,
    help="成文日期，写作 YYYY-MM-DD（优先于 qdocgen.toml 的 [notice] date；都没有时为时段截止日期）。",
)
@click.option("--strict", is_flag=True, help="有完成值未报送时报错，而不是在通报中写明。")
@output_option("out_dir", "输出文件夹（默认 output/年度/通报）。")
@click.pass_obj
def notice(
    ws: Workspace,
    year: int,
    period: str,
    district: str | None,
    city: bool,
    date_text: str | None,
    strict: bool,
    out_dir: Path | None,
) -> None:
    """生成通报（GB/T 9704 格式 .docx）：不指定 --district/--city 时生成全市通报和各区通报。"""
    from qdocgen.documents.catalog import NOTICE_DIR
    from qdocgen.documents.notice import NoticeMaker

    if district and city:
        raise UserError("--district 与 --city 只能选一个")
    check_year(ws, year)
    per = Period.parse_part(year, period)
    if is_city(district):
        district, city = None, True
    district = resolve_district(ws, district)
    ws.expect_figures(per)
    maker = NoticeMaker(ws, date=date_text, strict=strict)
    who: list[str | None] = [district] if district else [None] if city else [None, *ws.plan.district_names]
    out_dir = out_dir or ws.output_dir / str(year) / NOTICE_DIR
    documents = [(d, maker.city(per) if d is None else maker.district(per, d)) for d in who]
    for d, data in documents:
        path = check_inside(out_dir, maker.filename(per, d))
        write_and_say(ws, path, data)
    if maker.evaluation(per).sample:
        ws.warnings.append(f"{per.words}完成值为示例数据，通报中已注明“示例数据”。")


if __name__ == "__main__":  # pragma: no cover
    main()
