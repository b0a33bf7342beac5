"""Mining translation pairs from two unordered lists of sentences, with calibrated scores.

    >>> from aligner.mining import mine
    >>> pairs = mine(french_sentences, arabic_sentences)          # doctest: +SKIP
    >>> [(p.source, p.target, round(p.score, 2)) for p in pairs]  # doctest: +SKIP

Where `align` looks for one monotone path through two documents, `mine`
assumes no order at all, as bitext mining does (Vecalign's users asked for
it, its issue 1). Each candidate pair is scored by the *ratio margin* of
Artetxe & Schwenk (2019), the criterion that made margin-based mining far
more accurate than raw cosine::

    R(x, y) = cos(x, y) / ((knn(x) + knn(y)) / 2)

where ``knn(x)`` is the mean cosine of ``x`` with its k nearest neighbours
on the other side: a pair scores high only if it stands out from what each
of its sentences is close to anyway. `R` is turned into a probability that
the two sentences translate each other with a logistic curve fitted on the
FLORES French-Arabic documents of the benchmark suite (1-1 pairs against
every other pair; `python -m benchmarks.calibrate` refits it and prints how
well it holds on the other sets). A pair whose sentences only share part of
their content gets a lower probability than a full translation.

Pairs are chosen one to one by the "max. score" rule: every sentence's best
candidate in either direction is a candidate, candidates are taken by
decreasing score, and a pair is kept when neither sentence is taken and its
probability reaches the threshold.

The cost is that of comparing every source sentence with every target
sentence (in blocks, so memory stays small): fine for documents and
collections of tens of thousands of sentences, not for web-scale mining.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from .encoders import EmbeddingStore, get_encoder
from ._input import sentence_list
from ._threads import one_blas_thread
from .errors import InputError

__all__ = [
    "MinedPair", "mine", "ratio_margin_candidates", "neighbour_means", "probability", "mutual_pairs", "NEIGHBOURS",
]

# Neighbours averaged in the margin's denominator (Artetxe & Schwenk used 4).
NEIGHBOURS = 4
# p = 1 / (1 + exp(-(A * R + B))), fitted by `python -m benchmarks.calibrate`
# on the benchmark's FLORES fr-ar documents with the default encoder (USE v3).
_A, _B = 16.36, -21.53
# Rows of the similarity matrix computed at once: about 64 MB of float32.
_BLOCK_CELLS = 1 << 24


@dataclass(frozen=True)
class MinedPair:
    """A source and a target sentence that translate each other, with how sure that is.

    Attributes:
        source: id of the source sentence (from 0).
        target: id of the target sentence (from 0).
        score: probability that the two translate each other, in [0, 1].
        margin: the ratio margin it comes from (1.0: no more alike than
            each sentence's nearest neighbours).
    """

    source: int
    target: int
    score: float
    margin: float


def probability(margin: np.ndarray | float) -> np.ndarray | float:
    """The calibrated probability of a ratio margin (see the module docstring)."""
    return 1.0 / (1.0 + np.exp(-(_A * np.asarray(margin, np.float64) + _B)))


def ratio_margin_candidates(
    vs: np.ndarray, vt: np.ndarray, k: int = NEIGHBOURS, knn: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each sentence's best counterpart by ratio margin, in both directions.

    Args:
        vs, vt: (n, d) and (m, d) unit vectors.
        k: neighbours in the margin's denominator (fewer if a side is shorter).
        knn: `neighbour_means` of the same vectors, if the caller has them already.

    Returns:
        ``(best_t, margin_s, best_s, margin_t)``: for each source sentence its
        best target and that pair's margin, and for each target its best source.
    """
    vs = np.ascontiguousarray(vs, np.float32)
    vt = np.ascontiguousarray(vt, np.float32)
    n, m = len(vs), len(vt)
    rows = max(1, _BLOCK_CELLS // max(m, 1))
    knn_s, knn_t = neighbour_means(vs, vt, k) if knn is None else knn
    blocks = ((a, 0, vs[a : a + rows] @ vt.T) for a in range(0, n, rows))
    return _best_by_ratio(blocks, knn_s, knn_t, n, m)


def _best_by_ratio(blocks, knn_s, knn_t, n: int, m: int, banded: bool = False):
    """Each row's and column's best counterpart by ratio margin, and that margin (-inf: none compared).

    `blocks` yields (first row, first column, cosines of those rows with the
    columns from there); with `banded`, cells outside the band are -inf and
    stay so whatever the denominators.
    """
    best_t = np.zeros(n, np.int64)
    margin_s = np.full(n, -np.inf)
    best_s = np.zeros(m, np.int64)
    margin_t = np.full(m, -np.inf)
    for a, c0, block in blocks:
        rows, cols = slice(a, a + len(block)), slice(c0, c0 + block.shape[1])
        # Outside the band a cell is -inf, whatever its row's or column's denominator.
        with np.errstate(divide="ignore", invalid="ignore") if banded else contextlib.nullcontext():
            ratio = block / ((knn_s[rows, None] + knn_t[None, cols]) / 2.0)
        if banded:
            ratio[~np.isfinite(block)] = -np.inf
        best_t[rows] = ratio.argmax(axis=1) + c0
        margin_s[rows] = ratio.max(axis=1)
        col = ratio.argmax(axis=0)
        val = ratio[col, np.arange(ratio.shape[1])]
        better = c0 + np.flatnonzero(val > margin_t[cols])  # strict: the first row wins ties, as argmax does
        best_s[better] = col[better - c0] + a
        margin_t[better] = val[better - c0]
    return best_t, margin_s, best_s, margin_t


def mutual_pairs(
    vs: np.ndarray, vt: np.ndarray, threshold: float, band: tuple[np.ndarray, np.ndarray] | None = None,
    k: int = NEIGHBOURS,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs that are each other's best counterpart by ratio margin, with probability >= threshold.

    Args:
        vs, vt: (n, d) and (m, d) unit vectors.
        threshold: the smallest probability (`probability`) of a pair.
        band: the search band ``(lo, hi)`` of `aligner.search.search_band`
            (cells (i, j) with lo[i] <= j <= hi[i]), to compare each
            sentence only with those a bead can join it to; None: with
            every sentence of the other side. The neighbours of the
            margin's denominator come from the same cells, so the time and
            memory grow with the band, linearly with the documents.
        k: neighbours in the margin's denominator.

    Returns:
        ``(partner_s, partner_t)``: for each source sentence the id of its
        partner target, for each target its partner source, -1 where there
        is none.
    """
    with one_blas_thread():  # small products: see aligner/_threads.py
        return _mutual_pairs(vs, vt, threshold, band, k)


def _mutual_pairs(vs, vt, threshold: float, band, k: int) -> tuple[np.ndarray, np.ndarray]:
    n, m = len(vs), len(vt)
    partner_s = np.full(n, -1, np.int64)
    partner_t = np.full(m, -1, np.int64)
    if n == 0 or m == 0:
        return partner_s, partner_t
    if band is None:
        best_t, margin_s, best_s, _ = ratio_margin_candidates(vs, vt, k)
    else:
        vs = np.ascontiguousarray(vs, np.float32)
        vt = np.ascontiguousarray(vt, np.float32)
        lo, hi = (np.asarray(x, np.int64) for x in band)
        # Sentence i sits between cell rows i and i + 1: a bead can join it to
        # the targets from lo[i] up to hi[i + 1] - 1.
        first, last = np.clip(lo[:-1], 0, m), np.clip(hi[1:], 0, m)
        # Thousands of products of 64 rows by about 100 columns: one BLAS thread
        # runs them fastest, and on a busy machine two took 8 times as long
        # (60,000 sentences a side: 8.1 s against 1.0 s).
        with threadpool_limits(1, user_api="blas"):
            best_t, margin_s, best_s = _banded_best(vs, vt, first, last, k)
    with np.errstate(over="ignore"):
        mutual = np.isfinite(margin_s) & (best_s[best_t] == np.arange(n)) & (probability(margin_s) >= threshold)
    ids = np.flatnonzero(mutual)
    partner_s[ids] = best_t[ids]
    partner_t[best_t[ids]] = ids
    return partner_s, partner_t


def _banded_best(vs, vt, first, last, k: int):
    """`_best_by_ratio` within the band first..last: (best target, its margin, best source) of each sentence."""
    n, m = len(vs), len(vt)
    knn_s = np.zeros(n)
    top_t = np.full((k, m), -np.inf, np.float32)  # running k best per target
    for a, c0, block in _band_blocks(vs, vt, first, last):
        knn_s[a : a + len(block)] = _top_mean(block, k, axis=1)
        cols = slice(c0, c0 + block.shape[1])
        top_t[:, cols] = -np.sort(-np.concatenate([top_t[:, cols], block]), axis=0)[:k]
    knn_t = _top_mean(top_t, k, axis=0)
    best_t, margin_s, best_s, _ = _best_by_ratio(_band_blocks(vs, vt, first, last), knn_s, knn_t, n, m, banded=True)
    return best_t, margin_s, best_s


def _band_blocks(vs: np.ndarray, vt: np.ndarray, first: np.ndarray, last: np.ndarray, rows: int = 64):
    """(first row, first column, cosines of those rows with the columns their band spans), -inf outside the band."""
    for a in range(0, len(vs), rows):
        f, l = first[a : a + rows], last[a : a + rows]
        c0, c1 = int(f.min()), int(l.max())
        if c1 <= c0:
            continue  # rows past the band's end (none in a band from search_band)
        block = vs[a : a + rows] @ vt[c0:c1].T
        cols = np.arange(c0, c0 + block.shape[1])
        block[(cols[None, :] < f[:, None]) | (cols[None, :] >= l[:, None])] = -np.inf
        yield a, c0, block


def _top_mean(x: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Mean of the k largest finite values along `axis` (fewer where fewer are finite; 0 where none is)."""
    k = min(k, x.shape[axis])
    top = (-np.sort(-x, axis=axis)).take(range(k), axis=axis).astype(np.float64)
    finite = np.isfinite(top)
    count = finite.sum(axis=axis)
    total = np.where(finite, top, 0.0).sum(axis=axis)
    return np.where(count > 0, total / np.maximum(count, 1), 0.0)


def neighbour_means(vs: np.ndarray, vt: np.ndarray, k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """The mean cosine of each sentence with its k nearest neighbours on the other side (the margin's denominator).

    Args:
        vs, vt: (n, d) and (m, d) unit vectors.
        k: neighbours averaged (fewer if a side is shorter).

    Returns:
        ``(knn_s, knn_t)``, of shapes (n,) and (m,).
    """
    vs = np.ascontiguousarray(vs, np.float32)
    vt = np.ascontiguousarray(vt, np.float32)
    n, m = len(vs), len(vt)
    ks, kt = min(k, m), min(k, n)
    rows = max(1, _BLOCK_CELLS // max(m, 1))
    knn_s = np.empty(n, np.float64)
    top_t = np.full((kt, m), -np.inf, np.float32)  # running k best per target
    for a in range(0, n, rows):
        block = vs[a : a + rows] @ vt.T
        knn_s[a : a + rows] = np.partition(block, m - ks, axis=1)[:, m - ks :].mean(axis=1)
        both = np.concatenate([top_t, block])
        top_t = np.partition(both, len(both) - kt, axis=0)[len(both) - kt :]
    return knn_s, top_t.mean(axis=0, dtype=np.float64)


def mine(
    source: Sequence[str],
    target: Sequence[str],
    *,
    encoder: Any = None,
    threshold: float = 0.5,
    cache_dir: str | None = None,
) -> list[MinedPair]:
    """Find the sentence pairs of two unordered lists that translate each other.

    Args:
        source, target: lists of sentences (no order is assumed).
        encoder: as for `aligner.align` (None: the embedded multilingual USE v3).
        threshold: the smallest probability a pair must have to be returned.
        cache_dir: an on-disk embedding cache, as for `align`.

    Returns:
        One-to-one pairs, best first (ties by source id), each with its
        probability and ratio margin.

    Raises:
        InputError: a side is not a list of non-blank strings, or the threshold is not in [0, 1].
    """
    src = list(sentence_list(source, "source", "mine"))
    tgt = list(sentence_list(target, "target", "mine"))
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 <= threshold <= 1.0:
        raise InputError(f"threshold must be a probability between 0 and 1; got {threshold!r}")
    store = EmbeddingStore(get_encoder(encoder), cache_dir=cache_dir)
    best_t, margin_s, best_s, margin_t = ratio_margin_candidates(store.get(src), store.get(tgt))
    candidates = {(i, int(j)): float(r) for i, (j, r) in enumerate(zip(best_t, margin_s))}
    for j, (i, r) in enumerate(zip(best_s, margin_t)):
        candidates[(int(i), j)] = float(r)
    taken_s: set[int] = set()
    taken_t: set[int] = set()
    out = []
    for (i, j), r in sorted(candidates.items(), key=lambda kv: (-kv[1], kv[0])):
        p = float(probability(r))
        if p < threshold:
            break
        if i in taken_s or j in taken_t:
            continue
        taken_s.add(i)
        taken_t.add(j)
        out.append(MinedPair(i, j, p, r))
    return out
