"""A side of the input as a language and a tuple of sentences: the checks every entry point shares."""

from __future__ import annotations

import warnings
from typing import Any, Sequence

from ._scripts import script_warning
from .errors import AlignerWarning, InputError
from .langid import detect_language, normalize_lang
from .segment import SURROGATE as _SURROGATE
from .segment import split_sentences

__all__ = ["sentences_of", "sentence_list"]


def sentences_of(doc: Any, lang: str | None, side: str, max_chars: int = 1000) -> tuple[str | None, tuple[str, ...]]:
    """The language (given, or detected) and the sentences of one side.

    `doc` is a string (split into sentences) or a list of sentences (used as
    given). Raises InputError naming `side` for an empty side, a blank
    sentence or anything that is not text. Warns (AlignerWarning) when `doc`
    holds lone surrogates, which become U+FFFD, and when a declared `lang`
    cannot be the language of the text's script (`aligner._scripts`).
    """
    doc = _without_surrogates(doc, side)
    declared = lang is not None
    lang = _language(doc, lang)
    sentences = _sentences(doc, lang, side, max_chars)
    if declared:
        message = script_warning(doc if isinstance(doc, str) else "\n".join(sentences), lang, side)
        if message:
            warnings.warn(message, AlignerWarning, stacklevel=3)
    return lang, sentences


def _without_surrogates(doc: Any, side: str) -> Any:
    """`doc` with each lone surrogate replaced by U+FFFD, and a warning naming the first.

    Replaced rather than refused: every sentence stays, in place (a list keeps
    its numbering), while no output (UTF-8 TSV, JSON, TMX) could hold the
    surrogate, and the encoder and splitter would fail deep inside on it.
    """
    texts = [doc] if isinstance(doc, str) else doc if isinstance(doc, (list, tuple)) else []
    bad = [k for k, s in enumerate(texts) if isinstance(s, str) and _SURROGATE.search(s)]
    if not bad:
        return doc
    first = _SURROGATE.search(texts[bad[0]]).start()
    where = f"at character {first}" if isinstance(doc, str) else f"in sentence {bad[0]} at character {first}"
    found_n = sum(len(_SURROGATE.findall(texts[k])) for k in bad)
    fixed = [_SURROGATE.sub("\ufffd", s) if isinstance(s, str) else s for s in texts]
    warnings.warn(
        f"the {side} side holds {found_n} lone surrogate(s) (half of a UTF-16 pair, not a character), the first "
        f"{where}; each is replaced by U+FFFD",
        AlignerWarning, stacklevel=4,
    )
    return fixed[0] if isinstance(doc, str) else fixed


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
    what an empty list leaves nothing to do. Lone surrogates become U+FFFD,
    with a warning.
    """
    if isinstance(doc, str) or not isinstance(doc, Sequence):
        raise InputError(f"{side} must be a list of sentences, not {type(doc).__name__}")
    for k, s in enumerate(doc):
        if not isinstance(s, str):
            raise InputError(f"{side} sentence {k} is {type(s).__name__}, not str")
    doc = _without_surrogates(list(doc), side)
    if not doc:
        raise InputError(f"the {side} side is empty: there is nothing to {task}")
    blank = [k for k, s in enumerate(doc) if not s.strip()]
    if blank:
        # A blank sentence has no meaning to embed; refusing it beats silently dropping it.
        raise InputError(f"{side} sentence {blank[0]} is empty or only white space ({len(blank)} such)")
    return tuple(doc)
