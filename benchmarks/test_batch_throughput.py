"""Batch throughput: documents/s of each back-end, as ratios to the single-process batch; Dask's cost per pair.

The corpus: the 25 FLORES-101 dev French–Arabic documents of the accuracy
benchmarks (benchmarks/datasets.py), four times over under different ids
(100 pairs, about 73 sentences a pair, one sentence a line, ``presplit``).
Each back-end aligns the whole corpus through the engine's own back-end
functions (what `align_batch` runs; the client's writing of the outputs,
the same for all, is left out):

- ``process`` (the baseline): this process, one BLAS thread (``workers=1``);
- ``pool-1``, ``pool-2``: a pool of 1 and 2 worker processes (``workers=N``);
- ``dask-2``: a local Dask cluster of 2 single-threaded workers
  (``cluster="local:2"``), started by the run;
- ``process-2-threads``: this process, the encoder's forward pass on 2 BLAS
  threads (the rest of the alignment on one): one process using both cores.

Two figures per back-end: documents/s once started (from the first result
to the last: what a long batch sees) and end to end (start-up included:
spawning workers, loading the encoder, starting the cluster). Each back-end
runs ``ROUNDS`` times, the rounds interleaved, and the fastest round counts:
the machine is shared, and the fastest round is the one least disturbed.

Dask's cost per pair: 200 tiny pairs (2 sentences a side) aligned in this
process and on a local Dask cluster of one single-threaded worker; the
difference of the times per pair, once started, is what Dask adds to each
pair. With the time per sentence of the FLORES run, it gives the smallest
pair for which that cost stays under 10 %.

The Dask workers' peak RSS (VmHWM, from /proc) is recorded too: the memory a
worker needs with the default encoder.

Last, what each process of a real cluster spends per pair: a `dask scheduler`
and two `dask worker` processes started as on a cluster, the client being
this process; the CPU time of each per pair, on the FLORES corpus and on the
tiny pairs. The scheduler and the client each run one Python thread: their
cost per pair bounds the pairs per second one batch can go through.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from aligner.batch import Pair, PairOptions, run_in_pool, run_in_process
from aligner.encoders import USEEncoder

from ._common import loadavg
from .datasets import DataMissing, load

COPIES = 4
ROUNDS = 3
TINY_PAIRS = 200
BASELINE = "process"
BACKENDS = ("process", "pool-1", "pool-2", "dask-2", "process-2-threads")
BACKEND_NOTES = {
    "process": "this process, one BLAS thread (workers=1): the baseline",
    "pool-1": "a pool of 1 worker process (workers=N, N=1)",
    "pool-2": "a pool of 2 worker processes (workers=2)",
    "dask-2": "a local Dask cluster of 2 single-threaded workers (cluster='local:2')",
    "process-2-threads": "this process, the encoder on 2 BLAS threads: one process using both cores",
}


def _write(folder: Path, docs, copies: int) -> list[Pair]:
    folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    for copy in range(copies):
        for doc in docs:
            pid = f"{doc.name}-{copy}"
            (folder / f"{pid}.fr").write_text("\n".join(doc.source) + "\n", encoding="utf-8")
            (folder / f"{pid}.ar").write_text("\n".join(doc.target) + "\n", encoding="utf-8")
            pairs.append(Pair(pid, str(folder / f"{pid}.fr"), str(folder / f"{pid}.ar"), "fr", "ar"))
    return pairs


def _tiny(folder: Path, docs, n: int) -> list[Pair]:
    """`n` pairs of 2 sentences a side, made of the documents' 1-1 beads, two by two."""
    folder.mkdir(parents=True, exist_ok=True)
    ones = [(d.source[s[0]], d.target[t[0]]) for d in docs for s, t in d.gold if len(s) == 1 and len(t) == 1]
    pairs = []
    for k in range(n):
        (s1, t1), (s2, t2) = ones[(2 * k) % len(ones)], ones[(2 * k + 1) % len(ones)]
        pid = f"tiny{k:03d}"
        (folder / f"{pid}.fr").write_text(f"{s1}\n{s2}\n", encoding="utf-8")
        (folder / f"{pid}.ar").write_text(f"{t1}\n{t2}\n", encoding="utf-8")
        pairs.append(Pair(pid, str(folder / f"{pid}.fr"), str(folder / f"{pid}.ar"), "fr", "ar"))
    return pairs


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its living descendants (workers), so far."""
    import psutil  # comes with distributed

    me = psutil.Process()
    total = 0.0
    for proc in [me, *me.children(recursive=True)]:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass  # ended between the listing and the reading
    return total


def _timed(results, expected: int) -> dict:
    """Run a back-end's `expected` results to the end: times of the start, first and last result; CPU between."""
    start = time.perf_counter()
    first = last = None
    cpu_first = cpu_last = 0.0
    n = sentences = failed = 0
    for result in results:
        n += 1
        sentences += result.sentences
        failed += not result.ok
        if n == 1:
            first = time.perf_counter()
            cpu_first = _cpu_seconds()
        if n == expected:  # the workers still live: their CPU time is still there to read
            last = time.perf_counter()
            cpu_last = _cpu_seconds()
    end = time.perf_counter()
    return {"pairs": n, "sentences": sentences, "failed": failed, "end_to_end_seconds": end - start,
            "seconds": last - first, "startup_seconds": first - start, "cpu_seconds": cpu_last - cpu_first}


def _peak_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _run_dask(pairs, options, workers: int, memory: dict | None = None) -> dict:
    from aligner.batch._dask import connect, run_on_dask

    start = time.perf_counter()
    client, close, _ = connect(f"local:{workers}")
    try:
        started = time.perf_counter() - start
        if memory is not None:
            pids = client.run(os.getpid)
            memory["idle_mb"] = [round(_peak_rss_mb(p) or 0, 1) for p in pids.values()]
        entry = _timed(run_on_dask(pairs, options, client), len(pairs))
        if memory is not None:
            memory["peak_mb"] = [round(_peak_rss_mb(p) or 0, 1) for p in pids.values()]
    finally:
        close()
    entry["end_to_end_seconds"] += started
    entry["startup_seconds"] += started
    entry["cluster_start_seconds"] = started
    return entry


def _run(name: str, pairs, options, memory: dict | None = None) -> dict:
    if name == "process":
        return _timed(run_in_process(pairs, options), len(pairs))
    if name == "pool-1":
        return _timed(run_in_pool(pairs, options, 1), len(pairs))
    if name == "pool-2":
        return _timed(run_in_pool(pairs, options, 2), len(pairs))
    if name == "dask-2":
        return _run_dask(pairs, options, 2, memory)
    if name == "process-2-threads":
        start = time.perf_counter()
        encoder = USEEncoder(threads=2)
        from aligner.batch._work import warm_up

        warm_up(encoder)
        entry = _timed(run_in_process(pairs, options, encoder=encoder), len(pairs))
        loading = time.perf_counter() - start - entry["end_to_end_seconds"]
        entry["end_to_end_seconds"] += loading
        entry["startup_seconds"] += loading
        return entry
    raise ValueError(name)


@pytest.fixture(scope="module")
def flores_docs(results):
    pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install -e '.[cluster]'")
    try:
        return load("flores-fr-ar")
    except DataMissing as exc:
        results.skipped["batch throughput"] = str(exc)
        pytest.skip(f"flores-fr-ar: {exc}")


def test_batch_throughput(flores_docs, results, tmp_path, benchmark):
    benchmark.group = "batch throughput"
    pairs = _write(tmp_path / "flores", flores_docs, COPIES)
    options = PairOptions(presplit=True)
    load_before = loadavg()
    rounds: dict[str, list[dict]] = {name: [] for name in BACKENDS}
    memory: dict = {}

    def measure():
        for _ in range(ROUNDS):
            for name in BACKENDS:
                rounds[name].append(_run(name, pairs, options, memory if name == "dask-2" else None))

    benchmark.pedantic(measure, rounds=1, iterations=1)
    backends = {}
    for name in BACKENDS:
        best = min(rounds[name], key=lambda e: e["seconds"])
        assert best["pairs"] == len(pairs) and best["failed"] == 0
        e2e = min(e["end_to_end_seconds"] for e in rounds[name])
        backends[name] = {
            "what": BACKEND_NOTES[name],
            "documents_per_second": round((best["pairs"] - 1) / best["seconds"], 3),
            "sentences_per_second": round(best["sentences"] * (best["pairs"] - 1) / best["pairs"] / best["seconds"], 1),
            "end_to_end_documents_per_second": round(best["pairs"] / e2e, 3),
            "startup_seconds": round(min(e["startup_seconds"] for e in rounds[name]), 2),
            # CPU time (all processes of the back-end, this one included) per document, once started:
            # what the back-end costs, whatever else the machine was doing.
            "cpu_seconds_per_document": round(min(e["cpu_seconds"] / (e["pairs"] - 1) for e in rounds[name]), 4),
            "rounds_documents_per_second": [round((e["pairs"] - 1) / e["seconds"], 3) for e in rounds[name]],
        }
    base = backends[BASELINE]
    for e in backends.values():
        e["ratio_to_single_process"] = round(e["documents_per_second"] / base["documents_per_second"], 3)
        e["end_to_end_ratio"] = round(e["end_to_end_documents_per_second"] / base["end_to_end_documents_per_second"], 3)
    sentences = sum(len(d.source) + len(d.target) for d in flores_docs) * COPIES
    entry = {
        "corpus": f"{len(pairs)} pairs: the {len(flores_docs)} flores-fr-ar documents x {COPIES}, "
                  f"{sentences / len(pairs):.0f} sentences a pair (source + target), presplit",
        "pairs": len(pairs),
        "sentences_per_pair": round(sentences / len(pairs), 1),
        "rounds": ROUNDS,
        "backends": backends,
        "dask_worker_memory_mb": memory,
        "load_average": {"start": load_before, "end": loadavg()},
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    }
    results.batch.update(entry)
    benchmark.extra_info.update({k: v for k, v in entry.items() if k != "backends"})
    assert backends["pool-2"]["documents_per_second"] > 0


def test_dask_overhead_per_pair(flores_docs, results, tmp_path, benchmark):
    benchmark.group = "batch throughput"
    tiny = _tiny(tmp_path / "tiny", flores_docs, TINY_PAIRS)
    options = PairOptions(presplit=True)
    load_before = loadavg()
    runs: dict[str, list[dict]] = {"in_process": [], "dask": []}

    def measure():
        for _ in range(ROUNDS):
            runs["in_process"].append(_timed(run_in_process(tiny, options), len(tiny)))
            runs["dask"].append(_run_dask(tiny, options, 1))

    benchmark.pedantic(measure, rounds=1, iterations=1)
    per_pair = {k: min(e["seconds"] / (e["pairs"] - 1) for e in v) for k, v in runs.items()}
    cpu_per_pair = {k: min(e["cpu_seconds"] / (e["pairs"] - 1) for e in v) for k, v in runs.items()}
    overhead = per_pair["dask"] - per_pair["in_process"]
    entry = {
        "pairs": TINY_PAIRS,
        "sentences_per_pair": 4,
        "in_process_ms_per_pair": round(per_pair["in_process"] * 1000, 2),
        "dask_ms_per_pair": round(per_pair["dask"] * 1000, 2),
        "overhead_ms_per_pair": round(overhead * 1000, 2),
        "in_process_cpu_ms_per_pair": round(cpu_per_pair["in_process"] * 1000, 2),
        "dask_cpu_ms_per_pair": round(cpu_per_pair["dask"] * 1000, 2),
        "cpu_overhead_ms_per_pair": round((cpu_per_pair["dask"] - cpu_per_pair["in_process"]) * 1000, 2),
        "dask_cluster": "local:1 (one single-threaded worker; the scheduler and the client in this process)",
        "load_average": {"start": load_before, "end": loadavg()},
    }
    base = results.batch.get("backends", {}).get(BASELINE)
    if base:
        # CPU, not wall time: both are costs on a worker's core, and CPU time holds on a busy machine.
        cpu_per_sentence = base["cpu_seconds_per_document"] / results.batch["sentences_per_pair"]
        cpu_overhead = cpu_per_pair["dask"] - cpu_per_pair["in_process"]
        entry["in_process_cpu_ms_per_sentence"] = round(cpu_per_sentence * 1000, 3)
        # Dask's cost under 10 % of the pair's own from this many sentences (source + target) on.
        entry["sentences_for_10_percent"] = max(1, round(max(cpu_overhead, 0) / (0.1 * cpu_per_sentence)))
    results.batch["dask_overhead"] = entry
    benchmark.extra_info.update(entry)
    assert all(e["failed"] == 0 for v in runs.values() for e in v)


class _Cluster:
    """A `dask scheduler` and `dask worker` processes on 127.0.0.1 (as on a real cluster: each its own process)."""

    def __init__(self, folder: Path, workers: int) -> None:
        import json
        import subprocess
        import sys

        folder.mkdir(parents=True, exist_ok=True)
        info = folder / "scheduler.json"
        dask = [str(Path(sys.executable).with_name("dask"))]
        self.procs = [subprocess.Popen(dask + ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                               "--scheduler-file", str(info)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        deadline = time.monotonic() + 60
        while not (info.exists() and "address" in info.read_text(encoding="utf-8")):
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                self.close()
                raise RuntimeError("the scheduler did not start")
            time.sleep(0.1)
        self.address = json.loads(info.read_text(encoding="utf-8"))["address"]
        self.procs += [subprocess.Popen(dask + ["worker", self.address, "--nthreads", "1", "--no-dashboard",
                                                "--host", "127.0.0.1", "--local-directory", str(folder / f"w{k}")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                       for k in range(workers)]
        from distributed import Client

        with Client(self.address, set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
            # The workers' own pids (under their nannies), to read their CPU time.
            self.worker_pids = list(client.run(os.getpid).values())

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()  # processes this benchmark started, by their pids
        for proc in self.procs:
            proc.wait(timeout=60)


def _cpu_of(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


def test_client_and_scheduler_cost(flores_docs, results, tmp_path, benchmark):
    """CPU per pair of the client, the scheduler and the workers, each its own process, as on a real cluster."""
    benchmark.group = "batch throughput"
    from aligner.batch._dask import run_on_dask

    corpora = {"flores": _write(tmp_path / "flores", flores_docs, COPIES),
               "tiny": _tiny(tmp_path / "tiny", flores_docs, TINY_PAIRS)}
    options = PairOptions(presplit=True)
    entry: dict = {"workers": 2, "how": "dask scheduler and 2 dask worker processes (with nannies), 127.0.0.1; "
                   "the client is this process; CPU time from the first result to the last"}

    def measure():
        cluster = _Cluster(tmp_path / "cluster", 2)
        try:
            groups = {"client": [os.getpid()], "scheduler": [cluster.procs[0].pid], "workers": cluster.worker_pids}
            for name, pairs in corpora.items():
                n = 0
                for _ in run_on_dask(pairs, options, cluster.address):
                    n += 1
                    if n == 1:
                        start, before = time.perf_counter(), {g: _cpu_of(p) for g, p in groups.items()}
                    if n == len(pairs):
                        seconds, after = time.perf_counter() - start, {g: _cpu_of(p) for g, p in groups.items()}
                entry[name] = {"pairs": n, "documents_per_second": round((n - 1) / seconds, 2),
                               **{f"{g}_cpu_ms_per_pair": round((after[g] - before[g]) / (n - 1) * 1000, 2)
                                  for g in groups}}
        finally:
            cluster.close()

    benchmark.pedantic(measure, rounds=1, iterations=1)
    entry["load_average"] = loadavg()
    results.batch["client_and_scheduler"] = entry
    benchmark.extra_info.update(entry)
    assert entry["flores"]["client_cpu_ms_per_pair"] > 0
