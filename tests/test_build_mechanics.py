"""The build's mechanics on simple jobs: skipping, safe writes, interruption, the record."""

from __future__ import annotations

import json
import os

import pytest

from qdocgen.build import RECORD, Job, run_build
from qdocgen.errors import UserError
from qdocgen.workspace import Workspace

from conftest import DATA


def jobs_from(content: dict[str, str], made: list[str] | None = None, explode: str | None = None):
    def job(path, text):
        def make():
            if path == explode:
                raise KeyboardInterrupt
            if made is not None:
                made.append(path)
            return text.encode("utf-8")

        return Job(path=path, title=path, shows=lambda: text, make=make)

    return [job(p, t) for p, t in content.items()]


@pytest.fixture
def ws():
    return Workspace(data_dir=DATA)


CONTENT = {"2018/通报/a.docx": "A", "2018/通报/b.docx": "B", "2018/填报表/c.xlsx": "C", "任务分解表.xlsx": "T"}


def test_first_build_makes_everything_and_records_it(ws, tmp_path):
    outcome = run_build(ws, jobs_from(CONTENT), tmp_path)
    assert sorted(p for p, _ in outcome.made) == sorted(CONTENT)
    assert all(reason == "新文件" for _, reason in outcome.made)
    record = json.loads((tmp_path / RECORD).read_text(encoding="utf-8"))
    assert set(record["outputs"]) == set(CONTENT)
    assert "plan_data/plan.yaml" in " ".join(record["inputs"])
    assert (tmp_path / "2018/通报/a.docx").read_text(encoding="utf-8") == "A"


def test_noop_rebuild_touches_no_file(ws, tmp_path):
    run_build(ws, jobs_from(CONTENT), tmp_path)
    stamps = {p: os.stat(p).st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    made: list[str] = []
    outcome = run_build(ws, jobs_from(CONTENT, made), tmp_path)
    assert made == [] and outcome.made == []
    assert len(outcome.kept) == len(CONTENT)
    assert {p: os.stat(p).st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == stamps


def test_only_changed_documents_are_remade(ws, tmp_path):
    run_build(ws, jobs_from(CONTENT), tmp_path)
    changed = dict(CONTENT, **{"2018/通报/b.docx": "B2"})
    made: list[str] = []
    outcome = run_build(ws, jobs_from(changed, made), tmp_path)
    assert made == ["2018/通报/b.docx"]
    assert (tmp_path / "2018/通报/b.docx").read_text(encoding="utf-8") == "B2"
    assert outcome.made[0][1]


def test_deleted_or_altered_output_is_remade(ws, tmp_path):
    run_build(ws, jobs_from(CONTENT), tmp_path)
    (tmp_path / "2018/通报/a.docx").unlink()
    (tmp_path / "任务分解表.xlsx").write_bytes(b"edited by a clerk")
    outcome = run_build(ws, jobs_from(CONTENT), tmp_path)
    made = dict(outcome.made)
    assert made["2018/通报/a.docx"] == "文件缺失"
    assert made["任务分解表.xlsx"].startswith("文件在上次生成后被改动过；原文件不是上次生成的")
    assert (tmp_path / "任务分解表（改动备份）.xlsx").read_bytes() == b"edited by a clerk"  # nothing lost
    assert (tmp_path / "任务分解表.xlsx").read_text(encoding="utf-8") == "T"


def test_a_file_the_build_never_made_is_kept_aside_not_overwritten(ws, tmp_path):
    (tmp_path / "2018/通报").mkdir(parents=True)
    (tmp_path / "2018/通报/a.docx").write_bytes(b"mine")
    (tmp_path / "2018/通报/a（改动备份）.docx").write_bytes(b"older")
    run_build(ws, jobs_from(CONTENT), tmp_path)
    assert (tmp_path / "2018/通报/a（改动备份2）.docx").read_bytes() == b"mine"
    assert (tmp_path / "2018/通报/a（改动备份）.docx").read_bytes() == b"older"


def test_written_files_keep_ordinary_permissions(ws, tmp_path):
    old = os.umask(0o022)
    try:
        run_build(ws, jobs_from(CONTENT), tmp_path)
    finally:
        os.umask(old)
    assert oct((tmp_path / "任务分解表.xlsx").stat().st_mode & 0o777) == oct(0o644)
    (tmp_path / "任务分解表.xlsx").chmod(0o664)
    run_build(ws, jobs_from(dict(CONTENT, **{"任务分解表.xlsx": "T2"})), tmp_path)
    assert oct((tmp_path / "任务分解表.xlsx").stat().st_mode & 0o777) == oct(0o664)


def test_unwritable_file_is_reported_and_the_rest_are_made(ws, tmp_path, monkeypatch):
    locked = tmp_path / "2018/通报/a.docx"
    real_replace = os.replace

    def replace(src, dst):
        if os.fspath(dst) == os.fspath(locked):
            raise PermissionError(13, "Permission denied")  # as Windows says for a file open in Word
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    outcome = run_build(ws, jobs_from(CONTENT), tmp_path)
    assert not outcome.ok
    assert [p for p, _ in outcome.failed] == ["2018/通报/a.docx"]
    assert "正被 Word、WPS、Excel 打开" in outcome.failed[0][1]
    assert len(outcome.made) == len(CONTENT) - 1
    assert not locked.exists()
    assert not [p for p in tmp_path.rglob(".~*")], "no temporary file is left behind"


def test_a_folder_where_a_file_should_go(ws, tmp_path):
    (tmp_path / "任务分解表.xlsx").mkdir()
    outcome = run_build(ws, jobs_from(CONTENT), tmp_path)
    assert [p for p, _ in outcome.failed] == ["任务分解表.xlsx"]
    assert "无法写入" in outcome.failed[0][1]


def test_interrupted_build_leaves_no_half_file_and_the_next_one_finishes(ws, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run_build(ws, jobs_from(CONTENT, explode="2018/填报表/c.xlsx"), tmp_path)
    assert (tmp_path / "2018/通报/a.docx").is_file()
    assert not (tmp_path / "2018/填报表/c.xlsx").exists()
    assert not [p for p in tmp_path.rglob(".~*")]
    made: list[str] = []
    run_build(ws, jobs_from(CONTENT, made), tmp_path)
    assert made == ["2018/填报表/c.xlsx", "任务分解表.xlsx"]


def test_interrupted_write_keeps_the_old_file(ws, tmp_path, monkeypatch):
    run_build(ws, jobs_from(CONTENT), tmp_path)

    def boom(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        run_build(ws, jobs_from(dict(CONTENT, **{"2018/通报/a.docx": "A2"})), tmp_path)
    assert (tmp_path / "2018/通报/a.docx").read_text(encoding="utf-8") == "A"
    assert not [p for p in tmp_path.rglob(".~*")]


@pytest.mark.parametrize(
    "bad", ["../escape.docx", "/etc/passwd", "2018/../../x.docx", "2018/a:b.docx", "2018/CON.docx"]
)
def test_paths_outside_the_output_folder_are_refused_before_writing(ws, tmp_path, bad):
    out = tmp_path / "out"
    with pytest.raises(UserError):
        run_build(ws, jobs_from({"ok.docx": "x", bad: "y"}), out)
    assert not out.exists()


def test_the_fingerprint_text_is_canonical_and_takes_every_value_json_took():
    """canonical_json (orjson, json for what orjson refuses): key order does not matter, every
    change of value does, and values orjson cannot write (an integer beyond 64 bits, a set, a
    period, bytes) are still written, never a crash."""
    from qdocgen.build import canonical_json
    from qdocgen.figures.period import Period
    from qdocgen.render.spans import Span

    a = {"b": [1, 2.5, None, True, "乙"], "a": {"y": Span(2, "task 1", 2), "x": "甲"}, 3: "int key"}
    b = {3: "int key", "a": {"x": "甲", "y": 2}, "b": [1, 2.5, None, True, "乙"]}
    assert canonical_json(a) == canonical_json(b)
    variants = [
        {**b, "b": [1.0, 2.5, None, True, "乙"]},  # 1 → 1.0
        {**b, "b": [1, 2.5, None, False, "乙"]},
        {**b, "b": [1, 2.5, 0, True, "乙"]},
        {**b, "b": [1, 2.5, None, True, "乙 "]},
        {**b, "a": {"x": "甲", "y": 3}},
        {**b, 3: "int key", "3": "another"},
    ]
    texts = {canonical_json(v) for v in variants} | {canonical_json(b)}
    assert len(texts) == len(variants) + 1
    huge = {"n": 10**30, "s": {"乙", "甲"}, "p": Period(2018), "d": b"\x00\x01"}
    text = canonical_json(huge)  # orjson refuses the integer: json writes it all
    assert b"1000000000000000000000000000000" in text and canonical_json({**huge, "n": 10**30 + 1}) != text
    assert json.loads(canonical_json({"s": {"甲", "乙"}}))["s"] == sorted(["甲", "乙"])  # a set, in order
    with pytest.raises(TypeError):
        canonical_json({"x": object()})
    # As json had it: a dataclass other than a period is refused (not written field by field, which
    # would drop its _private fields), a period is its key, a time its ISO text.
    from dataclasses import dataclass
    from datetime import datetime

    @dataclass
    class Other:
        a: int
        _b: int

    with pytest.raises(TypeError):
        canonical_json({"x": Other(1, 2)})
    assert canonical_json([Period(2018)]) == json.dumps([Period(2018).key]).encode()
    when = datetime(2019, 1, 15, 9, 30)
    assert json.loads(canonical_json({"t": when})) == {"t": when.isoformat()}


def test_ctrl_c_again_while_the_files_are_waited_for_still_saves_the_record(ws, tmp_path, monkeypatch):
    """Ctrl-C, then Ctrl-C again while the build waits for the files being written (a slow disk):
    the record still names every file now in place, so the next build knows them as its own."""
    import signal
    import threading
    import time

    from qdocgen.storage import background

    real = background.write_atomic
    main = threading.main_thread().ident
    late = {"2018/填报表/c.xlsx": ["2018/通报/a.docx", "2018/通报/b.docx"], "任务分解表.xlsx": ["2018/填报表/c.xlsx"]}

    def ctrl_c_then_write(path, data):
        rel = path.relative_to(tmp_path).as_posix()
        if rel in late:  # once the files before it are in place, and the build waits for this one
            deadline = time.monotonic() + 10
            while not all((tmp_path / p).exists() for p in late[rel]) and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)
            signal.pthread_kill(main, signal.SIGINT)
            time.sleep(0.3)
        return real(path, data)

    monkeypatch.setattr(background, "write_atomic", ctrl_c_then_write)
    with pytest.raises(KeyboardInterrupt):
        run_build(ws, jobs_from(CONTENT), tmp_path)
    assert (tmp_path / RECORD).is_file(), "the record was not saved"
    record = json.loads((tmp_path / RECORD).read_text(encoding="utf-8"))
    assert set(record["outputs"]) == set(CONTENT)  # every file given was written, and is recorded
    assert all((tmp_path / p).is_file() for p in CONTENT)  # (before the build returned)


def test_a_disk_slower_than_the_build_never_has_it_hold_more_than_a_few_documents(ws, tmp_path, monkeypatch):
    """The documents' files are written beside the build (storage/background.py); on a slow disk (a
    USB stick, a network share) the build waits rather than keep every document's bytes in memory."""
    import threading
    import time

    from qdocgen import build
    from qdocgen.storage import background

    real, lock = background.write_atomic, threading.Lock()
    state = {"made": 0, "written": 0, "most": 0}

    def slow_disk(path, data):
        time.sleep(0.03)
        done = real(path, data)
        with lock:
            state["written"] += 1
        return done

    def job(i):
        def make():
            with lock:
                state["most"] = max(state["most"], state["made"] - state["written"])
                state["made"] += 1
            return f"{i}".encode()

        return Job(path=f"d/{i}.docx", title=str(i), shows=lambda: str(i), make=make)

    monkeypatch.setattr(background, "write_atomic", slow_disk)
    monkeypatch.setattr(build, "WRITES_HELD", 3)
    outcome = run_build(ws, [job(i) for i in range(24)], tmp_path, workers=1)
    assert [p for p, _ in outcome.made] == [f"d/{i}.docx" for i in range(24)]
    assert state["written"] == 24 and state["most"] <= 3 + 1  # (the one being made)
