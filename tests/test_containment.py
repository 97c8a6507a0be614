"""Issue 7: text stays text in every document, and a name given on the command line is never a path."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from qdocgen.errors import UserError

from conftest import TEMPLATES

# ---------------------------------------------------------------- text stays text

MARKUP = "甲&乙<丙>“引”\"双\"'单' & <w:t>x</w:t>"
FORMULAS = {
    ("南海区", "27"): '=HYPERLINK("http://x","y")',
    ("禅城区", "4"): "=1+1",
    ("顺德区", "4"): "@SUM(A1)",
    ("高明区", "4"): "-2+3",
    ("三水区", "4"): "+1",
}


def set_notes(data_dir: Path, notes: dict[tuple[str, str], str]) -> None:
    """Put notes into the tmp copy of figures/2018.csv, as a clerk would type them."""
    path = data_dir / "figures" / "2018.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    for row in rows[1:]:
        if (row[0], row[1]) in notes:
            row[4] = notes[(row[0], row[1])]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8"))


def docx_texts(path: Path) -> list[str]:
    doc = Document(path)
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            texts.extend(c.text for c in row.cells)
    return texts


def test_markup_characters_appear_exactly_in_word_documents(cli, data_dir):
    set_notes(data_dir, {("全市", "2"): MARKUP, ("南海区", "27"): MARKUP})
    assert cli("check", data=data_dir).exit_code == 0
    notice = cli("notice", "--year", "2018", "--city", "-o", "n", data=data_dir)
    assert notice.exit_code == 0, notice.output
    table = cli("table", "--format", "docx", "--year", "2018", "--progress", "-o", "t.docx", data=data_dir)
    assert table.exit_code == 0, table.output
    (notice_file,) = Path("n").iterdir()
    assert MARKUP in docx_texts(notice_file)  # the annex lists the note of row 2
    assert docx_texts(Path("t.docx")).count(MARKUP) >= 2


def test_formula_like_text_is_written_as_text_in_excel(cli, data_dir):
    set_notes(data_dir, FORMULAS)
    result = cli("table", "--format", "xlsx", "--year", "2018", "--progress", "-o", "t.xlsx", data=data_dir)
    assert result.exit_code == 0, result.output
    ws = load_workbook("t.xlsx").active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value in FORMULAS.values()}
    assert set(cells) == set(FORMULAS.values())
    for text, cell in cells.items():
        assert cell.data_type == "s", f"{cell.coordinate} {text} 被写成了公式"


def test_formula_like_plan_text_is_text_on_a_form(cli, data_dir):
    plan = data_dir / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    old = "  title: 佛山市工业产品质量提升三年行动计划（2017—2019年）\n"
    assert old in text
    plan.write_text(text.replace(old, '  title: \'=HYPERLINK("http://x","计划")\'\n'), encoding="utf-8")
    result = cli("forms", "--year", "2018", "--district", "南海", "-o", "f", data=data_dir)
    assert result.exit_code == 0, result.output
    (form,) = Path("f").iterdir()
    ws = load_workbook(form)["填报"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells, "the form shows the plan title"
    assert all(c.data_type == "s" and c.value.startswith("=") for c in cells)


# ---------------------------------------------------------------- names are not paths

BAD_DISTRICTS = ["../x", "..\\x", "/etc", "南海/../..", "北区", "南海区/", ""]


def commands(district: str) -> dict[str, list[str]]:
    template = str(TEMPLATES / "xlsx" / "任务分解表.xlsx")
    return {
        "forms": ["forms", "--year", "2018", "--district", district],
        "notice": ["notice", "--year", "2018", "--district", district],
        "table": ["table", "--format", "docx", "--year", "2018", "--progress", "--district", district],
        "render": ["render", template, "--year", "2018", "--district", district],
        "progress": ["progress", "--year", "2018", "--district", district],
        "targets": ["targets", "--year", "2018", "--district", district],
    }


@pytest.mark.parametrize("command", list(commands("x")))
@pytest.mark.parametrize("district", BAD_DISTRICTS)
def test_path_like_district_refused_before_anything_is_written(cli, tmp_path, command, district):
    before = sorted(tmp_path.rglob("*"))
    result = cli(*commands(district)[command])
    assert result.exit_code == 1, result.output
    assert "未知的区" in result.output
    assert "Traceback" not in result.output
    assert sorted(tmp_path.rglob("*")) == before  # no output folder, no file anywhere
    assert not (tmp_path.parent / "x").exists()


def test_a_link_in_the_output_folder_cannot_lead_a_build_outside(tmp_path):
    """all_inside resolves each folder once and a file only when it is a link: a folder or a file
    that is a symbolic link to somewhere else is still refused, one inside is followed."""
    from qdocgen.safe_names import all_inside

    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "2018").mkdir(parents=True)
    elsewhere.mkdir()
    (out / "通报").symlink_to(elsewhere, target_is_directory=True)
    (out / "2018" / "表.xlsx").symlink_to(elsewhere / "表.xlsx")
    (out / "2018" / "内.xlsx").symlink_to(out / "2018" / "真.xlsx")
    for rel in ("通报/全市.docx", "2018/表.xlsx"):
        with pytest.raises(UserError, match="输出文件夹之外"):
            all_inside(out, ["2018/甲.docx", rel])
    got = all_inside(out, ["2018/甲.docx", "2018/乙.docx", "2018/内.xlsx", "丙.docx"])
    assert got == [(out / "2018" / n).resolve() for n in ("甲.docx", "乙.docx", "真.xlsx")] + [
        (out / "丙.docx").resolve()
    ]
