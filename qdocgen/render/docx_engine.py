"""Word templates: docxtpl's Jinja-in-Word, prepared once and rendered many times.

docxtpl normally re-reads the .docx, re-cleans its XML and recompiles the Jinja template on
every render. `PreparedDocx` does the clean-up and compilation once per template and keeps
the compiled parts, so a build of a hundred districts costs little more than one of five.
Rendering runs in qdocgen's sandboxed environment with autoescape on and undefined variables
as errors; any error names the template and the paragraph or table cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateError as JinjaError

from qdocgen.errors import TemplateError, os_error_text, package_error_text
from qdocgen.render.explain import explain, needle, template_error
from qdocgen.render.jinja_env import make_env, needs_value
from qdocgen.render.locate import WORD_PROPERTIES, WordPart, word_part_names, word_property
from qdocgen.render.package import normalise_package


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
        try:
            self.blob = self.path.read_bytes() if blob is None else blob
        except OSError as exc:
            raise TemplateError(f"无法读取模板 {self.path}：{os_error_text(exc)}") from None
        if not zipfile.is_zipfile(io.BytesIO(self.blob)):
            raise TemplateError(f"模板 {self.path} 不是 Word 文档（.docx）")
        self.env = make_env(autoescape=True)
        self._parts: dict[str, object] = {}
        self._xml: dict[str, str] = {}  # each part's XML as the user saved it, to locate mistakes
        self._properties: dict[tuple[str, str], object] = {}
        self._complete: set[frozenset] = set()  # sets of unset names this template does without
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

    def prepare_xml(self, xml: str) -> str:
        """A part's XML made into Jinja source: docxtpl's clean-up of tags split across runs,
        `{%p %}`/`{%tr %}`/`{%tc %}` markers and the like."""
        return self._patcher.patch_xml(xml)

    def jinja_source(self, xml: str) -> str:
        """What gets compiled: one line per paragraph, so errors have a line (see locate.py)."""
        return re.sub(r"<w:p([ >])", r"\n<w:p\1", self.prepare_xml(xml))

    def compiled(self, key: str, xml):
        """The compiled Jinja template of one part (`xml()` gives its XML), compiled on first use."""
        if key not in self._parts:
            self._xml[key] = xml()
            try:
                self._parts[key] = self.env.from_string(self.jinja_source(self._xml[key]))
            except JinjaError as exc:
                raise self.error(exc, key) from None
        return self._parts[key]

    def render_part(self, key: str, context: dict) -> str:
        """One compiled part rendered, then finished as docxtpl's render_xml_part finishes it;
        a mistake is reported at its place in Word."""
        try:
            dst = self._parts[key].render(context)
        except _RUNTIME_ERRORS as exc:
            raise self.error(exc, key, context) from None
        dst = re.sub(r"\n<w:p([ >])", r"<w:p\1", dst)
        dst = dst.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return DocxTemplate.resolve_listing(None, dst)

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
        place, opened = self.word_part(key).place_of(exc, context)
        return TemplateError(explain(exc, self.env, opened), template=self.path, place=place.near(needle(exc)))

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
        self._complete.add(frozenset(unset))

    def _source_of(self, key: str) -> str:
        return self.jinja_source(self._xml[key])

    def render(self, context: dict) -> bytes:
        """The filled document as normalised (reproducible) .docx bytes."""
        tpl = _Template(self)
        tpl.render_init()
        context = _with_pictures(context, tpl)
        tpl.render(context, self.env, autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
        return normalise_package(buf.getvalue())


_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_RUNTIME_ERRORS = (JinjaError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError)


def _footnote_parts(tpl: DocxTemplate) -> list:
    return [part for part in tpl.docx.part.package.parts if part.content_type == _FOOTNOTES]


def _blob_text(part) -> str:
    return part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob


def _with_pictures(value, tpl):
    """The context with every Picture turned into a docxtpl InlineImage for this render."""
    if isinstance(value, Picture):
        return InlineImage(tpl, io.BytesIO(value.data), width=Mm(value.width_mm))
    if isinstance(value, dict):
        return {k: _with_pictures(v, tpl) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_pictures(v, tpl) for v in value]
    return value
