"""The stress documents and the fold protocol of the benchmarks (benchmarks/stress.py, folds.py), on toy material.

None of these needs ../shared/data: the builders are given sentences here.
"""

import random
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for the benchmarks package

from benchmarks import stress  # noqa: E402
from benchmarks._foldtable import markdown_table, summary  # noqa: E402
from benchmarks.datasets import LOADERS  # noqa: E402
from benchmarks.folds import choose  # noqa: E402


def covers(doc):
    src = sorted(i for s, _ in doc.gold for i in s)
    tgt = sorted(j for _, t in doc.gold for j in t)
    return src == list(range(len(doc.source))) and tgt == list(range(len(doc.target)))


class TestSplitHalf:
    def test_at_the_comma_nearest_the_middle(self):
        text = "The committee met on Monday, and after a long debate it voted against the plan."
        assert stress.split_half(text, "en") == ("The committee met on Monday.", "And after a long debate it voted against the plan.")

    def test_chinese_mark_and_full_stop(self):
        assert stress.split_half("委员会周一开会，经过长时间辩论后投票反对该计划。", "zh") == ("委员会周一开会。", "经过长时间辩论后投票反对该计划。")

    def test_arabic_comma(self):
        first, second = stress.split_half("اجتمعت اللجنة يوم الاثنين، وبعد نقاش طويل صوتت ضد الخطة.", "ar")
        assert first == "اجتمعت اللجنة يوم الاثنين." and second == "وبعد نقاش طويل صوتت ضد الخطة."

    def test_a_comma_too_near_an_end_is_passed_over_for_the_middle_space(self):
        assert stress.split_half("Yes, the five members of the board voted today.", "en") == (
            "Yes, the five members of.", "The board voted today.")

    def test_hindi_full_stop(self):
        assert stress.split_half("समिति सोमवार को मिली, और लंबी बहस के बाद योजना के खिलाफ मतदान किया।", "hi")[0] == "समिति सोमवार को मिली।"

    def test_unsplittable(self):
        assert stress.split_half("Oui.", "fr") is None
        assert stress.split_half("短。", "zh") is None


def toy_material(n=60):
    src = [f"Source sentence number {k}, with a clause to cut." for k in range(n)]
    tgt = [f"Phrase cible numéro {k}, avec une proposition à couper." for k in range(n)]
    articles = [list(range(a, min(a + 4, n))) for a in range(0, n, 4)]
    return src, tgt, articles


class TestBuild:
    def test_every_kind_and_a_gold_that_covers_both_sides(self):
        src, tgt, articles = toy_material(200)
        mix = (("2-1", .1), ("1-2", .1), ("1-0", .1), ("0-1", .1), ("h2-1", .1), ("h1-2", .1))
        doc, spans = stress.build("x", src, tgt, articles, random.Random(1), mix, "en", "fr")
        assert covers(doc)
        kinds = {(len(s), len(t)) for s, t in doc.gold}
        assert kinds == {(1, 1), (2, 1), (1, 2), (1, 0), (0, 1)}
        halves = [doc.target[t[0]] for s, t in doc.gold if len(t) == 2 and doc.target[t[0]].endswith("numéro " + doc.target[t[0]].split()[-1])]
        assert halves == [] or all(h.endswith(".") for h in halves)
        # A half bead: its two sentences put together give back the whole one.
        for s, t in doc.gold:
            if len(t) == 2 and doc.source[s[0]] in src:
                k = src.index(doc.source[s[0]])
                if tgt[k] not in doc.target:
                    a, b = doc.target[t[0]], doc.target[t[1]]
                    assert a.endswith(".") and (a[:-1] + ", " + b[0].lower() + b[1:]) == tgt[k]
        assert spans[0][0] == 0 and spans[-1][1] == len(doc.gold)

    def test_same_seed_same_document(self):
        src, tgt, articles = toy_material()
        a = stress.build("x", src, tgt, articles, random.Random("s"), stress.HALF_MIX, "en", "fr")
        b = stress.build("x", src, tgt, articles, random.Random("s"), stress.HALF_MIX, "en", "fr")
        assert a == b

    def test_merges_kept_inside_articles_when_asked(self):
        src, tgt, articles = toy_material(120)
        doc, spans = stress.build("x", src, tgt, articles, random.Random(3), (("2-1", .5),), "en", "fr",
                                  within_articles=True)
        assert covers(doc)
        first_of = {a[0] for a in articles}
        for s, t in doc.gold:
            if len(s) == 2:
                assert src.index(doc.source[s[1]]) not in first_of
        assert len(spans) == len(articles)


class TestMoved:
    def test_one_article_moved_and_the_rest_scored_without_it(self):
        src, tgt, articles = toy_material(40)
        doc, spans = stress.build("x", src, tgt, articles, random.Random(0), (), "en", "fr", within_articles=True)
        moved = stress._move(doc, spans, random.Random(5))
        assert covers(moved) and sorted(moved.target) == sorted(doc.target)
        assert 2 <= len(moved.moved_source) == len(moved.moved_target) <= 10
        for s, t in moved.gold:  # still the right translations after the move
            assert s[0] == int(moved.target[t[0]].split()[3].rstrip(","))
        order = [t[0] for _, t in moved.gold]
        assert order != sorted(order)
        # The monotone identity alignment of the moved document: right outside the article.
        gold, pred = stress.rest_pairs([moved], [[((i,), (i,)) for i in range(40)]])[0]
        assert len(gold) == 40 - len(moved.moved_source)
        assert all(i not in moved.moved_source for s, _ in pred for i in s)


class TestSynthetic:
    def test_the_halves_put_together_are_the_other_side(self):
        doc, enc = stress.synthetic_half(400)
        assert covers(doc)
        halves = [(s, t) for s, t in doc.gold if len(s) + len(t) == 3]
        assert len(halves) >= 20
        s, t = halves[0]
        one = doc.source[s[0]] if len(s) == 1 else doc.target[t[0]]
        parts = [doc.target[j] for j in t] if len(s) == 1 else [doc.source[i] for i in s]
        v = enc.encode([one])[0]
        h1, h2, both = enc.encode(parts + [" ".join(parts)])
        assert abs(float(h1 @ v) - 0.5 ** 0.5) < 1e-5 and abs(float(h2 @ v) - 0.5 ** 0.5) < 1e-5
        np.testing.assert_allclose(both, v, atol=1e-5)
        assert all(t.endswith(".") and not any(c.isdigit() for c in t) for t in doc.source + doc.target)

    def test_deterministic(self):
        assert stress.synthetic_half(300)[0] == stress.synthetic_half.__wrapped__(300)[0]


def test_every_cell_registered():
    names = [n for n in LOADERS if n.startswith("stress-")]
    assert len(names) == 5 * (12 + 1 + 5 + 1) + 1
    assert {"stress-fr-ar-m20-d10", "stress-half-fr-ar", "stress-len5000-fr-ar", "stress-moved-fr-ar",
            "stress-half-synthetic", "stress-lenall-hi-el"} <= set(names)
    assert stress.outside_encoder("stress-half-hi-el") and not stress.outside_encoder("stress-half-fr-ar")


class TestFit:
    F1 = {0: {"a": .9, "b": .8, "c": .5}, 1: {"a": .7, "b": .85, "c": .6}}

    def test_chosen_on_the_other_folds(self):
        fam = {"a": "x", "b": "y", "c": "y"}
        assert choose(self.F1, "a", "mean", fam) == 1  # b, c: .65 against .725
        assert choose(self.F1, "c", "mean", fam) == 0  # a, b: .85 against .775
        assert choose(self.F1, "b", "min", fam) == 1  # a, c: min .5 against .6
        assert choose(self.F1, "a", "family", fam) == 1

    def test_ties_go_to_the_first_value(self):
        assert choose({0: {"a": .5, "b": .5}, 1: {"a": .5, "b": .5}}, "a", "mean", {}) == 0


def test_table_flags_folds_below_bertalign():
    entries = {
        "x": {"documents": 1, "gold_beads": 10, "systems": {"default": {"f1_strict": .9}, "bertalign": {"f1_strict": .95}}},
        "y †": {"documents": 2, "gold_beads": 5, "outside_encoder": True,
                "systems": {"default": {"f1_strict": .8, "f1_rest": .85}, "bertalign": {"f1_strict": .7}}},
    }
    text = "\n".join(markdown_table(entries))
    assert "| x | 1 | 10 | 0.9000 | 0.9500 | -0.0500 ✗ |  |" in text
    assert "+0.1000 | 0.8500 |" in text
    assert summary(entries)[-1] == "default below bertalign on 1 of 2 folds: x"
