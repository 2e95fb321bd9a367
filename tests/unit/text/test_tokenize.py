"""tokenize: word boundaries, kept-together tokens and offsets."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.text import Token, nfc, tokenize


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


TOKENIZE_CASES = [
    pytest.param(
        "Cho em hỏi, thủ tục này mất bao lâu?",
        ["Cho", "em", "hỏi", "thủ", "tục", "này", "mất", "bao", "lâu"],
        id="sentence",
    ),
    pytest.param(
        nfd("Đăng ký tạm trú"), [nfd("Đăng"), nfd("ký"), nfd("tạm"), nfd("trú")], id="nfd"
    ),
    pytest.param("Đa\u0306ng ky\u0301", ["Đa\u0306ng", "ky\u0301"], id="mixed-forms"),
    pytest.param(
        "cho em hỏi hồ sơ 000.00.12.h49 - 241105 - 0012 đến đâu rồi ạ",
        ["cho", "em", "hỏi", "hồ", "sơ", "000.00.12.h49 - 241105 - 0012", "đến", "đâu", "rồi", "ạ"],
        id="dossier-code-with-spaces",
    ),
    pytest.param(
        "mã hs:OOO.OO.12.H49-2411O5-OO12.",
        ["mã", "hs", "OOO.OO.12.H49-2411O5-OO12"],
        id="dossier-code-o-for-zero",
    ),
    pytest.param("sđt 0912.345.678 nhé", ["sđt", "0912.345.678", "nhé"], id="dotted-phone"),
    pytest.param(
        "gọi 0912 345 678 giúp em", ["gọi", "0912 345 678", "giúp", "em"], id="spaced-phone"
    ),
    pytest.param("(+84) 912-345-678", ["(+84) 912-345-678"], id="international-phone"),
    pytest.param("năm 2024 0912 345 678", ["năm", "2024", "0912 345 678"], id="phone-after-number"),
    pytest.param("có 2 3 bộ", ["có", "2", "3", "bộ"], id="small-numbers-stay-apart"),
    pytest.param("quầy h49, mã 1.001193", ["quầy", "h49", "mã", "1.001193"], id="alnum-and-dotted"),
    pytest.param("1.500.000đ lúc 8h30", ["1.500.000", "đ", "lúc", "8h30"], id="money-and-time"),
    pytest.param("mất 5. Còn", ["mất", "5", "Còn"], id="sentence-final-dot"),
    pytest.param("cảm ơn 🙏🙏!!", ["cảm", "ơn"], id="emoji-dropped"),
    pytest.param("ho_so...ok???", ["ho", "so", "ok"], id="punctuation-dropped"),
    pytest.param("hồ\u200bsơ \u200bnhé", ["hồ\u200bsơ", "nhé"], id="zero-width-inside-word"),
    pytest.param("ＳĐＴ：０９１２３４５６７８", ["ＳĐＴ", "０９１２３４５６７８"], id="fullwidth"),
    pytest.param("   \n\t ", [], id="blank"),
]


@pytest.mark.parametrize(("text", "expected"), TOKENIZE_CASES)
def test_tokenize(text: str, expected: list[str]) -> None:
    tokens = tokenize(text)
    assert [t.text for t in tokens] == expected
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_token_offsets() -> None:
    assert tokenize("  Hồ sơ: 0912345678") == [
        Token("Hồ", 2, 4),
        Token("sơ", 5, 7),
        Token("0912345678", 9, 19),
    ]


token_text = st.text(
    alphabet=st.sampled_from(
        [
            *"aăâđeêioôơuưyAĐƠxyz0123456789 .,:-/+()_!?",
            *("\u0300", "\u0301", "\u0309", "\u0323", "\u00a0", "\u200b", "０", "．", "🙂"),
        ]
    ),
    max_size=80,
)


@given(token_text)
def test_tokens_slice_back_to_the_original(text: str) -> None:
    previous_end = 0
    for token in tokenize(text):
        assert text[token.start : token.end] == token.text
        assert previous_end <= token.start < token.end
        assert token.text == token.text.strip()
        previous_end = token.end


@given(token_text)
def test_token_count_does_not_depend_on_normal_form(text: str) -> None:
    assert len(tokenize(text)) == len(tokenize(nfc(text))) == len(tokenize(nfd(text)))
