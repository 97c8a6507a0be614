"""Nothing lost under faults: two commands at once, a kill at any instant (issue 23).

These tests run qdocgen in real processes: the lock is the operating system's, and a kill is SIGKILL.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qdocgen.figures.period import Period
from qdocgen.figures.store import load_figures
from tests.test_collect import fill, make, met

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and fork-free subprocess checks are POSIX")

# Runs qdocgen with os.replace and os.unlink (every rename into place, every removal) counted; at
# the FAULT_AT-th the process kills itself with SIGKILL, before the call or (FAULT_AFTER=1) after it.
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    n, after, count = int(os.environ["FAULT_AT"]), os.environ.get("FAULT_AFTER") == "1", [0]
    def wrap(real):
        def call(*args, **kwargs):
            count[0] += 1
            if count[0] == n and not after:
                os.kill(os.getpid(), signal.SIGKILL)
            result = real(*args, **kwargs)
            if count[0] == n and after:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return call
    os.replace, os.unlink = wrap(os.replace), wrap(os.unlink)
    from qdocgen.cli import main
    sys.argv[0] = "qdocgen"
    main()
    """
)


# Runs qdocgen with a pause of a second after reading a period's figures file and log, before
# anything is written: the moment a second command, without a lock, would read the same old state.
SLOW = textwrap.dedent(
    """
    import sys, time
    from qdocgen.figures import log
    real = log.load_state
    def slow(*args, **kwargs):
        state = real(*args, **kwargs)
        time.sleep(1.0)
        return state
    log.load_state = slow
    from qdocgen.cli import main
    sys.argv[0] = "qdocgen"
    main()
    """
)


def env(**extra) -> dict[str, str]:
    out = dict(os.environ, PYTHONPATH=str(ROOT), **extra)
    out.pop("QDOCGEN_DEBUG", None)
    return out


def run(data_dir: Path, *args, fault: int | None = None, after: bool = False, **extra) -> subprocess.CompletedProcess:
    argv = ["--data", str(data_dir), "--templates", str(TEMPLATES), *map(str, args)]
    if fault is None:
        cmd = [sys.executable, "-m", "qdocgen", *argv]
    else:
        cmd = [sys.executable, "-c", KILLER, *argv]
        extra.update(FAULT_AT=str(fault), FAULT_AFTER="1" if after else "0")
    return subprocess.run(cmd, capture_output=True, text=True, env=env(**extra), cwd=data_dir.parent, timeout=120)


def figures_files(data_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((data_dir / "figures").iterdir())}


def log_lines(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def without_times(files: dict[str, bytes]) -> dict[str, list]:
    """The files with the logs' and receipt registers' times left out (a re-run logs at its own time)."""
    out = {}
    for name, data in files.items():
        if "收集记录" in name or "收件记录" in name:
            out[name] = [{k: v for k, v in row.items() if k != "时间"} for row in log_lines(data)]
        else:
            out[name] = data
    return out


# ---------------------------------------------------------------- one writer at a time


@posix_only
def test_a_second_command_waits_then_stops_naming_the_holder(plan, data_dir, tmp_path):
    form = fill(make(plan, tmp_path, Period(2019))["南海区"], default=met)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from qdocgen.storage.lock import hold\n"
            "with hold(sys.argv[1], 'qdocgen withdraw'):\n"
            "    print('held', flush=True); time.sleep(30)\n",
            str(data_dir / "figures"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        before = figures_files(data_dir)
        start = time.monotonic()
        result = run(data_dir, "collect", form, QDOCGEN_LOCK_WAIT="1")
        waited = time.monotonic() - start
        assert result.returncode == 1, result.stderr
        assert "正由“qdocgen withdraw”（进程" in result.stderr and "未做任何改动" in result.stderr
        assert "Traceback" not in result.stderr and waited >= 1
        assert figures_files(data_dir) == before  # not even a lock file of its own left
        withdrawn = run(
            data_dir, "withdraw", "--year", "2018", "--district", "南海", "--row", "4", QDOCGEN_LOCK_WAIT="0"
        )
        assert withdrawn.returncode == 1 and "qdocgen withdraw" in withdrawn.stderr
    finally:
        holder.kill()
        holder.wait()
    # The holder was killed without releasing: the operating system released the lock.
    result = run(data_dir, "collect", form, QDOCGEN_LOCK_WAIT="1")
    assert result.returncode == 0, result.stderr
    assert not (data_dir / "figures" / ".~qdocgen.lock").exists()


def test_a_moments_lock_makes_another_process_wait_and_never_stops_work(tmp_path):
    """storage.lock.briefly (a build's workers saving one cache file): a second process waits while
    the first holds it, then goes on; where there can be no lock file, the work is done unlocked."""
    from qdocgen.storage.lock import briefly

    path = tmp_path / "cache.lock"
    waiter = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\n"
        "from qdocgen.storage.lock import briefly\n"
        "print('waiting', flush=True)\n"
        f"with briefly(Path({str(path)!r})):\n"
        "    print('held', flush=True)\n"
    )
    with briefly(path):
        other = subprocess.Popen([sys.executable, "-c", waiter], stdout=subprocess.PIPE, text=True)
        try:
            assert other.stdout.readline().strip() == "waiting"
            time.sleep(0.5)
            assert other.poll() is None  # still waiting for the lock
        except BaseException:
            other.kill()
            raise
    assert other.stdout.readline().strip() == "held" and other.wait(timeout=30) == 0
    assert path.is_file()  # left in place for the next

    ran = []
    with briefly(tmp_path / "no such folder" / "x.lock"):
        ran.append(True)
    assert ran == [True]


@posix_only
def test_two_collects_at_once_lose_nothing(plan, data_dir, tmp_path):
    """Two districts' forms of one period collected at the same moment, three times over: both stay
    (each command pauses between reading the store and writing it, so that the two always overlap)."""
    forms = make(plan, tmp_path, Period(2019), ("南海区", "顺德区"))
    fill(forms["南海区"], default=met)
    fill(forms["顺德区"], default=lambda t, u: t + 1 if isinstance(t, (int, float)) and u != "1/0" else None)
    for _ in range(3):
        (data_dir / "figures" / "2019.csv").unlink(missing_ok=True)
        (data_dir / "figures" / "2019.收集记录.csv").unlink(missing_ok=True)
        argv = ["--data", str(data_dir), "--templates", str(TEMPLATES), "collect"]
        procs = [
            subprocess.Popen([sys.executable, "-c", SLOW, *argv, str(f)], env=env(), stderr=subprocess.PIPE)
            for f in forms.values()
        ]
        assert [p.wait(timeout=120) for p in procs] == [0, 0], [p.stderr.read() for p in procs]
        stored = load_figures(data_dir, plan).of(Period(2019))
        counts = {d: sum(1 for f in stored if f.district == d) for d in ("南海区", "顺德区")}
        assert counts["南海区"] > 10 and counts["顺德区"] > 10
        lines = log_lines((data_dir / "figures" / "2019.收集记录.csv").read_bytes())
        assert {row["区"] for row in lines} == {"南海区", "顺德区"}
        assert not [row for row in lines if row["变动"] == "手工更正"]
        assert len(lines) == counts["南海区"] + counts["顺德区"]


# ---------------------------------------------------------------- killed at any instant


def _batch(plan, data_dir, tmp_path) -> list[Path]:
    """Forms of two periods (2018 and 2019), so that a commit spans two figures files and two logs."""
    a = fill(make(plan, tmp_path / "a", Period(2018))["南海区"], default=lambda t, u: t if u != "1/0" else 1)
    b = fill(make(plan, tmp_path / "b", Period(2019))["南海区"], default=met)
    return [a, b]


def _consistent(plan, data_dir: Path, before: dict, after: dict) -> None:
    """The figures folder is exactly as before the command or exactly as after it (logs' times
    aside), holds no stray file, and its logs say nothing was corrected by hand."""
    now = figures_files(data_dir)
    assert not [n for n in now if n.startswith(".~")], now.keys()
    assert without_times(now) in (without_times(before), without_times(after))
    for name, data in now.items():
        if "收集记录" in name:
            assert not [row for row in log_lines(data) if row["变动"] == "手工更正"], name


@posix_only
@pytest.mark.parametrize("after", [False, True], ids=["before-write", "after-write"])
def test_collect_killed_at_each_write_loses_nothing(after, plan, data_dir, tmp_path):
    forms = _batch(plan, data_dir, tmp_path)
    clean = tmp_path / "clean" / "plan_data"
    clean.parent.mkdir()
    import shutil

    shutil.copytree(data_dir, clean)
    before = figures_files(data_dir)
    assert run(clean, "collect", *forms).returncode == 0
    after_files = figures_files(clean)
    assert without_times(after_files) != without_times(before)
    n, recovered = 0, 0
    while True:
        n += 1
        killed = run(data_dir, "collect", *forms, fault=n, after=after)
        if killed.returncode == 0:
            break  # every write of the command has been a kill point
        assert killed.returncode == -9, killed.stderr
        check = run(data_dir, "check")  # the next command, whatever it is, finishes the interrupted one
        assert check.returncode == 0, check.stdout + check.stderr
        assert "Traceback" not in check.stderr
        if "已按其日志补完" in check.stdout + check.stderr:
            recovered += 1
        _consistent(plan, data_dir, before, after_files)
        if without_times(figures_files(data_dir)) == without_times(before):
            again = run(data_dir, "collect", *forms)  # killed before it took effect: a re-run is a first run
            assert again.returncode == 0, again.stderr
            _consistent(plan, data_dir, after_files, after_files)
        # (taken effect whole: as after one run, which `_consistent` has compared byte for byte)
        for name, data in before.items():
            (data_dir / "figures" / name).write_bytes(data)
        for name in set(figures_files(data_dir)) - set(before):
            (data_dir / "figures" / name).unlink()
    assert n >= 7  # the journal, four files, the journal's removal, the lock's
    assert recovered >= 3  # killed after the journal and before its removal: finished by `check`


@posix_only
def test_withdraw_killed_at_each_write_loses_nothing(plan, data_dir, tmp_path):
    before = figures_files(data_dir)
    args = ("withdraw", "--year", "2018", "--district", "南海", "--row", "4", "--reason", "核实有误")
    n = 0
    while True:
        n += 1
        killed = run(data_dir, *args, fault=n)
        if killed.returncode == 0:
            break
        assert killed.returncode == -9, killed.stderr
        nxt = run(data_dir, *args)  # the next command is the same withdraw: done once, never twice
        assert nxt.returncode == 0 or "没有已报送的完成值可撤回" in nxt.stderr, nxt.stderr
        now = figures_files(data_dir)
        assert not [name for name in now if name.startswith(".~")]
        withdrawn = [r for r in log_lines(now["2018.收集记录.csv"]) if r["变动"] == "撤回"]
        assert len(withdrawn) == 1 and not [r for r in log_lines(now["2018.收集记录.csv"]) if r["变动"] == "手工更正"]
        for name in set(now) - set(before):
            (data_dir / "figures" / name).unlink()
        for name, data in before.items():
            (data_dir / "figures" / name).write_bytes(data)
    assert n >= 4


def test_a_killed_commands_temporary_file_is_removed_by_the_next(plan, data_dir, tmp_path, cli):
    figures = data_dir / "figures"
    stray = figures / ".~2018.csv.999999999.abcd1234.tmp"
    stray.write_bytes(b"half a file")
    result = cli("check", data=data_dir)
    assert result.exit_code == 0, result.output
    assert not stray.exists() and "临时文件" in result.output


def test_a_commit_that_cannot_write_every_file_changes_none(plan, data_dir, tmp_path, monkeypatch):
    """A full disk at the second file of a batch: the first is put back, the command says so."""
    from qdocgen.errors import UserError
    from qdocgen.figures.collect import collect
    from qdocgen.storage import journal

    forms = _batch(plan, data_dir, tmp_path)
    before = figures_files(data_dir)
    real, calls = journal._write_atomic, []

    def full(path, data):
        calls.append(path.name)
        if len(calls) == 3:  # the journal, the first file, then the disk is full
            raise UserError(f"无法写入 {path}：磁盘已满")
        return real(path, data)

    monkeypatch.setattr(journal, "_write_atomic", full)
    with pytest.raises(UserError, match="磁盘已满"):
        collect(plan, data_dir, forms)
    assert figures_files(data_dir) == before


# ---------------------------------------------------------------- hostile forms


def _rezip(src: Path, dst: Path, replace: dict[str, object]) -> Path:
    """`src` with members replaced: bytes, or a callable writing the member in chunks (a bomb)."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            new = replace.get(info.filename)
            if new is None:
                zout.writestr(info, zin.read(info.filename))
            elif callable(new):
                with zout.open(info.filename, "w", force_zip64=True) as fh:
                    new(fh, zin.read(info.filename))
            else:
                zout.writestr(info.filename, new)
    return dst


def _sheet(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))


def test_zip_bomb_and_million_rows_refused_as_too_large(plan, cli, data_dir, tmp_path):
    form = fill(make(plan, tmp_path, Period(2019))["南海区"], default=met)
    sheet = _sheet(form)

    def bomb(fh, original: bytes) -> None:  # the sheet, then 120 MB of spaces: about 120 KB zipped
        head, _, rest = original.partition(b"<sheetData>")
        fh.write(head + b"<sheetData>")
        block = b" " * (1 << 20)
        for _ in range(120):
            fh.write(block)
        fh.write(rest)

    def rows(fh, original: bytes) -> None:  # a million rows after the data, every one a real <row>
        head, _, rest = original.partition(b"</sheetData>")
        fh.write(head)
        for start in range(1000, 1_000_000, 10_000):
            fh.write(b"".join(b'<row r="%d"/>' % r for r in range(start, start + 10_000)))
        fh.write(b"</sheetData>" + rest)

    bombed = _rezip(form, tmp_path / "南海区-2019年度-填报表（炸弹）.xlsx", {sheet: bomb})
    long = _rezip(form, tmp_path / "南海区-2019年度-填报表（百万行）.xlsx", {sheet: rows})
    assert bombed.stat().st_size < 1_000_000 and long.stat().st_size < 5_000_000
    before = {p.name: p.read_bytes() for p in (data_dir / "figures").iterdir()}
    for path, why in ((bombed, "解压后共"), (long, "超过 20,000 行")):
        result = cli("collect", path, data=data_dir)
        assert result.exit_code == 1, result.output
        assert "文件过大" in result.output and why in result.output, result.output
        assert "损坏" not in result.output and "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in (data_dir / "figures").iterdir()} == before
    # The form itself, with its ordinary size, goes in.
    assert cli("collect", form, data=data_dir).exit_code == 0


def test_a_form_with_the_largest_plan_is_far_below_the_limits(plan, tmp_path):
    """The limits leave room: a normal form is a small fraction of them."""
    import zipfile

    from qdocgen.figures import read_form

    form = make(plan, tmp_path, Period(2019), (None,))["全市"]
    with zipfile.ZipFile(form) as z:
        unpacked = sum(i.file_size for i in z.infolist())
        rows = read_form._count_rows(z, z.getinfo(_sheet(form)), read_form.MAX_ROWS)
    assert unpacked * 20 < read_form.MAX_UNPACKED and 10 < rows and rows * 50 < read_form.MAX_ROWS


# ---------------------------------------------------------------- signed forms


def _restamp(path: Path, dst: Path, **changes: str | None) -> Path:
    """The form with its recorded identity changed in all three places, as a careful forger would
    (a value None: removed), saved as `dst`."""
    from openpyxl import load_workbook
    from openpyxl.workbook.defined_name import DefinedName

    from qdocgen.figures.forms import META_KEYS

    wb = load_workbook(path)
    meta = wb["_meta"]
    for row in list(meta.iter_rows(min_row=2)):
        key = row[0].value
        if key in changes:
            if changes[key] is None:
                row[0].value = row[1].value = None
            else:
                row[1].value = changes[key]
    for key, value in changes.items():
        name = META_KEYS[key]
        if name in wb.defined_names:
            del wb.defined_names[name]
        if value is not None:
            wb.defined_names[name] = DefinedName(name, attr_text=f'"{value}"')
        props = [p for p in wb.custom_doc_props if p.name != name]
        wb.custom_doc_props.props = props
        if value is not None:
            from openpyxl.packaging.custom import StringProperty

            wb.custom_doc_props.append(StringProperty(name=name, value=value))
    wb.save(dst)
    return dst


def test_a_form_relabelled_as_another_districts_is_refused(plan, cli, data_dir, tmp_path):
    form = fill(make(plan, tmp_path, Period(2018))["南海区"], default=lambda t, u: t if u != "1/0" else 1)
    before = figures_files(data_dir)
    forged = _restamp(form, tmp_path / "顺德区-2018年度-填报表.xlsx", 区="顺德区")
    result = cli("collect", forged, data=data_dir)
    assert result.exit_code == 1
    assert "表格签名不符：区由“南海区”改为“顺德区”" in result.output and "Traceback" not in result.output
    register = figures_files(data_dir).pop("2018.收件记录.csv")  # the refusal is received, with its reason
    refused = log_lines(register)[-1]
    assert refused["结果"] == "退回" and "表格签名不符" in refused["原因"], refused
    assert {k: v for k, v in figures_files(data_dir).items() if "收件记录" not in k} == before
    # Another period, or targets edited together with their digest: each named.
    moved = _restamp(form, tmp_path / "南海区-2018年上半年-填报表.xlsx", 时段="H1")
    assert "时段由“2018年度”改为“2018年上半年”" in cli("collect", moved, data=data_dir).output
    digest = _restamp(form, tmp_path / "南海区-2018年度-填报表（改）.xlsx", 目标摘要="0123456789abcdef")
    assert "目标值摘要被改动" in cli("collect", digest, data=data_dir).output
    assert {k: v for k, v in figures_files(data_dir).items() if "收件记录" not in k} == before
    assert cli("collect", form, data=data_dir).exit_code == 0  # the form as issued goes in


def test_a_form_from_before_signatures_is_read_with_a_note(plan, cli, data_dir, tmp_path):
    form = fill(make(plan, tmp_path, Period(2018))["南海区"], default=lambda t, u: t if u != "1/0" else 1)
    (tmp_path / "old").mkdir()
    old = _restamp(form, tmp_path / "old" / form.name, 签名=None)
    result = cli("collect", old, data=data_dir)
    assert result.exit_code == 0, result.output
    assert "没有签名（是启用表格签名之前下发的）" in result.output and "已写入" in result.output


def test_a_signed_form_needs_the_workspaces_key(plan, cli, data_dir, tmp_path):
    from qdocgen.figures.signature import KEY_NAME

    form = fill(make(plan, tmp_path, Period(2018))["南海区"], default=lambda t, u: t if u != "1/0" else 1)
    (data_dir / KEY_NAME).unlink()  # another workspace, or the key lost
    result = cli("collect", form, data=data_dir)
    assert result.exit_code == 1 and "本工作区没有签名密钥" in result.output
    (data_dir / KEY_NAME).write_text("# 另一个工作区的密钥\n" + "ab" * 32 + "\n", encoding="utf-8")
    result = cli("collect", form, data=data_dir)
    assert result.exit_code == 1 and "不是本工作区下发的" in result.output


def test_the_key_is_made_once_in_the_workspace_and_not_copied_by_init(tmp_path, cli):
    from qdocgen.figures.signature import KEY_NAME

    assert cli("init", tmp_path / "ws").exit_code == 0
    data = tmp_path / "ws" / "plan_data"
    assert not (data / KEY_NAME).exists()
    assert cli("forms", "--year", "2018", "-o", tmp_path / "f1", data=data).exit_code == 0
    key = (data / KEY_NAME).read_text(encoding="utf-8")
    assert "不要发给任何人" in key
    assert cli("forms", "--year", "2018", "-o", tmp_path / "f2", data=data).exit_code == 0
    assert (data / KEY_NAME).read_text(encoding="utf-8") == key
    assert [p.read_bytes() for p in sorted((tmp_path / "f1").iterdir())] == [
        p.read_bytes() for p in sorted((tmp_path / "f2").iterdir())
    ]


# ---------------------------------------------------------------- text stays text in the CSV files

FORMULAS = [
    '=HYPERLINK("http://example.com/x","点此查看")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "'=already quoted",
    "'普通的撇号开头",
]


def _typed_as_text(names):
    """Each FORMULAS text in the 说明 of a row, as a clerk types it in Excel ('=…): a text cell."""

    def edit(wb, ws, cols, rows):
        for name, text in zip(names, FORMULAS, strict=True):
            cell = ws.cell(rows[name], cols["说明"])
            cell.value = text
            cell.data_type = "s"

    return edit


def test_formula_like_text_is_stored_as_text_and_read_back_unchanged(plan, cli, data_dir, tmp_path):
    from qdocgen.figures.log import log_file, read_log

    form = make(plan, tmp_path, Period(2019))["南海区"]
    from openpyxl import load_workbook

    from tests.test_collect import layout

    names = list(layout(load_workbook(form)["填报"])[1])[: len(FORMULAS)]
    fill(form, default=met, edit=_typed_as_text(names))
    assert cli("collect", form, data=data_dir).exit_code == 0
    stored = {f.measure: f.note for f in load_figures(data_dir, plan).of(Period(2019)) if f.district == "南海区"}
    assert [stored[n] for n in names] == FORMULAS  # read back exactly as typed
    logged = {e.measure: e.new_note for e in read_log(log_file(data_dir, Period(2019)), plan)}
    assert [logged[n] for n in names] == FORMULAS
    # In the files themselves no text cell starts as a formula would.
    for name in ("2019.csv", "2019.收集记录.csv"):
        text = (data_dir / "figures" / name).read_text(encoding="utf-8-sig")
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "@", "+") or (c[:1] == "-" and not c[1:2].isdigit())]
        assert "'=HYPERLINK(" in text
    # Collecting again changes nothing: the escaped text is not escaped twice.
    before = figures_files(data_dir)
    assert cli("collect", form, data=data_dir).exit_code == 0
    assert figures_files(data_dir)["2019.csv"] == before["2019.csv"]


@pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice (soffice) 未安装")
def test_a_spreadsheet_opening_the_store_runs_no_formula(plan, cli, data_dir, tmp_path):
    """LibreOffice, as Excel and WPS do, runs '=…' in a CSV as a formula: the store gives it none."""
    from openpyxl import load_workbook

    from tests.test_collect import layout

    form = make(plan, tmp_path, Period(2019))["南海区"]
    names = list(layout(load_workbook(form)["填报"])[1])[: len(FORMULAS)]
    fill(form, default=met, edit=_typed_as_text(names))
    assert cli("collect", form, data=data_dir).exit_code == 0
    out = tmp_path / "opened"
    for name in ("2019.csv", "2019.收集记录.csv"):
        subprocess.run(
            ["soffice", "--headless", "--infilter=CSV:44,34,76", "--convert-to", "xlsx", "--outdir", str(out)]
            + [str(data_dir / "figures" / name)],
            capture_output=True,
            timeout=180,
            check=True,
        )
        ws = load_workbook(out / name.replace(".csv", ".xlsx")).active
        formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert not formulas, (name, formulas)
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert any("HYPERLINK" in t for t in texts)


# ---------------------------------------------------------------- a column added by hand


def test_a_column_added_by_hand_is_kept_by_collect_and_withdraw(plan, cli, data_dir, tmp_path):
    path = data_dir / "figures" / "2018.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[0].append("核对人")
    for i, row in enumerate(rows[1:], start=1):
        row.append(f"张{i}" if i % 3 == 0 else "")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
    checked = {(r[0], r[1], r[2]): r[-1] for r in rows[1:]}

    form = fill(make(plan, tmp_path, Period(2018))["南海区"], default=lambda t, u: t if u != "1/0" else 1)
    assert cli("collect", form, data=data_dir).exit_code == 0
    assert cli("withdraw", "--year", "2018", "--district", "禅城", "--row", "4", data=data_dir).exit_code == 0
    after = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert after[0][-1] == "核对人"
    kept = {(r[0], r[1], r[2]): r[-1] for r in after[1:]}
    assert all(kept.get(key, v) == v for key, v in checked.items() if key in kept)
    assert sum(1 for v in kept.values() if v) == sum(1 for k, v in checked.items() if v and k in kept) > 0
    assert cli("check", data=data_dir).exit_code == 0


# ---------------------------------------------------------------- the build record and output write errors


@pytest.mark.parametrize(
    "damage",
    [
        b"{not json",
        b"",
        b"\xff\xfe garbage",
        b'{"outputs": {}, "written": []}',
        b'{"outputs": [], "figures": {}}',
        b'{"outputs": {"a": "x"}}',
        b'{"outputs": {}, "figures": []}',
        b'{"outputs": {}, "figures": {"2018": {"k": ["x", 1]}}}',
        b'{"outputs": {}, "inputs": [], "settings": 3, "template_names": []}',
        b'{"outputs": {"2018/tongbao/a.docx": {"sha256": [], "fingerprint": {}}}}',
        b'{"outputs": {}, "inputs_digest": 5}',
    ],
)
def test_a_damaged_build_record_is_no_record(damage, tmp_path):
    """No internal error, nothing moved aside that is byte for byte what the build makes; a file a
    clerk changed is still kept aside."""
    from qdocgen.build import RECORD, run_build
    from qdocgen.workspace import Workspace
    from tests.test_build_mechanics import jobs_from

    ws = Workspace(data_dir=ROOT / "plan_data")
    content = {"2018/tongbao/a.docx": "A", "2018/b.xlsx": "B", "c.xlsx": "C"}
    assert run_build(ws, jobs_from(content), tmp_path).ok
    (tmp_path / "c.xlsx").write_text("填过的", encoding="utf-8")
    (tmp_path / RECORD).write_bytes(damage)
    outcome = run_build(ws, jobs_from(content), tmp_path)
    assert outcome.ok, outcome.failed
    assert sorted(outcome.kept) == ["2018/b.xlsx", "2018/tongbao/a.docx"]
    assert [p for p, _ in outcome.made] == ["c.xlsx"]
    assert sorted(p.name for p in tmp_path.rglob("*改动备份*")) == ["c（改动备份）.xlsx"]
    assert any("构建记录" in w and "按没有记录处理" in w for w in ws.warnings)
    again = run_build(Workspace(data_dir=ROOT / "plan_data"), jobs_from(content), tmp_path)
    assert again.ok and not again.made  # the record is whole again


@pytest.mark.parametrize(
    "fault",
    ["read-only", "full"],
)
def test_every_output_write_error_is_listed_per_file(fault, tmp_path, monkeypatch):
    import errno

    from qdocgen.build import RECORD, failures, run_build
    from qdocgen.workspace import Workspace
    from tests.test_build_mechanics import jobs_from

    content = {"2018/tongbao/a.docx": "A", "2018/b.xlsx": "B", "c.xlsx": "C"}
    if fault == "read-only":  # (chmod does not stop root, who runs these tests in CI: the system's answer)

        def replace(src, dst):
            raise OSError(errno.EROFS, "Read-only file system")

        monkeypatch.setattr(os, "replace", replace)
    else:

        def fsync(fd):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", fsync)
    outcome = run_build(Workspace(data_dir=ROOT / "plan_data"), jobs_from(content), tmp_path)
    lines = failures(outcome)
    assert sorted(p for p, _ in outcome.failed) == sorted([*content, RECORD])
    assert len(lines) == len(content) + 1
    for path in [*content, RECORD]:
        assert [ln for ln in lines if ln.startswith(f"失败 {path}：无法写入")], lines
    assert not [p for p in tmp_path.rglob(".~*")]


def test_a_killed_builds_temporary_file_is_removed_by_the_next(tmp_path):
    from qdocgen.build import run_build
    from qdocgen.workspace import Workspace
    from tests.test_build_mechanics import jobs_from

    ws = Workspace(data_dir=ROOT / "plan_data")
    (tmp_path / "2018").mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stray = tmp_path / "2018" / f".~a.docx.{int(dead.stdout)}.k3j4h5g6.tmp"
    stray.write_bytes(b"half")
    alive = tmp_path / "2018" / f".~b.docx.{os.getpid()}.abcdefgh.tmp"  # a build writing right now
    alive.write_bytes(b"being written")
    assert run_build(ws, jobs_from({"2018/a.docx": "A"}), tmp_path).ok
    assert not stray.exists() and alive.exists()
    assert any("临时文件" in w for w in ws.warnings)
