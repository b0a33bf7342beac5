"""Align many document pairs: a manifest in, one output file per pair out.

    >>> from aligner.batch import align_batch
    >>> report = align_batch("pairs.tsv", "out/", workers=2, format="tmx")   # doctest: +SKIP
    >>> print(report.summary())                                              # doctest: +SKIP

The engine has three separate parts, so that another scheduler (a Dask
cluster, say) can reuse the first and the last:

- `read_manifest` turns a manifest file into `Pair` objects;
- `align_pair` is all the work of one pair, a pure function of
  ``(pair, options)``: it reads the two files and returns a `PairResult`
  holding the output text (or the error), and writes nothing;
- a scheduler runs `align_pair` on many pairs (in this process, or in a pool
  of worker processes) and hands each result, as it comes, to the output
  folder, which writes it atomically and records it in ``_done.jsonl`` or
  ``_failures.jsonl``.

Results do not depend on the scheduling: every pair is aligned with one BLAS
thread, its own fresh embedding store and the same encoder settings, so the
same pair gives the same bytes whatever the number of workers and the order
in which they finish.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import secrets
import sys
import time
import traceback
import warnings
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from ._files import read_document
from .errors import AlignerError, AlignerWarning, FormatError, InputError
from .formats import FORMATS
from .langid import normalize_lang

__all__ = [
    "align_batch", "align_pair", "read_manifest", "make_encoder", "Pair", "PairOptions", "PairResult",
    "BatchReport", "EXTENSIONS", "DONE_FILE", "FAILURES_FILE",
]

# The output file of pair `id` is `<id>.<extension>`.
EXTENSIONS = {"json": "json", "tsv": "tsv", "vecalign": "beads", "tmx": "tmx"}
DONE_FILE = "_done.jsonl"
FAILURES_FILE = "_failures.jsonl"
# Temporary files are named so, in the output folder, until they are complete.
_TMP_PREFIX = ".aligner-tmp-"
_COLUMNS = ("id", "source", "target", "source_lang", "target_lang")
_REQUIRED = ("id", "source", "target")
# Pairs handed to the pool ahead of the workers, per worker: enough to keep
# them busy, few enough that memory stays flat on a manifest of a million lines.
_AHEAD_PER_WORKER = 2


# --------------------------------------------------------------------------- the manifest


@dataclass(frozen=True)
class Pair:
    """One document pair of a manifest.

    `source` and `target` are file paths (a manifest's relative paths are
    already resolved against its folder); the languages, when None, come from
    the batch's options or are detected. `line` is the manifest line, for messages.
    """

    id: str
    source: str
    target: str
    source_lang: str | None = None
    target_lang: str | None = None
    line: int | None = None


def read_manifest(path: str | os.PathLike) -> list[Pair]:
    """The pairs of a manifest file, TSV or JSON Lines (told apart by the first non-blank character).

    TSV: a header line naming the columns ``id``, ``source``, ``target`` and
    optionally ``source_lang``, ``target_lang`` (in any order), then one pair
    a line, fields separated by tabs, white space around them ignored.
    JSON Lines: one object a line with the same keys. In both, blank lines
    are skipped and relative paths are relative to the manifest's folder.

    Raises:
        InputError: the manifest cannot be read.
        FormatError: a malformed line, a bad language code, an id that cannot
            be a file name, or a duplicate id; the message names the line.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the manifest {str(path)!r}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(f"manifest {str(path)!r} line {line}: not UTF-8 (byte {data[exc.start]:#04x})") from None
    lines = [(n, line.rstrip("\r")) for n, line in enumerate(text.split("\n"), 1)]
    lines = [(n, line) for n, line in lines if line.strip()]
    first = lines[0][1].lstrip() if lines else ""
    rows = _jsonl_rows(lines, path) if first.startswith("{") else _tsv_rows(lines, path)
    folder = path.parent
    pairs = []
    for n, row in rows:
        where = f"manifest {str(path)!r} line {n}"
        langs = {}
        for key in ("source_lang", "target_lang"):
            code = row.get(key)
            try:
                langs[key] = normalize_lang(code) if code else None
            except AlignerError as exc:
                raise FormatError(f"{where}: {key}: {exc}") from None
        pairs.append(Pair(row["id"], str(folder / row["source"]), str(folder / row["target"]), line=n, **langs))
    check_pairs(pairs, where=f"manifest {str(path)!r}")
    return pairs


def _tsv_rows(lines: list[tuple[int, str]], path: Path) -> list[tuple[int, dict]]:
    if not lines:
        raise FormatError(
            f"manifest {str(path)!r} is empty: expected a header line ({chr(9).join(_COLUMNS)}) and one pair a line"
        )
    n0, header = lines[0]
    columns = [c.strip() for c in header.split("\t")]
    for c in columns:
        if c not in _COLUMNS:
            raise FormatError(
                f"manifest {str(path)!r} line {n0}: unknown column {c!r} in the header; the columns are "
                f"id, source, target and optionally source_lang, target_lang, separated by tabs"
            )
    dup = next((c for c in columns if columns.count(c) > 1), None)
    if dup:
        raise FormatError(f"manifest {str(path)!r} line {n0}: column {dup!r} twice in the header")
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise FormatError(
            f"manifest {str(path)!r} line {n0}: the header has no column {', '.join(map(repr, missing))} "
            f"(a TSV manifest starts with a header line: id, source, target[, source_lang, target_lang], tab-separated)"
        )
    rows = []
    for n, line in lines[1:]:
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != len(columns):
            raise FormatError(
                f"manifest {str(path)!r} line {n}: {len(fields)} tab-separated field(s), expected {len(columns)} "
                f"({', '.join(columns)})"
            )
        row = dict(zip(columns, fields))
        _check_required(row, f"manifest {str(path)!r} line {n}")
        rows.append((n, row))
    return rows


def _jsonl_rows(lines: list[tuple[int, str]], path: Path) -> list[tuple[int, dict]]:
    rows = []
    for n, line in lines:
        where = f"manifest {str(path)!r} line {n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise FormatError(f"{where}: expected a JSON object with id, source, target; got {type(obj).__name__}")
        unknown = sorted(set(obj) - set(_COLUMNS))
        if unknown:
            raise FormatError(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; the keys are "
                f"id, source, target and optionally source_lang, target_lang"
            )
        if isinstance(obj.get("id"), int) and not isinstance(obj.get("id"), bool):
            obj["id"] = str(obj["id"])
        for key in _COLUMNS:
            value = obj.get(key)
            if value is not None and not isinstance(value, str):
                raise FormatError(f"{where}: {key} must be a string, not {type(value).__name__}")
        row = {k: (v.strip() if isinstance(v, str) else v) for k, v in obj.items()}
        _check_required(row, where)
        rows.append((n, row))
    return rows


def _check_required(row: dict, where: str) -> None:
    for key in _REQUIRED:
        if not row.get(key):
            raise FormatError(f"{where}: {key} is missing or empty")


def check_pairs(pairs: Sequence[Pair], where: str = "pairs") -> None:
    """Raise FormatError if an id cannot be a file name or is given twice."""
    seen: dict[str, Pair] = {}
    for pair in pairs:
        if not isinstance(pair, Pair):
            raise InputError(f"{where}: expected aligner.batch.Pair objects, got {type(pair).__name__}")
        at = f"{where} line {pair.line}" if pair.line is not None else f"{where}, id {pair.id!r}"
        if not isinstance(pair.id, str) or not pair.id:
            raise FormatError(f"{at}: an id must be a non-empty string")
        bad = next((c for c in pair.id if c in "/\\\0" or ord(c) < 32), None)
        if bad is not None or pair.id.startswith(".") or pair.id.startswith("_"):
            raise FormatError(
                f"{at}: id {pair.id!r} cannot name an output file: it must not start with '.' or '_', "
                "nor contain '/', '\\' or control characters"
            )
        if pair.id in seen:
            first = seen[pair.id]
            before = f" (first on line {first.line})" if first.line is not None else ""
            raise FormatError(f"{at}: duplicate id {pair.id!r}{before}")
        seen[pair.id] = pair


# --------------------------------------------------------------------------- the work of one pair


@dataclass(frozen=True)
class PairOptions:
    """Everything besides the pair that decides its result.

    `encoder` is what ``align(encoder=...)`` takes (None: USE v3 with one
    BLAS thread); `source_lang` / `target_lang` are used for pairs that do
    not name their own; `presplit`: the files hold one sentence a line;
    `align_options` go to `aligner.align` as they are.
    """

    format: str = "json"
    encoder: Any = None
    source_lang: str | None = None
    target_lang: str | None = None
    presplit: bool = False
    align_options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PairResult:
    """What `align_pair` returns: the output text, or why there is none."""

    id: str
    text: str | None = None
    sentences: int = 0  # source plus target sentences
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    error_type: str | None = None  # the exception's class name
    unexpected: bool = False  # not an AlignerError: a bug, with its traceback in `error_detail`
    error_detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def make_encoder(spec: Any = None):
    """The encoder a batch uses for ``encoder=spec``: as `get_encoder`, but USE v3 with one BLAS thread.

    One thread, in every worker and in-process alike, because the number of
    BLAS threads changes the last bits of the vectors, and a batch's
    results must not depend on how many workers ran it.
    """
    from .encoders import USEEncoder, get_encoder

    if spec is None or spec == "use":
        return USEEncoder(threads=1)
    return get_encoder(spec)


def align_pair(pair: Pair, options: PairOptions, encoder: Any = None) -> PairResult:
    """Align one pair and format the result; never raises for a bad pair.

    A pure function of `pair` and `options` (and the two files): it writes
    nothing. `encoder`, if given, is an encoder already built from
    ``options.encoder`` by `make_encoder`, to save loading it for every
    pair; it must not change the result. Any exception but
    KeyboardInterrupt and SystemExit becomes a failed `PairResult`.
    """
    from .formats import dumps
    from .pipeline import align

    start = time.perf_counter()
    try:
        src: Any = read_document(pair.source, "source")
        tgt: Any = read_document(pair.target, "target")
        if options.presplit:
            src = [line for line in src.splitlines() if line.strip()]
            tgt = [line for line in tgt.splitlines() if line.strip()]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AlignerWarning)
            alignment = align(
                src, tgt,
                source_lang=pair.source_lang or options.source_lang,
                target_lang=pair.target_lang or options.target_lang,
                encoder=encoder if encoder is not None else make_encoder(options.encoder),
                **{**options.align_options, "progress": False},
            )
        said = tuple(str(w.message) for w in caught if issubclass(w.category, AlignerWarning))
        for w in caught:
            if not issubclass(w.category, AlignerWarning):
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
        text = dumps(alignment, options.format)
    except AlignerError as exc:
        return PairResult(pair.id, seconds=time.perf_counter() - start, error=str(exc), error_type=type(exc).__name__)
    except Exception as exc:  # a bug: recorded with its traceback, and the batch goes on
        return PairResult(
            pair.id, seconds=time.perf_counter() - start, error=f"unexpected {type(exc).__name__}: {exc}",
            error_type=type(exc).__name__, unexpected=True, error_detail=traceback.format_exc(),
        )
    n = len(alignment.source_sentences) + len(alignment.target_sentences)
    return PairResult(pair.id, text=text, sentences=n, seconds=time.perf_counter() - start, warnings=said)


# --------------------------------------------------------------------------- worker processes

# The one piece of module-level state in aligner. In a worker process of the
# pool (never in the caller's process), `_init_worker` builds the encoder once
# and keeps it here, with the error if it could not be built, for every pair
# that worker aligns. In-process runs pass their encoder as an argument.
_WORKER_ENCODER: Any = None
_WORKER_ERROR: BaseException | None = None


def _single_thread() -> Callable[[], None]:
    """Limit BLAS/OpenMP (and torch, if loaded) to one thread; returns the function that undoes it."""
    from threadpoolctl import threadpool_limits

    limiter = threadpool_limits(limits=1)
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)

    def restore() -> None:
        limiter.restore_original_limits()
        if torch_threads is not None:
            torch.set_num_threads(torch_threads)

    return restore


def _warm_up(encoder: Any) -> None:
    """Load the model now rather than in the middle of the first pair."""
    from .encoders import checked_encode

    checked_encode(encoder, ["Warm-up."])


def _init_worker(encoder_spec: Any) -> None:
    global _WORKER_ENCODER, _WORKER_ERROR
    try:
        _single_thread()
        encoder = make_encoder(encoder_spec)
        _warm_up(encoder)
        _single_thread()  # again: loading torch may have reset its thread count
        _WORKER_ENCODER = encoder
    except BaseException as exc:  # reported by the first task, which stops the batch
        _WORKER_ERROR = exc


def _worker_align(pair: Pair, options: PairOptions) -> PairResult:
    if _WORKER_ERROR is not None:
        raise _WORKER_ERROR
    return align_pair(pair, options, _WORKER_ENCODER)


def _died(pair: Pair) -> PairResult:
    return PairResult(
        pair.id, error="the worker process died while aligning this pair, alone (out of memory? a crash in a "
        "native library?)", error_type="WorkerDied", unexpected=True,
    )


def run_in_process(pairs: Iterable[Pair], options: PairOptions, encoder: Any = None) -> Iterator[PairResult]:
    """Align `pairs` one after the other in this process, with one BLAS thread; yields results in order."""
    restore = _single_thread()
    try:
        if encoder is None:
            encoder = make_encoder(options.encoder)
            _warm_up(encoder)
        for pair in pairs:
            yield align_pair(pair, options, encoder)
    finally:
        restore()


def run_in_pool(
    pairs: Iterable[Pair], options: PairOptions, workers: int, *,
    task: Callable[[Pair, PairOptions], PairResult] = _worker_align,
    initializer: Callable[..., None] | None = _init_worker, initargs: tuple = (),
) -> Iterator[PairResult]:
    """Align `pairs` in `workers` processes ('spawn'); yields results as they complete.

    Each worker runs `initializer(*initargs)` once (by default: build the
    encoder of ``options.encoder``), then `task(pair, options)` per pair. If a
    worker dies (killed for memory, a crash in native code), the pool is
    rebuilt and the pairs that were running are run again one at a time: the
    one that kills a worker on its own is reported as failed
    (``error_type="WorkerDied"``) and the batch goes on.
    """
    if initializer is _init_worker and not initargs:
        initargs = (options.encoder,)
    todo = deque(pairs)
    suspects: deque[Pair] = deque()  # pairs running when a worker died: run alone next
    successes = 0
    lone_deaths = 0
    ctx = multiprocessing.get_context("spawn")
    while todo or suspects:
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=initializer, initargs=initargs)
        running: dict[Any, tuple[Pair, bool]] = {}
        broken = False
        try:
            while (todo or suspects or running) and not broken:
                try:
                    if suspects:
                        if not running:
                            _submit(pool, task, options, running, suspects, alone=True)
                    else:
                        while todo and len(running) < workers * _AHEAD_PER_WORKER:
                            _submit(pool, task, options, running, todo, alone=False)
                except BrokenProcessPool:
                    broken = True
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    pair, alone = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        if alone:
                            lone_deaths += 1
                            if successes == 0 and lone_deaths >= 2:
                                raise RuntimeError(
                                    "the worker processes die before aligning anything: see the messages above; "
                                    "workers=1 runs in this process"
                                ) from None
                            yield _died(pair)
                        else:
                            suspects.append(pair)
                        continue
                    successes += 1
                    yield result
            if broken:
                suspects.extend(pair for pair, _ in running.values())
                running.clear()
        finally:
            _stop(pool, running)


def _submit(pool, task, options, running: dict, queue: deque, alone: bool) -> None:
    """Submit the first pair of `queue`; it stays there if the pool is broken."""
    future = pool.submit(task, queue[0], options)
    running[future] = (queue.popleft(), alone)


def _stop(pool: ProcessPoolExecutor, running: dict) -> None:
    """Shut the pool down; when stopped early (an interrupt, an error), without waiting for running pairs."""
    if not running:
        pool.shutdown(wait=True)
        return
    for future in running:
        future.cancel()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(timeout=10)


# --------------------------------------------------------------------------- the output folder


@dataclass(frozen=True)
class BatchReport:
    """What a batch did in this run.

    `total` pairs in the manifest = `done` (aligned now) + `skipped` (done by
    an earlier run, with `resume`) + `failed`. `sentences` counts source and
    target sentences of the pairs done now; `seconds` is the wall time of
    the run, worker start-up included.
    """

    total: int
    done: int
    skipped: int
    failed: int
    sentences: int
    seconds: float
    documents_per_second: float
    sentences_per_second: float
    warned: int = 0  # pairs done with a warning (see their line in _done.jsonl)
    output_dir: str = ""

    @property
    def failures_file(self) -> str:
        return os.path.join(self.output_dir, FAILURES_FILE)

    def summary(self) -> str:
        """The report as a few lines of text, as the command line prints it."""
        lines = [
            f"{_pairs(self.total)}: {self.done} aligned, {self.skipped} skipped (already done), {self.failed} failed",
            f"{self.seconds:.1f} s: {self.documents_per_second:.2f} documents/s, "
            f"{self.sentences_per_second:.0f} sentences/s ({self.sentences} sentences)",
        ]
        if self.warned:
            lines.append(f"{_pairs(self.warned)} aligned with a warning: see {os.path.join(self.output_dir, DONE_FILE)}")
        if self.failed:
            lines.append(f"{_pairs(self.failed)} failed: see {self.failures_file}")
        return "\n".join(lines)


def _pairs(n: int) -> str:
    return f"{n} pair" if n == 1 else f"{n} pairs"


class _OutputFolder:
    """The output folder: atomic output files, and the done and failures records."""

    def __init__(self, path: str | os.PathLike, format: str, resume: bool) -> None:
        self.path = Path(path)
        self.ext = EXTENSIONS[format]
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the output folder {str(self.path)!r}: {exc.strerror}") from None
        for stale in self.path.glob(_TMP_PREFIX + "*"):  # left by an interrupted run
            stale.unlink(missing_ok=True)
        self.done_path = self.path / DONE_FILE
        self.failures_path = self.path / FAILURES_FILE
        if not resume:
            self.done_path.unlink(missing_ok=True)
        # The failures of this run only: every pair that failed before is tried again.
        self.failures_path.write_text("", encoding="utf-8")
        self._end_line(self.done_path)

    def output(self, pair_id: str) -> Path:
        return self.path / f"{pair_id}.{self.ext}"

    def done_ids(self) -> set[str]:
        """Ids recorded as done whose output file exists."""
        ids = set()
        try:
            lines = self.done_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return ids
        for line in lines:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash: that pair is done again
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                ids.add(record["id"])
        return {i for i in ids if self.output(i).is_file()}

    def write(self, result: PairResult) -> None:
        """Write the output file atomically, then record the pair as done."""
        tmp = self.path / f"{_TMP_PREFIX}{result.id}.{os.getpid()}.{secrets.token_hex(4)}"
        # os.open, not mkstemp: the file gets the usual permissions (0o666 less the umask), not 0o600.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(result.text.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.output(result.id))
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        record = {"id": result.id, "sentences": result.sentences, "seconds": round(result.seconds, 3)}
        if result.warnings:
            record["warnings"] = list(result.warnings)
        self._append(self.done_path, record)

    def fail(self, result: PairResult, pair: Pair) -> None:
        record = {"id": result.id, "error": result.error, "type": result.error_type,
                  "source": pair.source, "target": pair.target}
        if result.unexpected:
            record["unexpected"] = True
            if result.error_detail:
                record["traceback"] = result.error_detail
        self._append(self.failures_path, record)

    @staticmethod
    def _append(path: Path, record: dict) -> None:
        with open(path, "a", encoding="utf-8", newline="") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()

    @staticmethod
    def _end_line(path: Path) -> None:
        """End a last line cut short by a crash, so that the next record starts a line of its own."""
        try:
            with open(path, "rb+") as f:
                f.seek(0, os.SEEK_END)
                if f.tell():
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":
                        f.write(b"\n")
        except FileNotFoundError:
            pass


# --------------------------------------------------------------------------- the batch


def align_batch(
    manifest: str | os.PathLike | Sequence[Pair],
    output_dir: str | os.PathLike,
    *,
    workers: int | None = None,
    format: str = "json",
    resume: bool = True,
    progress: bool | None = None,
    presplit: bool = False,
    **align_options: Any,
) -> BatchReport:
    """Align every pair of a manifest, writing ``<id>.<ext>`` per pair in `output_dir`.

    Args:
        manifest: a TSV or JSON Lines manifest (see `read_manifest`), or a list of `Pair`.
        output_dir: the output folder, created if needed. Besides the outputs
            it holds ``_done.jsonl`` (one line per pair done: id, sentences,
            seconds, warnings) and ``_failures.jsonl`` (one line per pair that
            failed in the latest run: id, error, type, source, target).
        workers: processes to use; default: the cores this process may use.
            With more than one, a pool of worker processes ('spawn'), each
            loading the encoder once and using one BLAS thread; with one, this
            process. A script that uses workers > 1 must guard its entry point
            with ``if __name__ == "__main__":``.
        format: ``json``, ``tsv``, ``vecalign`` (extension ``.beads``) or ``tmx``.
        resume: skip the pairs recorded in ``_done.jsonl`` whose output file
            exists; False aligns everything again and starts a new ``_done.jsonl``.
        progress: a progress bar on stderr; default: when stderr is a terminal.
        presplit: the files hold one sentence a line (blank lines skipped).
        **align_options: what `aligner.align` takes: ``source_lang`` and
            ``target_lang`` (for the pairs whose manifest line names none),
            ``encoder`` (None for USE v3, a model name, or, with workers=1 or
            if it can be pickled, an encoder object), ``window``, ``cache_dir``...

    Returns:
        A `BatchReport`. A pair that fails is recorded and the batch goes on.

    Raises:
        FormatError: a malformed manifest (the message names the line).
        InputError, LanguageError: a bad option, checked before any pair is aligned.
        EncoderError: the encoder cannot be loaded.
        KeyboardInterrupt: on Ctrl-C, after the pairs done so far are
            recorded; run again with ``resume=True`` to go on.
    """
    start = time.perf_counter()
    pairs = read_manifest(manifest) if isinstance(manifest, (str, os.PathLike)) else list(manifest)
    if not isinstance(manifest, (str, os.PathLike)):
        check_pairs(pairs)
    options = _options(format, presplit, align_options)
    workers = _workers(workers)
    if workers > 1 and options.encoder is not None and not isinstance(options.encoder, str):
        try:
            pickle.dumps(options.encoder)
        except Exception as exc:
            raise InputError(
                f"the encoder {type(options.encoder).__name__} cannot be sent to worker processes "
                f"({type(exc).__name__}: {exc}); pass a model name (or None for USE v3), or use workers=1"
            ) from None

    out = _OutputFolder(output_dir, options.format, resume)
    done_before = out.done_ids() if resume else set()
    todo = [p for p in pairs if p.id not in done_before]
    skipped = len(pairs) - len(todo)
    by_id = {p.id: p for p in todo}
    workers = min(workers, len(todo))
    if workers > 1:
        results = run_in_pool(todo, options, workers)
    elif todo:
        results = run_in_process(todo, options)
    else:
        results = iter(())

    done = failed = sentences = warned = 0
    bar = _progress_bar(len(todo), progress)
    try:
        for result in results:
            if result.ok:
                try:
                    out.write(result)
                except OSError as exc:
                    result = PairResult(
                        result.id, seconds=result.seconds, error_type="OSError",
                        error=f"cannot write the output file {str(out.output(result.id))!r}: {exc.strerror or exc}",
                    )
            if result.ok:
                done += 1
                sentences += result.sentences
                warned += bool(result.warnings)
            else:
                failed += 1
                out.fail(result, by_id[result.id])
            if bar is not None:
                bar.update(1)
                bar.set_postfix(sentences=sentences, failed=failed, refresh=False)
    finally:
        if bar is not None:
            bar.close()
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stops the workers at once when leaving early
    seconds = time.perf_counter() - start
    return BatchReport(
        total=len(pairs), done=done, skipped=skipped, failed=failed, sentences=sentences, seconds=seconds,
        documents_per_second=done / seconds if seconds > 0 else 0.0,
        sentences_per_second=sentences / seconds if seconds > 0 else 0.0,
        warned=warned, output_dir=str(out.path),
    )


def _workers(workers: int | None) -> int:
    if workers is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a whole number >= 1; got {workers!r}")
    return workers


def _options(format: str, presplit: bool, align_options: dict) -> PairOptions:
    """The batch's options, checked once, before any pair is aligned."""
    if format not in FORMATS:
        raise FormatError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    opts = dict(align_options)
    encoder = opts.pop("encoder", None)
    langs = {}
    for key in ("source_lang", "target_lang"):
        code = opts.pop(key, None)
        langs[key] = normalize_lang(code) if code is not None else None
    if "progress" in opts:
        raise InputError("progress is the batch's own option (a bar of documents); per pair there is none")
    _check_align_options(opts)
    return PairOptions(format=format, encoder=encoder, presplit=bool(presplit), align_options=opts, **langs)


def _check_align_options(opts: dict) -> None:
    """Raise the error `align` would raise for every pair, once, before any pair."""
    if not opts:
        return  # nothing to check: spare the calling process the numerical modules
    from .pipeline import parse_options

    parse_options(opts)


def _progress_bar(total: int, progress: bool | None):
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if not show or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="aligning", unit="doc", file=sys.stderr, dynamic_ncols=True)
