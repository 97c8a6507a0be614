"""Where in a Word template something went wrong: the parts, paragraphs, tables, cells, text boxes
and footnotes as the user sees them.

docxtpl turns a part's XML into one Jinja source, removing the rows and paragraphs that hold
`{%tr %}`/`{%p %}` markers, so line numbers and element counts in that source are not what the
user sees. `WordPart` therefore numbers every paragraph, table, row, cell, text box and footnote
in the template's own XML, and, only when something went wrong, prepares the part again with an
invisible marker in front of each of those elements, each on a line of its own. Parsing or
rendering that marked source again gives the line of the mistake, and the marker on that line
the element the user sees. Rendering itself never sees the markers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jinja2 import TemplateSyntaxError
from lxml import etree

from qdocgen.render.locate import Place, template_line, unclosed

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

WORD_PROPERTIES = {  # docxtpl fills these core properties; Word's names for them (文件 → 信息 → 属性)
    "author": "作者",
    "comments": "备注",
    "identifier": "标识符",
    "language": "语言",
    "subject": "主题",
    "title": "标题",
}


def word_property(prop: str, text: object = "") -> Place:
    return Place(f"文档属性“{WORD_PROPERTIES.get(prop, prop)}”", "" if text is None else str(text))


_ELEMENTS = ("p", "tbl", "tr", "tc", "txbxContent", "footnote")
_START = re.compile(r"<w:(?:p|tbl|tr|tc|txbxContent|footnote)(?=[\s>/])")
_MARK = re.compile("\ue000(\\d+)\ue001")
_STORIES = {W + "tc", W + "txbxContent", W + "footnote"}


def word_part_names(document, rels: dict[str, str], odd_and_even: bool = False) -> dict[str, str]:
    """Each header and footer part's name as Word shows it ("页眉", "首页页脚", "第 2 节偶数页页眉"),
    from the section properties of `document` (the body's root element) and the document
    part's relationships (`rels`: rId → part name); with different odd and even pages
    (`odd_and_even`), Word calls the default ones 奇数页页眉/页脚."""
    sections = list(document.iter(W + "sectPr"))
    names: dict[str, str] = {}
    for n, sect in enumerate(sections, 1):
        for ref in sect:
            kind = {W + "headerReference": "页眉", W + "footerReference": "页脚"}.get(ref.tag)
            target = rels.get(ref.get(R_ID, ""))
            if kind is None or target is None or target in names:
                continue
            default = "奇数页" if odd_and_even else ""
            which = {"first": "首页", "even": "偶数页"}.get(ref.get(W + "type", ""), default)
            names[target] = (f"第 {n} 节" if len(sections) > 1 else "") + which + kind
    return names


class WordPart:
    """One part of a Word template (the body, a header, a footer, the footnotes) and how to
    name a place in it.

    `name` is the part as the user knows it ("正文", "首页页眉", "脚注"); `xml` the part's
    XML before docxtpl's clean-up; `prepare` turns XML into the Jinja source the engine
    compiles (docxtpl's clean-up and qdocgen's merge directives); `make_env` gives a fresh
    environment like the engine's.
    """

    def __init__(self, name: str, xml: str, prepare: Callable[[str], str], make_env: Callable[[], object]):
        self.name = name
        self.xml = xml
        self.prepare = prepare
        self.make_env = make_env
        self._marked: str | None = None
        self._elements: list | None = None

    # -- what went wrong where ---------------------------------------------------------

    def place_of(self, exc: BaseException, context: dict | None = None) -> tuple[Place, tuple[str, Place] | None]:
        """Where `exc` (raised compiling or rendering this part) happened; and, for a block
        left open, the opening tag's name and place."""
        env = self.make_env()
        source = self.marked_source()
        if source is None:
            return Place(self.name), None
        again: BaseException | None = None
        try:
            template = env.from_string(source)
            if context is not None and not (isinstance(exc, TemplateSyntaxError) or hasattr(exc, "lineno")):
                template.render(context)
        except Exception as second:  # noqa: BLE001 - any error: the same mistake, found again
            again = second
        if again is None:
            return Place(self.name), None
        opener = unclosed(env, source, again)
        if opener is None:
            return self.place_at(source, template_line(again)), None
        at_opener = self.place_at(source, opener[1])
        if str(getattr(again, "message", "")).startswith("Unexpected end of template"):
            return at_opener, (opener[0], Place("", at_opener.text))  # reported at the opening tag
        return self.place_at(source, template_line(again)), (opener[0], at_opener)

    def unclosed_tag(self) -> tuple[Place, str] | None:
        """The first paragraph whose text opens a tag it does not close (`{{ plan.city `), and
        the missing end (`}}`). Jinja reads on into the next paragraphs and table cells and
        complains about whatever text it meets there; the user needs the paragraph they left
        the tag open in."""
        for index, el in enumerate(self.elements()):
            if el.tag == W + "p":
                end = open_tag_end(_own_text(el))
                if end:
                    return self.element_place(index), end
        return None

    def place_at(self, source: str, lineno: int | None) -> Place:
        """The element whose marker starts line `lineno` of the marked source (or precedes it)."""
        if lineno is None:
            return Place(self.name)
        lines = source.split("\n")
        for line in reversed(lines[: min(lineno, len(lines))]):
            m = _MARK.search(line)
            if m:
                return self.element_place(int(m.group(1)))
        return Place(self.name)

    def lines_of(self, find: Callable[[str], list[int]]) -> list[Place]:
        """Places of the lines `find(marked source)` picks (e.g. uses of an unset variable)."""
        source = self.marked_source()
        if source is None:
            return [Place(self.name)]
        return [self.place_at(source, n) for n in find(source)] or [Place(self.name)]

    # -- the marked source -------------------------------------------------------------

    def marked_source(self) -> str | None:
        """The part prepared as the engine prepares it, with a marker starting a line in
        front of each numbered element; None when the markers do not line up with the XML."""
        if self._marked is None:
            elements = self.elements()
            count = iter(range(len(elements) + 1))
            marked = _START.sub(lambda m: f"\ue000{next(count)}\ue001{m.group(0)}", self.xml)
            if next(count) != len(elements):
                return None
            self._marked = self.prepare(marked).replace("\ue000", "\n\ue000")
        return self._marked

    def elements(self) -> list:
        if self._elements is None:
            root = etree.fromstring(self.xml.encode("utf-8"))
            self._elements = list(root.iter(*(W + t for t in _ELEMENTS)))
        return self._elements

    # -- naming an element -------------------------------------------------------------

    def element_place(self, index: int) -> Place:
        elements = self.elements()
        if not 0 <= index < len(elements):
            return Place(self.name)
        el = elements[index]
        return Place(self._where(el), _text(el))

    def _where(self, el) -> str:
        tag = el.tag[len(W) :]
        chain = [a for a in reversed(list(el.iterancestors())) if a.tag in _STORIES]
        if el.tag in _STORIES:
            chain.append(el)
        where = self.name
        if chain and chain[0].tag == W + "footnote":
            where = f"脚注 {self._footnote_no(chain[0])}"
            chain = chain[1:]
        for i, story in enumerate(chain):
            if i:
                where += "中"
            if story.tag == W + "txbxContent":
                where += f"文本框 {self._textbox_no(story)}"
            else:  # a table cell
                tr = story.getparent()
                where += (
                    self._table(_nearest(tr, W + "tbl"))
                    + f"第 {_index(tr, W + 'tr')} 行第 {_index(story, W + 'tc')} 列"
                )
        if tag == "p":
            story = _story(el)
            paragraphs = [p for p in story.iter(W + "p") if _story(p) is story]
            top = story.tag not in _STORIES and self.name == "正文"
            if top or len(paragraphs) > 1:
                where += f"第 {paragraphs.index(el) + 1} 段"
        elif tag == "tr":
            where += self._table(_nearest(el, W + "tbl")) + f"第 {_index(el, W + 'tr')} 行"
        elif tag == "tbl":
            where += self._table(el).strip()
        return where

    def _table(self, tbl) -> str:
        story = _story(tbl)
        tables = [t for t in story.iter(W + "tbl") if _story(t) is story]
        return f"表格 {tables.index(tbl) + 1} "

    def _textbox_no(self, box) -> int:
        fallback = _in_fallback(box)
        boxes = [b for b in box.getroottree().iter(W + "txbxContent") if _in_fallback(b) == fallback]
        return boxes.index(box) + 1

    def _footnote_no(self, note) -> int:
        notes = [n for n in note.getroottree().iter(W + "footnote") if n.get(W + "type") in (None, "normal")]
        return notes.index(note) + 1 if note in notes else 0


def _nearest(el, tag: str):
    for a in el.iterancestors(tag):
        return a
    return None


def _story(el):
    """The innermost cell, text box or footnote holding `el`; else the part's root."""
    root = el
    for a in el.iterancestors():
        if a.tag in _STORIES:
            return a
        root = a
    return root


def _index(el, tag: str) -> int:
    """1-based position of a row among its table's rows (or a cell among its row's cells),
    counting rows inside content controls too, as Word shows them."""
    parent_tag = W + ("tbl" if tag == W + "tr" else "tr")
    parent = _nearest(el, parent_tag)
    siblings = [s for s in parent.iter(tag) if _nearest(s, parent_tag) is parent]
    return siblings.index(el) + 1


def _in_fallback(el) -> bool:
    return any(a.tag == _MC_FALLBACK for a in el.iterancestors())


_TAG_ENDS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_TAG_START = re.compile(r"\{[{%#]")


def open_tag_end(text: str) -> str | None:
    """The end (`}}`, `%}`, `#}`) a tag opened in `text` lacks, if one is left open."""
    at = 0
    while True:
        m = _TAG_START.search(text, at)
        if m is None:
            return None
        end = _TAG_ENDS[m.group(0)]
        close = text.find(end, m.end())
        if close < 0:
            return end
        at = close + len(end)


def _own_text(p) -> str:
    """The text of paragraph `p` itself (not of paragraphs in text boxes inside it)."""
    return "".join(t.text or "" for t in p.iter(W + "t") if _nearest(t, W + "p") is p)


def _text(el) -> str:
    if el.tag in (W + "tr", W + "tbl"):
        cells = [c for c in el.iter(W + "tc")]
        return " | ".join(t for t in (_text(c) for c in cells) if t)
    return "".join(t.text or "" for t in el.iter(W + "t"))
