"""The task table unfolded by measure: one line per measure result, for the progress table.

A row of the 任务分解表 with three measures for five districts becomes fifteen lines; the
row's own columns (任务名称, 工作内容, …) are then merged down over its lines, and each
measure's name over its districts' lines. Each line carries, for every column that may
merge, whether it starts a merged group (`<key>_first`) and how many lines it spans
(`<key>_span`, 0 on the lines it covers), so templates merge with `{%vmerge x_span %}`; the
spans know their group (render/spans.py), so a loop that leaves lines out still merges right.
"""

from __future__ import annotations

from qdocgen.progress import NOT_APPLICABLE
from qdocgen.render.spans import Span

GROUP_KEYS = ("row", "task", "content", "lead", "support", "goals", "measure")


def table_lines(rows: list[dict], year: int | None, district: str | None = None) -> list[dict]:
    """Lines of the progress table from the template context's `rows` (see context.py).

    A result that does not apply this year is left out unless it carries a reported figure or a
    note (a figure is never lost: a district may report a biennial measure in its off year, and
    qualitative measures are reported in words); for one district, the city's own measures are
    left out.
    A row left with no result keeps one line of its own.
    """
    lines: list[dict] = []
    groups = {key: 0 for key in GROUP_KEYS}
    for row in rows:
        for key in ("task", "content", "lead", "support", "goals"):
            if row[f"{key}_first"]:
                groups[key] += 1
        shown = [
            m
            for m in row["measures"]
            if (m["status"] != NOT_APPLICABLE or m["note"] or m["actual"] is not None)
            and not (district and m["district"] is None)
        ]
        for m in shown or [None]:
            ids = dict(groups)
            ids["row"] = row["no"]
            ids["measure"] = (row["no"], m["measure_id"]) if m else (row["no"], None)
            lines.append(
                {
                    "row": row,
                    "m": m,
                    "goal": row.get(f"goal_{year}", "") if year else "",
                    "_ids": ids,
                }
            )
    for key in GROUP_KEYS:
        _spans(lines, key)
    for line in lines:
        del line["_ids"]
    return lines


def _spans(lines: list[dict], key: str) -> None:
    first_key, span_key = f"{key}_first", f"{key}_span"
    ids = [line["_ids"][key] for line in lines]
    start, n = 0, len(lines)
    while start < n:
        end = start + 1
        while end < n and ids[end] == ids[start]:
            end += 1
        size, group = end - start, (key, start)
        lines[start][first_key] = True
        lines[start][span_key] = Span(size, group, size)
        if size > 1:
            covered = Span(0, group, size)  # one for all the lines the group's merge covers (it is immutable)
            for i in range(start + 1, end):
                lines[i][first_key] = False
                lines[i][span_key] = covered
        start = end
