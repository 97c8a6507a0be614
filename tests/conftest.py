"""Shared fixtures: a private copy of the bundled data, and a way to run the command line."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

# Compiled templates are kept for the session in a folder of its own (shared by the commands the
# tests run in new processes), never in the user's cache: a test sees no entry of another run.
# Set before qdocgen is imported: `import qdocgen` reads its kept dataclass code from the folder
# (dataclass_code.py), and its exit handler, registered after the removal below, runs before it
# (else it wrote the folder again after its removal: a qdocgen-test-cache-* left in /tmp per session).
if "QDOCGEN_CACHE_DIR" not in os.environ:
    import atexit
    import tempfile

    _CACHE = tempfile.mkdtemp(prefix="qdocgen-test-cache-")
    os.environ["QDOCGEN_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, True)

from click.testing import CliRunner  # noqa: E402

from qdocgen.cli import main
from qdocgen.figures.signature import load_key
from qdocgen.figures.store import load_figures
from qdocgen.plan.load import load_plan

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "plan_data"
TEMPLATES = ROOT / "templates"
# The plan as extracted from the official web page (a copy of shared/seed), the original the data is held to.
SEED = ROOT / "tests" / "seed" / "000_f367b8275655fcfe.txt"


@pytest.fixture(scope="session")
def plan():
    """The bundled plan, loaded once (read-only)."""
    return load_plan(DATA)


@pytest.fixture(scope="session")
def figures(plan):
    return load_figures(DATA, plan)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """A compile cache of the test's own (QDOCGEN_CACHE_DIR), empty at its start."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A private, writable copy of plan_data/ for tests that change or break it."""
    target = tmp_path / "plan_data"
    load_key(DATA, create=True)  # forms made from the bundled plan are signed with the key the copy holds
    shutil.copytree(DATA, target)
    return target


# .ci/run sets this to a folder: the Word and Excel files each `cli` call writes are copied
# there, and ooxml_check then checks every file the tests made qdocgen write.
KEEP_OUTPUTS = os.environ.get("QDOCGEN_KEEP_OUTPUTS")


@pytest.fixture
def cli(tmp_path, monkeypatch, request):
    """Run `qdocgen ARGS` in a temporary folder; returns click's Result (exit_code, output)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str, data: Path | None = None, templates: Path | None = None):
        argv = ["--data", str(data or DATA), "--templates", str(templates or TEMPLATES), *map(str, args)]
        before = _office_files(tmp_path) if KEEP_OUTPUTS else {}
        result = CliRunner().invoke(main, argv, catch_exceptions=False)
        if KEEP_OUTPUTS:
            _keep_written(tmp_path, before, request.node.name)
        return result

    return run


def _office_files(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.suffix in (".docx", ".xlsx") and p.is_file()}


def _keep_written(folder: Path, before: dict[Path, int], test: str) -> None:
    """Copy the .docx/.xlsx files a `cli` call wrote (new or rewritten) to KEEP_OUTPUTS."""
    target = Path(KEEP_OUTPUTS)
    target.mkdir(parents=True, exist_ok=True)
    for path, mtime in _office_files(folder).items():
        if before.get(path) != mtime and "备份" not in path.name:  # a backup is the user's file, not ours
            name = re.sub(r"[^\w.-]+", "_", f"{test}-{path.relative_to(folder)}")
            shutil.copyfile(path, target / f"{len(list(target.iterdir())):05d}-{name}")


needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) 未安装；.ci/run 会在 CI 中安装它"
)


def soffice_convert(files: list[Path], outdir: Path, to: str = "pdf") -> list[Path]:
    """Convert `files` with LibreOffice into `outdir` (a private profile); the paths made."""
    profile = outdir / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", to,
         "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    suffix = "." + to.split(":")[0]
    return [outdir / (Path(f).stem + suffix) for f in files]


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@contextlib.contextmanager
def fails_if_hung(seconds: int = 60):
    """Fail the test if the block never finishes (a hostile input that hangs the program).

    Not a speed test: the bound is far above any normal run and only separates "done" from
    "stuck". Speed is measured in tools/, never asserted.
    """

    def stuck(signum, frame):
        raise AssertionError(f"没有在 {seconds} 秒内结束：程序被这个输入卡住了")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def loop_sheet(var: str = "it", field: str = "n", header: tuple[str, str] = ("区", "完成")):
    """A workbook whose sheet 排名 has a header and a one-row loop over `items`: A2 opens it,
    row 3 shows `{{ var.name }}` and `{{ var.field }}`, A4 closes it (Excel-engine tests add the rest)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    ws.append(list(header))
    ws["A2"] = f"{{%tr for {var} in items %}}"
    ws["A3"] = f"{{{{ {var}.name }}}}"
    ws["B3"] = f"{{{{ {var}.{field} }}}}"
    ws["A4"] = "{%tr endfor %}"
    return wb, ws
