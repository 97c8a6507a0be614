"""Where a command finds its inputs: the plan data folder, the templates and the output folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from qdocgen.errors import UserError
from qdocgen.figures.period import Period
from qdocgen.figures.store import FigureSet, figures_dir, load_figures, period_file
from qdocgen.plan.load import load_plan
from qdocgen.plan.model import Plan
from qdocgen.progress import Evaluation, Trend, evaluate, trend
from qdocgen.warnings import Warnings

if TYPE_CHECKING:
    from qdocgen.config import Config


def bundled(name: str) -> Path:
    """A folder shipped with qdocgen: 'templates' or 'plan_data' (the 2017—2019 plan)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled" / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    return Path(str(resources.files("qdocgen") / "_bundled" / name))


@dataclass
class Workspace:
    """The folders one run works with; plan and figures are loaded once, on first use."""

    data_dir: Path = Path("plan_data")
    templates_dir: Path | None = None
    warnings: Warnings = field(default_factory=Warnings)  # said to the user when the command ends
    output_dir: Path = Path("output")
    _evaluations: dict[Period, Evaluation] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def files_scan(self) -> tuple[str | None, tuple]:
        """A digest of the files the plan, figures and settings are read from, taken before any of
        them is read, and their states (a build's inputs digest, `build_inputs.files_scan`)."""
        from qdocgen.build_inputs import files_scan

        return files_scan(Path(self.data_dir), self.config_path)

    @property
    def files_seen(self) -> str | None:
        return self.files_scan[0]

    def files_unchanged(self) -> bool:
        """Whether no file `files_scan` saw has been written since (nor one added or removed)."""
        from qdocgen.build_inputs import unchanged

        return unchanged(Path(self.data_dir), self.config_path, self.files_scan[1])

    @cached_property
    def plan(self) -> Plan:
        self.files_scan  # noqa: B018 - before reading
        if not Path(self.data_dir).is_dir():
            raise UserError(
                f"找不到计划数据文件夹 {self.data_dir}：请在工作区文件夹中运行，或用 --data 指定，"
                "或先用 qdocgen init 新建工作区"
            )
        from qdocgen.render import compile_cache  # its parsed YAML kept between runs (40 ms, and PyYAML's import)

        kept = (compile_cache.facts, compile_cache.keep_facts) if compile_cache.folder() is not None else None
        plan = load_plan(self.data_dir, kept=kept)
        if plan.reviews:
            self.warnings.append(
                f"{plan.source} 中仍有 {len(plan.reviews)} 处标记为待核（review），用 qdocgen check 查看"
            )
        return plan

    @cached_property
    def figures(self) -> FigureSet:
        from qdocgen.storage.journal import recover_if_needed

        self.plan  # noqa: B018 - the plan first: its problems are said before the figures'
        # A collect or withdraw killed while writing is finished before the figures are read.
        self.warnings.extend(recover_if_needed(figures_dir(self.data_dir)))
        figures = load_figures(self.data_dir, self.plan)
        self.warnings.extend(str(p) for p in figures.ignored)
        return figures

    def evaluation(self, period: Period) -> Evaluation:
        """The evaluation of `period`'s figures, made once per workspace (so once per build)."""
        if period not in self._evaluations:
            self._evaluations[period] = evaluate(self.plan, self.figures, period)
        return self._evaluations[period]

    def trend(self, period: Period) -> Trend:
        """`period` against the earlier periods with figures: for a whole year the years before it,
        for part of a year every period before it (the last one is the one compared with)."""
        earlier = sorted(
            p
            for p in self.figures.periods
            if p.end < period.end and p.year >= self.plan.years[0] and (p.is_year or not period.is_year)
        )
        return trend(self.evaluation(period), [self.evaluation(p) for p in earlier])

    def expect_figures(self, period: Period) -> None:
        """Warn when `period` has no figures file: every measure will read 未报送."""
        if period not in self.figures.periods:
            self.warnings.append(
                f"没有{period.words}的完成值文件 {period_file(self.data_dir, period)}，各项指标均按“未报送”处理"
            )

    @property
    def root(self) -> Path:
        """The workspace folder: the one holding the plan data folder (and templates, qdocgen.toml)."""
        return Path(self.data_dir).resolve().parent

    @property
    def templates(self) -> Path:
        """The templates folder: --templates, else the workspace's templates/, else the bundled ones.

        The workspace is found from --data, so `qdocgen --data other/plan_data …` uses
        other/templates, as it uses other/qdocgen.toml.
        """
        if self.templates_dir is not None:
            return Path(self.templates_dir)
        local = self.root / "templates"
        return local if local.is_dir() else bundled("templates")

    @property
    def config_path(self) -> Path | None:
        """The workspace's qdocgen.toml (beside the plan data folder), if there is one."""
        from qdocgen.config import CONFIG_NAME  # not at import: `qdocgen --help` stays quick

        path = self.root / CONFIG_NAME
        return path if path.is_file() else None

    @cached_property
    def config(self) -> Config:
        """The workspace's settings (qdocgen.toml), read and validated once; defaults without one."""
        from qdocgen.config import load_config

        self.files_scan  # noqa: B018 - before reading
        return load_config(self.config_path)

    def district_name(self, name: str) -> str:
        """The full name of a district given as 南海 or 南海区; refuses an unknown one."""
        district = self.plan.district(name)
        if district is None:
            raise UserError(f"未知的{self.plan.unit_word}“{name}”，应为 {'、'.join(self.plan.district_names)} 之一")
        return district.name

    def template(self, kind: str, name: str) -> Path:
        """The template `name` of kind 'docx' or 'xlsx'."""
        return self.templates / kind / name
