"""aligner: align the sentences of two documents in different languages.

    >>> from aligner import align
    >>> alignment = align(french_text, arabic_text)          # doctest: +SKIP
    >>> for src, tgt in alignment: print(src, "|||", tgt)    # doctest: +SKIP

Heavy modules (numba kernels, encoders) are imported on first use, so that
``import aligner`` is fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .alignment import Alignment, Bead, Link, Unaligned
from .errors import (
    AlignerError, AlignerWarning, ClusterError, EncoderError, FormatError, InputError, LanguageError, OutputError,
)

if TYPE_CHECKING:
    from .batch import align_batch
    from .mining import MinedPair, mine
    from .pipeline import align

__all__ = [
    "align", "align_batch", "mine", "Alignment", "Bead", "Link", "Unaligned", "MinedPair", "AlignerError", "AlignerWarning", "InputError", "LanguageError",
    "EncoderError", "FormatError", "ClusterError", "OutputError", "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "align":
        from .pipeline import align

        return align
    if name in ("mine", "MinedPair"):
        from . import mining

        return getattr(mining, name)
    if name == "align_batch":
        from .batch import align_batch

        return align_batch
    raise AttributeError(f"module 'aligner' has no attribute {name!r}")
