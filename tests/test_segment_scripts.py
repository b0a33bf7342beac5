"""Sentence splitting in the scripts and languages beyond USE v3's: real sentences, each split where a reader would."""

import pytest

from aligner.segment import split_sentences

CASES = {
    # Hindi and Bengali end a sentence with the danda (।).
    "hindi-danda": ("hi", [
        "भारत की राजधानी नई दिल्ली है।", "यहाँ हर साल लाखों पर्यटक आते हैं।", "क्या आपने कभी ताजमहल देखा है?",
    ]),
    "bengali-danda": ("bn", [
        "ঢাকা বাংলাদেশের রাজধানী।", "এখানে অনেক মানুষ বাস করে।", "তুমি কি কখনো ঢাকায় গিয়েছ?",
    ]),
    # The danda typed as an ASCII bar, as in FLORES-200 Hindi; "डॉ." (Dr) ends nothing.
    "hindi-bar-and-doctor": ("hi", ["आज सुबह बारिश हुई |", "डॉ. शर्मा ने मरीज़ को देखा।", "फिर वे घर गए।"]),
    # Greek asks with ";"; initials and "κ." (Mr) end nothing.
    "greek-question-mark": ("el", ["Πού είναι ο σταθμός;", "Είναι δίπλα στο πάρκο.", "Ευχαριστώ πολύ!"]),
    "greek-initials": ("el", [
        "Ο Τζον Φ. Κένεντι εξελέγη πρόεδρος το 1960.", "Τον διαδέχθηκε ο Λύντον Μπ. Τζόνσον.",
        "Ο κ. Παπαδόπουλος συμφώνησε.",
    ]),
    # Thai: no space between words, a space between sentences.
    "thai-spaces": ("th", ["กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย", "มีประชากรมากกว่าสิบล้านคน"]),
    # Khmer: no space between words, the khan (។) ends a sentence.
    "khmer-khan": ("km", ["ភ្នំពេញជារាជធានីនៃប្រទេសកម្ពុជា។", "ទន្លេមេគង្គហូរកាត់ទីក្រុងនេះ។"]),
    "urdu": ("ur", ["پاکستان کا دارالحکومت اسلام آباد ہے۔", "کیا آپ نے لاہور دیکھا ہے؟", "وہاں کا کھانا بہت مزیدار ہے۔"]),
    "amharic": ("am", ["አዲስ አበባ የኢትዮጵያ ዋና ከተማ ናት።", "ከተማዋ በጣም ትልቅ ናት።", "ስንት ሰዎች ይኖሩባታል?"]),
    "armenian": ("hy", ["Երևանը Հայաստանի մայրաքաղաքն է։", "Քաղաքը շատ հին է։", "Արարատը երևում է քաղաքից։"]),
    "burmese": ("my", [
        "ရန်ကုန်သည် မြန်မာနိုင်ငံ၏ အကြီးဆုံးမြို့ ဖြစ်သည်။", "ရွှေတိဂုံဘုရားသည် ထိုမြို့တွင် တည်ရှိသည်။",
    ]),
    # Swahili titles: Daktari, Bwana.
    "swahili-titles": ("sw", ["Dk. Amina Juma ni daktari wa watoto.", "Bw. Hassan ni mwalimu wa shule ya msingi."]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_sentences_are_split_where_they_end(case):
    lang, sentences = CASES[case]
    assert split_sentences(" ".join(sentences), lang) == sentences


def test_thai_space_before_a_number_is_no_cut():
    # A space beside digits or Latin letters is inside a sentence.
    assert split_sentences("ราคา 100 บาท", "th") == ["ราคา 100 บาท"]


def test_a_bar_between_latin_words_is_no_danda():
    assert split_sentences("Use a | b in the shell.", "hi") == ["Use a | b in the shell."]


def test_khmer_khan_at_the_end_is_kept_on_its_sentence():
    assert split_sentences("ខ្ញុំទៅផ្សារ។", "km") == ["ខ្ញុំទៅផ្សារ។"]
