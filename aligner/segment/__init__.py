"""Split a text into paragraphs and sentences, in any language, offline.

Sentences are cut by sentencex (MIT, rules for ~300 languages), called once
per paragraph, as it misses most boundaries when given a whole book at once.
Around it, this package handles what real documents contain: hard-wrapped
lines, one sentence per line, headings, lists, abbreviations the rules do
not know, quotes and brackets after the final period, and run-on
"sentences" too long to align, cut until they fit whatever their
punctuation. Only whitespace is ever changed: the
sentences hold every other character of the text, in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import InputError, LanguageError
from ..langid import detect_language, normalize_lang
from ._abbreviations import abbreviations_for
from ._headings import looks_like_heading
from ._long import resplit
from ._paragraphs import paragraphs
from ._sentences import split_paragraph

__all__ = ["split_paragraphs", "split_sentences", "looks_like_heading"]


def split_paragraphs(text: str) -> list[str]:
    """Return the paragraphs of `text`: the blocks between blank lines.

    Each paragraph is stripped and keeps its inner line breaks as "\\n";
    empty ones are dropped.
    """
    _check_text(text)
    return paragraphs(text)


def split_sentences(
    text: str,
    lang: str | None = None,
    *,
    abbreviations: Iterable[str] | None = None,
    max_chars: int = 1000,
) -> list[str]:
    """Return the sentences of `text`, in order, stripped and never empty.

    Args:
        text: the document. Blank lines separate paragraphs, and a sentence
            never spans two. Inside a paragraph, a line break ends a sentence
            after final punctuation, before a list item and after a heading;
            any other is hard wrapping and becomes a space (or nothing
            between Chinese or Japanese characters).
        lang: language code in any form `aligner.langid.normalize_lang`
            accepts; detected from the text when None.
        abbreviations: extra abbreviations after which a sentence never
            ends, such as ["Prof.", "Gen."], added to the built-in ones of
            the language.
        max_chars: a longer sentence is cut in two, again until every piece
            fits: at the ";", ":" or "," nearest its middle, else at the
            white space nearest its middle, else (a script without spaces)
            at its middle character.

    Raises:
        InputError: `text` is not a str or holds a lone surrogate, or an
            argument is malformed.
        LanguageError: `lang` is not a known language code.
    """
    _check_text(text)
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1:
        raise InputError(f"max_chars must be a positive int, not {max_chars!r}")
    extra = _check_abbreviations(abbreviations)
    if lang is not None:
        lang = normalize_lang(lang)
    parts = paragraphs(text)
    if not parts:
        return []
    if lang is None:
        lang = _detect(text)
    rules = abbreviations_for(lang, extra)
    return [
        piece
        for paragraph in parts
        for sentence in split_paragraph(paragraph, lang, rules)
        for piece in resplit(sentence, max_chars)
    ]


# A str holds a surrogate code point only unpaired (a pair is one code point
# in Python): text decoded with errors="surrogateescape" or built by hand.
SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(text: object) -> None:
    if not isinstance(text, str):
        raise InputError(f"text must be a str, not {type(text).__name__}")
    found = SURROGATE.search(text)
    if found is not None:
        # Only white space is ever changed here, so it is not replaced (align() does, with a warning).
        raise InputError(
            f"the text holds a lone surrogate (half of a UTF-16 pair, not a character) at character {found.start()}"
        )


def _check_abbreviations(abbreviations: Iterable[str] | None) -> tuple[str, ...]:
    if abbreviations is None:
        return ()
    # A lone string is iterable too, and would add each of its letters.
    if isinstance(abbreviations, str) or not isinstance(abbreviations, Iterable):
        raise InputError(
            "abbreviations must be an iterable of strings such as ['Prof.'], "
            f"not {type(abbreviations).__name__}"
        )
    entries = tuple(abbreviations)
    for entry in entries:
        if not isinstance(entry, str) or not entry.strip(" ."):
            raise InputError(f"not an abbreviation: {entry!r}")
    # Sorted and deduplicated, so that equal lists share one cached matcher.
    return tuple(sorted(set(entries)))


def _detect(text: str) -> str:
    try:
        return detect_language(text)
    except LanguageError:
        # No letters, so no language; digits and punctuation split alike
        # in every language.
        return "en"
