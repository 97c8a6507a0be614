"""Figures in a goal sentence: per-district lists, city totals, rates, growth, and their years.

Each figure found becomes a Reading: what it counts (its clause), for whom (the districts or
the city), in which years, and the words that decide its kind (每年, 累计, 有效, 到…年底).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qdocgen.plan.model import District

UNITS = "万人次|人次|家|个|项|件|次|期|条|类|名|所|座|台|套|万元|亿元|元|批|场|份|户|公里|千米|吨|人|种|处|宗|例|篇|本"
NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
COUNT = re.compile(NUMBER + r"\s*(?:余|多)?\s*(" + UNITS + r")")
PERCENT = re.compile(NUMBER + r"\s*[%％]")
GROWTH_WORDS = re.compile(r"(增长|提高|提升|增加|增幅|年均增长)[了达到为]*\s*$")
RANGE = re.compile(r"((?:19|20)\d{2})\s*年?\s*[—–\-－~～至到]+\s*((?:19|20)\d{2})\s*年")
LISTED_YEARS = re.compile(r"((?:19|20)\d{2})年(?:(?:[和、及与]|以及)((?:19|20)\d{2})年)+")
BY_END = re.compile(r"(?:到|至|截至)?((?:19|20)\d{2})年(?:底|末|年底)")
ONE_YEAR = re.compile(r"^(?:力争|争取)?(?:在|于)?((?:19|20)\d{2})年(?:内|度|中)?(?:[，,：:]|$)")
PENDING = re.compile(r"待.{0,14}?(明确|确定|下达|研究)|另行(确定|下达)|待定")
NOTE = re.compile(r"[（(]\s*(?:注|备注|说明)\s*[:：][^）)]*[）)]")
DISTRICT_MARK = re.compile(r"各区|各县|每个区|各镇街|各区县")
CITY_MARK = re.compile(r"全市|我市|市级|全省")
STOCK_WORDS = re.compile(r"有效期内|有效|现有|保有")
CUMULATIVE_WORDS = re.compile(r"累计|新增|培育|参与|总数|合计|共")


@dataclass
class Reading:
    """One figure (or one per-district list) read out of a goal text."""

    cell: int
    years: tuple[int, ...]  # the years the sentence speaks of
    years_named: bool  # the sentence names its years (“2017年和2019年”), not just the cell
    by_end: bool  # “到2019年底…”: a figure to reach by the end of the last year
    ranged: bool  # “2017—2019年，…” over several years
    each_year: bool  # “每年”
    scope: str  # "district" or "city"
    scope_said: bool  # 各区/全市 written, not inferred
    unit: str
    kind: str  # "count", "rate" or "growth"
    values: dict[str, float] | float  # per district short name, or one figure
    clause: str  # the part of the sentence holding the figure
    source: str  # the whole sentence, for the note and the review list
    sentence: str
    names: list[str] = field(default_factory=list)  # district names listed, in the sentence's order
    multi: int = 0  # position in a “禅城（4家、1家）” list of several measures, 1-based (0: not one)
    multi_of: int = 0
    per_object: bool = False  # “对获证企业巡查每年不少于1次”: a frequency per object, perhaps
    mixed_units: str = ""  # a list whose districts' figures have different units (“家、个”)


def pending(text: str) -> bool:
    """Whether a goal says its target is still to be set (“目标待省明确后再定”)."""
    return bool(PENDING.search(text)) and not COUNT.search(_without_years(text)) and not PERCENT.search(text)


def notes_of(text: str) -> list[str]:
    return [m.group(0) for m in NOTE.finditer(text)]


def read(text: str, cell: int, cell_years: tuple[int, ...], districts: list[District]) -> list[Reading]:
    """Every figure in one goal cell, in reading order."""
    body = NOTE.sub("", text)
    out: list[Reading] = []
    for sentence in _sentences(body):
        out.extend(_read_sentence(sentence, cell, cell_years, districts))
    return out


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[。；;！!？?\n])", text)
    return [p.strip() for p in parts if p.strip()]


def _years(sentence: str, cell_years: tuple[int, ...]) -> tuple[tuple[int, ...], bool, bool, bool]:
    """(years, named, by_end, ranged) of a sentence."""
    m = RANGE.search(sentence)
    if m:
        first, last = int(m.group(1)), int(m.group(2))
        years = tuple(y for y in range(first, last + 1) if not cell_years or y in cell_years)
        return years or cell_years, True, False, True
    m = LISTED_YEARS.search(sentence)
    if m:
        years = tuple(sorted({int(y) for y in re.findall(r"((?:19|20)\d{2})年", m.group(0))}))
        return years, True, False, False
    m = BY_END.search(sentence)
    if m and sentence.index(m.group(0)) < 8:
        return (int(m.group(1)),), True, True, False
    m = ONE_YEAR.match(sentence)
    if m:
        return (int(m.group(1)),), True, False, False
    return cell_years, False, False, False


def _district_pattern(districts: list[District]) -> str:
    names = sorted({n for d in districts for n in (d.name, d.short)}, key=len, reverse=True)
    return "(" + "|".join(map(re.escape, names)) + ")"


def _lists(sentence: str, districts: list[District]):
    """Per-district lists in a sentence: (start, end, [(name, [(value, unit), …]), …])."""
    name = _district_pattern(districts)
    item = name + r"\s*(?:" + NUMBER + r"\s*(" + UNITS + r"|[%％])|[（(]([^（()）]*)[）)])"
    sep = r"\s*[、，,；;和及]\s*"
    found = []
    for m in re.finditer(item + r"(?:" + sep + item + r")+", sentence):
        items = []
        for one in re.finditer(item, m.group(0)):
            if one.group(4) is not None:
                values = [(_number(v), u) for v, u in re.findall(NUMBER + r"\s*(" + UNITS + r"|[%％])", one.group(4))]
            else:
                values = [(_number(one.group(2)), one.group(3))]
            items.append((one.group(1), values))
        found.append((m.start(), m.end(), items))
    return found


def _number(text: str) -> float:
    value = float(text.replace(",", ""))
    return int(value) if value.is_integer() else value


def _without_years(text: str) -> str:
    return re.sub(r"(?:19|20)\d{2}\s*年", "年", text)


def _read_sentence(sentence: str, cell: int, cell_years, districts) -> list[Reading]:
    years, named, by_end, ranged = _years(sentence, cell_years)
    each_year = "每年" in sentence or "每一年" in sentence or "年均" in sentence
    lists = _lists(sentence, districts)
    # Replace each list by a marker so that the commas inside it do not split the sentence.
    marked, pieces, last = "", {}, 0
    for i, (start, end, items) in enumerate(lists):
        token = f"\ue000{i}\ue001"
        marked += sentence[last:start] + token
        pieces[token] = (items, sentence[start:end])
        last = end
    marked += sentence[last:]
    out: list[Reading] = []
    scope, said = None, False
    for part in re.split(r"[，：:]|,(?!\d{3})", marked):
        if DISTRICT_MARK.search(part):
            scope, said = "district", True
        elif CITY_MARK.search(part):
            scope, said = "city", True
        clause = _restore(part, pieces)
        base = dict(
            cell=cell,
            years=years,
            years_named=named,
            by_end=by_end,
            ranged=ranged,
            each_year=each_year,
            source=_restore(sentence, {}),
            sentence=sentence,
        )
        for token, (items, _) in pieces.items():
            if token not in part:
                continue
            head = _context(marked, token, pieces)
            count = max(len(values) for _, values in items)
            units = [u for _, values in items for _, u in values]
            for k in range(count):
                unit = next((values[k][1] for _, values in items if len(values) > k), units[0])
                per = {name: values[k][0] for name, values in items if len(values) > k}
                kth = dict.fromkeys(values[k][1].replace("％", "%") for _, values in items if len(values) > k)
                kind = "rate" if unit in "%％" else "count"
                out.append(
                    Reading(
                        **base,
                        scope="district",
                        scope_said=True,
                        unit="%" if kind == "rate" else unit,
                        kind=kind,
                        values=per,
                        clause=head,
                        names=[name for name, _ in items],
                        multi=k + 1 if count > 1 else 0,
                        multi_of=count if count > 1 else 0,
                        mixed_units="、".join(kth) if len(kth) > 1 else "",
                    )
                )
        plain = _without_years(re.sub("\ue000\\d+\ue001", "", part))
        for kind, unit, value, clause in _figures(plain):
            out.append(
                Reading(
                    **base,
                    scope=scope or "city",
                    scope_said=said,
                    unit=unit,
                    kind=kind,
                    values=value,
                    clause=clause,
                    per_object=kind == "count" and plain.lstrip().startswith("对"),
                )
            )
    return out


def _restore(text: str, pieces: dict) -> str:
    for token, (_, original) in pieces.items():
        text = text.replace(token, original)
    return text


def _context(marked: str, token: str, pieces: dict) -> str:
    """The words before a per-district list, back to the start of its sentence part."""
    before = marked[: marked.index(token)]
    before = re.split(r"[。；;]", before)[-1]
    parts = [p for p in re.split(r"，|,(?!\d{3})", before) if p.strip(" ：:")]
    return _restore(parts[-1] if parts else before, pieces).strip(" ：:")


def _figures(text: str):
    """(kind, unit, value, clause) of each figure in a part that holds no district list.

    The clause is the run of the part between 、 that holds the figure (“全市每年开展7次以上
    产品质量风险监测、4次以上风险研判” holds two), with runs that hold none joined to it.
    """
    found = []
    taken: list[tuple[int, int]] = []
    for m in PERCENT.finditer(text):
        kind = "growth" if GROWTH_WORDS.search(text[: m.start()]) else "rate"
        found.append((m.start(), kind, "%", _number(m.group(1))))
        taken.append(m.span())
    for m in COUNT.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        found.append((m.start(), "count", m.group(2), _number(m.group(1))))
    found.sort()
    segments, position = [], 0
    for piece in text.split("、"):
        segments.append((position, position + len(piece), piece))
        position += len(piece) + 1
    owner = []  # the figure each segment belongs to
    for start, end, _ in segments:
        inside = [i for i, f in enumerate(found) if start <= f[0] < end]
        owner.append(inside[0] if inside else None)
    for i in range(len(owner)):  # a run without a figure joins the figure before it (else after)
        if owner[i] is None:
            before = next((owner[j] for j in range(i - 1, -1, -1) if owner[j] is not None), None)
            after = next((owner[j] for j in range(i + 1, len(owner)) if owner[j] is not None), None)
            owner[i] = before if before is not None else after
    out = []
    for index, (at, kind, unit, value) in enumerate(found):
        clause = "、".join(piece for (_, _, piece), o in zip(segments, owner, strict=True) if o == index)
        clause = clause or next(piece for start, end, piece in segments if start <= at < end)
        out.append((kind, unit, value, clause))
    return out
