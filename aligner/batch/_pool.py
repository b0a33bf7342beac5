"""The local back-ends of a batch: this process, or a pool of worker processes on this machine.

Each is a function ``(pairs, options, ...) -> Iterator[PairResult]`` that
yields a result per pair as it comes; the batch engine (`aligner.batch`)
writes them. `aligner.batch._dask` is the third back-end, with the same shape.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from ._manifest import Pair
from ._orphans import die_with_parent
from ._work import (
    PairOptions, PairResult, align_pair_one_thread, keep_freed_memory, make_encoder, one_thread, warm_up,
)

__all__ = ["run_in_process", "run_in_pool", "died"]

# Pairs handed to the pool ahead of the workers, per worker: enough to keep
# them busy, few enough that memory stays flat on a manifest of a million lines.
_AHEAD_PER_WORKER = 2

# The one piece of module-level state of the pool. In a worker process (never
# in the caller's process), `_init_worker` builds the encoder once and keeps it
# here, with the error if it could not be built, for every pair that worker
# aligns. In-process runs pass their encoder as an argument.
_WORKER_ENCODER: Any = None
_WORKER_ERROR: BaseException | None = None


def _init_worker(encoder_spec: Any) -> None:
    global _WORKER_ENCODER, _WORKER_ERROR
    keep_freed_memory()
    try:
        with one_thread():  # loading a model need not compete with the other workers for the cores
            encoder = make_encoder(encoder_spec)
            warm_up(encoder)
        _WORKER_ENCODER = encoder
    except BaseException as exc:  # reported by the first task, which stops the batch
        _WORKER_ERROR = exc


def _start_worker(parent_pid: int, initializer: Callable[..., None] | None, *initargs: Any) -> None:
    """Every worker's first call: end with the batch's process, however it ends (SIGKILL included), then start."""
    die_with_parent(parent_pid)
    if initializer is not None:
        initializer(*initargs)


def _worker_align(pair: Pair, options: PairOptions) -> PairResult:
    if _WORKER_ERROR is not None:
        raise _WORKER_ERROR
    return align_pair_one_thread(pair, options, _WORKER_ENCODER)


def died(pair: Pair, how: str = "alone") -> PairResult:
    """The failed result of a pair whose worker process died while aligning it."""
    return PairResult(
        pair.id, error=f"the worker process died while aligning this pair, {how} (out of memory? a crash in a "
        "native library?)", error_type="WorkerDied", unexpected=True,
    )


def run_in_process(pairs: Iterable[Pair], options: PairOptions, encoder: Any = None) -> Iterator[PairResult]:
    """Align `pairs` one after the other in this process, with one BLAS thread; yields results in order.

    `encoder`: an encoder already built (by default `make_encoder` of
    ``options.encoder``, loaded and warmed up before the first pair).
    """
    if encoder is None:
        with one_thread():
            encoder = make_encoder(options.encoder)
            warm_up(encoder)
    for pair in pairs:
        yield align_pair_one_thread(pair, options, encoder)


def run_in_pool(
    pairs: Iterable[Pair], options: PairOptions, workers: int, *,
    task: Callable[[Pair, PairOptions], PairResult] = _worker_align,
    initializer: Callable[..., None] | None = _init_worker, initargs: tuple = (),
) -> Iterator[PairResult]:
    """Align `pairs` in `workers` processes ('spawn'); yields results as they complete.

    Each worker runs `initializer(*initargs)` once (by default: build the
    encoder of ``options.encoder``), then `task(pair, options)` per pair; it
    ends with this process, even one killed by SIGKILL (`die_with_parent`). If a
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
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_worker,
                                   initargs=(os.getpid(), initializer, *initargs))
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
                            yield died(pair)
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
