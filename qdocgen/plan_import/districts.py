"""The districts of a new plan: as given on the command line, or found in the goal texts."""

from __future__ import annotations

import re
from collections import Counter

from qdocgen.errors import UserError
from qdocgen.plan.model import CITY, District
from qdocgen.safe_names import name_problem

SUFFIXES = ("区", "县", "市", "旗")
# “禅城25家、南海35家” or “禅城（4家、1家）”: a two-character name right before a figure.
LISTED = re.compile(r"(?:^|[：:，,、；;（(\s])([\u4e00-\u9fff]{2})(?:区|县)?\s*(?:\d|[（(]\s*\d)")
SEPARATOR = re.compile(r"[,，、;；\s]+")


def parse_districts(text: str) -> list[District]:
    """`禅城区,南海区,…` (full names; the short name drops 区/县/市)."""
    names = [n for n in SEPARATOR.split(text.strip()) if n]
    if not names:
        raise UserError("--districts 为空：请写出各区全称，以逗号分隔，如 --districts 禅城区,南海区,顺德区")
    out: list[District] = []
    for name in names:
        short = short_name(name)
        if name == CITY or any(name in (d.name, d.short) or short in (d.name, d.short) for d in out):
            raise UserError(f"--districts 中的“{name}”重复或是保留字“全市”")
        problem = name_problem(name)
        if problem:
            raise UserError(f"--districts 中的区名“{name}”{problem}")
        out.append(District(name, short))
    return out


def short_name(name: str) -> str:
    """禅城区 → 禅城; a name of two characters (如“X区”) keeps its suffix."""
    if name.endswith(SUFFIXES) and len(name) > 2:
        return name[:-1]
    return name


def find_districts(texts: list[str]) -> list[District]:
    """Names that head the figures of several per-district lists, in the order they are listed."""
    lists: list[list[str]] = []
    for text in texts:
        for part in re.split(r"[。；;]", text):
            names = [m.group(1) for m in LISTED.finditer(part)]
            names = list(dict.fromkeys(n for n in names if not n.isdigit()))
            if len(names) >= 3:
                lists.append(names)
    counts = Counter(n for names in lists for n in names)
    wanted = {n for n, k in counts.items() if k >= max(2, len(lists) // 2)}
    if len(wanted) < 2:
        raise UserError(
            "目标文字中找不到各区的名称（如“禅城25家、南海35家”）：请用 --districts 写出各区全称，"
            "如 --districts 禅城区,南海区,顺德区,高明区,三水区"
        )
    orders = Counter(tuple(n for n in names if n in wanted) for names in lists if wanted <= set(names))
    order = orders.most_common(1)[0][0] if orders else tuple(n for n in counts if n in wanted)
    return [District(f"{n}区", n) for n in order]
