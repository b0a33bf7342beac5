"""The options of `align`, checked once: what a user sets, typed, with the error that names a wrong one.

The batch checks them before it aligns a single pair (`check_options`), so
that a typo fails at once rather than on every pair.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Sequence

from .encoders.languages import check_uncovered_option
from .errors import InputError
from .joined import JOINED_TEXTS
from .search import DEFAULT_BEAD_TYPES

__all__ = ["Options", "check_options"]


@dataclass(frozen=True)
class Options:
    """`align`'s settings after their checks (the fields are `align`'s keyword arguments)."""

    bead_types: tuple[tuple[int, int], ...] = DEFAULT_BEAD_TYPES
    window: int = 8
    deletion_prior: float | None = None
    joined_texts: str = "lazy"
    crossing: bool = False
    link_threshold: float = 0.5
    cache_dir: str | os.PathLike | None = None
    progress: bool | None = None
    max_chars: int = 1000
    uncovered: str = "error"


def check_options(**options: Any) -> Options:
    """`Options` from `align`'s keyword arguments, or InputError naming the first wrong one."""
    unknown = set(options) - set(Options.__dataclass_fields__)
    if unknown:
        raise InputError(f"unknown option(s) {', '.join(sorted(unknown))}; known options: {', '.join(Options.__dataclass_fields__)}")
    opts = Options(**options)
    _check_bead_types(opts.bead_types)
    for name, low in (("window", 0), ("max_chars", 1)):
        value = getattr(opts, name)
        if not _is_number(value) or not float(value).is_integer() or value < low:
            raise InputError(f"option {name} must be a whole number >= {low}; got {value!r}")
    p = opts.deletion_prior
    if p is not None and not (_is_number(p) and 0.0 < p < 1.0):
        raise InputError(
            f"option deletion_prior must be a probability strictly between 0 and 1, or None (fitted on the documents); got {p!r}"
        )
    if opts.joined_texts not in JOINED_TEXTS:
        raise InputError(f"option joined_texts must be one of {', '.join(JOINED_TEXTS)}; got {opts.joined_texts!r}")
    for name in ("crossing",):
        if not isinstance(getattr(opts, name), bool):
            raise InputError(f"option {name} must be True or False; got {getattr(opts, name)!r}")
    if opts.progress is not None and not isinstance(opts.progress, bool):
        raise InputError(f"option progress must be True, False or None (a bar on long runs at a terminal); got {opts.progress!r}")
    t = opts.link_threshold
    if not _is_number(t) or not 0.0 <= t <= 1.0:
        raise InputError(f"option link_threshold must be a probability between 0 and 1; got {t!r}")
    check_uncovered_option(opts.uncovered)
    types = tuple((int(a), int(b)) for a, b in opts.bead_types)
    return Options(**{**opts.__dict__, "bead_types": types, "window": int(opts.window), "max_chars": int(opts.max_chars)})


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_bead_types(types: Sequence) -> None:
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
