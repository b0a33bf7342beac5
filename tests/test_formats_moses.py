"""Tests of the Moses-style parallel text format (aligner/formats/moses.py), in the API, the CLI and the batch."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from aligner.alignment import Alignment, Bead
from aligner.batch import DONE_FILE, align_batch
from aligner.errors import FormatError
from aligner.formats import dumps, file_texts, loads, read, write
from aligner.formats.moses import dumps_pair, suffixes

ROOT = Path(__file__).resolve().parent.parent


def sample():
    src = ["Hello.", "Two\nlines,\u2028 a separator.", "Alone.", "Low."]
    tgt = ["Bonjour.", "Deux lignes.", "Seule.", "Bas.", "Modifié."]
    beads = [Bead((0,), (0,), 0.61), Bead((1, 2), (1,), 0.4), Bead((), (2,), 0.0), Bead((3,), (3,), 0.05),
             Bead((), (4,), 0.0, True)]
    return Alignment(src, tgt, beads, "en", "fr")


def test_lines_pinned():
    src, tgt = dumps_pair(sample())
    assert src == "Hello.\nTwo lines,  a separator. Alone.\n\nLow.\n\n"
    assert tgt == "Bonjour.\nDeux lignes.\nSeule.\nBas.\nModifié.\n"
    assert dumps(sample(), "moses", side="target") == tgt
    assert file_texts(sample(), "moses") == [(".en", src), (".fr", tgt)]


def test_filters():
    src, tgt = dumps_pair(sample(), drop_unaligned=True)
    assert (src, tgt) == ("Hello.\nTwo lines,  a separator. Alone.\nLow.\n", "Bonjour.\nDeux lignes.\nBas.\n")
    src, tgt = dumps_pair(sample(), min_score=0.5)
    # 0.4 and 0.05 go; the 1-0/0-1 beads stay (drop_unaligned is for them), the edited one too.
    assert (src, tgt) == ("Hello.\n\n\n", "Bonjour.\nSeule.\nModifié.\n")
    src, tgt = dumps_pair(sample(), drop_unaligned=True, min_score=0.3)
    assert (src, tgt) == ("Hello.\nTwo lines,  a separator. Alone.\n", "Bonjour.\nDeux lignes.\n")


def test_suffixes():
    assert suffixes("en", "fr") == (".en", ".fr")
    assert suffixes(None, "fr") == suffixes("en", "en") == (".source", ".target")


def test_round_trip_with_and_without_sentences(tmp_path):
    a = sample()
    write(a, tmp_path / "corpus", "moses")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.en", "corpus.fr"]
    sents = dict(source_sentences=a.source_sentences, target_sentences=a.target_sentences)
    back = read(tmp_path / "corpus", "moses", source_lang="en", target_lang="fr", **sents)
    assert back.pairs() == a.pairs()
    assert all(b.score == 0.0 for b in back.beads)  # no scores in the files
    # Without the sentences: a line, a sentence.
    lines = read(tmp_path / "corpus", "moses", source_lang="en", target_lang="fr")
    assert lines.source_sentences == ("Hello.", "Two lines,  a separator. Alone.", "Low.")
    assert lines.pairs() == [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2,), (3,)), ((), (4,))]
    # CRLF files read the same.
    crlf = loads(dumps_pair(a)[0].replace("\n", "\r\n"), "moses", target_text=dumps_pair(a)[1], **sents)
    assert crlf.pairs() == a.pairs()


def test_errors():
    a = sample()
    src, tgt = dumps_pair(a)
    sents = dict(source_sentences=a.source_sentences, target_sentences=a.target_sentences)
    with pytest.raises(FormatError, match="pass the target file's text as target_text"):
        loads(src, "moses")
    with pytest.raises(FormatError, match="the source file has 5 lines and the target file 4"):
        loads(src, "moses", target_text=tgt.split("\n", 1)[1])
    kept = dumps_pair(a, drop_unaligned=True)
    with pytest.raises(FormatError, match="a bead left out"):
        loads(kept[0], "moses", target_text=kept[1], **sents)
    with pytest.raises(FormatError, match="line 1 of the source file is not the next source sentences"):
        loads("Bye.\n" + src.split("\n", 1)[1], "moses", target_text=tgt, **sents)
    with pytest.raises(FormatError, match="line 3: empty in both files"):
        loads("a\nb\n\n", "moses", target_text="a\nb\n\n")
    with pytest.raises(FormatError, match="pass side='source' or side='target'"):
        dumps(a, "moses")
    with pytest.raises(FormatError, match="give a path"):
        import io
        write(a, io.StringIO(), "moses")


def test_cli(tmp_path):
    fr, ar = ROOT / "seeds" / "ankara.fr.txt", ROOT / "seeds" / "ankara.ar.txt"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "aligner", *map(str, args)], cwd=ROOT, capture_output=True,
                              timeout=300)

    proc = run("align", fr, ar, "--format", "json", "-o", tmp_path / "a.json")
    assert proc.returncode == 0, proc.stderr.decode()
    proc = run("align", fr, ar, "--format", "moses", "--drop-unaligned", "--min-score", "0.3",
               "-o", tmp_path / "corpus")
    assert proc.returncode == 0, proc.stderr.decode()
    a = read(tmp_path / "a.json", "json")
    expected = [b for b in a.beads if not b.is_deletion and b.score >= 0.3]
    src = (tmp_path / "corpus.fr").read_text(encoding="utf-8").split("\n")[:-1]
    tgt = (tmp_path / "corpus.ar").read_text(encoding="utf-8").split("\n")[:-1]
    assert src == [a.source_text(b) for b in expected] and tgt == [a.target_text(b) for b in expected]
    assert 5 < len(src) < len(a.beads)
    # JSON Lines of the same alignment, line by line against the beads.
    proc = run("align", fr, ar, "--format", "jsonl", "-o", tmp_path / "a.jsonl")
    assert proc.returncode == 0, proc.stderr.decode()
    lines = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(a.beads)
    for k, (line, bead) in enumerate(zip(lines, a.beads)):
        assert (line["bead"], line["source_ids"], line["target_ids"], line["score"]) == (
            k, list(bead.source), list(bead.target), bead.score)
        assert (line["source_text"], line["target_text"]) == (a.source_text(bead), a.target_text(bead))
        assert line["source_sentences"] == [a.source_sentences[i] for i in bead.source]
    proc = run("align", fr, ar, "--format", "moses")
    assert proc.returncode == 2 and "writes two files" in proc.stderr.decode()
    proc = run("align", fr, ar, "--format", "tsv", "--min-score", "0.3")
    assert proc.returncode == 2 and "options of --format moses" in proc.stderr.decode()


def moses_batch(tmp_path):
    """A one-pair manifest (French, Arabic, a sentence a line) and the options of a moses batch."""
    (tmp_path / "a.fr").write_text("Bonjour. Comment allez-vous ?\nLe ministre est arrivé.\n", encoding="utf-8")
    (tmp_path / "a.ar").write_text("مرحبا. كيف حالكم؟\nوصل الوزير.\n", encoding="utf-8")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"id": "p", "source": "a.fr", "target": "a.ar"}\n', encoding="utf-8")
    return manifest, dict(workers=1, presplit=True, format="moses", source_lang="fr", target_lang="ar")


def test_batch_writes_both_files_and_resumes(tmp_path):
    manifest, options = moses_batch(tmp_path)
    out = tmp_path / "out"
    report = align_batch(manifest, out, **options)
    assert report.done == 1
    assert (out / "p.fr").read_text(encoding="utf-8") == "Bonjour. Comment allez-vous ?\nLe ministre est arrivé.\n"
    assert (out / "p.ar").read_text(encoding="utf-8") == "مرحبا. كيف حالكم؟\nوصل الوزير.\n"
    done = [json.loads(line) for line in (out / DONE_FILE).read_text(encoding="utf-8").splitlines()]
    # Each file with its size and SHA-256, which resume checks it against.
    assert done[0]["files"] == [
        {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in ((n, (out / n).read_bytes()) for n in ("p.fr", "p.ar"))
    ]
    assert "bytes" not in done[0] and "sha256" not in done[0]
    assert align_batch(manifest, out, **options).skipped == 1
    (out / "p.ar").unlink()  # one of the two files missing: the pair is done again
    again = align_batch(manifest, out, **options)
    assert (again.done, again.skipped, again.realigned) == (1, 0, {"output missing": 1})
    assert (out / "p.ar").exists()
    # The same folder as json: the moses record names no p.json, so the pair is aligned again.
    as_json = align_batch(manifest, out, **{**options, "format": "json"})
    assert (as_json.done, as_json.realigned) == (1, {"output missing": 1}) and (out / "p.json").exists()
    jsonl = align_batch(manifest, tmp_path / "outj", **{**options, "format": "jsonl"})
    assert jsonl.done == 1
    assert read(tmp_path / "outj" / "p.jsonl", "jsonl").source_sentences == (
        "Bonjour. Comment allez-vous ?", "Le ministre est arrivé.")


def test_batch_realigns_a_moses_pair_with_one_file_truncated(tmp_path):
    """The target file cut short, the source file intact: the pair is aligned again, and the summary says why."""
    manifest, options = moses_batch(tmp_path)
    out = tmp_path / "out"
    align_batch(manifest, out, **options)
    src, tgt = (out / "p.fr").read_bytes(), (out / "p.ar").read_bytes()
    (out / "p.ar").write_bytes(tgt[: len(tgt) // 2])
    report = align_batch(manifest, out, **options)
    assert (report.done, report.skipped, report.realigned) == (1, 0, {"output truncated": 1})
    assert "1 pair done before but aligned again: output truncated (1)" in report.summary()
    assert ((out / "p.fr").read_bytes(), (out / "p.ar").read_bytes()) == (src, tgt)
    again = align_batch(manifest, out, **options)
    assert (again.done, again.skipped, again.realigned) == (0, 1, {})
