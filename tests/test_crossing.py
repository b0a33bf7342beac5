"""Tests of align(..., crossing=True): links off the monotone path and the reasons for unaligned sentences."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aligner import InputError, align
from aligner.alignment import Alignment, Bead, Link, Unaligned
from aligner.crossing import off_path
from aligner.encoders import CallableEncoder
from aligner.formats import dumps, loads

ROOT = Path(__file__).resolve().parent.parent


def planted_moved(n=16, moved=3, to=12, d=256, seed=0):
    """A document pair in which source sentence `moved` was moved to target position `to`.

    Target k translates source k except that the translation of `moved` is
    taken out and put at `to`, so no monotone path can pair it. Every vector
    shares a common part, as real sentence embeddings do.
    """
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(d)
    common /= np.linalg.norm(common)
    vecs = {}
    for k in range(n):
        own = rng.standard_normal(d) / np.sqrt(d) + common
        vecs[f"s{k}"] = own
        vecs[f"t{k}"] = own + 0.3 * rng.standard_normal(d) / np.sqrt(d)
    src = [f"s{k}" for k in range(n)]
    tgt = [f"t{k}" for k in range(n) if k != moved]
    tgt.insert(to, f"t{moved}")
    # A joined run's vector is the sum of its sentences'.
    encoder = CallableEncoder(
        lambda texts: np.array([sum(vecs[w] for w in t.split()) for t in texts]), name="planted-moved"
    )
    return src, tgt, encoder


def test_a_moved_sentence_is_found_as_a_crossing_link():
    src, tgt, encoder = planted_moved()
    plain = align(src, tgt, encoder=encoder, source_lang="en", target_lang="en")
    al = align(src, tgt, encoder=encoder, source_lang="en", target_lang="en", crossing=True)
    assert al.beads == plain.beads  # the option never changes the monotone path
    assert plain.links == () and plain.unaligned == ()
    found = [(src[x.source], tgt[x.target], x.crosses) for x in al.links]
    assert found == [("s3", "t3", True)]
    assert al.links[0].score > 0.9
    # Being linked, the moved sentence is not listed as unaligned.
    assert ("source", 3) not in {(u.side, u.id) for u in al.unaligned}
    assert "|links:0.5" in al.metadata["signature"]


def test_every_deletion_is_linked_or_explained_once():
    src, tgt, encoder = planted_moved()
    src = src + ["s-extra"]
    unlike = np.linspace(-1, 1, 256)  # unlike everything
    inner = encoder
    encoder = CallableEncoder(
        lambda texts: np.array([sum(unlike if w == "s-extra" else inner.encode([w])[0] for w in t.split()) for t in texts]),
        name="planted-extra",
    )
    al = align(src, tgt, encoder=encoder, source_lang="en", target_lang="en", crossing=True)
    deleted = {("source", b.source[0]) for b in al.beads if b.is_deletion and b.source}
    deleted |= {("target", b.target[0]) for b in al.beads if b.is_deletion and b.target}
    linked = {("source", x.source) for x in al.links} | {("target", x.target) for x in al.links}
    explained = [(u.side, u.id) for u in al.unaligned]
    assert len(explained) == len(set(explained))
    assert set(explained) == deleted - linked
    extra = next(u for u in al.unaligned if u.side == "source" and src[u.id] == "s-extra")
    assert extra.score < 0.5 and "no counterpart reaches the threshold 0.5" in extra.reason
    assert f"target {extra.best}" in extra.reason


def test_threshold_one_keeps_no_link():
    src, tgt, encoder = planted_moved()
    none = align(src, tgt, encoder=encoder, source_lang="en", target_lang="en", crossing=True, link_threshold=1.0)
    assert none.links == ()
    assert {(u.side, u.id) for u in none.unaligned} == {
        ("source" if b.source else "target", (b.source or b.target)[0]) for b in none.beads if b.is_deletion
    }


def test_crosses_tells_order_from_disorder():
    beads = [Bead((0,), (0,)), Bead((1,), ()), Bead((), (1,)), Bead((2,), (2,)), Bead((3,), (3,))]
    rng = np.random.default_rng(3)
    v = rng.standard_normal((4, 32))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    vs = v.copy()
    vt = v[[0, 1, 2, 3]].copy()
    links, unaligned = off_path(beads, vs, vt, threshold=0.0)
    # (1, 1) joins two deletions side by side: in order. Nothing else is off the path and best.
    assert [(x.source, x.target, x.crosses) for x in links] == [(1, 1, False)]
    assert unaligned == ()


def test_a_link_across_a_bead_crosses():
    beads = [Bead((0,), ()), Bead((1,), (0,)), Bead((2,), (1,)), Bead((), (2,))]
    vs = np.eye(3, 8)
    vt = np.eye(3, 8)[[1, 2, 0]]  # target 2 translates source 0, after the beads of sources 1 and 2
    links, _ = off_path(beads, vs.astype(np.float32), vt.astype(np.float32), threshold=0.5)
    assert [(x.source, x.target, x.crosses) for x in links] == [(0, 2, True)]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"crossing": "yes"}, "crossing must be True or False"), ({"link_threshold": 1.5}, "link_threshold"),
     ({"link_threshold": True}, "link_threshold"), ({"link_thresold": 0.5}, "unknown option")],
)
def test_bad_options_are_named(options, message):
    with pytest.raises(InputError, match=message):
        align(["a"], ["b"], encoder=CallableEncoder(lambda t: np.ones((len(t), 4)), name="ones"), **options)


def test_links_survive_json_and_are_checked():
    al = Alignment(
        ["a", "b", "c"], ["x", "y"], [Bead((0,), (0,), 0.4), Bead((1,), ()), Bead((2,), (1,), 0.3)],
        links=[Link(1, 1, 0.7, 1.4, True)], unaligned=[Unaligned("source", 1, 0, 0.1, "why")],
    )
    again = loads(dumps(al, "json"), "json")
    assert again == al and again.links == al.links and again.unaligned == al.unaligned
    with pytest.raises(InputError, match="outside the documents"):
        Alignment(["a"], ["x"], [Bead((0,), (0,))], links=[Link(0, 3, 0.7, 1.4, False)])
    with pytest.raises(InputError, match="side"):
        Alignment(["a"], ["x"], [Bead((0,), (0,))], unaligned=[Unaligned("left", 0, 0, 0.1, "")])
    # A file without links reads back without them, and writes no "links" key.
    plain = Alignment(["a"], ["x"], [Bead((0,), (0,), 0.4)])
    assert '"links"' not in dumps(plain, "json") and loads(dumps(plain, "json"), "json").links == ()


def test_seeds_option_on_keeps_the_beads_and_explains_the_deletions():
    fr = (ROOT / "seeds" / "ankara.fr.txt").read_text(encoding="utf-8")
    ar = (ROOT / "seeds" / "ankara.ar.txt").read_text(encoding="utf-8")
    plain = align(fr, ar)
    al = align(fr, ar, crossing=True)
    assert al.beads == plain.beads
    n_deleted = sum(1 for b in al.beads if b.is_deletion)
    assert len(al.unaligned) + sum(
        1 for x in al.links for side in ("source", "target")
        if any(b.is_deletion and getattr(x, side) in getattr(b, side) for b in al.beads)
    ) == n_deleted
    # The heading "Sécurité commune" has nothing like it in the Arabic article.
    heading = al.source_sentences.index("Sécurité commune")
    entry = next(u for u in al.unaligned if u.side == "source" and u.id == heading)
    assert entry.score < 0.01


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "aligner", *map(str, args)], cwd=ROOT, capture_output=True, timeout=300,
    )


FR_MOVED = [
    "Le conseil municipal s'est réuni lundi soir.", "Le maire a présenté le budget de l'année prochaine.",
    "Les écoles recevront de nouveaux ordinateurs.", "La piscine fermera pour travaux en été.",
    "Les habitants pourront donner leur avis en ligne.", "La prochaine séance aura lieu en mars.",
]
# The same in English, with the mayor's sentence moved to the end.
EN_MOVED = [
    "The town council met on Monday evening.", "Schools will receive new computers.",
    "The swimming pool will close for works in the summer.", "Residents will be able to give their opinion online.",
    "The next session will take place in March.", "The mayor presented next year's budget.",
]


def test_cli_crossing_needs_json_and_writes_links(tmp_path):
    (tmp_path / "fr.txt").write_text("\n".join(FR_MOVED) + "\n", encoding="utf-8")
    (tmp_path / "en.txt").write_text("\n".join(EN_MOVED) + "\n", encoding="utf-8")
    files = (tmp_path / "fr.txt", tmp_path / "en.txt", "--presplit")
    bad = run_cli("align", *files, "--crossing")
    assert bad.returncode == 2 and b"--crossing needs --format json" in bad.stderr
    ok = run_cli("align", *files, "--crossing", "--format", "json")
    assert ok.returncode == 0, ok.stderr.decode()
    al = loads(ok.stdout.decode("utf-8"), "json")
    assert [(x.source, x.target, x.crosses) for x in al.links] == [(1, 5, True)]
    assert al.links[0].score >= 0.5
    assert al.beads == loads(run_cli("align", *files, "--format", "json").stdout.decode("utf-8"), "json").beads
    worse = run_cli("align", *files, "--crossing", "--format", "json", "--link-threshold", "2")
    assert worse.returncode == 2 and b"probability between 0 and 1" in worse.stderr


def test_cli_mine(tmp_path):
    (tmp_path / "fr.txt").write_text(
        "Le chat dort sur le canapé.\nIl pleut à Paris depuis ce matin.\nLa réunion a été reportée à jeudi.\n",
        encoding="utf-8",
    )
    (tmp_path / "en.txt").write_text(
        "The meeting was postponed to Thursday.\nQuantum computers use qubits.\nThe cat is asleep on the sofa.\n"
        "It has been raining in Paris since this morning.\n",
        encoding="utf-8",
    )
    proc = run_cli("mine", tmp_path / "fr.txt", tmp_path / "en.txt", "--presplit")
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode("utf-8").splitlines()
    assert lines[0] == "source_id\ttarget_id\tscore\tmargin\tsource_text\ttarget_text"
    pairs = {(int(a), int(b)) for a, b, *_ in (line.split("\t") for line in lines[1:])}
    assert pairs == {(0, 2), (1, 3), (2, 0)}
    text = run_cli("mine", tmp_path / "fr.txt", tmp_path / "en.txt", "--src-lang", "fr", "--tgt-lang", "en")
    assert text.returncode == 0 and text.stdout == proc.stdout  # one sentence a line either way here
