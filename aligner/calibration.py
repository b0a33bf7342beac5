"""The bead score, fitted on each document pair from its own path.

A path of beads is read as Moore's (2002) generative story: each bead draws
its type ``t`` (1-1, 1-0, 2-1...) with probability ``P(t)``, and a bead with
both sides draws how well its two sides match. The score of a path is its
log-likelihood against the story in which every sentence is drawn alone, so
a bead earns, in nats,

    log P(t) + log-odds(translation | features)      (a bead with both sides)
    log P(t)                                         (a 1-0 or 0-1 bead)

The features of a bead are its margin times its length factor (the
similarity of its two sides above chance, `aligner.scoring`) and, where the
documents have any, the agreement of their anchors (numbers, quotes:
`aligner.anchors`). The log-odds are a logistic regression fitted on the
pair itself: the beads of its current path against the near misses, the
cells one and two sentences beside the path's 1-1 beads, which are what the
search must tell a right bead from. Firth's penalty (Jeffreys' prior) keeps
the fit finite where the two are fully separated (a short, clean pair), and
the sample's own odds are taken out of the intercept. ``P(t)`` are the
bead-type shares of the path, with half a count added to every type so
that none is ruled out. A bead boundary inside a quotation on one side only
costs the log of how much more often that happens one sentence off the
path's boundaries than on them (`boundary_cost`). The kernel's linear gain
(``margin * scale + bonus``, `aligner.scoring.ScoreParams.type_gains`)
computes all of it exactly.

`fitted_path` starts from the path of a plain score, fits, searches again,
and fits again until the path stops changing (hunalign's and Moore's second
pass do the same with lengths and a dictionary; Vecalign takes its deletion
cost from each document's own costs). Nothing in it is a threshold placed
between data sets: a literary translation that merges a third of its
sentences, a news pair that leaves a quarter unaligned and a sentence-split
translation each get their own ``P(t)`` and their own slope.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import optimize, special

from ._kernels import _anchor_agreement, _length_factor
from .scoring import ScoreParams

__all__ = ["Calibration", "START", "fit_calibration", "fitted_path", "near_misses", "boundary_cost", "agreement"]

# The first path: a plain score with none of the hand-set rules. Its skip
# and size exponent only seed the fit; the fitted score replaces them.
START = ScoreParams(
    anchor_weight=0.0, quote_weight=0.0, part_weight=0.0, part_margin=-np.inf, pair_floor=0, pair_guard=0.0,
)
# Near misses: one and two sentences off a 1-1 bead, on either side.
_NEAR = (1, 2)
# Fit, search, fit again: the path settles in two or three rounds; the cap
# only guards against one that keeps moving.
_MAX_FITS = 4


@dataclass(frozen=True)
class Calibration:
    """The fitted score of one document pair.

    Attributes:
        alpha: nats per unit of margin (the slope of the log-odds).
        center: the margin at which a bead is as likely a translation as a near miss.
        anchor: nats per unit of anchor agreement (0 where the documents have no anchors).
        quote: nats per quotation bit on which the two sides disagree at a bead boundary.
        log_prior: for each bead type (n, m), log P(type).
        beads: the number of beads of the path it was fitted on.
    """

    alpha: float
    center: float
    anchor: float
    quote: float
    log_prior: tuple[tuple[tuple[int, int], float], ...]
    beads: int

    def score(self, base: ScoreParams = START) -> ScoreParams:
        """The `ScoreParams` that make the search kernel add up this model's nats."""
        return dataclasses.replace(base, calibration=self, anchor_weight=self.anchor, quote_weight=self.quote)

    def type_gains(self, types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per bead type, the factor of the margin and the constant added (see `ScoreParams.type_gains`)."""
        prior = dict(self.log_prior)
        scale = np.empty(len(types))
        bonus = np.empty(len(types))
        for k, (a, b) in enumerate(np.asarray(types).tolist()):
            lp = prior[(a, b)]
            if a == 0 or b == 0:
                scale[k], bonus[k] = 0.0, lp
            else:
                scale[k], bonus[k] = self.alpha, lp - self.alpha * self.center
        return scale, bonus

    def with_deletion_prior(self, p: float) -> Calibration:
        """The same model with P(1-0) + P(0-1) set to `p`, the other types scaled to fill the rest."""
        prior = dict(self.log_prior)
        one_sided = {t for t in prior if 0 in t}
        rest = sum(np.exp(v) for t, v in prior.items() if t not in one_sided)
        new = {
            t: float(np.log(p / len(one_sided))) if t in one_sided else float(v + np.log((1 - p) / rest))
            for t, v in prior.items()
        }
        return dataclasses.replace(self, log_prior=tuple(sorted(new.items())))

    def summary(self) -> dict:
        """The fitted numbers, rounded, for the metadata and the signature."""
        prior = {f"{a}-{b}": round(float(np.exp(v)), 4) for (a, b), v in self.log_prior}
        return {
            "alpha": round(self.alpha, 3), "center": round(self.center, 4), "anchor": round(self.anchor, 3),
            "quote": round(self.quote, 3), "prior": prior, "beads": self.beads,
        }


def _firth_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights (intercept first) of a logistic regression of y on the columns of x, with Firth's penalty."""
    X = np.column_stack([np.ones(len(x)), x])

    def loss(w):
        z = X @ w
        ll = np.sum(y * special.log_expit(z) + (1 - y) * special.log_expit(-z))
        p = special.expit(z)
        sign, logdet = np.linalg.slogdet((X * (p * (1 - p))[:, None]).T @ X)
        return -(ll + 0.5 * logdet) if sign > 0 else np.inf

    # Nelder-Mead needs no gradient of the penalty; two or three weights converge in a few hundred steps.
    res = optimize.minimize(
        loss, np.zeros(X.shape[1]), method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000},
    )
    return res.x


def fit_calibration(
    path, path_features: np.ndarray, near_features: np.ndarray, types: Sequence[tuple[int, int]], quote: float = 0.0,
) -> Calibration | None:
    """Fit the model on a path: features of its beads with both sides, and of their near misses.

    Each features array has two columns: the margin (times the length
    factor) and the anchor agreement. Returns
    None where the pair is too small or too poor to fit (fewer than four
    beads or near misses, or beads no more similar than near misses): the
    caller keeps the score it had.
    """
    path_f = np.asarray(path_features, np.float64).reshape(-1, 2)
    near_f = np.asarray(near_features, np.float64).reshape(-1, 2)
    if len(path_f) < 4 or len(near_f) < 4 or np.median(path_f[:, 0]) <= np.median(near_f[:, 0]):
        return None
    x = np.concatenate([path_f, near_f])
    has_anchors = bool(np.any(x[:, 1]))
    # A column of zeros has no weight to fit: left out.
    w = _firth_logistic(x if has_anchors else x[:, :1], np.r_[np.ones(len(path_f)), np.zeros(len(near_f))])
    if w[1] <= 0:
        return None
    # The sample's own odds of a translation are not the pair's: take them out of the intercept.
    intercept = w[0] - np.log(len(path_f) / len(near_f))
    counts = {tuple(t): 0.5 for t in types}
    for src, tgt in path:
        key = (len(src), len(tgt))
        if key in counts:
            counts[key] += 1.0
    total = sum(counts.values())
    log_prior = tuple((t, float(np.log(c / total))) for t, c in sorted(counts.items()))
    anchor = float(w[2]) if has_anchors else 0.0
    return Calibration(float(w[1]), float(-intercept / w[1]), anchor, quote, log_prior, len(path))


def near_misses(path, vs: np.ndarray, vt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells beside each 1-1 bead of the path that the path does not take: (margins, source ids, target ids).

    The margin of a single pair is its cosine less the mean of each
    sentence's cosine with the other side, as in `aligner.scoring`.
    """
    taken = sorted((s[0], t[0]) for s, t in path if len(s) == 1 and len(t) == 1)
    on_path = {(i, j) for s, t in path for i in s for j in t}
    n, m = len(vs), len(vt)
    # Each bead's own near misses: a cell beside two beads (the corner between two
    # consecutive 1-1 beads, the likeliest confusion) counts for both.
    cells = [
        (p, q) for i, j in taken for d in _NEAR for p, q in ((i, j - d), (i, j + d), (i - d, j), (i + d, j))
        if 0 <= p < n and 0 <= q < m and (p, q) not in on_path
    ]
    if not cells:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows, cols = (np.asarray(x, np.int64) for x in zip(*cells))
    base_s = vs[rows] @ vt.mean(axis=0)
    base_t = vt[cols] @ vs.mean(axis=0)
    margin = np.einsum("ij,ij->i", vs[rows], vt[cols]) - 0.5 * (base_s + base_t)
    return margin, rows, cols


def agreement(an_s, an_t, src: Sequence[int], tgt: Sequence[int]) -> float:
    """(shared - unshared) / all anchors of two runs of consecutive sentences, as the search kernel scores them."""
    return float(_anchor_agreement(an_s, an_t, src[0], src[-1] + 1, tgt[0], tgt[-1] + 1))


def boundary_cost(path, quotes_s, quotes_t) -> float:
    """Nats a boundary pays for each quotation bit on which the two sides disagree there (0 or more).

    The log of how much more often the bits disagree one sentence off the
    path's boundaries than on them, each rate with half a count added:
    where the translator keeps lines of dialogue whole, a boundary inside a
    quotation on one side only is a sign of a wrong boundary; where the
    quotes do not follow the sentences (lost in OCR, say) it costs nothing.
    """
    n, m = len(quotes_s) - 1, len(quotes_t) - 1
    ends = []
    i = j = 0
    for src, tgt in path:
        i += len(src)
        j += len(tgt)
        ends.append((i, j))
    on = set(ends)
    off = [(p + dp, q + dq) for p, q in ends for dp, dq in ((0, 1), (0, -1), (1, 0), (-1, 0))]
    off = [(p, q) for p, q in off if 0 <= p <= n and 0 <= q <= m and (p, q) not in on]
    if not off:
        return 0.0

    def bits(cells):
        d = np.array([int(quotes_s[p]) ^ int(quotes_t[q]) for p, q in cells])
        return int(((d & 1) + ((d >> 1) & 1)).sum())

    rate_path = (bits(ends) + 0.5) / (2 * len(ends) + 1)
    rate_off = (bits(off) + 0.5) / (2 * len(off) + 1)
    return max(0.0, float(np.log(rate_off / rate_path)))


def fitted_path(searcher, types, anchors=None, quotes=None, deletion_prior: float | None = None):
    """Search, fit the model on the path, search again under it, until the path stops changing.

    `searcher` is an `aligner.joined.PathSearch`; `anchors` the two sides'
    anchor bit sets and `quotes` their quotation states (or None). Returns
    (pairs, margins, calibration), the calibration None where the pair was
    too small or too poor to fit and the plain score's path stands.
    """
    len_s, len_t = searcher.len_s, searcher.len_t
    ratio = len_t.sum() / len_s.sum() if len_s.sum() > 0 and len_t.sum() > 0 else 1.0
    pairs, margins = searcher.run(START)
    an_s, an_t = anchors if anchors is not None else (None, None)
    fit = None
    for _ in range(_MAX_FITS):
        path_f = _features(
            [(s, t) for s, t in pairs if s and t], [mg for (s, t), mg in zip(pairs, margins) if s and t],
            len_s, len_t, ratio, an_s, an_t,
        )
        near_x, rows, cols = near_misses(pairs, searcher.vs, searcher.vt)
        near_f = _features(list(zip(((i,) for i in rows.tolist()), ((j,) for j in cols.tolist()))), near_x, len_s, len_t, ratio, an_s, an_t)
        quote = boundary_cost(pairs, *quotes) if quotes is not None else 0.0
        new = fit_calibration(pairs, path_f, near_f, types, quote)
        if new is None:
            break
        fit = new if deletion_prior is None else new.with_deletion_prior(deletion_prior)
        new_pairs, margins = searcher.run(fit.score())
        if new_pairs == pairs:
            break
        pairs = new_pairs
    return pairs, margins, fit


def _features(beads, margins, len_s, len_t, ratio, an_s, an_t) -> np.ndarray:
    """(len(beads), 2): margin times length factor, anchor agreement (0 without anchors)."""
    out = np.zeros((len(beads), 2))
    for k, ((s, t), mg) in enumerate(zip(beads, margins)):
        out[k, 0] = mg * _length_factor(len_s[list(s)].sum() * ratio, len_t[list(t)].sum())
        if an_s is not None:
            out[k, 1] = agreement(an_s, an_t, s, t)
    return out
