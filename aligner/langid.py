"""Language codes: tell the language of a text, and normalise a code.

`detect_language` uses py3langid's bundled model, so it works offline.
`normalize_lang` turns the codes people actually write ('FR', 'fr-FR',
'fra', 'zh_Hans', ...) into the two-letter ISO 639-1 code the rest of the
library uses.
"""

from __future__ import annotations

import re

import py3langid

from .errors import InputError, LanguageError

__all__ = ["detect_language", "normalize_lang"]

# ISO 639-1, complete: any of these is accepted as it is.
_ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce
    ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr
    fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is
    it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln
    lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg sh si
    sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt
    tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
    """.split()
)

# Codes that ISO has withdrawn but that old data and Java locales still use.
_OLD_TWO_LETTER = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}

# ISO 639-2 (T and B forms) and 639-3 codes of the common languages.
_THREE_LETTER = {
    "afr": "af", "alb": "sq", "amh": "am", "ara": "ar", "arb": "ar",
    "arm": "hy", "aze": "az", "baq": "eu", "bel": "be", "ben": "bn",
    "bos": "bs", "bul": "bg", "bur": "my", "cat": "ca", "ces": "cs",
    "chi": "zh", "cmn": "zh", "cym": "cy", "cze": "cs", "dan": "da",
    "deu": "de", "dut": "nl", "ell": "el", "eng": "en", "epo": "eo",
    "est": "et", "eus": "eu", "fas": "fa", "fil": "tl", "fin": "fi",
    "fra": "fr", "fre": "fr", "geo": "ka", "ger": "de", "gle": "ga",
    "glg": "gl", "gre": "el", "guj": "gu", "hau": "ha", "heb": "he",
    "hin": "hi", "hrv": "hr", "hun": "hu", "hye": "hy", "ibo": "ig",
    "ice": "is", "ind": "id", "isl": "is", "ita": "it", "jpn": "ja",
    "kan": "kn", "kat": "ka", "kaz": "kk", "khm": "km", "kor": "ko",
    "kur": "ku", "lao": "lo", "lat": "la", "lav": "lv", "lit": "lt",
    "ltz": "lb", "mac": "mk", "mal": "ml", "mar": "mr", "may": "ms",
    "mkd": "mk", "mlt": "mt", "msa": "ms", "mya": "my", "nep": "ne",
    "nld": "nl", "nno": "nn", "nob": "nb", "nor": "no", "pan": "pa",
    "per": "fa", "pol": "pl", "por": "pt", "pus": "ps", "ron": "ro",
    "rum": "ro", "rus": "ru", "sin": "si", "slk": "sk", "slo": "sk",
    "slv": "sl", "som": "so", "spa": "es", "sqi": "sq", "srp": "sr",
    "swa": "sw", "swe": "sv", "tam": "ta", "tat": "tt", "tel": "te",
    "tgl": "tl", "tha": "th", "tur": "tr", "ukr": "uk", "urd": "ur",
    "uzb": "uz", "vie": "vi", "wel": "cy", "xho": "xh", "yor": "yo",
    "zho": "zh", "zul": "zu",
}

# py3langid also answers with regional varieties that have no ISO 639-1
# code; their written form is close enough to the macrolanguage for
# sentence splitting and alignment.
_DETECTED_VARIETIES = {
    "ary": "ar", "arz": "ar", "wuu": "zh", "yue": "zh", "uzs": "uz",
    "sdh": "ku", "gug": "gn", "kik": "ki", "fuv": "ff",
}

_SUBTAG_SEPARATOR = re.compile(r"[-_]")


def normalize_lang(code: str) -> str:
    """Return the ISO 639-1 code for a language code or locale.

    Accepts any case, a region or script after '-' or '_' ('fr-FR',
    'zh_Hans', 'zh-cn'), and the three-letter codes of common languages
    ('fra', 'fre', 'ara', 'zho'). Raises LanguageError for anything else.
    """
    if not isinstance(code, str):
        raise LanguageError(
            f"a language code must be a string, not {type(code).__name__}"
        )
    primary = _SUBTAG_SEPARATOR.split(code.strip(), maxsplit=1)[0].lower()
    if primary in _ISO_639_1:
        return primary
    found = _OLD_TWO_LETTER.get(primary) or _THREE_LETTER.get(primary)
    if found is None:
        raise LanguageError(
            f"unknown language code {code!r}: expected an ISO 639-1 code such "
            "as 'fr', a locale such as 'fr-FR', or a three-letter code such "
            "as 'fra'"
        )
    return found


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of the language the text is written in.

    Raises LanguageError if the text has no letters, since then it has no
    language to tell.
    """
    if not isinstance(text, str):
        raise InputError(f"text must be a str, not {type(text).__name__}")
    if not any(ch.isalpha() for ch in text):
        raise LanguageError(
            "cannot detect the language of a text without letters"
        )
    # The model also knows varieties and non-languages ('zxx') that have no
    # ISO 639-1 code: take the best-ranked label that has one.
    for label, _score in py3langid.rank(text):
        code = label if label in _ISO_639_1 else _DETECTED_VARIETIES.get(label)
        if code is not None:
            return code
    raise LanguageError("cannot detect the language of the text")
