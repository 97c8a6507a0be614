"""The units of a new plan (districts, counties, zones): as given on the command line, or found
in the goal texts. Their kind is guessed from the name (临江县 → 县, 高新区 → 功能区)."""

from __future__ import annotations

import re
from collections import Counter

from qdocgen.errors import UserError
from qdocgen.plan.model import CITY, District
from qdocgen.plan.units import guess_kind
from qdocgen.safe_names import name_problem

SUFFIXES = ("区", "县", "市", "旗")
# Words that may stand between a unit's name and its figure: “东城区新增20家”.
VERBS = r"(?:新增|增加|增长|培育|建成|创建|完成|达到|新建|开展|建设|打造|引进|认定|推动|不少于|至少|力争|争取|各)?"
# “东城25家、西城区新增15家” or “东城（4家、1家）”: a two-character name right before a figure.
LISTED = re.compile(r"(?:^|[：:，,、；;（(\s])([\u4e00-\u9fff]{2})(区|县|市)?\s*" + VERBS + r"\s*(?:\d|[（(]\s*\d)")
# “临江、南山各1项”, “东城区、西城区、临江县各新增2个”: names joined by 、 that share one figure.
EACH = re.compile(r"(?:^|[：:，,；;（(\s])((?:[\u4e00-\u9fff]{2}(?:区|县|市)?、)+[\u4e00-\u9fff]{2}(?:区|县|市)?)各")
NAME = re.compile(r"([\u4e00-\u9fff]{2})(区|县|市)?")
SEPARATOR = re.compile(r"[,，、;；\s]+")
NOT_NAMES = {"全市", "市级", "省级", "国家", "每年", "年均", "累计", "其中", "力争", "争取", "确保", "达到", "新增"}


def parse_districts(text: str) -> list[District]:
    """`东城区,临江县,高新区,…` (full names; the short name drops 区/县/市; the kind is guessed)."""
    names = [n for n in SEPARATOR.split(text.strip()) if n]
    if not names:
        raise UserError("--districts 为空：请写出各区（县）全称，以逗号分隔，如 --districts 东城区,西城区,临江县")
    out: list[District] = []
    for name in names:
        short = short_name(name)
        if name == CITY or any(name in (d.name, d.short) or short in (d.name, d.short) for d in out):
            raise UserError(f"--districts 中的“{name}”重复或是保留字“全市”")
        problem = name_problem(name)
        if problem:
            raise UserError(f"--districts 中的区名“{name}”{problem}")
        out.append(District(name, short, guess_kind(name)))
    return out


def short_name(name: str) -> str:
    """东城区 → 东城, 临江县 → 临江; a name of two characters (如“X区”) and a functional zone
    (高新区, 开发区) keep their suffix."""
    if guess_kind(name) == "功能区":
        return name
    if name.endswith(SUFFIXES) and len(name) > 2:
        return name[:-1]
    return name


def find_districts(texts: list[str]) -> tuple[list[District], list[str]]:
    """Names that head the figures of several per-district lists, in the order they are listed,
    with what was guessed about them (full names, kinds) for the review list."""
    lists: list[list[str]] = []
    suffixes: dict[str, Counter] = {}
    for text in texts:
        for part in re.split(r"[。；;\n]", text):
            found: list[tuple[int, str, str]] = [
                (m.start(1), m.group(1), m.group(2) or "") for m in LISTED.finditer(part)
            ]
            for m in EACH.finditer(part):
                at = m.start(1)
                for one in NAME.finditer(m.group(1)):
                    found.append((at + one.start(), one.group(1), one.group(2) or ""))
            found.sort()
            names = []
            for _, name, suffix in found:
                if name.isdigit() or name in NOT_NAMES:
                    continue
                suffixes.setdefault(name, Counter())[suffix] += 1
                if name not in names:
                    names.append(name)
            if len(names) >= 3:
                lists.append(names)
    counts = Counter(n for names in lists for n in names)
    wanted = {n for n, k in counts.items() if k >= max(2, len(lists) // 2)}
    single = len(lists) == 1 and len(lists[0]) >= 4  # one list of all units (“东城区新增20家、…”)
    if single:
        wanted = set(lists[0])
    if len(wanted) < 2:
        raise UserError(
            "目标文字中找不到各区（县）的名称（如“东城25家、西城35家”）：请用 --districts 写出各单位全称，"
            "如 --districts 东城区,西城区,临江县,高新区"
        )
    orders = Counter(tuple(n for n in names if n in wanted) for names in lists if wanted <= set(names))
    order = orders.most_common(1)[0][0] if orders else tuple(n for n in counts if n in wanted)
    out, unsure = [], []
    for n in order:
        written = [s for s, _ in suffixes[n].most_common() if s]
        suffix = written[0] if written else "区"
        if not written:
            unsure.append(n)
        name = n + suffix
        out.append(District(name, short_name(name), guess_kind(name)))
    guesses = [
        "各单位由目标文字推断为 "
        + "、".join(f"{d.name}（{d.kind}）" for d in out)
        + "；类型按名称推断（县→县，市→县级市，高新区、开发区、新区、园区→功能区，其余为区），"
        "请核对全称、类型（kind）和顺序"
    ]
    if single:
        guesses.append("各单位只在一处目标文字中列出，按那一处的名称和顺序推断，请核对是否齐全")
    if unsure:
        guesses.append(f"{'、'.join(unsure)}在目标文字中只写了简称，全称暂按“简称+区”，如是县或县级市请改正")
    return out, guesses
