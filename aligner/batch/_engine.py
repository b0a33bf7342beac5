"""The batch engine: `align_batch` runs a manifest's pairs on a back-end and writes the results (see the package's docstring)."""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from ._manifest import Pair, check_pairs, read_manifest
from ._outputs import DONE_FILE, EXTENSIONS, FAILURES_FILE, open_output_folder
from ._pool import run_in_pool, run_in_process
from ._work import STAGES, PairOptions, PairResult, align_pair, make_encoder
from ..errors import ClusterError, FormatError, InputError, OutputError
from ..formats import FORMATS
from ..langid import normalize_lang

__all__ = ["align_batch", "BatchReport"]

# The client's own stage: writing the output files and records.
_WRITE_STAGE = "write"


@dataclass(frozen=True)
class BatchReport:
    """What a batch did in this run.

    `total` pairs in the manifest = `done` (aligned now) + `skipped` (done by
    an earlier run, with `resume`) + `failed`. `sentences` counts source and
    target sentences of the pairs done now; `seconds` is the wall time of
    the run, start-up of the workers included. `stage_seconds` adds up, over
    every pair of this run and so over all workers, the seconds of each stage:
    ``read`` (the two files), ``embed`` (the encoder), ``align`` (the rest of
    `align`: splitting, the search, the scores) and ``format``; and
    ``write``, the time this process spent writing outputs and records.
    `backend` says who aligned the pairs. `realigned` counts, by reason
    (``"output truncated"``...), the pairs an earlier run had done whose
    output was no longer as written, and so were aligned again (they are in
    `done` or `failed`).
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
    done_file: str = ""
    failures_file: str = ""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    backend: str = ""
    # {why: pairs}: recorded as done by an earlier run, aligned again as their output was not as written
    realigned: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """The report as a few lines of text, as the command line prints it."""
        lines = [
            f"{_pairs(self.total)}: {self.done} aligned, {self.skipped} skipped (already done), {self.failed} failed",
            f"{self.seconds:.1f} s: {self.documents_per_second:.2f} documents/s, "
            f"{self.sentences_per_second:.0f} sentences/s ({self.sentences} sentences)"
            + (f" on {self.backend}" if self.backend else ""),
        ]
        if any(self.stage_seconds.values()):
            parts = [f"{name} {self.stage_seconds[name]:.1f} s" for name in (*STAGES, _WRITE_STAGE)
                     if name in self.stage_seconds]
            lines.append("time per stage, summed over workers: " + ", ".join(parts) + " (write: this process)")
        if self.realigned:
            reasons = ", ".join(f"{why} ({n})" for why, n in sorted(self.realigned.items()))
            lines.append(f"{_pairs(sum(self.realigned.values()))} done before but aligned again: {reasons}")
        if self.warned:
            lines.append(f"{_pairs(self.warned)} aligned with a warning: see {self.done_file}")
        if self.failed:
            lines.append(f"{_pairs(self.failed)} failed: see {self.failures_file}")
        return "\n".join(lines)


def _pairs(n: int) -> str:
    return f"{n} pair" if n == 1 else f"{n} pairs"


def align_batch(
    manifest: str | os.PathLike | Sequence[Pair],
    output_dir: str | os.PathLike,
    *,
    workers: int | None = None,
    cluster: Any = None,
    format: str = "json",
    resume: bool = True,
    progress: bool | None = None,
    presplit: bool = False,
    break_lock: bool = False,
    **align_options: Any,
) -> BatchReport:
    """Align every pair of a manifest, writing ``<id>.<ext>`` per pair in `output_dir`.

    Args:
        manifest: a TSV, JSON Lines or Parquet manifest (see `read_manifest`),
            or a list of `Pair`. A path or a URL fsspec reads.
        output_dir: the output folder, created if needed; a path or a URL
            fsspec reaches (``s3://bucket/aligned``). Besides the outputs it
            holds ``_done.jsonl`` (one line per pair done: id, sentences,
            seconds, warnings) and ``_failures.jsonl`` (one line per pair that
            failed in the latest run: id, error, type, source, target); on a
            file system other than local disk, folders ``_done/`` and
            ``_failures/`` of such lines, in pieces.
        workers: processes to use on this machine; default: the cores this
            process may use. With more than one, a pool of worker processes
            ('spawn'), each loading the encoder once and using one BLAS
            thread; with one, this process. A script that uses workers > 1
            (or ``cluster="local:N"``) must guard its entry point with
            ``if __name__ == "__main__":``.
        cluster: run on Dask instead (needs the ``cluster`` extra): a
            scheduler address ``"tcp://host:port"``, ``"local:N"`` for a
            cluster of N single-threaded workers started on this machine for
            this batch, or a ``distributed.Client``. Each worker loads the
            encoder once. Not with `workers`.
        format: ``json``, ``tsv``, ``vecalign`` (extension ``.beads``), ``tmx``, ``jsonl``
            or ``moses`` (two files, ``<id>.<source lang>`` and ``<id>.<target lang>``).
        resume: skip the pairs recorded as done whose output files are still
            the ones written (the size and SHA-256 of each recorded in the
            done record); one missing, empty, cut short, changed or unreadable
            is aligned again, and the report says why (`BatchReport.realigned`).
            False aligns everything again and starts a new done record.
        progress: a progress bar on stderr; default: when stderr is a terminal.
        presplit: the files hold one sentence a line (blank lines skipped).
        break_lock: take over the output folder's lock (``_lock.json``)
            even though it names another run that may still be running. A
            lock left on this host by a process that has ended is taken over
            without it, with a warning.
        **align_options: what `aligner.align` takes: ``source_lang`` and
            ``target_lang`` (for the pairs whose manifest line names none),
            ``encoder`` (None for USE v3, a model name, or, in this process
            or if it can be pickled, an encoder object), ``window``, ``cache_dir``...

    Returns:
        A `BatchReport`. A pair that fails is recorded and the batch goes on.

    Raises:
        FormatError: a malformed manifest (the message names the line).
        InputError, LanguageError: a bad option, checked before any pair is aligned.
        EncoderError: the encoder cannot be loaded.
        OutputError: the output folder cannot be written (read-only, full,
            no permission; the message names the file) or another batch
            holds its lock (the message names its host, pid and start time).
        ClusterError: the cluster cannot be used (dask not installed, the
            scheduler not reachable, or lost during the batch: run again to go on).
        KeyboardInterrupt: on Ctrl-C, after the pairs done so far are
            recorded; run again with ``resume=True`` to go on.
    """
    start = time.perf_counter()
    from_file = isinstance(manifest, (str, os.PathLike))
    pairs = read_manifest(manifest) if from_file else list(manifest)
    if not from_file:
        check_pairs(pairs)
    options = _options(format, presplit, align_options)
    if cluster is not None:
        if workers is not None:
            raise InputError("give either workers (processes on this machine) or cluster (Dask), not both")
        _check_cluster(cluster)
        _check_sendable(options.encoder, "Dask workers")
    else:
        workers = _workers(workers)
        if workers > 1:
            _check_sendable(options.encoder, "worker processes")

    out = open_output_folder(output_dir, options.format, resume, break_lock)
    done = failed = sentences = warned = 0
    stage_seconds = dict.fromkeys((*STAGES, _WRITE_STAGE), 0.0)
    results: Iterator[PairResult] = iter(())
    bar = None
    ended = False
    try:
        done_before, again = out.resume_state(p.id for p in pairs) if resume else (set(), {})
        todo = [p for p in pairs if p.id not in done_before]
        skipped = len(pairs) - len(todo)
        by_id = {p.id: p for p in todo}
        results, backend = _backend(todo, options, workers, cluster)
        bar = _progress_bar(len(todo), progress)
        for result in results:
            for name, seconds in result.stages.items():
                stage_seconds[name] = stage_seconds.get(name, 0.0) + seconds
            began = time.perf_counter()
            if result.ok:
                try:
                    out.write(result)
                except OutputError:
                    raise  # the folder refuses every write (read-only, full): the batch stops
                except OSError as exc:  # this file alone (its name): the pair fails
                    result = PairResult(
                        result.id, seconds=result.seconds, error_type="OSError",
                        error=f"cannot write the output file {out.output_name(result.id)!r}: {exc.strerror or exc}",
                    )
            if result.ok:
                done += 1
                sentences += result.sentences
                warned += bool(result.warnings)
            else:
                failed += 1
                out.fail(result, by_id[result.id])
            stage_seconds[_WRITE_STAGE] += time.perf_counter() - began
            if bar is not None:
                bar.update(1)
                bar.set_postfix(sentences=sentences, failed=failed, refresh=False)
        ended = True
    finally:
        if bar is not None:
            bar.close()
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stops the workers at once when leaving early
        try:
            out.close()  # the records still held, and the lock
        except OutputError:
            if ended:
                raise  # else the error that stopped the batch is the one to see
    seconds = time.perf_counter() - start
    return BatchReport(
        total=len(pairs), done=done, skipped=skipped, failed=failed, sentences=sentences, seconds=seconds,
        documents_per_second=done / seconds if seconds > 0 else 0.0,
        sentences_per_second=sentences / seconds if seconds > 0 else 0.0,
        warned=warned, realigned=dict(Counter(again.values())),
        output_dir=out.display, done_file=out.done_display,
        failures_file=out.failures_display,
        stage_seconds={k: round(v, 3) for k, v in stage_seconds.items()}, backend=backend,
    )


def _backend(todo: list[Pair], options: PairOptions, workers: int | None, cluster: Any) -> tuple[Iterator[PairResult], str]:
    """The results of the pairs `todo` from the back-end the options choose, and its description."""
    if not todo:
        return iter(()), "nothing to do"
    if cluster is not None:
        try:
            from ._dask import run_on_dask
        except ImportError as exc:
            raise ClusterError(
                f"running on a Dask cluster needs dask and distributed ({exc}): pip install 'aligner[cluster]'"
            ) from None
        if isinstance(cluster, str) and cluster.startswith("local:"):
            n = int(cluster[len("local:"):])
            label = f"a local Dask cluster of {n} worker{'s' if n != 1 else ''}"
        else:
            label = f"Dask ({cluster if isinstance(cluster, str) else cluster.scheduler.address})"
        return run_on_dask(todo, options, cluster), label
    workers = min(workers or 1, len(todo))
    if workers > 1:
        return run_in_pool(todo, options, workers), f"{workers} worker processes"
    return run_in_process(todo, options), "1 process"


def _check_cluster(cluster: Any) -> None:
    """InputError unless `cluster` is a scheduler address, "local:N" or a distributed.Client."""
    if not isinstance(cluster, str):
        if type(cluster).__name__ == "Client" and type(cluster).__module__.startswith("distributed"):
            return
        raise InputError(f"cluster must be a scheduler address, 'local:N' or a distributed.Client; got {cluster!r}")
    if cluster.startswith("local:"):
        n = cluster[len("local:"):]
        if not (n.isdigit() and int(n) >= 1):
            raise InputError(f"cluster {cluster!r}: expected local:N with N a whole number >= 1 (workers to start)")
    elif not cluster.strip() or any(c.isspace() for c in cluster):
        raise InputError(f"cluster {cluster!r}: expected a scheduler address such as tcp://10.0.0.5:8786, or local:N")


def _check_sendable(encoder: Any, to: str) -> None:
    """InputError if an encoder object cannot travel to other processes."""
    if encoder is None or isinstance(encoder, str):
        return
    try:
        if to == "Dask workers":
            import cloudpickle  # what Dask uses for what pickle cannot do

            cloudpickle.dumps(encoder)
        else:
            pickle.dumps(encoder)
    except Exception as exc:
        how = "use cluster=None and workers=1" if to == "Dask workers" else "use workers=1"
        raise InputError(
            f"the encoder {type(encoder).__name__} cannot be sent to {to} "
            f"({type(exc).__name__}: {exc}); pass a model name (or None for USE v3), or {how}"
        ) from None


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
    from ..pipeline import parse_options

    parse_options(opts)


def _progress_bar(total: int, progress: bool | None):
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if not show or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="aligning", unit="doc", file=sys.stderr, dynamic_ncols=True)
