"""Where the time goes: each stage of the pipeline, as a ratio to embedding each sentence once.

On the seeds (from their raw text), on Text+Berg dev and on the first MAC
dev document (Chinese-English, 293 x 314 sentences; both pre-split), each
stage is timed in this run and divided by the time of the baseline, "embed
each sentence once" (every unique sentence of both sides through USE v3 into
a fresh, empty `EmbeddingStore`), measured in the same run, so that the
ratios mean something on any machine, even a busy one:

- ``embed-once``: the baseline (ratio 1 by definition);
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
  (for the seeds from the raw texts, so splitting is included);
- ``vecalign-dp-e2e``: sentalign with the same encoder behind a fresh cache
  (for the seeds, after splitting);
- ``bertalign-e2e``: Bertalign's algorithm (``benchmarks/_bertalign.py``)
  with the same encoder behind a fresh cache, its overlaps embedded whole
  (for the seeds, after splitting);
- ``gale-church-e2e``: galechurch (for the seeds, after splitting).

The encoder is loaded and warmed up before any timing, and so are the
aligner's compiled kernels. Each stage's seconds are the median of its rounds.

``test_dp_scaling`` runs the DP alone on synthetic embeddings of 1k, 10k and
100k sentences a side (d = 64) and 20k (d = 512, the memory target: under
1 GB peak RSS), each in its own process (``benchmarks/_synthetic.py``) so
that the peak RSS is the DP's; a run over its time or memory limit is killed,
recorded and skipped.
"""

from __future__ import annotations

import json
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

SPEED_SETS = ("seeds", "textberg-dev", "mac-dev")
STAGES = (
    "embed-once", "split", "embed-runs", "dp", "aligner-e2e", "bertalign-e2e", "vecalign-dp-e2e", "gale-church-e2e",
)
# Rounds per stage: the cheap stages more, the ones that embed a whole set once.
ROUNDS = {
    "seeds": dict.fromkeys(STAGES, 3),
    "textberg-dev": {"embed-once": 3, "split": 3, "dp": 5, "aligner-e2e": 3, "gale-church-e2e": 5},
    "mac-dev": {"embed-once": 3, "split": 3, "dp": 5, "aligner-e2e": 3, "gale-church-e2e": 5},
}


@dataclass(frozen=True)
class SpeedInput:
    src_text: str
    tgt_text: str
    src: tuple[str, ...]
    tgt: tuple[str, ...]
    src_lang: str
    tgt_lang: str
    from_text: bool  # end-to-end runs start from the raw text (and split it)


def speed_input(set_name: str, results) -> SpeedInput:
    try:
        doc = load(set_name)[0]
    except DataMissing as exc:
        results.skipped[f"speed {set_name}"] = str(exc)
        pytest.skip(f"{set_name}: {exc}")
    if set_name == "seeds":
        src_text = (SEEDS / "ankara.fr.txt").read_text(encoding="utf-8")
        tgt_text = (SEEDS / "ankara.ar.txt").read_text(encoding="utf-8")
        return SpeedInput(src_text, tgt_text, doc.source, doc.target, doc.source_lang, doc.target_lang, True)
    return SpeedInput(" ".join(doc.source), " ".join(doc.target), doc.source, doc.target,
                      doc.source_lang, doc.target_lang, False)


def run_texts(sents, k: int, lang: str) -> list[str]:
    """The joined texts of every run of 1..k sentences, as aligner.pipeline builds them."""
    sep = joiner(lang)
    n = len(sents)
    return [sep.join(sents[i : i + r]) for r in range(1, k + 1) for i in range(n)]


KS, KT = max_runs(DEFAULT_BEAD_TYPES)


@pytest.fixture(scope="module")
def warm(use_encoder):
    """Load the aligner's compiled kernels and the encoder before any timing."""
    from aligner import align

    align(["Un.", "Deux."], ["واحد.", "اثنان."], source_lang="fr", target_lang="ar", encoder=use_encoder)
    return True


def _stage(stage: str, inp: SpeedInput, use_encoder, store: EmbeddingStore):
    """(setup, target) for one stage; target returns the number of texts it encoded."""
    if stage == "embed-once":
        def setup():
            return (EmbeddingStore(use_encoder),), {}

        def target(fresh):
            fresh.get(list(dict.fromkeys(inp.src + inp.tgt)))
            return fresh.n_encoded
        return setup, target

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


def measure(stage: str, set_name: str, benchmark, use_encoder, store, results) -> dict:
    inp = speed_input(set_name, results)
    rounds = ROUNDS[set_name].get(stage, 1)
    setup, target = _stage(stage, inp, use_encoder, store)
    times: list[float] = []
    encoded: list[int] = []

    def timed(*args):
        start = time.perf_counter()
        n = target(*args)
        times.append(time.perf_counter() - start)
        encoded.append(n)

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
    return {
        "seconds": round(statistics.median(times), 6),
        "rounds": len(times),
        "all_seconds": [round(t, 6) for t in times],
        "texts_encoded": encoded[-1],
        "sentences": len(inp.src) + len(inp.tgt),
        "load_average": load_before,
    }


def baseline_seconds(set_name, use_encoder, store, results) -> float:
    """The embed-once time of this run; measured now if its own benchmark has not run."""
    seconds = results.baseline(set_name)
    if seconds is None:
        entry = measure("embed-once", set_name, None, use_encoder, store, results)
        entry["ratio_to_embed_once"] = 1.0
        results.add_speed(set_name, "embed-once", entry)
        seconds = entry["seconds"]
    return seconds


CASES = [(s, stage) for s in SPEED_SETS for stage in STAGES]


@pytest.mark.parametrize(("set_name", "stage"), CASES, ids=[f"{s}-{st}" for s, st in CASES])
def test_stage(set_name, stage, benchmark, use_encoder, embedding_store, results, warm):
    benchmark.group = f"speed {set_name}"
    entry = measure(stage, set_name, benchmark, use_encoder, embedding_store, results)
    if stage == "embed-once":
        entry["ratio_to_embed_once"] = 1.0
    else:
        entry["ratio_to_embed_once"] = round(entry["seconds"] / baseline_seconds(set_name, use_encoder, embedding_store, results), 4)
    benchmark.extra_info.update(entry)
    results.add_speed(set_name, stage, entry)
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
