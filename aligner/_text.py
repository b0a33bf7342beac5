"""How the sentences of a run or a bead are joined into one text.

Scripts written without spaces between words have their sentences joined
with nothing, every other language with one space. The pipeline (the texts
it embeds) and the formats (the texts they write) both use this one rule;
it lives in its own small module so that the formats need not import the
pipeline and its numerical modules.
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
