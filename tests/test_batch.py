"""Tests of batch mode: many document pairs from a manifest, one output file each."""

import errno
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aligner import AlignerWarning, FormatError, InputError, OutputError, align
from aligner.batch import (
    DONE_FILE, FAILURES_FILE, Pair, PairOptions, PairResult, align_batch, read_manifest, run_in_pool,
)
from aligner.encoders import USEEncoder
from aligner.formats import dumps, read_beads

from _processes import orphans_of_a_killed, wait_until

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
    """A pair's output is align()'s with one thread in every BLAS library, as every back-end runs it."""
    from threadpoolctl import threadpool_limits

    _, out = one_worker
    encoder = USEEncoder(threads=1)
    # The first alignment loads a second OpenBLAS (scipy's): load it before limiting the threads.
    align(["Un.", "Deux."], ["One.", "Two."], source_lang="fr", target_lang="en", encoder=encoder)
    for pair in read_manifest(manifest):
        if pair.id in GOOD:
            src = Path(pair.source).read_text(encoding="utf-8")
            tgt = Path(pair.target).read_text(encoding="utf-8")
            with threadpool_limits(limits=1):
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


def test_resume_realigns_outputs_not_as_written(manifest, one_worker, tmp_path):
    """An output cut short, emptied or changed since it was written is aligned again, and the report says why."""
    out = tmp_path / "out"
    shutil.copytree(one_worker[1], out)
    expected = {pid: (out / f"{pid}.json").read_bytes() for pid in GOOD}
    (out / "p1.json").write_bytes(expected["p1"][: len(expected["p1"]) // 2])  # truncated
    (out / "p2.json").write_bytes(b"")  # emptied
    changed = bytearray(expected["p5"])
    changed[-3] = ord("X") if changed[-3] != ord("X") else ord("Y")
    (out / "p5.json").write_bytes(bytes(changed))  # same size, other bytes
    before = mtimes(out)
    report = align_batch(manifest, out, workers=1)
    assert (report.done, report.skipped, report.failed) == (3, 5, 3)
    assert report.realigned == {"output truncated": 1, "output empty": 1, "output changed since it was written": 1}
    assert ("3 pairs done before but aligned again: output changed since it was written (1), output empty (1), "
            "output truncated (1)") in report.summary()
    for pid in GOOD:
        assert (out / f"{pid}.json").read_bytes() == expected[pid]
    assert {k: v for k, v in mtimes(out).items() if k not in ("p1.json", "p2.json", "p5.json")} == {
        k: v for k, v in before.items() if k not in ("p1.json", "p2.json", "p5.json")}
    again = align_batch(manifest, out, workers=1)
    assert (again.done, again.skipped, again.realigned) == (0, 8, {})


def test_resume_reads_back_the_outputs_of_old_done_records(manifest, one_worker, tmp_path):
    """A done record without a checksum (an earlier version's): its output must read back as JSON."""
    out = tmp_path / "out"
    shutil.copytree(one_worker[1], out)
    old = [{k: v for k, v in r.items() if k not in ("bytes", "sha256")} for r in records(out / DONE_FILE)]
    (out / DONE_FILE).write_text("".join(json.dumps(r) + "\n" for r in old), encoding="utf-8")
    expected = (out / "p3.json").read_bytes()
    (out / "p3.json").write_bytes(expected[:-40])  # no longer JSON
    (out / "p6.json").write_bytes(b"")
    report = align_batch(manifest, out, workers=1)
    assert (report.done, report.skipped) == (2, 6)
    assert report.realigned == {"output unreadable": 1, "output empty": 1}
    assert (out / "p3.json").read_bytes() == expected


def test_cli_says_what_it_aligned_again(tmp_path):
    shutil.copy(ROOT / "seeds" / "ankara.fr.txt", tmp_path / "a.fr")
    shutil.copy(ROOT / "seeds" / "ankara.ar.txt", tmp_path / "a.ar")
    (tmp_path / "m.jsonl").write_text(
        '{"id": "one", "source": "a.fr", "target": "a.ar"}\n{"id": "two", "source": "a.fr", "target": "a.ar"}\n',
        encoding="utf-8")
    first = run_cli("align-batch", "m.jsonl", "-o", "out", "--workers", "1", "--src-lang", "fr", cwd=tmp_path)
    assert first.returncode == 0, first.stderr.decode()
    whole = (tmp_path / "out" / "one.json").read_bytes()
    (tmp_path / "out" / "one.json").write_bytes(whole[:100])
    (tmp_path / "out" / "two.json").write_bytes(b"")
    second = run_cli("align-batch", "m.jsonl", "-o", "out", "--workers", "1", "--src-lang", "fr", cwd=tmp_path)
    assert second.returncode == 0, second.stderr.decode()
    stdout = second.stdout.decode()
    assert "2 pairs: 2 aligned, 0 skipped (already done), 0 failed" in stdout
    assert "2 pairs done before but aligned again: output empty (1), output truncated (1)" in stdout
    assert (tmp_path / "out" / "one.json").read_bytes() == whole


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
    data = (tmp_path / "out" / "7.beads").read_bytes()
    assert records(tmp_path / "out" / DONE_FILE) == [{
        "id": "7", "sentences": 4, "seconds": pytest.approx(0, abs=60), "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),  # what resume checks the output against
    }]


def test_unexpected_errors_are_recorded(manifest, tmp_path, monkeypatch):
    pairs = [p for p in read_manifest(manifest) if p.id in GOOD[:2]]

    import aligner.pipeline

    search_band = aligner.pipeline.search_band

    def broken(vs, *args, **kwargs):
        if len(vs) <= 2:  # the warm-up's pair
            return search_band(vs, *args, **kwargs)
        raise NotADirectoryError("a fault inside the library")

    # In this process (workers=1): a fault the library does not expect, as a bug would be.
    monkeypatch.setattr(aligner.pipeline, "search_band", broken)
    report = align_batch(pairs, tmp_path / "out", workers=1)
    assert (report.done, report.failed) == (0, 2)
    for record in records(tmp_path / "out" / FAILURES_FILE):
        assert record["unexpected"] is True
        assert record["type"] == "NotADirectoryError"
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


# --------------------------------------------------------------------------- Parquet manifests


def test_parquet_manifest(manifest, tmp_path):
    pa = pytest.importorskip("pyarrow", reason="pyarrow (the cluster extra) is not installed")
    import pyarrow.parquet as pq

    pairs = read_manifest(manifest)
    (tmp_path / "docs").symlink_to(manifest.parent / "docs")
    table = pa.table({
        "id": [p.id for p in pairs],
        "source": [os.path.relpath(p.source, manifest.parent) for p in pairs],
        "target": [os.path.relpath(p.target, manifest.parent) for p in pairs],
        "source_lang": [p.source_lang for p in pairs],
        "target_lang": [p.target_lang for p in pairs],
    })
    pq.write_table(table, tmp_path / "m.parquet")
    got = read_manifest(tmp_path / "m.parquet")
    want = [Pair(p.id, str(tmp_path / os.path.relpath(p.source, manifest.parent)),
                 str(tmp_path / os.path.relpath(p.target, manifest.parent)), p.source_lang, p.target_lang, k)
            for k, p in enumerate(pairs, 1)]
    assert got == want
    pq.write_table(pa.table({"id": [7, 8], "source": ["a", "b"], "target": ["c", "d"]}), tmp_path / "ints.parquet")
    assert [p.id for p in read_manifest(tmp_path / "ints.parquet")] == ["7", "8"]


@pytest.mark.parametrize("columns, words", [
    ({"id": ["a"], "source": ["x"]}, "the Parquet file has no column 'target'"),
    ({"id": ["a"], "source": ["x"], "target": ["y"], "src": ["z"]}, "unknown column 'src' in the Parquet file"),
    ({"id": ["a"], "source": ["x"], "target": [3]}, "column 'target' must hold strings, not int64"),
    ({"id": ["a", "b"], "source": ["x", None], "target": ["y", "z"]}, "row 2: source is missing or empty"),
    ({"id": ["a", "a"], "source": ["x", "x"], "target": ["y", "y"]}, "row 2: duplicate id 'a' (first on row 1)"),
    ({"id": ["a"], "source": ["x"], "target": ["y"], "source_lang": ["xx-nope"]}, "row 1: source_lang: unknown"),
])
def test_parquet_manifest_errors(tmp_path, columns, words):
    pa = pytest.importorskip("pyarrow", reason="pyarrow (the cluster extra) is not installed")
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), tmp_path / "m.parquet")
    with pytest.raises(FormatError) as info:
        read_manifest(tmp_path / "m.parquet")
    assert words in str(info.value) and "m.parquet" in str(info.value)


def test_parquet_needs_pyarrow(tmp_path, monkeypatch):
    (tmp_path / "m.parquet").write_bytes(b"PAR1" + b"\0" * 16 + b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(InputError, match=r"is a Parquet file, which needs pyarrow: pip install pyarrow"):
        read_manifest(tmp_path / "m.parquet")
    monkeypatch.undo()
    pytest.importorskip("pyarrow", reason="pyarrow (the cluster extra) is not installed")
    with pytest.raises(FormatError, match="not a readable Parquet file"):
        read_manifest(tmp_path / "m.parquet")


# --------------------------------------------------------------------------- fsspec: URLs for everything


@pytest.fixture
def memory_fs():
    """fsspec's in-memory file system, emptied after the test (it is one per process)."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    yield fs
    for top in ("/corpus", "/out"):
        if fs.exists(top):
            fs.rm(top, recursive=True)


def test_memory_urls(manifest, one_worker, memory_fs):
    """Manifest, documents and outputs all on fsspec's memory:// file system: the same bytes."""
    for p in (manifest.parent / "docs").iterdir():
        memory_fs.pipe_file(f"/corpus/docs/{p.name}", p.read_bytes())
    memory_fs.pipe_file("/corpus/pairs.tsv", manifest.read_bytes())
    report = align_batch("memory://corpus/pairs.tsv", "memory://out", workers=1)
    assert (report.done, report.failed) == (8, 3)
    assert report.output_dir == "memory://out"
    assert report.failures_file == "memory://out/_failures/"
    assert "3 pairs failed: see memory://out/_failures/" in report.summary()
    for pid in GOOD:
        assert memory_fs.cat_file(f"/out/{pid}.json") == (one_worker[1] / f"{pid}.json").read_bytes()

    def lines(folder):
        return [json.loads(line) for piece in sorted(memory_fs.find(folder))
                for line in memory_fs.cat_file(piece).decode("utf-8").splitlines()]

    assert sorted(r["id"] for r in lines("/out/_done")) == GOOD
    failures = {r["id"]: r for r in lines("/out/_failures")}
    assert set(failures) == set(BAD)
    assert failures["missing"]["source"] == "memory://corpus/docs/nope.fr"
    assert "No such file or directory" in failures["missing"]["error"]
    assert not memory_fs.glob("/out/.aligner-tmp-*")

    # Resume: nothing done again; a missing output is; the failures are those of the latest run.
    memory_fs.rm("/out/p3.json")
    again = align_batch("memory://corpus/pairs.tsv", "memory://out", workers=1)
    assert (again.done, again.skipped, again.failed) == (1, 7, 3)
    assert memory_fs.cat_file("/out/p3.json") == (one_worker[1] / "p3.json").read_bytes()
    assert len(lines("/out/_done")) == 9 and len(lines("/out/_failures")) == 3
    # A stale temporary file (a crash mid-write) is removed; resume=False starts the done record anew.
    memory_fs.pipe_file("/out/.aligner-tmp-p1.123.abcd", b"half")
    fresh = align_batch([p for p in read_manifest("memory://corpus/pairs.tsv") if p.id == "p1"], "memory://out",
                        workers=1, resume=False)
    assert (fresh.done, fresh.skipped) == (1, 0)
    assert [r["id"] for r in lines("/out/_done")] == ["p1"]
    assert not memory_fs.glob("/out/.aligner-tmp-*")


def test_memory_records_come_in_pieces(manifest, memory_fs, monkeypatch):
    """On a file system without append, done records are written a piece at a time, each piece whole."""
    from aligner.batch import _outputs

    monkeypatch.setattr(_outputs, "_PIECE_RECORDS", 3)
    pairs = [p for p in read_manifest(manifest) if p.id in GOOD]
    align_batch(pairs, "memory://out", workers=1)
    pieces = sorted(memory_fs.find("/out/_done"))
    assert [len(memory_fs.cat_file(p).splitlines()) for p in pieces] == [3, 3, 2]
    assert not memory_fs.find("/out/_failures")


def test_file_urls(manifest, one_worker, tmp_path):
    report = align_batch(f"file://{manifest}", f"file://{tmp_path / 'out'}", workers=1)
    assert (report.done, report.failed) == (8, 3)
    assert report.failures_file == str(tmp_path / "out" / FAILURES_FILE)
    for pid in GOOD:
        assert (tmp_path / "out" / f"{pid}.json").read_bytes() == (one_worker[1] / f"{pid}.json").read_bytes()


def test_unknown_protocol(tmp_path):
    with pytest.raises(InputError, match="cannot open 'nosuchfs://x/m.tsv'"):
        read_manifest("nosuchfs://x/m.tsv")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"id": "a", "source": "nosuchfs://x/a.fr", "target": "b.ar"}\n', encoding="utf-8")
    report = align_batch(manifest, tmp_path / "out", workers=1)
    [failure] = records(tmp_path / "out" / FAILURES_FILE)
    assert report.failed == 1 and failure["type"] == "InputError" and "nosuchfs" in failure["error"]


# --------------------------------------------------------------------------- the figures


def test_stage_seconds(one_worker, two_workers):
    for report, _ in (one_worker, two_workers):
        stages = report.stage_seconds
        assert set(stages) == {"read", "embed", "align", "format", "write"}
        assert stages["embed"] > 0 and stages["align"] > 0 and stages["write"] > 0
        # Summed over the pairs: no more than the workers' time.
        assert sum(v for k, v in stages.items() if k != "write") <= report.seconds * 2
        assert "time per stage, summed over workers: read " in report.summary()
    assert one_worker[0].backend == "1 process" and two_workers[0].backend == "2 worker processes"


def test_embed_time_includes_join_sessions():
    """The embed stage counts the encoder's time wherever it encodes, join sessions included."""
    import time as _time

    from aligner.batch._work import _TimedEncoder

    class Session:
        fast_joins = 4

        def encode_joined(self, runs, sep):
            _time.sleep(0.02)
            return runs

    class Encoder:
        name = "fake"

        def encode(self, texts):
            _time.sleep(0.01)
            return texts

        def join_session(self):
            return Session()

    timed = _TimedEncoder(Encoder())
    assert timed.name == "fake"
    timed.encode(["a"])
    session = timed.join_session()
    assert session.fast_joins == 4
    session.encode_joined([["a", "b"]], " ")
    assert 0.03 <= timed.seconds < 1


# --------------------------------------------------------------------------- faults: locks, killed runs, full disks


def lock_of(out):
    return json.loads((out / "_lock.json").read_text(encoding="utf-8"))


def write_lock(out, **fields):
    out.mkdir(parents=True, exist_ok=True)
    lock = {"host": socket.gethostname(), "pid": os.getpid(), "started": "2026-01-01T00:00:00Z", "time": time.time(),
            "token": "test"}
    lock.update(fields)
    (out / "_lock.json").write_text(json.dumps(lock), encoding="utf-8")


def test_one_batch_per_output_folder(manifest, tmp_path):
    """A second batch on a folder in use stops at once, naming the first; the first goes on unharmed."""
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "aligner", "align-batch", str(manifest), "-o", str(out),
                              "--workers", "1", "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until("the first run's lock", lambda: (out / "_lock.json").exists() and first.poll() is None, 120)
        held = lock_of(out)
        assert (held["host"], held["pid"]) == (socket.gethostname(), first.pid)
        with pytest.raises(OutputError) as info:
            align_batch(manifest, out, workers=1)
        assert (f"the output folder is in use by another batch: host {held['host']}, pid {first.pid}, "
                f"started {held['started']} holds the lock {str(out / '_lock.json')!r}") in str(info.value)
        assert "--break-lock (break_lock=True)" in str(info.value)
        stdout, stderr = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, stderr.decode()
    assert "11 pairs: 8 aligned, 0 skipped (already done), 3 failed" in stdout.decode()
    assert not (out / "_lock.json").exists()  # released at the end


def test_a_live_lock_is_kept_and_a_dead_one_taken_over(manifest, tmp_path):
    pairs = [p for p in read_manifest(manifest) if p.id == "p0"]
    out = tmp_path / "out"
    write_lock(out)  # this very process, running: held
    with pytest.raises(OutputError, match=f"host {socket.gethostname()}, pid {os.getpid()}, started 2026-01-01"):
        align_batch(pairs, out, workers=1)
    assert lock_of(out)["token"] == "test"  # left as it was
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    write_lock(out, pid=int(ended.stdout))  # a process of this host that has ended
    with pytest.warns(AlignerWarning, match=f"pid {int(ended.stdout)}, .* was stale: that process is no longer running"):
        report = align_batch(pairs, out, workers=1)
    assert report.done == 1 and not (out / "_lock.json").exists()
    write_lock(out, time=1.0)  # this pid, but in a lock older than this process: the pid was used again
    with pytest.warns(AlignerWarning, match="was stale"):
        align_batch(pairs, out, workers=1)


def test_break_lock(manifest, tmp_path):
    """A lock of another host cannot be checked from here: refused, unless broken on request."""
    shutil.copy(ROOT / "seeds" / "ankara.fr.txt", tmp_path / "a.fr")
    shutil.copy(ROOT / "seeds" / "ankara.ar.txt", tmp_path / "a.ar")
    (tmp_path / "m.jsonl").write_text('{"id": "one", "source": "a.fr", "target": "a.ar"}\n', encoding="utf-8")
    write_lock(tmp_path / "out", host="elsewhere.example", pid=12)
    refused = run_cli("align-batch", "m.jsonl", "-o", "out", "--workers", "1", "--src-lang", "fr", cwd=tmp_path)
    stderr = refused.stderr.decode()
    assert refused.returncode == 2
    assert stderr.startswith("aligner: error: the output folder is in use by another batch: host elsewhere.example, "
                             "pid 12, started 2026-01-01T00:00:00Z holds the lock")
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    broken = run_cli("align-batch", "m.jsonl", "-o", "out", "--workers", "1", "--src-lang", "fr", "--break-lock",
                     cwd=tmp_path)
    assert broken.returncode == 0, broken.stderr.decode()
    assert ("aligner: warning: the lock " + repr("out/_lock.json") + " of host elsewhere.example, pid 12, started "
            "2026-01-01T00:00:00Z was broken on request") in broken.stderr.decode()
    assert (tmp_path / "out" / "one.json").exists() and not (tmp_path / "out" / "_lock.json").exists()
    write_lock(tmp_path / "out", host="elsewhere.example")
    with pytest.warns(AlignerWarning, match="broken on request"):
        assert align_batch(tmp_path / "m.jsonl", tmp_path / "out", workers=1, break_lock=True).skipped == 1


def write_many(folder, n):
    """A manifest of `n` pairs cut from the seeds, enough work for the workers to be busy a while."""
    docs = folder / "docs"
    docs.mkdir()
    rows = ["id\tsource\ttarget\tsource_lang\ttarget_lang"]
    for k in range(n):
        (docs / f"d{k}.fr").write_text("\n\n".join((FR_PARAS * 3)[k % 12: k % 12 + 20]) + "\n", encoding="utf-8")
        (docs / f"d{k}.ar").write_text("\n".join((AR_LINES * 3)[k % 14: k % 14 + 22]) + "\n", encoding="utf-8")
        rows.append(f"d{k}\tdocs/d{k}.fr\tdocs/d{k}.ar\tfr\tar")
    (folder / "pairs.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / "pairs.tsv"


def test_no_orphans_when_the_batch_is_killed(tmp_path):
    """SIGKILL the batch: its worker processes and multiprocessing's resource tracker end with it.

    Then the next run takes over the dead run's lock (with a warning) and goes on where it stopped.
    """
    manifest = write_many(tmp_path, 30)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "aligner", "align-batch", str(manifest), "-o", str(out), "--workers", "2",
               "--no-progress"]
    batch = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def ready(children):  # two workers and the resource tracker, and a pair done
        return len(children) >= 3 and (out / DONE_FILE).exists() and (out / DONE_FILE).stat().st_size > 0

    children, left = orphans_of_a_killed(batch, ready, 120)
    assert len(children) >= 3
    assert not left, f"processes left after the batch was killed: {sorted(left)}"
    assert len(records(out / DONE_FILE)) < 30
    again = subprocess.run(command, capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr.decode()
    assert f"pid {batch.pid}" in again.stderr.decode() and "was stale" in again.stderr.decode()
    assert sorted(r["id"] for r in records(out / DONE_FILE)) == sorted(f"d{k}" for k in range(30))
    assert "0 failed" in again.stdout.decode()


WATCHED = """
import sys, time
from aligner.batch import _orphans
_orphans._set_pdeathsig = lambda: False  # as on a system without prctl
how = _orphans.die_with_parent()
open(sys.argv[1], "w").write(how)
time.sleep(600)
"""
PARENT = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
time.sleep(600)
"""


def test_the_watchdog_ends_a_worker_whose_parent_died(tmp_path):
    """Where the kernel cannot be asked (no prctl), a thread of the worker ends it when its parent dies."""
    ready = tmp_path / "ready"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, WATCHED, str(ready)])
    children, left = orphans_of_a_killed(parent, lambda _: ready.exists() and ready.read_text() == "watchdog", 120)
    assert len(children) == 1
    assert not left, f"the worker outlived its parent: {sorted(left)}"


def _refuse(number, only=None):
    """A stand-in for aligner._fs.write_new that fails as the file system would (errno `number`)."""
    real = __import__("aligner._fs", fromlist=["write_new"]).write_new
    calls = []

    def write_new(path, data):
        calls.append(path)
        if only is None or only(path, len(calls)):
            raise OSError(number, os.strerror(number), str(path))
        real(path, data)

    return write_new


def test_a_read_only_output_folder(manifest, tmp_path, monkeypatch, capsys):
    """EROFS on the first write: OutputError naming the folder's file, from the API and the command line."""
    from aligner import _fs
    from aligner.cli import main

    pairs = [p for p in read_manifest(manifest) if p.id in GOOD[:2]]
    monkeypatch.setattr(_fs, "write_new", _refuse(errno.EROFS))
    with pytest.raises(OutputError, match=r"cannot write the lock file '.*/out/_lock.json': Read-only file system"):
        align_batch(pairs, tmp_path / "out", workers=1)
    assert main(["align-batch", str(manifest), "-o", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aligner: error: cannot write the lock file") and "Read-only file system" in err
    assert err.count("\n") == 1


def test_a_full_disk_stops_the_batch(manifest, tmp_path, monkeypatch, capsys):
    """ENOSPC while writing an output: the batch stops with OutputError naming it; what was done is kept."""
    from aligner import _fs
    from aligner.cli import main

    pairs = [p for p in read_manifest(manifest) if p.id in GOOD]
    out = tmp_path / "out"
    # The lock and the first two outputs are written; the third output finds the disk full.
    monkeypatch.setattr(_fs, "write_new", _refuse(errno.ENOSPC, only=lambda path, n: n > 3))
    with pytest.raises(OutputError, match=r"cannot write '.*/out/p2.json': No space left on device"):
        align_batch(pairs, out, workers=1)
    assert sorted(r["id"] for r in records(out / DONE_FILE)) == ["p0", "p1"]
    assert sorted(p.name for p in out.iterdir()) == [DONE_FILE, FAILURES_FILE, "p0.json", "p1.json"]  # no lock left
    monkeypatch.setattr(_fs, "write_new", _refuse(errno.ENOSPC, only=lambda path, n: n > 1))
    assert main(["align-batch", str(manifest), "-o", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aligner: error: cannot write ") and "No space left on device" in err
    assert err.count("\n") == 1
    monkeypatch.undo()
    report = align_batch(pairs, out, workers=1)
    assert (report.done, report.skipped) == (6, 2)
