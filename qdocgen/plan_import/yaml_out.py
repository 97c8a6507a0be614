"""The draft plan as YAML text in the layout of plan_data/plan.yaml, review marks included."""

from __future__ import annotations

import json
import re

import yaml

from qdocgen.plan.yaml_lines import loaders
from qdocgen.plan_import.relations import relations_yaml

_RESOLVER = loaders()[0]("")  # decides what a plain scalar would read as (number, date, null…)
INDICATORS = "-?:,[]{}#&*!|>'\"%@`"
# What YAML reads as a line break or refuses as unprintable, though JSON leaves it as it is.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


FLOW_SAFE = re.compile(r"^[\u4e00-\u9fff（）·A-Za-z0-9_]+$")  # district names and the like


def scalar(text: str) -> str:
    """A string as a YAML block value: plain when it reads back unchanged, else double-quoted."""
    plain = (
        text
        and text == text.strip()
        and not any(c in text for c in "\n\t#")
        and not UNSAFE.search(text)
        and ": " not in text
        and not text.endswith(":")
        and text[0] not in INDICATORS
        and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"
    )
    return text if plain else quoted(text)


def quoted(text: str) -> str:
    """A double-quoted YAML string (JSON's escapes, and \\u escapes for YAML's line breaks)."""
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(text, ensure_ascii=False))


def flow(text: str) -> str:
    """A string inside { } or [ ]."""
    plain = FLOW_SAFE.match(text) is not None and scalar(text) == text
    return text if plain else quoted(text)


def number(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def plan_yaml(draft) -> str:
    """The whole plan.yaml of a Draft (see qdocgen.plan_import.Draft)."""
    out: list[str] = [
        f"# 计划草稿：由 qdocgen import 从 {draft.source_name} 读出。格式见 docs/plan_data.md。",
        "# 标有 review（待核）的项是读取时的推测：核对、改正后删去该项的 review 一行。",
        "# qdocgen check 会列出仍待核的项及其行号。",
        "",
        "meta:",
    ]
    meta = draft.meta
    for key in ("title", "table_title", "doc_number", "issuer"):
        out.append(f"  {key}: {scalar(meta[key])}")
    out.append(f"  date: {meta['date']}")
    out.append(f"  years: [{', '.join(map(str, meta['years']))}]")
    for key in ("city", "office"):
        out.append(f"  {key}: {scalar(meta[key])}")
    if meta.get("headings"):  # the published table's headings, kept in the tables qdocgen makes
        out.append("  headings:                  # 原表的表头；qdocgen 生成的任务分解表沿用")
        out.extend(f"    {key}: {scalar(text)}" for key, text in meta["headings"].items())
    if meta.get("review"):
        out.append(f"  review: {scalar(meta['review'])}")
    out += ["", "districts:                    # 按官方顺序；kind：区、县、县级市、功能区（见 docs/plan_data.md）"]
    out += [f"  - {{name: {flow(d.name)}, short: {flow(d.short)}, kind: {flow(d.kind)}}}" for d in draft.districts]
    out += ["", "areas:                        # 任务名称（纵向合并覆盖各自的行）"]
    out += [f"  - {{name: {flow(name)}, rows: [{first}, {last}]}}" for name, first, last in draft.table.areas]
    out += ["", "rows:"]
    area_starts = {first: name for name, first, _ in draft.table.areas}
    for row in draft.table.rows:
        if row.no in area_starts:
            out.append(f"  # ── {area_starts[row.no]} ──")
        out.append(f"  - no: {row.no}")
        for key in draft.table.columns:  # only the columns the published table has
            out.append(f"    {key}: {scalar(row.texts[key])}")
        out.append("    goals:")
        for years, text in row.goals:
            out.append(f"      - years: [{', '.join(map(str, years))}]")
            out.append(f"        text: {scalar(text)}")
        if row.mends:
            out.append("    mends:")
            out += [f"      - {scalar(m)}" for m in row.mends]
    out += ["", "merges:                       # 除任务名称外的纵向合并单元格" if draft.table.merges else "merges: []"]
    out += [f"  - {{column: {column}, rows: [{first}, {last}]}}" for column, first, last in draft.table.merges]
    out += ["", "measures:"]
    for m in draft.measures:
        out.append(f"  - id: {json.dumps(m.id)}")
        out.append(f"    row: {m.row}")
        out.append(f"    name: {scalar(m.name)}")
        if m.unit:
            out.append(f"    unit: {scalar(m.unit)}")
        out.append(f"    kind: {m.kind}")
        if m.proportion:
            out.append("    proportion: true            # 占比：超过 100 不合常理（可以超过 100 的比率，删去此行）")
        out.append(f"    scope: {m.scope}")
        if not m.targets:
            out.append("    targets: {}")
        else:
            out.append("    targets:")
            for year, value in m.targets.items():
                if isinstance(value, dict):
                    inner = ", ".join(f"{flow(k)}: {number(v)}" for k, v in value.items())
                    out.append(f"      {year}: {{{inner}}}")
                else:
                    out.append(f"      {year}: {number(value)}")
        if m.note:
            out.append(f"    note: {scalar(m.note)}")
        if m.review:
            out.append(f"    review: {scalar('；'.join(m.review))}")
    out += relations_yaml(draft.relations)  # drafted for review (plan_import/relations.py)
    return "\n".join(out) + "\n"
