"""Printing records as an aligned text table, CSV or JSON (targets, progress)."""

from __future__ import annotations

import csv
import io
import json

from qdocgen.textwidth import columns as _width


def text_table(headers: list[str], rows: list[list[object]]) -> str:
    """Columns aligned for a terminal, counting CJK characters as two columns wide."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def csv_text(headers: list[str], rows: list[list[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue()


def json_text(records: list[dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2)
