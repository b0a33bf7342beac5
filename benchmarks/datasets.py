"""The evaluation sets of the benchmarks, as lists of `Document`.

Every loader returns ``list[Document]``; a document holds its name, its
source and target sentences, the gold beads as ``(source ids, target ids)``
tuples and the two language codes (the seeds also hold their sure and
possible links). The data other than the seeds lives beside the project, in
``<root>/../shared/data/`` (``root`` being the folder of pyproject.toml; the
environment variable ``ALIGNER_SHARED_DATA`` may point elsewhere). When a file
is absent the loader raises `DataMissing`, whose message names the missing
path, and the benchmarks skip with that message.

The sets:

- ``seeds``: ``seeds/ankara.fr.txt`` and ``seeds/ankara.ar.txt`` split with
  `aligner.segment.split_sentences` (French, Arabic); gold beads
  ``seeds/ankara.fr-ar.gold.beads`` (Vecalign format) and links
  ``seeds/ankara.fr-ar.gold.links`` (TSV: French id, Arabic id,
  ``sure``/``possible``; ``#`` starts a comment). One document.
- ``textberg-dev``: ``textberg-dev/dev.de`` and ``dev.fr``, one sentence a
  line, lines kept exactly as they are; gold ``dev.defr``. German to French,
  one document (468 and 554 sentences).
- ``mac-dev``: ``mac-dev/zh/NNN`` and ``mac-dev/en/NNN``, one sentence a line;
  gold ``mac-dev/gold/NNN``. Chinese to English, 6 documents. The files have
  no blank lines (checked on load: a blank line would still be a sentence,
  since the gold ids count every line, and the loader refuses it rather than
  shift the ids), so line k is sentence k.
- ``flores-fr-ar``, ``flores-de-fr``, ``flores-zh-en``: synthetic document
  pairs with a known gold, built from FLORES-101 dev as follows.

The FLORES recipe (deterministic, no state but the files):

1. ``metadata_dev.tsv`` has one row per sentence (after its header);
   consecutive rows with the same URL are one article (281 articles, 997
   sentences).
2. The articles, in file order, are cut into 25 consecutive groups: the k-th
   cut (k = 1..24) is the article boundary nearest to sentence k * 997 / 25,
   so each group is a document of about 40 sentences made of whole articles.
3. For each language pair a fresh ``random.Random(SEED)`` (``SEED`` = 20240601,
   the same for every pair, so all pairs have the same bead structure and
   differ only in their languages) walks the 25 documents in order and, at
   each sentence i of a document, draws r = rng.random():

   - r < .06: a 2-1 bead: source sentences i and i+1 against target sentences
     i and i+1 joined into one;
   - r < .12: a 1-2 bead: source sentences i and i+1 joined, against target
     sentences i and i+1;
   - r < .15: a 1-0 bead: source sentence i, its target dropped;
   - r < .18: a 0-1 bead: target sentence i, its source dropped;
   - otherwise a 1-1 bead.

   A merge drawn at a document's last sentence becomes a 1-1 bead. Joined
   sentences are separated by a space, or by nothing in Chinese. So about 6%
   of the beads are 2-1, 6% 1-2, 3% 1-0, 3% 0-1 and the rest 1-1.
4. Pairs: French to Arabic (the benchmark's main pair, as the seeds), German
   to French, Chinese to English.

``flores200-<a>-<b>`` are built by the same recipe (same seed, mix and 25
groups) from FLORES-200 devtest (``flores200-devtest/``: 1,012 sentences,
``metadata_devtest.tsv``), in Hindi, Greek, Swahili, Czech and Spanish, the
first four outside USE v3's languages: hi-el, sw-cs and el-sw have both sides
outside, hi-es and cs-es one side (`FLORES200_PAIRS`).

``flores-fr-ar-gaps`` is the French–Arabic build with another mix
(`FLORES_GAPS_MIX`): 12% 1-0 and 12% 0-1 beads, 4% 2-1 and 4% 1-2, so that
about a quarter of the sentences have no counterpart, as in two reports of
the same event (the seeds' gold leaves 7 of 26 sentences unaligned). It
stands in for comparable documents, of which the seeds are the only real
pair here; a setting for such documents is judged on both.
"""

from __future__ import annotations

import functools
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aligner.formats import read_beads
from aligner.segment import split_sentences

__all__ = [
    "Document", "DataMissing", "ROOT", "SHARED_DATA", "SEEDS", "LOADERS", "load",
    "seeds", "textberg_dev", "mac_dev", "flores", "flores200", "FLORES_SEED", "FLORES_DOCS", "FLORES200_PAIRS",
]

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("ALIGNER_SHARED_DATA") or ROOT.parent / "shared" / "data")
SEEDS = ROOT / "seeds"

FLORES_SEED = 20240601
FLORES_DOCS = 25
FLORES_FILES = {"ar": "flores101_ara.dev", "de": "flores101_deu.dev", "en": "flores101_eng.dev",
                "fr": "flores101_fra.dev", "zh": "flores101_zho_simpl.dev"}
# FLORES-200 devtest: four languages outside USE v3's 16 and Spanish, inside.
FLORES200_FILES = {"hi": "hin_Deva.devtest", "el": "ell_Grek.devtest", "sw": "swh_Latn.devtest",
                   "cs": "ces_Latn.devtest", "es": "spa_Latn.devtest"}
# The pairs of the benchmarks: both sides outside USE (hi-el, sw-cs, el-sw), one side (hi-es, cs-es).
FLORES200_PAIRS = (("hi", "el"), ("sw", "cs"), ("el", "sw"), ("hi", "es"), ("cs", "es"))
# Share of beads of each kind, drawn in this order; the rest are 1-1.
FLORES_MIX = (("2-1", 0.06), ("1-2", 0.06), ("1-0", 0.03), ("0-1", 0.03))
FLORES_GAPS_MIX = (("2-1", 0.04), ("1-2", 0.04), ("1-0", 0.12), ("0-1", 0.12))
_NO_SPACE = frozenset({"zh", "ja", "th"})

Pair = tuple[tuple[int, ...], tuple[int, ...]]


class DataMissing(FileNotFoundError):
    """A file a set needs is absent; the message names it."""


@dataclass(frozen=True)
class Document:
    """One document pair with its gold alignment."""

    name: str
    source: tuple[str, ...]
    target: tuple[str, ...]
    gold: tuple[Pair, ...]
    source_lang: str
    target_lang: str
    sure_links: frozenset[tuple[int, int]] | None = field(default=None)
    possible_links: frozenset[tuple[int, int]] | None = field(default=None)


def _need(path: Path) -> Path:
    if not path.is_file():
        raise DataMissing(f"missing {path}")
    return path


def _read(path: Path) -> str:
    return _need(path).read_text(encoding="utf-8")


def _lines(path: Path) -> tuple[str, ...]:
    """The lines of a one-sentence-a-line file, as they are (split on "\\n" only)."""
    text = _read(path)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it does not start a new one
    blank = [k for k, s in enumerate(lines) if not s.strip()]
    if blank:
        raise ValueError(f"{path}: line {blank[0] + 1} is blank ({len(blank)} such); ids would not match the gold")
    return tuple(lines)


def _gold(path: Path, n_src: int, n_tgt: int) -> tuple[Pair, ...]:
    beads = tuple(read_beads(_read(path)))
    for src, tgt in beads:
        if any(i >= n_src for i in src) or any(j >= n_tgt for j in tgt):
            raise ValueError(f"{path}: bead {list(src)}:{list(tgt)} names a sentence past the end "
                             f"({n_src} source, {n_tgt} target sentences)")
    return beads


def _links(path: Path) -> tuple[frozenset, frozenset]:
    sure, possible = set(), set()
    for n, line in enumerate(_read(path).split("\n"), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[2] not in ("sure", "possible"):
            raise ValueError(f"{path}: line {n}: expected 'src id<TAB>tgt id<TAB>sure|possible', got {line!r}")
        (sure if parts[2] == "sure" else possible).add((int(parts[0]), int(parts[1])))
    return frozenset(sure), frozenset(possible)


def seeds() -> list[Document]:
    """The French and Arabic seed articles with their hand-made gold."""
    fr = tuple(split_sentences(_read(SEEDS / "ankara.fr.txt"), "fr"))
    ar = tuple(split_sentences(_read(SEEDS / "ankara.ar.txt"), "ar"))
    gold = _gold(SEEDS / "ankara.fr-ar.gold.beads", len(fr), len(ar))
    sure, possible = _links(SEEDS / "ankara.fr-ar.gold.links")
    return [Document("ankara", fr, ar, gold, "fr", "ar", sure, possible)]


def textberg_dev() -> list[Document]:
    """Text+Berg dev, German to French, pre-split."""
    d = SHARED_DATA / "textberg-dev"
    de, fr = _lines(d / "dev.de"), _lines(d / "dev.fr")
    return [Document("dev", de, fr, _gold(d / "dev.defr", len(de), len(fr)), "de", "fr")]


def mac_dev() -> list[Document]:
    """MAC dev, Chinese to English, 6 documents."""
    d = SHARED_DATA / "mac-dev"
    gold_dir = d / "gold"
    if not gold_dir.is_dir():
        raise DataMissing(f"missing {gold_dir}")
    names = sorted(p.name for p in gold_dir.iterdir() if p.is_file())
    if not names:
        raise DataMissing(f"missing the gold files in {gold_dir}")
    docs = []
    for name in names:
        zh, en = _lines(d / "zh" / name), _lines(d / "en" / name)
        docs.append(Document(name, zh, en, _gold(gold_dir / name, len(zh), len(en)), "zh", "en"))
    return docs


def _articles(meta: Path) -> list[int]:
    """Sizes of the articles: runs of consecutive rows with the same URL."""
    rows = _read(meta).split("\n")[1:]
    sizes: list[int] = []
    last = None
    for row in rows:
        if not row.strip():
            continue
        url = row.split("\t", 1)[0]
        if sizes and url == last:
            sizes[-1] += 1
        else:
            sizes.append(1)
        last = url
    return sizes


def _groups(sizes: list[int], k: int) -> list[tuple[int, int]]:
    """(first, end) sentence ranges of `k` consecutive groups of whole articles."""
    bounds = [0]
    for size in sizes:
        bounds.append(bounds[-1] + size)
    total = bounds[-1]
    cuts = [0]
    for g in range(1, k):
        want = g * total / k
        # The article boundary nearest to the ideal cut, after the previous cut.
        best = min((b for b in bounds if b > cuts[-1]), key=lambda b: (abs(b - want), b))
        cuts.append(best)
    cuts.append(total)
    return list(zip(cuts[:-1], cuts[1:]))


def _join(sents, lang: str) -> str:
    return ("" if lang in _NO_SPACE else " ").join(sents)


def flores(
    src_lang: str = "fr", tgt_lang: str = "ar", n_docs: int = FLORES_DOCS, seed: int = FLORES_SEED,
    mix: tuple[tuple[str, float], ...] = FLORES_MIX,
) -> list[Document]:
    """Synthetic documents built from FLORES-101 dev (the recipe is in the module docstring)."""
    return _flores_documents(
        SHARED_DATA / "flores-dev", FLORES_FILES, "metadata_dev.tsv", src_lang, tgt_lang, n_docs, seed, mix
    )


def flores200(
    src_lang: str, tgt_lang: str, n_docs: int = FLORES_DOCS, seed: int = FLORES_SEED,
    mix: tuple[tuple[str, float], ...] = FLORES_MIX,
) -> list[Document]:
    """Synthetic documents built from FLORES-200 devtest, by the same recipe as `flores`."""
    return _flores_documents(
        SHARED_DATA / "flores200-devtest", FLORES200_FILES, "metadata_devtest.tsv", src_lang, tgt_lang, n_docs,
        seed, mix,
    )


def _flores_documents(
    d: Path, files: dict[str, str], metadata: str, src_lang: str, tgt_lang: str, n_docs: int, seed: int,
    mix: tuple[tuple[str, float], ...],
) -> list[Document]:
    for lang in (src_lang, tgt_lang):
        if lang not in files:
            raise ValueError(f"no FLORES file for {lang!r} in {d.name}; have {', '.join(sorted(files))}")
    src_all = _lines(d / files[src_lang])
    tgt_all = _lines(d / files[tgt_lang])
    sizes = _articles(d / metadata)
    if not (len(src_all) == len(tgt_all) == sum(sizes)):
        raise ValueError(f"{d}: {len(src_all)} {src_lang}, {len(tgt_all)} {tgt_lang} sentences and "
                         f"{sum(sizes)} metadata rows should be the same number")
    rng = random.Random(seed)
    docs = []
    for k, (first, end) in enumerate(_groups(sizes, n_docs)):
        s_in, t_in = src_all[first:end], tgt_all[first:end]
        src: list[str] = []
        tgt: list[str] = []
        gold: list[Pair] = []
        i, n = 0, len(s_in)
        while i < n:
            r = rng.random()
            kind, acc = "1-1", 0.0
            for name, share in mix:
                acc += share
                if r < acc:
                    kind = name
                    break
            if kind in ("2-1", "1-2") and i + 1 >= n:
                kind = "1-1"
            si, ti = len(src), len(tgt)
            if kind == "2-1":
                src += [s_in[i], s_in[i + 1]]
                tgt.append(_join(t_in[i : i + 2], tgt_lang))
                gold.append(((si, si + 1), (ti,)))
                i += 2
            elif kind == "1-2":
                src.append(_join(s_in[i : i + 2], src_lang))
                tgt += [t_in[i], t_in[i + 1]]
                gold.append(((si,), (ti, ti + 1)))
                i += 2
            elif kind == "1-0":
                src.append(s_in[i])
                gold.append(((si,), ()))
                i += 1
            elif kind == "0-1":
                tgt.append(t_in[i])
                gold.append(((), (ti,)))
                i += 1
            else:
                src.append(s_in[i])
                tgt.append(t_in[i])
                gold.append(((si,), (ti,)))
                i += 1
        docs.append(Document(f"{k:02d}", tuple(src), tuple(tgt), tuple(gold), src_lang, tgt_lang))
    return docs


LOADERS: dict[str, Callable[[], list[Document]]] = {
    "seeds": seeds,
    "textberg-dev": textberg_dev,
    "mac-dev": mac_dev,
    "flores-fr-ar": functools.partial(flores, "fr", "ar"),
    "flores-de-fr": functools.partial(flores, "de", "fr"),
    "flores-zh-en": functools.partial(flores, "zh", "en"),
    "flores-fr-ar-gaps": functools.partial(flores, "fr", "ar", mix=FLORES_GAPS_MIX),
    **{f"flores200-{a}-{b}": functools.partial(flores200, a, b) for a, b in FLORES200_PAIRS},
}


# The stress cells (benchmarks/stress.py) add themselves to LOADERS on import.
from . import stress  # noqa: E402,F401  (after LOADERS: stress.py builds on the names above)


@functools.lru_cache(maxsize=None)
def load(name: str) -> tuple[Document, ...]:
    """The documents of set `name` (one of `LOADERS`), read once per process."""
    return tuple(LOADERS[name]())
