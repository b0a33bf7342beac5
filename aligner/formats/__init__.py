"""Reading and writing alignments: ``tsv``, ``json``, ``vecalign`` and ``tmx``.

- ``json``: lossless, holds the sentences, languages and metadata.
- ``tsv``: one bead a line with its joined text, for people and MT pipelines;
  reading it back needs the sentences.
- ``vecalign``: Vecalign's ``[0]:[0, 1]:score`` lines; reading it back needs
  the sentences or their counts. `read_beads` reads the beads alone (e.g. a
  gold file that leaves sentences out) and `build_alignment` fills the gaps.
- ``tmx``: TMX 1.4b for translation memories and CAT tools: one ``<tu>`` per
  bead with both sides (1-0 and 0-1 beads are not translation units and are
  left out), with the languages, scores, ids and signature; reading it back
  needs the sentences. Both languages must be known to write it.

Every malformed input raises `aligner.errors.FormatError` saying where (line,
or JSON path) and what is wrong. Files are UTF-8; a leading BOM is ignored.
"""

from __future__ import annotations

import os
from typing import IO, Any, Sequence, Union

from ..alignment import Alignment
from ..errors import FormatError
from . import jsonfmt, tmx, tsv, vecalign
from .vecalign import build_alignment, read_beads

__all__ = ["FORMATS", "dumps", "loads", "write", "read", "read_beads", "build_alignment"]

FORMATS = ("tsv", "json", "vecalign", "tmx")
_MODULES = {"tsv": tsv, "json": jsonfmt, "vecalign": vecalign, "tmx": tmx}

PathOrFile = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]


def _module(format: str):
    try:
        return _MODULES[format]
    except (KeyError, TypeError):
        raise FormatError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}") from None


def dumps(alignment: Alignment, format: str, **options: Any) -> str:
    """Return `alignment` as text in `format`.

    `options` go to the format's writer, e.g. ``digits=6`` for ``vecalign``.
    """
    return _module(format).dumps(alignment, **options)


def loads(
    text: str,
    format: str,
    *,
    source_sentences: Sequence[str] | int | None = None,
    target_sentences: Sequence[str] | int | None = None,
    **options: Any,
) -> Alignment:
    """Parse `text` in `format` into an `Alignment`.

    ``tsv``, ``tmx`` and ``vecalign`` files hold no sentences (only joined
    text, or nothing), so they need `source_sentences` and `target_sentences`
    (``vecalign`` also takes counts). For ``json`` they are optional and, if
    given, checked. Other `options` go to the reader (``fill_gaps=True``,
    ``source_lang=...``).
    """
    if source_sentences is not None:
        options["source_sentences"] = source_sentences
    if target_sentences is not None:
        options["target_sentences"] = target_sentences
    return _module(format).loads(text, **options)


def write(alignment: Alignment, fp_or_path: PathOrFile, format: str, **options: Any) -> None:
    """Write `alignment` in `format` to a path (as UTF-8) or an open text file."""
    text = dumps(alignment, format, **options)
    if isinstance(fp_or_path, (str, os.PathLike)):
        # newline="": write "\n" as is on every OS, so files are identical.
        with open(fp_or_path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    else:
        fp_or_path.write(text)


def read(
    fp_or_path: PathOrFile,
    format: str,
    *,
    source_sentences: Sequence[str] | int | None = None,
    target_sentences: Sequence[str] | int | None = None,
    **options: Any,
) -> Alignment:
    """Read an `Alignment` in `format` from a path or an open file (see `loads`)."""
    _module(format)  # fail on a bad format before touching the file
    if isinstance(fp_or_path, (str, os.PathLike)):
        # Bytes, decoded below: keeps "\r" and line separators exactly as
        # stored, and lets a decoding error name its line.
        name = os.fspath(fp_or_path)
        try:
            with open(fp_or_path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise FormatError(f"cannot read {name!r}: {e.strerror or e}") from None
    else:
        name = getattr(fp_or_path, "name", None)
        data = fp_or_path.read()
    try:
        text = _decode(data) if isinstance(data, bytes) else data
        return loads(text, format, source_sentences=source_sentences, target_sentences=target_sentences, **options)
    except FormatError as e:
        if not isinstance(name, str):
            raise
        raise FormatError(f"{name}: {e}") from None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise FormatError(f"line {line}: not UTF-8 ({e.reason} at byte {e.start})") from None
