"""The reproducibility signature: the settings that change results, as one comparable string.

As sacrebleu's signature does for a score, it names everything needed to
get the same beads again: the version, the encoder, the model and, for the
fitted model, the parameters fitted on this pair.
"""

from __future__ import annotations

from typing import Any

from . import __version__
from .options import Options

__all__ = ["signature"]


def signature(encoder: str, options: Options, model: str = "fitted", fit: dict | None = None, legacy: dict[str, Any] | None = None) -> str:
    """The signature of one alignment; `fit` is `Calibration.summary()`, `legacy` the deprecated options given."""
    types = ",".join(f"{a}-{b}" for a, b in options.bead_types)
    deletion = "fitted" if options.deletion_prior is None else options.deletion_prior
    parts = [
        f"aligner:{__version__}", f"enc:{encoder}", f"model:{model}", f"types:{types}", f"window:{options.window}",
        f"deletion:{deletion}", f"joined:{options.joined_texts}",
    ]
    if fit:
        parts.append(f"fit:alpha={fit['alpha']},center={fit['center']},anchor={fit['anchor']},quote={fit['quote']}")
    if legacy:
        parts.append("legacy:" + ",".join(f"{k}={v}" for k, v in sorted(legacy.items())))
    if options.crossing:
        parts.append(f"links:{options.link_threshold}")
    return "|".join(parts)
