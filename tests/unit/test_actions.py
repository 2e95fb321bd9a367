"""The action server's actions, driven through rasa-sdk's executor with Rasa 3.6 payloads."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import ActionExecutor

CODE = "000.00.12.H49-241105-0012"


def user(text: str, intent: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": 1.0,
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
        },
    }


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": 1.0, "name": name}


def call(
    next_action: str, events: list[dict[str, Any]], slots: dict[str, Any] | None = None
) -> dict[str, Any]:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    return {
        "next_action": next_action,
        "sender_id": "web:test",
        "version": "3.6.21",
        "domain": {"responses": {}, "slots": {"dossier_code": {"type": "text"}}},
        "tracker": {
            "sender_id": "web:test",
            "slots": slots or {"dossier_code": None},
            "latest_message": latest["parse_data"],
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


@pytest.fixture(scope="module")
def executor() -> ActionExecutor:
    ex = ActionExecutor()
    ex.register_package("actions")
    return ex


async def run(executor: ActionExecutor, payload: dict[str, Any]) -> dict[str, Any]:
    result = await executor.run(payload)
    assert result is not None
    return (
        {"events": result.events, "responses": result.responses}
        if hasattr(result, "events")
        else dict(result)
    )


async def test_dossier_status_without_code_asks_for_it(executor: ActionExecutor) -> None:
    out = await run(
        executor,
        call(
            "action_check_dossier_status",
            [action("action_listen"), user("hồ sơ của tôi", "check_dossier_status")],
        ),
    )
    assert [r["response"] for r in out["responses"]] == ["utter_ask_dossier_code"]
    assert out["events"] == []


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        (f"hồ sơ {CODE}", [{"entity": "dossier_code", "value": CODE}]),
        ("ho so 000.00.12.h49 - 241105 - 0012 sao roi", []),  # typed, no entity extracted
        ("OOO.OO.12.H49-2411O5-OO12", []),
    ],
)
async def test_dossier_status_canonicalizes_the_code(
    executor: ActionExecutor, text: str, entities: list[dict[str, Any]]
) -> None:
    out = await run(
        executor,
        call("action_check_dossier_status", [user(text, "check_dossier_status", entities)]),
    )
    [response] = out["responses"]
    assert response["response"] == "utter_dossier_lookup_unavailable"
    assert response["dossier_code"] == CODE
    assert out["events"][0]["event"] == "slot"
    assert out["events"][0]["value"] == CODE


async def test_dossier_status_remembers_the_slot(executor: ActionExecutor) -> None:
    out = await run(
        executor,
        call(
            "action_check_dossier_status",
            [user("thế còn hồ sơ đó", "check_dossier_status")],
            slots={"dossier_code": CODE},
        ),
    )
    assert out["responses"][0]["dossier_code"] == CODE


async def test_first_fallback_offers_the_main_topics(executor: ActionExecutor) -> None:
    events = [action("action_listen"), user("xyz", "nlu_fallback")]
    out = await run(executor, call("action_fallback", events))
    assert [r["response"] for r in out["responses"]] == ["utter_default"]


async def test_second_fallback_in_a_row_offers_a_human(executor: ActionExecutor) -> None:
    events = [
        user("xyz", "nlu_fallback"),
        action("action_fallback"),
        action("action_listen"),
        user("abc", "nlu_fallback"),
    ]
    out = await run(executor, call("action_fallback", events))
    assert [r["response"] for r in out["responses"]] == ["utter_default_repeat"]


async def test_fallback_count_resets_after_an_understood_turn(executor: ActionExecutor) -> None:
    events = [
        user("xyz", "nlu_fallback"),
        action("action_fallback"),
        action("action_listen"),
        user("lệ phí", "ask_fee"),
        action("utter_ask_fee"),
        action("action_listen"),
        user("abc", "nlu_fallback"),
    ]
    out = await run(executor, call("action_fallback", events))
    assert [r["response"] for r in out["responses"]] == ["utter_default"]
