"""Tests of the JSON Lines format (aligner/formats/jsonl.py)."""

import json

import pytest

from aligner.alignment import Alignment, Bead
from aligner.errors import FormatError
from aligner.formats import FORMATS, dumps, loads, read, write


def sample():
    src = ["Hello.", "Two\nlines, \u2028 a separator.", "Alone."]
    tgt = ["Bonjour.", "Deux lignes.", "Seule « ici »."]
    beads = [Bead((0,), (0,), 0.61), Bead((1, 2), (1,), 0.125, True), Bead((), (2,), 0.0)]
    return Alignment(src, tgt, beads, "en", "fr", {"signature": "x"})


def test_lines_pinned():
    lines = dumps(sample(), "jsonl").split("\n")
    assert lines[-1] == "" and len(lines) == 4  # one bead a line, each ended
    assert json.loads(lines[1]) == {
        "bead": 1, "source_ids": [1, 2], "target_ids": [1], "score": 0.125, "edited": True,
        "source_lang": "en", "target_lang": "fr",
        "source_text": "Two\nlines, \u2028 a separator. Alone.", "target_text": "Deux lignes.",
        "source_sentences": ["Two\nlines, \u2028 a separator.", "Alone."], "target_sentences": ["Deux lignes."],
    }
    assert lines[0] == (
        '{"bead": 0, "source_ids": [0], "target_ids": [0], "score": 0.61, "edited": false, "source_lang": "en", '
        '"target_lang": "fr", "source_text": "Hello.", "target_text": "Bonjour.", "source_sentences": ["Hello."], '
        '"target_sentences": ["Bonjour."]}'
    )
    assert json.loads(lines[2])["source_ids"] == [] and json.loads(lines[2])["source_text"] == ""
    assert "jsonl" in FORMATS


def test_round_trip(tmp_path):
    a = sample()
    write(a, tmp_path / "a.jsonl", "jsonl")
    back = read(tmp_path / "a.jsonl", "jsonl")
    assert back == a
    assert [b.edited for b in back.beads] == [False, True, False]
    assert [b.score for b in back.beads] == [0.61, 0.125, 0.0]
    assert (back.source_lang, back.target_lang) == ("en", "fr")
    assert read(tmp_path / "a.jsonl", "jsonl", source_sentences=a.source_sentences) == a
    # CRLF line ends and blank lines are fine.
    assert loads(dumps(a, "jsonl").replace("\n", "\r\n\n"), "jsonl") == a


def test_empty_alignment():
    a = Alignment([], [], [])
    assert dumps(a, "jsonl") == ""
    assert loads("", "jsonl") == a


@pytest.mark.parametrize("edit, message", [
    (lambda ls: ls[:1] + ls[2:], r"line 2: target_ids start at 2, expected 1 \(the next target sentence\)"),
    (lambda ls: [ls[0].replace('"score": 0.61', '"score": "high"')] + ls[1:], r"line 1.score: expected a number"),
    (lambda ls: [ls[0].replace('"edited": false', '"edited": 1')] + ls[1:], r"line 1.edited: expected true or false"),
    (lambda ls: [ls[0].replace('"bead": 0, ', "")] + ls[1:], r"line 1: expected the keys .* missing \['bead'\]"),
    (lambda ls: [ls[0].replace('"target_text": "Bonjour."', '"target_text": "Salut."')] + ls[1:],
     r"line 1.target_text: is not target_sentences joined"),
    (lambda ls: [ls[0].replace('"source_ids": [0]', '"source_ids": [0, 1]')] + ls[1:],
     r"line 1.source_sentences: expected a list of 2 strings"),
    (lambda ls: [ls[0].replace('"target_lang": "fr"', '"target_lang": "de"')] + ls[1:],
     r"line 2: target_lang 'fr' differs from the first line's 'de'"),
    (lambda ls: ["[1, 2]"] + ls[1:], r"line 1: expected a JSON object, got a list"),
    (lambda ls: ls[:1] + ['{"bead": 1,'] + ls[2:], r"line 2, column \d+: invalid JSON"),
])
def test_errors_name_the_line(edit, message):
    lines = dumps(sample(), "jsonl").rstrip("\n").split("\n")
    with pytest.raises(FormatError, match=message):
        loads("\n".join(edit(lines)) + "\n", "jsonl")


def test_cut_files():
    a = sample()
    lines = dumps(a, "jsonl").split("\n")
    # The first beads alone read as the alignment of their sentences ...
    head = loads("\n".join(lines[:2]), "jsonl")
    assert head.target_sentences == a.target_sentences[:2] and head.beads == a.beads[:2]
    # ... which are not the document's.
    with pytest.raises(FormatError, match="target_sentences: the file's sentences differ"):
        loads("\n".join(lines[:2]), "jsonl", target_sentences=a.target_sentences)


def test_other_sentences_refused():
    with pytest.raises(FormatError, match="source_sentences: the file's sentences differ"):
        loads(dumps(sample(), "jsonl"), "jsonl", source_sentences=["other", "sentences", "here"])
