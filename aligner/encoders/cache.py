"""Encode only what is new: unique texts, in batches, with an optional disk cache.

The cache is a folder of ``.npy`` shards keyed by encoder name and a hash of
the text; it is off unless a folder is given, so there is no hidden state.
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import AlignerWarning, EncoderError, InputError
from .base import Encoder, checked_encode, encoder_name, join_session_of

__all__ = ["EmbeddingStore"]

# Characters of text in one call to the encoder, besides the count of texts:
# USE v3 holds about 4 KB per character of a batch while it encodes, so 256
# texts of 1000 characters (the longest sentence `max_chars` lets through)
# would take 1 GB, where 50,000 characters take about 200 MB.
_BATCH_CHARS = 50_000


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
        self._dir = _cache_folder(cache_dir, self.name) if cache_dir else None
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
        for batch in _batches(todo, self.batch_size, _BATCH_CHARS):
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
        try:
            vec = np.load(p, allow_pickle=False)
            ok = vec.ndim == 1 and vec.size > 0 and vec.dtype == np.float32 and bool(np.isfinite(vec).all())
        except (OSError, ValueError, EOFError) as exc:  # truncated, overwritten, not .npy at all
            ok, vec = False, exc
        if not ok:
            # A cache only saves time: a bad entry is encoded again (and rewritten), never trusted.
            what = vec if isinstance(vec, Exception) else f"an array of shape {vec.shape} and type {vec.dtype}"
            warnings.warn(f"embedding cache entry {str(p)!r} is corrupt ({what}); encoding its text again",
                          AlignerWarning, stacklevel=2)
            return False
        self._mem[text] = vec
        return True

    def _save(self, text: str, vec: np.ndarray) -> None:
        p = self._path(text)
        tmp = p.with_suffix(f".{os.getpid()}.tmp")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                np.save(fh, vec)
            os.replace(tmp, p)  # atomic, so a concurrent reader never sees half a file
        except OSError as exc:
            raise InputError(f"cannot write to the embedding cache folder {str(self._dir)!r}: {exc.strerror or exc}") from None


def _cache_folder(cache_dir, name: str) -> Path:
    """The folder of `name`'s vectors in `cache_dir`, or InputError when `cache_dir` cannot be one."""
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise InputError(f"cache_dir must be a folder path, not {type(cache_dir).__name__}")
    root = Path(cache_dir)
    if root.exists() and not root.is_dir():
        raise InputError(f"cache_dir {str(root)!r} is a file, not a folder: give a folder (it is created if missing)")
    return root / _folder_name(name)


def _batches(texts: list[str], size: int, chars: int):
    """`texts` in order, cut into lists of at most `size` texts and `chars` characters (at least one text each)."""
    batch: list[str] = []
    used = 0
    for text in texts:
        if batch and (len(batch) == size or used + len(text) > chars):
            yield batch
            batch, used = [], 0
        batch.append(text)
        used += len(text)
    if batch:
        yield batch


def _bar(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="text", leave=False)
