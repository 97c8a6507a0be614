"""Where in a template something went wrong, in the words a Word or Excel user finds it by.

A `Place` names the spot ("正文表格 1 第 5 行第 2 列", "工作表“进展”!C5", "第 1 节页眉",
"脚注 2", "文档属性“标题”") and quotes the template text there, as the user typed it. Here are
what both engines share (a place, an Excel cell's place, the line of a Jinja error, the block
left open); numbering the elements of a Word part is the Word engine's (render/docx/places.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError

SNIPPET = 30  # characters of template text quoted around a mistake

# -- a place ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A spot in a template as the user finds it, with the template text there."""

    where: str
    text: str = ""

    def near(self, needle: str | None) -> Place:
        """The same place, quoting the part of its text around `needle` (a name, a tag)."""
        return Place(self.where, snippet(self.text, needle))

    def __str__(self) -> str:
        text = snippet(self.text, None)
        return f"{self.where}（“{text}”）" if text else self.where


def snippet(text: str, needle: str | None) -> str:
    """At most SNIPPET characters of `text`, around the first `needle` if it is there."""
    text = " ".join(text.split())
    if len(text) <= SNIPPET:
        return text
    at = text.find(needle) if needle else -1
    if at < 0:
        return text[:SNIPPET] + "…"
    start = max(0, min(at - SNIPPET // 3, len(text) - SNIPPET))
    cut = text[start : start + SNIPPET]
    return ("…" if start > 0 else "") + cut + ("…" if start + SNIPPET < len(text) else "")


_COORD = re.compile(r"^\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?$")


def excel_place(sheet: str | None, place: str, text: object = "") -> Place:
    """A place in an Excel template: a cell (工作表“进展”!C5), a page header or footer as
    Excel names it (工作表“进展”页眉（中）, 首页页脚（左）…), or, with no sheet, a workbook-wide
    place (a defined name)."""
    text = "" if text is None else str(text)
    if sheet is None:
        return Place(place, text)
    return Place(f"工作表“{sheet}”{'!' if _COORD.match(place) else ''}{place}", text)


# -- the line of a jinja error ------------------------------------------------------------


def template_line(exc: BaseException) -> int | None:
    """The template source line an exception points at (syntax or runtime), if known."""
    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        return exc.lineno
    if isinstance(getattr(exc, "lineno", None), int):  # refused while compiling (jinja_env)
        return exc.lineno
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


_OPENERS = {"for", "if", "macro", "call", "filter", "with", "autoescape", "block", "set", "trans"}


def open_blocks(env, source: str, stop: tuple[str, int] | None = None) -> list[tuple[str, int]]:
    """The blocks (`for`, `if`, …) still open, with the line of their opening tag: at the end
    of `source`, or just before the tag `stop` = (name, line)."""
    try:
        tokens = [t for t in env.lex(source) if t[1] != "whitespace"]
    except TemplateSyntaxError:
        return []
    stack: list[tuple[str, int]] = []
    for i, (lineno, kind, _value) in enumerate(tokens):
        if kind != "block_begin" or i + 1 >= len(tokens) or tokens[i + 1][1] != "name":
            continue
        tag = tokens[i + 1][2]
        if stop is not None and (tag, tokens[i + 1][0]) == stop:
            break
        if tag.startswith("end"):
            if stack and stack[-1][0] == tag[3:]:
                stack.pop()
        elif tag in _OPENERS:
            if tag == "set":  # `{% set x = 1 %}` is not a block; `{% set x %}…{% endset %}` is
                rest = []
                for _, k, _v in tokens[i + 2 :]:
                    if k == "block_end":
                        break
                    rest.append(k)
                if "assign" in rest:
                    continue
            stack.append((tag, lineno))
    return stack


def unclosed(env, source: str, exc: BaseException) -> tuple[str, int] | None:
    """For "Unexpected end of template" or an end tag that closes nothing expected: the
    innermost open block (name, line of its opening tag)."""
    message = getattr(exc, "message", None) or ""
    if not isinstance(exc, TemplateSyntaxError):
        return None
    if message.startswith("Unexpected end of template"):
        blocks = open_blocks(env, source)
        return blocks[-1] if blocks else None
    m = re.match(r"Encountered unknown tag '(\w+)'\. (?:Jinja was looking|You probably made)", message)
    if m and exc.lineno:
        blocks = open_blocks(env, source, (m.group(1), exc.lineno))
        return blocks[-1] if blocks else None
    return None
