"""Cut a text into paragraphs at blank lines.

Every kind of line break (Windows, old Mac, Unicode line and paragraph
separators, form feeds) is first turned into "\\n", so that the rest of the
package deals with one kind only.
"""

from __future__ import annotations

import re

_LINE_BREAK = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028]")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def paragraphs(text: str) -> list[str]:
    """Return the stripped, non-empty paragraphs of `text`, lines kept."""
    text = _LINE_BREAK.sub("\n", text).replace("\u2029", "\n\n")
    return [p.strip() for p in _BLANK_LINE.split(text) if p.strip()]
