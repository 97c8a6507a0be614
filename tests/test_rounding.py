"""One rounding rule, 四舍五入 on the figure as written, as Excel, WPS and LibreOffice display a
cell: the filters, the display rule and Jinja's `round` write what a spreadsheet shows."""

from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook

from qdocgen import display, fmt
from qdocgen.progress import EXCEEDED, MET
from qdocgen.render.jinja_env import make_env

from conftest import needs_soffice, soffice_convert

FIGURES = [1.005, 0.125, 2.675, -0.125, 12345.675, 1.0049999, 8.345, 1.015, 0.1 + 0.2, 19.05 / 20, 2.5, -2.5]
RATIOS = [0.9525, 19.05 / 20, 0.00125, 0.12345, 1.0525, 0.99995, 0.0005]


def cases() -> list[tuple[float, str, str]]:
    """(value, Excel number format, what qdocgen writes for it)."""
    env = make_env(autoescape=False)

    def jinja(source: str, v: float) -> str:
        return env.from_string(source).render(v=v)

    out = []
    for v in FIGURES:
        out.append((v, "0.00", jinja("{{ '%.2f'|format(v|round(2)) }}", v)))
        out.append((v, "0", jinja("{{ '%d'|format(v|round) }}", v)))
        out.append((v, '#,##0.0"%"', jinja("{{ v|number('%') }}", v)))
        if not float(v).is_integer():  # Excel writes '3.' for an integer in #,##0.##
            out.append((v, "#,##0.##", jinja("{{ v|number }}", v)))
            out.append((v, "#,##0.##", display.number(v)))
    for v in RATIOS:
        out.append((v, "0.0%", jinja("{{ v|percent }}", v)))
        if "." in display.whole_percent(v):  # 0.0#% writes 100.0% where whole_percent writes 100%
            out.append((v, "0.0#%", display.whole_percent(v)))
    # completion ratios of 超额完成: one decimal, above 100%. (Not 1.2345: LibreOffice scales a
    # percentage in binary, 123.44999…, and shows 123.4%; qdocgen rounds 123.45 as written, 123.5%.)
    for v in (1.0525, 1.1235):
        out.append((v, "0.0%", display.ratio(v, EXCEEDED)[0]))
    out.append((1.0, "0.0%", display.ratio(1.0, MET)[0]))
    return out


def test_the_rule_on_its_own():
    assert [str(fmt.rounded(v, 2)) for v in (1.005, 0.125, -0.125, 2.675, 0.1 + 0.2)] == [
        "1.01",
        "0.13",
        "-0.13",
        "2.68",
        "0.30",
    ]
    assert fmt.percent(0.9525) == "95.3%" and fmt.percent(19.05 / 20) == "95.3%"
    assert fmt.number(1.005) == "1.01" and fmt.number(0.125) == "0.13" and fmt.number(12345.675) == "12,345.68"
    assert display.ratio(0.9525, "未完成") == ("95.3%", 0.953)
    assert display.ratio(1.2345, EXCEEDED)[0] == "123.5%"
    assert display.ratio(0.99996, "未完成")[0] == "99.99%"  # never 100% for 未完成, whatever the rule


@needs_soffice
def test_filters_and_display_rule_write_what_libreoffice_shows(tmp_path):
    rows = cases()
    wb = Workbook()
    ws = wb.active
    for i, (value, number_format, _) in enumerate(rows, start=1):
        cell = ws.cell(i, 1, value)
        cell.number_format = number_format
    wb.save(tmp_path / "cells.xlsx")
    # CSV "as shown" (the 9th filter option): each cell's text as the spreadsheet displays it
    (out,) = soffice_convert(
        [tmp_path / "cells.xlsx"], tmp_path, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true"
    )
    shown = [r[0] for r in csv.reader(out.read_text(encoding="utf-8").splitlines())]
    assert len(shown) == len(rows)
    wrong = [(v, f, ours, lo) for (v, f, ours), lo in zip(rows, shown, strict=True) if ours != lo]
    assert not wrong, "qdocgen 与 LibreOffice 显示不同（值、格式、qdocgen、LibreOffice）：" + repr(wrong)


@pytest.mark.parametrize(
    ("value", "places", "expected"), [(1.005, 2, 1.01), (0.125, 2, 0.13), (2.5, 0, 3.0), (-2.5, 0, -3.0), (2.4, 0, 2.0)]
)
def test_round_filter_rounds_half_away_from_zero(value, places, expected):
    env = make_env(autoescape=True)
    assert env.from_string("{{ v|round(p) }}").render(v=value, p=places) == str(expected)
    assert env.from_string("{{ v|round(p, 'floor') }}").render(v=2.5, p=0) == "2.0"  # other methods as jinja's
