"""Scoring an alignment against a gold one.

`score_beads` and `score_documents` give strict and lax precision, recall and
F1 over beads (Sennrich & Volk 2010, "MT-based sentence alignment for
OCR-generated parallel texts"), computed exactly as Vecalign's ``score.py``
(github.com/thompsonb/vecalign, functions ``_precision`` and
``score_multiple``), so numbers can be compared with published ones:

- precision is over the test beads, 1-0/0-1 beads included; recall is over
  the gold beads that have both sides non-empty;
- strict: the bead is identical to a bead of the other alignment;
- lax: it shares a source sentence and a target sentence with one bead of
  the other alignment. A bead with an empty side has no such pair, so a 1-0
  or 0-1 test bead is right (strictly and laxly) only if it is exactly a gold
  bead;
- counts are summed over documents before dividing (not averaged), and a
  0/0 gives 0.0.

`link_scores` scores sentence-pair links against sure and possible links;
`recall_by_type` tells which kinds of bead (1-1, 2-1, 0-1...) were found.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Sequence, Union

from .alignment import Alignment, Bead

__all__ = ["score_beads", "score_documents", "link_scores", "bead_links", "recall_by_type"]

Pair = tuple[tuple[int, ...], tuple[int, ...]]
Beads = Union[Alignment, Iterable[Union[Bead, Sequence[Sequence[int]]]]]


def _pairs(beads: Beads) -> list[Pair]:
    """Beads as (source ids, target ids) tuples, from any accepted input."""
    if isinstance(beads, Alignment):
        beads = beads.beads
    out = []
    for bead in beads:
        src, tgt = (bead.source, bead.target) if isinstance(bead, Bead) else bead
        out.append((tuple(int(i) for i in src), tuple(int(j) for j in tgt)))
    return out


def _precision(goldalign: list[Pair], testalign: list[Pair]) -> tuple[int, int, int, int]:
    """(tp strict, fp strict, tp lax, fp lax) of the test beads; as Vecalign's ``_precision``."""
    # As in score.py: both sides become sets (a repeated bead counts once) and
    # beads empty on both sides are dropped.
    test = {(x, y) for x, y in testalign if x or y}
    gold = {(x, y) for x, y in goldalign if x or y}
    # For each source id, the target ids it is linked to by some gold bead.
    # A gold bead with an empty side adds nothing here.
    src_to_gold_tgt: dict[int, set[int]] = defaultdict(set)
    for gold_src, gold_tgt in gold:
        for i in gold_src:
            src_to_gold_tgt[i].update(gold_tgt)
    tp_strict = fp_strict = tp_lax = fp_lax = 0
    for test_src, test_tgt in test:
        if (test_src, test_tgt) in gold:
            tp_strict += 1
            tp_lax += 1
            continue
        fp_strict += 1
        # Lax match: some (test source, test target) pair is linked in gold.
        # score.py builds the linked targets from the test *source* ids, so a
        # 0-1 test bead finds none and a 1-0 one has no target to match: a
        # deletion that is not exactly a gold bead is a lax false positive.
        linked = set()
        for i in test_src:
            linked |= src_to_gold_tgt.get(i, set())
        if linked.intersection(test_tgt):
            tp_lax += 1
        else:
            fp_lax += 1
    return tp_strict, fp_strict, tp_lax, fp_lax


def _recall(goldalign: list[Pair], testalign: list[Pair]) -> tuple[int, int, int, int]:
    """(found strict, missed strict, found lax, missed lax) of the gold beads.

    As score.py: "recall is precision with no insertion/deletion and swap
    args", so 1-0/0-1 beads are dropped from both sides first.
    """
    test_no_del = [(x, y) for x, y in testalign if x and y]
    gold_no_del = [(x, y) for x, y in goldalign if x and y]
    return _precision(goldalign=test_no_del, testalign=gold_no_del)


def _ratio(num: int, den: int, value_for_div_by_0: float) -> float:
    return value_for_div_by_0 if den == 0 else num / float(den)


def _f1(p: float, r: float, value_for_div_by_0: float) -> float:
    return value_for_div_by_0 if p + r == 0 else 2 * (p * r) / (p + r)


def score_documents(pairs: Iterable[tuple[Beads, Beads]], value_for_div_by_0: float = 0.0) -> dict[str, float]:
    """Strict and lax precision, recall and F1 over several documents.

    `pairs` holds one ``(gold, test)`` per document; each is an `Alignment`,
    a list of `Bead`, or a list of ``(source ids, target ids)``. Gold beads may
    leave sentences out. Counts are summed over all documents before dividing,
    as Vecalign's ``score_multiple`` does, so long documents weigh more.

    Returns a dict with the keys of Vecalign's ``score_multiple``:
    ``precision_strict``, ``recall_strict``, ``f1_strict``,
    ``precision_lax``, ``recall_lax``, ``f1_lax``.
    """
    p = [0, 0, 0, 0]
    r = [0, 0, 0, 0]
    for gold, test in pairs:
        gold_pairs, test_pairs = _pairs(gold), _pairs(test)
        p = [a + b for a, b in zip(p, _precision(gold_pairs, test_pairs))]
        r = [a + b for a, b in zip(r, _recall(gold_pairs, test_pairs))]
    d = value_for_div_by_0
    p_strict, p_lax = _ratio(p[0], p[0] + p[1], d), _ratio(p[2], p[2] + p[3], d)
    r_strict, r_lax = _ratio(r[0], r[0] + r[1], d), _ratio(r[2], r[2] + r[3], d)
    return {
        "recall_strict": r_strict,
        "recall_lax": r_lax,
        "precision_strict": p_strict,
        "precision_lax": p_lax,
        "f1_strict": _f1(p_strict, r_strict, d),
        "f1_lax": _f1(p_lax, r_lax, d),
    }


def score_beads(gold: Beads, test: Beads, value_for_div_by_0: float = 0.0) -> dict[str, float]:
    """Strict and lax precision, recall and F1 of `test` against `gold` (one document).

    See `score_documents` for the inputs and the keys of the result.
    """
    return score_documents([(gold, test)], value_for_div_by_0)


def bead_links(beads: Beads) -> set[tuple[int, int]]:
    """Every (source id, target id) pair that shares a bead; 1-0/0-1 beads give none."""
    return {(i, j) for src, tgt in _pairs(beads) for i in src for j in tgt}


def link_scores(
    sure: Iterable[tuple[int, int]],
    possible: Iterable[tuple[int, int]],
    predicted: Iterable[tuple[int, int]],
) -> dict[str, float]:
    """Precision, recall, F1 and AER of predicted sentence links.

    Precision is against sure ∪ possible links, recall against sure links
    (Och & Ney 2003); `possible` need not repeat the sure links. AER is
    ``1 - (|A∩S| + |A∩P|) / (|A| + |S|)`` with P = sure ∪ possible. A 0/0
    gives 0.0 (1.0 for AER when nothing is predicted and nothing is sure).
    """
    s, a = set(sure), set(predicted)
    p = s | set(possible)
    precision = _ratio(len(a & p), len(a), 0.0)
    recall = _ratio(len(a & s), len(s), 0.0)
    aer = 1.0 - _ratio(len(a & s) + len(a & p), len(a) + len(s), 0.0)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall, 0.0), "aer": aer}


def recall_by_type(gold: Beads, test: Beads) -> dict[str, tuple[int, int]]:
    """For each kind of gold bead (``"1-1"``, ``"2-1"``, ``"0-1"``...), (found, total).

    A gold bead is found if `test` has exactly the same bead (strict), which is
    what shows whether many-to-one beads and deletions are being recovered.
    Unlike Vecalign's recall, 1-0/0-1 gold beads are counted here too. Kinds
    are in the order they first appear in `gold`.
    """
    test_set = set(_pairs(test))
    out: dict[str, tuple[int, int]] = {}
    for src, tgt in dict.fromkeys(_pairs(gold)):  # a repeated bead counts once, as in score.py
        if not src and not tgt:
            continue
        kind = f"{len(src)}-{len(tgt)}"
        found, total = out.get(kind, (0, 0))
        out[kind] = (found + ((src, tgt) in test_set), total + 1)
    return out
