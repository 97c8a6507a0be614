"""Reading a reported figure from what a person typed: '1,200', '95.2', '95.2%', '１２'."""

from __future__ import annotations

import math
import re
import unicodedata

GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")  # 1,200 and 12,345.5: commas every three digits


class BadValue(ValueError):
    """The text is not a usable figure; the message says why, in Chinese."""


def parse_value(raw: object, *, rate: bool = False, milestone: bool = False) -> float | None:
    """The figure in `raw`, or None when it is blank (not reported).

    Accepts numbers, and text with full-width digits, thousands separators and, for a rate,
    a trailing percent sign. Refuses anything else, negative values and, for a milestone,
    anything but 0 and 1. Whether the number is plausible is figures/plausible.py's question.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise BadValue(f"“{raw}”不是数字")
    if isinstance(raw, (int, float)):
        # As Excel shows it, to 15 significant digits: a formula's binary residue (=0.1*3*100 gives
        # 30.000000000000004) is the 30 the clerk sees, not a fractional count.
        value = float(f"{float(raw):.15g}") if math.isfinite(raw) else float(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if not text:
            return None
        body = text[:-1].strip() if text.endswith("%") else text
        if "," in body and not GROUPED.fullmatch(body):
            raise BadValue(f"“{raw}”中逗号的位置不对：千位分隔符每三位一个，如 1,200；小数点用“.”")
        body = body.replace(",", "")
        try:
            value = float(body)
        except ValueError:
            raise BadValue(f"“{raw}”不是数字") from None
        if text.endswith("%") and not rate:
            raise BadValue(f"“{raw}”带百分号，但该指标不是比率")
    if not math.isfinite(value):
        raise BadValue(f"“{raw}”不是有限的数字")
    if value < 0:
        raise BadValue(f"“{raw}”是负数，完成值不能为负数")
    if milestone and value not in (0.0, 1.0):
        raise BadValue(f"节点任务的完成值应为 1（完成）或 0（未完成），实为“{raw}”")
    return value


def plain_number(value: float | None) -> float | int | None:
    """A figure as a number that prints plainly: 25.0 → 25, 12.5 stays, None stays."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def format_value(value: float | None) -> str:
    """A figure as the store writes it, and as messages about changes quote it: integers
    without a decimal point, and never rounded so far that two different figures read alike
    (79.99999 stays 79.99999; 9,999.999 is not 10,000)."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(plain_number(value))
    text = repr(round(float(value), 6)).rstrip("0").rstrip(".")
    return text if float(text) == float(value) else repr(float(value))


def percent_written(raw: object) -> bool:
    """Whether `raw` is text ending in a percent sign ("95.2%", "０.５％")."""
    return isinstance(raw, str) and unicodedata.normalize("NFKC", raw).strip().endswith("%")
