"""Tests of the TMX 1.4b writer and reader (aligner/formats/tmx.py)."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aligner import __version__, formats
from aligner.alignment import Alignment, Bead
from aligner.errors import FormatError
from aligner.formats import tmx
from aligner._text import joiner

DTD = Path(__file__).resolve().parent / "data" / "tmx14.dtd"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HEADER_REQUIRED = ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype")

SRC = [
    'He said "hi"\tthen left.',
    "Line one\nline two\r\nend\r",
    "  <b>bold</b> & 'quoted' ]]> ",
    "Unmatched source.",
    "Last.",
]
TGT = [
    "قال \"مرحبا\" ثم غادر.",
    "سطر\tواحد <و> & اثنان",
    "جملة بلا مقابل.",
    "النهاية\u200f.",
]


def sample():
    beads = [
        Bead((0,), (0,), 0.93),
        Bead((1, 2), (1,), -0.25),
        Bead((), (2,), 0.0),  # 0-1 before 1-0: the order must survive
        Bead((3,), (), 0.0),
        Bead((4,), (3,), 1 / 3),
    ]
    return Alignment(SRC, TGT, beads, "en", "ar", {"signature": "aligner:0.1.0|enc:x<&>|types:1-1"})


def read_back(text, a):
    return formats.loads(text, "tmx", source_sentences=a.source_sentences, target_sentences=a.target_sentences)


def test_roundtrip_exact():
    a = sample()
    b = read_back(formats.dumps(a, "tmx"), a)
    assert b == a
    assert [x.score for x in b.beads] == [x.score for x in a.beads]
    assert (b.source_lang, b.target_lang) == ("en", "ar")
    assert b.metadata["signature"] == a.metadata["signature"]


def test_one_unit_per_two_sided_bead():
    a = sample()
    units = tmx.read_units(formats.dumps(a, "tmx"))
    two_sided = [b for b in a.beads if not b.is_deletion]
    assert len(units) == len(two_sided) == 3
    for unit, bead in zip(units, two_sided):
        assert unit["segs"] == [("en", a.source_text(bead)), ("ar", a.target_text(bead))]
        assert unit["props"]["x-aligner-source-ids"] == ",".join(map(str, bead.source))
        assert unit["props"]["x-aligner-target-ids"] == ",".join(map(str, bead.target))
        assert float(unit["props"]["x-aligner-score"]) == bead.score
    # The unaligned sentences are in no unit.
    text = formats.dumps(a, "tmx")
    assert "Unmatched source." not in text
    assert "جملة بلا مقابل." not in text


def test_same_alignment_same_bytes():
    assert formats.dumps(sample(), "tmx") == formats.dumps(sample(), "tmx")


def test_carriage_return_is_escaped():
    text = formats.dumps(sample(), "tmx")
    assert "\r" not in text
    assert "end&#13;" in text


def test_header_and_structure_follow_tmx14b():
    etree = pytest.importorskip("lxml.etree", reason="lxml is not installed (pip install -e '.[test]')")
    a = sample()
    data = formats.dumps(a, "tmx").encode("utf-8")
    root = etree.fromstring(data)
    assert root.tag == "tmx"
    assert root.get("version") == "1.4"
    assert [c.tag for c in root] == ["header", "body"]
    header = root.find("header")
    for attr in HEADER_REQUIRED:
        assert header.get(attr), attr
    assert header.get("creationtool") == "aligner"
    assert header.get("creationtoolversion") == __version__
    assert header.get("segtype") == "sentence"
    assert header.get("o-tmf") == "aligner"
    assert header.get("adminlang") == "en"
    assert header.get("srclang") == "en"
    assert header.get("datatype") == "plaintext"
    props = {p.get("type"): p.text for p in header.findall("prop")}
    assert props["x-aligner-signature"] == a.metadata["signature"]
    body = root.find("body")
    tus = body.findall("tu")
    assert len(tus) == 3
    assert all(c.tag == "tu" for c in body)
    for tu in tus:
        tags = [c.tag for c in tu]
        assert tags.count("tuv") >= 2
        # Props before the variants, as the DTD's ((note|prop)*, tuv+) says.
        assert tags == ["prop"] * (len(tags) - tags.count("tuv")) + ["tuv"] * tags.count("tuv")
        for tuv in tu.findall("tuv"):
            assert tuv.get(XML_LANG) in ("en", "ar")
            assert [c.tag for c in tuv] == ["seg"]
            assert len(tuv.find("seg")) == 0  # plain text, no inline codes
        assert [tuv.get(XML_LANG) for tuv in tu.findall("tuv")] == ["en", "ar"]
    # The XML reader sees the exact text, tabs, newlines and "\r" included.
    segs = [tuv.find("seg").text for tu in tus for tuv in tu.findall("tuv")]
    assert segs[2] == "Line one\nline two\r\nend\r   <b>bold</b> & 'quoted' ]]> "
    assert segs[1] == TGT[0]


def test_valid_against_the_tmx14_dtd():
    etree = pytest.importorskip("lxml.etree", reason="lxml is not installed (pip install -e '.[test]')")
    dtd = etree.DTD(str(DTD))
    for a in (sample(), chinese()):
        doc = etree.fromstring(formats.dumps(a, "tmx").encode("utf-8"))
        assert dtd.validate(doc), dtd.error_log.filter_from_errors()
    # The DTD does catch a broken file: a <tuv> without xml:lang.
    bad = formats.dumps(sample(), "tmx").replace(' xml:lang="ar"', "", 1)
    assert not dtd.validate(etree.fromstring(bad.encode("utf-8")))


def test_translate_toolkit_reads_it():
    tt = pytest.importorskip("translate.storage.tmx", reason="translate-toolkit is not installed (pip install -e '.[test]')")
    a = sample()
    store = tt.tmxfile(formats.dumps(a, "tmx").encode("utf-8"))
    two_sided = [b for b in a.beads if not b.is_deletion]
    assert len(store.units) == len(two_sided)
    for unit, bead in zip(store.units, two_sided):
        assert unit.source == a.source_text(bead)
        assert unit.target == a.target_text(bead)
    assert store.sourcelanguage == "en"


def chinese():
    src = ["他来了。", "他走了。", "再见。"]
    tgt = ["Il est venu.", "Il est parti.", "Au revoir."]
    beads = [Bead((0, 1), (0,), 0.5), Bead((), (1,), 0.0), Bead((2,), (2,), 0.7)]
    return Alignment(src, tgt, beads, "zh", "fr")


def test_no_space_languages_join_without_space():
    a = chinese()
    units = tmx.read_units(formats.dumps(a, "tmx"))
    assert units[0]["segs"] == [("zh", "他来了。他走了。"), ("fr", "Il est venu.")]
    assert read_back(formats.dumps(a, "tmx"), a) == a
    assert joiner("ja-JP") == "" and joiner("th") == "" and joiner("ar") == " " and joiner(None) == " "


def test_formats_and_pipeline_join_alike():
    # One rule for the texts the pipeline embeds and the texts the formats write.
    from aligner import pipeline

    assert pipeline.joiner is joiner


@pytest.mark.parametrize("langs, side", [((None, "ar"), "source"), (("fr", None), "target"), ((None, None), "source and target")])
def test_missing_language_names_the_side(langs, side):
    a = Alignment(["a"], ["b"], [Bead((0,), (0,), 0.5)], *langs)
    with pytest.raises(FormatError, match=f"the {side} language"):
        formats.dumps(a, "tmx")


def test_character_xml_cannot_hold():
    a = Alignment(["ok", "bad\x1cchar"], ["x", "y"], [Bead((0,), (0,)), Bead((1,), (1,))], "en", "fr")
    with pytest.raises(FormatError, match=r"source sentence 1 holds the character U\+001C"):
        formats.dumps(a, "tmx")
    # In an unaligned sentence it does no harm: that sentence is not written.
    a = Alignment(["ok", "bad\x1cchar"], ["x"], [Bead((0,), (0,)), Bead((1,), ())], "en", "fr")
    assert "bad" not in formats.dumps(a, "tmx")


def test_read_needs_the_sentences():
    with pytest.raises(FormatError, match="pass source_sentences and target_sentences"):
        formats.loads(formats.dumps(sample(), "tmx"), "tmx")


def test_read_checks_text_against_sentences():
    a = sample()
    text = formats.dumps(a, "tmx")
    other = list(a.target_sentences)
    other[0] = "شيء آخر"
    with pytest.raises(FormatError, match=r"tu 1: target text"):
        formats.loads(text, "tmx", source_sentences=a.source_sentences, target_sentences=other)


def test_read_checks_counts_and_languages():
    a = sample()
    text = formats.dumps(a, "tmx")
    with pytest.raises(FormatError, match="written for 4 target sentences, but 5 were given"):
        formats.loads(text, "tmx", source_sentences=SRC, target_sentences=TGT + ["x"])
    with pytest.raises(FormatError, match="target language is 'ar', not 'fa'"):
        formats.loads(text, "tmx", source_sentences=SRC, target_sentences=TGT, target_lang="fa")


def test_read_errors_say_where():
    with pytest.raises(FormatError, match=r"line 2, column \d+: not well-formed XML"):
        formats.loads('<tmx version="1.4">\n<header></tmx>', "tmx", source_sentences=[], target_sentences=[])
    with pytest.raises(FormatError, match="not <tmx>"):
        formats.loads("<html/>", "tmx", source_sentences=[], target_sentences=[])
    text = formats.dumps(sample(), "tmx").replace(">1,2<", ">1,x<")
    with pytest.raises(FormatError, match=r"tu 2: expected comma-separated source ids"):
        read_back(text, sample())
    text = formats.dumps(sample(), "tmx").replace('"x-aligner-source-ids">4<', '"x-aligner-source-ids">7<')
    with pytest.raises(FormatError, match=r"tu 3: source sentence 7 is out of range"):
        read_back(text, sample())


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence"
o-tmf="x" adminlang="en" srclang="en" datatype="plaintext"/><body>
<tu tuid="a"><tuv xml:lang="en"><seg>Press <bpt i="1">&lt;b&gt;</bpt>Save<ept i="1">&lt;/b&gt;</ept> now.</seg></tuv>
<tuv xml:lang="de"><seg>Jetzt <hi>Speichern</hi> drücken.</seg></tuv></tu></body></tmx>"""


def test_foreign_tmx():
    units = tmx.read_units(FOREIGN)
    assert units == [{"tuid": "a", "props": {}, "segs": [("en", "Press Save now."), ("de", "Jetzt Speichern drücken.")]}]
    with pytest.raises(FormatError, match="only TMX files written by aligner can be read back"):
        formats.loads(FOREIGN, "tmx", source_sentences=["Press Save now."], target_sentences=["Jetzt Speichern drücken."])


def test_write_and_read_a_file(tmp_path):
    a = sample()
    path = tmp_path / "a.tmx"
    formats.write(a, path, "tmx")
    assert path.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert formats.read(path, "tmx", source_sentences=SRC, target_sentences=TGT) == a


# Random alignments with both languages, text XML can hold and 0.0 on deletions.
KINDS = [(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3)]
XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff")
    .filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20),
    max_size=20,
)


@st.composite
def alignments(draw):
    kinds = draw(st.lists(st.sampled_from(KINDS), max_size=12))
    beads, i, j = [], 0, 0
    for a, b in kinds:
        score = 0.0 if a == 0 or b == 0 else draw(st.floats(allow_nan=False, allow_infinity=False))
        beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), score))
        i, j = i + a, j + b
    src = draw(st.lists(XML_TEXT, min_size=i, max_size=i))
    tgt = draw(st.lists(XML_TEXT, min_size=j, max_size=j))
    langs = draw(st.sampled_from([("en", "ar"), ("zh", "en"), ("de", "de")]))
    return Alignment(src, tgt, beads, *langs)


@settings(max_examples=200, deadline=None)
@given(alignments())
def test_random_roundtrip(a):
    assert read_back(formats.dumps(a, "tmx"), a) == a
