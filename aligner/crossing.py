"""Links off the monotone path, and why a sentence stays unaligned.

Two reports of the same event (the seeds) are not a translation: facts come
in another order, a quote is repeated, a sentence covers part of another. A
monotone path can only leave such sentences out. With ``align(...,
crossing=True)`` the pipeline looks, after the path, for sentence pairs the
path did not join:

- every sentence's best counterpart in the whole other document by the ratio
  margin of `aligner.mining` (the same scores, calibrated to a probability),
  in both directions;
- a pair not inside one bead of the path is kept as a `Link` when its
  probability reaches the threshold and it beats what the path gives each of
  its two sentences (its margin is at least that of the sentence's best pair
  inside its own bead), best first, each sentence in at most one link;
- a link is marked ``crosses`` when it runs against the order of the path
  (some bead pairs a sentence before it on one side with one after it on the
  other); otherwise it joins sentences the path could have joined but found
  too weak;
- a sentence much shorter than its side's median gets no link off the path
  (see ``_SHORT``);
- inside a bead of the path with two sentences or more on each side, pairs
  whose sentences are each other's best counterpart in the whole documents
  and that cross each other (the bead hides a reordering) are links too,
  marked ``inside`` (and ``crosses``), both pairs of a crossing at least at
  the threshold. On Text+Berg dev they find the one crossing of its gold
  (German 455-456 : French 541-540, which the path merges into a 2-2 bead).

Sentence-to-run links (a sentence matching two or three consecutive
sentences on the other side out of order) were measured and are not
searched: off the path, none of the candidates on any set was right by the
gold at any probability, and at 0.5 they were topical neighbours and
repeated lines (docs/mining.md).

Why a link must beat the path: without that rule, on translations (Text+Berg,
MAC, FLORES) the links found were next to none right by the gold: mostly a
sentence already well aligned paired again with a neighbour on the same topic
(the partner of a FLORES deletion, say), and with probabilities up to 0.96;
with it, none is left on FLORES at the default threshold (`python -m
benchmarks.crossing`). The price: a partial match of a sentence that the path
already pairs with its full counterpart is not reported. On the seeds those
partial links score 0.03-0.04, below what topical neighbours score, so no
threshold could have told them apart with the default encoder anyway.

Every sentence in a 1-0 or 0-1 bead and in no link is listed as `Unaligned`
with its best counterpart, that pair's probability and the reason it was not
linked. The links never change the beads: the monotone alignment is the
same with the option on or off.

The cost is comparing every source sentence with every target sentence
(blocks of BLAS products, memory stays small): a fraction of a second for
documents of a few thousand sentences, and quadratic beyond.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .alignment import Bead, Link, Unaligned
from .mining import neighbour_means, probability, ratio_margin_candidates

__all__ = ["off_path"]


def off_path(
    beads: Sequence[Bead], vs: np.ndarray, vt: np.ndarray, threshold: float,
    len_s: np.ndarray | None = None, len_t: np.ndarray | None = None,
) -> tuple[tuple[Link, ...], tuple[Unaligned, ...]]:
    """The links off the path of `beads` (and inside its beads) and the sentences left unaligned.

    Args:
        beads: the monotone path, covering both sides.
        vs, vt: unit sentence vectors of the source and target sides.
        threshold: the smallest probability a link must have.
        len_s, len_t: the sentences' lengths in characters, for the floor on
            short sentences (None: no floor).

    Returns:
        ``(links, unaligned)``: links best first (ties by ids), the unaligned
        sentences source side first, each side in order.
    """
    knn_s, knn_t = neighbour_means(vs, vt)
    best_t, margin_s, best_s, margin_t = ratio_margin_candidates(vs, vt, knn=(knn_s, knn_t))
    short_s, short_t = _short(len_s, len(vs)), _short(len_t, len(vt))
    # What the path gives each sentence: its best margin inside its own bead
    # (-inf when it is in no pair), and the bead it is in.
    held_s = np.full(len(vs), -np.inf)
    held_t = np.full(len(vt), -np.inf)
    bead_of_s = np.empty(len(vs), np.int64)
    bead_of_t = np.empty(len(vt), np.int64)
    for k, bead in enumerate(beads):
        src, tgt = list(bead.source), list(bead.target)
        bead_of_s[src] = k
        bead_of_t[tgt] = k
        if src and tgt:
            block = (np.asarray(vs[src], np.float64) @ np.asarray(vt[tgt], np.float64).T) / (
                (knn_s[src, None] + knn_t[None, tgt]) / 2.0
            )
            held_s[src] = block.max(axis=1)
            held_t[tgt] = block.max(axis=0)
    candidates = {(i, int(j)): float(r) for i, (j, r) in enumerate(zip(best_t, margin_s))}
    for j, (i, r) in enumerate(zip(best_s, margin_t)):
        candidates.setdefault((int(i), j), float(r))
    links = _inside(beads, best_t, margin_s, best_s, threshold)
    linked_s = {x.source for x in links}
    linked_t = {x.target for x in links}
    for (i, j), r in sorted(candidates.items(), key=lambda kv: (-kv[1], kv[0])):
        p = float(probability(r))
        if p < threshold:
            break
        if bead_of_s[i] == bead_of_t[j] or i in linked_s or j in linked_t:
            continue
        if r < held_s[i] or r < held_t[j]:
            continue  # the path gives one of the two a better counterpart: see the module docstring
        if short_s[i] or short_t[j]:
            continue  # see _SHORT
        linked_s.add(i)
        linked_t.add(j)
        links.append(Link(i, j, p, r, _crosses(beads, i, j, int(bead_of_s[i]), int(bead_of_t[j]))))
    links.sort(key=lambda x: (-x.score, x.source, x.target))
    unaligned = []
    for side, best, margins, linked, other in (
        ("source", best_t, margin_s, linked_s, "target"),
        ("target", best_s, margin_t, linked_t, "source"),
    ):
        for bead in beads:
            ids = getattr(bead, side)
            if not bead.is_deletion or not ids or ids[0] in linked:
                continue
            i = ids[0]
            j, p = int(best[i]), float(probability(margins[i]))
            if p < threshold:
                reason = f"no counterpart reaches the threshold {threshold:g}: the best, {other} {j}, has probability {p:.3f}"
            else:
                reason = f"its best counterpart, {other} {j} ({p:.3f}), is matched to a sentence that suits it better"
            unaligned.append(Unaligned(side, i, j, p, reason))
    return tuple(links), tuple(unaligned)


# A sentence shorter than this fraction of its side's median sentence is too
# short for a link off the path. Measured (docs/mining.md): the links that
# such sentences gave were lines of dialogue like "两人同时跌倒。" / "The two of
# them set to again.", with probabilities up to .97 and none right by any gold;
# a few words carry too little for the encoder to tell a translation from a
# line of the same scene, and the calibration was fitted on whole news
# sentences.
_SHORT = 0.5


def _short(lengths: np.ndarray | None, n: int) -> np.ndarray:
    """Which sentences are too short for a link off the path (see _SHORT)."""
    if lengths is None or n == 0:
        return np.zeros(n, np.bool_)
    lengths = np.asarray(lengths, np.float64)
    return lengths < _SHORT * float(np.median(lengths))


def _inside(
    beads: Sequence[Bead], best_t: np.ndarray, margin_s: np.ndarray, best_s: np.ndarray, threshold: float
) -> list[Link]:
    """Links inside beads of the path that cross each other.

    A pair counts only if its two sentences are each other's best counterpart
    in the whole documents: the best inside the bead alone also pairs
    sentences the path merged because one of them has no counterpart (FLORES
    deletions), and those cross the true pair half the time.
    """
    out: list[Link] = []
    for bead in beads:
        if len(bead.source) < 2 or len(bead.target) < 2:
            continue
        first, last = bead.target[0], bead.target[-1]
        pairs = [
            (i, int(best_t[i]), float(margin_s[i])) for i in bead.source
            if first <= best_t[i] <= last and best_s[best_t[i]] == i and probability(margin_s[i]) >= threshold
        ]
        for i, j, r in pairs:
            if any((i2 - i) * (j2 - j) < 0 for i2, j2, _ in pairs):
                out.append(Link(i, j, float(probability(r)), r, True, inside=True))
    return out


def _crosses(beads: Sequence[Bead], i: int, j: int, bi: int, bj: int) -> bool:
    """True if a bead of the path pairs a sentence before i with one after j, or the reverse."""
    for bead in beads[min(bi, bj) : max(bi, bj) + 1]:
        if bead.source and bead.target:
            if (bead.source[0] < i and bead.target[-1] > j) or (bead.source[-1] > i and bead.target[0] < j):
                return True
    return False
