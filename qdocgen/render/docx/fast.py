"""The Word fast path: a document rendered straight into its template's package.

docxtpl renders a document by opening the template with python-docx, rendering the body,
headers, footers and core properties, and saving every part of the package again. Preparing a
template does that round trip once (`FastPackage.of`); each document then renders only the
parts that hold Jinja, with the same steps docxtpl takes on them (its clean-up, `fix_tables`,
docPr numbering, python-docx's serialisation), and copies every other member's compressed
bytes unchanged. The result is byte for byte what docxtpl gives (tests/test_docx_fast.py), in
a fraction of the time (benchmarks/bench.py). Templates with footnotes are left to docxtpl.
"""

from __future__ import annotations

import copy
import io
import zipfile
import zlib
from collections.abc import Mapping
from typing import Protocol

from jinja2 import TemplateError as JinjaError
from jinja2 import nodes
from lxml import etree

from qdocgen.render.docx import tags as word_tags
from qdocgen.render.docx.grid import widen_grids
from qdocgen.render.package import (
    CORE,
    Member,
    Signature,
    build_epoch,
    members,
    normalise_package,
    stamp_core_dates,
    write_members,
)

_RENDER_ERRORS = (JinjaError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError)
# The core properties docxtpl renders as templates (DocxTemplate.render_properties), and their elements.
_PROPERTIES = {
    "author": "dc:creator",
    "comments": "dc:description",
    "identifier": "dc:identifier",
    "language": "dc:language",
    "subject": "dc:subject",
    "title": "dc:title",
}
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# python-docx's prefixes and parser options (docx.oxml.ns, docx.oxml.parser), here so that rendering
# needs neither python-docx nor docxtpl (cached.py renders without importing them)
nsmap = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "dc": "http://purl.org/dc/elements/1.1/",
}
oxml_parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
_JINJA = ("{{", "{%", "{#")
_W = "{" + nsmap["w"] + "}"
_TBL, _GRID, _GRIDCOL, _TR, _TC, _TCPR, _GRIDSPAN, _VAL = (
    _W + t for t in ("tbl", "tblGrid", "gridCol", "tr", "tc", "tcPr", "gridSpan", "val")
)
_DOCPR = "{" + nsmap["wp"] + "}docPr"


class Compiled(Protocol):
    """What the fast path needs of a prepared template (engine.PreparedDocx): its compiled parts and
    properties rendered, the members its charts replace, and its mistakes explained."""

    def property_template(self, name: str, text: str): ...

    def render_part(self, key: str, context: dict, *, listing: bool = True) -> str: ...

    def body_plan(self): ...

    def finished_members(self, parts: Mapping[str, bytes], context: dict) -> dict[str, bytes]: ...

    def error(self, exc: BaseException, key: str | None = None, context=None, place=None) -> Exception: ...


class FastPackage:
    """A template's package as python-docx saves it, ready for rendering part by part.

    `members` are the normalised package's members, compressed; `parts` maps the members
    that hold Jinja (word/document.xml, headers, footers) to their compiled keys; `properties`
    holds the core properties that are templates, compiled.
    """

    def __init__(self, prepared: Compiled, saved: bytes, parts: dict[str, str], properties: dict, core):
        self.prepared = prepared
        self.core = core  # python-docx's core properties element, as it would save it
        self.saved = saved  # python-docx's save, before normalising (its dates vary with the epoch)
        self.parts = parts
        self.properties = properties
        self.epoch: int | None = None
        self.members: dict[str, Member] = {}
        self.xml: dict[str, bytes] = {}
        self.shell: tuple | None = None
        self.plain: dict[str, bytes] = {}  # members uncompressed, as asked for
        self.last_saved: dict[str, tuple[str, bytes]] = {}  # a header's or footer's last text and bytes
        self.last_member: dict[str, tuple[bytes, Member]] = {}  # a rendered member's last bytes, compressed
        self.last_core: tuple = (None, b"")  # ((epoch, the properties' values), the core part's bytes) last made

    @classmethod
    def of(cls, prepared: Compiled, warm) -> FastPackage | None:
        """The package of a warmed-up template (a docxtpl DocxTemplate), or None when only docxtpl
        itself can render it."""
        from docxtpl import DocxTemplate

        docx = warm.docx
        if any(part.content_type == _FOOTNOTES for part in docx.part.package.iter_parts()):
            return None
        properties = {}
        core = docx.core_properties  # python-docx adds the part if the template has none
        for name in _PROPERTIES:
            initial = getattr(core, name)
            if "\r" in initial:  # jinja would normalise the line ends: leave it to docxtpl
                return None
            if any(mark in initial for mark in _JINJA):  # compiled (and refused) as the docxtpl path does
                properties[name] = (prepared.property_template(name, initial), initial)
            setattr(core, name, initial)  # as render_properties does: the element exists after it
        parts = {"word/document.xml": "document"}
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _, part in warm.get_headers_footers(uri):
                parts[str(part.partname).lstrip("/")] = str(part.partname)
        buf = io.BytesIO()
        docx.save(buf)
        return cls(prepared, buf.getvalue(), parts, properties, core._element)

    def _normalised(self) -> None:
        epoch = build_epoch()
        if epoch != self.epoch:
            package = normalise_package(self.saved, epoch)
            self.members = members(package)
            with zipfile.ZipFile(io.BytesIO(package)) as z:
                self.xml = {name: z.read(name) for name in self.parts}
            self.shell = None
            self.plain = {}
            self.epoch = epoch

    def render(self, context: dict, signature: Signature | None = None) -> bytes | None:
        """The filled document's bytes, its charts filled and (given a `signature`) its properties
        signed, written in one pass; None when docxtpl must render it (an over-long property)."""
        self._normalised()
        out = dict(self.members)
        rendered: dict[str, bytes] = {}
        for name, key in self.parts.items():
            if key == "document":
                data = self._document(self.prepared.render_part(key, context, listing=False))
            else:  # a header or footer: parsed and saved again, as python-docx does
                data = self._saved_part(name, self.prepared.render_part(key, context))
            rendered[name] = data
        if self.properties:
            core = self._core(context)
            if core is None:
                return None
            rendered[CORE] = core
        rendered.update(self.prepared.finished_members(_Parts(rendered, self), context))
        if signature is not None and (CORE in rendered or CORE in out):
            rendered[CORE] = signature.core(rendered[CORE] if CORE in rendered else self.member(CORE))
        for name, data in rendered.items():
            out[name] = self._member(name, data)
        return write_members(out, self.epoch)

    def _saved_part(self, name: str, text: str) -> bytes:
        """A rendered header or footer as python-docx saves it; the last one's bytes again when
        its text is the same (most headers and footers print nothing that varies)."""
        last = self.last_saved.get(name)
        if last is not None and last[0] == text:
            return last[1]
        data = etree.tostring(etree.fromstring(text.encode("utf-8"), oxml_parser), encoding="UTF-8", standalone=True)
        self.last_saved[name] = (text, data)
        return data

    def _member(self, name: str, data: bytes) -> Member:
        """A rendered member compressed; the last one of the name again when its bytes are the same."""
        last = self.last_member.get(name)
        if last is not None and last[0] == data:
            return last[1]
        member = Member.of(name, data)
        self.last_member[name] = (data, member)
        return member

    def member(self, name: str) -> bytes:
        """A member of the template's package, uncompressed (KeyError if it has none of the name)."""
        if name not in self.plain:
            self.plain[name] = zlib.decompress(self.members[name].compressed, -15)
        return self.plain[name]

    def _document(self, body: str) -> bytes:
        """word/document.xml with the rendered body (finished but for `listed`), as
        DocxTemplate.render and python-docx make it."""
        shell = self._shell()
        plan = self._plan(shell)
        if plan is not None:
            inner = plan.written(body)
            if inner is not None:  # lxml would write the body as it is (verbatim.py)
                return shell[2] + b"<w:body>" + inner + b"</w:body>" + shell[3]
        body = listed(body)
        tree = etree.fromstring(body, parser=etree.XMLParser(recover=True))  # as fix_tables parses it
        widened = widen_grids(tree)  # cells a {%tc for %} loop added span more columns than the grid has
        if _tables_need_fixing(tree):
            from docxtpl import DocxTemplate

            if widened:
                body = etree.tostring(tree, encoding="unicode")
            tree = DocxTemplate.fix_tables(None, body)
        for n, elt in enumerate(tree.iter(_DOCPR), start=1001):  # as fix_docpr_ids numbers them
            elt.attrib["id"] = str(n)
        if shell is not None and tree.tag == shell[0] and not tree.attrib and len(tree):
            if all(shell[1].get(prefix) == uri for prefix, uri in tree.nsmap.items()):
                # Moving a large body into the document makes lxml revisit every element's
                # namespace (seconds for a thousand-district table); serialised there, the body is
                # its own serialisation without the start tag's (redundant) declarations.
                inner = etree.tostring(tree, encoding="UTF-8")
                return (
                    shell[2]
                    + b"<w:body>"
                    + inner[inner.index(b">") + 1 : inner.rindex(b"</")]
                    + b"</w:body>"
                    + shell[3]
                )
        root = etree.fromstring(self.xml["word/document.xml"], oxml_parser)
        root.replace(root.find("w:body", nsmap), tree)
        return etree.tostring(root, encoding="UTF-8", standalone=True)

    def _plan(self, shell: tuple | None):
        """The template's verbatim.Plan, if its body goes into this document's shell as lxml
        would put a parsed one (its namespaces those of the document)."""
        plan = self.prepared.body_plan() if shell is not None else None
        if plan is None or shell[0] != _W + "body" or any(shell[1].get(p) != u for p, u in plan.namespaces):
            return None
        return plan

    def _shell(self) -> tuple | None:
        """(body tag, the document's namespaces, bytes before and after the body) of
        word/document.xml, when its body is written <w:body>; once per epoch."""
        if self.shell is None:
            root = etree.fromstring(self.xml["word/document.xml"], oxml_parser)
            old = root.find("w:body", nsmap)
            shell = ()
            if old is not None and old.prefix == "w":
                root.replace(old, etree.Element(old.tag))
                head, tail = etree.tostring(root, encoding="UTF-8", standalone=True).split(b"<w:body/>")
                shell = (old.tag, root.nsmap, head, tail)
            self.shell = shell
        return self.shell or None

    def _core(self, context: dict) -> bytes | None:
        values = []
        for name, (template, text) in self.properties.items():
            try:
                value = template.render(context)
            except _RENDER_ERRORS as exc:
                from qdocgen.render.docx.places import word_property  # (a mistake's place: imported for one)

                raise self.prepared.error(exc, place=word_property(name, text)) from None
            if len(value) > 255:
                return None
            values.append(value)
        key = (self.epoch, tuple(values))
        if self.last_core[0] == key:  # the same properties as the last document's (a title per kind)
            return self.last_core[1]
        root = copy.deepcopy(self.core)
        for name, value in zip(self.properties, values, strict=True):
            root.find(_PROPERTIES[name], nsmap).text = value
        data = stamp_core_dates(etree.tostring(root, encoding="UTF-8", standalone=True), self.epoch)
        self.last_core = (key, data)
        return data


def finish_part(dst: str, reorder: bool, loops: bool, *, listing: bool = True) -> str:
    """A part's rendered Jinja output finished as docxtpl's render_xml_part finishes it (`reorder`:
    the part has docxtpl's merges, `loops`: its {%tr %}/{%tc %} loops may leave rows or tables empty;
    `listing` False: without the last step, `listed`)."""
    if "\n" in dst:  # (a scan for one character: a tenth of one for several)
        dst = dst.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")  # re.sub(r"\n<w:p([ >])", …)
    if "{" in dst or "}" in dst:
        dst = dst.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    if reorder:
        dst = word_tags.order_cell_properties(dst)
    if loops:
        dst = word_tags.drop_empty_tables(dst)
    return listed(dst) if listing else dst


_PARAGRAPH_BREAKS = ("\n<w:p ", "\n<w:p>")
_PRINTED = (nodes.Output, nodes.If, nodes.For, nodes.With)  # what prints a part's text as it stands


def without_paragraph_breaks(tree: nodes.Template) -> None:
    """A Word part's syntax tree with the line end docxtpl put before each paragraph (which
    finish_part takes out again) taken out of the template's text, where that text is printed as it
    stands (in the part's body, its `if`, `for` and `with` blocks; not in a macro, a `{% set %}` or
    `{% filter %}` block or a recursive `for`, which use it as a value). Rendered, such a template gives a text with
    fewer line ends: if it has no line end before a paragraph (`lean_rendering_is_finished`), it is
    what finish_part makes of the template's own rendering without that step (each line end taken
    out was before a paragraph in both; any other line end reads the same text after it)."""

    def printed(body) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    if isinstance(child, nodes.TemplateData):
                        child.data = child.data.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
            elif isinstance(node, nodes.If):
                printed(node.body)
                for branch in node.elif_:
                    printed([branch])
                printed(node.else_)
            elif isinstance(node, nodes.For) and not node.recursive:  # (a recursive loop's body is
                # also the value `loop(…)` gives: `{{ loop(x.kids)|length }}` counts its line ends)
                printed(node.body)
                printed(node.else_)
            elif isinstance(node, nodes.With):
                printed(node.body)

    printed(tree.body)


def lean_rendering_is_finished(dst: str) -> bool:
    """Whether a rendering of a without_paragraph_breaks template has no line end before a
    paragraph (then finish_part gives of it what it gives of the template's own rendering)."""
    return "\n" not in dst or not any(mark in dst for mark in _PARAGRAPH_BREAKS)


def listed(dst: str) -> str:
    """docxtpl's last step of finishing a part: tabs, line and page breaks in text made Word's."""
    if not any(c in dst for c in "\t\a\n\f"):  # resolve_listing would change nothing
        return dst
    from docxtpl import DocxTemplate

    return DocxTemplate.resolve_listing(None, dst)


def _tables_need_fixing(tree) -> bool:
    """Whether docxtpl's fix_tables would change anything: a table with a row of more cells
    than grid columns, or whose widest row (counting gridSpan) spans fewer. Answered without
    its per-cell Python loop; anything unusual is left to fix_tables itself."""
    try:
        for table in tree.iter(_TBL):
            columns = len(table.find(_GRID).findall(_GRIDCOL))
            extra: dict = {}  # row → cells' gridSpan beyond 1, counted as fix_tables counts them
            for span in table.iter(_GRIDSPAN):
                props = span.getparent()
                cell = props.getparent()
                if props.tag == _TCPR and cell is not None and cell.tag == _TC:
                    if cell.find(_TCPR) is props and props.find(_GRIDSPAN) is span:
                        row = cell.getparent()
                        extra[row] = extra.get(row, 0) + int(span.get(_VAL)) - 1
            widest = 0
            for row in table.iter(_TR):  # as fix_tables: rows of nested tables count too
                cells = len(row.findall(_TC))
                if cells > columns:
                    return True
                widest = max(widest, cells + extra.get(row, 0))
            if widest < columns:
                return True
    except (AttributeError, TypeError, ValueError):
        return True
    return False


class _Parts(Mapping):
    """A rendered document's members by name: the parts rendered, else the template's."""

    def __init__(self, rendered: dict[str, bytes], package: FastPackage):
        self.rendered, self.package = rendered, package

    def __getitem__(self, name: str) -> bytes:
        return self.rendered[name] if name in self.rendered else self.package.member(name)

    def __iter__(self):
        return iter(set(self.rendered) | set(self.package.members))

    def __len__(self) -> int:
        return len(set(self.rendered) | set(self.package.members))
