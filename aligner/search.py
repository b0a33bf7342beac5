"""The dynamic programme over beads, in time and memory linear in the documents.

The search never builds the n x m matrix. It finds the best path inside a
band of cells: for each source position i, the target positions lo[i]..hi[i].
The band comes from the same search run on both documents shrunk by half
(each vector the mean of two neighbours), recursively, until the shrunk pair
is small enough for the whole matrix (Vecalign's coarse-to-fine scheme): the
coarse path, scaled back up and widened by `window` on each side, is where
the fine path must lie. The cost is O((n + m) * window * bead types * d).

The kernels know nothing of text: they see arrays of vectors, lengths and
the bead types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .scoring import ScoreParams, baselines, bead_gain, run_vectors

__all__ = ["DEFAULT_BEAD_TYPES", "SearchParams", "best_path", "band_path"]

DEFAULT_BEAD_TYPES: tuple[tuple[int, int], ...] = (
    (1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (2, 3), (3, 2), (1, 4), (4, 1),
)
_COARSE_TYPES = ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1))


@dataclass(frozen=True)
class SearchParams:
    """How wide and how deep the search looks.

    Attributes:
        bead_types: the (source, target) sentence counts a bead may have.
        window: how far, in sentences, the fine band reaches on each side of
            the coarse path.
        full_cells: a pair with at most this many cells (n * m) is searched
            in full, with no band.
    """

    bead_types: tuple[tuple[int, int], ...] = DEFAULT_BEAD_TYPES
    window: int = 8
    full_cells: int = 40_000


@numba.njit(cache=True)
def _band_dp(lo, hi, rs, rt, bs, bt, cs, ct, lone_s, lone_t, ratio, types, skip, size_exponent, length_penalty, min_margin, part_margin):
    n = lo.shape[0] - 1
    offs = np.zeros(n + 2, np.int64)
    for i in range(n + 1):
        offs[i + 1] = offs[i] + hi[i] - lo[i] + 1
    score = np.full(offs[n + 1], -np.inf)
    back = np.full(offs[n + 1], -1, np.int8)
    score[0] = 0.0  # lo[0] == 0: the cell (0, 0)
    ntypes = types.shape[0]
    for i in range(n + 1):
        for j in range(lo[i], hi[i] + 1):
            if i == 0 and j == 0:
                continue
            best = -np.inf
            arg = -1
            for t in range(ntypes):
                a = types[t, 0]
                b = types[t, 1]
                pi = i - a
                pj = j - b
                if pi < 0 or pj < lo[pi] or pj > hi[pi]:
                    continue
                prev = score[offs[pi] + pj - lo[pi]]
                if prev == -np.inf:
                    continue
                if a == 0 or b == 0:
                    g = skip
                else:
                    g = bead_gain(rs, rt, bs, bt, cs, ct, lone_s, lone_t, ratio, a, b, i, j, size_exponent, length_penalty, min_margin, part_margin)
                if prev + g > best:
                    best = prev + g
                    arg = t
            k = offs[i] + j - lo[i]
            score[k] = best
            back[k] = arg
    m = hi[n]
    # Walk back from (n, m); every cell on the way was reachable, so arg >= 0.
    ends = []
    i = n
    j = m
    while i > 0 or j > 0:
        t = back[offs[i] + j - lo[i]]
        ends.append((i, j, t))
        i -= types[t, 0]
        j -= types[t, 1]
    out = np.empty((len(ends), 3), np.int64)
    for k in range(len(ends)):
        out[k, 0] = ends[len(ends) - 1 - k][0]
        out[k, 1] = ends[len(ends) - 1 - k][1]
        out[k, 2] = ends[len(ends) - 1 - k][2]
    return out


def band_path(lo, hi, runs_s, runs_t, len_s, len_t, bead_types, score_params: ScoreParams, lone_s=None, lone_t=None):
    """Best path inside the band lo..hi, as a list of (source ids, target ids) beads.

    ``runs_s`` is (Ks, n, d) as made by `scoring.run_vectors`, likewise
    ``runs_t``; ``len_s``/``len_t`` are sentence lengths in characters;
    ``lone_s``/``lone_t`` flag sentences that may not be merged (headings).
    """
    n, m = runs_s.shape[1], runs_t.shape[1]
    lone_s = np.zeros(n, np.bool_) if lone_s is None else np.asarray(lone_s, np.bool_)
    lone_t = np.zeros(m, np.bool_) if lone_t is None else np.asarray(lone_t, np.bool_)
    types = np.asarray(bead_types, dtype=np.int64)
    ks = max(1, int(types[:, 0].max()))
    kt = max(1, int(types[:, 1].max()))
    runs_s = np.ascontiguousarray(runs_s[:ks])
    runs_t = np.ascontiguousarray(runs_t[:kt])
    bs = baselines(runs_s, runs_t)
    bt = baselines(runs_t, runs_s)
    cs = np.concatenate([[0.0], np.cumsum(len_s, dtype=np.float64)])
    ct = np.concatenate([[0.0], np.cumsum(len_t, dtype=np.float64)])
    ratio = ct[-1] / cs[-1] if cs[-1] > 0 and ct[-1] > 0 else 1.0
    ends = _band_dp(
        np.asarray(lo, np.int64), np.asarray(hi, np.int64), runs_s, runs_t, bs, bt, cs, ct, lone_s, lone_t, ratio, types,
        float(score_params.skip), float(score_params.size_exponent), bool(score_params.length_penalty),
        float(score_params.min_margin), float(score_params.part_margin),
    )
    return [
        (tuple(range(i - types[t, 0], i)), tuple(range(j - types[t, 1], j)))
        for i, j, t in ends.tolist()
    ]


def _full_band(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(n + 1, np.int64), np.full(n + 1, m, np.int64)


def _shrink(vecs: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Halve a document: each new sentence is two neighbours (the last may be one)."""
    n = len(vecs)
    half = (n + 1) // 2
    pad = np.zeros((half * 2 - n, vecs.shape[1]), vecs.dtype)
    v = np.concatenate([vecs, pad]).reshape(half, 2, -1).sum(axis=1)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    ln = np.concatenate([lens, np.zeros(half * 2 - n)]).reshape(half, 2).sum(axis=1)
    return v.astype(np.float32), ln


def _band_around(beads, n: int, m: int, scale: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Band of a fine n x m grid around a coarse path, `window` wide each side."""
    lo = np.full(n + 1, m, np.int64)
    hi = np.zeros(n + 1, np.int64)
    i0 = j0 = 0
    for src, tgt in beads:
        i1 = i0 + len(src)
        j1 = j0 + len(tgt)
        # The coarse bead spans fine cells [i0*scale, i1*scale] x [j0*scale, j1*scale].
        r0 = max(0, i0 * scale - window)
        r1 = min(n, i1 * scale + window)
        c0 = max(0, j0 * scale - window)
        c1 = min(m, j1 * scale + window)
        lo[r0 : r1 + 1] = np.minimum(lo[r0 : r1 + 1], c0)
        hi[r0 : r1 + 1] = np.maximum(hi[r0 : r1 + 1], c1)
        i0, j0 = i1, j1
    # A band must be monotone and reach both corners for a path to exist.
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    hi = np.maximum.accumulate(hi)
    lo[0] = 0
    hi[n] = m
    return lo, hi


def _coarse_band(vs, vt, len_s, len_t, params: SearchParams, score_params: ScoreParams):
    """The band for the fine search, from the path of the pair shrunk by half."""
    n, m = len(vs), len(vt)
    cs_vecs, cs_lens = _shrink(vs, len_s)
    ct_vecs, ct_lens = _shrink(vt, len_t)
    coarse = _single_path(cs_vecs, ct_vecs, cs_lens, ct_lens, params, score_params, _COARSE_TYPES)
    return _band_around(coarse, n, m, 2, params.window)


def _single_path(vs, vt, len_s, len_t, params: SearchParams, score_params: ScoreParams, types):
    """Path over single-sentence vectors (runs approximated by sums), any size."""
    n, m = len(vs), len(vt)
    if n * m <= params.full_cells or min(n, m) < 4:
        lo, hi = _full_band(n, m)
    else:
        lo, hi = _coarse_band(vs, vt, len_s, len_t, params, score_params)
    kmax = max(max(a for a, _ in types), max(b for _, b in types), 1)
    return band_path(lo, hi, run_vectors(vs, kmax), run_vectors(vt, kmax), len_s, len_t, types, score_params)


def search_band(vs, vt, len_s, len_t, params: SearchParams, score_params: ScoreParams):
    """The band in which the best path lies: everything for small pairs, else coarse-to-fine."""
    n, m = len(vs), len(vt)
    if n * m <= params.full_cells or min(n, m) < 4:
        return _full_band(n, m)
    return _coarse_band(vs, vt, len_s, len_t, params, score_params)


def best_path(
    runs_s, runs_t, len_s, len_t, params: SearchParams = SearchParams(), score_params: ScoreParams = ScoreParams(),
    lone_s=None, lone_t=None,
):
    """Best monotone path of beads for two documents.

    Args:
        runs_s: (K, n, d) unit vectors of source runs; [0] are the sentences.
        runs_t: (K, m, d) likewise for the target.
        len_s, len_t: sentence lengths in characters.
        lone_s, lone_t: optional boolean flags of sentences that may not be
            merged with others (headings).

    Returns:
        The beads as (source ids, target ids), covering both sides in order.
    """
    n, m = runs_s.shape[1], runs_t.shape[1]
    if n == 0 or m == 0:
        return [((i,), ()) for i in range(n)] + [((), (j,)) for j in range(m)]
    lo, hi = search_band(runs_s[0], runs_t[0], np.asarray(len_s, float), np.asarray(len_t, float), params, score_params)
    return band_path(lo, hi, runs_s, runs_t, len_s, len_t, params.bead_types, score_params, lone_s, lone_t)
