"""Abbreviations after which a sentence does not end, per language.

The tables hold two kinds. After a title such as "M." or "z. B." the
sentence always goes on. After a word such as "etc." or "déc." it may end,
so it goes on only if a lowercase word or a number follows. Abbreviations
given by the user are of the first kind: they said the sentence goes on.

An entry written with a lowercase first letter also matches with a capital
("vgl." and "Vgl."); one written with a capital matches only as written, so
that "No." does not catch the word "no." nor "M." the unit "m.". An entry
without a final period ("Mme", "Dr") matches when a period is added, as a
splitter cuts only after a period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_ALWAYS_GOES_ON = {
    "fr": ("M.", "MM.", "Mme", "Mmes", "Mlle", "Mlles", "Dr", "Pr", "Me",
           "p. ex.", "c.-à-d.", "n°", "cf."),
    "de": ("z. B.", "d. h.", "u. a.", "vgl.", "bzw.", "Dr.", "Prof.", "sog.",
           "Nr.", "S.", "ca."),
    "en": ("Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "e.g.", "i.e.", "vs.",
           "cf."),
    "ar": ("د.", "أ.", "أ.د."),
    # Doctor, professor: FLORES-200 Hindi writes "डॉ. एहुड उर".
    "hi": ("डॉ.", "प्रो."),
    # Daktari (doctor), Bwana (Mr), Bibi (Mrs), Profesa.
    "sw": ("Dk.", "Dkt.", "Bw.", "Bi.", "Prof."),
    # κύριος (Mr), Ηνωμένες (Πολιτείες), and initials, Greek names' digraphs
    # among them: "Τζον Φ. Κένεντι", "Λύντον Μπ. Τζόνσον", "Τζορτζ Ου. Μπους".
    "el": ("κ.", "Ην.", "π.χ.", "δηλ.", "Δρ.", *(f"{c}." for c in "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ"),
           "Μπ.", "Ντ.", "Γκ.", "Τζ.", "Τσ.", "Ου."),
}

_MAY_END = {
    "fr": ("etc.", "art.", "env.", "janv.", "févr.", "avr.", "juil.",
           "sept.", "oct.", "nov.", "déc."),
    "de": ("usw.", "etc.", "Jan.", "Feb.", "Aug.", "Sept.", "Okt.", "Nov.",
           "Dez."),
    "en": ("No.", "etc.", "Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.",
           "Dec."),
}


@dataclass(frozen=True)
class Abbreviations:
    """Compiled matchers for one language plus the user's extra entries."""

    always: re.Pattern[str] | None
    may_end: re.Pattern[str] | None


@lru_cache(maxsize=64)
def abbreviations_for(lang: str, extra: tuple[str, ...] = ()) -> Abbreviations:
    """Return the matchers for `lang`, with `extra` always going on."""
    return Abbreviations(
        _compile(_ALWAYS_GOES_ON.get(lang, ()) + extra),
        _compile(_MAY_END.get(lang, ())),
    )


def _compile(entries: tuple[str, ...]) -> re.Pattern[str] | None:
    variants = set()
    for entry in entries:
        entry = entry.strip()
        variants.add(_pattern(entry))
        if entry[:1].islower():
            variants.add(_pattern(entry[0].upper() + entry[1:]))
    if not variants:
        return None
    # Longest first, so that "MM." wins over "M." at the same place. Not
    # after a letter, digit or period: "Kunst." holds no "S.".
    alternatives = "|".join(sorted(variants, key=lambda v: (-len(v), v)))
    return re.compile(rf"(?<![\w.-])(?:{alternatives})")


def _pattern(entry: str) -> str:
    # "z. B." must also match "z.B." and "z.  B.", "p. ex." also "p.ex.".
    parts = [re.escape(part.strip()) for part in entry.rstrip(".").split(".")]
    return r"\.\s*".join(parts) + r"\."
