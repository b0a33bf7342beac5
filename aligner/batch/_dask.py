"""The Dask back-end of a batch: the pairs aligned by the workers of a Dask cluster.

Imported only when a batch is given a cluster (``cluster=`` / ``--cluster``):
it needs ``dask`` and ``distributed``, the ``cluster`` extra.

- The encoder travels once per worker, inside a worker plugin
  (`EncoderPlugin`), which loads it when the worker takes the plugin (or
  joins the cluster later) and keeps it for every pair; the tasks carry only
  the pair and the options. The plugin is named after the encoder
  (`plugin_name`) and stays on the workers after the batch: a rerun, or
  another batch with the same encoder, finds the model loaded, and a client
  killed mid-run leaves no second copy behind. Restart the workers (or
  ``client.unregister_worker_plugin(name)``) to free it.
- Every pair is aligned with one BLAS thread, as in the local back-ends, so
  that the bytes are the same whichever back-end ran it.
- The client submits a few pairs ahead of the workers' threads and takes
  the results as they complete (`distributed.as_completed`); the batch
  engine writes each one. When a worker dies, the scheduler gives its pairs
  to another worker. Pairs the scheduler gives up on (they were on
  ``distributed.scheduler.allowed-failures`` + 1 workers that died, 4 by
  default) are run again one at a time, alone; one that still kills its
  workers is reported as failed (``WorkerDied``) and the batch goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import replace
from typing import Any, Callable, Iterable, Iterator

import dask
from distributed import Client, KilledWorker, LocalCluster, WorkerPlugin, as_completed, get_worker

from . import _orphans
from ._manifest import Pair
from ._pool import died
from ._work import (
    PairOptions, PairResult, align_pair_one_thread, keep_freed_memory, make_encoder, one_thread, warm_up,
)
from ..errors import ClusterError

__all__ = ["run_on_dask", "connect", "EncoderPlugin"]

logger = logging.getLogger("aligner")

# Pairs submitted ahead of the cluster, per worker thread: a worker never waits
# for the client's next pair, and the client holds few futures however long the manifest.
_AHEAD_PER_THREAD = 2
_MIN_AHEAD = 2
# How often the client asks how many threads the cluster has (workers come and go).
_THREADS_EVERY = 2.0


def plugin_name(spec: Any) -> str:
    """The name of the worker plugin that holds the encoder of ``encoder=spec``."""
    if spec is None or isinstance(spec, str):
        data = repr(spec).encode("utf-8")
    else:
        import cloudpickle

        data = cloudpickle.dumps(spec)
    return f"aligner-encoder-{hashlib.blake2b(data, digest_size=8).hexdigest()}"


class EncoderPlugin(WorkerPlugin):
    """Builds a batch's encoder once on each worker and aligns the pairs with it.

    Pickled once per worker (only `spec` travels). Pairs are aligned one at a
    time per worker, whatever its threads: the encoder and the BLAS thread
    limit are the worker's, not a thread's.
    """

    # Registering it again under its name (a rerun, a second batch) keeps the loaded one.
    idempotent = True

    def __init__(self, spec: Any = None) -> None:
        self.spec = spec
        self._start()

    def _start(self) -> None:
        self._lock = threading.Lock()
        self._encoder: Any = None
        self._error: BaseException | None = None

    def __getstate__(self) -> dict:
        return {"spec": self.spec}

    def __setstate__(self, state: dict) -> None:
        self.spec = state["spec"]
        self._start()

    async def setup(self, worker: Any) -> None:
        nthreads = getattr(getattr(worker, "state", None), "nthreads", 1)
        if nthreads > 1:
            logger.warning(
                "aligner: this Dask worker has %d threads but aligns one pair at a time; start workers with "
                "--nthreads 1 (and --nworkers N for N cores)", nthreads,
            )
        keep_freed_memory()
        # In a thread: loading a model takes seconds, during which the worker must keep answering the scheduler.
        await asyncio.to_thread(self._load)

    def teardown(self, worker: Any) -> None:
        with self._lock:
            self._encoder = None

    def _load(self) -> None:
        with self._lock:
            if self._encoder is not None or self._error is not None:
                return
            try:
                with one_thread():
                    encoder = make_encoder(self.spec)
                    warm_up(encoder)
                self._encoder = encoder
            except Exception as exc:  # raised by the next pair: the client stops the batch with it
                self._error = exc

    def align(self, pair: Pair, options: PairOptions) -> PairResult:
        """`align_pair` with the worker's encoder, one BLAS thread."""
        self._load()  # a no-op once done; here in case a pair reaches a worker before its setup
        with self._lock:
            if self._error is not None:
                # Raised once: the batch stops on it, and the next batch tries loading again
                # (the plugin outlives the batch; the model may have been installed since).
                error, self._error = self._error, None
                raise error
            return align_pair_one_thread(pair, options, self._encoder)


def _align_task(pair: Pair, options: PairOptions, name: str) -> PairResult:
    """The task of one pair, run by a worker: `name` is the plugin that holds the encoder."""
    worker = get_worker()
    plugin = worker.plugins.get(name)
    if plugin is None:
        raise ClusterError(
            f"the Dask worker {worker.address} has no plugin {name!r} (removed while the batch ran?)"
        )
    return plugin.align(pair, options)


def connect(cluster: str | Client) -> tuple[Client, Callable[[], None], str]:
    """(client, the function that closes what was opened here, a description) for a cluster.

    `cluster`: a ``distributed.Client`` (used as it is, left open),
    ``"local:N"`` (a cluster of N single-threaded worker processes on this
    machine, started now and closed at the end) or a scheduler address
    (``tcp://host:8786``).
    """
    if isinstance(cluster, Client):
        return cluster, lambda: None, f"the Dask cluster of {cluster.scheduler.address}"
    if cluster.startswith("local:"):
        n = int(cluster[len("local:"):])
        try:
            # No dashboard, and the scheduler's HTTP endpoints on a free port rather than 8787, which may be taken.
            # The workers end with this process however it ends (aligner.batch._orphans): Dask's own
            # watch of the parent is a Python thread, which a worker busy in native code may not run.
            local = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                 scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, silence_logs=logging.ERROR,
                                 preload=[_orphans.__name__])
        except Exception as exc:
            raise ClusterError(f"cannot start a local Dask cluster of {n} workers: {type(exc).__name__}: {exc}") from exc
        client = Client(local, set_as_default=False)

        def close() -> None:
            client.close()
            local.close()

        return client, close, f"a local Dask cluster of {n} worker{'s' if n != 1 else ''}"
    try:
        client = Client(cluster, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {cluster}: {exc}") from None
    return client, client.close, f"the Dask cluster of {cluster}"


def _threads(client: Client) -> int:
    return sum(client.nthreads().values())


def run_on_dask(pairs: Iterable[Pair], options: PairOptions, cluster: str | Client) -> Iterator[PairResult]:
    """Align `pairs` on a Dask cluster; yields results as they complete.

    `cluster` is what `connect` takes. When the scheduler gives up on a pair
    because the workers running it kept dying (``KilledWorker``), that pair
    may only have been waiting on those workers behind the one that killed
    them: such pairs are run again one at a time, alone on the cluster, and
    only one that kills its workers alone is reported as failed
    (``WorkerDied``). Raises ClusterError when the cluster cannot be reached
    or is lost, and whatever a worker raises outside a pair's own failures
    (the encoder cannot be loaded, say).
    """
    todo = deque(pairs)
    if not todo:
        return
    client, close, _ = connect(cluster)
    run = secrets.token_hex(4)  # task keys unique to this run, whoever else uses the cluster
    name = plugin_name(options.encoder)
    # The plugin carries the encoder; the tasks need only its name.
    task_options = options if options.encoder is None or isinstance(options.encoder, str) else replace(
        options, encoder=None)
    allowed = dask.config.get("distributed.scheduler.allowed-failures")
    running: dict[Any, tuple[Pair, bool]] = {}  # future: (pair, run alone)
    suspects: deque[Pair] = deque()
    try:
        client.register_plugin(EncoderPlugin(options.encoder), name=name)
        futures = as_completed(loop=client.loop)
        threads, asked = _threads(client), time.monotonic()

        def submit(pair: Pair, alone: bool) -> None:
            key = f"align-{run}-{pair.id}" + ("-alone" if alone else "")
            future = client.submit(_align_task, pair, task_options, name, key=key)
            running[future] = (pair, alone)
            futures.add(future)

        def top_up() -> None:
            if suspects:
                if not running:  # the suspects wait for the cluster to be empty, then go one at a time
                    submit(suspects.popleft(), alone=True)
                return
            while todo and len(running) < max(_MIN_AHEAD, _AHEAD_PER_THREAD * threads):
                submit(todo.popleft(), alone=False)

        top_up()
        for future in futures:
            pair, alone = running.pop(future)
            killed = future.status == "error" and isinstance(future.exception(), KilledWorker)
            result = None if killed and not alone else _result(future, pair, allowed)
            del future  # the client's last reference: the scheduler forgets the result
            if result is None:
                suspects.append(pair)
            else:
                yield result
            if time.monotonic() - asked > _THREADS_EVERY:
                threads, asked = _threads(client), time.monotonic()
            top_up()
    finally:
        try:
            if running:
                client.cancel(list(running))
            running.clear()
        except Exception as exc:  # the cluster is gone: nothing left there to cancel
            logger.debug("aligner: could not cancel the pairs left on the cluster: %s", exc)
        finally:
            with _quiet("distributed.client"):
                close()


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Silence a logger inside the with-block.

    Closing a client whose scheduler is lost cancels its attempts to
    reconnect, which the client logs as an error with a traceback; the
    batch says the cluster was lost in its own error (ClusterError).
    """
    log = logging.getLogger(name)
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _result(future: Any, pair: Pair, allowed: int) -> PairResult:
    if future.status == "finished":
        try:
            return future.result()
        except OSError as exc:  # CommClosedError: the scheduler lost between the pair's end and the fetch of its result
            raise _lost(f"the result of the pair {pair.id!r} could not be fetched ({exc})") from None
    if future.status == "cancelled":
        raise _lost(f"the Dask cluster dropped the pair {pair.id!r} (the scheduler was lost or restarted)")
    exc = future.exception()
    if isinstance(exc, KilledWorker):
        return died(pair, how=f"alone, on {allowed + 1} workers in turn")
    return future.result()  # raises the worker's exception, with its traceback


def _lost(what: str) -> ClusterError:
    return ClusterError(f"{what}; the pairs done so far are recorded: run the batch again to go on")
