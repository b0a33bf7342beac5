"""Links inside a bead of the path that cross each other, the floor on short sentences, and their formats."""

import re

import numpy as np
import pytest

from aligner.alignment import Alignment, Bead, Link
from aligner.crossing import off_path
from aligner.errors import FormatError
from aligner.formats import dumps, loads
from aligner.view import render_html


def vectors(order, n=6, d=64, seed=5):
    """Unit source vectors 0..n-1 and target vectors in `order` (target k translates source order[k])."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(d)
    common /= np.linalg.norm(common)
    vs = rng.standard_normal((n, d)) / np.sqrt(d) + common
    vt = vs[list(order)] + 0.2 * rng.standard_normal((len(order), d)) / np.sqrt(d)
    vs /= np.linalg.norm(vs, axis=1, keepdims=True)
    vt /= np.linalg.norm(vt, axis=1, keepdims=True)
    return vs.astype(np.float32), vt.astype(np.float32)


# A 2-2 bead in the middle that hides a swap: target 2 translates source 3, target 3 source 2.
SWAPPED = [Bead((0,), (0,)), Bead((1,), (1,)), Bead((2, 3), (2, 3)), Bead((4,), (4,)), Bead((5,), (5,))]


def test_a_swap_inside_a_bead_gives_two_inside_links():
    vs, vt = vectors([0, 1, 3, 2, 4, 5])
    links, unaligned = off_path(SWAPPED, vs, vt, threshold=0.5)
    assert [(x.source, x.target, x.crosses, x.inside) for x in sorted(links, key=lambda x: x.source)] == [
        (2, 3, True, True), (3, 2, True, True)
    ]
    assert all(x.score >= 0.5 for x in links) and unaligned == ()


def test_a_bead_in_order_gives_no_inside_link():
    vs, vt = vectors(range(6))
    links, _ = off_path(SWAPPED, vs, vt, threshold=0.0)
    assert links == ()


def test_an_inside_link_needs_its_crossing_partner_above_the_threshold():
    vs, vt = vectors([0, 1, 3, 2, 4, 5])
    links, _ = off_path(SWAPPED, vs, vt, threshold=0.5)
    weaker = min(x.score for x in links)
    # Just above the weaker pair: the stronger one alone shows no crossing.
    assert off_path(SWAPPED, vs, vt, threshold=float(np.nextafter(weaker, 1.0)))[0] == ()


def test_an_inside_pair_must_be_mutual_in_the_whole_documents():
    vs, vt = vectors([0, 1, 3, 2, 4, 5])
    # Target 5 is made a copy of source 2: source 2's best is now outside the bead.
    vt = vt.copy()
    vt[5] = vs[2]
    links, _ = off_path(SWAPPED, vs, vt, threshold=0.0)
    assert not any(x.inside for x in links)


def moved(short):
    """Source 1's translation moved to the end; its length `short` or not, the others 40 characters."""
    vs, vt = vectors([0, 2, 3, 4, 5, 1])
    beads = [Bead((0,), (0,)), Bead((1,), ()), Bead((2,), (1,)), Bead((3,), (2,)), Bead((4,), (3,)),
             Bead((5,), (4,)), Bead((), (5,))]
    len_s = np.full(6, 40.0)
    len_t = np.full(6, 40.0)
    len_s[1] = 5.0 if short else 30.0
    return beads, vs, vt, len_s, len_t


def test_a_short_sentence_gets_no_link_off_the_path():
    beads, vs, vt, len_s, len_t = moved(short=False)
    assert [(x.source, x.target, x.crosses) for x in off_path(beads, vs, vt, 0.5, len_s, len_t)[0]] == [(1, 5, True)]
    beads, vs, vt, len_s, len_t = moved(short=True)
    links, unaligned = off_path(beads, vs, vt, 0.5, len_s, len_t)
    assert links == ()
    # Left unlinked, both sentences are explained, with the pair the floor refused.
    assert {(u.side, u.id, u.best) for u in unaligned} == {("source", 1, 5), ("target", 5, 1)}
    # Without lengths there is no floor.
    assert len(off_path(beads, vs, vt, 0.5)[0]) == 1


def inside_alignment():
    return Alignment(
        ["a", "b", "c"], ["x", "y", "z"], [Bead((0,), (0,), 0.4), Bead((1, 2), (1, 2), 0.3)],
        links=[Link(1, 2, 0.9, 1.5, True, inside=True), Link(2, 1, 0.6, 1.3, True, inside=True)],
    )


def test_inside_links_survive_json_and_old_files_still_read():
    al = inside_alignment()
    text = dumps(al, "json")
    assert text.count('"inside": true') == 2
    assert loads(text, "json").links == al.links
    # A link off the path writes no "inside" key, and a file without it reads as before.
    off = Alignment(["a", "b"], ["x", "y"], [Bead((0,), (0,)), Bead((1,), (1,))], links=[Link(0, 1, 0.7, 1.4, True)])
    old = dumps(off, "json")
    assert '"inside"' not in old and loads(old, "json").links[0].inside is False
    with pytest.raises(FormatError, match=r"links\[0\]\.inside"):
        loads(text.replace('"inside": true', '"inside": 1', 1), "json")
    with pytest.raises(FormatError, match=r"links\[0\]: expected an object with the keys"):
        loads(text.replace('"inside": true', '"inward": true', 1), "json")


def test_the_view_tells_an_inside_link():
    text = render_html(inside_alignment())
    row = re.search(r'<tr id="l0"[^>]*>.*?</tr>', text, re.S).group(0)
    assert "crosses inside its bead" in row
    assert "2 links off the path (2 crossing the path, 2 of them inside a bead)" in text
