"""The chat commands of the handoff, parsed from a message's text (or a button's payload).

Volunteers: `/nhan <phiếu>` (also the "Nhận hỗ trợ" button), `/xong`, `/thutuc <tên>`,
`/huongdan <tên>`, `/hoso <mã> <4 số cuối>`, `/truc`, `/nghi`, `/giup`. An unknown chat:
`/dangky <mã mời>`. A citizen after a closed ticket: `1`…`5` or `/danhgia <1-5>`.

Telegram appends the bot's name to commands typed in groups (`/nhan@MotCuaBot 12`,
https://core.telegram.org/bots/features#commands): the suffix is dropped. Commands are matched
without case and diacritics (`/Nhận 12` is `/nhan 12`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.text import fold

_COMMAND = re.compile(r"^/(?P<name>[a-z]+)(?:@\w+)?(?:\s+(?P<rest>.*))?$", re.DOTALL)
_DIGITS = re.compile(r"^\d{4}$")
_RATING = re.compile(r"^\s*([1-5])\s*(?:sao|điểm|diem|\*)?\s*[.!]?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Claim:
    ticket_id: int


@dataclass(frozen=True, slots=True)
class Done:
    ticket_id: int | None = None


@dataclass(frozen=True, slots=True)
class Checklist:
    query: str


@dataclass(frozen=True, slots=True)
class Guide:
    query: str


@dataclass(frozen=True, slots=True)
class Lookup:
    """`/hoso <code> <digits>`; `code` as typed (normalized by the dossier parser later)."""

    code: str
    digits: str | None

    def __repr__(self) -> str:  # the digits are a secret of the citizen
        return f"Lookup(code={self.code!r}, digits={'****' if self.digits else None})"


@dataclass(frozen=True, slots=True)
class Duty:
    on: bool


@dataclass(frozen=True, slots=True)
class Enrol:
    code: str


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Rate:
    stars: int


@dataclass(frozen=True, slots=True)
class Invalid:
    """A known command with a missing or malformed argument: answer with its usage."""

    command: str


Command = Claim | Done | Checklist | Guide | Lookup | Duty | Enrol | Help | Rate | Invalid

USAGE = {
    "nhan": "/nhan <số phiếu>",
    "xong": "/xong",
    "thutuc": "/thutuc <tên thủ tục>",
    "huongdan": "/huongdan <tên thủ tục>",
    "hoso": "/hoso <mã hồ sơ> <4 số cuối điện thoại của công dân>",
    "dangky": "/dangky <mã mời>",
    "danhgia": "/danhgia <1-5>",
}


def _ticket_number(rest: str) -> int | None:
    value = rest.strip().lstrip("#")
    return int(value) if value.isdigit() and 0 < len(value) <= 9 else None


def parse_command(text: str) -> Command | None:
    """The command `text` carries, or None when it is not one of ours (plain text)."""
    m = _COMMAND.match(fold(text.strip()).lower())
    if m is None:
        return None
    name = m.group("name")
    # the argument keeps its case and diacritics (a procedure's name, an invite code)
    raw_rest = text.strip().split(maxsplit=1)[1].strip() if m.group("rest") else ""
    if name == "nhan":
        number = _ticket_number(raw_rest)
        return Claim(number) if number is not None else Invalid(name)
    if name == "xong":
        if not raw_rest:
            return Done()
        number = _ticket_number(raw_rest)
        return Done(number) if number is not None else Invalid(name)
    if name in ("thutuc", "huongdan"):
        if not raw_rest:
            return Invalid(name)
        return Checklist(raw_rest) if name == "thutuc" else Guide(raw_rest)
    if name == "hoso":
        parts = raw_rest.split()
        if not parts:
            return Invalid(name)
        if _DIGITS.match(parts[-1]) and len(parts) > 1:
            return Lookup(" ".join(parts[:-1]), parts[-1])
        return Lookup(raw_rest, None)
    if name in ("truc", "nghi"):
        return Duty(on=name == "truc")
    if name == "dangky":
        code = raw_rest.strip()
        return Enrol(code) if code and " " not in code else Invalid(name)
    if name in ("giup", "help"):
        return Help()
    if name == "danhgia":
        rating = _RATING.match(raw_rest)
        return Rate(int(rating.group(1))) if rating else Invalid(name)
    return None


def parse_rating(text: str) -> int | None:
    """A citizen's satisfaction rating: "4", "4 sao", or the button's `/danhgia 4`."""
    command = parse_command(text)
    if isinstance(command, Rate):
        return command.stars
    m = _RATING.match(text)
    return int(m.group(1)) if m else None
