"""The receipt register (收件记录): every form `collect` received, taken in or refused, and why.

Beside each figures file `figures/2018.csv` lies `figures/2018.收件记录.csv` (UTF-8 with BOM, for
Excel), appended to, never rewritten: one line per form whose district and period could be read,
saying when, which file (name, SHA-256, its own save time), 导入 or 退回, and for a refused form
the reasons. `qdocgen missing` reads the last line of each district to tell "no form received"
from "form received and refused, because …". A dry run writes nothing; a batch refused whole
(without --partial) records the forms that had problems, not the good ones held back with them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from qdocgen.figures.period import Period
from qdocgen.figures.store import RECEIPTS_SUFFIX, decode_text, figures_dir, read_text, safe_text

COLUMNS = ("时间", "区", "来源文件", "SHA-256", "表格保存时间", "结果", "原因")
TAKEN = "导入"
REFUSED = "退回"
MAX_REASONS = 3  # the first problems of a refused form; the rest are in collect's own output


@dataclass(frozen=True)
class Receipt:
    """One form received: whose (a district or 全市), which file, taken in or refused, and why."""

    time: str
    who: str
    file: str
    result: str
    reason: str = ""

    @property
    def refused(self) -> bool:
        return self.result == REFUSED


def receipts_file(data_dir: Path, period: Period) -> Path:
    return figures_dir(data_dir) / f"{period.key}{RECEIPTS_SUFFIX}.csv"


def files(data_dir: Path, forms, *, batch_refused: bool = False) -> list[tuple[Path, bytes]]:
    """Each period's register with a line added for each form of a collect whose district and
    period are known, as (path, new bytes): written by the caller, with the figures in one commit.

    `batch_refused`: the whole batch was refused for some forms' problems; the forms without
    problems were not refused for themselves and are not recorded."""
    from qdocgen.figures.log import now, shown_time

    moment = shown_time(now())
    lines: dict[Period, list[list[str]]] = {}
    for form in forms:
        if form.who is None or form.period is None or (batch_refused and not form.problems):
            continue
        reasons = [f"{p.place} {p.message}" if p.place else p.message for p in form.problems[:MAX_REASONS]]
        if len(form.problems) > MAX_REASONS:
            reasons.append(f"等 {len(form.problems)} 个问题")
        row = [
            moment,
            form.who,
            form.path.name,
            form.sha256,
            shown_time(form.saved),
            REFUSED if form.problems else TAKEN,
            "；".join(reasons),
        ]
        lines.setdefault(form.period, []).append([safe_text(v) for v in row])
    out = []
    for period, rows in sorted(lines.items()):
        path = receipts_file(data_dir, period)
        before = path.read_bytes() if path.is_file() else b""
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\r\n")
        if not before.strip(b"\xef\xbb\xbf\r\n "):
            writer.writerow(COLUMNS)
            before = b"\xef\xbb\xbf"
        elif not before.endswith(b"\n"):
            before += b"\r\n"
        writer.writerows(rows)
        out.append((path, before + buf.getvalue().encode("utf-8")))
    return out


def latest(data_dir: Path, period: Period) -> dict[str, Receipt]:
    """The last receipt of each district (and 全市) in `period`; {} without a register.
    An unreadable register counts as none: it only refines what `missing` says."""
    path = receipts_file(data_dir, period)
    if not path.is_file():
        return {}
    try:
        text = decode_text(path.read_bytes(), str(path))
    except Exception:  # noqa: BLE001 - see above
        return {}
    out: dict[str, Receipt] = {}
    for row in csv.DictReader(io.StringIO(text, newline="")):
        cell = {k: read_text((row.get(k) or "").strip()) for k in COLUMNS}
        if cell["区"]:
            out[cell["区"]] = Receipt(cell["时间"], cell["区"], cell["来源文件"], cell["结果"], cell["原因"])
    return out
