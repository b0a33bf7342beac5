"""A side of the input as a language and a tuple of sentences: the checks every entry point shares."""

from __future__ import annotations

from typing import Any, Sequence

from .errors import InputError
from .langid import detect_language, normalize_lang
from .segment import split_sentences

__all__ = ["sentences_of", "sentence_list"]


def sentences_of(doc: Any, lang: str | None, side: str, max_chars: int = 1000) -> tuple[str | None, tuple[str, ...]]:
    """The language (given, or detected) and the sentences of one side.

    `doc` is a string (split into sentences) or a list of sentences (used as
    given). Raises InputError naming `side` for an empty side, a blank
    sentence or anything that is not text.
    """
    lang = _language(doc, lang)
    return lang, _sentences(doc, lang, side, max_chars)


def _language(doc, lang: str | None) -> str | None:
    if lang is not None:
        return normalize_lang(lang)
    if not isinstance(doc, (str, list, tuple)):
        return None  # _sentences names the wrong type
    text = doc if isinstance(doc, str) else " ".join(s for s in doc if isinstance(s, str))
    if not text.strip():
        return None  # the emptiness is reported by _sentences, with a better message
    return detect_language(text)


def _sentences(doc, lang: str | None, side: str, max_chars: int) -> tuple[str, ...]:
    if isinstance(doc, str):
        sents = split_sentences(doc, lang, max_chars=max_chars) if doc.strip() else []
        if not sents:
            raise InputError(f"the {side} side is empty: there is nothing to align")
        return tuple(sents)
    if not isinstance(doc, (list, tuple)):
        raise InputError(f"{side} must be a string or a list of strings, not {type(doc).__name__}")
    return sentence_list(doc, side)


def sentence_list(doc: Any, side: str, task: str = "align") -> tuple[str, ...]:
    """`doc`, a list of sentences used as given, checked: every item text and not blank, at least one.

    Raises InputError naming `side` and the first bad sentence; `task` names
    what an empty list leaves nothing to do.
    """
    if isinstance(doc, str) or not isinstance(doc, Sequence):
        raise InputError(f"{side} must be a list of sentences, not {type(doc).__name__}")
    for k, s in enumerate(doc):
        if not isinstance(s, str):
            raise InputError(f"{side} sentence {k} is {type(s).__name__}, not str")
    if not doc:
        raise InputError(f"the {side} side is empty: there is nothing to {task}")
    blank = [k for k, s in enumerate(doc) if not s.strip()]
    if blank:
        # A blank sentence has no meaning to embed; refusing it beats silently dropping it.
        raise InputError(f"{side} sentence {blank[0]} is empty or only white space ({len(blank)} such)")
    return tuple(doc)
