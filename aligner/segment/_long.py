"""Re-split a sentence that is too long to be one.

A "sentence" of thousands of characters is a list, a legal clause or a
splitter's miss, and it would make the aligner compare unequal pieces. It
is cut after the clause separator nearest its middle, again and again,
until every piece fits or has no separator left.
"""

from __future__ import annotations

import re

# ASCII separators only before a space, so that "10:30" and "1,5" hold.
_SEPARATOR = re.compile(r"[;:,](?=\s)|[،؛；，：]")


def resplit(sentence: str, max_chars: int) -> list[str]:
    """Return `sentence` cut into pieces of at most `max_chars` if possible."""
    done: list[str] = []
    todo = [sentence]
    while todo:
        piece = todo.pop()
        cut = _middle_separator(piece) if len(piece) > max_chars else None
        if cut is None:
            done.append(piece)
        else:
            # Right half first on the stack: pieces come out in text order.
            todo.append(piece[cut:].lstrip())
            todo.append(piece[:cut].rstrip())
    return done


def _middle_separator(piece: str) -> int | None:
    middle = len(piece) / 2
    best = None
    for match in _SEPARATOR.finditer(piece):
        cut = match.end()
        if cut < len(piece) and (
            best is None or abs(cut - middle) < abs(best - middle)
        ):
            best = cut
    return best
