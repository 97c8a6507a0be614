"""The plan as the rest of qdocgen sees it: rows of the task table and their measures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from qdocgen.plan.units import default_authority, default_you, unit_word

# Kinds of target (see docs/plan_data.md and docs/progress.md), with their Chinese labels.
KINDS: dict[str, str] = {
    "annual": "年度计数",
    "stock": "年末存量",
    "one-year": "单年目标",
    "biennial": "两年一次",
    "rate": "比率",
    "city-level": "全市指标",
    "cumulative": "期内累计",
    "growth": "增长率",
    "milestone": "节点任务",
    "pending": "目标待定",
    "qualitative": "定性任务",
}

# Columns of the task table that the official layout may merge vertically.
MERGEABLE_COLUMNS = ("content", "action", "lead", "support", "goals")
# The text columns a 任务分解表 may have besides 序号, 任务名称 and the goals, in table order,
# with their headings. A plan has only those its published table has (see Plan.columns).
OPTIONAL_COLUMNS: dict[str, str] = {
    "content": "工作内容",
    "action": "工作措施",
    "lead": "牵头单位",
    "support": "配合单位",
    "deadline": "完成时限",
    "remark": "备注",
}

CITY = "全市"

# The headings of the tables qdocgen makes, unless the plan's meta.headings gives the published
# table's own (重点任务, 责任单位, “{year}年目标” with {year} for each plan year).
DEFAULT_HEADINGS: dict[str, str] = {
    "no": "序号",
    "task": "任务名称",
    **OPTIONAL_COLUMNS,
    "goals": "工作目标",
    "year": "{year}",
}


def year_problem(years, year: object) -> str | None:
    """Why `year` is not one of `years` (None when it is), in Chinese: the one wording for it."""
    if year in years and isinstance(year, int):
        return None
    span = f"{years[0]}—{years[-1]}" if years else ""
    return f"年度 {year} 不在计划年度 {span} 内"


@dataclass(frozen=True)
class District:
    """A unit of the city the plan gives targets to, e.g. 南海区 (short name 南海).

    Not all units are districts: `kind` is 区, 县, 县级市 or 功能区 (see plan/units.py);
    `authority` is the body a document about it is addressed to (南海区人民政府, 高新区管委会)
    and `you` how a notice says "you" to it (你区, 你县, 你市, 你委). Both follow from the kind
    unless plan.yaml sets them.
    """

    name: str
    short: str
    kind: str = "区"
    authority: str = ""
    you: str = ""

    def __post_init__(self) -> None:
        if not self.authority:
            object.__setattr__(self, "authority", default_authority(self.name, self.kind))
        if not self.you:
            object.__setattr__(self, "you", default_you(self.kind))


@dataclass(frozen=True)
class GoalCell:
    """One cell of the 工作目标 columns; `years` are the year columns it spans."""

    years: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class Row:
    """One numbered row of the 任务分解表, with every column's text as in the original."""

    no: int
    task: str
    content: str
    action: str
    lead: str
    support: str
    goals: tuple[GoalCell, ...]
    mends: tuple[str, ...] = ()
    deadline: str = ""
    remark: str = ""

    def goal_for(self, year: int) -> GoalCell | None:
        """The goal cell that covers `year`, or None when the plan has no such year."""
        for cell in self.goals:
            if year in cell.years:
                return cell
        return None


@dataclass(frozen=True)
class Merge:
    """A vertical merge in the official table: `column` spans rows first..last."""

    column: str
    first: int
    last: int


@dataclass(frozen=True)
class Measure:
    """A target that progress is judged against.

    `targets` maps a year to the target of that year: for a district measure, a mapping
    from district name to value; for a city measure, a value. A value of None means the
    target is still to be set; a year missing from `targets` has no target at all.
    """

    id: str
    row: int
    name: str
    unit: str
    kind: str
    scope: str  # "district" or "city"
    targets: dict[int, object] = field(default_factory=dict)
    note: str = ""
    # A rate that is a share of a whole (合格率, 建档率): above 100 is implausible. A growth
    # rate is not a proportion and may exceed 100. Set in plan.yaml (`proportion: true`).
    proportion: bool = False
    review: str = ""  # 待核: what a person should still check (a draft from `qdocgen import`)

    @property
    def is_city(self) -> bool:
        return self.scope == "city"

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"

    def applies(self, year: int, district: str | None) -> bool:
        """Whether this measure has a target (possibly still to be set) for year and district."""
        if year not in self.targets:
            return False
        if self.is_city:
            return district is None
        value = self.targets[year]
        return district is not None and isinstance(value, dict) and district in value

    def target(self, year: int, district: str | None) -> float | None:
        """The target for year and district (None for the city), or None when not set."""
        value = self.targets.get(year)
        if isinstance(value, dict):
            return value.get(district) if district is not None else None
        return value if district is None else None


@dataclass(frozen=True)
class Target:
    """One quantitative target: a measure's figure for one year and one district (or the city)."""

    row: int
    measure: str
    measure_id: str
    unit: str
    kind: str
    year: int
    district: str | None
    target: float | None


@dataclass(frozen=True)
class ReviewMark:
    """A `review` (待核) mark left in plan.yaml: what to check, and the line it is on."""

    line: int | None
    what: str
    text: str


@dataclass
class Plan:
    """The whole plan: metadata, districts, areas, the 44 rows, merges and measures."""

    title: str
    table_title: str
    doc_number: str
    issuer: str
    date: date
    years: tuple[int, ...]
    city: str
    office: str
    districts: tuple[District, ...]
    areas: tuple[tuple[str, int, int], ...]
    rows: tuple[Row, ...]
    merges: tuple[Merge, ...]
    measures: tuple[Measure, ...]
    source: str = ""
    reviews: tuple[ReviewMark, ...] = ()  # marks still to clear; `qdocgen check` lists them
    # The optional text columns (OPTIONAL_COLUMNS) the plan's table has, in table order: those
    # some row of plan.yaml writes. A column the published table lacks is absent from the
    # tables qdocgen makes.
    columns: tuple[str, ...] = ("content", "action", "lead", "support")
    relations: tuple = ()  # how measures relate (plan/relations.py): what `check` reconciles
    # meta.headings: the published table's headings, by DEFAULT_HEADINGS key.
    headings: dict = field(default_factory=dict)

    def heading(self, key: str) -> str:
        """The heading of column `key` in the tables qdocgen makes (published, else the default)."""
        return self.headings.get(key) or DEFAULT_HEADINGS[key]

    def year_heading(self, year: int) -> str:
        """The heading of a year's goal column: 2024, or as published (2024年目标)."""
        return self.heading("year").replace("{year}", str(year))

    def has(self, column: str) -> bool:
        """Whether the table has `column` (序号, 任务名称 and the goals it always has)."""
        return column in self.columns or column not in OPTIONAL_COLUMNS

    def district(self, name: str) -> District | None:
        """The district called `name`, by full name (南海区) or short name (南海)."""
        name = name.strip()
        for d in self.districts:
            if name in (d.name, d.short):
                return d
        # 高新 for 高新区: a zone's short name keeps its 区, but the name without it is clear too
        found = [d for d in self.districts if len(name) >= 2 and d.name[:-1] == name]
        return found[0] if len(found) == 1 else None

    @property
    def unit_word(self) -> str:
        """What the units are called in messages: 区, 区（县）, 区（县、市）."""
        return unit_word(self.districts)

    @property
    def district_names(self) -> list[str]:
        return [d.name for d in self.districts]

    def year_problem(self, year: object) -> str | None:
        """Why `year` is not one of the plan's years (None when it is), in Chinese."""
        return year_problem(self.years, year)

    def row(self, no: int) -> Row:
        return self.rows[no - 1]

    def measures_of_row(self, no: int) -> list[Measure]:
        return [m for m in self.measures if m.row == no]

    def measure_by_id(self, mid: str) -> Measure | None:
        return next((m for m in self.measures if m.id == mid), None)

    def measure(self, row: int, name: str) -> Measure | None:
        """The first measure of row `row` named `name`, or None."""
        index = self.__dict__.get("_measure_index")
        if index is None or index[0] is not self.measures:  # made again if the measures are replaced
            found: dict[tuple[int, str], Measure] = {}
            for m in self.measures:
                found.setdefault((m.row, m.name), m)
            index = self.__dict__["_measure_index"] = (self.measures, found)  # (not a field: no eq, repr)
        return index[1].get((row, name))

    def targets(self, year: int, district: str | None = None) -> list[Target]:
        """Every quantitative target of `year`, in table order; for one district if given.

        Qualitative measures carry no figure and are left out. Without `district`, both
        the city-level targets and every district's targets are listed.
        """
        out: list[Target] = []
        for m in self.measures:
            if m.kind == "qualitative" or year not in m.targets:
                continue
            if m.is_city:
                if district is None:
                    out.append(self._target(m, year, None))
                continue
            for d in self.district_names:
                if (district is None or district == d) and m.applies(year, d):
                    out.append(self._target(m, year, d))
        return out

    @staticmethod
    def _target(m: Measure, year: int, district: str | None) -> Target:
        return Target(m.row, m.name, m.id, m.unit, m.kind, year, district, m.target(year, district))

    def merge_spans(self, column: str) -> list[tuple[int, int]]:
        """Row spans (first, last) merged vertically in `column`, including single rows.

        For "task" the spans are the areas; for other columns they come from `merges`.
        """
        if column == "task":
            return [(first, last) for _, first, last in self.areas]
        spans = sorted((m.first, m.last) for m in self.merges if m.column == column)
        out, no = [], 1
        for first, last in spans:
            out.extend((n, n) for n in range(no, first))
            out.append((first, last))
            no = last + 1
        out.extend((n, n) for n in range(no, len(self.rows) + 1))
        return out
