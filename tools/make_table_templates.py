"""Make the task-table templates (Excel and Word, plain and with progress) from scratch.

This script is the source of truth for the bundled task-table templates: change it, then
regenerate them and commit both (tests/test_template_sources.py checks that it remakes the
shipped files byte for byte). Users edit their own copies in Excel, Word or WPS.
One technique per format, as in the other template tools: the Excel templates are made with
openpyxl; the Word templates are written as OOXML parts, string by string, with the helpers
shared with tools/make_notice_templates.py (tools/ooxml_parts.py), and python-docx opens the
result as a check.

    python tools/make_table_templates.py [--out templates]   # writes xlsx/… and docx/… under --out
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402

from qdocgen.render.package import normalise_package  # noqa: E402
from tools import ooxml_parts  # noqa: E402
from tools.ooxml_parts import (  # noqa: E402
    APP,
    CORE,
    FONTS,
    NS,
    ROOT_RELS,
    XML_HEAD,
    cell,
    content_types,
    document_rels,
    page_footer,
    para,
    row,
    run,
    table,
    zip_parts,
)

BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
SUB_FONT = "楷体_GB2312"
PAGE_FONT = "宋体"

# --- the columns ------------------------------------------------------------------------
# (header, Excel width, Word width in twips, cell template, centred?)

# The headings are the plan's (plan.headings: as the published table writes them).
PLAIN = [
    ("{{ plan.headings.no }}", 5, 560, "{{ r.no }}", True),
    ("{{ plan.headings.task }}", 10, 1000, "{%vmerge r.task_span %}{{ r.task }}", True),
    ("{{ plan.headings.content }}", 16, 1300, "{%vmerge r.content_span %}{{ r.content }}", False),
    ("{{ plan.headings.action }}", 30, 2196, "{{ r.action }}", False),
    ("{{ plan.headings.lead }}", 13, 1000, "{%vmerge r.lead_span %}{{ r.lead }}", False),
    ("{{ plan.headings.support }}", 15, 1100, "{%vmerge r.support_span %}{{ r.support }}", False),
    ("{{ plan.headings.deadline }}", 9, 700, "{{ r.deadline }}", True),
    ("{{ plan.headings.remark }}", 9, 700, "{{ r.remark }}", False),
    # One column per plan year (a column loop): the header and the goal text of year i.
    (
        "{{ plan.year_headings[i] }}",
        24,
        1400,
        "{%vmerge r.goals_span %}{%hmerge r.year_goals[i].span %}{{ r.year_goals[i].text }}",
        False,
    ),
]
# The year column repeats for every plan year, under 工作目标: in Excel between the marker columns
# of a column loop, in Word between {%tc for %} cells (docs/templates.md).
YEAR_LOOP_XLSX = "{%tc for i in range(plan.years|length) %}"
YEAR_LOOP_DOCX = ("{%tc for h in plan.year_headings %}", "{%tc for g in r.year_goals %}")
YEAR_END = "{%tc endfor %}"

PROGRESS_XLSX = [
    ("{{ plan.headings.no }}", 5, "{%vmerge l.row_span %}{{ l.row.no }}", True, None),
    ("{{ plan.headings.task }}", 9, "{%vmerge l.task_span %}{{ l.row.task }}", True, None),
    ("{{ plan.headings.content }}", 13, "{%vmerge l.content_span %}{{ l.row.content }}", False, None),
    ("{{ plan.headings.action }}", 26, "{%vmerge l.row_span %}{{ l.row.action }}", False, None),
    ("{{ plan.headings.lead }}", 11, "{%vmerge l.lead_span %}{{ l.row.lead }}", False, None),
    ("{{ year }}年工作目标", 26, "{%vmerge l.goals_span %}{{ l.goal }}", False, None),
    ("指标", 14, "{%vmerge l.measure_span %}{{ l.m.measure if l.m else '' }}", False, None),
    ("单位", 6, "{%vmerge l.measure_span %}{{ l.m.unit if l.m else '' }}", True, None),
    ("{{ units.word }}", 8, "{{ (l.m.district or '全市') if l.m else '' }}", True, None),
    # Target and figure exactly as judged ("General": 79.96 next to 80, 9999 next to 10000, never
    # rounded into each other); the ratio as the display rule shows it (docs/progress.md, 七).
    ("目标值", 9, "{{ l.m.target if l.m else none }}", True, "General"),
    ("完成值", 9, "{{ l.m.actual if l.m else none }}", True, "General"),
    ("完成率", 9, "{{ l.m.ratio_shown if l.m else none }}", True, "0.0#######%"),
    ("状态", 9, "{{ l.m.status if l.m else '' }}", True, None),
    ("说明", 20, "{{ l.m.note if l.m else '' }}", False, None),
]

PROGRESS_DOCX = [
    ("{{ plan.headings.no }}", 500, "{%vmerge l.row_span %}{{ l.row.no }}", True),
    ("{{ plan.headings.task }}", 760, "{%vmerge l.task_span %}{{ l.row.task }}", True),
    ("{{ plan.headings.content }}", 1000, "{%vmerge l.content_span %}{{ l.row.content }}", False),
    ("{{ plan.headings.action }}", 1400, "{%vmerge l.row_span %}{{ l.row.action }}", False),
    ("{{ plan.headings.lead }}", 860, "{%vmerge l.lead_span %}{{ l.row.lead }}", False),
    ("{{ year }}年工作目标", 1700, "{%vmerge l.goals_span %}{{ l.goal }}", False),
    ("指标", 1196, "{%vmerge l.measure_span %}{{ l.m.measure if l.m else '' }}", False),
    ("{{ units.word }}", 760, "{{ (l.m.district or '全市') if l.m else '' }}", True),
    ("目标值", 760, "{{ l.m.target_text if l.m else '' }}", True),
    ("完成值", 760, "{{ l.m.actual_text if l.m else '' }}", True),
    ("完成率", 800, "{{ l.m.ratio_text if l.m else '' }}", True),
    ("状态", 860, "{{ l.m.status if l.m else '' }}", True),
    ("说明", 1400, "{{ l.m.note if l.m else '' }}", False),
]

# --- columns the plan's table may lack ------------------------------------------------------
# A published table may have no 工作措施 (or 工作内容, 牵头单位, 配合单位) column: such a column is
# absent from the tables made from it. Its cells are covered ({%hmerge 0 %}) by the column on
# its left, which spans one more column per absent neighbour (plan.has, docs/templates.md).

OPTIONAL = {
    "{{ plan.headings." + key + " }}": key for key in ("content", "action", "lead", "support", "deadline", "remark")
}


def span_expr(headings: list[str], i: int) -> str | None:
    """The {%hmerge %} expression of column i: 0 when its column is absent, else 1 plus the absent
    optional columns right after it; None for a column that is always one column wide."""
    following = []
    for head in headings[i + 1 :]:
        if head not in OPTIONAL:
            break
        following.append(OPTIONAL[head])
    expr = "1"
    for key in reversed(following):
        expr = f"0 if plan.has.{key} else 1 + ({expr})" if expr != "1" else f"0 if plan.has.{key} else 1"
    expr = f"1 + ({expr})" if following else "1"
    own = OPTIONAL.get(headings[i])
    if own is None:
        return expr if following else None
    return f"({expr}) if plan.has.{own} else 0"


def with_span(headings: list[str], i: int, text: str) -> str:
    """`text` after the column's {%hmerge %} directive (after its {%vmerge %}, if it has one)."""
    expr = span_expr(headings, i)
    if expr is None:
        return text
    directive = "{%hmerge " + expr + " %}"
    if text.startswith("{%vmerge"):
        end = text.index("%}") + 2
        return text[:end] + directive + text[end:]
    return directive + text


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
    heads = [head for head, *_ in PLAIN]
    fixed = len(PLAIN) - 1  # the columns before the year loop
    loop, year, end = fixed + 1, fixed + 2, fixed + 3  # {%tc for %}, the year column, {%tc endfor %}
    last = end
    top = _title_rows(ws, last, progress=False)
    for col, (head, width, _, tpl, centred) in enumerate(PLAIN[:fixed], start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        ws.cell(top + 1, col).border = BOX
        if span_expr(heads, col - 1) is None:
            _header_cell(ws.cell(top, col), head)
            ws.merge_cells(f"{letter}{top}:{letter}{top + 1}")
        else:  # merged down over the two header rows, and across an absent neighbour
            _header_cell(ws.cell(top, col), with_span(heads, col - 1, "{%vmerge 2 %}" + head))
        _body_cell(ws.cell(top + 3, col), with_span(heads, col - 1, tpl), centred)
    head, width, _, tpl, centred = PLAIN[-1]
    ws.column_dimensions[get_column_letter(year)].width = width
    for marker in (loop, end):
        ws.column_dimensions[get_column_letter(marker)].width = 4
    ws.cell(top, loop, YEAR_LOOP_XLSX).font = _font(BODY_FONT, 9)
    ws.cell(top, end, YEAR_END).font = _font(BODY_FONT, 9)
    _header_cell(ws.cell(top, year), "{%hmerge plan.years|length if i == 0 else 0 %}{{ plan.headings.goals }}")
    _header_cell(ws.cell(top + 1, year), head)
    _body_cell(ws.cell(top + 3, year), tpl, centred)
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
    heads = [head for head, *_ in PROGRESS_XLSX]
    top = _title_rows(ws, last, progress=True)
    for col, (head, width, tpl, centred, fmt) in enumerate(PROGRESS_XLSX, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        _header_cell(ws.cell(top, col), with_span(heads, col - 1, head))
        _body_cell(ws.cell(top + 2, col), with_span(heads, col - 1, tpl), centred, fmt)
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
# Written as OOXML parts with the helpers shared with tools/make_notice_templates.py
# (tools/ooxml_parts.py); runs carry their fonts (w:eastAsia) and sizes directly.

CELL_PPR = '<w:spacing w:before="0" w:after="0"/><w:jc w:val="{}"/>'
TABLE_MARGINS = (
    '<w:top w:w="28" w:type="dxa"/><w:left w:w="57" w:type="dxa"/>'
    '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
)
# Landscape A4 with the GB/T 9704 margins; odd pages number at the right, even at the left.
SECT = (
    '<w:sectPr><w:footerReference w:type="default" r:id="rIdFooterOdd"/>'
    '<w:footerReference w:type="even" r:id="rIdFooterEven"/>'
    '<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>'
    '<w:pgMar w:top="1587" w:right="1984" w:bottom="1474" w:left="2098" w:header="850" w:footer="850" w:gutter="0"/>'
    '<w:cols w:space="720"/><w:docGrid w:linePitch="360"/></w:sectPr>'
)


def _text(text: str, font: str, size: float, color: str | None = None) -> str:
    return run(text, rpr=ooxml_parts.font(font, size, color))


def _heading_paragraphs(progress: bool) -> list[str]:
    out = [
        para(None, _text("附件", HEAD_FONT, 16)),
        para(
            None,
            _text("{{ plan.table_title }}", TITLE_FONT, 18),
            ppr='<w:spacing w:before="120" w:after="240"/><w:jc w:val="center"/>',
        ),
    ]
    if progress:
        out += [
            para(None, _text(SUBTITLE, SUB_FONT, 16), ppr='<w:jc w:val="center"/>'),
            para(
                None,
                _text("{{ sample_note }}", HEAD_FONT, 12, color="FF0000"),
                ppr='<w:spacing w:after="120"/><w:jc w:val="center"/>',
            ),
        ]
    return out


def _cell(width: int, text: str, font: str, size: float, centred: bool, span: int = 1, vmerge=None) -> str:
    runs = [_text(text, font, size)] if text else []
    content = para(None, *runs, ppr=CELL_PPR.format("center" if centred else "left"))
    return cell(width, content, span=span, vmerge=vmerge)


def _marker_row(widths: list[int], text: str) -> str:
    """A {%tr …%} row, which docxtpl removes when rendering: the tag in its first cell."""
    first = _cell(widths[0], text, BODY_FONT, 10.5, False)
    return row([first] + [cell(w, para(None)) for w in widths[1:]], cant_split=False)


def _table(widths: list[int], rows: list[str]) -> str:
    return table(widths, rows, props='<w:tblStyle w:val="TableGrid"/>', margins=TABLE_MARGINS)


def make_docx_plain() -> bytes:
    fixed = PLAIN[:-1]
    head, _, year_width, tpl, _ = PLAIN[-1]
    heads = [h for h, *_ in PLAIN]
    # The year column between its {%tc for %} and {%tc endfor %} cells, which docxtpl removes.
    widths = [w for _, _, w, _, _ in fixed] + [year_width] * 3
    top, sub = [], []
    for i, (text, _, w, _, _) in enumerate(fixed):  # merged down over the two header rows
        top.append(_cell(w, with_span(heads, i, text), HEAD_FONT, 10.5, True, vmerge="restart"))
        sub.append(_cell(w, with_span(heads, i, ""), HEAD_FONT, 10.5, True, vmerge=""))
    top.append(
        _cell(year_width * 3, "{%hmerge plan.years|length %}{{ plan.headings.goals }}", HEAD_FONT, 10.5, True, span=3)
    )
    sub += [
        _cell(year_width, YEAR_LOOP_DOCX[0], HEAD_FONT, 10.5, True),
        _cell(year_width, "{{ h }}", HEAD_FONT, 10.5, True),
        _cell(year_width, YEAR_END, HEAD_FONT, 10.5, True),
    ]
    body = [_cell(w, with_span(heads, i, t), BODY_FONT, 10.5, c) for i, (_, _, w, t, c) in enumerate(fixed)]
    body += [
        _cell(year_width, YEAR_LOOP_DOCX[1], BODY_FONT, 10.5, False),
        _cell(year_width, "{%vmerge r.goals_span %}{%hmerge g.span %}{{ g.text }}", BODY_FONT, 10.5, False),
        _cell(year_width, YEAR_END, BODY_FONT, 10.5, False),
    ]
    rows = [
        row(top, header=True, cant_split=False),
        row(sub, header=True, cant_split=False),
        _marker_row(widths, "{%tr for r in rows %}"),
        row(body, cant_split=False),
        _marker_row(widths, "{%tr endfor %}"),
    ]
    return _docx_bytes([*_heading_paragraphs(progress=False), _table(widths, rows)], "{{ plan.table_title }}")


def make_docx_progress() -> bytes:
    widths = [w for _, w, _, _ in PROGRESS_DOCX]
    heads = [text for text, *_ in PROGRESS_DOCX]
    head = [_cell(w, with_span(heads, i, text), HEAD_FONT, 9, True) for i, (text, w, _, _) in enumerate(PROGRESS_DOCX)]
    body = [
        _cell(w, with_span(heads, i, tpl), BODY_FONT, 9, centred)
        for i, (_, w, tpl, centred) in enumerate(PROGRESS_DOCX)
    ]
    rows = [
        row(head, header=True, cant_split=False),
        _marker_row(widths, "{%tr for l in lines %}"),
        row(body, cant_split=False),
        _marker_row(widths, "{%tr endfor %}"),
    ]
    return _docx_bytes(
        [*_heading_paragraphs(progress=True), _table(widths, rows)],
        "{{ period.words }}{{ plan.table_title }}完成情况{% if district %}（{{ district.name }}）{% endif %}",
    )


DOC_RELS = document_rels(
    (
        ("rIdStyles", "styles", "styles.xml"),
        ("rIdSettings", "settings", "settings.xml"),
        ("rIdFonts", "fontTable", "fontTable.xml"),
        ("rIdFooterOdd", "footer", "footer1.xml"),
        ("rIdFooterEven", "footer", "footer2.xml"),
    )
)

# Normal: 五号 仿宋_GB2312; Table Grid: single-spaced; the page-number footers: 4号 宋体, one
# character in from the edge (GB/T 9704).
_PAGE_RPR = ooxml_parts.font(PAGE_FONT, 14)
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="{BODY_FONT}" w:hAnsi="{BODY_FONT}" w:eastAsia="{BODY_FONT}" w:cs="{BODY_FONT}"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="200" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:rPr>{ooxml_parts.font(BODY_FONT, 10.5)}</w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="FooterOdd"><w:name w:val="Footer Odd"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/><w:ind w:right="280"/><w:jc w:val="right"/></w:pPr><w:rPr>{_PAGE_RPR}</w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="FooterEven"><w:name w:val="Footer Even"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/><w:ind w:left="280"/><w:jc w:val="left"/></w:pPr><w:rPr>{_PAGE_RPR}</w:rPr></w:style>
<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>"""

SETTINGS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:zoom w:percent="100"/><w:defaultTabStop w:val="720"/><w:evenAndOddHeaders/><w:characterSpacingControl w:val="doNotCompress"/>
<w:compat><w:useFELayout/><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="14"/></w:compat>
<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>
</w:settings>"""


def _docx_bytes(body: list[str], title: str) -> bytes:
    """The package; `title` (the document title property) is filled like the body, so each
    table carries its own title."""
    document = f"{XML_HEAD}<w:document {NS}><w:body>" + "\n".join(body) + f"{SECT}</w:body></w:document>"
    parts = {
        "_rels/.rels": ROOT_RELS,
        "docProps/core.xml": CORE.format(title=title),
        "docProps/app.xml": APP,
        "word/document.xml": document,
        "word/_rels/document.xml.rels": DOC_RELS,
        "word/styles.xml": STYLES,
        "word/settings.xml": SETTINGS,
        "word/fontTable.xml": FONTS,
        "word/footer1.xml": page_footer("FooterOdd"),
        "word/footer2.xml": page_footer("FooterEven"),
    }
    blob = zip_parts({"[Content_Types].xml": content_types(parts), **parts})
    docx.Document(io.BytesIO(blob))  # python-docx must accept it
    return normalise_package(blob)


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
