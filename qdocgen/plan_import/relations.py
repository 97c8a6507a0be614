"""Relations drafted by `qdocgen import`, for review: the obvious ones between a row's measures.

A row that sets both a city-wide total over the plan (期内累计, or a year-end stock) and a yearly
count for each district, in the same unit ("到2019年底全市培育350家以上……各区每年培育不少于……"),
drafts `grows-by`: the city total grows by the districts' additions. A row whose city count says
the districts' are part of it (其中，各区……) drafts `sum` with `at_least`. Each is marked
`review` (待核): a person confirms or deletes it. Rates are not drafted: which words of a 说明
carry their counts is for the office to say (see docs/plan_data.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import SequenceMatcher

DISTRICT_COUNTS = ("annual", "one-year", "biennial")
CITY_TOTALS = ("cumulative", "stock")
CITY_COUNTS = ("city-level", "annual")


@dataclass(frozen=True)
class DraftRelation:
    kind: str
    total: str
    parts: str
    review: str
    at_least: bool = False


def draft_relations(measures, goal_texts: dict[int, str] | None = None) -> list[DraftRelation]:
    """The relations the draft's measures suggest (see the module's note). `goal_texts`: each
    row's goal text, where “其中” says a city count includes the districts'. A district measure
    goes with one city measure of a kind: the one whose name is likest its own."""
    found: dict[tuple, tuple[float, DraftRelation]] = {}
    by_row: dict[int, list] = {}
    for m in measures:
        by_row.setdefault(m.row, []).append(m)
    for row, ms in sorted(by_row.items()):
        parts = [m for m in ms if m.scope == "district" and m.kind in DISTRICT_COUNTS and m.unit and m.unit != "%"]
        for total in (m for m in ms if m.scope == "city" and m.unit and m.unit != "%"):
            for part in (p for p in parts if p.unit == total.unit):
                if total.kind in CITY_TOTALS:
                    relation = DraftRelation(
                        "grows-by",
                        total.id,
                        part.id,
                        f"推测：第 {row} 行全市“{total.name}”按各区“{part.name}”逐年累加（上年底总数 + 各区本期新增），"
                        "请核对；不是这样累加的，删去这一项",
                    )
                elif total.kind in CITY_COUNTS and "其中" in (goal_texts or {}).get(row, ""):
                    relation = DraftRelation(
                        "sum",
                        total.id,
                        part.id,
                        f"推测：第 {row} 行全市“{total.name}”包含各区“{part.name}”（原文“其中”），全市数不少于各区之和，请核对",
                        at_least=True,
                    )
                else:
                    continue
                score = SequenceMatcher(None, total.name.removeprefix("全市"), part.name).ratio()
                key = (relation.kind, part.id)
                if key not in found or score > found[key][0]:
                    found[key] = (score, relation)
    order = {m.id: i for i, m in enumerate(measures)}
    return sorted((r for _, r in found.values()), key=lambda r: order.get(r.total, 0))


def relations_yaml(relations: list[DraftRelation]) -> list[str]:
    """The `relations:` block of plan.yaml for the drafted relations ([] when there are none)."""
    if not relations:
        return []
    out = ["", "relations:                    # 指标之间的关系（见 docs/plan_data.md），qdocgen check 据此核对"]
    for r in relations:
        out.append(f"  - kind: {r.kind}")
        out.append(f"    total: {json.dumps(r.total)}")
        out.append(f"    {'additions' if r.kind == 'grows-by' else 'parts'}: {json.dumps(r.parts)}")
        if r.at_least:
            out.append("    at_least: true")
        out.append(f"    review: {json.dumps(r.review, ensure_ascii=False)}")
    return out


def review_lines(relations: list[DraftRelation]) -> list[str]:
    """One line per drafted relation, as `qdocgen check` lists its review mark."""
    return [f"relations 第 {i} 项（{r.kind}，{r.total}）：{r.review}" for i, r in enumerate(relations, start=1)]
