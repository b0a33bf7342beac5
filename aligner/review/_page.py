"""The review page: one self-contained HTML file, its script and style inline.

The alignment goes into the page as JSON inside a ``<script
type="application/json">`` element, with ``<``, ``>`` and ``&`` written as
``\\u003c``, ``\\u003e`` and ``\\u0026``, so no sentence can end the element
or start markup; the page's script puts text into the document with
``textContent`` only. Nothing is fetched: the page works from ``file://``.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
from importlib import resources
from typing import Any

import numpy as np

from ..alignment import Alignment
from ..errors import FormatError
from ..view import _dir
from ._band import Band, band_of_matrix

__all__ = ["review_page"]

# The keys, as the page's help table lists them (the script binds the same ones).
KEYS = (
    ("↓ / j, ↑ / k", "next / previous bead"),
    ("→ / l, ← / h", "next / previous sentence of the bead"),
    ("n / N", "next / previous bead in order of rising score (beads not edited)"),
    ("m", "merge the bead with the next one"),
    ("s", "split the bead after the marked sentence (the other side where the matrix says); ✂ with the mouse"),
    ("x", "the marked sentence has no counterpart"),
    ("[ / ]", "move the source boundary under the bead up / down a sentence"),
    ("{ / }", "move the target boundary under the bead up / down a sentence"),
    ("z / y (Ctrl+Z / Ctrl+Y)", "undo / redo"),
    ("Ctrl+S", "save"),
)


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    """JSON that cannot close its <script> element nor open markup."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _band_json(band: Band | None) -> dict | None:
    if band is None:
        return None
    return {
        "start": [int(x) for x in band.start], "span": int(band.values.shape[1]),
        "values": base64.b64encode(np.ascontiguousarray(band.values, dtype=np.uint8).tobytes()).decode("ascii"),
        "lo": band.lo, "hi": band.hi, "gap": band.gap,
    }


def review_page(
    alignment: Alignment, *, similarity: np.ndarray | Band | None = None, title: str | None = None,
    filename: str = "alignment.json", save_url: str | None = None, token: str = "",
) -> str:
    """The review page of `alignment`, as HTML text.

    Args:
        alignment: the alignment to correct.
        similarity: the sentence similarity near the path (a `Band`, e.g. from
            `similarity_band`), or the full (n_source, n_target) matrix; None:
            no matrix, and splits are placed by sentence length.
        title: the page's title (default: the two languages).
        filename: the name the download button gives the saved JSON.
        save_url: where the page posts the corrected JSON (``aligner review
            --serve``); None: saving downloads the file.
        token: a secret the page sends with each save, for the server to check.
    """
    from .. import __version__

    if similarity is not None and not isinstance(similarity, Band):
        similarity = band_of_matrix(alignment, similarity)
    try:
        json.dumps(alignment.metadata, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise FormatError(f"metadata cannot be written as JSON: {e}") from e
    src_lang, tgt_lang = alignment.source_lang, alignment.target_lang
    data = {
        "source_sentences": list(alignment.source_sentences), "target_sentences": list(alignment.target_sentences),
        "source_lang": src_lang, "target_lang": tgt_lang, "source_dir": _dir(src_lang), "target_dir": _dir(tgt_lang),
        "beads": [{"source": list(b.source), "target": list(b.target), "score": float(b.score), "edited": b.edited}
                  for b in alignment.beads],
        "metadata": alignment.metadata,
        "links": [_link(x) for x in alignment.links],
        "unaligned": [dataclasses.asdict(u) for u in alignment.unaligned],
        "band": _band_json(similarity), "filename": filename, "save_url": save_url, "token": token,
    }
    title = title or f"Review: {src_lang or '?'} → {tgt_lang or '?'}"
    esc = lambda x: html.escape(str(x), quote=True)  # noqa: E731
    keys = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in KEYS)
    save_label = "Save" if save_url else "Download JSON"
    matrix_note = (
        f"cosine {similarity.lo:.2f} (dark) to {similarity.hi:.2f} (bright) near the path; grey: not computed"
        if similarity is not None else "similarity not computed: the path alone"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="aligner {esc(__version__)}">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'">
<title>{esc(title)}</title>
<style>{_asset("review.css")}</style>
</head>
<body>
<header>
<h1>{esc(title)}</h1>
<p>{len(alignment.source_sentences)} source sentences ({esc(src_lang or "language unknown")}), {len(alignment.target_sentences)} target sentences ({esc(tgt_lang or "language unknown")}). Correct the beads with the keys on the right; every sentence stays in exactly one bead, in order.</p>
<div class="toolbar">
<button type="button" id="next" title="n">Next low score</button>
<button type="button" id="merge" title="m">Merge with next</button>
<button type="button" id="split" title="s">Split</button>
<button type="button" id="alone" title="x">No counterpart</button>
<button type="button" id="src-up" title="[">Source boundary ↑</button>
<button type="button" id="src-down" title="]">Source boundary ↓</button>
<button type="button" id="tgt-up" title="{{">Target boundary ↑</button>
<button type="button" id="tgt-down" title="}}">Target boundary ↓</button>
<button type="button" id="undo" title="z">Undo</button>
<button type="button" id="redo" title="y">Redo</button>
<button type="button" id="save" class="primary" title="Ctrl+S">{save_label}</button>
<span id="counts"></span>
</div>
<div id="status" role="status" aria-live="polite"></div>
</header>
<main>
<div id="beads" role="list" aria-label="beads"></div>
<aside>
<canvas id="matrix" width="410" height="410" aria-label="similarity matrix around the current bead"></canvas>
<p class="note">Rows: source sentences; columns: target sentences, around the current bead (white box). Red boxes: beads; blue: edited beads; orange dashes: sentences without a counterpart. {esc(matrix_note)}. Click a row to go to its bead.</p>
<table class="keys"><tbody>{keys}</tbody></table>
</aside>
</main>
<script id="aligner-data" type="application/json">{_script_json(data)}</script>
<script>{_asset("review.js")}</script>
</body>
</html>
"""


def _link(link) -> dict:
    from ..formats.jsonfmt import _link_dict

    return _link_dict(link)
