"""The handoff's chat commands, as volunteers and citizens type them or their buttons send."""

from __future__ import annotations

import pytest

from bot.handoff.commands import (
    Checklist,
    Claim,
    Command,
    Done,
    Duty,
    Enrol,
    Guide,
    Help,
    Invalid,
    Lookup,
    Rate,
    parse_command,
    parse_rating,
)

CODE = "000.00.12.H49-241105-0012"

COMMANDS: list[tuple[str, Command | None]] = [
    ("/nhan 12", Claim(12)),
    ("/nhan #12", Claim(12)),
    ("/nhan@MotCuaBot 12", Claim(12)),  # Telegram, typed in a group
    ("/Nhận 7", Claim(7)),  # with diacritics and a capital
    ("  /nhan   3  ", Claim(3)),
    ("/nhan", Invalid("nhan")),
    ("/nhan abc", Invalid("nhan")),
    ("/nhan -1", Invalid("nhan")),
    ("/xong", Done()),
    ("/xong 5", Done(5)),
    ("/xong nhé", Invalid("xong")),
    ("/thutuc đăng ký khai sinh", Checklist("đăng ký khai sinh")),
    ("/thủtục Kết Hôn", Checklist("Kết Hôn")),
    ("/thutuc", Invalid("thutuc")),
    ("/huongdan tạm trú", Guide("tạm trú")),
    ("/huongdan", Invalid("huongdan")),
    (f"/hoso {CODE} 5678", Lookup(CODE, "5678")),
    ("/hoso 000.00.12.h49 - 241105 - 0012 5678", Lookup("000.00.12.h49 - 241105 - 0012", "5678")),
    (f"/hoso {CODE}", Lookup(CODE, None)),
    (f"/hoso {CODE} 567", Lookup(f"{CODE} 567", None)),
    ("/hoso", Invalid("hoso")),
    ("/truc", Duty(on=True)),
    ("/trực", Duty(on=True)),
    ("/nghi", Duty(on=False)),
    ("/dangky K7M2P9QX4T", Enrol("K7M2P9QX4T")),
    ("/đăngký K7M2P9QX4T", Enrol("K7M2P9QX4T")),
    ("/dangky", Invalid("dangky")),
    ("/dangky a b", Invalid("dangky")),
    ("/giup", Help()),
    ("/help", Help()),
    ("/danhgia 4", Rate(4)),
    ("/danhgia 6", Invalid("danhgia")),
    ("xin chào", None),
    ("4", None),
    ("/start", None),
    ("/ask_fee", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), COMMANDS)
def test_commands_are_parsed(text: str, expected: Command | None) -> None:
    assert parse_command(text) == expected


RATINGS: list[tuple[str, int | None]] = [
    ("4", 4),
    (" 5 ", 5),
    ("1.", 1),
    ("3 sao", 3),
    ("/danhgia 2", 2),
    ("0", None),
    ("6", None),
    ("45", None),
    ("4 giờ chiều nay tôi đến", None),
    ("cảm ơn", None),
]


@pytest.mark.parametrize(("text", "stars"), RATINGS)
def test_ratings_are_recognised(text: str, stars: int | None) -> None:
    assert parse_rating(text) == stars


def test_a_lookups_digits_stay_out_of_its_repr() -> None:
    assert "5678" not in repr(Lookup(CODE, "5678"))
