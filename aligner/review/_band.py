"""The similarity matrix near the path, which is all the review page draws and needs.

A document of 5,000 sentences a side has 25 million sentence pairs; a
person correcting the alignment looks only near the path. `Band` keeps, for
each source sentence, the cosine similarity with the `2 * width + 1` target
sentences around where the path puts it, quantized to a byte: about 25
bytes a sentence, so the page stays small and fast whatever the length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..alignment import Alignment
from ..errors import InputError

__all__ = ["Band", "similarity_band", "band_of_matrix", "WIDTH"]

# Target sentences on each side of the path kept per source sentence: far more
# than a boundary is ever moved by hand, and what the page's matrix shows.
WIDTH = 12


@dataclass(frozen=True)
class Band:
    """Cosine similarities near the path, as bytes.

    Attributes:
        start: (n_source,) int32, the first target sentence of each row's band.
        values: (n_source, 2 * width + 1) uint8; 0 maps to `lo` and 255 to
            `hi`; cells past the end of the target document are 0.
        lo, hi: the cosine of byte 0 and of byte 255.
        gap: the byte of a typical unrelated pair (the band's lower quartile),
            what a sentence without a counterpart is worth when the page
            chooses where to split a bead.
    """

    start: np.ndarray
    values: np.ndarray
    lo: float
    hi: float
    gap: int

    @property
    def width(self) -> int:
        return (self.values.shape[1] - 1) // 2


def _centres(alignment: Alignment) -> np.ndarray:
    """Per source sentence, the target position the path puts it at (a float)."""
    centre = np.zeros(len(alignment.source_sentences), dtype=np.float64)
    t = 0
    for bead in alignment.beads:
        a, b = len(bead.source), len(bead.target)
        for k, i in enumerate(bead.source):
            centre[i] = t + (k + 0.5) * b / a - 0.5 if b else t - 0.5
        t += b
    return centre


def _quantize(cos: np.ndarray, valid: np.ndarray, start: np.ndarray) -> Band:
    seen = cos[valid]
    if seen.size:
        lo, hi = (float(x) for x in np.percentile(seen, [1.0, 99.9]))
        gap_cos = float(np.percentile(seen, 25.0))
    else:
        lo, hi, gap_cos = 0.0, 1.0, 0.0
    if not hi > lo:
        hi = lo + 1e-6
    scale = lambda x: np.clip(np.round((x - lo) / (hi - lo) * 255), 0, 255)  # noqa: E731
    values = np.where(valid, scale(cos), 0).astype(np.uint8)
    return Band(start.astype(np.int32), values, lo, hi, int(scale(np.float64(gap_cos))))


def _grid(alignment: Alignment, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's first band column, the band's columns, and which of them are in the document."""
    m = len(alignment.target_sentences)
    span = 2 * width + 1
    start = np.clip(np.round(_centres(alignment)).astype(np.int64) - width, 0, max(m - span, 0))
    cols = start[:, None] + np.arange(span)[None, :]
    return start, np.minimum(cols, max(m - 1, 0)), cols < m


def band_of_matrix(alignment: Alignment, similarity: np.ndarray, width: int = WIDTH) -> Band:
    """The band of a full (n_source, n_target) similarity matrix."""
    sim = np.asarray(similarity, dtype=np.float32)
    n, m = len(alignment.source_sentences), len(alignment.target_sentences)
    if sim.shape != (n, m):
        raise InputError(f"similarity must have the shape ({n}, {m}) (source x target sentences); got {sim.shape}")
    if not np.isfinite(sim).all():
        raise InputError("similarity holds NaN or infinity")
    start, cols, valid = _grid(alignment, width)
    cos = sim[np.arange(n)[:, None], cols] if m else np.zeros(cols.shape, np.float32)
    return _quantize(cos, valid, start)


def similarity_band(
    alignment: Alignment, encoder: Any = None, *, width: int = WIDTH, cache_dir: str | None = None,
    vectors: dict[str, np.ndarray] | None = None,
) -> Band:
    """The band of `alignment`'s similarity matrix, computed from the embeddings.

    Args:
        alignment: whose sentences to compare.
        encoder: the one that made the alignment (None: the embedded USE v3).
        width: target sentences kept on each side of the path.
        cache_dir: an on-disk embedding cache, as in `aligner.align`.
        vectors: embeddings already known, by text.
    """
    from ..view import unit_vectors

    src, tgt = unit_vectors(alignment, encoder, cache_dir=cache_dir, vectors=vectors)
    start, cols, valid = _grid(alignment, width)
    if len(tgt):
        # One row of the band at a time would be slow in Python; gathering the
        # band's target vectors is (n, 2w+1, dim) floats, a few MB a thousand rows.
        cos = np.empty(cols.shape, dtype=np.float32)
        for r in range(0, len(src), 1024):
            block = tgt[cols[r : r + 1024]]
            cos[r : r + 1024] = np.einsum("nkd,nd->nk", block, src[r : r + 1024])
    else:
        cos = np.zeros(cols.shape, dtype=np.float32)
    return _quantize(cos, valid, start)
