"""Splitting long replies into Zalo's 2,000-character messages."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.base import Button, OutboundMessage
from bot.channels.zalo.channel import ZaloChannel, split_text

LIMIT = 2000
PARA = "Dạ, thành phần hồ sơ gồm: " + "tờ khai, bản sao giấy tờ tùy thân; " * 40  # ~1,430 chars

CASES = [
    ("short stays whole", "Dạ, em chào anh/chị.", 30, ["Dạ, em chào anh/chị."]),
    ("cut at a space", "một hai ba bốn năm", 8, ["một hai", "ba bốn", "năm"]),
    ("a space right after the limit", "abcd efgh", 4, ["abcd", "efgh"]),
    ("paragraph preferred", "aaaa bbbb\n\ncc dd ee", 14, ["aaaa bbbb", "cc dd ee"]),
    ("line break preferred", "aaaa bbbb\ncc dd ee", 14, ["aaaa bbbb", "cc dd ee"]),
    (
        "an early paragraph is not worth half the room",
        "ab\n\ncccc dddd eeee",
        12,
        ["ab\n\ncccc", "dddd eeee"],
    ),
    ("a word longer than the limit is cut", "abcdefghij", 4, ["abcd", "efgh", "ij"]),
    ("surrounding blanks dropped", "  xin chào  ", 30, ["xin chào"]),
]


@pytest.mark.parametrize(("name", "text", "limit", "parts"), CASES, ids=[c[0] for c in CASES])
def test_split_text(name: str, text: str, limit: int, parts: list[str]) -> None:
    assert split_text(text, limit) == parts


words = st.text(
    alphabet=st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạềệớợ"), min_size=1, max_size=30
)
separators = st.sampled_from([" ", "  ", "\n", "\n\n", " \n"])


@given(st.lists(st.tuples(words, separators), max_size=400))
def test_parts_fit_and_keep_every_word(pieces: list[tuple[str, str]]) -> None:
    text = "".join(w + s for w, s in pieces)
    parts = split_text(text, LIMIT)
    assert all(0 < len(p) <= LIMIT for p in parts) or parts == [""]
    assert " ".join(parts).split() == text.split()


def _channel() -> ZaloChannel:
    return ZaloChannel.__new__(ZaloChannel)  # split needs no client


def test_buttons_go_with_the_last_part() -> None:
    text = "\n\n".join([PARA, PARA, PARA])
    message = OutboundMessage(
        channel="zalo",
        user_id="2468458835296197922",
        text=text,
        buttons=(Button("Tra cứu hồ sơ", "/check_dossier_status"),),
        idempotency_key="outbox-1",
    )
    parts = _channel().split(message)
    assert len(parts) == 3
    assert [len(p.buttons) for p in parts] == [0, 0, 1]
    assert all(len(p.text) <= LIMIT and p.user_id == message.user_id for p in parts)
    assert " ".join(p.text for p in parts).split() == text.split()


def test_split_composes_decomposed_text_first() -> None:
    nfd = unicodedata.normalize("NFD", "Lệ phí " * 300)  # 2,100 chars composed, more decomposed
    parts = _channel().split(OutboundMessage(channel="zalo", user_id="1", text=nfd))
    assert len(parts) == 2
    assert all(unicodedata.is_normalized("NFC", p.text) for p in parts)
