"""Inbound SMS keywords (CONTRACT §4.4): `HS <code>`, `TC` / `HUY`, `DK <code>`.

Citizens type them in any case, with or without diacritics (`Hủy`, `huỷ`), with the code
spaced or in lower case (`hs 000.00.12.h49 - 241105 - 0012`), sometimes glued to the keyword
(`HS000.00.12.H49-241105-0012`) or after a colon. Everything else goes to the NLU.

`HS` and `DK` are also everyday abbreviations (`hs` = hồ sơ, `dk` = đăng ký: "dk kinh doanh",
"hs của tôi đến đâu rồi"), so they are keywords only when nothing follows them or what
follows holds a digit (an attempted code); a sentence of words goes to the NLU, which knows
those intents. `TC` / `HUY` stop notifications only alone or followed by a dossier code
("hủy hồ sơ" means withdrawing a dossier, not stopping messages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from nlu.text import canonical_dossier_code, find_dossier_codes, fold, nfc

KeywordKind = Literal["status", "stop", "subscribe"]

_KINDS: Final[dict[str, KeywordKind]] = {
    "hs": "status",
    "dk": "subscribe",
    "tc": "stop",
    "huy": "stop",
}
# The keyword as a whole word (a code may be glued to it: "HS000.00…"), then separators.
_KEYWORD: Final = re.compile(r"(hs|dk|tc|huy)(?![^\W\d_])[\s:;,.\-_/#]*(.*)", re.DOTALL)
_HAS_DIGIT: Final = re.compile(r"\d")
_TRAILING: Final = " \t\r\n.!?,;:"


@dataclass(frozen=True, slots=True)
class Keyword:
    """An SMS keyword command; `dossier_code` is canonical (`000.00.12.H49-241105-0012`)."""

    kind: KeywordKind
    dossier_code: str | None = None


def _code_in(rest: str) -> str | None:
    whole = canonical_dossier_code(rest)
    if whole is not None:
        return whole
    found = find_dossier_codes(rest)
    return found[0].value if found else None


def parse_keyword(text: str) -> Keyword | None:
    """The keyword command `text` is, or None when the message is for the NLU."""
    folded = fold(nfc(text)).strip()
    m = _KEYWORD.fullmatch(folded)
    if m is None:
        return None
    kind = _KINDS[m[1]]
    rest = m[2].strip().rstrip(_TRAILING)
    if not rest:
        return Keyword(kind)
    if kind == "stop":
        # only "TC <code>" (stop notices for that dossier); "hủy hồ sơ …" is for the NLU
        whole = canonical_dossier_code(rest)
        return None if whole is None else Keyword(kind, whole)
    code = _code_in(rest)
    if code is not None:
        return Keyword(kind, code)
    return Keyword(kind) if _HAS_DIGIT.search(rest) else None
