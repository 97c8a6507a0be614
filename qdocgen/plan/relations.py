"""How measures relate (plan.yaml `relations`): what `qdocgen check` holds the figures to together.

Three kinds (see docs/plan_data.md, “指标之间的关系”):

- ``grows-by``: a city total that grows by the districts' additions (全市龙头企业总数 = 上年底总数 +
  各区本年新增之和);
- ``sum``: a city figure that is the sum of the districts' (with ``at_least``: includes them, 其中);
- ``rate``: a rate whose numerator and denominator are two measures, or counts its own 说明 gives
  (“抽查312批次，不合格14批次”).

This module is the model and its loading; holding figures to it is figures/reconcile.py's job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qdocgen.plan.model import Measure, ReviewMark
from qdocgen.plan.yaml_lines import line_of

KINDS = {"grows-by": "累计增长", "sum": "合计", "rate": "比率的分子分母"}
KEYS = {
    "grows-by": ("kind", "total", "additions", "base", "review"),
    "sum": ("kind", "total", "parts", "at_least", "review"),
    "rate": ("kind", "rate", "numerator", "denominator", "excluded", "review"),
}
ALL_KEYS = tuple(dict.fromkeys(k for keys in KEYS.values() for k in keys))
PART_KEYS = ("measure", "note")


@dataclass(frozen=True)
class Count:
    """Where a rate's count comes from: another measure (`measure`, an id), or the number after
    the word `note` in the rate's own 说明."""

    measure: str = ""
    note: str = ""


@dataclass(frozen=True)
class Relation:
    """One relation between measures; `total` is the measure the relation is about (the total,
    or the rate), `parts` the measure it is made from (additions or the districts' figures)."""

    kind: str
    total: str
    parts: str = ""
    base: float = 0.0  # grows-by: the total before the plan's first year
    at_least: bool = False  # sum: the city figure includes the districts' and may exceed their sum
    numerator: Count | None = None
    denominator: Count | None = None
    excluded: Count | None = None  # rate: numerator = denominator − excluded (合格 = 抽查 − 不合格)
    line: int | None = None


def load_relations(check, raw: dict, measures: list[Measure]) -> list[Relation]:
    """The `relations` of plan.yaml, each problem added to `check` (load.py's checker) with its line."""
    items = raw.get("relations")
    if items is None:
        return []
    if not isinstance(items, list):
        check.add(raw, "relations", "relations（指标之间的关系）应为列表")
        return []
    by_id = {m.id: m for m in measures}
    out: list[Relation] = []
    for i, item in enumerate(items):
        where = f"relations 第 {i + 1} 项"
        if not isinstance(item, dict):
            check.add(items, i, f'{where}应为映射，如 {{kind: grows-by, total: "4b", additions: "4"}}')
            continue
        kind = item.get("kind")
        if kind not in KINDS:
            check.add(item, "kind", f"{where}：kind 应为 {'、'.join(KINDS)} 之一，实为 {kind!r}")
            continue
        check.keys(item, KEYS[kind], f"{where}（{kind}）")
        relation = _relation(check, item, kind, where, by_id)
        if relation is not None:
            out.append(relation)
    return out


def relation_reviews(raw: dict) -> list[ReviewMark]:
    """The `review` (待核) marks of the relations (`qdocgen import` drafts them for review)."""
    items = raw.get("relations")
    marks = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get("review"):
            subject = item.get("total") or item.get("rate")
            what = f"relations 第 {i + 1} 项（{item.get('kind')}，{subject}）"
            marks.append(ReviewMark(line_of(item, "review"), what, str(item["review"])))
    return marks


def _measure(check, item: dict, key: str, where: str, by_id: dict) -> Measure | None:
    value = item.get(key)
    if value is None:
        check.add(item, key, f'{where}：缺少必填项“{key}”（指标编号，如 "4b"）')
        return None
    measure = by_id.get(str(value).strip())
    if measure is None:
        check.add(item, key, f"{where}：{key} 没有编号为 {value!r} 的指标")
    return measure


def _relation(check, item: dict, kind: str, where: str, by_id: dict) -> Relation | None:
    line = line_of(item, "kind")
    if kind == "rate":
        return _rate(check, item, where, by_id, line)
    total = _measure(check, item, "total", where, by_id)
    parts = _measure(check, item, "additions" if kind == "grows-by" else "parts", where, by_id)
    if total is None or parts is None:
        return None
    ok = True
    if not total.is_city:
        check.add(item, "total", f"{where}：total 应为全市指标（scope: city），“{total.name}”按区考核")
        ok = False
    if parts.is_city:
        key = "additions" if kind == "grows-by" else "parts"
        check.add(item, key, f"{where}：{key} 应为按区考核的指标（scope: district），“{parts.name}”是全市指标")
        ok = False
    if total.unit != parts.unit or total.is_rate:
        check.add(item, "total", f"{where}：“{total.name}”（{total.unit or '无单位'}）与“{parts.name}”"
                  f"（{parts.unit or '无单位'}）应为同一计数单位")  # fmt: skip
        ok = False
    base, at_least = 0.0, False
    if kind == "grows-by":
        value = item.get("base", 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            check.add(item, "base", f"{where}：base（计划首年之前的总数）应为不小于 0 的数，实为 {value!r}")
            ok = False
        else:
            base = float(value)
    else:
        at_least = item.get("at_least", False)
        if not isinstance(at_least, bool):
            check.add(item, "at_least", f"{where}：at_least 应为 true 或 false，实为 {at_least!r}")
            ok = False
    if not ok:
        return None
    return Relation(kind, total.id, parts.id, base=base, at_least=bool(at_least), line=line)


def _rate(check, item: dict, where: str, by_id: dict, line: int | None) -> Relation | None:
    rate = _measure(check, item, "rate", where, by_id)
    if rate is None:
        return None
    ok = True
    if not rate.is_rate:
        check.add(item, "rate", f"{where}：“{rate.name}”的单位不是 %，不是比率")
        ok = False
    counts = {}
    for key in ("numerator", "denominator", "excluded"):
        if key in item:
            counts[key] = _count(check, item, key, where, by_id, rate)
            ok = ok and counts[key] is not None
    if "denominator" not in item or ("numerator" in item) == ("excluded" in item):
        check.add(item, "rate", f"{where}：比率应给出 denominator（分母），以及 numerator（分子）或 excluded"
                  "（不计入分子的数，如不合格批次）之一")  # fmt: skip
        ok = False
    if not ok:
        return None
    return Relation("rate", rate.id, line=line, **counts)


def _count(check, item: dict, key: str, where: str, by_id: dict, rate: Measure) -> Count | None:
    value = item.get(key)
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in PART_KEYS:
        check.add(
            item, key, f"{where}：{key} 应写作 {{measure: 指标编号}} 或 {{note: 说明中数字前的词}}，实为 {value!r}"
        )
        return None
    if "note" in value:
        word = value["note"]
        if not isinstance(word, str) or not word.strip():
            check.add(item, key, f"{where}：{key} 的 note 应为说明中数字前的词，如 抽查")
            return None
        return Count(note=word.strip())
    measure = by_id.get(str(value["measure"]).strip())
    if measure is None:
        check.add(item, key, f"{where}：{key} 没有编号为 {value['measure']!r} 的指标")
        return None
    if measure.is_rate or measure.scope != rate.scope:
        check.add(item, key, f"{where}：{key}“{measure.name}”应为与“{rate.name}”同样考核范围（{rate.scope}）的计数指标")
        return None
    return Count(measure=measure.id)
