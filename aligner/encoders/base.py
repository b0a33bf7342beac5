"""The encoder protocols, and the checks every encoder's output goes through.

An encoder is anything with ``encode(list[str]) -> ndarray (n, d)``. The
aligner never trusts what comes back: `checked_encode` turns a wrong shape,
a NaN or a zero vector into an `EncoderError` that names the encoder, and
returns float32 rows of unit length whatever the encoder did.

An encoder may also be a `JoiningEncoder`: its ``join_session()`` opens a
`JoinSession` that embeds the joined text of a run of sentences from the
sentences themselves, more cheaply than encoding it (USE v3 does:
encoders/_use_joins.py). The vectors of a session differ from ``encode``'s
in their last bits, so an encoder that wraps another (to record or time
what it encodes) must pass the session on, or it aligns differently: it
implements ``join_session()`` itself, and `join_session_of` is the one
place that asks an encoder for a session.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np

from ..errors import EncoderError

__all__ = [
    "Encoder", "JoinSession", "JoiningEncoder", "CallableEncoder", "checked_encode", "encoder_name", "join_session_of",
]


@runtime_checkable
class Encoder(Protocol):
    """What the aligner needs of a sentence encoder.

    ``encode`` maps n texts to an (n, d) array, one row per text, in order.
    Rows need not be normalised: the aligner normalises them. ``name`` is
    used in the reproducibility signature and as the key of the on-disk cache,
    so it must change whenever the vectors would.
    """

    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


@runtime_checkable
class JoinSession(Protocol):
    """Sentences, then joined runs of them, embedded by one encoder for the lifetime of one `EmbeddingStore`.

    ``encode`` embeds texts (and keeps what their joins need);
    ``encode_joined`` embeds ``sep.join(run)`` for each run from the
    sentences of the run. ``fast_joins`` counts the joined texts made from
    their sentences rather than encoded whole.
    """

    fast_joins: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_joined(self, runs: Sequence[Sequence[str]], sep: str) -> np.ndarray: ...


@runtime_checkable
class JoiningEncoder(Encoder, Protocol):
    """An `Encoder` that can open a `JoinSession`.

    ``join_session()`` returns a new session, or None when it has none to
    offer (then every text, joined ones included, goes through ``encode``).
    `EmbeddingStore` opens one session for its lifetime and encodes
    everything through it.
    """

    def join_session(self) -> JoinSession | None: ...


def join_session_of(encoder: object) -> JoinSession | None:
    """A new `JoinSession` of `encoder` if it is a `JoiningEncoder` that offers one, else None."""
    return encoder.join_session() if isinstance(encoder, JoiningEncoder) else None


class CallableEncoder:
    """Wrap a plain function ``f(list[str]) -> array`` as an `Encoder`."""

    def __init__(self, fn: Callable[[list[str]], np.ndarray], name: str | None = None) -> None:
        self._fn = fn
        self.name = name or f"callable:{getattr(fn, '__qualname__', type(fn).__name__)}"

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._fn(texts)


def encoder_name(encoder: object) -> str:
    """A stable, human-readable name of `encoder` for signatures and caches."""
    return str(getattr(encoder, "name", None) or type(encoder).__qualname__)


def checked_encode(
    encoder: Encoder, texts: Sequence[str], encode: Callable[[], np.ndarray] | None = None
) -> np.ndarray:
    """Encode `texts` and return float32 unit rows, or raise EncoderError.

    `encode`, if given, makes the vectors of `texts` some other way than
    ``encoder.encode(texts)`` (from their parts, say); they get the same checks.
    """
    texts = list(texts)
    name = encoder_name(encoder)
    try:
        raw = encoder.encode(texts) if encode is None else encode()
    except EncoderError:
        raise
    except Exception as exc:  # an encoder's own failure, re-raised with its name on it
        raise EncoderError(f"encoder {name!r} failed on {len(texts)} texts: {exc}") from exc
    try:
        # A copy: the encoder may hand out its own (even read-only) buffer.
        vecs = np.array(raw, copy=True)
        if vecs.dtype.kind not in "fiub":
            # complex would lose its imaginary part to float32 with only a numpy warning;
            # strings and objects are no vectors either
            raise EncoderError(
                f"encoder {name!r} returned an array of {vecs.dtype} ({_kind(vecs.dtype)}), not of real numbers"
            )
        vecs = vecs.astype(np.float32)
    except (TypeError, ValueError) as exc:
        raise EncoderError(f"encoder {name!r} returned {type(raw).__name__}, not an array of numbers") from exc
    if vecs.ndim != 2 or vecs.shape[0] != len(texts) or vecs.shape[1] == 0:
        raise EncoderError(
            f"encoder {name!r} returned shape {vecs.shape} for {len(texts)} texts; "
            f"expected ({len(texts)}, d) with d > 0"
        )
    if not np.isfinite(vecs).all():
        bad = int(np.flatnonzero(~np.isfinite(vecs).all(axis=1))[0])
        raise EncoderError(f"encoder {name!r} returned NaN or infinity for text {bad}: {texts[bad][:60]!r}")
    norms = np.linalg.norm(vecs, axis=1)
    if (norms == 0).any():
        bad = int(np.flatnonzero(norms == 0)[0])
        raise EncoderError(f"encoder {name!r} returned a zero vector for text {bad}: {texts[bad][:60]!r}")
    vecs /= norms[:, None]
    return vecs


def _kind(dtype: np.dtype) -> str:
    return {"c": "complex numbers", "U": "strings", "S": "bytes", "O": "Python objects"}.get(dtype.kind, dtype.kind)
