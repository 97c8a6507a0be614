"""Word templates: docxtpl's Jinja-in-Word, prepared once and rendered many times.

docxtpl normally re-reads the .docx, re-cleans its XML and recompiles the Jinja template on
every render. `PreparedDocx` does the clean-up and compilation once per template and keeps
the compiled parts, so a build of a hundred districts costs little more than one of five.
Rendering runs in qdocgen's sandboxed environment with autoescape on and undefined variables
as errors; any error names the template and the paragraph or table cell. Charts bound to a
context list by a chart tag (in their title or alt text) are filled after rendering: the tags
in render/chart_tag.py, the chart parts in render/docx_chart.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateError as JinjaError
from lxml import etree

from qdocgen.errors import TemplateError, os_error_text, package_error_text
from qdocgen.render.chart_tag import BoundCharts, ChartBinding, find_bindings
from qdocgen.render.docx_chart import fill_charts
from qdocgen.render.jinja_env import make_env
from qdocgen.render.locate import docx_place, error_text, template_line
from qdocgen.render.package import normalise_package
from qdocgen.render.tag_text import clean_tags


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
        compiled, src = self.prepared.compiled(key, lambda: self.patch_xml(source()))
        self.current_rendering_part = part
        try:
            dst = compiled.render(context)
        except (JinjaError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError) as exc:
            raise self.prepared.error(exc, src, key) from None
        dst = re.sub(r"\n<w:p([ >])", r"<w:p\1", dst)
        dst = dst.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self.resolve_listing(dst)


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
        self.blob, bindings = self._chart_bindings(self.blob)
        self.env = make_env(autoescape=True)
        self.charts = BoundCharts(bindings, self.env, str(self.path))
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

    def compiled(self, key: str, source) -> tuple[object, str]:
        """The compiled Jinja template of one part, compiling it on first use."""
        if key not in self._parts:
            src = clean_tags(re.sub(r"<w:p([ >])", r"\n<w:p\1", source()))
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

    def render(self, context: dict) -> bytes:
        """The filled document as normalised (reproducible) .docx bytes."""
        tpl = _Template(self)
        tpl.render_init()
        try:
            tpl.render(context, self.env, autoescape=True)
        except TemplateError:
            raise
        except JinjaError as exc:
            raise TemplateError(f"模板 {self.path}（文档属性或脚注）：{error_text(exc)}") from None
        buf = io.BytesIO()
        tpl.save(buf)
        data = buf.getvalue()
        return normalise_package(data, replace=fill_charts(data, self.charts, context))
