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

from dataclasses import dataclass, replace

import numpy as np

from ._kernels import band_dp, bead_margin
from .scoring import ScoreParams, Side, make_scorer, make_side

__all__ = [
    "DEFAULT_BEAD_TYPES", "SearchParams", "best_path", "band_path", "search_band", "path_margins", "runs_to_refine",
    "refine_order", "max_runs",
]

# Up to five sentences a bead, as many on one side as literary translation
# needs (MAC dev has 1-5 and 2-4 beads): the types past 4 sentences raised
# strict F1 on Text+Berg dev (.893 -> .897) and MAC dev (.864 -> .872) and
# left FLORES fr-ar as it was (.985).
DEFAULT_BEAD_TYPES: tuple[tuple[int, int], ...] = (
    (1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (2, 3), (3, 2), (1, 4), (4, 1),
    (3, 3), (2, 4), (4, 2), (1, 5), (5, 1),
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


def max_runs(bead_types) -> tuple[int, int]:
    """The longest run of sentences a bead of these types has, on each side."""
    return max(1, max(a for a, _ in bead_types)), max(1, max(b for _, b in bead_types))


def band_path(lo, hi, src: Side, tgt: Side, bead_types, score_params: ScoreParams):
    """Best path inside the band lo..hi, as a list of (source ids, target ids) beads."""
    types = np.asarray(bead_types, dtype=np.int64)
    lo = np.asarray(lo, np.int64)
    hi = np.asarray(hi, np.int64)
    scorer = make_scorer(src, tgt, lo, hi)
    scale, bonus = score_params.type_gains(types)
    ends = band_dp(
        lo, hi, scorer.arrays, scorer.ratio, types, scale, bonus, bool(score_params.length_penalty),
        float(score_params.min_margin), float(score_params.part_margin), float(score_params.part_weight),
        float(score_params.anchor_weight), src.quotes, tgt.quotes, float(score_params.quote_weight),
        int(score_params.pair_floor),
    )
    return [
        (tuple(range(i - types[t, 0], i)), tuple(range(j - types[t, 1], j)))
        for i, j, t in ends.tolist()
    ]


def path_margins(path, src: Side, tgt: Side) -> list[float]:
    """The margin of each bead of `path` (0.0 for 1-0 and 0-1 beads)."""
    n, m = len(src.vecs), len(tgt.vecs)
    lo, hi = _band_around(path, n, m, 1, 0)  # the narrowest band that holds the path
    scorer = make_scorer(src, tgt, lo, hi)
    out = []
    for s, t in path:
        if s and t:
            out.append(float(bead_margin(scorer.arrays, len(s), len(t), s[-1] + 1, t[-1] + 1)))
        else:
            out.append(0.0)
    return out


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
    coarse = best_path(cs_vecs, ct_vecs, cs_lens, ct_lens, replace(params, bead_types=_COARSE_TYPES), score_params)
    return _band_around(coarse, n, m, 2, params.window)


def search_band(vs, vt, len_s, len_t, params: SearchParams, score_params: ScoreParams):
    """The band in which the best path lies: everything for small pairs, else coarse-to-fine."""
    n, m = len(vs), len(vt)
    if n * m <= params.full_cells or min(n, m) < 4:
        return _full_band(n, m)
    return _coarse_band(vs, vt, len_s, len_t, params, score_params)


def best_path(
    vs, vt, len_s, len_t, params: SearchParams = SearchParams(), score_params: ScoreParams = ScoreParams(),
    lone_s=None, lone_t=None, exact_s=None, exact_t=None, band=None, anchors_s=None, anchors_t=None,
    quotes_s=None, quotes_t=None, partners_s=None, partners_t=None,
):
    """Best monotone path of beads for two documents.

    Args:
        vs: (n, d) unit vectors of the source sentences; or (K, n, d) with
            the embeddings of the joined text of every run of 1..K sentences
            (row [k, i] for sentences i..i+k), which makes every run exact.
        vt: likewise for the target.
        len_s, len_t: sentence lengths in characters.
        lone_s, lone_t: optional boolean flags of sentences that may not be
            merged with others (headings).
        exact_s, exact_t: optional {(run length, first sentence): unit vector}
            embeddings of joined texts; other runs are scored by the
            normalised sum of their sentences' vectors.
        band: optional (lo, hi) from `search_band`, to reuse across calls.
        anchors_s, anchors_t: optional int64 anchor bit sets of the
            sentences (`aligner.anchors.anchor_masks`), which count only
            when ``score_params.anchor_weight`` is not 0.
        quotes_s, quotes_t: optional (n + 1,) and (m + 1,) int8 quotation states
            (`aligner.anchors.quote_states`), which count only when
            ``score_params.quote_weight`` is not 0.
        partners_s, partners_t: optional (n,) and (m,) ids of each
            sentence's mined partner on the other side, or -1
            (`aligner.mining.mutual_pairs`): no merge holds one of a pair
            without the other.

    Returns:
        The beads as (source ids, target ids), covering both sides in order.
    """
    vs, exact_s = _split_runs(vs, exact_s)
    vt, exact_t = _split_runs(vt, exact_t)
    n, m = len(vs), len(vt)
    if n == 0 or m == 0:
        return [((i,), ()) for i in range(n)] + [((), (j,)) for j in range(m)]
    len_s = np.asarray(len_s, float)
    len_t = np.asarray(len_t, float)
    lo, hi = band if band is not None else search_band(vs, vt, len_s, len_t, params, score_params)
    ks, kt = max_runs(params.bead_types)
    src = make_side(vs, ks, len_s, lone_s, exact_s, anchors_s, quotes_s, partners_s)
    tgt = make_side(vt, kt, len_t, lone_t, exact_t, anchors_t, quotes_t, partners_t)
    return band_path(lo, hi, src, tgt, params.bead_types, score_params)


def _split_runs(v, exact):
    """(n, d) sentence vectors and the exact-run mapping, from either input form."""
    v = np.asarray(v, dtype=np.float32)
    if v.ndim == 2:
        return v, exact
    runs = {(k + 1, i): v[k, i] for k in range(1, v.shape[0]) for i in range(v.shape[1] - k)}
    runs.update(exact or {})
    return np.ascontiguousarray(v[0]), runs


def runs_to_refine(path, max_s: int, max_t: int) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Runs whose joined text should be embedded before the path can be trusted.

    The search scores a run of several sentences by the sum of their vectors
    until the pipeline embeds its joined text. The runs that matter are those
    it is about to choose: the multi-sentence sides of the beads on the
    path, and, next to each unaligned sentence, the merges that would take it
    into the neighbouring bead (its rivals). Returns two sets of
    (run length, first sentence), source and target.
    """
    need_s, need_t = _rival_runs(path, max_s, max_t)
    for runs_s, runs_t in _bead_runs(path):
        need_s |= runs_s
        need_t |= runs_t
    return need_s, need_t


def refine_order(path, margins, max_s: int, max_t: int) -> list[tuple[int, tuple[int, int]]]:
    """The runs of `runs_to_refine`, most needed first, as (side, run): side 0 source, 1 target.

    First the rivals of the unaligned sentences (with the beads they rival):
    few and short, and the joined text is what lifts a right merge over a
    deletion (Text+Berg dev falls from .898 to .887 without them). Then the
    beads of the path from the lowest margin up, the closest calls first.
    """
    rivals = _rival_runs(path, max_s, max_t)
    order = [(side, run) for side in (0, 1) for run in sorted(rivals[side])]
    beads = sorted(zip(margins, range(len(path)), _bead_runs(path)))
    for _, _, runs in beads:
        order += [(side, run) for side in (0, 1) for run in sorted(runs[side] - rivals[side])]
    return order


def _bead_runs(path):
    """For each bead of the path, its multi-sentence sides as ({source run}, {target run})."""
    return [
        ({(len(src), src[0])} if len(src) > 1 else set(), {(len(tgt), tgt[0])} if len(tgt) > 1 else set())
        for src, tgt in path
    ]


def _rival_runs(path, max_s: int, max_t: int) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """The merges that would take each unaligned sentence into a neighbouring bead, and that bead's runs."""
    need_s: set[tuple[int, int]] = set()
    need_t: set[tuple[int, int]] = set()
    for k, (src, tgt) in enumerate(path):
        if src and tgt:
            continue
        for other in (k - 1, k + 1):
            if not 0 <= other < len(path):
                continue
            o_src, o_tgt = path[other]
            if not (o_src and o_tgt):
                continue
            if src and len(o_src) < max_s:
                need_s.add((len(o_src) + 1, min(src[0], o_src[0])))
                if len(o_tgt) > 1:
                    need_t.add((len(o_tgt), o_tgt[0]))
            if tgt and len(o_tgt) < max_t:
                need_t.add((len(o_tgt) + 1, min(tgt[0], o_tgt[0])))
                if len(o_src) > 1:
                    need_s.add((len(o_src), o_src[0]))
    return need_s, need_t
