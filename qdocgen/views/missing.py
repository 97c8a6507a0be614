"""`qdocgen missing`: what each district (and the city) has not yet reported, and its reporting rate."""

from __future__ import annotations

from qdocgen import fmt as f
from qdocgen.documents.reporting import reporting
from qdocgen.figures.period import Period
from qdocgen.figures.values import plain_number
from qdocgen.listing import csv_text, json_text, text_table
from qdocgen.workspace import Workspace


def missing(ws: Workspace, per: Period, fmt: str) -> str:
    """The reminder list of `per` in `fmt`."""
    found = reporting(ws.evaluation(per))
    if fmt == "json":
        return (
            json_text(
                [
                    {
                        "district": r.district,
                        "name": r.name,
                        "year": per.year,
                        "period": per.part,
                        "expected": len(r.expected),
                        "reported": r.reported,
                        "rate": None if r.rate is None else round(r.rate, 6),
                        "missing": [
                            {
                                "row": m.measure.row,
                                "measure": m.measure.name,
                                "measure_id": m.measure.id,
                                "unit": m.measure.unit,
                                "target": plain_number(m.target),
                            }
                            for m in r.missing
                        ],
                    }
                    for r in found
                ]
            )
            + "\n"
        )
    headers = ["区", "序号", "指标", "单位", "目标值", "指标报送率"]
    rows = [
        [r.name, m.measure.row, m.measure.name, m.measure.unit, f.number(m.target), r.rate_text]
        for r in found
        for m in r.missing
    ]
    if fmt == "csv":
        plain = [
            [*row[:4], plain_number(m.target), None if r.rate is None else round(r.rate, 4)]
            for row, (r, m) in zip(rows, [(r, m) for r in found for m in r.missing], strict=True)
        ]
        return csv_text(headers, plain)
    summary = text_table(
        ["区", "应报", "已报", "未报", "指标报送率"],
        [[r.name, len(r.expected), r.reported, len(r.missing), r.rate_text] for r in found],
    )
    if rows:
        listed = text_table(headers[:5], [row[:5] for row in rows])
    else:
        listed = f"{per.words}各区及全市的考核指标均已报送。"
    return f"{summary}\n\n{listed}\n"
