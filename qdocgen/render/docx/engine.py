"""Word templates: docxtpl's Jinja-in-Word, prepared once and rendered many times.

docxtpl normally re-reads the .docx, re-cleans its XML and recompiles the Jinja template on
every render. `PreparedDocx` does the clean-up and compilation once per template and keeps
the compiled parts, so a build of a hundred districts costs little more than one of five.
Rendering runs in qdocgen's sandboxed environment with autoescape on and undefined variables
as errors; any error names the template and the paragraph or table cell. Charts bound to a
context list by a chart tag (in their title or alt text) are filled after rendering: the tags
in render/docx/charts.py, the chart parts in render/docx/chart_part.py.

Documents are rendered by the fast path in render/docx/fast.py: only the parts that hold Jinja
are rendered and the package's other members copied, byte for byte what docxtpl would save
(tests/test_docx_fast.py). Templates with footnotes go through docxtpl itself (`render_docxtpl`).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateError as JinjaError
from jinja2 import TemplateSyntaxError
from lxml import etree

from qdocgen.errors import TemplateError, package_error_text, read_template_package
from qdocgen.render.docx import tags as word_tags
from qdocgen.render.docx import verbatim
from qdocgen.render.docx.charts import BoundCharts, ChartBinding, filled_members, find_bindings, package_parts
from qdocgen.render.docx.fast import FastPackage, finish_part
from qdocgen.render.docx.grid import widen_grids
from qdocgen.render.docx.places import WORD_PROPERTIES, WordPart, word_part_names, word_property
from qdocgen.render.explain import explain, needle, template_error
from qdocgen.render.jinja_env import make_env, needs_value
from qdocgen.render.locate import Place
from qdocgen.render.package import Signature, normalise_package
from qdocgen.render.tag_text import clean_tags


class _Template(DocxTemplate):
    """A DocxTemplate that takes its compiled Jinja parts from a PreparedDocx."""

    def __init__(self, prepared: PreparedDocx):
        super().__init__(io.BytesIO(prepared.blob))
        self.prepared = prepared

    def fix_tables(self, xml):
        tree = etree.fromstring(xml, parser=etree.XMLParser(recover=True))
        if widen_grids(tree):
            xml = etree.tostring(tree, encoding="unicode")
        return super().fix_tables(xml)

    def build_xml(self, context, jinja_env=None):
        return self._render_part("document", self.docx._part, self.get_xml, context)

    def build_headers_footers_xml(self, context, uri, jinja_env=None):
        for rel_key, part in self.get_headers_footers(uri):
            xml = self._render_part(str(part.partname), part, lambda p=part: self.get_part_xml(p), context)
            yield rel_key, xml.encode("utf-8")

    def render_footnotes(self, context, jinja_env=None):
        for part in _footnote_parts(self):
            xml = self._render_part(str(part.partname), part, lambda p=part: _blob_text(p), context)
            part._blob = xml.encode("utf-8")

    def render_properties(self, context, jinja_env=None):
        props = self.docx.core_properties
        for name in WORD_PROPERTIES:
            compiled = self.prepared.property_template(name, getattr(props, name))
            try:
                setattr(props, name, compiled.render(context))
            except _RUNTIME_ERRORS as exc:
                raise self.prepared.error(exc, place=word_property(name, getattr(props, name))) from None

    def _render_part(self, key, part, source, context) -> str:
        self.prepared.compiled(key, source)
        self.current_rendering_part = part
        return self.prepared.render_part(key, context)


class PreparedDocx:
    """A Word template read and compiled once; `render(context)` gives the document's bytes."""

    def __init__(self, path: Path, blob: bytes | None = None):
        """Read the template at `path`; or take its bytes as given in `blob` (e.g. with a
        layout profile already applied), keeping `path` for messages."""
        self.path = Path(path)
        self.name = self.path.name
        self.blob = read_template_package(self.path, blob, "Word 文档（.docx）")
        self.blob, bindings = self._chart_bindings(self.blob)
        self.env = make_env(autoescape=True)
        self.charts = BoundCharts(bindings, self.env, str(self.path))
        self._parts: dict[str, object] = {}
        self._xml: dict[str, str] = {}  # each part's XML as the user saved it, to locate mistakes
        self._sources: dict[str, str] = {}  # each part's Jinja source, as compiled (kept: cached.py)
        self._properties: dict[tuple[str, str], object] = {}
        self._complete: set[frozenset] = set()  # sets of unset names this template does without
        self._loops: set[str] = set()  # parts with {%tr %}/{%tc %}: rows and tables that may come out empty
        self._reorder: set[str] = set()  # parts with docxtpl's {% vm %}/{% hm %}: cell properties to order
        self._plan: verbatim.Plan | None | bool = False  # body_plan(), once asked
        try:
            warm = _Template(self)
            warm.render_init()
        except Exception as exc:  # python-docx refuses the package
            raise TemplateError(f"模板 {self.path} 无法作为 Word 文档打开：{package_error_text(exc)}") from None
        self._patcher = warm
        rels = {k: str(r.target_part.partname) for k, r in warm.docx.part.rels.items() if not r.is_external}
        self.part_names = word_part_names(warm.docx.element, rels, warm.docx.settings.odd_and_even_pages_header_footer)
        self.compiled("document", warm.get_xml)
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _, part in warm.get_headers_footers(uri):
                self.compiled(str(part.partname), lambda p=part: warm.get_part_xml(p))
        for part in _footnote_parts(warm):
            self.compiled(str(part.partname), lambda p=part: _blob_text(p))
        for name in WORD_PROPERTIES:
            self.property_template(name, getattr(warm.docx.core_properties, name))
        self._package = FastPackage.of(self, warm)

    def _chart_bindings(self, blob: bytes) -> tuple[bytes, list[ChartBinding]]:
        """The template without its chart tags, and the charts they bind."""
        try:
            with zipfile.ZipFile(io.BytesIO(blob)) as zf:
                parts = {
                    n: zf.read(n) for n in zf.namelist() if n.startswith("word/") and n.endswith((".xml", ".rels"))
                }
            found = find_bindings(parts, str(self.path))
        except (zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
            raise TemplateError(f"模板 {self.path} 无法作为 Word 文档打开：{package_error_text(exc)}") from None
        # Charts drawn without a tag keep the template's data: said to the user (a notice must
        # not show a template's sample figures unnoticed).
        self.warnings = [
            f"模板 {self.path} 中的图表“{name}”没有 {{{{ chart: … }}}} 标记，生成的文件中它仍显示模板里原有的数据；"
            "如需按本次数据绘制，请在图表标题或可选文字中写上标记（见 docs/templates.md 的“图表”）"
            for name in found.unbound
        ]
        if not found.replace:
            return blob, found.bindings
        return normalise_package(blob, replace=found.replace), found.bindings

    def prepare_xml(self, xml: str) -> str:
        """A part's XML made into Jinja source: docxtpl's clean-up of tags split across runs,
        `{%p %}`/`{%tr %}`/`{%tc %}` markers and the like; `{%-`/`-%}` inside a run's text are
        Jinja's whitespace control (render/docx/tags.py)."""
        return _tag_entities(word_tags.restore(self._patcher.patch_xml(word_tags.prepare(xml))))

    def jinja_source(self, xml: str) -> str:
        """What gets compiled: one line per paragraph, so errors have a line (see places.py)."""
        return clean_tags(re.sub(r"<w:p([ >])", r"\n<w:p\1", self.prepare_xml(xml)))

    def compiled(self, key: str, xml):
        """The compiled Jinja template of one part (`xml()` gives its XML), compiled on first use."""
        if key not in self._parts:
            self._xml[key] = xml()
            if word_tags.DOCXTPL_MERGES.search(self._xml[key]):
                self._reorder.add(key)
            if re.search(r"\{%-?\s*t[rc]\s", self._xml[key]):
                self._loops.add(key)
            try:
                self._sources[key] = self.jinja_source(self._xml[key])
                self._parts[key] = self.env.from_string(self._sources[key])
            except JinjaError as exc:
                raise self.error(exc, key) from None
            except word_tags.JoinRefused as exc:
                raise self.join_error(exc, key) from None
            except word_tags.WordTagRefused as exc:
                place = self.word_part(key).paragraph_with(r"\{\{\s*t[rc] ")
                raise TemplateError(exc.text, template=self.path, place=place.near(exc.tag)) from None
        return self._parts[key]

    def render_part(self, key: str, context: dict, *, listing: bool = True) -> str:
        """One compiled part rendered, then finished as docxtpl's render_xml_part finishes it
        (`listing` False: all but its last step, fast.listed); a mistake is reported at its
        place in Word."""
        try:
            dst = self._parts[key].render(context)
        except _RUNTIME_ERRORS as exc:
            raise self.error(exc, key, context) from None
        loops = key in self._loops and not verbatim.never_empty(self, key)
        return finish_part(dst, key in self._reorder, loops, listing=listing)

    def body_plan(self) -> verbatim.Plan | None:
        """How the body's renderings are written without parsing them (verbatim.py), if proved."""
        if self._plan is False:
            reordered = "document" in self._reorder  # docxtpl's merges reorder cell properties: not proved
            self._plan = None if reordered else verbatim.prove(self._sources["document"], self.env)
        return self._plan

    def property_template(self, name: str, text: str):
        """A document property (标题, 主题, …) compiled as a template."""
        text = text or ""
        if (name, text) not in self._properties:
            try:
                self._properties[(name, text)] = self.env.from_string(text)
            except JinjaError as exc:
                raise self.error(exc, place=word_property(name, text)) from None
        return self._properties[(name, text)]

    def word_part(self, key: str) -> WordPart:
        """One part of the template, able to name the places in it as Word shows them."""
        name = "正文" if key == "document" else self.part_names.get(key)
        if name is None:
            name = "脚注" if "footnote" in key else "页眉" if "header" in key else "页脚" if "footer" in key else key
        return WordPart(name, self._xml[key], self.jinja_source, lambda: make_env(autoescape=True))

    def error(self, exc: BaseException, key: str | None = None, context=None, place=None) -> TemplateError:
        """The TemplateError for `exc`, raised compiling or rendering part `key`, at the place
        the user sees in Word."""
        if place is not None:  # a document property: one piece of Jinja
            return template_error(exc, self.path, place, self.env, place.text)
        part = self.word_part(key)
        unclosed = part.unclosed_tag() if isinstance(exc, TemplateSyntaxError) else None
        if unclosed is not None:  # Jinja read on past the paragraph and names what it met there
            place, end = unclosed
            return TemplateError(f"模板语法错误：标记没有写完：缺少“{end}”", template=self.path, place=place)
        place, opened = part.place_of(exc, context)
        return TemplateError(explain(exc, self.env, opened), template=self.path, place=place.near(needle(exc)))

    def join_error(self, exc: word_tags.JoinRefused, key: str) -> TemplateError:
        """The TemplateError for a `{%-`/`-%}` whose joining of paragraphs would damage the
        document, at the tag's paragraph (found again in the part with places.py's markers)."""
        part = self.word_part(key)
        place = Place(part.name)
        try:
            part.marked_source()
        except word_tags.JoinRefused as again:
            exc = again
            if again.marker is not None:
                place = part.element_place(again.marker)
        return TemplateError(exc.message(place.text), template=self.path, place=place.near(exc.tag))

    def refuse_unset(self, unset: dict[str, str], guards=None) -> None:
        """Refuse, before rendering, a template that needs a value this rendering was not given
        (`unset`: variable name → what to add, e.g. "year" → "…请加 --year"; `guards`: see
        jinja_env.needs_value). Names the first place that needs one."""
        if not unset or frozenset(unset) in self._complete:
            return
        for key in self._parts:
            found = needs_value(self.env, self._source_of(key), unset, guards)
            if found:
                name = found[0][0]
                part = self.word_part(key)
                places = part.lines_of(
                    lambda src, name=name: [n for v, n in needs_value(self.env, src, unset, guards) if v == name]
                )
                raise TemplateError(unset[name], template=self.path, place=places[0].near(name))
        for prop, text in self._properties:
            found = needs_value(self.env, text, unset, guards)
            if found:
                name = found[0][0]
                raise TemplateError(unset[name], template=self.path, place=word_property(prop, text).near(name))
        for b in self.charts.bindings:  # a chart of an empty list would be drawn empty, silently
            found = needs_value(self.env, "{{ " + b.items + " }}", unset, guards)
            if found:
                raise TemplateError(unset[found[0][0]], template=self.path, place=Place(f"图表“{b.name}”", b.tag))
        self._complete.add(frozenset(unset))

    def _source_of(self, key: str) -> str:
        return self.jinja_source(self._xml[key])

    def render(self, context: dict, signature: Signature | None = None) -> bytes:
        """The filled document as normalised (reproducible) .docx bytes; given a `signature`, its
        properties signed (package.Signature) in the same pass."""
        if self._package is not None:
            out = self._package.render(context, signature)
            if out is not None:
                return out
        data = self.render_docxtpl(context)
        return data if signature is None else signature.package(data)

    def render_docxtpl(self, context: dict, *, fast_charts: bool = True) -> bytes:
        """The document rendered through docxtpl itself (footnotes; the reference for tests, with
        `fast_charts` False its charts filled by python-pptx and xlsxwriter, chart_part.py)."""
        tpl = _Template(self)
        tpl.render_init()
        tpl.render(context, self.env, autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
        data = buf.getvalue()
        return normalise_package(data, replace=self.finished_members(package_parts(data), context, fast=fast_charts))

    def finished_members(self, parts: Mapping[str, bytes], context: dict, *, fast: bool = True) -> dict[str, bytes]:
        """Members to replace (or add) in a rendered document (`parts`: its members by name), on
        both paths: the charts bound by chart tags, filled with the context's data."""
        return filled_members(parts, self.charts, context, fast=fast) if self.charts else {}


_ENTITY = re.compile(r"&(?:amp|quot|apos|#\d+|#x[0-9a-fA-F]+);")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def _tag_entities(source: str) -> str:
    """`source` with the XML escapes inside its tags read as the characters the user typed:
    `{{ plan.city ~ " & " ~ x }}` is saved as `" &amp; "`, which Jinja printed as “&amp;”, and
    `{% if x == "研发&设计" %}` was never true. (docxtpl reads back only `&lt;` and `&gt;`.)
    Text outside the tags stays XML; what a tag prints is escaped again (autoescape)."""
    if "&" not in source:
        return source
    return _TAG.sub(
        lambda m: _ENTITY.sub(lambda e: html.unescape(e.group(0)), m.group(0)) if "&" in m.group(0) else m.group(0),
        source,
    )


_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_RUNTIME_ERRORS = (JinjaError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError)


def _footnote_parts(tpl: DocxTemplate) -> list:
    return [part for part in tpl.docx.part.package.parts if part.content_type == _FOOTNOTES]


def _blob_text(part) -> str:
    return part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
