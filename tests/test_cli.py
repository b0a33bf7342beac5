"""Tests of the ``aligner`` command line, run as a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aligner import __version__
from aligner.formats import loads, read_beads

ROOT = Path(__file__).resolve().parent.parent
FR = ROOT / "seeds" / "ankara.fr.txt"
AR = ROOT / "seeds" / "ankara.ar.txt"
HEADER = "source_ids\ttarget_ids\tscore\tsource_text\ttarget_text"


def run(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "aligner", *map(str, args)],
        cwd=ROOT, input=stdin, capture_output=True, timeout=300,
    )


def out(proc):
    return proc.stdout.decode("utf-8")


def err(proc):
    return proc.stderr.decode("utf-8")


def covers(beads, n_src=None, n_tgt=None):
    src = [i for s, _ in beads for i in s]
    tgt = [j for _, t in beads for j in t]
    assert src == list(range(len(src)))
    assert tgt == list(range(len(tgt)))
    if n_src is not None:
        assert len(src) == n_src
    if n_tgt is not None:
        assert len(tgt) == n_tgt


@pytest.fixture(scope="module")
def json_text():
    proc = run("align", "seeds/ankara.fr.txt", "seeds/ankara.ar.txt", "--format", "json")
    assert proc.returncode == 0, err(proc)
    return out(proc)


@pytest.fixture(scope="module")
def json_run(json_text):
    return loads(json_text, "json")


@pytest.fixture(scope="module")
def vecalign_run(tmp_path_factory):
    """Vecalign output of the seeds, with the source read from stdin and the output sent to a file."""
    dest = tmp_path_factory.mktemp("cli") / "out.vecalign"
    proc = run("align", "-", AR, "--format", "vecalign", "-o", dest, stdin=FR.read_bytes())
    assert proc.returncode == 0, err(proc)
    assert proc.stdout == b""  # -o: nothing on stdout
    return dest.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tsv_run():
    proc = run("align", "seeds/ankara.fr.txt", "seeds/ankara.ar.txt", "--format", "tsv")
    assert proc.returncode == 0, err(proc)
    return out(proc)


def test_align_tsv(tsv_run, json_run):
    lines = tsv_run.split("\n")
    assert lines[-1] == ""  # ends with a newline
    lines = lines[:-1]
    assert lines[0] == HEADER
    assert len(lines) == 1 + len(json_run.beads)
    for line, bead in zip(lines[1:], json_run.beads):
        fields = line.split("\t")
        assert len(fields) == 5
        assert fields[0] == ",".join(map(str, bead.source))
        assert fields[1] == ",".join(map(str, bead.target))
    parsed = loads(tsv_run, "tsv", source_sentences=json_run.source_sentences,
                   target_sentences=json_run.target_sentences)
    assert parsed.pairs() == json_run.pairs()


def test_align_json(json_run):
    assert json_run.source_lang == "fr"
    assert json_run.target_lang == "ar"
    covers(json_run.pairs(), len(json_run.source_sentences), len(json_run.target_sentences))
    assert json_run.source_sentences[0].startswith("La Turquie et la Syrie")


def test_align_vecalign_from_stdin_to_file(vecalign_run, json_run):
    beads = read_beads(vecalign_run)
    covers(beads, len(json_run.source_sentences), len(json_run.target_sentences))
    assert beads == json_run.pairs()
    assert vecalign_run.splitlines()[0].startswith("[0]:[0")
    assert len(vecalign_run.splitlines()) == len(json_run.beads)


def test_output_file_in_missing_folder(tmp_path):
    src = tmp_path / "src.txt"
    tgt = tmp_path / "tgt.txt"
    src.write_text("Bonjour.\n", encoding="utf-8")
    tgt.write_text("مرحبا.\n", encoding="utf-8")
    dest = tmp_path / "no" / "such" / "dir" / "out.tsv"
    proc = run("align", src, tgt, "--src-lang", "fr", "--tgt-lang", "ar", "-o", dest)
    assert proc.returncode == 2
    assert "Traceback" not in err(proc)
    assert "out.tsv" in err(proc)


def test_presplit(tmp_path):
    src = tmp_path / "src.txt"
    tgt = tmp_path / "tgt.txt"
    src.write_text("Bonjour. Comment allez-vous ?\n\nLe ministre est arrivé à Ankara.\nIl fait beau.\n", encoding="utf-8")
    tgt.write_text("مرحبا. كيف حالكم؟\nوصل الوزير إلى أنقرة.\nالطقس جميل.\n", encoding="utf-8")
    proc = run("align", src, tgt, "--presplit", "--format", "json", "--src-lang", "fr", "--tgt-lang", "ar")
    assert proc.returncode == 0, err(proc)
    al = loads(out(proc), "json")
    # one sentence a line, blank lines dropped, lines never re-split
    assert al.source_sentences == ("Bonjour. Comment allez-vous ?", "Le ministre est arrivé à Ankara.", "Il fait beau.")
    assert al.target_sentences == ("مرحبا. كيف حالكم؟", "وصل الوزير إلى أنقرة.", "الطقس جميل.")
    covers(al.pairs(), 3, 3)


def test_both_from_stdin():
    proc = run("align", "-", "-", stdin=b"Bonjour.")
    assert proc.returncode == 2
    assert "only one of SRC and TGT can be read from stdin" in err(proc)


def test_non_utf8_file(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Première ligne.\nDeuxième ligne.\n".encode("utf-8") + "Troisième ligne, é.\n".encode("latin-1"))
    proc = run("align", bad, AR)
    assert proc.returncode == 2
    assert "Traceback" not in err(proc)
    assert "is not UTF-8" in err(proc)
    assert "line 3" in err(proc)
    assert "latin1.txt" in err(proc)


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.txt"
    proc = run("align", missing, AR)
    assert proc.returncode == 2
    assert "Traceback" not in err(proc)
    assert err(proc).startswith("aligner: error: cannot read the source file")
    assert "nope.txt" in err(proc)
    assert "No such file or directory" in err(proc)


def test_unknown_language_code():
    proc = run("align", FR, AR, "--src-lang", "xx-nope")
    assert proc.returncode == 2
    assert "Traceback" not in err(proc)
    assert "unknown language code 'xx-nope'" in err(proc)


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    proc = run("align", FR, empty)
    assert proc.returncode == 2
    assert "Traceback" not in err(proc)
    assert "the target side is empty" in err(proc)


def test_bad_format_choice():
    proc = run("align", FR, AR, "--format", "xml")
    assert proc.returncode == 2
    assert "invalid choice: 'xml'" in err(proc)


def test_eval_identical(tmp_path, vecalign_run):
    (tmp_path / "test.txt").write_text(vecalign_run, encoding="utf-8")
    proc = run("eval", tmp_path / "test.txt", tmp_path / "test.txt")
    assert proc.returncode == 0, err(proc)
    lines = out(proc).splitlines()
    assert "f1_strict\t1.0000" in lines
    assert "precision_strict\t1.0000" in lines
    assert "recall_strict\t1.0000" in lines


def test_eval_different(tmp_path):
    gold = tmp_path / "gold.txt"
    test = tmp_path / "test.txt"
    gold.write_text("[0]:[0]\n[1]:[1]\n[2]:[2]\n[3]:[3]\n", encoding="utf-8")
    test.write_text("[0]:[0]\n[1]:[1]\n[2, 3]:[2, 3]\n", encoding="utf-8")
    proc = run("eval", gold, test)
    assert proc.returncode == 0, err(proc)
    scores = dict(line.split("\t") for line in out(proc).splitlines())
    assert set(scores) == {"precision_strict", "recall_strict", "f1_strict", "precision_lax", "recall_lax", "f1_lax"}
    assert float(scores["f1_strict"]) < 1.0
    assert float(scores["f1_strict"]) > 0.0


def test_eval_malformed_file(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("[0]:[0]\nthis is not a bead\n", encoding="utf-8")
    proc = run("eval", bad, bad)
    assert proc.returncode == 2
    assert "Traceback" not in err(proc)
    assert "line 2" in err(proc)


def test_no_command():
    proc = run()
    assert proc.returncode == 2
    assert "usage: aligner" in err(proc)


def test_console_script_version():
    script = Path(sys.executable).parent / "aligner"
    if not script.exists():
        pytest.skip(f"no console script at {script}: the package is not installed in this environment")
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"aligner {__version__}"


def test_module_version(json_run):
    proc = run("--version")
    assert proc.returncode == 0
    lines = out(proc).splitlines()
    assert lines[0] == f"aligner {__version__}"
    assert lines[1].startswith("default encoder: usem3-")
    # The signature of the defaults is the one a default run records, less what it fitted.
    shown = lines[2].removeprefix("default signature: ").split(" (")[0]
    assert json_run.metadata["signature"].startswith(shown + "|fit:alpha=")
    assert lines[2].startswith(f"default signature: aligner:{__version__}|enc:usem3-")


def test_align_tmx(json_run, tmp_path):
    dest = tmp_path / "a.tmx"
    proc = run("align", FR, AR, "--format", "tmx", "-o", dest)
    assert proc.returncode == 0, err(proc)
    back = loads(dest.read_text(encoding="utf-8"), "tmx",
                 source_sentences=json_run.source_sentences, target_sentences=json_run.target_sentences)
    assert back == json_run
    assert back.metadata["signature"] == json_run.metadata["signature"]


def test_length_warning(tmp_path):
    long = tmp_path / "long.txt"
    short = tmp_path / "short.txt"
    long.write_text("".join(f"Sentence number {k} of a long English text about many things.\n" for k in range(12)), encoding="utf-8")
    short.write_text("A short text.\nOnly two lines.\n", encoding="utf-8")
    proc = run("align", long, short, "--presplit", "--src-lang", "en", "--tgt-lang", "en")
    assert proc.returncode == 0, err(proc)  # a warning, not an error
    message = err(proc)
    assert message.count("aligner: warning:") == 1
    assert "ratio 24.58" in message
    assert "may not be the same document" in message
    assert len(out(proc).splitlines()) > 1  # the alignment is still written



def test_json_output_is_valid_json(json_text):
    data = json.loads(json_text)
    assert isinstance(data, dict)


def test_library_warnings_are_printed_once(capsys):
    """An AlignerWarning raised inside align() is printed as one line, unless the CLI said it already."""
    import argparse
    import warnings

    from aligner import cli
    from aligner.errors import AlignerWarning

    def fake_align(src, tgt, **kwargs):
        warnings.warn("the source has 9 characters ... so they may not be the same document", AlignerWarning)
        warnings.warn("something else to check", AlignerWarning)
        return "result"

    args = argparse.Namespace(cache_dir=None, src_lang=None, tgt_lang=None, encoder=None)
    assert cli._run_align(fake_align, "a", "b", args) == "result"
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["aligner: warning: something else to check"]


def test_no_strict_merges_flag_reaches_align(json_run):
    # The deprecated flag selects the 0.1 score without strict merges, where the
    # Arabic-only sentence is merged; it says it is deprecated.
    proc = run("align", FR, AR, "--format", "json", "--no-strict-merges")
    assert proc.returncode == 0, err(proc)
    assert "deprecated" in err(proc)
    forced = loads(out(proc), "json")
    assert json_run.metadata["model"] == "fitted"
    assert forced.metadata["model"] == "rules-0.1" and forced.metadata["strict_merges"] is False
    assert forced.pairs() != json_run.pairs()


def test_deletion_prior_flag_reaches_align(json_run):
    proc = run("align", FR, AR, "--format", "json", "--deletion-prior", "0.05")
    assert proc.returncode == 0, err(proc)
    al = loads(out(proc), "json")
    assert "|deletion:0.05|" in al.metadata["signature"]
    assert sum(v for k, v in al.metadata["fit"]["prior"].items() if "0" in k.split("-")) == pytest.approx(0.05, abs=1e-4)
    bad = run("align", FR, AR, "--deletion-prior", "1")
    assert bad.returncode == 2 and "strictly between 0 and 1" in err(bad)
