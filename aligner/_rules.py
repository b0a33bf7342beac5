"""The hand-set bead score of aligner 0.1, kept for one release behind its deprecated options.

Passing any of `DEPRECATED` to `align` warns and aligns with this score
instead of the fitted model (`aligner.calibration`): a fixed skip, a size
exponent, and rules against passengers whose thresholds were placed between
the development sets' shares (`strict_merges`: a second search with
``pair_floor`` 2 when the first path leaves a tenth of its sentences
unaligned or has under 15% merges). Their gains did not hold on documents
they were not tuned on (docs/benchmarks.md), which is why they go.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

from .errors import InputError
from .scoring import ScoreParams

__all__ = ["DEPRECATED", "legacy_settings", "strict_merges_for", "rules_path"]

_SCORE_KEYS = tuple(f.name for f in dataclasses.fields(ScoreParams) if f.name not in ("calibration",))
DEPRECATED = frozenset(_SCORE_KEYS) | {"strict_merges", "joined_budget", "full_cells"}
_STRICT_UNALIGNED = 0.1
_STRICT_MERGES = 0.15
_STRICT_FLOOR = 2
# Mutual pairs for pair_guard over the whole documents up to this many cells, in the band beyond.
GUARD_FULL_CELLS = 1 << 22


def legacy_settings(options: dict[str, Any], stacklevel: int = 3) -> dict[str, Any] | None:
    """The deprecated options given, checked (None when there are none); warns once per call."""
    unknown = set(options) - DEPRECATED
    if unknown:
        known = "source_lang, target_lang, encoder, bead_types, window, deletion_prior, joined_texts, crossing, link_threshold, cache_dir, progress, max_chars, uncovered"
        raise InputError(f"unknown option(s) {', '.join(sorted(unknown))}; known options: {known}")
    if not options:
        return None
    warnings.warn(
        f"option(s) {', '.join(sorted(options))} are deprecated and will be removed in aligner 0.3: they select "
        "the hand-set score of aligner 0.1 instead of the score fitted on each document pair "
        "(docs/usage.md, 'Options')",
        DeprecationWarning, stacklevel=stacklevel,
    )
    _check(options)
    return dict(options)


def rules_score(options: dict[str, Any]) -> ScoreParams:
    return ScoreParams(**{k: v for k, v in options.items() if k in _SCORE_KEYS})


def strict_merges_for(path) -> tuple[bool, float, float]:
    """Whether a first path calls for the pair floor at 2: (decision, unaligned share, merge share)."""
    both_sides = [(a, b) for a, b in path if a and b]
    total = sum(len(a) + len(b) for a, b in path)
    unaligned = 1.0 - sum(len(a) + len(b) for a, b in both_sides) / max(total, 1)
    merges = sum(len(a) + len(b) > 2 for a, b in both_sides) / max(len(both_sides), 1)
    return unaligned >= _STRICT_UNALIGNED or merges < _STRICT_MERGES, unaligned, merges


def rules_path(searcher, options: dict[str, Any]):
    """The 0.1 search: (pairs, margins, metadata) under the hand-set score and its strict-merges rule."""
    score = rules_score(options)
    pairs, margins = searcher.run(score)
    auto, unaligned_share, merge_share = strict_merges_for(pairs)
    strict = options.get("strict_merges")
    if strict is None:
        strict = auto
    if strict and score.pair_floor != _STRICT_FLOOR and "pair_floor" not in options:
        pairs, margins = searcher.run(dataclasses.replace(score, pair_floor=_STRICT_FLOOR))
    meta = {"strict_merges": bool(strict), "unaligned_share": round(unaligned_share, 6), "merge_share": round(merge_share, 6)}
    return pairs, margins, meta


# Numeric options: (type, smallest, largest allowed value; None: no bound).
# The score's knobs are bounded where their meaning ends: a margin (cosine
# minus its neighbourhood's mean) lies in [-2, 2] and the useful ones in
# [-1, 1]; a skip above 0 would pay a sentence more for staying unaligned
# than most beads earn; the weights mix or add to margins of that size.
_NUMBERS = {
    "full_cells": (int, 0, None), "skip": (float, -1.0, 0.0), "size_exponent": (float, 0.0, 2.0),
    "min_margin": (float, -1.0, 1.0), "part_margin": (float, -1.0, 1.0), "part_weight": (float, 0.0, 1.0),
    "anchor_weight": (float, 0.0, 1.0), "quote_weight": (float, 0.0, 1.0), "pair_floor": (int, 0, None),
    "pair_guard": (float, 0.0, 1.0),
}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check(options: dict) -> None:
    import math

    for name, (kind, low, high) in _NUMBERS.items():
        if name not in options:
            continue
        value = options[name]
        ok = _is_number(value) and (kind is not int or float(value).is_integer())
        if not ok or not math.isfinite(value) or value < low or (high is not None and value > high):
            need = "a whole number" if kind is int else "a number"
            bound = f" >= {low}" if high is None else f" between {low} and {high}"
            raise InputError(f"option {name} must be {need}{bound}; got {value!r}")
    if "length_penalty" in options and not isinstance(options["length_penalty"], bool):
        raise InputError(f"option length_penalty must be True or False; got {options['length_penalty']!r}")
    if options.get("strict_merges") is not None and not isinstance(options["strict_merges"], bool):
        raise InputError(
            f"option strict_merges must be True, False or None (decided from the documents); got {options['strict_merges']!r}"
        )
    budget = options.get("joined_budget")
    if budget is not None and not (_is_number(budget) and math.isfinite(budget) and budget >= 0):
        raise InputError(f"option joined_budget must be a number >= 0 or None; got {budget!r}")
