"""Cut one paragraph into sentences: sentencex, then repairs.

sentencex cuts inside each run of lines that belong together (see _lines).
All cuts are positions in the paragraph, so the text between them is never
touched; they are then corrected where a rule-based splitter goes wrong on
real documents: a cut right after an abbreviation is undone, a closing quote
or bracket that would start a sentence goes back to the one before, and a
piece with no letter or digit joins a neighbour.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from sentencex import get_sentence_boundaries

from ._abbreviations import Abbreviations
from ._lines import join_lines, line_cuts
from ._scripts import drop_false_ends, script_cuts

# A straight quote or ’ closes only when no word follows it: "Hi," and
# ’tis open or elide.
_CLOSERS = "»”)]}›」』）"
_AMBIGUOUS_CLOSERS = "\"’"
_WINDOW = 5000
_MARGIN = 500
_NEXT_CHAR = re.compile(r"\s*(\S)")
_ENUMERATOR = re.compile(r"\s*\(?(?:\d{1,3}|[A-Za-z]|[IVXivx]{1,5})[.)]\s*")
# sentencex does not cut in "(See below.) The", so this cut is added.
_BRACKETED_END = re.compile(r"[.!?…][)\]]+\s+(?=[^\W\d_])")


def split_paragraph(
    paragraph: str, lang: str, abbreviations: Abbreviations
) -> list[str]:
    """Return the sentences of one paragraph, stripped, lines joined."""
    hard, soft_lines = line_cuts(paragraph)
    soft = set(soft_lines)
    bounds = [0, *sorted(hard + soft_lines), len(paragraph)]
    for start, end in zip(bounds, bounds[1:]):
        soft.update(_splitter_cuts(paragraph, start, end, lang))
    soft.update(_bracketed_end_cuts(paragraph))
    soft = drop_false_ends(paragraph, soft, lang)
    soft.update(script_cuts(paragraph, lang))
    soft = _fix_abbreviation_cuts(paragraph, soft, abbreviations)
    cuts = _attach_closers(paragraph, sorted(soft.union(hard)))
    cuts = _merge_textless(paragraph, cuts)
    pieces = (
        paragraph[a:b].strip()
        for a, b in zip([0, *cuts], [*cuts, len(paragraph)])
    )
    return [join_lines(piece) for piece in pieces if piece]


def _splitter_cuts(paragraph: str, start: int, end: int, lang: str):
    # Line breaks are made spaces: the breaks that matter are cuts already,
    # and sentencex would otherwise cut at the others on its own.
    block = paragraph[start:end].replace("\n", " ")
    for cut in _windowed_cuts(block, lang):
        # sentencex cuts "1. first" after "1.": a list number stays on.
        if not _ENUMERATOR.fullmatch(block, 0, cut):
            yield start + cut


def _windowed_cuts(block: str, lang: str):
    # sentencex takes quadratic time on long text without spaces (1 MB of
    # Chinese: minutes), so a long block goes through it in windows. A
    # window starts at the last cut of the one before; cuts in its last
    # _MARGIN characters are left to the next, as they depend on what
    # follows.
    position = 0
    while True:
        window = block[position:position + _WINDOW]
        last = position + _WINDOW >= len(block)
        limit = len(window) if last else len(window) - _MARGIN
        cuts = [
            boundary["end_index"]
            for boundary in get_sentence_boundaries(lang, window)
            if 0 < boundary["end_index"] < limit
        ]
        yield from (position + cut for cut in cuts)
        if last:
            return
        if not cuts:
            # No sentence ends here: go on from a space, not inside a word.
            space = window.rfind(" ", 0, limit)
            cuts = [space + 1 if space > 0 else limit]
        position += cuts[-1]


def _bracketed_end_cuts(paragraph: str):
    for match in _BRACKETED_END.finditer(paragraph):
        if paragraph[match.end()].isupper():
            yield match.end()


def _fix_abbreviation_cuts(
    paragraph: str, cuts: set[int], abbreviations: Abbreviations
) -> set[int]:
    """Undo the cuts made inside or right after an abbreviation.

    After one that may end a sentence ("etc.", "déc."), the next word
    decides: lowercase or a number goes on, and a capital starts a new
    sentence even if the splitter took the period for an abbreviation's.
    """
    ordered = sorted(cuts)
    # Compare where the text before each cut ends, whitespace left out.
    ends = [_end_of_text_before(paragraph, cut) for cut in ordered]
    fixed = set(cuts)
    for pattern, may_end in (
        (abbreviations.always, False),
        (abbreviations.may_end, True),
    ):
        if pattern is None:
            continue
        for match in pattern.finditer(paragraph):
            end = match.end()
            first = bisect_right(ends, match.start())
            if not may_end or _goes_on(paragraph, end):
                fixed.difference_update(ordered[first:bisect_right(ends, end)])
                continue
            # Only the cuts inside "p. ex." are wrong; one at the end stays.
            at_end = bisect_left(ends, end)
            fixed.difference_update(ordered[first:at_end])
            has_cut = at_end < len(ends) and ends[at_end] == end
            if _starts_sentence(paragraph, end) and not has_cut:
                fixed.add(end)
    return fixed


def _attach_closers(paragraph: str, cuts: list[int]) -> list[int]:
    moved = set()
    for cut in cuts:
        start = end = _skip_space(paragraph, cut)
        while end < len(paragraph) and _is_closer(paragraph, end):
            end += 1
        if end > start:
            # « Où vas-tu ? » demanda-t-il. -- the sentence goes on.
            if _goes_on(paragraph, end, ",;:"):
                continue
            cut = end
        if 0 < cut < len(paragraph):
            moved.add(cut)
    return sorted(moved)


def _merge_textless(paragraph: str, cuts: list[int]) -> list[int]:
    # A piece such as "…" or "—" is no sentence to align: it joins the
    # piece before it, or the one after if it comes first.
    bounds = [0, *cuts, len(paragraph)]
    kept = set(cuts)
    for k in range(len(bounds) - 1):
        if not any(ch.isalnum() for ch in paragraph[bounds[k]:bounds[k + 1]]):
            kept.discard(bounds[k] if k > 0 else bounds[k + 1])
    return sorted(kept)


def _is_closer(text: str, i: int) -> bool:
    if text[i] in _CLOSERS:
        return True
    return text[i] in _AMBIGUOUS_CLOSERS and not (
        i + 1 < len(text) and text[i + 1].isalnum()
    )


def _goes_on(text: str, i: int, continuing: str = "") -> bool:
    """Whether the next visible character after `i` continues a sentence."""
    match = _NEXT_CHAR.match(text, i)
    if match is None:
        return False
    ch = match.group(1)
    return ch.islower() or ch.isdigit() or ch in continuing


def _starts_sentence(text: str, i: int) -> bool:
    match = _NEXT_CHAR.match(text, i)
    return match is not None and match.group(1).isupper()


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _end_of_text_before(text: str, i: int) -> int:
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return i
