"""Dossier codes: loose forms, canonical values, offsets and non-codes."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.text import (
    DOSSIER_CODE_PATTERN,
    DossierCodeMatch,
    canonical_dossier_code,
    find_dossier_codes,
)

CODE = "000.00.12.H49-241105-0012"

FIND_CASES = [
    pytest.param(CODE, [CODE], id="canonical"),
    pytest.param("000.00.12.h49-241105-0012", [CODE], id="lowercase-letter"),
    pytest.param("000.00.12.H49 - 241105 - 0012", [CODE], id="spaces-around-dashes"),
    pytest.param("000.00.12.H49 -241105- 0012", [CODE], id="uneven-spaces"),
    pytest.param("000.00.12.H49 241105 0012", [CODE], id="spaces-instead-of-dashes"),
    pytest.param("OOO.OO.12.H49-2411O5-OO12", [CODE], id="letter-o-for-zero"),
    pytest.param("ooo.oo.12.h49-2411o5-oo12", [CODE], id="lowercase-o-for-zero"),
    pytest.param("000.00.l2.H49-24ll05-00I2", [CODE], id="l-and-i-for-one"),
    pytest.param("000.00.12.H49–241105—0012", [CODE], id="en-and-em-dash"),
    pytest.param("000.00.12.H49_241105/0012", [CODE], id="underscore-and-slash"),
    pytest.param("000,00,12,H49-241105-0012", [CODE], id="commas-in-agency"),
    pytest.param("mã hs: 000.00.12.H49-241105-0012.", [CODE], id="sentence-punctuation"),
    pytest.param("(“000.00.12.H49-241105-0012”)", [CODE], id="quotes-and-brackets"),
    pytest.param("０００．００．１２．Ｈ４９－２４１１０５－００１２", [CODE], id="fullwidth"),
    pytest.param("000.00.12.H49\u00a0-\u00a0241105-0012", [CODE], id="nbsp"),
    pytest.param("hs000.00.12.H49-241105-0012", [CODE], id="glued-to-a-word"),
    pytest.param("000.00.12.O49-241105-0012", ["000.00.12.O49-241105-0012"], id="letter-o-stays"),
    pytest.param("000.00.12.i49-240229-0012", ["000.00.12.I49-240229-0012"], id="letter-i-29-feb"),
    pytest.param(
        "hs 000.00.12.H49-241105-0012 và 000.25.31.H49-250101-1234 ạ",
        [CODE, "000.25.31.H49-250101-1234"],
        id="two-codes",
    ),
    # not codes
    pytest.param("0912345678 hoặc 0912.345.678", [], id="phone-numbers"),
    pytest.param("000.00.12.H49-241305-0012", [], id="month-13"),
    pytest.param("000.00.12.H49-241100-0012", [], id="day-00"),
    pytest.param("000.00.12.H49-241131-0012", [], id="31-november"),
    pytest.param("000.00.12.H49-241105-00123", [], id="five-digit-sequence"),
    pytest.param("000.00.12.H49-241105-012", [], id="three-digit-sequence"),
    pytest.param("000.00.12.H49-2411050-0012", [], id="seven-digit-date"),
    pytest.param("1000.00.12.H49-241105-0012", [], id="longer-digit-run-before"),
    pytest.param("5.000.00.12.H49-241105-0012", [], id="extra-group-before"),
    pytest.param("000.00.12.149-241105-0012", [], id="digit-in-letter-position"),
    pytest.param("000.00.12.H49-241105-0012O", [], id="o-run-after"),
    pytest.param("", [], id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), FIND_CASES)
def test_find_dossier_codes(text: str, expected: list[str]) -> None:
    matches = find_dossier_codes(text)
    assert [m.value for m in matches] == expected
    for m in matches:
        assert text[m.start : m.end] == m.text


def test_match_offsets_in_a_sentence() -> None:
    text = "cho em hỏi hồ sơ 000.00.12.h49 - 241105 - 0012 đến đâu rồi ạ"
    assert find_dossier_codes(text) == [
        DossierCodeMatch(CODE, 17, 46, "000.00.12.h49 - 241105 - 0012")
    ]


def test_match_offsets_in_nfd_text() -> None:
    prefix = unicodedata.normalize("NFD", "Hồ sơ của tôi: ")
    text = prefix + "OOO.OO.12.H49-2411O5-OO12 ạ"
    start = len(prefix)
    assert find_dossier_codes(text) == [
        DossierCodeMatch(CODE, start, start + 25, "OOO.OO.12.H49-2411O5-OO12")
    ]


CANONICAL_CASES = [
    pytest.param(CODE, CODE, id="canonical"),
    pytest.param("  000.00.12.h49 - 241105 - 0012 \n", CODE, id="whitespace"),
    pytest.param("“OOO.OO.12.H49-2411O5-OO12”.", CODE, id="quotes-and-o"),
    pytest.param("[000,00,12,h49 241105 0012]", CODE, id="brackets-commas-spaces"),
    pytest.param("mã 000.00.12.H49-241105-0012", None, id="extra-words"),
    pytest.param(f"{CODE} {CODE}", None, id="two-codes"),
    pytest.param("000.00.12.H49-241332-0012", None, id="bad-date"),
    pytest.param("", None, id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), CANONICAL_CASES)
def test_canonical_dossier_code(text: str, expected: str | None) -> None:
    assert canonical_dossier_code(text) == expected


# ---------------------------------------------------------------- properties


@st.composite
def canonical_codes(draw: st.DrawFn) -> str:
    digits = st.text(alphabet="0123456789", min_size=1, max_size=1)

    def run(n: int) -> str:
        return "".join(draw(digits) for _ in range(n))

    letter = draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    date = draw(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
    return f"{run(3)}.{run(2)}.{run(2)}.{letter}{run(2)}-{date:%y%m%d}-{run(4)}"


@st.composite
def loosen(draw: st.DrawFn, code: str) -> str:
    """Retype a canonical code the way citizens do."""
    agency, date, seq = code.split("-")
    out = []
    for i, ch in enumerate(agency):
        if i == 10:  # the letter position
            out.append(ch.lower() if draw(st.booleans()) else ch)
        elif ch == "." and draw(st.booleans()):
            out.append(",")
        else:
            out.append(ch)
    dashes = st.sampled_from(["-", " - ", " -", "- ", " ", "  ", "–", "—", "_", "/"])
    loose = "".join(out) + draw(dashes) + date + draw(dashes) + seq
    zero_as = st.sampled_from(["0", "0", "O", "o"])
    one_as = st.sampled_from(["1", "1", "l", "I"])
    head, rest = loose[:10], loose[10:]  # keep the letter position out of it
    rest = rest[0] + "".join(
        draw(zero_as) if c == "0" else draw(one_as) if c == "1" else c for c in rest[1:]
    )
    head = "".join(draw(zero_as) if c == "0" else draw(one_as) if c == "1" else c for c in head)
    return head + rest


PREFIXES = ["", "hs ", "mã hồ sơ: ", "Cho em hỏi hồ sơ ", unicodedata.normalize("NFD", "hồ sơ ")]
SUFFIXES = ["", ".", " ạ", " đến đâu rồi ạ?", "\n"]


@given(st.data())
def test_loose_codes_round_trip(data: st.DataObject) -> None:
    code = data.draw(canonical_codes())
    loose = data.draw(loosen(code))
    prefix = data.draw(st.sampled_from(PREFIXES))
    text = prefix + loose + data.draw(st.sampled_from(SUFFIXES))
    start = len(prefix)
    assert find_dossier_codes(text) == [DossierCodeMatch(code, start, start + len(loose), loose)]
    assert canonical_dossier_code(loose) == code


@given(canonical_codes())
def test_canonical_codes_match_the_documented_pattern(code: str) -> None:
    assert re.fullmatch(DOSSIER_CODE_PATTERN, code)
    assert canonical_dossier_code(code) == code


@given(
    canonical_codes(),
    st.sampled_from(["00", "13", "14", "20", "99"]),
)
def test_impossible_months_are_not_codes(code: str, month: str) -> None:
    bad = code[:16] + month + code[18:]
    assert find_dossier_codes(bad) == []
    assert canonical_dossier_code(bad) is None


@given(st.from_regex(r"(\+84|0)[1-9][0-9]{8}", fullmatch=True))
def test_phone_numbers_are_not_codes(phone: str) -> None:
    assert find_dossier_codes(f"sđt {phone} nhé") == []
