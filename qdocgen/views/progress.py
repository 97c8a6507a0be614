"""`qdocgen progress`: each measure's target, figure, rate and status, and the districts' ranking."""

from __future__ import annotations

from qdocgen import display
from qdocgen.figures.period import Period
from qdocgen.figures.values import plain_number
from qdocgen.listing import csv_text, json_text, text_table
from qdocgen.plan.model import CITY
from qdocgen.workspace import Workspace


def progress(ws: Workspace, per: Period, district: str | None, city_only: bool, fmt: str) -> str:
    """The evaluation of `per` (one district's, or with `city_only` the city-wide records) in `fmt`."""
    ev = ws.evaluation(per)
    if city_only:
        results = [r for r in ev.results if r.district is None]
    else:
        results = [r for r in ev.results if district is None or r.district == district]
    records = [r.as_dict() for r in results]
    standing = {s.district: s for s in ev.standings}
    for rec in records:
        for key in ("target", "year_target", "actual"):
            rec[key] = plain_number(rec[key])
        # the ranking (名次, 完成比例) of the record's district, as in the table's 排名 and in
        # templates' standings[]: rank, rate (null for city-wide records)
        s = standing.get(rec["district"])
        rec["rank"] = s.rank if s else None
        rec["rate"] = None if s is None or s.rate is None else round(s.rate, 6)
    # against the period before (issue 21): its status, misses in a row, the rank then
    tr = ws.trend(per)
    for rec, r in zip(records, results, strict=True):
        rec["previous_period"] = tr.previous.key if tr.previous else None
        before, streak = tr.of(r) if r.scope != "total" else (None, 0)
        rec["previous_status"] = before
        rec["missed_in_a_row"] = streak
        old = tr.standing_before.get(r.district)
        now = standing.get(r.district)
        ranked = old is not None and now is not None and old.assessed and now.assessed
        rec["previous_rank"] = old.rank if ranked else None
        rec["rank_change"] = old.rank - now.rank if ranked else None
    if fmt == "json":
        return json_text(records) + "\n"
    headers = ["序号", "指标", "单位", "区", "目标值", "完成值", "完成率", "状态", "说明"]
    shown = [display.show(r) for r in results]  # the display rule: never contradicts the status
    rows = [
        [
            r.measure.row,
            r.measure.name,
            r.measure.unit,
            r.district or (f"{CITY}（各区合计）" if r.scope == "total" else CITY),
            s.target,
            s.actual,
            s.ratio,
            r.status,
            r.note,
        ]
        for r, s in zip(results, shown, strict=True)
    ]
    if fmt == "csv":  # plain numbers, for scripts and Excel: 10000, 0.9143
        plain = [
            [*row[:4], rec["target"], rec["actual"], None if rec["ratio"] is None else round(rec["ratio"], 4), *row[7:]]
            for row, rec in zip(rows, records, strict=True)
        ]
        return csv_text(headers, plain)
    text = text_table(headers, rows) + "\n"
    if district is None and not city_only:
        ranking = text_table(
            ["排名", "区", "考核指标", "完成", "未完成", "未报送", "完成比例"],
            [
                [s.rank, s.district, s.assessed, s.met, s.missed, s.not_reported, display.share(s.met, s.assessed)]
                for s in ev.ranked
            ],
        )
        text += "\n" + ranking + "\n"
    if ev.sample:
        ws.warnings.append(f"{per.words}完成值为示例数据。")
    return text
