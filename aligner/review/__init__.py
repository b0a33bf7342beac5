"""Correct an alignment by hand in the browser: ``aligner review``.

`review_page` writes one self-contained HTML page (no network; it works from
``file://``) on which a person goes through the beads, lowest scores first,
and merges, splits, moves boundaries and marks sentences without a
counterpart, with the keyboard or the mouse, with undo and redo. Every edit
keeps each sentence in exactly one bead, in order; the similarity matrix near
the path (`Band`) follows the edits. The page saves the corrected alignment
as the project's JSON (``aligner.formats``, ``"json"``): beads the person did
not touch keep their scores, new ones have ``edited=True`` and score 0.0.

Saving is a download, or, with `ReviewServer` (``aligner review --serve``), a
POST to a server on 127.0.0.1 that checks and writes the output file.

    >>> from aligner.review import align_for_review, review_page      # doctest: +SKIP
    >>> alignment, band = align_for_review(fr_text, ar_text)           # doctest: +SKIP
    >>> html = review_page(alignment, similarity=band)                 # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Sequence

from ..alignment import Alignment
from ._band import WIDTH, Band, band_of_matrix, similarity_band
from ._page import review_page
from ._server import ReviewServer, write_atomically

__all__ = [
    "review_page", "align_for_review", "similarity_band", "band_of_matrix", "Band", "ReviewServer", "WIDTH",
    "write_atomically",
]


def align_for_review(
    source: str | Sequence[str], target: str | Sequence[str], *, encoder: Any = None, width: int = WIDTH,
    **kwargs: Any,
) -> tuple[Alignment, Band]:
    """`aligner.align` plus the similarity band for `review_page`.

    Arguments are those of `aligner.align`; the band reuses the embeddings the
    alignment computed, so its extra cost is a few dot products a sentence.
    """
    from ..encoders import get_encoder
    from ..pipeline import align
    from ..view import _Recorder

    recorder = _Recorder(get_encoder(encoder))
    alignment = align(source, target, encoder=recorder, **kwargs)
    band = similarity_band(alignment, recorder.inner, width=width, cache_dir=kwargs.get("cache_dir"),
                           vectors=recorder.vectors)
    return alignment, band
