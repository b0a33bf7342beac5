"""Sentence ends that sentencex misses in some scripts, as extra cuts.

- Khmer ends a sentence with ។ (khan) or ៕ (bariyoosan), which sentencex
  does not know: "ខ្ញុំទៅផ្សារ។ គាត់នៅផ្ទះ។" stays one piece.
- Thai and Lao write no space between words and no sentence punctuation: a
  space between two letters of the script is where a sentence (or a clause)
  ends. A clause cut too many costs little, as the aligner merges pieces
  whose translation is one sentence; one cut too few costs a bead.
- Hindi and other languages written with a danda (।) often type it as an
  ASCII bar, "... से | यूएसए ..." (FLORES-200 Hindi does).

And a cut that sentencex makes where no sentence ends is undone: after the
Burmese genitive ၏, which it takes for the section mark ။ ("မြန်မာနိုင်ငံ၏
အကြီးဆုံးမြို့" is "Myanmar's largest city").
"""

from __future__ import annotations

import re

__all__ = ["script_cuts", "drop_false_ends"]

# Marks after which sentencex cuts though no sentence ends there, by language.
_NOT_ENDS = {"my": "\u104f"}

_KHMER_END = re.compile(r"[។៕]+\s+(?=\S)")
_THAI_SPACE = re.compile(r"(?<=[\u0e01-\u0e4e])\s+(?=[\u0e01-\u0e4e])")
_LAO_SPACE = re.compile(r"(?<=[\u0e81-\u0edf])\s+(?=[\u0e81-\u0edf])")
# A bar between two words of an Indic script (Devanagari, Bengali, Gurmukhi, Oriya).
_BAR_DANDA = re.compile(r"(?<=[\u0900-\u0b7f])\s*\|\s+(?=[\u0900-\u0b7f])")

_BY_LANG = {
    "km": _KHMER_END, "th": _THAI_SPACE, "lo": _LAO_SPACE,
    **{lang: _BAR_DANDA for lang in ("hi", "mr", "ne", "sa", "bn", "as", "pa", "or")},
}


def script_cuts(paragraph: str, lang: str):
    """Positions in `paragraph` (after the end mark and its spaces) where a sentence of `lang` ends."""
    pattern = _BY_LANG.get(lang)
    if pattern is None:
        return
    for match in pattern.finditer(paragraph):
        yield match.end()


def drop_false_ends(paragraph: str, cuts: set[int], lang: str) -> set[int]:
    """`cuts` without those right after a mark that ends no sentence in `lang`."""
    marks = _NOT_ENDS.get(lang)
    if not marks:
        return cuts
    return {cut for cut in cuts if paragraph[_last_visible(paragraph, cut)] not in marks}


def _last_visible(text: str, i: int) -> int:
    """Index of the last character before `i` that is not a space (or 0)."""
    i -= 1
    while i > 0 and text[i].isspace():
        i -= 1
    return max(i, 0)
