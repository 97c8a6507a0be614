"""What each unit of a plan is (区, 县, 县级市, 功能区) and how documents address it.

A plan's units are not all districts: a city may have counties, county-level cities and
functional zones run by a 管委会. A notice writes to each as what it is: "南海区人民政府" /
"你区", "临江县人民政府" / "你县", "高新区管委会" / "你委". plan.yaml may set `kind`,
`authority` and `you` on any unit; what it leaves out follows from the kind.
"""

from __future__ import annotations

# kind -> (the body a notice is addressed to, the pronoun a notice uses for it)
UNIT_KINDS: dict[str, tuple[str, str]] = {
    "区": ("{name}人民政府", "你区"),
    "县": ("{name}人民政府", "你县"),
    "县级市": ("{name}人民政府", "你市"),
    "功能区": ("{name}管委会", "你委"),
}
DEFAULT_KIND = "区"


# Names of functional zones (run by a 管委会, not a government): 高新区, 经济开发区, 临港新区, 工业园区.
ZONE_WORDS = ("高新区", "开发区", "新区", "园区", "管委会", "试验区", "合作区", "保税区")


def guess_kind(name: str) -> str:
    """The kind a unit's name suggests: 临江县 → 县, 青溪市 → 县级市, 高新区/开发区/…新区 → 功能区,
    else 区. A guess: `qdocgen import` marks it for review."""
    if name.endswith(ZONE_WORDS):
        return "功能区"
    if name.endswith("县") or name.endswith("旗"):
        return "县"
    if name.endswith("市"):
        return "县级市"
    return DEFAULT_KIND


def kind_problem(kind: object) -> str | None:
    """Why `kind` is not a unit kind (None when it is), in Chinese."""
    if kind in UNIT_KINDS:
        return None
    return f"单位类型应为 {'、'.join(UNIT_KINDS)} 之一，实为 {kind!r}"


def default_authority(name: str, kind: str) -> str:
    """The body a document about unit `name` is addressed to: 南海区人民政府, 高新区管委会."""
    return UNIT_KINDS.get(kind, UNIT_KINDS[DEFAULT_KIND])[0].format(name=name)


def default_you(kind: str) -> str:
    """How a notice to the unit says "you": 你区, 你县, 你市, 你委."""
    return UNIT_KINDS.get(kind, UNIT_KINDS[DEFAULT_KIND])[1]


def _suffix(name: str, kind: str) -> str:
    """The generic word for a unit of this kind as a collective addressee uses it (区, 县, 市)."""
    if kind == "县级市":
        return "市"
    return kind


def addressee_line(units) -> str:
    """The 主送 line for all `units`: "各区人民政府", "各区、县人民政府，高新区、开发区管委会".

    Governments are grouped by kind in the order the kinds first appear; functional zones are
    named one by one (their short names), since "各功能区管委会" is not how offices write it.
    """
    kinds: list[str] = []
    zones: list[str] = []
    others: list[str] = []
    for u in units:
        authority = default_authority(u.name, u.kind)
        if u.authority and u.authority != authority:
            others.append(u.authority)
        elif u.kind == "功能区":
            zones.append(u.name)
        elif _suffix(u.name, u.kind) not in kinds:
            kinds.append(_suffix(u.name, u.kind))
    parts = []
    if kinds:
        parts.append("各" + "、".join(kinds) + "人民政府")
    if zones:
        parts.append("、".join(zones) + "管委会")
    parts.extend(others)
    return "，".join(parts)


def unit_word(units) -> str:
    """The word for "the units" in running text: 区; 区（县）; 区（县、市）."""
    kinds: list[str] = []
    for u in units:
        word = "功能区" if u.kind == "功能区" else _suffix(u.name, u.kind)
        if word not in kinds:
            kinds.append(word)
    if not kinds:
        return "区"
    first, rest = kinds[0], [k for k in kinds[1:] if k != "功能区"]
    if "功能区" in kinds and first != "功能区":
        rest.append("功能区")
    return first + (f"（{'、'.join(rest)}）" if rest else "")
