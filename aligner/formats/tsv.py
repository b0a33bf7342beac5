"""Tab-separated beads, for people, spreadsheets and MT pipelines.

A header line, then one bead a line::

    source_ids<TAB>target_ids<TAB>score<TAB>source_text<TAB>target_text
    0<TAB>0,1<TAB>0.93<TAB>Hello.<TAB>Bonjour. Ça va ?
    1<TAB><TAB>0.4<TAB>Unmatched.<TAB>

Ids are comma-separated (empty for the missing side of a 1-0 or 0-1 bead).
The score is written so that it reads back as the same float. In the text
columns, backslash, tab, newline and carriage return are escaped as ``\\\\``,
``\\t``, ``\\n`` and ``\\r``, so that a line is always one bead and the text
round-trips exactly; no other character is escaped.

The text column of a side holds its sentences joined by a single space, the
form a translation pipeline wants. A space is also a common character inside
a sentence, so the sentence boundaries of a 2-1 bead cannot be recovered from
the file: reading TSV therefore needs the original sentences
(``source_sentences``/``target_sentences``), and checks that every bead's
text equals those sentences joined by a space. Use the JSON format to store an
alignment together with its sentences. Languages and metadata are not stored.
"""

from __future__ import annotations

from typing import Sequence

from ..alignment import Alignment, Bead
from ..errors import FormatError
from .vecalign import _build, parse_score

__all__ = ["HEADER", "dumps", "loads", "read_rows"]

COLUMNS = ("source_ids", "target_ids", "score", "source_text", "target_text")
HEADER = "\t".join(COLUMNS)

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def dumps(alignment: Alignment) -> str:
    """Write `alignment` as TSV with a header line (see the module docstring)."""
    lines = [HEADER]
    for bead in alignment.beads:
        lines.append("\t".join((
            ",".join(str(int(i)) for i in bead.source),
            ",".join(str(int(j)) for j in bead.target),
            repr(float(bead.score)),
            escape(alignment.source_text(bead)),
            escape(alignment.target_text(bead)),
        )))
    return "\n".join(lines) + "\n"


def escape(text: str) -> str:
    """Escape backslash, tab, newline and carriage return."""
    return text.translate(_ESCAPE_TABLE)  # in C: a character at a time in Python took seconds at 20k beads


def unescape(text: str, where: str = "text") -> str:
    """Undo `escape`; raise FormatError on an unknown or unfinished escape."""
    out = []
    chars = iter(text)
    for c in chars:
        if c != "\\":
            out.append(c)
            continue
        nxt = next(chars, None)
        if nxt not in _UNESCAPES:
            got = "a lone backslash at the end" if nxt is None else f"'\\{nxt}'"
            raise FormatError(f"{where}: unknown escape {got}; only \\\\ \\t \\n \\r are allowed")
        out.append(_UNESCAPES[nxt])
    return "".join(out)


def read_rows(text: str) -> list[tuple[int, Bead, str, str]]:
    """Parse a TSV file without sentences: (line number, bead, source text, target text)."""
    # Split on "\n" only: str.splitlines would also split on \x85, \u2028...
    # A raw "\r" can only be a CRLF line end, since "\r" in text is escaped.
    lines = [line.rstrip("\r") for line in text.lstrip("\ufeff").split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != HEADER:
        got = repr(lines[0]) if lines else "an empty file"
        raise FormatError(f"line 1: expected the header {HEADER!r}, got {got}")
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(COLUMNS):
            raise FormatError(f"line {n}: expected {len(COLUMNS)} tab-separated fields, got {len(fields)}: {line[:80]!r}")
        src = _parse_ids(fields[0], f"line {n}", "source")
        tgt = _parse_ids(fields[1], f"line {n}", "target")
        score = parse_score(fields[2], f"line {n}")
        rows.append((
            n,
            Bead(src, tgt, score),
            unescape(fields[3], f"line {n}, source text"),
            unescape(fields[4], f"line {n}, target text"),
        ))
    return rows


def _parse_ids(field: str, where: str, side: str) -> tuple[int, ...]:
    if field == "":
        return ()
    parts = field.split(",")
    # isascii: str.isdigit is also true of other scripts' digits and of "²".
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise FormatError(f"{where}: expected comma-separated {side} ids like '0,1', got {field!r}")
    return tuple(int(p) for p in parts)


def loads(
    text: str,
    *,
    source_sentences: Sequence[str] | None = None,
    target_sentences: Sequence[str] | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> Alignment:
    """Read TSV back into an `Alignment` over the given sentences.

    The sentences are required because TSV keeps only each bead's joined text;
    every text column is checked against them.
    """
    if source_sentences is None or target_sentences is None:
        raise FormatError(
            "TSV keeps only the text of each bead with its sentences joined by a space, so "
            "sentence boundaries are lost: pass source_sentences and target_sentences to "
            "read it, or use the JSON format, which stores the sentences"
        )
    rows = read_rows(text)
    src_sents, tgt_sents = list(source_sentences), list(target_sentences)
    alignment = _build([(f"line {n}", b) for n, b, _, _ in rows], src_sents, tgt_sents,
                       False, source_lang, target_lang)
    for n, bead, src_text, tgt_text in rows:
        for side, got, expected in (("source", src_text, alignment.source_text(bead)),
                                    ("target", tgt_text, alignment.target_text(bead))):
            if got != expected:
                raise FormatError(
                    f"line {n}: {side} text {_clip(got)} is not the given {side} sentences "
                    f"joined by a space ({_clip(expected)})"
                )
    return alignment


def _clip(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[:width] + "...")
