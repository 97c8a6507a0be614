"""Charts carried from the template package as they were written, their ranges and caches moved.

openpyxl reads a chart into its object model and writes it back from that model, losing what
the model lacks: rounded corners come back, a deleted automatic title reappears, Excel 2013+
chart styles and colour parts (chartStyle, colors) and extensions are dropped. So the chart
parts of the template are kept as written: `template_charts` finds, for each sheet, the chart
parts in the order openpyxl reads them; `rewrite` moves each `c:f` range (dropping a series
a loop left empty) and rebuilds the cached values from the filled cells; `replace_parts` puts
the rewritten parts in place of the ones openpyxl wrote, with their style and colour parts.
openpyxl's objects still place the charts (anchors) and are the fallback for a chart whose
part refers to something not carried (a picture fill, shapes drawn on the chart).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree
from openpyxl.chart.chartspace import ChartSpace
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.relationship import get_dependents, get_rel, get_rels_path

from qdocgen.render.xlsx.charts import range_values, series_name
from qdocgen.render.xlsx.references import EmptyRange, ReferenceMover, Refused

C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Parts a chart may carry along: its Excel 2013+ style and colours.
CARRIED = {
    "http://schemas.microsoft.com/office/2011/relationships/chartStyle",
    "http://schemas.microsoft.com/office/2011/relationships/chartColorStyle",
}
# Elements pointing at parts that are not carried, dropped from the chart.
DROPPED = {f"{{{C}}}userShapes", f"{{{C}}}externalData"}


@dataclass
class ChartPart:
    xml: bytes
    extras: list[tuple[str, str, str, bytes, str]] = field(default_factory=list)  # id, type, name, data, type


def template_charts(blob: bytes) -> dict[str, list[ChartPart | None]]:
    """Sheet title → its chart parts, in the order openpyxl loads the sheet's charts."""
    found: dict[str, list[ChartPart | None]] = {}
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        names = set(archive.namelist())
        types = _content_types(archive.read("[Content_Types].xml"))
        book = next(
            (r.target for r in get_dependents(archive, "_rels/.rels") if r.Type.endswith("/officeDocument")), None
        )
        if book is None or get_rels_path(book) not in names:
            return found
        book_rels = get_dependents(archive, get_rels_path(book))
        for sheet in etree.fromstring(archive.read(book)).iter(f"{{{MAIN}}}sheet"):
            rel = book_rels.get(sheet.get(f"{{{R}}}id"))
            if rel is None or get_rels_path(rel.target) not in names:
                continue
            parts: list[ChartPart | None] = []
            for drawing in get_dependents(archive, get_rels_path(rel.target)).find(SpreadsheetDrawing._rel_type):
                parts += _drawing_charts(archive, names, types, drawing.target)
            if parts:
                found[sheet.get("name")] = parts
    return found


def _drawing_charts(archive, names, types, path: str) -> list[ChartPart | None]:
    """As openpyxl's reader.drawings.find_images: the charts it can read, in its order."""
    try:
        drawing = SpreadsheetDrawing.from_tree(etree.fromstring(archive.read(path)))
    except TypeError:
        return []
    deps = get_dependents(archive, get_rels_path(path)) if get_rels_path(path) in names else []
    parts: list[ChartPart | None] = []
    for rel in drawing._chart_rels:
        try:
            get_rel(archive, deps, rel.id, ChartSpace)
        except TypeError:
            continue  # openpyxl skips it too
        target = deps.get(rel.id).target
        parts.append(_chart_part(archive, names, types, target))
    return parts


def _chart_part(archive, names, types, path: str) -> ChartPart | None:
    xml = archive.read(path)
    part = ChartPart(xml)
    rels_path = get_rels_path(path)
    if rels_path not in names:
        return part
    root = etree.fromstring(xml)
    referenced = {v for el in root.iter() for k, v in el.attrib.items() if k.startswith(f"{{{R}}}")}
    dropped = {el.get(f"{{{R}}}id") for el in root.iter(*DROPPED)}
    for rel in get_dependents(archive, rels_path):
        if rel.Type in CARRIED and rel.target in names:
            ctype = types.get("/" + rel.target) or types.get(posixpath.splitext(rel.target)[1])
            if ctype:
                part.extras.append((rel.Id, rel.Type, posixpath.basename(rel.target), archive.read(rel.target), ctype))
                continue
        if rel.Id in referenced and rel.Id not in dropped:
            return None  # the chart needs a part that is not carried: let openpyxl write it
    return part


def _content_types(xml: bytes) -> dict[str, str]:
    found = {}
    for el in etree.fromstring(xml):
        if el.get("PartName"):
            found[el.get("PartName")] = el.get("ContentType")
        elif el.get("Extension"):
            found["." + el.get("Extension")] = el.get("ContentType")
    return found


# -- rewriting ---------------------------------------------------------------------------


def rewrite(part: ChartPart, sheet: str, wb, mover: ReferenceMover) -> bytes:
    """The chart part with its ranges moved and caches rebuilt; raises Refused with the range."""
    root = etree.fromstring(part.xml)
    for el in list(root.iter(*DROPPED)):
        el.getparent().remove(el)
    done = set()
    for series in list(root.iter(f"{{{C}}}ser")):
        formulas = list(series.iter(f"{{{C}}}f"))
        try:
            for f in formulas:
                _move(f, sheet, wb, mover)
        except EmptyRange:
            series.getparent().remove(series)
        done.update(formulas)
    for f in root.iter(f"{{{C}}}f"):
        if f not in done:
            _move(f, sheet, wb, mover)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _move(f, sheet: str, wb, mover: ReferenceMover) -> None:
    if not f.text:
        return
    ref = f.getparent()
    try:
        moved = mover.formula(f.text, sheet, as_ranges=True)
        if etree.QName(ref.getparent()).localname == "tx":
            series_name(f.text, moved)
        f.text = moved
    except EmptyRange:
        raise
    except Refused as exc:
        raise Refused(f"数据区域 {f.text}：{exc}") from None
    kind = etree.QName(ref).localname
    old = ref.find(f"{{{C}}}numCache")
    fmt = old.findtext(f"{{{C}}}formatCode") if old is not None else None
    for cache in ref.findall(f"{{{C}}}*"):
        if etree.QName(cache).localname in ("numCache", "strCache", "multiLvlStrCache"):
            ref.remove(cache)
    values = range_values(wb, f.text)
    if kind == "multiLvlStrRef" or values is None or any(isinstance(v, str) and v.startswith("=") for v in values):
        return  # Excel and LibreOffice compute it on opening
    texts = any(isinstance(v, str) for v in values)
    if kind == "numRef" and texts and etree.QName(ref.getparent()).localname == "cat":
        ref.tag, kind = f"{{{C}}}strRef", "strRef"  # text categories
    cache = etree.Element(f"{{{C}}}{'numCache' if kind == 'numRef' else 'strCache'}")
    if kind == "numRef":
        etree.SubElement(cache, f"{{{C}}}formatCode").text = fmt or "General"
    etree.SubElement(cache, f"{{{C}}}ptCount", val=str(len(values)))
    for i, v in enumerate(values):
        if kind == "numRef":
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                continue
            text = repr(float(v)) if isinstance(v, float) else str(v)
        elif v is None or str(v) == "":
            continue
        else:
            text = str(v)
        point = etree.SubElement(cache, f"{{{C}}}pt", idx=str(i))
        etree.SubElement(point, f"{{{C}}}v").text = text
    f.addnext(cache)


# -- the output package ------------------------------------------------------------------


def replace_parts(package: bytes, charts: list[tuple[str, bytes, ChartPart]]) -> bytes:
    """`package` with each (part name, rewritten xml, source) chart part replacing openpyxl's."""
    if not charts:
        return package
    src = zipfile.ZipFile(io.BytesIO(package))
    files = {name: src.read(name) for name in src.namelist()}
    overrides = []
    for name, xml, part in charts:
        files[name] = xml
        number = re.search(r"(\d+)\.xml$", name).group(1)
        rels = etree.Element(f"{{{PKG_RELS}}}Relationships", nsmap={None: PKG_RELS})
        for rid, rtype, base, data, ctype in part.extras:
            stem = re.sub(r"\d*\.xml$", "", base) or "part"
            target = f"{stem}{number}.xml"
            while f"xl/charts/{target}" in files:
                target = f"{stem}{number}_{len(files)}.xml"
            files[f"xl/charts/{target}"] = data
            overrides.append((f"/xl/charts/{target}", ctype))
            etree.SubElement(rels, f"{{{PKG_RELS}}}Relationship", Id=rid, Type=rtype, Target=target)
        rels_name = f"xl/charts/_rels/{posixpath.basename(name)}.rels"
        if len(rels):
            files[rels_name] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
        else:
            files.pop(rels_name, None)
    if overrides:
        types = etree.fromstring(files["[Content_Types].xml"])
        for part_name, ctype in overrides:
            etree.SubElement(types, f"{{{TYPES}}}Override", PartName=part_name, ContentType=ctype)
        files["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in files.items():
            dst.writestr(name, data)
    return out.getvalue()
