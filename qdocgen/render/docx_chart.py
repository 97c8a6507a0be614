"""Native Word charts whose data comes from the context: the chart lives in the template.

A chart inserted in Word or WPS (插入 → 图表) is a DrawingML chart part, `word/charts/chartN.xml`,
holding its categories and values as caches (what Word, WPS and LibreOffice draw) and an embedded
workbook (what 编辑数据 opens). A chart whose alt text (可选文字, `wp:docPr/@descr`) or whose own
title holds a chart tag is bound to a list of the context:

    {{ chart: annex|rejectattr("ratio", "none") | 指标=measure, 完成率=ratio, 目标=1 }}

Before the `|` that starts the columns stands the list (any Jinja expression, filters allowed).
Each column is `名称=表达式`, evaluated for every item of the list with the item's fields as
variables (and `item` for the item itself); the first column gives the categories, each further
one a series, named by its 名称 (legend, workbook heading). A series value is a number, or
none/undefined for a gap. See docs/templates.md.

Everything the user styled (type, colours, fonts, labels, axes, size) stays as it is: only the
series' names, categories and values are rewritten, with python-pptx's series rewriter (the one
behind its `Chart.replace_data`), and the embedded workbook is written anew from the same data
by python-pptx's workbook writer (xlsxwriter), normalised to fixed dates so builds stay
byte-reproducible. `fill_charts` gives the new bytes of the chart parts for a rendered package;
`chart_parts` does one chart from the package's parts and the data.
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

from jinja2 import TemplateError as JinjaError
from jinja2 import Undefined
from jinja2.utils import missing
from lxml import etree

from qdocgen.errors import TemplateError
from qdocgen.render.locate import error_text
from qdocgen.render.package import normalise_package

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PR_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RT_CHART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
RT_PACKAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENT = "word/document.xml"
_TAG = re.compile(r"\{\{\s*chart\s*[:：](.*?)\}\}", re.S)
_NOT_CATEGORY = ("scatterChart", "bubbleChart", "stockChart", "surfaceChart", "surface3DChart")
_OPEN, _CLOSE = "([{", ")]}"
MAX_POINTS = 10_000  # categories of one chart (Word's own limit is 32,000 points a series)
MAX_SERIES = 255  # Word's limit


@dataclass(frozen=True)
class ChartTable:
    """A chart's data: the categories (with their column heading) and each series' values."""

    heading: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]


@dataclass(frozen=True)
class ChartBinding:
    """A chart of the template bound to a context list by the tag in its alt text or title."""

    part: str  # the chart part, e.g. 'word/charts/chart1.xml'
    name: str  # the drawing's name in Word (图表 1), for messages
    tag: str  # the tag as written
    items: str  # the list expression
    columns: tuple[tuple[str, str], ...]  # (名称, expression); the first gives the categories


# ── the tag ─────────────────────────────────────────────────────────────────────────────────


def _top_level_split(text: str, seps: str) -> list[str]:
    """`text` cut at each of `seps` outside brackets and quotes."""
    out, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in seps:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def _assignment(text: str) -> tuple[str, str] | None:
    """('完成率', 'ratio') from '完成率=ratio' (a lone `=` outside brackets and quotes), else None."""
    depth, quote = 0, ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "=＝":
            before, after = text[i - 1 : i], text[i + 1 : i + 2]
            if ch == "=" and (before in "=!<>" and before or after == "="):
                continue
            return text[:i].strip(), text[i + 1 :].strip()
    return None


def parse_tag(tag: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(list expression, columns) of a chart tag's inside; ValueError (Chinese) if malformed."""
    pipes = _top_level_split(tag, "|")
    for k in range(1, len(pipes)):
        first = _top_level_split(pipes[k], ",，")[0]
        if _assignment(first):
            items = "|".join(pipes[:k]).strip()
            rest = "|".join(pipes[k:])
            break
    else:
        raise ValueError("缺少“| 名称=字段, …”：竖线后应列出分类和各系列，如 {{ chart: 列表 | 区=name, 完成率=rate }}")
    if not items:
        raise ValueError("竖线前应写出列表变量，如 {{ chart: annex | 指标=measure, 完成率=ratio }}")
    columns = []
    for piece in _top_level_split(rest, ",，"):
        if not piece.strip():
            continue
        pair = _assignment(piece)
        if not pair or not pair[0] or not pair[1]:
            raise ValueError(f"“{piece.strip()}”应写作 名称=字段")
        columns.append(pair)
    if len(columns) < 2:
        raise ValueError("至少要有分类和一个系列，如 区=name, 完成率=rate")
    if len(columns) > MAX_SERIES + 1:
        raise ValueError(f"系列太多：一张图表最多 {MAX_SERIES} 个系列")
    names = [n for n, _ in columns]
    if len(set(names)) < len(names):
        raise ValueError(f"名称重复：{'、'.join(names)}")
    return items, tuple(columns)


@dataclass
class TemplateCharts:
    """What `find_bindings` found in a template: the members to replace (tags taken out), the
    bound charts, and the names of charts drawn in the body without a tag."""

    replace: dict[str, bytes]
    bindings: list[ChartBinding]
    unbound: list[str]


def find_bindings(parts: Mapping[str, bytes], template: str = "") -> TemplateCharts:
    """The chart tags of a template, each taken out of where it was written (the drawing's alt
    text or title, or the chart's own title) so the Jinja of the body never sees it.

    `parts` maps member names to bytes; the document part, its relationships and the chart
    parts are read. TemplateError (Chinese, naming template and chart) for a bad tag.
    """
    found = TemplateCharts({}, [], [])
    document_xml = parts.get(DOCUMENT, b"")
    if C_NS.encode() not in document_xml:
        return found
    root = etree.fromstring(document_xml)
    targets = _relationship_targets(parts.get("word/_rels/document.xml.rels"), "word")
    for pr in root.iter(f"{{{WP_NS}}}docPr"):
        name = pr.get("name") or "图表"
        chart = pr.getparent().find(f".//{{{C_NS}}}chart")
        rid = chart.get(f"{{{R_NS}}}id") if chart is not None else None
        part = targets.get(rid) if rid else None
        where = f"模板 {template} 图表“{name}”"
        tag, place = None, ""
        for attr in ("descr", "title"):
            text = pr.get(attr) or ""
            m = _TAG.search(text)
            if m:
                tag, place = m, "的可选文字"
                rest = (text[: m.start()] + text[m.end() :]).strip()
                pr.set(attr, rest) if rest else pr.attrib.pop(attr)
                break
        if tag is not None and part is None:
            raise TemplateError(
                f"{where}的可选文字 {tag.group(0)}：它所在的对象不是 Word 图表（请在“插入 → 图表”插入的图表上设置）"
            )
        if part is None:
            continue
        if part not in parts:
            raise TemplateError(f"{where}：模板中缺少图表部件 {part}")
        space = etree.fromstring(parts[part])
        in_title = _title_tag(space)  # taken out even when the alt text has a tag (which wins)
        if in_title is not None:
            found.replace[part] = etree.tostring(space, xml_declaration=True, encoding="UTF-8", standalone=True)
            if tag is None:
                tag, place = in_title, "的标题"
        if tag is None:
            found.unbound.append(name)
            continue
        try:
            items, columns = parse_tag(tag.group(1))
        except ValueError as exc:
            raise TemplateError(f"{where}{place} {tag.group(0)}：{exc}") from None
        found.bindings.append(ChartBinding(part, name, tag.group(0), items, columns))
    if found.bindings:
        found.replace[DOCUMENT] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return found


def _title_tag(space) -> re.Match | None:
    """The chart tag written as the chart's own title, taken out of it (the title goes when
    nothing else is left in it, and Word is told not to make one up)."""
    title = space.find(f"{{{C_NS}}}chart/{{{C_NS}}}title")
    if title is None:
        return None
    texts = list(title.iter(f"{{{A_NS}}}t"))
    whole = "".join(t.text or "" for t in texts)
    m = _TAG.search(whole)
    if m is None:
        return None
    rest = (whole[: m.start()] + whole[m.end() :]).strip()
    if rest:
        for k, t in enumerate(texts):
            t.text = rest if k == 0 else ""
        return m
    title.getparent().remove(title)
    deleted = space.find(f"{{{C_NS}}}chart/{{{C_NS}}}autoTitleDeleted")
    if deleted is None:
        deleted = etree.Element(f"{{{C_NS}}}autoTitleDeleted")
        space.find(f"{{{C_NS}}}chart").insert(0, deleted)
    deleted.set("val", "1")
    return m


def _relationship_targets(rels_xml: bytes | None, base: str) -> dict[str, str]:
    """rId → part name of the (internal) relationships in a .rels part."""
    if not rels_xml:
        return {}
    out = {}
    for rel in etree.fromstring(rels_xml):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        out[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{base}/{target}")
    return out


# ── the data ────────────────────────────────────────────────────────────────────────────────


class BoundCharts:
    """The chart bindings of one template, compiled once in the template's environment."""

    def __init__(self, bindings: list[ChartBinding], env, template: str):
        self.bindings = bindings
        self.template = template
        self._compiled = []
        for b in bindings:
            try:
                items = env.compile_expression(b.items, undefined_to_none=False)
                columns = [(name, env.compile_expression(expr, undefined_to_none=False)) for name, expr in b.columns]
            except JinjaError as exc:
                raise TemplateError(f"{self.where(b)}：{error_text(exc)}") from None
            self._compiled.append((items, columns))

    def __bool__(self) -> bool:
        return bool(self.bindings)

    def where(self, b: ChartBinding) -> str:
        return f"模板 {self.template} 图表“{b.name}”（{b.tag}）"

    def tables(self, context: Mapping) -> dict[str, ChartTable]:
        """Each bound chart part's data from `context`."""
        return {
            b.part: self.table(b, compiled, context) for b, compiled in zip(self.bindings, self._compiled, strict=True)
        }

    def table(self, b: ChartBinding, compiled, context: Mapping) -> ChartTable:
        items_fn, columns = compiled
        where = self.where(b)
        try:
            items = _defined(items_fn(**context))
        except JinjaError as exc:
            raise TemplateError(f"{where}：{error_text(exc)}") from None
        if items is None or isinstance(items, str | bytes | Mapping):
            raise TemplateError(f"{where}：“{b.items}”应为列表，实为 {_shown(items)}")
        try:
            items = list(items)
        except TypeError:
            raise TemplateError(f"{where}：“{b.items}”应为列表，实为 {_shown(items)}") from None
        if len(items) > MAX_POINTS:
            raise TemplateError(f"{where}：列表有 {len(items):,} 项，一张图表最多画 {MAX_POINTS:,} 项")
        cells: list[list[object]] = [[] for _ in columns]
        for n, item in enumerate(items, start=1):
            scope = dict(context)
            if isinstance(item, Mapping):
                scope.update(item)
            scope["item"] = item
            for k, (name, fn) in enumerate(columns):
                try:
                    cells[k].append(_defined(fn(**scope)))
                except JinjaError as exc:
                    raise TemplateError(f"{where}：第{n}项的“{name}”：{error_text(exc)}") from None
        categories = tuple("" if v is None else str(v) for v in cells[0])
        series = []
        for (name, _), values in zip(columns[1:], cells[1:], strict=True):
            series.append((name, tuple(_number(v, where, name, n) for n, v in enumerate(values, start=1))))
        return ChartTable(columns[0][0], categories, tuple(series))


def _defined(value: object) -> object:
    """`value`, None for `a if b` without else when b is false; UndefinedError for a misspelt
    name or field (it must not turn into silently empty bars)."""
    if isinstance(value, Undefined):
        if value._undefined_name is not None or value._undefined_obj is not missing:
            value._fail_with_undefined_error()
        return None
    return value


def _shown(value: object) -> str:
    return "未定义" if isinstance(value, Undefined) else repr(value)[:40]


def _number(value: object, where: str, series: str, n: int) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TemplateError(f"{where}：系列“{series}”第{n}项应为数字，实为 {_shown(value)}")
    # 15 significant digits, as Excel keeps them: the cache and the workbook then agree exactly
    return float(f"{value:.15g}") if isinstance(value, float) else value


# ── the chart part and its workbook ─────────────────────────────────────────────────────────


def rels_name(part: str) -> str:
    """'word/charts/_rels/chart1.xml.rels' for 'word/charts/chart1.xml'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def chart_parts(parts: Mapping[str, bytes], part: str, table: ChartTable) -> dict[str, bytes]:
    """New bytes of the chart part `part` filled with `table`, of its embedded workbook, and (when
    the chart had no embedded workbook) of its relationships and of [Content_Types].xml.

    `parts` maps the package's member names to their bytes (only the chart part, its .rels and
    [Content_Types].xml are read). Only series names, categories and values change.
    """
    from pptx.chart.data import CategoryChartData
    from pptx.chart.xmlwriter import SeriesXmlRewriterFactory
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.oxml import parse_xml

    space = parse_xml(parts[part])
    plot = space.plotArea
    kinds = [etree.QName(x).localname for x in plot.iterchildren() if etree.QName(x).localname.endswith("Chart")]
    odd = [k for k in kinds if k in _NOT_CATEGORY]
    if odd or not kinds:
        raise ValueError(
            f"图表类型 {odd[0] if odd else '（无）'} 不能按列表填充，请用柱形图、条形图、折线图、饼图或面积图"
        )
    formats = [_format_code(ser) for ser in plot.sers]
    data = CategoryChartData()
    data.categories = list(table.categories) or [""]
    for i, (name, values) in enumerate(table.series):
        fmt = formats[min(i, len(formats) - 1)] if formats else "General"
        data.add_series(name, list(values) if table.categories else [None], number_format=fmt)
    SeriesXmlRewriterFactory(XL_CHART_TYPE.COLUMN_CLUSTERED, data).replace_series_data(space)
    _unique_series_ids(space)
    _drop_points_beyond(space, max(1, len(table.categories)))
    out: dict[str, bytes] = {}
    workbook = normalise_package(_workbook(data, table))
    rels_part = rels_name(part)
    rels = etree.fromstring(parts[rels_part]) if rels_part in parts else None
    ext = space.find(f"{{{C_NS}}}externalData")
    target = None
    if ext is not None and rels is not None:
        rid = ext.get(f"{{{R_NS}}}id")
        for rel in rels:
            if rel.get("Id") == rid and rel.get("TargetMode") != "External" and rel.get("Type") == RT_PACKAGE:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(part), rel.get("Target")))
    if target is None:  # no embedded workbook yet (or a linked one): embed one
        target, rels = _add_workbook(space, part, rels, parts)
        out[rels_part] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
        out["[Content_Types].xml"] = _with_xlsx_type(parts["[Content_Types].xml"])
    out[part] = etree.tostring(space, xml_declaration=True, encoding="UTF-8", standalone=True)
    out[target] = workbook
    return out


def _format_code(ser) -> str:
    code = ser.find(f"{{{C_NS}}}val/{{{C_NS}}}numRef/{{{C_NS}}}numCache/{{{C_NS}}}formatCode")
    return code.text if code is not None and code.text else "General"


def _drop_points_beyond(space, count: int) -> None:
    """A point styled or labelled on its own in the template (c:dPt, c:dLbl) past the last
    category left: it would style nothing, and Word may refuse the file."""
    for ser in space.iter(f"{{{C_NS}}}ser"):
        for el in [*ser.findall(f"{{{C_NS}}}dPt"), *ser.findall(f"{{{C_NS}}}dLbls/{{{C_NS}}}dLbl")]:
            idx = el.find(f"{{{C_NS}}}idx")
            if idx is not None and int(idx.get("val", "0")) >= count:
                el.getparent().remove(el)


def _unique_series_ids(space) -> None:
    """Series cloned for added data carry their model's c16:uniqueId: make every one unique."""
    seen = set()
    for n, uid in enumerate(space.iter("{http://schemas.microsoft.com/office/drawing/2014/chart}uniqueId")):
        val = uid.get("val")
        if val in seen:
            uid.set("val", f"{{{0xC4A27000 + n:08X}-0000-4000-8000-{n:012X}}}")
        seen.add(uid.get("val"))


def _workbook(data, table: ChartTable) -> bytes:
    """The workbook python-pptx writes for `data`, with the categories' heading in A1."""
    from pptx.chart.xlsx import CategoryWorkbookWriter

    width = max(10, min(60, 2 * max((len(c) for c in table.categories), default=0)))

    class Writer(CategoryWorkbookWriter):
        # Every text is written as text: xlsxwriter's `write` would make '=…' a formula and an
        # address a hyperlink (a measure's name must not become a formula in 编辑数据).
        def _populate_worksheet(self, workbook, worksheet):
            super()._populate_worksheet(workbook, worksheet)
            worksheet.write_string(0, 0, table.heading)
            worksheet.set_column(0, 0, width)

        def _write_cat_column(self, worksheet, col, level, num_format):
            for off, name in level:
                worksheet.write_string(off + 1, col, str(name), num_format)

        def _write_series(self, workbook, worksheet):
            col_offset = self._chart_data.categories.depth
            for idx, series in enumerate(self._chart_data):
                num_format = workbook.add_format({"num_format": series.number_format})
                col = idx + col_offset
                worksheet.write_string(0, col, series.name)
                for row, value in enumerate(series.values, start=1):
                    if value is None:
                        worksheet.write_blank(row, col, None, num_format)
                    else:
                        worksheet.write_number(row, col, value, num_format)

    writer = Writer(data)
    blob = io.BytesIO()
    with writer._open_worksheet(blob) as (workbook, worksheet):
        writer._populate_worksheet(workbook, worksheet)
    return blob.getvalue()  # its creation time is fixed by normalise_package


def _add_workbook(space, part: str, rels, parts: Mapping[str, bytes]):
    if rels is None:
        rels = etree.Element(f"{{{PR_NS}}}Relationships", nsmap={None: PR_NS})
    ids = {rel.get("Id") for rel in rels}
    rid = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
    stem = posixpath.splitext(posixpath.basename(part))[0]
    target = f"word/embeddings/Microsoft_Excel_Worksheet_{stem}.xlsx"
    n = 1
    while target in parts:
        n += 1
        target = f"word/embeddings/Microsoft_Excel_Worksheet_{stem}_{n}.xlsx"
    rel = etree.SubElement(rels, f"{{{PR_NS}}}Relationship")
    rel.set("Id", rid)
    rel.set("Type", RT_PACKAGE)
    rel.set("Target", posixpath.relpath(target, posixpath.dirname(part)))
    ext = space.find(f"{{{C_NS}}}externalData")
    if ext is None:
        ext = space._add_externalData()
    ext.set(f"{{{R_NS}}}id", rid)
    if ext.find(f"{{{C_NS}}}autoUpdate") is None:
        etree.SubElement(ext, f"{{{C_NS}}}autoUpdate").set("val", "0")
    return target, rels


def _with_xlsx_type(content_types: bytes) -> bytes:
    root = etree.fromstring(content_types)
    if not any(d.get("Extension", "").lower() == "xlsx" for d in root.iter(f"{{{CT_NS}}}Default")):
        default = etree.Element(f"{{{CT_NS}}}Default", Extension="xlsx", ContentType=CT_XLSX)
        root.insert(0, default)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ── a rendered package ──────────────────────────────────────────────────────────────────────


def fill_charts(package: bytes, charts: BoundCharts, context: Mapping) -> dict[str, bytes]:
    """The members of a rendered .docx to replace so its bound charts show `context`'s data.

    A chart the template left out (`{%p if … %}`) is filled all the same, so the template's own
    figures survive nowhere in the file; one repeated by a loop is refused (Word needs a part of
    its own for each chart drawn).
    """
    if not charts:
        return {}
    parts = _Members(zipfile.ZipFile(io.BytesIO(package)))
    drawn = _drawn_charts(parts[DOCUMENT], parts.get("word/_rels/document.xml.rels"))
    out: dict[str, bytes] = {}
    tables = charts.tables(context)
    for binding in charts.bindings:
        count = drawn.get(binding.part, 0)
        if count > 1:
            raise TemplateError(f"{charts.where(binding)}：图表不能放在循环中（它出现了 {count} 次）")
        try:
            out.update(chart_parts(_Overlay(parts, out), binding.part, tables[binding.part]))
        except ValueError as exc:
            raise TemplateError(f"{charts.where(binding)}：{exc}") from None
    return out


class _Overlay(Mapping):
    """`base` with the members in `changed` taking precedence (charts filled so far)."""

    def __init__(self, base: Mapping[str, bytes], changed: Mapping[str, bytes]):
        self.base, self.changed = base, changed

    def __getitem__(self, name: str) -> bytes:
        return self.changed[name] if name in self.changed else self.base[name]

    def __iter__(self):
        return iter(set(self.base) | set(self.changed))

    def __len__(self) -> int:
        return len(set(self.base) | set(self.changed))


class _Members(Mapping):
    """A package's members by name, each read when first asked for."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.names = set(zf.namelist())
        self.read: dict[str, bytes] = {}

    def __getitem__(self, name: str) -> bytes:
        if name not in self.names:
            raise KeyError(name)
        if name not in self.read:
            self.read[name] = self.zf.read(name)
        return self.read[name]

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _drawn_charts(document: bytes, rels: bytes | None) -> dict[str, int]:
    """How often each chart part is drawn in the document body."""
    targets = _relationship_targets(rels, "word")
    counts: dict[str, int] = {}
    if C_NS.encode() not in document:
        return counts
    for chart in etree.fromstring(document).iter(f"{{{C_NS}}}chart"):
        part = targets.get(chart.get(f"{{{R_NS}}}id", ""))
        if part:
            counts[part] = counts.get(part, 0) + 1
    return counts
