from pathlib import Path

import pytest

from aligner.errors import InputError, LanguageError
from aligner.langid import detect_language, normalize_lang

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class TestDetectLanguage:
    def test_french_seed(self):
        text = (SEEDS / "ankara.fr.txt").read_text(encoding="utf-8")
        assert detect_language(text) == "fr"

    def test_arabic_seed(self):
        text = (SEEDS / "ankara.ar.txt").read_text(encoding="utf-8")
        assert detect_language(text) == "ar"

    @pytest.mark.parametrize(
        "text, expected",
        [
            ("Das ist ein kurzer Satz auf Deutsch.", "de"),
            ("Die Minister trafen sich am Sonntag in Ankara.", "de"),
            ("这是一个中文句子。", "zh"),
            ("土耳其和叙利亚周日在安卡拉举行了高级别会议。", "zh"),
            ("This is a short English sentence.", "en"),
            ("Turkey and Syria held a high-level meeting in Ankara on Sunday.", "en"),
        ],
    )
    def test_short_samples(self, text, expected):
        assert detect_language(text) == expected

    def test_answer_is_always_a_two_letter_code(self):
        # py3langid also knows varieties such as Egyptian Arabic ('arz').
        for text in ["ازيك يا عم، عامل ايه النهارده؟", "12 monkeys", "ok"]:
            code = detect_language(text)
            assert len(code) == 2 and normalize_lang(code) == code

    def test_deterministic(self):
        text = "Il a qualifié la réunion de jalon important."
        assert len({detect_language(text) for _ in range(5)}) == 1

    @pytest.mark.parametrize("text", ["", "   ", "12345 !!! 3.14", "…"])
    def test_text_without_letters(self, text):
        with pytest.raises(LanguageError, match="without letters"):
            detect_language(text)

    def test_not_a_string(self):
        with pytest.raises(InputError, match="bytes"):
            detect_language(b"hello")


class TestNormalizeLang:
    @pytest.mark.parametrize(
        "code, expected",
        [
            ("fr", "fr"),
            ("FR", "fr"),
            (" fr ", "fr"),
            ("fr-FR", "fr"),
            ("fr_CA", "fr"),
            ("fra", "fr"),
            ("fre", "fr"),
            ("FRA", "fr"),
            ("ara", "ar"),
            ("ar-SA", "ar"),
            ("zho", "zh"),
            ("chi", "zh"),
            ("zh-cn", "zh"),
            ("zh_Hans", "zh"),
            ("zh-Hant-TW", "zh"),
            ("deu", "de"),
            ("ger", "de"),
            ("eng", "en"),
            ("en-US", "en"),
            ("sr-Latn-RS", "sr"),
            ("iw", "he"),
            ("sw", "sw"),
            ("yo", "yo"),
            ("zu", "zu"),
        ],
    )
    def test_known_codes(self, code, expected):
        assert normalize_lang(code) == expected

    @pytest.mark.parametrize("code", ["xx", "french", "", "x-klingon", "und", "f"])
    def test_unknown_code_is_named(self, code):
        with pytest.raises(LanguageError, match=f"unknown language code '{code}'"):
            normalize_lang(code)

    def test_not_a_string(self):
        with pytest.raises(LanguageError, match="not int"):
            normalize_lang(33)

    def test_language_error_is_a_value_error(self):
        with pytest.raises(ValueError):
            normalize_lang("klingon")
