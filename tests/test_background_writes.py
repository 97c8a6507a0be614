"""storage/background.py: files written beside the caller, their outcomes handed back in order."""

from __future__ import annotations

import os
import threading
import time

from qdocgen.errors import UserError
from qdocgen.storage import atomic
from qdocgen.storage.background import BackgroundWrites


def test_outcomes_come_back_in_the_order_given_whatever_order_the_disk_finishes(tmp_path, monkeypatch):
    real = atomic.write_atomic
    release = threading.Event()

    def slow_first(path, data):
        if path.name == "0.txt":
            release.wait(5)  # the first file is the last to be written
        return real(path, data)

    monkeypatch.setattr("qdocgen.storage.background.write_atomic", slow_first)
    seen: list = []
    writes = BackgroundWrites()
    for i in range(6):
        writes.submit(tmp_path / f"{i}.txt", str(i).encode(), lambda outcome, i=i: seen.append((i, outcome)))
        if i == 2:
            writes.after(lambda: seen.append("after 2"))
    deadline = time.monotonic() + 10
    while not all((tmp_path / f"{i}.txt").exists() for i in range(1, 6)) and time.monotonic() < deadline:
        writes.settle()  # files 1…5 are written meanwhile; nothing is handed back before file 0
        time.sleep(0.01)
    writes.settle()
    assert seen == []
    assert (tmp_path / "5.txt").read_bytes() == b"5"
    release.set()
    writes.settle(wait=True)
    writes.close()
    assert seen == [(0, True), (1, True), (2, True), "after 2", (3, True), (4, True), (5, True)]


def test_a_file_that_cannot_be_written_is_its_own_outcome_and_the_others_are_written(tmp_path):
    (tmp_path / "same.txt").write_bytes(b"same")
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"a file where a folder should be")
    seen: dict = {}
    writes = BackgroundWrites()
    writes.submit(tmp_path / "new.txt", b"new", lambda o: seen.update(new=o))
    writes.submit(blocked / "x.txt", b"x", lambda o: seen.update(blocked=o))
    writes.submit(tmp_path / "same.txt", b"same", lambda o: seen.update(same=o))
    writes.settle(wait=True)
    writes.close()
    assert seen["new"] is True and seen["same"] is False  # False: the file already had these bytes
    assert isinstance(seen["blocked"], UserError) and "blocked" in str(seen["blocked"])
    assert (tmp_path / "new.txt").read_bytes() == b"new"


def test_many_new_files_at_once_keep_the_umask_and_its_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        writes = BackgroundWrites()
        for i in range(40):
            writes.submit(tmp_path / f"d{i % 4}" / f"{i}.txt", b"x", lambda o: None)
        writes.settle(wait=True)
        writes.close()
        assert os.umask(0o022) == 0o022  # still in place (setting it to read it, threads could leave 0)
    finally:
        os.umask(old)
    modes = {oct(p.stat().st_mode & 0o777) for p in tmp_path.rglob("*.txt")}
    folders = {oct(p.stat().st_mode & 0o777) for p in tmp_path.iterdir()}
    assert modes == {oct(0o644)} and folders == {oct(0o755)}
