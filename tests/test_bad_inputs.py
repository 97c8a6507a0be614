"""Issue 7: a corpus of bad inputs (tests/corpus/), each refused clearly with nothing changed.

Every case asserts: a Chinese message naming the file (and line or cell where there is one),
exit code 1, no traceback, and the store (plan_data/figures/*.csv) and the output folder unchanged.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qdocgen.documents.forms import make_forms
from qdocgen.figures.forms import find_header
from qdocgen.figures.period import Period
from qdocgen.figures.store import load_figures
from qdocgen.plan.load import load_plan

from conftest import fails_if_hung

CORPUS = Path(__file__).resolve().parent / "corpus"
TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "xlsx" / "填报表.xlsx"
FORM_NAME = "南海区-2018年度-填报表.xlsx"


def store(data_dir: Path) -> dict[str, bytes]:
    """The figures files and collection logs (the receipt register records a refused form on purpose)."""
    return {p.name: p.read_bytes() for p in sorted((data_dir / "figures").glob("*.csv")) if "收件记录" not in p.name}


def files_under(folder: Path) -> list[Path]:
    """Every file and folder, but the receipt registers (收件记录), which record a refused form on purpose."""
    return sorted(p for p in folder.rglob("*") if "收件记录" not in p.name)


def assert_refused(result, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output, result.output
    for text in expected:
        assert text in result.output, result.output


# ---------------------------------------------------------------- plan and figures files: check


@pytest.mark.parametrize(
    ("sample", "target", "where", "message"),
    [
        ("malformed.yaml", "plan.yaml", ":4: ", "YAML 格式错误"),
        ("empty.yaml", "plan.yaml", ":1: ", "计划文件应为 YAML 映射"),
        ("broken_quote.csv", "figures/2018.csv", ":3: ", "引号不配对"),
        ("empty.csv", "figures/2018.csv", ":1: ", "文件为空"),
    ],
)
def test_bad_data_file_refused_by_check(cli, data_dir, tmp_path, sample, target, where, message):
    shutil.copy(CORPUS / sample, data_dir / target)
    before, outputs = store(data_dir), files_under(tmp_path)
    result = cli("check", data=data_dir)
    assert_refused(result, f"{data_dir / target}{where}", message)
    assert store(data_dir) == before and files_under(tmp_path) == outputs
    # the documents refuse the same data before writing anything
    assert_refused(cli("table", "--format", "xlsx", "--year", "2018", "--progress", data=data_dir), message)
    assert not Path("output").exists()


def test_yaml_python_tags_are_refused(cli, data_dir, tmp_path):
    plan = data_dir / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    old = "  title: 佛山市工业产品质量提升三年行动计划（2017—2019年）\n"
    assert old in text
    marker = tmp_path / "pwned"
    evil = f"  title: !!python/object/apply:os.system ['touch {marker}']\n"
    plan.write_text(text.replace(old, evil), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    result = cli("check", data=data_dir)
    assert_refused(result, f"{plan}:{line}: YAML 格式错误")
    assert not marker.exists()


def test_gbk_figures_from_an_old_excel_are_read_correctly(cli, data_dir):
    shutil.copy(CORPUS / "gbk.csv", data_dir / "figures" / "2018.csv")
    result = cli("check", data=data_dir)
    assert result.exit_code == 0, result.output
    plan = load_plan(data_dir)
    figures = {(f.district, f.row): f for f in load_figures(data_dir, plan).of(Period(2018))}
    assert len(figures) == 4
    assert figures[("禅城区", 4)].value == 15 and figures[("禅城区", 4)].note == "含新认定企业 3 家"
    assert figures[("禅城区", 4)].source == "区经信局"
    assert figures[("南海区", 27)].value == 241 and figures[("南海区", 27)].source == "南海区质监局"
    assert figures[(None, 1)].value == 1 and figures[(None, 1)].note == "已通过验收"
    assert figures[("顺德区", 37)].value == 96.5 and figures[("顺德区", 37)].measure == "工业产品质量监督抽查综合合格率"


# ---------------------------------------------------------------- forms: collect


@pytest.mark.parametrize(
    ("sample", "place", "message"),
    [
        ("truncated.xlsx", ": ", "文件已损坏"),
        ("not_xlsx.zip", ": ", "不是 xlsx 工作簿"),
        ("empty.xlsx", ": ", "不是 xlsx 文件"),
        ("merged_values.xlsx", " 填报!E26:E27: ", "合并单元格"),
    ],
)
def test_bad_form_refused_by_collect(cli, data_dir, tmp_path, sample, place, message):
    before, outputs = store(data_dir), files_under(tmp_path)
    result = cli("collect", "--year", "2018", CORPUS / sample, data=data_dir)
    assert_refused(result, f"{CORPUS / sample}{place}", message, "均未导入")
    assert store(data_dir) == before and files_under(tmp_path) == outputs


@pytest.mark.parametrize(
    ("sample", "as_name", "message"),
    [
        ("truncated.xlsx", "省表格.xlsx", "不是 Excel 工作簿"),
        ("not_xlsx.zip", "省表格.xlsx", "无法作为 Excel 工作簿打开"),
        ("not_xlsx.zip", "省里的表.docx", "无法作为 Word 文档打开"),
        ("empty.xlsx", "省表格.xlsx", "不是 Excel 工作簿"),
        ("not_xlsx.zip", "省表格.zip", "应为 Word（.docx）或 Excel（.xlsx）文件"),
    ],
)
def test_bad_template_refused_by_render(cli, tmp_path, sample, as_name, message):
    template = tmp_path / "来件" / as_name
    template.parent.mkdir()
    shutil.copy(CORPUS / sample, template)
    outputs = files_under(tmp_path)
    result = cli("render", template, "--year", "2018")
    assert_refused(result, f"模板 {template}", message)
    assert files_under(tmp_path) == outputs


# ---------------------------------------------------------------- generated: too big to commit


@pytest.fixture
def filled_form(plan, tmp_path) -> Path:
    """南海区's 2018 form with every target exactly met, as a district sends it back."""
    ((path, _),) = make_forms(plan, TEMPLATE, Period(2018), ["南海区"], tmp_path / "forms")
    wb = load_workbook(path)
    ws = wb["填报"]
    header, cols = find_header(ws, "form")
    r = header + 1
    while ws.cell(r, cols["序号"]).value is not None:
        target = ws.cell(r, cols["目标值"]).value
        ws.cell(r, cols["完成值"]).value = target if isinstance(target, (int, float)) else None
        r += 1
    wb.save(path)
    return path


def with_dimension(path: Path, ref: str) -> None:
    """Rewrite the sheets' <dimension> to claim `ref` (a sheet saved by some tools)."""
    import re

    src = path.read_bytes()
    path.unlink()
    with zipfile.ZipFile(__import__("io").BytesIO(src)) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
            zout.writestr(info, data)


@pytest.mark.parametrize("how", ["far cell", "far meta cell", "dimension"])
def test_enormous_sheet_is_handled_quickly(cli, data_dir, filled_form, how):
    wb = load_workbook(filled_form)
    if how == "far cell":
        wb["填报"]["XFD1048576"] = 1
    elif how == "far meta cell":
        wb["_meta"]["B1048576"] = "x"
    wb.save(filled_form)
    if how == "dimension":
        with_dimension(filled_form, "A1:XFD1048576")
    with fails_if_hung():
        result = cli("collect", "--year", "2018", "--dry-run", filled_form, data=data_dir)
    assert result.exit_code == 0, result.output  # what lies outside the table does not matter
    assert "1 份表格，导入 1 份" in result.output


def test_thousands_of_extra_rows_refused_quickly(cli, data_dir, filled_form):
    wb = load_workbook(filled_form)
    ws = wb["填报"]
    header, cols = find_header(ws, "form")
    first = header + 1
    while ws.cell(first, cols["序号"]).value is not None:
        first += 1
    ws.insert_rows(first, 5000)
    for i in range(5000):
        ws.cell(first + i, cols["序号"]).value = 1000 + i
        ws.cell(first + i, cols["指标"]).value = "自加指标"
        ws.cell(first + i, cols["完成值"]).value = 1
    wb.save(filled_form)
    before = store(data_dir)
    with fails_if_hung():
        result = cli("collect", "--year", "2018", filled_form, data=data_dir)
    coord = ws.cell(first, cols["序号"]).coordinate
    assert_refused(result, f"{filled_form} 填报!{coord}: 多出的行：序号“1000”“自加指标”")
    assert store(data_dir) == before


@pytest.mark.parametrize("how", ["far cell", "long loop"])
def test_enormous_excel_template_refused_quickly(cli, tmp_path, how):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    if how == "far cell":
        ws["A1"] = "{{ plan.city }}"
        ws["XFD1048576"] = "x"
    else:
        ws["A1"] = "{%tr for i in range(100000) %}"
        ws["A2"] = "{{ i }}"
        ws["A3"] = "{%tr endfor %}"
    template = tmp_path / "大表.xlsx"
    wb.save(template)
    with fails_if_hung():
        result = cli("render", template)
    assert_refused(result, f"模板 {template} 工作表“表”!", "输出超过 50,000 行")
    assert not Path("output").exists()
