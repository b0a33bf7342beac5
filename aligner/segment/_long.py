"""Re-split a sentence that is too long to be one.

A "sentence" of thousands of characters is a list, a legal clause, a
splitter's miss or a file with no punctuation at all, and it would make the
aligner compare unequal pieces (and the encoder hold the whole of it at
once: USE v3 needs about 4 KB per character of one text). It is cut, again
and again until every piece fits, after the clause separator nearest its
middle; a piece with no separator is cut at the white space nearest its
middle, and one with no white space either (Chinese, Japanese, Thai, one
huge token) at its middle character. Every piece fits in the end, whatever
the text, and only white space at the cuts is dropped.
"""

from __future__ import annotations

import re
import unicodedata

# ASCII separators only before a space, so that "10:30" and "1,5" hold.
_SEPARATOR = re.compile(r"[;:,](?=\s)|[،؛；，：]")
_SPACE = re.compile(r"\s+")
# Characters that belong to the one before them: a cut never comes before one.
_JOINERS = frozenset("\u200c\u200d\ufe0e\ufe0f")


def resplit(sentence: str, max_chars: int) -> list[str]:
    """Return `sentence` cut into pieces of at most `max_chars` characters."""
    done: list[str] = []
    todo = [sentence]
    while todo:
        piece = todo.pop()
        if len(piece) <= max_chars:
            done.append(piece)
            continue
        left, right = _halves(piece)
        # Right half first on the stack: pieces come out in text order.
        todo.append(right)
        todo.append(left)
    return done


def _halves(piece: str) -> tuple[str, str]:
    """`piece` cut in two non-empty parts, at the best place nearest its middle."""
    cut = _nearest(_SEPARATOR, piece, end=True) or _nearest(_SPACE, piece, end=False)
    if cut is None:
        at = _character_cut(piece)
        cut = (at, at)
    return piece[: cut[0]].rstrip(), piece[cut[1] :].lstrip()


def _nearest(pattern: re.Pattern, piece: str, end: bool) -> tuple[int, int] | None:
    """(end of the left part, start of the right) at the match of `pattern` nearest the middle.

    The cut is after the match (`end`) or around it, and leaves text on both
    sides. The search goes out from the middle, so that cutting a long piece
    again and again costs about its length, not its length times its matches.
    """
    length = len(piece)
    middle = length // 2

    def cut_of(m):
        return (m.end(), m.end()) if end else (m.start(), m.end())

    def usable(c):
        return 0 < c[0] and c[1] < length

    after = next((c for c in map(cut_of, pattern.finditer(piece, middle)) if usable(c)), None)
    before = None
    width = 64
    while before is None:
        # The last usable match that starts before the middle, in a window that doubles.
        start = max(0, middle - width)
        found = [c for c in map(cut_of, pattern.finditer(piece, start, min(length, middle + 1))) if usable(c)]
        found = [c for c in found if c[0] <= middle]
        if found:
            before = found[-1]
        elif start == 0:
            break
        width *= 2
    if before is None or after is None:
        return before or after
    return before if middle - before[0] <= after[0] - middle else after


def _character_cut(piece: str) -> int:
    # Not before a combining mark or a joiner: a letter keeps its accents and
    # an emoji sequence stays whole.
    cut = len(piece) // 2
    while cut < len(piece) - 1 and (unicodedata.combining(piece[cut]) or piece[cut] in _JOINERS
                                    or unicodedata.category(piece[cut]) in ("Mn", "Mc", "Me")):
        cut += 1
    return max(cut, 1)
