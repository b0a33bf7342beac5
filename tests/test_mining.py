"""Tests of aligner.mining: ratio margins, calibrated scores, one-to-one mining of unordered lists."""

import numpy as np
import pytest

import aligner.mining as mining
from aligner import InputError
from aligner.encoders import CallableEncoder
from aligner.mining import MinedPair, mine, probability, ratio_margin_candidates


def unit_rows(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def dense_ratio(vs, vt, k=4):
    sims = vs @ vt.T
    knn_s = np.sort(sims, axis=1)[:, -min(k, sims.shape[1]) :].mean(axis=1)
    knn_t = np.sort(sims, axis=0)[-min(k, sims.shape[0]) :, :].mean(axis=0)
    return sims / ((knn_s[:, None] + knn_t[None, :]) / 2)


@pytest.mark.parametrize("block_cells", [1, 7 * 40, 1 << 24])
def test_blocked_margins_equal_the_dense_matrix(monkeypatch, block_cells):
    rng = np.random.default_rng(1)
    vs, vt = unit_rows(rng.standard_normal((50, 16))), unit_rows(rng.standard_normal((40, 16)))
    monkeypatch.setattr(mining, "_BLOCK_CELLS", block_cells)
    best_t, margin_s, best_s, margin_t = ratio_margin_candidates(vs, vt)
    ratio = dense_ratio(vs, vt)
    np.testing.assert_array_equal(best_t, ratio.argmax(axis=1))
    np.testing.assert_array_equal(best_s, ratio.argmax(axis=0))
    np.testing.assert_allclose(margin_s, ratio.max(axis=1), rtol=1e-5)
    np.testing.assert_allclose(margin_t, ratio.max(axis=0), rtol=1e-5)


def test_fewer_sentences_than_neighbours():
    rng = np.random.default_rng(2)
    vs, vt = unit_rows(rng.standard_normal((2, 8))), unit_rows(rng.standard_normal((3, 8)))
    best_t, margin_s, _, _ = ratio_margin_candidates(vs, vt)
    np.testing.assert_allclose(margin_s, dense_ratio(vs, vt).max(axis=1), rtol=1e-5)
    assert best_t.shape == (2,)


def test_probability_is_increasing_and_bounded():
    p = probability(np.linspace(0.0, 3.0, 31))
    assert np.all(np.diff(p) > 0)
    assert p[0] < 0.01 and p[-1] > 0.99


def planted(n_pairs=30, n_noise=10, d=256, seed=0):
    """Sentences whose vectors make pairs (s<k>, t<k>) translations; the target side shuffled.

    Every vector shares a common part, as real sentence embeddings do (any
    two sentences have a cosine well above 0), so that noise sentences are
    not each other's near neighbours by accident.
    """
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(d)
    common /= np.linalg.norm(common)

    def vec():
        return rng.standard_normal(d) / np.sqrt(d) + common

    vecs = {}
    for k in range(n_pairs):
        own = vec()
        vecs[f"s{k}"] = own
        vecs[f"t{k}"] = own + 0.3 * rng.standard_normal(d) / np.sqrt(d)
    for k in range(n_noise):
        vecs[f"s-noise{k}"] = vec()
        vecs[f"t-noise{k}"] = vec()
    src = [f"s{k}" for k in range(n_pairs)] + [f"s-noise{k}" for k in range(n_noise)]
    tgt = [f"t{k}" for k in range(n_pairs)] + [f"t-noise{k}" for k in range(n_noise)]
    tgt = [tgt[k] for k in rng.permutation(len(tgt))]
    encoder = CallableEncoder(lambda texts: np.array([vecs[t] for t in texts]), name="planted")
    return src, tgt, encoder


def test_mine_finds_the_planted_pairs_one_to_one():
    src, tgt, encoder = planted()
    pairs = mine(src, tgt, encoder=encoder)
    found = {(src[p.source], tgt[p.target]) for p in pairs}
    assert found == {(f"s{k}", f"t{k}") for k in range(30)}
    assert len({p.source for p in pairs}) == len(pairs) == len({p.target for p in pairs})
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)
    assert all(0.5 <= p.score <= 1.0 and isinstance(p, MinedPair) for p in pairs)


def test_threshold_filters_and_is_checked():
    src, tgt, encoder = planted()
    everything = mine(src, tgt, encoder=encoder, threshold=0.0)
    # Noise sentences are paired too, where they are each other's best candidate.
    assert len(everything) > len(mine(src, tgt, encoder=encoder)) == 30
    strict = mine(src, tgt, encoder=encoder, threshold=0.999)
    assert len(strict) < 30 and all(p.score >= 0.999 for p in strict)
    for bad in (-0.1, 1.5, "high", True):
        with pytest.raises(InputError, match="threshold"):
            mine(src, tgt, encoder=encoder, threshold=bad)


@pytest.mark.parametrize(
    ("source", "message"),
    [("one string", "list of sentences"), ([], "empty"), (["ok", 3], "sentence 1 is int"), (["ok", "  "], "sentence 1")],
)
def test_bad_input_is_named(source, message):
    with pytest.raises(InputError, match=message):
        mine(source, ["Hello."], encoder=CallableEncoder(lambda t: np.ones((len(t), 4)), name="ones"))


def test_real_encoder_unordered_translations():
    fr = ["Le chat dort sur le canapé.", "Il pleut à Paris depuis ce matin.", "Le train pour Lyon part à huit heures.",
          "Nous avons acheté du pain et du fromage.", "La réunion a été reportée à jeudi."]
    en = ["The meeting was postponed to Thursday.", "We bought bread and cheese.", "The cat is asleep on the sofa.",
          "The train to Lyon leaves at eight.", "It has been raining in Paris since this morning.",
          "Quantum computers use qubits."]
    pairs = {(p.source, p.target) for p in mine(fr, en)}
    assert pairs == {(0, 2), (1, 4), (2, 3), (3, 1), (4, 0)}


class TestMutualPairs:
    def _vectors(self, n, m, seed=0):
        rng = np.random.default_rng(seed)
        vt = rng.normal(size=(m, 32)).astype(np.float32)
        vt /= np.linalg.norm(vt, axis=1, keepdims=True)
        vs = vt[np.arange(n) % m] + 0.3 * rng.normal(size=(n, 32)).astype(np.float32)
        vs /= np.linalg.norm(vs, axis=1, keepdims=True)
        return vs, vt

    def test_whole_matrix_matches_ratio_margin_candidates(self):
        from aligner.mining import mutual_pairs, probability, ratio_margin_candidates

        vs, vt = self._vectors(40, 50)
        best_t, margin_s, best_s, _ = ratio_margin_candidates(vs, vt)
        ps, pt = mutual_pairs(vs, vt, 0.5)
        for i in range(40):
            mutual = best_s[best_t[i]] == i and probability(margin_s[i]) >= 0.5
            assert ps[i] == (best_t[i] if mutual else -1)
        assert all(pt[ps[i]] == i for i in range(40) if ps[i] >= 0)
        assert (ps >= 0).sum() == (pt >= 0).sum() >= 10

    def test_a_full_band_is_the_whole_matrix(self):
        from aligner.mining import mutual_pairs

        vs, vt = self._vectors(30, 30, seed=1)
        band = (np.zeros(31, np.int64), np.full(31, 30, np.int64))
        for a, b in zip(mutual_pairs(vs, vt, 0.5), mutual_pairs(vs, vt, 0.5, band)):
            np.testing.assert_array_equal(a, b)

    def test_band_keeps_pairs_inside_it(self):
        from aligner.mining import mutual_pairs

        vs, vt = self._vectors(60, 60, seed=2)
        # A diagonal band two sentences wide each way: sentence i may meet targets i-2..i+2.
        lo = np.clip(np.arange(61) - 2, 0, 60)
        hi = np.clip(np.arange(61) + 2, 0, 60)
        ps, pt = mutual_pairs(vs, vt, 0.5, (lo, hi))
        assert (ps >= 0).sum() > 40
        for i in np.flatnonzero(ps >= 0):
            assert lo[i] <= ps[i] < hi[i + 1]
        # Pair 10 with a target outside its band: the band must not see it.
        vs2 = vs.copy()
        vs2[10] = vt[40]
        ps2, _ = mutual_pairs(vs2, vt, 0.5, (lo, hi))
        assert ps2[10] != 40
        assert mutual_pairs(vs2, vt, 0.5)[0][10] == 40
