"""The tag language of Excel templates: row markers, merge directives and loop headers.

Tags are cleaned as in Word templates (`qdocgen.render.tag_text`): smart quotes and wide
spaces inside a tag are read as plain ones.
"""

from __future__ import annotations

import re

from qdocgen.render.tag_text import clean_tags as clean
from qdocgen.render.tag_text import has_tags, tag_spans

__all__ = ["clean", "has_tags", "tag_spans", "split_loop_header"]

LOOP_START = re.compile(r"^\{%-?\s*tr\s+for\s+(?P<header>.+?)\s*-?%\}$", re.S)
LOOP_END = re.compile(r"^\{%-?\s*tr\s+endfor\s*-?%\}$")
MARKER = re.compile(r"^\{%-?\s*tr\s")
DIRECTIVE = re.compile(r"^\s*\{%-?\s*(vmerge|hmerge)\s+(.+?)\s*-?%\}", re.S)
# One `{{ expression }}` filling a cell; `{{-`, `{{+` and `-}}` are Jinja's whitespace control, not
# part of the expression (`{{- year }}` is the year, not minus the year).
SINGLE = re.compile(r"^\{\{[-+]?((?:(?!\}\}|\{\{|\{%).)*?)-?\}\}$", re.S)
TARGETS = re.compile(r"^[A-Za-z_]\w*(\s*,\s*[A-Za-z_]\w*)*$")


# docxtpl's Word-only tags, and what an Excel template writes instead.
_WORD_ONLY = [
    (
        re.compile(r"\{%-?\s*p\s"),
        "{%p … %} 是 Word 模板的段落标记（整段保留或删去）；Excel 模板没有段落：一格之内的条件写 "
        "{% if … %}…{% endif %}，整行的有无用 {%tr for x in 列表 if 条件 %}",
    ),
    (
        re.compile(r"\{%-?\s*tc\s"),
        "{%tc … %} 在 Excel 模板中只能是列循环的标记：{%tc for x in 列表 %} 与 {%tc endfor %} 各自单独占一格，"
        "两格之间的列按列表重复",
    ),
    (
        re.compile(r"\{%-?\s*r\s|\{\{-?(?:r|p|tr|tc)\s"),
        "{{r … }}、{%r … %} 等是 Word 模板中针对文字块、段落、表格行的写法；Excel 单元格中直接写 {{ … }}、"
        "{% if … %}（文字的格式在单元格格式中设置）",
    ),
    (re.compile(r"\{%-?\s*colspan\s"), "{% colspan N %} 是 Word 模板的写法；Excel 模板中向右合并写 {%hmerge N %}"),
    (
        re.compile(r"\{%-?\s*cellbg\s"),
        "{% cellbg 颜色 %} 是 Word 模板的写法；Excel 模板中底色用单元格格式或条件格式设置",
    ),
    (
        re.compile(r"\{%-?\s*(?:vm|hm)\s*-?%\}"),
        "{% vm %}、{% hm %} 是 docxtpl 的 Word 写法；Excel 模板中合并写 {%vmerge N %}、{%hmerge N %}",
    ),
    (
        re.compile(r"\{%-?\s*tr\s"),
        "{%tr … %} 是行标记，要单独写在一格中（该行只写标记，如 {%tr for x in 列表 %}、{%tr endfor %}），"
        "不能与其他文字或标记写在同一格",
    ),
]


def word_only(source: str) -> str | None:
    """Why `source` (a cell's or header's text) holds a tag only Word templates have, or None."""
    for pattern, why in _WORD_ONLY:
        if pattern.search(source):
            return "这是 Word 模板的标记，Excel 模板中不能用：" + why
    return None


def split_loop_header(header: str) -> tuple[str, str, str | None]:
    """`targets in items [if test]` of a `{%tr for … %}` row, as three source texts.

    As in Jinja's own `for`, the first `if` outside brackets and strings after `in` starts the
    filter (the items expression cannot be a conditional without brackets).
    Raises ValueError with a Chinese reason when the header is not of that form.
    """
    words = list(_top_level_words(header))
    cut_in = next((i for i, w in words if w == "in"), None)
    if cut_in is None:
        raise ValueError(f"行循环“{{%tr for {header} %}}”缺少 in（应为 {{%tr for x in 列表 %}}）")
    targets = header[:cut_in].strip()
    rest_at = cut_in + 2
    cut_if = next((i for i, w in words if w == "if" and i > cut_in), None)
    if any(w == "recursive" for _, w in words):
        raise ValueError("Excel 模板的行循环不支持 recursive")
    if cut_if is None:
        return targets, header[rest_at:].strip(), None
    test = header[cut_if + 2 :].strip()
    if not test:
        raise ValueError(f"行循环“{{%tr for {header} %}}”的 if 后缺少条件")
    return targets, header[rest_at:cut_if].strip(), test


def _top_level_words(text: str):
    """(offset, word) of every bare word outside brackets and string literals."""
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            end = i + 1
            while end < n and text[end] != ch:
                end += 2 if text[end] == "\\" else 1
            i = end + 1
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif (
            depth == 0
            and (ch.isalpha() or ch == "_")
            and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_."))
        ):
            end = i
            while end < n and (text[end].isalnum() or text[end] == "_"):
                end += 1
            yield i, text[i:end]
            i = end
            continue
        i += 1
