"""Jinja's whitespace control (`{%-`, `-%}`) in a Word part, before docxtpl reads it.

docxtpl gives `{%-` and `-%}` a meaning of its own: a tag written so at the start (end) of a
paragraph's text joins the paragraph to the previous (next) one. Its rewrite deletes everything
between the tag and the neighbouring text run, and so also deletes text when the tag stands
in the middle of a run: `{% for d in districts -%}{{ d.short }} {%- endfor %}` lost its
opening tag, and `{% if x -%} 有` lost “有”. Here such a tag keeps its `-` for Jinja (which
strips the spaces beside it, as in any Jinja template), hidden from docxtpl's rewrite;
a tag at the edge of a paragraph's text still joins paragraphs as in docxtpl. Where
paragraphs are joined, the markers places.py puts in front of each paragraph are kept, so
a mistake is still reported at the paragraph the user wrote it in.

docxtpl's joining deletes everything between the tag and the neighbouring text, whatever it
is: a table, the border between two table cells, a section or page break, a picture. Word
then cannot open the result, or a table or break is gone. Such a join is refused
(`JoinRefused`, reported by engine.py at the tag's paragraph); a join is done only across
the wrappers of runs and paragraphs (and empty paragraphs, as Jinja strips blank lines).
In a `{%p %}`, `{%tr %}`, `{%tc %}` or `{%r %}` tag the `-` is left to Jinja: docxtpl removes
that paragraph (row, cell, run) anyway, and joining first made it remove the next one too.
"""

from __future__ import annotations

import re

_HIDDEN = "\ue003"  # stands for the `-` of a tag docxtpl must not rewrite
_MARKERS = re.compile("\ue000\\d+\ue001")  # places.py's element markers
_T_OPEN = re.compile(r"<w:t(?:\s[^>]*)?>")
# As docxtpl's patch_xml: a tag split across runs is joined first, then `{%-` and `-%}`.
_SPLIT_START = re.compile(r"(?<={)(<[^>]*>)+(?=[\{%\#])|(?<=[%\}\#])(<[^>]*>)+(?=\})", re.S)
_IN_TAG = re.compile(r"{%(?:(?!%}).)*|{#(?:(?!#}).)*|{{(?:(?!}}).)*", re.S)
_BEFORE = re.compile(r"</w:t>(?:(?!</w:t>).)*?{%-", re.S)
# docxtpl ends its `-%}` join at `<w:t[^>]*?>`, which also matches `<w:tab/>`, `<w:tbl>`,
# `<w:tabs>`, `<w:titlePg/>`…; here it ends at the next text run, and a `-%}` with none
# after it is left to Jinja.
_AFTER = re.compile(r"-%}(?:(?!<w:t[ >]|{%|{{).)*?<w:t(?:\s[^>]*)?>", re.S)
# What a join may delete: the wrappers of runs and paragraphs and their properties (not a
# section break), bookmarks, proofing marks, whitespace between elements, places.py's markers.
_WRAPPERS = re.compile(
    "\ue000"
    r"\d+"
    "\ue001"
    r"|\s+"
    r"|</?w:[trp](?:\s[^>]*)?/?>"
    r"|<w:rPr(?:\s[^>]*)?/>|<w:rPr(?:\s[^>]*)?>(?:(?!</w:rPr>).)*</w:rPr>"
    r"|<w:pPr(?:\s[^>]*)?/>|<w:pPr(?:\s[^>]*)?>(?:(?!<w:sectPr|</w:pPr>).)*</w:pPr>"
    r"|<w:(?:proofErr|bookmarkStart|bookmarkEnd|lastRenderedPageBreak)(?:\s[^>]*)?/>",
    re.S,
)
_OWN_ELEMENT = re.compile(r"{%(?:p|tr|tc|r)\s")  # docxtpl removes the element holding the tag


class JoinRefused(Exception):
    """A `{%-`/`-%}` whose joining of paragraphs would damage the document. `marker`: the
    places.py marker in front of the tag's paragraph, when the XML was marked."""

    def __init__(self, tag: str, before: bool, between: str, marker: int | None):
        super().__init__(tag)
        self.tag, self.before, self.between, self.marker = tag, before, between, marker

    def message(self, paragraph_text: str = "") -> str:
        """The refusal in Chinese: what the `-` means here, why it cannot, what to write."""
        plain = self.tag.replace("{%-", "{%", 1) if self.before else self.tag[::-1].replace("}%-", "}%", 1)[::-1]
        if self.before:
            mark, what, other = "{%-", "段首的“{%-”在 Word 模板中表示把本段接到上一段", "上"
        else:
            mark, what, other = "-%}", "段末的“-%}”在 Word 模板中表示把下一段接到本段", "下"
        text = (
            f"{what}，但本段与{other}一段文字之间有{self.between}，连接会把它删去、毁坏文档；"
            f"请把“{mark}”写成“{mark.replace('-', '')}”（即“{plain}”）"
        )
        if paragraph_text.strip() == self.tag and " " in plain:
            text += f"；若要这一段不出现在结果中，写成“{{%p {plain[2:].strip()}”，单独占一段"
        return text


def hide_inline_strips(xml: str) -> str:
    """`xml` with each `{%-`/`-%}` inside a run's text hidden from docxtpl (see the module
    docstring); `restore` gives the `-` back after docxtpl's clean-up."""
    if "-" not in xml or "{" not in xml:
        return xml
    joined = _SPLIT_START.sub("", xml)  # a tag Word split across runs (`{%` `-` `endfor %}`) made whole
    joined = _IN_TAG.sub(lambda m: re.sub(r"</w:t>.*?(<w:t>|<w:t [^>]*>)", "", m.group(0), flags=re.S), joined)
    if "{%-" not in joined and "-%}" not in joined:
        return xml
    refused: list[JoinRefused] = []
    joined = _BEFORE.sub(lambda m: _join(m, _before, refused), joined)
    joined = _AFTER.sub(lambda m: _join(m, _after, refused), joined)
    joined = joined.replace("-%}", _HIDDEN + "%}")  # none of it to join; docxtpl's join would still match
    if refused:  # the first in the document, where the XML is marked
        raise min(refused, key=lambda r: -1 if r.marker is None else r.marker)
    return joined


def _join(m: re.Match, rewrite, refused: list) -> str:
    try:
        return rewrite(m)
    except JoinRefused as exc:
        refused.append(exc)
        return m.group(0)


def restore(source: str) -> str:
    return source.replace(_HIDDEN, "-")


def _before(m: re.Match) -> str:
    span = m.group(0)
    opened = list(_T_OPEN.finditer(span))
    text = span[opened[-1].end() : -3] if opened else ""
    tag = _tag_at(m.string, m.end() - 3)
    if text.strip() or _OWN_ELEMENT.match(tag.replace("{%-", "{%", 1)):  # Jinja strips the spaces
        return span[:-3] + "{%" + _HIDDEN
    _refuse_damage(span[:-3], tag, True, m.string, m.end())
    return "".join(_MARKERS.findall(span)) + "{%"  # joins the previous paragraph, as docxtpl


def _after(m: re.Match) -> str:
    span = m.group(0)
    text = span[3:].split("<", 1)[0]
    start = m.string.rfind("{%", 0, m.start())
    tag = _tag_at(m.string, start)
    if text.strip() or _OWN_ELEMENT.match(tag):  # Jinja strips the spaces
        return _HIDDEN + span[1:]
    _refuse_damage(span[3:], tag, False, m.string, m.start())
    return "%}" + "".join(_MARKERS.findall(span))  # joins the next paragraph, as docxtpl


def _tag_at(xml: str, start: int) -> str:
    """The tag `{% … %}` starting at `start` of `xml` (split tags are already whole)."""
    end = xml.find("%}", start)
    return restore(xml[start : end + 2]) if start >= 0 and end >= 0 else ""


def _refuse_damage(span: str, tag: str, before: bool, xml: str, at: int) -> None:
    """Raise JoinRefused when joining across `span` deletes more than run and paragraph wrappers."""
    rest = _WRAPPERS.sub("", span)
    if not rest:
        return
    if "<w:tbl" in span or "</w:tbl>" in span:
        between = "表格"
    elif "<w:tc" in span or "</w:tc>" in span or "</w:tr>" in span:
        between = "表格单元格的边界"
    elif "<w:txbxContent" in span or "</w:txbxContent>" in span:
        between = "文本框的边界"
    elif "<w:hyperlink" in span or "</w:hyperlink>" in span:
        between = "超链接的边界"
    elif "<w:sectPr" in span:
        between = "分节符"
    elif re.search(r"<w:br\s[^>]*w:type=\"(?:page|column)\"", span):
        between = "分页符"
    else:
        between = "不是文字的内容（如图片、制表符、换行符、域）"
    markers = _MARKERS.findall(xml, 0, at)
    raise JoinRefused(tag, before, between, int(markers[-1][1:-1]) if markers else None)
