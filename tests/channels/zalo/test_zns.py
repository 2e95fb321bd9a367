"""ZNS template messages through the fake Zalo business API."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx
import pytest

from bot.channels.base import OutboundMessage, SendError, Template
from tests.channels.zalo.conftest import Rig, build_rig, fresh_pair
from tests.channels.zalo.fake_zalo import OAUTH, ZNS, FakeZalo

NOTICE = OutboundMessage(
    channel="zns",
    user_id="+84912345678",
    text="",
    template=Template(
        "248079",
        (("dossier_code", "000.00.12.H49-241105-0012"), ("office", "Bộ phận Một cửa phường")),
    ),
    idempotency_key="outbox-42",
)


async def test_template_message_has_zalo_shape(rig: Rig) -> None:
    result = await rig.zns.send(NOTICE)
    [call] = rig.fake.calls_to(ZNS)
    assert call.headers["access_token"] == "access-0"
    assert call.json == {
        "phone": "84912345678",
        "template_id": "248079",
        "template_data": {
            "dossier_code": "000.00.12.H49-241105-0012",
            "office": "Bộ phận Một cửa phường",
        },
        "tracking_id": "outbox-42",
    }
    assert result.provider_message_id == "a4d0243feee163bd0001"


@pytest.mark.parametrize("phone", ["0912 345 678", "84912345678", "+84 912.345.678"])
async def test_any_common_phone_form_goes_out_as_84(rig: Rig, phone: str) -> None:
    await rig.zns.send(replace(NOTICE, user_id=phone))
    assert rig.fake.calls_to(ZNS)[0].json["phone"] == "84912345678"


async def test_an_invalid_token_is_refreshed_once(
    fake_zalo: FakeZalo, http: httpx.AsyncClient
) -> None:
    fake_zalo.valid_access.clear()
    rig = build_rig(fake_zalo, http, stored=fresh_pair())
    await rig.zns.send(NOTICE)
    assert [c.headers["access_token"] for c in fake_zalo.calls_to(ZNS)] == ["access-0", "access-1"]
    assert len(fake_zalo.calls_to(OAUTH)) == 1


REFUSED_BEFORE_ANY_CALL = [
    ("no template", replace(NOTICE, template=None), "template"),
    ("no idempotency key", replace(NOTICE, idempotency_key=None), "idempotency key"),
    ("idempotency key too long", replace(NOTICE, idempotency_key="k" * 49), "idempotency key"),
    ("not a phone", replace(NOTICE, user_id="2468458835296197922"), "mobile number"),
    ("foreign phone", replace(NOTICE, user_id="+14155550123"), "mobile number"),
]


@pytest.mark.parametrize(
    ("name", "message", "reason"),
    REFUSED_BEFORE_ANY_CALL,
    ids=[c[0] for c in REFUSED_BEFORE_ANY_CALL],
)
async def test_refused_before_any_call(
    rig: Rig, name: str, message: OutboundMessage, reason: str
) -> None:
    with pytest.raises(SendError) as caught:
        await rig.zns.send(message)
    assert not caught.value.retryable
    assert reason in str(caught.value)
    assert rig.fake.calls == []


# 2024-11-05 05:00 in Vietnam: a night-time refusal waits one hour
EARLY = datetime(2024, 11, 4, 22, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Failure:
    name: str
    code: int
    message: str
    retryable: bool
    reason: str
    retry_after: float | None = None


UNREACHABLE = "recipient unreachable"
FAILURES = [
    Failure("user cannot receive ZNS", -118, "Zalo account not existed", False, UNREACHABLE),
    Failure("user refused this OA", -141, "User refused ZNS from this OA", False, UNREACHABLE),
    Failure("phone invalid", -108, "Phone number invalid", False, "zalo error -108"),
    Failure("missing parameter", -1122, "Missing template parameter", False, "-1122"),
    Failure("template not approved", -131, "ZNS template not approved", False, "-131"),
    Failure("night", -133, "Cannot send at night", True, "-133", 3600.0),
    Failure("daily quota", -144, "OA exceeded daily sending limit", True, "-144", 3600.0),
    Failure("unknown error", -100, "Unknown error", True, "-100", 60.0),
]


@pytest.mark.parametrize("failure", FAILURES, ids=[f.name for f in FAILURES])
async def test_failures(failure: Failure, fake_zalo: FakeZalo, http: httpx.AsyncClient) -> None:
    rig = build_rig(fake_zalo, http, stored=fresh_pair(), clock=lambda: EARLY)
    fake_zalo.script(ZNS, {"error": failure.code, "message": failure.message})
    with pytest.raises(SendError) as caught:
        await rig.zns.send(NOTICE)
    assert (caught.value.retryable, caught.value.retry_after) == (
        failure.retryable,
        failure.retry_after,
    )
    assert failure.reason in str(caught.value)
    assert len(fake_zalo.calls_to(ZNS)) == 1


def test_split_keeps_a_template_whole(rig: Rig) -> None:
    assert rig.zns.split(NOTICE) == [NOTICE]
