"""Moses-style parallel text: two plain files, line N of each is bead N.

The form MT training tools read (Moses, OpenNMT, fairseq, Marian): a source
file and a target file with the same number of lines, line N of the source
file holding bead N's source sentences joined by a space and line N of the
target file its target sentences. A 1-0 or 0-1 bead gives an empty line on
its missing side; ``drop_unaligned=True`` leaves such beads out, and
``min_score=S`` leaves out the beads with both sides that score below S
(but not the beads a person edited, ``Bead.edited``, whose score is 0.0 and
whose pairing is checked by hand).
A line break inside a sentence (``\\n``, ``\\r``, U+2028...) is written as a
space, so that a line is always one bead. No ids, scores or languages are
kept; nothing is escaped (Moses' own tokenizer escapes ``|<>[]&`` if needed).

The two files are named after the languages, as Moses corpora are: writing
to ``corpus`` gives ``corpus.en`` and ``corpus.fr`` (`suffixes`; when a
language is unknown, or both are the same, ``corpus.source`` and
``corpus.target``).

Reading back: with the original sentences (``source_sentences``,
``target_sentences``) each line is matched against them, giving the same
beads (scores 0.0) as long as no bead was left out; without them, each line
is taken as one sentence, giving 1-1 beads (1-0/0-1 for an empty side).
"""

from __future__ import annotations

import re
from typing import Sequence

from ..alignment import Alignment, Bead
from ..errors import FormatError
from .vecalign import _build

__all__ = ["dumps", "dumps_pair", "loads", "suffixes"]

# Everything a line-oriented tool may take for a line break.
_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
SIDES = ("source", "target")


def suffixes(source_lang: str | None, target_lang: str | None) -> tuple[str, str]:
    """The suffixes of the two files: ``(".en", ".fr")``, or ``(".source", ".target")``."""
    if source_lang and target_lang and source_lang != target_lang:
        return f".{source_lang}", f".{target_lang}"
    return ".source", ".target"


def one_line(text: str) -> str:
    """`text` with every line break made a space."""
    return _BREAKS.sub(" ", text)


def kept_beads(alignment: Alignment, drop_unaligned: bool = False, min_score: float | None = None) -> list[Bead]:
    """The beads written: all but 1-0/0-1 beads when `drop_unaligned`, and unedited ones below `min_score`."""
    out = []
    for bead in alignment.beads:
        if bead.is_deletion:
            if drop_unaligned:
                continue
        elif min_score is not None and bead.score < min_score and not bead.edited:
            continue
        out.append(bead)
    return out


def dumps_pair(
    alignment: Alignment, *, drop_unaligned: bool = False, min_score: float | None = None,
) -> tuple[str, str]:
    """The source file's text and the target file's text.

    Args:
        drop_unaligned: leave out 1-0 and 0-1 beads (no empty lines).
        min_score: leave out beads with both sides whose score is below it
            (beads edited by hand are kept).
    """
    beads = kept_beads(alignment, drop_unaligned, min_score)
    src = "".join(one_line(alignment.source_text(b)) + "\n" for b in beads)
    tgt = "".join(one_line(alignment.target_text(b)) + "\n" for b in beads)
    return src, tgt


def dumps(
    alignment: Alignment, *, side: str | None = None, drop_unaligned: bool = False, min_score: float | None = None,
) -> str:
    """One side's file (``side="source"`` or ``"target"``); see `dumps_pair` for both."""
    if side not in SIDES:
        raise FormatError(
            f"the moses format is two files: pass side='source' or side='target' (got {side!r}), "
            "or use aligner.formats.write, which writes both"
        )
    return dumps_pair(alignment, drop_unaligned=drop_unaligned, min_score=min_score)[SIDES.index(side)]


def loads(
    text: str,
    *,
    target_text: str | None = None,
    source_sentences: Sequence[str] | None = None,
    target_sentences: Sequence[str] | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> Alignment:
    """Read the two files' texts (`text` the source file's) back into an `Alignment`.

    With both `source_sentences` and `target_sentences`, every line must be
    the next sentences of its side joined by a space (line breaks in them
    made spaces); without them, each line is one sentence.
    """
    if target_text is None:
        raise FormatError("the moses format is two files: pass the target file's text as target_text=")
    if (source_sentences is None) != (target_sentences is None):
        raise FormatError("pass both source_sentences and target_sentences, or neither")
    src_lines, tgt_lines = _lines(text), _lines(target_text)
    if len(src_lines) != len(tgt_lines):
        raise FormatError(
            f"the source file has {len(src_lines)} lines and the target file {len(tgt_lines)}: "
            "line N of each must be bead N"
        )
    for n, (s, t) in enumerate(zip(src_lines, tgt_lines), start=1):
        if not s and not t:
            raise FormatError(f"line {n}: empty in both files")
    if source_sentences is None:
        src_sents = [s for s in src_lines if s]
        tgt_sents = [t for t in tgt_lines if t]
        ids = {"source": _count_ids(src_lines), "target": _count_ids(tgt_lines)}
    else:
        src_sents, tgt_sents = list(source_sentences), list(target_sentences)
        ids = {"source": _match(src_lines, src_sents, "source"), "target": _match(tgt_lines, tgt_sents, "target")}
    entries = [(f"line {n}", Bead(s, t)) for n, (s, t) in enumerate(zip(ids["source"], ids["target"]), start=1)]
    return _build(entries, src_sents, tgt_sents, False, source_lang, target_lang)


def _lines(text: str) -> list[str]:
    # Split on "\n" only (a CRLF file loses its "\r"): the writer leaves no other break inside a line.
    lines = [line[:-1] if line.endswith("\r") else line for line in text.lstrip("\ufeff").split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _count_ids(lines: list[str]) -> list[tuple[int, ...]]:
    out, k = [], 0
    for line in lines:
        out.append((k,) if line else ())
        k += bool(line)
    return out


def _match(lines: list[str], sentences: list[str], side: str) -> list[tuple[int, ...]]:
    """The ids of the sentences each line joins, taken in order."""
    out, k = [], 0
    for n, line in enumerate(lines, start=1):
        start, joined = k, None
        while line and joined != line:
            if k >= len(sentences):
                raise FormatError(f"line {n} of the {side} file: runs past the last {side} sentence")
            part = one_line(sentences[k])
            joined = part if joined is None else f"{joined} {part}"
            k += 1
            if not line.startswith(joined):
                raise FormatError(
                    f"line {n} of the {side} file is not the next {side} sentences (from {start}) joined by a "
                    f"space: {line[:60]!r} (a bead left out, or other sentences)"
                )
        out.append(tuple(range(start, k)))
    if k != len(sentences):
        raise FormatError(
            f"the {side} file covers {k} of {len(sentences)} {side} sentences (beads left out by "
            "drop_unaligned or min_score cannot be read back over the sentences)"
        )
    return out
