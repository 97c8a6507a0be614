"""The commands that make a workspace: init (a new one) and import (a plan drafted from a published table)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from qdocgen.cli.group import main
from qdocgen.cli.options import output_option

if TYPE_CHECKING:
    from qdocgen.workspace import Workspace


@main.command()
@click.argument("directory", metavar="文件夹", type=click.Path(path_type=Path))
def init(directory: Path) -> None:
    """新建工作区：计划数据、模板和配置，可从这里开始另一个计划或城市。"""
    from qdocgen.workspace_init import init_workspace

    for line in init_workspace(directory):
        click.echo(line)


@main.command("import")
@click.argument("table_file", metavar="任务分解表.docx或.xlsx", type=click.Path(path_type=Path))
@click.option(
    "--districts",
    default=None,
    help="各区（县）全称，按官方顺序以逗号分隔，如 东城区,西城区,临江县（默认从目标文字推断）。",
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
