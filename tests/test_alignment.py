"""Tests of aligner.alignment: Bead and the coverage invariant of Alignment."""

import dataclasses

import pytest

from aligner import AlignerError, Alignment, Bead, InputError

SRC = ("S0.", "S1.", "S2.")
TGT = ("T0.", "T1.")


class TestBead:
    @pytest.mark.parametrize(
        "source, target, kind",
        [
            ((0,), (0,), "1-1"),
            ((0, 1), (0,), "2-1"),
            ((0,), (0, 1, 2), "1-3"),
            ((3,), (), "1-0"),
            ((), (5,), "0-1"),
            ((0, 1), (0, 1), "2-2"),
        ],
    )
    def test_kind(self, source, target, kind):
        assert Bead(source, target).kind == kind

    @pytest.mark.parametrize(
        "source, target, expected",
        [
            ((0,), (), True),
            ((), (0,), True),
            ((0,), (0,), False),
            ((0, 1), (0,), False),
            ((0,), (0, 1), False),
        ],
    )
    def test_is_deletion(self, source, target, expected):
        assert Bead(source, target).is_deletion is expected

    def test_default_score_and_frozen(self):
        bead = Bead((0,), (1,))
        assert bead.score == 0.0
        with pytest.raises(dataclasses.FrozenInstanceError):
            bead.score = 1.0  # type: ignore[misc]

    def test_equality_includes_score(self):
        assert Bead((0,), (0,), 0.5) == Bead((0,), (0,), 0.5)
        assert Bead((0,), (0,), 0.5) != Bead((0,), (0,), 0.25)


def _alignment(beads, src=SRC, tgt=TGT):
    return Alignment(src, tgt, beads)


class TestIteration:
    def test_pairs_joined_with_space_and_empty_for_missing_side(self):
        beads = [
            Bead((0, 1), (0,), 0.9),
            Bead((), (1,), 0.0),
            Bead((2,), (), 0.0),
        ]
        al = _alignment(beads)
        assert list(al) == [("S0. S1.", "T0."), ("", "T1."), ("S2.", "")]
        assert len(al) == 3

    def test_multi_target_join(self):
        al = Alignment(("a",), ("b", "c", "d"), [Bead((0,), (0, 1, 2))])
        assert list(al) == [("a", "b c d")]
        assert al.target_text(al.beads[0], sep="|") == "b|c|d"
        assert al.source_text(al.beads[0]) == "a"

    def test_pairs_method_drops_scores(self):
        al = _alignment([Bead((0,), (0,), 0.3), Bead((1, 2), (1,), 0.7)])
        assert al.pairs() == [((0,), (0,)), ((1, 2), (1,))]

    def test_lists_become_tuples(self):
        al = Alignment(list(SRC), list(TGT), [Bead((0, 1, 2), (0, 1))])
        assert isinstance(al.source_sentences, tuple)
        assert isinstance(al.target_sentences, tuple)
        assert isinstance(al.beads, tuple)

    def test_equality_ignores_metadata(self):
        beads = [Bead((0, 1, 2), (0, 1))]
        a = Alignment(SRC, TGT, beads, metadata={"x": 1})
        b = Alignment(SRC, TGT, beads, metadata={"x": 2})
        assert a == b

    def test_empty_documents_with_no_beads(self):
        al = Alignment((), (), ())
        assert list(al) == []
        assert len(al) == 0


class TestCoverageChecks:
    def test_valid_alignment_with_deletions(self):
        al = _alignment([Bead((0,), ()), Bead((1,), (0,)), Bead((), (1,)), Bead((2,), ())])
        assert [b.kind for b in al.beads] == ["1-0", "1-1", "0-1", "1-0"]

    def test_input_error_is_an_aligner_error_and_value_error(self):
        with pytest.raises(AlignerError):
            _alignment([])
        with pytest.raises(ValueError):
            _alignment([])

    def test_skipped_source_sentence(self):
        with pytest.raises(InputError, match=r"bead 1 has source sentences \[2\], expected consecutive ids from 1"):
            _alignment([Bead((0,), (0,)), Bead((2,), (1,))])

    def test_skipped_target_sentence(self):
        with pytest.raises(InputError, match=r"bead 0 has target sentences \[1\], expected consecutive ids from 0"):
            _alignment([Bead((0, 1, 2), (1,))])

    def test_repeated_sentence(self):
        with pytest.raises(InputError, match=r"bead 1 has source sentences \[0\].*from 1"):
            _alignment([Bead((0,), (0,)), Bead((0,), (1,)), Bead((1, 2), ())])

    def test_repeated_sentence_inside_a_bead(self):
        with pytest.raises(InputError, match=r"bead 0 has source sentences \[0, 0\]"):
            _alignment([Bead((0, 0), (0,)), Bead((1, 2), (1,))])

    def test_reordered_beads(self):
        with pytest.raises(InputError, match=r"bead 0 has source sentences \[1\].*from 0"):
            _alignment([Bead((1,), (0,)), Bead((0,), (1,)), Bead((2,), ())])

    def test_reordered_ids_inside_a_bead(self):
        with pytest.raises(InputError, match=r"bead 0 has target sentences \[1, 0\]"):
            _alignment([Bead((0, 1, 2), (1, 0))])

    def test_empty_bead(self):
        with pytest.raises(InputError, match="bead 1 is empty on both sides"):
            _alignment([Bead((0, 1, 2), (0, 1)), Bead((), ())])

    def test_missing_source_sentences_at_the_end(self):
        with pytest.raises(InputError, match="beads cover 2 of 3 source and 2 of 2 target sentences"):
            _alignment([Bead((0,), (0,)), Bead((1,), (1,))])

    def test_missing_target_sentences_at_the_end(self):
        with pytest.raises(InputError, match="beads cover 3 of 3 source and 1 of 2 target sentences"):
            _alignment([Bead((0, 1, 2), (0,))])

    def test_beads_past_the_end(self):
        with pytest.raises(InputError, match="beads cover 4 of 3 source"):
            _alignment([Bead((0, 1, 2, 3), (0, 1))])

    def test_no_beads_for_nonempty_documents(self):
        with pytest.raises(InputError, match="every sentence must be in exactly one bead"):
            _alignment([])
