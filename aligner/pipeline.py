"""align(): text -> sentences -> embeddings -> path -> Alignment, and nothing else."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any, Sequence

import numpy as np

from ._input import sentences_of
from ._progress import Stages
from ._rules import GUARD_FULL_CELLS, legacy_settings, rules_path, rules_score
from ._text import joiner
from .alignment import Alignment, Bead
from .anchors import anchor_masks, quote_states
from .calibration import START, fitted_path
from .checks import length_warning
from .encoders import EmbeddingStore, choose_encoder, encoder_name
from .errors import AlignerWarning
from .joined import JOINED_BUDGET, PathSearch
from .mining import mutual_pairs
from .options import Options, check_options
from .search import DEFAULT_BEAD_TYPES, SearchParams, search_band
from .segment import looks_like_heading
from .signature import signature

__all__ = ["align", "parse_options"]

# Below this many texts a progress bar would only flicker.
_PROGRESS_MIN_TEXTS = 2000


def align(
    source: str | Sequence[str],
    target: str | Sequence[str],
    *,
    source_lang: str | None = None,
    target_lang: str | None = None,
    encoder: Any = None,
    bead_types: Sequence[tuple[int, int]] = DEFAULT_BEAD_TYPES,
    window: int = 8,
    deletion_prior: float | None = None,
    joined_texts: str = "lazy",
    crossing: bool = False,
    link_threshold: float = 0.5,
    cache_dir: str | os.PathLike | None = None,
    progress: bool | None = None,
    max_chars: int = 1000,
    uncovered: str = "error",
    **deprecated: Any,
) -> Alignment:
    """Align the sentences of two documents.

    The bead score is fitted on the pair itself (`aligner.calibration`): how
    often it merges and leaves sentences out, and how similar its right
    beads are against their near misses. Nothing needs tuning per corpus.

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
        bead_types: the (n, m) sizes a bead may have; (1, 0) and (0, 1) are
            required so that every sentence can be placed. By default up to
            five sentences a bead (1-5, 2-4, 3-3...).
        window: how far, in sentences, the search reaches on each side of
            the coarse path of a long pair.
        deletion_prior: the probability that a bead leaves a sentence
            unaligned (1-0 and 0-1 together), for documents where you know
            it; None (the default) fits it on the pair.
        joined_texts: ``"lazy"`` (embed the joined text of only the runs the
            search is about to choose, round after round), ``"all"`` (every
            run) or ``"none"`` (score every run by its sentences' vectors).
        crossing: also find sentence pairs off the monotone path, in
            ``Alignment.links``, and list the sentences in no pair with the
            reason, in ``Alignment.unaligned`` (`aligner.crossing`).
        link_threshold: the smallest probability of such a link.
        cache_dir: a folder for an on-disk embedding cache shared by runs.
        progress: a progress bar on stderr; None shows one on long runs when
            stderr is a terminal.
        max_chars: the longest sentence before it is split again.
        uncovered: ``"error"`` (a language the encoder does not cover raises
            `LanguageError`) or ``"warn"`` (an `AlignerWarning` instead, and
            the alignment is made with the best encoder there is, or the one
            named).
        **deprecated: the hand-set score of aligner 0.1 (``skip``,
            ``size_exponent``, ``strict_merges``, ``pair_floor``...): each
            warns, selects that score instead of the fitted one, and goes in
            0.3.

    Returns:
        An `Alignment` whose beads cover every sentence of both sides exactly
        once, in order; ``metadata["fit"]`` holds the fitted parameters.

    Raises:
        InputError: a side is empty or not text, or an option is unknown or out of range.
        LanguageError: a language code is unknown or cannot be detected, or
            the encoder does not cover a language (see ``uncovered``); the
            message names the language and the encoders that cover it.
        EncoderError: the encoder fails or returns something unusable.
    """
    opts = check_options(
        bead_types=bead_types, window=window, deletion_prior=deletion_prior, joined_texts=joined_texts,
        crossing=crossing, link_threshold=link_threshold, cache_dir=cache_dir, progress=progress, max_chars=max_chars,
        uncovered=uncovered,
    )
    legacy = legacy_settings(deprecated)
    src_lang, src = sentences_of(source, source_lang, "source", opts.max_chars)
    tgt_lang, tgt = sentences_of(target, target_lang, "target", opts.max_chars)
    message = length_warning(src, tgt)
    if message:
        warnings.warn(message, AlignerWarning, stacklevel=2)

    enc = choose_encoder(encoder, src_lang, tgt_lang, opts.uncovered)
    show = opts.progress
    if show is None:
        show = sys.stderr.isatty() and len(src) + len(tgt) >= _PROGRESS_MIN_TEXTS
    store = EmbeddingStore(enc, cache_dir=opts.cache_dir, progress=bool(show))
    stages = Stages(bool(show))
    # One call for both sides: an encoder that batches by length (sentence-transformers)
    # fills its batches better from one list than from two.
    stages.stage("embedding")
    both = store.get(list(src) + list(tgt))
    vs, vt = both[: len(src)], both[len(src) :]

    legacy = legacy or {}
    search = SearchParams(opts.bead_types, opts.window, legacy.get("full_cells", SearchParams.full_cells))
    start = rules_score(legacy) if legacy else None
    stages.stage("band search, anchors and headings")
    searcher = _path_search(store, src, tgt, vs, vt, (joiner(src_lang), joiner(tgt_lang)), search, opts, legacy, start)
    searcher.stages = stages
    if legacy:
        pairs, margins, extra = rules_path(searcher, legacy)
        model, fit = "rules-0.1", None
    else:
        pairs, margins, calibration = fitted_path(
            searcher, search.bead_types, anchors=(searcher.features["anchors_s"], searcher.features["anchors_t"]),
            quotes=(searcher.features["quotes_s"], searcher.features["quotes_t"]), deletion_prior=opts.deletion_prior,
        )
        model, fit = "fitted", calibration.summary() if calibration is not None else None
        extra = {"fit": fit}

    beads = [Bead(s, t, round(mg, 6)) for (s, t), mg in zip(pairs, margins)]
    links, unaligned = (), ()
    if opts.crossing:
        from .crossing import off_path

        stages.stage("links off the path")
        links, unaligned = off_path(beads, vs, vt, opts.link_threshold, searcher.len_s, searcher.len_t)
    stages.close()
    metadata = {
        "signature": signature(encoder_name(enc), opts, model, fit, legacy),
        "encoder": encoder_name(enc),
        "model": model,
        **extra,
        "encoded_texts": store.n_encoded,
        "joined_from_sentences": store.fast_joins,
        "rounds": searcher.rounds,
    }
    return Alignment(
        src, tgt, beads, source_lang=src_lang, target_lang=tgt_lang, metadata=metadata, links=links,
        unaligned=unaligned,
    )


def _path_search(store, src, tgt, vs, vt, seps, search: SearchParams, opts: Options, legacy: dict, start) -> PathSearch:
    """The `PathSearch` of the pair: its band and the features every score reads."""
    len_s = np.array([len(s) for s in src], dtype=np.float64)
    len_t = np.array([len(t) for t in tgt], dtype=np.float64)
    # The band comes from a plain score's coarse path, whichever score follows.
    band = search_band(vs, vt, len_s, len_t, search, start if start is not None else START)
    features: dict[str, Any] = {
        "lone_s": np.array([looks_like_heading(x) for x in src], dtype=np.bool_),
        "lone_t": np.array([looks_like_heading(x) for x in tgt], dtype=np.bool_),
    }
    uses = start is None  # the fitted model weighs anchors and quotes itself, and needs both
    if uses or start.anchor_weight:
        features["anchors_s"], features["anchors_t"] = anchor_masks(src, tgt)
    if uses or start.quote_weight:
        features["quotes_s"], features["quotes_t"] = quote_states(src), quote_states(tgt)
    if start is not None and start.pair_guard > 0:
        features["partners_s"], features["partners_t"] = mutual_pairs(
            vs, vt, start.pair_guard, None if len(vs) * len(vt) <= GUARD_FULL_CELLS else band
        )
    fraction = legacy.get("joined_budget", None if store.cheap_joins else JOINED_BUDGET)
    return PathSearch(store, src, tgt, vs, vt, seps, search, band, opts.joined_texts, fraction, **features)


def parse_options(options: dict[str, Any]) -> None:
    """Check `align`'s keyword options as a dict (the batch does, once, before its pairs).

    Raises InputError naming the option for anything `align` would refuse.
    """
    typed = {k: v for k, v in options.items() if k in Options.__dataclass_fields__}
    check_options(**typed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # align warns, pair by pair
        legacy_settings({k: v for k, v in options.items() if k not in typed})
