"""Any sentence-transformers model, by hub name or local path.

torch and sentence-transformers are imported here and only here, when such
an encoder is first used, so that ``import aligner`` and the default
pipeline stay light.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import EncoderError
from .languages import model_languages

__all__ = ["SentenceTransformerEncoder"]

# The longest text of a batch is at most this many times its shortest: on
# Text+Berg dev with MiniLM, 1.25 ran 1.10 tokens per real token where
# fixed batches of 32 ran 1.48 (the alignment's calls) and 1.39 (embedding
# each sentence once).
_BATCH_SPREAD = 1.25


class SentenceTransformerEncoder:
    """A sentence-transformers model as an aligner encoder.

    Args:
        model: a model name on the Hugging Face hub (``"sentence-transformers/LaBSE"``)
            or the path of a local sentence-transformers model folder.
        device: torch device, ``"cpu"`` by default.
        batch_size: texts per forward pass.
        **kwargs: passed on to ``sentence_transformers.SentenceTransformer``.
    """

    def __init__(self, model: str | os.PathLike, *, device: str = "cpu", batch_size: int = 32, **kwargs) -> None:
        self.model_name = os.fspath(model)
        self.device = device
        self.batch_size = batch_size
        self._kwargs = kwargs
        self._model = None
        # The full name or path: two local folders called "model" are two models.
        self.name = f"st:{self.model_name}"
        # Known for LaBSE and multilingual-e5 models, else None: not checked.
        self.languages = model_languages(self.model_name)

    def _load(self):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderError(
                "the sentence-transformers encoder needs the 'st' extra: "
                "pip install 'aligner[st]' (and torch==2.13.0 for a CPU build)"
            ) from exc
        try:
            return SentenceTransformer(self.model_name, device=self.device, **self._kwargs)
        except Exception as exc:
            raise EncoderError(
                f"could not load sentence-transformers model {self.model_name!r}: {exc}. "
                "Without a network, pass the path of a local model folder."
            ) from exc

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            self._model = self._load()
        texts = list(texts)
        if not texts:
            return self._model.encode(texts, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        # sentence-transformers pads each batch to its longest text, and cuts
        # batches of a fixed size from the texts sorted by length; in a call
        # of a few dozen texts of mixed lengths (the joined texts of one round)
        # half of the tokens it runs were padding. Batches of texts of nearly
        # equal length run the same texts with about a tenth of padding.
        out = None
        for batch in length_batches(self._token_lengths(texts), self.batch_size):
            vecs = self._model.encode(
                [texts[i] for i in batch], batch_size=len(batch), convert_to_numpy=True,
                normalize_embeddings=True, show_progress_bar=False,
            )
            if out is None:
                out = np.empty((len(texts), vecs.shape[1]), dtype=vecs.dtype)
            out[batch] = vecs
        return out

    def _token_lengths(self, texts: list[str]) -> list[int]:
        """Tokens each text will run as (cut at the model's limit); characters if the tokenizer will not say."""
        tokenizer = getattr(self._model, "tokenizer", None)
        limit = getattr(self._model, "max_seq_length", None)
        cut = {"truncation": True, "max_length": limit} if limit else {}
        try:
            return [len(x) for x in tokenizer(texts, add_special_tokens=True, **cut)["input_ids"]]
        except Exception:  # a model without a Hugging Face tokenizer: characters are a fair proxy
            return [len(t) for t in texts]


def length_batches(lengths: list[int], max_size: int, spread: float = _BATCH_SPREAD) -> list[list[int]]:
    """Indices of `lengths` cut into batches of at most `max_size` whose longest is at most `spread` times the shortest.

    Every index is in exactly one batch; the order is fixed by the lengths and
    the indices, so the same texts always make the same batches.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < max_size and lengths[batches[-1][0]] <= spread * max(lengths[i], 1):
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches
