"""Stress documents built from FLORES with fixed seeds: the cells of the leave-one-set-out protocol.

Every cell is a set of `benchmarks.datasets.Document` with a known gold,
registered in ``benchmarks.datasets.LOADERS`` under the name below, so that
``python -m benchmarks.ablate --sets stress-fr-ar-m20-d10`` and
``python -m benchmarks.folds`` run it. Nothing here reads a test half: the
material is FLORES-101 dev (``flores-dev``) and, for the languages outside the
default encoder, FLORES-200 devtest in Hindi, Greek, Swahili and Czech
(``flores200-devtest``, whose test use the project allows for these five
languages only).

The recipe (deterministic; nothing but the files and the constants here):

Material. A corpus is its sentence files (line N of each the translation of
line N of every other) and its metadata, whose consecutive rows with one URL
are one article (`datasets._articles`): flores-dev has 997 sentences in 281
articles (languages ar, de, en, fr, zh), flores200-devtest 1,012 sentences
(hi, el, sw, cs, es). Pairs: fr-ar, de-fr, zh-en from flores-dev; hi-el and
sw-cs from flores200-devtest (``OUTSIDE_ENCODER``: languages the default
encoder, multilingual USE v3, was not trained on; the cells are there for the
per-language encoder work of issue 18 and are marked as such in the tables).

Bead draw (`build`). A document's material is a run of articles; a
``random.Random`` walks its sentences in order and at each material sentence
i draws r = rng.random() and takes the first kind of the cell's mix whose
cumulated share exceeds r (otherwise 1-1):

- ``2-1``: source sentences i and i+1 against target sentences i and i+1
  joined into one (with a space, nothing in Chinese);
- ``1-2``: the mirror image;
- ``1-0``: source sentence i, its target dropped; ``0-1`` the mirror image;
- ``h2-1``: a half-meaning merge: source sentence i cut in two at a clause
  boundary (`split_half`), each half ending with the source's full stop,
  against target sentence i whole, so that each half carries half of the
  other side's meaning; ``h1-2`` the mirror image (target cut).

A merge drawn on the last sentence of the document (or of the article, in
the moved-paragraph cells) becomes 1-1; a half drawn on a sentence that
`split_half` cannot cut becomes 1-1. With this draw the mix's shares are
shares of beads.

The cells (``<pair>`` is one of ``PAIRS``):

- ``stress-<pair>-m<MM>-d<DD>``: merge rate MM% in {0, 10, 20, 30} x deletion
  rate DD% in {0, 10, 20} (``RATES``). The merges split evenly between 2-1
  and 1-2, the deletions between 1-0 and 0-1: mix (2-1 MM/2, 1-2 MM/2, 1-0
  DD/2, 0-1 DD/2). Documents: the corpus's articles in file order cut into 25
  groups of whole articles as datasets.py's FLORES recipe does (about 40
  sentences each); one ``random.Random("stress-rates-m<MM>-d<DD>")`` walks all
  25 (the same seed for every pair, so the pairs differ by their languages
  only). m00-d00 is all 1-1.
- ``stress-half-<pair>``: the same 25 documents, mix (h2-1 .04, h1-2 .04,
  1-0 .02, 0-1 .02), ``random.Random("stress-half")``: about 8% of the beads
  are half-meaning merges of real text.
- ``stress-half-synthetic``: the issue's reproducible failure with a
  synthetic encoder (`synthetic_half`, `SyntheticEncoder`): 2,900 draws,
  one per source meaning, each a unit vector v in 128 dimensions
  (``numpy.random.default_rng(20261204)``); per source sentence a draw gives
  a 1-1 bead (target vector: v plus a random unit vector times 0.75,
  normalised; cosine about .8) or, with probability .04 each, a 2-1 or 1-2
  half merge (the split side's two sentences are the normalised v + u and
  v - u, u a random unit vector orthogonal to v, so that their normalised
  sum is v), or .02 each a 1-0 (v dropped) or 0-1 (an unrelated target
  vector before sentence i). A text is a unique 8-letter word (letters a-w,
  no digits, so that no number anchors a bead) and a full stop, so every
  text has the same length and a half is as long as the whole (the issue's
  setting: with halves half as long, the length penalty alone lets the
  default find every merge); the encoder embeds a text as the normalised sum
  of the vectors of the words it contains, so a joined run of two halves is
  exactly v.
- ``stress-len<N>-<pair>``: one document of N = 20, 100, 500, all (997 for
  flores-dev, 1,012 for flores200-devtest: the name says ``lenall``) and 5,000
  material sentences: the articles in one fixed shuffled order
  (``random.Random("stress-len-order").shuffle``), that order repeated as
  often as needed and cut after N sentences (so in the 5,000-sentence
  document every sentence comes back 997 sentences later, each repeat far
  from the last; the merges drawn differ between repeats). Mix: datasets.py's
  FLORES mix (2-1 .06, 1-2 .06, 1-0 .03, 0-1 .03),
  ``random.Random("stress-len<N>")``.
- ``stress-moved-<pair>``: the 25 documents with the FLORES mix, merges kept
  inside articles, ``random.Random("stress-moved")``; then in each document
  the same generator picks one article of 2 to 10 sentences and moves its
  target sentences (those of its beads) to another article boundary of the
  target side: not its own place, nor a swap with the article just before
  or after it. The gold keeps the
  moved beads, so it is not monotone: a monotone aligner cannot find them,
  and the strict F1 (Vecalign's, on the whole gold) counts them anyway;
  `rest_pairs` gives the documents without the moved article (the gold
  beads that touch it and the predicted beads that hold one of its
  sentences left out), for the F1 on the rest.

`split_half` cuts a sentence at the clause mark nearest to its middle (comma,
semicolon or colon, and their Arabic and Chinese forms ، ؛ ， ； ：), keeping
each half at least a fifth of the characters; failing that at the space
nearest to the middle within the same limits; failing that (Chinese without
marks) at the middle character. The mark and the spaces around it are
dropped, the first half gets the side's full stop (。 in Chinese, । in
Hindi, . elsewhere) and the second half's first letter is capitalised.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from . import datasets
from .datasets import FLORES_FILES, FLORES_MIX, SHARED_DATA, Document, _articles, _lines

__all__ = [
    "PAIRS", "OUTSIDE_ENCODER", "RATES", "LENGTHS", "LOADERS", "FLORES200_FILES", "SyntheticEncoder",
    "build", "split_half", "synthetic_half", "rest_pairs", "moved", "set_encoder",
]

FLORES200_FILES = {"hi": "hin_Deva.devtest", "el": "ell_Grek.devtest", "sw": "swh_Latn.devtest",
                   "cs": "ces_Latn.devtest", "es": "spa_Latn.devtest"}
PAIRS = (("fr", "ar"), ("de", "fr"), ("zh", "en"), ("hi", "el"), ("sw", "cs"))
# Pairs whose languages the default encoder (USE v3) was not trained on.
OUTSIDE_ENCODER = frozenset({("hi", "el"), ("sw", "cs")})
RATES = tuple((m, d) for m in (0, 10, 20, 30) for d in (0, 10, 20))
LENGTHS = (20, 100, 500, "all", 5000)
N_DOCS = 25
HALF_MIX = (("h2-1", 0.04), ("h1-2", 0.04), ("1-0", 0.02), ("0-1", 0.02))

_CLAUSE = ",;:،؛，；："
_STOP = {"zh": "。", "hi": "।"}
_NO_SPACE = frozenset({"zh", "ja", "th"})
_MIN_PART = 0.2

Pair = tuple[tuple[int, ...], tuple[int, ...]]


# --- material ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Corpus:
    folder: str
    files: dict[str, str]
    meta: str


def _corpus(lang: str) -> _Corpus:

    if lang in FLORES_FILES:
        return _Corpus("flores-dev", FLORES_FILES, "metadata_dev.tsv")
    if lang in FLORES200_FILES:
        return _Corpus("flores200-devtest", FLORES200_FILES, "metadata_devtest.tsv")
    raise ValueError(f"no FLORES file for {lang!r}")


@functools.lru_cache(maxsize=None)
def _material(src_lang: str, tgt_lang: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]:
    """Both sides' sentences and the article sizes of the corpus that has both languages."""

    corpus = _corpus(src_lang)
    if _corpus(tgt_lang) != corpus:
        raise ValueError(f"{src_lang} and {tgt_lang} are not in one FLORES corpus")
    d = SHARED_DATA / corpus.folder
    src, tgt = _lines(d / corpus.files[src_lang]), _lines(d / corpus.files[tgt_lang])
    sizes = tuple(_articles(d / corpus.meta))
    if not (len(src) == len(tgt) == sum(sizes)):
        raise ValueError(f"{d}: {len(src)} {src_lang}, {len(tgt)} {tgt_lang} sentences and {sum(sizes)} "
                         "metadata rows should be the same number")
    return src, tgt, sizes


def _spans(sizes: Sequence[int]) -> list[range]:
    out, start = [], 0
    for size in sizes:
        out.append(range(start, start + size))
        start += size
    return out


# --- half sentences ---------------------------------------------------------------------------

def split_half(text: str, lang: str) -> tuple[str, str] | None:
    """`text` cut in two at the clause boundary nearest its middle, each half a sentence; None if it cannot be."""
    s = text.strip()
    n = len(s)
    lo, hi = _MIN_PART * n, (1 - _MIN_PART) * n
    mid = n / 2

    def nearest(chars: str) -> int | None:
        cands = [p for p, c in enumerate(s) if c in chars and lo <= p <= hi]
        return min(cands, key=lambda p: (abs(p - mid), p)) if cands else None

    p = nearest(_CLAUSE)
    if p is None:
        p = nearest(" ")
    if p is not None:
        first, second = s[:p].rstrip(), s[p + 1 :].lstrip()
    elif lang in _NO_SPACE and n >= 4:
        first, second = s[: n // 2], s[n // 2 :]
    else:
        return None
    if not first or not second:
        return None
    first = first.rstrip(_CLAUSE + " ") + _STOP.get(lang, ".")
    second = second[0].upper() + second[1:]
    return first, second


# --- the bead draw ----------------------------------------------------------------------------

def _kind(rng: random.Random, mix) -> str:
    r = rng.random()
    acc = 0.0
    for name, share in mix:
        acc += share
        if r < acc:
            return name
    return "1-1"


def _join(parts: Sequence[str], lang: str) -> str:
    return ("" if lang in _NO_SPACE else " ").join(parts)


def build(
    name: str, src_all: Sequence[str], tgt_all: Sequence[str], articles: Sequence[Sequence[int]],
    rng: random.Random, mix, src_lang: str, tgt_lang: str, within_articles: bool = False,
) -> tuple[Document, list[tuple[int, int]]]:
    """One document from `articles` (runs of material sentence ids) under `mix`; the draw is the module's.

    Returns the document and, per article, its (first, end) range of gold beads.
    """

    src: list[str] = []
    tgt: list[str] = []
    gold: list[Pair] = []
    bead_spans = []
    flat = [(a, k, i) for a, ids in enumerate(articles) for k, i in enumerate(ids)]
    n = len(flat)
    pos = 0
    while pos < n:
        a, k, i = flat[pos]
        if k == 0:
            bead_spans.append([len(gold), len(gold)])
        kind = _kind(rng, mix)
        last = pos + 1 >= n or (within_articles and flat[pos + 1][0] != a)
        if kind in ("2-1", "1-2") and last:
            kind = "1-1"
        halves = None
        if kind in ("h2-1", "h1-2"):
            halves = split_half(src_all[i] if kind == "h2-1" else tgt_all[i], src_lang if kind == "h2-1" else tgt_lang)
            if halves is None:
                kind = "1-1"
        si, ti = len(src), len(tgt)
        step = 1
        if kind in ("2-1", "1-2"):
            j = flat[pos + 1][2]
            step = 2
            if kind == "2-1":
                src += [src_all[i], src_all[j]]
                tgt.append(_join((tgt_all[i], tgt_all[j]), tgt_lang))
                gold.append(((si, si + 1), (ti,)))
            else:
                src.append(_join((src_all[i], src_all[j]), src_lang))
                tgt += [tgt_all[i], tgt_all[j]]
                gold.append(((si,), (ti, ti + 1)))
        elif kind == "h2-1":
            src += list(halves)
            tgt.append(tgt_all[i])
            gold.append(((si, si + 1), (ti,)))
        elif kind == "h1-2":
            src.append(src_all[i])
            tgt += list(halves)
            gold.append(((si,), (ti, ti + 1)))
        elif kind == "1-0":
            src.append(src_all[i])
            gold.append(((si,), ()))
        elif kind == "0-1":
            tgt.append(tgt_all[i])
            gold.append(((), (ti,)))
        else:
            src.append(src_all[i])
            tgt.append(tgt_all[i])
            gold.append(((si,), (ti,)))
        pos += step
        bead_spans[-1][1] = len(gold)
        # A merge may take the next article's first sentence: that article then starts at the next bead.
        if step == 2 and flat[pos - 1][0] != flat[pos - 2][0]:
            bead_spans.append([len(gold), len(gold)])
    doc = Document(name, tuple(src), tuple(tgt), tuple(gold), src_lang, tgt_lang)
    return doc, [tuple(s) for s in bead_spans]


def _groups(src_lang: str, tgt_lang: str) -> tuple[tuple[str, ...], tuple[str, ...], list[list[list[int]]]]:
    """The material and its 25 documents of whole articles (datasets.py's cut)."""

    src, tgt, sizes = _material(src_lang, tgt_lang)
    spans = _spans(sizes)
    docs = []
    for first, end in datasets._groups(list(sizes), N_DOCS):
        docs.append([list(s) for s in spans if first <= s.start < end])
    return src, tgt, docs


def rates(src_lang: str, tgt_lang: str, merge: int, deletion: int) -> list[Document]:
    """The ``stress-<pair>-m<MM>-d<DD>`` cell."""
    mix = (("2-1", merge / 200), ("1-2", merge / 200), ("1-0", deletion / 200), ("0-1", deletion / 200))
    rng = random.Random(f"stress-rates-m{merge:02d}-d{deletion:02d}")
    src, tgt, docs = _groups(src_lang, tgt_lang)
    return [build(f"{k:02d}", src, tgt, arts, rng, mix, src_lang, tgt_lang)[0] for k, arts in enumerate(docs)]


def half(src_lang: str, tgt_lang: str) -> list[Document]:
    """The ``stress-half-<pair>`` cell: about 8% half-meaning merges of real text."""
    rng = random.Random("stress-half")
    src, tgt, docs = _groups(src_lang, tgt_lang)
    return [build(f"{k:02d}", src, tgt, arts, rng, HALF_MIX, src_lang, tgt_lang)[0] for k, arts in enumerate(docs)]


def length(src_lang: str, tgt_lang: str, n: int | str) -> list[Document]:
    """The ``stress-len<N>-<pair>`` cell: one document of `n` material sentences (``"all"``: the whole corpus)."""

    src, tgt, sizes = _material(src_lang, tgt_lang)
    spans = _spans(sizes)
    random.Random("stress-len-order").shuffle(spans)
    want = len(src) if n == "all" else int(n)
    articles: list[list[int]] = []
    total = 0
    while total < want:
        for span in spans:
            take = list(span)[: want - total]
            articles.append(take)
            total += len(take)
            if total >= want:
                break
    rng = random.Random(f"stress-len{n}")
    return [build(f"len{n}", src, tgt, articles, rng, FLORES_MIX, src_lang, tgt_lang)[0]]


# --- the moved paragraph ----------------------------------------------------------------------

@dataclass(frozen=True)
class MovedDocument(Document):
    """A document one of whose articles moved on the target side: the sentences of that article."""

    moved_source: frozenset = field(default=frozenset())
    moved_target: frozenset = field(default=frozenset())


def moved(src_lang: str, tgt_lang: str) -> list[Document]:
    """The ``stress-moved-<pair>`` cell: in each document one article's target sentences moved elsewhere."""

    rng = random.Random("stress-moved")
    src_all, tgt_all, docs = _groups(src_lang, tgt_lang)
    out = []
    for k, arts in enumerate(docs):
        doc, spans = build(f"{k:02d}", src_all, tgt_all, arts, rng, FLORES_MIX, src_lang, tgt_lang,
                           within_articles=True)
        out.append(_move(doc, spans, rng))
    return out


def _move(doc: Document, spans: list[tuple[int, int]], rng: random.Random) -> Document:

    # Each article's target range, from its beads (merges stay inside articles here).
    ranges = []
    for first, end in spans:
        ts = [j for s, t in doc.gold[first:end] for j in t]
        ranges.append((min(ts), max(ts) + 1) if ts else None)
    movable = [a for a, (first, end) in enumerate(spans)
               if 2 <= sum(len(s) for s, _ in doc.gold[first:end]) <= 10 and ranges[a] is not None]
    a = rng.choice(movable)
    lo, hi = ranges[a]
    starts = [r[0] for r in ranges if r is not None] + [len(doc.target)]
    # Not its own place (lo or hi), nor a swap with the article before or after it.
    places = sorted({p for p in starts if p < lo or p > hi} - {_before(lo, starts), _after(hi, starts)})
    dest = rng.choice(places)
    order = list(range(len(doc.target)))
    block = order[lo:hi]
    rest = order[:lo] + order[hi:]
    at = dest if dest < lo else dest - (hi - lo)
    new_order = rest[:at] + block + rest[at:]
    new_id = {old: new for new, old in enumerate(new_order)}
    target = tuple(doc.target[old] for old in new_order)
    gold = tuple((s, tuple(new_id[j] for j in t)) for s, t in doc.gold)
    moved_src = {i for s, _ in doc.gold[spans[a][0]:spans[a][1]] for i in s}
    moved_tgt = {new_id[j] for j in range(lo, hi)}
    return MovedDocument(doc.name, doc.source, target, gold, doc.source_lang, doc.target_lang,
                  moved_source=frozenset(moved_src), moved_target=frozenset(moved_tgt))


def _before(lo: int, starts: list[int]) -> int | None:
    """The start of the article just before the one at `lo`."""
    return max((q for q in starts if q < lo), default=None)


def _after(hi: int, starts: list[int]) -> int | None:
    """The end of the article just after the one ending at `hi`."""
    return min((q for q in starts if q > hi), default=None)


def rest_pairs(docs, predictions) -> list[tuple]:
    """(gold, prediction) per document without the moved article's beads, for the F1 on the rest."""
    out = []
    for doc, pred in zip(docs, predictions):
        ms, mt = getattr(doc, "moved_source", frozenset()), getattr(doc, "moved_target", frozenset())

        def touches(bead):
            s, t = bead
            return any(i in ms for i in s) or any(j in mt for j in t)

        out.append(([b for b in doc.gold if not touches(b)], [b for b in pred if not touches(b)]))
    return out


# --- the synthetic half-meaning document ------------------------------------------------------

SYNTH_SEED = 20261204
SYNTH_DIM = 128
SYNTH_SENTENCES = 2900
SYNTH_NOISE = 0.75
SYNTH_MIX = (("h2-1", 0.04), ("h1-2", 0.04), ("1-0", 0.02), ("0-1", 0.02))
_LETTERS = "abcdefghijklmnopqrstuvw"
_WORD = re.compile(r"[a-w]{8}")


class SyntheticEncoder:
    """Embeds a text as the normalised sum of the planted vectors of the 8-letter words in it."""

    name = "synthetic-half-v1"

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors
        self.dim = len(next(iter(vectors.values())))

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for k, text in enumerate(texts):
            for word in _WORD.findall(text):
                out[k] += self.vectors.get(word, 0.0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        # A text with no known word (never made here) gets a fixed direction rather than zeros.
        out[norms[:, 0] == 0, 0] = 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


@functools.lru_cache(maxsize=1)
def synthetic_half(n: int = SYNTH_SENTENCES) -> tuple[Document, SyntheticEncoder]:
    """The issue's failure case: about 8% half-meaning merges with a synthetic encoder (recipe above)."""

    rng = np.random.default_rng(SYNTH_SEED)
    vectors: dict[str, np.ndarray] = {}

    def unit(v):
        return v / np.linalg.norm(v)

    def text(vec):
        while True:
            word = "".join(rng.choice(list(_LETTERS), 8))
            if word not in vectors:
                break
        vectors[word] = vec.astype(np.float32)
        return word + "."

    src: list[str] = []
    tgt: list[str] = []
    gold: list[Pair] = []
    for i in range(n):
        r = rng.random()
        v = unit(rng.standard_normal(SYNTH_DIM))
        si, ti = len(src), len(tgt)
        acc, kind = 0.0, "1-1"
        for name, share in SYNTH_MIX:
            acc += share
            if r < acc:
                kind = name
                break
        if kind in ("h2-1", "h1-2"):
            u = rng.standard_normal(SYNTH_DIM)
            u = unit(u - (u @ v) * v)
            halves = [text(unit(v + u)), text(unit(v - u))]
            whole = text(v)
            if kind == "h2-1":
                src += halves
                tgt.append(whole)
                gold.append(((si, si + 1), (ti,)))
            else:
                src.append(whole)
                tgt += halves
                gold.append(((si,), (ti, ti + 1)))
        elif kind == "1-0":
            src.append(text(v))
            gold.append(((si,), ()))
        elif kind == "0-1":
            tgt.append(text(unit(rng.standard_normal(SYNTH_DIM))))
            gold.append(((), (ti,)))
            src.append(text(v))
            tgt.append(text(unit(v + SYNTH_NOISE * unit(rng.standard_normal(SYNTH_DIM)))))
            gold.append(((si,), (ti + 1,)))
        else:
            src.append(text(v))
            tgt.append(text(unit(v + SYNTH_NOISE * unit(rng.standard_normal(SYNTH_DIM)))))
            gold.append(((si,), (ti,)))
    doc = Document("synthetic", tuple(src), tuple(tgt), tuple(gold), "en", "fr")
    return doc, SyntheticEncoder(vectors)


def set_encoder(set_name: str):
    """The encoder a set must be aligned with, or None for the default (only the synthetic cell has one)."""
    if set_name == "stress-half-synthetic":
        return synthetic_half()[1]
    return None


# --- the loaders ------------------------------------------------------------------------------

def _name(pair: tuple[str, str]) -> str:
    return f"{pair[0]}-{pair[1]}"


def _loaders() -> dict[str, Callable[[], list]]:
    out: dict[str, Callable[[], list]] = {}
    for pair in PAIRS:
        p = _name(pair)
        for m, d in RATES:
            out[f"stress-{p}-m{m:02d}-d{d:02d}"] = functools.partial(rates, *pair, m, d)
        out[f"stress-half-{p}"] = functools.partial(half, *pair)
        for n in LENGTHS:
            out[f"stress-len{n}-{p}"] = functools.partial(length, *pair, n)
        out[f"stress-moved-{p}"] = functools.partial(moved, *pair)
    out["stress-half-synthetic"] = lambda: [synthetic_half()[0]]
    return out


def flores_recipe(src_lang: str, tgt_lang: str) -> list[Document]:
    """datasets.py's FLORES documents (its mix and seed, 25 documents), from whichever corpus has the pair."""
    rng = random.Random(datasets.FLORES_SEED)
    src, tgt, docs = _groups(src_lang, tgt_lang)
    return [build(f"{k:02d}", src, tgt, arts, rng, FLORES_MIX, src_lang, tgt_lang)[0] for k, arts in enumerate(docs)]


LOADERS = _loaders()
datasets.LOADERS.update(LOADERS)
# The FLORES-200 pairs of the folds, built as datasets.py builds the flores-dev ones, unless
# datasets.py has its own loader of that name (issue 18's).
for _pair in sorted(OUTSIDE_ENCODER):
    datasets.LOADERS.setdefault(f"flores200-{_name(_pair)}", functools.partial(flores_recipe, *_pair))


def outside_encoder(set_name: str) -> bool:
    """Whether a stress cell's languages are outside the default encoder's (hi-el, sw-cs)."""
    return any(set_name.endswith(f"-{_name(p)}") or f"-{_name(p)}-" in set_name for p in OUTSIDE_ENCODER)
