"""nfc, fold and has_diacritics."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.text import fold, has_diacritics, nfc


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


VIETNAMESE_LETTERS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
VIETNAMESE_ALPHABET = (
    VIETNAMESE_LETTERS
    + VIETNAMESE_LETTERS.upper()
    + "bcdghklmnpqrstvxfjwz0123456789 .,?!:-"
    # tone and vowel marks, as typed by keyboards that produce decomposed text
    + "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
)
vietnamese_text = st.text(alphabet=VIETNAMESE_ALPHABET, max_size=60)


NFC_CASES = [
    pytest.param(nfd("Đăng ký khai sinh"), "Đăng ký khai sinh", id="nfd-to-nfc"),
    pytest.param("ê\u0301", "ế", id="mixed-precomposed-vowel-plus-tone"),
    pytest.param("u\u031b\u0300", "ừ", id="horn-and-grave"),
    pytest.param("e\u0323\u0302", "ệ", id="marks-in-non-canonical-order"),
    pytest.param("hồ\u00a0sơ", "hồ sơ", id="nbsp-to-space"),
    pytest.param("hồ\u3000sơ\u2009nhé", "hồ sơ nhé", id="wide-spaces-to-space"),
    pytest.param("\ufeffhồ\u200bsơ\u200d", "hồsơ", id="zero-width-removed"),
    pytest.param("Ｓ０９１２ＡＢｃ！", "S0912ABc!", id="fullwidth-to-ascii"),
    pytest.param("“hồ sơ” ‘A’ «B»", '"hồ sơ" \'A\' "B"', id="curly-quotes"),
    pytest.param("0912\u2011345\u2212678", "0912-345-678", id="unicode-hyphens"),
    pytest.param("ÐT", "ĐT", id="eth-lookalike-to-d-stroke"),
    pytest.param("hoà hòa thuỷ thủy", "hoà hòa thuỷ thủy", id="tone-placement-untouched"),
    pytest.param("Ư ơ Ă â Ê ô Đ đ", "Ư ơ Ă â Ê ô Đ đ", id="vietnamese-letters-untouched"),
    pytest.param("plain ascii, 123!", "plain ascii, 123!", id="ascii"),
    pytest.param("½ ² ﬁ", "½ ² ﬁ", id="no-nfkc-outside-fullwidth"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), NFC_CASES)
def test_nfc(text: str, expected: str) -> None:
    assert nfc(text) == expected


FOLD_CASES = [
    pytest.param("Đăng Ký Khai Sinh", "dang ky khai sinh", id="title-case"),
    pytest.param(nfd("Đăng Ký Khai Sinh"), "dang ky khai sinh", id="nfd"),
    pytest.param("Nguye\u0302\u0303n Thi\u0323 A\u0301nh", "nguyen thi anh", id="nfd-names"),
    pytest.param("ê\u0301 ơ\u0300 Ă\u0303", "e o a", id="mixed-forms"),
    pytest.param("a à á ả ã ạ", "a a a a a a", id="all-tones"),
    pytest.param("ĂÂÊÔƠƯĐ ăâêôơưđ", "aaeooud aaeooud", id="vowel-letters"),
    pytest.param("ỳ ý ỷ ỹ ỵ Ỵ", "y y y y y y", id="y-tones"),
    pytest.param(
        "Hồ sơ số 12, ĐT: 0912-345-678!", "ho so so 12, dt: 0912-345-678!", id="non-letters"
    ),
    pytest.param("ok 👍 ? «»", "ok 👍 ? «»", id="emoji-and-punctuation-kept"),
    pytest.param("Ð ð", "d d", id="eth"),
    pytest.param("CAFÉ Über", "cafe uber", id="other-latin"),
    pytest.param("Άλφα", "αλφα", id="greek-accent"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), FOLD_CASES)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


HAS_DIACRITICS_CASES = [
    pytest.param("dang ky khai sinh", False, id="folded"),
    pytest.param("đăng ký", True, id="accented"),
    pytest.param("Đ", True, id="d-stroke-only"),
    pytest.param("dang ky\u0301", True, id="combining-mark"),
    pytest.param("ok 👍 “”", False, id="emoji-and-quotes"),
    pytest.param("Ωμ", False, id="greek-without-accent"),
    pytest.param("", False, id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), HAS_DIACRITICS_CASES)
def test_has_diacritics(text: str, expected: bool) -> None:
    assert has_diacritics(text) is expected


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once


@given(vietnamese_text)
def test_fold_does_not_depend_on_normal_form(text: str) -> None:
    assert fold(nfc(text)) == fold(nfd(text)) == fold(text)


@given(vietnamese_text)
def test_fold_removes_all_vietnamese_diacritics(text: str) -> None:
    folded = fold(text)
    assert not has_diacritics(folded)
    assert folded.isascii()


@given(st.text())
def test_nfc_is_idempotent(text: str) -> None:
    once = nfc(text)
    assert nfc(once) == once


@given(st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " "))
def test_nfc_keeps_composed_vietnamese_unchanged(text: str) -> None:
    assert nfc(text) == text
    assert nfc(nfd(text)) == text
