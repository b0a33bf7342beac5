"""Fit the probability of a ratio margin (aligner/mining.py) and show how well it holds on every set.

    python -m benchmarks.calibrate

Positives are the gold 1-1 pairs of each document, negatives every other
pair of its sentences (pairs inside a gold bead of several sentences are
left out: they share part of their content). The logistic curve
``p = 1 / (1 + exp(-(A * R + B)))`` is fitted by Newton's method on the
FLORES French-Arabic documents only; the table shows, for every set, the
mean predicted probability against the observed rate of true pairs in bins
of predicted probability (a calibrated curve has the two close), and the
precision and recall of the pairs at p >= 0.5.
"""

from __future__ import annotations

import sys

import numpy as np

from aligner.encoders import EmbeddingStore, USEEncoder
from aligner.mining import NEIGHBOURS

from .ablate import CACHE
from .datasets import DataMissing, load

FIT_ON = "flores-fr-ar"
SETS = ("flores-fr-ar", "flores-de-fr", "flores-zh-en", "textberg-dev", "mac-dev")
BINS = (0.1, 0.3, 0.5, 0.7, 0.9)


def margins_and_labels(set_name: str, store: EmbeddingStore) -> tuple[np.ndarray, np.ndarray]:
    """Ratio margins of every sentence pair of the set's documents, and 1 for gold 1-1 pairs."""
    xs, ys = [], []
    for doc in load(set_name):
        vs, vt = store.get(list(doc.source)), store.get(list(doc.target))
        sims = vs @ vt.T
        ks, kt = min(NEIGHBOURS, sims.shape[1]), min(NEIGHBOURS, sims.shape[0])
        knn_s = np.sort(sims, axis=1)[:, -ks:].mean(axis=1)
        knn_t = np.sort(sims, axis=0)[-kt:, :].mean(axis=0)
        ratio = sims / ((knn_s[:, None] + knn_t[None, :]) / 2)
        label = np.zeros(sims.shape, np.int8)
        for src, tgt in doc.gold:
            for i in src:
                for j in tgt:
                    label[i, j] = 1 if len(src) == 1 and len(tgt) == 1 else -1
        keep = label >= 0
        xs.append(ratio[keep])
        ys.append(label[keep])
    return np.concatenate(xs), np.concatenate(ys).astype(np.float64)


def fit(x: np.ndarray, y: np.ndarray, steps: int = 50) -> tuple[float, float]:
    """Logistic regression of y on x by Newton's method: (A, B)."""
    design = np.stack([x, np.ones_like(x)], axis=1)
    w = np.zeros(2)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        hessian = (design * (p * (1 - p))[:, None]).T @ design + 1e-9 * np.eye(2)
        w += np.linalg.solve(hessian, design.T @ (y - p))
    return float(w[0]), float(w[1])


def main() -> int:
    store = EmbeddingStore(USEEncoder(), cache_dir=CACHE)
    data = {}
    for name in SETS:
        try:
            data[name] = margins_and_labels(name, store)
        except DataMissing as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
    if FIT_ON not in data:
        print(f"{FIT_ON} is needed to fit the curve", file=sys.stderr)
        return 1
    a, b = fit(*data[FIT_ON])
    print(f"fitted on {FIT_ON}: A = {a:.2f}, B = {b:.2f}\n")
    print("| set | mean p / observed rate (pairs) in bins " + " ".join(f"<{t}" for t in BINS) + " >=0.9 "
          "| precision at p >= 0.5 | recall at p >= 0.5 |")
    print("| --- | --- | ---: | ---: |")
    for name, (x, y) in data.items():
        p = 1 / (1 + np.exp(-(a * x + b)))
        bins = np.digitize(p, BINS)
        cells = []
        for k in range(len(BINS) + 1):
            sel = bins == k
            cells.append(f"{p[sel].mean():.2f}/{y[sel].mean():.2f} ({sel.sum()})" if sel.any() else "-")
        chosen = p >= 0.5
        precision = y[chosen].mean() if chosen.any() else 0.0
        recall = y[chosen].sum() / max(y.sum(), 1)
        print(f"| {name} | {' · '.join(cells)} | {precision:.3f} | {recall:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
