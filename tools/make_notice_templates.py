"""Generate templates/docx/通报-全市.docx and 通报-区.docx, the bundled 通报 templates.

This script is the source of truth for them: change it, then regenerate the templates and
commit both (tests/test_template_sources.py checks that it remakes the shipped files byte for
byte). Users edit their own copies in Word or WPS.
Word templates are written as OOXML parts, string by string (python-docx's default template
carries ~790 KB of styles and MS Mincho fallbacks), with the paragraph, run, table, footer and
package helpers shared with tools/make_table_templates.py (tools/ooxml_parts.py); Excel
templates are made with openpyxl (tools/make_table_templates.py, tools/make_form_template.py).
The styles come from the GB/T 9704 profile (qdocgen.render.docx.gbt9704.style_specs), and
python-docx opens the result as a check.

    python tools/make_notice_templates.py [--out templates/docx]
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402

from qdocgen.render.docx.gbt9704 import IMPRINT_ROW, NUMBER_DESCR, apply_profile, number_box  # noqa: E402
from qdocgen.render.gbt9704 import Profile  # noqa: E402
from qdocgen.render.package import normalise_package  # noqa: E402
from tools import notice_charts  # noqa: E402
from tools.ooxml_parts import (  # noqa: E402
    APP,
    CORE,
    FONTS,
    NS,
    PAGE_FIELD,
    ROOT_RELS,
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

# A 署名 of common length: the signature styles' indents are measured on it (no real city).
SIGNER = "某某市质量强市工作领导小组办公室"


# ── building blocks ────────────────────────────────────────────────────────────────────────


def ctl(tag: str) -> str:
    """A control paragraph ({%p … %}) that docxtpl removes when rendering."""
    return para("QBody", tag)


def blank(style: str = "QBody") -> str:
    return para(style)


BR = "<w:r><w:br/></w:r>"
KEEP = "<w:keepNext/>"


def sect(landscape: bool) -> str:
    """A section's properties; the profile fills in the sizes, margins and grid when applied."""
    p = Profile()
    if landscape:
        size = f'<w:pgSz w:w="{p.paper_height}" w:h="{p.paper_width}" w:orient="landscape"/>'
    else:
        size = f'<w:pgSz w:w="{p.paper_width}" w:h="{p.paper_height}"/>'
    return (
        f'<w:type w:val="nextPage"/>{size}<w:pgMar w:top="0" w:right="0" w:bottom="0" w:left="0" '
        f'w:header="0" w:footer="0" w:gutter="0"/><w:cols w:space="425"/>'
        f'<w:docGrid w:type="lines" w:linePitch="{p.line_pitch}"/>'
    )


PORTRAIT_REFS = (
    '<w:headerReference w:type="default" r:id="rIdHdrBlank"/><w:headerReference w:type="even" r:id="rIdHdrBlank"/>'
    '<w:footerReference w:type="default" r:id="rIdFooterOdd"/><w:footerReference w:type="even" r:id="rIdFooterEven"/>'
)
LANDSCAPE_REFS = (
    '<w:headerReference w:type="default" r:id="rIdHdrLandOdd"/><w:headerReference w:type="even" r:id="rIdHdrLandEven"/>'
    '<w:footerReference w:type="default" r:id="rIdFtrBlank"/><w:footerReference w:type="even" r:id="rIdFtrBlank"/>'
)


def sect_break(props: str) -> str:
    """An empty paragraph ending a section."""
    return f'<w:p><w:pPr><w:pStyle w:val="QBody"/><w:sectPr>{props}</w:sectPr></w:pPr></w:p>'


def data_table(columns: list[tuple[str, int, str, str]], seq: str = "annex") -> str:
    """The annex table: a repeated header row, then one row per item of `seq`."""
    widths = [w for _, w, _, _ in columns]
    head = row([cell(w, para("QTableHead", title)) for title, w, _, _ in columns], header=True)
    start = row([cell(widths[0], ctl(f"{{%tr for r in {seq} %}}"), span=len(widths))])
    body = row([cell(w, para(style, value)) for _, w, style, value in columns])
    end = row([cell(widths[0], ctl("{%tr endfor %}"), span=len(widths))])
    return table(widths, [head, start, body, end], full_width=True)


# The annex tables' width is given as 100% of the text width: a table so given keeps its width
# however many columns a column loop makes (qdocgen/render/docx/grid.py).
# The matrix: 序号 | 指标 | 单位 | a column per unit (the loop's three cells share 7736 twips
# among the units: 1547 for five, 967 for eight, 859 for nine, where "99.85▲" in 五号 with the
# narrow cell margins needs 815) | the units' total.
MATRIX_FIXED = (620, 2700, 600)
MATRIX_LOOP = (400, 6936, 400)
MATRIX_TOTAL = 1100
MATRIX_MARGINS = '<w:left w:w="40" w:type="dxa"/><w:right w:w="40" w:type="dxa"/>'
# the mark after a figure: ▲ 超额完成, √ 完成, × 未完成 (explained in the note under the table)
MARK = '{% if c.status == "超额完成" %}▲{% elif c.status == "完成" %}√{% elif c.status == "未完成" %}×{% endif %}'
CELL_FIGURE = '{% if c.status == "未报送" %}未报{% elif c.actual %}{{ c.actual }}' + MARK + "{% else %}—{% endif %}"
SIZE = '<w:sz w:val="{0}"/><w:szCs w:val="{0}"/>'


def matrix_cell(width: int, var: str) -> str:
    """A unit's cell: the figure and its mark (五号), the target under it (小五)."""
    figure = CELL_FIGURE.replace("c.", f"{var}.")
    return cell(
        width,
        para("QTableText", run(figure, rpr=SIZE.format(21)))
        + para("QTableText", run(f"{{{{ {var}.target }}}}", rpr=SIZE.format(18))),
    )


def matrix_table() -> str:
    """The 指标×区 matrix: a row per measure, a column per unit from a column loop."""
    no, name, unit = MATRIX_FIXED
    before, each, after = MATRIX_LOOP
    widths = [no, name, unit, before, each, after, MATRIX_TOTAL]
    head = row(
        [
            cell(no, para("QTableHead", "序号")),
            cell(name, para("QTableHead", "指标")),
            cell(unit, para("QTableHead", "单位")),
            cell(before, para("QTableHead", "{%tc for u in matrix.units %}")),
            cell(each, para("QTableHead", "{{ u }}")),
            cell(after, para("QTableHead", "{%tc endfor %}")),
            cell(MATRIX_TOTAL, para("QTableHead", "合计")),
        ],
        header=True,
    )
    start = row([cell(sum(widths), ctl("{%tr for r in matrix.rows %}"), span=len(widths))])
    body = row(
        [
            cell(no, para("QTableText", "{{ r.row }}")),
            cell(name, para("QTableLeft", "{{ r.measure }}")),
            cell(unit, para("QTableText", "{{ r.unit }}")),
            cell(before, para("QTableText", "{%tc for c in r.cells %}")),
            matrix_cell(each, "c"),
            cell(after, para("QTableText", "{%tc endfor %}")),
            matrix_cell(MATRIX_TOTAL, "r.total"),
        ]
    )
    end = row([cell(sum(widths), ctl("{%tr endfor %}"), span=len(widths))])
    return table(widths, [head, start, body, end], margins=MATRIX_MARGINS, full_width=True)


def imprint(printer: str, date_text: str, cc: str) -> str:
    """The 版记: 抄送, then 印发机关 left and 印发日期 right, between rules, at the page foot."""
    p = Profile()
    width = p.text_width
    thick = '<w:{0} w:val="single" w:sz="8" w:space="0" w:color="000000"/>'
    thin = '<w:{0} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
    none = '<w:{0} w:val="nil"/>'
    borders = thick.format("top") + none.format("left") + thick.format("bottom") + none.format("right")
    borders += thin.format("insideH") + none.format("insideV")
    half = width - 3600  # the date cell holds "2027年12月31日印发" in 4号 with room to spare
    height = f'<w:trHeight w:val="{IMPRINT_ROW}" w:hRule="atLeast"/>'
    rows = [
        row([cell(width, para("QImprint", cc), span=2)], extra=height),
        row(
            [cell(half, para("QImprint", printer)), cell(width - half, para("QImprintRight", date_text))], extra=height
        ),
    ]
    # A spacer paragraph as tall as the page less the 版记 puts the last rule on the 版心's
    # bottom edge (floating tables at the foot are not read alike by Word and LibreOffice).
    spacer = para("QImprintSpacer")
    return spacer + table([half, width - half], rows, borders=borders)


def blank_part(tag: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:{tag} {NS}>{para("QPageOdd")}</w:{tag}>'


def number_box_header(odd: bool) -> str:
    """A landscape page's header holding its page number in a text box along the left edge."""
    x, y, cx, cy = number_box(Profile(), odd)
    kind = "odd" if odd else "even"
    text = para("QPageOdd" if odd else "QPageEven", "— ", PAGE_FIELD, " —")
    shape = (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="251659264" behindDoc="0" '
        'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="page"><wp:posOffset>{x}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{y}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
        f'<wp:docPr id="{9101 if odd else 9102}" name="页码" descr="{NUMBER_DESCR}{kind}"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr>'
        f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>'
        f"<wps:txbx><w:txbxContent>{text}</w:txbxContent></wps:txbx>"
        '<wps:bodyPr rot="0" vert="vert" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="ctr" anchorCtr="0">'
        "<a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>"
        "</mc:Choice></mc:AlternateContent></w:r>"
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr {NS}>{para("QPageOdd", shape)}</w:hdr>'


# ── the notices' wording ──────────────────────────────────────────────────────────────────


def target_words(r: str = "r", flat: bool = False) -> str:
    """'目标15家'; where the target is a share of a larger one (part of a year, or a target
    reached over several years) '序时目标8家（全年目标15家）' / '序时目标1667家（2023年累计目标2500家）':
    one term, 序时目标, for the share. `flat` writes the second target after a comma instead of
    in brackets, for use inside brackets (no brackets within brackets)."""
    left, right = ("，", "") if flat else ("（", "）")
    return (
        f"{{% if {r}.partial %}}序时目标{{{{ {r}.target_q }}}}{left}"
        f'{{% if {r}.kind == "cumulative" %}}{{{{ {r}.final_year }}}}年累计目标{{% else %}}全年目标{{% endif %}}'
        f"{{{{ {r}.year_target_q }}}}{right}"
        f"{{% else %}}目标{{{{ {r}.target_q }}}}{{% endif %}}"
    )


def missed_words(r: str = "r") -> str:
    """'企业质量信用档案建档率为79.96%，目标80.0%，差0.04个百分点（连续两年未完成；报送说明：……）':
    '为' reads after any measure's name (a name may itself start with 完成)."""
    return (
        f'{{{{ {r}.measure }}}}{{% if {r}.kind == "milestone" %}}尚未完成{{% else %}}为{{{{ {r}.actual_q }}}}，'
        f"{target_words(r)}，差{{{{ {r}.gap_q }}}}{{% endif %}}"
        # in brackets: missed before too, and what the unit said of it (its 说明 on the form)
        f"{{% if {r}.streak_text or {r}.note_text %}}（{{{{ {r}.streak_text }}}}{{% if {r}.streak_text %}}未完成{{% endif %}}"
        f"{{% if {r}.streak_text and {r}.note_text %}}；{{% endif %}}"
        f"{{% if {r}.note_text %}}报送说明：{{{{ {r}.note_text }}}}{{% endif %}}）{{% endif %}}"
    )


def listing(seq: str, words) -> str:
    return f"{{% for r in {seq} %}}" + words() + "{% if not loop.last %}；{% endif %}{% endfor %}"


def joined(seq: str, sep: str = "；") -> str:
    return f"{{% for x in {seq} %}}{{{{ x }}}}{{% if not loop.last %}}{sep}{{% endif %}}{{% endfor %}}"


def heading(key: str, title: str) -> list[str]:
    """A first-level heading numbered by `sections` (left out with its section when none)."""
    return [ctl(f"{{%p if sections.{key} %}}"), para("QHeading1", f"{{{{ sections.{key} }}}}、{title}")]


def head_block(title_line1: str, title_line2: str) -> list[str]:
    return [
        ctl("{%p if redhead %}"),
        para("QMark", "{{ redhead.mark }}"),
        para("QDocNumber", "{{ redhead.number }}"),
        ctl("{%p endif %}"),
        para("QTitle", title_line1, BR, title_line2),
        ctl("{%p if sample %}"),
        para("QSample", "{{ sample_note }}"),
        ctl("{%p endif %}"),
        blank(),
        para("QAddressee", "{{ notice.addressees }}："),
    ]


CHART_RUN = "<!--chart-->"  # replaced by the chart's drawing in package()


def chart_block(caption: str) -> list[str]:
    """The annex chart: a native Word chart bound to `chart` (tools/notice_charts.py)."""
    return [
        ctl("{%p if chart %}"),
        para("QChart", CHART_RUN),
        para("QCaption", caption),
        ctl("{%p endif %}"),
    ]


def closing_block(annex_name: str) -> list[str]:
    """The closing words, 附件说明, 署名, 成文日期 and the 附注 (联系人, 公开属性) under the date."""
    return [
        para("QBody", "{{ notice.closing }}", ppr=KEEP),
        para("QBody", ppr=KEEP),
        para("QAnnexNote", f"附件：{annex_name}", ppr=KEEP),
        para("QBody", ppr=KEEP),
        para("QBody", ppr=KEEP),
        para("QSignName", "{{ notice.signer }}", ppr=KEEP),
        para("QSignDate", "{{ notice.date }}"),
        # one ordinary paragraph, not {%p if %}: a template re-saved by LibreOffice puts the
        # section break on the section's last paragraph, which a {%p %} tag would take with it
        para(
            "QBody",
            "{% if notice.public %}（{{ notice.public }}）{% endif %}{% if notice.contact %}（{{ notice.contact }}）{% endif %}",
        ),
    ]


def annex_block(annex_name: str, tables: list[str], caption: str) -> list[str]:
    """The annex: label, title, the chart (on the landscape page, where it leaves no gap in
    the body), then the tables."""
    return [
        para("QAnnexLabel", "附件"),
        blank("QAnnexLabel"),
        para("QAnnexTitle", annex_name),
        ctl("{%p if sample %}"),
        para("QSample", "（示例数据，仅供演示）"),
        ctl("{%p endif %}"),
        *chart_block(caption),
        *tables,
    ]


def imprint_block() -> list[str]:
    return [
        imprint(
            "{{ notice.printer }}",
            "{{ notice.print_date }}印发",
            "{% if notice.copy_to %}抄送：{{ notice.copy_to }}。{% endif %}",
        ),
        para("QTail"),
    ]


# 序时进度 is said only of the kinds it applies to (counts per year); stocks and rates keep their targets.
PRORATED = (
    "{% if prorated_all %}（序时目标按序时进度{{ period.elapsed_text }}计算）"
    "{% elif prorated_some %}（序时目标按序时进度{{ period.elapsed_text }}计算，"
    "{{ unprorated_kinds }}指标按全年目标考核）{% endif %}"
)
BASIS = (
    "为贯彻落实《{{ plan.title }}》（{{ plan.doc_number }}，以下简称《行动计划》），"
    "我办在{who}自查自评、报送完成情况的基础上，对{whom}{{ period.words }}目标任务完成情况进行了核查评估"
    + PRORATED
    + "。现将有关情况{verb}如下："
)
# 目标待定 never reaches the text: how many measures had no target and were left out
PENDING = "{% if summary.pending %}另有{{ summary.pending }}项指标本时段未设定目标，未纳入考核。{% endif %}"
# what the 整改 looks to: the plan's final year asks for lasting results, other years the next targets
AHEAD = (
    "{% if final_year %}。{{ year }}年是《行动计划》实施的最后一年，要对未完成的指标逐项说明原因，"
    "巩固《行动计划》实施成效，建立长效机制"
    "{% else %}，确保{{ ahead }}目标任务按期完成{% endif %}"
)
AHEAD_MET = (
    "{% if final_year %}巩固《行动计划》实施成效，建立长效机制{% else %}确保{{ ahead }}目标任务按期完成{% endif %}"
)
UNITS = "各{{ units.word }}"


def city_body() -> list[str]:
    annex_name = "{{ period.words }}" + UNITS + "{{ notice.subject }}工作完成情况表"
    out = head_block("关于{{ period.words }}全市{{ notice.subject }}", "工作完成情况的通报")
    out += [
        para("QBody", BASIS.replace("{who}", UNITS).replace("{whom}", UNITS).replace("{verb}", "通报")),
        para("QHeading1", "一、总体情况"),
        ctl("{%p if no_assessed %}"),
        para("QBody", "{{ period.words }}，《行动计划》任务分解表中没有需要考核的量化指标。" + PENDING),
        ctl("{%p endif %}"),
        ctl("{%p if summary.assessed and summary.none_reported %}"),
        para(
            "QBody",
            "{{ period.words }}，《行动计划》任务分解表中分解到"
            + UNITS
            + "的量化考核指标共{{ summary.measures }}项，"
            + UNITS
            + "合计{{ summary.assessed }}项次。截至{{ notice.date }}，"
            + UNITS
            + "均未报送{{ period.words }}完成情况，暂不评估。"
            + PENDING,
        ),
        ctl("{%p endif %}"),
        ctl("{%p if summary.assessed and not summary.none_reported %}"),
        para(
            "QBody",
            "{{ period.words }}，《行动计划》任务分解表中分解到"
            + UNITS
            + "的量化考核指标共{{ summary.measures }}项，"
            + UNITS
            + "合计{{ summary.assessed }}项次。经核查，"
            "{% if summary.all_met %}" + UNITS + "{{ summary.assessed }}项次全部完成"
            "{% if summary.exceeded %}（其中超额完成{{ summary.exceeded }}项次）{% endif %}"
            "{% else %}" + UNITS + "共完成{{ summary.met }}项次"
            "{% if summary.exceeded %}（其中超额完成{{ summary.exceeded }}项次）{% endif %}"
            "{% if summary.missed %}，未完成{{ summary.missed }}项次{% endif %}"
            # the one rule for what was not reported, said once: it counts as not done
            "{% if summary.not_reported %}，未报送{{ summary.not_reported }}项次（按未完成计）{% endif %}{% endif %}，"
            "总体完成比例{{ summary.rate_text }}"
            '{% if change.diff_text == "持平" %}，与{{ previous.label }}持平'
            "{% elif change.diff_text %}，较{{ previous.label }}（{{ change.rate_text }}）{{ change.diff_text }}{% endif %}。"
            + PENDING,
        ),
        para(
            "QBody",
            "按考核指标完成比例排名：{% for g in ranking %}"
            '{{ g.names|join("、") }}{% if g.tied %}并列{% endif %}第{{ g.rank }}名，'
            "{% if g.names|length > 1 %}均{% endif %}"
            "{% if g.none_reported %}未报送完成情况"
            "{% else %}完成{{ g.met }}项（共{{ g.assessed }}项）{% endif %}，完成比例{{ g.rate_text }}"
            "{% if not loop.last %}；{% endif %}{% endfor %}"
            '{% if unranked %}。{{ unranked|join("、") }}{{ period.words }}没有考核指标，不参与排名{% endif %}。'
            "{% if rank_moves %}与{{ previous.label }}相比，{{ rank_moves_text }}"
            "{% if rank_moves_rest %}，其余排名不变{% endif %}。"
            "{% elif previous and ranking %}各" + "{{ units.word }}排名与{{ previous.label }}相同。{% endif %}",
        ),
        ctl("{%p endif %}"),
        ctl("{%p if city_summary.assessed %}"),
        para(
            "QBody",
            "由市有关部门牵头的全市性指标共{{ city_summary.assessed }}项，"
            "{% if city_summary.none_reported %}均未报送完成情况"
            "{% elif city_summary.all_met %}全部完成"
            "{% if city_summary.exceeded %}（其中超额完成{{ city_summary.exceeded }}项）{% endif %}"
            "{% else %}完成{{ city_summary.met }}项"
            "{% if city_summary.exceeded %}（其中超额完成{{ city_summary.exceeded }}项）{% endif %}"
            "{% if city_summary.missed %}，未完成{{ city_summary.missed }}项{% endif %}"
            "{% if city_summary.not_reported %}，未报送{{ city_summary.not_reported }}项（按未完成计）{% endif %}"
            "{% endif %}。"
            "{% if city_summary.pending %}另有{{ city_summary.pending }}项全市性指标本时段未设定目标，未纳入考核。{% endif %}",
        ),
        ctl("{%p endif %}"),
    ]
    out += [
        *heading("results", "主要成效"),
        ctl("{%p if milestones %}"),
        para("QBody", "{{ period.words }}，" + joined("milestones", "、") + "节点目标如期实现。"),
        ctl("{%p endif %}"),
        ctl("{%p if all_met %}"),
        para("QBody", "{{ period.words }}，各项考核指标全部完成，工作成效明显，予以肯定。"),
        ctl("{%p elif all_done %}"),
        para("QBody", '{{ all_done|join("、") }}{{ period.words }}考核指标全部完成，予以肯定。'),
        ctl("{%p endif %}"),
        ctl("{%p if totals_best %}"),
        para("QBody", "从全市看，" + joined("totals_best") + "。"),
        ctl("{%p endif %}"),
        ctl("{%p for d in by_district if d.best %}"),
        para(
            "QBody",
            "{{ d.name }}超额完成{{ d.exceeded|length }}项指标"
            '{% if d.exceeded|length > d.best|length %}，较突出的有{% else %}：{% endif %}{{ d.best|join("；") }}。',
        ),
        ctl("{%p endfor %}"),
        ctl("{%p if city_best %}"),
        para(
            "QBody",
            "全市性指标超额完成{{ city_exceeded|length }}项"
            '{% if city_exceeded|length > city_best|length %}，较突出的有{% else %}：{% endif %}{{ city_best|join("；") }}。',
        ),
        ctl("{%p endif %}"),
        ctl("{%p if reported_words %}"),
        para(
            "QBody",
            "定性任务的进展情况："
            + joined("reported_words")
            + "{% if reported_more %}；另有{{ reported_more }}项，详见附件{% endif %}。",
        ),
        ctl("{%p endif %}"),
        ctl("{%p if not all_met and not all_done and not any_exceeded and not milestones %}"),
        para(
            "QBody",
            "{% if summary.met %}" + UNITS + "共有{{ summary.met }}项次考核指标达到目标{% endif %}"
            "{% if summary.met and city_summary.met %}，{% endif %}"
            "{% if city_summary.met %}全市性指标有{{ city_summary.met }}项达到目标{% endif %}，详见附件。",
        ),
        ctl("{%p endif %}"),
        ctl("{%p endif %}"),
        *heading("problems", "存在问题"),
        ctl("{%p if any_missed and report_gaps %}"),
        para("QBody", ("QHeading2Char", "（一）部分指标未完成。"), ppr=KEEP),
        ctl("{%p endif %}"),
        ctl("{%p for d in by_district if d.missed %}"),
        para(
            "QBody",
            "{{ d.name }}有{{ d.missed|length }}项指标未完成："
            + listing("d.missed_shown", missed_words)
            + "{% if d.missed_more %}；另有{{ d.missed_more }}项，详见附件{% endif %}。",
        ),
        ctl("{%p endfor %}"),
        ctl("{%p if city_missed %}"),
        para("QBody", "全市性指标有{{ city_missed|length }}项未完成：" + listing("city_missed", missed_words) + "。"),
        ctl("{%p endif %}"),
        ctl("{%p if any_missed and report_gaps %}"),
        para("QBody", ("QHeading2Char", "（二）部分数据未报送。"), ppr=KEEP),
        ctl("{%p endif %}"),
        ctl("{%p if report_gaps %}"),
        para(
            "QBody",
            "{% for d in by_district if d.not_reported %}{{ d.name }}"
            "{% if d.none_reported %}{{ d.not_reported|length }}项考核指标均未报送"
            "{% else %}未报送{{ d.not_reported|length }}项"
            "{% if d.not_reported|length <= 4 %}：{{ d.not_reported_text }}{% endif %}{% endif %}"
            "{% if not loop.last %}；{% endif %}{% endfor %}"
            '{% if city_not_reported %}{% if by_district|selectattr("not_reported")|list %}；{% endif %}'
            "全市性指标中{% if city_summary.none_reported %}{{ city_not_reported|length }}项均未报送"
            "{% else %}有{{ city_not_reported|length }}项未报送：{{ city_not_reported_text }}{% endif %}{% endif %}。",
        ),
        ctl("{%p endif %}"),
        # 指标报送率 where not all figures are in (issue 11: the `reporting` variable)
        ctl("{%p if report_gaps and reporting %}"),
        para(
            "QBody",
            "指标报送率：{% for d in reporting %}{{ d.label }}{{ d.rate_text }}（应报{{ d.expected }}项，"
            "已报{{ d.reported }}项）{% if not loop.last %}；{% endif %}{% endfor %}。",
        ),
        ctl("{%p endif %}"),
        ctl("{%p endif %}"),
    ]
    out += [
        *heading("next", "下一步工作要求"),
        ctl("{%p endif %}"),
        ctl("{%p if steps.praise %}"),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.praise }}肯定先进，比学赶超。"),
            '{{ leaders|join("、") }}完成比例位居全市第一，予以肯定。'
            + UNITS
            + "要相互学习借鉴好的做法，比学赶超，整体提升工作水平。",
        ),
        ctl("{%p endif %}"),
        ctl("{%p if missed_places %}"),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.fix }}对标对表，限期整改。"),
            '{% if last and last != leaders %}{{ last|join("、") }}完成比例排名末位，要于{{ notice.deadline }}前'
            "向我办书面说明未完成指标的原因。{% endif %}"
            '{% if missed_all %}各{{ units.word }}{% else %}{{ missed_places|join("、") }}{% endif %}要对照《行动计划》和任务分解表，逐项分析未完成指标的原因，制定整改措施，'
            "于{{ notice.deadline }}前将整改情况书面报送我办"
            "{% if repeated %}；连续未完成的{{ repeated|length }}项指标要作为整改重点，我办将列入重点督办{% endif %}"
            + AHEAD
            + "。",
        ),
        ctl("{%p else %}"),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.fix }}巩固成果，持续提升。"),
            UNITS + "要保持工作力度，" + AHEAD_MET + "。",
        ),
        ctl("{%p endif %}"),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.report }}按时报送，确保数据准确。"),
            UNITS + "要指定专人负责完成情况报送，对数据的真实性、准确性负责"
            "{% if unreported_places %}；{% if unreported_places|length == by_district|length %}各{{ units.word }}"
            '{% else %}{{ unreported_places|join("、") }}{% endif %}要于{{ notice.deadline }}前补报未报送的数据'
            "{% endif %}。",
        ),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.guide }}加强统筹，强化督导。"),
            # a task is given only to those addressed: the group's members when they are in 主送
            "{% if notice.members_addressed %}领导小组各成员单位要加强对口指导，"
            "{% if city_missed or city_not_reported %}牵头全市性指标的部门要对"
            "{% if city_missed and city_not_reported %}未完成、未报送{% elif city_missed %}未完成{% else %}未报送{% endif %}"
            "的全市性指标落实{% if city_missed %}整改{% endif %}{% if city_missed and city_not_reported %}和{% endif %}"
            "{% if city_not_reported %}补报{% endif %}，{% endif %}"
            "{% else %}我办将会同市有关部门加强跟踪督导，"
            "{% if city_missed or city_not_reported %}督促牵头部门对"
            "{% if city_missed and city_not_reported %}未完成、未报送{% elif city_missed %}未完成{% else %}未报送{% endif %}"
            "的全市性指标落实{% if city_missed %}整改{% endif %}{% if city_missed and city_not_reported %}和{% endif %}"
            "{% if city_not_reported %}补报{% endif %}，{% endif %}"
            "{% endif %}"
            "{% if any_missed %}对进度滞后的指标跟踪督办{% else %}持续跟踪各项指标进展{% endif %}，"
            "推动各项任务落到实处。",
        ),
    ]
    out += closing_block(annex_name)
    out.append(sect_break(PORTRAIT_REFS + sect(False)))
    # 序号 and 指标 on every row: a measure's rows may break across pages (rows never split)
    columns = [
        ("序号", 600, "QTableText", "{{ r.row }}"),
        ("指标", 3400, "QTableLeft", "{{ r.measure }}"),
        ("{{ units.word }}", 1200, "QTableText", "{{ r.place }}"),
        ("目标值", 2200, "QTableText", "{{ r.target_cell }}"),
        ("完成值", 1300, "QTableText", "{{ r.actual_q }}"),
        ("完成率", 1300, "QTableText", "{{ r.ratio_text }}"),
        ("状态", 1100, "QTableText", "{{ r.status }}"),
        ("说明", 1656, "QTableLeft", "{{ r.note }}"),
    ]
    note = (
        "注：完成率＝完成值÷目标值；{% if not period.is_year %}目标值为序时目标，括号内为全年目标；"
        "{% endif %}“各{{ units.word }}合计”为各{{ units.word }}目标值、完成值之和；"
        "未报送的指标按未完成计入完成比例；“不适用”指本时段无考核目标或为定性任务。"
    )
    tables = [
        # [notice] annex: one row per measure and unit ("list"), or the 指标×区 matrix (the default)
        ctl('{%p if notice.annex == "list" %}'),
        data_table(columns),
        para("QTableLeft", note),
        ctl("{%p else %}"),
        *matrix_block(columns),
        ctl("{%p endif %}"),
    ]
    out += annex_block(annex_name, tables, "图　{{ period.words }}" + UNITS + "考核指标完成比例")
    out.append(sect_break(LANDSCAPE_REFS + sect(True)))
    out += imprint_block()
    return out


def matrix_block(columns) -> list[str]:
    """The matrix of the measures shared out to the units, then the city's own measures as a list."""
    # the list's columns without 区, its width given to 指标 and 说明 (a unit's 说明 runs to a sentence)
    widths = {"指标": 3700, "目标值": 2300, "完成率": 1200, "说明": 2556}
    city_columns = [(c[0], widths.get(c[0], c[1]), *c[2:]) for c in columns if c[0] != "{{ units.word }}"]
    assert sum(c[1] for c in city_columns) == sum(c[1] for c in columns)
    matrix_note = (
        "注：各{{ units.word }}一格中，上为完成值（单位见“单位”列），下为目标值"
        "{% if prorated_some %}（序时目标{% if not prorated_all %}；{{ unprorated_kinds }}指标为全年目标{% endif %}）{% endif %}；"
        "▲超额完成，√完成，×未完成；“未报”为未报送，按未完成计入完成比例；“—”为本时段无考核目标。"
        "“合计”为各{{ units.word }}目标值、完成值之和{% if matrix.untotalled %}，比率类指标不合计{% endif %}。"
        "{% if matrix.omitted %}另有{{ matrix.omitted }}项分解到各{{ units.word }}的指标本时段无考核目标，未列入。{% endif %}"
    )
    city_note = (
        "注：完成率＝完成值÷目标值；{% if not period.is_year %}目标值为序时目标，括号内为全年目标；{% endif %}"
        "未报送的指标按未完成计入完成比例；“不适用”指本时段无考核目标或为定性任务。"
    )
    return [
        ctl("{%p if matrix.rows %}"),
        para("QCaption", "表1　各{{ units.word }}考核指标完成情况", ppr=KEEP),
        matrix_table(),
        para("QTableLeft", matrix_note),
        blank("QTableLeft"),
        ctl("{%p endif %}"),
        ctl("{%p if matrix.city %}"),
        para("QCaption", "{% if matrix.rows %}表2　{% endif %}全市性指标完成情况", ppr=KEEP),
        data_table(city_columns, "matrix.city"),
        para("QTableLeft", city_note),
        blank("QTableLeft"),
        ctl("{%p endif %}"),
        # the units' 说明 (qualitative progress, reasons for a miss), which the matrix has no room for
        ctl("{%p if matrix.notes %}"),
        para(
            "QCaption",
            "{% if matrix.rows or matrix.city %}表{{ 1 + (1 if matrix.rows else 0) + (1 if matrix.city else 0) }}　{% endif %}"
            "各{{ units.word }}报送的说明",
            ppr=KEEP,
        ),
        data_table(
            [
                ("序号", 600, "QTableText", "{{ r.row }}"),
                ("指标", 3800, "QTableLeft", "{{ r.measure }}"),
                ("{{ units.word }}", 1200, "QTableText", "{{ r.place }}"),
                ("状态", 1100, "QTableText", "{{ r.status }}"),
                ("说明", 6056, "QTableLeft", "{{ r.note }}"),
            ],
            "matrix.notes",
        ),
        ctl("{%p endif %}"),
    ]


def district_body() -> list[str]:
    annex_name = "{{ district.name }}{{ period.words }}{{ notice.subject }}工作完成情况表"
    you = "{{ district.you }}"
    out = head_block(
        '关于{% if notice.genre == "函" %}反馈{% endif %}{{ district.name }}{{ period.words }}',
        '{{ notice.subject }}工作完成情况的{% if notice.genre == "函" %}函{% else %}通报{% endif %}',
    )
    out += [
        para(
            "QBody",
            BASIS.replace("{who}", you)
            .replace("{whom}", you)
            .replace("{verb}", '{% if notice.genre == "函" %}函告{% else %}通报{% endif %}'),
        ),
        para("QHeading1", "一、总体情况"),
        ctl("{%p if no_assessed %}"),
        para("QBody", "{{ period.words }}，《行动计划》任务分解表中没有需要" + you + "考核的量化指标。" + PENDING),
        ctl("{%p elif nothing_reported %}"),
        para(
            "QBody",
            "截至{{ notice.date }}，" + you + "尚未报送{{ period.words }}完成情况，{{ summary.assessed }}项考核指标"
            "均按未完成计，完成比例为0。" + PENDING,
        ),
        ctl("{%p else %}"),
        para(
            "QBody",
            "{{ period.words }}，" + you + "承担《行动计划》任务分解表量化考核指标{{ summary.assessed }}项，"
            "{% if summary.all_met %}全部完成{% else %}完成{{ summary.met }}项{% endif %}"
            "{% if summary.exceeded %}（其中超额完成{{ summary.exceeded }}项）{% endif %}"
            "{% if summary.missed %}，未完成{{ summary.missed }}项{% endif %}"
            "{% if summary.not_reported %}，未报送{{ summary.not_reported }}项（按未完成计）{% endif %}，"
            "完成比例{{ summary.rate_text }}"
            '{% if standing.rate_change_text == "持平" %}，与{{ previous.label }}持平'
            "{% elif standing.rate_change_text %}，较{{ previous.label }}（{{ standing.previous_rate_text }}）"
            "{{ standing.rate_change_text }}{% endif %}；"
            "在全市{{ standing.count }}个{{ units.word }}中"
            '{% if standing.tied_with %}与{{ standing.tied_with|join("、") }}并列{% endif %}'
            "排第{{ standing.rank }}名"
            '{% if standing.rank_change_text == "持平" %}，名次与{{ previous.label }}相同'
            "{% elif standing.rank_change_text %}，较{{ previous.label }}{{ standing.rank_change_text }}{% endif %}。"
            + PENDING,
        ),
        ctl("{%p endif %}"),
    ]
    out += [
        *heading("results", "主要成效"),
        ctl("{%p if milestones %}"),
        para("QBody", "{{ period.words }}，" + joined("milestones", "、") + "节点目标如期实现。"),
        ctl("{%p endif %}"),
        ctl("{%p if all_met %}"),
        para("QBody", you + "{{ period.words }}考核指标全部完成，工作成效明显，予以肯定。"),
        ctl("{%p endif %}"),
        ctl("{%p if exceeded %}"),
        para(
            "QBody",
            you
            + "超额完成{{ exceeded|length }}项指标{% if exceeded_more %}，较突出的有{% else %}：{% endif %}"
            + joined("best")
            + "。",
        ),
        ctl("{%p endif %}"),
        ctl("{%p if met %}"),
        para(
            "QBody",
            "{% if exceeded %}另有{% else %}" + you + "有{% endif %}{{ met|length }}项指标达到目标"
            "{% if met_more %}，详见附件{% else %}：{{ met_text }}{% endif %}。",
        ),
        ctl("{%p endif %}"),
        ctl("{%p if reported_words %}"),
        para(
            "QBody",
            "定性任务的进展情况："
            + joined("reported_words")
            + "{% if reported_more %}；另有{{ reported_more }}项，详见附件{% endif %}。",
        ),
        ctl("{%p endif %}"),
        ctl("{%p endif %}"),
        *heading("problems", "存在问题"),
        # The sub-headings （一）（二） stand on their own lines, and only when both items are there.
        ctl("{%p if missed and report_gaps %}"),
        para("QBody", ("QHeading2Char", "（一）部分指标未完成。"), ppr=KEEP),
        ctl("{%p endif %}"),
        ctl("{%p if missed %}"),
        para("QBody", you + "有{{ missed|length }}项指标未完成：" + listing("missed", missed_words) + "。"),
        ctl("{%p endif %}"),
        ctl("{%p if missed and report_gaps %}"),
        para("QBody", ("QHeading2Char", "（二）部分数据未报送。"), ppr=KEEP),
        ctl("{%p endif %}"),
        ctl("{%p if report_gaps %}"),
        para("QBody", you + "有{{ not_reported|length }}项指标未报送完成情况：{{ not_reported_text }}。"),
        ctl("{%p endif %}"),
        ctl("{%p endif %}"),
    ]
    out += [
        *heading("next", "下一步工作要求"),
        ctl("{%p endif %}"),
        ctl("{%p if steps.praise %}"),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.praise }}保持优势，再创佳绩。"),
            you + "完成比例位居全市第一，予以肯定。望总结推广好的做法，保持工作力度，" + AHEAD_MET + "。",
        ),
        ctl("{%p endif %}"),
        ctl("{%p if missed %}"),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.fix }}逐项整改，限期报告。"),
            "{% if standing.last %}" + you + "完成比例排名全市末位。{% endif %}"
            "请" + you + "对照《行动计划》和任务分解表，逐项分析{{ missed|length }}项未完成指标的原因"
            "{% if repeated %}，其中{{ repeated_text }}{{ repeated[0].streak_text }}未完成，要作为整改重点{% endif %}，"
            "制定整改措施，于{{ notice.deadline }}前将"
            "{% if standing.last %}未完成原因的书面说明和{% endif %}整改情况报送我办" + AHEAD + "。",
        ),
        ctl("{%p else %}"),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.fix }}巩固成果，持续提升。"),
            "请" + you + "保持工作力度，" + AHEAD_MET + "。",
        ),
        ctl("{%p endif %}"),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.report }}按时报送，确保数据准确。"),
            "请" + you + "指定专人负责完成情况报送，对数据的真实性、准确性负责"
            "{% if nothing_reported %}，于{{ notice.deadline }}前报送{{ period.words }}完成情况"
            "{% elif not_reported %}，于{{ notice.deadline }}前补报未报送的{{ not_reported|length }}项指标{% endif %}。",
        ),
        para(
            "QBody",
            ("QHeading2Char", "{{ steps.guide }}加强统筹，强化督导。"),
            "请" + you + "加强部门协同，"
            "{% if missed %}对进度滞后的指标跟踪督办{% else %}持续跟踪各项指标进展{% endif %}，推动各项任务落到实处。",
        ),
    ]
    out += closing_block(annex_name)
    out.append(sect_break(PORTRAIT_REFS + sect(False)))
    columns = [
        ("序号", 600, "QTableText", "{{ r.row }}"),
        ("指标", 3800, "QTableLeft", "{{ r.measure }}"),
        ("目标值", 2400, "QTableText", "{{ r.target_cell }}"),
        ("完成值", 1400, "QTableText", "{{ r.actual_q }}"),
        ("完成率", 1300, "QTableText", "{{ r.ratio_text }}"),
        ("状态", 1100, "QTableText", "{{ r.status }}"),
        ("说明", 2156, "QTableLeft", "{{ r.note }}"),
    ]
    note = (
        "注：完成率＝完成值÷目标值；{% if not period.is_year %}目标值为序时目标，括号内为全年目标；"
        "{% endif %}未报送的指标按未完成计入完成比例；“不适用”指本时段无考核目标或为定性任务。"
    )
    out += annex_block(
        annex_name,
        [data_table(columns), para("QTableLeft", note)],
        "图　{{ district.name }}{{ period.words }}各项指标完成率",
    )
    out.append(sect_break(LANDSCAPE_REFS + sect(True)))
    out += imprint_block()
    return out


# ── the package ───────────────────────────────────────────────────────────────────────────

DOC_RELS = document_rels(
    (
        ("rIdStyles", "styles", "styles.xml"),
        ("rIdSettings", "settings", "settings.xml"),
        ("rIdFonts", "fontTable", "fontTable.xml"),
        ("rIdFooterOdd", "footer", "footer1.xml"),
        ("rIdFooterEven", "footer", "footer2.xml"),
        ("rIdFtrBlank", "footer", "footer3.xml"),
        ("rIdHdrBlank", "header", "header1.xml"),
        ("rIdHdrLandOdd", "header", "header2.xml"),
        ("rIdHdrLandEven", "header", "header3.xml"),
    )
)

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="仿宋_GB2312" w:hAnsi="仿宋_GB2312" w:eastAsia="仿宋_GB2312" w:cs="仿宋_GB2312"/><w:kern w:val="2"/><w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style>
</w:styles>"""

SETTINGS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/>
<w:drawingGridVerticalSpacing w:val="579"/><w:characterSpacingControl w:val="doNotCompress"/>
<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/>
<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>
<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>
</w:settings>"""


def package(body: list[str], title: str, horizontal: bool = False) -> bytes:
    """The template's package; `horizontal`: its chart has horizontal bars (the district's)."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {NS}><w:body>'
        + "\n".join(body)
        # the 版记's section starts on an even page (GB/T 9704: the 版记 on the last page, the back of a
        # sheet printed on both sides); Word, WPS and LibreOffice add a blank page where needed
        + f"<w:sectPr>{PORTRAIT_REFS}{sect(False).replace('nextPage', 'evenPage')}</w:sectPr></w:body></w:document>"
    ).replace(CHART_RUN, notice_charts.drawing(horizontal))
    parts = {
        "_rels/.rels": ROOT_RELS,
        "docProps/core.xml": CORE.format(title=title),
        "docProps/app.xml": APP,
        "word/document.xml": document,
        "word/_rels/document.xml.rels": DOC_RELS.replace(
            "</Relationships>", notice_charts.DOC_REL + "</Relationships>"
        ),
        "word/styles.xml": STYLES,
        "word/settings.xml": SETTINGS,
        "word/fontTable.xml": FONTS,
        "word/footer1.xml": page_footer("QPageOdd"),
        "word/footer2.xml": page_footer("QPageEven"),
        "word/footer3.xml": blank_part("ftr"),
        "word/header1.xml": blank_part("hdr"),
        "word/header2.xml": number_box_header(odd=True),
        "word/header3.xml": number_box_header(odd=False),
    }
    types = content_types(parts, defaults=(("png", "image/png"),))
    parts = {"[Content_Types].xml": types.replace("</Types>", notice_charts.CONTENT_TYPES + "</Types>"), **parts}
    parts.update(notice_charts.chart_package_parts(horizontal))
    blob = apply_profile(zip_parts(parts), Profile(), SIGNER)
    docx.Document(io.BytesIO(blob))  # python-docx must accept it
    return normalise_package(blob, epoch=946684800)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "templates" / "docx")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, body, title in (
        # The title property is filled like the body: the document's own title in Word's properties.
        ("通报-全市.docx", city_body(), "关于{{ period.words }}全市{{ notice.subject }}工作完成情况的通报"),
        (
            "通报-区.docx",
            district_body(),
            '关于{% if notice.genre == "函" %}反馈{% endif %}{{ district.name }}{{ period.words }}{{ notice.subject }}'
            '工作完成情况的{% if notice.genre == "函" %}函{% else %}通报{% endif %}',
        ),
    ):
        path = args.out / name
        path.write_bytes(package(body, title, horizontal=name == "通报-区.docx"))
        print(f"已生成 {path}")


if __name__ == "__main__":
    main()
