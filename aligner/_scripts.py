"""Which writing system a text is in, and whether a declared language can be written in it.

`script_warning` tells when the script of most of a text's letters cannot
belong to the language it was declared to be in: Han characters declared as
French, Latin letters declared as Chinese, Arabic script declared as German.
A text with a few foreign words (a French article quoting a Chinese name)
is written mostly in its own script and passes; so does any language the
table below does not know, as long as the text is in Latin script.
"""

from __future__ import annotations

from bisect import bisect_right

__all__ = ["majority_script", "script_warning"]

# (first, last, script) code point ranges of the letters that tell a script.
_RANGES = sorted([
    (0x0041, 0x005A, "Latin"), (0x0061, 0x007A, "Latin"), (0x00C0, 0x024F, "Latin"), (0x1E00, 0x1EFF, "Latin"),
    (0x0370, 0x03FF, "Greek"), (0x1F00, 0x1FFF, "Greek"),
    (0x0400, 0x052F, "Cyrillic"), (0x0530, 0x058F, "Armenian"), (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"), (0x08A0, 0x08FF, "Arabic"),
    (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"),
    (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"),
    (0x0A80, 0x0AFF, "Gujarati"), (0x0B00, 0x0B7F, "Oriya"), (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"), (0x0D00, 0x0D7F, "Malayalam"),
    (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Lao"), (0x0F00, 0x0FFF, "Tibetan"),
    (0x1000, 0x109F, "Myanmar"), (0x10A0, 0x10FF, "Georgian"), (0x1200, 0x139F, "Ethiopic"),
    (0x1780, 0x17FF, "Khmer"),
    (0x1100, 0x11FF, "Hangul"), (0x3130, 0x318F, "Hangul"), (0xAC00, 0xD7AF, "Hangul"),
    (0x3040, 0x30FF, "Kana"), (0x31F0, 0x31FF, "Kana"), (0xFF66, 0xFF9F, "Kana"),
    (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"), (0xF900, 0xFAFF, "Han"), (0x20000, 0x3134F, "Han"),
])
_STARTS = [r[0] for r in _RANGES]

# The scripts of the languages not written in Latin script alone (ISO 639-1).
# Any other language is taken to be written in Latin script.
_SCRIPTS: dict[str, frozenset[str]] = {}
for _script, _langs in {
    "Arabic": "ar fa ur ps ku sd ug ks pa az ms",
    "Cyrillic": "ru uk be bg mk sr sh bs kk ky tg mn tt ba cv ce os uz az ab av kv tk",
    "Greek": "el", "Hebrew": "he yi", "Armenian": "hy", "Georgian": "ka",
    "Devanagari": "hi mr ne sa bh ks", "Bengali": "bn as", "Gurmukhi": "pa", "Gujarati": "gu", "Oriya": "or",
    "Tamil": "ta", "Telugu": "te", "Kannada": "kn", "Malayalam": "ml", "Sinhala": "si", "Thai": "th", "Lao": "lo",
    "Tibetan": "bo dz", "Myanmar": "my", "Ethiopic": "am ti", "Khmer": "km",
    "Han": "zh ja ko", "Kana": "ja", "Hangul": "ko",
}.items():
    for _lang in _langs.split():
        _SCRIPTS[_lang] = _SCRIPTS.get(_lang, frozenset()) | {_script}
# Written in Latin script as well as their own.
for _lang in "sr sh bs az uz kk tk ku ms tt so ha".split():
    if _lang in _SCRIPTS:
        _SCRIPTS[_lang] |= {"Latin"}

# A long text is judged on this many evenly spaced samples of _SAMPLE characters.
_SAMPLES = 64
_SAMPLE = 500


def _script(ch: str) -> str | None:
    k = bisect_right(_STARTS, ord(ch)) - 1
    if k >= 0 and ord(ch) <= _RANGES[k][1]:
        return _RANGES[k][2]
    return None


def majority_script(text: str) -> tuple[str | None, float]:
    """The script of most of the letters of `text` and their share (None, 0.0 without letters it knows)."""
    if len(text) > _SAMPLES * _SAMPLE:
        step = len(text) // _SAMPLES
        text = "".join(text[k * step : k * step + _SAMPLE] for k in range(_SAMPLES))
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = _script(ch)
            if script is not None:
                counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None, 0.0
    best = max(counts, key=counts.__getitem__)
    return best, counts[best] / sum(counts.values())


def script_warning(text: str, lang: str, side: str) -> str | None:
    """A message when most letters of `text` are in a script `lang` is not written in, else None.

    `lang` is an ISO 639-1 code; `side` ("source"...) names the text in the message.
    """
    script, share = majority_script(text)
    if script is None or script in _SCRIPTS.get(lang, frozenset({"Latin"})):
        return None
    return (
        f"the {side} side is declared as {lang!r}, but {share:.0%} of its letters are in {script} script, "
        f"which {lang!r} is not written in: is the {side} language right? (leave it out to have it detected)"
    )
