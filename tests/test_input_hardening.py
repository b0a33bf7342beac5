"""Hostile but realistic input: every fault gives the library's own error or warning, naming the problem.

The table of these faults, and which test shows each, is docs/reliability.md.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from aligner import align
from aligner._files import decode_document
from aligner._scripts import majority_script, script_warning
from aligner.encoders import CallableEncoder, EmbeddingStore
from aligner.encoders.cache import _batches
from aligner.errors import AlignerWarning, EncoderError, FormatError, InputError
from aligner.formats import loads, read

ROOT = Path(__file__).resolve().parent.parent


def hashed(texts, d=16):
    rows = []
    for t in texts:
        seed = int.from_bytes(hashlib.sha256(t.encode("utf-8")).digest()[:8], "little")
        rows.append(np.random.default_rng(seed).standard_normal(d))
    return np.array(rows).reshape(len(texts), d)


FAKE = CallableEncoder(hashed, name="hashed-fake")


def cli(*args):
    return subprocess.run([sys.executable, "-m", "aligner", *map(str, args)], cwd=ROOT, capture_output=True,
                          timeout=300)


def pair_files(tmp_path, source: bytes = "Bonjour.\n".encode("utf-8")) -> tuple[Path, Path]:
    """A French source file holding `source` and an English target, for the command line."""
    src, tgt = tmp_path / "a.fr", tmp_path / "a.en"
    src.write_bytes(source)
    tgt.write_text("Hello.\n", encoding="utf-8")
    return src, tgt


def aligner_messages(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, AlignerWarning)]


def align_warned(source, target, **kwargs):
    """(the alignment with the fake encoder, the AlignerWarning messages it gave)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        al = align(source, target, encoder=FAKE, **kwargs)
    return al, aligner_messages(caught)


# --- huge input ---------------------------------------------------------------------------------------------

def test_huge_line_without_punctuation_is_cut_into_sentences():
    # 200,000 words on one line, no punctuation at all (row 1 of the issue, at a fifth of the size).
    words = " ".join(("chat", "maison", "jardin", "soleil")[k % 4] for k in range(200_000))
    al = align(words, words, source_lang="fr", target_lang="fr", encoder=FAKE)
    assert len(al.source_sentences) == 2048  # halved 11 times: 1.3 MB in pieces of about 640
    assert max(map(len, al.source_sentences)) <= 1000
    assert " ".join(al.source_sentences) == words


def test_store_batches_bounded_in_characters():
    texts = ["a" * 1000] * 120 + ["b"] * 10
    sizes = [len(b) for b in _batches(texts, 256, 50_000)]
    assert sizes == [50, 50, 30]
    # A text longer than the bound goes alone, never dropped.
    assert [len(b) for b in _batches(["x" * 60_000, "y"], 256, 50_000)] == [1, 1]


# --- files and text ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("encoding", "named"), [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
def test_bom_named_with_its_iconv_command(encoding, named):
    with pytest.raises(InputError) as info:
        decode_document("Bonjour.".encode(encoding), "a.txt", "source")
    assert str(info.value) == (
        f"the source file 'a.txt' is not UTF-8 but {named} (byte-order mark); "
        f"convert it first, e.g. with iconv -f {named} -t UTF-8"
    )


def test_utf16_without_bom_and_binary_named():
    with pytest.raises(InputError, match=r"'a.txt' holds a NUL byte on line 1 \(UTF-16 or UTF-32 without a byte"):
        decode_document("Bonjour.\nDeux.".encode("utf-16-le"), "a.txt", "source")
    with pytest.raises(InputError, match=r"NUL byte on line 2 \(a binary file, not text\?\)"):
        decode_document(b"abc\n\x00\x01" + b"x" * 100, "b.bin", "target")


def test_utf8_bom_still_read():
    assert decode_document("Bonjour.".encode("utf-8-sig"), "a.txt", "source") == "Bonjour."


def test_cli_utf16_file(tmp_path):
    src, tgt = pair_files(tmp_path, "Bonjour.\n".encode("utf-16"))
    proc = cli("align", src, tgt, "--src-lang", "fr", "--tgt-lang", "en")
    assert proc.returncode == 2
    assert b"is not UTF-8 but UTF-16 (byte-order mark)" in proc.stderr and b"iconv -f UTF-16 -t UTF-8" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_lone_surrogate_replaced_with_warning():
    al, messages = align_warned("Bonjour \ud800 monde.", "Hello world.", source_lang="fr", target_lang="en")
    assert al.source_sentences == ("Bonjour \ufffd monde.",)
    assert messages == [
        "the source side holds 1 lone surrogate(s) (half of a UTF-16 pair, not a character), the first at "
        "character 8; each is replaced by U+FFFD"
    ]


def test_lone_surrogates_in_a_list_keep_every_sentence():
    al, messages = align_warned(["Un.", "Deux \udc00.", "\ud83d trois."], ["One.", "Two.", "Three."],
                                source_lang="fr", target_lang="en")
    assert al.source_sentences == ("Un.", "Deux \ufffd.", "\ufffd trois.")
    assert "2 lone surrogate(s)" in messages[0]
    assert "the first in sentence 1 at character 5" in messages[0]


# --- declared language against the script ------------------------------------------------------------------

@pytest.mark.parametrize(("text", "lang", "script"), [
    ("Bonjour le monde. Il fait beau aujourd'hui.", "zh", "Latin"),
    ("我们今天开会。讨论了合作问题。", "fr", "Han"),
    ("مرحبا بكم في الاجتماع.", "de", "Arabic"),
    ("Привет, мир.", "en", "Cyrillic"),
])
def test_script_that_cannot_be_the_declared_language(text, lang, script):
    message = script_warning(text, lang, "source")
    assert message is not None and f"declared as {lang!r}" in message and f"{script} script" in message


@pytest.mark.parametrize(("text", "lang"), [
    ("Le président Xi Jinping 习近平 a parlé de la coopération avec 普京.", "fr"),  # a few foreign words
    ("今日は会議がありました。", "ja"),
    ("我们今天开会。", "ja"),  # Han is Japanese too: no way to tell
    ("Beograd je glavni grad.", "sr"),  # Serbian in Latin script
    ("Здраво свете.", "sr"),
    ("Hujambo dunia.", "sw"),  # not in the table: Latin
    ("1234 5678 !!!", "zh"),  # no letters: nothing to say
])
def test_no_warning_for_compatible_or_mixed_text(text, lang):
    assert script_warning(text, lang, "source") is None


def test_majority_script_share():
    assert majority_script("abc 中") == ("Latin", 0.75)
    assert majority_script("123") == (None, 0.0)


def test_align_warns_about_the_declared_language():
    fr = ["Le chat dort sur le canapé.", "Il fait beau."]
    _, messages = align_warned(fr, ["The cat sleeps.", "The weather is fine."], source_lang="zh", target_lang="en")
    assert messages == [
        "the source side is declared as 'zh', but 100% of its letters are in Latin script, which 'zh' is not "
        "written in: is the source language right? (leave it out to have it detected)"
    ]


def test_detected_language_never_warned():
    _, messages = align_warned(["Le chat dort sur le canapé."], ["The cat sleeps on the sofa."])
    assert not messages


# --- options -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value"), [
    ("part_weight", -5), ("part_weight", 1.5), ("anchor_weight", -0.1), ("quote_weight", 2), ("skip", 0.5),
    ("skip", -3), ("size_exponent", -1), ("size_exponent", 5), ("min_margin", 1.5), ("part_margin", -2),
    ("pair_guard", 1.5), ("skip", float("nan")),
])
def test_option_out_of_range(name, value):
    with pytest.raises(InputError, match=f"option {name} must be a number between"):
        align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, **{name: value})


def test_options_at_their_bounds_accepted():
    al = align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, skip=0, size_exponent=2,
               min_margin=-1, part_margin=1, part_weight=1, anchor_weight=0, quote_weight=1, pair_guard=1)
    assert len(al.beads) >= 1


# --- encoder output ----------------------------------------------------------------------------------------

def test_complex_vectors_refused():
    enc = CallableEncoder(lambda texts: hashed(texts) * (1 + 1j), name="complex")
    with pytest.raises(EncoderError, match=r"encoder 'complex' returned an array of complex128 \(complex numbers\)"):
        align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=enc)


def test_string_vectors_refused():
    enc = CallableEncoder(lambda texts: np.array([["0.1", "0.2"]] * len(texts)), name="strings")
    with pytest.raises(EncoderError, match="not of real numbers"):
        align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=enc)


# --- the cache ---------------------------------------------------------------------------------------------

def test_cache_dir_that_is_a_file(tmp_path):
    f = tmp_path / "cache.txt"
    f.write_text("x")
    with pytest.raises(InputError, match=r"cache_dir '.*cache.txt' is a file, not a folder"):
        align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE, cache_dir=str(f))


def test_cli_cache_dir_that_is_a_file(tmp_path):
    f = tmp_path / "cache.txt"
    f.write_text("x")
    src, tgt = pair_files(tmp_path)
    proc = cli("align", src, tgt, "--src-lang", "fr", "--tgt-lang", "en", "--cache-dir", f)
    assert proc.returncode == 2
    assert b"is a file, not a folder" in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong-type"])
def test_corrupt_cache_entry_encoded_again(tmp_path, damage):
    texts = ["Un.", "Deux."]
    first = EmbeddingStore(FAKE, cache_dir=tmp_path).get(texts)
    entry = sorted(tmp_path.rglob("*.npy"))[0]
    if damage == "truncate":
        entry.write_bytes(entry.read_bytes()[:40])
    elif damage == "garbage":
        entry.write_bytes(b"not an npy file at all")
    else:
        np.save(entry, np.arange(3))  # an int array where float32 vectors belong
    store = EmbeddingStore(FAKE, cache_dir=tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = store.get(texts)
    messages = aligner_messages(caught)
    assert len(messages) == 1 and "is corrupt" in messages[0] and entry.name in messages[0]
    assert store.n_encoded == 1  # only the bad entry
    np.testing.assert_array_equal(again, first)
    # Rewritten: a third store reads it without a word.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        EmbeddingStore(FAKE, cache_dir=tmp_path).get(texts)
    assert not aligner_messages(caught)


# --- alignment files ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ('{\n  "version": 1,\n  "beads": NaN\n}', "line 3: NaN is not a finite number"),
    ('{\n  "x": -Infinity}', "line 2: -Infinity is not a finite number"),
    ('{"x":\n 1e999}', "line 2: 1e999 is not a finite number"),
])
def test_json_nan_and_infinity_refused(text, message):
    with pytest.raises(FormatError, match=message):
        loads(text, "json")


@pytest.mark.parametrize("fmt", ["vecalign", "tsv"])
@pytest.mark.parametrize("score", ["nan", "inf", "-Infinity"])
def test_nan_scores_refused(fmt, score):
    if fmt == "vecalign":
        text = f"[0]:[0]:0.5\n[1]:[1]:{score}\n"
    else:
        text = f"source_ids\ttarget_ids\tscore\tsource_text\ttarget_text\n0\t0\t0.5\tA\tB\n1\t1\t{score}\tC\tD\n"
    with pytest.raises(FormatError, match=f"line 3: score '{score}' is not a finite number" if fmt == "tsv"
                       else f"line 2: score '{score}' is not a finite number"):
        loads(text, fmt, source_sentences=["A", "C"], target_sentences=["B", "D"])


def test_deeply_nested_json(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 1_000_000 + "]" * 1_000_000)
    with pytest.raises(FormatError) as info:
        read(path, "json")
    assert str(info.value) == f"{path}: invalid JSON: nested too deeply (thousands of levels) to be an alignment"


def test_missing_file_named(tmp_path):
    path = tmp_path / "nope.json"
    with pytest.raises(FormatError) as info:
        read(path, "json")
    assert str(info.value) == f"cannot read {str(path)!r}: No such file or directory"


def test_file_named_in_format_errors(tmp_path):
    path = tmp_path / "bad.beads"
    path.write_text("[0]:[0]:nan\n")
    with pytest.raises(FormatError) as info:
        read(path, "vecalign", source_sentences=1, target_sentences=1)
    assert str(info.value) == f"{path}: line 1: score 'nan' is not a finite number"


_TMX_BODY = (
    '<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence" o-tmf="x" '
    'adminlang="en" srclang="fr" datatype="plaintext"/><body><tu><tuv xml:lang="fr"><seg>{seg}</seg></tuv>'
    '<tuv xml:lang="en"><seg>B</seg></tuv></tu></body></tmx>'
)


def test_tmx_billion_laughs_refused():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{k} "{("&lol" + (str(k - 1) if k > 1 else "") + ";") * 10}">' for k in range(1, 10)
    )
    text = f'<?xml version="1.0"?><!DOCTYPE tmx [{entities}]>' + _TMX_BODY.format(seg="&lol9;")
    with pytest.raises(FormatError, match="declares XML entities or refers to external ones, which are refused"):
        loads(text, "tmx", source_sentences=["A"], target_sentences=["B"])


def test_tmx_external_entity_refused():
    text = '<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + _TMX_BODY.format(
        seg="&xxe;"
    )
    with pytest.raises(FormatError, match="declares XML entities or refers to external ones, which are refused"):
        loads(text, "tmx", source_sentences=["A"], target_sentences=["B"])


def test_tmx_with_its_doctype_still_read():
    # CAT tools write the DTD's name; that is no entity and stays readable.
    from aligner.formats import dumps

    al = align(["Un."], ["One."], source_lang="fr", target_lang="en", encoder=FAKE)
    text = dumps(al, "tmx")
    assert '<!DOCTYPE tmx SYSTEM "tmx14.dtd">' in text
    assert loads(text, "tmx", source_sentences=["Un."], target_sentences=["One."]).beads == al.beads


# --- memory and progress -----------------------------------------------------------------------------------

def test_weighted_sum_as_the_product():
    from aligner.scoring import _weighted_sum

    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((5000, 32)).astype(np.float32)
    weights = rng.random(5000)
    np.testing.assert_allclose(_weighted_sum(weights, vecs), weights @ vecs, rtol=1e-12, atol=1e-12)


def test_stages_line(capsys):
    from aligner._progress import Stages

    quiet = Stages(False)
    quiet.stage("band search")
    quiet.close()
    assert capsys.readouterr().err == ""
    shown = Stages(True)
    shown.stage("band search")
    shown.stage("path search, round 1")
    shown.close()
    assert "aligning: path search, round 1" in capsys.readouterr().err


def test_split_sentences_names_a_lone_surrogate():
    from aligner.segment import split_sentences

    with pytest.raises(InputError, match="lone surrogate .* at character 8"):
        split_sentences("Bonjour \ud800 monde.", "fr")
