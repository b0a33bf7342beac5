"""Tests of the warnings about a document pair (aligner/checks.py)."""

from pathlib import Path

import pytest

from aligner.checks import LENGTH_RATIO_LIMIT, MIN_CHARS, length_ratio, length_warning, text_length
from aligner.errors import AlignerWarning

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_text_length():
    assert text_length("ab c\td\n") == 4  # white space left out
    assert text_length(["ab", " c"]) == 3
    assert text_length("猫が寝ている。") == 3 * 6 + 1  # Han and kana count 3, "。" 1
    assert text_length("") == 0


def test_ratio_and_limits():
    assert length_ratio("a" * 30, "b" * 10) == 3.0
    assert length_ratio("a", "") == float("inf")
    assert length_warning("a" * 300, "b" * 100) is None  # exactly 3: no warning
    assert length_warning("a" * 100, "b" * 300) is None
    message = length_warning("a" * 310, "b" * 100)
    assert "ratio 3.10" in message
    assert "the source is 3.1 times as long as the target" in message
    assert "may not be the same document" in message
    message = length_warning("a" * 100, "b" * 400)
    assert "ratio 0.25" in message
    assert "the target is 4.0 times as long as the source" in message
    assert LENGTH_RATIO_LIMIT == 3.0


def test_short_texts_never_warn():
    # Under MIN_CHARS on the longer side a ratio is chance, not evidence.
    assert length_warning("a" * (MIN_CHARS - 1), "b") is None
    assert length_warning("a" * MIN_CHARS, "b") is not None


def test_empty_side_is_left_to_align():
    assert length_warning("", "text") is None
    assert length_warning(["text"], []) is None


def test_no_warning_for_real_pairs():
    fr = (SEEDS / "ankara.fr.txt").read_text(encoding="utf-8")
    ar = (SEEDS / "ankara.ar.txt").read_text(encoding="utf-8")
    assert length_warning(fr, ar) is None
    # Chinese has far fewer characters than its English translation; weighted, they match.
    zh = "土耳其和叙利亚周日在安卡拉举行了高级别会议。"
    en = "Turkey and Syria held a high-level meeting in Ankara on Sunday."
    assert len(zh) / len(en.replace(" ", "")) < 0.45
    assert 0.8 < length_ratio(zh, en) < 1.5
    assert length_warning(zh * 20, en * 10) is None
    assert length_warning(zh * 30, en * 10) is not None  # weighted, 3.6 times as long


def test_aligner_warning_is_a_user_warning():
    assert issubclass(AlignerWarning, UserWarning)
    with pytest.warns(AlignerWarning, match="not the same"):
        import warnings

        warnings.warn("not the same", AlignerWarning)
