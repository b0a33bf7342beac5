"""One self-contained HTML page to look at an alignment.

`render_html` shows both texts side by side, one row per bead: the bead's
sentences together, its score as a colour (the number on hover), sentences
without a counterpart (1-0 and 0-1 beads) marked, right-to-left scripts
right to left, and, when given the sentence-vs-sentence similarity matrix, a
picture of it with the chosen path drawn over it. An alignment made with
``crossing=True`` also shows its links off the path (`Alignment.links`): a
violet dot each in the picture (filled when the link crosses the path, hollow
when it is in order) and a second table, one row a link; and, under each
sentence without a counterpart, why (`Alignment.unaligned`) or the link it
is in. Everything is inline (CSS, the picture as SVG with an embedded
PNG): the page opens anywhere, offline, and can be mailed as one file.

`align_with_similarity` runs `aligner.align` and returns the matrix as
well, reusing the embeddings of the single sentences that the alignment
computed anyway; `sentence_similarity` computes it for an existing
alignment (e.g. one read from JSON). ``aligner view`` on the command line
does either and writes the page.
"""

from __future__ import annotations

import base64
import html
import struct
import zlib
from collections import Counter
from typing import Any, Sequence

import numpy as np

from .alignment import Alignment, Bead, Link, Unaligned
from .errors import InputError

__all__ = [
    "render_html", "matrix_svg", "sentence_similarity", "unit_vectors", "align_with_similarity", "RTL_LANGS", "MAX_SIDE",
]

# Languages written right to left (ISO 639-1).
RTL_LANGS = frozenset({"ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv"})
# A similarity matrix larger than this on a side is shown as block means, so
# the page stays small (1500 x 1500 cells: about 2 MB of PNG at most).
MAX_SIDE = 1500


def _dir(lang: str | None) -> str:
    if not lang:
        return "auto"
    return "rtl" if lang.replace("_", "-").split("-")[0].lower() in RTL_LANGS else "ltr"


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------- the matrix

def downsample(matrix: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Block means of `matrix` so that neither side exceeds `max_side`."""
    m = np.asarray(matrix, dtype=np.float32)
    for axis in (0, 1):
        n = m.shape[axis]
        if n > max_side:
            starts = np.linspace(0, n, max_side + 1).astype(np.int64)[:-1]
            counts = np.diff(np.append(starts, n))
            sums = np.add.reduceat(m, starts, axis=axis)
            m = sums / (counts[:, None] if axis == 0 else counts[None, :])
    return m


def unit_vectors(
    alignment: Alignment, encoder: Any = None, *, cache_dir: str | None = None,
    vectors: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The unit-length embeddings of the source and of the target sentences.

    `vectors` are embeddings already known, by text; the others are computed
    with `encoder` (see `sentence_similarity`).
    """
    from .encoders import EmbeddingStore, get_encoder

    known = vectors or {}
    store = None

    def embed(sents: Sequence[str]) -> np.ndarray:
        nonlocal store
        missing = [s for s in dict.fromkeys(sents) if s not in known]
        got: dict[str, np.ndarray] = {}
        if missing:
            if store is None:
                store = EmbeddingStore(get_encoder(encoder), cache_dir=cache_dir)
            got = dict(zip(missing, store.get(missing)))
        vecs = np.array([known[s] if s in known else got[s] for s in sents], dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.where(norms == 0, 1, norms)

    src = embed(alignment.source_sentences)
    tgt = embed(alignment.target_sentences)
    return src, tgt


def sentence_similarity(
    alignment: Alignment, encoder: Any = None, *, cache_dir: str | None = None, max_side: int = MAX_SIDE,
    vectors: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Cosine similarity of every source sentence with every target sentence.

    Args:
        alignment: whose sentences to compare.
        encoder: anything `aligner.align` accepts as ``encoder=`` (None: the
            embedded USE v3). Use the one that made the alignment.
        cache_dir: an on-disk embedding cache, as in `aligner.align`.
        max_side: larger matrices are returned as block means, at most
            `max_side` on a side (computed in slices: the full matrix is never held).
        vectors: embeddings already known, by text (need not be unit length).

    Returns:
        A float32 array of shape (n_source, n_target), or smaller when downsampled.
    """
    src, tgt = unit_vectors(alignment, encoder, cache_dir=cache_dir, vectors=vectors)
    n, m = len(src), len(tgt)
    if n <= max_side and m <= max_side:
        return src @ tgt.T
    rows = np.linspace(0, n, min(n, max_side) + 1).astype(np.int64)
    cols = np.linspace(0, m, min(m, max_side) + 1).astype(np.int64)
    out = np.empty((len(rows) - 1, len(cols) - 1), dtype=np.float32)
    for r in range(len(rows) - 1):
        block = src[rows[r] : rows[r + 1]] @ tgt.T  # a few rows of the full matrix
        sums = np.add.reduceat(block.sum(axis=0), cols[:-1])
        out[r] = sums / (np.diff(cols) * (rows[r + 1] - rows[r]))
    return out


class _Recorder:
    """An encoder that keeps the sentence vectors it returns, under the name of the one it wraps.

    It passes the wrapped encoder's join session on (recording what the
    session encodes), so that `align` aligns through it exactly as it would
    with the wrapped encoder itself.
    """

    def __init__(self, inner: Any, vectors: dict[str, np.ndarray] | None = None) -> None:
        from .encoders import encoder_name

        self.inner = inner
        self.name = encoder_name(inner)  # so the alignment's signature is unchanged
        self.vectors: dict[str, np.ndarray] = {} if vectors is None else vectors
        self.chosen: Any = inner

    def for_pair(self, source_lang: str, target_lang: str, uncovered: str = "error") -> "_Recorder":
        """`align`'s choice of encoder for the pair (see `aligner.encoders.choose_encoder`), recorded too."""
        from .encoders import choose_encoder

        self.chosen = choose_encoder(self.inner, source_lang, target_lang, uncovered)  # type: ignore[arg-type]
        return _Recorder(self.chosen, self.vectors)

    def encode(self, texts: list[str]) -> Any:
        return self.record(texts, self.inner.encode(texts))

    def join_session(self) -> _RecordingSession | None:
        from .encoders import join_session_of

        session = join_session_of(self.inner)
        return None if session is None else _RecordingSession(session, self)

    def record(self, texts: Sequence[str], out: Any) -> Any:
        try:
            arr = np.asarray(out, dtype=np.float32)
            if arr.ndim == 2 and len(arr) == len(texts):
                self.vectors.update(zip(texts, arr))
        except (TypeError, ValueError):
            pass  # the aligner's own checks report a bad encoder
        return out


class _RecordingSession:
    """A join session that records the sentence vectors it returns in its `_Recorder` (joined texts are not needed)."""

    def __init__(self, inner: Any, recorder: _Recorder) -> None:
        self.inner = inner
        self.recorder = recorder

    @property
    def fast_joins(self) -> int:
        return self.inner.fast_joins

    def encode(self, texts: Sequence[str]) -> Any:
        return self.recorder.record(texts, self.inner.encode(texts))

    def encode_joined(self, runs: Sequence[Sequence[str]], sep: str) -> Any:
        return self.inner.encode_joined(runs, sep)


def align_with_similarity(
    source: str | Sequence[str], target: str | Sequence[str], *, encoder: Any = None,
    max_side: int = MAX_SIDE, **kwargs: Any,
) -> tuple[Alignment, np.ndarray]:
    """`aligner.align` plus the sentence similarity matrix for `render_html`.

    Arguments are those of `aligner.align`. The single sentences' embeddings
    are taken from the alignment's own encoding, so the extra cost is one
    matrix product.
    """
    from .encoders import AutoEncoder, get_encoder
    from .pipeline import align

    recorder = _Recorder(AutoEncoder() if encoder is None else get_encoder(encoder))
    alignment = align(source, target, encoder=recorder, **kwargs)
    sim = sentence_similarity(
        alignment, recorder.chosen, cache_dir=kwargs.get("cache_dir"), max_side=max_side,
        vectors=recorder.vectors,
    )
    return alignment, sim


# Viridis at five stops, interpolated to 256 colours (perceptually even,
# readable in grey and by most colour-blind readers).
_STOPS = np.array([(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)], dtype=np.float64)
_PALETTE = np.stack(
    [np.interp(np.linspace(0, 1, 256), np.linspace(0, 1, len(_STOPS)), _STOPS[:, c]) for c in range(3)], axis=1
).round().astype(np.uint8)


def _png(index: np.ndarray, palette: np.ndarray) -> bytes:
    """A palette PNG of `index` (h, w) uint8 colour numbers: numpy and zlib only."""
    h, w = index.shape

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    raw = np.hstack([np.zeros((h, 1), dtype=np.uint8), index.astype(np.uint8)]).tobytes()  # filter 0 per row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", palette.astype(np.uint8).tobytes())
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _colour_range(sim: np.ndarray) -> tuple[float, float]:
    lo, hi = (float(x) for x in np.percentile(sim, [1.0, 99.9]))
    if not hi > lo:
        lo, hi = float(sim.min()), float(sim.max())
    if not hi > lo:
        hi = lo + 1e-6
    return lo, hi


def _matrix_svg(alignment: Alignment, sim: np.ndarray | None, max_side: int) -> str:
    n, m = len(alignment.source_sentences), len(alignment.target_sentences)
    pad = round(max(n, m, 1) * 0.008, 4)  # room for the strokes on the edges
    parts = [
        f'<svg id="matrix-svg" xmlns="http://www.w3.org/2000/svg" viewBox="{-pad} {-pad} {m + 2 * pad} {n + 2 * pad}" '
        f'preserveAspectRatio="none" role="img" aria-label="similarity matrix with the alignment path">',
        f'<rect x="0" y="0" width="{m}" height="{n}" class="bg"/>',
    ]
    if sim is not None:
        lo, hi = _colour_range(sim)
        index = np.clip((sim - lo) / (hi - lo) * 255, 0, 255).round().astype(np.uint8)
        data = base64.b64encode(_png(index, _PALETTE)).decode("ascii")
        parts.append(
            f'<image x="0" y="0" width="{m}" height="{n}" preserveAspectRatio="none" '
            f'style="image-rendering:pixelated" href="data:image/png;base64,{data}"/>'
        )
    i = j = 0
    for k, bead in enumerate(alignment.beads):
        a, b = len(bead.source), len(bead.target)
        label = _esc(f"bead {k} ({bead.kind}): source {_span(bead.source)}, target {_span(bead.target)}"
                     + ("" if bead.is_deletion else f", score {bead.score:.3f}"))
        if bead.is_deletion:
            x1, y1, x2, y2 = (j, i, j, i + a) if a else (j, i, j + b, i)
            shape = f'<line class="del" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>'
        else:
            shape = f'<rect class="bead" x="{j}" y="{i}" width="{b}" height="{a}"/>'
        parts.append(f'<a href="#b{k}"><title>{label}</title>{shape}</a>')
        i, j = i + a, j + b
    for k, link in enumerate(alignment.links):
        # A dot in the link's cell, over the beads: a white halo under it keeps
        # it visible on any colour of the matrix, and the non-scaling strokes
        # keep it a few pixels wide when a cell is smaller than a pixel.
        cx, cy, cls = link.target + 0.5, link.source + 0.5, "link crosses" if link.crosses else "link inorder"
        circle = f'cx="{cx}" cy="{cy}" r="0.4"'
        parts.append(
            f'<a href="#l{k}"><title>{_esc(_link_label(k, link))}</title>'
            f'<circle class="halo" {circle}/><circle class="{cls}" {circle}/></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _order(link: Link) -> str:
    """How a link stands to the path, in words."""
    if link.inside:
        return "crosses inside its bead"
    return "crosses the path" if link.crosses else "in order"


def _link_label(k: int, link: Link) -> str:
    order = _order(link) if link.crosses else "in order, off the path"
    return f"link {k}: source {link.source} ↔ target {link.target}, probability {link.score:.3f}, {order}"


_SVG_STYLE = (
    "<style>.bg{fill:#f2f2f5}.bead{fill:none;stroke:#ff2d55;stroke-width:2;vector-effect:non-scaling-stroke}"
    ".del{stroke:#ff9f0a;stroke-width:3;stroke-dasharray:4 2;vector-effect:non-scaling-stroke}</style>"
)
# The links' marks (only in a picture that has links): violet dots, filled
# when the link crosses the path, hollow when it is in order.
_LINK_COLOUR = "#8e44ff"
_SVG_LINK_STYLE = (
    "<style>.halo{fill:none;stroke:#fff;stroke-width:6;vector-effect:non-scaling-stroke}"
    f".link{{stroke:{_LINK_COLOUR};stroke-width:3;vector-effect:non-scaling-stroke}}"
    f".link.crosses{{fill:{_LINK_COLOUR}}}.link.inorder{{fill:none}}</style>"
)


def matrix_svg(
    alignment: Alignment, similarity: np.ndarray | None = None, *, width: int = 420, max_side: int = MAX_SIDE,
) -> str:
    """The page's picture alone, as a standalone SVG file (styles inside).

    Rows are source sentences, columns target sentences; red boxes are the
    beads with both sides, orange dashes the sentences without a counterpart,
    and violet dots the links off the path (`Alignment.links`), filled when
    the link crosses the path, hollow when it is in order.

    Args:
        alignment: whose path to draw.
        similarity: the matrix to draw under it (see `render_html`), or None.
        width: the picture's width in pixels; the height follows the matrix.
        max_side: a larger matrix is drawn as block means.
    """
    n, m = len(alignment.source_sentences), len(alignment.target_sentences)
    sim = None if similarity is None else downsample(_checked(similarity, n, m), max_side)
    svg = _matrix_svg(alignment, sim, max_side)
    height = max(1, round(width * n / max(m, 1)))
    head = f'<svg id="matrix-svg" xmlns="http://www.w3.org/2000/svg" '
    style = _SVG_STYLE + (_SVG_LINK_STYLE if alignment.links else "")
    return svg.replace(head, head + f'width="{width}" height="{height}" ', 1).replace(
        '<rect x="0"', style + '<rect x="0"', 1
    ) + "\n"


def _checked(similarity: np.ndarray, n: int, m: int) -> np.ndarray:
    sim = np.asarray(similarity, dtype=np.float32)
    if sim.ndim != 2 or sim.shape[0] > n or sim.shape[1] > m or 0 in sim.shape:
        raise InputError(
            f"similarity must be a 2-D array of at most ({n}, {m}) (source x target sentences); "
            f"got shape {sim.shape}"
        )
    if not np.isfinite(sim).all():
        raise InputError("similarity holds NaN or infinity")
    return sim


def _span(ids: Sequence[int]) -> str:
    if not ids:
        return "none"
    return str(ids[0]) if len(ids) == 1 else f"{ids[0]}-{ids[-1]}"


# ---------------------------------------------------------------- the page

def _score_colour(score: float) -> str:
    """Red at 0 or below, yellow around 0.25, green from 0.5 (USE v3 margins)."""
    return _probability_colour(score / 0.5)


def _probability_colour(p: float) -> str:
    """Red at probability 0, yellow at 0.5, green at 1."""
    t = min(max(p, 0.0), 1.0)
    return f"hsl({t * 120:.0f}, 75%, 82%)"


class _Index:
    """Where each sentence is: its bead, its links, its entry in `Alignment.unaligned`."""

    def __init__(self, alignment: Alignment) -> None:
        self.bead = {"source": {}, "target": {}}
        for k, bead in enumerate(alignment.beads):
            self.bead["source"].update(dict.fromkeys(bead.source, k))
            self.bead["target"].update(dict.fromkeys(bead.target, k))
        self.links: dict[tuple[str, int], list[int]] = {}
        for k, link in enumerate(alignment.links):
            self.links.setdefault(("source", link.source), []).append(k)
            self.links.setdefault(("target", link.target), []).append(k)
        self.unaligned: dict[tuple[str, int], list[Unaligned]] = {}
        for u in alignment.unaligned:
            self.unaligned.setdefault((u.side, u.id), []).append(u)


def _side_attrs(alignment: Alignment, side: str) -> tuple[Sequence[str], str]:
    sents = alignment.source_sentences if side == "src" else alignment.target_sentences
    lang = alignment.source_lang if side == "src" else alignment.target_lang
    return sents, (f' lang="{_esc(lang)}"' if lang else "") + f' dir="{_dir(lang)}"'


def _sentence(sents: Sequence[str], i: int, extra: str = "") -> str:
    return f'<span class="s" data-id="{i}"><span class="sid">{i}</span>{_esc(sents[i])}{extra}</span>'


def _cell(alignment: Alignment, bead: Bead, side: str, index: _Index | None = None) -> str:
    ids = bead.source if side == "src" else bead.target
    sents, attrs = _side_attrs(alignment, side)
    lang = alignment.source_lang if side == "src" else alignment.target_lang
    if not ids:
        notes = _gap_notes(alignment, bead, index) if index is not None else ""
        return f'<td class="{side} gap" dir="{_dir(lang)}"><span class="gap-mark">no counterpart</span>{notes}</td>'
    name = "source" if side == "src" else "target"

    def refs(i: int) -> str:
        if index is None or bead.is_deletion:  # a deletion's links are told in its gap cell
            return ""
        return "".join(
            f' <a class="linkref" href="#l{k}" lang="en" dir="ltr" title="{_esc(_link_label(k, alignment.links[k]))}">'
            f"↔ link {k}</a>"
            for k in index.links.get((name, i), ())
        )

    body = " ".join(_sentence(sents, i, refs(i)) for i in ids)
    return f'<td class="{side}"{attrs}>{body}</td>'


def _gap_notes(alignment: Alignment, bead: Bead, index: _Index) -> str:
    """Under a deletion's "no counterpart" mark: its link off the path, or why it has none."""
    side, other = ("source", "target") if bead.source else ("target", "source")
    ids = bead.source or bead.target
    notes = []
    for i in ids:
        about = f"{side} {i}: " if len(ids) > 1 else ""
        for k in index.links.get((side, i), ()):
            link = alignment.links[k]
            j = link.target if side == "source" else link.source
            notes.append(
                f'<span class="why linked" lang="en" dir="ltr">{_esc(about)}linked off the path: see '
                f'<a href="#l{k}">link {k}</a> ({other} {j}, probability {link.score:.3f}'
                f'{", crosses the path" if link.crosses else ""})</span>'
            )
        for u in index.unaligned.get((side, i), ()):
            kb = index.bead[other].get(u.best)
            best = f"{other} {u.best}" if kb is None else f'<a href="#b{kb}">{other} {u.best}</a>'
            notes.append(
                f'<span class="why reason" lang="en" dir="ltr" data-best="{u.best}">{_esc(about)}{_esc(u.reason)} '
                f'<span class="best">(best counterpart: {best}, probability {u.score:.3f})</span></span>'
            )
    return "".join(notes)


def _mark(cls: str) -> str:
    """The matrix's mark for a link, small, for the legend and the links table."""
    return (
        '<svg class="mark" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true">'
        f'<circle class="halo" cx="6" cy="6" r="4"/><circle class="{cls}" cx="6" cy="6" r="4"/></svg>'
    )


def _links_section(alignment: Alignment, index: _Index) -> str:
    if not alignment.links:
        return ""
    rows = []
    for k, link in enumerate(alignment.links):
        cls = "link crosses" if link.crosses else "link inorder"
        order = _order(link)
        cells = []
        for side, name, i in (("src", "source", link.source), ("tgt", "target", link.target)):
            sents, attrs = _side_attrs(alignment, side)
            kb = index.bead[name][i]
            where = f' <a class="inbead" href="#b{kb}" lang="en" dir="ltr">bead {kb}</a>'
            cells.append(f'<td class="{side}"{attrs}>{_sentence(sents, i, where)}</td>')
        rows.append(
            f'<tr id="l{k}" class="{cls}" data-source="{link.source}" data-target="{link.target}">'
            f'<td class="n">{k}</td>'
            f'<td class="score" style="background:{_probability_colour(link.score)}" '
            f'title="probability {link.score:.4f} (margin {link.margin:.4f})">{link.score:.2f}</td>'
            f'<td class="order">{_mark(cls)} {order}</td>{"".join(cells)}</tr>'
        )
    src_lang, tgt_lang = alignment.source_lang, alignment.target_lang
    return f"""
<h2 id="links">Links off the path</h2>
<p class="note">Sentence pairs that match although the path does not join them, or that cross each other inside one bead of the path (the beads above are unchanged): probability from red (0) to green (1); a link that crosses the path runs against the order of the beads.</p>
<table class="beads links">
<colgroup><col class="n"><col class="score"><col class="order"><col><col></colgroup>
<thead><tr><th>link</th><th>prob.</th><th>order</th><th>source ({_esc(src_lang or "?")})</th><th dir="{_dir(tgt_lang)}">target ({_esc(tgt_lang or "?")})</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>"""


_CSS = """
:root { --fg:#1d1d1f; --muted:#6e6e73; --line:#d9d9de; --bg:#fff; --gap:#fff4e5; --gapline:#e8890c; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif; color:var(--fg); background:var(--bg); }
header, footer { padding: 12px 20px; }
header h1 { font-size: 20px; margin: 0 0 4px; }
header p, footer { color: var(--muted); margin: 0; font-size: 13px; }
footer { border-top: 1px solid var(--line); margin-top: 16px; overflow-wrap: anywhere; }
footer code { font-size: 12px; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 380px; gap: 20px; padding: 0 20px; align-items: start; }
@media (max-width: 1000px) { main { grid-template-columns: minmax(0, 1fr); } aside { order: -1; } }
aside { position: sticky; top: 8px; }
aside figure { margin: 0; }
#matrix-svg { overflow: visible; width: 100%; height: auto; max-height: 85vh; aspect-ratio: var(--aspect); border: 1px solid var(--line); display: block; }
#matrix-svg .bg { fill: #f2f2f5; }
#matrix-svg .bead { fill: none; stroke: #ff2d55; stroke-width: 2; vector-effect: non-scaling-stroke; }
#matrix-svg .del { stroke: #ff9f0a; stroke-width: 3; stroke-dasharray: 4 2; vector-effect: non-scaling-stroke; }
#matrix-svg a:hover .bead { stroke: #fff; stroke-width: 3; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 6px; }
.axes { display:flex; justify-content: space-between; font-size: 12px; color: var(--muted); }
.legend { display:flex; align-items:center; gap:8px; font-size:12px; color:var(--muted); margin: 8px 0 0; flex-wrap: wrap; }
.ramp { display:inline-block; width:110px; height:10px; border:1px solid var(--line); vertical-align: middle; }
.swatch { display:inline-block; width:12px; height:12px; vertical-align: middle; border:1px solid var(--line); }
table.beads { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.beads th { text-align: start; font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); padding: 4px 8px; position: sticky; top: 0; background: var(--bg); }
table.beads td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; overflow-wrap: anywhere; white-space: pre-wrap; }
col.n { width: 3.2em; } col.score { width: 4.2em; }
td.n { color: var(--muted); font-size: 12px; white-space: nowrap; }
td.n .kind { display:block; font-size: 11px; }
td.score { text-align: center; font-variant-numeric: tabular-nums; font-size: 12px; }
td[dir=rtl] { text-align: right; font-size: 16px; }
.s + .s { }
.sid { display: inline-block; font-size: 10px; color: var(--muted); background: #f2f2f5; border-radius: 3px; padding: 0 3px; margin-inline-end: 4px; vertical-align: 1px; }
tr.unaligned td { background: var(--gap); }
tr.unaligned td.n { box-shadow: inset 4px 0 0 var(--gapline); }
td.gap .gap-mark { font-size: 12px; color: var(--gapline); font-style: italic; }
td.score.none { color: var(--gapline); }
tr:target td { outline: 2px solid #ff2d55; outline-offset: -2px; }
circle.halo { fill: none; stroke: #fff; stroke-width: 6; vector-effect: non-scaling-stroke; }
circle.link { stroke: #8e44ff; stroke-width: 3; vector-effect: non-scaling-stroke; }
circle.link.crosses { fill: #8e44ff; }
circle.link.inorder { fill: none; }
#matrix-svg a:hover circle.link { stroke-width: 5; }
svg.mark { vertical-align: middle; overflow: visible; }
h2 { font-size: 16px; margin: 24px 0 4px; }
p.note { font-size: 12px; color: var(--muted); margin: 0 0 8px; }
col.order { width: 9em; }
td.order { font-size: 12px; white-space: nowrap; }
.why { display: block; font-size: 12px; color: var(--muted); white-space: normal; }
.why .best { white-space: nowrap; }
a.linkref, a.inbead { font-size: 11px; color: #8e44ff; white-space: nowrap; }
"""


def render_html(
    alignment: Alignment, *, similarity: np.ndarray | None = None, title: str | None = None,
    max_side: int = MAX_SIDE,
) -> str:
    """One self-contained HTML page showing `alignment`.

    Args:
        alignment: what to show.
        similarity: the cosine similarity of each source sentence (rows) with
            each target sentence (columns), e.g. from `sentence_similarity`;
            a smaller matrix is taken as block means of it. None: the
            picture shows the path alone.
        title: the page's title (default: the two languages).
        max_side: a larger matrix is drawn as block means, at most this many
            cells on a side.

    Returns:
        The HTML text, UTF-8 ready; no external file, font or script.
    """
    from . import __version__

    src_lang, tgt_lang = alignment.source_lang, alignment.target_lang
    n, m = len(alignment.source_sentences), len(alignment.target_sentences)
    sim = None
    if similarity is not None:
        sim = downsample(_checked(similarity, n, m), max_side)
    title = title or f"Alignment {src_lang or '?'} → {tgt_lang or '?'}"
    kinds = Counter(b.kind for b in alignment.beads)
    kinds_text = ", ".join(f"{c} × {k}" for k, c in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    n_gap = sum(1 for b in alignment.beads if b.is_deletion)
    index = _Index(alignment)
    links = alignment.links
    n_cross = sum(1 for link in links if link.crosses)

    rows = []
    for k, bead in enumerate(alignment.beads):
        if bead.is_deletion:
            cls = "bead unaligned"
            side = "source" if bead.source else "target"
            why = "".join(
                f"; {u.reason}" for i in (bead.source or bead.target) for u in index.unaligned.get((side, i), ())
            )
            score = f'<td class="score none" title="{bead.kind}: a {side} sentence with no counterpart{_esc(why)}">∅</td>'
        else:
            cls = "bead"
            score = (
                f'<td class="score" style="background:{_score_colour(bead.score)}" '
                f'title="score {bead.score:.4f} ({bead.kind})">{bead.score:.2f}</td>'
            )
        rows.append(
            f'<tr id="b{k}" class="{cls}" data-kind="{bead.kind}" data-score="{float(bead.score)!r}"><td class="n">{k}<span class="kind">{bead.kind}</span></td>'
            f"{score}{_cell(alignment, bead, 'src', index)}{_cell(alignment, bead, 'tgt', index)}</tr>"
        )

    if sim is not None:
        lo, hi = _colour_range(sim)
        ramp = ", ".join(f"rgb({r},{g},{b})" for r, g, b in _STOPS.astype(int))
        matrix_note = (
            f'<div class="legend"><span>cosine {lo:.2f}</span><span class="ramp" style="background:linear-gradient(to right, {ramp})"></span>'
            f"<span>{hi:.2f}</span>"
            + (f"<span>· {sim.shape[0]} × {sim.shape[1]} block means</span>" if sim.shape != (n, m) else "")
            + "</div>"
        )
    else:
        matrix_note = '<div class="legend"><span>similarity not computed: the path alone</span></div>'
    signature = alignment.metadata.get("signature")
    sig_html = f"<code>{_esc(signature)}</code>" if signature else "not recorded"
    aspect = f"{max(m, 1)} / {max(n, 1)}"
    links_head = links_legend = links_caption = ""
    if links:
        n_inside = sum(1 for link in links if link.inside)
        links_head = f" {len(links)} links off the path ({n_cross} crossing the path"
        links_head += f", {n_inside} of them inside a bead)." if n_inside else ")."
        links_legend = (
            f'<span>· link off the path:</span>{_mark("link crosses")}<span>crosses the path</span>'
            f'{_mark("link inorder")}<span>in order</span>'
        )
        links_caption = (
            " Violet dots: sentence pairs linked off the path (filled: the link crosses the path; hollow: in order);"
            " click one to go to its link."
        )

    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="aligner {_esc(__version__)}">
<title>{_esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{_esc(title)}</h1>
<p>{n} source sentences ({_esc(src_lang or "language unknown")}), {m} target sentences ({_esc(tgt_lang or "language unknown")}); {len(alignment.beads)} beads: {_esc(kinds_text)}; {n_gap} sentences without a counterpart.{links_head}</p>
<div class="legend"><span>bead score:</span><span class="swatch" style="background:{_score_colour(0.0)}"></span><span>≤ 0</span><span class="swatch" style="background:{_score_colour(0.25)}"></span><span>0.25</span><span class="swatch" style="background:{_score_colour(0.5)}"></span><span>≥ 0.5 (similarity above chance; hover for the exact value)</span><span class="swatch" style="background:var(--gap);border-color:var(--gapline)"></span><span>∅ no counterpart (1-0 / 0-1)</span>{links_legend}</div>
</header>
<main>
<section>
<table class="beads">
<colgroup><col class="n"><col class="score"><col><col></colgroup>
<thead><tr><th>bead</th><th>score</th><th>source ({_esc(src_lang or "?")})</th><th dir="{_dir(tgt_lang)}">target ({_esc(tgt_lang or "?")})</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>{_links_section(alignment, index)}
</section>
<aside>
<figure id="matrix" style="--aspect:{aspect}">
<div class="axes"><span>target sentences ({_esc(tgt_lang or "?")}) →</span><span>{m}</span></div>
{_matrix_svg(alignment, sim, max_side)}
<figcaption>Rows: source sentences ({_esc(src_lang or "?")}, {n}, top to bottom); columns: target sentences. Brighter: more alike. Red boxes: the beads chosen; orange dashes: sentences left without a counterpart. Click a box to go to its bead.{links_caption}</figcaption>
{matrix_note}
</figure>
</aside>
</main>
<footer>Made by aligner {_esc(__version__)} · signature: {sig_html}</footer>
</body>
</html>
"""
