"""How the formats join a bead's sentences into one text.

A copy of the rule in ``aligner.pipeline`` (``_NO_SPACE_LANGS``), kept here so
that the formats need not import the pipeline and its numerical modules:
scripts written without spaces between words have their sentences joined
with nothing, every other language with one space. Keep the two sets equal
(``tests/test_formats_tmx.py`` checks that they are).
"""

from __future__ import annotations

__all__ = ["NO_SPACE_LANGS", "joiner"]

NO_SPACE_LANGS = frozenset({"zh", "ja", "th", "lo", "km", "my"})


def joiner(lang: str | None) -> str:
    """The separator between two sentences of `lang`: "" for zh, ja, th..., else " "."""
    if not lang:
        return " "
    primary = lang.replace("_", "-").split("-")[0].lower()
    return "" if primary in NO_SPACE_LANGS else " "
