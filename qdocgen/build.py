"""`qdocgen build`: every document, remade only where its inputs changed, written safely.

The story of a build, in order:
1. load and validate the plan and every figure (nothing is written if they are invalid);
2. list the documents to make (jobs), each with the data it shows and the templates it uses;
3. for each job, compare a fingerprint of those inputs with the build record; remake only
   the documents whose fingerprint changed or whose file is missing or was altered;
4. write each file under a temporary name and rename it into place; save the build record
   every few seconds and at the end (also when interrupted), so the next build finishes an
   interrupted one (a file written but not yet recorded is recognised by its bytes).

A large build (POOL_MIN jobs or more) fingerprints and makes its documents in worker processes,
one per core (forked, so they share the loaded plan, figures and evaluations; each worker kept to
one kind of document as far as the work allows, build_pool.py); the parent alone
writes files and the record, in the jobs' order, so the output is the same as a serial build's.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import orjson

from qdocgen import __version__, build_inputs, build_pool
from qdocgen.config import CONFIG_NAME
from qdocgen.errors import UserError, os_error_text
from qdocgen.figures.period import Period
from qdocgen.figures.store import Figure
from qdocgen.jobs import Job
from qdocgen.plan.model import CITY
from qdocgen.renamed import retire_renamed
from qdocgen.render import names
from qdocgen.safe_names import all_inside
from qdocgen.storage import temporaries
from qdocgen.storage.atomic import move_aside, write_atomic
from qdocgen.storage.background import BackgroundWrites
from qdocgen.workspace import Workspace

__all__ = ["RECORD", "Job", "Outcome", "Record", "run_build", "summarise"]

RECORD = "构建记录.json"
# Jobs from which a build uses a process per core. Each worker prepares only the kinds of document
# it makes (build_pool.py), so a pool costs little more than its forks: a rebuild of the bundled
# 80 documents after one corrected figure takes 1.35 s in two processes, 1.95 s in one.
POOL_MIN = 20
SAVE_EVERY = 2.0  # seconds between saves of the build record during a build, at least
SAVE_SHARE = 0.05  # and no more of the build's time than this spent saving it (a province's record is large)
# Documents made whose files are not yet on disk (storage/background.py), at most: their bytes are held
# meanwhile, and a disk slower than the workers (a USB stick, a network share) would have the build hold them all.
WRITES_HELD = 32


@dataclass
class Outcome:
    """What a build did, for the summary and the exit code."""

    made: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    kept: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    pdf_failed: list[tuple[str, str]] = field(default_factory=list)
    figure_changes: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)  # old names of documents made under new ones (renamed.py)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.pdf_failed


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json_default(value):
    if isinstance(value, Period):
        return value.key
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return sha256(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not JSON-able: {type(value).__name__}")


def fingerprint(job: Job, template_hashes: dict[Path, str], config_hash: str, shown: object = None) -> str:
    """A hash of everything that decides the document's bytes (`shown`: what job.shows gave)."""
    data = {
        "version": __version__,
        "shows": job.shown(job.prepare()) if shown is None else shown,
        "templates": [template_hashes[t] for t in job.templates],
        "config": config_hash,
        "epoch": os.environ.get("SOURCE_DATE_EPOCH", ""),
    }
    return sha256(canonical_json(data))


# Dataclasses and dates go to _json_default, as with json (a period by its key, any other
# dataclass refused), not written field by field.
_ORJSON = (
    orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)


def canonical_json(data: object) -> bytes:
    """`data` as JSON with sorted keys, for a hash: by orjson, a quarter of the standard library's
    time (a build fingerprints 6 MB of contexts, 0.2 s of CPU with `json`); by `json` for what orjson
    refuses (an integer beyond 64 bits, a key it cannot write), so that nothing is ever unhashable
    that was hashable before. Both write the same values the same way each time, which is all a
    fingerprint needs (the two need not agree with each other). orjson writes NaN as null: figures
    are finite (figures/values.py refuses the rest), and so is every number derived from them."""
    try:
        return orjson.dumps(data, option=_ORJSON, default=_json_default)
    except orjson.JSONEncodeError:
        return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_json_default).encode("utf-8")


class Record:
    """The build record in the output folder: inputs' hashes, and each output's origin."""

    def __init__(self, path: Path):
        self.path = path
        self.data: dict = {"qdocgen": __version__, "inputs": {}, "figures": {}, "outputs": {}}
        self.damaged = False  # a record there that could not be used (said by the build)
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = None
            if _well_formed(loaded):
                self.data.update(loaded)
            else:
                # Unreadable, or a field of another type (edited, or from another program): no record.
                # Everything is remade in memory; files whose bytes come out the same are left alone
                # (never moved aside as altered), others are kept as 改动备份 (build._keep_foreign_file).
                self.damaged = True

    def output(self, rel: str) -> dict | None:
        entry = self.data["outputs"].get(rel)
        return entry if isinstance(entry, dict) else None

    def save(self) -> None:
        blob = json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        write_atomic(self.path, blob.encode("utf-8"))


def _well_formed(data: object) -> bool:
    """Whether a loaded build record has every field of the type the build reads it as."""

    def mapping(value, check=lambda v: True) -> bool:
        return isinstance(value, dict) and all(isinstance(k, str) and check(v) for k, v in value.items())

    def output(v) -> bool:
        return isinstance(v, dict) and all(isinstance(v.get(k, ""), str) for k in ("sha256", "fingerprint"))

    def figure(v) -> bool:
        number = v[0] is None or (isinstance(v[0], (int, float)) and not isinstance(v[0], bool))
        return number and isinstance(v[1], str)

    if not isinstance(data, dict) or not mapping(data.get("outputs"), output):
        return False
    figures_ok = mapping(
        data.get("figures", {}), lambda per: mapping(per, lambda v: isinstance(v, list) and len(v) == 2 and figure(v))
    )
    return (
        figures_ok
        and mapping(data.get("inputs", {}), lambda v: isinstance(v, str))
        and mapping(data.get("written", {}), lambda v: isinstance(v, str))
        and mapping(data.get("settings", {}), lambda v: v is None or isinstance(v, str))
        and isinstance(data.get("template_names", {}), dict)
        and isinstance(data.get(build_inputs.KEY, ""), str)
        and isinstance(data.get("qdocgen", ""), str)
    )


def figure_snapshot(ws: Workspace) -> dict[str, dict[str, list]]:
    """Every stored figure, by period key, as 'district|row|measure' → [value, note]."""
    out: dict[str, dict[str, list]] = {}
    for period, figures in ws.figures.periods.items():
        out[period.key] = {_figure_key(f): [f.value, f.note] for f in figures}
    return out


def _figure_key(f: Figure) -> str:
    return f"{f.district or CITY}|{f.row}|{f.measure}"


def figure_changes(old: dict, new: dict) -> list[tuple[str, str | None, str]]:
    """(period key, district or None, message) for each figure that differs between snapshots.

    Figures are quoted exactly as stored (never rounded for display), so a change is never
    reported as '80 → 80' or a figure just under its target as the target itself."""
    from qdocgen.figures.values import format_value as number

    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, {}), new.get(key, {})
        for fkey in sorted(set(before) | set(after), key=lambda k: (int(k.split("|")[1]), k)):
            b, a = before.get(fkey), after.get(fkey)
            if b == a:
                continue
            district, _, measure = fkey.split("|", 2)
            label = f"{district} {Period.from_key(key).words} {measure}"
            if b is None:
                msg = f"{label}：新增 {number(a[0]) or '（空）'}"
            elif a is None:
                msg = f"{label}：已删除（原为 {number(b[0])}）"
            elif b[0] != a[0]:
                msg = f"{label}：{number(b[0]) or '（空）'} → {number(a[0]) or '（空）'}"
            else:
                msg = f"{label}：说明已修改"
            changes.append((key, None if district == CITY else district, msg))
    return changes


def _outputs_as_they_are(jobs: list[Job], out_dir: Path) -> list[tuple[str, str | None]]:
    """Each job's file and the sha256 of its bytes now (None: missing or unreadable)."""
    out = []
    for job in jobs:
        try:
            out.append((job.path, sha256((out_dir / job.path).read_bytes())))
        except OSError:
            out.append((job.path, None))
    return out


def _reason(
    job: Job,
    entry: dict | None,
    out_file: Path,
    fp: str,
    force: bool,
    changes,
    template_changed,
    others=(),
    written: str | None = None,
) -> str | None:
    """Why a job must be remade, or None if its file is up to date (`written`: the SHA-256 of what
    a command wrote at its path since the last build, if one did)."""
    if force:
        return "--force"
    if entry is None:
        return "新文件"
    if not out_file.is_file():
        return "文件缺失"
    if entry.get("fingerprint") == fp:
        current = sha256(out_file.read_bytes())
        if current == written:
            return "文件由 qdocgen notice、table 等命令另行生成过"
        if entry.get("sha256") != current:
            return "文件在上次生成后被改动过"
        return None
    why = []
    if job.period is not None:
        related = [
            m for key, d, m in changes if key == job.period.key and (job.district is None or d in (None, job.district))
        ]
        if related:
            shown = "；".join(related[:5]) + (f" 等 {len(related)} 项" if len(related) > 5 else "")
            why.append(f"完成值变化（{shown}）")
        if not related and job.district is not None:
            # a district's document shows its rank and those it ties with: another's figure moves them
            elsewhere = [m for key, d, m in changes if key == job.period.key and d not in (None, job.district)]
            if elsewhere:
                shown = "；".join(elsewhere[:3]) + (f" 等 {len(elsewhere)} 项" if len(elsewhere) > 3 else "")
                why.append(f"其他区完成值变化，排名随之变化（{shown}）")
        earlier = [m for key, d, m in changes if _period_key_before(key, job.period)]
        if earlier and not related:
            shown = "；".join(earlier[:3]) + (f" 等 {len(earlier)} 项" if len(earlier) > 3 else "")
            why.append(f"此前时段完成值变化，与上一时段的比较随之变化（{shown}）")
    changed_templates = [t.name for t in job.templates if template_changed(t)]
    if changed_templates:
        why.append("模板变化（" + "、".join(changed_templates) + "）")
    why += others
    return "；".join(why) or "计划数据、配置或相关完成值变化"


def _period_key_before(key: str, period) -> bool:
    """Whether the period named `key` (2018, 2019-H1) ended before `period`."""
    other = Period.from_key(key)
    return other is not None and other.end < period.end


def _other_changes(ws: Workspace, old_inputs: dict, new_inputs: dict, old_settings, settings) -> list[str]:
    """The changed inputs besides figures and templates, named for the reasons of remade files:
    plan.yaml, qdocgen.toml and the 成文日期 given on the command line."""
    out = []
    if old_inputs:  # (without a record every file is new, and says so)
        for path in (Path(ws.data_dir) / "plan.yaml", ws.root / CONFIG_NAME):
            name = _input_name(ws, path)
            if old_inputs.get(name) != new_inputs.get(name):
                out.append(f"{path.name} 变化")
    if isinstance(old_settings, dict) and settings is not None:
        before, after = old_settings.get("date"), settings.get("date")
        if before != after:
            out.append(f"成文日期变化（--date {before or '未设定'} → {after or '未设定'}）")
    return out


def run_build(
    ws: Workspace,
    jobs: Iterable[Job],
    out_dir: Path,
    *,
    force: bool = False,
    pdf: bool = False,
    echo: Callable[[str], None] = print,
    progress: Callable[[list[Job]], Iterable[Job]] = lambda jobs: jobs,
    pdf_progress: Callable[[Iterable, int], Iterable] = lambda items, count: items,
    workers: int | None = None,
    settings: dict | None = None,
) -> Outcome:
    """Make the documents of `jobs` that are out of date; report what was made and why.

    `workers`: processes making documents (default: one per core for POOL_MIN jobs or more,
    else 1; the environment variable QDOCGEN_WORKERS overrides the default).
    `settings`: every option that decides the jobs' documents besides the workspace's files (the
    command's --date, --year, …). Given, a build whose inputs all match the last complete build's
    and whose files are all as it wrote them keeps everything without building a context
    (`build_inputs`); None: every job is fingerprinted from its context.
    """
    jobs = list(jobs)
    all_inside(out_dir, [job.path for job in jobs])
    record = Record(out_dir / RECORD)
    outcome = Outcome()
    if record.damaged:
        ws.warnings.append(
            f"构建记录 {record.path} 已损坏或被改动过，按没有记录处理：各文件重新生成，内容不变的文件保持原样"
        )
    removed = temporaries.clean(out_dir, recursive=True)  # a killed build's, never a running one's
    if removed:
        ws.warnings.append(
            f"已删除上次被中断的生成留在 {out_dir} 中的 {len(removed)} 个临时文件（{removed[0].name} 等），其内容从未生效"
        )

    def save() -> None:
        """Save the record; a failure is one more file the build could not write, listed with the others."""
        try:
            _save(record, template_hashes)
        except UserError as exc:
            if RECORD not in (path for path, _ in outcome.failed):
                outcome.failed.append((RECORD, str(exc)))

    template_hashes: dict[Path, str] = {}
    template_states: dict[Path, tuple | None] = {}
    for job in jobs:
        for t in job.templates:
            if t not in template_hashes:
                template_states[t] = build_inputs.file_state(t)  # before its bytes: a later write is seen
                try:
                    template_hashes[t] = sha256(t.read_bytes())
                except OSError as exc:
                    raise UserError(f"无法读取模板 {t}：{os_error_text(exc)}") from None
    if record.data.get("qdocgen") == __version__:  # what each template version uses, found by an earlier build
        names.remember(record.data.get("template_names"))
    digest = None
    if settings is not None:
        digest = build_inputs.inputs_digest(ws.files_seen, jobs, template_hashes, settings)
        recorded = record.data.get(build_inputs.KEY)
        if (
            not force
            and digest is not None
            and recorded is not None
            and recorded == build_inputs.bound(digest, _outputs_as_they_are(jobs, out_dir))
        ):
            outcome.kept = [job.path for job in jobs]
            if pdf:
                _convert_pdfs(out_dir, record, outcome, outcome.kept, pdf_progress)
                save()
            return outcome
    record.data.pop(build_inputs.KEY, None)  # saved again only when this build completes

    old_figures = record.data.get("figures", {})
    # The figures of the periods this build makes documents for (all of them, unless --year): the
    # record keeps the others as the last build of their documents saw them, so a later build of
    # those still says which figures changed.
    built = {job.period.key for job in jobs if job.period is not None}
    current = json.loads(json.dumps(figure_snapshot(ws), default=_json_default))
    new_figures = {k: v for k, v in old_figures.items() if k not in built}
    new_figures.update({k: v for k, v in current.items() if k in built})
    changes = figure_changes(old_figures, new_figures) if record.data["outputs"] else []
    outcome.figure_changes = [m for _, _, m in changes]
    old_inputs = record.data.get("inputs", {})

    # Each template's name in the record, found once: resolving a path asks the system about each
    # of its folders, and every document's entry names its templates (80 entries, a few templates).
    template_names = {t: _input_name(ws, t) for t in template_hashes}

    def template_changed(t: Path) -> bool:
        return old_inputs.get(template_names[t]) not in (None, template_hashes[t])

    config_hash = _config_hash(ws)
    new_inputs = _input_hashes(ws, template_hashes, template_names)
    others = _other_changes(ws, old_inputs, new_inputs, record.data.get("settings"), settings)
    record.data["inputs"] = new_inputs
    if settings is not None:
        record.data["settings"] = {k: None if v is None else str(v) for k, v in sorted(settings.items())}
    record.data["figures"] = new_figures
    record.data["qdocgen"] = __version__
    old_fps = {job.path: (record.output(job.path) or {}).get("fingerprint") for job in jobs}
    work = _Work(ws, jobs, template_hashes, config_hash, old_fps, force)
    count = _worker_count(len(jobs)) if workers is None else max(1, workers)
    saved, wait = time.monotonic(), SAVE_EVERY
    results = work.results(count)
    writes = BackgroundWrites()  # each file waits for the disk beside this loop (storage/background.py)

    def written(job: Job, reason: str, data: bytes, fingerprint: str, outcome_of_write: bool | UserError) -> None:
        """A document's file written (or not): recorded, in the jobs' order."""
        if isinstance(outcome_of_write, UserError):
            outcome.failed.append((job.path, str(outcome_of_write)))
            return
        record.data.get("written", {}).pop(job.path, None)  # the build's entry says it now
        record.data["outputs"][job.path] = {
            "title": job.title,
            "fingerprint": fingerprint,
            "sha256": sha256(data),
            "made": _now(),
            "templates": [template_names[t] for t in job.templates],
            "period": job.period.key if job.period else None,
            "district": job.district,
        }
        if outcome_of_write:
            outcome.made.append((job.path, reason))
        else:  # remade in memory, came out byte for byte the same: the file is left alone
            outcome.kept.append(job.path)

    try:
        for job, result in zip(progress(jobs), results, strict=True):
            writes.settle(most=WRITES_HELD)
            target = out_dir / job.path
            entry = record.output(job.path)
            try:
                if result.error is not None:
                    raise UserError(result.error)
                reason = _reason(
                    job, entry, target, result.fingerprint, force, changes, template_changed, others,
                    record.data.get("written", {}).get(job.path),
                )  # fmt: skip
                if reason is None:
                    writes.after(partial(outcome.kept.append, job.path))
                    continue
                data = result.data if result.data is not None else job.made(job.prepare())
                backup = _keep_foreign_file(target, _made_here(record, job.path), data)
                if backup is not None:
                    reason += f"；原文件不是上次生成的（可能有人改动或填写过），已另存为 {backup.name}"
            except UserError as exc:
                writes.after(partial(outcome.failed.append, (job.path, str(exc))))
                continue
            writes.submit(target, data, partial(written, job, reason, data, result.fingerprint))
            if time.monotonic() - saved > wait:
                writes.settle(wait=True)  # the record only ever names files in place
                start = time.monotonic()  # (the files' wait is not the record's: it would only grow)
                save()
                saved = time.monotonic()
                wait = max(SAVE_EVERY, (saved - start) / SAVE_SHARE)
        writes.settle(wait=True)
        done = {path for path, _ in outcome.made} | set(outcome.kept)
        current = {job.path: record.output(job.path) for job in jobs if record.output(job.path)}
        outcome.renamed = retire_renamed(out_dir, record.data["outputs"], current, done)
        if (
            digest is not None
            and not outcome.failed
            and ws.files_unchanged()  # nothing it was read from written while it ran, even back as it was
            and all(build_inputs.file_state(t) == state for t, state in template_states.items())
        ):  # every document now follows these inputs: recorded with the bytes of the files it vouches for
            record.data[build_inputs.KEY] = build_inputs.bound(
                digest, [(job.path, (record.output(job.path) or {}).get("sha256")) for job in jobs]
            )
    finally:  # also when interrupted: what was written is recorded
        try:
            results.close()  # a pool's workers end with the loop, whatever ended it
            writes.settle(wait=True)
        finally:  # even when interrupted again while the files are waited for (a slow disk)
            try:
                writes.close()  # every file given is in place now, or failed…
                writes.settle()  # …and recorded
            finally:
                save()
    if pdf:
        _convert_pdfs(out_dir, record, outcome, [j.path for j in jobs], pdf_progress)
        save()
    return outcome


def _save(record: Record, template_hashes: dict[Path, str]) -> None:
    record.data["template_names"] = names.known(set(template_hashes.values()))
    record.save()


def _worker_count(jobs: int) -> int:
    """Processes for a build of `jobs` documents: one per core for POOL_MIN or more (the
    environment variable QDOCGEN_WORKERS overrides), where workers can be forked (_can_fork)."""
    wanted = os.environ.get("QDOCGEN_WORKERS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        count = int(wanted)
    elif jobs < POOL_MIN:
        return 1
    else:
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(count, 8)) if _can_fork() else 1


def _can_fork() -> bool:
    """Workers are forked, on Linux only: the jobs' closures cannot be sent to a new process, and
    fork is unsafe on macOS and missing on Windows, where builds stay serial."""
    import multiprocessing  # here, not at import: a build with nothing to make never needs it

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


BIG_DOCUMENT = 50_000  # bytes: after making a document this large, a worker returns freed memory
_TRIM: object = None


def _give_back_memory() -> None:
    """Hand freed heap back to the system. After a large document (the city notice of a province,
    a hundred megabytes while it is made) glibc keeps the freed memory in the process, and two
    workers keeping it would double the build's footprint."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):  # not glibc
            _TRIM = False
    if _TRIM:
        _TRIM(0)


@dataclass
class _Result:
    fingerprint: str = ""
    data: bytes | None = None  # None: not made (the fingerprint matched the record's)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)


class _Work:
    """Fingerprinting and making jobs' documents, in this process or in forked workers."""

    current: _Work | None = None  # what forked workers find (set while a pool runs)

    def __init__(self, ws, jobs, template_hashes, config_hash, old_fps, force):
        self.ws, self.jobs, self.template_hashes, self.config_hash = ws, jobs, template_hashes, config_hash
        self.old_fps, self.force = old_fps, force
        self.sent: set[str] = set()

    def one(self, i: int) -> _Result:
        """Job `i`'s fingerprint, and its bytes unless its fingerprint matches the record."""
        job = self.jobs[i]
        try:
            context = job.prepare()
            fp = fingerprint(job, self.template_hashes, self.config_hash, job.shown(context))
            if not self.force and self.old_fps.get(job.path) == fp:
                return _Result(fp)
            return _Result(fp, job.made(context))
        except UserError as exc:
            return _Result(error=str(exc))

    def results(self, workers: int) -> Iterator[_Result]:
        """Each job's result, in the jobs' order."""
        if workers <= 1 or len(self.jobs) < 2 or not _can_fork():
            return (self.one(i) for i in range(len(self.jobs)))
        return self._pooled(workers)

    def _pooled(self, workers: int) -> Iterator[_Result]:
        """The results made in worker processes, each worker kept to one kind of document
        (build_pool.py): what a kind needs first (its library, its template) is prepared in the
        worker that makes it, not once for all before forking."""
        _Work.current = self
        try:
            kinds = [build_pool.kind_of(job.templates) for job in self.jobs]
            for result in build_pool.run(len(self.jobs), _in_worker, kinds, workers):
                names.remember(result.names)
                self.ws.warnings.extend(w for w in result.warnings if w not in self.ws.warnings)
                yield result
        except build_pool.WorkerLost as exc:
            if exc.indices:
                what = f"它正在生成的 {'、'.join(self.jobs[i].path for i in exc.indices)} 没有生成"
                rest = exc.unmade - len(exc.indices)
                what += f"，另有 {rest} 个文件未及生成" if rest > 0 else ""
            else:
                what = f"{exc.unmade} 个文件未及生成"
            raise UserError(f"{exc}：{what}；已生成的文件都已保存，请重新运行 qdocgen build") from None
        finally:
            _Work.current = None


def _in_worker(i: int) -> _Result:
    work = _Work.current
    before = len(work.ws.warnings)
    result = work.one(i)
    if result.data is not None and len(result.data) > BIG_DOCUMENT:
        _give_back_memory()
    result.warnings = work.ws.warnings[before:]
    learned = names.known(set(work.template_hashes.values()))
    result.names = {h: v for h, v in learned.items() if h not in work.sent}
    work.sent.update(result.names)
    return result


def _keep_foreign_file(target: Path, made: set[str], data: bytes) -> Path | None:
    """Move aside a file at `target` that qdocgen did not write, before replacing it.

    A clerk may have filled in a form where the build put it, or edited a notice in Word:
    such a file is never overwritten. `made`: the SHA-256s the record knows for this path (the
    last build's, and the last command's that wrote it). It is renamed to '…（改动备份）.xlsx'
    (numbered if that exists) and its new path returned; None when there was nothing to keep.
    """
    try:
        current = target.read_bytes() if target.is_file() else None
    except OSError as exc:
        raise UserError(f"无法读取 {target}：{os_error_text(exc)}") from None
    if current is None or current == data or sha256(current) in made:
        return None
    return move_aside(target)


def write_document(out_dir: Path, path: Path, data: bytes) -> tuple[bool, Path | None]:
    """Write a document a command made (`notice`, `table`, `render`) at `path` as a build would:
    a file there that neither a build nor a command wrote (a notice edited in Word) is moved
    aside first, never overwritten. The build record in `out_dir` notes what commands write
    (`written`; by path inside the folder, by full path elsewhere), so the next command or build
    recognises the file as qdocgen's own. Without an output folder nothing can be recognised, and
    a file with other bytes is always kept aside.
    (whether the bytes changed, the backup's path or None)."""
    path, out_dir = Path(path), Path(out_dir)
    try:
        key = path.resolve().relative_to(out_dir.resolve()).as_posix()
    except ValueError:  # elsewhere (-o): noted by its full path, in the output folder's record if there is one
        key = path.resolve().as_posix() if out_dir.is_dir() else None
    record = Record(out_dir / RECORD) if key is not None else None
    backup = _keep_foreign_file(path, _made_here(record, key) if record is not None else set(), data)
    changed = write_atomic(path, data)
    if record is not None and record.data.get("written", {}).get(key) != sha256(data):
        record.data.setdefault("written", {})[key] = sha256(data)
        record.save()
    return changed, backup


def _made_here(record: Record, rel: str) -> set[str]:
    """The SHA-256s qdocgen wrote at `rel`: the last build's, and a command's since."""
    return {(record.output(rel) or {}).get("sha256"), record.data.get("written", {}).get(rel)} - {None}


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch and epoch.isdigit() else datetime.now(timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat()


def _input_name(ws: Workspace, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()


def _input_hashes(ws: Workspace, template_hashes: dict[Path, str], template_names: dict[Path, str]) -> dict[str, str]:
    out = {}
    data = Path(ws.data_dir)
    for path in sorted([data / "plan.yaml", *sorted((data / "figures").glob("*.csv"))]):
        if path.is_file():
            out[_input_name(ws, path)] = sha256(path.read_bytes())
    for t, h in template_hashes.items():
        out[template_names[t]] = h
    config = ws.config_path
    if config is not None and config.is_file():
        out[_input_name(ws, config)] = sha256(config.read_bytes())
    return dict(sorted(out.items()))


def _config_hash(ws: Workspace) -> str:
    """The settings' values (qdocgen.toml, validated): a comment edited there remakes nothing."""
    return ws.config.digest()


def _convert_pdfs(
    out_dir: Path, record: Record, outcome: Outcome, all_paths: list[str], progress: Callable = lambda items, n: items
) -> None:
    """PDFs beside the documents whose PDF is missing or older than the document (build_pdf.py)."""
    from qdocgen.build_pdf import convert_pdfs  # here: a build without --pdf never loads it (12 ms)

    convert_pdfs(out_dir, all_paths, record.output, record.save, outcome.pdf_failed, progress)


def summarise(outcome: Outcome, out_dir: Path, seconds: float) -> list[str]:
    """What the build did, for standard output (its failures are in `failures`)."""
    lines = []
    if outcome.figure_changes:
        lines.append("完成值变化：")
        lines.extend(f"  {m}" for m in outcome.figure_changes)
    for path, reason in outcome.made:
        lines.append(f"生成 {path}（{reason}）")
    lines.extend(outcome.renamed)
    lines.append(
        f"完成：生成 {len(outcome.made)} 个，未变 {len(outcome.kept)} 个，失败 {len(outcome.failed)} 个；"
        f"输出目录 {out_dir}（{seconds:.1f} 秒）。"
    )
    return lines


def failures(outcome: Outcome) -> list[str]:
    """The documents the build could not make or convert, for standard error."""
    lines = [f"失败 {path}：{message}" for path, message in outcome.failed]
    lines += [f"PDF 失败 {path}：{message}" for path, message in outcome.pdf_failed]
    return lines
