import numpy as np
import pytest

from aligner.anchors import ALL_KINDS, anchor_masks, normalize_number, quote_states, sentence_anchors


@pytest.mark.parametrize(
    "token, expected",
    [
        ("1000", "1000"), ("1,000", "1000"), ("1.000", "1000"), ("1 000", "1000"), ("1\u202f000", "1000"),
        ("1'000", "1000"), ("1,000,000", "1000000"), ("8839,8", "8839.8"), ("8839.8", "8839.8"),
        ("8847,60", "8847.6"), ("18,29", "18.29"), ("2.50", "2.5"), ("3.0", "3"), ("007", "7"), ("0", "0"),
        ("١٢٣٤", "1234"), ("٣٫٥", "3.5"), ("２００６", "2006"), ("۱۹۸۹", "1989"),
    ],
)
def test_normalize_number(token, expected):
    assert normalize_number(token) == expected


def numbers(sentence):
    return {t for t in sentence_anchors(sentence)[0] if t.startswith("#")}


def test_numbers_in_every_script_meet():
    assert numbers("En 2006, 1 000 personnes") == numbers("في ٢٠٠٦، ١٠٠٠ شخص") == numbers("２００６年，1,000人") == {
        "#2006", "#1000"
    }


def test_number_ranges_and_glued_units_split():
    assert numbers("1881-1902 lieferten 8882,2 m, am 9.Mai, Nr.57") == {"#1881", "#1902", "#8882.2", "#9", "#57"}
    assert numbers("1849 und 1850") == {"#1849", "#1850"}  # a space before four digits is no thousands separator


@pytest.mark.parametrize(
    "sentence",
    ["韦小宝道：“不过借给了老吴。”", "« jalon important »", "'Well?", "Give in?'", "'I won a dozen taels,' replied Trinket.",
     "「好」", '"Yes," he said.'],
)
def test_quotes(sentence):
    assert sentence_anchors(sentence)[1] == {'"'}


@pytest.mark.parametrize("sentence", ["He didn't.", "l' eau et qu' il", "the boys' toys", "Ça va."])
def test_apostrophes_are_not_quotes(sentence):
    assert sentence_anchors(sentence)[1] == set()


def test_default_kinds_leave_out_names_and_marks():
    tokens, marks = sentence_anchors("Did Wang Miao see COBE in 1989?!")
    assert tokens == {"#1989"}
    assert marks == set()


def test_names_and_marks_when_asked():
    tokens, marks = sentence_anchors("Did Wang Miao see COBE in 1989?!", kinds=ALL_KINDS)
    assert tokens == {"@wang", "@miao", "@cobe", "#1989"}  # "Did" opens the sentence: no name
    assert marks == {"?", "!"}
    tokens, _ = sentence_anchors("沙瑞山博士的实验室：1989年发射的COBE和WMAP卫星", kinds=ALL_KINDS)
    assert tokens == {"#1989", "@cobe", "@wmap"}  # Latin words stand out in a Chinese sentence


def test_masks_keep_only_what_both_documents_have():
    src = ["En 1955, « oui ».", "Il y avait 12 hommes.", "Rien."]
    tgt = ["In 1955, \"yes\".", "There were 13 men.", "Nothing."]
    ms, mt = anchor_masks(src, tgt)
    assert ms.dtype == mt.dtype == np.int64
    assert ms[0] == mt[0] != 0  # 1955 and a quote on both sides
    assert ms[1] == mt[1] == 0  # 12 and 13 have no counterpart
    assert ms[2] == mt[2] == 0
    assert (ms >= 0).all() and (mt >= 0).all()  # the sign bit stays free for the kernel


def test_masks_are_deterministic_and_spread_over_bits():
    src = [f"Année {1900 + k}." for k in range(100)]
    tgt = [f"Year {1900 + k}." for k in range(100)]
    ms, mt = anchor_masks(src, tgt)
    assert (ms == mt).all()
    assert (ms == anchor_masks(src, tgt)[0]).all()
    # Neighbouring sentences never share a bit; one bit a token until the 60 bits run out.
    assert all(ms[k] & ms[k + 1] == 0 for k in range(99))
    assert len(set(ms[:60].tolist())) == 60


def states(sentences, **kw):
    return quote_states(sentences, **kw).astype(int).tolist()


@pytest.mark.parametrize(
    "sentences, expected",
    [
        # Chinese speech across two sentences: open after the first, closed by the end of the second (2).
        (["韦小宝道：“赢了十几两银子。", "不过借给了老吴。”", "他走了。"], [0, 1, 2, 0]),
        (["'Yes,' she said.", "'No.'"], [0, 0, 2]),
        # English dialogue in single quotes; apostrophes (didn't, boys') are no quotes.
        (["'Well?", "Had enough?", "Give in?' he didn't say.", "The boys' room."], [0, 1, 1, 0, 0]),
        (["'Could this be the Palace?' he thought.", "It was."], [0, 0, 0]),
        # German „...“ and tokenized French « ... »: the marks' directions differ by language.
        (["Er sagte: „Gut.", "Ja.“ Dann ging er."], [0, 1, 0]),
        (["Il a dit : « Bon .", "Oui » ."], [0, 1, 0]),
        # French elision is no quote, nor OCR debris with no word after it.
        (["l' instant , l’eau .", 'h * " '], [0, 0, 0]),
    ],
)
def test_quote_states(sentences, expected):
    assert states(sentences) == expected


def test_quote_state_lapses_after_reach_sentences_without_a_mark():
    doc = ["« Début .", "a .", "b .", "c .", "d ."]
    assert states(doc, reach=3) == [0, 1, 1, 1, 0, 0]
    assert states(doc, reach=100) == [0, 1, 1, 1, 1, 1]
