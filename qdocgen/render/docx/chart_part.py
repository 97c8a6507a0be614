"""Native Word charts filled with data: the chart part, its caches and its embedded workbook.

A chart inserted in Word or WPS (插入 → 图表) is a DrawingML chart part, `word/charts/chartN.xml`,
holding its categories and values as caches (what Word, WPS and LibreOffice draw) and an embedded
workbook (what 编辑数据 opens). Everything the user styled (type, colours, fonts, labels, axes,
size) stays as it is: only the series' names, categories and values are rewritten, with
python-pptx's series rewriter (the one behind its `Chart.replace_data`), and the embedded workbook
is written anew from the same data by python-pptx's workbook writer (xlsxwriter), normalised to
fixed dates so builds stay byte-reproducible.

`chart_parts` fills one chart from the package's parts and a `ChartTable`; which charts a
template binds to which data, and filling them in a rendered package, is charts.py's.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from qdocgen.render.package import normalise_package

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RT_CHART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
RT_PACKAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENT = "word/document.xml"
_NOT_CATEGORY = ("scatterChart", "bubbleChart", "stockChart", "surfaceChart", "surface3DChart")


@dataclass(frozen=True)
class ChartTable:
    """A chart's data: the categories (with their column heading) and each series' values."""

    heading: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]


# ── the chart part and its workbook ─────────────────────────────────────────────────────────


def relationship_targets(rels_xml: bytes | None, base: str) -> dict[str, str]:
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
