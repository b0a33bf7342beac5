"""Vecalign's alignment format: one bead a line, ``[src ids]:[tgt ids][:score]``.

Lines look exactly like the ones Vecalign prints (``'%s:%s:%.6f' % (x, y, s)``
over Python lists)::

    [0]:[0, 1]:0.123456
    [1]:[]:0.400000
    []:[2]:0.400000

The score is optional when reading. When writing, it is by default the
shortest text that reads back as the same float, so that a file round-trips
exactly; ``digits=6`` gives Vecalign's own ``%.6f`` byte for byte.

The file holds no text, so building an `Alignment` needs the sentences (or
just how many there are on each side). Gold files often leave unaligned
sentences out: `read_beads` accepts that, and `build_alignment` can fill the
gaps with 1-0 and 0-1 beads (``fill_gaps=True``). Blank lines are skipped.
"""

from __future__ import annotations

import math
import re
from typing import Iterable, Sequence, Union

from ..alignment import Alignment, Bead
from ..errors import FormatError, InputError

__all__ = ["dumps", "loads", "read_beads", "build_alignment"]

Ids = tuple[int, ...]
Sentences = Union[Sequence[str], int]

# Accepts what Vecalign's reader (ast.literal_eval of each side) accepts for
# lists of ints, including `[0,1]` and a trailing comma, but nothing else
# ([0-9], not \d, which would let int() take Arabic-Indic and other digits).
_IDS = r"\[\s*((?:[0-9]+\s*,\s*)*[0-9]+\s*,?)?\s*\]"
_LINE = re.compile(rf"\s*{_IDS}\s*:\s*{_IDS}\s*(?::\s*(\S+)\s*)?")


def dumps(alignment: Alignment, *, scores: bool = True, digits: int | None = None) -> str:
    """Write `alignment` in Vecalign's format.

    Args:
        scores: append ``:score`` to each line, as Vecalign does.
        digits: decimals of the score; ``None`` (default) writes the shortest
            text that reads back as the same float, ``6`` matches Vecalign.
    """
    lines = []
    for bead in alignment.beads:
        line = f"{_format_ids(bead.source)}:{_format_ids(bead.target)}"
        if scores:
            score = float(bead.score)
            line += ":" + (repr(score) if digits is None else f"{score:.{digits}f}")
        lines.append(line + "\n")
    return "".join(lines)


def _format_ids(ids: Iterable[int]) -> str:
    # str(list) would print numpy integers as `np.int64(0)` under numpy 2.
    return "[" + ", ".join(str(int(i)) for i in ids) + "]"


def read_beads(text: str) -> list[tuple[Ids, Ids]]:
    """Parse the beads of a Vecalign file, without checking coverage.

    Gold files may omit sentences and may hold a bead empty on both sides
    (Vecalign's scorer skips those), so both are accepted here.
    """
    return [(src, tgt) for _, src, tgt, _ in _parse(text)]


def loads(
    text: str,
    *,
    source_sentences: Sentences | None = None,
    target_sentences: Sentences | None = None,
    fill_gaps: bool = False,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> Alignment:
    """Read a Vecalign file into an `Alignment` over the given sentences.

    `source_sentences` and `target_sentences` are the sentence lists, or just
    their lengths (the sentences are then empty strings). With `fill_gaps`,
    sentences in no bead get a 1-0 or 0-1 bead of score 0.0.
    """
    if source_sentences is None or target_sentences is None:
        raise FormatError(
            "a Vecalign file holds sentence ids but no text: pass source_sentences and "
            "target_sentences (or their counts) to build an Alignment, or use read_beads()"
        )
    entries = [(f"line {n}", Bead(src, tgt, score)) for n, src, tgt, score in _parse(text)]
    return _build(entries, source_sentences, target_sentences, fill_gaps, source_lang, target_lang)


def _parse(text: str) -> list[tuple[int, Ids, Ids, float]]:
    """(line number, source ids, target ids, score) for each non-blank line."""
    out = []
    # Split on "\n" only: str.splitlines would also split on \x85, \u2028...
    for n, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        m = _LINE.fullmatch(line)
        if m is None:
            raise FormatError(f"line {n}: expected '[ids]:[ids]' or '[ids]:[ids]:score', got {line!r}")
        score = 0.0 if m.group(3) is None else parse_score(m.group(3), f"line {n}")
        out.append((n, _parse_ids(m.group(1)), _parse_ids(m.group(2)), score))
    return out


def parse_score(text: str, where: str) -> float:
    """The score written `text`, or FormatError naming `where`: a finite number only.

    NaN and infinity read as floats but order nothing: a NaN score would make
    every comparison of beads false, so they are refused on reading.
    """
    try:
        score = float(text)
    except ValueError:
        raise FormatError(f"{where}: score {text!r} is not a number") from None
    if not math.isfinite(score):
        raise FormatError(f"{where}: score {text!r} is not a finite number")
    return score


def _parse_ids(group: str | None) -> Ids:
    if not group:
        return ()
    return tuple(int(x) for x in group.split(",") if x.strip())


def build_alignment(
    beads: Iterable[Bead | tuple[Sequence[int], Sequence[int]]],
    source_sentences: Sentences,
    target_sentences: Sentences,
    *,
    fill_gaps: bool = False,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> Alignment:
    """Make an `Alignment` from beads that may leave sentences out.

    Beads are `Bead` objects or ``(source ids, target ids)`` pairs (score 0.0).
    They must be in order on both sides. Sentences in no bead are an error,
    unless `fill_gaps` is true: each then gets its own 1-0 or 0-1 bead, placed
    before the next bead of its side (source gaps before target gaps).
    Raises FormatError naming the bead ("bead 3: ...") that is wrong.
    """
    entries = []
    for k, bead in enumerate(beads):
        if not isinstance(bead, Bead):
            src, tgt = bead
            bead = Bead(tuple(int(i) for i in src), tuple(int(j) for j in tgt))
        entries.append((f"bead {k}", bead))
    return _build(entries, source_sentences, target_sentences, fill_gaps, source_lang, target_lang)


def _build(
    entries: list[tuple[str, Bead]],
    source_sentences: Sentences,
    target_sentences: Sentences,
    fill_gaps: bool,
    source_lang: str | None,
    target_lang: str | None,
) -> Alignment:
    """Check coverage bead by bead so errors name the line, then build."""
    src_sents = [""] * source_sentences if isinstance(source_sentences, int) else list(source_sentences)
    tgt_sents = [""] * target_sentences if isinstance(target_sentences, int) else list(target_sentences)
    counts = {"source": len(src_sents), "target": len(tgt_sents)}
    next_id = {"source": 0, "target": 0}
    out: list[Bead] = []

    def fill(side: str, upto: int, where: str) -> None:
        start = next_id[side]
        if start >= upto:
            return
        if not fill_gaps:
            gap = f"sentence {start} is" if upto - start == 1 else f"sentences {start}..{upto - 1} are"
            raise FormatError(
                f"{where}: {side} {gap} in no bead "
                "(pass fill_gaps=True to give them 1-0/0-1 beads)"
            )
        for i in range(start, upto):
            out.append(Bead((i,), ()) if side == "source" else Bead((), (i,)))
        next_id[side] = upto

    for where, bead in entries:
        if not bead.source and not bead.target:
            raise FormatError(f"{where}: bead is empty on both sides")
        sides = (("source", bead.source), ("target", bead.target))
        for side, ids in sides:
            if not ids:
                continue
            if list(ids) != list(range(ids[0], ids[0] + len(ids))):
                raise FormatError(f"{where}: {side} ids {list(ids)} are not consecutive and ascending")
            if ids[-1] >= counts[side]:
                raise FormatError(
                    f"{where}: {side} sentence {ids[-1]} is out of range "
                    f"(there are {counts[side]} {side} sentences)"
                )
            if ids[0] < next_id[side]:
                raise FormatError(
                    f"{where}: {side} sentence {ids[0]} is out of order or already in an "
                    f"earlier bead (expected {next_id[side]} or later)"
                )
        for side, ids in sides:
            if ids:
                fill(side, ids[0], where)
                next_id[side] = ids[-1] + 1
        out.append(bead)
    for side in ("source", "target"):
        fill(side, counts[side], "end of input")
    try:
        return Alignment(src_sents, tgt_sents, out, source_lang=source_lang, target_lang=target_lang)
    except InputError as e:  # pragma: no cover - the checks above should catch everything
        raise FormatError(str(e)) from e
