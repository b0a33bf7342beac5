"""The documentation's examples run, and the site builds.

Every ```python block of README.md and docs/*.md is executed, the blocks of
one file in order in one namespace (as a reader would type them), in a
temporary folder holding small example files made from the seeds: a.fr.txt,
a.ar.txt and a.gold.beads. A block whose first line is a comment starting
with ``# doctest: skip`` is not run (e.g. one that needs the model hub).
The ``aligner`` commands of docs/getting-started.md are run too, and
``mkdocs build --strict`` when mkdocs is installed (the ``docs`` extra).
"""

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
SKIP = "# doctest: skip"


def blocks(text, lang="python"):
    """(line number, code, skipped) of each fenced block in `lang`; line numbers from 1."""
    out = []
    for m in FENCE.finditer(text):
        if m.group(1) != lang:
            continue
        code = m.group(2)
        first = code.lstrip("\n").split("\n", 1)[0].strip()
        line = text.count("\n", 0, m.start(2)) + 1
        out.append((line, code, first.startswith(SKIP)))
    return out


def test_extractor_finds_blocks_and_honours_skip():
    text = (
        "Intro\n\n```python\nx = 1\n```\n\ntext\n\n```bash\nls\n```\n\n"
        "```python\n# doctest: skip (needs the hub)\nraise SystemExit\n```\n"
        "```python\ny = 2  # doctest: skip is only honoured on the first line\n```\n"
    )
    found = blocks(text)
    assert [(line, skipped) for line, _, skipped in found] == [(4, False), (14, True), (18, False)]
    assert found[0][1] == "x = 1\n"
    assert [code for _, code, _ in blocks(text, "bash")] == ["ls\n"]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    seeds = ROOT / "seeds"
    shutil.copy(seeds / "ankara.fr.txt", tmp_path / "a.fr.txt")
    shutil.copy(seeds / "ankara.ar.txt", tmp_path / "a.ar.txt")
    shutil.copy(seeds / "ankara.fr-ar.gold.beads", tmp_path / "a.gold.beads")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


DOCS_WITH_CODE = [p for p in DOCS if blocks(p.read_text(encoding="utf-8"))]


def test_the_docs_have_examples():
    names = {p.name for p in DOCS_WITH_CODE}
    assert {"README.md", "getting-started.md", "encoders.md", "formats.md", "usage.md", "index.md"} <= names


@pytest.mark.parametrize("path", DOCS_WITH_CODE, ids=lambda p: p.name)
def test_python_examples_run(path, workdir, capsys):
    text = path.read_text(encoding="utf-8")
    namespace = {"__name__": "__docs__"}
    ran = 0
    for line, code, skipped in blocks(text):
        if skipped:
            continue
        # Pad with newlines so that a traceback gives the line in the .md file.
        compiled = compile("\n" * (line - 1) + code, str(path), "exec")
        try:
            exec(compiled, namespace)
        except Exception as exc:
            pytest.fail(f"{path.name}: the python block at line {line} failed: {type(exc).__name__}: {exc}")
        ran += 1
    assert ran > 0


def test_getting_started_commands(workdir):
    """The `aligner ...` lines of getting-started.md, as a reader would type them."""
    text = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    commands = [
        line.strip() for _, code, skipped in blocks(text, "bash") if not skipped
        for line in code.splitlines() if line.strip().startswith("aligner ")
    ]
    assert len(commands) >= 3
    for command in commands:
        args = shlex.split(command)[1:]
        proc = subprocess.run([sys.executable, "-m", "aligner", *args], capture_output=True, timeout=300)
        assert proc.returncode == 0, f"{command}: {proc.stderr.decode(errors='replace')}"
        assert "error" not in proc.stderr.decode(errors="replace")
    tmx = ET.parse(workdir / "a.tmx").getroot()
    assert tmx.tag == "tmx" and len(tmx.find("body")) > 5
    page = (workdir / "a.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page


def test_mkdocs_build_strict(tmp_path):
    missing = [m for m in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
               if importlib.util.find_spec(m.split(".")[0]) is None
               or (m == "mkdocstrings_handlers.python" and importlib.util.find_spec(m) is None)]
    if missing:
        pytest.skip(f"the docs extra is not installed (missing {', '.join(missing)}): pip install -e '.[docs]'")
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    reference = (site / "reference" / "index.html").read_text(encoding="utf-8")
    for name in ("render_html", "Alignment", "Bead", "FormatError", "AlignerWarning", "score_beads", "read_units"):
        assert name in reference, name
    how = (site / "how-it-works" / "index.html").read_text(encoding="utf-8")
    assert "img/seeds-matrix.svg" in how
    assert (site / "img" / "seeds-matrix.svg").exists()
    assert (site / "getting-started" / "index.html").exists()
    # No web fonts: the site works offline.
    assert "fonts.googleapis.com" not in (site / "index.html").read_text(encoding="utf-8")
