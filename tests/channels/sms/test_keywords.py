"""Inbound SMS keywords (CONTRACT §4.4), in every form citizens type them."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bot.channels.sms.keywords import Keyword, parse_keyword
from tests.channels.sms.conftest import cases, nfd


@pytest.mark.parametrize("case", cases("keywords"))
def test_keyword(case: dict[str, Any]) -> None:
    text = nfd(case["text"]) if case.get("nfd") else case["text"]
    expected = None if case["kind"] is None else Keyword(case["kind"], case["code"])
    assert parse_keyword(text) == expected


def test_a_keyword_is_a_frozen_value() -> None:
    keyword = parse_keyword("HS 000.00.12.H49-241105-0012")
    assert keyword is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        keyword.kind = "stop"  # type: ignore[misc]
