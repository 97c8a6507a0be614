"""The chart tag: a chart of a Word template bound to a list of the context.

A chart whose alt text (可选文字, `wp:docPr/@descr`) or whose own title holds a chart tag is
bound to a list of the context:

    {{ chart: annex|rejectattr("ratio", "none") | 指标=measure, 完成率=ratio, 目标=1 }}

Before the `|` that starts the columns stands the list (any Jinja expression, filters allowed).
Each column is `名称=表达式`, evaluated for every item of the list with the item's fields as
variables (and `item` for the item itself); the first column gives the categories, each further
one a series, named by its 名称 (legend, workbook heading). A series value is a number, or
none (`a if b` without else when b is false) for a gap. See docs/templates.md, 图表.

`find_bindings` takes the tags out of a template (its Jinja never sees them); `BoundCharts`
compiles them in the template's sandboxed environment and turns a context into `ChartTable`s,
which chart_part.py writes into the chart parts; `fill_charts` does so for a rendered package.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from jinja2 import TemplateError as JinjaError
from jinja2 import Undefined
from jinja2.utils import missing
from lxml import etree

from qdocgen.errors import TemplateError
from qdocgen.render.docx.chart_fast import fast_chart_parts
from qdocgen.render.docx.chart_part import A_NS, C_NS, DOCUMENT, R_NS, ChartTable, chart_parts, relationship_targets

WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_TAG = re.compile(r"\{\{\s*chart\s*[:：](.*?)\}\}", re.S)
_OPEN, _CLOSE = "([{", ")]}"
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
MAX_POINTS = 10_000  # categories of one chart (Word's own limit is 32,000 points a series)
MAX_SERIES = 255  # Word's limit


@dataclass(frozen=True)
class ChartBinding:
    """A chart of the template bound to a context list by the tag in its alt text or title."""

    part: str  # the chart part, e.g. 'word/charts/chart1.xml'
    name: str  # the drawing's name in Word (图表 1), for messages
    tag: str  # the tag as written
    items: str  # the list expression
    columns: tuple[tuple[str, str], ...]  # (名称, expression); the first gives the categories


# ── the tag ─────────────────────────────────────────────────────────────────────────────────


def _top_level(text: str) -> Iterator[int]:
    """The positions in `text` that stand outside brackets and quotes."""
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
        elif depth == 0:
            yield i


def _top_level_split(text: str, seps: str) -> list[str]:
    """`text` cut at each of `seps` outside brackets and quotes."""
    out, start = [], 0
    for i in _top_level(text):
        if text[i] in seps:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def _assignment(text: str) -> tuple[str, str] | None:
    """('完成率', 'ratio') from '完成率=ratio' (a lone `=` outside brackets and quotes), else None."""
    for i in _top_level(text):
        ch = text[i]
        if ch not in "=＝":
            continue
        before, after = text[i - 1 : i], text[i + 1 : i + 2]
        if ch == "=" and (before in "=!<>" and before or after == "="):
            continue
        return text[:i].strip(), text[i + 1 :].strip()
    return None


def parse_tag(tag: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(list expression, columns) of a chart tag's inside; ValueError (Chinese) if malformed.
    Curly quotes (Word's AutoCorrect in a chart title) count as straight ones."""
    tag = tag.translate(_QUOTES)
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
    targets = relationship_targets(parts.get("word/_rels/document.xml.rels"), "word")
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


# ── the data ────────────────────────────────────────────────────────────────────────────────


class BoundCharts:
    """The chart bindings of one template, compiled once in the template's environment."""

    def __init__(self, bindings: list[ChartBinding], env, template: str):
        self.bindings = bindings
        self.template = template
        self.env = env  # its `elsewhere` (set after this is made) names the notice-only variables
        self._compiled = []
        self._names: dict[ChartBinding, frozenset[str] | None] = {}
        for b in bindings:
            try:
                items = env.compile_expression(b.items, undefined_to_none=False)
                columns = [(name, env.compile_expression(expr, undefined_to_none=False)) for name, expr in b.columns]
            except JinjaError as exc:
                raise TemplateError(f"{self.where(b)}：{explain(exc, env)}") from None
            self._compiled.append((items, columns))

    def __bool__(self) -> bool:
        return bool(self.bindings)

    def _used(self, b: ChartBinding) -> frozenset[str] | None:
        """The variables the columns of `b` use (None: not known)."""
        if b not in self._names:
            try:
                self._names[b] = frozenset().union(*(self.env.names_in("{{ " + expr + " }}") for _, expr in b.columns))
            except JinjaError:
                self._names[b] = None
        return self._names[b]

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
            raise TemplateError(f"{where}：{explain(exc, self.env)}") from None
        if items is None or isinstance(items, str | bytes | Mapping):
            raise TemplateError(f"{where}：“{b.items}”应为列表，实为 {_shown(items)}")
        try:
            items = list(items)
        except TypeError:
            raise TemplateError(f"{where}：“{b.items}”应为列表，实为 {_shown(items)}") from None
        if len(items) > MAX_POINTS:
            raise TemplateError(f"{where}：列表有 {len(items):,} 项，一张图表最多画 {MAX_POINTS:,} 项")
        cells: list[list[object]] = [[] for _ in columns]
        used = self._used(b)
        for n, item in enumerate(items, start=1):
            # The columns see the context, the item's fields over it and `item`; given only the
            # names they use (not the whole context copied per item), they give the same values.
            if used is None:
                scope = _scope(context, item)
            else:
                scope = {k: context[k] for k in used if k in context}
                if isinstance(item, Mapping):
                    scope.update((k, item[k]) for k in used if k in item)
                if "item" in used:
                    scope["item"] = item
            for k, (name, fn) in enumerate(columns):
                try:  # (a dict given as such is read in place, not copied: jinja_env.Expression)
                    cells[k].append(_defined(fn(scope) if used is not None else fn(**scope)))
                except JinjaError:  # said with the whole scope before it, as the user's mistake is explained
                    try:
                        cells[k].append(_defined(fn(**_scope(context, item))))
                    except JinjaError as exc:
                        raise TemplateError(f"{where}：第{n}项的“{name}”：{explain(exc, self.env)}") from None
        categories = tuple("" if v is None else str(v) for v in cells[0])
        series = []
        for (name, _), values in zip(columns[1:], cells[1:], strict=True):
            series.append((name, tuple(_number(v, where, name, n) for n, v in enumerate(values, start=1))))
        return ChartTable(columns[0][0], categories, tuple(series))


def explain(exc: BaseException, env) -> str:
    """render/explain.py's words for a template's mistake (imported only when one is made)."""
    from qdocgen.render.explain import explain as explained

    return explained(exc, env)


def _scope(context: Mapping, item: object) -> dict:
    scope = dict(context)
    if isinstance(item, Mapping):
        scope.update(item)
    scope["item"] = item
    return scope


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
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TemplateError(f"{where}：系列“{series}”第{n}项应为数字，实为 {_shown(value)}")
    # 15 significant digits, as Excel keeps them: the cache and the workbook then agree exactly
    return float(f"{value:.15g}") if isinstance(value, float) else value


# ── a rendered package ──────────────────────────────────────────────────────────────────────


def fill_charts(package: bytes, charts: BoundCharts, context: Mapping, *, fast: bool = True) -> dict[str, bytes]:
    """The members of a rendered .docx to replace so its bound charts show `context`'s data.

    A chart the template left out (`{%p if … %}`) is filled all the same, so the template's own
    figures survive nowhere in the file; one repeated by a loop is refused (Word needs a part of
    its own for each chart drawn).
    """
    if not charts:
        return {}
    return filled_members(package_parts(package), charts, context, fast=fast)


def package_parts(package: bytes) -> Mapping[str, bytes]:
    """A package's members by name, each read when first asked for."""
    return _Members(zipfile.ZipFile(io.BytesIO(package)))


def filled_members(
    parts: Mapping[str, bytes], charts: BoundCharts, context: Mapping, *, fast: bool = True
) -> dict[str, bytes]:
    """As `fill_charts`, from the package's members by name (the rendered document part among
    them), for a renderer that assembles the package itself. `fast`: each chart from its shape's
    frame (chart_fast.py, the same bytes); False: by python-pptx and xlsxwriter (chart_part.py)."""
    fill = fast_chart_parts if fast else chart_parts
    drawn = _drawn_charts(parts[DOCUMENT], parts.get("word/_rels/document.xml.rels"))
    out: dict[str, bytes] = {}
    tables = charts.tables(context)
    for binding in charts.bindings:
        count = drawn.get(binding.part, 0)
        if count > 1:
            raise TemplateError(f"{charts.where(binding)}：图表不能放在循环中（它出现了 {count} 次）")
        try:
            out.update(fill(_Overlay(parts, out), binding.part, tables[binding.part]))
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
    targets = relationship_targets(rels, "word")
    counts: dict[str, int] = {}
    if C_NS.encode() not in document:
        return counts
    for rid in _chart_ids(document):
        part = targets.get(rid)
        if part:
            counts[part] = counts.get(part, 0) + 1
    return counts


_CHART_ID = re.compile(rb'<c:chart\b[^>]*?\sr:id="([^"]*)"')


def _declared_as(document: bytes, namespace: str, prefix: bytes, at: list[int] | None = None) -> bool:
    """Whether every declaration of `namespace` in `document` binds it to `prefix`, and every
    declaration of `prefix` binds it to `namespace`. (The namespace's name may stand elsewhere, as
    a value: a chart's a:graphicData has it as its uri.) `at`: where "xmlns" stands in `document`
    (_xmlns), if known."""
    declared = _found(rb"xmlns(?::([^\s=]+))?\s*=\s*[\"']" + re.escape(namespace.encode()) + rb"[\"']", document, at)
    prefixed = _found(rb"xmlns:" + re.escape(prefix) + rb"\s*=", document, at)
    return all(p == prefix for p in declared) and len(prefixed) == len(declared)


def _xmlns(document: bytes) -> list[int]:
    """Where "xmlns" stands in `document` (a search for a word: a fraction of a regex's scan)."""
    out, at = [], document.find(b"xmlns")
    while at >= 0:
        out.append(at)
        at = document.find(b"xmlns", at + 5)
    return out


def _found(pattern: bytes, document: bytes, at: list[int] | None) -> list:
    """re.findall(pattern, document) for a pattern whose matches start with "xmlns", tried only
    where that stands (`at`), each after the end of the match before it, as findall goes on."""
    if at is None:
        return re.findall(pattern, document)
    compiled, out, done = re.compile(pattern), [], 0
    for start in at:
        if start < done:
            continue
        m = compiled.match(document, start)
        if m is not None:
            out.append(m.groups(b"")[0] if compiled.groups else m.group(0))  # as findall gives a group
            done = m.end()
    return out


def _chart_ids(document: bytes) -> list[str]:
    """The r:id of every c:chart element: read off the bytes when the chart and relationship
    namespaces are only ever bound to the prefixes c and r (as Word and WPS write them), else
    parsed."""
    at = _xmlns(document)
    if _declared_as(document, C_NS, b"c", at) and _declared_as(document, R_NS, b"r", at):
        return [m.decode("utf-8") for m in _CHART_ID.findall(document)]
    return [chart.get(f"{{{R_NS}}}id", "") for chart in etree.fromstring(document).iter(f"{{{C_NS}}}chart")]
