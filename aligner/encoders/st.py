"""Any sentence-transformers model, by hub name or local path.

torch and sentence-transformers are imported here and only here, when such
an encoder is first used, so that ``import aligner`` and the default
pipeline stay light.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import EncoderError

__all__ = ["SentenceTransformerEncoder"]


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
        return self._model.encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True,
            normalize_embeddings=True, show_progress_bar=False,
        )
