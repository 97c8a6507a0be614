"""Make the task-table templates (Excel and Word, plain and with progress) from scratch.

This script is the source of truth for the bundled task-table templates: change it, then
regenerate them and commit both (tests/test_template_sources.py checks that it remakes the
shipped files byte for byte). Users edit their own copies in Excel, Word or WPS.

    python tools/make_table_templates.py [--out templates]   # writes xlsx/… and docx/… under --out
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qdocgen.render.package import normalise_package  # noqa: E402

BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
SUB_FONT = "楷体_GB2312"
PAGE_FONT = "宋体"

# --- the columns ------------------------------------------------------------------------
# (header, Excel width, Word width in twips, cell template, centred?)

PLAIN = [
    ("序号", 5, 560, "{{ r.no }}", True),
    ("任务名称", 10, 1000, "{%vmerge r.task_span %}{{ r.task }}", True),
    ("工作内容", 16, 1300, "{%vmerge r.content_span %}{{ r.content }}", False),
    ("工作措施", 34, 2501, "{{ r.action }}", False),
    ("牵头单位", 13, 1100, "{%vmerge r.lead_span %}{{ r.lead }}", False),
    ("配合单位", 17, 1300, "{%vmerge r.support_span %}{{ r.support }}", False),
    ("{{ plan.years[0] }}", 24, 1665, "{%vmerge r.goals_span %}{%hmerge r.goal_span_2017 %}{{ r.goal_2017 }}", False),
    ("{{ plan.years[1] }}", 24, 1665, "{%vmerge r.goals_span %}{%hmerge r.goal_span_2018 %}{{ r.goal_2018 }}", False),
    ("{{ plan.years[2] }}", 24, 1665, "{%vmerge r.goals_span %}{%hmerge r.goal_span_2019 %}{{ r.goal_2019 }}", False),
]
YEAR_COLUMNS = 3  # the last three columns sit under 工作目标

PROGRESS_XLSX = [
    ("序号", 5, "{%vmerge l.row_span %}{{ l.row.no }}", True, None),
    ("任务名称", 9, "{%vmerge l.task_span %}{{ l.row.task }}", True, None),
    ("工作内容", 13, "{%vmerge l.content_span %}{{ l.row.content }}", False, None),
    ("工作措施", 26, "{%vmerge l.row_span %}{{ l.row.action }}", False, None),
    ("牵头单位", 11, "{%vmerge l.lead_span %}{{ l.row.lead }}", False, None),
    ("{{ year }}年工作目标", 26, "{%vmerge l.goals_span %}{{ l.goal }}", False, None),
    ("指标", 14, "{%vmerge l.measure_span %}{{ l.m.measure if l.m else '' }}", False, None),
    ("单位", 6, "{%vmerge l.measure_span %}{{ l.m.unit if l.m else '' }}", True, None),
    ("区", 8, "{{ (l.m.district or '全市') if l.m else '' }}", True, None),
    # Target and figure exactly as judged ("General": 79.96 next to 80, 9999 next to 10000, never
    # rounded into each other); the ratio as the display rule shows it (docs/progress.md, 七).
    ("目标值", 9, "{{ l.m.target if l.m else none }}", True, "General"),
    ("完成值", 9, "{{ l.m.actual if l.m else none }}", True, "General"),
    ("完成率", 9, "{{ l.m.ratio_shown if l.m else none }}", True, "0.0#######%"),
    ("状态", 9, "{{ l.m.status if l.m else '' }}", True, None),
    ("说明", 20, "{{ l.m.note if l.m else '' }}", False, None),
]

PROGRESS_DOCX = [
    ("序号", 500, "{%vmerge l.row_span %}{{ l.row.no }}", True),
    ("任务名称", 760, "{%vmerge l.task_span %}{{ l.row.task }}", True),
    ("工作内容", 1000, "{%vmerge l.content_span %}{{ l.row.content }}", False),
    ("工作措施", 1400, "{%vmerge l.row_span %}{{ l.row.action }}", False),
    ("牵头单位", 860, "{%vmerge l.lead_span %}{{ l.row.lead }}", False),
    ("{{ year }}年工作目标", 1700, "{%vmerge l.goals_span %}{{ l.goal }}", False),
    ("指标", 1196, "{%vmerge l.measure_span %}{{ l.m.measure if l.m else '' }}", False),
    ("区", 760, "{{ (l.m.district or '全市') if l.m else '' }}", True),
    ("目标值", 760, "{{ l.m.target_text if l.m else '' }}", True),
    ("完成值", 760, "{{ l.m.actual_text if l.m else '' }}", True),
    ("完成率", 800, "{{ l.m.ratio_text if l.m else '' }}", True),
    ("状态", 860, "{{ l.m.status if l.m else '' }}", True),
    ("说明", 1400, "{{ l.m.note if l.m else '' }}", False),
]

SUBTITLE = "{{ period.words }}完成情况{% if district %}（{{ district.name }}）{% endif %}"

# --- Excel --------------------------------------------------------------------------------

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _font(name: str, size: float, bold: bool = False, color: str | None = None) -> Font:
    return Font(name=name, size=size, bold=bold, charset=134, color=color)


def _sheet_setup(ws, title_rows: str, last_col: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top = 0.7
    ws.page_margins.bottom = 0.8
    ws.page_margins.footer = 0.4
    ws.HeaderFooter.differentOddEven = True
    for part in (ws.oddFooter.right, ws.evenFooter.left):
        part.text = "— &P —"
        part.font = f"{PAGE_FONT},常规"
        part.size = 14
    ws.sheet_view.showGridLines = False


def _title_rows(ws, last_col: int, progress: bool) -> int:
    """附件, the title (and for progress the period and the sample note); the next free row."""
    end = get_column_letter(last_col)
    ws["A1"] = "附件"
    ws["A1"].font = _font(HEAD_FONT, 16)
    ws.row_dimensions[1].height = 24
    ws.merge_cells(f"A2:{end}2")
    ws["A2"] = "{{ plan.table_title }}"
    ws["A2"].font = _font(TITLE_FONT, 18)
    ws["A2"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 40
    if not progress:
        return 3
    ws.merge_cells(f"A3:{end}3")
    ws["A3"] = SUBTITLE
    ws["A3"].font = _font(SUB_FONT, 16)
    ws["A3"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[3].height = 26
    ws.merge_cells(f"A4:{end}4")
    ws["A4"] = "{{ sample_note }}"
    ws["A4"].font = _font(HEAD_FONT, 12, color="FF0000")
    ws["A4"].alignment = Alignment(horizontal="center", vertical="center")
    return 5


def _header_cell(cell, text: str) -> None:
    cell.value = text
    cell.font = _font(HEAD_FONT, 12)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.border = BOX


def _body_cell(cell, text: str, centred: bool, number_format: str | None = None) -> None:
    cell.value = text
    cell.font = _font(BODY_FONT, 11)
    cell.alignment = Alignment(horizontal="center" if centred else "left", vertical="center", wrap_text=True)
    cell.border = BOX
    if number_format:
        cell.number_format = number_format


def make_xlsx_plain() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "任务分解表"
    last = len(PLAIN)
    top = _title_rows(ws, last, progress=False)
    first_year = last - YEAR_COLUMNS + 1
    for col, (head, width, _, tpl, centred) in enumerate(PLAIN, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        if col < first_year:
            _header_cell(ws.cell(top, col), head)
            ws.cell(top + 1, col).border = BOX
            ws.merge_cells(f"{letter}{top}:{letter}{top + 1}")
        else:
            _header_cell(ws.cell(top + 1, col), head)
            _header_cell(ws.cell(top, col), "工作目标" if col == first_year else None)
        _body_cell(ws.cell(top + 3, col), tpl, centred)
    ws.merge_cells(f"{get_column_letter(first_year)}{top}:{get_column_letter(last)}{top}")
    ws.cell(top + 2, 1, "{%tr for r in rows %}")
    ws.cell(top + 4, 1, "{%tr endfor %}")
    ws.row_dimensions[top].height = ws.row_dimensions[top + 1].height = 20
    _sheet_setup(ws, f"{top}:{top + 1}", last)
    return _xlsx_bytes(wb)


def make_xlsx_progress() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "完成情况"
    last = len(PROGRESS_XLSX)
    top = _title_rows(ws, last, progress=True)
    for col, (head, width, tpl, centred, fmt) in enumerate(PROGRESS_XLSX, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        _header_cell(ws.cell(top, col), head)
        _body_cell(ws.cell(top + 2, col), tpl, centred, fmt)
    ws.cell(top + 1, 1, "{%tr for l in lines %}")
    ws.cell(top + 3, 1, "{%tr endfor %}")
    ws.row_dimensions[top].height = 30
    _sheet_setup(ws, f"{top}:{top}", last)
    return _xlsx_bytes(wb)


def _xlsx_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_package(buf.getvalue())


# --- Word ---------------------------------------------------------------------------------

KEEP_STYLES = {"Normal", "Default Paragraph Font", "Normal Table", "No List", "Table Grid", "Footer"}


def _east_asia(rpr_parent, name: str) -> None:
    """Declare `name` for Chinese (eastAsia) and Latin text on a run or style."""
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _run(paragraph, text: str, font: str, size: float, color: str | None = None):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.name = font
    _east_asia(run._r, font)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    return run


def _slim_styles(doc) -> None:
    styles = doc.styles.element
    for style in list(styles.findall(qn("w:style"))):
        name = style.find(qn("w:name"))
        if name is None or name.get(qn("w:val")) not in {n.lower() for n in KEEP_STYLES} | KEEP_STYLES:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    _east_asia(normal.element, BODY_FONT)
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault"))
        if rpr is not None and rpr.find(qn("w:rPr")) is not None:
            fonts = rpr.find(qn("w:rPr")).find(qn("w:rFonts"))
            if fonts is not None:
                for attr in list(fonts.attrib):
                    del fonts.attrib[attr]
                for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                    fonts.set(qn(attr), BODY_FONT)


def _page(doc) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Twips(16838), Twips(11906)
    sec.left_margin, sec.right_margin = Twips(2098), Twips(1984)
    sec.top_margin, sec.bottom_margin = Twips(1587), Twips(1474)
    sec.footer_distance = Twips(850)
    sec.header_distance = Twips(850)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(sec.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(sec.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(p, align) -> None:
    """`— N —` in 4号 宋体, one character in from the edge (GB/T 9704)."""
    p.alignment = align
    fmt = p.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Twips(280)
    else:
        fmt.left_indent = Twips(280)
    _run(p, "— ", PAGE_FONT, 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = _run(p, "", PAGE_FONT, 14)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
        else:
            run.text = text
    _run(p, " —", PAGE_FONT, 14)


def _heading_paragraphs(doc, progress: bool) -> None:
    p = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    _run(p, "附件", HEAD_FONT, 16)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.space_after = Pt(12)
    _run(p, "{{ plan.table_title }}", TITLE_FONT, 18)
    if progress:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, SUBTITLE, SUB_FONT, 16)
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(6)
        _run(p, "{{ sample_note }}", HEAD_FONT, 12, color="FF0000")


def _table(doc, widths: list[int]):
    table = doc.add_table(rows=0, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    width = tbl_pr.find(qn("w:tblW"))
    width.set(qn("w:w"), str(sum(widths)))
    width.set(qn("w:type"), "dxa")
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 28), ("left", 57), ("bottom", 28), ("right", 57)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    look = tbl_pr.find(qn("w:tblLook"))
    if look is not None:  # schema order: … tblLayout, tblCellMar, tblLook
        look.addprevious(margins)
    else:
        tbl_pr.append(margins)
    for col, w in zip(table.columns, widths, strict=True):
        col.width = Twips(w)
    return table


def _row(table, widths, header=False):
    row = table.add_row()
    for cell, w in zip(row.cells, widths, strict=True):
        cell.width = Twips(w)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    if header:
        tr_pr = row._tr.get_or_add_trPr()
        el = OxmlElement("w:tblHeader")
        tr_pr.append(el)
    return row


def _cell_text(cell, text: str, font: str, size: float, centred: bool) -> None:
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
    if text:
        _run(p, text, font, size)


def _v_merge(cell, val: str | None) -> None:
    el = cell._tc.get_or_add_tcPr().get_or_add_vMerge()  # in schema order, before w:vAlign
    if val:
        el.set(qn("w:val"), val)
    elif qn("w:val") in el.attrib:
        del el.attrib[qn("w:val")]


def _marker_row(table, widths, text: str) -> None:
    row = _row(table, widths)
    _cell_text(row.cells[0], text, BODY_FONT, 10.5, False)


def make_docx_plain() -> bytes:
    doc = Document()
    _slim_styles(doc)
    _page(doc)
    _heading_paragraphs(doc, progress=False)
    widths = [w for _, _, w, _, _ in PLAIN]
    table = _table(doc, widths)
    first_year = len(PLAIN) - YEAR_COLUMNS
    top, sub = _row(table, widths, header=True), _row(table, widths, header=True)
    for i, (head, _, _, _, _) in enumerate(PLAIN):
        if i < first_year:
            _cell_text(top.cells[i], head, HEAD_FONT, 10.5, True)
            _cell_text(sub.cells[i], "", HEAD_FONT, 10.5, True)
            _v_merge(top.cells[i], "restart")
            _v_merge(sub.cells[i], None)
        else:
            _cell_text(sub.cells[i], head, HEAD_FONT, 10.5, True)
    goals = top.cells[first_year].merge(top.cells[len(PLAIN) - 1])
    for p in goals.paragraphs[1:]:
        p._p.getparent().remove(p._p)
    _cell_text(goals, "工作目标", HEAD_FONT, 10.5, True)
    _marker_row(table, widths, "{%tr for r in rows %}")
    body = _row(table, widths)
    for i, (_, _, _, tpl, centred) in enumerate(PLAIN):
        _cell_text(body.cells[i], tpl, BODY_FONT, 10.5, centred)
    _marker_row(table, widths, "{%tr endfor %}")
    return _docx_bytes(doc, "{{ plan.table_title }}")


def make_docx_progress() -> bytes:
    doc = Document()
    _slim_styles(doc)
    _page(doc)
    _heading_paragraphs(doc, progress=True)
    widths = [w for _, w, _, _ in PROGRESS_DOCX]
    table = _table(doc, widths)
    head = _row(table, widths, header=True)
    for i, (text, _, _, _) in enumerate(PROGRESS_DOCX):
        _cell_text(head.cells[i], text, HEAD_FONT, 9, True)
    _marker_row(table, widths, "{%tr for l in lines %}")
    body = _row(table, widths)
    for i, (_, _, tpl, centred) in enumerate(PROGRESS_DOCX):
        _cell_text(body.cells[i], tpl, BODY_FONT, 9, centred)
    _marker_row(table, widths, "{%tr endfor %}")
    return _docx_bytes(
        doc, "{{ period.words }}{{ plan.table_title }}完成情况{% if district %}（{{ district.name }}）{% endif %}"
    )


def _docx_bytes(doc, title: str) -> bytes:
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rel_id)  # 430 KB of Word 2010 styles nobody needs
    doc.core_properties.author = "qdocgen"
    doc.core_properties.title = title  # filled like the body, so each table carries its own title
    doc.core_properties.comments = ""
    buf = io.BytesIO()
    doc.save(buf)
    return normalise_package(buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "templates", help="templates folder (xlsx/ and docx/ inside)")
    root = ap.parse_args().out
    out = {
        root / "xlsx" / "任务分解表.xlsx": make_xlsx_plain,
        root / "xlsx" / "任务分解表-完成情况.xlsx": make_xlsx_progress,
        root / "docx" / "任务分解表.docx": make_docx_plain,
        root / "docx" / "任务分解表-完成情况.docx": make_docx_progress,
    }
    for path, make in out.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
        print(path)


if __name__ == "__main__":
    main()
