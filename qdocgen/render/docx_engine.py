"""Word templates: docxtpl's Jinja-in-Word, prepared once and rendered many times.

docxtpl normally re-reads the .docx, re-cleans its XML and recompiles the Jinja template on
every render. `PreparedDocx` does the clean-up and compilation once per template and keeps
the compiled parts, so a build of a hundred districts costs little more than one of five.
Rendering runs in qdocgen's sandboxed environment with autoescape on and undefined variables
as errors; any error names the template and the paragraph or table cell.

The fast path. docxtpl renders a document by opening the package with python-docx, rendering
the body, headers, footers and core properties, and saving every part again. Preparing does
that round trip once (`_Package`); each document then renders only the parts that hold Jinja,
with the same steps docxtpl takes on them (its clean-up, `fix_tables`, docPr numbering,
python-docx's serialisation), and copies every other member's compressed bytes unchanged. The
result is byte for byte what the docxtpl path gives (tests/test_docx_fast.py), about ten times
sooner. Documents with pictures, and templates with footnotes, go through docxtpl itself.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx.oxml.ns import nsmap
from docx.oxml.parser import oxml_parser
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateError as JinjaError
from lxml import etree

from qdocgen.errors import TemplateError, os_error_text, package_error_text
from qdocgen.render.jinja_env import make_env
from qdocgen.render.locate import docx_place, error_text, template_line
from qdocgen.render.package import Member, build_epoch, members, normalise_package, stamp_core_dates, write_members

_RENDER_ERRORS = (JinjaError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError)
# The core properties docxtpl renders as templates (DocxTemplate.render_properties).
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_JINJA = ("{{", "{%", "{#")


@dataclass(frozen=True)
class Picture:
    """An image to place in a Word document (a chart); `width_mm` sets its printed width."""

    data: bytes
    width_mm: float


class _Template(DocxTemplate):
    """A DocxTemplate that takes its compiled Jinja parts from a PreparedDocx."""

    def __init__(self, prepared: PreparedDocx):
        super().__init__(io.BytesIO(prepared.blob))
        self.prepared = prepared

    def build_xml(self, context, jinja_env=None):
        return self._render_part("document", self.docx._part, self.get_xml, context)

    def build_headers_footers_xml(self, context, uri, jinja_env=None):
        for rel_key, part in self.get_headers_footers(uri):
            xml = self._render_part(str(part.partname), part, lambda p=part: self.get_part_xml(p), context)
            yield rel_key, xml.encode("utf-8")

    def _render_part(self, key, part, source, context) -> str:
        self.prepared.compiled(key, lambda: self.patch_xml(source()))
        self.current_rendering_part = part
        return self.prepared.render_part(key, context)


class PreparedDocx:
    """A Word template read and compiled once; `render(context)` gives the document's bytes."""

    def __init__(self, path: Path, blob: bytes | None = None):
        """Read the template at `path`; or take its bytes as given in `blob` (e.g. with a
        layout profile already applied), keeping `path` for messages."""
        self.path = Path(path)
        self.name = self.path.name
        try:
            self.blob = self.path.read_bytes() if blob is None else blob
        except OSError as exc:
            raise TemplateError(f"无法读取模板 {self.path}：{os_error_text(exc)}") from None
        if not zipfile.is_zipfile(io.BytesIO(self.blob)):
            raise TemplateError(f"模板 {self.path} 不是 Word 文档（.docx）")
        self.env = make_env(autoescape=True)
        self._parts: dict[str, tuple[object, str]] = {}
        try:
            warm = _Template(self)
            warm.render_init()
        except Exception as exc:  # python-docx refuses the package
            raise TemplateError(f"模板 {self.path} 无法作为 Word 文档打开：{package_error_text(exc)}") from None
        self.compiled("document", lambda: warm.patch_xml(warm.get_xml()))
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _, part in warm.get_headers_footers(uri):
                self.compiled(str(part.partname), lambda p=part: warm.patch_xml(warm.get_part_xml(p)))
        self._package = _Package.of(self, warm)

    def compiled(self, key: str, source) -> tuple[object, str]:
        """The compiled Jinja template of one part, compiling it on first use."""
        if key not in self._parts:
            src = re.sub(r"<w:p([ >])", r"\n<w:p\1", source())
            try:
                self._parts[key] = (self.env.from_string(src), src)
            except JinjaError as exc:
                raise self.error(exc, src, key) from None
        return self._parts[key]

    def error(self, exc: BaseException, src: str, key: str) -> TemplateError:
        place = docx_place(
            src, template_line(exc), key.rsplit("/", 1)[-1].replace(".xml", "") if key != "document" else key
        )
        return TemplateError(f"模板 {self.path} {place}：{error_text(exc)}")

    def render_part(self, key: str, context: dict) -> str:
        """One compiled part rendered, then finished as docxtpl's render_xml_part finishes it."""
        compiled, src = self._parts[key]
        try:
            dst = compiled.render(context)
        except _RENDER_ERRORS as exc:
            raise self.error(exc, src, key) from None
        dst = re.sub(r"\n<w:p([ >])", r"<w:p\1", dst)
        dst = dst.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if not any(c in dst for c in "\t\a\n\f"):  # resolve_listing would change nothing
            return dst
        return DocxTemplate.resolve_listing(None, dst)

    def render(self, context: dict) -> bytes:
        """The filled document as normalised (reproducible) .docx bytes."""
        if self._package is not None and not _has_picture(context):
            out = self._package.render(context)
            if out is not None:
                return out
        return self.render_docxtpl(context)

    def render_docxtpl(self, context: dict) -> bytes:
        """The document rendered through docxtpl itself (pictures, footnotes; the reference for tests)."""
        tpl = _Template(self)
        tpl.render_init()
        context = _with_pictures(context, tpl)
        try:
            tpl.render(context, self.env, autoescape=True)
        except TemplateError:
            raise
        except JinjaError as exc:
            raise TemplateError(f"模板 {self.path}（文档属性或脚注）：{error_text(exc)}") from None
        buf = io.BytesIO()
        tpl.save(buf)
        return normalise_package(buf.getvalue())


class _Package:
    """A template's package as python-docx saves it, ready for rendering part by part.

    `members` are the normalised package's members, compressed; `parts` maps the members
    that hold Jinja (word/document.xml, headers, footers) to their compiled keys; `properties`
    holds the core properties that are templates, compiled.
    """

    def __init__(self, prepared: PreparedDocx, saved: bytes, parts: dict[str, str], properties: dict, core):
        self.prepared = prepared
        self.core = core  # python-docx's core properties element, as it would save it
        self.saved = saved  # python-docx's save, before normalising (its dates vary with the epoch)
        self.parts = parts
        self.properties = properties
        self.epoch: int | None = None
        self.members: dict[str, Member] = {}
        self.xml: dict[str, bytes] = {}

    @classmethod
    def of(cls, prepared: PreparedDocx, warm: _Template) -> _Package | None:
        """The package of a warmed-up template, or None when only docxtpl itself can render it."""
        docx = warm.docx
        if any(part.content_type == _FOOTNOTES for part in docx.part.package.iter_parts()):
            return None
        properties = {}
        core = docx.core_properties  # python-docx adds the part if the template has none
        for name in _PROPERTIES:
            initial = getattr(core, name)
            if "\r" in initial:  # jinja would normalise the line ends: leave it to docxtpl
                return None
            if any(mark in initial for mark in _JINJA):
                try:
                    properties[name] = prepared.env.from_string(initial)
                except JinjaError as exc:
                    raise TemplateError(f"模板 {prepared.path}（文档属性）：{error_text(exc)}") from None
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
            self.epoch = epoch

    def render(self, context: dict) -> bytes | None:
        """The filled document's bytes; None when docxtpl must render it (an over-long property)."""
        self._normalised()
        out = dict(self.members)
        for name, key in self.parts.items():
            text = self.prepared.render_part(key, context)
            if key == "document":
                data = self._document(text)
            else:  # a header or footer: parsed and saved again, as python-docx does
                data = etree.tostring(
                    etree.fromstring(text.encode("utf-8"), oxml_parser), encoding="UTF-8", standalone=True
                )
            out[name] = Member.of(name, data)
        if self.properties:
            core = self._core(context)
            if core is None:
                return None
            out["docProps/core.xml"] = Member.of("docProps/core.xml", core)
        return write_members(out, self.epoch)

    def _document(self, body: str) -> bytes:
        """word/document.xml with the rendered body, as DocxTemplate.render and python-docx make it."""
        tree = DocxTemplate.fix_tables(None, body)
        for n, elt in enumerate(tree.xpath("//wp:docPr", namespaces=nsmap), start=1001):
            elt.attrib["id"] = str(n)
        root = etree.fromstring(self.xml["word/document.xml"], oxml_parser)
        old = root.find("w:body", nsmap)
        if old.prefix == "w" and tree.tag == old.tag and not tree.attrib and len(tree) and _declared_in(tree, root):
            # Moving a large body into the document makes lxml revisit every element's namespace
            # (seconds for a thousand-district table); its serialisation there is the body's own
            # with the start tag's (redundant) declarations left out, so write that directly.
            inner = etree.tostring(tree, encoding="UTF-8")
            inner = inner[inner.index(b">") + 1 : inner.rindex(b"</")]
            root.replace(old, etree.Element(old.tag))
            head, tail = etree.tostring(root, encoding="UTF-8", standalone=True).split(b"<w:body/>")
            return head + b"<w:body>" + inner + b"</w:body>" + tail
        root.replace(old, tree)
        return etree.tostring(root, encoding="UTF-8", standalone=True)

    def _core(self, context: dict) -> bytes | None:
        root = copy.deepcopy(self.core)
        tags = {"author": "dc:creator", "comments": "dc:description", "identifier": "dc:identifier"}
        tags.update(language="dc:language", subject="dc:subject", title="dc:title")
        for name, template in self.properties.items():
            try:
                value = template.render(context)
            except _RENDER_ERRORS as exc:
                raise TemplateError(f"模板 {self.prepared.path}（文档属性或脚注）：{error_text(exc)}") from None
            if len(value) > 255:
                return None
            root.find(tags[name], nsmap).text = value
        return stamp_core_dates(etree.tostring(root, encoding="UTF-8", standalone=True), self.epoch)


def _declared_in(element, root) -> bool:
    """Whether every namespace prefix `element` declares means the same on `root`."""
    return all(root.nsmap.get(prefix) == uri for prefix, uri in element.nsmap.items())


def _has_picture(context: dict) -> bool:
    """Whether the context holds a Picture (charts are top-level values, such as `chart`)."""
    return any(isinstance(v, Picture) for v in context.values())


def _with_pictures(value, tpl):
    """The context with every Picture turned into a docxtpl InlineImage for this render."""
    if isinstance(value, Picture):
        return InlineImage(tpl, io.BytesIO(value.data), width=Mm(value.width_mm))
    if isinstance(value, dict):
        return {k: _with_pictures(v, tpl) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_pictures(v, tpl) for v in value]
    return value
