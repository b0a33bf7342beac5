"""Tests of batch mode: many document pairs from a manifest, one output file each."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aligner import FormatError, InputError, align
from aligner.batch import (
    DONE_FILE, FAILURES_FILE, Pair, PairOptions, PairResult, align_batch, read_manifest, run_in_pool,
)
from aligner.encoders import USEEncoder
from aligner.formats import dumps, read_beads

ROOT = Path(__file__).resolve().parent.parent
FR_PARAS = [p for p in (ROOT / "seeds" / "ankara.fr.txt").read_text(encoding="utf-8").split("\n") if p.strip()]
AR_LINES = [p for p in (ROOT / "seeds" / "ankara.ar.txt").read_text(encoding="utf-8").split("\n") if p.strip()]
GOOD = [f"p{k}" for k in range(8)]
BAD = {"missing": "No such file or directory", "latin1": "is not UTF-8", "empty": "the target side is empty"}


def write_corpus(folder):
    """Eight good pairs (slices of the seeds) and three bad ones; returns the manifest's path."""
    docs = folder / "docs"
    docs.mkdir()
    rows = ["id\tsource\ttarget\tsource_lang\ttarget_lang"]
    for k, pid in enumerate(GOOD):
        fr = "\n\n".join(FR_PARAS[k : k + 4 + k % 3])
        ar = "\n".join(AR_LINES[k : k + 4 + k % 3])
        (docs / f"{pid}.fr").write_text(fr + "\n", encoding="utf-8")
        (docs / f"{pid}.ar").write_text(ar + "\n", encoding="utf-8")
        langs = "fr\tar" if k % 2 else "\t"  # half named, half detected
        rows.append(f"{pid}\tdocs/{pid}.fr\tdocs/{pid}.ar\t{langs}")
    (docs / "latin1.fr").write_bytes("Première phrase. Deuxième, très différente.\n".encode("latin-1"))
    (docs / "empty.ar").write_text("\n\n", encoding="utf-8")
    rows.append("missing\tdocs/nope.fr\tdocs/p0.ar\tfr\tar")
    rows.append("latin1\tdocs/latin1.fr\tdocs/p0.ar\tfr\tar")
    rows.append("empty\tdocs/p0.fr\tdocs/empty.ar\tfr\tar")
    manifest = folder / "pairs.tsv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return manifest


def records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if not p.name.startswith("_")}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def one_worker(manifest):
    out = manifest.parent / "out1"
    return align_batch(manifest, out, workers=1), out


@pytest.fixture(scope="module")
def two_workers(manifest):
    out = manifest.parent / "out2"
    return align_batch(manifest, out, workers=2), out


def test_reports(one_worker, two_workers):
    for report, out in (one_worker, two_workers):
        assert (report.total, report.done, report.skipped, report.failed) == (11, 8, 0, 3)
        assert report.sentences == sum(r["sentences"] for r in records(out / DONE_FILE))
        assert report.sentences > 8 * 4
        assert report.documents_per_second == pytest.approx(8 / report.seconds)
        assert "3 pairs failed" in report.summary()
        assert str(out / FAILURES_FILE) in report.summary()


def test_same_bytes_whatever_the_workers(one_worker, two_workers):
    (_, out1), (_, out2) = one_worker, two_workers
    assert sorted(p.name for p in out1.iterdir()) == sorted(p.name for p in out2.iterdir())
    for pid in GOOD:
        assert (out1 / f"{pid}.json").read_bytes() == (out2 / f"{pid}.json").read_bytes()


def test_same_as_align(manifest, one_worker):
    _, out = one_worker
    encoder = USEEncoder(threads=1)
    for pair in read_manifest(manifest):
        if pair.id in GOOD:
            src = Path(pair.source).read_text(encoding="utf-8")
            tgt = Path(pair.target).read_text(encoding="utf-8")
            al = align(src, tgt, source_lang=pair.source_lang, target_lang=pair.target_lang, encoder=encoder)
            assert (out / f"{pair.id}.json").read_text(encoding="utf-8") == dumps(al, "json")


def test_done_and_failures_files(one_worker, two_workers):
    for _, out in (one_worker, two_workers):
        assert sorted(r["id"] for r in records(out / DONE_FILE)) == GOOD
        failures = {r["id"]: r for r in records(out / FAILURES_FILE)}
        assert set(failures) == set(BAD)
        for pid, words in BAD.items():
            assert words in failures[pid]["error"]
            assert failures[pid]["type"] == "InputError"
        assert "nope.fr" in failures["missing"]["error"]
        assert "line 1" in failures["latin1"]["error"]
        assert not any((out / f"{pid}.json").exists() for pid in BAD)


def test_no_temporary_files(one_worker, two_workers):
    for _, out in (one_worker, two_workers):
        names = {p.name for p in out.iterdir()}
        assert names == {f"{pid}.json" for pid in GOOD} | {DONE_FILE, FAILURES_FILE}


def test_resume_skips_what_is_done(manifest, one_worker, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(one_worker[1], out)
    before = mtimes(out)
    report = align_batch(manifest, out, workers=1)
    assert (report.done, report.skipped, report.failed) == (0, 8, 3)
    assert mtimes(out) == before  # nothing rewritten
    assert len(records(out / DONE_FILE)) == 8
    assert len(records(out / FAILURES_FILE)) == 3  # the failures of this run, not accumulated


def test_resume_redoes_a_missing_output(manifest, one_worker, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(one_worker[1], out)
    expected = (out / "p3.json").read_bytes()
    (out / "p3.json").unlink()
    before = mtimes(out)
    report = align_batch(manifest, out, workers=1)
    assert (report.done, report.skipped, report.failed) == (1, 7, 3)
    assert (out / "p3.json").read_bytes() == expected
    assert mtimes(out).items() > before.items()  # the others untouched
    # the done file says p3 twice, which is harmless; a torn last line is survived too
    with open(out / DONE_FILE, "a", encoding="utf-8") as f:
        f.write('{"id": "p4", "sente')
    (out / "p4.json").unlink()
    report = align_batch(manifest, out, workers=1)
    assert (report.done, report.skipped) == (1, 7)
    lines = (out / DONE_FILE).read_text(encoding="utf-8").splitlines()
    assert lines[-2] == '{"id": "p4", "sente'  # ended, so that the next record has its own line
    assert json.loads(lines[-1])["id"] == "p4"


def test_no_resume_redoes_everything(manifest, one_worker, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(one_worker[1], out)
    pairs = [p for p in read_manifest(manifest) if p.id in GOOD[:2]]
    report = align_batch(pairs, out, workers=1, resume=False)
    assert (report.done, report.skipped) == (2, 0)
    assert sorted(r["id"] for r in records(out / DONE_FILE)) == GOOD[:2]  # a new record


def test_interrupted_run_goes_on(manifest, one_worker, tmp_path):
    pairs = read_manifest(manifest)
    out = tmp_path / "out"
    first = align_batch(pairs[:4], out, workers=1)  # as if stopped half-way
    assert (first.done, first.skipped) == (4, 0)
    second = align_batch(pairs, out, workers=1)
    assert (second.done, second.skipped, second.failed) == (4, 4, 3)
    for pid in GOOD:
        assert (out / f"{pid}.json").read_bytes() == (one_worker[1] / f"{pid}.json").read_bytes()


def test_presplit_and_formats(tmp_path):
    (tmp_path / "a.fr").write_text("Bonjour. Comment allez-vous ?\nLe ministre est arrivé.\n", encoding="utf-8")
    (tmp_path / "a.ar").write_text("مرحبا. كيف حالكم؟\nوصل الوزير.\n", encoding="utf-8")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"id": 7, "source": "a.fr", "target": "a.ar"}\n', encoding="utf-8")
    report = align_batch(manifest, tmp_path / "out", workers=1, presplit=True, format="vecalign",
                         source_lang="fr", target_lang="ar")
    assert report.done == 1
    beads = read_beads((tmp_path / "out" / "7.beads").read_text(encoding="utf-8"))
    assert beads == [((0,), (0,)), ((1,), (1,))]  # one line, one sentence: never re-split
    assert records(tmp_path / "out" / DONE_FILE) == [{"id": "7", "sentences": 4, "seconds": pytest.approx(0, abs=60)}]


def test_unexpected_errors_are_recorded(manifest, tmp_path):
    pairs = [p for p in read_manifest(manifest) if p.id in GOOD[:2]]
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    report = align_batch(pairs, tmp_path / "out", workers=1, cache_dir=tmp_path / "file")
    assert (report.done, report.failed) == (0, 2)
    for record in records(tmp_path / "out" / FAILURES_FILE):
        assert record["unexpected"] is True
        assert record["type"] in ("NotADirectoryError", "FileExistsError")
        assert record["error"].startswith(f"unexpected {record['type']}: ")
        assert "Traceback" in record["traceback"]


# A task for run_in_pool: the pair "boom" kills its worker process.
def _fragile_task(pair, options):
    if pair.id == "boom":
        os._exit(3)
    return PairResult(pair.id, text=pair.source, sentences=1)


def test_a_dying_worker_fails_only_its_pair():
    pairs = [Pair(f"x{k}", f"text {k}", "") for k in range(5)]
    pairs.insert(2, Pair("boom", "", ""))
    results = {r.id: r for r in run_in_pool(pairs, PairOptions(), 2, task=_fragile_task, initializer=None)}
    assert set(results) == {p.id for p in pairs}
    assert results["boom"].error_type == "WorkerDied"
    assert all(results[f"x{k}"].text == f"text {k}" for k in range(5))


@pytest.mark.parametrize("text, words", [
    ("id\tsource\n", "no column 'target'"),
    ("id\tsrc\ttarget\n", "line 1: unknown column 'src'"),
    ("id\tsource\ttarget\na\tx\ty\nb\tx\n", "line 3: 2 tab-separated field(s), expected 3"),
    ("id\tsource\ttarget\na\tx\ty\n\na\tz\tw\n", "line 4: duplicate id 'a' (first on line 2)"),
    ("id\tsource\ttarget\na/b\tx\ty\n", "line 2: id 'a/b' cannot name an output file"),
    ("id\tsource\ttarget\tsource_lang\na\tx\ty\txx-nope\n", "line 2: source_lang: unknown language code"),
    ("id\tsource\ttarget\na\t\ty\n", "line 2: source is missing or empty"),
    ('{"id": "a", "source": "x", "target": "y"}\n{"id": "b", "source": "x"\n', "line 2: not valid JSON"),
    ('{"id": "a", "src": "x", "target": "y"}\n', "line 1: unknown key(s) 'src'"),
    ('{"id": "a", "source": "x", "target": 3}\n', "line 1: target must be a string"),
    ("", "is empty"),
])
def test_manifest_errors(tmp_path, text, words):
    path = tmp_path / "m.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError) as info:
        read_manifest(path)
    assert words in str(info.value)
    assert "m.txt" in str(info.value)


def test_manifest_paths_and_languages(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "m.jsonl"
    path.write_text('{"id": "a", "source": "x.fr", "target": "/abs/y.ar", "target_lang": "ara"}\n', encoding="utf-8")
    [pair] = read_manifest(path)
    assert pair == Pair("a", str(tmp_path / "sub" / "x.fr"), "/abs/y.ar", None, "ar", 1)


def test_manifest_with_bom_and_crlf(tmp_path):
    path = tmp_path / "m.tsv"
    path.write_bytes("\ufeffid\tsource\ttarget\r\n\r\n é \t a.fr \t b.ar\r\n".encode("utf-8"))
    assert read_manifest(path) == [Pair("é", str(tmp_path / "a.fr"), str(tmp_path / "b.ar"), line=3)]


def test_bad_options_fail_before_any_work(manifest, tmp_path):
    with pytest.raises(InputError, match="unknown option"):
        align_batch(manifest, tmp_path / "out", windoww=3)
    with pytest.raises(InputError, match="cannot be sent to worker processes"):
        align_batch(manifest, tmp_path / "out", workers=2, encoder=lambda texts: None)
    with pytest.raises(InputError, match="workers must be"):
        align_batch(manifest, tmp_path / "out", workers=0)
    assert not (tmp_path / "out").exists()


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "aligner", *map(str, args)], cwd=cwd, capture_output=True,
                          timeout=300)


def test_cli(tmp_path):
    shutil.copy(ROOT / "seeds" / "ankara.fr.txt", tmp_path / "a.fr")
    shutil.copy(ROOT / "seeds" / "ankara.ar.txt", tmp_path / "a.ar")
    (tmp_path / "m.jsonl").write_text(
        '{"id": "seed", "source": "a.fr", "target": "a.ar"}\n{"id": "gone", "source": "b.fr", "target": "a.ar"}\n',
        encoding="utf-8",
    )
    proc = run_cli("align-batch", "m.jsonl", "-o", "out", "--workers", "1", "--format", "tsv",
                   "--src-lang", "fr", cwd=tmp_path)
    stdout = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr.decode("utf-8")
    assert "2 pairs: 1 aligned, 0 skipped (already done), 1 failed" in stdout
    assert "documents/s" in stdout and "sentences/s" in stdout
    assert f"1 pair failed: see {Path('out') / FAILURES_FILE}" in stdout
    assert (tmp_path / "out" / "seed.tsv").read_text(encoding="utf-8").startswith("source_ids\ttarget_ids")

    (tmp_path / "bad.tsv").write_text("id\tsource\ttarget\nx\ta.fr\n", encoding="utf-8")
    proc = run_cli("align-batch", "bad.tsv", "-o", "out2", cwd=tmp_path)
    assert proc.returncode == 2
    assert "line 2" in proc.stderr.decode("utf-8")
    assert "Traceback" not in proc.stderr.decode("utf-8")
