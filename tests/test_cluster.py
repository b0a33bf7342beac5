"""Batch mode on Dask: a real scheduler and real workers, started as processes on 127.0.0.1.

The corpus: 56 French–Arabic documents of 16 to 22 sentences cut from the
seeds (seeds/ankara.*), one sentence a line, plus five bad pairs: built
in the test, so that it runs on a fresh clone. Every good result on the
cluster must be the single-process result, byte for byte.

- the integration test runs the manifest on a scheduler and two workers;
- the fault test kills a worker process (by its pid) while it is aligning
  a pair: the batch completes, every pair done once, no partial file;
- the resume test kills the client (the ``aligner align-batch`` command)
  half-way, runs it again, and checks that nothing done is done again.

Needs the cluster extra (dask, distributed); skips, saying so, without it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install -e '.[cluster]'")

from _processes import orphans_of_a_killed  # noqa: E402

from aligner import ClusterError, InputError  # noqa: E402
from aligner.batch import DONE_FILE, FAILURES_FILE, Pair, align_batch, read_manifest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FR = [line for line in (ROOT / "seeds" / "ankara.fr.txt").read_text(encoding="utf-8").split("\n") if line.strip()]
AR = [line for line in (ROOT / "seeds" / "ankara.ar.txt").read_text(encoding="utf-8").split("\n") if line.strip()]

N_DOCS = 56
# Bad pairs: what the failures file must say about each.
BAD = {
    "missing": "No such file or directory",
    "folder": "cannot read the source file",
    "latin1": "is not UTF-8",
    "utf16": "is not UTF-8",
    "empty": "the target side is empty",
}
STEP = 0.1  # seconds between two looks at a process or a file
START_TIMEOUT = 120
RUN_TIMEOUT = 300


def write_corpus(folder: Path) -> tuple[Path, list[str]]:
    """The manifest (TSV) of the seed documents and the bad pairs; returns it and the good ids."""
    d = folder / "docs"
    d.mkdir()
    rows = ["id\tsource\ttarget\tsource_lang\ttarget_lang"]
    good = []
    for k in range(N_DOCS):
        pid = f"seed-{k:02d}"
        # Each document starts at another sentence of the article, and the lengths vary.
        (d / f"{pid}.fr").write_text("\n".join((FR * 3)[k % 12: k % 12 + 16 + k % 5]) + "\n", encoding="utf-8")
        (d / f"{pid}.ar").write_text("\n".join((AR * 3)[k % 14: k % 14 + 18 + k % 5]) + "\n", encoding="utf-8")
        rows.append(f"{pid}\tdocs/{pid}.fr\tdocs/{pid}.ar\tfr\tar")
        good.append(pid)
    first = good[0]
    (d / "latin1.fr").write_bytes("Première phrase.\nDeuxième, très différente.\n".encode("latin-1"))
    (d / "utf16.fr").write_bytes("Première phrase.\nDeuxième phrase.\n".encode("utf-16"))
    (d / "empty.ar").write_text("\n\n", encoding="utf-8")
    (d / "a-folder.fr").mkdir()
    rows += [
        f"missing\tdocs/nope.fr\tdocs/{first}.ar\tfr\tar",
        f"folder\tdocs/a-folder.fr\tdocs/{first}.ar\tfr\tar",
        f"latin1\tdocs/latin1.fr\tdocs/{first}.ar\tfr\tar",
        f"utf16\tdocs/utf16.fr\tdocs/{first}.ar\tfr\tar",
        f"empty\tdocs/{first}.fr\tdocs/empty.ar\tfr\tar",
    ]
    manifest = folder / "pairs.tsv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return manifest, good


def records(path: Path) -> list[dict]:
    """The complete lines of a records file (a line cut short by a killed process is left out)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return out


def wait_for(what: str, condition, timeout: float, procs=()) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(f"waiting for {what}: a process ended (exit {proc.returncode})")
        if time.monotonic() > deadline:
            raise AssertionError(f"waiting for {what}: timed out after {timeout:.0f} s")
        time.sleep(STEP)


def dask_command(*args: str) -> list[str]:
    """The `dask` command of this environment (its script, or python -m dask)."""
    script = Path(sys.executable).with_name("dask")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "dask", *args]


class LoopbackCluster:
    """`dask scheduler` and `dask worker` processes on 127.0.0.1; everything started is killed on exit."""

    def __init__(self, folder: Path, workers: int = 2) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n = workers
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.folder)
        log.close()
        self.procs.append(proc)
        return proc

    def __enter__(self) -> "LoopbackCluster":
        try:
            self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start(self) -> None:
        info = self.folder / "scheduler.json"
        info.unlink(missing_ok=True)  # a stale one would give the address of a scheduler long gone
        scheduler = self._start("scheduler", dask_command(
            "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(info)))
        wait_for("the scheduler", info.exists, START_TIMEOUT, [scheduler])
        wait_for("the scheduler's address", lambda: "address" in info.read_text(encoding="utf-8"), 10, [scheduler])
        self.address = json.loads(info.read_text(encoding="utf-8"))["address"]
        for k in range(self.n):
            # No nanny: the pid is the worker's own, and a killed worker stays dead.
            self.workers.append(self._start(f"worker{k}", dask_command(
                "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                "--death-timeout", "60", "--local-directory", str(self.folder / f"w{k}"), "--name", f"w{k}")))
        with self.client() as client:
            client.wait_for_workers(self.n, timeout=START_TIMEOUT)

    @contextlib.contextmanager
    def client(self):
        from distributed import Client

        client = Client(self.address, set_as_default=False, timeout=30)
        try:
            yield client
        finally:
            client.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.folder.glob("*.log")))

    def __exit__(self, *exc) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.kill()  # a process this fixture started, by its pid
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="module")
def reference(corpus):
    """The single-process results, the yardstick of every cluster run."""
    manifest, _ = corpus
    out = manifest.parent / "single"
    report = align_batch(manifest, out, workers=1, presplit=True, progress=False)
    assert (report.done, report.failed) == (N_DOCS, len(BAD))
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with LoopbackCluster(tmp_path_factory.mktemp("cluster")) as c:
        yield c


def batch_command(manifest: Path, out: Path, address: str) -> list[str]:
    return [sys.executable, "-m", "aligner", "align-batch", str(manifest), "-o", str(out), "--cluster", address,
            "--presplit", "--no-progress"]


def check_outputs(out: Path, good: list[str], reference: Path) -> None:
    """Every good pair done once, as the single-process run did it; every bad one failed; no partial file."""
    done = [r["id"] for r in records(out / DONE_FILE)]
    assert sorted(done) == sorted(good), "every good pair recorded as done exactly once"
    for pid in good:
        assert (out / f"{pid}.json").read_bytes() == (reference / f"{pid}.json").read_bytes(), pid
    failures = {r["id"]: r for r in records(out / FAILURES_FILE)}
    assert set(failures) == set(BAD)
    for pid, words in BAD.items():
        assert words in failures[pid]["error"], (pid, failures[pid]["error"])
        assert failures[pid]["type"] == "InputError"
    names = {p.name for p in out.iterdir()}
    assert names == {f"{pid}.json" for pid in good} | {DONE_FILE, FAILURES_FILE}, "no temporary or stray file"


def test_cluster_gives_the_single_process_results(corpus, reference, cluster, tmp_path):
    manifest, good = corpus
    out = tmp_path / "out"
    report = align_batch(manifest, out, cluster=cluster.address, presplit=True, progress=False)
    assert (report.total, report.done, report.skipped, report.failed) == (N_DOCS + len(BAD), N_DOCS, 0, len(BAD))
    assert report.backend == f"Dask ({cluster.address})"
    assert report.stage_seconds["embed"] > 0 and report.stage_seconds["align"] > 0
    assert "time per stage, summed over workers" in report.summary()
    check_outputs(out, good, reference)
    with cluster.client() as client:
        # The encoder stays loaded on each worker for the next batch (see aligner/batch/_dask.py).
        plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
        assert all(any(p.startswith("aligner-encoder-") for p in names) for names in plugins.values())
    again = align_batch(manifest, out, cluster=cluster.address, presplit=True, progress=False)
    assert (again.done, again.skipped, again.failed) == (0, N_DOCS, len(BAD))


def test_a_killed_worker_loses_nothing(corpus, reference, tmp_path):
    manifest, good = corpus
    out = tmp_path / "out"
    with LoopbackCluster(tmp_path / "cluster") as cluster, cluster.client() as observer:
        pids = observer.run(os.getpid)  # {worker address: pid}
        batch = subprocess.Popen(batch_command(manifest, out, cluster.address), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        try:
            wait_for("10 pairs done", lambda: len(records(out / DONE_FILE)) >= 10, RUN_TIMEOUT, [batch])
            # The victim is a worker in the middle of a pair, so that pair must be aligned again elsewhere.
            victim, busy = None, []
            deadline = time.monotonic() + 30
            while victim is None and time.monotonic() < deadline:
                busy = [addr for addr, keys in observer.processing().items() if keys]
                victim = next((w for w in cluster.workers if w.pid in {pids[a] for a in busy}), None)
            assert victim is not None, "no worker was aligning a pair"
            done_at_kill = len(records(out / DONE_FILE))
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(timeout=30)
            stdout, stderr = batch.communicate(timeout=RUN_TIMEOUT)
        finally:
            if batch.poll() is None:
                batch.kill()
                batch.wait()
        logs = cluster.logs()
    assert batch.returncode == 0, stderr.decode(errors="replace") + logs
    assert done_at_kill < N_DOCS, "the worker was killed before the end of the batch"
    assert f"{N_DOCS + len(BAD)} pairs: {N_DOCS} aligned, 0 skipped (already done), {len(BAD)} failed" in stdout.decode()
    check_outputs(out, good, reference)


def test_a_stopped_client_resumes_without_redoing(corpus, reference, cluster, tmp_path):
    manifest, good = corpus
    out = tmp_path / "out"
    command = batch_command(manifest, out, cluster.address)
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for("a third of the pairs done", lambda: len(records(out / DONE_FILE)) >= N_DOCS // 3, RUN_TIMEOUT,
                 [first])
    finally:
        first.kill()  # the client, stopped hard half-way: no chance to tidy up
        first.wait(timeout=30)
    before = {r["id"] for r in records(out / DONE_FILE)}
    assert N_DOCS // 3 <= len(before) < N_DOCS
    lines_before = len((out / DONE_FILE).read_text(encoding="utf-8").splitlines())
    mtimes = {pid: (out / f"{pid}.json").stat().st_mtime_ns for pid in before}

    second = subprocess.run(command, capture_output=True, timeout=RUN_TIMEOUT)
    assert second.returncode == 0, second.stderr.decode(errors="replace")
    skipped = len(before)
    assert (f"{N_DOCS + len(BAD)} pairs: {N_DOCS - skipped} aligned, {skipped} skipped (already done), "
            f"{len(BAD)} failed") in second.stdout.decode()
    redone = {r["id"] for r in records(out / DONE_FILE)[lines_before:]} & before
    assert not redone, f"done again: {sorted(redone)}"
    assert {pid: (out / f"{pid}.json").stat().st_mtime_ns for pid in before} == mtimes
    check_outputs(out, good, reference)


def test_local_cluster(corpus, reference, tmp_path):
    """cluster="local:N" starts its own workers, and gives the same bytes."""
    manifest, good = corpus
    pairs = [p for p in read_manifest(manifest) if p.id in good[:6]]
    report = align_batch(pairs, tmp_path / "out", cluster="local:2", presplit=True, progress=False)
    assert (report.done, report.failed) == (6, 0)
    assert report.backend == "a local Dask cluster of 2 workers"
    for pid in good[:6]:
        assert (tmp_path / "out" / f"{pid}.json").read_bytes() == (reference / f"{pid}.json").read_bytes()


def _death_signal() -> int:
    """The signal this process gets when its parent dies (Linux's PR_GET_PDEATHSIG); 0 for none."""
    import ctypes

    value = ctypes.c_int()
    ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
    return value.value


def test_local_workers_end_with_the_batch(corpus, tmp_path):
    """cluster="local:N": the workers are set to die with the batch's process; SIGKILL the batch, none is left."""
    from aligner.batch._dask import connect

    if sys.platform.startswith("linux"):
        client, close, _ = connect("local:1")
        try:
            assert set(client.run(_death_signal).values()) == {signal.SIGKILL}
        finally:
            close()
    manifest, _ = corpus
    out = tmp_path / "out"
    batch = subprocess.Popen(batch_command(manifest, out, "local:2"), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    children, left = orphans_of_a_killed(batch, lambda _: len(records(out / DONE_FILE)) >= 2, START_TIMEOUT)
    assert len(children) >= 2  # two workers (the nanny runs in the batch's process), and a resource tracker
    assert not left, f"processes left after the batch was killed: {sorted(left)}"


def test_a_lost_scheduler_stops_the_batch(corpus, tmp_path):
    """The scheduler killed mid-run: the batch stops with a ClusterError (one line, exit 2); a rerun goes on."""
    manifest, good = corpus
    out = tmp_path / "out"
    with LoopbackCluster(tmp_path / "cluster") as cluster:
        batch = subprocess.Popen(batch_command(manifest, out, cluster.address), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        try:
            wait_for("5 pairs done", lambda: len(records(out / DONE_FILE)) >= 5, RUN_TIMEOUT, [batch])
            scheduler = cluster.procs[0]
            scheduler.kill()
            scheduler.wait(timeout=30)
            stdout, stderr = batch.communicate(timeout=RUN_TIMEOUT)
        finally:
            if batch.poll() is None:
                batch.kill()
                batch.wait()
    err = stderr.decode(errors="replace")
    assert batch.returncode == 2, err
    assert "Traceback" not in err and err.startswith("aligner: error: "), err
    done = {r["id"] for r in records(out / DONE_FILE)}
    assert 5 <= len(done) < N_DOCS
    assert not (out / "_lock.json").exists()  # the client ended on its own: it released the folder
    report = align_batch(manifest, out, workers=1, presplit=True, progress=False)
    assert (report.skipped, report.done) == (len(done), N_DOCS - len(done))


def _killer_encoder():
    """The default encoder, but the worker process dies when it is given a text with KILL in it.

    A class defined in a function: Dask sends it by value (cloudpickle), as
    the workers cannot import this test module.
    """
    from aligner.encoders import USEEncoder

    class Killer:
        def __init__(self):
            self.inner = USEEncoder(threads=1)
            self.name = self.inner.name

        def encode(self, texts):
            if any("KILL" in t for t in texts):
                os._exit(3)
            return self.inner.encode(texts)

    return Killer()


def test_a_pair_that_kills_its_workers_fails_alone(corpus, tmp_path):
    """A pair that kills every worker it is given is reported as failed (WorkerDied); the others are done.

    The pairs waiting on the killed workers behind it may be given up by the
    scheduler too: they are run again alone, and done.
    """
    import dask

    manifest, good = corpus
    (tmp_path / "kill.fr").write_text("KILL\n", encoding="utf-8")
    (tmp_path / "kill.ar").write_text("اقتل\n", encoding="utf-8")
    pairs = [p for p in read_manifest(manifest) if p.id in good[:4]]
    pairs.insert(1, Pair("killer", str(tmp_path / "kill.fr"), str(tmp_path / "kill.ar"), "fr", "ar"))
    # The scheduler runs in this process (local:N): one retry, so the test is quick.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        report = align_batch(pairs, tmp_path / "out", cluster="local:2", presplit=True, progress=False,
                             encoder=_killer_encoder())
    assert (report.done, report.failed) == (4, 1)
    [failure] = records(tmp_path / "out" / FAILURES_FILE)
    assert failure["id"] == "killer" and failure["type"] == "WorkerDied"
    assert "died while aligning this pair, alone, on 2 workers in turn" in failure["error"]
    # (Not the reference's bytes: without the default encoder's join session, joined runs are embedded whole.)
    assert sorted(r["id"] for r in records(tmp_path / "out" / DONE_FILE)) == sorted(good[:4])
    assert all(json.loads((tmp_path / "out" / f"{pid}.json").read_text(encoding="utf-8"))["beads"] for pid in good[:4])


def test_an_encoder_that_cannot_load_stops_the_batch(corpus, tmp_path):
    from aligner import EncoderError

    manifest, good = corpus
    pairs = [p for p in read_manifest(manifest) if p.id in good[:2]]
    with pytest.raises(EncoderError):
        align_batch(pairs, tmp_path / "out", cluster="local:1", presplit=True, encoder=str(tmp_path / "no-model"))
    assert records(tmp_path / "out" / DONE_FILE) == []


def test_cluster_errors(corpus, tmp_path, monkeypatch):
    manifest, _ = corpus
    for bad, words in [("local:0", "local:N with N a whole number >= 1"), ("local:x", "local:N"),
                       ("tcp://a b", "expected a scheduler address"), (3, "cluster must be")]:
        with pytest.raises(InputError, match=words):
            align_batch(manifest, tmp_path / "out", cluster=bad)
    with pytest.raises(InputError, match="either workers .* or cluster"):
        align_batch(manifest, tmp_path / "out", cluster="local:1", workers=2)
    with pytest.raises(InputError, match="cannot be sent to Dask workers"):
        align_batch(manifest, tmp_path / "out", cluster="local:1", encoder=_Unpicklable())
    assert not (tmp_path / "out").exists()  # checked before any work

    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}), pytest.raises(ClusterError,
                                                                                     match="cannot reach"):
        align_batch(manifest, tmp_path / "out", cluster="tcp://127.0.0.1:9", presplit=True)

    # Without the extra: an error that names it.
    monkeypatch.setitem(sys.modules, "aligner.batch._dask", None)
    with pytest.raises(ClusterError, match=r"pip install 'aligner\[cluster\]'"):
        align_batch(manifest, tmp_path / "out2", cluster="local:1", presplit=True)


class _Unpicklable:
    name = "unpicklable"

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()

    def encode(self, texts):
        raise AssertionError("never called")

    def __reduce__(self):
        raise TypeError("cannot pickle this encoder")


def test_cli_cluster_errors(corpus, tmp_path):
    manifest, _ = corpus
    proc = subprocess.run([sys.executable, "-m", "aligner", "align-batch", str(manifest), "-o", str(tmp_path / "o"),
                           "--cluster", "local:1", "--workers", "2"], capture_output=True, timeout=60)
    assert proc.returncode == 2
    assert "not allowed with argument" in proc.stderr.decode()
    proc = subprocess.run([sys.executable, "-m", "aligner", "align-batch", str(manifest), "-o", str(tmp_path / "o"),
                           "--cluster", "local:zero"], capture_output=True, timeout=60)
    assert proc.returncode == 2
    assert "aligner: error: cluster 'local:zero'" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
