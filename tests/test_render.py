"""`qdocgen render`: any Word or Excel template, never seen before, filled with the documented context."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook

from qdocgen.documents.context import VARIABLES
from qdocgen.documents.notice_context import NOTICE_VARIABLES
from qdocgen.figures.period import Period
from qdocgen.progress import evaluate
from qdocgen.render.jinja_env import FILTERS

from conftest import fails_if_hung

DOCS = Path(__file__).resolve().parent.parent / "docs" / "templates.md"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def province_xlsx(path: Path) -> Path:
    """The worked example of docs/templates.md, section 六."""
    wb = Workbook()
    ws = wb.active
    ws.title = "进展"
    ws["A1"] = (
        "{{ plan.city }}{{ period.words }}工业产品质量提升工作完成情况{% if district %}（{{ district.name }}）{% endif %}"
    )
    ws["A2"] = "{{ sample_note }}"
    ws.append(["序号", "指标", "区", "目标值", "完成值", "完成率"])
    ws["A4"] = "{%tr for p in progress %}"
    for col, text in zip(
        "ABCDEF",
        [
            "{{ p.row }}",
            "{{ p.measure }}",
            "{{ p.district or '全市' }}",
            "{{ p.target }}",
            "{{ p.actual }}",
            "{{ p.ratio_shown }}",
        ],
        strict=True,
    ):
        ws[f"{col}5"] = text
    ws["F5"].number_format = "0.0#%"
    ws["A6"] = "{%tr endfor %}"
    ws["A7"] = "合计"
    ws["E7"] = "=SUM(E5:E5)"
    ws.print_title_rows = "3:3"
    wb.save(path)
    return path


def test_render_fills_an_excel_template_it_has_never_seen(cli, tmp_path, plan, figures):
    template = province_xlsx(tmp_path / "省表格.xlsx")
    result = cli("render", template, "--year", "2018", "--district", "南海")
    assert result.exit_code == 0, result.output
    out = Path("output/省表格-2018年度-南海区.xlsx")
    assert out.is_file()
    ws = load_workbook(out)["进展"]
    assert ws["A1"].value == "佛山市2018年度工业产品质量提升工作完成情况（南海区）"
    assert "示例数据" in ws["A2"].value
    mine = [r for r in evaluate(plan, figures, Period(2018)).results if r.district == "南海区"]
    rows = list(ws.iter_rows(min_row=4, max_row=3 + len(mine), values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == [(m.measure.row, m.measure.name, "南海区") for m in mine]
    for r, m in zip(rows, mine, strict=True):
        assert r[3] == m.target and r[4] == m.actual  # numbers stay numbers
    total = 4 + len(mine)
    assert ws.cell(total, 1).value == "合计"
    assert ws.cell(total, 5).value == f"=SUM(E4:E{total - 1})"
    assert ws.cell(4, 6).number_format == "0.0#%"


def province_docx(path: Path, body: str = "{{ p.measure }}") -> Path:
    doc = Document()
    doc.add_paragraph("{{ plan.city }}{{ period.words }}完成情况")
    doc.add_paragraph("{% for d in districts %}{{ d.short }}{% if not loop.last %}、{% endif %}{% endfor %}")
    table = doc.add_table(rows=4, cols=4)
    for cell, text in zip(table.rows[0].cells, ["序号", "指标", "区", "完成率"], strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for p in city_results %}"
    for cell, text in zip(table.rows[2].cells, ["{{ p.row }}", body, "全市", "{{ p.ratio_text }}"], strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    doc.save(path)
    return path


def test_render_fills_a_word_template_it_has_never_seen(cli, tmp_path, plan, figures):
    template = province_docx(tmp_path / "省里的表.docx")
    result = cli("render", template, "--year", "2019", "--period", "H1", "-o", "out/表.docx")
    assert result.exit_code == 0, result.output
    doc = Document("out/表.docx")
    assert doc.paragraphs[0].text == "佛山市2019年上半年完成情况"
    assert doc.paragraphs[1].text == "禅城、南海、顺德、高明、三水"
    city = evaluate(plan, figures, Period(2019, "H1")).city
    rows = doc.tables[0].rows
    assert len(rows) == 1 + len(city)
    assert [r.cells[1].text for r in rows[1:]] == [m.measure.name for m in city]


def test_render_group_merges_in_a_word_template(cli, tmp_path):
    doc = Document()
    table = doc.add_table(rows=3, cols=2)
    table.rows[0].cells[0].text = "{%tr for r in rows %}"
    table.rows[1].cells[0].text = "{%vmerge r.task_span %}{{ r.task }}"
    table.rows[1].cells[1].text = "{{ r.no }}"
    table.rows[2].cells[0].text = "{%tr endfor %}"
    doc.save(tmp_path / "t.docx")
    assert cli("render", tmp_path / "t.docx", "-o", "merged.docx").exit_code == 0
    trs = Document("merged.docx").tables[0]._tbl.findall(f"{W}tr")
    marks = []
    for tr in trs:
        el = tr.find(f"{W}tc/{W}tcPr/{W}vMerge")
        marks.append(None if el is None else el.get(f"{W}val") or "continue")
    assert len(trs) == 44
    assert marks[:4] == ["restart", "continue", "continue", "restart"]  # 1–3, then 4–18
    assert marks.count("restart") == 5


def test_list_vars_prints_every_variable_and_filter(cli):
    result = cli("render", "--list-vars")
    assert result.exit_code == 0
    for name in [*VARIABLES, *NOTICE_VARIABLES, *FILTERS]:
        assert name in result.output


def test_docs_describe_every_variable_and_filter():
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in [*VARIABLES, *NOTICE_VARIABLES, *FILTERS] if f"`{name}`" not in text]
    assert not missing, f"docs/templates.md 缺少：{missing}"


def test_excel_template_error_is_located(cli, tmp_path):
    template = province_xlsx(tmp_path / "省表格.xlsx")
    wb = load_workbook(template)
    wb["进展"]["C5"] = "{{ p.distrct }}"
    wb.save(template)
    result = cli("render", template, "--year", "2018")
    assert result.exit_code == 1
    assert (
        f"模板 {template} 工作表“进展”!C5（“{{{{ p.distrct }}}}”）：没有属性“distrct”，是否应为“district”？"
        in result.output
    )
    assert "Traceback" not in result.output


def test_word_template_error_is_located(cli, tmp_path):
    template = province_docx(tmp_path / "省里的表.docx", body="{{ p.measur }}")
    result = cli("render", template, "--year", "2018")
    assert result.exit_code == 1
    # rows as Word shows them: the {%tr %} marker row above counts
    assert (
        f"模板 {template} 正文表格 1 第 3 行第 2 列（“{{{{ p.measur }}}}”）：没有属性“measur”，是否应为“measure”？"
        in (result.output)
    )
    assert "Traceback" not in result.output
    bad = tmp_path / "语法.docx"
    doc = Document()
    doc.add_paragraph("第一段")
    doc.add_paragraph("{% if year %}没有结束")
    doc.save(bad)
    result = cli("render", bad)
    assert result.exit_code == 1
    assert result.output == (
        f"模板 {bad} 正文第 2 段（“{{% if year %}}没有结束”）：模板语法错误：{{% if … %}} 没有对应的结束标记 {{% endif %}}\n"
    )


@pytest.mark.parametrize("name", ["表.xls", "表.doc", "没有这个文件.xlsx"])
def test_render_refuses_what_it_cannot_fill(cli, tmp_path, name):
    path = tmp_path / name
    if not name.startswith("没有"):
        path.write_bytes(b"not an office file")
    result = cli("render", path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_render_needs_a_template(cli):
    result = cli("render")
    assert result.exit_code == 1 and "--list-vars" in result.output


def test_render_never_overwrites_its_template(cli, tmp_path):
    template = province_xlsx(tmp_path / "省表格.xlsx")
    before = template.read_bytes()
    result = cli("render", template, "-o", template)
    assert result.exit_code == 1
    assert template.read_bytes() == before


def test_word_merges_keep_escaping(tmp_path):
    from qdocgen.render.docx.merge import MergingDocx

    doc = Document()
    table = doc.add_table(rows=3, cols=2)
    table.rows[0].cells[0].text = "{%tr for r in rows %}"
    table.rows[1].cells[0].text = "{%vmerge r.span %}{{ r.text }}"
    table.rows[1].cells[1].text = "{%hmerge 1 %}{{ r.no }}"
    table.rows[2].cells[0].text = "{%tr endfor %}"
    doc.save(tmp_path / "e.docx")
    rows = [
        {"text": "A&B<C>", "span": 2, "no": 1},
        {"text": "", "span": 0, "no": 2},
        {"text": "“引号”", "span": 1, "no": 3},
    ]
    out = Document(io.BytesIO(MergingDocx(tmp_path / "e.docx").render({"rows": rows})))
    cells = [[c.text for c in r.cells] for r in out.tables[0].rows]
    assert cells == [["A&B<C>", "1"], ["A&B<C>", "2"], ["“引号”", "3"]]  # python-docx repeats a merged cell's text


def test_period_needs_a_year(cli, tmp_path):
    template = province_xlsx(tmp_path / "省表格.xlsx")
    result = cli("render", template, "--period", "H1")
    assert result.exit_code == 1 and "--year" in result.output


def documented_names() -> set[str]:
    names = set()
    for key in [*VARIABLES, *NOTICE_VARIABLES]:
        for part in key.split(" / "):
            names.add(re.split(r"[.\[]", part.strip())[0])
    return names


def test_every_top_level_variable_a_template_gets_is_documented(plan, figures):
    from qdocgen.documents.context import base_context
    from qdocgen.documents.notice import NoticeMaker
    from qdocgen.figures.period import Period
    from qdocgen.progress import evaluate
    from qdocgen.workspace import Workspace

    from conftest import DATA, TEMPLATES

    period = Period(2018)
    ev = evaluate(plan, figures, period)
    maker = NoticeMaker(Workspace(data_dir=DATA, templates_dir=TEMPLATES), charts=False)
    contexts = [
        base_context(plan, period=period, district="南海区", evaluation=ev),
        maker.context(period, None, chart=False),
        maker.context(period, "南海区", chart=False),
    ]
    undocumented = {k for ctx in contexts for k in ctx} - documented_names()
    assert not undocumented, f"docs/templates.md 未说明：{sorted(undocumented)}"


# ---------------------------------------------------------------- templates are untrusted (issue 7)

HOSTILE = {
    "str internals": ("{{ ''.__class__.__mro__ }}", "不允许"),
    "cycler globals": ("{{ cycler.__init__.__globals__ }}", "不允许"),
    "lipsum globals": ("{{ lipsum.__globals__ }}", "不允许"),
    "joiner globals": ("{{ joiner.__init__.__globals__ }}", "不允许"),
    "namespace globals": ("{{ namespace.__init__.__globals__ }}", "不允许"),
    "template context": ("{{ self._TemplateReference__context }}", "不允许"),
    "range self": ("{{ range.__self__ }}", "没有属性“__self__”"),
    "config": ("{{ config.items() }}", "未定义的变量“config”"),
    "request": ("{{ request.environ }}", "未定义的变量“request”"),
    "list append": ("{{ rows.append(1) }}", "不允许"),
    "dict update": ("{{ plan.update({}) }}", "不允许"),
    "include": ("{% include '/etc/passwd' %}", "不能用 {% include %} 引用其他文件"),
    "import": ("{% import '/etc/passwd' as x %}", "不能用 {% import %} 引用其他文件"),
    "from import": ("{% from '/etc/passwd' import x %}", "不能用 {% import %} 引用其他文件"),
    "extends": ("{% extends '/etc/passwd' %}", "不能用 {% extends %} 引用其他文件"),
    "huge text": ("{{ 'a' * 10**9 }}", "超过 1,000,000 个字符"),
    "huge list": ("{{ [0] * 10**8 }}", "超过 1,000,000 个字符或项"),
    "huge power": ("{{ 7 ** 12345678 }}", "数字过大"),
    "tower of powers": ("{{ 10 ** 10 ** 10 ** 10 ** 10 }}", "数字过大"),  # jinja: ((10**10)**10)…
    "doubling": (
        "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "超过",
    ),
    "doubling by join": (
        "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = [ns.s, ns.s]|join %}{% endfor %}",
        "超过",
    ),
    "squaring": (
        "{% set ns = namespace(n=3) %}{% for i in range(60) %}{% set ns.n = ns.n * ns.n %}{% endfor %}",
        "数字过大",
    ),
    "huge range": ("{% for i in range(10**9) %}x{% endfor %}", "range 最多 100,000 项"),
    "nested loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "循环次数超过",
    ),
    "wide format": ("{{ '%999999999d' % 1 }}", "宽度或精度过大"),
    "wide str.format": ("{{ '{:>999999999}'.format(1) }}", "宽度或精度过大"),
    "wide padding": ("{{ 'x'.ljust(10**9) }}", "参数过大"),
    "wide filter": ("{{ 'x'|center(10**9) }}", "参数过大"),
    "endless lipsum": ("{{ lipsum(10**9) }}", "参数过大"),
    "recursion": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "递归过深"),
}


def hostile_template(tmp_path: Path, kind: str, text: str) -> tuple[Path, str]:
    """A Word or Excel template with `text` in one place; and how an error names that place."""
    if kind == "docx":
        doc = Document()
        doc.add_paragraph("{{ plan.city }}")
        table = doc.add_table(rows=1, cols=2)
        table.rows[0].cells[0].text = "序号"
        table.rows[0].cells[1].text = text
        path = tmp_path / "外来模板.docx"
        doc.save(path)
        return path, "正文表格 1 第 1 行第 2 列"
    wb = Workbook()
    ws = wb.active
    ws.title = "外来"
    ws["A1"] = "{{ plan.city }}"
    ws["C4"] = text
    path = tmp_path / "外来模板.xlsx"
    wb.save(path)
    return path, "工作表“外来”!C4"


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_template_refused_naming_template_and_place(cli, tmp_path, case, kind):
    text, words = HOSTILE[case]
    template, place = hostile_template(tmp_path, kind, text)
    with fails_if_hung():
        result = cli("render", template, "--year", "2018")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output
    assert f"模板 {template} {place}" in result.output, result.output
    assert words in result.output, result.output
    assert not Path("output").exists()  # nothing written


def test_sandbox_limits_leave_ordinary_arithmetic_alone():
    from qdocgen.render.jinja_env import make_env

    env = make_env(autoescape=False)
    source = (
        "{{ 'ab' * 3 }}|{{ 3 * [0] }}|{{ 2 * 3.5 }}|{{ 2 ** 10 }}|{{ 10 ** 10 ** 10 }}|{{ 0.5 ** 2 }}|"
        "{{ 'a' + 'b' }}|{{ [1] + [2] }}|{{ 7 % 3 }}|{{ '%05.1f' % 3.14159 }}|{{ '{:,}'.format(12345678) }}|"
        "{{ 'x'.center(5) }}|{{ 'x'|center(5) }}|{{ '%s件'|format(3) }}|{{ 'a' ~ 1 }}|"
        "{% for i in range(3) %}{% for j in range(2) %}{{ loop.index }}{% endfor %}{% endfor %}|"
        "{{ 12345|number }}|{{ 0.952|percent }}"
    )
    assert env.from_string(source).render() == (
        f"ababab|[0, 0, 0]|7.0|1024|{10**100}|0.25|ab|[1, 2]|1|003.1|12,345,678|  x  |  x  |3件|a1|121212|12,345|95.2%"
    )
    assert env.compile_expression("a * b")(a=12, b=1.5) == 18.0  # the Excel engine keeps numbers


def test_output_named_after_the_template_stays_in_the_output_folder(cli, tmp_path):
    from qdocgen.documents.render_any import output_name

    assert output_name(Path("../../外/省表格.xlsx"), Period(2018), "南海区") == "省表格-2018年度-南海区.xlsx"
    (tmp_path / "来件").mkdir()
    template = province_xlsx(tmp_path / "省表格.xlsx")
    result = cli("render", tmp_path / "来件" / ".." / "省表格.xlsx", "--year", "2018")
    assert result.exit_code == 0, result.output
    made = [str(p) for p in Path("output").rglob("*") if p.name != "构建记录.json"]  # what qdocgen wrote is noted
    assert made == ["output/省表格-2018年度.xlsx"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["省表格.xlsx"]
    odd = tmp_path / "来件" / "a:b.xlsx"  # a name Windows refuses: not made into an output file name
    odd.write_bytes(template.read_bytes())
    result = cli("render", odd, "--year", "2018")
    assert result.exit_code == 1 and "不允许的字符" in result.output
    made = [str(p) for p in Path("output").rglob("*") if p.name != "构建记录.json"]  # what qdocgen wrote is noted
    assert made == ["output/省表格-2018年度.xlsx"]
    assert cli("render", odd, "--year", "2018", "-o", tmp_path / "我选的.xlsx").exit_code == 0  # -o: user's choice


def test_the_fields_of_the_context_values_are_documented(plan, figures):
    """Not only the top-level names: each field of progress[] (measure_id, scope, done, year_target_text,
    …), standings[], period, plan and districts[] is described in --list-vars and docs/templates.md."""
    from qdocgen.documents.context import base_context

    ctx = base_context(plan, period=Period(2018), district="南海区", evaluation=evaluate(plan, figures, Period(2018)))
    docs = DOCS.read_text(encoding="utf-8")
    plan_text = " ".join(k for k in VARIABLES if k.startswith("plan."))
    for name, value, text in [
        ("progress", ctx["progress"][0], VARIABLES["progress"]),
        ("city_results", ctx["city_results"][0], VARIABLES["progress"]),
        ("totals", ctx["totals"][0], VARIABLES["progress"]),
        ("standings", ctx["standings"][0], VARIABLES["standings"]),
        ("period", ctx["period"], VARIABLES["period"]),
        ("districts", ctx["districts"][0], VARIABLES["districts"]),
        ("plan", ctx["plan"], plan_text),
    ]:
        words = set(re.findall(r"[A-Za-z_]\w*", text))
        assert not set(value) - words, f"--list-vars 未说明 {name} 的 {sorted(set(value) - words)}"
        row = next((line for line in docs.splitlines() if line.startswith(f"| `{name}` |")), None)
        if row is not None and name != "city_results" and name != "totals":
            in_docs = set(re.findall(r"[A-Za-z_]\w*", row))
            assert not set(value) - in_docs, f"docs/templates.md 未说明 {name} 的 {sorted(set(value) - in_docs)}"
