"""Strict F1 of `align` under other options, on every evaluation set: the harness behind docs' ablation tables.

    python -m benchmarks.ablate                                # the defaults
    python -m benchmarks.ablate skip=-0.15 "size_exponent=0.6"  # one setting
    python -m benchmarks.ablate --grid skip=-0.05,-0.1,-0.15    # one row per value
    python -m benchmarks.ablate --sets textberg-dev,mac-dev joined_texts=all
    python -m benchmarks.ablate --sets stress-half-synthetic,stress-fr-ar-m30-d20   # stress cells (stress.py)

Each row runs `aligner.align` on every document of the sets with the
default encoder and the given options, and prints strict F1 per set, so that a
setting is judged on all of them at once (a setting that helps one set only is
not a gain). Embeddings are cached on disk (``benchmarks/.cache``, git-ignored,
or ``--cache``), so after the first run a row costs the alignment alone.
Values are parsed as Python literals (numbers, True/False, tuples, strings).
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

from aligner import align
from aligner.evaluate import score_documents

from .datasets import DataMissing, load
from .stress import set_encoder

SETS = ("textberg-dev", "mac-dev", "flores-fr-ar", "flores-de-fr", "flores-zh-en", "seeds", "flores-fr-ar-gaps")
CACHE = Path(__file__).resolve().parent / ".cache"


def _value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _setting(item: str) -> tuple[str, object]:
    key, sep, value = item.partition("=")
    if not sep:
        raise SystemExit(f"expected name=value, got {item!r}")
    return key.strip(), _value(value.strip())


def strict_f1(set_name: str, encoder, **options) -> float:
    """Strict F1 of `align` with `options` over the documents of `set_name` (Vecalign's score_multiple)."""
    pairs = []
    encoder = set_encoder(set_name) or encoder  # the synthetic stress cell brings its own
    for doc in load(set_name):
        al = align(list(doc.source), list(doc.target), source_lang=doc.source_lang, target_lang=doc.target_lang,
                   encoder=encoder, progress=False, **options)
        pairs.append((doc.gold, [(b.source, b.target) for b in al.beads]))
    return score_documents(pairs)["f1_strict"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ablate", description=__doc__.split("\n\n")[0])
    parser.add_argument("settings", nargs="*", help="name=value options of align, shared by every row")
    parser.add_argument("--grid", action="append", default=[], help="name=v1,v2,...: one row per value")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated evaluation sets")
    parser.add_argument("--cache", default=str(CACHE), help="embedding cache folder")
    args = parser.parse_args(argv)

    base = dict(_setting(s) for s in args.settings)
    rows = [dict(base)]
    for item in args.grid:
        key, _, values = item.partition("=")
        rows = [dict(row, **{key.strip(): _value(v)}) for row in rows for v in values.split(",")]
    sets = [s for s in args.sets.split(",") if s]
    for name in sets:
        try:
            load(name)
        except DataMissing as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
            sets.remove(name)
    encoder = None  # align() chooses per pair: USE v3, or multilingual-e5-small outside its languages
    print("| options | " + " | ".join(sets) + " | seconds |")
    print("| --- |" + " ---: |" * (len(sets) + 1))
    for row in rows:
        start = time.perf_counter()
        scores = [strict_f1(name, encoder, cache_dir=args.cache, **row) for name in sets]
        label = " ".join(f"{k}={v}" for k, v in row.items()) or "defaults"
        print(f"| {label} | " + " | ".join(f"{s:.4f}" for s in scores) + f" | {time.perf_counter() - start:.0f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
