"""The native Word charts of the notice templates (used by tools/make_notice_templates.py).

Each chart is a DrawingML chart part with an embedded workbook, drawn inline in the annex and
bound to the context list `chart` by the tag in its alt text (docs/templates.md, 图表). Users
restyle it in Word or WPS; qdocgen fills only its data. The sample data written here is what
Word shows while the template itself is open.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qdocgen.render.docx.chart_part import CT_CHART, RT_CHART, ChartTable, chart_parts  # noqa: E402

EMU_PER_MM = 36000
BLUE, RED, GREY = "2F5597", "C00000", "7F7F7F"
LATIN, EAST_ASIAN = "Times New Roman", "宋体"
NS = (
    'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)


def text_props(size: int = 900, bold: bool = False) -> str:
    """Text properties with the East Asian font declared (without `a:ea` Chinese falls back)."""
    b = ' b="1"' if bold else ' b="0"'
    return (
        f'<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}"{b}>'
        '<a:solidFill><a:srgbClr val="000000"/></a:solidFill>'
        f'<a:latin typeface="{LATIN}"/><a:ea typeface="{EAST_ASIAN}"/><a:cs typeface="{LATIN}"/>'
        '</a:defRPr></a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
    )


def fill(colour: str) -> str:
    return f'<c:spPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill></c:spPr>'


def line(colour: str, width: int = 9525, dash: str = "") -> str:
    d = f'<a:prstDash val="{dash}"/>' if dash else ""
    return f'<a:ln w="{width}"><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>{d}</a:ln>'


def labels(position: str) -> str:
    """Data labels: the value as a percentage with one decimal, more where the display rule
    needs them (99.99% for a missed measure, 100.0002% for one exceeded by a hair;
    docs/progress.md, 七)."""
    return (
        '<c:dLbls><c:numFmt formatCode="0.0#######%" sourceLinked="0"/>'
        "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>"
        f'{text_props(800)}<c:dLblPos val="{position}"/><c:showLegendKey val="0"/><c:showVal val="1"/>'
        '<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/>'
        "</c:dLbls>"
    )


def placeholder(idx: int) -> str:
    """A series' name, categories and values before the first fill (one empty point)."""
    col = chr(ord("B") + idx)
    return (
        f'<c:tx><c:strRef><c:f>Sheet1!${col}$1</c:f><c:strCache><c:ptCount val="1"/>'
        f'<c:pt idx="0"><c:v>系列{idx + 1}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
    )


def data_refs() -> str:
    return (
        '<c:cat><c:strRef><c:f>Sheet1!$A$2:$A$2</c:f><c:strCache><c:ptCount val="1"/></c:strCache></c:strRef></c:cat>'
        "<c:val><c:numRef><c:f>Sheet1!$B$2:$B$2</c:f><c:numCache><c:formatCode>0.0#######%</c:formatCode>"
        '<c:ptCount val="1"/></c:numCache></c:numRef></c:val>'
    )


def bar_series(idx: int, colour: str, position: str) -> str:
    return (
        f'<c:ser><c:idx val="{idx}"/><c:order val="{idx}"/>{placeholder(idx)}{fill(colour)}'
        f'<c:invertIfNegative val="0"/>{labels(position)}{data_refs()}</c:ser>'
    )


def reference_series(idx: int) -> str:
    """The dashed 100% line: a line series whose every value is 1."""
    return (
        f'<c:ser><c:idx val="{idx}"/><c:order val="{idx}"/>{placeholder(idx)}'
        f'<c:spPr>{line(GREY, 15875, "dash")}</c:spPr><c:marker><c:symbol val="none"/></c:marker>'
        f'{data_refs()}<c:smooth val="0"/></c:ser>'
    )


def axes(horizontal: bool) -> str:
    """Category and value axes; the value axis in percent, from 0, gridlines dashed."""
    cat_pos, val_pos = ("l", "b") if horizontal else ("b", "l")
    # Horizontal bars read top-down: categories in reverse order, value axis at the bottom;
    # the gridline every 100% marks the target.
    orientation = "maxMin" if horizontal else "minMax"
    crosses = '<c:crosses val="max"/>' if horizontal else '<c:crosses val="autoZero"/>'
    unit = '<c:majorUnit val="1"/>' if horizontal else ""
    grid_line = line("7F7F7F", 12700, "dash") if horizontal else line("D9D9D9")
    grid = f"<c:majorGridlines><c:spPr>{grid_line}</c:spPr></c:majorGridlines>"
    cat_size = 700 if horizontal else 900  # 27 measures' names, each on its own line
    axis_line = f"<c:spPr>{line('595959')}</c:spPr>"
    return (
        f'<c:catAx><c:axId val="500001"/><c:scaling><c:orientation val="{orientation}"/></c:scaling>'
        f'<c:delete val="0"/><c:axPos val="{cat_pos}"/><c:numFmt formatCode="General" sourceLinked="1"/>'
        '<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'{axis_line}{text_props(cat_size)}<c:crossAx val="500002"/><c:crosses val="autoZero"/><c:auto val="1"/>'
        '<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:tickLblSkip val="1"/><c:noMultiLvlLbl val="0"/></c:catAx>'
        f'<c:valAx><c:axId val="500002"/><c:scaling><c:orientation val="minMax"/><c:min val="0"/></c:scaling>'
        f'<c:delete val="0"/><c:axPos val="{val_pos}"/>{grid}<c:numFmt formatCode="0%" sourceLinked="0"/>'
        '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'{axis_line}{text_props(900)}<c:crossAx val="500001"/>{crosses}<c:crossBetween val="between"/>{unit}'
        "</c:valAx>"
    )


def title(tag: str) -> str:
    """The chart's title holding its binding tag: seen by whoever edits the template, taken out
    of the filled document (which has its caption below the chart)."""
    text = tag.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    rpr = f'<a:rPr lang="zh-CN" altLang="en-US" sz="900" b="0"><a:latin typeface="{LATIN}"/><a:ea typeface="{EAST_ASIAN}"/></a:rPr>'
    return (
        "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p>"
        f'<a:pPr><a:defRPr sz="900" b="0"><a:latin typeface="{LATIN}"/><a:ea typeface="{EAST_ASIAN}"/></a:defRPr></a:pPr>'
        f'<a:r>{rpr}<a:t>{text}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
    )


def chart_xml(horizontal: bool, tag: str = "") -> str:
    """The chart part: city — columns of completion by district and a dashed 100% target line;
    district — bars of completion by measure, missed ones in red (a second series). `tag`, if
    given, is written as the chart's title."""
    if horizontal:
        plots = (
            '<c:barChart><c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            f"{bar_series(0, BLUE, 'outEnd')}{bar_series(1, RED, 'outEnd')}"
            '<c:gapWidth val="40"/><c:overlap val="100"/><c:axId val="500001"/><c:axId val="500002"/></c:barChart>'
        )
    else:
        plots = (
            '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            f"{bar_series(0, BLUE, 'outEnd')}"
            '<c:gapWidth val="80"/><c:axId val="500001"/><c:axId val="500002"/></c:barChart>'
            '<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>'
            f'{reference_series(1)}<c:marker val="1"/><c:axId val="500001"/><c:axId val="500002"/></c:lineChart>'
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:chartSpace {NS}>'
        '<c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/>'
        f'<c:chart>{title(tag) if tag else ""}<c:autoTitleDeleted val="{0 if tag else 1}"/><c:plotArea><c:layout/>'
        f"{plots}{axes(horizontal)}"
        "<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr></c:plotArea>"
        f'<c:legend><c:legendPos val="{"t" if horizontal else "b"}"/><c:overlay val="0"/>{text_props(900)}</c:legend>'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        f"<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{text_props(900)}"
        "</c:chartSpace>"
    )


# What Word shows while the template is open; the generator replaces it with the notice's data.
CITY_SAMPLE = ChartTable(
    "区",
    ("甲区", "乙区", "丙区", "丁区", "戊区"),
    (("完成比例", (0.9, 0.85, 0.95, 0.8, 0.88)), ("目标（100%）", (1, 1, 1, 1, 1))),
)
DISTRICT_SAMPLE = ChartTable(
    "指标",
    ("指标一", "指标二", "指标三"),
    (("已完成", (1.2, None, 1.0)), ("未完成", (None, 0.8, None))),
)
# The tags binding each chart to the context list `chart` (label, ratio, missed).
CITY_TAG = "{{ chart: chart | 区=label, 完成比例=ratio, 目标（100%）=1 }}"
DISTRICT_TAG = "{{ chart: chart | 指标=label, 已完成=ratio if not missed, 未完成=ratio if missed }}"
CITY_SIZE_MM = (160, 85)
DISTRICT_SIZE_MM = (215, 104)


def chart_package_parts(horizontal: bool, tag_in_title: bool = True) -> dict[str, bytes]:
    """The chart part, its relationships and its embedded workbook, holding the sample data;
    the chart's title is its binding tag unless `tag_in_title` is false.

    The tag is in the title rather than in the alt text because LibreOffice drops a chart's alt
    text when it saves a .docx, while Word, WPS and LibreOffice all keep its title."""
    part = "word/charts/chart1.xml"
    sample = DISTRICT_SAMPLE if horizontal else CITY_SAMPLE
    tag = (DISTRICT_TAG if horizontal else CITY_TAG) if tag_in_title else ""
    parts = {part: chart_xml(horizontal, tag).encode("utf-8"), "[Content_Types].xml": CONTENT_TYPES_STUB}
    out = chart_parts(parts, part, sample)
    del out["[Content_Types].xml"]  # the templates' content types declare xlsx themselves
    return out


CONTENT_TYPES_STUB = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
CONTENT_TYPES = (
    '<Default Extension="xlsx" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/>'
    f'<Override PartName="/word/charts/chart1.xml" ContentType="{CT_CHART}"/>'
)
DOC_REL = f'<Relationship Id="rIdChart1" Type="{RT_CHART}" Target="charts/chart1.xml"/>'


def esc_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def drawing(horizontal: bool, alt_text: str | None = None) -> str:
    """The inline drawing (a run) that shows the chart; its alt text describes it (or is
    `alt_text`, which may hold a binding tag)."""
    w, h = DISTRICT_SIZE_MM if horizontal else CITY_SIZE_MM
    name = "各项指标完成率图" if horizontal else "各区完成率图"
    tag = alt_text if alt_text is not None else f"{name}：完成率柱状图，虚线为100%"
    return (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{w * EMU_PER_MM}" cy="{h * EMU_PER_MM}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="9201" name="{name}" descr="{esc_attr(tag)}"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" r:id="rIdChart1"/>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
