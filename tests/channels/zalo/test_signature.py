"""The webhook signature formula against recorded examples (fixtures/signatures.json)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.channels.zalo.signature import expected_signature, verify_signature
from tests.channels.zalo.conftest import FIXTURES

EXAMPLES: list[dict[str, Any]] = json.loads(
    (FIXTURES / "signatures.json").read_text(encoding="utf-8")
)["examples"]


def _args(example: dict[str, Any]) -> dict[str, Any]:
    return {
        "app_id": example["app_id"],
        "raw_body": example["body"].encode("utf-8"),
        "timestamp": example["timestamp"],
        "oa_secret_key": example["oa_secret_key"],
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["note"][:40] for e in EXAMPLES])
def test_recorded_examples(example: dict[str, Any]) -> None:
    assert "mac=" + expected_signature(**_args(example)) == example["header"]
    assert verify_signature(example["header"], **_args(example))


TAMPERED = [
    ("body", lambda a: {**a, "raw_body": a["raw_body"].replace(b"}", b" }", 1)}),
    ("timestamp", lambda a: {**a, "timestamp": a["timestamp"] + "1"}),
    ("app id", lambda a: {**a, "app_id": a["app_id"][:-1] + "0"}),
    ("secret", lambda a: {**a, "oa_secret_key": a["oa_secret_key"] + "x"}),
]


@pytest.mark.parametrize(("what", "tamper"), TAMPERED, ids=[t[0] for t in TAMPERED])
@pytest.mark.parametrize("example", EXAMPLES[:2], ids=["text", "follow"])
def test_any_change_breaks_the_signature(example: dict[str, Any], what: str, tamper: Any) -> None:
    assert not verify_signature(example["header"], **tamper(_args(example)))


HEADERS = [
    ("upper-case hex", lambda h: "mac=" + h.removeprefix("mac=").upper(), True),
    ("spaces around", lambda h: f"  {h}  ", True),
    ("upper-case prefix", lambda h: "MAC=" + h.removeprefix("mac="), True),
    ("bare hex", lambda h: h.removeprefix("mac="), False),
    ("other scheme", lambda h: "sha256=" + h.removeprefix("mac="), False),
    ("truncated", lambda h: h[:-2], False),
    ("empty", lambda h: "", False),
    ("prefix only", lambda h: "mac=", False),
    ("non-ascii", lambda h: h[:-1] + "é", False),
]


@pytest.mark.parametrize(("what", "form", "accepted"), HEADERS, ids=[h[0] for h in HEADERS])
def test_header_forms(what: str, form: Any, accepted: bool) -> None:
    example = EXAMPLES[0]
    assert verify_signature(form(example["header"]), **_args(example)) is accepted


def test_missing_header_is_refused() -> None:
    assert not verify_signature(None, **_args(EXAMPLES[0]))
