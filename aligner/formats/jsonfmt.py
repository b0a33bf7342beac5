"""The lossless format: one JSON document with the sentences and the beads.

::

    {
      "version": 1,
      "source_lang": "en",
      "target_lang": "ar",
      "source_sentences": ["Hello.", "..."],
      "target_sentences": ["مرحبا.", "..."],
      "beads": [{"source": [0], "target": [0, 1], "score": 0.93}, {"source": [1], "target": [2], "score": 0.0, "edited": true}, ...],
      "metadata": {},
      "links": [{"source": 4, "target": 9, "score": 0.62, "margin": 1.35, "crosses": true}, ...],
      "unaligned": [{"side": "target", "id": 2, "best": 0, "score": 0.04, "reason": "..."}, ...]
    }

``links`` and ``unaligned`` (from ``align(..., crossing=True)``) are written
only when there are some, so other files stay as they were; likewise a link
inside a bead of the path has ``"inside": true`` and other links have no such
key (files written before it existed read as before). A bead a person made
or changed by hand (``aligner review``) has ``"edited": true``; other beads
have no such key.

Written with ``ensure_ascii=False`` (UTF-8 text stays readable), one sentence
and one bead a line so that diffs stay small. Everything round-trips exactly,
metadata included as long as it is JSON data (tuples come back as lists and
non-string keys as strings). ``source_lang``, ``target_lang`` and
``metadata`` may be left out when reading. Errors in the JSON syntax name the
line and column; errors in the content name the JSON path
(e.g. ``beads[3].target``), which is what locates them in any layout.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Sequence

from ..alignment import Alignment, Bead, Link, Unaligned
from ..errors import FormatError, InputError
from .vecalign import _build

__all__ = ["VERSION", "dumps", "loads"]

VERSION = 1
_KEYS = (
    "version", "source_lang", "target_lang", "source_sentences", "target_sentences", "beads", "metadata", "links",
    "unaligned",
)
_REQUIRED = ("version", "source_sentences", "target_sentences", "beads")


def dumps(alignment: Alignment) -> str:
    """Write `alignment`, its sentences, languages and metadata as JSON."""

    def enc(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def block(items: list[str]) -> str:
        return "[\n" + ",\n".join("    " + x for x in items) + "\n  ]" if items else "[]"

    try:
        metadata = json.dumps(alignment.metadata, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    except (TypeError, ValueError) as e:
        raise FormatError(f"metadata cannot be written as JSON: {e}") from e
    beads = [enc(_bead_dict(b)) for b in alignment.beads]
    fields = [
        f'"version": {VERSION}',
        f'"source_lang": {enc(alignment.source_lang)}',
        f'"target_lang": {enc(alignment.target_lang)}',
        f'"source_sentences": {block([enc(s) for s in alignment.source_sentences])}',
        f'"target_sentences": {block([enc(s) for s in alignment.target_sentences])}',
        f'"beads": {block(beads)}',
        f'"metadata": {metadata}',
    ]
    if alignment.links:
        fields.append(f'"links": {block([enc(_link_dict(x)) for x in alignment.links])}')
    if alignment.unaligned:
        fields.append(f'"unaligned": {block([enc(_unaligned_dict(u)) for u in alignment.unaligned])}')
    return "{\n" + ",\n".join("  " + f for f in fields) + "\n}\n"


def loads(
    text: str,
    *,
    source_sentences: Sequence[str] | None = None,
    target_sentences: Sequence[str] | None = None,
) -> Alignment:
    """Read an alignment written by `dumps`.

    The file has its own sentences; if `source_sentences` or
    `target_sentences` are given too, they must be the same.
    """
    text = text.lstrip("\ufeff")
    try:
        doc = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as e:
        raise FormatError(f"line {e.lineno}, column {e.colno}: invalid JSON: {e.msg}") from None
    except _NotFinite as e:
        raise FormatError(f"line {_line_of(text, e.args[0])}: {e.args[0]} is not a finite number; JSON has no NaN or infinity") from None
    except RecursionError:
        # The C scanner recurses once a nesting level; this format nests four deep.
        raise FormatError("invalid JSON: nested too deeply (thousands of levels) to be an alignment") from None
    if not isinstance(doc, dict):
        raise FormatError(f"line 1: expected a JSON object at the top level, got {_kind(doc)}")
    unknown = sorted(set(doc) - set(_KEYS))
    if unknown:
        raise FormatError(f"unknown key(s) {unknown}; expected only {list(_KEYS)}")
    missing = [k for k in _REQUIRED if k not in doc]
    if missing:
        raise FormatError(f"missing key(s) {missing}")
    if doc["version"] != VERSION or isinstance(doc["version"], bool):
        raise FormatError(f"version: expected {VERSION}, got {doc['version']!r}")
    langs = {}
    for key in ("source_lang", "target_lang"):
        langs[key] = doc.get(key)
        if langs[key] is not None and not isinstance(langs[key], str):
            raise FormatError(f"{key}: expected a string or null, got {_kind(langs[key])}")
    metadata = doc.get("metadata", {})
    if not isinstance(metadata, dict):
        raise FormatError(f"metadata: expected an object, got {_kind(metadata)}")
    sents = {key: _strings(doc[key], key) for key in ("source_sentences", "target_sentences")}
    for key, given in (("source_sentences", source_sentences), ("target_sentences", target_sentences)):
        if given is not None and list(given) != sents[key]:
            raise FormatError(f"{key}: the file's sentences differ from the ones passed in")
    if not isinstance(doc["beads"], list):
        raise FormatError(f"beads: expected a list, got {_kind(doc['beads'])}")
    entries = [(f"beads[{k}]", _bead(b, f"beads[{k}]")) for k, b in enumerate(doc["beads"])]
    alignment = _build(entries, sents["source_sentences"], sents["target_sentences"], False, **langs)
    alignment.metadata.update(metadata)
    if "links" in doc or "unaligned" in doc:
        links = tuple(_record(x, f"links[{k}]", _LINK_FIELDS, Link) for k, x in enumerate(_list(doc, "links")))
        unaligned = tuple(
            _record(x, f"unaligned[{k}]", _UNALIGNED_FIELDS, Unaligned) for k, x in enumerate(_list(doc, "unaligned"))
        )
        try:
            alignment = dataclasses.replace(alignment, links=links, unaligned=unaligned)
        except InputError as e:  # an id outside the documents
            raise FormatError(str(e)) from None
    return alignment


# The fields of a link and of an unaligned entry, with the JSON types each may have.
_LINK_FIELDS = {
    "source": (int,), "target": (int,), "score": (int, float), "margin": (int, float), "crosses": (bool,),
    "inside": (bool,),
}
# Fields that may be left out: files written before links inside beads existed have no "inside".
_OPTIONAL = {"inside"}
_UNALIGNED_FIELDS = {"side": (str,), "id": (int,), "best": (int,), "score": (int, float), "reason": (str,)}


def _link_dict(link: Link) -> dict:
    out = {"source": int(link.source), "target": int(link.target), "score": float(link.score),
           "margin": float(link.margin), "crosses": bool(link.crosses)}
    if link.inside:  # written only when true, so files without such links stay as they were
        out["inside"] = True
    return out


def _unaligned_dict(u: Unaligned) -> dict:
    return {"side": u.side, "id": int(u.id), "best": int(u.best), "score": float(u.score), "reason": u.reason}


def _bead_dict(bead: Bead) -> dict:
    out: dict[str, Any] = {
        "source": [int(i) for i in bead.source], "target": [int(j) for j in bead.target], "score": float(bead.score),
    }
    if bead.edited:  # written only when true, so files without hand edits stay as they were
        out["edited"] = True
    return out


def _list(doc: dict, key: str) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise FormatError(f"{key}: expected a list, got {_kind(value)}")
    return value


def _record(value: Any, where: str, fields: dict, cls):
    required = set(fields) - _OPTIONAL
    if not isinstance(value, dict) or not required <= set(value) <= set(fields):
        got = sorted(value) if isinstance(value, dict) else _kind(value)
        names = ", ".join(k + (" (optional)" if k in _OPTIONAL else "") for k in fields)
        raise FormatError(f"{where}: expected an object with the keys {names}, got {got}")
    for key, types in fields.items():
        if key not in value:
            continue
        v = value[key]
        # bool is an int subclass: only a field meant as a boolean takes one.
        if type(v) not in types or (type(v) is int and v < 0 and key in ("source", "target", "id", "best")):
            raise FormatError(f"{where}.{key}: got {_kind(v)}, expected {' or '.join(t.__name__ for t in types)}")
    return cls(**{k: float(v) if float in fields[k] else v for k, v in value.items()})


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise FormatError(f"{where}: expected a list of strings, got {_kind(value)}")
    for k, s in enumerate(value):
        if not isinstance(s, str):
            raise FormatError(f"{where}[{k}]: expected a string, got {_kind(s)}")
    return value


def _bead(value: Any, where: str) -> Bead:
    if not isinstance(value, dict):
        raise FormatError(f"{where}: expected an object with source, target, score, got {_kind(value)}")
    if not {"source", "target", "score"} <= set(value) <= {"source", "target", "score", "edited"}:
        raise FormatError(
            f"{where}: expected the keys source, target, score (and edited, optional), got {sorted(value)}"
        )
    ids = {}
    for side in ("source", "target"):
        v = value[side]
        # bool is an int subclass: reject true/false as sentence ids.
        if not isinstance(v, list) or not all(type(i) is int and i >= 0 for i in v):
            raise FormatError(f"{where}.{side}: expected a list of sentence ids (ints >= 0), got {v!r}")
        ids[side] = tuple(v)
    score = value["score"]
    if type(score) not in (int, float):
        raise FormatError(f"{where}.score: expected a number, got {_kind(score)}")
    edited = value.get("edited", False)
    if type(edited) is not bool:
        raise FormatError(f"{where}.edited: expected true or false, got {_kind(edited)}")
    return Bead(ids["source"], ids["target"], float(score), edited)


class _NotFinite(Exception):
    """A NaN or infinite number in the JSON text (its spelling as args[0])."""


def _no_constant(name: str):
    raise _NotFinite(name)  # NaN, Infinity, -Infinity: Python's extensions, not JSON


def _finite_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise _NotFinite(text)  # 1e999 reads as infinity
    return value


def _line_of(text: str, token: str) -> int:
    """The line of the first `token` in `text` outside strings, near enough for a message (1 if not found)."""
    m = re.search(r'(?<![\w."])' + re.escape(token) + r'(?![\w"])', text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), f"the number {value!r}" if isinstance(value, (int, float)) else repr(value))

