"""`qdocgen import`: a plan draft from a published 任务分解表 (Word or Excel).

The story: read the file's tables into grids → recognise the header, its columns and years →
read the numbered rows, areas and merges → find the districts → draft measures from the goal
sentences → write plan.yaml with a review mark on every guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qdocgen.plan.model import District
from qdocgen.plan_import.districts import find_districts, parse_districts
from qdocgen.plan_import.grid import read_grids
from qdocgen.plan_import.layout import find_layout
from qdocgen.plan_import.measures import DraftMeasure, draft_measures
from qdocgen.plan_import.meta import draft_meta
from qdocgen.plan_import.rows import DraftTable, read_rows


@dataclass
class Draft:
    source_name: str
    meta: dict
    districts: list[District]
    table: DraftTable
    measures: list[DraftMeasure]
    guesses: list[str]  # what the reader guessed outside the measures (years, districts, meta)
    below: list[str] = field(default_factory=list)  # paragraphs below the table in a Word file (“注：…”), not imported

    def review_list(self) -> list[str]:
        """The draft's review (待核) marks, one line each as `qdocgen check` counts them: the
        meta mark (all guesses about years, districts and meta together), then each measure's,
        with its row, why, and the source phrase."""
        lines = [f"计划信息（meta）：{'；'.join(self.guesses)}"] if self.guesses else []
        for m in self.measures:
            if m.review:
                source = f"。原文：“{m.note}”" if m.note else ""
                lines.append(f"第 {m.row} 行指标 {m.id}“{m.name}”：{'；'.join(m.review)}{source}")
        return lines

    def left_out(self) -> list[str]:
        """Lines under the table (“注：…”) that were not imported, for a person to read."""
        return list(self.table.notes) + list(self.below)


def import_table(path: Path, districts: str | None = None) -> Draft:
    """Read a published 任务分解表 and draft the plan; raise UserError on a table it cannot read."""
    path = Path(path)
    grids = read_grids(path)
    layout = find_layout(grids, path)
    table = read_rows(layout, path)
    guesses = list(layout.notes)
    if districts:
        found = parse_districts(districts)
        if any(d.kind != "区" for d in found):
            kinds = "、".join(f"{d.name}（{d.kind}）" for d in found if d.kind != "区")
            guesses.append(f"单位类型按名称推断：{kinds}，其余为区；请核对 districts 的 kind")
    else:
        found, unit_guesses = find_districts([text for row in table.rows for _, text in row.goals])
        guesses.extend(unit_guesses)
    lines = [line for grid in grids for line in grid.before]
    meta, meta_guesses = draft_meta(layout, table, lines, path)
    guesses.extend(meta_guesses)
    meta["review"] = "；".join(guesses)
    goal_merges = [(first, last) for column, first, last in table.merges if column == "goals"]
    measures = draft_measures(table.rows, goal_merges, found, layout.years)
    below = [line for grid in grids for line in grid.after]
    return Draft(path.name, meta, found, table, measures, guesses, below)
