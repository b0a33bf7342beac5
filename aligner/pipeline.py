"""align(): text -> sentences -> embeddings -> path -> Alignment, and nothing else."""

from __future__ import annotations

import dataclasses
import sys
import warnings
from typing import Any, Sequence

import numpy as np

from . import __version__
from ._input import sentences_of
from ._progress import Stages
from ._text import joiner
from .alignment import Alignment, Bead
from .anchors import anchor_masks, quote_states
from .checks import length_warning
from .encoders import EmbeddingStore, choose_encoder, encoder_name
from .encoders.languages import check_uncovered_option
from .errors import AlignerWarning, InputError
from .mining import mutual_pairs
from .scoring import ScoreParams, make_side
from .search import SearchParams, best_path, max_runs, path_margins, refine_order, runs_to_refine, search_band
from .segment import looks_like_heading

__all__ = ["align", "parse_options"]

_SEARCH_OPTIONS = {f.name for f in dataclasses.fields(SearchParams)}
_SCORE_OPTIONS = {f.name for f in dataclasses.fields(ScoreParams)}
_OTHER_OPTIONS = {
    "cache_dir", "max_chars", "progress", "joined_texts", "joined_budget", "crossing", "link_threshold", "strict_merges",
    "uncovered",
}
_JOINED_TEXTS = ("lazy", "all", "none")
# Each round embeds what the path needs; it settles in 2-4 rounds on the
# development sets. The cap only guards against a path that keeps moving.
_MAX_ROUNDS = 8
# The lazy rounds' joined texts, in characters, as a fraction of the
# sentences' characters, for an encoder that must encode each joined text
# whole (sentence-transformers): a document's merges are many (a third of
# Text+Berg's beads) and, embedded all, their joined texts cost about half
# the encoding of the sentences. The cheapest-to-skip are the confident
# beads, whose joined text rarely moves the path: with this budget USE
# scores within .005 of embedding every run on each set (docs/how-it-works.md).
_JOINED_BUDGET = 0.2
# A short document may always spend this much: it costs little, and each of
# its few merges weighs much in its result (the seeds fall from .906 to .805
# with the budget alone).
_MIN_BUDGET_CHARS = 2000
# A merge of two sentences must earn at least what they would as 1-1 beads
# (pair_floor 2) where the first path shows that merges are not the rule:
# - two reports of one event leave many sentences without a counterpart, and
#   a sentence only one has would otherwise ride in a merge: at least this
#   share of the sentences unaligned (Text+Berg dev .042, MAC dev at most
#   .004, FLORES dev documents with 6% deletions at most .086; the seeds .23);
# - a translation that keeps the sentence boundaries has few merges, and a
#   sentence next to a deletion would otherwise ride in one: fewer than this
#   share of the beads merges (FLORES documents .05-.26, Text+Berg .34, MAC
#   .20-.55).
# Elsewhere (literary translation) a translator's own added sentence belongs
# in a merge, and the floor at 2 costs MAC dev .03 (docs/how-it-works.md).
_STRICT_UNALIGNED = 0.1
_STRICT_MERGES = 0.15
_STRICT_FLOOR = 2
# Below this many texts a progress bar would only flicker.
_PROGRESS_MIN_TEXTS = 2000


def align(
    source: str | Sequence[str],
    target: str | Sequence[str],
    *,
    source_lang: str | None = None,
    target_lang: str | None = None,
    encoder: Any = None,
    **options: Any,
) -> Alignment:
    """Align the sentences of two documents.

    Args:
        source: the source document as one string (split into sentences for
            you), or a list of sentences (used as given).
        target: the target document, likewise.
        source_lang, target_lang: language codes (``"fr"``, ``"ara"``,
            ``"zh-CN"``...). Detected from the text when not given.
        encoder: None to choose per document pair: the embedded multilingual
            USE v3 where it covers both languages (16 languages, the fastest),
            else the embedded multilingual-e5-small (``"e5"``, ~100
            languages; docs/encoders.md); ``"use"`` or ``"e5"`` for one of
            them; a sentence-transformers model name or folder
            (``"sentence-transformers/LaBSE"``); an object with
            ``encode(list[str]) -> array`` (and, optionally, ``languages``, the
            ISO 639-1 codes it covers); or such a callable. The one used is
            ``metadata["encoder"]``, and is in the signature.
        **options: ``bead_types`` (the (n, m) sizes a bead may have),
            ``window`` (band half-width, in sentences), ``full_cells``,
            ``skip`` (gain of an unaligned sentence), ``size_exponent``,
            ``length_penalty``, ``min_margin``, ``part_margin``, ``part_weight``,
            ``anchor_weight`` (bonus of a bead whose sides share numbers or
            quotes, `aligner.anchors`; 0 turns it off), ``pair_floor`` (3: a merge
            with that many sentences on a side must earn what its sentences
            would as 1-1 beads; 0 turns it off) and ``pair_guard`` (0.9: a
            merge never parts a mutual-best pair of at least that probability;
            0 turns it off), against sentences that ride along in a merge
            (see `aligner.scoring`), ``quote_weight`` (cost of a
            bead boundary inside a quotation, or just after the end of one,
            on one side only: `aligner.anchors.quote_states`; 0 turns it off), ``cache_dir`` (on-disk embedding cache),
            ``max_chars`` (longest sentence before it is re-split),
            ``progress`` (True/False; by default a bar on long runs when
            stderr is a terminal), ``joined_texts`` ("lazy": embed the joined
            text of only the runs the search is about to choose, round after
            round until the path needs nothing new; "all": of every run;
            "none": score every run by the sum of its sentences' vectors),
            ``joined_budget`` (lazy mode: the joined texts embedded, in
            characters, at most this fraction of the sentences', at least
            2000; None: no limit. By default 0.2 for an encoder that encodes
            each joined text whole, None for one that makes them cheaply from
            their sentences, as USE does),
            ``strict_merges`` (None, the default: decided from the first
            path; True searches again with ``pair_floor`` 2, so that a merge
            of two sentences must earn what they would as 1-1 beads and a
            sentence that only one side has is left unaligned rather than
            carried in a merge. Chosen when the first path leaves at least a
            tenth of the sentences unaligned, as two reports of one event
            do, or when fewer than 15% of its beads are merges, as in a
            translation that keeps the sentence boundaries; True or False
            decide it, and ``metadata["strict_merges"]`` says which was used),
            ``crossing`` (True: also find sentence pairs off the monotone
            path, in ``Alignment.links``, and list the sentences in no pair
            with the reason, in ``Alignment.unaligned``; see
            `aligner.crossing`), ``link_threshold`` (the smallest probability
            of such a link, 0.5), ``uncovered`` ("error", the default: a
            language the encoder does not cover raises `LanguageError`;
            "warn": an `AlignerWarning` instead, and the alignment is made
            with the best encoder there is, or the one named).

            The numbers have these ranges, and anything outside is refused
            with an InputError naming the option: ``skip`` -1 to 0,
            ``size_exponent`` 0 to 2, ``min_margin`` and ``part_margin`` -1
            to 1, ``part_weight``, ``anchor_weight``, ``quote_weight``,
            ``pair_guard`` and ``link_threshold`` 0 to 1; ``window``,
            ``full_cells`` and ``pair_floor`` whole numbers >= 0,
            ``max_chars`` >= 1.

    Returns:
        An `Alignment` whose beads cover every sentence of both sides exactly once, in order.

    Raises:
        InputError: a side is empty or not text, or an option is unknown.
        LanguageError: a language code is unknown or cannot be detected, or
            the encoder does not cover a language (see ``uncovered``); the
            message names the language and the encoders that cover it.
        EncoderError: the encoder fails or returns something unusable.
    """
    search, score, joined = parse_options(options)

    max_chars = options.get("max_chars", 1000)
    src_lang, src = sentences_of(source, source_lang, "source", max_chars)
    tgt_lang, tgt = sentences_of(target, target_lang, "target", max_chars)
    message = length_warning(src, tgt)
    if message:
        warnings.warn(message, AlignerWarning, stacklevel=2)

    enc = choose_encoder(encoder, src_lang, tgt_lang, options.get("uncovered", "error"))
    ks, kt = max_runs(search.bead_types)
    progress = options.get("progress")
    if progress is None:
        progress = sys.stderr.isatty() and len(src) + len(tgt) >= _PROGRESS_MIN_TEXTS
    store = EmbeddingStore(enc, cache_dir=options.get("cache_dir"), progress=bool(progress))
    stages = Stages(bool(progress))
    stages.stage("anchors and headings")
    fraction = options.get("joined_budget", None if store.cheap_joins else _JOINED_BUDGET)
    len_s = np.array([len(s) for s in src], dtype=np.float64)
    len_t = np.array([len(t) for t in tgt], dtype=np.float64)
    lone_s = np.array([looks_like_heading(x) for x in src], dtype=np.bool_)
    lone_t = np.array([looks_like_heading(x) for x in tgt], dtype=np.bool_)
    anchors_s, anchors_t = anchor_masks(src, tgt) if score.anchor_weight else (None, None)
    quotes_s, quotes_t = (quote_states(src), quote_states(tgt)) if score.quote_weight else (None, None)

    # One call for both sides: an encoder that batches by length (sentence-transformers)
    # fills its batches better from one list than from two.
    stages.stage("embedding")
    both = store.get(list(src) + list(tgt))
    vs, vt = both[: len(src)], both[len(src) :]
    stages.stage("band search")
    band = search_band(vs, vt, len_s, len_t, search, score)
    stages.stage("pair guard")
    partners_s, partners_t = (
        mutual_pairs(vs, vt, score.pair_guard, None if len(vs) * len(vt) <= _GUARD_FULL_CELLS else band)
        if score.pair_guard > 0 else (None, None)
    )
    join_s = _Joiner(src, joiner(src_lang))
    join_t = _Joiner(tgt, joiner(tgt_lang))
    if joined == "all":
        _embed_joined(
            store, (join_s, {(k, i) for k in range(2, ks + 1) for i in range(len(src) - k + 1)}),
            (join_t, {(k, j) for k in range(2, kt + 1) for j in range(len(tgt) - k + 1)}),
        )
    # Characters of joined text the lazy rounds may embed (None: no limit).
    budget = None if fraction is None else max(fraction * (len_s.sum() + len_t.sum()), _MIN_BUDGET_CHARS)

    def margins_now(pairs):
        return path_margins(
            pairs, make_side(vs, ks, len_s, lone_s, join_s.vectors), make_side(vt, kt, len_t, lone_t, join_t.vectors)
        )

    def search_path(score, left):
        """The path under `score`, its margins and the rounds it took; `left` is its joined-text budget."""
        rounds = 0
        while True:
            rounds += 1
            stages.stage(f"path search, round {rounds}")
            margins = None  # of this round's path, with this round's vectors, once computed
            pairs = best_path(
                vs, vt, len_s, len_t, search, score, lone_s, lone_t, join_s.vectors, join_t.vectors, band=band,
                anchors_s=anchors_s, anchors_t=anchors_t, partners_s=partners_s, partners_t=partners_t,
                quotes_s=quotes_s, quotes_t=quotes_t,
            )
            if joined != "lazy" or rounds >= _MAX_ROUNDS:
                break
            if left is None:
                need_s, need_t = runs_to_refine(pairs, ks, kt)
            else:
                margins = margins_now(pairs)
                order = refine_order(pairs, margins, ks, kt)
                (need_s, need_t), left = _affordable(order, (join_s, join_t), left)
            if not _embed_joined(store, (join_s, need_s), (join_t, need_t)):
                break  # the path needs no text it has not seen: it is final (and its margins still hold)
        if margins is None:
            margins = margins_now(pairs)
        return pairs, margins, rounds

    pairs, margins, rounds = search_path(score, budget)
    auto, unaligned_share, merge_share = strict_merges_for(pairs)
    strict = options.get("strict_merges")
    if strict is None:
        strict = auto
    if strict and score.pair_floor != _STRICT_FLOOR and "pair_floor" not in options:
        # A budget of its own: the floor judges joined texts only, and the merges it
        # must judge are not those the first search embedded.
        pairs, margins, more = search_path(dataclasses.replace(score, pair_floor=_STRICT_FLOOR), budget)
        rounds += more

    beads = [Bead(s, t, round(mg, 6)) for (s, t), mg in zip(pairs, margins)]
    links, unaligned = (), ()
    crossing = options.get("crossing", False)
    threshold = options.get("link_threshold", 0.5)
    if crossing:
        from .crossing import off_path

        stages.stage("links off the path")
        links, unaligned = off_path(beads, vs, vt, threshold, len_s, len_t)
    stages.close()
    metadata = {
        "signature": signature(encoder_name(enc), search, score, joined, fraction, options.get("strict_merges"))
        + (f"|links:{threshold}" if crossing else ""),
        "encoder": encoder_name(enc),
        "strict_merges": bool(strict),
        "unaligned_share": round(unaligned_share, 6),
        "merge_share": round(merge_share, 6),
        "encoded_texts": store.n_encoded,
        "joined_from_sentences": store.fast_joins,
        "rounds": rounds,
    }
    return Alignment(
        src, tgt, beads, source_lang=src_lang, target_lang=tgt_lang, metadata=metadata, links=links,
        unaligned=unaligned,
    )


def parse_options(options: dict[str, Any]) -> tuple[SearchParams, ScoreParams, str]:
    """Check `align`'s options and return the search and score settings and the joined-text mode.

    Raises InputError naming the option for anything `align` would refuse,
    so that a caller (the batch) can check once before aligning many pairs.
    """
    unknown = set(options) - _SEARCH_OPTIONS - _SCORE_OPTIONS - _OTHER_OPTIONS
    if unknown:
        known = ", ".join(sorted(_SEARCH_OPTIONS | _SCORE_OPTIONS | _OTHER_OPTIONS))
        raise InputError(f"unknown option(s) {', '.join(sorted(unknown))}; known options: {known}")
    _check_bead_types(options.get("bead_types", SearchParams.bead_types))
    _check_numbers(options)
    budget = options.get("joined_budget")
    if budget is not None and not (_is_number(budget) and np.isfinite(budget) and budget >= 0):
        raise InputError(f"option joined_budget must be a number >= 0 or None; got {budget!r}")
    check_uncovered_option(options.get("uncovered", "error"))
    joined = options.get("joined_texts", "lazy")
    if joined not in _JOINED_TEXTS:
        raise InputError(f"option joined_texts must be one of {', '.join(_JOINED_TEXTS)}; got {joined!r}")
    settings = dict(options)
    if "bead_types" in settings:
        settings["bead_types"] = tuple((int(a), int(b)) for a, b in settings["bead_types"])
    search = SearchParams(**{k: v for k, v in settings.items() if k in _SEARCH_OPTIONS})
    score = ScoreParams(**{k: v for k, v in settings.items() if k in _SCORE_OPTIONS})
    return search, score, joined


def strict_merges_for(path) -> tuple[bool, float, float]:
    """Whether a first path calls for the pair floor at 2: (decision, unaligned share, merge share).

    The unaligned share counts the sentences of both sides in 1-0 and 0-1
    beads; the merge share, the beads with both sides that have more than
    one sentence on a side.
    """
    both_sides = [(a, b) for a, b in path if a and b]
    total = sum(len(a) + len(b) for a, b in path)
    unaligned = 1.0 - sum(len(a) + len(b) for a, b in both_sides) / max(total, 1)
    merges = sum(len(a) + len(b) > 2 for a, b in both_sides) / max(len(both_sides), 1)
    return unaligned >= _STRICT_UNALIGNED or merges < _STRICT_MERGES, unaligned, merges


def _affordable(order, joiners, left: float):
    """The runs of `order` not embedded yet that fit, in order, in `left` characters: ((source, target), left)."""
    take: tuple[set, set] = (set(), set())
    for side, run in order:
        if run in joiners[side].vectors or run in take[side]:
            continue
        cost = joiners[side].chars(run)
        if cost > left:
            break  # the rest are less needed: stop rather than pick the short ones among them
        left -= cost
        take[side].add(run)
    return take, left


# The pairs a merge may not part (pair_guard) are mined over the whole
# documents up to this many sentence pairs (a fraction of a second), and
# within the search band beyond, where the whole matrix would be quadratic.
# Within the band the margins' neighbours are all plausible counterparts,
# which changes which pairs are mutual: forced on every document, the band
# cost MAC dev .006 and gave Text+Berg dev .005.
_GUARD_FULL_CELLS = 1 << 22


class _Joiner:
    """Embeddings of the joined text of runs of one side, made on demand by `_embed_joined`."""

    def __init__(self, sentences: Sequence[str], sep: str) -> None:
        self.sentences = sentences
        self.sep = sep
        self.vectors: dict[tuple[int, int], np.ndarray] = {}

    def chars(self, run: tuple[int, int]) -> int:
        """Length of the joined text of run (length, first sentence)."""
        k, i = run
        return sum(len(s) for s in self.sentences[i : i + k]) + (k - 1) * len(self.sep)

    def parts(self, run: tuple[int, int]) -> Sequence[str]:
        k, i = run
        return self.sentences[i : i + k]


def _embed_joined(store: EmbeddingStore, *wanted: tuple[_Joiner, Any]) -> bool:
    """Embed the runs not embedded yet of each (joiner, runs); True if there were any."""
    new = [(j, sorted(r for r in runs if r not in j.vectors)) for j, runs in wanted]
    if not any(runs for _, runs in new):
        return False
    if store.cheap_joins:  # made from each side's own sentence state
        for j, runs in new:
            if runs:
                j.vectors.update(zip(runs, store.get_joined([j.parts(r) for r in runs], j.sep)))
        return True
    # Encoded whole: both sides in one call, whose batches (by length) are fuller than two calls'.
    vecs = iter(store.get([j.sep.join(j.parts(r)) for j, runs in new for r in runs]))
    for j, runs in new:
        j.vectors.update(zip(runs, vecs))
    return True


def signature(
    encoder: str, search: SearchParams, score: ScoreParams, joined: str = "lazy", joined_budget: float | None = None,
    strict_merges: bool | None = None,
) -> str:
    """The settings that change results, as one comparable string (strict_merges None: decided per document)."""
    types = ",".join(f"{a}-{b}" for a, b in search.bead_types)
    # The budget is named only where it applies, so that unlimited lazy runs keep their signature.
    budget = f"|joinedbudget:{joined_budget}" if joined == "lazy" and joined_budget is not None else ""
    return (
        f"aligner:{__version__}|enc:{encoder}|types:{types}|window:{search.window}|full:{search.full_cells}"
        f"|skip:{score.skip}|size:{score.size_exponent}|lenpen:{int(score.length_penalty)}|minmargin:{score.min_margin}|partmargin:{score.part_margin}|partweight:{score.part_weight}|anchorweight:{score.anchor_weight}|quoteweight:{score.quote_weight}|pairfloor:{score.pair_floor}|pairguard:{score.pair_guard}|joined:{joined}{budget}"
        f"|strictmerges:{'auto' if strict_merges is None else 'yes' if strict_merges else 'no'}"
    )


# Numeric options: (type, smallest, largest allowed value; None: no bound).
# The score's knobs are bounded where their meaning ends: a margin (cosine
# minus its neighbourhood's mean) lies in [-2, 2] and the useful ones in
# [-1, 1]; a skip above 0 would pay a sentence more for staying unaligned
# than most beads earn; the weights mix or add to margins of that size.
_NUMBERS = {
    "window": (int, 0, None), "full_cells": (int, 0, None), "max_chars": (int, 1, None),
    "skip": (float, -1.0, 0.0), "size_exponent": (float, 0.0, 2.0), "min_margin": (float, -1.0, 1.0),
    "part_margin": (float, -1.0, 1.0), "part_weight": (float, 0.0, 1.0), "anchor_weight": (float, 0.0, 1.0),
    "quote_weight": (float, 0.0, 1.0), "pair_floor": (int, 0, None), "pair_guard": (float, 0.0, 1.0),
}


def _check_numbers(options: dict) -> None:
    for name, (kind, low, high) in _NUMBERS.items():
        if name not in options:
            continue
        value = options[name]
        ok_type = _is_number(value)
        if kind is int:
            ok_type = ok_type and float(value).is_integer()
        if not ok_type or not np.isfinite(value) or value < low or (high is not None and value > high):
            need = "a whole number" if kind is int else "a number"
            bound = f" >= {low}" if high is None else f" between {low} and {high}"
            raise InputError(f"option {name} must be {need}{bound}; got {value!r}")
    for name in ("length_penalty", "crossing"):
        if name in options and not isinstance(options[name], bool):
            raise InputError(f"option {name} must be True or False; got {options[name]!r}")
    if options.get("strict_merges") is not None and not isinstance(options["strict_merges"], bool):
        raise InputError(
            f"option strict_merges must be True, False or None (decided from the documents); got {options['strict_merges']!r}"
        )
    if "link_threshold" in options:
        value = options["link_threshold"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise InputError(f"option link_threshold must be a probability between 0 and 1; got {value!r}")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_bead_types(types) -> None:
    try:
        ok = not isinstance(types, str) and all(
            int(a) == a and int(b) == b and a >= 0 and b >= 0 and a + b > 0 for a, b in types
        )
        ok = ok and (1, 0) in set(map(tuple, types)) and (0, 1) in set(map(tuple, types))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(
            f"bead_types must be (n, m) pairs of counts >= 0, not both 0, and include (1, 0) and (0, 1) "
            f"so that every sentence can be placed; got {types!r}"
        )
