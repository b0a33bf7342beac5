"""Bertalign's algorithm (Liu & Zhu 2022), written again for the benchmarks: a baseline, not a dependency.

Bertalign is not on PyPI and needs faiss and a model download, so the
benchmarks cannot install it. This module follows its published method and
default settings (``Bertalign(max_align=5, top_k=3, win=5, skip=-0.1,
margin=True, len_penalty=True)``) with any encoder, so that it runs with the
same embeddings as the other systems:

1. **First pass, 1-1 anchors.** For each source sentence, its 3 most similar
   target sentences by inner product. A DP over 1-1, 1-0 and 0-1 beads, in a
   band of ``max(250, 6% of the longer side)`` target sentences around the
   diagonal, gains the similarity for a 1-1 bead whose target is among the 3
   and nothing otherwise; its 1-1 beads are the anchors.
2. **Second pass, m-n beads.** A DP over the beads of at most 5 sentences in
   all (1-0, 0-1 and a + b <= 5), in a band of 5 target sentences beyond the
   anchors before and after each row. A bead's score is the cosine of the
   embeddings of its joined texts (runs joined with a space, as Bertalign's
   overlaps are, whatever the language) less the mean cosine of each text
   with the sentences just before and after the other side's run, times
   ``log2(1 + min/max)`` of the two texts' UTF-8 byte lengths (the target's
   scaled by the documents' source/target byte ratio); 1-0 and 0-1 score
   -0.1. Ties go to the bead type listed first, as in Bertalign.

Checked against the figures measured with Bertalign itself on this machine
with the same encoder (Text+Berg dev .860, MAC dev .858; see
docs/benchmarks.md for what this version gives).
"""

from __future__ import annotations

from typing import Sequence

import numba
import numpy as np

MAX_ALIGN = 5
TOP_K = 3
WIN = 5
SKIP = -0.1
FIRST_MIN_WIN = 250
FIRST_PERCENT = 0.06


def bead_types(max_align: int = MAX_ALIGN) -> np.ndarray:
    """0-1, 1-0, then every a-b with a, b >= 1 and a + b <= max_align, a first."""
    types = [(0, 1), (1, 0)]
    types += [(a, b) for a in range(1, max_align) for b in range(1, max_align) if a + b <= max_align]
    return np.array(types, np.int64)


def overlaps(sentences: Sequence[str], k_max: int) -> list[list[str | None]]:
    """runs[k][p]: the text of the k + 1 sentences ending at sentence p, or None where they would start before 0."""
    lines = [s.strip() or "BLANK_LINE" for s in sentences]
    return [[" ".join(lines[p - k : p + 1]) if p >= k else None for p in range(len(lines))] for k in range(k_max)]


def embed_overlaps(sentences: Sequence[str], encode, k_max: int = MAX_ALIGN - 1) -> tuple[np.ndarray, np.ndarray]:
    """(k_max, n, d) unit vectors and (k_max, n) UTF-8 lengths of the runs of `overlaps` (zeros where none)."""
    runs = overlaps(sentences, k_max)
    texts = [t for layer in runs for t in layer if t is not None]
    vecs = np.asarray(encode(texts), np.float32)
    vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    out = np.zeros((k_max, len(sentences), vecs.shape[1]), np.float32)
    lens = np.zeros((k_max, len(sentences)), np.float64)
    row = 0
    for k, layer in enumerate(runs):
        for p, text in enumerate(layer):
            if text is not None:
                out[k, p] = vecs[row]
                lens[k, p] = len(text.encode("utf-8"))
                row += 1
    return out, lens


def _top_k(src: np.ndarray, tgt: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    sims = src @ tgt.T
    k = min(k, tgt.shape[0])
    # Stable order: the higher similarity first, the lower index among equals.
    idx = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(sims, idx, axis=1).astype(np.float32), idx.astype(np.int64)


def _first_band(n: int, m: int) -> np.ndarray:
    win = max(FIRST_MIN_WIN, int(max(n, m) * FIRST_PERCENT))
    ratio = m / n
    band = np.empty((n + 1, 2), np.int64)
    for i in range(n + 1):
        centre = int(ratio * i)
        band[i] = max(0, centre - win), min(centre + win, m)
    return band


@numba.njit(cache=True)
def _tables(band):
    """The DP's score (float32, as Bertalign's) and back-pointer tables, one row per source cell, band-wide."""
    width = 0
    for i in range(band.shape[0]):
        width = max(width, band[i, 1] - band[i, 0] + 1)
    return np.zeros((band.shape[0], width), np.float32), np.full((band.shape[0], width), -1, np.int8)


@numba.njit(cache=True)
def _first_pass(n, band, dist, index):
    """Back pointers of the anchor DP: 0 a 0-1, 1 a 1-0, 2 a 1-1 bead (-1 unreachable)."""
    cost, back = _tables(band)
    steps = ((0, 1), (1, 0), (1, 1))
    for i in range(n + 1):
        for j in range(band[i, 0], band[i, 1] + 1):
            if i == 0 and j == 0:
                continue
            best = -np.inf
            arg = -1
            for t in range(3):
                pi = i - steps[t][0]
                pj = j - steps[t][1]
                if pi < 0 or pj < 0 or pj < band[pi, 0] or pj > band[pi, 1]:
                    continue
                score = cost[pi, pj - band[pi, 0]]
                if t == 2:
                    for r in range(index.shape[1]):
                        if index[i - 1, r] == j - 1:
                            score += dist[i - 1, r]
                if score > best:
                    best = score
                    arg = t
            cost[i, j - band[i, 0]] = best
            back[i, j - band[i, 0]] = arg
    return back


def _anchors(n: int, m: int, back: np.ndarray, band: np.ndarray) -> list[tuple[int, int]]:
    """The cells (i, j) that end a 1-1 bead of the first pass, in order."""
    steps = ((0, 1), (1, 0), (1, 1))
    out = []
    i, j = n, m
    while i > 0 or j > 0:
        t = back[i, j - band[i, 0]]
        if t == 2:
            out.append((i, j))
        i -= steps[t][0]
        j -= steps[t][1]
    return out[::-1]


def _second_band(anchors: list[tuple[int, int]], n: int, m: int, win: int) -> np.ndarray:
    # The last anchor is made (n, m), replacing one that ends either side early.
    anchors = list(anchors)
    if anchors and (anchors[-1][0] != n) == (anchors[-1][1] == m) and anchors[-1] != (n, m):
        anchors.pop()
    if not anchors or anchors[-1] != (n, m):
        anchors.append((n, m))
    rows = []
    prev_i = prev_j = 0
    for i, j in anchors:
        lo, hi = max(0, prev_j - win), min(m, j + win)
        rows += [(lo, hi)] * (i - prev_i)
        prev_i, prev_j = i, j
    return np.array([rows[0]] + rows, np.int64)


@numba.njit(cache=True, fastmath=True)
def _neighbour_sim(vec, size, end, length, first):
    """Mean similarity of vec with the sentences just before and after a run of `size` ending at sentence end - 1."""
    left = end - size
    right = end + 1
    r = 0.0
    if right <= length:
        r = np.dot(vec, first[right - 1])
    lft = 0.0
    if left > 0:
        lft = np.dot(vec, first[left - 1])
    total = lft + r
    if lft != 0.0 and r != 0.0:
        total /= 2.0
    return total


@numba.njit(cache=True, fastmath=True)
def _second_pass(sv, tv, sl, tl, band, types, ratio, skip):
    n = sv.shape[1]
    m = tv.shape[1]
    cost, back = _tables(band)
    for i in range(n + 1):
        for j in range(band[i, 0], band[i, 1] + 1):
            if i == 0 and j == 0:
                continue
            best = -np.inf
            arg = -1
            for t in range(types.shape[0]):
                a = types[t, 0]
                b = types[t, 1]
                pi = i - a
                pj = j - b
                if pi < 0 or pj < 0 or pj < band[pi, 0] or pj > band[pi, 1]:
                    continue
                score = cost[pi, pj - band[pi, 0]]
                if a == 0 or b == 0:
                    g = skip
                else:
                    x = sv[a - 1, i - 1]
                    y = tv[b - 1, j - 1]
                    g = np.dot(x, y)
                    g -= (_neighbour_sim(x, b, j, m, tv[0]) + _neighbour_sim(y, a, i, n, sv[0])) / 2.0
                    ls = sl[a - 1, i - 1]
                    lt = tl[b - 1, j - 1] * ratio
                    g *= np.log2(1.0 + min(ls, lt) / max(ls, lt))
                score += g
                if score > best:
                    best = score
                    arg = t
            cost[i, j - band[i, 0]] = best
            back[i, j - band[i, 0]] = arg
    return back


def bertalign(source: Sequence[str], target: Sequence[str], encode) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Beads of Bertalign's two passes for two lists of sentences; `encode(list[str]) -> array` embeds the runs."""
    n, m = len(source), len(target)
    if n == 0 or m == 0:
        return [((i,), ()) for i in range(n)] + [((), (j,)) for j in range(m)]
    sv, sl = embed_overlaps(source, encode)
    tv, tl = embed_overlaps(target, encode)
    ratio = sl[0].sum() / tl[0].sum()
    dist, index = _top_k(sv[0], tv[0], TOP_K)
    band1 = _first_band(n, m)
    anchors = _anchors(n, m, _first_pass(n, band1, dist, index), band1)
    band2 = _second_band(anchors, n, m, WIN)
    types = bead_types()
    back = _second_pass(sv, tv, sl, tl, band2, types, float(ratio), SKIP)
    beads = []
    i, j = n, m
    while i > 0 or j > 0:
        t = back[i, j - band2[i, 0]]
        a, b = int(types[t, 0]), int(types[t, 1])
        beads.append((tuple(range(i - a, i)), tuple(range(j - b, j))))
        i -= a
        j -= b
    return beads[::-1]
