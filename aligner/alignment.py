"""The result of an alignment: beads over two lists of sentences.

`Alignment` enforces the one invariant every user relies on: each sentence of
each side is in exactly one bead, and the beads are in document order on both
sides. Every other module produces or consumes these two types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from .errors import InputError

__all__ = ["Bead", "Link", "Unaligned", "Alignment"]


@dataclass(frozen=True)
class Bead:
    """A group of 0..n source sentences aligned to 0..m target sentences.

    Attributes:
        source: ids of the source sentences (from 0, consecutive, ascending).
        target: ids of the target sentences (from 0, consecutive, ascending).
        score: how much more alike the bead's two sides are than random text
            of the two documents (cosine above the documents' baseline):
            about 0 for unrelated text, higher is better. 0.0 for a 1-0 or
            0-1 bead.
        edited: True when a person made or changed the bead by hand
            (``aligner review``); its score is then the automatic score of
            the sentences it holds now, or 0.0 when none was computed.
            Not part of equality: the same beads compare equal either way.
    """

    source: tuple[int, ...]
    target: tuple[int, ...]
    score: float = 0.0
    edited: bool = field(default=False, compare=False)

    @property
    def kind(self) -> str:
        """The bead's type as ``"n-m"``, e.g. ``"2-1"`` or ``"0-1"``."""
        return f"{len(self.source)}-{len(self.target)}"

    @property
    def is_deletion(self) -> bool:
        """True for a 1-0 or 0-1 bead: a sentence without a counterpart."""
        return not self.source or not self.target


@dataclass(frozen=True)
class Link:
    """A source and a target sentence that match out of the path's order, or off the path.

    Attributes:
        source: id of the source sentence.
        target: id of the target sentence.
        score: probability that the two say the same thing, in [0, 1]
            (as `aligner.mining.MinedPair.score`).
        margin: the ratio margin it comes from.
        crosses: True when the link runs against the order of the path.
        inside: True when the two sentences are in one bead of the path and
            the link crosses another link of that bead (the bead hides a
            reordering: its first source sentence matches its last target
            sentence, say). Such links always cross.
    """

    source: int
    target: int
    score: float
    margin: float
    crosses: bool
    inside: bool = False


@dataclass(frozen=True)
class Unaligned:
    """A sentence that is in no pair, with why.

    Attributes:
        side: ``"source"`` or ``"target"``.
        id: the sentence's id on its side.
        best: id of its best counterpart on the other side.
        score: probability of that best pair, in [0, 1].
        reason: why the pair was not made, in words.
    """

    side: str
    id: int
    best: int
    score: float
    reason: str


@dataclass(frozen=True)
class Alignment:
    """Two lists of sentences and the ordered beads that join them.

    Iterating yields ``(source_text, target_text)`` pairs, one per bead, the
    sentences of a side joined by a space (an empty string for the missing
    side of a 1-0 or 0-1 bead).

    ``links`` and ``unaligned`` are filled by ``align(..., crossing=True)``
    (`aligner.crossing`): sentence pairs that match off the monotone path, and
    the sentences in no pair with the reason. They are empty otherwise.
    """

    source_sentences: tuple[str, ...]
    target_sentences: tuple[str, ...]
    beads: tuple[Bead, ...]
    source_lang: str | None = None
    target_lang: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)
    links: tuple[Link, ...] = ()
    unaligned: tuple[Unaligned, ...] = ()

    def __post_init__(self) -> None:
        for name in ("source_sentences", "target_sentences", "beads", "links", "unaligned"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        n, m = len(self.source_sentences), len(self.target_sentences)
        _check_coverage(self.beads, n, m)
        for k, link in enumerate(self.links):
            if not (0 <= link.source < n and 0 <= link.target < m):
                raise InputError(f"link {k} joins source {link.source} and target {link.target}, outside the documents")
        for k, u in enumerate(self.unaligned):
            size, other = (n, m) if u.side == "source" else (m, n) if u.side == "target" else (-1, -1)
            if size < 0:
                raise InputError(f"unaligned entry {k} has side {u.side!r}; expected 'source' or 'target'")
            if not (0 <= u.id < size and 0 <= u.best < other):
                raise InputError(f"unaligned entry {k} names {u.side} {u.id} (best {u.best}), outside the documents")

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for bead in self.beads:
            yield self.source_text(bead), self.target_text(bead)

    def __len__(self) -> int:
        return len(self.beads)

    def source_text(self, bead: Bead, sep: str = " ") -> str:
        """The source sentences of `bead`, joined by `sep`."""
        return sep.join(self.source_sentences[i] for i in bead.source)

    def target_text(self, bead: Bead, sep: str = " ") -> str:
        """The target sentences of `bead`, joined by `sep`."""
        return sep.join(self.target_sentences[j] for j in bead.target)

    def pairs(self) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """The beads as ``(source ids, target ids)`` tuples, without scores."""
        return [(b.source, b.target) for b in self.beads]


def _check_coverage(beads: Sequence[Bead], n_source: int, n_target: int) -> None:
    """Raise InputError unless the beads cover both sides once, in order."""
    next_src = next_tgt = 0
    for k, bead in enumerate(beads):
        if not bead.source and not bead.target:
            raise InputError(f"bead {k} is empty on both sides")
        for side, ids, expected in (("source", bead.source, next_src), ("target", bead.target, next_tgt)):
            if ids and tuple(ids) != tuple(range(expected, expected + len(ids))):
                raise InputError(
                    f"bead {k} has {side} sentences {list(ids)}, expected consecutive ids "
                    f"from {expected}: beads must cover every sentence once, in order"
                )
        next_src += len(bead.source)
        next_tgt += len(bead.target)
    if next_src != n_source or next_tgt != n_target:
        raise InputError(
            f"beads cover {next_src} of {n_source} source and {next_tgt} of {n_target} "
            "target sentences: every sentence must be in exactly one bead"
        )
