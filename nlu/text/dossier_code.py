"""Dossier (hồ sơ) receipt codes such as ``000.00.12.H49-241105-0012``.

A code is ``<agency>-<yymmdd>-<sequence>``: the agency code
``\\d{3}.\\d{2}.\\d{2}.[A-Z]\\d{2}``, the receipt date and a four-digit
sequence number. Citizens retype it loosely, so the finder accepts:

* any case (``h49``); the letter position is any ASCII letter, upper-cased;
* ``O``/``o`` for ``0`` and ``l``/``I`` for ``1``, in digit positions only;
* spaces, en/em dashes, underscores or slashes around or instead of the
  dashes; commas instead of dots in the agency part (optionally spaced);
* fullwidth characters and non-breaking spaces;
* surrounding punctuation, quotes and brackets.

The date must be plausible (month 01-12, day valid for that month with
29 February always allowed). A code is never taken out of a longer run of
digits, so phone numbers and five-digit sequences do not match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DOSSIER_CODE_PATTERN",
    "DossierCodeMatch",
    "canonical_dossier_code",
    "find_dossier_codes",
]

DOSSIER_CODE_PATTERN: Final[str] = r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}"
"""The canonical form, e.g. ``000.00.12.H49-241105-0012``."""


@dataclass(frozen=True, slots=True)
class DossierCodeMatch:
    """A code found in a message: ``value`` is canonical, the rest is the original."""

    value: str
    start: int
    end: int
    text: str


# Fullwidth forms are matched directly (and mapped back when canonicalising)
# so that match offsets are offsets into the original string.
_D: Final = "[0-9OoIl\uff10-\uff19\uff2f\uff4f\uff29\uff4c]"  # digit position
_SPACE: Final = "[ \u00a0\u202f\u3000\u2000-\u200a]"
_DOT: Final = rf"{_SPACE}?[.,\uff0e\uff0c]{_SPACE}?"
_DASH: Final = "[-_/\u2010-\u2015\u2212\uff0d\uff3f\uff0f]"
_SEP: Final = rf"(?:{_SPACE}{{0,3}}{_DASH}{_SPACE}{{0,3}}|{_SPACE}{{1,3}})"
_LETTER: Final = "[A-Za-z\uff21-\uff3a\uff41-\uff5a]"
_DIGIT: Final = "[0-9\uff10-\uff19]"
_LOOKALIKE: Final = "[OoIl\uff2f\uff4f\uff29\uff4c]"
_MARK: Final = "[\u0300-\u036f]"

# The first character is matched before the look-behinds so that the regex
# engine can skip quickly to candidate positions.
_LOOSE_RE: Final = re.compile(
    rf"""
    (?P<a>{_D}(?<!{_D}{_D})(?<!{_DIGIT}[.,\uff0e\uff0c]{_D}){_D}{{2}})
    {_DOT}(?P<b>{_D}{{2}}){_DOT}(?P<c>{_D}{{2}}){_DOT}
    (?P<letter>{_LETTER})(?P<ld>{_D}{{2}})
    {_SEP}(?P<yy>{_D}{{2}})(?P<mm>{_D}{{2}})(?P<dd>{_D}{{2}})
    {_SEP}(?P<seq>{_D}{{4}})
    (?!{_DIGIT})(?!{_LOOKALIKE}+(?!{_LETTER}|{_MARK}))
    """,
    re.VERBOSE,
)

_DIGITS: Final = {
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF10, 0xFF1A)},
    **{ord(c): "0" for c in "Oo\uff2f\uff4f"},
    **{ord(c): "1" for c in "Il\uff29\uff4c"},
}
_LETTERS: Final = {cp: chr(cp - 0xFEE0) for cp in range(0xFF21, 0xFF5B)}

# Days per month; February allows 29 because yy does not give the century.
_MONTH_DAYS: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_STRIP: Final = (
    " \t\r\n\v\f\"'`“”‘’«»‹›()[]{}<>.,;:!?…。、"
    "\u00a0\u202f\u3000\u200b\ufeff＂＇（）［］｛｝＜＞．，；：！？"
)


def _canonical(m: re.Match[str]) -> str | None:
    yy, mm, dd = (m[g].translate(_DIGITS) for g in ("yy", "mm", "dd"))
    month = int(mm)
    day = int(dd)
    if not 1 <= month <= 12 or not 1 <= day <= _MONTH_DAYS[month - 1]:
        return None
    a, b, c, ld, seq = (m[g].translate(_DIGITS) for g in ("a", "b", "c", "ld", "seq"))
    letter = m["letter"].translate(_LETTERS).upper()
    return f"{a}.{b}.{c}.{letter}{ld}-{yy}{mm}{dd}-{seq}"


def find_dossier_codes(text: str) -> list[DossierCodeMatch]:
    """All dossier codes in ``text``, left to right, without overlaps."""
    found: list[DossierCodeMatch] = []
    for m in _LOOSE_RE.finditer(text):
        value = _canonical(m)
        if value is not None:
            start, end = m.span()
            found.append(DossierCodeMatch(value, start, end, text[start:end]))
    return found


def canonical_dossier_code(text: str) -> str | None:
    """The canonical code if the whole of ``text`` is one code, else ``None``.

    Surrounding whitespace, punctuation, quotes and brackets are ignored.
    """
    m = _LOOSE_RE.fullmatch(text.strip(_STRIP))
    return None if m is None else _canonical(m)
