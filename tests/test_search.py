"""Tests of aligner.search: the dynamic programme on synthetic embeddings with a planted path."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligner.alignment import Alignment, Bead
from aligner.scoring import ScoreParams, run_vectors
from aligner.search import DEFAULT_BEAD_TYPES, SearchParams, best_path, search_band

D = 64
NOISE = 0.3  # norm of the noise added to a vector: cosine about 0.96


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def planted(n_beads, seed, kinds=("1-1", "2-1", "1-2", "1-0", "0-1"), weights=(0.6, 0.1, 0.1, 0.1, 0.1)):
    """Random documents with a known best path.

    1-1 beads: the target is the source vector plus small noise. 2-1 and 1-2
    merges: the single side is the normalised sum of the two vectors of the
    other side plus small noise. 1-0 and 0-1: an unrelated random vector.
    Every sentence is 100 characters, and the single side of a merge is the
    sum of the other side's lengths, so the length factor agrees with the
    vectors. A deletion or merge is always followed by two 1-1 beads, so that
    deletions are never close to each other (a 1-0 next to a 0-1 could as well
    be a bad 1-1, and 1-0, 1-1, 0-1 a bad 2-2).

    Returns (source vectors, target vectors, source lengths, target lengths, beads).
    """
    rng = np.random.default_rng(seed)

    def rand():
        return _unit(rng.standard_normal(D))

    def noisy(v):
        return _unit(v + NOISE * rng.standard_normal(D) / np.sqrt(D))

    vs, vt, ls, lt, beads = [], [], [], [], []
    plain = 2  # 1-1 beads still due before the next special one
    for _ in range(n_beads):
        kind = "1-1" if plain else str(rng.choice(kinds, p=weights))
        plain = max(plain - 1, 0) if kind == "1-1" else 2
        i, j = len(vs), len(vt)
        if kind == "1-1":
            s = rand()
            vs.append(s), ls.append(100.0)
            vt.append(noisy(s)), lt.append(100.0)
            beads.append(((i,), (j,)))
        elif kind == "2-1":
            a, b = rand(), rand()
            vs += [a, b]
            ls += [100.0, 100.0]
            vt.append(noisy(_unit(a + b))), lt.append(200.0)
            beads.append(((i, i + 1), (j,)))
        elif kind == "1-2":
            a, b = rand(), rand()
            vt += [a, b]
            lt += [100.0, 100.0]
            vs.append(noisy(_unit(a + b))), ls.append(200.0)
            beads.append(((i,), (j, j + 1)))
        elif kind == "1-0":
            vs.append(rand()), ls.append(100.0)
            beads.append(((i,), ()))
        else:
            vt.append(rand()), lt.append(100.0)
            beads.append(((), (j,)))
    return (
        np.array(vs, dtype=np.float32),
        np.array(vt, dtype=np.float32),
        np.array(ls),
        np.array(lt),
        beads,
    )


def search(vs, vt, ls, lt, params=SearchParams(), score=ScoreParams()):
    k = max(1, max(max(a, b) for a, b in params.bead_types))
    return best_path(run_vectors(vs, k), run_vectors(vt, k), ls, lt, params, score)


def kinds(beads):
    return {f"{len(s)}-{len(t)}" for s, t in beads}


class TestPlantedPath:
    def test_generator_plants_every_kind(self):
        vs, vt, ls, lt, beads = planted(300, seed=1)
        assert kinds(beads) == {"1-1", "2-1", "1-2", "1-0", "0-1"}
        Alignment([""] * len(vs), [""] * len(vt), [Bead(s, t) for s, t in beads])

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_recovered_exactly_few_hundred(self, seed):
        vs, vt, ls, lt, beads = planted(300, seed=seed)
        assert search(vs, vt, ls, lt) == beads

    def test_recovered_exactly_small(self):
        vs, vt, ls, lt, beads = planted(12, seed=5)
        assert search(vs, vt, ls, lt) == beads

    def test_recovered_with_restricted_bead_types(self):
        vs, vt, ls, lt, beads = planted(200, seed=3, kinds=("1-1", "1-0", "0-1"), weights=(0.6, 0.2, 0.2))
        params = SearchParams(bead_types=((1, 1), (1, 0), (0, 1)))
        assert kinds(beads) == {"1-1", "1-0", "0-1"}
        assert search(vs, vt, ls, lt, params) == beads

    def test_large_uses_band_and_is_recovered(self):
        vs, vt, ls, lt, beads = planted(3000, seed=11)
        n, m = len(vs), len(vt)
        assert n * m > SearchParams().full_cells
        lo, hi = search_band(vs, vt, ls, lt, SearchParams(), ScoreParams())
        assert lo[0] == 0 and hi[-1] == m
        assert np.all(np.diff(lo) >= 0) and np.all(np.diff(hi) >= 0)
        cells = int((hi - lo + 1).sum())
        assert cells < 0.05 * n * m  # the coarse-to-fine band, not the full matrix
        assert search(vs, vt, ls, lt) == beads

    @pytest.mark.parametrize("seed", [21, 22])
    def test_band_equals_full_search_mid_size(self, seed):
        vs, vt, ls, lt, beads = planted(400, seed=seed)
        assert len(vs) * len(vt) > SearchParams().full_cells  # default is banded
        banded = search(vs, vt, ls, lt)
        full = search(vs, vt, ls, lt, SearchParams(full_cells=10**9))
        assert banded == full
        assert full == beads

    def test_band_equals_full_search_with_narrow_window(self):
        vs, vt, ls, lt, beads = planted(250, seed=8)
        narrow = search(vs, vt, ls, lt, SearchParams(window=2, full_cells=100))
        full = search(vs, vt, ls, lt, SearchParams(full_cells=10**9))
        assert narrow == full == beads

    def test_unrelated_block_is_deleted(self):
        # 20 target sentences with no source counterpart in the middle.
        rng = np.random.default_rng(4)
        vs = _unit(rng.standard_normal((60, D))).astype(np.float32)
        extra = _unit(rng.standard_normal((20, D))).astype(np.float32)
        vt = np.concatenate([vs[:30], extra, vs[30:]])
        ls, lt = np.full(60, 100.0), np.full(80, 100.0)
        expected = (
            [((i,), (i,)) for i in range(30)]
            + [((), (j,)) for j in range(30, 50)]
            + [((i,), (i + 20,)) for i in range(30, 60)]
        )
        assert search(vs, vt, ls, lt) == expected

    def test_long_unrelated_block_found_by_banded_search(self):
        # 150 extra target sentences in the middle of 600: far wider than the
        # window, so only the coarse levels can find where the gap is.
        rng = np.random.default_rng(4)
        n, gap = 600, 150
        vs = _unit(rng.standard_normal((n, D))).astype(np.float32)
        extra = _unit(rng.standard_normal((gap, D))).astype(np.float32)
        vt = np.concatenate([vs[:300], extra, vs[300:]])
        vt = _unit(vt + NOISE * rng.standard_normal(vt.shape) / np.sqrt(D)).astype(np.float32)
        ls, lt = np.full(n, 100.0), np.full(n + gap, 100.0)
        assert n * (n + gap) > SearchParams().full_cells
        expected = (
            [((i,), (i,)) for i in range(300)]
            + [((), (j,)) for j in range(300, 300 + gap)]
            + [((i,), (i + gap,)) for i in range(300, n)]
        )
        assert search(vs, vt, ls, lt) == expected


class TestEdges:
    def test_empty_sides(self):
        vs = _unit(np.random.default_rng(0).standard_normal((3, D))).astype(np.float32)
        empty = np.zeros((0, D), np.float32)
        assert search(vs, empty, np.full(3, 10.0), np.zeros(0)) == [((0,), ()), ((1,), ()), ((2,), ())]
        assert search(empty, vs, np.zeros(0), np.full(3, 10.0)) == [((), (0,)), ((), (1,)), ((), (2,))]
        assert search(empty, empty, np.zeros(0), np.zeros(0)) == []

    def test_single_pair(self):
        v = _unit(np.random.default_rng(0).standard_normal((1, D))).astype(np.float32)
        assert search(v, v, np.array([50.0]), np.array([60.0])) == [((0,), (0,))]

    def test_identical_documents_align_one_to_one(self):
        vs = _unit(np.random.default_rng(9).standard_normal((50, D))).astype(np.float32)
        lens = np.random.default_rng(9).integers(20, 200, 50).astype(float)
        assert search(vs, vs.copy(), lens, lens) == [((i,), (i,)) for i in range(50)]

    def test_deterministic(self):
        rng = np.random.default_rng(123)
        vs = _unit(rng.standard_normal((150, D))).astype(np.float32)
        vt = _unit(rng.standard_normal((170, D))).astype(np.float32)
        ls = rng.integers(10, 300, 150).astype(float)
        lt = rng.integers(10, 300, 170).astype(float)
        first = search(vs, vt, ls, lt)
        second = search(vs.copy(), vt.copy(), ls.copy(), lt.copy())
        assert first == second
        Alignment([""] * 150, [""] * 170, [Bead(s, t) for s, t in first])


BEAD_TYPE_SETS = [
    DEFAULT_BEAD_TYPES,
    ((1, 1), (1, 0), (0, 1)),
    ((1, 0), (0, 1)),
    ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1)),
    ((0, 1), (1, 0), (3, 3), (1, 4), (2, 0)),
    ((1, 0), (0, 1), (2, 2)),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 30),
    m=st.integers(0, 30),
    seed=st.integers(0, 2**32 - 1),
    types=st.sampled_from(BEAD_TYPE_SETS),
    full_cells=st.sampled_from([40_000, 20, 0]),
    window=st.sampled_from([0, 1, 8]),
    length_penalty=st.booleans(),
    related=st.booleans(),
)
def test_path_covers_everything_once_in_order(n, m, seed, types, full_cells, window, length_penalty, related):
    rng = np.random.default_rng(seed)
    vs = _unit(rng.standard_normal((n, 8))).astype(np.float32) if n else np.zeros((0, 8), np.float32)
    if related and n and m:
        # target: noisy copies of source sentences, so that real beads exist
        idx = np.sort(rng.integers(0, n, m))
        vt = _unit(vs[idx] + 0.3 * rng.standard_normal((m, 8))).astype(np.float32)
    else:
        vt = _unit(rng.standard_normal((m, 8))).astype(np.float32) if m else np.zeros((0, 8), np.float32)
    ls = rng.integers(1, 200, n).astype(float)
    lt = rng.integers(1, 200, m).astype(float)
    params = SearchParams(bead_types=types, window=window, full_cells=full_cells)
    path = search(vs, vt, ls, lt, params, ScoreParams(length_penalty=length_penalty))
    # Alignment checks every sentence is in exactly one bead, in order.
    Alignment([""] * n, [""] * m, [Bead(s, t) for s, t in path])
    allowed = {tuple(t) for t in types}
    assert all((len(s), len(t)) in allowed for s, t in path)


def test_part_weight_weighs_a_merge_by_its_weakest_sentence():
    # Target 3 is mostly noise with a little of source 2 in it. Judged as a
    # whole, (2):(2, 3) beats (2):(2) plus a deletion; blended enough with
    # its weakest sentence's margin (target 3's), the merge loses.
    rng = np.random.default_rng(0)

    def unit(x):
        return x / np.linalg.norm(x)

    e = [unit(rng.standard_normal(64)) for _ in range(6)]
    passenger = unit(0.1 * e[2] + unit(rng.standard_normal(64)))
    src, tgt = np.array(e), np.array(e[:3] + [passenger] + e[3:])
    len_s, len_t = np.array([50, 50, 100, 50, 50, 50.0]), np.full(7, 50.0)

    def beads_at(weight):
        return best_path(src, tgt, len_s, len_t, SearchParams(), ScoreParams(part_weight=weight))[2:4]

    assert beads_at(0.0) == [((2,), (2, 3)), ((3,), (4,))]
    assert beads_at(0.8) == [((2,), (2,)), ((), (3,))]


def _ambiguous_target():
    """Five source sentences; six targets where target 2 is as like source 1 as source 2 (the sum of the two)."""
    rng = np.random.default_rng(1)
    e = [x / np.linalg.norm(x) for x in rng.standard_normal((5, 64))]
    tgt = e[:2] + [(e[1] + e[2]) / np.linalg.norm(e[1] + e[2])] + e[2:]
    return np.array(e), np.array(tgt), np.full(5, 50.0), np.full(6, 50.0)


def test_anchors_pull_a_sentence_into_the_bead_that_shares_them():
    # Target 2 is as like source 1 as source 2; a shared anchor (a number,
    # a quote) on one of them decides which bead takes it, whichever side.
    src, tgt, len_s, len_t = _ambiguous_target()

    def beads(anchored_src, weight=0.5):
        an_s = np.zeros(5, np.int64)
        an_t = np.zeros(6, np.int64)
        an_s[anchored_src] = an_t[2] = 1 << 3
        path = best_path(src, tgt, len_s, len_t, SearchParams(), ScoreParams(anchor_weight=weight),
                         anchors_s=an_s, anchors_t=an_t)
        return path[1:3]

    assert beads(1) == [((1,), (1, 2)), ((2,), (3,))]
    assert beads(2) == [((1,), (1,)), ((2,), (2, 3))]
    assert beads(1, weight=0.0) == beads(2, weight=0.0)  # no weight, no say


@pytest.mark.parametrize("state", [1, 2])  # a quotation open; one just closed
def test_quote_states_keep_a_boundary_out_of_a_quotation(state):
    # Target 2 is as like source 1 as source 2 (as above). The same quotation
    # state after source 1 and after target 2 only (source 1 and targets 1-2
    # are one line of speech) pulls target 2 into source 1's bead; after
    # target 1 instead, it leaves target 2 to source 2.
    src, tgt, len_s, len_t = _ambiguous_target()

    def beads(state_after_target, weight=0.5):
        q_s = np.zeros(6, np.int8)
        q_t = np.zeros(7, np.int8)
        q_s[2] = state  # after source sentences 0-1
        q_t[state_after_target] = state
        path = best_path(src, tgt, len_s, len_t, SearchParams(), ScoreParams(quote_weight=weight, anchor_weight=0.0),
                         quotes_s=q_s, quotes_t=q_t)
        return path[1:3]

    assert beads(3) == [((1,), (1, 2)), ((2,), (3,))]
    assert beads(2) == [((1,), (1,)), ((2,), (2, 3))]
    assert beads(3, weight=0.0) == beads(2, weight=0.0)  # no weight, no say


def test_refine_order_puts_rivals_first_then_the_closest_beads():
    from aligner.search import refine_order, runs_to_refine

    # A 2-1 bead, a 1-2 bead, an unaligned target sentence, a 3-1 bead.
    path = [((0, 1), (0,)), ((2,), (1, 2)), ((), (3,)), ((3, 4, 5), (4,))]
    margins = [0.2, 0.5, 0.0, 0.1]
    assert refine_order(path, margins, 5, 5) == [
        (0, (3, 3)), (1, (2, 3)), (1, (3, 1)),  # target 3 merged into either neighbour, and the 3-1 it rivals
        (0, (2, 0)), (1, (2, 1)),  # the other beads' runs, lowest margin first: the 2-1 (0.2), the 1-2 (0.5)
    ]
    # The same runs as runs_to_refine, each once.
    order = refine_order(path, margins, 5, 5)
    assert runs_to_refine(path, 5, 5) == tuple({run for side, run in order if side == k} for k in (0, 1))
    assert len(order) == len(set(order))


def _passenger_case():
    """Source 2 matches target 3 (cosine 0.5); targets 2 and 4 are only loosely like it (0.35).

    Every target run is scored by its joined text (here the normalised sum),
    as the pair floor judges merges only by joined texts. By default the
    two loose targets ride with source 2 in a 1-3 bead: it saves their skip
    cost although it earns less than the 1-1 bead of source 2 and target 3.
    """
    rng = np.random.default_rng(0)

    def unit(v):
        return v / np.linalg.norm(v)

    e = [unit(rng.standard_normal(64)) for _ in range(6)]
    x = e[5]
    rng = np.random.default_rng(1)

    def near(c):
        r = unit(rng.standard_normal(64))
        r = unit(r - (r @ x) * x)
        return unit(c * x + np.sqrt(1 - c * c) * r)

    y, p1, p2 = near(0.5), near(0.35), near(0.35)
    src = np.array([e[0], e[1], x, e[2], e[3]])
    tgt = np.array([e[0], e[1], p1, y, p2, e[2], e[3]])
    runs = np.array([[unit(tgt[i : i + k + 1].sum(axis=0)) for i in range(len(tgt))] for k in range(5)])
    return src, runs, np.full(5, 100.0), np.full(7, 100.0)


def test_pair_floor_refuses_a_merge_that_earns_less_than_its_pairs():
    src, tgt, len_s, len_t = _passenger_case()
    unfloored = best_path(src, tgt, len_s, len_t, SearchParams(), ScoreParams(pair_floor=0))
    assert ((2,), (2, 3, 4)) in unfloored
    floored = best_path(src, tgt, len_s, len_t, SearchParams(), ScoreParams(pair_floor=3))
    assert all(max(len(s), len(t)) < 3 for s, t in floored)
    assert ((), (2,)) in floored  # the first loose target is left unaligned
    assert best_path(src, tgt, len_s, len_t) == floored  # on by default


def test_pair_guard_keeps_mined_partners_out_of_each_others_merges():
    src, tgt, len_s, len_t = _passenger_case()
    # Say target 4 is source 3's mined partner: no merge may hold one of them without the other.
    partners_s = np.full(5, -1, np.int64)
    partners_t = np.full(7, -1, np.int64)
    partners_s[3], partners_t[4] = 4, 3
    path = best_path(src, tgt, len_s, len_t, SearchParams(), ScoreParams(pair_floor=0),
                     partners_s=partners_s, partners_t=partners_t)
    assert ((2,), (2, 3, 4)) not in path
    for s, t in path:
        if len(s) + len(t) > 2:
            assert (3 in s) == (4 in t)


def test_pair_guard_keeps_a_mined_partner_out_of_other_one_to_one_beads():
    # Source 1 is like target 1 and, less, like target 2; target 2 is mined as
    # its partner: no 1-1 bead may pair either of them with another sentence.
    rng = np.random.default_rng(2)
    e = rng.standard_normal((4, 32))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    src = np.array([e[0], e[1], e[3]])
    tgt = np.array([e[0], e[1], (e[1] + e[2]) / np.linalg.norm(e[1] + e[2]), e[3]])
    lens = np.full(4, 100.0)
    free = best_path(src, tgt, lens[:3], lens, SearchParams(), ScoreParams())
    assert ((1,), (1,)) in free
    partners_s = np.array([-1, 2, -1], np.int64)
    partners_t = np.array([-1, -1, 1, -1], np.int64)
    guarded = best_path(src, tgt, lens[:3], lens, SearchParams(), ScoreParams(),
                        partners_s=partners_s, partners_t=partners_t)
    assert ((1,), (1,)) not in guarded
    for s, t in guarded:
        if s and t:
            assert (1 in s) == (2 in t)
