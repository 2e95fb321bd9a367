"""SMS text: Vietnamese written without diacritics in the GSM 03.38 alphabet, and its parts.

Any character outside GSM-7 turns a whole SMS into UCS-2 (70 characters a part instead of
160), so text for SMS is folded: `đ` → `d`, `Ồ` → `O`, and characters GSM-7 lacks are replaced
by the nearest ASCII (typographic quotes, dashes, ellipsis) or dropped.
"""

from __future__ import annotations

import unicodedata

# GSM 03.38 basic character set, and the extension table (each of those costs two septets).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
SINGLE_PART = 160
MULTI_PART = 153  # a concatenated SMS spends 7 septets of each part on its header
UCS2_SINGLE_PART = 70
UCS2_MULTI_PART = 67

_REPLACEMENTS = {
    "đ": "d",
    "Đ": "D",
    "ð": "d",  # eth, often typed for đ
    "Ð": "D",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "•": "-",
    "·": "-",
    "\t": " ",
}


def to_gsm7(text: str) -> str:
    """Vietnamese text without diacritics, every character in the GSM-7 alphabet."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
        )
        if base and all(c.isascii() for c in base):
            char = base
        if char in GSM7_BASIC or char in GSM7_EXTENDED:
            out.append(char)
        elif char.isspace():
            out.append(" ")
        # other characters (emoji, CJK, ...) have no GSM-7 form: dropped
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def septets(text: str) -> int:
    """GSM-7 length: extension characters count twice."""
    return sum(2 if c in GSM7_EXTENDED else 1 for c in text)


def segments(text: str) -> int:
    """How many SMS parts `text` takes, as it is (GSM-7 if it fits the alphabet, else UCS-2)."""
    if not text:
        return 1
    if is_gsm7(text):
        length, single, multi = septets(text), SINGLE_PART, MULTI_PART
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi = UCS2_SINGLE_PART, UCS2_MULTI_PART
    return 1 if length <= single else -(-length // multi)
