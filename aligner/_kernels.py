"""The compiled inner loops of the search: bead margins and gains, and the band DP.

They live in one module because numba's on-disk cache checks only the file
that defines a function: a kernel calling a function of another module keeps
running the old machine code after that module changes. Everything here works
on plain arrays (the `Scorer.arrays` of `aligner.scoring`) and knows nothing
of text. The formula is explained in `aligner.scoring`.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["run_norms", "bead_margin", "band_dp"]


@numba.njit(cache=True, fastmath=True)
def _dot(x, y):
    s = 0.0
    for k in range(x.shape[0]):
        s += x[k] * y[k]
    return s


@numba.njit(cache=True)
def run_norms(v, k_max):
    """norms[k, p] = |v[p] + ... + v[p + k]|, from the few neighbour cosines."""
    n = v.shape[0]
    adj = np.zeros((n, k_max))
    for p in range(n):
        for dl in range(1, k_max):
            if p + dl < n:
                adj[p, dl] = _dot(v[p], v[p + dl])
    norms = np.ones((k_max, n))
    for p in range(n):
        sq = 0.0
        for k in range(k_max):
            if p + k >= n:
                norms[k, p] = norms[k - 1, p]
                continue
            add = 1.0
            for u in range(p, p + k):
                add += 2.0 * adj[u, p + k - u]
            sq += add
            norms[k, p] = np.sqrt(max(sq, 1e-12))
    return norms


@numba.njit(cache=True)
def _run_vector(vecs, norms, exact_index, exact, k, start, buf):
    """The vector of run (k + 1 sentences from start): exact, or the normalised sum into buf."""
    row = exact_index[k, start]
    if row >= 0:
        return exact[row]
    buf[:] = 0.0
    for u in range(start, start + k + 1):
        buf += vecs[u]
    buf /= norms[k, start]
    return buf


@numba.njit(cache=True)
def _sum_margin(sims, offs, c0, ns, nt, bs, bt, a, b, i, j):
    """Margin of two runs both scored by their sums: sentence cosines over the norms."""
    ps = i - a
    qs = j - b
    tot = 0.0
    for p in range(ps, i):
        base = offs[p] - c0[p]
        for q in range(qs, j):
            tot += sims[base + q]
    return tot / (ns[a - 1, ps] * nt[b - 1, qs]) - 0.5 * (bs[a - 1, b - 1, ps] + bt[b - 1, a - 1, qs])


@numba.njit(cache=True)
def _exact_margin(vs, vt, ns, nt, ei_s, ei_t, ex_s, ex_t, bs, bt, bx, by, a, b, i, j):
    """Margin of two runs when either has an embedded joined text (the rare case)."""
    ps = i - a
    qs = j - b
    x = _run_vector(vs, ns, ei_s, ex_s, a - 1, ps, bx)
    y = _run_vector(vt, nt, ei_t, ex_t, b - 1, qs, by)
    return _dot(x, y) - 0.5 * (bs[a - 1, b - 1, ps] + bt[b - 1, a - 1, qs])


@numba.njit(cache=True)
def bead_margin(arrays, a, b, i, j):
    """Similarity above chance of source run i-a..i-1 and target run j-b..j-1."""
    (vs, vt, ns, nt, ei_s, ei_t, ex_s, ex_t, sims, offs, c0, bs, bt, cs, ct, lone_s, lone_t, bx, by, an_s, an_t, pa_s, pa_t) = arrays
    if ei_s[a - 1, i - a] < 0 and ei_t[b - 1, j - b] < 0:
        return _sum_margin(sims, offs, c0, ns, nt, bs, bt, a, b, i, j)
    return _exact_margin(vs, vt, ns, nt, ei_s, ei_t, ex_s, ex_t, bs, bt, bx, by, a, b, i, j)


@numba.njit(cache=True)
def _has_lone(flags, start, end):
    if end - start < 2:
        return False
    for k in range(start, end):
        if flags[k]:
            return True
    return False


# How far outside a merge, in sentences, a mined partner still counts against it
# (pair_guard). A partner far away is more often a false pair of short generic
# sentences (MAC dev's dialogue: "How could you do that?" mined at p 0.97, 7
# sentences past the bead) than a sentence the merge took from it: with the
# pair floor on, a reach of 2 to 4 left every set within .0003 of the
# defaults, 5-6 cost MAC dev .0014 and 8 .0024. The seeds need 2.
_REACH = 4


@numba.njit(cache=True)
def _separates(partner, start, end, other_start, other_end):
    """True if a sentence of start..end-1 has a partner (>= 0) outside other_start..other_end-1 but near it."""
    for k in range(start, end):
        q = partner[k]
        if q >= 0 and not other_start <= q < other_end and other_start - _REACH <= q < other_end + _REACH:
            return True
    return False


@numba.njit(cache=True)
def _bit_count(x):
    """Set bits of a non-negative int64 (anchor sets use bits 0-62)."""
    c = 0
    while x != 0:
        x &= x - 1
        c += 1
    return c


@numba.njit(cache=True)
def _anchor_agreement(an_s, an_t, s0, s1, t0, t1):
    """(shared - unshared) / all anchors of two runs, in [-1, 1]; 0 unless both runs have some.

    A run's anchors are the union of its sentences' (see aligner.anchors).
    A run with none says little (a translator drops a number or a quote
    more often than a wrong pairing invents one), so it scores 0 rather
    than -1: counting it against the bead lost beads on Text+Berg (page
    footers) and the seeds.
    """
    x = 0
    for p in range(s0, s1):
        x |= an_s[p]
    y = 0
    for q in range(t0, t1):
        y |= an_t[q]
    if x == 0 or y == 0:
        return 0.0
    return (_bit_count(x & y) - _bit_count(x ^ y)) / _bit_count(x | y)


@numba.njit(cache=True)
def _length_factor(ls, lt):
    """Bertalign's length factor of two lengths (the source's scaled by the documents' ratio): 1 when equal."""
    return np.log2(1.0 + min(ls, lt) / max(ls, lt, 1.0))


@numba.njit(cache=True)
def _pairs_gain(sims, offs, c0, ns, nt, bs, bt, cs, ct, an_s, an_t, ratio, length_penalty, anchor_weight, s0, s1, t0, t1):
    """What the sentences of a bead would earn as 1-1 beads: the best monotone pairing of them.

    Source sentences s0..s1-1 and target sentences t0..t1-1 are paired one
    to one, in order, each pair earning the gain band_dp gives a 1-1 bead
    (its size factor is 1 and a single sentence has no weakest part to
    blend); a pair that would earn less than nothing is left out, and the
    sentences left out cost nothing here. The similarities come from the
    band: a bead's rows and columns are in it. At most 5 x 5 pairs.
    """
    a = s1 - s0
    b = t1 - t0
    best = np.zeros((a + 1, b + 1))
    for x in range(1, a + 1):
        p = s0 + x - 1
        for y in range(1, b + 1):
            q = t0 + y - 1
            g = _sum_margin(sims, offs, c0, ns, nt, bs, bt, 1, 1, p + 1, q + 1)
            if length_penalty:
                g *= _length_factor((cs[p + 1] - cs[p]) * ratio, ct[q + 1] - ct[q])
            if anchor_weight != 0.0:
                g += anchor_weight * _anchor_agreement(an_s, an_t, p, p + 1, q, q + 1)
            best[x, y] = max(best[x - 1, y], best[x, y - 1], best[x - 1, y - 1] + max(g, 0.0))
    return best[a, b]


@numba.njit(cache=True)
def band_dp(
    lo, hi, arrays, ratio, types, type_scale, type_bonus, length_penalty, min_margin, part_margin, part_weight,
    anchor_weight, quote_s, quote_t, quote_weight, pair_floor=0,
):
    """Best path in the band lo..hi: (i, j, bead type) at the end of each bead, in order.

    A bead of type t with both sides gains its margin (times the length
    factor) times type_scale[t], plus type_bonus[t]; a 1-0 or 0-1 bead gains
    type_bonus[t] (`aligner.scoring.ScoreParams.type_gains`).

    quote_s[i], quote_t[j]: the quotation state after i source, j target
    sentences (`aligner.anchors.quote_states`: bit 0 a quotation is open,
    bit 1 the last sentence ends by closing one); a path through a cell
    pays quote_weight for each bit in which they differ.

    The gain of a bead is computed here, in the loop, rather than in a
    function of its own: numba does not inline a function of this many
    array arguments, and the call cost ten times the arithmetic.
    """
    (vs, vt, ns, nt, ei_s, ei_t, ex_s, ex_t, sims, offs_s, c0, bs, bt, cs, ct, lone_s, lone_t, bx, by, an_s, an_t, pa_s, pa_t) = arrays
    n = lo.shape[0] - 1
    offs = np.zeros(n + 2, np.int64)
    for i in range(n + 1):
        offs[i + 1] = offs[i] + hi[i] - lo[i] + 1
    score = np.full(offs[n + 1], -np.inf)
    back = np.full(offs[n + 1], -1, np.int8)
    score[0] = 0.0  # lo[0] == 0: the cell (0, 0)
    ntypes = types.shape[0]
    for i in range(n + 1):
        for j in range(lo[i], hi[i] + 1):
            if i == 0 and j == 0:
                continue
            best = -np.inf
            arg = -1
            for t in range(ntypes):
                a = types[t, 0]
                b = types[t, 1]
                pi = i - a
                pj = j - b
                if pi < 0 or pj < lo[pi] or pj > hi[pi]:
                    continue
                prev = score[offs[pi] + pj - lo[pi]]
                if prev == -np.inf:
                    continue
                if a == 0 or b == 0:
                    g = type_bonus[t]
                else:
                    # The gain of the bead; `continue` where it is -inf (see aligner.scoring).
                    if _has_lone(lone_s, i - a, i) or _has_lone(lone_t, j - b, j):
                        continue  # a heading is never part of a merge (never true for 1-1)
                    if _separates(pa_s, i - a, i, j - b, j) or _separates(pa_t, j - b, j, i - a, i):
                        continue  # no bead parts a sentence from its mined partner (see aligner.scoring)
                    exact_s = ei_s[a - 1, i - a] >= 0
                    exact_t = ei_t[b - 1, j - b] >= 0
                    if exact_s or exact_t:
                        margin = _exact_margin(vs, vt, ns, nt, ei_s, ei_t, ex_s, ex_t, bs, bt, bx, by, a, b, i, j)
                    else:
                        margin = _sum_margin(sims, offs_s, c0, ns, nt, bs, bt, a, b, i, j)
                    if margin < min_margin:
                        continue
                    passenger = False
                    weakest = np.inf  # the lowest margin of one sentence against the other side's run
                    # A margin is at least -2 (a cosine less a mean cosine): a lower part_margin with
                    # no weight to blend leaves nothing to check.
                    parts = part_weight != 0.0 or part_margin > -2.0
                    if parts and a > 1:  # each source sentence alone against the target run
                        for k in range(i - a + 1, i + 1):
                            if exact_t:
                                part = _exact_margin(vs, vt, ns, nt, ei_s, ei_t, ex_s, ex_t, bs, bt, bx, by, 1, b, k, j)
                            else:
                                part = _sum_margin(sims, offs_s, c0, ns, nt, bs, bt, 1, b, k, j)
                            weakest = min(weakest, part)
                            if part < part_margin:
                                passenger = True
                                break
                    if parts and b > 1 and not passenger:
                        for k in range(j - b + 1, j + 1):
                            if exact_s:
                                part = _exact_margin(vs, vt, ns, nt, ei_s, ei_t, ex_s, ex_t, bs, bt, bx, by, a, 1, i, k)
                            else:
                                part = _sum_margin(sims, offs_s, c0, ns, nt, bs, bt, a, 1, i, k)
                            weakest = min(weakest, part)
                            if part < part_margin:
                                passenger = True
                                break
                    if passenger:
                        continue
                    if weakest < np.inf:
                        margin = (1.0 - part_weight) * margin + part_weight * weakest
                    if length_penalty:
                        margin *= _length_factor((cs[i] - cs[i - a]) * ratio, ct[j] - ct[j - b])
                    g = margin * type_scale[t] + type_bonus[t]
                    if anchor_weight != 0.0:
                        # Added to the gain, not the margin: scaled by the bead's size it
                        # would pay a merge more for the same shared anchors.
                        g += anchor_weight * _anchor_agreement(an_s, an_t, i - a, i, j - b, j)
                    if pair_floor > 0 and max(a, b) >= pair_floor and (a == 1 or exact_s) and (b == 1 or exact_t):
                        # A merge that earns less than its sentences would as 1-1 beads
                        # holds sentences that only save their skip cost (see
                        # aligner.scoring): never chosen. Judged only by joined texts:
                        # a sum underrates a merge, and rejecting it then would keep
                        # its joined text from ever being embedded.
                        if g < _pairs_gain(
                            sims, offs_s, c0, ns, nt, bs, bt, cs, ct, an_s, an_t, ratio, length_penalty, anchor_weight,
                            i - a, i, j - b, j,
                        ):
                            continue
                if prev + g > best:
                    best = prev + g
                    arg = t
            if quote_weight != 0.0:
                # A boundary inside a quotation on one side only, or right after
                # the end of one on one side only: the beads on either side of it
                # most likely cut a line of dialogue apart.
                qd = quote_s[i] ^ quote_t[j]
                best -= quote_weight * ((qd & 1) + ((qd >> 1) & 1))
            k = offs[i] + j - lo[i]
            score[k] = best
            back[k] = arg
    m = hi[n]
    # Walk back from (n, m); every cell on the way was reachable, so arg >= 0.
    ends = []
    i = n
    j = m
    while i > 0 or j > 0:
        t = back[offs[i] + j - lo[i]]
        ends.append((i, j, t))
        i -= types[t, 0]
        j -= types[t, 1]
    out = np.empty((len(ends), 3), np.int64)
    for k in range(len(ends)):
        out[k, 0] = ends[len(ends) - 1 - k][0]
        out[k, 1] = ends[len(ends) - 1 - k][1]
        out[k, 2] = ends[len(ends) - 1 - k][2]
    return out
