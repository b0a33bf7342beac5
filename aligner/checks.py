"""Checks of a document pair that warn rather than fail.

`length_warning` tells when two documents differ so much in length that they
are probably not the same text (a wrong file, a summary, an excerpt): the
aligner would still pair what it can, and leave most of the longer side
unaligned. The command line prints it; ``align()`` can pass it to
`warnings.warn` with `aligner.errors.AlignerWarning`.
"""

from __future__ import annotations

import re
from typing import Sequence, Union

__all__ = ["LENGTH_RATIO_LIMIT", "MIN_CHARS", "text_length", "length_ratio", "length_warning"]

# Above this ratio of lengths (or below its inverse) two texts are probably
# not the same document: translations of one text rarely differ by more
# than a factor of 2 in characters once the scripts below are weighted.
LENGTH_RATIO_LIMIT = 3.0
# Below this many characters on the longer side, a ratio says nothing: two
# headings or a test sentence or two differ in length by chance.
MIN_CHARS = 300

# Han characters and kana carry about as much as three letters of an
# alphabet (Chinese text is about a third as long, in characters, as its
# English translation), so each counts 3.
_DENSE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_SPACE = re.compile(r"\s")

Doc = Union[str, Sequence[str]]


def text_length(doc: Doc) -> int:
    """Characters of `doc` (a text or its sentences), white space left out, Han and kana counted 3 each."""
    text = doc if isinstance(doc, str) else "".join(s for s in doc if isinstance(s, str))
    return len(text) - len(_SPACE.findall(text)) + 2 * len(_DENSE.findall(text))


def length_ratio(source: Doc, target: Doc) -> float:
    """`text_length` of the source over that of the target (inf when the target is empty)."""
    s, t = text_length(source), text_length(target)
    return s / t if t else float("inf")


def length_warning(source: Doc, target: Doc, limit: float = LENGTH_RATIO_LIMIT) -> str | None:
    """A message when the two documents' lengths differ by more than `limit` times, else None."""
    s, t = text_length(source), text_length(target)
    if not s or not t:
        return None  # an empty side is an error of its own, reported by align()
    if max(s, t) < MIN_CHARS:
        return None
    ratio = s / t
    if 1 / limit <= ratio <= limit:
        return None
    longer, shorter = ("source", "target") if ratio > 1 else ("target", "source")
    factor = ratio if ratio > 1 else 1 / ratio
    return (
        f"the source has {s:,} characters and the target {t:,} (ratio {ratio:.2f}): the {longer} is "
        f"{factor:.1f} times as long as the {shorter}, so they may not be the same document "
        "(a wrong file, a summary or an excerpt?); most of the longer side will be left unaligned"
    )
