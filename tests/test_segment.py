import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aligner.errors import InputError, LanguageError
from aligner.segment import split_paragraphs, split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def read_seed(name):
    return (SEEDS / name).read_text(encoding="utf-8")


def nonempty_lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def squeeze(text):
    return "".join(text.split())


class TestSeeds:
    def test_french_one_segment_per_paragraph(self):
        text = read_seed("ankara.fr.txt")
        sentences = split_sentences(text, "fr")
        assert len(sentences) == 12
        assert sentences == nonempty_lines(text)
        assert "Sécurité commune" in sentences

    def test_arabic_one_segment_per_line(self):
        text = read_seed("ankara.ar.txt")
        sentences = split_sentences(text, "ar")
        assert len(sentences) == 14
        assert sentences == nonempty_lines(text)

    @pytest.mark.parametrize("name", ["ankara.fr.txt", "ankara.ar.txt"])
    def test_language_detected_when_not_given(self, name):
        text = read_seed(name)
        assert split_sentences(text) == nonempty_lines(text)

    @pytest.mark.parametrize("name", ["ankara.fr.txt", "ankara.ar.txt"])
    def test_windows_line_endings(self, name):
        text = read_seed(name)
        assert split_sentences(text.replace("\n", "\r\n")) == nonempty_lines(text)

    def test_french_hard_wrapped(self):
        text = read_seed("ankara.fr.txt")
        wrapped = "\n\n".join(
            textwrap.fill(p, 60) for p in text.split("\n\n") if p.strip()
        )
        assert "\n" in wrapped.split("\n\n")[0]
        assert split_sentences(wrapped, "fr") == nonempty_lines(text)

    def test_french_one_sentence_per_line(self):
        text = read_seed("ankara.fr.txt")
        compact = "\n".join(nonempty_lines(text))
        assert split_sentences(compact, "fr") == nonempty_lines(text)

    def test_one_megabyte_is_split_paragraph_by_paragraph(self):
        # Given 1 MB at once, sentencex finds only a few dozen boundaries.
        text = read_seed("ankara.fr.txt") * 400
        assert len(split_sentences(text, "fr")) == 12 * 400

    def test_long_paragraph_gives_what_short_ones_give(self):
        # A long paragraph goes through sentencex in windows.
        one = " ".join(read_seed("ankara.fr.txt").split())
        assert split_sentences(" ".join([one] * 300), "fr") == (
            split_sentences(one, "fr") * 300
        )

    def test_long_chinese_paragraph(self):
        # sentencex alone takes time quadratic in the length of such a text.
        text = "双方讨论了安全合作。“我们同意。”会议结束了！" * 20000
        sentences = split_sentences(text, "zh")
        assert sentences == ["双方讨论了安全合作。", "“我们同意。”", "会议结束了！"] * 20000


class TestFrench:
    @pytest.mark.parametrize(
        "text",
        [
            "M. Fidan a parlé.",
            "Il est venu le 8 déc. 2024 à Ankara.",
            "Mme Dupont et MM. Durand ont vu Mlle Roux.",
            "Le Dr. Martin est arrivé le 3 janv. 2025 et reparti le 2 févr. 2025.",
            "Il aime les fruits, p. ex. les pommes.",
            "Il aime les fruits, p.ex. les pommes.",
            "Voir l'art. 5 de la loi n°. 12.",
            "Des pommes, des poires, etc. et des fraises.",
        ],
    )
    def test_abbreviation_does_not_end_sentence(self, text):
        assert split_sentences(text, "fr") == [text]

    def test_abbreviation_at_sentence_end(self):
        text = "Il a acheté des pommes, des poires, etc. Puis il est parti."
        assert split_sentences(text, "fr") == [
            "Il a acheté des pommes, des poires, etc.",
            "Puis il est parti.",
        ]

    def test_month_at_sentence_end(self):
        text = "Il est venu le 8 déc. Le lendemain, il est parti."
        assert split_sentences(text, "fr") == [
            "Il est venu le 8 déc.",
            "Le lendemain, il est parti.",
        ]

    def test_abbreviation_at_end_of_line(self):
        text = "La délégation a rencontré M.\nFidan à Ankara."
        assert split_sentences(text, "fr") == [
            "La délégation a rencontré M. Fidan à Ankara."
        ]

    def test_art_is_not_art(self):
        text = "C'est de l'art. Puis il est parti."
        assert split_sentences(text, "fr") == [
            "C'est de l'art.",
            "Puis il est parti.",
        ]

    def test_question_and_exclamation(self):
        text = "Où est-il ? Il est parti ! Bien."
        assert split_sentences(text, "fr") == [
            "Où est-il ?",
            "Il est parti !",
            "Bien.",
        ]


class TestGerman:
    @pytest.mark.parametrize(
        "text",
        [
            "Das ist z. B. ein Test.",
            "Das ist z.B. ein Test.",
            "Er wohnt in Haus Nr. 5 in Berlin.",
            "Dr. Müller kam ca. 5 Minuten zu spät.",
            "Siehe S. 12 und vgl. Kapitel 3.",
            "Das ist gut bzw. schlecht.",
            "Es regnet, d. h. wir bleiben zu Hause.",
            "Vgl. Kapitel 3 im Anhang.",
        ],
    )
    def test_abbreviation_does_not_end_sentence(self, text):
        assert split_sentences(text, "de") == [text]

    def test_usw_at_sentence_end(self):
        text = "Äpfel, Birnen usw. Die Kinder essen gern Obst."
        assert split_sentences(text, "de") == [
            "Äpfel, Birnen usw.",
            "Die Kinder essen gern Obst.",
        ]


class TestEnglish:
    def test_sentences(self):
        text = "The ministers met on Sunday. Did they agree? Yes! They did."
        assert split_sentences(text, "en") == [
            "The ministers met on Sunday.",
            "Did they agree?",
            "Yes!",
            "They did.",
        ]

    @pytest.mark.parametrize(
        "text",
        [
            "Mr. Smith met Mrs. Jones and Dr. Who.",
            "Bring fruit, e.g. apples, i.e. something sweet.",
            "It was Turkey vs. Syria at No. 5 Downing Street.",
            "Apples, pears, etc. are fruit.",
        ],
    )
    def test_abbreviation_does_not_end_sentence(self, text):
        assert split_sentences(text, "en") == [text]

    def test_no_is_a_word_too(self):
        text = "He said no. Then he left."
        assert split_sentences(text, "en") == ["He said no.", "Then he left."]

    def test_etc_at_sentence_end(self):
        text = "They brought apples, pears, etc. Then they left."
        assert split_sentences(text, "en") == [
            "They brought apples, pears, etc.",
            "Then they left.",
        ]

    def test_bracket_after_final_period(self):
        text = "(See the annex.) The talks went on. Fine."
        assert split_sentences(text, "en") == [
            "(See the annex.)",
            "The talks went on.",
            "Fine.",
        ]


class TestArabic:
    def test_question_mark_ends_comma_does_not(self):
        text = "هل أنت بخير؟ نعم، أنا بخير. شكرا لك."
        assert split_sentences(text, "ar") == [
            "هل أنت بخير؟",
            "نعم، أنا بخير.",
            "شكرا لك.",
        ]

    def test_quotes_and_colon_do_not_split(self):
        text = "وأضاف: “متفقون مع أشقائنا السوريين، على ضرورة التنسيق”."
        assert split_sentences(text, "ar") == [text]

    def test_doctor_abbreviation(self):
        text = "قال د. أحمد إن الوضع جيد. وانتهى الاجتماع."
        assert split_sentences(text, "ar") == [
            "قال د. أحمد إن الوضع جيد.",
            "وانتهى الاجتماع.",
        ]


class TestChinese:
    def test_full_width_marks_without_spaces(self):
        text = "你好。很好！真的？是的。"
        assert split_sentences(text, "zh") == ["你好。", "很好！", "真的？", "是的。"]

    def test_closing_quote_after_mark(self):
        text = "他说：“我们同意。”会议结束了。"
        assert split_sentences(text, "zh") == ["他说：“我们同意。”", "会议结束了。"]

    def test_hard_wrapped_lines_joined_without_space(self):
        text = "土耳其和叙利亚周日在安卡拉举行了\n高级别会议。双方讨论了安全合作。"
        assert split_sentences(text, "zh") == [
            "土耳其和叙利亚周日在安卡拉举行了高级别会议。",
            "双方讨论了安全合作。",
        ]

    def test_one_sentence_per_line(self):
        text = "你好。\n很好！\n真的？"
        assert split_sentences(text, "zh") == ["你好。", "很好！", "真的？"]

    def test_japanese(self):
        text = "今日は晴れです。明日は雨ですか？"
        assert split_sentences(text, "ja") == ["今日は晴れです。", "明日は雨ですか？"]


class TestLayout:
    def test_heading_paragraph(self):
        text = "Sécurité commune\n\nAprès la réunion, le ministre a parlé."
        assert split_sentences(text, "fr") == [
            "Sécurité commune",
            "Après la réunion, le ministre a parlé.",
        ]

    def test_heading_line_without_blank_line(self):
        text = (
            "Sécurité commune\n"
            "Après la réunion, le ministre turc des Affaires étrangères a "
            "déclaré que la Turquie ne considère pas la sécurité de la Syrie "
            "comme distincte de la sienne."
        )
        assert split_sentences(text, "fr") == text.split("\n")

    def test_heading_before_hard_wrapped_text(self):
        body = (
            "After the meeting, the Turkish foreign minister said that Turkey "
            "does not consider the security of Syria as separate from its own. "
            "He added that talks would go on."
        )
        text = "Common security\n" + textwrap.fill(body, 50)
        assert split_sentences(text, "en") == [
            "Common security",
            "After the meeting, the Turkish foreign minister said that Turkey "
            "does not consider the security of Syria as separate from its own.",
            "He added that talks would go on.",
        ]

    def test_hard_wrapped_lines_joined(self):
        text = (
            "The delegation included the foreign\n"
            "minister, the defence minister and\n"
            "the head of intelligence. They met\n"
            "on Sunday."
        )
        assert split_sentences(text, "en") == [
            "The delegation included the foreign minister, the defence "
            "minister and the head of intelligence.",
            "They met on Sunday.",
        ]

    def test_indented_wrapped_lines(self):
        text = "  The talks were long\n    and hard, but useful.\n"
        assert split_sentences(text, "en") == [
            "The talks were long and hard, but useful."
        ]

    def test_one_sentence_per_line_after_punctuation(self):
        text = "It rained.\nIt snowed!\nDid it?\n“It did.”\n(Twice.)"
        assert split_sentences(text, "en") == [
            "It rained.",
            "It snowed!",
            "Did it?",
            "“It did.”",
            "(Twice.)",
        ]

    def test_list_items(self):
        text = (
            "They agreed on:\n- border control\n- joint training\n"
            "1. first\n2. second"
        )
        assert split_sentences(text, "en") == [
            "They agreed on:",
            "- border control",
            "- joint training",
            "1. first",
            "2. second",
        ]

    def test_dash_in_wrapped_prose_is_no_list(self):
        text = (
            "The minister of foreign affairs said\n"
            "– and he meant it – that the talks were\n"
            "useful."
        )
        assert split_sentences(text, "en") == [
            "The minister of foreign affairs said – and he meant it – that "
            "the talks were useful."
        ]

    def test_blank_lines_separate_even_without_punctuation(self):
        text = "first part without a period\n\n  \t\nsecond part"
        assert split_sentences(text, "en") == [
            "first part without a period",
            "second part",
        ]

    def test_unicode_paragraph_separator(self):
        text = "Un.\u2029Deux."
        assert split_sentences(text, "fr") == ["Un.", "Deux."]


class TestClosers:
    def test_closing_guillemet_on_next_line(self):
        text = "Il a dit « bonjour.\n» Puis il est parti."
        assert split_sentences(text, "fr") == [
            "Il a dit « bonjour. »",
            "Puis il est parti.",
        ]

    def test_closing_straight_quote(self):
        text = 'He said "Stop.\n" Then he left.'
        assert split_sentences(text, "en") == ['He said "Stop. "', "Then he left."]

    def test_opening_straight_quote_stays(self):
        text = 'He left. "Stop," she said.'
        assert split_sentences(text, "en") == ["He left.", '"Stop," she said.']

    def test_quoted_question_goes_on(self):
        text = "« Où vas-tu ? » demanda-t-il. Puis il partit."
        assert split_sentences(text, "fr") == [
            "« Où vas-tu ? » demanda-t-il.",
            "Puis il partit.",
        ]

    def test_lone_punctuation_joins_previous(self):
        text = "Il est parti.\n…\nPuis il revint."
        assert split_sentences(text, "fr") == ["Il est parti. …", "Puis il revint."]


class TestLongSentences:
    def test_resplit_at_separator_nearest_middle(self):
        text = "one two three, four five six; seven eight, nine."
        assert split_sentences(text, "en", max_chars=30) == [
            "one two three, four five six;",
            "seven eight, nine.",
        ]

    def test_recursive_until_it_fits(self):
        text = ", ".join(f"item {i}" for i in range(100)) + "."
        sentences = split_sentences(text, "en", max_chars=50)
        assert len(sentences) > 1
        assert all(len(s) <= 50 for s in sentences)
        assert squeeze("".join(sentences)) == squeeze(text)

    def test_arabic_and_chinese_separators(self):
        arabic = "قال الوزير إن الاجتماع كان مهما، وإن التعاون سيستمر؛ وانتهى."
        assert split_sentences(arabic, "ar", max_chars=40) == [
            "قال الوزير إن الاجتماع كان مهما،",
            "وإن التعاون سيستمر؛ وانتهى.",
        ]
        chinese = "双方讨论了安全合作，边境管控；还有反恐问题。"
        assert split_sentences(chinese, "zh", max_chars=12) == [
            "双方讨论了安全合作，",
            "边境管控；还有反恐问题。",
        ]

    def test_no_separator_cut_at_spaces(self):
        # Words only, no punctuation: cut at the space nearest the middle until it fits.
        text = "word " * 300 + "end."
        pieces = split_sentences(text, "en", max_chars=100)
        assert len(pieces) == 16
        assert all(0 < len(p) <= 100 for p in pieces)
        assert " ".join(pieces) == text.strip()

    def test_separator_preferred_to_space(self):
        text = "aaa bbb ccc ddd, eee fff ggg hhh iii jjj kkk lll"
        assert split_sentences(text, "en", max_chars=31) == ["aaa bbb ccc ddd,", "eee fff ggg hhh iii jjj kkk lll"]

    def test_no_space_cut_at_characters(self):
        text = "中文没有空格" * 10
        pieces = split_sentences(text, "zh", max_chars=16)
        assert [len(p) for p in pieces] == [15, 15, 15, 15]
        assert "".join(pieces) == text

    def test_character_cut_keeps_combining_marks(self):
        from aligner.segment._long import resplit

        # "e" + combining acute at the middle: the accent stays with its letter.
        assert resplit("abe\u0301de", 4) == ["abe\u0301", "de"]

    def test_huge_line_linear(self):
        # 1 MB of words with no punctuation: every piece fits, nothing lost.
        text = " ".join(["mot", "chat", "maison"][k % 3] for k in range(200_000))
        pieces = split_sentences(text, "fr")
        assert max(map(len, pieces)) <= 1000
        assert " ".join(pieces) == text

    def test_numbers_and_times_are_not_separators(self):
        text = "It cost 1,500 euros at 10:30 and more text here."
        assert split_sentences(text, "en", max_chars=30) == ["It cost 1,500 euros at", "10:30 and more text here."]

    def test_default_leaves_seed_alone(self):
        text = read_seed("ankara.fr.txt")
        assert split_sentences(text, "fr", max_chars=1000) == nonempty_lines(text)

    @pytest.mark.parametrize("bad", [0, -5, 2.5, "100", True])
    def test_bad_max_chars(self, bad):
        with pytest.raises(InputError, match="max_chars"):
            split_sentences("Hello.", "en", max_chars=bad)


class TestUserAbbreviations:
    def test_extra_abbreviation(self):
        text = "The talks ended. Amb. Morse met Cllr. Lewis."
        # sentencex does not know these two.
        assert split_sentences(text, "en") == [
            "The talks ended.",
            "Amb.",
            "Morse met Cllr.",
            "Lewis.",
        ]
        assert split_sentences(text, "en", abbreviations=["Amb.", "Cllr"]) == [
            "The talks ended.",
            "Amb. Morse met Cllr. Lewis.",
        ]

    def test_extra_abbreviation_in_language_without_table(self):
        text = "El Excmo. Sr. Pérez llegó. Ayer."
        assert split_sentences(text, "es", abbreviations=["Excmo.", "Sr."]) == [
            "El Excmo. Sr. Pérez llegó.",
            "Ayer.",
        ]

    def test_builtin_ones_stay(self):
        text = "M. Fidan et Amb. Dupont sont venus."
        assert split_sentences(text, "fr", abbreviations=("Amb.",)) == [text]

    def test_multi_word_builtin(self):
        text = "Il a dit, c.-à-d. en clair, non."
        assert split_sentences(text, "fr") == [text]

    def test_generator_is_accepted(self):
        text = "The talks ended. Amb. Morse left."
        entries = (e for e in ["Amb."])
        assert split_sentences(text, "en", abbreviations=entries) == [
            "The talks ended.",
            "Amb. Morse left.",
        ]

    def test_string_instead_of_list(self):
        with pytest.raises(InputError, match="iterable of strings"):
            split_sentences("Hello.", "en", abbreviations="Prof.")

    @pytest.mark.parametrize("bad", [[3], [""], ["."]])
    def test_bad_entry(self, bad):
        with pytest.raises(InputError, match="not an abbreviation"):
            split_sentences("Hello.", "en", abbreviations=bad)


class TestArguments:
    @pytest.mark.parametrize(
        "bad, name", [(None, "NoneType"), (b"x", "bytes"), (["a"], "list")]
    )
    def test_text_must_be_str(self, bad, name):
        with pytest.raises(InputError, match=name):
            split_sentences(bad, "en")
        with pytest.raises(InputError, match=name):
            split_paragraphs(bad)

    @pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n"])
    def test_empty(self, text):
        assert split_sentences(text) == []
        assert split_paragraphs(text) == []

    def test_language_forms(self):
        text = "M. Fidan a parlé. Il est parti."
        expected = ["M. Fidan a parlé.", "Il est parti."]
        for lang in ["fr", "FR", "fr-FR", "fra", "fre"]:
            assert split_sentences(text, lang) == expected

    @pytest.mark.parametrize("text", ["Hello.", ""])
    def test_unknown_language(self, text):
        with pytest.raises(LanguageError, match="'klingon'"):
            split_sentences(text, "klingon")

    def test_language_without_rules_falls_back(self):
        text = "Habari yako? Nzuri sana. Asante!"
        assert split_sentences(text, "sw") == ["Habari yako?", "Nzuri sana.", "Asante!"]

    def test_text_without_letters(self):
        assert split_sentences("42! 43?\n\n---") == ["42!", "43?", "---"]

    def test_deterministic(self):
        text = read_seed("ankara.fr.txt") + "\n" + read_seed("ankara.ar.txt")
        assert split_sentences(text) == split_sentences(text)


class TestSplitParagraphs:
    def test_blank_lines(self):
        text = "\n\nOne\nline two\n\n \t \r\nTwo.\r\n\r\n\r\nThree"
        assert split_paragraphs(text) == ["One\nline two", "Two.", "Three"]

    def test_french_seed(self):
        text = read_seed("ankara.fr.txt")
        assert split_paragraphs(text) == nonempty_lines(text)

    def test_arabic_seed_is_one_paragraph(self):
        text = read_seed("ankara.ar.txt")
        assert split_paragraphs(text) == [text.strip()]


# Words, abbreviations, punctuation and whitespace of the languages above,
# so that random texts hit the splitter's and the repairs' rules.
TOKENS = [
    "Ankara", "réunion", "der", "Minister", "the", "talks", "سوريا", "الأمن",
    "会议", "安全", "M.", "Mme", "z. B.", "etc.", "déc.", "No.", "e.g.", "د.",
    "2024", "1,5", "10:30", ".", "!", "?", "…", "...", "。", "！", "？", "؟",
    "،", ",", ";", ":", "；", "，", "«", "»", "“", "”", '"', "’", "(", ")",
    "[", "]", "-", "–", "•", "1.", "#", " ", " ", " ", "  ", "\n", "\n\n",
    "\t", "\r\n", " \n ", "\u2029", "\u3000",
]
texts = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


class TestProperties:
    @settings(max_examples=300, deadline=None)
    @given(texts, st.sampled_from(["fr", "de", "en", "ar", "zh", "sw"]))
    def test_no_text_lost(self, text, lang):
        sentences = split_sentences(text, lang)
        assert squeeze("".join(sentences)) == squeeze(text)
        assert all(s and s == s.strip() for s in sentences)

    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=200))
    def test_no_text_lost_on_any_unicode(self, text):
        sentences = split_sentences(text, "en")
        assert squeeze("".join(sentences)) == squeeze(text)
        assert all(s and s == s.strip() for s in sentences)

    @settings(max_examples=200, deadline=None)
    @given(texts, st.integers(min_value=1, max_value=60))
    def test_long_pieces_have_no_separator_left(self, text, max_chars):
        sentences = split_sentences(text, "fr", max_chars=max_chars)
        assert squeeze("".join(sentences)) == squeeze(text)
        for s in sentences:
            if len(s) > max_chars:
                assert not re.search(r"[;:,]\s|[،؛；，：].", s)

    @settings(max_examples=50, deadline=None)
    @given(texts)
    def test_deterministic(self, text):
        assert split_sentences(text) == split_sentences(text)


class TestLooksLikeHeading:
    @pytest.mark.parametrize("text", ["Sécurité commune", "Himalaya-Chronik 1956", "Mit 3 Bildern", "第一章"])
    def test_headings(self, text):
        from aligner.segment import looks_like_heading

        assert looks_like_heading(text)

    @pytest.mark.parametrize(
        "text",
        [
            "Il est venu.",
            "Literatur :",
            "( ,Das ist bestimmt kein Bär ! ' )",
            "Ceci est une très longue ligne sans point final qui ne peut pas être un titre",
            "那时候他二十郎当岁，是东北乡打棺抬轿这行当里的佼佼者",
            "",
        ],
    )
    def test_not_headings(self, text):
        from aligner.segment import looks_like_heading

        assert not looks_like_heading(text)
