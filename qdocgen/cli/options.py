"""What the commands share: the options spelt the same on each, reading a district or a year given on the
command line, and saying what was written."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from qdocgen import click_zh
from qdocgen.errors import UserError
from qdocgen.figures.period import PARTS, Period
from qdocgen.plan.model import CITY

if TYPE_CHECKING:  # imported when a command runs, so `qdocgen --help` loads no YAML, TOML or babel
    from qdocgen.workspace import Workspace

click_zh.install()  # before the options below: they ask click for their texts
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


def optional_period(ws: Workspace, year: int | None, period: str):
    """(period, its evaluation) for commands where a year is optional (render, context);
    (None, None) without one. A part of a year without the year is refused."""
    if year is None:
        if period.lower() != "year":
            raise UserError(f"时段 --period {period} 需要同时指定年度，如 --year 2022")
        return None, None
    check_year(ws, year)
    per = Period.parse_part(year, period)
    ws.expect_figures(per)
    return per, ws.evaluation(per)
