"""pytest setup of the benchmarks: run with ``pytest benchmarks/`` from the repository root.

- One USE v3 encoder and one `EmbeddingStore` for the whole session
  (``embedding_store``, and ``shared_encoder`` that answers from it), so each
  text is embedded once per session whichever system asks for it.
- Every benchmark records its numbers in the session's `Results`; at the end
  ``pytest_terminal_summary`` prints one table (set x system: strict P/R/F1,
  lax F1, link F1 for the seeds; then the stage timings as ratios to the bare
  encoder embedding each sentence once; then the DP's scaling) and writes everything to
  ``benchmarks/results/latest.json``, which ``python -m benchmarks.report``
  turns into docs/benchmarks.md.
- ``test_batch_throughput.py`` records the batch back-ends' documents/s and
  Dask's cost per pair under ``batch``.

Environment variables (all optional):

- ``ALIGNER_BENCH_THREADS``: BLAS threads of the USE encoder (default: the
  encoder's own default, the usable cores, at most 4).
- ``ALIGNER_BENCH_CACHE``: a folder for an on-disk embedding cache of the
  shared store (accuracy runs only; the speed runs always start from an
  empty store). Faster reruns, but the accuracy runs' seconds then mean little.
- ``ALIGNER_SHARED_DATA``: where the shared data sets are (default
  ``<root>/../shared/data``).
- ``ALIGNER_BENCH_FOLDS``: a regular expression; ``test_fold`` runs only the
  leave-one-set-out folds whose name it matches (benchmarks/folds.py; all of
  them, stress cells included, by default).
- ``ALIGNER_BENCH_MERGE=1``: keep the sections of the existing latest.json
  that this run did not measure (say, a run of one benchmark file), instead
  of replacing the whole file; the run is listed under ``partial_runs``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import pytest

from ._common import StoreEncoder, loadavg, machine, now, system_settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULTS_FILE = RESULTS_DIR / "latest.json"


def source_files() -> dict[str, str]:
    """{path: hash} of the library's source files (aligner/**/*.py)."""
    return {
        str(path.relative_to(ROOT)): hashlib.blake2b(path.read_bytes(), digest_size=8).hexdigest()
        for path in sorted((ROOT / "aligner").rglob("*.py"))
    }


def source_hash(files: dict[str, str] | None = None) -> str:
    """One hash of the library's source, to name the version measured."""
    files = source_files() if files is None else files
    return hashlib.blake2b("".join(f"{k}:{v}\n" for k, v in files.items()).encode(), digest_size=8).hexdigest()


def loaded_files() -> dict[str, str]:
    """{path: current hash} of the library's modules imported by this process."""
    out = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not (name == "aligner" or name.startswith("aligner.")) or not path:
            continue
        try:
            rel = str(Path(path).resolve().relative_to(ROOT))
            out[rel] = hashlib.blake2b(Path(path).read_bytes(), digest_size=8).hexdigest()
        except (OSError, ValueError):
            continue
    return out


def changed_files(start: dict[str, str], used: dict[str, str]) -> list[str]:
    """The files of `used` ({path: hash}) that differ from the session's start."""
    return sorted(p for p, h in used.items() if start.get(p) != h)


class Results:
    """Everything the session measured, in the shape of latest.json."""

    def __init__(self) -> None:
        self.started = time.time()
        self.date = now()
        self.load_start = loadavg()
        self.source_files = source_files()
        self.source_start = source_hash(self.source_files)
        self.accuracy: dict[str, dict[str, dict]] = {}
        self.speed: dict[str, dict[str, dict]] = {}
        self.scaling: list[dict] = []
        self.batch: dict = {}
        self.st_speed: dict[str, dict] = {}
        self.folds: dict[str, dict] = {}
        self.review: dict = {}  # test_review_speed.py: the review page in Chromium
        self.e5_speed: dict[str, dict] = {}
        self.skipped: dict[str, str] = {}
        self.aligner_signature: str | None = None
        self.encoder: dict = {}

    def add_accuracy(self, set_name: str, system: str, entry: dict) -> None:
        self.accuracy.setdefault(set_name, {})[system] = entry

    def add_speed(self, set_name: str, stage: str, entry: dict) -> None:
        self.speed.setdefault(set_name, {})[stage] = entry

    def baseline(self, set_name: str) -> float | None:
        entry = self.speed.get(set_name, {}).get("embed-once")
        return entry["seconds"] if entry else None

    def to_json(self, config) -> dict:
        args = " ".join(config.invocation_params.args)
        env = {k: os.environ[k] for k in _ENV if os.environ.get(k)}
        prefix = "".join(f"{k}={v} " for k, v in env.items())
        # A module this run used whose file now differs from the start (conservative: it
        # may have been imported before the change), or that a DP scaling process
        # imported in a changed version.
        changed = set(changed_files(self.source_files, loaded_files()))
        for e in self.scaling:
            changed.update(changed_files(self.source_files, e.get("aligner_files", {})))
        changed = sorted(changed)
        return {
            "date": self.date,
            "command": f"{prefix}python -m pytest {args}".strip(),
            "environment": env,
            "report_command": "python -m benchmarks.report",
            "suite_seconds": round(time.time() - self.started, 1),
            "aligner_source": {"hash_at_start": self.source_start, "hash_at_end": source_hash(),
                               "changed_during_run": changed},
            "load_average": {"start": self.load_start, "end": loadavg()},
            "machine": machine(),
            "encoder": self.encoder,
            "aligner_signature": self.aligner_signature,
            "systems": system_settings(),
            "accuracy": self.accuracy,
            "speed": self.speed,
            "scaling": self.scaling,
            "batch": self.batch,
            "st_speed": self.st_speed,
            "folds": self.folds,
            "review": self.review,
            "e5_speed": self.e5_speed,
            "skipped": self.skipped,
        }


_RESULTS = pytest.StashKey[Results]()
_ENV = ("ALIGNER_BENCH_THREADS", "ALIGNER_BENCH_CACHE", "ALIGNER_SHARED_DATA", "ALIGNER_BENCH_MERGE", "ALIGNER_BENCH_FOLDS")
_SECTIONS = ("accuracy", "speed", "scaling", "batch", "st_speed", "folds", "review", "e5_speed")


def pytest_configure(config) -> None:
    config.stash[_RESULTS] = Results()


@pytest.fixture(scope="session")
def results(pytestconfig) -> Results:
    return pytestconfig.stash[_RESULTS]


@pytest.fixture(scope="session")
def use_encoder(results):
    """The default encoder (multilingual USE v3), loaded and warmed up once."""
    from aligner.encoders import USEEncoder

    threads = os.environ.get("ALIGNER_BENCH_THREADS")
    enc = USEEncoder(threads=int(threads) if threads else None)
    start = time.perf_counter()
    enc.encode(["Warm-up."])
    results.encoder = {"name": enc.name, "threads": enc.threads, "load_seconds": round(time.perf_counter() - start, 2)}
    return enc


@pytest.fixture(scope="session")
def embedding_store(use_encoder):
    """The session's store: each text embedded once, whichever benchmark asks."""
    from aligner.encoders import EmbeddingStore

    return EmbeddingStore(use_encoder, cache_dir=os.environ.get("ALIGNER_BENCH_CACHE") or None)


@pytest.fixture(scope="session")
def shared_encoder(embedding_store) -> StoreEncoder:
    """An encoder for align() and sentalign that answers from the session's store."""
    return StoreEncoder(embedding_store)


@pytest.fixture(scope="session")
def e5_shared_encoder() -> StoreEncoder:
    """The same for multilingual-e5-small, the encoder align() takes by default for the FLORES-200 sets.

    align() given it aligns as the default call does on those sets: the same
    vectors under the same name, and no join session, so the same joined-text
    budget (tests/test_languages.py checks the choice itself).
    """
    from aligner.encoders import E5Encoder, EmbeddingStore

    return StoreEncoder(EmbeddingStore(E5Encoder(), cache_dir=os.environ.get("ALIGNER_BENCH_CACHE") or None))


# pytest-benchmark is the bench extra's; without it, a stand-in that runs the
# function the same way, so that the suite still gives its numbers.
try:
    import pytest_benchmark  # noqa: F401
except ImportError:  # pragma: no cover - only without the bench extra

    class _Bench:
        def __init__(self) -> None:
            self.extra_info: dict = {}
            self.group = None

        def pedantic(self, target, args=(), kwargs=None, setup=None, rounds=1, warmup_rounds=0, iterations=1, **_):
            result = None
            for _round in range(warmup_rounds + rounds):
                a, k = (setup() or (args, kwargs)) if setup else (args, kwargs)
                for _it in range(iterations):
                    result = target(*a, **(k or {}))
            return result

    @pytest.fixture
    def benchmark():
        return _Bench()


def _f(x, digits=3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _g(x, digits=3) -> str:
    if x is None:
        return "-"
    if x == 0:
        return "0"
    return f"{x:#.{digits}g}".rstrip(".") if abs(x) < 10 ** digits else f"{x:.0f}"


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(r[k])) for r in rows + [header]) for k in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) if k < 2 else str(c).rjust(w) for k, (c, w) in enumerate(zip(r, widths)))
    return [line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def summary_lines(data: dict) -> list[str]:
    """The end-of-session tables, as text lines (also used by report.py's --print)."""
    out: list[str] = []
    rows = []
    for set_name, systems in data.get("accuracy", {}).items():
        for system, e in systems.items():
            links = e.get("links")
            rows.append([set_name, system, _f(e["precision_strict"]), _f(e["recall_strict"]), _f(e["f1_strict"]),
                         _f(e["f1_lax"]), _f(links["f1"]) if links else "", _f(e["seconds"], 1)])
    if rows:
        out.append("accuracy (strict P/R/F1, lax F1 by Vecalign's score.py; link F1 against sure/possible links)")
        out += _table(rows, ["set", "system", "P", "R", "F1", "lax F1", "link F1", "seconds"])
    rows = []
    for set_name, stages in data.get("speed", {}).items():
        for stage, e in stages.items():
            rows.append([set_name, stage, _g(e["seconds"]), _g(e.get("ratio_to_encoder")),
                         _g(e.get("ratio_to_embed_once")), str(e.get("texts_encoded", "")), e.get("setting", "")])
    if rows:
        out.append("")
        out.append("speed (median seconds; ratios to the bare encoder at its best setting and to embedding each "
                   "sentence once through the store, same run)")
        out += _table(rows, ["set", "stage", "seconds", "ratio", "to store", "texts encoded", "setting"])
    rows = []
    for e in data.get("scaling", []):
        if e.get("status") == "ok":
            rows.append([f"{e['n']}x{e['m']}", str(e["d"]), _f(e["seconds"], 2),
                         _f(e["us_per_sentence"], 1), _f(e["peak_rss_mb"], 0), _f(e["gold_beads_found"], 3)])
        else:
            rows.append([f"{e['n']}", str(e["d"]), e.get("status", "?"), "", _f(e.get("peak_rss_mb"), 0), ""])
    if rows:
        out.append("")
        out.append("DP alone on synthetic embeddings (own process)")
        out += _table(rows, ["sentences", "d", "seconds", "us/sentence", "peak RSS MB", "gold found"])
    batch = data.get("batch") or {}
    rows = [[name, _g(e.get("documents_per_second")), _g(e.get("ratio_to_single_process")),
             _g(e.get("end_to_end_documents_per_second")), _g(e.get("end_to_end_ratio")),
             _g(e.get("cpu_seconds_per_document"))]
            for name, e in (batch.get("backends") or {}).items()]
    if rows:
        out.append("")
        out.append("batch throughput (documents/s once started, and end to end; ratios to one process; CPU s/doc)")
        out += _table(rows, ["back-end", "docs/s", "ratio", "e2e docs/s", "e2e ratio", "CPU s/doc"])
    overhead = batch.get("dask_overhead")
    if overhead:
        out.append(f"Dask's cost per pair on tiny pairs: {overhead['overhead_ms_per_pair']:.1f} ms of wall time "
                   f"({overhead['in_process_ms_per_pair']:.1f} ms in-process, {overhead['dask_ms_per_pair']:.1f} ms on "
                   f"Dask), {overhead.get('cpu_overhead_ms_per_pair', 0):.1f} ms of CPU")
    costs = batch.get("client_and_scheduler") or {}
    for name, c in costs.items():
        if isinstance(c, dict) and "pairs" in c:
            out.append(f"cluster CPU per pair ({name}): client {c['client_cpu_ms_per_pair']:.1f} ms, scheduler "
                       f"{c['scheduler_cpu_ms_per_pair']:.1f} ms, workers {c['workers_cpu_ms_per_pair']:.1f} ms")
    folds = data.get("folds") or {}
    if folds:
        from ._foldtable import text_table

        out.append("")
        out.append("leave-one-set-out folds (strict F1)")
        out += text_table(folds)
    if data.get("aligner_source", {}).get("changed_during_run"):
        out.append("WARNING: library modules changed during this run (the numbers may mix two versions; "
                   "run again): " + ", ".join(data["aligner_source"]["changed_during_run"] or []))
    for what, why in data.get("skipped", {}).items():
        out.append(f"skipped {what}: {why}")
    return out


def merge(old: dict, new: dict) -> dict:
    """`old` with the sections `new` measured replaced, and `new` listed in ``partial_runs``.

    The page's date, command and machine stay those of the full run; each
    partial run keeps its own (date, command, load average, source hash), and
    report.py names them beside the sections they replaced.
    """
    measured = [k for k in _SECTIONS if new.get(k)]
    merged = dict(old)
    for key in measured:
        merged[key] = new[key]
    for what, why in (new.get("skipped") or {}).items():
        merged.setdefault("skipped", {})[what] = why
    run = {k: new.get(k) for k in ("date", "command", "load_average", "aligner_source", "suite_seconds", "exit_status")}
    run["sections"] = measured
    merged["partial_runs"] = [r for r in old.get("partial_runs", []) if set(r.get("sections", [])) - set(measured)]
    merged["partial_runs"].append(run)
    return merged


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    res = config.stash.get(_RESULTS, None)
    if res is None or not (res.accuracy or res.speed or res.scaling or res.batch or res.folds or res.skipped):
        return
    data = res.to_json(config)
    data["exit_status"] = int(exitstatus)
    if os.environ.get("ALIGNER_BENCH_MERGE") and RESULTS_FILE.exists():
        data = merge(json.loads(RESULTS_FILE.read_text(encoding="utf-8")), data)
    terminalreporter.section("aligner benchmarks")
    for line in summary_lines(data):
        terminalreporter.write_line(line)
    RESULTS_DIR.mkdir(exist_ok=True)
    tmp = RESULTS_FILE.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, RESULTS_FILE)
    terminalreporter.write_line(f"suite: {data['suite_seconds']:.0f} s; results written to {RESULTS_FILE}")
