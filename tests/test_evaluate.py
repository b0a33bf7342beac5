import pytest

from aligner.alignment import Alignment, Bead
from aligner.evaluate import bead_links, link_scores, recall_by_type, score_beads, score_documents
from aligner.formats import read_beads

KEYS = {"precision_strict", "recall_strict", "f1_strict", "precision_lax", "recall_lax", "f1_lax"}

GOLD = [((0,), (0,)), ((1,), (1, 2)), ((2,), ())]
TEST = [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2,), ())]


def test_worked_example():
    # gold: [0]:[0]  [1]:[1, 2]  [2]:[]
    # test: [0]:[0]  [1]:[1]  []:[2]  [2]:[]
    #
    # Precision, over the 4 test beads:
    #   [0]:[0]  is a gold bead                          strict TP, lax TP
    #   [1]:[1]  not gold; shares src 1 and tgt 1 with
    #            gold [1]:[1, 2]                         strict FP, lax TP
    #   []:[2]   not gold; no source side, so no gold
    #            pair to share: Vecalign's lax rule      strict FP, lax FP
    #   [2]:[]   is a gold bead (deletion)               strict TP, lax TP
    #   P strict = 2/4 = 0.5        P lax = 3/4 = 0.75
    #
    # Recall, over gold beads with both sides non-empty ([2]:[] is left out),
    # against test beads with both sides non-empty ([0]:[0], [1]:[1]):
    #   [0]:[0]     found exactly                        strict TP, lax TP
    #   [1]:[1, 2]  overlaps test [1]:[1] on both sides  strict FN, lax TP
    #   R strict = 1/2 = 0.5        R lax = 2/2 = 1.0
    #
    # F1 strict = 2 * 0.5 * 0.5 / (0.5 + 0.5) = 0.5
    # F1 lax    = 2 * 0.75 * 1.0 / (0.75 + 1.0) = 1.5 / 1.75 = 6/7
    res = score_beads(GOLD, TEST)
    assert set(res) == KEYS
    assert res["precision_strict"] == 0.5
    assert res["precision_lax"] == 0.75
    assert res["recall_strict"] == 0.5
    assert res["recall_lax"] == 1.0
    assert res["f1_strict"] == 0.5
    assert res["f1_lax"] == pytest.approx(6 / 7)


def test_inputs_can_be_alignments_beads_or_lists():
    test = Alignment(["s0", "s1", "s2"], ["t0", "t1", "t2"],
                     [Bead(s, t, 0.5) for s, t in TEST])
    expected = score_beads(GOLD, TEST)
    assert score_beads(GOLD, test) == expected
    assert score_beads([Bead(s, t) for s, t in GOLD], test.beads) == expected
    assert score_beads([[list(s), list(t)] for s, t in GOLD], [[list(s), list(t)] for s, t in TEST]) == expected


def test_gold_read_from_a_vecalign_file_with_gaps():
    # The gold file leaves source sentence 1 out; it is simply not scored.
    gold = read_beads("[0]:[0]\n[2]:[1]\n")
    test = [((0,), (0,)), ((1,), ()), ((2,), (1,))]
    # P: [0]:[0] TP, [1]:[] FP (strict and lax), [2]:[1] TP -> 2/3 both.
    # R: both gold beads found -> 1.0 both.
    res = score_beads(gold, test)
    assert res["precision_strict"] == res["precision_lax"] == 2 / 3
    assert res["recall_strict"] == res["recall_lax"] == 1.0


def test_perfect_alignment_scores_one():
    gold = [((0,), (0,)), ((1,), ()), ((), (1,)), ((2, 3), (2,)), ((4,), (3, 4))]
    assert score_beads(gold, gold) == {k: 1.0 for k in KEYS}


def test_all_deletions_score_zero():
    # Gold has two 1-1 pairs; the test aligns nothing.
    # P: 4 test beads, none is a gold bead, and deletions never match laxly: 0/4.
    # R: no test bead has both sides, so neither gold pair is found: 0/2.
    # F1: P + R = 0, so Vecalign's value for 0/0 (0.0).
    gold = [((0,), (0,)), ((1,), (1,))]
    test = [((0,), ()), ((), (0,)), ((1,), ()), ((), (1,))]
    assert score_beads(gold, test) == {k: 0.0 for k in KEYS}


def test_deletion_inside_a_gold_bead_is_not_a_lax_match():
    # gold [0, 1]:[0]; test [0]:[0] and [1]:[].
    # [0]:[0] shares src 0 and tgt 0 with the gold bead: lax TP, strict FP.
    # [1]:[] has source 1 of the gold bead but no target: strict and lax FP.
    # P strict 0/2, P lax 1/2. R: gold [0, 1]:[0] overlaps test [0]:[0]:
    # R strict 0/1, R lax 1/1. F1 strict 0.0 (0/0), F1 lax 2*.5*1/1.5 = 2/3.
    res = score_beads([((0, 1), (0,))], [((0,), (0,)), ((1,), ())])
    assert (res["precision_strict"], res["precision_lax"]) == (0.0, 0.5)
    assert (res["recall_strict"], res["recall_lax"]) == (0.0, 1.0)
    assert res["f1_strict"] == 0.0
    assert res["f1_lax"] == pytest.approx(2 / 3)


def test_repeated_and_empty_beads_are_ignored_like_vecalign():
    # score.py turns both sides into sets and drops beads empty on both
    # sides, so test = [0]:[0] twice plus []:[] is the same as [0]:[0] once.
    res = score_beads([((0,), (0,))], [((0,), (0,)), ((0,), (0,)), ((), ())])
    assert res == {k: 1.0 for k in KEYS}


def test_documents_are_summed_not_averaged():
    # Doc A: gold [0]:[0], test [0]:[0]: P strict 1/1, R strict 1/1.
    # Doc B: gold [0]:[0] [1]:[1] [2]:[2]; test [0, 1]:[0, 1] [2]:[2]
    #   P: [0, 1]:[0, 1] strict FP, lax TP; [2]:[2] TP   -> strict 1/2, lax 2/2
    #   R: [0]:[0] and [1]:[1] overlap the 2-2 test bead -> strict FN, lax TP;
    #      [2]:[2] found                                  -> strict 1/3, lax 3/3
    # Summed:   P strict = (1+1)/(1+2) = 2/3,  R strict = (1+1)/(1+3) = 1/2
    #           F1 strict = 2 * (2/3 * 1/2) / (2/3 + 1/2) = 4/7
    # Averaged: P strict would be (1 + 1/2)/2 = 3/4, R strict (1 + 1/3)/2 = 2/3.
    doc_a = ([((0,), (0,))], [((0,), (0,))])
    doc_b = ([((0,), (0,)), ((1,), (1,)), ((2,), (2,))], [((0, 1), (0, 1)), ((2,), (2,))])
    res = score_documents([doc_a, doc_b])
    assert res["precision_strict"] == 2 / 3
    assert res["recall_strict"] == 1 / 2
    assert res["f1_strict"] == pytest.approx(4 / 7)
    assert res["precision_lax"] == res["recall_lax"] == res["f1_lax"] == 1.0
    a, b = score_beads(*doc_a), score_beads(*doc_b)
    assert (a["precision_strict"] + b["precision_strict"]) / 2 == 0.75
    assert (a["recall_strict"] + b["recall_strict"]) / 2 == pytest.approx(2 / 3)


def test_nothing_to_score():
    assert score_documents([]) == {k: 0.0 for k in KEYS}
    assert score_beads([], [], value_for_div_by_0=1.0) == {k: 1.0 for k in KEYS}


def test_bead_links():
    beads = [((0,), (0,)), ((1, 2), (1,)), ((), (2,)), ((3,), ())]
    assert bead_links(beads) == {(0, 0), (1, 1), (2, 1)}
    assert bead_links([Bead((0, 1), (0, 1))]) == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_link_scores():
    # sure {(0,0), (1,1)}, possible {(1,2)}, predicted {(0,0), (1,2), (2,2)}
    # precision = |A & (S|P)| / |A| = |{(0,0), (1,2)}| / 3 = 2/3
    # recall    = |A & S| / |S|     = |{(0,0)}| / 2       = 1/2
    # F1 = 2 * (2/3 * 1/2) / (2/3 + 1/2) = 4/7
    # AER = 1 - (|A&S| + |A&P|) / (|A| + |S|) = 1 - (1 + 2) / (3 + 2) = 0.4
    res = link_scores({(0, 0), (1, 1)}, {(1, 2)}, {(0, 0), (1, 2), (2, 2)})
    assert res["precision"] == 2 / 3
    assert res["recall"] == 1 / 2
    assert res["f1"] == pytest.approx(4 / 7)
    assert res["aer"] == pytest.approx(0.4)
    perfect = link_scores({(0, 0)}, set(), {(0, 0)})
    assert perfect == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "aer": 0.0}
    assert link_scores({(0, 0)}, set(), set())["precision"] == 0.0


def test_recall_by_type():
    # gold [0]:[0] found; [1]:[1, 2] not found (test has [1]:[1]); [2]:[] found.
    assert recall_by_type(GOLD, TEST) == {"1-1": (1, 1), "1-2": (0, 1), "1-0": (1, 1)}
    assert recall_by_type(GOLD, []) == {"1-1": (0, 1), "1-2": (0, 1), "1-0": (0, 1)}
