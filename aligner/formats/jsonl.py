"""JSON Lines: one bead a line, for streaming pipelines and datasets libraries.

::

    {"bead": 0, "source_ids": [0], "target_ids": [0, 1], "score": 0.93, "edited": false, "source_lang": "en", "target_lang": "fr", "source_text": "Hello.", "target_text": "Bonjour. Ça va ?", "source_sentences": ["Hello."], "target_sentences": ["Bonjour.", "Ça va ?"]}

Every line has the same keys, so ``datasets.load_dataset("json", ...)`` or
``pandas.read_json(..., lines=True)`` give one column a key: ``source_text``
and ``target_text`` are the sentences of a side joined by a space (empty for
the missing side of a 1-0 or 0-1 bead), the form a translation pipeline
wants; ``source_sentences`` and ``target_sentences`` keep the sentence
boundaries, so the file reads back into the same alignment (beads, scores,
the ``edited`` marks, sentences and languages; metadata, links and unaligned
entries are not kept: use JSON for those). A file whose lines were filtered
(beads left out) does not read back, as the ids of the lines left skip
sentences; the first lines alone read as the alignment of their sentences.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from ..alignment import Alignment, Bead
from ..errors import FormatError
from .jsonfmt import _kind
from .vecalign import _build

__all__ = ["KEYS", "dumps", "loads"]

KEYS = (
    "bead", "source_ids", "target_ids", "score", "edited", "source_lang", "target_lang", "source_text", "target_text",
    "source_sentences", "target_sentences",
)


def dumps(alignment: Alignment) -> str:
    """Write `alignment` as JSON Lines, one bead a line (see the module docstring)."""
    lines = []
    for k, bead in enumerate(alignment.beads):
        src = [alignment.source_sentences[i] for i in bead.source]
        tgt = [alignment.target_sentences[j] for j in bead.target]
        record = {
            "bead": k, "source_ids": [int(i) for i in bead.source], "target_ids": [int(j) for j in bead.target],
            "score": float(bead.score), "edited": bool(bead.edited),
            "source_lang": alignment.source_lang, "target_lang": alignment.target_lang,
            "source_text": " ".join(src), "target_text": " ".join(tgt),
            "source_sentences": src, "target_sentences": tgt,
        }
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


def loads(
    text: str,
    *,
    source_sentences: Sequence[str] | None = None,
    target_sentences: Sequence[str] | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> Alignment:
    """Read JSON Lines written by `dumps` back into an `Alignment`.

    The sentences and languages come from the lines themselves; if
    `source_sentences`, `target_sentences`, `source_lang` or `target_lang`
    are given too, they must be the same (a language the file leaves null is
    taken from them). Blank lines are skipped.
    """
    entries: list[tuple[str, Bead]] = []
    sents: dict[str, list[str]] = {"source": [], "target": []}
    langs: dict[str, Any] = {}
    # Split on "\n" only: str.splitlines would also split on \u2028 inside a JSON string.
    for n, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {n}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise FormatError(f"{where}, column {e.colno}: invalid JSON: {e.msg}") from None
        bead = _record(record, where)
        for key in ("source_lang", "target_lang"):
            if langs.setdefault(key, record[key]) != record[key]:
                raise FormatError(f"{where}: {key} {record[key]!r} differs from the first line's {langs[key]!r}")
        for side in ("source", "target"):
            ids, texts = record[f"{side}_ids"], record[f"{side}_sentences"]
            if ids and ids[0] != len(sents[side]):
                raise FormatError(
                    f"{where}: {side}_ids start at {ids[0]}, expected {len(sents[side])} (the next {side} "
                    "sentence): the lines must cover every sentence once, in order"
                )
            sents[side].extend(texts)
        entries.append((where, bead))
    for side, given in (("source", source_sentences), ("target", target_sentences)):
        if given is not None and list(given) != sents[side]:
            raise FormatError(f"{side}_sentences: the file's sentences differ from the ones passed in")
    for key, given in (("source_lang", source_lang), ("target_lang", target_lang)):
        if given is not None:
            if langs.get(key) not in (None, given):
                raise FormatError(f"{key}: the file says {langs[key]!r}, not {given!r} as passed in")
            langs[key] = given
    return _build(entries, sents["source"], sents["target"], False, langs.get("source_lang"), langs.get("target_lang"))


def _record(record: Any, where: str) -> Bead:
    """Check one line's keys and types and return its bead."""
    if not isinstance(record, dict):
        raise FormatError(f"{where}: expected a JSON object, got {_kind(record)}")
    if set(record) != set(KEYS):
        missing, extra = sorted(set(KEYS) - set(record)), sorted(set(record) - set(KEYS))
        raise FormatError(f"{where}: expected the keys {list(KEYS)}; missing {missing}, unknown {extra}")
    ids = {}
    for side in ("source", "target"):
        v = record[f"{side}_ids"]
        if not isinstance(v, list) or not all(type(i) is int and i >= 0 for i in v):
            raise FormatError(f"{where}.{side}_ids: expected a list of sentence ids (ints >= 0), got {v!r}")
        texts = record[f"{side}_sentences"]
        if not isinstance(texts, list) or not all(isinstance(s, str) for s in texts) or len(texts) != len(v):
            raise FormatError(f"{where}.{side}_sentences: expected a list of {len(v)} strings, one an id")
        if record[f"{side}_text"] != " ".join(texts):
            raise FormatError(f"{where}.{side}_text: is not {side}_sentences joined by a space")
        lang = record[f"{side}_lang"]
        if lang is not None and not isinstance(lang, str):
            raise FormatError(f"{where}.{side}_lang: expected a string or null, got {_kind(lang)}")
        ids[side] = tuple(v)
    score, edited = record["score"], record["edited"]
    if type(score) not in (int, float):
        raise FormatError(f"{where}.score: expected a number, got {_kind(score)}")
    if type(edited) is not bool:
        raise FormatError(f"{where}.edited: expected true or false, got {_kind(edited)}")
    return Bead(ids["source"], ids["target"], float(score), edited)
