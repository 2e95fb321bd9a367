"""Unicode normalisation, accent folding, tokenisation and classifier features.

Everything here runs on every incoming message, so it is standard library
only, table driven and cached where that pays off.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Final

from nlu.text.abbreviations import ABBREVIATIONS, expand_word
from nlu.text.dossier_code import find_dossier_codes

__all__ = [
    "DOSSIER_CODE_FEATURE",
    "NUMBER_FEATURE",
    "PHONE_FEATURE",
    "Token",
    "feature_tokens",
    "features_text",
    "fold",
    "has_diacritics",
    "nfc",
    "tokenize",
]

DOSSIER_CODE_FEATURE: Final = "dossiercode"
PHONE_FEATURE: Final = "phonenumber"
NUMBER_FEATURE: Final = "number"

# --------------------------------------------------------------------------- nfc

_ZERO_WIDTH: Final = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_SPACES: Final = "\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_HYPHENS: Final = "\u2010\u2011\u2012\u2212"


def _build_nfc_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in _ZERO_WIDTH}
    table.update({ord(c): " " for c in _SPACES})
    table.update({ord(c): "-" for c in _HYPHENS})
    # Fullwidth ASCII (the NFKC mapping, applied to this block only).
    table.update({cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)})
    table.update({ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032\u2039\u203a"})
    table.update({ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"})
    table[0x00D0] = "\u0110"  # Ð (eth) typed for Đ
    return table


_NFC_TABLE: Final = _build_nfc_table()


def nfc(text: str) -> str:
    """NFC-compose ``text`` and replace common lookalike characters.

    Non-breaking and other wide spaces become a space, zero-width characters
    and soft hyphens are removed, fullwidth ASCII becomes ASCII, curly quotes
    and guillemets become straight quotes, Unicode hyphens and the minus sign
    become ``-`` and ``Ð`` becomes ``Đ``. Vietnamese letters are only composed.
    """
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text.translate(_NFC_TABLE))


# -------------------------------------------------------------------------- fold

_COMBINING_RANGE: Final = range(0x0300, 0x0370)


def _build_fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in chain(range(0x00C0, 0x0250), range(0x1E00, 0x1F00)):
        decomposed = unicodedata.normalize("NFD", chr(cp))
        base = decomposed[0]
        if (
            len(decomposed) > 1
            and base.isascii()
            and base.isalpha()
            and all(unicodedata.combining(c) for c in decomposed[1:])
        ):
            table[cp] = base.lower()
    for cp in _COMBINING_RANGE:
        table[cp] = None
    for c in "\u0110\u0111\u00d0\u00f0":  # Đ đ Ð ð
        table[ord(c)] = "d"
    return table


_FOLD_TABLE: Final = _build_fold_table()
_DIACRITICS: Final = frozenset(map(chr, _FOLD_TABLE))


def fold(text: str) -> str:
    """Lowercase and remove diacritics: ``"Đăng Ký"`` -> ``"dang ky"``.

    Accepts NFC, NFD and mixed input; characters that are not letters are kept.
    """
    if text.isascii():
        return text.lower()
    folded = text.lower().translate(_FOLD_TABLE)
    if folded.isascii():
        return folded
    # Rare: accents on letters outside the Latin tables (Greek, ...) or marks
    # that were not attached to a precomposed letter.
    folded = unicodedata.normalize("NFD", folded).translate(_FOLD_TABLE)
    return unicodedata.normalize("NFC", folded)


def has_diacritics(text: str) -> bool:
    """Whether ``text`` contains an accented Latin letter, ``đ`` or a combining accent."""
    return not text.isascii() and not _DIACRITICS.isdisjoint(text)


# ---------------------------------------------------------------------- tokenize


@dataclass(frozen=True, slots=True)
class Token:
    """A token; ``start``/``end`` are offsets into the string that was tokenized."""

    text: str
    start: int
    end: int


_KIND_WORD: Final = 0
_KIND_PHONE: Final = 1
_KIND_CODE: Final = 2

_MARKS: Final = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_ALNUM: Final = r"[^\W_]"

# Scanning runs on a view of the text that agrees with nfc() where that matters
# for token boundaries: zero-width characters are dropped (offsets are mapped
# back), and fullwidth ASCII, wide spaces and Unicode hyphens are replaced one
# for one.
_HAS_ZERO_WIDTH: Final = re.compile(f"[{_ZERO_WIDTH}]").search
_VIEW_TABLE: Final = {
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)},
    **{ord(c): " " for c in _SPACES},
    **{ord(c): "-" for c in _HYPHENS},
}
_NEEDS_VIEW: Final = re.compile(f"[\uff01-\uff5e{_SPACES}{_HYPHENS}]").search

# A number with inner separators ("1.001193", "5/11/2024") or a word: a run
# of letters, digits and combining marks ("h49", "8h30").
_TOKEN_RE: Final = re.compile(
    r"\d+(?:[.,:/]\d+)+"
    rf"|{_ALNUM}+(?:[{_MARKS}]+{_ALNUM}*)*"
)

# Digit groups joined by single spaces, dots or dashes, after an optional
# country prefix.
_PHONE_RE: Final = re.compile(
    rf"(?<![\w{_MARKS}.,+])"
    r"(?:(?P<prefix>\(\+84\)|\+84|0084)[ .\-]?)?"
    r"(?P<body>[0-9]+(?:[ .\-][0-9]+)*)"
    rf"(?![\w{_MARKS}])(?![.,][0-9])"
)
_PHONE_CHUNK_RE: Final = re.compile(r"[^ ]+")
_DIGIT_RUN_RE: Final = re.compile(r"[0-9]+")
_HAS_DIGIT: Final = re.compile(r"[0-9]").search

_PHONE_DIGITS: Final = range(9, 12)  # with the leading 0: 0912345678, 02438261234
_NATIONAL_DIGITS: Final = range(9, 11)  # after +84
_PHONE_GROUP_DIGITS: Final = range(2, 6)


def _is_phone(groups: list[str], prefixed: bool) -> bool:
    digits = "".join(groups)
    if prefixed:
        national = digits[1:] if digits.startswith("0") else digits
        return len(national) in _NATIONAL_DIGITS and not national.startswith("0")
    if len(digits) not in _PHONE_DIGITS:
        return False
    if len(groups) == 1:
        return True
    return digits.startswith("0") and all(len(g) in _PHONE_GROUP_DIGITS for g in groups)


def _find_phones(view: str, pos: int, endpos: int, out: list[tuple[int, int, int]]) -> None:
    """Append phone-number spans in ``view[pos:endpos]``.

    A candidate is a run of digit groups joined by single spaces, dots or
    dashes. It may hold a phone number among other numbers ("năm 2024
    0912 345 678"), so the longest valid run of whole space-separated chunks
    is taken, leftmost first; dotted or dashed groups are never split.
    """
    for m in _PHONE_RE.finditer(view, pos, endpos):
        body_start = m.start("body")
        chunks = [
            (c.start() + body_start, c.end() + body_start, _DIGIT_RUN_RE.findall(c[0]))
            for c in _PHONE_CHUNK_RE.finditer(m["body"])
        ]
        prefixed = m["prefix"] is not None
        i = 0
        while i < len(chunks):
            for j in range(len(chunks), i, -1):
                groups = [g for chunk in chunks[i:j] for g in chunk[2]]
                if _is_phone(groups, prefixed and i == 0):
                    start = m.start() if prefixed and i == 0 else chunks[i][0]
                    out.append((start, chunks[j - 1][1], _KIND_PHONE))
                    i = j
                    break
            else:
                i += 1


def _scan(text: str) -> list[tuple[int, int, int]]:
    """(start, end, kind) of every token, in order, as offsets into ``text``."""
    if text.isascii():
        return _scan_view(text)
    if not _HAS_ZERO_WIDTH(text):
        return _scan_view(text.translate(_VIEW_TABLE) if _NEEDS_VIEW(text) else text)
    index = [i for i, c in enumerate(text) if c not in _ZERO_WIDTH]
    view = "".join([text[i] for i in index]).translate(_VIEW_TABLE)
    return [(index[start], index[end - 1] + 1, kind) for start, end, kind in _scan_view(view)]


def _scan_view(view: str) -> list[tuple[int, int, int]]:
    protected: list[tuple[int, int, int]] = []
    pos = 0
    if "." in view or "," in view:
        for code in find_dossier_codes(view):
            if _HAS_DIGIT(view, pos, code.start):
                _find_phones(view, pos, code.start, protected)
            protected.append((code.start, code.end, _KIND_CODE))
            pos = code.end
    if _HAS_DIGIT(view, pos):
        _find_phones(view, pos, len(view), protected)
    if not protected:
        return [(m.start(), m.end(), _KIND_WORD) for m in _TOKEN_RE.finditer(view)]
    spans: list[tuple[int, int, int]] = []
    pos = 0
    for span in protected:
        spans.extend(
            (m.start(), m.end(), _KIND_WORD) for m in _TOKEN_RE.finditer(view, pos, span[0])
        )
        spans.append(span)
        pos = span[1]
    spans.extend((m.start(), m.end(), _KIND_WORD) for m in _TOKEN_RE.finditer(view, pos))
    return spans


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into word tokens; punctuation, symbols and emoji are dropped.

    Words are runs of Unicode letters and digits including combining marks.
    Dossier codes, phone numbers ("0912 345 678", "+84 912.345.678") and
    numbers with inner dots, commas, colons or slashes ("1.001193") are single
    tokens. ``Token.text`` is the original slice ``text[start:end]``.
    """
    return [Token(text[start:end], start, end) for start, end, _ in _scan(text)]


# ---------------------------------------------------------------------- features

_PURE_NUMBER_RE: Final = re.compile(r"\d+(?:[.,:/]\d+)*")
_ELONGATION_RE: Final = re.compile(r"([^\W\d_])\1{2,}")


def _first_group(m: re.Match[str]) -> str:
    return m[1]


@lru_cache(maxsize=16384)
def _word_features(raw: str) -> tuple[str, ...]:
    word = fold(nfc(raw))
    if _PURE_NUMBER_RE.fullmatch(word):
        if word.isdigit() and len(word) in _PHONE_DIGITS:
            return (PHONE_FEATURE,)
        return (NUMBER_FEATURE,)
    if len(word) > 1 and not word.strip("k"):
        return ("kk",)  # "kkkk" is laughter, not an elongated "k" (không)
    if word in ABBREVIATIONS:  # before squashing repeats: "cccd" is no elongated "cd"
        return expand_word(word)
    return expand_word(_ELONGATION_RE.sub(_first_group, word))


# Emoji and emoticons carry meaning in chat ("👍" is a yes); tokenize() drops them, so the
# common ones become the words they stand for.
_EMOJI_WORDS: Final = {
    "👍": "ok", "👌": "ok", "✅": "ok", "🆗": "ok", "👎": "khong", "❌": "khong",
    "🙏": "cam on", "💐": "cam on", "👋": "chao", "😂": "haha", "🤣": "haha", "😆": "haha",
    "😁": "haha", "😄": "haha", ":))": "haha", "=))": "haha", ":v": "haha", ":d": "haha",
    "😡": "buc minh", "😠": "buc minh", "😤": "buc minh", "😢": "buon", "😭": "buon",
    ":((": "buon", "=((": "buon", ":(": "buon", "❤": "thich", "♥": "thich", "😍": "thich",
    "🥰": "thich", "<3": "thich",
}  # fmt: skip
_EMOJI_RE: Final = re.compile(
    "|".join(
        # ":d" and ":v" end in a letter: not when a word or a combining mark goes on.
        re.escape(k) + (rf"(?![\w{_MARKS}])" if k[-1].isalpha() else "")
        for k in sorted(_EMOJI_WORDS, key=len, reverse=True)
    )
    + r"|[:=]\)+", re.IGNORECASE
)  # fmt: skip
_HAS_SYMBOL: Final = re.compile(r"[^\w\s.,?!\-]").search


def _emoji_features(text: str) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    last = None
    for m in _EMOJI_RE.finditer(text):
        key = m[0].lower()
        words = _EMOJI_WORDS.get(key) or ("haha" if key.endswith("))") else "vui")
        if words == last:  # "😂😂😂" says it once
            continue
        last = words
        out.extend((word, m.start(), m.end()) for word in words.split())
    return out


def _features(text: str) -> list[tuple[str, int, int]]:
    if _HAS_SYMBOL(text):
        emoji = _emoji_features(text)
        if emoji:
            spans = {(start, end) for _, start, end in emoji}
            words = [
                w
                for w in _token_features(text)
                if not any(start <= w[1] < end for start, end in spans)  # the "D" of ":D"
            ]
            return sorted(words + emoji, key=lambda item: item[1])
    return _token_features(text)


def _token_features(text: str) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for start, end, kind in _scan(text):
        if kind == _KIND_WORD:
            out.extend((word, start, end) for word in _word_features(text[start:end]))
        elif kind == _KIND_CODE:
            out.append((DOSSIER_CODE_FEATURE, start, end))
        else:
            out.append((PHONE_FEATURE, start, end))
    return out


def features_text(text: str) -> str:
    """The classifier's view of a message.

    nfc, tokenize, fold, squeeze chat elongations (three or more repeats of a
    letter become one: "alooo" -> "alo"; the laughter "kkkk" becomes "kk"),
    expand abbreviations, then replace dossier codes by ``dossiercode``, phone
    numbers by ``phonenumber`` and other numbers by ``number``.

    >>> features_text("Cho e hỏi hs 000.00.12.H49-241105-0012 đc chưa ạ")
    'cho em hoi ho so dossiercode duoc chua a'
    """
    return " ".join([word for word, _, _ in _features(text)])


def feature_tokens(text: str) -> list[Token]:
    """:func:`features_text` as tokens whose offsets point into ``text``.

    An abbreviation expanded into several words gives several tokens with the
    span of the abbreviation.
    """
    return [Token(word, start, end) for word, start, end in _features(text)]
