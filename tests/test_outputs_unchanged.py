"""The bundled data's documents, byte for byte as tests/bundled_outputs.sha256 lists them.

Work on speed must leave every document as it was (issue 25): this builds the bundled data in a
new process, as a user does (from a copy of plan_data with a fixed signing key), and compares
each file's SHA-256 with the list. A change meant to change documents (a template, a wording,
a rounding rule) updates the list in the same commit:

    python tests/test_outputs_unchanged.py      # rewrites the list from a fresh build

and the list's diff shows which documents it changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST = Path(__file__).resolve().parent / "bundled_outputs.sha256"
RECORD = "构建记录.json"  # times of day: not a document


# The forms are signed with the workspace's key (figures/signature.py), made at random on first
# use and never committed: the build here uses a copy of the bundled data with this fixed one.
TEST_KEY = "# qdocgen 测试用签名密钥：只用于 tests/test_outputs_unchanged.py\n" + "5a" * 32 + "\n"


def built(out: Path) -> dict[str, str]:
    """Build the bundled data (with TEST_KEY) into `out` in a new process; each document's path and SHA-256."""
    from qdocgen.figures.signature import KEY_NAME

    data = out.parent / "plan_data"
    shutil.copytree(ROOT / "plan_data", data, ignore=shutil.ignore_patterns(KEY_NAME, ".~*"))
    (data / KEY_NAME).write_text(TEST_KEY, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("SOURCE_DATE_EPOCH", None)  # it dates the documents' properties: the list has the default
    done = subprocess.run(
        [sys.executable, "-m", "qdocgen", "--data", str(data), "--templates", str(ROOT / "templates")]
        + ["build", "-q", "-o", str(out)],
        cwd=out.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != RECORD
    }


def listed() -> dict[str, str]:
    out = {}
    for line in LIST.read_text(encoding="utf-8").splitlines():
        digest, path = line.split("  ", 1)
        out[path] = digest
    return out


def test_every_bundled_document_is_byte_for_byte_as_listed(tmp_path):
    got, want = built(tmp_path / "out"), listed()
    assert sorted(got) == sorted(want), "documents made differ from the list"
    changed = [path for path in want if got[path] != want[path]]
    assert not changed, f"{len(changed)} documents changed: {changed[:5]} (meant? see this file's docstring)"


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        digests = built(Path(tmp) / "out")
    LIST.write_text("".join(f"{d}  {p}\n" for p, d in digests.items()), encoding="utf-8")
    print(f"{LIST}: {len(digests)} documents")
