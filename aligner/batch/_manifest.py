"""A batch's manifest: the list of document pairs, from TSV, JSON Lines or Parquet."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from typing import Iterator, Sequence

from .._fs import describe, join, parent, read_bytes
from ..errors import AlignerError, FormatError, InputError
from ..langid import normalize_lang

__all__ = ["Pair", "read_manifest", "check_pairs", "COLUMNS"]

COLUMNS = ("id", "source", "target", "source_lang", "target_lang")
_REQUIRED = ("id", "source", "target")
_PARQUET_MAGIC = b"PAR1"


# slots: a manifest of millions of pairs is held in memory by the client.
@dataclass(frozen=True, slots=True)
class Pair:
    """One document pair of a manifest.

    `source` and `target` are file paths or URLs (a manifest's relative paths
    are already resolved against its folder); the languages, when None, come
    from the batch's options or are detected. `line` is the manifest line
    (the row, for Parquet), for messages.
    """

    id: str
    source: str
    target: str
    source_lang: str | None = None
    target_lang: str | None = None
    line: int | None = None


def read_manifest(path: str | os.PathLike) -> list[Pair]:
    """The pairs of a manifest file: TSV, JSON Lines or Parquet, told apart by their content.

    TSV: a header line naming the columns ``id``, ``source``, ``target`` and
    optionally ``source_lang``, ``target_lang`` (in any order), then one pair
    a line, fields separated by tabs, white space around them ignored.
    JSON Lines (the first non-blank character is ``{``): one object a line
    with the same keys. Parquet (needs pyarrow): columns of those names,
    holding strings (an integer ``id`` is taken as its decimal string). In
    all three, relative paths are relative to the manifest's folder. `path`
    and the paths in it may be URLs that fsspec reads (``s3://...``,
    ``memory://...``).

    Raises:
        InputError: the manifest cannot be read (or is Parquet without pyarrow).
        FormatError: a malformed line, a bad language code, an id that cannot
            be a file name, or a duplicate id; the message names the line.
    """
    name = os.fspath(path)
    try:
        data = read_bytes(name)
    except OSError as exc:
        raise InputError(f"cannot read the manifest {name!r}: {describe(exc)}") from None
    unit = "line"
    if data[:4] == _PARQUET_MAGIC:
        rows, unit = _parquet_rows(data, name), "row"
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise FormatError(f"manifest {name!r} line {line}: not UTF-8 (byte {data[exc.start]:#04x})") from None
        del data
        lines = _text_lines(text)
        first = next(lines, None)
        rest = itertools.chain([first], lines) if first is not None else iter(())
        is_jsonl = first is not None and first[1].lstrip().startswith("{")
        rows = _jsonl_rows(rest, name) if is_jsonl else _tsv_rows(rest, name)
    folder = parent(name)
    # Rows are made into pairs one at a time: a manifest of millions of lines never
    # exists as a list of lines or of dicts besides the list of pairs.
    langs: dict[str, str] = {}  # each code normalised once
    pairs = []
    for n, row in rows:
        codes = []
        for key in ("source_lang", "target_lang"):
            code = row.get(key)
            if code and code not in langs:
                try:
                    langs[code] = normalize_lang(code)
                except AlignerError as exc:
                    raise FormatError(f"manifest {name!r} {unit} {n}: {key}: {exc}") from None
            codes.append(langs[code] if code else None)
        pairs.append(Pair(row["id"], join(folder, row["source"]), join(folder, row["target"]), *codes, n))
    check_pairs(pairs, where=f"manifest {name!r}", unit=unit)
    return pairs


def _text_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) of the non-blank lines of `text`, split at "\n", a final "\r" dropped."""
    start, n, size = 0, 0, len(text)
    while start <= size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        n += 1
        line = text[start:end]
        if line.strip():
            yield n, line.rstrip("\r")
        start = end + 1


def _tsv_rows(lines: Iterator[tuple[int, str]], name: str) -> Iterator[tuple[int, dict]]:
    header = next(lines, None)
    if header is None:
        raise FormatError(
            f"manifest {name!r} is empty: expected a header line ({chr(9).join(COLUMNS)}) and one pair a line"
        )
    n0, text = header
    columns = [c.strip() for c in text.split("\t")]
    _check_columns(columns, f"manifest {name!r} line {n0}", "the header",
                   "a TSV manifest starts with a header line: id, source, target[, source_lang, target_lang], "
                   "tab-separated", separator=", separated by tabs")
    for n, line in lines:
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != len(columns):
            raise FormatError(
                f"manifest {name!r} line {n}: {len(fields)} tab-separated field(s), expected {len(columns)} "
                f"({', '.join(columns)})"
            )
        row = dict(zip(columns, fields))
        _check_required(row, f"manifest {name!r} line {n}")
        yield n, row


def _check_columns(columns: list[str], where: str, subject: str, hint: str, separator: str = "") -> None:
    """FormatError for an unknown, repeated or missing column of `subject` ("the header"...)."""
    for c in columns:
        if c not in COLUMNS:
            raise FormatError(
                f"{where}: unknown column {c!r} in {subject}; the columns are "
                f"id, source, target and optionally source_lang, target_lang{separator}"
            )
    dup = next((c for c in columns if columns.count(c) > 1), None)
    if dup:
        raise FormatError(f"{where}: column {dup!r} twice in {subject}")
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise FormatError(f"{where}: {subject} has no column {', '.join(map(repr, missing))} ({hint})")


def _jsonl_rows(lines: Iterator[tuple[int, str]], name: str) -> Iterator[tuple[int, dict]]:
    for n, line in lines:
        where = f"manifest {name!r} line {n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise FormatError(f"{where}: expected a JSON object with id, source, target; got {type(obj).__name__}")
        unknown = sorted(set(obj) - set(COLUMNS))
        if unknown:
            raise FormatError(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; the keys are "
                f"id, source, target and optionally source_lang, target_lang"
            )
        if isinstance(obj.get("id"), int) and not isinstance(obj.get("id"), bool):
            obj["id"] = str(obj["id"])
        for key in COLUMNS:
            value = obj.get(key)
            if value is not None and not isinstance(value, str):
                raise FormatError(f"{where}: {key} must be a string, not {type(value).__name__}")
        row = {k: (v.strip() if isinstance(v, str) else v) for k, v in obj.items()}
        _check_required(row, where)
        yield n, row


def _parquet_rows(data: bytes, name: str) -> Iterator[tuple[int, dict]]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            f"manifest {name!r} is a Parquet file, which needs pyarrow: pip install pyarrow "
            "(or pip install 'aligner[cluster]')"
        ) from None
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        raise FormatError(f"manifest {name!r}: not a readable Parquet file ({exc})") from None
    _check_columns(list(table.column_names), f"manifest {name!r}", "the Parquet file",
                   "a Parquet manifest has string columns id, source, target[, source_lang, target_lang]")
    columns = {}
    for key in table.column_names:
        column = table.column(key)
        kind = column.type
        if key == "id" and pa.types.is_integer(kind):
            values = [None if v is None else str(v) for v in column.to_pylist()]
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
            values = column.to_pylist()
        else:
            raise FormatError(f"manifest {name!r}: column {key!r} must hold strings, not {kind}")
        columns[key] = values
    del table
    for k in range(len(columns["id"])):
        row = {key: (values[k].strip() if isinstance(values[k], str) else values[k]) for key, values in columns.items()}
        _check_required(row, f"manifest {name!r} row {k + 1}")
        yield k + 1, row


def _check_required(row: dict, where: str) -> None:
    for key in _REQUIRED:
        if not row.get(key):
            raise FormatError(f"{where}: {key} is missing or empty")


def check_pairs(pairs: Sequence[Pair], where: str = "pairs", unit: str = "line") -> None:
    """Raise FormatError if an id cannot be a file name or is given twice."""
    seen: dict[str, Pair] = {}
    for pair in pairs:
        if not isinstance(pair, Pair):
            raise InputError(f"{where}: expected aligner.batch.Pair objects, got {type(pair).__name__}")
        at = f"{where} {unit} {pair.line}" if pair.line is not None else f"{where}, id {pair.id!r}"
        if not isinstance(pair.id, str) or not pair.id:
            raise FormatError(f"{at}: an id must be a non-empty string")
        bad = next((c for c in pair.id if c in "/\\\0" or ord(c) < 32), None)
        if bad is not None or pair.id.startswith(".") or pair.id.startswith("_"):
            raise FormatError(
                f"{at}: id {pair.id!r} cannot name an output file: it must not start with '.' or '_', "
                "nor contain '/', '\\' or control characters"
            )
        if pair.id in seen:
            first = seen[pair.id]
            before = f" (first on {unit} {first.line})" if first.line is not None else ""
            raise FormatError(f"{at}: duplicate id {pair.id!r}{before}")
        seen[pair.id] = pair
