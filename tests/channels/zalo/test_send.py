"""Sending consultation messages through the fake Zalo server, and what each failure becomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.channels.base import Button, OutboundMessage, SendError
from bot.channels.zalo.errors import ERROR_POLICY
from tests.channels.zalo.conftest import USER_ID, Rig, build_rig, fresh_pair
from tests.channels.zalo.fake_zalo import CS, OAUTH, FakeZalo
from tests.conftest import free_port

REPLY = "Dạ, hồ sơ của anh/chị đang được giải quyết."


def _message(text: str = REPLY, **kw: Any) -> OutboundMessage:
    return OutboundMessage(channel="zalo", user_id=USER_ID, text=text, **kw)


async def test_text_message_has_zalo_shape(rig: Rig) -> None:
    result = await rig.zalo.send(_message())
    [call] = rig.fake.calls_to(CS)
    assert call.headers["access_token"] == "access-0"
    assert "authorization" not in call.headers
    assert call.json == {
        "recipient": {"user_id": USER_ID},
        "message": {"text": "Dạ, hồ sơ của anh/chị đang được giải quyết."},
    }
    assert result.provider_message_id == "6a8f3e2b1c0d9e8f0001"


async def test_buttons_are_a_template_attachment(rig: Rig) -> None:
    buttons = (Button("Tra cứu hồ sơ", "/check_dossier_status"), Button("Gặp cán bộ", "/human"))
    await rig.zalo.send(_message("Dạ, anh/chị cần gì ạ?", buttons=buttons))
    [call] = rig.fake.calls_to(CS)
    assert call.json["message"] == {
        "text": "Dạ, anh/chị cần gì ạ?",
        "attachment": {
            "type": "template",
            "payload": {
                "buttons": [
                    {
                        "title": "Tra cứu hồ sơ",
                        "type": "oa.query.show",
                        "payload": "/check_dossier_status",
                    },
                    {"title": "Gặp cán bộ", "type": "oa.query.show", "payload": "/human"},
                ]
            },
        },
    }


async def test_at_most_five_buttons_and_titles_are_clipped(rig: Rig) -> None:
    buttons = tuple(Button(f"Lựa chọn {i} " + "x" * 120, f"/choice_{i}") for i in range(7))
    await rig.zalo.send(_message(buttons=buttons))
    sent = rig.fake.calls_to(CS)[0].json["message"]["attachment"]["payload"]["buttons"]
    assert [b["payload"] for b in sent] == [f"/choice_{i}" for i in range(5)]
    assert all(len(b["title"]) == 100 and b["title"].endswith("…") for b in sent)


async def test_too_long_text_is_refused_before_any_call(rig: Rig) -> None:
    with pytest.raises(SendError) as caught:
        await rig.zalo.send(_message("a" * 2001))
    assert not caught.value.retryable
    assert rig.fake.calls_to(CS) == []


# --- what each answer becomes: one table -------------------------------------------------
# 2024-11-05 23:00 in Vietnam: a night-time refusal waits until 06:00, 7 hours later
NIGHT = datetime(2024, 11, 5, 16, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Failure:
    name: str
    status: int
    body: Any
    retryable: bool
    reason: str
    retry_after: float | None = None
    headers: tuple[tuple[str, str], ...] = ()


FAILURES = [
    Failure(
        "outside the 7-day window",
        200,
        {"error": -230, "message": "User has not interacted with the OA in the past 7 days"},
        False,
        "outside window: zalo error -230",
    ),
    Failure(
        "not a follower",
        200,
        {"error": -213, "message": "User has not followed OA"},
        False,
        "outside window: zalo error -213",
    ),
    Failure(
        "interaction expired",
        200,
        {"error": -232, "message": "User has not interacted or last interaction expired"},
        False,
        "outside window",
    ),
    Failure(
        "rate limited",
        200,
        {"error": -32, "message": "Your application reached limit call api"},
        True,
        "zalo error -32",
        60.0,
    ),
    Failure(
        "invalid parameter",
        200,
        {"error": -201, "message": "user_id is invalid!"},
        False,
        "zalo error -201",
    ),
    Failure(
        "user inactive on Zalo",
        200,
        {"error": -227, "message": "User is banned or has been inactive for more than 45 days"},
        False,
        "recipient unreachable",
    ),
    Failure(
        "night-time ban",
        200,
        {"error": -234, "message": "This message cannot be sent at night (10:00PM - 6:00AM)"},
        True,
        "zalo error -234",
        7 * 3600.0,
    ),
    Failure("unknown code", 200, {"error": -9999, "message": "Something new"}, False, "-9999"),
    Failure("error as a string", 200, {"error": "-32", "message": "limit"}, True, "-32", 60.0),
    Failure("HTTP 500", 500, {"error": -1, "message": "internal"}, True, "HTTP 500"),
    Failure("HTTP 502 from a proxy", 502, "<html>Bad Gateway</html>", True, "HTTP 502"),
    Failure("HTTP 429", 429, {}, True, "HTTP 429", 7.0, (("Retry-After", "7"),)),
    Failure("HTTP 404", 404, {"error": -1}, False, "HTTP 404"),
    Failure("HTML with status 200", 200, "<html>maintenance</html>", True, "not JSON"),
    Failure("JSON that is no object", 200, [1, 2], True, "not an object"),
]


@pytest.mark.parametrize("failure", FAILURES, ids=[f.name for f in FAILURES])
async def test_failures(failure: Failure, fake_zalo: FakeZalo, http: httpx.AsyncClient) -> None:
    rig = build_rig(fake_zalo, http, stored=fresh_pair(), clock=lambda: NIGHT)
    fake_zalo.script(CS, failure.body, status=failure.status, **dict(failure.headers))
    with pytest.raises(SendError) as caught:
        await rig.zalo.send(_message())
    error = caught.value
    assert (error.retryable, error.retry_after) == (failure.retryable, failure.retry_after)
    assert failure.reason in str(error)
    assert str(error).startswith("outside window") == ("outside window" in failure.reason)
    assert len(fake_zalo.calls_to(CS)) == 1
    assert fake_zalo.calls_to(OAUTH) == []


def test_every_refresh_code_is_in_the_table() -> None:
    assert {code for code, p in ERROR_POLICY.items() if p.action == "refresh"} == {
        -216,
        -220,
        -124,
    }
    assert ERROR_POLICY[-230].action == ERROR_POLICY[-213].action == "outside_window"


async def test_token_refused_twice_is_retryable_later(rig: Rig) -> None:
    rig.fake.script(CS, {"error": -216, "message": "Access token is invalid"})
    rig.fake.script(CS, {"error": -220, "message": "access_token is expired or removed"})
    with pytest.raises(SendError) as caught:
        await rig.zalo.send(_message())
    assert caught.value.retryable
    assert caught.value.retry_after == 60.0
    assert [c.headers["access_token"] for c in rig.fake.calls_to(CS)] == ["access-0", "access-1"]
    assert len(rig.fake.calls_to(OAUTH)) == 1


async def test_network_failure_is_retryable(fake_zalo: FakeZalo, http: httpx.AsyncClient) -> None:
    rig = build_rig(
        fake_zalo, http, stored=fresh_pair(), api_base_url=f"http://127.0.0.1:{free_port()}"
    )
    with pytest.raises(SendError) as caught:
        await rig.zalo.send(_message())
    assert caught.value.retryable
    assert "unreachable" in str(caught.value)


async def test_no_tokens_at_all_is_not_retryable(
    fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    rig = build_rig(fake_zalo, http)
    with pytest.raises(SendError) as caught:
        await rig.zalo.send(_message())
    assert not caught.value.retryable
    assert "MOTCUA_ZALO_ACCESS_TOKEN" in str(caught.value)
    assert fake_zalo.calls == []
