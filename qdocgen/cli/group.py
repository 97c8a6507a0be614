"""The qdocgen command group: its global options, and how a command's outcome reaches the user (a user
error as a message and exit code 1, never a traceback; what the workspace noticed on the way)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from qdocgen import __version__, click_zh
from qdocgen.errors import UserError

click_zh.install()  # before the decorators below: they ask click for its texts

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
