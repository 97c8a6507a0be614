"""Property-based tests: readers never crash on arbitrary input; statuses agree with figures."""

from __future__ import annotations

import csv
import io
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from qdocgen.figures.period import Period
from qdocgen.figures.plausible import COUNTING_UNITS
from qdocgen.figures.store import FigureSet, parse_figures
from qdocgen.figures.values import BadValue, parse_value
from qdocgen.plan.model import Measure
from qdocgen.progress import DONE, EXCEEDED, MET, MISSED, NOT_REPORTED, evaluate, judge

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        ["1,200", "95%", "１２", " 3 ", "1e3", "nan", "inf", "-0", "=1+1", "@SUM(A1)", "0x10", "１,０００"]
    ),
)


@SETTINGS
@given(raw=cell_values, rate=st.booleans(), milestone=st.booleans())
def test_parse_value_returns_a_valid_figure_or_refuses_clearly(raw, rate, milestone):
    try:
        value = parse_value(raw, rate=rate, milestone=milestone)
    except BadValue as exc:
        assert str(exc)  # a message for the user, never another exception
        return
    if value is None:
        return
    assert value >= 0 and value == value and value != float("inf")  # a rate may exceed 100 (growth)
    if milestone:
        assert value in (0.0, 1.0)


csv_cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@SETTINGS
@given(rows=st.lists(st.lists(csv_cells, max_size=7), max_size=8), raw_tail=st.text(max_size=40))
def test_figures_reader_never_crashes(plan, rows, raw_tail):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["区", "序号", "指标", "完成值", "说明", "来源"])
    writer.writerows(rows)
    for text in (buf.getvalue(), buf.getvalue() + raw_tail, raw_tail):
        figures, problems = parse_figures(text, "x.csv", plan)
        for p in problems:
            assert p.file == "x.csv" and p.message
        for f in figures:
            assert f.value is None or f.value >= 0


@SETTINGS
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(["南海区", "禅城", "全市", "浦东区", ""]),
            st.sampled_from(["4", "27", "37", "10", "x", "0", "99"]),
            st.sampled_from(
                [
                    "细分行业龙头企业数",
                    "有效期内省名牌产品数",
                    "工业产品质量监督抽查综合合格率",
                    "国家级质量技术机构数",
                    "?",
                ]
            ),
            cell_values.map(lambda v: "" if v is None else str(v)),
        ),
        max_size=10,
    )
)
def test_figures_reader_accepts_only_valid_lines(plan, lines):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["区", "序号", "指标", "完成值", "说明", "来源"])
    writer.writerows([[*line, "", ""] for line in lines])
    figures, problems = parse_figures(buf.getvalue(), "x.csv", plan)
    assert len(figures) + len(problems) <= len(lines)
    for f in figures:
        measure = plan.measure(f.row, f.measure)
        assert measure is not None
        assert (f.district is None) == measure.is_city
        assert f.value is None or f.value >= 0  # a rate may exceed 100 (a growth rate; a proportion warns)
    # Held to a period's targets, what is kept is plausible (docs/progress.md 第八节).
    figures, problems, _ = parse_figures(buf.getvalue(), "x.csv", plan, Period(2018), doubts=True)
    for f in figures:
        measure = plan.measure(f.row, f.measure)
        if f.value is not None:
            assert f.value < 1e8
            if measure.unit in COUNTING_UNITS:
                assert float(f.value).is_integer()


def count_measure(kind: str) -> Measure:
    return Measure("9", 9, "计数", "家", kind, "district", {2018: {"南海区": 10}})


numbers = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(
    target=numbers,
    actual=numbers,
    kind=st.sampled_from(["annual", "stock", "one-year", "biennial", "city-level", "cumulative", "growth", "rate"]),
)
def test_done_exactly_when_actual_reaches_target(target, actual, kind):
    status = judge(count_measure(kind), target, actual, True, target)
    assert (status in DONE) == (actual >= target - 1e-9)
    assert (status == EXCEEDED) == (actual > target + 1e-9)
    assert status in (EXCEEDED, MET, MISSED)


@SETTINGS
@given(target=numbers)
def test_unreported_is_never_done(target):
    assert judge(count_measure("annual"), target, None, True, target) == NOT_REPORTED


@SETTINGS
@given(
    values=st.dictionaries(st.sampled_from(["禅城区", "南海区", "顺德区", "高明区", "三水区"]), numbers, max_size=5),
    part=st.sampled_from(["year", "H1", "Q1", "Q2", "Q3"]),
)
def test_evaluation_is_consistent_for_any_figures(plan, values, part):
    from qdocgen.figures.store import Figure

    period = Period(2018, part)
    measure = next(m for m in plan.measures if m.id == "4")
    figures = FigureSet({period: [Figure(d, 4, measure.name, v) for d, v in values.items()]})
    ev = evaluate(plan, figures, period)
    for r in ev.results:
        if r.measure is not measure or r.scope != "district":
            continue
        assert r.target == math.ceil(measure.targets[2018][r.district] * period.elapsed)
        if r.district in values:
            assert (r.status in DONE) == (values[r.district] >= r.target - 1e-9)
            assert r.ratio is not None and abs(r.ratio - values[r.district] / r.target) < 1e-9
        else:
            assert r.status == NOT_REPORTED and r.ratio is None
    total = next(r for r in ev.totals if r.measure is measure)
    if len(values) == 5:
        assert abs(total.actual - sum(values.values())) < 1e-6
    else:
        assert total.status == NOT_REPORTED
    ranks = sorted(s.rank for s in ev.standings)
    assert ranks[0] == 1 and all(1 <= r <= 5 for r in ranks)


# ---------------------------------------------------------------- the form reader (issue 7)

form_cell_values = st.one_of(
    cell_values,
    st.datetimes(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
    st.sampled_from(["=1/0", "=A1", "=SUM(E1:E9)", '=HYPERLINK("http://x","y")', "#DIV/0!", "1,2,3", "１２.５％"]),
)


@pytest.fixture(scope="module")
def blank_form(tmp_path_factory):
    """A real 南海区 2018 form, its data rows and columns, and a private copy of the data."""
    import shutil

    from qdocgen.documents.forms import make_forms
    from qdocgen.figures.forms import find_header
    from qdocgen.plan.load import load_plan

    from conftest import DATA, TEMPLATES

    root = tmp_path_factory.mktemp("forms")
    data = root / "plan_data"
    shutil.copytree(DATA, data)
    ((path, _),) = make_forms(load_plan(data), TEMPLATES / "xlsx" / "填报表.xlsx", Period(2018), ["南海区"], root)
    ws = load_workbook(path)["填报"]
    header, cols = find_header(ws, "form")
    last = header
    while ws.cell(last + 1, cols["序号"]).value is not None:
        last += 1
    return path, data, range(header + 1, last + 1), cols


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60),
            st.sampled_from(["序号", "指标", "单位", "目标值", "完成值", "完成值", "完成值", "说明"]),
            form_cell_values,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_form_reader_never_crashes(blank_form, tmp_path_factory, cells):
    from click.testing import CliRunner
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell

    from qdocgen.cli import main

    path, data, rows, cols = blank_form
    wb = load_workbook(path)
    ws = wb["填报"]
    for offset, column, value in cells:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = ws.cell(rows.start + offset, cols[column])  # some land below the table
        if not isinstance(cell, MergedCell):  # the footer's merged text
            cell.value = value
    filled = tmp_path_factory.mktemp("filled") / path.name
    wb.save(filled)
    before = (data / "figures" / "2018.csv").read_bytes()
    result = CliRunner().invoke(
        main, ["--data", str(data), "collect", "--year", "2018", "--dry-run", str(filled)], catch_exceptions=True
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output, result.output
    assert (data / "figures" / "2018.csv").read_bytes() == before


@pytest.mark.parametrize("raw", ["1,41", "1,2345", "12,34.5", ",100", "1,,000"])
def test_misplaced_commas_are_refused_not_read_as_another_number(raw):
    with pytest.raises(BadValue, match="逗号的位置不对"):
        parse_value(raw)


@pytest.mark.parametrize(("raw", "value"), [("1,200", 1200), ("12,345.5", 12345.5), ("１，２００", 1200)])
def test_thousands_separators(raw, value):
    assert parse_value(raw) == value


def test_a_number_cell_is_read_as_excel_shows_it():
    assert parse_value(0.1 * 3 * 100) == 30  # 30.000000000000004, shown by Excel as 30
    assert parse_value(79.99) == 79.99 and parse_value(6.0000000001) == 6.0000000001  # real decimals stay
