"""A rendered document body written as lxml would write it, without parsing it.

The fast path (fast.py) parses each rendered word/document.xml body with lxml, looks at its
tables (grid.widen_grids, docxtpl's fix_tables), numbers its drawings (docPr ids) and
serialises it again: for a large table, a third of the document's time. For most templates that
round trip gives back the text it was given, with three exceptions: an element written
`<a></a>` comes out `<a/>`, the drawings' ids are numbered, and tables whose rows do not fit
their grid are mended. `prove(source, env)` reads a template's Jinja source once and says
whether every rendering of it is such a text (a `Plan`), so that `Plan.written(text)` can give
lxml's bytes from the text itself; where it cannot be sure it gives None, and the body is parsed
as before.

What is proved of the template, once (anything else: no plan):
- its fixed text is XML as lxml writes it: tags `<name a="v">`, `</name>`, `<name/>` with one
  space before each attribute and double quotes, the escapes lxml writes (`&amp;` `&lt;`
  `&gt;`, and `&quot;` in attribute values only), no comments, CDATA, processing instructions,
  control characters or line ends, no namespace declarations but the body's own;
- its `{{ … }}` values stand in text or in attribute values, and its `{% if %}`/`{% for %}`
  blocks between elements, each branch and each loop body balanced: so every rendering is
  well formed whatever the values and the branches taken;
- nothing in it makes markup (`|safe`, `|e`, macros, `{% set %}` blocks, `{% autoescape %}`,
  …): every value is a plain one escaped by autoescape when printed, so it holds no markup;
- its tables are where their rows and cells are plain to find in the text: in the body itself,
  rows in the table, cells in the rows, one grid each, a cell's gridSpan in its one tcPr, no
  table given in percent of the page (widen_grids refits those), so that
  `fix_tables`/`widen_grids` would change nothing is decided from the text.
What is checked of each rendering (cheap scans of the text): no character reference (`&#34;`,
`&#39;`: a value with quotes, which lxml writes differently), no control character, and every
table's rows as wide as its grid; elements left empty and drawings' ids are then written as
lxml writes them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from jinja2 import TemplateSyntaxError, nodes

from qdocgen.render.docx.grid import _fitted
from qdocgen.render.docx.lazy import LazyPattern

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"

_QNAME = r"[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?"
_TEXT = LazyPattern(r"[^<>&\x00-\x1f\ud800-\udfff\ufffe\uffff]+|&(?:amp|lt|gt);")
_ATTR_TEXT = LazyPattern(r'[^"<>&\x00-\x1f\ud800-\udfff\ufffe\uffff]+|&(?:amp|lt|gt|quot);')
_START = LazyPattern("<(" + _QNAME + ")")
_END = LazyPattern("</(" + _QNAME + ")>")
_ATTR = LazyPattern(" (" + _QNAME + ')="')
# printing unescaped text, or markup made by the template itself
# (|e and |forceescape make Markup too, escaped, but Markup sliced or truncated may end in half an
# escape, `&am`, which lxml would mend)
_UNESCAPED_FILTERS = {"safe", "tojson", "xmlattr", "urlize", "e", "escape", "forceescape"}
_UNESCAPED_NAMES = {"lipsum", "caller", "self", "super", "varargs", "kwargs"}
_STATEMENTS = (nodes.Output, nodes.If, nodes.For, nodes.Assign, nodes.With)
_CONTROL = bytes(range(32))
_HUGE = 10_000_000  # libxml2's longest text node (and attribute value) without huge_tree
_DEEPEST = 200  # libxml2 refuses elements nested deeper than 256 without huge_tree
_SPAN = re.compile(rb'<w:gridSpan w:val="([^"]*)"/>')
_TCW = re.compile(rb"<w:tcW( [^>]*)/>")
_TBLW = re.compile(rb"<w:tblW [^>]*/>")
_GRIDCOL = re.compile(rb"<w:gridCol((?: [^>]*)?)/>")
_CELL_TAGS = re.compile(
    rb'<w:(?:(?P<tr>tr)[ >]|(?P<tc>tc)>|gridSpan w:val="(?P<span>[^"]*)"/>|(?P<width>tcW)(?: [^>]*)?/>)'
)
_DOCPR_ID = re.compile(rb'<wp:docPr id="[^"]*"')


class _Refused(Exception):
    """The template does something the proof does not cover."""


@dataclass(frozen=True)
class Plan:
    """How a template's rendered body becomes lxml's text (see the module's docstring).

    `start`: the body's start tag as rendered; `namespaces`: the prefixes it declares;
    `empties`: (start tag + end tag, the empty element as lxml writes it) for every element that
    may come out empty; `tables`, `drawings`: whether a rendering may hold a table, a drawing;
    `full`: whether every row has a cell and every table a row outside any `{% if %}`/`{% for %}`
    of their own, so that no rendering has an empty row or table (tags.drop_empty_tables, which
    finishing a part with loops runs, then changes nothing).
    """

    start: str
    namespaces: tuple[tuple[str, str], ...]
    empties: tuple[tuple[str, str], ...]
    tables: bool
    drawings: bool
    full: bool = False

    def written(self, text: str) -> bytes | None:
        """The body's content (between its start and end tags) as lxml writes the parsed
        `text` after fix_tables, widen_grids and the docPr numbering, UTF-8; None where that is
        not sure to be `text` itself with empties and ids written."""
        if "\ufffe" in text or "\uffff" in text:  # not XML (two scans for one character each)
            return None
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            return None
        if len(data) > _HUGE:  # a text that long may be one lxml refuses without huge_tree
            return None
        start = self.start.encode("utf-8")
        if not data.startswith(start) or not data.endswith(b"</w:body>") or (b"#" in data and b"&#" in data):
            return None
        if len(data.translate(None, _CONTROL)) != len(data):
            return None  # characters lxml writes otherwise (a line end), or refuses
        inner = data[len(start) : -len(b"</w:body>")]
        if self.tables and b"<w:tbl>" in inner:
            inner = _tables_written(inner)
            if inner is None:
                return None
        for full, empty in self.empties:
            inner = inner.replace(full.encode("utf-8"), empty.encode("utf-8"))
        if self.drawings and b"<wp:docPr " in inner:
            ids = itertools.count(1001)
            inner = _DOCPR_ID.sub(lambda m: b'<wp:docPr id="%d"' % next(ids), inner)
        return inner

    def snapshot(self) -> tuple:
        return (self.start, self.namespaces, self.empties, self.tables, self.drawings, self.full)

    @classmethod
    def of_snapshot(cls, kept) -> Plan | None:
        if kept is None:
            return None
        start, namespaces, empties, tables, drawings, full = kept
        return cls(
            start,
            tuple((str(p), str(u)) for p, u in namespaces),
            tuple((str(f), str(e)) for f, e in empties),
            bool(tables),
            bool(drawings),
            bool(full),
        )


def never_empty(prepared, key: str) -> bool:
    """Whether the part `key` of a prepared template (cached.CachedDocx, engine.PreparedDocx) is
    a body no rendering of which has an empty row or table (Plan.full)."""
    if key != "document":
        return False
    plan = prepared.body_plan()
    return plan is not None and plan.full


def _tables_written(inner: bytes) -> bytes | None:
    """`inner` with its tables as docxtpl's fix_tables and grid.widen_grids leave them, where
    that is found in the text: tables whose rows fit their grid left as they are, tables a
    column loop made wider widened (`_widened`); None for anything else."""
    out, at, done = [], 0, 0
    try:
        while True:
            start = inner.find(b"<w:tbl>", at)
            if start < 0:
                break
            at = inner.index(b"</w:tbl>", start)
            table = inner[start:at]
            if _table_fits(table):
                continue
            widened = _widened(table)
            if widened is None:
                return None
            out += [inner[done:start], widened]
            done = at
    except (TypeError, ValueError):
        return None
    if not out:
        return inner
    out.append(inner[done:])
    return b"".join(out)


def _table_fits(table: bytes) -> bool:
    # each row ends with </w:tr> (its properties' </w:trPr> is another text); the first piece
    # holds the table's properties and grid too, the last what follows the last row
    rows = table.split(b"</w:tr>")[:-1]
    count = table.count(b"<w:gridCol")
    if not rows:
        return False  # fix_tables: no row as wide as the grid
    cells = [row.count(b"<w:tc>") for row in rows]
    if b"<w:gridSpan " in table:
        spans = [
            n + sum(int(v) - 1 for v in _SPAN.findall(row)) if b"<w:gridSpan " in row else n
            for n, row in zip(cells, rows, strict=True)
        ]
    else:
        spans = cells
    if max(cells) > count or max(spans) != count:  # fix_tables adds columns; widen_grids widens
        return False
    head = rows[0][: rows[0].find(b"<w:tr")]
    width = _TBLW.search(head)
    if width is None or b' w:type="pct"' not in width.group(0):
        return True
    # grid._widest and widen_grids' fitting of a table in percent, on the text
    old = [int(w) if w.isdigit() else 0 for w in (_value(c, b"w:w") or b"" for c in _GRIDCOL.findall(head))]
    # each row's width: its cells, and each cell's first gridSpan beyond 1 (read only in the rows
    # that have one); the first of the widest rows then read cell by cell
    most, widest = 0, None
    for n, row in zip(cells, rows, strict=True):
        if b"<w:gridSpan " in row:
            found = (_first(_SPAN, cell) for cell in row.split(b"<w:tc>")[1:])
            n += sum(max(int(span), 1) - 1 for span in found if span is not None)
        if n > most:
            most, widest = n, row
    if widest is None:
        return True  # widths None: left alone
    first = [(_first(_SPAN, cell), _first(_TCW, cell)) for cell in widest.split(b"<w:tc>")[1:]]
    widths: list | None = []
    for span, attributes in first:
        w = _value(attributes, b"w:w") if attributes is not None else None
        n = max(int(span if span is not None else b"1"), 1)
        if w is None or not w.isdigit() or widths is None:
            widths = None
        else:
            widths += [int(w) // n] * n
    if widths is not None and old and all(old):
        return widths == old
    return most <= len(old) or widths is None


def _widened(table: bytes) -> bytes | None:
    """A table a {%tc for %} loop made wider than its grid, as grid.widen_grids leaves it (its
    grid rebuilt; in percent of the page, fitted to the template's width, its cells' widths
    too) when docxtpl's fix_tables then leaves it alone; else None."""
    g0, g1 = table.find(b"<w:tblGrid>"), table.find(b"</w:tblGrid>")
    if g0 < 0 or g1 < 0:
        return None
    grid = table[g0 + len(b"<w:tblGrid>") : g1]
    columns = _GRIDCOL.findall(grid)
    if b"".join(b"<w:gridCol" + c + b"/>" for c in columns) != grid:  # only columns, as lxml writes them
        return None
    old = [int(w) if w.isdigit() else 0 for w in (_value(c, b"w:w") or b"" for c in columns)]
    width = _TBLW.search(table, 0, table.find(b"<w:tr"))
    percent = width is not None and b' w:type="pct"' in width.group(0)
    rows: list[list[list]] = []  # each cell: its gridSpan's value, its tcW's start and end
    for m in _CELL_TAGS.finditer(table):
        kind = m.lastgroup
        if kind == "tr":
            rows.append([])
        elif kind == "tc":
            rows[-1].append([None, None, None])
        elif kind == "span":
            rows[-1][-1][0] = m.group("span")
        else:
            rows[-1][-1][1:] = [m.start(), m.end()]
    if not rows:
        return None
    # grid._may_be_wider, grid._widest, as they count
    wider = any(len(r) + sum(int(c[0]) - 1 for c in r if c[0] is not None) > len(old) for r in rows)
    if not percent and not wider:
        return None  # a row narrower than the grid: fix_tables mends it
    most, first = 0, None
    for r in rows:
        spans = len(r) + sum(max(int(c[0]), 1) - 1 for c in r if c[0] is not None)
        if spans > most:
            most, first = spans, r
    widths: list | None = None
    if first is not None:
        widths = []
        for span, a, b in first:
            w = _value(table[a:b], b"w:w") if a is not None else None
            n = max(int(span if span is not None else b"1"), 1)
            if w is None or not w.isdigit() or widths is None:
                widths = None
            else:
                widths += [int(w) // n] * n
    new, edits = None, []
    if widths is not None and percent and old and all(old):
        if widths != old:  # grid._set_grid: the grid, and the width of each cell of a row that fills it
            new = _fitted(old, widths)
            for r in rows:
                spans = [max(int(c[0] if c[0] is not None else b"1"), 1) for c in r]
                if sum(spans) != len(new):
                    continue
                at = 0
                for (_, a, b), n in zip(r, spans, strict=True):
                    if a is not None and (_value(table[a:b], b"w:type") or b"dxa") == b"dxa":
                        edits.append((a, b, _with_width(table[a:b], sum(new[at : at + n]))))
                    at += n
    elif most > len(old) and widths is not None:
        new = widths
    count = len(new) if new is not None else len(old)
    cells = [len(r) for r in rows]
    spans = [len(r) + sum(int(c[0]) - 1 for c in r if c[0] is not None) for r in rows]
    if max(cells) > count or max(spans) < count:  # fix_tables would change it
        return None
    if edits:
        pieces, done = [], 0
        for a, b, tag in edits:  # in the text's order
            pieces += [table[done:a], tag]
            done = b
        table = b"".join([*pieces, table[done:]])
    if new is not None:
        cols = b"".join(b'<w:gridCol w:w="%d"/>' % w for w in new)
        table = table[: g0 + len(b"<w:tblGrid>")] + cols + table[g1:]
    return table


def _with_width(tag: bytes, width: int) -> bytes:
    """A <w:tcW …/> tag with its w:w set as lxml sets an attribute (in its place, else last)."""
    value = b'w:w="%d"' % width
    if b" w:w=" in tag:
        return re.sub(rb' w:w="[^"]*"', b" " + value, tag, count=1)
    return tag[:-2] + b" " + value + b"/>"


def _first(pattern: re.Pattern, text: bytes) -> bytes | None:
    m = pattern.search(text)
    return None if m is None else m.group(1)


def _value(attributes: bytes, name: bytes) -> bytes | None:
    m = re.search(b" " + name + b'="([^"]*)"', attributes)
    return None if m is None else m.group(1)


@dataclass
class _Element:
    name: str
    tag: str  # its start tag as written
    blocks: int  # how many {% if %}/{% for %} it is in
    loops: int  # how many {% for %}
    children: dict
    namespaces: dict  # the prefixes it declares
    sure: set = field(default_factory=set)  # its children written whenever it is (in no block of its own)


def prove(source: str, env) -> Plan | None:
    """A Plan for the body part whose Jinja source is `source` (compiled in `env`), or None."""
    try:
        tree = env.parse(source)
        return _Proof().run(tree)
    except (_Refused, TemplateSyntaxError, RecursionError):
        return None


class _Proof:
    def __init__(self):
        self.state = "text"  # text | tag (in a start tag) | value (in an attribute's value)
        self.stack: list[_Element] = []
        self.floor = 0  # the depth a block's branch may not close elements below
        self.blocks = self.loops = 0
        self.tag: list = []  # the start tag being read: name, text so far, attributes, valued attributes
        self.after_start: str | None = None  # the start tag just read, if nothing followed it yet
        self.empties: dict[str, str] = {}
        self.namespaces: dict[str, str] | None = None
        self.start = ""
        self.ended = False
        self.body_child = False
        self.tables = self.drawings = False
        self.emptiable = False  # a row or table that may come out empty

    def run(self, tree) -> Plan:
        for node in tree.find_all((nodes.Filter, nodes.Name, nodes.MarkSafe, nodes.MarkSafeIfAutoescape)):
            if isinstance(node, nodes.Filter) and node.name in _UNESCAPED_FILTERS:
                raise _Refused
            if isinstance(node, nodes.Name) and node.name in _UNESCAPED_NAMES:
                raise _Refused
            if isinstance(node, (nodes.MarkSafe, nodes.MarkSafeIfAutoescape)):
                raise _Refused
        self.statements(tree.body)
        if self.state != "text" or self.stack or not self.ended or not self.body_child:
            raise _Refused
        ns = self.namespaces or {}
        if ns.get("w") != W or any(u == W for p, u in ns.items() if p != "w"):
            raise _Refused
        if self.drawings and (ns.get("wp") != WP or any(u == WP for p, u in ns.items() if p != "wp")):
            raise _Refused
        return Plan(
            self.start,
            tuple(sorted(ns.items())),
            tuple(sorted(self.empties.items())),
            self.tables,
            self.drawings,
            not self.emptiable,
        )

    # -- Jinja -------------------------------------------------------------------------------

    def statements(self, body) -> None:
        for node in body:
            if not isinstance(node, _STATEMENTS):
                raise _Refused
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    if isinstance(child, nodes.TemplateData):
                        self.data(child.data)
                    else:
                        self.value()
            elif isinstance(node, nodes.If):
                branches = [node.body, *(e.body for e in node.elif_), node.else_]
                self.block(branches, loop=False)
            elif isinstance(node, nodes.For):
                if node.recursive:
                    raise _Refused
                self.block([node.body], loop=True)
                self.block([node.else_], loop=False)
            elif isinstance(node, nodes.With):
                self.statements(node.body)

    def block(self, branches, *, loop: bool) -> None:
        """Branches that each leave the element stack as they found it, between elements."""
        if self.state != "text" or self.ended:
            raise _Refused
        self.boundary()
        floor, depth, after = self.floor, len(self.stack), self.after_start
        self.floor = depth
        self.blocks += 1
        self.loops += loop
        for branch in branches:
            self.statements(branch)
            if self.state != "text" or len(self.stack) != depth:
                raise _Refused
            self.boundary()
        self.blocks -= 1
        self.loops -= loop
        self.floor = floor
        self.after_start = after

    def value(self) -> None:
        """A printed value: escaped text, possibly empty."""
        if self.state == "value":
            self.tag[3].add(self.tag[4])
            self.tag[1] += "\0"
        elif self.state == "text" and self.stack and not self.ended:
            self.boundary()
        else:
            raise _Refused

    def boundary(self) -> None:
        """Something that may print nothing follows: a start tag just read may end up empty."""
        if self.after_start is not None:
            if "\0" in self.after_start:  # its text differs between renderings: not found by Plan.written
                raise _Refused
            name = self.stack[-1].name
            self.empties[self.after_start + "</" + name + ">"] = self.after_start[:-1] + "/>"

    # -- XML ---------------------------------------------------------------------------------

    def data(self, text: str) -> None:
        # as fast.finish_part writes the rendered part
        text = text.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        text = text.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        at, n = 0, len(text)
        while at < n:
            if self.state == "text":
                if text[at] == "<":
                    m = _END.match(text, at)
                    if m is not None:
                        self.close(m.group(1), m.group(0))
                        at = m.end()
                        continue
                    m = _START.match(text, at)
                    if m is None or self.ended:
                        raise _Refused
                    self.state = "tag"
                    self.tag = [m.group(1), m.group(0), [], set(), None]
                    at = m.end()
                    continue
                m = _TEXT.match(text, at)
                if m is None or not self.stack or self.ended:
                    raise _Refused
                self.after_start = None
                at = m.end()
            elif self.state == "tag":
                if text.startswith("/>", at) or text.startswith(">", at):
                    empty = text[at] == "/"
                    at += 2 if empty else 1
                    self.tag[1] += "/>" if empty else ">"
                    self.opened(empty)
                    continue
                m = _ATTR.match(text, at)
                if m is None:
                    raise _Refused
                name = m.group(1)
                if name in self.tag[2]:
                    raise _Refused
                self.tag[2].append(name)
                self.tag[4] = name
                self.tag[1] += m.group(0)
                self.state = "value"
                at = m.end()
            else:
                if text[at] == '"':
                    self.tag[1] += '"'
                    self.state = "tag"
                    at += 1
                    continue
                m = _ATTR_TEXT.match(text, at)
                if m is None:
                    raise _Refused
                self.tag[1] += m.group(0)
                at = m.end()
        if self.after_start is not None:
            self.boundary()

    def opened(self, empty: bool) -> None:
        name, tag, attrs, valued, _ = self.tag
        self.state = "text"
        if not self.stack:  # the body's start tag
            if self.namespaces is not None or name != "w:body" or empty or valued:
                raise _Refused
            if not all(a.startswith("xmlns:") for a in attrs) or self.blocks:
                raise _Refused
            self.namespaces = dict(re.findall(r' xmlns:([^=]+)="([^"]*)"', tag))
            if len(self.namespaces) != len(attrs):
                raise _Refused
            self.start = tag
            self.stack.append(_Element(name, tag, 0, 0, {}, {}))
            return
        declared = [a for a in attrs if a.startswith("xmlns")]
        own = {}
        if declared:  # written by lxml first, as parsed (a chart's c:, a picture's pic:)
            own = dict(re.findall(r' xmlns:([^=]+)="([^"]*)"', tag))
            if attrs[: len(declared)] != declared or len(own) != len(declared) or valued.intersection(declared):
                raise _Refused
            if any(p in ("w", "wp") or u in (W, WP) for p, u in own.items()):
                raise _Refused
        scope = [self.namespaces, *(e.namespaces for e in self.stack), own]
        for qname in (name, *attrs[len(declared) :]):
            prefix = qname.partition(":")[0] if ":" in qname else None
            if qname.startswith("xmlns") or (prefix not in (None, "xml") and not any(prefix in d for d in scope)):
                raise _Refused
        parent = self.stack[-1]
        self.structure(name, tag, attrs, valued, parent, empty)
        parent.children[name] = parent.children.get(name, 0) + 1
        if self.blocks == parent.blocks:
            parent.sure.add(name)
        if parent.name == "w:body" and not self.blocks and name != "w:tbl":
            self.body_child = True
        if empty:
            self.after_start = None
            return
        self.stack.append(_Element(name, tag, self.blocks, self.loops, {}, own))
        if len(self.stack) > _DEEPEST:  # lxml refuses deeper documents without huge_tree
            raise _Refused
        self.after_start = tag

    def structure(self, name, tag, attrs, valued, parent, empty) -> None:
        """The table and drawing elements where Plan.written finds them in the text."""
        p = parent.name
        if name == "w:tbl":
            if tag != "<w:tbl>" or p != "w:body":
                raise _Refused
            self.tables = True
        elif name == "w:tr":
            if p != "w:tbl" or empty:
                raise _Refused
        elif name == "w:tc":
            if tag != "<w:tc>" or p != "w:tr":
                raise _Refused
        elif name == "w:tcPr":
            self.single(name, parent, "w:tc")
        elif name == "w:gridSpan":
            self.single(name, parent, "w:tcPr")
            if not empty or attrs != ["w:val"]:
                raise _Refused
        elif name == "w:tblGrid":
            self.single(name, parent, "w:tbl")
            if parent.blocks != self.blocks:  # widen_grids and fix_tables need it
                raise _Refused
        elif name == "w:gridCol":
            if p != "w:tblGrid" or not empty:
                raise _Refused
        elif name == "w:tblPr":
            self.single(name, parent, "w:tbl")
        elif name == "w:tblW":
            self.single(name, parent, "w:tblPr")
            if not empty:
                raise _Refused
        elif name == "w:tcW":
            self.single(name, parent, "w:tcPr")
            if not empty:
                raise _Refused
        elif name == "wp:docPr":
            if not attrs or attrs[0] != "id" or "id" in valued:
                raise _Refused
            self.drawings = True
        elif name in ("w:body",):
            raise _Refused

    def single(self, name: str, parent: _Element, where: str) -> None:
        """An element found in the text as its parent's (one at most, not repeated by a loop)."""
        if parent.name != where or parent.loops != self.loops or parent.children.get(name, 0):
            raise _Refused

    def close(self, name: str, text: str) -> None:
        if len(self.stack) <= self.floor or self.stack[-1].name != name:
            raise _Refused
        self.boundary()  # <a></a>: lxml writes <a/>
        element = self.stack.pop()
        if name == "w:tbl" and element.children.get("w:tblGrid") != 1:
            raise _Refused
        if (name == "w:tr" and "w:tc" not in element.sure) or (name == "w:tbl" and "w:tr" not in element.sure):
            self.emptiable = True
        if not self.stack:
            self.ended = True
        self.after_start = None
