"""Issue 12 (part B): every template mistake in Chinese, at the place the user sees in Word or
Excel; a value the rendering was not given refused before rendering; the context as data.

Templates are written here as a clerk writes them (python-docx, openpyxl), misspellings and all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_BREAK
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.shared import Cm
from openpyxl import Workbook, load_workbook

from qdocgen.documents.context import VARIABLES, base_context
from qdocgen.figures.period import Period
from qdocgen.progress import evaluate

from conftest import needs_soffice, soffice_convert

WNS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def progress_table(doc, cell_text: str = "{{ p.measure }}"):
    """A five-row table: header, {%tr for %}, two rows per item, {%tr endfor %}; `cell_text` in
    row 4, column 3 (Word counts the marker rows: they are in the template)."""
    table = doc.add_table(rows=5, cols=3)
    for cell, text in zip(table.rows[0].cells, ["序号", "指标", "完成值"], strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for p in progress %}"
    table.rows[2].cells[0].text = "{{ loop.index }}"
    table.rows[2].cells[1].text = "{{ p.measure }}"
    table.rows[2].cells[2].text = "{{ p.actual_text }}"
    table.rows[3].cells[0].text = ""
    table.rows[3].cells[1].text = "说明"
    table.rows[3].cells[2].text = cell_text
    table.rows[4].cells[0].text = "{%tr endfor %}"
    return table


def clerk_docx(path: Path, **places: str) -> Path:
    """A province-style Word template: a title, a paragraph, the progress table, a closing
    paragraph; text put into `places` (body_end, textbox, first_header, header, footer,
    footnote, title_property, section2_header)."""
    doc = Document()
    doc.add_paragraph("{{ plan.city }}{{ period.words }}完成情况统计表")
    doc.add_paragraph("填报单位：{{ plan.office }}")
    progress_table(doc, places.get("cell", "{{ p.note }}"))
    closing = doc.add_paragraph("以上数据截至{{ period.end }}。")
    if "body_end" in places:
        doc.add_paragraph(places["body_end"])
    if "textbox" in places:
        closing._p.append(parse_xml(textbox_run(places["textbox"])))
    section = doc.sections[0]
    if "first_header" in places:
        section.different_first_page_header_footer = True
        section.first_page_header.paragraphs[0].text = places["first_header"]
    section.header.paragraphs[0].text = places.get("header", "{{ plan.city }}")
    section.footer.paragraphs[0].text = places.get("footer", "第 1 页")
    if "even_footer" in places:
        doc.settings.odd_and_even_pages_header_footer = True
        section.even_page_footer.paragraphs[0].text = places["even_footer"]
    if "footnote" in places:
        add_footnotes(doc, closing, ["数据来源：各区报送。", places["footnote"]])
    if "title_property" in places:
        doc.core_properties.title = places["title_property"]
    if "section2_header" in places:
        new = doc.add_section()
        new.header.is_linked_to_previous = False
        new.header.paragraphs[0].text = places["section2_header"]
    doc.save(path)
    return path


def textbox_run(text: str) -> str:
    """A run holding a text box as Word 2010+ writes it: DrawingML, with a VML fallback."""
    body = f'<w:txbxContent><w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:txbxContent>'
    return (
        f'<w:r {WNS} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
        ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
        ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
        ' xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
        ' xmlns:v="urn:schemas-microsoft-com:vml">'
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:inline><wp:extent cx="1800000" cy="400000"/>'
        '<wp:docPr id="99" name="文本框 1"/><a:graphic>'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f'<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr/><wps:txbx>{body}</wps:txbx><wps:bodyPr/></wps:wsp>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice>"
        f'<mc:Fallback><w:pict><v:shape style="width:140pt;height:30pt"><v:textbox>{body}</v:textbox>'
        "</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def add_footnotes(doc, paragraph, texts: list[str]) -> None:
    """Footnotes as Word stores them: a footnotes part, and a reference mark in `paragraph`."""
    notes = "".join(
        f'<w:footnote w:id="{i}"><w:p><w:r><w:footnoteRef/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:footnote>'
        for i, text in enumerate(texts, 1)
    )
    xml = (
        f'<w:footnotes {WNS}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        '</w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
        f"</w:r></w:p></w:footnote>{notes}</w:footnotes>"
    )
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml.encode("utf-8"), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    for i in range(1, len(texts) + 1):
        paragraph._p.append(parse_xml(f'<w:r {WNS}><w:footnoteReference w:id="{i}"/></w:r>'))


def render(cli, template: Path, *args: str):
    result = cli("render", template, *args, "-o", "out/结果" + template.suffix)
    assert "Traceback" not in result.output and "内部错误" not in result.output, result.output
    return result


# ---------------------------------------------------------------- Word: the place as Word shows it

WORD_PLACES = {
    # the misspelling in row 4, below the {%tr for %} marker row: Word counts that row
    "table row": (
        {"cell": "合计 {{ p.notee }}"},
        "正文表格 1 第 4 行第 3 列（“合计 {{ p.notee }}”）",
        "没有属性“notee”，是否应为“note”？",
    ),
    # paragraphs in the table and in the text box do not shift the body's paragraph numbers
    "paragraph after the table": (
        {"body_end": "报送：{{ plan.ofice }}"},
        "正文第 4 段（“报送：{{ plan.ofice }}”）",
        "没有属性“ofice”，是否应为“office”？",
    ),
    "text box": (
        {"textbox": "{{ plan.ctiy }}"},
        "正文文本框 1（“{{ plan.ctiy }}”）",
        "没有属性“ctiy”，是否应为“city”？",
    ),
    "first-page header": ({"first_header": "{{ plan.ctiy }}"}, "首页页眉（“{{ plan.ctiy }}”）", "没有属性“ctiy”"),
    "header": ({"header": "{{ plan.ctiy }}"}, "页眉（“{{ plan.ctiy }}”）", "没有属性“ctiy”，是否应为“city”？"),
    "footer": ({"footer": "第 {{ yaer }} 年"}, "页脚（“第 {{ yaer }} 年”）", "未定义的变量“yaer”，是否应为“year”？"),
    "even-page footer": ({"even_footer": "{{ plan.ctiy }}"}, "偶数页页脚（“{{ plan.ctiy }}”）", "是否应为“city”？"),
    "odd-page header": (
        {"even_footer": "第 2 页", "header": "{{ plan.ctiy }}"},
        "奇数页页眉（“{{ plan.ctiy }}”）",
        "是否应为“city”？",
    ),
    "footnote": ({"footnote": "{{ plan.doc_numbr }}"}, "脚注 2（“{{ plan.doc_numbr }}”）", "是否应为“doc_number”？"),
    "document property": (
        {"title_property": "{{ plan.titel }}"},
        "文档属性“标题”（“{{ plan.titel }}”）",
        "没有属性“titel”，是否应为“title”？",
    ),
    "second section's header": ({"section2_header": "{{ plan.ctiy }}"}, "第 2 节页眉（“{{ plan.ctiy }}”）", "ctiy"),
}


@pytest.mark.parametrize("case", list(WORD_PLACES))
def test_word_mistake_is_named_where_word_shows_it(cli, tmp_path, case):
    places, where, what = WORD_PLACES[case]
    template = clerk_docx(tmp_path / "省表.docx", **places)
    result = render(cli, template, "--year", "2018")
    assert result.exit_code == 1
    assert result.output.startswith(f"模板 {template} {where}："), result.output
    assert what in result.output
    assert not Path("out").exists()


@needs_soffice
def test_word_mistakes_in_a_template_saved_by_libreoffice_are_placed_alike(cli, tmp_path):
    """The same template after a round trip through LibreOffice (which rewrites the XML)."""
    (tmp_path / "made").mkdir()
    made = clerk_docx(tmp_path / "made" / "省表.docx", cell="合计 {{ p.notee }}")
    (saved,) = soffice_convert([made], tmp_path, "docx:MS Word 2007 XML")
    result = render(cli, saved, "--year", "2018")
    assert result.exit_code == 1
    assert result.output.startswith(f"模板 {saved} 正文表格 1 第 4 行第 3 列（“合计 {{{{ p.notee }}}}”）："), (
        result.output
    )


# ---------------------------------------------------------------- Word: what went wrong, in Chinese

WORD_MISTAKES = {
    "unknown filter": ("{{ p.actual | numbr }}", "模板语法错误：没有名为“numbr”的过滤器，是否应为“number”？"),
    "unknown test": (
        "{{ p.actual is numbr }}",
        "模板语法错误：没有名为“numbr”的测试（is 之后的词），是否应为“number”？",
    ),
    "unknown filter in a branch": ("{% if p.actual %}{{ p.actual|numbr }}{% endif %}", "没有名为“numbr”的过滤器"),
    "full-width bracket": ("{{ p.actual|number（'家'） }}", "模板语法错误：标记中有全角字符“（”"),
    "division by zero": ("{{ 100 / 0 }}", "除数为零"),
    "text plus number": ("{{ p.measure + 1 }}", "文字不能和数字相加：连接文字请用 ~"),
    "number is not a list": ("{% for x in loop.index %}{% endfor %}", "数字不是列表，不能用 for 逐项重复"),
    "undefined variable": ("{{ progres }}", "未定义的变量“progres”，是否应为“progress”？"),
    "loop variable misspelt": ("{{ pp.measure }}", "未定义的变量“pp”，是否应为“p”？"),
}


@pytest.mark.parametrize("case", list(WORD_MISTAKES))
def test_word_mistake_is_explained_in_chinese(cli, tmp_path, case):
    text, what = WORD_MISTAKES[case]
    template = clerk_docx(tmp_path / "省表.docx", cell=text)
    result = render(cli, template, "--year", "2018")
    assert result.exit_code == 1
    assert result.output.startswith(f"模板 {template} 正文表格 1 第 4 行第 3 列（“"), result.output
    assert f"”）：{what}" in result.output
    for english in ("unexpected", "Jinja", "Error", "filter named", " at "):
        assert english not in result.output


def test_unclosed_row_loop_names_its_opening_row_and_closing_tag(cli, tmp_path):
    doc = Document()
    doc.add_paragraph("{{ plan.city }}")
    table = doc.add_table(rows=3, cols=2)
    table.rows[0].cells[0].text = "指标"
    table.rows[1].cells[0].text = "{%tr for p in progress %}"
    table.rows[2].cells[0].text = "{{ p.measure }}"
    doc.add_paragraph("完")
    doc.save(tmp_path / "未结束.docx")
    result = render(cli, tmp_path / "未结束.docx", "--year", "2018")
    assert result.exit_code == 1
    assert result.output == (
        f"模板 {tmp_path / '未结束.docx'} 正文表格 1 第 2 行（“{{%tr for p in progress %}}”）："
        "模板语法错误：{%tr for … %} 没有对应的结束标记 {%tr endfor %}\n"
    )


def test_end_tag_closing_the_wrong_block_names_the_open_one(cli, tmp_path):
    doc = Document()
    doc.add_paragraph("{{ plan.city }}")
    doc.add_paragraph("{% if year %}本年度")
    doc.add_paragraph("{% endfor %}")
    doc.save(tmp_path / "错配.docx")
    result = render(cli, tmp_path / "错配.docx", "--year", "2018")
    assert result.output == (
        f"模板 {tmp_path / '错配.docx'} 正文第 3 段（“{{% endfor %}}”）：模板语法错误：遇到 {{% endfor %}} 时，"
        "正文第 2 段（“{% if year %}本年度”）的 {% if … %} 还没有用 {% endif %} 结束\n"
    )


# ---------------------------------------------------------------- Excel

EXCEL_MISTAKES = {
    "misspelt field": ("{{ p.measur }}", "没有属性“measur”，是否应为“measure”？"),
    "unknown filter": ("{{ p.actual|numbr }}", "模板语法错误：没有名为“numbr”的过滤器，是否应为“number”？"),
    "full-width comma": ("{{ p.actual|quantity('家'，1) }}", "模板语法错误：标记中有全角字符“，”"),
    "unclosed if": ("{% if p.actual %}有", "模板语法错误：{% if … %} 没有对应的结束标记 {% endif %}"),
    "division by zero": ("{{ 1 / 0 }}", "除数为零"),
}


@pytest.mark.parametrize("case", list(EXCEL_MISTAKES))
def test_excel_mistake_is_explained_at_its_cell(cli, tmp_path, case):
    text, what = EXCEL_MISTAKES[case]
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws["A1"] = "{{ plan.city }}"
    ws["A3"] = "{%tr for p in progress %}"
    ws["A4"] = "{{ p.row }}"
    ws["B4"] = text
    ws["A5"] = "{%tr endfor %}"
    wb.save(tmp_path / "省表.xlsx")
    result = render(cli, tmp_path / "省表.xlsx", "--year", "2018")
    assert result.exit_code == 1
    assert result.output.startswith(f"模板 {tmp_path / '省表.xlsx'} 工作表“明细”!B4（“{text}”）：{what}"), result.output


# ---------------------------------------------------------------- unset is an error, not "None"


def unset_docx(path: Path, text: str) -> Path:
    doc = Document()
    doc.add_paragraph("{{ plan.city }}")
    doc.add_paragraph(text)
    doc.save(path)
    return path


@pytest.mark.parametrize(
    "text, args, option",
    [
        ("{{ year }}年度统计表", [], "请加 --year"),
        ("{{ period.words }}", [], "请加 --year（半年、季度再加 --period"),
        ("（{{ district.name }}）", ["--year", "2018"], "请加 --district"),
        ("{{ district }}", ["--year", "2018"], "请加 --district"),
    ],
)
def test_a_value_not_given_is_refused_before_rendering(cli, tmp_path, text, args, option):
    template = unset_docx(tmp_path / "省表.docx", text)
    result = render(cli, template, *args)
    assert result.exit_code == 1
    assert result.output.startswith(f"模板 {template} 正文第 2 段（“{text}”）：用到了"), result.output
    assert option in result.output
    assert "None" not in result.output and not Path("out").exists()


def test_a_table_template_without_a_year_is_refused_at_its_first_use(cli, tmp_path):
    template = clerk_docx(tmp_path / "省表.docx")
    result = render(cli, template)
    assert result.exit_code == 1
    assert result.output.startswith(
        f"模板 {template} 正文第 1 段（“…city }}}}{{{{ period.words }}}}完成情况…”）：用到了时段（period）"
    )
    assert "请加 --year" in result.output


def test_excel_value_not_given_is_refused_at_its_cell(cli, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws["A1"] = "{{ plan.city }}"
    ws["C2"] = "{{ year }}年度（{{ district.name if district else '全市' }}）"
    wb.save(tmp_path / "省表.xlsx")
    result = render(cli, tmp_path / "省表.xlsx")
    assert result.exit_code == 1
    assert result.output.startswith(f"模板 {tmp_path / '省表.xlsx'} 工作表“汇总”!C2（“{{{{ year }}}}年度"), (
        result.output
    )
    assert "请加 --year" in result.output
    assert render(cli, tmp_path / "省表.xlsx", "--year", "2018").exit_code == 0  # the district is tested: fine


@pytest.mark.parametrize(
    "text",
    [
        "{% if district %}{{ district.name }}{% else %}全市{% endif %}",
        "{{ district.name if district else '全市' }}",
        "{{ district or '全市' }}",
        "{% if year %}{{ year }}年{% for p in progress %}{{ p.measure }}{% endfor %}{% endif %}",
    ],
)
def test_a_value_only_tested_for_is_fine(cli, tmp_path, text):
    template = unset_docx(tmp_path / "省表.docx", text)
    result = render(cli, template)
    assert result.exit_code == 0, result.output
    assert Document("out/结果.docx").paragraphs[1].text in ("全市", "")


def test_a_chart_of_a_list_needing_a_year_is_refused_without_one(cli, tmp_path):
    from test_docx_chart import chart_docx

    template = tmp_path / "排名图.docx"
    tag = "{{ chart: standings | 区=district, 完成率=rate }} 各区排名"
    template.write_bytes(chart_docx(tag, "{{ plan.city }}"))
    result = render(cli, template)
    assert result.exit_code == 1
    assert result.output.startswith(f"模板 {template} 图表“各区完成率图”（“{{{{ chart: standings"), result.output
    assert "用到了完成情况（standings），但没有指定年度：请加 --year" in result.output
    assert render(cli, template, "--year", "2018").exit_code == 0


# ---------------------------------------------------------------- the context as data


def test_context_prints_what_templates_get(cli, plan, figures):
    result = cli("context", "--year", "2018", "--district", "南海")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout_bytes.decode("utf-8"))
    period = Period(2018)
    expected = base_context(plan, period=period, district="南海区", evaluation=evaluate(plan, figures, period))
    assert data == json.loads(json.dumps(expected))
    documented = {key.split(".")[0].split("[")[0] for key in VARIABLES}
    assert set(data) == documented
    assert data["district"] == {
        "name": "南海区",
        "short": "南海",
        "kind": "区",
        "authority": "南海区人民政府",
        "you": "你区",
    }
    assert data["period"]["words"] == "2018年度"
    assert "南海区" in result.stdout_bytes.decode("utf-8")  # UTF-8, not \\u escapes


def test_context_without_a_year_shows_the_unset_values(cli):
    result = cli("context")
    data = json.loads(result.output)
    assert (data["year"], data["period"], data["district"], data["progress"]) == (None, None, None, [])
    assert len(data["rows"]) == 44


def test_progress_json_carries_the_ranking(cli, plan, figures):
    result = cli("progress", "--year", "2018", "--format", "json")
    records = json.loads(result.output)
    standings = {s.district: s for s in evaluate(plan, figures, Period(2018)).standings}
    for rec in records:
        s = standings.get(rec["district"])
        assert rec["rank"] == (s.rank if s else None)
        assert rec["rate"] == (None if s is None or s.rate is None else round(s.rate, 6))
    assert {rec["rank"] for rec in records if rec["district"]} == {s.rank for s in standings.values()}
    assert all(rec["rank"] is None for rec in records if rec["district"] is None)


def small_docx(path: Path, kind: str) -> Path:
    doc = Document()
    if kind == "paragraph markers":  # {%p %} paragraphs count: they are in the template
        for text in ["{{ plan.city }}", "{%p if year %}", "{{ plan.titel }}", "{%p endif %}"]:
            doc.add_paragraph(text)
    elif kind in ("loop list", "merge directive"):
        table = doc.add_table(rows=4, cols=2)
        table.rows[0].cells[0].text = "任务"
        table.rows[1].cells[0].text = "{%tr for r in progres %}" if kind == "loop list" else "{%tr for r in rows %}"
        table.rows[2].cells[0].text = (
            "{%vmerge r.task_spn %}{{ r.task }}" if kind == "merge directive" else "{{ r.row }}"
        )
        table.rows[3].cells[0].text = "{%tr endfor %}"
    else:  # a table in a table cell
        outer = doc.add_table(rows=2, cols=2)
        outer.rows[1].cells[1].add_table(rows=2, cols=2).rows[1].cells[0].text = "{{ plan.ctiy }}"
    doc.save(path)
    return path


@pytest.mark.parametrize(
    "kind, where, what",
    [
        ("paragraph markers", "正文第 3 段（“{{ plan.titel }}”）", "没有属性“titel”，是否应为“title”？"),
        (
            "loop list",
            "正文表格 1 第 2 行（“{%tr for r in progres %}”）",
            "未定义的变量“progres”，是否应为“progress”？",
        ),
        ("merge directive", "正文表格 1 第 3 行第 1 列（“", "没有属性“task_spn”，是否应为“task_span”？"),
        ("nested table", "正文表格 1 第 2 行第 2 列中表格 1 第 2 行第 1 列（“{{ plan.ctiy }}”）", "是否应为“city”？"),
    ],
)
def test_word_places_that_docxtpl_rewrites(cli, tmp_path, kind, where, what):
    template = small_docx(tmp_path / "表.docx", kind)
    result = render(cli, template, "--year", "2018")
    assert result.exit_code == 1
    assert result.output.startswith(f"模板 {template} {where}"), result.output
    assert what in result.output


# ---------------------------------------------------------------- found by a new-user trial of `render`

SUGGESTIONS = {
    # the closest of the names the template can really use, never jinja's own (l_0_progres)
    "{{ progres|length }}": "未定义的变量“progres”，是否应为“progress”？",
    "{{ distrct }}": "未定义的变量“distrct”，是否应为“district”？",
    "{{ standngs }}": "未定义的变量“standngs”，是否应为“standings”？",
    "{{ sample_not }}": "未定义的变量“sample_not”，是否应为“sample_note”？",
    "{{ yaer }}年": "未定义的变量“yaer”，是否应为“year”？",
}


@pytest.mark.parametrize("text", list(SUGGESTIONS))
def test_a_misspelt_name_in_an_excel_cell_gets_the_closest_real_name(cli, tmp_path, text):
    wb = Workbook()
    wb.active.title = "表"
    wb.active["B2"] = text
    wb.save(tmp_path / "拼写.xlsx")
    result = render(cli, tmp_path / "拼写.xlsx", "--year", "2018")
    assert result.exit_code == 1
    assert result.output == f"模板 {tmp_path / '拼写.xlsx'} 工作表“表”!B2（“{text}”）：{SUGGESTIONS[text]}\n"


@pytest.mark.parametrize("text", list(SUGGESTIONS))
def test_a_misspelt_name_in_a_word_paragraph_gets_the_closest_real_name(cli, tmp_path, text):
    template = unset_docx(tmp_path / "拼写.docx", text)
    result = render(cli, template, "--year", "2018")
    assert result.exit_code == 1
    assert result.output == f"模板 {template} 正文第 2 段（“{text}”）：{SUGGESTIONS[text]}\n"


def test_misspelt_loop_lists_fields_and_loop_variables_in_excel(cli, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "明细"
    ws["A2"] = "{%tr for p in progres %}"
    ws["A3"] = "{{ p.row }}"
    ws["A4"] = "{%tr endfor %}"
    wb.save(tmp_path / "列表.xlsx")
    result = render(cli, tmp_path / "列表.xlsx", "--year", "2018")
    assert result.output == (
        f"模板 {tmp_path / '列表.xlsx'} 工作表“明细”!A2（“{{%tr for p in progres %}}”）："
        "未定义的变量“progres”，是否应为“progress”？\n"
    )
    ws["A2"] = "{%tr for p in progress %}"
    for cell, text, what in [
        ("A3", "{{ pp }}", "未定义的变量“pp”，是否应为“p”？"),
        ("A3", "{{ p.targte }}", "没有属性“targte”，是否应为“target”？"),
    ]:
        ws[cell] = text
        wb.save(tmp_path / "列表.xlsx")
        result = render(cli, tmp_path / "列表.xlsx", "--year", "2018")
        assert result.output == f"模板 {tmp_path / '列表.xlsx'} 工作表“明细”!{cell}（“{text}”）：{what}\n"


def test_a_misspelt_chart_tag_field_gets_the_closest_field(cli, tmp_path):
    from test_docx_chart import chart_docx

    template = tmp_path / "排名图.docx"
    tag = "{{ chart: standings | 区=distrct, 完成率=rate }}"
    template.write_bytes(chart_docx(tag, "{{ plan.city }}"))
    result = render(cli, template, "--year", "2018")
    assert result.output == (
        f"模板 {template} 图表“各区完成率图”（{tag}）：第1项的“区”：未定义的变量“distrct”，是否应为“district”？\n"
    )


def test_jinja_whitespace_control_in_an_excel_cell(cli, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{{ year -}}"
    ws["A2"] = "{{- year }}"  # the year, not minus the year (it was written as -2018)
    ws["A3"] = "{{- year -}}"
    ws["A4"] = "第 {{- year -}} 年"
    ws["A5"] = "{{ year - 1 }}"
    ws["A6"] = "{%- if year -%} 有 {%- endif %}"
    wb.save(tmp_path / "空白.xlsx")
    result = render(cli, tmp_path / "空白.xlsx", "--year", "2018")
    assert result.exit_code == 0, result.output
    out = load_workbook("out/结果.xlsx").active
    assert [out[f"A{r}"].value for r in range(1, 7)] == [2018, 2018, 2018, "第2018年", 2017, "有"]


def test_jinja_whitespace_control_in_a_word_paragraph(cli, tmp_path, plan):
    doc = Document()
    doc.add_paragraph("开头")
    doc.add_paragraph("{% for d in districts -%} {{ d.short }} {%- endfor %}")
    doc.add_paragraph("{% if year -%} 有 {%- endif %}。")
    split = doc.add_paragraph()  # the same tags split into runs, as Word saves them after an edit
    for text in ["{% for d in districts ", "-", "%} {{ d.short }} {", "%- endfor %}"]:
        split.add_run(text).bold = text == "-"
    doc.add_paragraph("A")  # at the edge of a paragraph's text, docxtpl's joining of paragraphs stays
    doc.add_paragraph("{%- if year %}B{% endif -%}")
    doc.add_paragraph("C")
    doc.save(tmp_path / "空白.docx")
    result = render(cli, tmp_path / "空白.docx", "--year", "2018")
    assert result.exit_code == 0, result.output
    shorts = "".join(d.short for d in plan.districts)
    assert [p.text for p in Document("out/结果.docx").paragraphs] == ["开头", shorts, "有。", shorts, "ABC"]


def _table_between(doc, before: str, after: str):
    doc.add_paragraph("开头")
    doc.add_paragraph(before)
    table = doc.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ["年份", "值", "{{ year }}", "x"], strict=True):
        cell.text = text
    doc.add_paragraph(after)
    doc.add_paragraph("结尾")


def _cell_end(doc, before: str, after: str):
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = before
    table.cell(0, 1).text = after


def _page_break(doc, before: str, after: str):
    doc.add_paragraph(before)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph(after)


def _section_break(doc, before: str, after: str):
    doc.add_paragraph(before)
    doc.add_section(WD_SECTION.NEW_PAGE)
    doc.add_paragraph(after)


def _tab(doc, before: str, after: str):
    doc.add_paragraph(before)
    doc.add_paragraph().add_run("\t" + after)


AFTER = "段末的“-%}”在 Word 模板中表示把下一段接到本段，但本段与下一段文字之间有"
BEFORE = "段首的“{%-”在 Word 模板中表示把本段接到上一段，但本段与上一段文字之间有"
BREAKS = "，连接会把它删去、毁坏文档；"


@pytest.mark.parametrize(
    "build, before, after, message",
    [
        (
            _table_between,
            "{% if year -%}",
            "{%- endif %}",
            f"正文第 2 段（“{{% if year -%}}”）：{AFTER}表格{BREAKS}请把“-%}}”写成“%}}”（即“{{% if year %}}”）；"
            "若要这一段不出现在结果中，写成“{%p if year %}”，单独占一段",
        ),
        (
            _table_between,
            "{% if year %}",
            "{%- endif %}",
            f"正文第 3 段（“{{%- endif %}}”）：{BEFORE}表格{BREAKS}请把“{{%-”写成“{{%”（即“{{% endif %}}”）；"
            "若要这一段不出现在结果中，写成“{%p endif %}”，单独占一段",
        ),
        (
            _cell_end,
            "说明 {% if year -%}",
            "{{ year }}{% endif %}",
            f"正文表格 1 第 1 行第 1 列（“说明 {{% if year -%}}”）：{AFTER}表格单元格的边界{BREAKS}"
            "请把“-%}”写成“%}”（即“{% if year %}”）",
        ),
        (
            _cell_end,
            "{% if year %}",
            "{%- endif %}",
            f"正文表格 1 第 1 行第 2 列（“{{%- endif %}}”）：{BEFORE}表格单元格的边界{BREAKS}"
            "请把“{%-”写成“{%”（即“{% endif %}”）；若要这一段不出现在结果中，写成“{%p endif %}”，单独占一段",
        ),
        (
            _page_break,
            "甲{% if year -%}",
            "乙{% endif %}",
            f"正文第 1 段（“甲{{% if year -%}}”）：{AFTER}分页符{BREAKS}请把“-%}}”写成“%}}”（即“{{% if year %}}”）",
        ),
        (
            _section_break,  # python-docx puts the section break in a paragraph of its own
            "甲{% if year %}",
            "{%- endif %}乙",
            f"正文第 3 段（“{{%- endif %}}乙”）：{BEFORE}分节符{BREAKS}请把“{{%-”写成“{{%”（即“{{% endif %}}”）",
        ),
        (
            _tab,
            "甲{% if year -%}",
            "乙{% endif %}",
            f"正文第 1 段（“甲{{% if year -%}}”）：{AFTER}不是文字的内容（如图片、制表符、换行符、域）{BREAKS}"
            "请把“-%}”写成“%}”（即“{% if year %}”）",
        ),
    ],
)
def test_joining_paragraphs_across_a_table_or_break_is_refused(cli, tmp_path, build, before, after, message):
    """docxtpl's join deleted everything up to the next text: a table's start (Word could not
    open the result), a cell border, a page or section break, a tab."""
    doc = Document()
    build(doc, before, after)
    doc.save(tmp_path / "连段.docx")
    result = render(cli, tmp_path / "连段.docx", "--year", "2018")
    assert result.exit_code != 0
    assert result.output == f"模板 {tmp_path / '连段.docx'} {message}\n"
    assert not Path("out/结果.docx").exists()


def test_joining_paragraphs_keeps_what_lies_between_them(cli, tmp_path):
    """Joins that delete only paragraph and run wrappers are done; a `{%p %}` tag's `-` does not
    join (docxtpl then removed the next paragraph with the tag's, silently)."""
    doc = Document()
    doc.add_paragraph("A")
    doc.add_paragraph("{%p if year -%}")
    doc.add_paragraph("B")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("C {% if year -%}")
    doc.add_paragraph("D{% endif %}").paragraph_format.tab_stops.add_tab_stop(Cm(3))  # <w:tabs> ended docxtpl's join
    doc.add_paragraph("E")
    doc.add_paragraph("")
    doc.add_paragraph("{%- if year %}F{% endif %}")  # the empty paragraph goes, as Jinja strips blank lines
    table = doc.add_table(rows=1, cols=1)
    cell = table.cell(0, 0)
    cell.text = "{% if year -%}"
    cell.add_paragraph("{{ year }}")
    cell.add_paragraph("{%- endif %}年")
    doc.add_paragraph("{% if year %}G{% endif -%}")  # the last text of the body: left to Jinja
    doc.save(tmp_path / "连段.docx")
    result = render(cli, tmp_path / "连段.docx", "--year", "2018")
    assert result.exit_code == 0, result.output
    out = Document("out/结果.docx")
    assert [p.text for p in out.paragraphs] == ["A", "B", "C D", "EF", "G"]
    assert [[c.text for c in row.cells] for row in out.tables[0].rows] == [["2018年"]]


@pytest.mark.parametrize("condition, kept", [("year", True), ("not year", False)])
def test_the_refusals_rewrite_with_p_tags_keeps_or_drops_a_table(cli, tmp_path, condition, kept):
    """What the refusal of a join across a table suggests (docs/templates.md): `{%p if %}`
    paragraphs around the table, gone from the result."""
    doc = Document()
    doc.add_paragraph("开头")
    doc.add_paragraph(f"{{%p if {condition} %}}")
    doc.add_table(rows=1, cols=1).cell(0, 0).text = "{{ year }}"
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("结尾")
    doc.save(tmp_path / "表.docx")
    assert render(cli, tmp_path / "表.docx", "--year", "2018").exit_code == 0
    out = Document("out/结果.docx")
    assert [p.text for p in out.paragraphs] == ["开头", "结尾"]
    assert [[c.text for c in row.cells] for t in out.tables for row in t.rows] == ([["2018"]] if kept else [])


@pytest.mark.parametrize(
    "paragraphs, where",
    [
        (["开头", "{{ plan.city }} {%- endfor %}"], "正文第 2 段（“{{ plan.city }} {%- endfor %}”）"),
        (["开头", "中间", "{%- endfor %}"], "正文第 3 段（“{%- endfor %}”）"),  # joined to 中间 by docxtpl
        (["开头", "{% endfor -%}", "后面"], "正文第 2 段（“{% endfor -%}”）"),
    ],
)
def test_an_unmatched_tag_with_whitespace_control_is_named_at_its_paragraph(cli, tmp_path, paragraphs, where):
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(tmp_path / "错配.docx")
    result = render(cli, tmp_path / "错配.docx", "--year", "2018")
    assert result.output == (
        f"模板 {tmp_path / '错配.docx'} {where}：模板语法错误：{{% endfor %}} 前面没有对应的开始标记（如 {{% for … %}}）\n"
    )


@pytest.mark.parametrize(
    "places, where, end",
    [
        ({"body_end": "报送：{{ plan.city "}, "正文第 4 段（“报送：{{ plan.city”）", "}}"),
        ({"cell": "{{ p.note "}, "正文表格 1 第 4 行第 3 列（“{{ p.note”）", "}}"),
        ({"body_end": "{% if year "}, "正文第 4 段（“{% if year”）", "%}"),
    ],
)
def test_an_unclosed_tag_in_word_is_named_at_its_paragraph(cli, tmp_path, places, where, end):
    """Jinja reads on into the next paragraph or table and used to quote what it met there."""
    template = clerk_docx(tmp_path / "省表.docx", **places)
    result = render(cli, template, "--year", "2018")
    assert result.output == f"模板 {template} {where}：模板语法错误：标记没有写完：缺少“{end}”\n"


NOTICE_ONLY = (
    "：这是通报模板（通报-全市.docx、通报-区.docx）才有的变量，只在 qdocgen notice、qdocgen build 生成通报时提供；"
    "qdocgen render 填写的模板和任务分解表模板不能用（可用变量见 docs/templates.md 或 qdocgen render --list-vars）"
)


def test_a_notice_only_variable_says_it_belongs_to_the_notice_templates(cli, tmp_path):
    template = unset_docx(tmp_path / "红头.docx", "{{ redhead.mark }}")
    result = render(cli, template, "--year", "2018")
    assert (
        result.output
        == f"模板 {template} 正文第 2 段（“{{{{ redhead.mark }}}}”）：未定义的变量“redhead”{NOTICE_ONLY}\n"
    )
    wb = Workbook()
    wb.active.title = "表"
    wb.active["A1"] = "{{ summary.rate_text }}"
    wb.save(tmp_path / "汇总.xlsx")
    result = render(cli, tmp_path / "汇总.xlsx", "--year", "2018")
    assert result.output == (
        f"模板 {tmp_path / '汇总.xlsx'} 工作表“表”!A1（“{{{{ summary.rate_text }}}}”）：未定义的变量“summary”{NOTICE_ONLY}\n"
    )


@pytest.mark.parametrize(
    "tag, what",
    [
        ("{{ chart: annex | 区=place, 完成率=ratio_text }}", "未定义的变量“annex”"),
        ("{{ chart: standings | 区=redhead.mark, 完成率=rate }}", "第1项的“区”：未定义的变量“redhead”"),
    ],
)
def test_a_notice_only_variable_in_a_chart_tag_says_it_belongs_to_the_notice_templates(cli, tmp_path, tag, what):
    """As in text: not "未定义的变量“annex”，是否应为“range”？"."""
    from test_docx_chart import chart_docx

    template = tmp_path / "图表.docx"
    template.write_bytes(chart_docx(tag, "{{ plan.city }}"))
    result = render(cli, template, "--year", "2018")
    assert result.output == f"模板 {template} 图表“各区完成率图”（{tag}）：{what}{NOTICE_ONLY}\n"


def test_number_with_percent_is_for_figures_in_percent(cli, tmp_path):
    """number('%') adds a % sign to a figure kept in percent; a ratio is written by percent."""
    doc = Document()
    doc.add_paragraph("{{ 95|number('%') }} / {{ 12.5|number('%') }} / {{ 0.95|percent }} / {{ 0.95|number('%') }}")
    doc.save(tmp_path / "百分.docx")
    assert render(cli, tmp_path / "百分.docx").exit_code == 0
    assert Document("out/结果.docx").paragraphs[0].text == "95.0% / 12.5% / 95.0% / 1.0%"
    docs = (Path(__file__).resolve().parent.parent / "docs" / "templates.md").read_text(encoding="utf-8")
    assert "`95\\|number('%')` → 95.0%" in docs and "`0.95\\|number('%')` 是 1.0%" in docs
    listed = cli("render", "--list-vars").output
    assert "95|number('%') → 95.0%（0.95 这样的比例请用 percent）" in listed
