"""A rebuild with nothing changed keeps everything without building a context (`build_inputs`),
and any change to an input sends it down the precise path, which remakes what that change touches."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from qdocgen import build_inputs
from qdocgen.build import RECORD, run_build
from qdocgen.documents import catalog
from qdocgen.jobs import Job
from qdocgen.workspace import Workspace

from conftest import TEMPLATES

NANHAI_2018 = "2018/通报/南海区-2018年度工业产品质量提升工作完成情况反馈函.docx"
CITY_2018 = "2018/通报/全市-2018年度工业产品质量提升工作完成情况通报.docx"


@pytest.fixture
def contexts(monkeypatch) -> list[str]:
    """The paths of the jobs whose context a build built, in order (in this process: the build
    makes its documents here, not in worker processes, whose calls this list would not see)."""
    monkeypatch.setenv("QDOCGEN_WORKERS", "1")
    built: list[str] = []
    real = Job.prepare

    def prepare(self):
        built.append(self.path)
        return real(self)

    monkeypatch.setattr(Job, "prepare", prepare)
    return built


@pytest.fixture
def built(cli, data_dir, tmp_path):
    """A 2018 build from a private data copy; `run(*options)` builds again and returns click's Result."""
    out = tmp_path / "out"

    def run(*extra, templates=None):
        result = cli("build", "--year", "2018", "-o", str(out), *extra, data=data_dir, templates=templates)
        assert result.exit_code == 0, result.output
        return result

    run()
    return run, out


def record(out: Path) -> dict:
    return json.loads((out / RECORD).read_text(encoding="utf-8"))


def summary(result) -> str:
    return result.output.split("（")[0]  # without the seconds


def test_nothing_changed_builds_no_context_and_keeps_every_file(built, contexts):
    run, out = built
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result = run()
    assert contexts == [], "an unchanged build looks inside no document"
    assert f"生成 0 个，未变 {len(record(out)['outputs'])} 个，失败 0 个" in result.output
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before, "nothing is written"


def test_it_says_what_the_precise_path_says(built):
    """Same summary and the same warnings (注意：…) as a build that fingerprints every document."""
    run, out = built
    quick = run()
    data = record(out)
    del data[build_inputs.KEY]
    (out / RECORD).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    precise = run()
    assert summary(quick) == summary(precise)
    assert [ln for ln in quick.output.splitlines() if ln.startswith("注意")] == [
        ln for ln in precise.output.splitlines() if ln.startswith("注意")
    ]
    assert "注意：未设定成文日期" in quick.output


def test_a_corrected_figure_takes_the_precise_path(built, data_dir, contexts):
    run, _ = built
    csv = data_dir / "figures" / "2018.csv"
    old = "南海区,27,有效期内省名牌产品数,239,"
    text = csv.read_text(encoding="utf-8-sig")
    assert old in text
    csv.write_text(text.replace(old, "南海区,27,有效期内省名牌产品数,241,"), encoding="utf-8-sig")
    result = run()
    assert contexts, "the changed figure is looked for in every document"
    assert "南海区 2018年度 有效期内省名牌产品数：239 → 241" in result.output
    assert f"生成 {NANHAI_2018}" in result.output and "生成 6 个" in result.output


@pytest.mark.parametrize(
    "change",
    [
        "plan comment",
        "stray file in figures",
        "qdocgen.toml",
        "--date",
        "SOURCE_DATE_EPOCH",
        "qdocgen's code",
        "other templates",
    ],
)
def test_any_input_changed_takes_the_precise_path(built, data_dir, tmp_path, monkeypatch, contexts, change):
    run, out = built
    extra: list[str] = []
    templates = None
    if change == "plan comment":
        with open(data_dir / "plan.yaml", "a", encoding="utf-8") as f:
            f.write("# 核对于 2026 年\n")
    elif change == "stray file in figures":
        (data_dir / "figures" / "说明.txt").write_text("南海区 3 月补报", encoding="utf-8")
    elif change == "qdocgen.toml":
        (data_dir.parent / "qdocgen.toml").write_text('[notice]\ndate = "2019-02-20"\n', encoding="utf-8")
    elif change == "--date":
        extra = ["--date", "2019-02-20"]
    elif change == "SOURCE_DATE_EPOCH":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1550620800")
    elif change == "qdocgen's code":
        monkeypatch.setattr(build_inputs, "code_stamp", lambda: "edited")
    elif change == "other templates":
        import shutil

        shutil.copytree(TEMPLATES, tmp_path / "mine")
        templates = tmp_path / "mine"  # the same bytes, elsewhere
    digest = record(out)[build_inputs.KEY]
    result = run(*extra, templates=templates)
    assert contexts, f"{change}: every document is fingerprinted again"
    assert record(out)[build_inputs.KEY] != digest, "the new inputs are recorded"
    if change in ("qdocgen.toml", "--date"):
        assert NANHAI_2018 in result.output and CITY_2018 in result.output  # dated anew
    contexts.clear()
    run(*extra, templates=templates)
    assert contexts == [], f"{change}: and once built, the next build is quick again"


@pytest.mark.parametrize("damage", ["edited", "deleted"])
def test_an_output_altered_since_takes_the_precise_path(built, contexts, damage):
    run, out = built
    target = out / NANHAI_2018
    if damage == "edited":
        target.write_bytes(target.read_bytes() + b"\0")
    else:
        target.unlink()
    result = run()
    assert contexts
    assert NANHAI_2018 in result.output
    assert ("改动" if damage == "edited" else "文件缺失") in result.output
    assert "生成 1 个" in result.output


def test_a_file_saved_while_a_build_reads_is_seen_by_the_next_build(data_dir, tmp_path, contexts):
    """The inputs' digest is taken before they are read: a figure saved between the two is a change
    for the next build, never taken for the version the documents show."""
    out = tmp_path / "out"
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    ws.files_seen  # noqa: B018 - taken first, as a build does
    with open(data_dir / "figures" / "2018.csv", "a", encoding="utf-8") as f:
        f.write("\n")  # saved by a colleague just after
    run_build(ws, catalog.notice_jobs(ws, [p for p in ws.figures.periods if p.key == "2018"]), out, settings={})
    contexts.clear()
    again = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    run_build(
        again, catalog.notice_jobs(again, [p for p in again.figures.periods if p.key == "2018"]), out, settings={}
    )
    assert contexts, "the saved file is looked at"


def test_an_interrupted_or_failed_build_leaves_no_digest(data_dir, tmp_path, contexts):
    out = tmp_path / "out"
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    period = next(p for p in ws.figures.periods if p.key == "2018")
    jobs = catalog.notice_jobs(ws, [period])
    run_build(ws, jobs, out, settings={})
    assert build_inputs.KEY in record(out)

    def explode(context):
        raise KeyboardInterrupt

    broken = [*jobs[:2], Job(path="2018/x.docx", title="x", shows=lambda: 1, make=lambda: explode(None))]
    with pytest.raises(KeyboardInterrupt):
        run_build(ws, broken, out, settings={})
    assert build_inputs.KEY not in record(out), "an interrupted build is finished by the next, precisely"


def test_without_settings_every_build_is_precise(data_dir, tmp_path, contexts):
    """A caller that does not declare its settings (jobs made with other options) is never skipped."""
    out = tmp_path / "out"
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    jobs = catalog.notice_jobs(ws, [p for p in ws.figures.periods if p.key == "2018"])
    run_build(ws, jobs, out)
    contexts.clear()
    outcome = run_build(ws, jobs, out)
    assert len(contexts) == len(jobs)
    assert not outcome.made
    assert build_inputs.KEY not in record(out)


def test_the_reason_names_the_setting_that_changed(built, data_dir):
    run, _ = built
    result = run("--date", "2019-02-20")
    assert f"生成 {NANHAI_2018}（成文日期变化（--date 未设定 → 2019-02-20））" in result.output
    assert "任务分解表完成情况.xlsx" not in result.output, "a table carries no 成文日期"
    (data_dir.parent / "qdocgen.toml").write_text("[gbt9704]\nbody_size = 17\n", encoding="utf-8")
    result = run("--date", "2019-02-20")
    assert f"生成 {NANHAI_2018}（qdocgen.toml 变化）" in result.output
    plan = data_dir / "plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("2018: {禅城区: 60, 南海区: 239,", "2018: {禅城区: 60, 南海区: 240,"),
        encoding="utf-8",
    )
    result = run("--date", "2019-02-20")
    assert "生成 2018/填报表/南海区-2018年度-填报表.xlsx（plan.yaml 变化）" in result.output
    assert "禅城区-2018年度-填报表" not in result.output


def test_a_build_by_a_qdocgen_that_predates_the_digest_is_not_taken_for_this_one(built, contexts):
    """An older qdocgen (another clerk's computer, the same shared folder) remakes a file and its
    record entry but leaves the digest as it found it: the digest no longer vouches for that file."""
    run, out = built
    target = out / NANHAI_2018
    data = record(out)
    other = target.read_bytes() + b"\0"  # what the older build wrote, from other figures
    target.write_bytes(other)
    data["outputs"][NANHAI_2018].update(sha256=hashlib.sha256(other).hexdigest(), fingerprint="of other figures")
    (out / RECORD).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run()
    assert contexts, "every document is fingerprinted again"
    assert f"生成 {NANHAI_2018}" in result.output


def test_a_figure_saved_and_saved_back_while_a_build_reads_it_leaves_no_digest(data_dir, tmp_path, contexts):
    """Scanned as A, read as B (a typo saved), saved back as A: the documents show B, so the build
    must not record A's digest, or the next build would keep them."""
    out, truth = tmp_path / "out", tmp_path / "truth"
    csv = data_dir / "figures" / "2018.csv"
    good = csv.read_bytes()
    old = "南海区,27,有效期内省名牌产品数,239,".encode()
    assert old in good

    def notices(ws):
        return catalog.notice_jobs(ws, [p for p in ws.figures.periods if p.key == "2018"])

    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    ws.files_seen  # noqa: B018 - taken first, as a build does
    csv.write_bytes(good.replace(old, "南海区,27,有效期内省名牌产品数,9,".encode()))
    jobs = notices(ws)  # reads the typo
    csv.write_bytes(good)
    run_build(ws, jobs, out, settings={})
    assert build_inputs.KEY not in record(out)
    again = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    run_build(again, notices(again), out, settings={})
    fresh = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    run_build(fresh, notices(fresh), truth, settings={})
    assert (out / NANHAI_2018).read_bytes() == (truth / NANHAI_2018).read_bytes()


def test_a_quick_pdf_build_keeps_what_the_templates_use(data_dir, tmp_path, monkeypatch):
    from qdocgen import build, build_pdf

    out = tmp_path / "out"
    ws = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    jobs = catalog.notice_jobs(ws, [p for p in ws.figures.periods if p.key == "2018"])
    run_build(ws, jobs, out, settings={})
    names = record(out)["template_names"]
    assert names
    monkeypatch.setattr(build_pdf, "find_soffice", lambda: None)
    monkeypatch.setattr(build.names, "_BY_HASH", {})  # a new process
    again = Workspace(data_dir=data_dir, templates_dir=TEMPLATES)
    jobs = catalog.notice_jobs(again, [p for p in again.figures.periods if p.key == "2018"])
    run_build(again, jobs, out, pdf=True, settings={})
    assert record(out)["template_names"] == names
