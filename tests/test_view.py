"""Tests of the HTML view (aligner/view.py), ending with the page in a real headless browser."""

import dataclasses
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from aligner import __version__
from aligner.alignment import Alignment, Bead, Link, Unaligned
from aligner.errors import InputError
from aligner.view import MAX_SIDE, downsample, matrix_svg, render_html, sentence_similarity

from _browser import CHROMIUM_FLAGS, NO_CHROMIUM, chrome, chromium_binary

ROOT = Path(__file__).resolve().parent.parent
FR = ROOT / "seeds" / "ankara.fr.txt"
AR = ROOT / "seeds" / "ankara.ar.txt"
ARABIC = re.compile("[\u0600-\u06ff]")


def small():
    src = ["Hello <b>world</b> & co.", "Second\tsentence.", "Alone."]
    tgt = ["مرحبا بالعالم.", "جملة ثانية.", "وحيدة."]
    beads = [Bead((0,), (0,), 0.61), Bead((1,), (1, 2), 0.12), Bead((2,), (), 0.0)]
    return Alignment(src, tgt, beads, "en", "ar", {"signature": "aligner:x|enc:<fake>"})


class Page(HTMLParser):
    """The tags of a page with their attributes, and its text, by a real HTML parser."""

    def __init__(self, text):
        super().__init__()
        self.tags = []
        self.text = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


def classes(attrs):
    return (attrs.get("class") or "").split()


def test_rows_marks_and_direction():
    a = small()
    page = Page(render_html(a))
    rows = [attrs for tag, attrs in page.tags if tag == "tr" and "bead" in classes(attrs)]
    assert len(rows) == 3
    assert [r["data-kind"] for r in rows] == ["1-1", "1-2", "1-0"]
    assert [("unaligned" in classes(r)) for r in rows] == [False, False, True]
    tgt_cells = [attrs for tag, attrs in page.tags if tag == "td" and "tgt" in classes(attrs)]
    assert [c.get("dir") for c in tgt_cells] == ["rtl"] * 3
    assert all(c.get("lang") == "ar" for c in tgt_cells if "gap" not in classes(c))
    src_cells = [attrs for tag, attrs in page.tags if tag == "td" and "src" in classes(attrs)]
    assert [c.get("dir") for c in src_cells] == ["ltr"] * 3
    scores = [attrs for tag, attrs in page.tags if tag == "td" and "score" in classes(attrs)]
    assert scores[0]["title"] == "score 0.6100 (1-1)"
    assert "background:hsl(" in scores[0]["style"]
    assert scores[0]["style"] != scores[1]["style"]  # the colour follows the score


@pytest.mark.parametrize("lang, direction", [("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("fr", "ltr"), (None, "auto")])
def test_direction_by_language(lang, direction):
    a = Alignment(["a"], ["b"], [Bead((0,), (0,), 0.5)], "en", lang)
    page = Page(render_html(a))
    cell = [attrs for tag, attrs in page.tags if tag == "td" and "tgt" in classes(attrs)][0]
    assert cell["dir"] == direction


def test_text_is_escaped():
    a = small()
    text = render_html(a, title="<script>alert(1)</script>")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Hello &lt;b&gt;world&lt;/b&gt; &amp; co." in text
    assert "enc:&lt;fake&gt;" in text  # the signature, in the footer
    page = Page(text)
    assert "Hello <b>world</b> & co." in "".join(page.text)
    assert not page.find("b")


def test_self_contained():
    text = render_html(small(), similarity=np.eye(3, dtype=np.float32))
    page = Page(text)
    for tag, attrs in page.tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("#", "data:")), (tag, key, value)
    assert not page.find("script")
    assert not page.find("link")
    assert "@import" not in text
    assert "url(" not in text
    assert re.search(r"https?://(?!www\.w3\.org/2000/svg)", text) is None


def test_footer_has_version_and_signature():
    text = render_html(small())
    footer = text[text.index("<footer>"):]
    assert f"aligner {__version__}" in footer
    assert "aligner:x|enc:&lt;fake&gt;" in footer


def png_of(text):
    data = re.search(r'href="data:image/png;base64,([^"]+)"', text).group(1)
    import base64

    return base64.b64decode(data)


def decode_png(data):
    """Width, height and pixel rows of a palette PNG, read chunk by chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(tag + body)
        chunks[tag] = chunks.get(tag, b"") + body
        pos += 12 + n
    w, h, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 3)
    assert len(chunks[b"PLTE"]) == 256 * 3
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(h, w + 1)
    assert (raw[:, 0] == 0).all()
    return w, h, raw[:, 1:]


def test_matrix_png_and_path():
    a = small()
    sim = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.7], [0.0, 0.3, 0.1]], dtype=np.float32)
    text = render_html(a, similarity=sim)
    w, h, pixels = decode_png(png_of(text))
    assert (w, h) == (3, 3)
    assert pixels[0, 0] > pixels[0, 1]  # brighter where more alike
    assert pixels[1, 1] > pixels[2, 0]
    page = Page(text)
    rects = page.find("rect", class_="bead")
    assert [(r["x"], r["y"], r["width"], r["height"]) for r in rects] == [("0", "0", "1", "1"), ("1", "1", "2", "1")]
    lines = page.find("line", class_="del")
    assert [(ln["x1"], ln["y1"], ln["x2"], ln["y2"]) for ln in lines] == [("3", "2", "3", "3")]
    assert [x["href"] for x in page.find("a")] == ["#b0", "#b1", "#b2"]
    # Without a matrix: the path alone, and a note saying so.
    text = render_html(a)
    assert "data:image/png" not in text
    assert "similarity not computed" in text
    assert len(Page(text).find("rect", class_="bead")) == 2


def with_links():
    """Two links off the path (one crossing, one in order), one unaligned sentence, one deletion with neither."""
    src = ["Alpha <one>.", "Beta & co.", "Gamma.", "Delta \"quoted\".", "Epsilon.", "Zeta."]
    tgt = ["ألف.", "باء.", "جيم.", "دال.", "هاء."]
    beads = [
        Bead((0,), (0,), 0.5), Bead((1,), ()), Bead((), (1,)), Bead((2,), (2,), 0.4),
        Bead((3,), ()), Bead((), (3,)), Bead((4,), (4,), 0.3), Bead((5,), ()),
    ]
    links = [Link(3, 0, 0.91, 1.4, True), Link(1, 1, 0.64, 1.15, False)]
    unaligned = [Unaligned("target", 3, 4, 0.12, "no counterpart reaches <0.5>: the best, source 4, has probability 0.120")]
    return Alignment(src, tgt, beads, "en", "ar", {}, links, unaligned)


def row_html(text, row_id):
    """The HTML of the table row with id `row_id`."""
    match = re.search(rf'<tr id="{row_id}"[^>]*>.*?</tr>', text, re.S)
    assert match, row_id
    return match.group(0)


def svg_of(text):
    return text[text.index('<svg id="matrix-svg"'):text.index("</svg>", text.index('<svg id="matrix-svg"'))]


def test_links_table():
    a = with_links()
    text = render_html(a)
    page = Page(text)
    rows = [attrs for tag, attrs in page.tags if tag == "tr" and "link" in classes(attrs)]
    assert [r["id"] for r in rows] == ["l0", "l1"]
    assert [classes(r) for r in rows] == [["link", "crosses"], ["link", "inorder"]]
    assert [(r["data-source"], r["data-target"]) for r in rows] == [("3", "0"), ("1", "1")]
    # The link rows are not beads: the bead table is as before.
    assert len([attrs for tag, attrs in page.tags if tag == "tr" and "bead" in classes(attrs)]) == 8
    first, second = row_html(text, "l0"), row_html(text, "l1")
    assert 'data-id="3"><span class="sid">3</span>Delta &quot;quoted&quot;.' in first
    assert 'data-id="0"><span class="sid">0</span>ألف.' in first
    assert "Beta &amp; co." in second and "باء." in second
    assert '<a class="inbead" href="#b4"' in first and '<a class="inbead" href="#b0"' in first  # where each sentence is
    assert "crosses the path" in first and "in order" not in first
    assert "in order" in second and "crosses the path" not in second
    assert re.search(r'<td class="tgt" lang="ar" dir="rtl">', first)
    assert re.search(r'<td class="src" lang="en" dir="ltr">', second)
    scores = re.findall(r'<td class="score" style="background:(hsl\([^)]*\))" title="probability ([0-9.]+)', first + second)
    assert [p for _, p in scores] == ["0.9100", "0.6400"]
    assert scores[0][0] != scores[1][0]  # coloured by probability
    assert ">0.91</td>" in first and ">0.64</td>" in second
    assert text.index('<table class="beads">') < text.index("Links off the path") < text.index('<tr id="l0"')
    # Header, legend and caption name the links.
    header = text[text.index("<header>"):text.index("</header>")]
    assert "2 links off the path (1 crossing the path)" in header
    assert 'class="link crosses"' in header and 'class="link inorder"' in header
    caption = re.search(r"<figcaption>(.*?)</figcaption>", text, re.S).group(1)
    assert "Violet dots" in caption and "hollow: in order" in caption
    # A sentence of a full bead that is also linked points to its link.
    bead0 = row_html(text, "b0")
    assert '<a class="linkref" href="#l0"' in bead0 and "↔ link 0" in bead0


def test_link_marks_in_matrix():
    a = with_links()
    text = render_html(a, similarity=np.eye(6, 5, dtype=np.float32))
    svg = svg_of(text)
    page = Page(svg)
    marks = page.find("circle", class_="link crosses") + page.find("circle", class_="link inorder")
    assert [(c["class"], c["cx"], c["cy"]) for c in marks] == [("link crosses", "0.5", "3.5"), ("link inorder", "1.5", "1.5")]
    assert len(page.find("circle", class_="halo")) == 2
    assert len(page.find("circle")) == 4
    hrefs = [x["href"] for x in page.find("a")]
    assert hrefs == [f"#b{k}" for k in range(8)] + ["#l0", "#l1"]
    assert "<title>link 0: source 3 ↔ target 0, probability 0.910, crosses the path</title>" in svg
    assert "<title>link 1: source 1 ↔ target 1, probability 0.640, in order, off the path</title>" in svg
    # Beads and deletions are drawn as before, not as circles.
    assert len(page.find("rect", class_="bead")) == 3
    assert len(page.find("line", class_="del")) == 5
    # Marks come after the path, so they are drawn over it; the page's CSS tells the two kinds apart.
    assert svg.index("<circle") > svg.rindex('class="del"')
    assert "circle.link.crosses { fill: #8e44ff; }" in text and "circle.link.inorder { fill: none; }" in text


def test_deletion_reasons_and_links():
    a = with_links()
    text = render_html(a)
    # Source 1 (bead 1) and source 3 (bead 4) are linked off the path.
    bead1, bead4 = row_html(text, "b1"), row_html(text, "b4")
    assert 'linked off the path: see <a href="#l1">link 1</a> (target 1, probability 0.640)' in bead1
    assert 'linked off the path: see <a href="#l0">link 0</a> (target 0, probability 0.910, crosses the path)' in bead4
    assert 'class="why reason"' not in bead1 + bead4
    # Target 1 (bead 2) is the other end of link 1.
    assert 'linked off the path: see <a href="#l1">link 1</a> (source 1, probability 0.640)' in row_html(text, "b2")
    # Source 5 (bead 7) is in no link and has no unaligned entry: the mark alone.
    bead7 = row_html(text, "b7")
    assert "no counterpart" in bead7 and 'class="why' not in bead7
    # Target 3 (bead 5): the reason, escaped, and its best counterpart (source 4, in bead 6).
    bead5 = row_html(text, "b5")
    gap = re.search(r'<td class="src gap"[^>]*>(.*?)</td>', bead5, re.S).group(1)
    assert '<span class="gap-mark">no counterpart</span>' in gap
    assert "no counterpart reaches &lt;0.5&gt;: the best, source 4, has probability 0.120" in gap
    assert "<0.5>" not in text
    assert 'data-best="4"' in gap and '(best counterpart: <a href="#b6">source 4</a>, probability 0.120)' in gap
    score = Page(bead5).find("td", class_="score none")[0]
    assert score["title"].endswith("; no counterpart reaches <0.5>: the best, source 4, has probability 0.120")
    # Every in-page anchor leads somewhere.
    page = Page(text)
    ids = {attrs["id"] for _, attrs in page.tags if "id" in attrs}
    targets = {x["href"][1:] for x in page.find("a")}
    assert {"l0", "l1", "b0", "b4", "b6"} <= targets <= ids


def test_nothing_of_links_without_them():
    a = with_links()
    plain = replace(a, links=(), unaligned=())
    for text in (render_html(plain), render_html(plain, similarity=np.eye(6, 5, dtype=np.float32))):
        page = Page(text)
        assert not [attrs for tag, attrs in page.tags if tag == "tr" and "link" in classes(attrs)]
        assert not page.find("circle") and not page.find("svg", class_="mark")
        assert "Links off the path" not in text and "links off the path" not in text
        assert "Violet" not in text and "linked off the path" not in text
        assert 'class="why' not in text and 'class="linkref"' not in text
        assert len(page.find("tr", class_="bead unaligned")) == 5
    # Unaligned sentences without links: the reasons, but no links table.
    text = render_html(replace(a, links=()))
    assert "no counterpart reaches &lt;0.5&gt;" in text
    assert "Links off the path" not in text and not Page(text).find("circle")


def test_matrix_svg_standalone_with_links():
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    a = with_links()
    svg = matrix_svg(a, np.eye(6, 5, dtype=np.float32))
    root = ET.fromstring(svg)  # well-formed XML: the escaping holds
    circles = [c.get("class") for c in root.iter(f"{ns}circle")]
    assert circles == ["halo", "link crosses", "halo", "link inorder"]
    assert ".link.crosses{fill:#8e44ff}" in svg and ".link.inorder{fill:none}" in svg
    titles = [t.text for t in root.iter(f"{ns}title")]
    assert titles[-2:] == [
        "link 0: source 3 ↔ target 0, probability 0.910, crosses the path",
        "link 1: source 1 ↔ target 1, probability 0.640, in order, off the path",
    ]
    plain = matrix_svg(replace(a, links=()), np.eye(6, 5, dtype=np.float32))
    assert "<circle" not in plain and ".halo" not in plain and ".link" not in plain


def test_bad_similarity():
    with pytest.raises(InputError, match=r"at most \(3, 3\)"):
        render_html(small(), similarity=np.zeros((4, 3)))
    with pytest.raises(InputError, match="NaN"):
        render_html(small(), similarity=np.full((3, 3), np.nan))


def test_downsample_block_means():
    m = np.arange(12, dtype=np.float32).reshape(4, 3)
    # Rows in blocks 0-1 and 2-3; columns in blocks 0 and 1-2 (np.linspace(0, 3, 3) floored).
    np.testing.assert_allclose(downsample(m, 2), [[(0 + 3) / 2, (1 + 2 + 4 + 5) / 4], [(6 + 9) / 2, (7 + 8 + 10 + 11) / 4]])
    assert downsample(np.zeros((3000, 40)), MAX_SIDE).shape == (MAX_SIDE, 40)
    big = np.random.default_rng(0).random((MAX_SIDE + 700, 20)).astype(np.float32)
    text = render_html(
        Alignment(["s"] * big.shape[0], ["t"] * 20, [Bead((i,), (i,) if i < 20 else ()) for i in range(big.shape[0])]),
        similarity=big,
    )
    w, h, _ = decode_png(png_of(text))
    assert (w, h) == (20, MAX_SIDE)
    assert f"{MAX_SIDE} × 20 block means" in text


def toy_encoder(texts):
    """Deterministic vectors from the text's bytes, so similarities are known."""
    out = np.zeros((len(texts), 16), dtype=np.float32)
    for k, t in enumerate(texts):
        for ch in t.encode("utf-8"):
            out[k, ch % 16] += 1
    return out + 0.01


def test_sentence_similarity_full_and_sliced():
    rng = np.random.default_rng(1)
    words = ["alpha", "beta", "gamma", "delta", "eps"]
    src = [" ".join(rng.choice(words, 3)) for _ in range(9)]
    tgt = [" ".join(rng.choice(words, 3)) for _ in range(7)]
    a = Alignment(src, tgt, [Bead((i,), ()) for i in range(9)] + [Bead((), (j,)) for j in range(7)])
    full = sentence_similarity(a, toy_encoder)
    vs, vt = toy_encoder(src), toy_encoder(tgt)
    vs /= np.linalg.norm(vs, axis=1, keepdims=True)
    vt /= np.linalg.norm(vt, axis=1, keepdims=True)
    np.testing.assert_allclose(full, vs @ vt.T, rtol=1e-5)
    sliced = sentence_similarity(a, toy_encoder, max_side=4)
    assert sliced.shape == (4, 4)
    np.testing.assert_allclose(sliced, downsample(full, 4), rtol=1e-5)


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "aligner", *map(str, args)], cwd=ROOT, capture_output=True, timeout=300,
    )


@pytest.fixture(scope="module")
def cli_page(tmp_path_factory):
    out = tmp_path_factory.mktemp("view") / "seeds.html"
    proc = run_cli("view", FR, AR, "-o", out)
    assert proc.returncode == 0, proc.stderr.decode()
    return out.read_text(encoding="utf-8")


def test_cli_view(cli_page):
    page = Page(cli_page)
    rows = [a for t, a in page.tags if t == "tr" and "bead" in classes(a)]
    assert len(rows) > 10
    assert "<title>ankara.fr.txt ↔ ankara.ar.txt</title>" in cli_page
    w, h, _ = decode_png(png_of(cli_page))
    assert (w, h) == (14, 12)  # 14 Arabic columns, 12 French rows
    assert "enc:usem3" in cli_page[cli_page.index("<footer>"):]


def test_cli_view_from_json(tmp_path):
    aligned = run_cli("align", FR, AR, "--format", "json", "-o", tmp_path / "a.json")
    assert aligned.returncode == 0, aligned.stderr.decode()
    proc = run_cli("view", "--from-json", tmp_path / "a.json", "--no-matrix", "-o", tmp_path / "a.html")
    assert proc.returncode == 0, proc.stderr.decode()
    text = (tmp_path / "a.html").read_text(encoding="utf-8")
    beads = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["beads"]
    assert len([a for t, a in Page(text).tags if t == "tr" and "bead" in classes(a)]) == len(beads)
    assert "similarity not computed" in text
    # With the matrix, recomputed with the encoder named in the signature.
    proc = run_cli("view", "--from-json", tmp_path / "a.json", "-o", tmp_path / "b.html")
    assert proc.returncode == 0, proc.stderr.decode()
    assert "data:image/png;base64," in (tmp_path / "b.html").read_text(encoding="utf-8")


def test_cli_view_needs_inputs(tmp_path):
    proc = run_cli("view", FR, "-o", tmp_path / "x.html")
    assert proc.returncode == 2
    assert "give the two documents" in proc.stderr.decode()
    proc = run_cli("view", FR, AR, "--from-json", tmp_path / "a.json")
    assert proc.returncode == 2
    assert "not both" in proc.stderr.decode()


# ------------------------------------------------------------ in a real browser

@pytest.fixture(scope="module")
def seeds_page(tmp_path_factory):
    """The seeds' alignment and its page, with the similarity matrix and links off the path."""
    from aligner.view import align_with_similarity

    alignment, sim = align_with_similarity(FR.read_text(encoding="utf-8"), AR.read_text(encoding="utf-8"), crossing=True)
    # The seeds have no link that beats the path at any threshold, so the page is
    # given two by hand, one each way, to have something to show.
    links = (Link(0, 2, 0.61, 1.37, True), Link(11, 12, 0.55, 1.35, False))
    linked = {("source", 0), ("target", 2), ("source", 11), ("target", 12)}
    alignment = dataclasses.replace(
        alignment, links=links, unaligned=[u for u in alignment.unaligned if (u.side, u.id) not in linked],
    )
    path = tmp_path_factory.mktemp("browser") / "seeds.html"
    path.write_text(render_html(alignment, similarity=sim, title="Ankara: fr ↔ ar"), encoding="utf-8")
    return alignment, path


def screenshot_path(tmp_path):
    # ALIGNER_VIEW_SCREENSHOT=/some/file.png keeps the picture for a person to look at.
    return Path(os.environ.get("ALIGNER_VIEW_SCREENSHOT") or tmp_path / "view.png")


# Everything the test reads from the page once it is shown, in one script.
PROBE = """
const rows = [...document.querySelectorAll('tr.bead')];
const rtl = [...document.querySelectorAll('td.tgt[dir=rtl]:not(.gap)')];
const cell = rtl[0], first = cell.querySelector('.s');
const svg = document.getElementById('matrix-svg');
const box = svg.getBoundingClientRect();
const links = [...svg.querySelectorAll('circle.link')];
return {
  rows: rows.length,
  unaligned: document.querySelectorAll('tr.unaligned').length,
  marks: [...document.querySelectorAll('tr.unaligned .gap-mark')].filter(e => e.getClientRects().length > 0).length,
  rtlText: cell.textContent,
  rtlDirection: getComputedStyle(cell).direction,
  rtlGapRight: cell.getBoundingClientRect().right - first.getClientRects()[0].right,
  rtlGapLeft: first.getClientRects()[0].left - cell.getBoundingClientRect().left,
  svgWidth: box.width, svgHeight: box.height,
  boxes: svg.querySelectorAll('rect.bead').length,
  dels: svg.querySelectorAll('line.del').length,
  image: svg.querySelector('image') ? svg.querySelector('image').getAttribute('href').slice(0, 22) : null,
  scoreTitle: document.querySelector('tr.bead:not(.unaligned) td.score').title,
  footer: document.querySelector('footer').textContent,
  resources: performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith('data:')),
  linkMarks: links.length,
  linkMarksShown: links.filter(c => { const r = c.getBoundingClientRect(); return r.width >= 4 && r.height >= 4; }).length,
  crossingOnTop: links.filter(c => c.classList.contains('crosses')).filter(c => {
    const r = c.getBoundingClientRect();
    return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === c;
  }).length,
  linkStrokes: [...new Set(links.map(c => getComputedStyle(c).stroke))],
  linkFills: links.map(c => [c.classList.contains('crosses'), getComputedStyle(c).fill]),
  linkRows: [...document.querySelectorAll('tr.link')].filter(e => e.getClientRects().length > 0).length,
  why: [...document.querySelectorAll('tr.unaligned .why')].filter(e => e.getClientRects().length > 0).length,
};
"""

PNG_SIZE = """
const done = arguments[arguments.length - 1];
const img = new Image();
img.onload = () => done([img.naturalWidth, img.naturalHeight]);
img.onerror = () => done(null);
img.src = document.querySelector('#matrix-svg image').getAttribute('href');
"""


def check_probe(probe, alignment):
    deletions = sum(b.is_deletion for b in alignment.beads)
    assert probe["rows"] == len(alignment.beads)
    assert probe["unaligned"] == deletions > 0
    assert probe["marks"] == deletions  # each shown, not just present
    assert ARABIC.search(probe["rtlText"])
    assert alignment.target_sentences[alignment.beads[0].target[0]] in probe["rtlText"]
    assert probe["rtlDirection"] == "rtl"
    # Right to left: the first Arabic sentence starts at the cell's right edge.
    assert probe["rtlGapRight"] < 20 < probe["rtlGapLeft"]
    assert probe["svgWidth"] > 200 and probe["svgHeight"] > 150
    assert probe["boxes"] == len(alignment.beads) - deletions
    assert probe["dels"] == deletions
    assert probe["image"] == "data:image/png;base64,"
    assert probe["scoreTitle"].startswith("score ")
    assert alignment.metadata["signature"] in probe["footer"]
    assert probe["resources"] == []  # nothing fetched from anywhere
    # The links off the path: a violet dot each, big enough to see, filled when
    # the link crosses the path (then on top at its centre), and a row each.
    n_links, n_cross = len(alignment.links), sum(link.crosses for link in alignment.links)
    assert probe["linkMarks"] == n_links > 0
    assert probe["linkMarksShown"] == n_links
    assert probe["crossingOnTop"] == n_cross
    assert probe["linkStrokes"] == ["rgb(142, 68, 255)"]
    assert all((fill != "none") == crosses for crosses, fill in probe["linkFills"])
    assert probe["linkRows"] == n_links
    # Under each sentence without a counterpart: its link or why it has none.
    notes = 0
    for bead in alignment.beads:
        if bead.is_deletion:
            side = "source" if bead.source else "target"
            for i in bead.source or bead.target:
                notes += sum(getattr(link, side) == i for link in alignment.links)
                notes += sum(u.side == side and u.id == i for u in alignment.unaligned)
    assert probe["why"] == notes == deletions  # each deletion here is linked or explained, once


def test_page_in_headless_chromium(seeds_page, tmp_path, monkeypatch):
    chromium = chromium_binary()
    if chromium is None:
        pytest.skip(NO_CHROMIUM)
    alignment, page = seeds_page
    shot = screenshot_path(tmp_path)
    shot.parent.mkdir(parents=True, exist_ok=True)
    profile = tmp_path / "profile"
    profile.mkdir()
    driver = chrome(chromium, profile, monkeypatch)
    if driver is None:
        return _dump_dom_check(chromium, page, alignment, profile, shot)
    try:
        driver.get(page.as_uri())
        check_probe(driver.execute_script(PROBE), alignment)
        driver.set_script_timeout(20)
        n, m = len(alignment.source_sentences), len(alignment.target_sentences)
        assert driver.execute_async_script(PNG_SIZE) == [m, n]  # the browser decodes the matrix PNG
        assert driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a page, not a blank


def _dump_dom_check(chromium, page, alignment, profile, shot):
    """Without selenium: chromium's own --dump-dom and --screenshot."""
    flags = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, timeout=120)
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    parsed = Page(dom.stdout.decode("utf-8"))
    rows = [a for t, a in parsed.tags if t == "tr" and "bead" in classes(a)]
    assert len(rows) == len(alignment.beads)
    assert sum("unaligned" in classes(a) for a in rows) == sum(b.is_deletion for b in alignment.beads)
    assert any(a.get("dir") == "rtl" for t, a in parsed.tags if t == "td")
    assert parsed.find("svg", id="matrix-svg")
    marks = parsed.find("circle", class_="link crosses") + parsed.find("circle", class_="link inorder")
    assert len(marks) == len(alignment.links) > 0
    assert sum("link" in classes(a) for t, a in parsed.tags if t == "tr") == len(alignment.links)
    shutil.rmtree(profile)
    profile.mkdir()
    proc = subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
