"""How good a bead is: the numbers the search adds up.

A bead of ``a`` source and ``b`` target sentences (both > 0) earns

    gain = ((a + b) / 2) ** size_exponent * (cos(x, y) - baseline(x, y)) * length_factor

where ``x`` and ``y`` are the embeddings of the bead's joined source and
target texts, and a sentence left unaligned (a 1-0 or 0-1 bead) earns the
constant ``skip``.

- ``baseline(x, y)`` is the mean similarity of ``x`` to every target run of
  ``b`` sentences and of ``y`` to every source run of ``a`` sentences. Joined
  texts are more similar to everything than single sentences are, and some
  sentences (short ones, names, numbers) are similar to everything; without
  this a longer bead would win by accident. The mean over all runs is the dot
  product with the mean vector, so it is exact and costs O(n d), not O(n m d)
  (Vecalign samples random sentences for the same purpose).
- ``length_factor = log2(1 + min(ls, lt) / max(ls, lt))`` with the source
  length in characters scaled by the documents' overall character ratio
  (Bertalign's length penalty): 1 for beads of matching length, towards 0 for
  very unequal ones.
- A bead whose margin is below ``min_margin`` (0: no better than chance) is
  never chosen, so a sentence with no counterpart is left unaligned rather
  than paired with a neighbour for want of anything better.
- A merge is never chosen when one of its sentences, on its own, has a
  margin below ``part_margin`` (-0.1) against the other side: that sentence
  would ride along on its neighbours' similarity.
- A heading (a short segment without final punctuation) is never part of a
  merge: it has too little content of its own to be judged inside one.
- ``size_exponent`` (0.5) makes the gain grow with the number of sentences a
  bead covers, but less than linearly, so that a merge competes fairly with a
  1-1 bead plus a deletion.

The defaults were tuned on Text+Berg dev while watching MAC dev and FLORES
French-Arabic documents (docs/how-it-works.md has the table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

__all__ = ["ScoreParams", "run_vectors", "baselines", "bead_gain"]


@dataclass(frozen=True)
class ScoreParams:
    """The knobs of the bead score; the defaults are the tuned ones."""

    skip: float = -0.1
    size_exponent: float = 0.5
    length_penalty: bool = True
    min_margin: float = 0.0
    part_margin: float = -0.1


def run_vectors(vecs: np.ndarray, max_run: int) -> np.ndarray:
    """Approximate embeddings of every run of 1..max_run consecutive sentences.

    Returns (max_run, n, d): entry [k, i] stands for sentences i..i+k, as the
    normalised sum of their vectors (a run that would pass the end is cut
    short). The pipeline overwrites these with embeddings of the joined text.
    """
    n, d = vecs.shape
    out = np.empty((max_run, n, d), dtype=np.float32)
    csum = np.concatenate([np.zeros((1, d), np.float64), np.cumsum(vecs, axis=0, dtype=np.float64)])
    for k in range(max_run):
        end = np.minimum(np.arange(n) + k + 1, n)
        s = csum[end] - csum[np.arange(n)]
        norms = np.linalg.norm(s, axis=1, keepdims=True)
        out[k] = s / np.maximum(norms, 1e-12)
    return out


def baselines(runs_x: np.ndarray, runs_y: np.ndarray) -> np.ndarray:
    """Mean similarity of each run of x to all runs of y of each length.

    Returns (K_x, K_y, n_x): entry [a-1, b-1, i] is the mean cosine of the run
    of ``a`` sentences starting at i against every run of ``b`` sentences of
    the other side.
    """
    kx, n, _ = runs_x.shape
    ky, m, _ = runs_y.shape
    out = np.empty((kx, ky, n), dtype=np.float32)
    for b in range(ky):
        valid = max(m - b, 1)  # runs that would pass the end are not real runs
        mean_y = runs_y[b, :valid].mean(axis=0)
        for a in range(kx):
            out[a, b] = runs_x[a] @ mean_y
    return out


@numba.njit(cache=True)
def _margin(rs, rt, bs, bt, a, b, i, j):
    """Similarity above chance of source run (i-a..i-1) and target run (j-b..j-1)."""
    x = rs[a - 1, i - a]
    y = rt[b - 1, j - b]
    sim = 0.0
    for k in range(x.shape[0]):
        sim += x[k] * y[k]
    return sim - 0.5 * (bs[a - 1, b - 1, i - a] + bt[b - 1, a - 1, j - b])


@numba.njit(cache=True)
def bead_gain(rs, rt, bs, bt, cs, ct, lone_s, lone_t, ratio, a, b, i, j, size_exponent, length_penalty, min_margin, part_margin):
    """Gain of the bead of source sentences i-a..i-1 and target j-b..j-1 (a, b > 0).

    -inf when the bead's margin is below `min_margin`: a pair no more alike
    than two random runs of the documents is not a translation, however
    little its deletions would cost. -inf too for a merge with a sentence
    whose own margin against the other side is below `part_margin`: such a
    sentence rides along on its neighbours' similarity; and for a merge
    with a sentence flagged in `lone_s` / `lone_t` (a heading).
    """
    if a > 1:
        for k in range(i - a, i):
            if lone_s[k]:
                return -np.inf
    if b > 1:
        for k in range(j - b, j):
            if lone_t[k]:
                return -np.inf
    margin = _margin(rs, rt, bs, bt, a, b, i, j)
    if margin < min_margin:
        return -np.inf
    if a > 1 or b > 1:
        # Every sentence of a merge must be related to the other side on its own.
        for k in range(i - a + 1, i + 1):
            if a > 1 and _margin(rs, rt, bs, bt, 1, b, k, j) < part_margin:
                return -np.inf
        for k in range(j - b + 1, j + 1):
            if b > 1 and _margin(rs, rt, bs, bt, a, 1, i, k) < part_margin:
                return -np.inf
    g = margin * ((a + b) / 2.0) ** size_exponent
    if length_penalty:
        ls = (cs[i] - cs[i - a]) * ratio
        lt = ct[j] - ct[j - b]
        lo = min(ls, lt)
        hi = max(ls, lt)
        g *= np.log2(1.0 + lo / max(hi, 1.0))
    return g
