"""The figures store: plan_data/figures/<period>.csv, one line per district and measure."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

from qdocgen.errors import DataError, Problem
from qdocgen.figures import plausible
from qdocgen.figures.period import Period
from qdocgen.figures.targets import period_target
from qdocgen.figures.values import BadValue, format_value, parse_value, percent_written
from qdocgen.plan.model import CITY, Measure, Plan

FIGURES_DIR = "figures"
COLUMNS = ("区", "序号", "指标", "完成值", "说明", "来源")
REQUIRED = ("区", "序号", "指标", "完成值")
SAMPLE = "示例数据"
# The collection log beside each figures file: 2018.收集记录.csv (see figures/log.py).
LOG_SUFFIX = ".收集记录"
# The receipt register beside it: 2018.收件记录.csv, every form received (see figures/receipts.py).
RECEIPTS_SUFFIX = ".收件记录"
SIDE_FILES = (LOG_SUFFIX, RECEIPTS_SUFFIX)


@dataclass(frozen=True)
class Figure:
    """One reported figure: a district's (or the city's, district None) value for a measure."""

    district: str | None
    row: int
    measure: str
    value: float | None
    note: str = ""
    source: str = ""
    line: int = 0

    @property
    def key(self) -> tuple[str | None, int, str]:
        return (self.district, self.row, self.measure)

    @property
    def is_sample(self) -> bool:
        return self.source == SAMPLE


@dataclass
class FigureSet:
    """All figures of the store, by period."""

    periods: dict[Period, list[Figure]] = field(default_factory=dict)
    # Files in figures/ whose names name no period (a Windows copy such as '2018 - 副本.csv'):
    # left out, and reported by `check` and as a warning by other commands.
    ignored: list[Problem] = field(default_factory=list)
    # Figures kept but worth a second look (ten times the target, a proportion over 100%).
    doubts: list[Problem] = field(default_factory=list)
    _index: dict = field(default_factory=dict, repr=False, compare=False)  # lookup's, by period

    def of(self, period: Period) -> list[Figure]:
        return self.periods.get(period, [])

    def lookup(self, period: Period, measure: Measure, district: str | None) -> Figure | None:
        figures = self.periods.get(period, [])
        index = self._index.get(period)
        if index is None or index[0] is not figures or index[1] != len(figures):  # built once per period's list
            found: dict[tuple, Figure] = {}
            for f in figures:
                found.setdefault((f.row, f.measure, f.district), f)  # the first, as a scan would find
            index = self._index[period] = (figures, len(figures), found)
        return index[2].get((measure.row, measure.name, district))

    def is_sample(self, period: Period) -> bool:
        return any(f.is_sample for f in self.periods.get(period, []))

    def years(self) -> list[int]:
        return sorted({p.year for p in self.periods})


def figures_dir(data_dir: Path) -> Path:
    return Path(data_dir) / FIGURES_DIR


def period_file(data_dir: Path, period: Period) -> Path:
    return figures_dir(data_dir) / f"{period.key}.csv"


def load_figures(data_dir: Path, plan: Plan) -> FigureSet:
    """Read and validate every figures file; raise DataError listing every problem."""
    problems: list[Problem] = []
    out = FigureSet()
    folder = figures_dir(data_dir)
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.csv")):
        if any(path.stem.endswith(side) and Period.from_key(path.stem[: -len(side)]) for side in SIDE_FILES):
            continue  # a collection log (figures/log.py) or receipt register (figures/receipts.py)
        period = Period.from_key(path.stem)
        if period is None:
            out.ignored.append(
                Problem(str(path), None, "文件名不是 年度.csv 或 年度-时段.csv（如 2022.csv、2023-H1.csv），未读取")
            )
            continue
        if period in out.periods:
            problems.append(Problem(str(path), None, f"与另一个文件重复：都是{period.words}的完成值"))
            continue
        if period.year not in plan.years:
            problems.append(Problem(str(path), None, plan.year_problem(period.year)))
            continue
        figures, found, doubts = read_figures_file(path, plan, period)
        problems.extend(found)
        out.doubts.extend(doubts)
        out.periods[period] = figures
    if problems:
        raise DataError("", problems)
    return out


def decode_text(data: bytes, shown: str) -> str:
    """Text from a CSV file: UTF-8 (with or without BOM), else GBK as older Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DataError("", [Problem(shown, None, "无法识别文件编码：请在 Excel 中另存为“CSV UTF-8”")]) from None


def read_figures_file(
    path: Path, plan: Plan, period: Period | None = None
) -> tuple[list[Figure], list[Problem], list[Problem]]:
    """(figures, problems, warnings about its figures) of one CSV file."""
    shown = str(path)
    try:
        text = decode_text(path.read_bytes(), shown)
    except DataError as exc:
        return [], exc.problems, []
    return parse_figures(text, shown, plan, period, doubts=True)


def parse_figures(text: str, shown: str, plan: Plan, period: Period | None = None, doubts: bool = False):
    """(figures, problems) of a figures file's text; with `doubts`, also the warnings.

    With `period`, each figure is also held to the plausibility rules against its target.
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    figures: list[Figure] = []

    def done(figures, problems):
        return (figures, problems, warnings) if doubts else (figures, problems)

    if "\x00" in text:
        return done([], [Problem(shown, None, "不是文本格式的 CSV 文件")])
    open_quote = _unclosed_quote_line(text)
    if open_quote is not None:
        return done([], [Problem(shown, open_quote, "CSV 格式错误：引号不配对（此行的引号一直没有闭合）")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows, lines, last = [], [], 0
        for record in reader:
            rows.append(record)
            lines.append(last + 1)  # the physical line a record starts on
            last = reader.line_num
    except csv.Error as exc:
        return done([], [Problem(shown, reader.line_num, f"CSV 格式错误：{_csv_error(exc)}")])
    if not rows:
        return done([], [Problem(shown, 1, "文件为空，第一行应为表头：" + "，".join(COLUMNS))])
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return done([], [Problem(shown, 1, f"表头缺少列：{'、'.join(missing)}（应有 {'，'.join(COLUMNS)}）")])
    col = {name: header.index(name) for name in COLUMNS if name in header}
    seen: dict[tuple, int] = {}
    for line, cells in zip(lines[1:], rows[1:], strict=True):
        if not any(c.strip() for c in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            i = col.get(name)
            text = cells[i].strip() if i is not None and i < len(cells) else ""
            return text if name in NUMBER_COLUMNS else read_text(text)

        figure, problem = _figure(plan, cell, line)
        if problem:
            problems.append(Problem(shown, line, problem))
            continue
        if figure.key in seen:
            problems.append(
                Problem(
                    shown, line, f"与第 {seen[figure.key]} 行重复：{cell('区')} 序号 {figure.row}“{figure.measure}”"
                )
            )
            continue
        seen[figure.key] = line
        if period is not None:
            refused, warned = plausible_figure(plan, period, figure, cell("完成值"))
            if refused:
                problems.append(Problem(shown, line, f"完成值{refused}"))
                continue
            warnings.extend(Problem(shown, line, f"完成值{w}") for w in warned)
        figures.append(figure)
    return done(figures, problems)


def plausible_figure(plan: Plan, period: Period, figure: Figure, raw: object) -> tuple[str | None, list[str]]:
    """The plausibility verdict on a stored figure against its period target."""
    measure = plan.measure(figure.row, figure.measure)
    if measure is None:
        return None, []
    target, _, _ = period_target(measure, period, figure.district, plan)
    return plausible.check(measure, figure.value, target, percent_written=percent_written(raw))


def _unclosed_quote_line(text: str) -> int | None:
    """The line where a quoted field opens and never closes, or None.

    Python's csv reader accepts such a field at the end of the file, silently swallowing
    every line after it into one cell; a figures file must never lose lines that way.
    """
    if '"' not in text:  # (the usual file: no field quoted, nothing to look at character by character)
        return None
    line, opened, i, n = 1, None, 0, len(text)
    field_start = True
    while i < n:
        ch = text[i]
        if opened is None:
            if ch == '"' and field_start:
                opened = line
            elif ch == "\n":
                line += 1
            field_start = ch in ",\n\r"
        elif ch == '"':
            if i + 1 < n and text[i + 1] == '"':
                i += 1  # an escaped quote inside the field
            else:
                opened, field_start = None, False
        elif ch == "\n":
            line += 1
        i += 1
    return opened


def _csv_error(exc: csv.Error) -> str:
    text = str(exc)
    if "quote" in text or "EOF" in text:
        return "引号不配对"
    return text


def _figure(plan: Plan, cell, line: int) -> tuple[Figure | None, str | None]:
    for name in ("区", "序号", "指标"):
        if not cell(name):
            return None, f"缺少必填项“{name}”"
    where = cell("区")
    if where == CITY:
        district = None
    else:
        d = plan.district(where)
        if d is None:
            return None, f"未知的{plan.unit_word}“{where}”，应为 {'、'.join(plan.district_names)} 或 全市"
        district = d.name
    try:
        row = int(cell("序号"))
    except ValueError:
        return None, f"序号“{cell('序号')}”不是整数"
    if not 1 <= row <= len(plan.rows):
        return None, f"序号 {row} 不在任务分解表 1–{len(plan.rows)} 内"
    measure = plan.measure(row, cell("指标"))
    if measure is None:
        names = "、".join(f"“{m.name}”" for m in plan.measures_of_row(row)) or "（该行没有指标）"
        return None, f"序号 {row} 没有指标“{cell('指标')}”；该行的指标：{names}"
    if measure.is_city and district is not None:
        return None, f"“{measure.name}”是全市指标，区应填“全市”"
    if not measure.is_city and district is None:
        return None, f"“{measure.name}”按区考核，区不能填“全市”"
    try:
        value = parse_value(cell("完成值"), rate=measure.is_rate, milestone=measure.kind == "milestone")
    except BadValue as exc:
        return None, f"完成值：{exc}"
    if measure.kind == "qualitative" and value is not None:
        return None, f"“{measure.name}”是定性任务，完成值应留空，情况写在说明中"
    return Figure(district, row, measure.name, value, cell("说明"), cell("来源"), line), None


def render_figures_csv(plan: Plan, figures: list[Figure], added: Added | None = None) -> bytes:
    """The CSV bytes of one period's figures, in table order (UTF-8 with BOM, CRLF); text that a
    spreadsheet would take for a formula is written as text (`safe_text`); `added`: columns a
    clerk added to the file, kept after the standard ones with each figure's cells."""
    added = added or Added()
    order = {m.id: i for i, m in enumerate(plan.measures)}
    places = {None: -1, **{d: i for i, d in enumerate(plan.district_names)}}

    def sort_key(f: Figure):
        m = plan.measure(f.row, f.measure)
        return (f.row, order.get(m.id if m else "", 0), places.get(f.district, 99))

    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([*COLUMNS, *(safe_text(c) for c in added.columns)])
    blank = [""] * len(added.columns)
    for f in sorted(figures, key=sort_key):
        texts = [f.district or CITY, f.row, f.measure, stored_value(plan, f), f.note, f.source]
        cells = [v if name in NUMBER_COLUMNS else safe_text(v) for name, v in zip(COLUMNS, texts, strict=True)]
        writer.writerow(cells + [safe_text(v) for v in added.cells.get(f.key, blank)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# ---------------------------------------------------------------- text that stays text


# A cell starting with one of these is run as a formula by Excel and WPS when a CSV is opened
# (=HYPERLINK(…), =cmd|…, +, -, @, and a tab or carriage return before them).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_COLUMNS = ("序号", "完成值")


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START) or (text.startswith("'") and _formula_like(text[1:]))


def safe_text(value: object) -> str:
    """A text cell as a CSV file holds it: a leading apostrophe before text a spreadsheet would take
    for a formula, so Excel and WPS show it as text (and before such text already starting with
    one, so that `read_text` gives back exactly what was written)."""
    text = str(value)
    return "'" + text if _formula_like(text) else text


def read_text(text: str) -> str:
    """The text `safe_text` wrote."""
    return text[1:] if text.startswith("'") and _formula_like(text[1:]) else text


# ---------------------------------------------------------------- columns a clerk added


@dataclass
class Added:
    """Columns of a figures file besides the standard ones (a clerk's 备注 column, say): their
    headings, and each figure's cells in them, by figure key."""

    columns: list[str] = field(default_factory=list)
    cells: dict[tuple, list[str]] = field(default_factory=dict)


def added_columns(text: str, figures: list[Figure]) -> Added:
    """The added columns of a figures file's text (read by `parse_figures` without problems);
    columns with neither heading nor any cell (Excel's trailing commas) are left out."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return Added()
    header = [h.strip() for h in rows[0]]
    extra = [i for i, h in enumerate(header) if h not in COLUMNS or header.index(h) != i]
    by_line, line, reader = {}, 0, csv.reader(io.StringIO(text, newline=""))
    for record in reader:
        by_line[line + 1] = record
        line = reader.line_num
    width = max((len(r) for r in rows), default=0)
    extra += [i for i in range(len(header), width)]
    keep = [
        i for i in extra if (header[i] if i < len(header) else "") or any(i < len(r) and r[i].strip() for r in rows[1:])
    ]
    if not keep:
        return Added()
    out = Added([read_text(header[i]) if i < len(header) else "" for i in keep])
    for f in figures:
        record = by_line.get(f.line, [])
        out.cells[f.key] = [read_text(record[i].strip()) if i < len(record) else "" for i in keep]
    return out


def stored_value(plan: Plan, figure: Figure) -> str:
    """完成值 as the CSV holds it; a rate below 1% keeps its percent sign ("0.5%"), so it is
    not taken for a fraction typed by mistake."""
    text = format_value(figure.value)
    measure = plan.measure(figure.row, figure.measure)
    if measure is not None and measure.is_rate and figure.value is not None and 0 < figure.value < 1:
        text += "%"
    return text


def merge_figures(old: list[Figure], new: list[Figure]) -> list[Figure]:
    """The store's figures with `new` laid over them; nothing in `old` is dropped."""
    merged = {f.key: f for f in old}
    for f in new:
        kept = merged.get(f.key)
        if f.value is None and kept is not None and kept.value is not None:
            # A blank cell on a form never erases a stored figure; a new note still counts.
            f = replace(kept, note=f.note or kept.note)
        merged[f.key] = replace(f, line=0)
    return list(merged.values())
