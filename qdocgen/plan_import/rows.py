"""The body of a recognised 任务分解表: numbered rows, their texts, areas and merges."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from qdocgen.errors import Problem, UserError
from qdocgen.plan_import.grid import Grid
from qdocgen.plan_import.layout import ROLE_WORDS, Layout, is_header_repeat

NUMBER = re.compile(r"^[（(]?(\d+)[)）]?[.、．]?$")
NOTE = re.compile(r"^(注|备注|说明)\s*[:：]")
SECTION_NO = re.compile(r"^[一二三四五六七八九十]+[、.．]?$")
SECTION = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]\s*(.+)$", re.S)
TEXT_COLUMNS = ("content", "action", "lead", "support", "deadline", "remark")
MERGED_COLUMNS = TEXT_COLUMNS[:4]  # the columns whose vertical merges plan.yaml keeps


@dataclass
class DraftRow:
    """One numbered row as read: each column's text, the goal cells (years → text), mends."""

    no: int
    task: str
    texts: dict[str, str]
    goals: list[tuple[tuple[int, ...], str]]
    place: str
    mends: list[str] = field(default_factory=list)


@dataclass
class DraftTable:
    rows: list[DraftRow]
    areas: list[tuple[str, int, int]]
    merges: list[tuple[str, int, int]]
    notes: list[str]  # lines such as “注：…” under the table, kept for the review list
    columns: tuple[str, ...] = ("content", "action", "lead", "support")  # the table's text columns


def read_rows(layout: Layout, path: Path) -> DraftTable:
    """Rows in 序号 order; refuse 序号 that skip or repeat and merges the plan cannot hold."""
    shown = str(path)
    physical: list[tuple[Grid, int, int]] = []  # (grid, grid row, 序号)
    notes: list[str] = []
    sections: dict[int, str] = {}  # 序号 → the “一、…” row above it, when there is no 任务名称 column
    section = ""
    for grid, r in layout.body:
        if is_header_repeat(layout, grid, r):
            continue
        texts = [grid.text(r, c) for c in range(grid.width)]
        if not any(texts):
            continue
        if "no" not in layout.columns:  # no 序号 column: the rows are numbered in order
            first = next(t for t in texts if t)
            single = len({id(c) for c in grid.cells[r] if c is not None}) == 1
            if "task" not in layout.columns and _section(grid, r, "", texts):
                section = _section(grid, r, "", texts)
                continue
            if NOTE.match(first) or single:
                notes.append(first)
                continue
            physical.append((grid, r, len(physical) + 1))
            if "task" not in layout.columns:
                if not section:
                    raise _error(shown, grid, r, 0, "表中没有“任务名称”栏，这一行之前也没有“一、……”这样的分项行")
                sections[len(physical)] = section
            continue
        no_col = layout.columns["no"]
        no_cell = grid.at(r, no_col)
        no_text = unicodedata.normalize("NFKC", no_cell.text if no_cell else "").strip()
        if no_cell is not None and no_cell.top < r and physical and physical[-1][:2] == (grid, no_cell.top):
            raise _error(shown, grid, r, no_col, f"序号 {no_text} 的单元格纵向合并了两行，无法分清各行")
        if "task" not in layout.columns:
            name = _section(grid, r, no_text, texts)
            if name:
                section = name
                continue
        if not no_text:
            first = next(t for t in texts if t)
            if NOTE.match(first) or len(set(c for c in grid.cells[r] if c is not None)) == 1:
                notes.append(first)
                continue
            raise _error(shown, grid, r, no_col, "这一行没有序号")
        m = NUMBER.match(no_text)
        if not m:
            if NOTE.match(no_text):
                notes.append(no_cell.text)
                continue
            raise _error(shown, grid, r, no_col, f"序号应为数字，实为“{no_text}”")
        no = int(m.group(1))
        expected = len(physical) + 1
        if no != expected:
            if any(n == no for _, _, n in physical):
                what = f"序号 {no} 重复（上一行已是 {expected - 1}）"
            else:
                what = (
                    f"序号应为 {expected}，实为 {no}（序号跳过了{'、'.join(map(str, range(expected, no)))}）"
                    if no > expected
                    else f"序号应为 {expected}，实为 {no}"
                )
            raise _error(shown, grid, r, no_col, what)
        physical.append((grid, r, no))
        if "task" not in layout.columns:
            if not section:
                raise _error(shown, grid, r, no_col, "表中没有“任务名称”栏，这一行之前也没有“一、……”这样的分项行")
            sections[no] = section
    if not physical:
        raise UserError(
            "",
            [Problem(shown, None, "表头下没有带序号的行", layout.grid.place(layout.body[0][1] if layout.body else 0))],
        )
    rows = [_row(layout, grid, r, no, sections.get(no, "")) for grid, r, no in physical]
    areas = _areas(layout, physical, rows, shown)
    merges = _merges(layout, physical, rows, areas, shown)
    columns = tuple(role for role in TEXT_COLUMNS if role in layout.columns)
    _fill_blanks(rows, columns)
    return DraftTable(rows, areas, merges, notes, columns)


def _error(shown: str, grid: Grid, r: int, c: int, message: str) -> UserError:
    return UserError("", [Problem(shown, None, message, grid.place(r, c))])


def _section(grid: Grid, r: int, no_text: str, texts: list[str]) -> str:
    """The name in a row such as “一、全面建成全国质量强市示范城市” (a 任务名称 written as a row)."""
    if SECTION_NO.match(no_text):
        rest = [t for t in dict.fromkeys(texts) if t and t != no_text]
        return rest[0] if rest else ""
    single = len({id(c) for c in grid.cells[r] if c is not None}) == 1
    m = SECTION.match(next((t for t in texts if t), ""))
    return m.group(1).strip() if m and single else ""


def _row(layout: Layout, grid: Grid, r: int, no: int, section: str) -> DraftRow:
    texts = {role: grid.text(r, layout.columns[role]) if role in layout.columns else "" for role in TEXT_COLUMNS}
    task = grid.text(r, layout.columns["task"]) if "task" in layout.columns else section
    goals: list[tuple[tuple[int, ...], str]] = []
    seen: dict[int, int] = {}
    for c, years in layout.goal_columns:
        cell = grid.at(r, c)
        key = id(cell)
        if cell is not None and key in seen:
            index = seen[key]
            goals[index] = (goals[index][0] + years, goals[index][1])
            continue
        seen[key] = len(goals)
        goals.append((years, cell.text if cell else ""))
    if len(layout.goal_columns) == 1:
        goals = [(layout.years, goals[0][1])]
    mends = []
    for role in TEXT_COLUMNS:
        if role in layout.columns:
            cell = grid.at(r, layout.columns[role])
            others = [
                k for k, c in layout.columns.items() if k != role and cell is not None and cell.left <= c <= cell.right
            ]
            if others and cell.left == layout.columns[role]:
                mends.append(
                    f"原表{ROLE_WORDS[role]}与{'、'.join(ROLE_WORDS[k] for k in others)}合为一格，各栏照录同一文字"
                )
    return DraftRow(no, task, texts, goals, grid.place(r), mends)


def _spans(layout: Layout, physical, column: int) -> list[tuple[int, int]]:
    """Runs of consecutive rows (by 序号) that share one merged cell in `column`."""
    spans: list[tuple[int, int]] = []
    previous = None
    for grid, r, no in physical:
        cell = grid.at(r, column)
        if cell is not None and previous is cell:
            spans[-1] = (spans[-1][0], no)
        else:
            spans.append((no, no))
        previous = cell
    return spans


def _areas(layout: Layout, physical, rows: list[DraftRow], shown: str) -> list[tuple[str, int, int]]:
    """任务名称 runs: a merged cell, the same text repeated, or blanks under a name."""
    areas: list[tuple[str, int, int]] = []
    if "task" not in layout.columns:  # from the “一、…” rows: runs of the same section
        for row in rows:
            if areas and areas[-1][0] == row.task:
                areas[-1] = (row.task, areas[-1][1], row.no)
            else:
                areas.append((row.task, row.no, row.no))
        return areas
    column = layout.columns["task"]
    for first, last in _spans(layout, physical, column):
        name = rows[first - 1].task
        if areas and (not name or name == areas[-1][0]):
            if not name:
                for n in range(first, last + 1):
                    rows[n - 1].mends.append("原表任务名称空白，归入上一项任务")
            areas[-1] = (areas[-1][0], areas[-1][1], last)
            continue
        if not name:
            grid, r, _ = physical[first - 1]
            raise _error(shown, grid, r, column, "第一行的任务名称为空")
        areas.append((name, first, last))
    for area_name, first, last in areas:
        for n in range(first, last + 1):
            rows[n - 1].task = area_name
    return areas


def _merges(layout: Layout, physical, rows, areas, shown: str) -> list[tuple[str, int, int]]:
    merges: list[tuple[str, int, int]] = []
    for role in MERGED_COLUMNS:
        if role not in layout.columns:
            continue
        for first, last in _spans(layout, physical, layout.columns[role]):
            if first == last:
                continue
            _within_area(layout, physical, areas, role, layout.columns[role], first, last, shown)
            merges.append((role, first, last))
    goal_spans = [_spans(layout, physical, c) for c, _ in layout.goal_columns]
    merged = [{s for s in spans if s[0] != s[1]} for spans in goal_spans]
    for index, spans in enumerate(merged):
        for other, other_spans in enumerate(merged):
            if spans != other_spans:
                first, last = min(spans | other_spans)
                grid, r, _ = physical[first - 1]
                c = layout.goal_columns[index if spans - other_spans else other][0]
                raise _error(
                    shown,
                    grid,
                    r,
                    c,
                    f"工作目标各年度列的纵向合并不一致（第 {first}—{last} 行只合并了部分年度列），无法确定各行目标",
                )
    for first, last in sorted(merged[0]) if merged else []:
        _within_area(layout, physical, areas, "goals", layout.goal_columns[0][0], first, last, shown)
        merges.append(("goals", first, last))
    for c, _ in layout.goal_columns:
        for grid, r, _no in physical:
            cell = grid.at(r, c)
            goal_cols = {gc for gc, _ in layout.goal_columns}
            if cell is not None and any(col not in goal_cols for col in range(cell.left, cell.right + 1)):
                raise _error(shown, grid, r, c, "工作目标单元格与其他栏目横向合并在一起")
    order = {k: i for i, k in enumerate((*MERGED_COLUMNS, "goals"))}
    return sorted(merges, key=lambda m: (order[m[0]], m[1]))


def _within_area(layout, physical, areas, role, column, first, last, shown) -> None:
    for name, a, b in areas:
        if a <= first <= b and last > b:
            grid, r, _ = physical[first - 1]
            raise _error(
                shown,
                grid,
                r,
                column,
                f"{ROLE_WORDS[role]}第 {first}—{last} 行合并为一格，却跨过了任务名称“{name}”（第 {a}—{b} 行）的边界",
            )


def _fill_blanks(rows: list[DraftRow], columns: tuple[str, ...]) -> None:
    """Blank 工作内容/工作措施/牵头单位 cells carry on the text above (a merge drawn by hand); a
    blank with nothing above stays blank, and says so."""
    for i, row in enumerate(rows):
        for role in ("content", "action", "lead"):
            if role not in columns or row.texts[role].strip():
                continue
            above = rows[i - 1].texts[role] if i else ""
            row.texts[role] = above
            word = ROLE_WORDS[role]
            row.mends.append(f"原表{word}空白，{'沿用上一行' if above else '此处留空'}")
