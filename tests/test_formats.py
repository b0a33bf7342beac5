import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aligner import formats
from aligner.alignment import Alignment, Bead
from aligner.errors import FormatError

SRC = ["He said \"hi\"\tthen left.", "Line one\nline two\r\nend", "back\\slash \\t not a tab", "It's"]
TGT = ["قال \"مرحبا\" ثم غادر.", "سطر\tواحد", "نهاية", "\u2028sep\x85\x1c"]


# The formats that keep every bead of any alignment. TMX has its own tests
# (test_formats_tmx.py): it needs both languages, leaves 1-0/0-1 beads out of
# its units (their order is kept, their score is not) and cannot hold control
# characters such as the "\x1c" below.
# TMX leaves 1-0/0-1 beads out of its body, Moses keeps no ids nor scores (both tested in their own files).
EXACT_FORMATS = tuple(f for f in formats.FORMATS if f not in ("tmx", "moses"))


def sample():
    beads = [
        Bead((0,), (0,), 0.93),
        Bead((1, 2), (1,), -0.25),
        Bead((), (2,), 1 / 3),  # 0-1: a target sentence without counterpart
        Bead((3,), (), 0.0),  # 1-0
        Bead((), (3,), 1e-300),
    ]
    return Alignment(SRC, TGT, beads, "en", "ar", {"encoder": "labse", "params": {"k": [1, 2]}})


def roundtrip(alignment, fmt, **kw):
    text = formats.dumps(alignment, fmt, **kw)
    if fmt == "json":
        return formats.loads(text, fmt)
    return formats.loads(
        text, fmt,
        source_sentences=alignment.source_sentences,
        target_sentences=alignment.target_sentences,
        source_lang=alignment.source_lang,
        target_lang=alignment.target_lang,
    )


@pytest.mark.parametrize("fmt", EXACT_FORMATS)
def test_roundtrip_every_format(fmt):
    a = sample()
    b = roundtrip(a, fmt)
    assert b == a
    assert [bead.score for bead in b.beads] == [bead.score for bead in a.beads]


def test_json_keeps_everything():
    a = sample()
    b = formats.loads(formats.dumps(a, "json"), "json")
    assert b == a
    assert b.metadata == a.metadata
    assert (b.source_lang, b.target_lang) == ("en", "ar")


def test_json_is_readable_utf8():
    text = formats.dumps(sample(), "json")
    assert "مرحبا" in text  # ensure_ascii=False
    assert '{"source": [], "target": [2], "score": 0.3333333333333333}' in text


def test_vecalign_lines_look_like_vecalign():
    text = formats.dumps(sample(), "vecalign", digits=6)
    assert text.splitlines() == [
        "[0]:[0]:0.930000",
        "[1, 2]:[1]:-0.250000",
        "[]:[2]:0.333333",
        "[3]:[]:0.000000",
        "[]:[3]:0.000000",
    ]
    assert formats.dumps(sample(), "vecalign", scores=False).splitlines()[1] == "[1, 2]:[1]"


def test_vecalign_reads_with_counts_only():
    a = formats.loads("[0]:[0, 1]\n[]:[2]\n[1]:[]\n", "vecalign", source_sentences=2, target_sentences=3)
    assert a.pairs() == [((0,), (0, 1)), ((), (2,)), ((1,), ())]
    assert a.source_sentences == ("", "")


def test_vecalign_tolerates_spacing_crlf_blank_lines_and_bom():
    text = "\ufeff[0,1] : [ 0 ]:0.5\r\n\r\n[2]:[1,]\r\n"
    assert formats.read_beads(text) == [((0, 1), (0,)), ((2,), (1,))]


def test_read_beads_accepts_gold_files_with_gaps():
    # Gold files leave unaligned sentences out; only building an Alignment
    # needs every sentence.
    gold = "[0]:[0]\n[2, 3]:[2]\n"
    assert formats.read_beads(gold) == [((0,), (0,)), ((2, 3), (2,))]
    with pytest.raises(FormatError, match=r"line 2: source sentence 1 is in no bead"):
        formats.loads(gold, "vecalign", source_sentences=4, target_sentences=3)
    a = formats.loads(gold, "vecalign", source_sentences=5, target_sentences=4, fill_gaps=True)
    assert a.pairs() == [
        ((0,), (0,)), ((1,), ()), ((), (1,)), ((2, 3), (2,)), ((4,), ()), ((), (3,)),
    ]


def test_build_alignment_from_pairs():
    a = formats.build_alignment([((0,), (1,))], ["a"], ["x", "y"], fill_gaps=True)
    assert a.pairs() == [((), (0,)), ((0,), (1,))]
    with pytest.raises(FormatError, match=r"end of input: target sentence 1 is in no bead"):
        formats.build_alignment([((0,), (0,))], ["a"], ["x", "y"])


def test_read_and_write_paths_and_files(tmp_path):
    a = sample()
    for fmt in EXACT_FORMATS:
        path = tmp_path / f"out.{fmt}"
        formats.write(a, path, fmt)
        assert path.read_bytes().decode("utf-8") == formats.dumps(a, fmt)
        kw = {} if fmt == "json" else dict(source_sentences=SRC, target_sentences=TGT,
                                           source_lang="en", target_lang="ar")
        assert formats.read(path, fmt, **kw) == a
        assert formats.read(str(path), fmt, **kw) == a
        assert formats.read(io.BytesIO(path.read_bytes()), fmt, **kw) == a
        buf = io.StringIO()
        formats.write(a, buf, fmt)
        buf.seek(0)
        assert formats.read(buf, fmt, **kw) == a


def test_tsv_layout_and_escaping():
    lines = formats.dumps(sample(), "tsv").split("\n")
    assert lines[0] == "source_ids\ttarget_ids\tscore\tsource_text\ttarget_text"
    assert lines[2] == "1,2\t1\t-0.25\tLine one\\nline two\\r\\nend back\\\\slash \\\\t not a tab\tسطر\\tواحد"
    assert lines[3].startswith("\t2\t")  # 0-1 bead: empty source ids and text
    assert lines[4] == "3\t\t0.0\tIt's\t"
    assert len(lines) == 7 and lines[-1] == ""


def test_tsv_needs_the_sentences():
    text = formats.dumps(sample(), "tsv")
    with pytest.raises(FormatError, match="TSV keeps only the text"):
        formats.loads(text, "tsv")
    wrong = list(SRC)
    wrong[2] = "changed"
    with pytest.raises(FormatError, match=r"line 3: source text .* is not the given source sentences"):
        formats.loads(text, "tsv", source_sentences=wrong, target_sentences=TGT)


def test_unknown_format():
    with pytest.raises(FormatError, match="unknown format 'xml'"):
        formats.dumps(sample(), "xml")


@pytest.mark.parametrize("text, message", [
    ("[0]:[0]\n[1]:[1]\nfoo\n", r"line 3: expected '\[ids\]:\[ids\]'.*got 'foo'"),
    ("[0]:[0]:high\n", r"line 1: score 'high' is not a number"),
    ("[0]:[0]\n[0, 1]:[1]\n", r"line 2: source sentence 0 is out of order or already in an earlier bead"),
    ("[0]:[0]\n[1]:[2, 1]\n", r"line 2: target ids \[2, 1\] are not consecutive"),
    ("[0]:[0]\n[]:[]\n[1]:[1]\n", r"line 2: bead is empty on both sides"),
    ("[0]:[0]\n[1]:[5]\n", r"line 2: target sentence 5 is out of range \(there are 2"),
    ("[0]:[0]\n", r"end of input: source sentence 1 is in no bead"),
    ("[-1]:[0]\n", r"line 1: expected"),
    ("[0]:[0]:0.5:extra\n", r"line 1: score '0.5:extra' is not a number"),
])
def test_malformed_vecalign(text, message):
    with pytest.raises(FormatError, match=message):
        formats.loads(text, "vecalign", source_sentences=2, target_sentences=2)


def test_vecalign_needs_the_sentences():
    with pytest.raises(FormatError, match="read_beads"):
        formats.loads("[0]:[0]\n", "vecalign")


H = "source_ids\ttarget_ids\tscore\tsource_text\ttarget_text\n"


@pytest.mark.parametrize("text, message", [
    ("", r"line 1: expected the header .* got an empty file"),
    ("ids\tscore\n0\t0\t1.0\ta\tb\n", r"line 1: expected the header"),
    (H + "0\t0\t1.0\ta\tb\n1\t1\t1.0\tc\n", r"line 3: expected 5 tab-separated fields, got 4"),
    (H + "0\t0\tgood\ta\tb\n", r"line 2: score 'good' is not a number"),
    (H + "0;1\t0\t1.0\ta\tb\n", r"line 2: expected comma-separated source ids like '0,1', got '0;1'"),
    (H + "0\t0\t1.0\ta\\qb\tb\n", r"line 2, source text: unknown escape '\\q'"),
    (H + "0\t0\t1.0\ta\tb\\\n", r"line 2, target text: unknown escape a lone backslash"),
    (H + "0\t0\t1.0\ta\tb\n\n", r"line 3: expected 5 tab-separated fields, got 1"),
    (H + "1\t0\t1.0\ta\tb\n", r"line 2: source sentence 1 is out of range"),
])
def test_malformed_tsv(text, message):
    with pytest.raises(FormatError, match=message):
        formats.loads(text, "tsv", source_sentences=["a"], target_sentences=["b"])


GOOD_JSON = formats.dumps(Alignment(["a"], ["b"], [Bead((0,), (0,), 0.5)]), "json")


@pytest.mark.parametrize("text, message", [
    ('{"version": 1,\n  "beads": [,]}', r"line 2, column 13: invalid JSON"),
    ("[1, 2]", r"line 1: expected a JSON object at the top level, got a list"),
    (GOOD_JSON.replace('"version": 1', '"version": 2'), r"version: expected 1, got 2"),
    (GOOD_JSON.replace('"metadata"', '"meta"'), r"unknown key\(s\) \['meta'\]"),
    (GOOD_JSON.replace('"beads"', '"pairs"'), r"unknown key\(s\) \['pairs'\]"),
    ('{"version": 1, "beads": []}', r"missing key\(s\) \['source_sentences', 'target_sentences'\]"),
    (GOOD_JSON.replace('"b"', "7"), r"target_sentences\[0\]: expected a string, got the number 7"),
    (GOOD_JSON.replace('"target": [0]', '"target": ["0"]'), r"beads\[0\].target: expected a list of sentence ids"),
    (GOOD_JSON.replace('"target": [0]', '"target": [true]'), r"beads\[0\].target: expected a list of sentence ids"),
    (GOOD_JSON.replace('"score": 0.5', '"score": "high"'), r"beads\[0\].score: expected a number, got a string"),
    (GOOD_JSON.replace('"score": 0.5', '"weight": 0.5'), r"beads\[0\]: expected the keys source, target, score"),
    (GOOD_JSON.replace('"target": [0]', '"target": [1]'), r"beads\[0\]: target sentence 1 is out of range"),
    (GOOD_JSON.replace('"source_lang": null', '"source_lang": 3'), r"source_lang: expected a string or null"),
])
def test_malformed_json(text, message):
    with pytest.raises(FormatError, match=message):
        formats.loads(text, "json")


def test_json_checks_given_sentences():
    assert formats.loads(GOOD_JSON, "json", source_sentences=["a"]).source_sentences == ("a",)
    with pytest.raises(FormatError, match="source_sentences: the file's sentences differ"):
        formats.loads(GOOD_JSON, "json", source_sentences=["z"])


def test_undecodable_file_names_the_line(tmp_path):
    path = tmp_path / "bad.vecalign"
    path.write_bytes(b"[0]:[0]\n[1]:[1]\xff\n")
    with pytest.raises(FormatError, match="line 2: not UTF-8"):
        formats.read(path, "vecalign", source_sentences=2, target_sentences=2)


def test_json_metadata_must_be_json_data():
    a = Alignment(["a"], ["b"], [Bead((0,), (0,))], metadata={"x": object()})
    with pytest.raises(FormatError, match="metadata cannot be written as JSON"):
        formats.dumps(a, "json")


# Random alignments: covering bead sequences over random unicode sentences.
KINDS = [(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3)]


@st.composite
def alignments(draw):
    kinds = draw(st.lists(st.sampled_from(KINDS), max_size=12))
    scores = st.floats(allow_nan=False, allow_infinity=False)  # the readers refuse NaN and infinity
    beads, i, j = [], 0, 0
    for a, b in kinds:
        beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), draw(scores)))
        i, j = i + a, j + b
    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)  # no lone surrogates
    src = draw(st.lists(text, min_size=i, max_size=i))
    tgt = draw(st.lists(text, min_size=j, max_size=j))
    langs = draw(st.sampled_from([(None, None), ("en", "ar"), ("de", "fr")]))
    return Alignment(src, tgt, beads, *langs, metadata=draw(st.dictionaries(st.text(max_size=5), st.integers())))


@settings(max_examples=200, deadline=None)
@given(alignments(), st.sampled_from(EXACT_FORMATS))
def test_random_roundtrip(a, fmt):
    b = roundtrip(a, fmt)
    assert b == a
    if fmt == "json":
        assert b.metadata == a.metadata


@settings(max_examples=100, deadline=None)
@given(alignments())
def test_random_vecalign_beads(a):
    assert formats.read_beads(formats.dumps(a, "vecalign")) == a.pairs()
