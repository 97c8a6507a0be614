"""`qdocgen build`: every document, remade only where its inputs changed, reproducibly."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from qdocgen.build import RECORD, Job, run_build
from qdocgen.safe_names import name_problem
from qdocgen.workspace import Workspace

from conftest import DATA, TEMPLATES, needs_soffice


def documents(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != RECORD
    }


def stamps(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def text_of(path: Path) -> str:
    if path.suffix == ".docx":
        doc = Document(path)
        cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in doc.paragraphs] + cells)
    wb = load_workbook(path)
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


@pytest.fixture
def built(cli, data_dir, tmp_path):
    """A 2018 build from a private data copy; returns (run, out) to build again."""
    out = tmp_path / "out"

    def run(*extra):
        return cli("build", "--year", "2018", "-o", str(out), *extra, data=data_dir)

    result = run()
    assert result.exit_code == 0, result.output
    return run, out


def test_full_build_makes_every_kind_of_document(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("build", "-o", str(out))
    assert result.exit_code == 0, result.output
    names = set(documents(out))
    assert {"任务分解表.xlsx", "任务分解表.docx"} <= names
    for year in (2017, 2018):
        assert f"{year}/通报/南海区-{year}年度工业产品质量提升工作完成情况反馈函.docx" in names
        assert f"{year}/通报/全市-{year}年度工业产品质量提升工作完成情况通报.docx" in names
        assert f"{year}/填报表/南海区-{year}年度-填报表.xlsx" in names
        assert f"{year}/完成情况表/{year}年度任务分解表完成情况.xlsx" in names
        assert f"{year}/完成情况表/{year}年度任务分解表完成情况-南海区.docx" in names
    assert "2019/通报/全市-2019年上半年工业产品质量提升工作完成情况通报.docx" in names
    assert "2019/填报表/南海区-2019年度-填报表.xlsx" in names
    for name in names:
        for part in name.split("/"):
            assert name_problem(part) is None, name  # every name is valid on Windows
    assert (out / RECORD).is_file()


def test_two_builds_give_identical_bytes(built, tmp_path, cli, data_dir):
    _, first = built
    second = tmp_path / "again"
    assert cli("build", "--year", "2018", "-o", str(second), data=data_dir).exit_code == 0
    assert documents(first) == documents(second)


def test_source_date_epoch_is_honoured(cli, data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1546300800")  # 2019-01-01T00:00:00Z
    out = tmp_path / "out"
    assert cli("build", "--year", "2018", "-o", str(out), data=data_dir).exit_code == 0
    for data in documents(out).values():
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert {i.date_time for i in z.infolist()} == {(2019, 1, 1, 0, 0, 0)}
            core = z.read("docProps/core.xml").decode()
            assert "2019-01-01T00:00:00Z" in core


def test_noop_rebuild_changes_no_file(built):
    run, out = built
    before = stamps(out)
    result = run()
    assert result.exit_code == 0
    assert "生成 0 个" in result.output
    assert stamps(out) == before


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text("\ufeff" + text.replace(old, new, 1), encoding="utf-8")


def test_a_build_that_makes_notices_without_pdf_says_once_what_only_pdf_settles(cli, data_dir, tmp_path):
    """GB/T 9704 7.5 (no page number on a 版记 page after a blank page) needs the laid-out page
    count: a build without --pdf says so, once however many notices it made, and not when it made none."""
    from qdocgen.cli.documents import IMPRINT_PAGE_NOTE

    out = tmp_path / "out"
    first = cli("build", "--year", "2018", "-o", str(out), data=data_dir)
    assert first.exit_code == 0, first.output
    assert first.output.count(IMPRINT_PAGE_NOTE) == 1
    again = cli("build", "--year", "2018", "-o", str(out), data=data_dir)
    assert again.exit_code == 0 and IMPRINT_PAGE_NOTE not in again.output


def test_a_corrected_figure_remakes_exactly_the_documents_that_show_it(built, data_dir):
    run, out = built
    before = documents(out)
    replace_in(
        data_dir / "figures" / "2018.csv", "南海区,27,有效期内省名牌产品数,239,", "南海区,27,有效期内省名牌产品数,241,"
    )
    result = run()
    assert result.exit_code == 0, result.output
    assert "南海区 2018年度 有效期内省名牌产品数：239 → 241" in result.output
    after = documents(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {
        "2018/通报/全市-2018年度工业产品质量提升工作完成情况通报.docx",
        "2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx",
        "2018/完成情况表/2018年度任务分解表完成情况.xlsx",
        "2018/完成情况表/2018年度任务分解表完成情况.docx",
        "2018/完成情况表/2018年度任务分解表完成情况-南海区.xlsx",
        "2018/完成情况表/2018年度任务分解表完成情况-南海区.docx",
    }
    for name in changed:
        assert "241" in text_of(out / name), name
        assert f"生成 {name}" in result.output
    assert "生成 6 个" in result.output


def test_a_changed_template_remakes_only_its_documents(cli, data_dir, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    out = tmp_path / "out"

    def run():
        return cli("build", "--year", "2018", "-o", str(out), data=data_dir, templates=templates)

    assert run().exit_code == 0
    before = documents(out)
    from docx import Document as Open

    path = templates / "docx" / "通报-区.docx"
    doc = Open(path)
    para = next(p for p in doc.paragraphs if p.text.startswith("附件：") and p.runs[0].text.startswith("附件："))
    para.runs[0].text = para.runs[0].text.replace("附件：", "附件（改）：")
    doc.save(path)
    result = run()
    assert result.exit_code == 0, result.output
    after = documents(out)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {n for n in after if n.startswith("2018/通报/") and not n.startswith("2018/通报/全市")}
    assert "模板变化（通报-区.docx）" in result.output
    assert "附件（改）：" in text_of(out / "2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx")


def test_a_changed_target_remakes_that_districts_documents(built, data_dir):
    run, out = built
    before = documents(out)
    replace_in(data_dir / "plan.yaml", "2018: {禅城区: 60, 南海区: 239,", "2018: {禅城区: 60, 南海区: 240,")
    assert run().exit_code == 0
    after = documents(out)
    changed = {name for name in after if after[name] != before[name]}
    assert "2018/填报表/南海区-2018年度-填报表.xlsx" in changed
    assert "2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx" in changed
    assert "2018/填报表/禅城区-2018年度-填报表.xlsx" not in changed
    assert "2018/通报/禅城区-2018年度工业产品质量提升工作完成情况反馈函.docx" not in changed


def test_an_unwritable_file_is_reported_and_the_rest_still_made(built):
    run, out = built
    victim = out / "2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx"
    victim.unlink()
    victim.mkdir()  # a folder where the file should go: no way to write it
    other = out / "2018/填报表/南海区-2018年度-填报表.xlsx"
    other.unlink()
    result = run()
    assert result.exit_code == 1
    assert "失败 2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx" in result.output
    assert "无法写入" in result.output
    assert other.is_file()
    assert "Traceback" not in result.output


def test_invalid_figures_stop_the_build_before_anything_is_written(cli, data_dir, tmp_path):
    replace_in(
        data_dir / "figures" / "2018.csv", "南海区,27,有效期内省名牌产品数,239,", "南海区,27,有效期内省名牌产品数,abc,"
    )
    out = tmp_path / "out"
    result = cli("build", "-o", str(out), data=data_dir)
    assert result.exit_code == 1
    assert "2018.csv:" in result.output and "“abc”不是数字" in result.output
    assert not out.exists()


def test_pdf_without_libreoffice_says_how_to_install(built, monkeypatch):
    run, out = built
    monkeypatch.setattr("qdocgen.build_pdf.find_soffice", lambda: None)
    result = run("--pdf")
    assert result.exit_code == 1
    assert "需要 LibreOffice" in result.output and "apt-get install" in result.output
    assert not list(out.rglob("*.pdf"))


@needs_soffice
def test_pdf_is_made_beside_the_document(tmp_path):
    source = (TEMPLATES / "docx" / "任务分解表.docx").read_bytes()
    job = Job(path="a/表.docx", title="表", shows=lambda: 1, make=lambda: source)
    ws = Workspace(data_dir=DATA)
    outcome = run_build(ws, [job], tmp_path, pdf=True)
    assert outcome.ok, outcome.pdf_failed
    assert (tmp_path / "a/表.pdf").read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.rglob(".~*"))


def test_build_record_says_what_each_document_came_from(built):
    import json

    _, out = built
    record = json.loads((out / RECORD).read_text(encoding="utf-8"))
    entry = record["outputs"]["2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx"]
    assert entry["period"] == "2018" and entry["district"] == "南海区"
    assert [t.rsplit("/", 3)[-3:] for t in entry["templates"]] == [["templates", "docx", "通报-区.docx"]]
    assert len(entry["sha256"]) == 64 and entry["made"]
    assert any(name.endswith("figures/2018.csv") for name in record["inputs"])


@needs_soffice
def test_a_pdf_older_than_its_document_is_made_again(tmp_path):
    plain = (TEMPLATES / "docx" / "任务分解表.docx").read_bytes()
    other = (TEMPLATES / "docx" / "任务分解表-完成情况.docx").read_bytes()
    ws = Workspace(data_dir=DATA)

    def job(data):
        return Job(path="表.docx", title="表", shows=lambda: len(data), make=lambda: data)

    run_build(ws, [job(plain)], tmp_path, pdf=True)
    first = (tmp_path / "表.pdf").read_bytes()
    run_build(ws, [job(other)], tmp_path)  # the document changes; no --pdf this time
    outcome = run_build(ws, [job(other)], tmp_path, pdf=True)  # nothing to remake, but the PDF is stale
    assert outcome.ok and outcome.made == []
    assert (tmp_path / "表.pdf").read_bytes() != first


def test_documents_carry_their_own_title(built):
    _, out = built
    notice = Document(out / "2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx").core_properties
    assert notice.title == "关于反馈南海区2018年度工业产品质量提升工作完成情况的函"
    table = Document(out / "2018/完成情况表/2018年度任务分解表完成情况.docx").core_properties
    assert table.title == "2018年度佛山市工业产品质量提升三年行动计划（2017—2019年）任务分解表完成情况"
    assert "python-docx" not in (table.comments or "")


def test_figure_changes_quote_figures_exactly_never_rounded():
    # A figure just under its target must not read as the target: '80 → 80' would be false.
    from qdocgen.build import figure_changes

    old = {"2018": {"南海区|43|企业质量信用档案建档率": [80.0, ""], "全市|44|培训企业各类人员人次": [10000.0, ""]}}
    new = {"2018": {"南海区|43|企业质量信用档案建档率": [79.99999, ""], "全市|44|培训企业各类人员人次": [9999.999, ""]}}
    messages = [m for _, _, m in figure_changes(old, new)]
    assert any(m.endswith("企业质量信用档案建档率：80 → 79.99999") for m in messages), messages
    assert any(m.endswith("培训企业各类人员人次：10000 → 9999.999") for m in messages), messages
    tiny = figure_changes({"2018": {"南海区|43|x": [1.0000001, ""]}}, {"2018": {"南海区|43|x": [1.0000002, ""]}})
    assert tiny[0][2].endswith("1.0000001 → 1.0000002")


def test_a_build_of_one_year_leaves_the_other_years_changes_to_be_said(cli, data_dir, tmp_path):
    """A figure corrected in 2017, then `build --year 2018`, then `build`: the 2017 documents are
    remade with the correction named, not with a generic reason."""
    out = tmp_path / "out"
    assert cli("build", "-o", str(out), data=data_dir).exit_code == 0
    csv = data_dir / "figures" / "2017.csv"
    text = csv.read_text(encoding="utf-8-sig")
    line = next(ln for ln in text.splitlines() if ln.startswith("南海区,27,"))
    cells = line.split(",")
    was = cells[3]
    cells[3] = str(int(was) + 2)
    csv.write_text(text.replace(line, ",".join(cells)), encoding="utf-8-sig")
    year = cli("build", "--year", "2018", "-o", str(out), data=data_dir)
    assert "2017" not in year.output, "a 2018 build neither remakes nor reports 2017"
    full = cli("build", "-o", str(out), data=data_dir)
    said = f"南海区 2017年度 有效期内省名牌产品数：{was} → {int(was) + 2}"
    assert said in full.output
    assert (
        f"生成 2017/通报/南海区-2017年度工业产品质量提升工作完成情况反馈函.docx（完成值变化（{said}））" in full.output
    )


def test_notice_and_table_never_overwrite_an_edited_file(cli, data_dir, tmp_path):
    """`notice` and `table` write where `build` does, and keep a file someone edited as build does;
    what they write is recognised afterwards, by themselves and by the build."""
    out = tmp_path / "output"  # the commands' default folder (the cli fixture runs in tmp_path)
    assert cli("build", "--year", "2018", data=data_dir).exit_code == 0
    notice = out / "2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx"
    doc = Document(notice)
    doc.add_paragraph("人工补充的一段")
    doc.save(notice)
    result = cli("notice", "--year", "2018", "--district", "南海", "--date", "2019-01-20", data=data_dir)
    assert result.exit_code == 0, result.output
    backup = notice.with_name(notice.stem + "（改动备份）.docx")
    assert f"已另存为 {backup.name}" in result.output
    assert "人工补充的一段" in text_of(backup) and "人工补充的一段" not in text_of(notice)
    # Made again with another date: the command's own file, replaced without a backup.
    result = cli("notice", "--year", "2018", "--district", "南海", "--date", "2019-01-21", data=data_dir)
    assert "已另存为" not in result.output
    # And the build, dating it again by the period's end, knows it for qdocgen's.
    result = cli("build", "--year", "2018", data=data_dir)
    assert result.exit_code == 0, result.output
    assert (
        f"生成 {notice.relative_to(out).as_posix()}（文件由 qdocgen notice、table 等命令另行生成过）" in result.output
    )
    assert "改动备份2" not in " ".join(p.name for p in notice.parent.iterdir())

    table = out / "2018/完成情况表/2018年度任务分解表完成情况-南海区.xlsx"
    wb = load_workbook(table)
    wb.active["A1"] = "人工改动"
    wb.save(table)
    result = cli("table", "--format", "xlsx", "--year", "2018", "--progress", "--district", "南海", data=data_dir)
    assert result.exit_code == 0, result.output
    kept = table.with_name(table.stem + "（改动备份）.xlsx")
    assert kept.is_file() and load_workbook(kept).active["A1"].value == "人工改动"
    assert load_workbook(table).active["A1"].value != "人工改动"


def test_render_elsewhere_keeps_a_file_it_did_not_write(cli, data_dir, tmp_path):
    """`render -o` outside the output folder: its own earlier output is replaced, another file kept."""
    (tmp_path / "output").mkdir()
    target = tmp_path / "省里" / "表.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"not qdocgen's")
    template = TEMPLATES / "xlsx" / "任务分解表-完成情况.xlsx"
    result = cli("render", template, "--year", "2017", "-o", target, data=data_dir)
    assert result.exit_code == 0, result.output
    assert (target.parent / "表（改动备份）.xlsx").read_bytes() == b"not qdocgen's"
    first = target.read_bytes()
    result = cli("render", template, "--year", "2018", "-o", target, data=data_dir)
    assert result.exit_code == 0, result.output
    assert target.read_bytes() != first, "other figures: other bytes"
    assert "已另存为" not in result.output and not (target.parent / "表（改动备份2）.xlsx").exists()
