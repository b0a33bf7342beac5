"""The leave-one-set-out protocol: strict F1 per fold for the aligner, Bertalign and joined_texts="all".

    python -m benchmarks.folds                                   # every fold, the defaults
    python -m benchmarks.folds --systems default,bertalign       # fewer systems
    python -m benchmarks.folds skip=-0.1                         # the aligner with other options
    python -m benchmarks.folds --fit skip=-0.05,-0.1,-0.15       # a constant fitted on the other folds
    python -m benchmarks.folds --only 'stress-half' --markdown /tmp/folds.md --json /tmp/folds.json

The folds (`folds`), one row each: Text+Berg dev; each MAC dev book (the
documents of one ``book_id`` of ``meta_data.tsv``); the FLORES pairs of
flores-dev (fr-ar, de-fr, zh-en, and the fr-ar gaps build) and of
flores200-devtest (hi-el, sw-cs: languages outside the default encoder,
marked †); the seeds; and every stress cell of `benchmarks.stress`.

The systems: ``default`` is `aligner.align` with the given options (none: its
defaults); ``bertalign`` is Bertalign's algorithm (benchmarks/_bertalign.py)
with the same encoder; ``all`` is the aligner with the same options and
``joined_texts="all"``. The encoder is the one ``align(encoder=None)``
chooses for the language pair (read from the signature of a one-sentence
run, once per pair, then passed as that object so that it loads once), and
Bertalign embeds with that same encoder; the synthetic stress cell has its own
encoder (`benchmarks.stress.set_encoder`). Embeddings are cached on disk
(``benchmarks/.cache`` as ablate.py, or ``--cache``), so rows are cheap after
the first run.

Strict F1 is Vecalign's (`aligner.evaluate.score_documents`: counts summed
over a fold's documents). A moved-paragraph cell also gets the F1 on the rest
(`benchmarks.stress.rest_pairs`).

``--fit NAME=v1,v2,...`` (repeatable: the grid of all combinations) fits
constants by leaving one fold out: for each fold, the combination with the
best criterion over the OTHER folds' default strict F1 is chosen and the
fold's figures are those of that combination; the table names it per fold.
The criterion (``--criterion``): ``mean`` (default) the mean of the other
folds' strict F1, each fold weighing one; ``min`` their smallest (the best
worst fold); ``family`` the mean over families (Text+Berg, MAC, FLORES,
FLORES-200, seeds and each stress kind) of their folds' mean, so that the
many stress cells do not outweigh the real sets. Ties go to the value listed
first.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from aligner import align
from aligner.encoders import EmbeddingStore, USEEncoder, get_encoder
from aligner.evaluate import score_documents

from . import stress
from ._common import StoreEncoder
from ._foldtable import markdown_table, summary, table_rows
from .ablate import CACHE, _setting, _value
from .datasets import SHARED_DATA, DataMissing, Document, load

__all__ = [
    "Fold", "folds", "fold_documents", "Encoders", "predict", "score_fold", "run",
    "main", "SYSTEMS",
]

SYSTEMS = ("default", "bertalign", "all")
CRITERIA = ("mean", "min", "family")
_FLORES = ("flores-fr-ar", "flores-de-fr", "flores-zh-en", "flores-fr-ar-gaps")
_FLORES200 = ("flores200-hi-el", "flores200-sw-cs")

Pair = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Fold:
    """One row of the protocol: a set, or the documents of a set whose names are listed."""

    name: str
    set_name: str
    family: str
    documents: tuple[str, ...] | None = None
    outside_encoder: bool = False


def _mac_books() -> dict[str, list[str]]:
    """{book_id: [document names]} from mac-dev/meta_data.tsv ({} when absent)."""
    path = SHARED_DATA / "mac-dev" / "meta_data.tsv"
    if not path.is_file():
        return {}
    rows = path.read_text(encoding="utf-8").split("\n")
    header = rows[0].split("\t")
    text, book = header.index("text_id"), header.index("book_id")
    out: dict[str, list[str]] = {}
    for row in rows[1:]:
        cells = row.split("\t")
        if len(cells) > max(text, book):
            out.setdefault(cells[book], []).append(cells[text])
    return out


def _stress_family(name: str) -> str:
    for kind in ("half", "len", "moved"):
        if name.startswith(f"stress-{kind}"):
            return f"stress-{kind}"
    return "stress-rates"


def folds() -> list[Fold]:
    """Every fold, in the table's order."""
    out = [Fold("textberg-dev", "textberg-dev", "textberg")]
    for book, names in sorted(_mac_books().items()):
        out.append(Fold(f"mac-dev-book{book}", "mac-dev", "mac", tuple(names)))
    out += [Fold(s, s, "flores") for s in _FLORES]
    out += [Fold(s, s, "flores200", outside_encoder=True) for s in _FLORES200]
    out.append(Fold("seeds", "seeds", "seeds"))
    out += [Fold(s, s, _stress_family(s), outside_encoder=stress.outside_encoder(s))
            for s in stress.LOADERS if s.startswith("stress-")]
    return out


def fold_documents(fold: Fold) -> tuple[Document, ...]:
    """The fold's documents (raises DataMissing when a file is absent)."""
    docs = load(fold.set_name)
    if fold.documents is not None:
        docs = tuple(d for d in docs if d.name in fold.documents)
        if not docs:
            raise DataMissing(f"no document {', '.join(fold.documents)} in {fold.set_name}")
    return docs


class Encoders:
    """The encoder of each language pair, as ``align(encoder=None)`` chooses it, each loaded once."""

    def __init__(self, cache_dir: str | Path | None, shared=None) -> None:
        self.cache_dir = cache_dir
        # An encoder already loaded (the benchmark session's store), used for the pairs whose choice it is.
        self._by_name: dict[str, object] = {shared.name: shared} if shared is not None else {}
        self._by_pair: dict[tuple[str, str], object] = {}

    def for_document(self, set_name: str, doc: Document):
        special = stress.set_encoder(set_name)
        if special is not None:
            return special
        pair = (doc.source_lang, doc.target_lang)
        if pair not in self._by_pair:
            probe = align(list(doc.source[:1]), list(doc.target[:1]), source_lang=doc.source_lang,
                          target_lang=doc.target_lang, progress=False)
            name = probe.metadata["signature"].split("|enc:", 1)[1].split("|", 1)[0]
            self._by_pair[pair] = self._instance(name)
        return self._by_pair[pair]

    def _instance(self, name: str):
        if name not in self._by_name:
            use = USEEncoder()
            self._by_name[name] = use if use.name == name else get_encoder(name.removeprefix("st:"))
        return self._by_name[name]

    def cache_for(self, set_name: str):
        # The synthetic encoder is cheap and its vectors are the set's own: no disk cache.
        return None if stress.set_encoder(set_name) is not None else self.cache_dir


def predict(system: str, fold: Fold, docs: Sequence[Document], encoders: Encoders, options: dict) -> list[list[Pair]]:
    """The beads `system` finds on each document of the fold."""
    from ._bertalign import bertalign

    cache = encoders.cache_for(fold.set_name)
    out = []
    stores: dict[int, StoreEncoder] = {}
    for doc in docs:
        enc = encoders.for_document(fold.set_name, doc)
        if system == "bertalign":
            # One store per fold and encoder: its memory is freed with the fold.
            store = enc if isinstance(enc, StoreEncoder) else stores.setdefault(
                id(enc), StoreEncoder(EmbeddingStore(enc, cache_dir=cache)))
            out.append(bertalign(doc.source, doc.target, store.encode))
            continue
        opts = dict(options, joined_texts="all") if system == "all" else dict(options)
        al = align(list(doc.source), list(doc.target), source_lang=doc.source_lang, target_lang=doc.target_lang,
                   encoder=enc, progress=False, cache_dir=cache, **opts)
        out.append([(b.source, b.target) for b in al.beads])
    return out


def score_fold(docs: Sequence[Document], predictions: Sequence[Sequence[Pair]]) -> dict:
    """Strict F1 (and precision, recall) over the fold; ``f1_rest`` too where a paragraph moved."""
    scores = score_documents([(d.gold, p) for d, p in zip(docs, predictions)])
    entry = {k: round(scores[k], 6) for k in ("precision_strict", "recall_strict", "f1_strict", "f1_lax")}
    if any(isinstance(d, stress.MovedDocument) for d in docs):
        entry["f1_rest"] = round(score_documents(stress.rest_pairs(docs, predictions))["f1_strict"], 6)
    return entry


def _combos(fit: Sequence[str]) -> list[dict]:
    grid = [{}]
    for item in fit:
        key, sep, values = item.partition("=")
        if not sep or not values:
            raise SystemExit(f"--fit expects NAME=v1,v2,...; got {item!r}")
        grid = [dict(g, **{key.strip(): _value(v)}) for g in grid for v in values.split(",")]
    return grid


def _criterion(kind: str, scores: dict[str, float], families: dict[str, str]) -> float:
    values = list(scores.values())
    if not values:
        return 0.0
    if kind == "min":
        return min(values)
    if kind == "family":
        by: dict[str, list[float]] = {}
        for name, v in scores.items():
            by.setdefault(families[name], []).append(v)
        return sum(sum(v) / len(v) for v in by.values()) / len(by)
    return sum(values) / len(values)


def choose(f1: dict[int, dict[str, float]], held_out: str, kind: str, families: dict[str, str]) -> int:
    """The combination (index into the grid) with the best criterion over every fold but `held_out`."""
    best, best_value = 0, None
    for c, by_fold in sorted(f1.items()):
        value = _criterion(kind, {k: v for k, v in by_fold.items() if k != held_out}, families)
        if best_value is None or value > best_value:
            best, best_value = c, value
    return best


def entry(fold: Fold, docs: Sequence[Document]) -> dict:
    """A fold's record before its scores: what report.py and the tables need."""
    return {"family": fold.family, "outside_encoder": fold.outside_encoder, "documents": len(docs),
            "gold_beads": sum(len(d.gold) for d in docs), "systems": {}}


def run(selected: Sequence[Fold], systems: Sequence[str], options: dict, fit: Sequence[str], criterion: str,
        encoders: Encoders, log: Callable[[dict, str], None] = lambda e, name: None) -> dict[str, dict]:
    """{fold name: record}; with `fit`, each fold's default (and "all") under the combination chosen without it."""
    out: dict[str, dict] = {}
    docs_of: dict[str, tuple[Document, ...]] = {}
    for fold in selected:
        try:
            docs_of[fold.name] = fold_documents(fold)
        except DataMissing as exc:
            print(f"skipping {fold.name}: {exc}", file=sys.stderr)
    selected = [f for f in selected if f.name in docs_of]
    grid = _combos(fit)
    families = {f.name: f.family for f in selected}
    cached: dict[tuple[str, str, int], dict] = {}

    def scores(system: str, fold: Fold, c: int) -> dict:
        key = (system, fold.name, 0 if system == "bertalign" else c)
        if key not in cached:
            docs = docs_of[fold.name]
            cached[key] = score_fold(docs, predict(system, fold, docs, encoders, dict(options, **grid[key[2]])))
        return cached[key]

    f1: dict[int, dict[str, float]] = {}
    if len(grid) > 1:
        # Every fold under every combination first: each fold's choice needs all the others.
        for c in range(len(grid)):
            for fold in selected:
                start = time.perf_counter()
                value = scores("default", fold, c)["f1_strict"]
                print(f"fit {grid[c]} {fold.name}: {value:.4f} ({time.perf_counter() - start:.0f} s)",
                      file=sys.stderr, flush=True)
        f1 = {c: {f.name: cached[("default", f.name, c)]["f1_strict"] for f in selected} for c in range(len(grid))}
    for fold in selected:
        start = time.perf_counter()
        c = choose(f1, fold.name, criterion, families) if f1 else 0
        record = entry(fold, docs_of[fold.name])
        if f1:
            record["chosen"] = grid[c]
        for system in systems:
            record["systems"][system] = scores(system, fold, c)
        record["seconds"] = round(time.perf_counter() - start, 1)
        out[fold.name] = record
        log(record, fold.name)
    return out


def _select(all_folds: Iterable[Fold], only: str | None, skip: str | None) -> list[Fold]:
    out = list(all_folds)
    if only:
        out = [f for f in out if re.search(only, f.name)]
    if skip:
        out = [f for f in out if not re.search(skip, f.name)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.folds", description=__doc__.split("\n\n")[0])
    parser.add_argument("settings", nargs="*", help="name=value options of align for default and all")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated: default, bertalign, all")
    parser.add_argument("--fit", action="append", default=[], help="NAME=v1,v2,...: fitted on the other folds")
    parser.add_argument("--criterion", choices=CRITERIA, default="mean", help="how --fit judges the other folds")
    parser.add_argument("--only", help="a regular expression: the folds whose name it matches")
    parser.add_argument("--skip", help="a regular expression: leave out the folds whose name it matches")
    parser.add_argument("--cache", default=str(CACHE), help="embedding cache folder")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--json", type=Path, help="also write the records ({fold: record}) to this file")
    parser.add_argument("--list", action="store_true", help="list the folds and stop")
    args = parser.parse_args(argv)

    systems = [s for s in args.systems.split(",") if s]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        raise SystemExit(f"unknown system(s) {', '.join(sorted(unknown))}; have {', '.join(SYSTEMS)}")
    selected = _select(folds(), args.only, args.skip)
    if args.list:
        for f in selected:
            print(f.name, f.family, f.set_name, ",".join(f.documents or ()))
        return 0
    options = dict(_setting(s) for s in args.settings)
    start = time.perf_counter()

    def log(record: dict, name: str) -> None:
        head, rows = table_rows({name: record})
        if log.first:
            print("| " + " | ".join(head + ["seconds"]) + " |", flush=True)
            print("| --- |" + " ---: |" * len(head), flush=True)
            log.first = False
        print("| " + " | ".join(rows[0] + [f"{record['seconds']:.0f}"]) + " |", flush=True)

    log.first = True
    entries = run(selected, systems, options, args.fit, args.criterion, Encoders(args.cache), log)
    print("\n".join(summary(entries) + [f"{time.perf_counter() - start:.0f} s in all"]))
    if args.markdown:
        label = " ".join(f"{k}={v}" for k, v in options.items()) or "the defaults"
        fitted = f"; fitted on the other folds ({args.criterion}): {' '.join(args.fit)}" if args.fit else ""
        command = "python -m benchmarks.folds " + shlex.join(argv if argv is not None else sys.argv[1:])
        text = [f"`{command.strip()}` ({label}{fitted}):", ""] + markdown_table(entries)
        args.markdown.write_text("\n".join(text) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
