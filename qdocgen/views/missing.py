"""`qdocgen missing`: what each district (and the city) has not yet reported, and its reporting rate.

Each missing figure says which case it is (figures/why_missing.py): no form received, the form
refused (with the reason), left blank with a reason, or left blank without one. With `[forms]
note_when_missed = true` in qdocgen.toml, 未完成 figures without a 说明 are listed too."""

from __future__ import annotations

from qdocgen import fmt as f
from qdocgen.documents.reporting import reporting
from qdocgen.figures.period import Period
from qdocgen.figures.values import plain_number
from qdocgen.figures.why_missing import CASES, WhyMissing, shown
from qdocgen.listing import csv_text, json_text, text_table
from qdocgen.progress import MISSED
from qdocgen.workspace import Workspace


def missing(ws: Workspace, per: Period, fmt: str) -> str:
    """The reminder list of `per` in `fmt`."""
    found = reporting(ws.evaluation(per))
    why = WhyMissing(ws.data_dir, ws.figures, per)
    asks = ws.config.forms.note_when_missed
    # (reporting, result, case, reason) for every line of the list, district by district
    listed = []
    for r in found:
        for m in r.missing:
            listed.append((r, m, *why.case(m.district, m.measure.row, m.measure.name)))
        if asks:
            listed += [(r, m, "missed_without_note", "") for m in r.expected if m.status == MISSED and not m.note]
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
                            _item(m, case, reason) for rr, m, case, reason in listed if rr is r and case in WHY_MISSING
                        ],
                        **(
                            {
                                "missed_without_note": [
                                    _item(m, case, reason)
                                    for rr, m, case, reason in listed
                                    if rr is r and case == "missed_without_note"
                                ]
                            }
                            if asks
                            else {}
                        ),
                    }
                    for r in found
                ]
            )
            + "\n"
        )
    headers = ["区", "序号", "指标", "单位", "目标值", "指标报送率", "情况", "原因或说明"]
    rows = [
        [r.name, m.measure.row, m.measure.name, m.measure.unit, f.number(m.target), r.rate_text, CASES[case], reason]
        for r, m, case, reason in listed
    ]
    if fmt == "csv":
        plain = [
            [*row[:4], plain_number(m.target), None if r.rate is None else round(r.rate, 4), *row[6:]]
            for row, (r, m, _, _) in zip(rows, listed, strict=True)
        ]
        return csv_text(headers, plain)
    summary = text_table(
        ["区", "应报", "已报", "未报", "指标报送率"],
        [[r.name, len(r.expected), r.reported, len(r.missing), r.rate_text] for r in found],
    )
    if rows:
        table = text_table(
            [*headers[:5], "情况"],
            [[*row[:5], shown(case, reason)] for row, (_, _, case, reason) in zip(rows, listed, strict=True)],
        )
    else:
        table = f"{per.words}各区及全市的考核指标均已报送。"
    return f"{summary}\n\n{table}\n"


WHY_MISSING = ("refused", "blank_with_note", "blank", "no_form")


def _item(m, case: str, reason: str) -> dict:
    return {
        "row": m.measure.row,
        "measure": m.measure.name,
        "measure_id": m.measure.id,
        "unit": m.measure.unit,
        "target": plain_number(m.target),
        "case": case,
        "case_text": CASES[case],
        "reason": reason or None,
    }
