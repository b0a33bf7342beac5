"""Reading and writing alignments: ``tsv``, ``json``, ``vecalign``, ``tmx``, ``jsonl`` and ``moses``.

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
- ``jsonl``: JSON Lines, one bead a line with its ids, score and text (joined
  and as sentences), for streaming pipelines and datasets libraries; reads
  back on its own.
- ``moses``: two plain files, line N of each holding bead N's source or
  target text (``PATH.en`` and ``PATH.fr``: `moses.suffixes`), for MT
  training; ``drop_unaligned`` and ``min_score`` leave beads out. Reading it
  back needs the sentences to rebuild the beads (or takes each line as one
  sentence). `dumps` gives one side (``side="source"``), `write` and `read`
  take the path without its suffix.

Every malformed input raises `aligner.errors.FormatError` saying where (line,
or JSON path) and what is wrong. Files are UTF-8; a leading BOM is ignored.
"""

from __future__ import annotations

import os
from typing import IO, Any, Sequence, Union

from ..alignment import Alignment
from ..errors import FormatError
from . import jsonfmt, jsonl, moses, tmx, tsv, vecalign
from .vecalign import build_alignment, read_beads

__all__ = ["FORMATS", "dumps", "loads", "write", "read", "read_beads", "build_alignment", "file_texts"]

FORMATS = ("tsv", "json", "vecalign", "tmx", "jsonl", "moses")
_MODULES = {"tsv": tsv, "json": jsonfmt, "vecalign": vecalign, "tmx": tmx, "jsonl": jsonl, "moses": moses}

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
    (``vecalign`` also takes counts). For ``json`` and ``jsonl`` they are
    optional and, if given, checked. ``moses`` takes the source file's text as
    `text` and the target file's as ``target_text=``; with the sentences it
    rebuilds the beads, without them each line is a sentence. Other `options`
    go to the reader (``fill_gaps=True``, ``source_lang=...``).
    """
    if source_sentences is not None:
        options["source_sentences"] = source_sentences
    if target_sentences is not None:
        options["target_sentences"] = target_sentences
    return _module(format).loads(text, **options)


def file_texts(alignment: Alignment, format: str, **options: Any) -> list[tuple[str, str]]:
    """The files `format` makes of `alignment`: ``(suffix, text)`` pairs.

    One file with suffix ``""`` for every format but ``moses``, whose two
    files have the suffixes of `moses.suffixes` (``".en"``, ``".fr"``).
    """
    if format != "moses":
        return [("", dumps(alignment, format, **options))]
    names = moses.suffixes(alignment.source_lang, alignment.target_lang)
    return list(zip(names, moses.dumps_pair(alignment, **options)))


def write(alignment: Alignment, fp_or_path: PathOrFile, format: str, **options: Any) -> None:
    """Write `alignment` in `format` to a path (as UTF-8) or an open text file.

    ``moses`` writes two files: `fp_or_path` must be a path, to which each
    file's suffix is added (``corpus`` gives ``corpus.en`` and ``corpus.fr``).
    """
    texts = file_texts(alignment, format, **options)
    if isinstance(fp_or_path, (str, os.PathLike)):
        for suffix, text in texts:
            # newline="": write "\n" as is on every OS, so files are identical.
            with open(os.fspath(fp_or_path) + suffix, "w", encoding="utf-8", newline="") as f:
                f.write(text)
    elif len(texts) > 1:
        raise FormatError(f"the {format} format is {len(texts)} files: give a path, not an open file")
    else:
        fp_or_path.write(texts[0][1])


def read(
    fp_or_path: PathOrFile,
    format: str,
    *,
    source_sentences: Sequence[str] | int | None = None,
    target_sentences: Sequence[str] | int | None = None,
    **options: Any,
) -> Alignment:
    """Read an `Alignment` in `format` from a path or an open file (see `loads`).

    ``moses``: `fp_or_path` is the path without suffix, and the suffixes come
    from ``source_lang`` and ``target_lang`` as when writing.
    """
    _module(format)  # fail on a bad format before touching the file
    if format == "moses":
        if not isinstance(fp_or_path, (str, os.PathLike)):
            raise FormatError("the moses format is two files: give the path without its suffix, not an open file")
        src_path, tgt_path = (os.fspath(fp_or_path) + x for x in
                              moses.suffixes(options.get("source_lang"), options.get("target_lang")))
        options["target_text"] = _read_path(tgt_path)
        fp_or_path = src_path
    if isinstance(fp_or_path, (str, os.PathLike)):
        name = os.fspath(fp_or_path)
        data = _read_bytes(fp_or_path)
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


def _read_bytes(path: str | os.PathLike[str]) -> bytes:
    # Bytes, decoded by the caller: keeps "\r" and line separators exactly as
    # stored, and lets a decoding error name its line.
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise FormatError(f"cannot read {os.fspath(path)!r}: {e.strerror or e}") from None


def _read_path(path: str | os.PathLike[str]) -> str:
    try:
        return _decode(_read_bytes(path))
    except FormatError as e:
        if str(e).startswith("cannot read"):
            raise
        raise FormatError(f"{os.fspath(path)}: {e}") from None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise FormatError(f"line {line}: not UTF-8 ({e.reason} at byte {e.start})") from None
