"""The search for a path with the joined texts it needs: embedded round by round.

The search scores a run of several sentences by the sum of its sentences'
vectors until the joined text of the run is embedded (`aligner.scoring`).
Embedding every run of up to five sentences would cost several times the
sentences themselves, and most runs are never close to the path. So
`PathSearch.run` searches, embeds the joined texts of the runs the path is
about to choose (its merges and the merges that would take an unaligned
sentence into a neighbour: `aligner.search.runs_to_refine`), and searches
again, until the path needs no text it has not seen ("lazy", the default).
"all" embeds every run first; "none" never embeds one.

An encoder that must encode each joined text whole (sentence-transformers)
gets a budget: the joined texts of all the searches of one pair, in
characters, at most a fraction of the sentences' (`JOINED_BUDGET`), the
closest calls first (`aligner.search.refine_order`).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .encoders import EmbeddingStore
from .scoring import ScoreParams, make_side
from .search import SearchParams, best_path, max_runs, path_margins, refine_order, runs_to_refine

__all__ = ["JOINED_TEXTS", "JOINED_BUDGET", "Joiner", "PathSearch"]

JOINED_TEXTS = ("lazy", "all", "none")
# A document's merges are many (a third of Text+Berg's beads) and, embedded
# all, their joined texts cost about half the encoding of the sentences; the
# cheapest to skip are the confident beads, whose joined text rarely moves
# the path (docs/how-it-works.md has the accuracy this keeps).
JOINED_BUDGET = 0.2
# A short document may always spend this much: it costs little, and each of
# its few merges weighs much in its result.
_MIN_BUDGET_CHARS = 2000
# Each round embeds what the path needs; it settles in 2-4 rounds. The cap
# only guards against a path that keeps moving.
_MAX_ROUNDS = 8


class Joiner:
    """Embeddings of the joined text of runs of one side, made on demand."""

    def __init__(self, sentences: Sequence[str], sep: str) -> None:
        self.sentences = sentences
        self.sep = sep
        self.vectors: dict[tuple[int, int], np.ndarray] = {}

    def chars(self, run: tuple[int, int]) -> int:
        """Length of the joined text of run (length, first sentence)."""
        k, i = run
        return sum(len(s) for s in self.sentences[i : i + k]) + (k - 1) * len(self.sep)

    def parts(self, run: tuple[int, int]) -> Sequence[str]:
        k, i = run
        return self.sentences[i : i + k]


class PathSearch:
    """Best paths of one document pair under any bead score, with the joined texts each needs.

    Everything that does not depend on the score (vectors, lengths, the band,
    headings, anchors, quotation states, mined partners) is fixed here once;
    `run` takes the score. Joined texts embedded for one score serve the next.
    """

    def __init__(
        self, store: EmbeddingStore, src: Sequence[str], tgt: Sequence[str], vs: np.ndarray, vt: np.ndarray,
        seps: tuple[str, str], search: SearchParams, band, mode: str, budget_fraction: float | None,
        **features: Any,
    ) -> None:
        self.store = store
        self.vs, self.vt = vs, vt
        self.len_s = np.array([len(s) for s in src], dtype=np.float64)
        self.len_t = np.array([len(t) for t in tgt], dtype=np.float64)
        self.search = search
        self.band = band
        self.mode = mode
        self.features = features  # lone_s/t, anchors_s/t, quotes_s/t, partners_s/t for best_path
        self.ks, self.kt = max_runs(search.bead_types)
        self.join_s = Joiner(src, seps[0])
        self.join_t = Joiner(tgt, seps[1])
        # Characters of joined text all the searches of this pair may still embed (None: no limit).
        self.left = (
            None if budget_fraction is None
            else max(budget_fraction * (self.len_s.sum() + self.len_t.sum()), _MIN_BUDGET_CHARS)
        )
        self.rounds = 0
        self.stages = None  # an `aligner._progress.Stages` to tell which round runs, if any
        if mode == "all":
            n, m = len(src), len(tgt)
            self._embed(
                {(k, i) for k in range(2, self.ks + 1) for i in range(n - k + 1)},
                {(k, j) for k in range(2, self.kt + 1) for j in range(m - k + 1)},
            )

    def margins(self, pairs) -> list[float]:
        """The margin of each bead of `pairs` with the vectors embedded so far (0.0 for 1-0 and 0-1)."""
        f = self.features
        return path_margins(
            pairs, make_side(self.vs, self.ks, self.len_s, f.get("lone_s"), self.join_s.vectors),
            make_side(self.vt, self.kt, self.len_t, f.get("lone_t"), self.join_t.vectors),
        )

    def run(self, score: ScoreParams) -> tuple[list, list[float]]:
        """The path under `score` and its margins; the joined-text budget is shared by every call."""
        rounds = 0
        while True:
            rounds += 1
            self.rounds += 1
            if self.stages is not None:
                self.stages.stage(f"path search, round {self.rounds}")
            margins = None  # of this round's path, with this round's vectors, once computed
            pairs = best_path(
                self.vs, self.vt, self.len_s, self.len_t, self.search, score, exact_s=self.join_s.vectors,
                exact_t=self.join_t.vectors, band=self.band, **self.features,
            )
            if self.mode != "lazy" or rounds >= _MAX_ROUNDS:
                break
            if self.left is None:
                need_s, need_t = runs_to_refine(pairs, self.ks, self.kt)
            else:
                margins = self.margins(pairs)
                (need_s, need_t), self.left = self._affordable(refine_order(pairs, margins, self.ks, self.kt), self.left)
            if not self._embed(need_s, need_t):
                break  # the path needs no text it has not seen: it is final (and its margins still hold)
        return pairs, margins if margins is not None else self.margins(pairs)

    def _affordable(self, order, left: float):
        """The runs of `order` not embedded yet that fit, in order, in `left` characters: ((source, target), left)."""
        joiners = (self.join_s, self.join_t)
        take: tuple[set, set] = (set(), set())
        for side, run in order:
            if run in joiners[side].vectors or run in take[side]:
                continue
            cost = joiners[side].chars(run)
            if cost > left:
                break  # the rest are less needed: stop rather than pick the short ones among them
            left -= cost
            take[side].add(run)
        return take, left

    def _embed(self, runs_s, runs_t) -> bool:
        """Embed the runs not embedded yet of each side; True if there were any."""
        new = [(j, sorted(r for r in runs if r not in j.vectors)) for j, runs in ((self.join_s, runs_s), (self.join_t, runs_t))]
        if not any(runs for _, runs in new):
            return False
        store = self.store
        if store.cheap_joins:  # made from each side's own sentence state
            for j, runs in new:
                if runs:
                    j.vectors.update(zip(runs, store.get_joined([j.parts(r) for r in runs], j.sep)))
            return True
        # Encoded whole: both sides in one call, whose batches (by length) are fuller than two calls'.
        vecs = iter(store.get([j.sep.join(j.parts(r)) for j, runs in new for r in runs]))
        for j, runs in new:
            j.vectors.update(zip(runs, vecs))
        return True
