"""Measures drafted from each row's goal cells, with a review mark wherever the reading is a guess."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from qdocgen.plan.model import District
from qdocgen.plan_import import phrases
from qdocgen.plan_import.phrases import CUMULATIVE_WORDS, STOCK_WORDS, Reading
from qdocgen.plan_import.rows import DraftRow

MILESTONE_WORDS = re.compile(r"验收|年中|年底|年内|上半年|下半年")
SAME = 0.95  # readings of different years this alike are one measure, without asking
ALIKE = 0.7  # this alike: one measure, but a person should check


@dataclass
class DraftMeasure:
    """A measure as plan.yaml holds it, with the phrase it was read from and why to check it."""

    id: str
    row: int
    name: str
    unit: str
    kind: str
    scope: str
    targets: dict[int, object]
    note: str
    review: list[str] = field(default_factory=list)
    proportion: bool = False  # a share of a whole (合格率, 比例): a figure over 100% is queried
    unnamed: bool = False  # no words around the figure: the name is the row's (“…、15项、20项”)


def draft_measures(
    rows: list[DraftRow], goal_merges: list[tuple[int, int]], districts: list[District], years: tuple[int, ...]
) -> list[DraftMeasure]:
    """Every row's measures, in table order; a row with no figure gets one qualitative measure."""
    followers = {n for first, last in goal_merges for n in range(first + 1, last + 1)}
    out: list[DraftMeasure] = []
    for row in rows:
        drafted = [] if row.no in followers else _row_measures(row, districts, years)
        if not drafted:
            drafted = [_qualitative(row, hint=row.no not in followers)]
        both = {m.scope for m in drafted} == {"city", "district"}
        for m in drafted:  # “全市…” tells a city total from the districts' figures in the same row
            if both and m.scope == "city" and not m.name.startswith("全市"):
                m.name = "全市" + m.name
        names: set[str] = set()
        for i, m in enumerate(drafted):
            m.id = str(row.no) if len(drafted) == 1 else f"{row.no}{chr(ord('a') + i)}"
            base, n = m.name, 2
            while m.name in names:
                m.name, n = f"{base}（{n}）", n + 1
            names.add(m.name)
        out.extend(drafted)
    return out


def _row_measures(row: DraftRow, districts: list[District], years: tuple[int, ...]) -> list[DraftMeasure]:
    readings: list[Reading] = []
    waiting: list[tuple[tuple[int, ...], str]] = []
    cells: list[tuple[tuple[int, ...], str]] = []
    for cell_years, text in row.goals:  # a goal repeated in each year column reads as one
        if cells and cells[-1][1] == text:
            cells[-1] = (cells[-1][0] + cell_years, text)
        else:
            cells.append((cell_years, text))
    index = 0
    narrowed: dict[int, int] = {}  # piece → the one year its lead-in names
    for cell_years, text in cells:
        if phrases.pending(text):
            waiting.append((cell_years, text))
            continue
        rest, pending = phrases.pending_sentences(text, cell_years)
        waiting.extend(pending)
        for piece_years, piece in phrases.split_years(rest, cell_years):
            year = _lead_year(piece, piece_years)
            if year is not None:  # “2024年培育…：东城区新增20家…” in a cell of several years
                piece_years, narrowed[index] = (year,), year
            readings.extend(phrases.read(piece, index, piece_years, districts))
            index += 1
    groups = _series(readings, years)
    measures = [_measure(row, group, districts, years) for group in groups]
    for group, m in zip(groups, measures, strict=True):
        named = sorted({narrowed[r.cell] for r in group if r.cell in narrowed})
        if named:
            m.review.append(
                f"原文开头写明“{'、'.join(f'{y}年' for y in named)}”，只作为该年的目标；"
                "如各年都按此数，请在 targets 中补写其他年度"
            )
    _alike_in_one_sentence(groups, measures)
    for cell_years, text in waiting:
        _pending(row, measures, cell_years, text, districts)
    return measures


LEAD_YEAR = re.compile(r"^\s*(\d{4})年(?![—–\-－~～至到起开以度底末内中前])")


def _lead_year(piece: str, piece_years: tuple[int, ...]) -> int | None:
    """The year a goal text of several years' cell opens with and names alone (“2024年培育…”)."""
    m = LEAD_YEAR.match(piece)
    if not m or len(piece_years) < 2 or int(m.group(1)) not in piece_years:
        return None
    if len(set(re.findall(r"(?<!\d)(\d{4})年", piece))) > 1:
        return None
    return int(m.group(1))


def _alike_in_one_sentence(groups: list[list[Reading]], measures: list[DraftMeasure]) -> None:
    """Figures of one kind read from one sentence as separate measures over the same years, some
    with no words of their own (“新增标杆企业10项、15项、20项”): a person checks they are not one
    measure's targets for different years."""
    for i, (group, m) in enumerate(zip(groups, measures, strict=True)):
        for other, n in zip(groups[:i] + groups[i + 1 :], measures[:i] + measures[i + 1 :], strict=True):
            same = (m.scope, m.unit, m.kind, set(m.targets)) == (n.scope, n.unit, n.kind, set(n.targets))
            bare = m.unnamed or n.unnamed
            if same and bare and {r.sentence for r in group} & {r.sentence for r in other}:
                m.review.append("同一句中有几个同类的数字，已读作几项指标，请核对是否为同一指标不同年度的目标")
                break


def target_years(r: Reading) -> tuple[tuple[int, ...], str]:
    """The years a reading sets a target for, and how: "" each year, "end" by the last year,
    "range" over the years named (“2017—2019年，…1200人次以上” without 每年)."""
    if r.by_end:
        return (max(r.years),), "end"
    if r.kind == "count" and r.ranged and not r.each_year and len(r.years) > 1 and "累计" not in r.sentence:
        return (max(r.years),), "range"
    if r.kind == "count" and "累计" in r.sentence:
        return (max(r.years),), "total"
    return r.years, ""


def _key(clause: str) -> str:
    return re.sub(r"[\d.,%％]+", "#", clause)


def _likeness(a: str, b: str) -> float:
    """How alike two clauses are, figures aside: 1.0 also when the shorter lies wholly in the longer
    (“形成示范生产线100条” in “形成智能化改造、升级示范生产线50条”)."""
    a, b = _key(a), _key(b)
    matcher = SequenceMatcher(None, a, b)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return max(matcher.ratio(), matched / max(1, min(len(a), len(b))) if matched == min(len(a), len(b)) else 0.0)


def _series(readings: list[Reading], years) -> list[list[Reading]]:
    """Readings grouped into measures: the same figure in different year cells is one measure; a
    list without words before it (“东城区22家、西城区16家”) continues the like list of another year."""
    groups: list[list[Reading]] = []
    for r in readings:
        mine = set(target_years(r)[0])
        best, score = None, 0.0
        for group in groups:
            first = group[0]
            if any(g.cell == r.cell for g in group) or (first.unit, first.kind) != (r.unit, r.kind):
                continue
            if first.scope != r.scope and not _drops_lead_in(first, r):
                continue
            if any(mine & set(target_years(g)[0]) for g in group) or first.multi != r.multi:
                continue
            ratio = _likeness(group[-1].clause, r.clause)
            if _continues(group, r) or _drops_lead_in(first, r):
                ratio = max(ratio, SAME)
            if ratio >= ALIKE and ratio > score:
                best, score = group, ratio
        if best is None:
            groups.append([r])
        else:
            best.append(r)
    return groups


def _drops_lead_in(first: Reading, r: Reading) -> bool:
    """A year cell that drops the lead-in of the year before (“各区、县…抽查合格率达到95%以上”, then
    “抽查合格率达到96%以上”): no scope of its own, its words all found in the first year's."""
    if r.scope_said or r.scope != "city" or first.scope != "district" or isinstance(first.values, dict):
        return False
    words = FIGURE.sub("", r.clause)
    words = NOISE.sub("", words).strip(" ：:，,。；;、")
    return len(words) >= 2 and words in first.clause


def _continues(group: list[Reading], r: Reading) -> bool:
    """A per-district list with no words of its own, listing the units another year's list does."""
    bare = not re.sub(r"[\s：:，,、；;。]", "", r.clause)
    return bare and r.scope == "district" and isinstance(r.values, dict) and set(r.names) == set(group[0].names)


def _values(r: Reading, districts: list[District], scope: str | None = None) -> object:
    if r.scope == "city" and scope != "district":
        return r.values
    if isinstance(r.values, dict):
        by_name = {}
        for d in districts:
            for listed, value in r.values.items():
                if listed in (d.name, d.short):
                    by_name[d.name] = value
        return by_name
    return {d.name: r.values for d in districts}


def _measure(row: DraftRow, group: list[Reading], districts: list[District], years) -> DraftMeasure:
    first = group[0]
    review: list[str] = []
    targets: dict[int, object] = {}
    modes = set()
    for r in group:
        ys, mode = target_years(r)
        modes.add(mode)
        for y in ys:
            if y in years:
                targets[y] = _values(r, districts, first.scope)
    kind = _kind(first, group, targets, modes, years, review)
    name = _name(first, kind)
    if name and _cut_mid_phrase(first.clause):
        review.append("数字在句中（如“对5%以上的…”），指标名称为删去数字后拼成，请核对")
    if first.multi:
        review.append(f"一句列出了 {first.multi_of} 项指标，按括号内顺序取第 {first.multi} 项，请核对名称与对应关系")
    if len(group) > 1:
        ratio = min(SequenceMatcher(None, _key(group[0].clause), _key(g.clause)).ratio() for g in group[1:])
        if ratio < SAME and not all(_continues(group, g) or _drops_lead_in(first, g) for g in group[1:]):
            review.append("各年度的文字不尽相同，已合为一项指标，请核对是否同一指标")
    if first.scope == "city" and not first.scope_said:
        review.append("原文没写“全市”或“各区”，按全市一个数理解，请核对")
    if any(r.per_object for r in group):
        review.append("可能是对每个对象的频次要求（如每家企业每年至少检查1次），不是总数，请核对是否保留")
    if first.scope == "district" and isinstance(first.values, dict):
        missing = [d.short for d in districts if not any(n in (d.name, d.short) for n in first.names)]
        if missing:
            review.append(f"原文没有列出{'、'.join(missing)}的目标，请核对")
    if first.mixed_units:
        review.append(f"各区数字的单位不一致（{first.mixed_units}），已按“{first.unit}”读取，请核对")
    # A rate that is a level (合格率, 建档率, …比例), not a growth: a share of a whole, never over 100%.
    proportion = kind == "rate" and first.unit == "%"
    if proportion:
        _over_hundred(targets, review)
    source = "；".join(dict.fromkeys(_clean_source(r.source) for r in group))
    return DraftMeasure(
        id="",
        row=row.no,
        name=name or _short(row.texts["action"] or row.texts["content"] or row.task),
        unit=first.unit,
        kind=kind,
        scope=first.scope,
        targets=dict(sorted(targets.items())),
        note=source,
        review=review,
        proportion=proportion,
        unnamed=not name,
    )


def _over_hundred(targets: dict, review: list[str]) -> None:
    """qdocgen holds a share's target to 0–100: a larger one is written null and named for review."""
    over = set()
    for year, value in targets.items():
        if isinstance(value, dict):
            for name, v in value.items():
                if v is not None and v > 100:
                    over.add(v)
                    value[name] = None
        elif value is not None and value > 100:
            over.add(value)
            targets[year] = None
    if over:
        figures = "、".join(f"{v:g}%" for v in sorted(over))
        review.append(f"原文为 {figures}，超过 100%（占比的目标不能超过 100），已写为 null，请核对如何考核")


def _kind(first: Reading, group: list[Reading], targets: dict, modes: set, years, review: list[str]) -> str:
    clause_words = " ".join(r.clause for r in group)
    if first.kind == "growth":
        return "growth"
    if first.kind == "rate":
        return "rate"
    if "total" in modes:
        return "cumulative"
    last_only = list(targets) == [years[-1]] and len(years) > 1 and not any(r.each_year for r in group)
    if "range" in modes:
        review.append(
            f"原文是“{years[0]}—{years[-1]}年”而没写“每年”，按计划期内累计、到{years[-1]}年达到理解；"
            "如是每年的目标，改为 annual 或 city-level 并逐年填写"
        )
        return "cumulative"
    if "end" in modes or (first.scope == "city" and last_only):
        kind = "cumulative" if CUMULATIVE_WORDS.search(clause_words) else "stock"
        words = {"cumulative": "计划期内累计", "stock": "年末存量"}
        other = "stock" if kind == "cumulative" else "cumulative"
        review.append(f"期末目标按{words[kind]}（{kind}）理解；如指{words[other]}，请把 kind 改为 {other}")
        if kind == "stock" and len(targets) == 1 and len(years) > 1:
            review.append(
                f"只有{max(targets)}年的目标：此前各年的填报表也列出它（目标值写作“{max(targets)}年目标…”），"
                "照常填报当年的数量以跟踪进度，那几年不评估完成与否；"
                "要逐年考核，可补写各年的目标，或改为 cumulative（各年按时间均匀推进）"
            )
        return kind
    if STOCK_WORDS.search(clause_words):
        return "stock"
    named = sorted(targets)
    if (
        first.years_named
        and len(named) >= 2
        and len(years) >= 3
        and any(b - a > 1 for a, b in zip(named, named[1:], strict=False))
    ):
        return "biennial"
    if first.scope == "district":
        return "one-year" if len(targets) == 1 and len(years) > 1 else "annual"
    return "city-level"


def _pending(row: DraftRow, measures: list[DraftMeasure], cell_years, text: str, districts) -> None:
    """“目标待省明确后再定”: the years become null targets of the row's one measure, if it has one."""
    counted = [m for m in measures if m.kind not in ("rate", "growth")]
    said = "、".join(f"{y}年" for y in cell_years)
    if len(counted) == 1:
        m = counted[0]
        for y in cell_years:
            m.targets[y] = {d.name: None for d in districts} if m.scope == "district" else None
        m.targets = dict(sorted(m.targets.items()))
        m.note = f"{m.note}；{_clean_source(text)}"
        m.review.append(f"{said}目标待定（原文：{_clean_source(text)}），已写为 null；确定后填入数值")
        return
    measures.append(
        DraftMeasure(
            id="",
            row=row.no,
            name=_short(row.texts["action"] or row.texts["content"] or row.task),
            unit="待定",
            kind="pending",
            scope="city",
            targets={y: None for y in cell_years},
            note=_clean_source(text),
            review=[f"{said}目标待定，指标名称、单位和按区或全市都待确定后填写"],
        )
    )


def _qualitative(row: DraftRow, hint: bool) -> DraftMeasure:
    texts = "".join(text for _, text in row.goals)
    review = []
    if hint and MILESTONE_WORDS.search(texts):
        review.append("目标是时间节点或验收事项：如需按完成与否考核，可改为 milestone（节点任务）并逐年填写 1")
    return DraftMeasure(
        id="",
        row=row.no,
        name=_short(row.texts["action"] or row.texts["content"] or row.task),
        unit="",
        kind="qualitative",
        scope="city",
        targets={},
        note="；".join(dict.fromkeys(_clean_source(text) for _, text in row.goals if text)) if hint else "",
        review=review,
    )


def _short(text: str) -> str:
    """A name from a 工作措施: its first clause, without the closing stop."""
    text = text.replace("\n", "").strip()
    first = re.split(r"[，,。；;]", text)[0].strip()
    return first or text


def _clean_source(text: str) -> str:
    return text.replace("\n", "").strip().rstrip("。；;")


FIGURE = re.compile(
    r"(?:不少于|不低于|不超过|至少|达到|达|力争|争取|超过|确保|稳定在|保持在|控制在)?\s*"
    + phrases.NUMBER
    + r"\s*(?:余|多)?\s*(?:"
    + phrases.UNITS
    + r"|[%％])\s*(?:及以上|以上|左右)?"
)
NOISE = re.compile(
    r"^(?:其中|同时|另外|并且|以及)|各区县|各区|每个区|全市|我市|每年|年均|年内|年底|年末|到年|至年|"
    r"(?:分别)?不少于|不低于|至少|力争|争取|达到|确保|分别|的?数量?为$|^年"
)
# The units a goal is set for, heading its words: “各区、县（高新区）”, “县（市、区）”, “各区县、功能区”.
UNIT_LEAD = re.compile(r"^(?:各?(?:区|县|市|县级市|功能区|园区|开发区|高新区)(?:[、，,]|[（(][^）)]*[）)])*)+(?=\S)")
MEASURE_WORD = {"人次": "人次", "万人次": "人次", "次": "次数", "期": "期数", "名": "人数", "人": "人数"}


# A figure between a preposition and its object (“对5%以上的获证企业开展检查”): taken out, it
# leaves “对的获证企业”, so it goes with its 的 and the name is marked for review.
MID_FIGURE = re.compile(r"(?<=[对向为给把按从在])(?<!稳定在)(?<!保持在)(?<!控制在)" + FIGURE.pattern + r"的?")


def _cut_mid_phrase(clause: str) -> bool:
    return bool(MID_FIGURE.search(clause))


def _name(r: Reading, kind: str) -> str:
    """A measure name drafted from the words around the figure (a person may well shorten it)."""
    text = FIGURE.sub("", MID_FIGURE.sub("", r.clause))
    text = UNIT_LEAD.sub("", LEAD_YEAR.sub("", text))
    for _ in range(3):
        text = NOISE.sub("", text).strip(" ：:，,。；;、")
    if r.multi:
        text = _one_of(text, r.multi, r.multi_of)
    if not text:
        return ""
    if kind in ("rate",) and not text.endswith(("率", "比例", "比重", "占比")):
        return text + "比例"
    if kind == "growth":
        text = re.sub(r"(增长|提高|提升|增加)$", "", text)
        return text if text.endswith("率") else text + "增长率"
    if kind in ("rate", "growth"):
        return text
    if text.endswith(("数", "数量", "次数", "期数", "人次", "人数", "总数", "个数", "件数")):
        return text
    return text + MEASURE_WORD.get(r.unit, "数")


def _one_of(text: str, k: int, count: int) -> str:
    """“通过A和B的企业数” → “通过A的企业数” or “B的企业数”, the k-th of `count`."""
    m = re.match(r"^(.*)的([^的]+)$", text)
    head, tail = (m.group(1), "的" + m.group(2)) if m else (text, "")
    parts = [p for p in re.split(r"和|、|及|与", head) if p]
    if len(parts) == count:
        return parts[k - 1] + tail
    return f"{text}（第{k}项）"
