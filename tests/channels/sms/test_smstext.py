"""Properties of SMS text folding (`core.smstext`) that the SMS channel relies on."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.smstext import GSM7_BASIC, GSM7_EXTENDED, is_gsm7, segments, septets, to_gsm7
from nlu.text import fold

_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền sắc hỏi ngã nặng
_LOWER = sorted(
    {unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES}
    | set("bcdđghklmnpqrstvxfjwz")
)
VIETNAMESE_LETTERS = "".join(_LOWER) + "".join(c.upper() for c in _LOWER)
BASIC = "".join(sorted(GSM7_BASIC))

vietnamese_words = st.text(alphabet=VIETNAMESE_LETTERS, min_size=1, max_size=12)
vietnamese_sentences = st.lists(vietnamese_words, min_size=1, max_size=30).map(" ".join)
punctuated = st.lists(
    st.one_of(vietnamese_words, st.sampled_from([",", ".", "?", "!", "0912", "17:00", "-"])),
    min_size=1,
    max_size=30,
).map(" ".join)


@given(st.text())
def test_any_text_folds_to_gsm7(text: str) -> None:
    folded = to_gsm7(text)
    assert is_gsm7(folded)
    assert to_gsm7(folded) == folded


@given(st.one_of(vietnamese_sentences, punctuated))
def test_vietnamese_folds_to_the_letters_of_the_nlu_fold(sentence: str) -> None:
    for form in ("NFC", "NFD"):
        assert to_gsm7(unicodedata.normalize(form, sentence)).lower() == fold(sentence)


@given(vietnamese_sentences)
def test_folding_never_costs_more_parts(sentence: str) -> None:
    assert segments(to_gsm7(sentence)) <= segments(sentence)


@given(st.text(alphabet=BASIC, min_size=160, max_size=160))
def test_160_gsm7_characters_are_one_part(text: str) -> None:
    assert segments(text) == 1


@given(st.text(alphabet=BASIC, min_size=161, max_size=306))
def test_161_to_306_gsm7_characters_are_two_parts(text: str) -> None:
    assert segments(text) == 2


@given(
    st.text(alphabet=BASIC, min_size=159, max_size=159),
    st.sampled_from(sorted(GSM7_EXTENDED)),
)
def test_an_extension_character_counts_twice(text: str, extended: str) -> None:
    assert septets(text + extended) == 161
    assert segments(text + extended) == 2


@pytest.mark.parametrize(
    ("text", "parts"),
    [("", 1), ("a" * 70, 1), ("ă" * 70, 1), ("ă" * 71, 2), ("ă" * 134, 2), ("ă" * 135, 3)],
)
def test_text_with_diacritics_counts_as_ucs2(text: str, parts: int) -> None:
    assert segments(text) == parts


def test_eth_typed_for_d_stroke_is_kept_as_d() -> None:
    assert to_gsm7("ÐẠI HỌC") == "DAI HOC"
