"""The update fixtures (fixtures/updates/*.json) and how their expectations read."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from bot.channels.base import InboundEvent

UPDATES = Path(__file__).parent / "fixtures" / "updates"


def load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return case


def update_cases() -> list[Path]:
    return sorted(UPDATES.glob("*.json"))


def body_of(case: dict[str, Any]) -> bytes:
    if "raw_body_hex" in case:
        return bytes.fromhex(case["raw_body_hex"])
    if "raw_body" in case:
        return str(case["raw_body"]).encode()
    return json.dumps(case["body"], ensure_ascii=False).encode()


def as_expected(event: InboundEvent) -> dict[str, Any]:
    """An event in the form the fixtures write it: its type and fields, without the channel
    (always `telegram`, checked apart) and the arrival time."""
    values = {
        f.name: getattr(event, f.name)
        for f in fields(event)
        if f.name not in ("channel", "received_at")
    }
    return {"type": type(event).__name__, **values}
