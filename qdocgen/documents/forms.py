"""District reporting forms (填报表): one workbook per district and period, made from a template.

What a form holds (its rows, targets and recorded identity) is defined in figures/forms.py,
which collecting reads back; this module lays it into the template. The layout comes from
templates/xlsx/填报表.xlsx (see tools/make_form_template.py): a sheet 填报, a header row with
the six column names, the row below it as the look of every data row, a footer moved below
the data, and {markers} in text cells.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from qdocgen import fmt
from qdocgen.errors import TemplateError, UserError
from qdocgen.figures.forms import (
    KIND_OF_FORM,
    META_KEYS,
    META_SHEET,
    SHEET,
    WITHDRAW,
    FormLine,
    find_header,
    form_file_name,
    form_lines,
    meta_values,
    who_of,
)
from qdocgen.figures.period import Period
from qdocgen.figures.signature import load_key
from qdocgen.plan.model import Plan
from qdocgen.storage.atomic import move_aside, write_atomic

if TYPE_CHECKING:  # openpyxl is imported when a form is built: listing forms (a build's fingerprints) does without
    from qdocgen.render.form_book import Rule

_WITHDRAW_HINT = f"要撤回已报的数，在“说明”中填“{WITHDRAW}”。"


def target_note(plan: Plan, period: Period, lines: list[FormLine]) -> str:
    """The sentence saying which target the 目标值 column shows."""
    if period.is_year:
        text = f"“目标值”为{period.words}目标。"
    else:
        share = f"{period.elapsed:.0%}"
        text = (
            f"“目标值”为{period.words}序时进度目标（全年时间已过{share}）：计数类按全年目标的{share}，"
            f"存量类按上年目标至本年目标推进{share}，比率类和节点任务按全年目标。"
        )
    cumulative = [ln for ln in lines if ln.measure.kind == "cumulative"]
    if cumulative:
        final = max(max(ln.measure.targets) for ln in cumulative)
        text += f"累计类为{plan.years[0]}—{final}年计划期按时间均匀推进，到{fmt.cn_date(period.end)}应累计达到的数。"
    if any(ln.reference for ln in lines):
        text += (
            f"目标值写作“某年目标…”的是到那一年才考核的存量指标：{period.words}不考核，"
            f"请照常填报截至{fmt.cn_date(period.end)}的数量，以跟踪进度。"
        )
    pending = [ln for ln in lines if ln.target is None and ln.takes_value and not ln.reference]
    if pending:
        text += "目标“待定”的指标照常填报完成值。"
    return text


NOTE_WHEN_MISSED = "完成值低于目标值（未完成）的，须在“说明”中写明原因（未写时“说明”格标为红色）。"


def markers(
    plan: Plan, period: Period, district: str | None, lines: list[FormLine], note_when_missed: bool = False
) -> dict[str, str]:
    """The {markers} of the form's text cells; with `note_when_missed` ([forms] in qdocgen.toml) the
    target note also asks for a 说明 on every figure below its target."""
    return {
        "区": who_of(district),
        "时段": period.words,
        "年度": str(period.year),
        "截止日期": fmt.cn_date(period.end),
        "目标说明": target_note(plan, period, lines) + (NOTE_WHEN_MISSED if note_when_missed else ""),
        "计划名称": plan.title,
        "文号": plan.doc_number,
        "起始年": str(plan.years[0]),
        "发文机关": plan.office,
        "存量示例": stock_example(plan, lines),
    }


def stock_example(plan: Plan, lines: list[FormLine] | None = None) -> str:
    """“（如…）” naming a stock measure for the instructions: one on this form (its `lines`; the
    plan's when no lines are given), never one the form does not ask for; "" if there is none."""
    measures = plan.measures if lines is None else [ln.measure for ln in lines]
    stock = next((m.name for m in measures if m.kind == "stock"), None)
    return f"（如{stock}）" if stock else ""


def value_rule(line: FormLine, period: Period, start: int) -> Rule | None:
    """The data validation of a line's 完成值 cell (equal rules are shared by their cells)."""
    if not line.takes_value:
        return None
    m = line.measure
    return _value_rule(m.kind, bool(m.is_rate), bool(m.is_rate and m.proportion), period, start)


@lru_cache(maxsize=256)  # what decides a rule: a form's lines have a few kinds, a build a few periods
def _value_rule(kind: str, is_rate: bool, proportion: bool, period: Period, start: int) -> Rule:
    from qdocgen.render.form_book import Rule

    end = fmt.cn_date(period.end)
    if kind == "milestone":
        return Rule(
            "list",
            "节点任务",
            "已完成填 1，未完成填 0。",
            "只能填 1 或 0",
            "节点任务已完成填 1，未完成填 0。",
            choices=("1", "0"),
        )
    if proportion:
        return Rule(
            "decimal",
            "比率（%）",
            "填百分数，如 95.2 表示 95.2%。" + _WITHDRAW_HINT,
            "比率应在 0 到 100 之间",
            "请填百分数（0 到 100），如 95.2 表示 95.2%，不要填 0.952。确需填写请点“是”。",
            low=0,
            high=100,
            warn_only=True,
        )
    if is_rate:
        return Rule(
            "decimal",
            "百分数（%）",
            "填百分数，如 12.5 表示 12.5%（可超过 100）。" + _WITHDRAW_HINT,
            "应为不小于 0 的百分数",
            "请填百分数，如 12.5 表示 12.5%，不要填 0.125；负增长填 0 并在说明中写明。",
            low=0,
        )
    if kind == "cumulative":
        title, prompt = "累计数", f"填自{start}年1月1日至{end}的累计总数。"
    elif kind == "stock":
        title, prompt = "年末存量", f"填{end}的有效数量。"
    else:
        title, prompt = "完成数", f"填{period.year}年1月1日至{end}的完成数。"
    return Rule(
        "decimal",
        title,
        prompt + _WITHDRAW_HINT,
        "应为不小于 0 的数字",
        "完成值只填数字（不带单位），不能为负数。",
        low=0,
    )


def build_form(
    template: Path, plan: Plan, period: Period, district: str | None, note_when_missed: bool = False
) -> bytes:
    """The bytes of the form of `district` (None: the city office) for `period`; `note_when_missed`:
    the form asks for a 说明 where the 完成值 is below the target (see markers)."""
    from qdocgen.render import form_book

    shown = template.name
    lines = form_lines(plan, period, district)

    def lay_out_rows(wb) -> None:
        """What depends on the template and the number of lines alone: the footer moved below
        the rows, and each row given the look of the row below the header (kept per number)."""
        ws = wb[SHEET]
        header, _ = find_header(ws, shown)
        proto = form_book.row_styles(ws, header + 1)
        form_book.move_footer(ws, header + 2, len(lines) - 1)
        for i in range(len(lines)):
            form_book.copy_row_style(ws, proto, header + 1 + i)

    wb = form_book.open_sheet(template, SHEET, META_SHEET, then=lay_out_rows, then_key=f"rows {len(lines)}")
    ws = wb[SHEET]
    header, cols = find_header(ws, shown)
    proto_height = ws.row_dimensions[header + 1].height

    values = markers(plan, period, district, lines, note_when_missed)
    form_book.fill_markers(ws, values, range(1, header), shown)
    form_book.fill_markers(ws, values, range(header + 1 + len(lines), ws.max_row + 1), shown)

    rules: dict[Rule, list[str]] = {}
    asks: list[tuple[str, str, str]] = []  # (说明, 完成值, 目标值) cells where a missed figure needs a 说明
    rows = form_book.RowDimensions(ws)  # ws.row_dimensions, adding rows faster
    name_width = form_book.column_width(ws, cols["指标"], 30)
    unit_width = form_book.column_width(ws, cols["单位"], 8)
    for i, line in enumerate(lines):
        r = header + 1 + i
        m = line.measure
        ws.cell(r, cols["序号"]).value = m.row
        form_book.put_text(ws.cell(r, cols["指标"]), m.name)
        form_book.put_text(ws.cell(r, cols["单位"]), line.unit)
        target = line.shown_target
        if isinstance(target, str):
            form_book.put_text(ws.cell(r, cols["目标值"]), target)
        else:
            cell = ws.cell(r, cols["目标值"])
            cell.value = target
            cell.number_format = "#,##0" if isinstance(target, int) else "#,##0.0#"
        value_cell = ws.cell(r, cols["完成值"])
        ws.cell(r, cols["说明"]).value = None
        if not line.takes_value:
            form_book.close_cell(value_cell)
        rule = value_rule(line, period, plan.years[0])
        if rule:
            rules.setdefault(rule, []).append(value_cell.coordinate)
        if note_when_missed and line.takes_value and not isinstance(target, str):
            asks.append(
                (ws.cell(r, cols["说明"]).coordinate, value_cell.coordinate, ws.cell(r, cols["目标值"]).coordinate)
            )
        size = ws.cell(r, cols["指标"]).font.sz or 11
        need = max(form_book.text_height(m.name, name_width, size), form_book.text_height(line.unit, unit_width, size))
        rows[r].height = max(proto_height or 15, need)
    form_book.add_rules(ws, rules)
    form_book.ask_for_notes(ws, asks)

    form_book.protect(wb, ws)
    key = load_key(Path(plan.source).parent, create=True) if plan.source else None  # the workspace's
    form_book.record_meta(wb, META_SHEET, META_KEYS, meta_values(district, period, lines, key))
    return form_book.package(wb, title=f"{who_of(district)}{period.words}工作目标完成情况{KIND_OF_FORM}")


# ---------------------------------------------------------------- the command


def make_forms(
    plan: Plan, template: Path, period: Period, who: list[str | None], out_dir: Path, note_when_missed: bool = False
) -> list[tuple[Path, bool]]:
    """Write the forms of `who` (district names, None for the city office); (path, changed) each."""
    from qdocgen.figures.read_form import filled_in

    if problem := plan.year_problem(period.year):
        raise UserError(problem)
    if not Path(template).is_file():
        raise TemplateError(f"找不到填报表模板 {template}（可用 tools/make_form_template.py 重新生成）")
    written = []
    for district in who:
        data = build_form(Path(template), plan, period, district, note_when_missed)
        path = Path(out_dir) / form_file_name(district, period)
        if path.is_file() and filled_in(path):
            move_aside(path)  # a district's filled form is never overwritten by a blank one
        written.append((path, write_atomic(path, data)))
    return written
