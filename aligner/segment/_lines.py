"""Line breaks inside a paragraph: which ones end a sentence, how to join the rest.

A text may be hard-wrapped (a break every 70 or so characters, in the middle
of sentences) or written one sentence per line with no blank lines between.
A break is kept as a cut when the line before ends a sentence, when the line
after starts a list item, or when the line before is a heading; any other
break is taken for wrapping and joined back.
"""

from __future__ import annotations

import re
import unicodedata

_CLOSERS = "\"'”’»)]}›」』）"
_SENTENCE_END = re.compile(rf"[.!?…。！？؟۔।॥።‼⁇⁈⁉][{re.escape(_CLOSERS)}]*$")
_LIST_ITEM = re.compile(r"(?:[-–—•·*▪►‣◦]|\d{1,3}[.)]|[a-z]\)|\(\w{1,3}\))\s")
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s")
_NEWLINES = re.compile(r"[^\S\n]*\n\s*")


def line_cuts(paragraph: str) -> tuple[list[int], list[int]]:
    """Return the (hard, soft) cuts at the line breaks of `paragraph`.

    A cut is the index of a "\\n". A hard cut comes from the layout (list
    item, heading) and stays; a soft cut comes from final punctuation, and
    is undone later if that punctuation closes an abbreviation such as "M.".
    """
    lines = paragraph.split("\n")
    if len(lines) == 1:
        return [], []
    stripped = [line.strip() for line in lines]
    width = max(map(len, stripped))
    hard, soft = [], []
    position = -1
    for before, after in zip(stripped, stripped[1:]):
        position = paragraph.index("\n", position + 1)
        if _starts_item(before, after) or _MARKDOWN_HEADING.match(before):
            hard.append(position)
        elif _SENTENCE_END.search(before):
            soft.append(position)
        elif _is_heading(before, after, width):
            hard.append(position)
    return hard, soft


def join_lines(segment: str) -> str:
    """Replace each line break of a stripped segment with a space or nothing.

    As in CSS, a break between two East Asian wide characters (Chinese,
    Japanese) disappears, since those scripts put no spaces between words.
    """
    if "\n" not in segment:
        return segment
    return _NEWLINES.sub(
        lambda m: "" if _is_wide(m.string[m.start() - 1])
        and _is_wide(m.string[m.end()]) else " ",
        segment,
    )


def _starts_item(before: str, after: str) -> bool:
    # A spaced dash can start a line of wrapped prose ("le ministre\n– qui
    # ..."), so an item is an item only after another item, or after a
    # line that ends a sentence or announces a list.
    return bool(_LIST_ITEM.match(after)) and bool(
        _LIST_ITEM.match(before)
        or _SENTENCE_END.search(before)
        or before.endswith((":", ";"))
    )


def _is_heading(line: str, next_line: str, width: int) -> bool:
    # A wrapping tool breaks a line only when the next word does not fit,
    # so a line that had room for it was broken by hand. Asking for it to
    # be short as well covers wrappers that balance line lengths.
    return (
        (line[-1].isalnum() or line[-1] in _CLOSERS)
        and not next_line[0].islower()
        and len(line) <= 0.6 * width
        and len(line) + 1 + _first_word_length(next_line) <= width
    )


def _first_word_length(line: str) -> int:
    if _is_wide(line[0]):
        return 1  # Chinese and Japanese wrap between any two characters
    return len(line.split(maxsplit=1)[0])


def _is_wide(ch: str) -> bool:
    # Korean is wide too but puts spaces between words.
    return unicodedata.east_asian_width(ch) in ("W", "F") and not (
        "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"
        or "\uac00" <= ch <= "\ud7af"
    )
