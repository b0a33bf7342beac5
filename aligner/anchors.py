"""Lexical anchors: what a sentence and its translation share whatever the script.

Embeddings blur numbers and the shape of a sentence (a line of dialogue); a
translation keeps them. Each sentence gets a set of anchors, packed into the
63 low bits of an int64 so that the search kernel can take the union of a
run (an OR) and compare two runs (AND, XOR and a bit count) in a few
instructions (the bead score is in `aligner.scoring`). The kinds:

- ``number``: numbers, with their digits in ASCII whatever the script
  (Arabic-Indic, full-width...), thousands separators dropped (1,000 /
  1.000 / 1 000 are one number) and a decimal comma made a point
  (8839,8 = 8839.8);
- ``"``: the sentence quotes (“ ” « » 「 」..., or a straight quote at the
  edge of a word: 'Well?' but not didn't). Literary dialogue is where
  sentence boundaries differ most between a text and its translation;
- ``name``: a Latin token with a capital, not the first word of a
  Latin-script sentence and never written in lower case in its document
  (Everest, WMAP), or any Latin token of two letters or more in a sentence of
  another script (COBE in a Chinese sentence);
- ``?`` and ``!``: the sentence asks (? ？ ؟) or exclaims (! ！).

Only numbers and quotes are on by default (`KINDS`): names cost Text+Berg
dev .005-.01 (translators move a name to the next sentence, page footers
carry names) and question and exclamation marks added nothing to numbers and
quotes (docs/how-it-works.md has the ablation).

A number or a name is an anchor only if it occurs on both sides of the pair
of documents, so that a number or name with no counterpart does not count
against every bead. The shared tokens get bits in order of first appearance
in the source: two tokens share a bit only if they first appear dozens of
tokens apart, far from each other in the text. The marks have bits of their own.

`quote_states` is not an anchor but a state at each sentence boundary: is
a quotation open there, has one just closed? The search charges a boundary
where the two sides disagree (``quote_weight``, `aligner.scoring`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import numpy as np

__all__ = ["anchor_masks", "sentence_anchors", "normalize_number", "quote_states", "KINDS", "ALL_KINDS", "QUOTE_REACH"]

# Bits 0-2: the marks; bits 3-62: the shared numbers and names (bit 63, the
# sign bit, is left alone so that the kernel's bit arithmetic stays in int64).
MARK_BITS = {"?": 0, "!": 1, '"': 2}
TOKEN_BITS = 60
_FIRST_TOKEN_BIT = 3

ALL_KINDS = frozenset({"number", '"', "name", "?", "!"})
# The kinds extracted by default (the others stay for ablations).
KINDS = frozenset({"number", '"'})

_QUESTION = set("?？؟¿⁇⁈⁉")
_EXCLAMATION = set("!！¡‼⁉")
# The quotation marks by family (also for `quote_states`, the state after each sentence).
# Each mark belongs to a family; a family opened twice stays open once.
_QUOTE_FAMILY = {ch: fam for fam, chars in (("double", "“”„‟\"＂"), ("single", "‘’‚‛'"), ("angle", "«»‹›"),
                                              ("corner", "「」"), ("white", "『』")) for ch in chars}
_QUOTES = frozenset(ch for ch, family in _QUOTE_FAMILY.items() if family != "single")  # apostrophes: below
# An apostrophe is a quote when it opens a word ('Well?) or closes after
# punctuation (Had enough?' or taels,' replied); not in didn't, nor in the
# elisions of French written with a space (l' eau, in Text+Berg).
_SINGLE_QUOTE = re.compile(r"(?:^|(?<=[\s(\[—–-]))['‘](?=\w)|(?<=[.,;:!?…—–-])['’](?=\s|$|[)\]])")

# A number: digit groups of three after a 1-3 digit head (thousands, with any
# usual separator), or a plain run of digits; then an optional decimal part.
_SEPARATORS = ",.'\u00a0\u202f\u2009 \u066c"
_NUMBER = re.compile(
    rf"(?<!\d)(?:\d{{1,3}}(?:[{_SEPARATORS}]\d{{3}})+(?!\d)|\d+)(?:[.,\u066b]\d+)?"
)
_LETTERS = re.compile(r"[^\W\d_]")
# Latin letters, with the accented ones of Latin-1, Latin Extended-A/B and Extended Additional.
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+")


# A decimal digit other than 0-9 (\d is str.isdecimal's Unicode category Nd).
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def _ascii_digits(text: str) -> str:
    """The text with every decimal digit (Arabic-Indic, full-width...) as 0-9."""
    if text.isascii():
        return text
    return _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


def normalize_number(token: str) -> str:
    """One spelling for a number: ASCII digits, no thousands separators, decimal point, no trailing zeros.

    A head of 1-3 digits followed by groups of exactly three is read as
    thousands (1,000 and 1.000 are both 1000); otherwise the separator
    before the last digits is a decimal one (8839,8 is 8839.8).
    """
    token = _ascii_digits(token)
    m = re.fullmatch(rf"(\d{{1,3}}(?:[{_SEPARATORS}]\d{{3}})+|\d+)(?:[.,\u066b](\d+))?", token)
    if m is None:
        return token
    whole = re.sub(r"\D", "", m.group(1)).lstrip("0") or "0"
    frac = (m.group(2) or "").rstrip("0")
    return f"{whole}.{frac}" if frac else whole


def sentence_anchors(sentence: str, kinds=None, common=frozenset()) -> tuple[set[str], set[str]]:
    """(tokens, marks) of one sentence: the numbers and names, and the marks among ? ! ".

    Numbers come as ``#`` + their normal form and names as ``@`` + their
    case-folded form, so that the two never meet. `kinds` defaults to
    `KINDS`; `common` holds the case-folded words the document also writes
    in lower case, which are no names.
    """
    kinds = KINDS if kinds is None else kinds
    tokens: set[str] = set()
    marks: set[str] = set()
    text = _ascii_digits(sentence)
    if "number" in kinds:
        tokens.update("#" + normalize_number(m.group()) for m in _NUMBER.finditer(text))
    if "name" in kinds:
        words = _LATIN_WORD.findall(text)
        latin_script = sum(map(len, words)) * 2 >= len(_LETTERS.findall(text))
        for k, w in enumerate(words):
            if len(w) < 2:
                continue
            # In a Latin sentence only a capitalised word is a name; in any
            # other script a Latin word stands out by itself.
            if not latin_script or (k > 0 and any(ch.isupper() for ch in w) and w.casefold() not in common):
                tokens.add("@" + w.casefold())
    chars = set(sentence)
    if "?" in kinds and chars & _QUESTION:
        marks.add("?")
    if "!" in kinds and chars & _EXCLAMATION:
        marks.add("!")
    if '"' in kinds and (chars & _QUOTES or _SINGLE_QUOTE.search(sentence)):
        marks.add('"')
    return tokens, marks


def anchor_masks(source: Sequence[str], target: Sequence[str], kinds=None) -> tuple[np.ndarray, np.ndarray]:
    """(n,) and (m,) int64 bit sets of the anchors of each sentence of the two documents."""
    common_s, common_t = _lowercase_words(source), _lowercase_words(target)
    src = [sentence_anchors(s, kinds, common_s) for s in source]
    tgt = [sentence_anchors(t, kinds, common_t) for t in target]
    shared = set().union(*(t for t, _ in src)) & set().union(*(t for t, _ in tgt))
    bit: dict[str, int] = {}
    for tokens, _ in src:
        for tok in sorted(tokens & shared):  # sorted: set order varies between runs
            if tok not in bit:
                bit[tok] = _FIRST_TOKEN_BIT + len(bit) % TOKEN_BITS
    return _pack(src, bit), _pack(tgt, bit)


def _lowercase_words(doc: Sequence[str]) -> frozenset[str]:
    """Latin words written in lower case somewhere in the document: common words, not names."""
    return frozenset(w for s in doc for w in _LATIN_WORD.findall(s) if w.islower())


def _pack(anchors, bit: dict[str, int]) -> np.ndarray:
    out = np.zeros(len(anchors), np.int64)
    for k, (tokens, marks) in enumerate(anchors):
        value = 0
        for tok in tokens:
            if tok in bit:
                value |= 1 << bit[tok]
        for mark in marks:
            value |= 1 << MARK_BITS[mark]
        out[k] = value
    return out


_OPENS = frozenset("„‚「『")  # open in every language that uses them
_CLOSES = frozenset("”」』")  # close in every language that uses them (“ closes in German, opens elsewhere)
_BEFORE_OPEN = frozenset("([{—–-")
_AFTER_SINGLE_CLOSE = frozenset(".,;:!?…—–-")
# A quotation with no mark for this many sentences is taken as closed: a
# stray or missed mark must not leave one side "inside" for the rest of the
# document (FLORES keeps a quotation's first sentence and drops the rest).
QUOTE_REACH = 3


def _spacelike(ch: str | None) -> bool:
    return ch is None or ch.isspace() or ch in _BEFORE_OPEN


def _endlike(ch: str | None) -> bool:
    return ch is None or ch.isspace() or unicodedata.category(ch).startswith("P")


def _quote_direction(s: str, k: int, open_families: list[str]) -> int:
    """+1 if the mark at s[k] opens a quotation, -1 if it closes one, 0 if it is no quote mark (an apostrophe)."""
    ch = s[k]
    family = _QUOTE_FAMILY[ch]
    prev = s[k - 1] if k > 0 else None
    nxt = s[k + 1] if k + 1 < len(s) else None
    if ch in _OPENS:
        return 1
    if ch in _CLOSES:
        return -1
    if family == "single":  # mostly apostrophes: only the clear cases count
        if _spacelike(prev) and nxt is not None and nxt.isalnum():
            return 1  # 'Well
        if prev is not None and prev in _AFTER_SINGLE_CLOSE and _endlike(nxt):
            return -1  # enough?'
        if prev is not None and prev.isalnum() and _endlike(nxt) and family in open_families:
            return -1  # 'His Majesty' (but not the boys' room outside a quotation)
        return 0
    opens = _spacelike(prev) and nxt is not None and nxt.isalnum()
    closes = prev is not None and not prev.isspace() and _endlike(nxt)
    if opens != closes:
        return 1 if opens else -1
    # No telling from the neighbours (“ after ： in Chinese, « word » tokenized). A mark with no word
    # after it closes or is noise (OCR debris such as `h * "`), one with no word before it opens;
    # otherwise it toggles its family.
    if not any(c.isalnum() for c in s[k + 1 :]):
        return -1 if family in open_families else 0
    if not any(c.isalnum() for c in s[:k]):
        return 1
    return -1 if family in open_families else 1


def quote_states(sentences: Sequence[str], reach: int = QUOTE_REACH) -> np.ndarray:
    """(n + 1,) int8: the quotation state after the first k sentences (k = 0..n).

    Bit 0: a quotation is open; bit 1: the k-th sentence ends with the mark
    that closes a quotation. A bead boundary where the two sides' states
    differ is unlikely: inside a line of dialogue on one side only, or right
    after its end on one side only (the search charges for it:
    ``quote_weight``). Marks are read in order: „ ‚ 「 『 always open, ” 」 』
    always close, the others by their context (a mark before a word opens,
    one after a word closes), straight and single quotes only where they
    cannot be an apostrophe. A quotation with no mark for `reach` sentences
    is taken as closed.
    """
    out = np.zeros(len(sentences) + 1, np.int8)
    open_families: list[str] = []
    quiet = 0
    for n, s in enumerate(sentences, start=1):
        quiet += 1
        last = len(s.rstrip()) - 1
        closed_at_end = 0
        for k, ch in enumerate(s):
            if ch not in _QUOTE_FAMILY:
                continue
            direction = _quote_direction(s, k, open_families)
            if direction == 0:
                continue
            quiet = 0
            family = _QUOTE_FAMILY[ch]
            if direction > 0:
                if family not in open_families:
                    open_families.append(family)
            else:
                if k == last:
                    closed_at_end = 2
                if family in open_families:
                    del open_families[open_families.index(family):]  # closes what it holds too
        if quiet >= reach:
            open_families.clear()
        out[n] = int(bool(open_families)) | closed_at_end
    return out
