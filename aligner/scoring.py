"""How good a bead is: the numbers the search adds up.

A bead of ``a`` source and ``b`` target sentences (both > 0) earns

    gain = ((a + b) / 2) ** size_exponent * (cos(x, y) - baseline(x, y)) * length_factor

where ``x`` and ``y`` stand for the bead's source and target text, and a
sentence left unaligned (a 1-0 or 0-1 bead) earns the constant ``skip``.

- ``x`` (likewise ``y``) is the embedding of the joined text of the run of
  sentences when the pipeline has embedded it, and otherwise the normalised
  sum of its sentences' vectors. The sum is cheap to compare: its cosine with
  another sum is a sum of sentence-to-sentence cosines over the norms, so the
  search needs only the sentence similarities of its band, computed with BLAS
  a block at a time. The pipeline embeds the joined text of only the runs the
  search is about to choose (see `aligner.pipeline`).
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
from typing import Mapping

import numba
import numpy as np

__all__ = ["ScoreParams", "Side", "run_vectors", "make_side", "Scorer", "bead_gain", "bead_margin"]


@dataclass(frozen=True)
class ScoreParams:
    """The knobs of the bead score; the defaults are the tuned ones."""

    skip: float = -0.1
    size_exponent: float = 0.5
    length_penalty: bool = True
    min_margin: float = 0.0
    part_margin: float = -0.1


def run_vectors(vecs: np.ndarray, max_run: int) -> np.ndarray:
    """Normalised sums of every run of 1..max_run consecutive sentence vectors.

    Returns (max_run, n, d): entry [k, i] stands for sentences i..i+k (a run
    that would pass the end is cut short).
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


@dataclass(frozen=True)
class Side:
    """One document as the scorer sees it.

    Attributes:
        vecs: (n, d) unit vectors of the sentences.
        norms: (K, n) norm of the sum of the vectors of sentences i..i+k.
        exact_index: (K, n) row in `exact` of the embedding of the joined
            text of run (k, i), or -1 where the run is scored by its sum.
        exact: (E, d) unit vectors of joined texts (at least one row).
        lengths: (n + 1,) cumulative character lengths.
        lone: (n,) sentences that may not be merged (headings).
    """

    vecs: np.ndarray
    norms: np.ndarray
    exact_index: np.ndarray
    exact: np.ndarray
    lengths: np.ndarray
    lone: np.ndarray


def make_side(
    vecs: np.ndarray, max_run: int, lengths, lone=None, exact: Mapping[tuple[int, int], np.ndarray] | None = None
) -> Side:
    """Build a `Side`. `exact` maps (run length, first sentence) to a unit vector."""
    vecs = np.ascontiguousarray(vecs, dtype=np.float32)
    n, d = vecs.shape
    k = max(1, max_run)
    index = np.full((k, n), -1, np.int64)
    rows = [np.zeros(d, np.float32)]  # a dummy row: numba wants a 2-D array even when empty
    for (length, start), vec in sorted((exact or {}).items()):
        if 2 <= length <= k and 0 <= start and start + length <= n:
            index[length - 1, start] = len(rows)
            rows.append(np.asarray(vec, np.float32))
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(lengths, np.float64))])
    lone = np.zeros(n, np.bool_) if lone is None else np.asarray(lone, np.bool_)
    return Side(vecs, _run_norms(vecs, k), index, np.stack(rows), cum, lone)


@numba.njit(cache=True, fastmath=True)
def _dot(x, y):
    s = 0.0
    for k in range(x.shape[0]):
        s += x[k] * y[k]
    return s


@numba.njit(cache=True)
def _run_norms(v, k_max):
    """norms[k, p] = |v[p] + ... + v[p + k]|, from the few neighbour cosines."""
    n = v.shape[0]
    adj = np.zeros((n, k_max))
    for p in range(n):
        for dl in range(1, k_max):
            if p + dl < n:
                adj[p, dl] = _dot(v[p], v[p + dl])
    norms = np.ones((k_max, n))
    for p in range(n):
        sq = 0.0
        for k in range(k_max):
            if p + k >= n:
                norms[k, p] = norms[k - 1, p]
                continue
            add = 1.0
            for u in range(p, p + k):
                add += 2.0 * adj[u, p + k - u]
            sq += add
            norms[k, p] = np.sqrt(max(sq, 1e-12))
    return norms


def _mean_run_vectors(side: Side, k_max: int) -> np.ndarray:
    """(k_max, d): mean vector of all runs of each length, exact ones as embedded.

    k_max must not exceed the side's own largest run length.
    """
    n, d = side.vecs.shape
    out = np.zeros((k_max, d), np.float32)
    for k in range(k_max):
        valid = max(n - k, 1)
        rows = side.exact_index[k, : n - k]
        norms = side.norms[k, : n - k]
        inv = np.where(rows < 0, 1.0 / norms, 0.0)
        # A sentence's weight is the sum of 1/norm over the runs that contain it.
        weights = np.zeros(n + 1)
        for dl in range(k + 1):
            weights[dl : dl + len(inv)] += inv
        extra = side.exact[rows[rows >= 0]].sum(axis=0, dtype=np.float64)
        out[k] = (weights[:n] @ side.vecs + extra) / valid
    return out


def _baselines(side: Side, other_means: np.ndarray) -> np.ndarray:
    """(K, K_other, n): mean cosine of each run of `side` with all runs of the other side."""
    k_max, n = side.norms.shape
    dots = side.vecs @ other_means.T  # (n, K_other): each sentence against each mean
    csum = np.concatenate([np.zeros((1, dots.shape[1])), np.cumsum(dots, axis=0, dtype=np.float64)])
    out = np.empty((k_max, other_means.shape[0], n), np.float32)
    starts = np.arange(n)
    for k in range(k_max):
        end = np.minimum(starts + k + 1, n)
        out[k] = ((csum[end] - csum[starts]) / side.norms[k][:, None]).T
        rows = side.exact_index[k]
        has = rows >= 0
        if has.any():
            out[k][:, has] = (side.exact[rows[has]] @ other_means.T).T
    return out


@dataclass(frozen=True)
class Scorer:
    """Everything the search kernel needs to score a bead, as plain arrays."""

    arrays: tuple
    ratio: float


def make_scorer(src: Side, tgt: Side, lo: np.ndarray, hi: np.ndarray) -> Scorer:
    """Precompute sentence similarities in the band lo..hi and the baselines."""
    ks, n = src.norms.shape
    kt, m = tgt.norms.shape
    bs = _baselines(src, _mean_run_vectors(tgt, kt))
    bt = _baselines(tgt, _mean_run_vectors(src, ks))
    sims, offs, c0 = _band_similarities(src.vecs, tgt.vecs, lo, hi, ks, kt)
    ratio = tgt.lengths[-1] / src.lengths[-1] if src.lengths[-1] > 0 and tgt.lengths[-1] > 0 else 1.0
    d = src.vecs.shape[1]
    arrays = (
        src.vecs, tgt.vecs, src.norms, tgt.norms, src.exact_index, tgt.exact_index, src.exact, tgt.exact,
        sims, offs, c0, bs, bt, src.lengths, tgt.lengths, src.lone, tgt.lone,
        np.zeros(d, np.float32), np.zeros(d, np.float32),
    )
    return Scorer(arrays, float(ratio))


def _band_similarities(vs, vt, lo, hi, ks, kt, chunk=256):
    """Cosines of source sentence p with target sentences c0[p]..c1[p], flat.

    A bead ending at cell (i, j) of the band reads rows i-a..i-1 and columns
    j-b..j-1, so row p needs the columns the band gives rows p+1..p+ks,
    reaching back kt sentences.
    """
    n, m = len(vs), len(vt)
    rows = np.arange(n)
    c0 = np.maximum(lo[np.minimum(rows + 1, n)] - kt, 0)
    c1 = np.minimum(hi[np.minimum(rows + ks, n)], m)  # exclusive
    c1 = np.maximum(c1, c0)
    offs = np.zeros(n + 1, np.int64)
    np.cumsum(c1 - c0, out=offs[1:])
    sims = np.empty(offs[-1], np.float32)
    for p0 in range(0, n, chunk):
        p1 = min(n, p0 + chunk)
        a, b = int(c0[p0:p1].min()), int(c1[p0:p1].max())
        if b <= a:
            continue
        block = vs[p0:p1] @ vt[a:b].T
        for p in range(p0, p1):
            sims[offs[p] : offs[p + 1]] = block[p - p0, c0[p] - a : c1[p] - a]
    return sims, offs, c0


@numba.njit(cache=True)
def _run_vector(vecs, norms, exact_index, exact, k, start, buf):
    """The vector of run (k + 1 sentences from start): exact, or the normalised sum into buf."""
    row = exact_index[k, start]
    if row >= 0:
        return exact[row]
    buf[:] = 0.0
    for u in range(start, start + k + 1):
        buf += vecs[u]
    buf /= norms[k, start]
    return buf


@numba.njit(cache=True)
def _exact_sim(arrays, a, b, i, j):
    """Cosine of two runs when either has an embedded joined text (the rare case)."""
    (vs, vt, ns, nt, ei_s, ei_t, ex_s, ex_t, sims, offs, c0, bs, bt, cs, ct, lone_s, lone_t, bx, by) = arrays
    x = _run_vector(vs, ns, ei_s, ex_s, a - 1, i - a, bx)
    y = _run_vector(vt, nt, ei_t, ex_t, b - 1, j - b, by)
    return _dot(x, y)


@numba.njit(cache=True)
def _margin(arrays, ns, nt, ei_s, ei_t, sims, offs, c0, bs, bt, a, b, i, j):
    ps = i - a
    qs = j - b
    if ei_s[a - 1, ps] < 0 and ei_t[b - 1, qs] < 0:
        # Both runs scored by their sums: cos = sum of sentence cosines / norms.
        tot = 0.0
        for p in range(ps, i):
            base = offs[p] - c0[p]
            for q in range(qs, j):
                tot += sims[base + q]
        sim = tot / (ns[a - 1, ps] * nt[b - 1, qs])
    else:
        sim = _exact_sim(arrays, a, b, i, j)
    return sim - 0.5 * (bs[a - 1, b - 1, ps] + bt[b - 1, a - 1, qs])


@numba.njit(cache=True)
def bead_margin(arrays, a, b, i, j):
    """Similarity above chance of source run i-a..i-1 and target run j-b..j-1."""
    ns, nt, ei_s, ei_t = arrays[2], arrays[3], arrays[4], arrays[5]
    sims, offs, c0, bs, bt = arrays[8], arrays[9], arrays[10], arrays[11], arrays[12]
    return _margin(arrays, ns, nt, ei_s, ei_t, sims, offs, c0, bs, bt, a, b, i, j)


@numba.njit(cache=True)
def bead_gain(arrays, ns, nt, ei_s, ei_t, sims, offs, c0, bs, bt, cs, ct, lone_s, lone_t,
              ratio, a, b, i, j, size_exponent, length_penalty, min_margin, part_margin):
    """Gain of the bead of source sentences i-a..i-1 and target j-b..j-1 (a, b > 0).

    -inf when the bead's margin is below `min_margin`: a pair no more alike
    than two random runs of the documents is not a translation, however
    little its deletions would cost. -inf too for a merge with a sentence
    whose own margin against the other side is below `part_margin` (it
    rides along on its neighbours' similarity), and for a merge with a
    sentence flagged lone (a heading). The arrays are passed one by one
    because unpacking the tuple at every call costs more than the sums.
    """
    if a > 1:
        for k in range(i - a, i):
            if lone_s[k]:
                return -np.inf
    if b > 1:
        for k in range(j - b, j):
            if lone_t[k]:
                return -np.inf
    margin = _margin(arrays, ns, nt, ei_s, ei_t, sims, offs, c0, bs, bt, a, b, i, j)
    if margin < min_margin:
        return -np.inf
    if a > 1:
        for k in range(i - a + 1, i + 1):
            if _margin(arrays, ns, nt, ei_s, ei_t, sims, offs, c0, bs, bt, 1, b, k, j) < part_margin:
                return -np.inf
    if b > 1:
        for k in range(j - b + 1, j + 1):
            if _margin(arrays, ns, nt, ei_s, ei_t, sims, offs, c0, bs, bt, a, 1, i, k) < part_margin:
                return -np.inf
    g = margin * ((a + b) / 2.0) ** size_exponent
    if length_penalty:
        ls = (cs[i] - cs[i - a]) * ratio
        lt = ct[j] - ct[j - b]
        lo = min(ls, lt)
        hi = max(ls, lt)
        g *= np.log2(1.0 + lo / max(hi, 1.0))
    return g
