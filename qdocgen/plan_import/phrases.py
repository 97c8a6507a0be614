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
BY_YEAR = re.compile(r"(?:到|至|截至)((?:19|20)\d{2})\s*年(?!度|底|末|[—–\-－~～至到])")  # “到2023年，…”
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


# A year heading a part of a goal cell: “2021年：…；2022年：…” or “…企业2021年10项、2022年15项”.
# Not “2023年底”, “2021年中”, “2021年以来”, “2021—2023年”.
YEAR_MARK = re.compile(r"((?:19|20)\d{2})\s*年度?(?!底|末|前|中|内|以来|起|后|[—–\-－~～至到])\s*[：:]?")


def split_years(text: str, cell_years: tuple[int, ...]) -> list[tuple[tuple[int, ...], str]]:
    """A goal cell that gives several years' targets, cut into (years, text) parts; the words
    before the first year (“全市新增省级以上质量标杆企业”) lead each part. Years joined by 、
    (“2022年、2023年各…”) share a part. A cell naming fewer than two of its years is one part."""
    text = NOTE.sub("", text)  # “（注：…2018年空缺）” says nothing of the targets' years
    marks = []
    for m in YEAR_MARK.finditer(text):
        year = int(m.group(1))
        before = text[: m.start()].rstrip()
        at_start = not before or before[-1] in "，,；;。：:\n"
        joined = marks and not re.sub(r"[、和及与\s]", "", text[marks[-1][2] : m.start()])
        figure = re.match(r"\s*" + NUMBER + r"\s*(?:" + UNITS + r"|[%％])", text[m.end() :])
        if year not in cell_years or not (at_start or figure or joined):
            return [(cell_years, text)]
        if joined:
            marks[-1] = (marks[-1][0] + (year,), marks[-1][1], m.end())
        else:
            marks.append(((year,), m.start(), m.end()))
    if len(marks) < 2 or len({y for ys, _, _ in marks for y in ys}) < 2:
        return [(cell_years, text)]
    lead = text[: marks[0][1]].strip()
    out = []
    for i, (ys, _, end) in enumerate(marks):
        stop = marks[i + 1][1] if i + 1 < len(marks) else len(text)
        part = text[end:stop].strip(" 、，,；;。")
        if part:
            out.append((ys, f"{lead}{part}" if lead else part))
    return out


def pending_sentences(text: str, cell_years: tuple[int, ...]):
    """(the text without them, [(years, sentence), …]) for the sentences of a goal cell that say
    their years' target is still to be set (“2022年、2023年目标待省明确后再定”)."""
    keep, waiting = [], []
    for sentence in re.split(r"(?<=[。；;])", text):
        if sentence.strip() and pending(sentence):
            named = tuple(
                y for y in (int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", sentence)) if y in cell_years
            )
            waiting.append((named or cell_years, sentence.strip()))
        else:
            keep.append(sentence)
    return "".join(keep), waiting


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
    m = BY_END.search(sentence) or BY_YEAR.search(sentence)
    if m and sentence.index(m.group(0)) < 8:
        return (int(m.group(1)),), True, True, False
    m = ONE_YEAR.match(sentence)
    if m:
        return (int(m.group(1)),), True, False, False
    return cell_years, False, False, False


def _district_pattern(districts: list[District]) -> str:
    names = sorted({n for d in districts for n in (d.name, d.short)}, key=len, reverse=True)
    return "(" + "|".join(map(re.escape, names)) + ")"


# Words between a unit's name and its figure in a list: “东城区新增20家”, “临江县建成1个”.
LIST_VERBS = (
    r"(?:新增|增加|培育|建成|创建|完成|达到|新建|开展|建设|打造|引进|认定|推动|举办|组织|实施|"
    r"不少于|不低于|至少|力争|争取|各)?"
)


def _lists(sentence: str, districts: list[District]):
    """Per-district lists in a sentence: (start, end, [(name, [(value, unit), …]), …], words).

    A list is two or more “东城区新增20家” items, or names sharing one figure (“临江、南山各1项”,
    “东城区、西城区各开展专项整治2次”), or both in a row. `words` are those after 各 in the
    first shared figure (what is counted, when no words come before the list)."""
    name = "(?:" + _district_pattern(districts)[1:]
    unit = r"(?:" + UNITS + r"|[%％])"
    item = (
        r"(?P<iname>" + name + r")\s*" + LIST_VERBS + r"\s*(?:(?P<iv>" + NUMBER[1:-1] + r")\s*(?P<iu>" + unit + r")"
        r"|[（(](?P<inner>[^（()）]*)[）)])"
    )
    group = (
        r"(?P<gnames>"
        + name
        + r"(?:\s*[、和及与]\s*"
        + name
        + r")+)\s*(?:每年|年均|均)?各\s*(?P<gw>[^\d，,；;。、：:]{0,20}?)\s*"
        r"(?P<gv>" + NUMBER[1:-1] + r")\s*(?P<gu>" + unit + r")"
    )
    plain = re.sub(r"\(\?P<\w+>", "(?:", "(?:" + group + "|" + item + ")")
    sep = r"\s*[、，,；;和及]\s*"
    found = []
    for m in re.finditer(plain + "(?:" + sep + plain + ")*", sentence):
        items, words = [], ""
        for one in re.finditer(group + "|" + item, m.group(0)):
            if one.group("gnames") is not None:  # names sharing one figure
                value = _number(one.group("gv"))
                words = words or one.group("gw").strip()
                items.extend((n, [(value, one.group("gu"))]) for n in re.findall(name, one.group("gnames")))
            elif one.group("inner") is not None:
                values = [(_number(v), u) for v, u in re.findall(NUMBER + r"\s*(" + unit + ")", one.group("inner"))]
                items.append((one.group("iname"), values))
            else:
                items.append((one.group("iname"), [(_number(one.group("iv")), one.group("iu"))]))
        if len(items) >= 2 and len({n for n, _ in items}) == len(items) and all(v for _, v in items):
            found.append((m.start(), m.end(), items, words))
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
    for i, (start, end, items, words) in enumerate(lists):
        token = f"\ue000{i}\ue001"
        marked += sentence[last:start] + token
        pieces[token] = (items, sentence[start:end], words)
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
        for token, (items, _, words) in pieces.items():
            if token not in part:
                continue
            head = _context(marked, token, pieces)
            if len(re.sub(r"[\s：:，,、；;]", "", head)) < 2 and len(words) >= 4:  # “…各开展专项整治2次”
                head = words
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
    for token, (_, original, _) in pieces.items():
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
