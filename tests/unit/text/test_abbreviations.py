"""Chat abbreviations and teencode."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.text import (
    ABBREVIATIONS,
    DOSSIER_CODE_FEATURE,
    NUMBER_FEATURE,
    PHONE_FEATURE,
    expand_abbreviations,
    fold,
)

EXPAND_CASES = [
    pytest.param(["ko", "dc"], ["khong", "duoc"], id="negation-and-duoc"),
    pytest.param(["tthc"], ["thu", "tuc", "hanh", "chinh"], id="multi-word"),
    pytest.param(["sdt", "cua", "e"], ["so", "dien", "thoai", "cua", "em"], id="sdt-em"),
    pytest.param(
        ["cccd", "cmnd"],
        ["can", "cuoc", "cong", "dan", "chung", "minh", "nhan", "dan"],
        id="identity-documents",
    ),
    pytest.param(["lam", "ntn", "j"], ["lam", "nhu", "the", "nao", "gi"], id="question-words"),
    pytest.param(["tks", "ad"], ["cam", "on", "admin"], id="thanks-admin"),
    pytest.param(["oke", "okie", "ok"], ["ok", "ok", "ok"], id="ok-variants"),
    pytest.param(["dk", "hoso"], ["dang", "ky", "ho", "so"], id="dang-ky-hoso"),
    pytest.param(["uhm", "r", "a"], ["u", "roi", "a"], id="a-is-not-anh"),
    pytest.param(["bn", "tt", "hong", "bt"], ["bn", "tt", "hong", "bt"], id="ambiguous-kept"),
    pytest.param(["cho", "em", "hoi"], ["cho", "em", "hoi"], id="plain-words"),
    pytest.param([], [], id="empty"),
]


@pytest.mark.parametrize(("words", "expected"), EXPAND_CASES)
def test_expand_abbreviations(words: list[str], expected: list[str]) -> None:
    assert expand_abbreviations(words) == expected


@pytest.mark.parametrize("key", sorted(ABBREVIATIONS))
def test_table_entry_is_well_formed(key: str) -> None:
    expansion = ABBREVIATIONS[key]
    assert key == fold(key)
    assert key.isascii()
    assert key.isalnum()
    assert expansion == fold(expansion)
    assert expansion.isascii()
    assert expansion.split() != [key]
    # expanding is idempotent: no expansion word is itself an abbreviation
    assert not set(expansion.split()) & set(ABBREVIATIONS)


def test_placeholders_are_not_abbreviations() -> None:
    assert not {DOSSIER_CODE_FEATURE, PHONE_FEATURE, NUMBER_FEATURE} & set(ABBREVIATIONS)


@given(st.lists(st.sampled_from([*ABBREVIATIONS, "cho", "em", "hoi", "ho", "so"]), max_size=12))
def test_expansion_is_idempotent(words: list[str]) -> None:
    once = expand_abbreviations(words)
    assert expand_abbreviations(once) == once
    assert len(once) >= len(words)
