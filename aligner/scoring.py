"""How good a bead is: the numbers the search adds up.

The default score is fitted on each document pair (`aligner.calibration`):
it sets, per bead type, the factor of the margin and the constant added
(`ScoreParams.calibration`, `ScoreParams.type_gains`), and the weights of
anchors and quotation boundaries. The knobs below, with their defaults, are
the hand-set score of aligner 0.1, which the deprecated options of `align`
still select; the fitted score's first path uses them with every rule off
(`aligner.calibration.START`). What follows describes that score.

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
- A merge's margin is blended with that of its weakest sentence:
  ``(1 - part_weight) * margin + part_weight * weakest`` (``part_weight``
  0.05). Of two merges equally similar as wholes, the one whose every
  sentence matches wins over the one carried by a single strong sentence.
  It raised strict F1 on MAC dev (+.006), FLORES zh-en (+.004) and the seeds
  (the passenger bead of issue 4), with Text+Berg and FLORES fr-ar/de-fr
  within a bead of where they were (docs/how-it-works.md).
- A heading (a short segment without final punctuation) is never part of a
  merge: it has too little content of its own to be judged inside one.
- Runs that share anchors (numbers, quoted speech: `aligner.anchors`) earn
  ``anchor_weight * (shared - unshared) / all`` (``anchor_weight`` 0.1)
  on top of the gain, when both runs have anchors; a run of several
  sentences has the union of its sentences' anchors. It is added to the
  gain rather than to the margin so that a bigger bead earns no more for
  the same anchors. It raised strict F1 on MAC dev by .008 (dialogue: a
  Chinese sentence of speech against its English sentences) and Text+Berg
  dev by .0035, and left the other sets where they were (docs/how-it-works.md).
- A bead boundary that falls inside a quotation on one side and outside it
  on the other costs ``quote_weight`` (0.05), and as much again if it falls
  right after the end of a quotation on one side only
  (`aligner.anchors.quote_states`): the beads on either side of it most
  likely cut a line of dialogue apart. It is charged per cell of the path,
  whatever the bead types around it. It raised strict F1 on MAC dev by .011
  (dialogue boundaries shifted by one sentence) and left the other sets
  where they were; Text+Berg dev fell from 0.06 on, where a quotation the
  German OCR lost is open in the French only (docs/how-it-works.md).
- Two rules against passengers, sentences that ride along in a merge only
  because the merge saves their skip cost (the seeds' bead French 9 :
  Arabic 9-12, where only Arabic 11 is French 9's counterpart):
  ``pair_floor`` (3; 0: off): a merge with at least that many sentences on
  one side is never chosen when it earns less than its sentences would as
  1-1 beads (the best monotone pairing of them inside the bead, skip costs
  left out). Judged on joined texts only (a sum underrates a merge).
  ``pair_guard`` (0.9; 0: off): a bead never holds one sentence of a
  mutual-best pair mined with at least that probability in the search band
  (`aligner.mining.mutual_pairs`) without the other, when the other lies
  within a few sentences of it. Together they lift the seeds' link F1 from
  .870 to .952 and FLORES de-fr by .0018, and cost MAC dev .0003 (one bead);
  ``pair_floor=2`` lifts FLORES by .009-.012 but costs MAC dev .03, so
  `aligner.pipeline` uses it only where the first path shows that merges
  are not the rule (``strict_merges``: many sentences left unaligned, or
  few merges). The
  guard covered merges only until the floor at 2 needed it for 1-1 beads
  too: without it, the seeds' refused merge came back as two 1-1 beads
  shifted by one sentence (on the translation sets it moves no bead).
- ``size_exponent`` (0.5) makes the gain grow with the number of sentences a
  bead covers, but less than linearly, so that a merge competes fairly with a
  1-1 bead plus a deletion.

The defaults were tuned on Text+Berg dev while watching MAC dev and FLORES
French-Arabic documents (docs/how-it-works.md has the table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

import numpy as np

from ._kernels import run_norms
from ._threads import one_blas_thread

if TYPE_CHECKING:
    from .calibration import Calibration

__all__ = ["ScoreParams", "Side", "Scorer", "run_vectors", "make_side", "make_scorer"]


@dataclass(frozen=True)
class ScoreParams:
    """The knobs of the bead score; the defaults are the tuned ones."""

    skip: float = -0.1
    size_exponent: float = 0.5
    length_penalty: bool = True
    min_margin: float = 0.0
    part_margin: float = -0.1
    part_weight: float = 0.05
    anchor_weight: float = 0.1
    quote_weight: float = 0.05
    pair_floor: int = 3
    pair_guard: float = 0.9
    calibration: Calibration | None = None

    def type_gains(self, types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per bead type, the factor of the margin and the constant added: gain = margin * scale + bonus."""
        if self.calibration is not None:
            return self.calibration.type_gains(types)
        types = np.asarray(types, np.int64)
        one_sided = (types[:, 0] == 0) | (types[:, 1] == 0)
        scale = np.where(one_sided, 0.0, ((types[:, 0] + types[:, 1]) / 2.0) ** self.size_exponent)
        bonus = np.where(one_sided, self.skip, 0.0)
        return scale.astype(np.float64), bonus.astype(np.float64)


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
        anchors: (n,) int64 bit sets of the sentences' anchors (`aligner.anchors`).
        quotes: (n + 1,) int8 quotation state after the first k sentences
            (`aligner.anchors.quote_states`).
        partner: (n,) id of each sentence's mined partner on the other side
            (`aligner.mining.mutual_pairs`), or -1: a merge may not hold
            the one without the other.
    """

    vecs: np.ndarray
    norms: np.ndarray
    exact_index: np.ndarray
    exact: np.ndarray
    lengths: np.ndarray
    lone: np.ndarray
    anchors: np.ndarray
    quotes: np.ndarray
    partner: np.ndarray


def make_side(
    vecs: np.ndarray, max_run: int, lengths, lone=None, exact: Mapping[tuple[int, int], np.ndarray] | None = None,
    anchors=None, quotes=None, partner=None,
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
    anchors = np.zeros(n, np.int64) if anchors is None else np.ascontiguousarray(anchors, np.int64)
    quotes = np.zeros(n + 1, np.int8) if quotes is None else np.ascontiguousarray(quotes, np.int8)
    partner = np.full(n, -1, np.int64) if partner is None else np.ascontiguousarray(partner, np.int64)
    return Side(vecs, run_norms(vecs, k), index, np.stack(rows), cum, lone, anchors, quotes, partner)


def _mean_run_vectors(side: Side, k_max: int) -> np.ndarray:
    """(k_max, d): mean vector of all runs of each length, exact ones as embedded.

    k_max must not exceed the side's own largest run length.
    """
    n, d = side.vecs.shape
    out = np.zeros((k_max, d), np.float32)
    for k in range(k_max):
        starts = max(n - k, 0)  # runs of k + 1 sentences that fit in the document
        valid = max(starts, 1)
        rows = side.exact_index[k, :starts]
        norms = side.norms[k, :starts]
        inv = np.where(rows < 0, 1.0 / norms, 0.0)
        # A sentence's weight is the sum of 1/norm over the runs that contain it.
        weights = np.zeros(n + 1)
        for dl in range(k + 1):
            weights[dl : dl + len(inv)] += inv
        extra = side.exact[rows[rows >= 0]].sum(axis=0, dtype=np.float64)
        out[k] = (_weighted_sum(weights[:n], side.vecs) + extra) / valid
    return out


def _weighted_sum(weights: np.ndarray, vecs: np.ndarray) -> np.ndarray:
    """``weights @ vecs`` in float64 without a float64 copy of `vecs`.

    The product would first make the whole (n, d) float32 matrix float64:
    800 MB at 200,000 sentences, for every run length of every search, and
    most of a search's time at that size; einsum casts in small buffers.
    """
    return np.einsum("i,ij->j", weights, vecs, dtype=np.float64)


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
    # These products are small (blocks of 256 x a few hundred, matrix-vector
    # products): one BLAS thread runs them fastest. Measured here: 80 blocks
    # of 256 x 300 took 0.10 s on one thread and 0.64 s on two.
    with one_blas_thread():
        return _make_scorer(src, tgt, lo, hi)


def _make_scorer(src: Side, tgt: Side, lo: np.ndarray, hi: np.ndarray) -> Scorer:
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
        np.zeros(d, np.float32), np.zeros(d, np.float32), src.anchors, tgt.anchors,
        src.partner, tgt.partner,
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
    _fill_band(vs, vt, c0, c1, offs, sims, chunk)
    return sims, offs, c0


def _fill_band(vs, vt, c0, c1, offs, sims, chunk):
    n = len(vs)
    for p0 in range(0, n, chunk):
        p1 = min(n, p0 + chunk)
        a, b = int(c0[p0:p1].min()), int(c1[p0:p1].max())
        if b <= a:
            continue
        block = vs[p0:p1] @ vt[a:b].T
        for p in range(p0, p1):
            sims[offs[p] : offs[p + 1]] = block[p - p0, c0[p] - a : c1[p] - a]
