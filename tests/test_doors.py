"""One alignment whatever the door: `align`, the command line, the view and the batch on every back-end.

Each door is given the same two pairs and the same options, and must return
the same beads with the same scores, to the last digit written:

- the seeds (French–Arabic, from their raw text, split by the aligner);
- a small pair made here, English–French, with a deletion and a merge
  (`generated_pair`), which the aligner gets right.

The doors: ``align()``; ``aligner align --format json``; the view's
``align_with_similarity`` and ``aligner view`` (the page holds each bead's
sentence ids and ``data-score``); ``align_batch`` in this process, on a
pool of worker processes, and on a local Dask cluster (with the cluster
extra). Every door must pass the default encoder's join session on (see
encoders/base.py): a wrapper that dropped it would align with other vectors,
and the scores would differ.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aligner import align
from aligner.batch import align_batch
from aligner.formats import read
from aligner.view import align_with_similarity

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# Short parallel sentences (English, French): the generated pair draws from them.
PARALLEL = [
    ("The city council met on Monday evening.", "Le conseil municipal s'est réuni lundi soir."),
    ("It voted a new budget for the schools.", "Il a voté un nouveau budget pour les écoles."),
    ("The mayor said the money would repair twelve buildings.",
     "Le maire a dit que l'argent servirait à réparer douze bâtiments."),
    ("Several parents had asked for it for years.", "Plusieurs parents le demandaient depuis des années."),
    ("The work will start in the spring.", "Les travaux commenceront au printemps."),
    ("A second vote concerned the bus lines.", "Un second vote portait sur les lignes de bus."),
    ("Two new lines will serve the northern districts.", "Deux nouvelles lignes desserviront les quartiers du nord."),
    ("The opposition criticised the cost of the plan.", "L'opposition a critiqué le coût du projet."),
    ("It asked for an independent study.", "Elle a demandé une étude indépendante."),
    ("The next meeting will take place in June.", "La prochaine réunion aura lieu en juin."),
]


def generated_pair(seed: int = 7) -> tuple[str, str]:
    """An English and a French text from `PARALLEL`, shuffled by `seed`: one French sentence dropped, two English merged."""
    rng = random.Random(seed)
    pairs = PARALLEL[:]
    rng.shuffle(pairs)
    drop = rng.randrange(1, len(pairs) - 1)
    merge = rng.randrange(1, len(pairs) - 2)
    en = [e for e, _ in pairs]
    fr = [f for k, (_, f) in enumerate(pairs) if k != drop]
    en[merge : merge + 2] = [en[merge].rstrip(".") + ", and " + en[merge + 1][0].lower() + en[merge + 1][1:]]
    return " ".join(en), " ".join(fr)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, tuple[Path, Path, str, str]]:
    """{pair id: (source file, target file, source language, target language)}."""
    folder = tmp_path_factory.mktemp("doors")
    en, fr = generated_pair()
    (folder / "gen.en.txt").write_text(en + "\n", encoding="utf-8")
    (folder / "gen.fr.txt").write_text(fr + "\n", encoding="utf-8")
    return {
        "seeds": (SEEDS / "ankara.fr.txt", SEEDS / "ankara.ar.txt", "fr", "ar"),
        "generated": (folder / "gen.en.txt", folder / "gen.fr.txt", "en", "fr"),
    }


def beads_and_scores(alignment) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    return [(tuple(b.source), tuple(b.target), float(b.score)) for b in alignment.beads]


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reference(inputs):
    """What `align()` gives for each pair, default encoder and options."""
    out = {}
    for pid, (src, tgt, sl, tl) in inputs.items():
        out[pid] = beads_and_scores(align(text(src), text(tgt), source_lang=sl, target_lang=tl, progress=False))
    return out


def test_the_pairs_are_worth_comparing(reference):
    """Pins the reference: merges and deletions on both pairs, so that a door that aligns differently shows it."""
    for pid, beads in reference.items():
        kinds = {(len(s), len(t)) for s, t, _ in beads}
        assert (1, 1) in kinds and len(kinds) >= 3, (pid, kinds)
    gen = [(s, t) for s, t, _ in reference["generated"]]
    # The gold: two English sentences merged into 1, the French of 3 dropped.
    assert gen == [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)), ((3,), ()), ((4,), (4,)), ((5,), (5,)),
                   ((6,), (6,)), ((7,), (7,)), ((8,), (8,))]


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aligner", *map(str, args)], cwd=ROOT, capture_output=True,
                          timeout=300)


def test_cli_align(inputs, reference, tmp_path):
    for pid, (src, tgt, sl, tl) in inputs.items():
        out = tmp_path / f"{pid}.json"
        proc = run_cli("align", src, tgt, "--src-lang", sl, "--tgt-lang", tl, "--format", "json", "-o", out)
        assert proc.returncode == 0, proc.stderr.decode()
        assert beads_and_scores(read(out, "json")) == reference[pid], pid


def test_view_library(inputs, reference):
    for pid, (src, tgt, sl, tl) in inputs.items():
        alignment, sim = align_with_similarity(text(src), text(tgt), source_lang=sl, target_lang=tl, progress=False)
        assert beads_and_scores(alignment) == reference[pid], pid
        assert sim.shape == (len(alignment.source_sentences), len(alignment.target_sentences))


_ROW = re.compile(r'<tr id="b\d+" class="bead[^"]*" data-kind="[^"]*" data-score="([^"]*)">(.*?)</tr>', re.S)
_CELL = re.compile(r'<td class="(src|tgt)[^"]*"[^>]*>(.*?)</td>', re.S)


def page_beads(page: str) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """The beads of an `aligner view` page: each row's sentence ids on each side, and its data-score."""
    out = []
    for score, row in _ROW.findall(page):
        ids = {"src": (), "tgt": ()}
        for side, cell in _CELL.findall(row):
            ids[side] = tuple(int(i) for i in re.findall(r'<span class="s" data-id="(\d+)">', cell))
        out.append((ids["src"], ids["tgt"], float(score)))
    return out


def test_cli_view(inputs, reference, tmp_path):
    for pid, (src, tgt, sl, tl) in inputs.items():
        out = tmp_path / f"{pid}.html"
        proc = run_cli("view", src, tgt, "--src-lang", sl, "--tgt-lang", tl, "-o", out)
        assert proc.returncode == 0, proc.stderr.decode()
        assert page_beads(text(out)) == reference[pid], pid


@pytest.fixture(scope="module")
def manifest(inputs, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("manifest") / "pairs.tsv"
    rows = ["id\tsource\ttarget\tsource_lang\ttarget_lang"]
    rows += [f"{pid}\t{src}\t{tgt}\t{sl}\t{tl}" for pid, (src, tgt, sl, tl) in inputs.items()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def check_batch(report, out: Path, reference) -> None:
    assert (report.done, report.failed) == (len(reference), 0), report.summary()
    for pid, want in reference.items():
        assert beads_and_scores(read(out / f"{pid}.json", "json")) == want, pid


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "process-pool"])
def test_batch(manifest, reference, tmp_path, workers):
    report = align_batch(manifest, tmp_path / "out", workers=workers, progress=False)
    assert report.backend == ("1 process" if workers == 1 else "2 worker processes")
    check_batch(report, tmp_path / "out", reference)


def test_batch_on_dask(manifest, reference, tmp_path):
    pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install -e '.[cluster]'")
    report = align_batch(manifest, tmp_path / "out", cluster="local:2", progress=False)
    assert report.backend == "a local Dask cluster of 2 workers"
    check_batch(report, tmp_path / "out", reference)


# Options other than the defaults, through the doors that take them all in this process.
OPTIONS = {"strict_merges": False, "crossing": True, "link_threshold": 0.3, "window": 6}


def test_same_options_same_alignment(inputs, manifest, tmp_path):
    for pid, (src, tgt, sl, tl) in inputs.items():
        want = align(text(src), text(tgt), source_lang=sl, target_lang=tl, progress=False, **OPTIONS)
        viewed, _ = align_with_similarity(text(src), text(tgt), source_lang=sl, target_lang=tl, progress=False,
                                          **OPTIONS)
        assert beads_and_scores(viewed) == beads_and_scores(want), pid
        assert viewed.links == want.links and viewed.metadata == want.metadata, pid
    report = align_batch(manifest, tmp_path / "out", workers=1, progress=False, **OPTIONS)
    for pid, (src, tgt, sl, tl) in inputs.items():
        want = align(text(src), text(tgt), source_lang=sl, target_lang=tl, progress=False, **OPTIONS)
        got = read(tmp_path / "out" / f"{pid}.json", "json")
        assert beads_and_scores(got) == beads_and_scores(want), pid
        assert json.loads(json.dumps(got.metadata)) == json.loads(json.dumps(want.metadata)), pid
    assert report.failed == 0
