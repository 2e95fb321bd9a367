"""features_text and feature_tokens: the classifier's view of a message."""

from __future__ import annotations

import doctest
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nlu.text.abbreviations
import nlu.text.normalize
from nlu.text import Token, feature_tokens, features_text, nfc


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


EMBEDDED = "Cho em hỏi hồ sơ 000.00.12.h49 - 241105 - 0012 đến đâu rồi ạ"

FEATURES_CASES = [
    pytest.param(EMBEDDED, "cho em hoi ho so dossiercode den dau roi a", id="embedded-code"),
    pytest.param(nfd(EMBEDDED), "cho em hoi ho so dossiercode den dau roi a", id="nfd"),
    pytest.param("mã hs: OOO.OO.12.H49-2411O5-OO12.", "ma ho so dossiercode", id="code-o-for-zero"),
    pytest.param(
        "ＨＳ ０００.００.１２.Ｈ４９－２４１１０５－００１２",
        "ho so dossiercode",
        id="fullwidth-code",
    ),
    pytest.param("000.00.12.H49-241305-0012", "number h49 number number", id="month-13-is-no-code"),
    pytest.param("Đăng Ký KHAI SINH cho con", "dang ky khai sinh cho con", id="case-and-accents"),
    pytest.param("ko đc à", "khong duoc a", id="abbreviations"),
    pytest.param("e mún đk tthc", "em muon dang ky thu tuc hanh chinh", id="teencode"),
    pytest.param("Alooooo ad ơiii", "alo admin oi", id="elongation"),
    pytest.param("dạaaa", "da", id="elongation-after-fold"),
    pytest.param("too good", "too good", id="double-letters-kept"),
    pytest.param("okkkk", "ok", id="elongated-abbreviation"),
    pytest.param("làm CCCD", "lam can cuoc cong dan", id="abbreviation-with-a-triple-letter"),
    pytest.param("kooo đc", "khong duoc", id="elongated-negation"),
    pytest.param("👍", "ok", id="emoji-yes"),
    pytest.param("ok 👍👍", "ok ok", id="emoji-repeated-once"),
    pytest.param("😂😂😂", "haha", id="emoji-laughter"),
    pytest.param("dạ :)) cảm ơn", "da haha cam on", id="emoticon-in-order"),
    pytest.param("cán bộ tệ quá 😡", "can bo te qua buc minh", id="emoji-angry"),
    pytest.param("🙏", "cam on", id="emoji-thanks"),
    pytest.param("vui :D", "vui haha", id="emoticon-letter-not-a-word"),
    pytest.param(":ḍ", "d", id="letter-with-mark-is-no-emoticon"),
    pytest.param("hay quá kkkk, k hiểu", "hay qua kk khong hieu", id="laughter-is-not-negation"),
    pytest.param("sđt e là 0912 345 678 nhé", "so dien thoai em la phonenumber nhe", id="phone"),
    pytest.param("+84 912.345.678", "phonenumber", id="international-phone"),
    pytest.param("gọi 02438261234", "goi phonenumber", id="landline"),
    pytest.param("năm 2024 0912 345 678", "nam number phonenumber", id="number-then-phone"),
    pytest.param("hs 12345 mất 5 ngày", "ho so number mat number ngay", id="numbers"),
    pytest.param("lệ phí 1.500.000đ", "le phi number d", id="money"),
    pytest.param("hồ\u00a0sơ\u200b!", "ho so", id="lookalike-spaces"),
    pytest.param("👍👍", "ok", id="emoji-only"),
    pytest.param("🐧", "", id="unknown-emoji-only"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), FEATURES_CASES)
def test_features_text(text: str, expected: str) -> None:
    assert features_text(text) == expected


def test_feature_tokens_point_into_the_original() -> None:
    text = "e mún đk 000.00.12.H49-241105-0012"
    assert feature_tokens(text) == [
        Token("em", 0, 1),
        Token("muon", 2, 5),
        Token("dang", 6, 8),
        Token("ky", 6, 8),
        Token("dossiercode", 9, 34),
    ]


def test_docstring_examples() -> None:
    for module in (nlu.text.normalize, nlu.text.abbreviations):
        result = doctest.testmod(module)
        assert result.attempted > 0
        assert result.failed == 0


PIECES = [
    *"aăâđeêioôơuưyAĐƠkdcjhs0123456789 .,:-+",
    *("\u0300", "\u0301", "\u0323", "\u00a0", "\u200b", "０", "Ｈ", "🙂"),
    *("ko ", " 09", "000.00.", ".H49 - 2411", "O5 ", "-OO12"),
]
message_text = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@given(message_text)
def test_feature_tokens_agree_with_features_text(text: str) -> None:
    tokens = feature_tokens(text)
    assert features_text(text) == " ".join(t.text for t in tokens)
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
        assert token.text.isascii()
        assert token.text.isalnum()


@given(message_text)
def test_features_do_not_depend_on_normal_form(text: str) -> None:
    assert features_text(text) == features_text(nfc(text)) == features_text(nfd(text))
