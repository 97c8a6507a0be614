"""The commands that write documents: table, notice, render (any template) and build (all of them)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qdocgen import click_zh
from qdocgen.cli.group import main
from qdocgen.cli.options import (
    check_year,
    is_city,
    optional_period,
    output_option,
    period_option,
    resolve_district,
    write_and_say,
)
from qdocgen.errors import UserError
from qdocgen.figures.period import Period
from qdocgen.safe_names import check_inside

if TYPE_CHECKING:
    from qdocgen.workspace import Workspace


@main.command()
@click.option("--year", type=int, default=None, help="年度，如 2022（--progress 时必填）。")
@click.option(
    "--progress", "with_progress", is_flag=True, help="完成情况表：该年度各项指标的目标、完成值、完成率、状态和说明。"
)
@period_option
@click.option("--district", default=None, help="只列一个区的完成情况（东城 或 东城区）；默认全市。")
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
        raise UserError("生成完成情况表（--progress）需要指定年度，如 --year 2022")
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
@click.option("--year", type=int, required=True, help="年度，如 2022。")
@period_option
@click.option("--district", default=None, help="只生成一个区的通报，如 东城 或 东城区。")
@click.option("--city", is_flag=True, help="只生成全市通报。")
@click.option(
    "--date",
    "date_text",
    default=None,
    help="成文日期，写作 YYYY-MM-DD（优先于 qdocgen.toml 的 [notice] date，用于在该日之前已结束的时段；都没有时为时段结束后的第一个工作日）。",
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
    from qdocgen.documents.notice import notices

    if district and city:
        raise UserError("--district 与 --city 只能选一个")
    check_year(ws, year)
    per = Period.parse_part(year, period)
    if is_city(district):
        district, city = None, True
    district = resolve_district(ws, district)
    ws.expect_figures(per)
    who: list[str | None] = [district] if district else [None] if city else [None, *ws.plan.district_names]
    out_dir = out_dir or ws.output_dir / str(year) / NOTICE_DIR
    for name, data in notices(ws, per, who, date=date_text, strict=strict):
        write_and_say(ws, check_inside(out_dir, name), data)


@main.command()
@click.argument("template", required=False, metavar="[模板]", type=click.Path(path_type=Path))
@click.option("--year", type=int, default=None, help="年度：填入该年度的目标和完成情况。")
@period_option
@click.option("--district", default=None, help="针对一个区（东城 或 东城区）。")
@output_option("out_path", "输出文件（默认 output/ 下：模板名-时段-区）。")
@click.option(
    "--set",
    "set_items",
    multiple=True,
    metavar="名称=值",
    help="给模板一个计划中没有的值，如 --set 联系人=张三（可写多个；优先于 --values 和 qdocgen.toml 的 [render.values]）。",
)
@click.option(
    "--values",
    "values_file",
    default=None,
    type=click.Path(path_type=Path),
    help="从 YAML 或 JSON 文件读入一组值（名称: 值），如 填报单位、联系人、电话、填报日期。",
)
@click.option("--list-vars", is_flag=True, help="列出模板可用的全部变量和过滤器（含 --set、--values 给出的值）。")
@click.pass_obj
def render(
    ws: Workspace,
    template: Path | None,
    year: int | None,
    period: str,
    district: str | None,
    out_path: Path | None,
    set_items: tuple[str, ...],
    values_file: Path | None,
    list_vars: bool,
) -> None:
    """用计划数据填写任意 Word（.docx）或 Excel（.xlsx）模板，如省里下发的表格。"""
    from qdocgen.documents.user_values import gather

    config = ws.config
    values = gather(config.render_values, config.path, values_file, set_items)
    if list_vars:
        from qdocgen.views.variables import variables

        click.echo(variables(values), nl=False)
        return
    if template is None:
        raise UserError(
            "请给出模板文件，如 qdocgen render 省表格.xlsx --year 2022；qdocgen render --list-vars 列出可用变量"
        )
    from qdocgen.documents.render_any import render_file

    if out_path is not None and out_path.suffix.lower() != Path(template).suffix.lower():
        # the file is written in the template's format: a .docx name on an Excel workbook opens nowhere
        want = Path(template).suffix.lower()
        raise UserError(
            f"输出文件应为 {want}（与模板相同），而 -o 给出的是 {out_path.name}；请改为 {out_path.stem}{want}"
        )
    per, evaluation = optional_period(ws, year, period)
    district = resolve_district(ws, district)
    out_path, data = render_file(
        ws, template, out_path, period=per, district=district, evaluation=evaluation, values=values
    )
    write_and_say(ws, out_path, data)


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
    help="通报的成文日期，写作 YYYY-MM-DD（优先于 qdocgen.toml 的 [notice] date，用于在该日之前已结束的时段；都没有时为时段结束后的第一个工作日）。",
)
@click.pass_obj
def build(
    ws: Workspace, year: int | None, out_dir: Path, pdf: bool, force: bool, quiet: bool, date_text: str | None
) -> None:
    """生成全部文件；只重做输入有变化的文件，并说明原因。"""
    import time

    from qdocgen.build import failures, run_build, summarise
    from qdocgen.documents.catalog import NOTICE_DIR, all_jobs
    from qdocgen.figures.by_hand import unlogged_corrections

    start = time.perf_counter()
    if year is not None:
        check_year(ws, year)
    ws.figures  # noqa: B018 - validate every input before anything is written
    ws.config  # noqa: B018
    ws.warnings.extend(unlogged_corrections(ws.plan, ws.data_dir, ws.figures, year))  # the quick no-change path too
    jobs = all_jobs(ws, year, date=date_text)  # without a date, one warning (ws.warnings)

    progress, pdf_progress = progress_bars(quiet)
    settings = {"year": year, "date": date_text}  # all else that decides the documents is in the files
    outcome = run_build(
        ws, jobs, out_dir, force=force, pdf=pdf, progress=progress, pdf_progress=pdf_progress, settings=settings
    )
    if not pdf and any(Path(path).parent.name == NOTICE_DIR for path, _ in outcome.made):
        ws.warnings.append(IMPRINT_PAGE_NOTE)
    if not quiet:
        for line in summarise(outcome, out_dir, time.perf_counter() - start):
            click.echo(line)
    for line in failures(outcome):
        click.echo(line, err=True)
    if not outcome.ok:
        sys.exit(1)


# GB/T 9704 7.5, which only a laid-out document can settle (build --pdf does: build_pdf.py)
IMPRINT_PAGE_NOTE = (
    "通报的版记从偶数页起排，正文在偶数页结束时 Word、WPS、LibreOffice 会在版记前补一个空白页；这时按 GB/T 9704，"
    "空白页和版记页都不编页码，但要不要补空白页须排版后才知道，.docx 中的版记页总带页码。"
    "用 qdocgen build --pdf 生成的 PDF 已按实际页数处理"
)


def progress_bars(quiet: bool):
    """run_build's `progress` (the documents made) and `pdf_progress` (the PDFs converted): a
    bar on standard error saying how many of how many are done and the last one, on a terminal
    only; nothing under -q, in a pipe or a file, or for a build of a few documents."""

    def progress(jobs):
        if quiet or len(jobs) < 5 or not sys.stderr.isatty():
            return jobs
        return _progressbar(jobs, "生成文件", len(jobs), lambda job: job.path if job else "")

    def pdf_progress(done, count):
        if quiet or not sys.stderr.isatty():
            return done
        return _progressbar(done, "转换 PDF", count, lambda item: item[0].name if item else "")

    return progress, pdf_progress


def _progressbar(items, label, length, shown):
    with click.progressbar(
        items, length=length, label=label, file=sys.stderr, item_show_func=shown, show_pos=True
    ) as bar:
        yield from bar
