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

from qdocgen.render.docx.lazy import LazyPattern

_HIDDEN = "\ue003"  # stands for the `-` of a tag docxtpl must not rewrite
_MARKERS = LazyPattern("\ue000\\d+\ue001")  # places.py's element markers
_T_OPEN = LazyPattern(r"<w:t(?:\s[^>]*)?>")
# As docxtpl's patch_xml: a tag split across runs is joined first, then `{%-` and `-%}`.
_SPLIT_START = LazyPattern(r"(?<={)(<[^>]*>)+(?=[\{%\#])|(?<=[%\}\#])(<[^>]*>)+(?=\})", re.S)
_IN_TAG = LazyPattern(r"{%(?:(?!%}).)*|{#(?:(?!#}).)*|{{(?:(?!}}).)*", re.S)
_BEFORE = LazyPattern(r"</w:t>(?:(?!</w:t>).)*{%-\Z", re.S)  # matched up to one tag's end
# docxtpl ends its `-%}` join at `<w:t[^>]*?>`, which also matches `<w:tab/>`, `<w:tbl>`,
# `<w:tabs>`, `<w:titlePg/>`…; here it ends at the next text run, and a `-%}` with none
# after it is left to Jinja.
_AFTER = LazyPattern(r"-%}(?:(?!<w:t[ >]|{%|{{).)*?<w:t(?:\s[^>]*)?>", re.S)
# What a join may delete: the wrappers of runs and paragraphs and their properties (not a
# section break), bookmarks, proofing marks, whitespace between elements, places.py's markers.
_WRAPPERS = LazyPattern(
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
_OWN_ELEMENT = LazyPattern(r"{%(?:p|tr|tc|r)\s")  # docxtpl removes the element holding the tag


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


class WordTagRefused(Exception):
    """A tag that has no meaning in a Word part (`{{tr x }}`), said in Chinese."""

    def __init__(self, tag: str, text: str):
        super().__init__(text)
        self.tag, self.text = tag, text


_VALUE_IN_ELEMENT = LazyPattern(r"\{\{(r|p|tr|tc) ")


def _plain_values(xml: str) -> str:
    """`{{r x }}` and `{{p x }}` as `{{ x }}`. docxtpl writes such a value in place of the
    run (paragraph) holding it, for a RichText (RichTextParagraph) value; qdocgen's values are
    text and numbers, which docxtpl then wrote outside any run or paragraph: Word showed
    nothing (前{{r plan.city }}后 → 前后, a `{{p }}` paragraph gone) and the XML was invalid.
    A plain value in the run (paragraph), in its formatting, is what the tag can mean here.
    `{{tr x }}`, `{{tc x }}` would put text in place of a table row or cell: refused."""

    def rewrite(m: re.Match) -> str:
        kind = m.group(1)
        if kind in ("tr", "tc"):
            end = m.string.find("}}", m.start())
            tag = m.string[m.start() : end + 2 if end >= 0 else m.end()]
            where = "表格行" if kind == "tr" else "单元格"
            raise WordTagRefused(
                tag,
                f"“{{{{{kind} … }}}}”会把一个值写在{where}的位置上（docxtpl 留给它自己的 RichText 对象），"
                f"Word 打不开这样的文档；请写成“{{{{ … }}}}”，放在{where}里的段落中",
            )
        return "{{ "

    return _VALUE_IN_ELEMENT.sub(rewrite, xml)


# The children of w:tcPr in the order the schema (ISO/IEC 29500, CT_TcPr) requires.
_TC_PR_ORDER = (
    "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark "
    "headers cellIns cellDel cellMerge tcPrChange"
).split()
_CELL_TAG = LazyPattern(r"<w:tc[ >](?:(?!<w:tc[ >]).)*?\{%\s*(colspan|cellbg)\s+([^%]*?)\s*%\}.*?</w:tc>", re.S)
_TC_PR = LazyPattern(r"<w:tcPr\s*/>|<w:tcPr(?:\s[^>]*)?>.*?</w:tcPr>", re.S)
_CHILD = LazyPattern(r"<w:(\w+)[\s/>]")


def _cell_tags(xml: str) -> str:
    """docxtpl's `{% colspan N %}` and `{% cellbg 颜色 %}` done here, with the property put where
    the schema wants it. docxtpl puts w:gridSpan and w:shd first in w:tcPr, before w:tcW, which
    is out of schema order (Word may call the file damaged)."""
    pos = 0
    while True:
        m = _CELL_TAG.search(xml, pos)
        if m is None:
            return xml
        kind, expr = m.group(1), m.group(2).strip()
        cell = m.group(0)
        cell = re.sub(r"\{%\s*" + kind + r"\s+[^%]*?\s*%\}", "", cell, count=1)
        if kind == "colspan":
            element, name = f'<w:gridSpan w:val="{{{{ {expr} }}}}"/>', "gridSpan"
        else:
            element, name = f'<w:shd w:val="clear" w:color="auto" w:fill="{{{{ {expr} }}}}"/>', "shd"
        cell = _with_tc_property(cell, element, name)
        xml = xml[: m.start()] + cell + xml[m.end() :]
        pos = m.start() if cell != m.group(0) else m.end()  # the same cell again: it may hold the other tag


def _with_tc_property(cell: str, element: str, name: str) -> str:
    """`cell` (a w:tc) with `element` in its w:tcPr in place of any `name` it had, in schema order."""
    pr = _TC_PR.search(cell)
    if pr is None:
        head = re.match(r"<w:tc(?:\s[^>]*)?>", cell).group(0)
        return head + f"<w:tcPr>{element}</w:tcPr>" + cell[len(head) :]
    body = pr.group(0)
    if body.endswith("/>"):
        return cell[: pr.start()] + f"<w:tcPr>{element}</w:tcPr>" + cell[pr.end() :]
    open_end = body.index(">") + 1
    inner = body[open_end : -len("</w:tcPr>")]
    inner = re.sub(rf"<w:{name}\b[^>]*/>|<w:{name}\b[^>]*>.*?</w:{name}>", "", inner, flags=re.S)
    rank = _TC_PR_ORDER.index(name)
    at = len(inner)
    depth_free = [c for c in _CHILD.finditer(inner) if _top_level(inner, c.start())]
    for child in depth_free:
        if child.group(1) in _TC_PR_ORDER and _TC_PR_ORDER.index(child.group(1)) > rank:
            at = child.start()
            break
    inner = inner[:at] + element + inner[at:]
    return cell[: pr.start()] + body[:open_end] + inner + "</w:tcPr>" + cell[pr.end() :]


def _top_level(inner: str, at: int) -> bool:
    """Whether position `at` of a w:tcPr's content is outside its children (not in w:tcBorders)."""
    before = inner[:at]
    opened = len(re.findall(r"<w:\w+(?:\s[^>]*)?(?<!/)>", before))
    closed = before.count("</w:")
    return opened == closed


_TC_PR_FULL = re.compile(r"(<w:tcPr(?:\s[^>]*)?>)(.*?)(</w:tcPr>)", re.S)
_TC_CHILD = re.compile(r"<w:(\w+)\b[^>]*?/>|<w:(\w+)\b[^>]*>.*?</w:\2>", re.S)
DOCXTPL_MERGES = LazyPattern(r"\{%-?\s*(?:vm|hm)\s*-?%\}")


def order_cell_properties(xml: str) -> str:
    """Rendered Word XML with each w:tcPr's children in schema order. docxtpl's `{% vm %}` and
    `{% hm %}` append w:vMerge/w:gridSpan at the end of w:tcPr, after w:shd or w:vAlign the
    cell may have: out of schema order. Sorting after rendering fixes them whatever they hold."""

    def ordered(m: re.Match) -> str:
        children = [(c.group(1) or c.group(2), c.group(0)) for c in _TC_CHILD.finditer(m.group(2))]
        if "".join(c for _, c in children) != m.group(2).strip():
            return m.group(0)  # not plain elements (should not happen): left as it is
        rank = {name: i for i, name in enumerate(_TC_PR_ORDER)}
        children.sort(key=lambda c: rank.get(c[0], len(rank)))
        return m.group(1) + "".join(c for _, c in children) + m.group(3)

    return _TC_PR_FULL.sub(ordered, xml)


_EMPTY_ROW = re.compile(r"<w:tr(?:\s[^>]*)?>(?:(?!<w:tc[ >]|</w:tr>|<w:tr[ >]).)*</w:tr>", re.S)
_EMPTY_TABLE = re.compile(r"<w:tbl>(?:(?!<w:tr[ >]|</w:tbl>|<w:tbl>).)*</w:tbl>", re.S)


def drop_empty_tables(xml: str) -> str:
    """Rendered Word XML without table rows left with no cell (a `{%tc for %}` over an empty
    list) and tables left with no row (a table of only `{%tr for %}` rows over an empty list):
    Word must repair a row without cells or a table without rows; empty, they show nothing."""
    if "<w:tbl>" not in xml:
        return xml
    return _removed(_removed(xml, _EMPTY_ROW, "<w:tr"), _EMPTY_TABLE, "<w:tbl>")


def _removed(xml: str, pattern: re.Pattern, start: str) -> str:
    """pattern.sub("", xml) for a pattern that matches only where `start` is: tried only there
    (the search for it is the text's length in C, not a regex's scan of every position)."""
    out, at, pos = [], 0, xml.find(start)
    while pos >= 0:
        m = pattern.match(xml, pos)
        if m is None:
            pos = xml.find(start, pos + 1)
            continue
        out.append(xml[at:pos])
        at = m.end()
        pos = xml.find(start, at)
    if not out:
        return xml
    out.append(xml[at:])
    return "".join(out)


def prepare(xml: str) -> str:
    """A Word part's XML made ready for docxtpl's clean-up: tags Word split across runs made
    whole (as docxtpl does first), `{{r }}`/`{{p }}` as plain values, and each `{%-`/`-%}`
    inside a run's text hidden from docxtpl (see the module docstring); `restore` gives the
    `-` back after docxtpl's clean-up."""
    if "{" not in xml:
        return xml
    joined = _SPLIT_START.sub("", xml)  # a tag Word split across runs (`{%` `-` `endfor %}`) made whole
    joined = _IN_TAG.sub(lambda m: re.sub(r"</w:t>.*?(<w:t>|<w:t [^>]*>)", "", m.group(0), flags=re.S), joined)
    joined = _plain_values(joined)
    if "colspan" in joined or "cellbg" in joined:
        joined = _cell_tags(joined)
    if "{%-" not in joined and "-%}" not in joined:
        return joined
    refused: list[JoinRefused] = []
    joined = _befores(joined, refused)
    joined = _AFTER.sub(lambda m: _join(m, _after, refused), joined)
    # None of what is left joins paragraphs; docxtpl's own join would still match it.
    joined = joined.replace("-%}", _HIDDEN + "%}").replace("{%-", "{%" + _HIDDEN)
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


def _befores(xml: str, refused: list) -> str:
    """Each `{%-` of `xml` rewritten by `_before`, from the last to the first. (One regex
    substitution missed the second of two `{%-` in one run: its match would have overlapped
    the first's, and docxtpl's join then deleted the text between the previous paragraph and
    it, as `本年度：{{ year }}年 {%- if a %}…{% endif %} {%- if b %}`.)"""
    for tag in reversed([m.start() for m in re.finditer(r"\{%-", xml)]):
        close = xml.rfind("</w:t>", 0, tag)
        if close < 0:
            continue  # nothing before it to join to: Jinja strips the spaces
        m = _BEFORE.match(xml, close, tag + 3)
        if m is None:
            continue
        xml = xml[:close] + _join(m, _before, refused) + xml[tag + 3 :]
    return xml


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
