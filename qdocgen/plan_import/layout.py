"""Recognise a 任务分解表 among a file's tables: its header, its columns and its years."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from qdocgen.errors import Problem, UserError
from qdocgen.plan_import.grid import Cell, Grid, squeeze

# Each column the plan needs, with the headings offices use for it (most usual first).
ROLES: dict[str, tuple[str, ...]] = {
    "no": ("序号", "编号", "项目序号"),
    "task": ("任务名称", "重点任务", "主要任务", "任务", "工作任务", "重点工作", "主要工作"),
    "content": ("工作内容", "具体内容", "主要内容", "内容", "工作事项", "具体任务"),
    "action": ("工作措施", "具体措施", "主要措施", "措施", "工作举措"),
    "lead": ("牵头单位", "主要责任单位", "牵头部门", "责任单位", "责任部门", "牵头"),
    "support": ("配合单位", "协助单位", "参与单位", "配合部门", "协办单位", "配合"),
    "goals": ("工作目标", "目标任务", "年度目标", "工作目标及进度安排", "目标", "完成时限及目标", "预期目标"),
    "deadline": ("完成时限", "完成时间", "时间节点", "时限要求", "完成期限", "时限"),
    "remark": ("备注", "说明"),
}
ROLE_WORDS = {
    "no": "序号",
    "task": "任务名称",
    "content": "工作内容",
    "action": "工作措施",
    "lead": "牵头单位",
    "support": "配合单位",
    "goals": "工作目标",
    "deadline": "完成时限",
    "remark": "备注",
}
# Only the goals are required: 任务名称 may be written as “一、…” rows, and 序号 may be absent
# (the rows are then numbered in order). The other columns are kept when the table has them.
REQUIRED = ("goals",)
YEAR_HEADING = re.compile(r"^(?:（|\()?((?:19|20)\d{2})(?:年度?)?(?:）|\))?(?:工作)?(?:目标|任务|目标任务)?$")
YEAR_RANGE = re.compile(r"((?:19|20)\d{2})\s*年?\s*[—–\-－~～至到]+\s*((?:19|20)\d{2})\s*年")
ANNEX = re.compile(r"^附\s*件\s*\d*\s*[:：]?\s*")


@dataclass
class Layout:
    """Where the parts of the table are: its columns by role, the year of each goal column,
    the rows of the header (to recognise its repeats) and the body rows in order."""

    grid: Grid
    columns: dict[str, int]
    goal_columns: list[tuple[int, tuple[int, ...]]]
    years: tuple[int, ...]
    header_texts: list[tuple[str, ...]]
    body: list[tuple[Grid, int]]
    title: str
    notes: list[str] = field(default_factory=list)  # what the reader guessed, for the review list
    # The table's own headings by role (重点任务, 责任单位), and `year`: the year columns' heading
    # with {year} for the year (“{year}年目标”), for the tables qdocgen makes (meta.headings).
    headings: dict[str, str] = field(default_factory=dict)


def find_layout(grids: list[Grid], path: Path) -> Layout:
    """The first table whose header looks like a 任务分解表, with the tables that continue it."""
    seen: list[str] = []
    for index, grid in enumerate(grids):
        for r in range(min(grid.height, 12)):
            roles = _roles(grid, r)
            if "goals" in roles and ({"no", "task", "content"} & set(roles)) and len(roles) >= 2:
                return _layout(grid, r, roles, grids[index + 1 :], path)
        first = next((grid.text(r, c) for r in range(grid.height) for c in range(grid.width) if grid.text(r, c)), "")
        seen.append(f"{grid.name}（首格“{first[:20]}”）")
    tables = "；".join(seen) if seen else "文件中没有表格"
    raise UserError(
        f"{path}：找不到像任务分解表的表格：表头应含“工作目标”（或“目标任务”“年度目标”）栏，"
        f"以及“序号”“重点任务”“工作内容”等栏目之一。已查看：{tables}"
    )


def _role_of(text: str) -> str | None:
    t = squeeze(text)
    if not t:
        return None
    for role, names in ROLES.items():
        if t in names:
            return role
    for role, names in ROLES.items():
        if any(len(n) >= 2 and n in t for n in names[:3]):
            return role
    if YEAR_HEADING.match(t):
        return "goals"
    return None


def _roles(grid: Grid, r: int) -> dict[str, list[Cell]]:
    """The heading cells of row r by role (a role may have several: year columns)."""
    out: dict[str, list[Cell]] = {}
    for c in range(grid.width):
        cell = grid.at(r, c)
        if cell is None or (c > 0 and grid.at(r, c - 1) is cell):
            continue
        role = _role_of(cell.text)
        if role is not None:
            out.setdefault(role, [])
            if cell not in out[role]:
                out[role].append(cell)
    return out


def _refuse(path: Path, grid: Grid, r: int, c: int | None, message: str) -> UserError:
    return UserError("", [Problem(str(path), None, message, grid.place(r, c))])


def _layout(grid: Grid, r: int, roles: dict[str, list[Cell]], rest: list[Grid], path: Path) -> Layout:
    missing = [ROLE_WORDS[k] for k in REQUIRED if k not in roles]
    if missing:
        raise _refuse(path, grid, r, None, f"表头缺少栏目：{'、'.join(missing)}（找到的是：{_heading_list(grid, r)}）")
    if len(roles.get("lead", [])) == 2 and "support" not in roles:  # 牵头单位 and 责任单位: the second supports
        roles["support"] = [roles["lead"].pop()]
        notes = [f"原表有两个责任单位栏，“{squeeze(roles['support'][0].text)}”作为配合单位（support）读入"]
    else:
        notes = []
    for role, cells in roles.items():
        if role != "goals" and len(cells) > 1:
            raise _refuse(path, grid, r, cells[1].left, f"表头有两个“{ROLE_WORDS[role]}”栏")
    columns = {role: cells[0].left for role, cells in roles.items() if role != "goals"}
    goal_columns, header_rows = _goal_columns(grid, r, roles["goals"], path)
    years = tuple(y for _, ys in goal_columns for y in ys)
    if years and list(years) != list(range(years[0], years[0] + len(years))):
        raise _refuse(path, grid, header_rows[-1], None, f"工作目标的年度应连续且按顺序排列，实为 {list(years)}")
    body_start = header_rows[-1] + 1
    while body_start < grid.height and _part_of_header(grid, body_start, header_rows):
        body_start += 1
    body = [(grid, i) for i in range(body_start, grid.height)]
    headings = {c: squeeze(grid.text(r, c)) for c in columns.values()}
    headings.update({c: f"{ys[0]}年工作目标" if ys else "工作目标" for c, ys in goal_columns})
    grid.headings = headings
    for more in rest:  # a Word table broken by a page, each part with the header repeated
        if more.width != grid.width:
            break
        more.headings = headings
        body.extend((more, i) for i in range(more.height))
    title = _title(grid, r)
    notes += _left_out(grid, r, columns, goal_columns, body)
    if not years:
        years = _years_from(title, body, goal_columns[0][0])
        goal_columns = [(goal_columns[0][0], years)]
        source = "标题" if YEAR_RANGE.search(title) else "目标文字"
        notes.append(f"表头没有分年度，计划年度 {years[0]}—{years[-1]} 取自{source}")
    header_texts = [_row_texts(grid, h) for h in header_rows]
    layout = Layout(grid, columns, goal_columns, years, header_texts, body, title, notes)
    layout.headings = _published_headings(grid, r, roles, goal_columns, header_rows)
    return layout


def _published_headings(grid: Grid, r: int, roles: dict, goal_columns: list, header_rows: list) -> dict[str, str]:
    out = {role: squeeze(cells[0].text) for role, cells in roles.items() if role != "goals" and cells}
    patterns = set()
    for c, ys in goal_columns:
        text = squeeze(grid.text(header_rows[-1], c))
        if len(ys) == 1 and str(ys[0]) in text:
            patterns.add(text.replace(str(ys[0]), "{year}", 1))
    if len(patterns) == 1:
        out["year"] = patterns.pop()
    group = squeeze(roles["goals"][0].text)
    if group and not YEAR_HEADING.match(group):
        out["goals"] = group
    return out


def _goal_columns(grid: Grid, r: int, cells: list[Cell], path: Path):
    """([(column, (year,)), …], header rows): 工作目标 over a row of years, year headings in the
    header row itself, or one 工作目标 column whose years come from elsewhere (empty here)."""
    below = r + 1 if r + 1 < grid.height else None
    first = cells[0]
    if len(cells) == 1 and first.right > first.left and below is not None:
        out = []
        for c in range(first.left, first.right + 1):
            year = _year_heading(grid.text(below, c))
            if year is None:
                raise _refuse(path, grid, below, c, "工作目标跨多列，但下一行不是年度（如“2021年”）")
            out.append((c, (year,)))
        return out, [r, below]
    if len(cells) > 1 and all(_year_heading(cell.text) for cell in cells):
        return [(cell.left, (_year_heading(cell.text),)) for cell in cells], [r]
    if below is not None and _year_heading(grid.text(below, first.left)) is not None:
        return [(first.left, (_year_heading(grid.text(below, first.left)),))], [r, below]
    return [(first.left, ())], [r]


def _left_out(grid: Grid, r: int, columns: dict, goal_columns: list, body: list) -> list[str]:
    """Notes on what the plan has no place for: a 备注 column with text in it; no 任务名称 column."""
    notes = []
    if "task" not in columns:
        notes.append("原表没有“任务名称”栏：任务名称取自“一、……”这样的分项行，草稿中写入任务名称栏")
    used = set(columns.values()) | {c for c, _ in goal_columns}
    for c in range(grid.width):
        cell = grid.at(r, c)
        if cell is None or cell.left != c or any(cell.left <= u <= cell.right for u in used):
            continue
        if cell.text and any(g.text(i, c) for g, i in body):
            notes.append(f"原表“{squeeze(cell.text)}”栏未导入（plan.yaml 没有这一栏），请另行保存其内容")
    return notes


def _part_of_header(grid: Grid, r: int, header_rows: list[int]) -> bool:
    """A row whose every cell belongs to a header cell merged down into it."""
    cells = [grid.at(r, c) for c in range(grid.width)]
    return all(cell is None or cell.top <= header_rows[-1] for cell in cells) and any(cells)


def _year_heading(text: str) -> int | None:
    m = YEAR_HEADING.match(squeeze(text))
    return int(m.group(1)) if m else None


def _row_texts(grid: Grid, r: int) -> tuple[str, ...]:
    return tuple(squeeze(grid.text(r, c)) for c in range(grid.width))


def is_header_repeat(layout: Layout, grid: Grid, r: int) -> bool:
    """Whether row r repeats a header row (after a page break, or at the top of a continued table)."""
    texts = _row_texts(grid, r)
    if any(texts == h[: len(texts)] for h in layout.header_texts):
        return True
    no = squeeze(grid.text(r, layout.columns["no"])) if "no" in layout.columns else ""
    if no in ROLES["no"]:
        return True
    goals = [squeeze(grid.text(r, c)) for c, _ in layout.goal_columns]
    return not no and all(_year_heading(t) for t in goals) and len(goals) > 1


def _heading_list(grid: Grid, r: int) -> str:
    texts = [grid.text(r, c) for c in range(grid.width)]
    return "、".join(dict.fromkeys(t for t in texts if t)) or "空行"


def _title(grid: Grid, r: int) -> str:
    """The table's title: the line above it that names a 任务分解表 (else the longest one)."""
    lines = list(grid.before)
    for above in range(r):
        lines.extend(dict.fromkeys(grid.text(above, c) for c in range(grid.width) if grid.text(above, c)))
    lines = [ANNEX.sub("", line).strip() for line in lines]
    lines = [line for line in lines if line]
    named = [line for line in lines if "分解表" in line or "任务表" in line]
    pick = named[-1] if named else max(lines, key=len, default="")
    return pick.replace("\n", "")


def _years_from(title: str, body, goal_column: int) -> tuple[int, ...]:
    m = YEAR_RANGE.search(title)
    if not m:
        counts: dict[tuple[int, int], int] = {}
        for grid, r in body:
            for found in YEAR_RANGE.finditer(grid.text(r, goal_column)):
                key = (int(found.group(1)), int(found.group(2)))
                counts[key] = counts.get(key, 0) + 1
        if not counts:
            raise UserError("表头没有分年度，标题和目标文字中也找不到计划年度（如“2021—2023年”）")
        first, last = max(counts, key=lambda k: (counts[k], -k[0]))
    else:
        first, last = int(m.group(1)), int(m.group(2))
    if not 0 < last - first < 10:
        raise UserError(f"计划年度 {first}—{last} 不合理")
    return tuple(range(first, last + 1))
