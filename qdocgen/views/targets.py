"""`qdocgen targets`: a year's quantified targets as a table, CSV or JSON."""

from __future__ import annotations

from qdocgen.figures.values import plain_number
from qdocgen.listing import csv_text, json_text, text_table
from qdocgen.plan.model import CITY, KINDS, Plan


def targets(plan: Plan, year: int, district: str | None, city_only: bool, fmt: str) -> str:
    """The targets of `year` (one district's, or with `city_only` the city-wide ones) in `fmt`."""
    records = [
        {
            "row": t.row,
            "measure": t.measure,
            "measure_id": t.measure_id,
            "unit": t.unit,
            "kind": t.kind,
            "year": t.year,
            "district": t.district,
            "target": plain_number(t.target),
        }
        for t in plan.targets(year, district)
        if not city_only or t.district is None
    ]
    if fmt == "json":
        return json_text(records) + "\n"
    headers = ["序号", "指标", "单位", "类型", "年度", "区", "目标值"]
    rows = [
        [
            r["row"],
            r["measure"],
            r["unit"],
            KINDS.get(r["kind"], r["kind"]),  # in Chinese: 年度计数, 全市指标 (JSON keeps the key)
            r["year"],
            r["district"] or CITY,
            "待定" if r["target"] is None else r["target"],
        ]
        for r in records
    ]
    return csv_text(headers, rows) if fmt == "csv" else text_table(headers, rows) + "\n"
