"""Encode only what is new: unique texts, in batches, with an optional disk cache.

The cache is a folder of ``.npy`` shards keyed by encoder name and a hash of
the text; it is off unless a folder is given, so there is no hidden state.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import EncoderError
from .base import Encoder, checked_encode, encoder_name, join_session_of

__all__ = ["EmbeddingStore"]


def _folder_name(name: str) -> str:
    """A folder name safe on every file system, unique to the encoder name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-60:]
    return f"{safe}-{hashlib.blake2b(name.encode('utf-8'), digest_size=6).hexdigest()}"


def _key(name: str, text: str) -> str:
    return hashlib.blake2b(f"{name}\0{text}".encode("utf-8"), digest_size=16).hexdigest()


class EmbeddingStore:
    """Embeddings of texts by one encoder, each text encoded at most once.

    Args:
        encoder: the encoder.
        cache_dir: a folder for an on-disk cache shared across runs, or None.
        batch_size: texts per call to the encoder.
        progress: show a progress bar (on stderr) while encoding.
    """

    def __init__(
        self, encoder: Encoder, cache_dir: str | os.PathLike | None = None, batch_size: int = 256,
        progress: bool = False,
    ) -> None:
        self.encoder = encoder
        self.name = encoder_name(encoder)
        self.batch_size = batch_size
        self._mem: dict[str, np.ndarray] = {}
        if cache_dir and ("<lambda>" in self.name or "<locals>" in self.name):
            # Such a name is the same for every lambda: two of them would share vectors.
            raise EncoderError(
                f"encoder name {self.name!r} does not identify the encoder; "
                "give it a name (CallableEncoder(fn, name=...)) to use a cache folder"
            )
        self._dir = Path(cache_dir) / _folder_name(self.name) if cache_dir else None
        self.progress = progress
        self.n_encoded = 0  # texts sent to the encoder, for benchmarks
        self._session = join_session_of(encoder)

    @property
    def cheap_joins(self) -> bool:
        """Whether joined texts are made from their sentences rather than encoded whole."""
        return self._session is not None

    @property
    def fast_joins(self) -> int:
        """Joined texts made from their sentences' state rather than encoded whole."""
        return self._session.fast_joins if self._session is not None else 0

    def get(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of `texts`, (len(texts), d), float32."""
        session = self._session
        return self._get(texts, lambda batch: (lambda: session.encode(batch)) if session else None)

    def get_joined(self, runs: Sequence[Sequence[str]], sep: str) -> np.ndarray:
        """Unit vectors of ``sep.join(run)`` for each run: what `get` gives for those texts.

        With an encoder that offers a join session the vectors are made from
        the runs' sentences, at a fraction of the cost (encoders/_use_joins.py).
        """
        texts = [sep.join(run) for run in runs]
        by_text = dict(zip(texts, map(tuple, runs)))
        session = self._session

        def how(batch):
            if session is None:
                return None
            return lambda: session.encode_joined([by_text[t] for t in batch], sep)

        return self._get(texts, how)

    def _get(self, texts: Sequence[str], how) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._mem]
        if self._dir is not None and todo:
            todo = [t for t in todo if not self._load(t)]
        bar = _bar(len(todo)) if self.progress and todo else None
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            vecs = checked_encode(self.encoder, batch, how(batch))
            self.n_encoded += len(batch)
            if bar is not None:
                bar.update(len(batch))
            for t, v in zip(batch, vecs):
                self._mem[t] = v
                if self._dir is not None:
                    self._save(t, v)
        if bar is not None:
            bar.close()
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        dims = {self._mem[t].shape for t in dict.fromkeys(texts)}
        if len(dims) > 1:
            raise EncoderError(
                f"encoder {self.name!r} returned vectors of different sizes {sorted(d[0] for d in dims)} "
                "for one document (a cache folder shared with another encoder of the same name?)"
            )
        return np.stack([self._mem[t] for t in texts])

    def _path(self, text: str) -> Path:
        k = _key(self.name, text)
        return self._dir / k[:2] / f"{k}.npy"

    def _load(self, text: str) -> bool:
        p = self._path(text)
        if not p.exists():
            return False
        self._mem[text] = np.load(p)
        return True

    def _save(self, text: str, vec: np.ndarray) -> None:
        p = self._path(text)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, vec)
        os.replace(tmp, p)  # atomic, so a concurrent reader never sees half a file


def _bar(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="text", leave=False)
