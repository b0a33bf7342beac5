"""Which segments look like headings: short, and not ended as a sentence ends.

Used by the aligner to keep a heading out of multi-sentence beads: a title
such as "Sécurité commune" has almost no content of its own, so merged with
the sentence after it, it rides on that sentence's similarity.
"""

from __future__ import annotations

import re

from ._lines import _CLOSERS, _is_wide

__all__ = ["looks_like_heading"]

# A sentence may end with a colon or semicolon in these corpora ("Literatur :");
# a heading ends with none of these.
_ENDED = re.compile(rf"[.!?…。！？؟۔।॥።‼⁇⁈⁉:;：；,，،][\s{re.escape(_CLOSERS)}]*$")
_MAX_CHARS = 40
_MAX_WIDE_CHARS = 15


def looks_like_heading(segment: str) -> bool:
    """True for a short segment without the punctuation that ends a sentence."""
    text = segment.strip()
    if not text or _ENDED.search(text):
        return False
    wide = sum(1 for ch in text if _is_wide(ch))
    limit = _MAX_WIDE_CHARS if wide > len(text) / 2 else _MAX_CHARS
    return len(text) <= limit
