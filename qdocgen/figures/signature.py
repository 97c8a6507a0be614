"""Form signatures: a form cannot be passed off as another district's or another period's.

Every form qdocgen makes records, besides its district, period and a digest of its targets (see
figures/forms.py), a signature of those three: an HMAC-SHA256 made with a key that stays in the
workspace, in the plan data folder (`KEY_NAME`), created the first time a form is made. The key
is never written into a form, so whoever edits a form (its district stamps, its file name, its
period, its targets and their digest) cannot make a signature that matches; `qdocgen collect`
refuses such a form, naming what was changed. A form without a signature was issued before
signatures existed: it is read, with a note. See docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from qdocgen.figures.period import PARTS, Period

KEY_NAME = "签名密钥（勿外发）.key"
_HEADER = (
    "# qdocgen 填报表签名密钥：用来核实交回的填报表确是本单位下发给该区、该时段的。\n"
    "# 只留在本工作区，不要发给任何人、不要放进填报表或邮件；丢失或泄露后请删除本文件，\n"
    "# 重新生成并下发填报表（之前下发的表格将无法核实）。\n"
)
_VERSION = "qdocgen-form-1"


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_NAME


def load_key(data_dir: Path, *, create: bool = False) -> bytes | None:
    """The workspace's signing key; with `create`, made on first use (None when there is none, or
    the folder cannot hold one: forms are then made unsigned, as before signatures existed)."""
    path = key_path(data_dir)
    key = _read(path)
    if key is not None or not create or not Path(data_dir).is_dir():
        return key
    text = _HEADER + secrets.token_hex(32) + "\n"
    tmp = path.with_name(f".~{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        try:
            os.link(tmp, path)  # never replaces a key another command made at the same moment
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    except OSError:
        return None
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                key = bytes.fromhex(line)
            except ValueError:
                return None
            return key if len(key) >= 16 else None
    return None


def sign(key: bytes, who: str, period: Period, digest: str) -> str:
    """The signature of a form of `who` (a district's name or 全市) for `period` with targets `digest`."""
    message = "|".join((_VERSION, who, period.key, digest)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def matches(key: bytes, who: str, period: Period, digest: str, signature: str) -> bool:
    return hmac.compare_digest(sign(key, who, period, digest), signature.strip().lower())


def what_changed(key: bytes, plan, who: str, period: Period, digest: str, signature: str, digest_of) -> str:
    """What was changed on a form whose signature does not match, found by trying every district
    and period of the plan (`digest_of(who, period)`: the targets digest of that form today)."""
    units = [*plan.district_names, "全市"]
    periods = [Period(year, part) for year in plan.years for part in PARTS]
    for w in units:
        for p in periods:
            if matches(key, w, p, digest, signature):
                changed = []
                if w != who:
                    changed.append(f"区由“{w}”改为“{who}”")
                if p != period:
                    changed.append(f"时段由“{p.words}”改为“{period.words}”")
                return "、".join(changed)
    for w in units:
        for p in periods:
            if matches(key, w, p, digest_of(w, p), signature):
                where = "" if (w, p) == (who, period) else f"，区和时段原为“{w}”“{p.words}”"
                return f"目标值摘要被改动（表格记录的目标与下发时不同{where}）"
    return "区、时段或目标值摘要被改动，或此表不是本工作区下发的"
