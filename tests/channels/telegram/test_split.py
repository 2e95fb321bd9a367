"""Splitting long replies at Telegram's 4096-unit limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.base import Button, OutboundMessage
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.outbound import MAX_MESSAGE_UNITS, split_text, units
from tests.channels.telegram.conftest import SECRET, TOKEN

CHANNEL = TelegramChannel(token=TOKEN, secret_token=SECRET, base_url="http://127.0.0.1:9/bot")

LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯáàảãạấầẩẫậếềểễệốồổỗộớờởỡợứừửữự0123456789😀📄.,?"
WORDS = st.text(alphabet=LETTERS, min_size=1, max_size=12)


@st.composite
def texts(draw: st.DrawFn, max_words: int) -> str:
    """Up to `max_words` words (a vocabulary of up to 40 drawn words) with mixed separators."""
    vocabulary = draw(st.lists(WORDS, min_size=1, max_size=40))
    count = draw(st.integers(min_value=0, max_value=max_words))
    rnd = draw(st.randoms(use_true_random=False))
    separators = [" "] * 6 + ["\n", "\n\n", "  ", "\t"]
    out = []
    for _ in range(count):
        out.append(rnd.choice(vocabulary))
        out.append(rnd.choice(separators))
    return "".join(out[:-1])


TABLE = [
    ("fits_unchanged", "  Dạ, xin chào  ", 4096, ["  Dạ, xin chào  "]),
    ("paragraph_first", "aaaa bbbb\n\ncccc dddd", 15, ["aaaa bbbb", "cccc dddd"]),
    ("line_before_space", "aaaa bbbb\ncccc dddd", 15, ["aaaa bbbb", "cccc dddd"]),
    ("space_last", "aaaa bbbb cccc dddd", 12, ["aaaa bbbb", "cccc dddd"]),
    ("early_paragraph_not_taken", "ab\n\ncccc dddd eeee", 16, ["ab\n\ncccc dddd", "eeee"]),
    ("separator_right_after_window", "aaaa bbbb\n\ncccc", 9, ["aaaa bbbb", "cccc"]),
    ("word_longer_than_a_part", "xxxxxxxxxx", 4, ["xxxx", "xxxx", "xx"]),
    ("emoji_cost_two_units", "😀😀😀 😀😀", 6, ["😀😀😀", "😀😀"]),
]


@pytest.mark.parametrize(
    ("text", "limit", "parts"), [c[1:] for c in TABLE], ids=[c[0] for c in TABLE]
)
def test_split_table(text: str, limit: int, parts: list[str]) -> None:
    assert split_text(text, limit=limit) == parts


@given(text=texts(max_words=80), limit=st.integers(min_value=24, max_value=120))
def test_parts_fit_and_keep_every_word(text: str, limit: int) -> None:
    parts = split_text(text, limit=limit)
    assert all(units(p) <= limit for p in parts)
    assert " ".join(parts).split() == text.split()
    if units(text) <= limit:
        assert parts == [text]
    else:
        assert all(p.strip() for p in parts)


@given(text=texts(max_words=3000))
def test_channel_split_at_telegram_limit(text: str) -> None:
    buttons = (Button("Có", "/affirm"), Button("Không", "/deny"))
    message = OutboundMessage(
        channel="telegram", user_id="123456789", text=text, buttons=buttons, idempotency_key="k1"
    )
    parts = CHANNEL.split(message)
    assert all(units(p.text) <= MAX_MESSAGE_UNITS for p in parts)
    assert " ".join(p.text for p in parts).split() == text.split()
    assert [p.buttons for p in parts] == [()] * (len(parts) - 1) + [buttons]
    assert {(p.channel, p.user_id, p.idempotency_key) for p in parts} == {
        ("telegram", "123456789", "k1")
    }


def test_long_reply_is_split_into_parts() -> None:
    paragraph = "Dạ, thành phần hồ sơ gồm tờ khai, giấy tờ tùy thân và giấy tờ liên quan. " * 20
    text = "\n\n".join([paragraph.strip()] * 6)  # about 9,000 characters
    parts = CHANNEL.split(OutboundMessage(channel="telegram", user_id="1", text=text))
    assert len(parts) == 3
    assert all(p.text == "\n\n".join([paragraph.strip()] * 2) for p in parts)
