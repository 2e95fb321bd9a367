"""Zalo OA through the whole gateway (CONTRACT §4.3): signed events at /webhooks/zalo, replies
through the OA message API of a local fake, tokens rotated and kept in the database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from core.messaging.identities import Identities
from core.messaging.tables import OAuthToken
from tests.channels.zalo.conftest import APP_ID, OA_SECRET_KEY, SECRET_KEY, USER_ID, sign
from tests.channels.zalo.fake_zalo import CS, OAUTH, FakeZalo
from tests.conftest import LocalServer
from tests.integration.gateway_harness import Gateway, start_gateway, wait_for

FIXTURES = Path(__file__).parents[2] / "channels" / "zalo" / "fixtures" / "events"


def event(name: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    data.update(changes)
    return data


@dataclass
class Env:
    gateway: Gateway
    fake: FakeZalo
    client: httpx.Client

    def post(
        self, body: dict[str, Any] | None, *, raw: bytes | None = None, signature: str | None = None
    ) -> httpx.Response:
        content = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        timestamp = str((body or {}).get("timestamp", ""))
        header = signature if signature is not None else sign(content, timestamp=timestamp)
        return self.client.post(
            self.gateway.url + "/webhooks/zalo",
            content=content,
            headers={"Content-Type": "application/json", "X-ZEvent-Signature": header},
        )

    def replies(self) -> list[dict[str, Any]]:
        return [c.json for c in self.fake.calls_to(CS)]


@pytest.fixture
def env(tmp_path: Path, local_server: Callable[[Any], LocalServer]) -> Iterator[Env]:
    fake = FakeZalo(
        app_id=APP_ID, secret_key=SECRET_KEY, access_tokens=set(), refresh_tokens={"refresh-0"}
    )
    fake.url = local_server(fake.app).url
    gateway = start_gateway(
        tmp_path,
        local_server,
        zalo_app_id=APP_ID,
        zalo_secret_key=SECRET_KEY,
        zalo_oa_secret_key=OA_SECRET_KEY,
        zalo_access_token="access-stale",
        zalo_refresh_token="refresh-0",
        zalo_api_base_url=fake.url,
        zalo_oauth_base_url=fake.url,
        zalo_business_base_url=fake.url,
    )
    with httpx.Client(timeout=10) as client:
        yield Env(gateway=gateway, fake=fake, client=client)
    gateway.engine.dispose()


def test_a_text_is_answered_through_the_oa_api_after_one_token_refresh(env: Env) -> None:
    assert env.post(event("user_send_text")).status_code == 200
    wait_for(lambda: sum(1 for r in env.replies() if r) >= 3)
    assert env.gateway.rasa.received[0]["sender"] == f"zalo:{USER_ID}"
    # the stale token is refused once, refreshed once, and the new pair is in the database
    assert len(env.fake.calls_to(OAUTH)) == 1
    with Session(env.gateway.engine) as session:
        stored = session.get(OAuthToken, "zalo")
        assert stored is not None
        assert (stored.access_token, stored.refresh_token) == ("access-1", "refresh-1")
    texts = [r["message"]["text"] for r in env.replies()]
    assert texts[-2].startswith("Dạ, bạn nói: ")
    buttons = env.replies()[-1]["message"]["attachment"]["payload"]["buttons"]
    assert [(b["title"], b["payload"]) for b in buttons] == [("Lệ phí", "/ask_fee")]
    assert {r["recipient"]["user_id"] for r in env.replies()} == {USER_ID}


def test_follow_is_welcomed(env: Env) -> None:
    assert env.post(event("follow")).status_code == 200
    wait_for(lambda: env.gateway.rasa.received)
    assert env.gateway.rasa.received[0]["message"] == "/greet"


def test_a_shared_phone_links_the_zalo_user_to_that_phone(env: Env) -> None:
    assert env.post(event("user_submit_info")).status_code == 200
    identities = Identities(env.gateway.engine)
    wait_for(lambda: identities.linked_phone(f"zalo:{USER_ID}") == "+84912345678")
    wait_for(
        lambda: any("đã ghi nhận số điện thoại" in r["message"]["text"] for r in env.replies() if r)
    )
    assert all("912345678" not in r["message"]["text"] for r in env.replies())


def test_a_redelivered_event_is_not_answered_twice(env: Env) -> None:
    body = event("user_send_text")
    for _ in range(3):
        assert env.post(body).status_code == 200
    wait_for(lambda: len(env.gateway.rasa.received) == 1)
    assert env.gateway.inbox_count() == 1


@pytest.mark.parametrize("name", ["oa_send_text", "user_seen_message", "user_received_message"])
def test_echo_and_receipt_events_are_acknowledged_and_ignored(env: Env, name: str) -> None:
    assert env.post(event(name)).status_code == 200
    assert env.gateway.inbox_count() == 0


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"signature": "mac=" + "0" * 64}, 401),
        ({"signature": ""}, 401),
        ({"body": event("wrong_app_id")}, 401),
        ({"raw": b"{not json"}, 400),
    ],
)
def test_forged_and_malformed_events_change_nothing(
    env: Env, change: dict[str, Any], status: int
) -> None:
    body = change.get("body", event("user_send_text"))
    raw = change.get("raw")
    signature = change.get("signature")
    if raw is not None:
        signature = sign(raw, timestamp="")
    response = env.post(body, raw=raw, signature=signature)
    assert response.status_code == status
    assert env.gateway.inbox_count() == 0
    assert env.gateway.rasa.received == []


def test_no_token_secret_phone_or_name_reaches_the_logs(
    env: Env, capfd: pytest.CaptureFixture[str]
) -> None:
    env.post(event("user_submit_info"))
    env.post(event("user_send_text"))
    env.post(event("user_send_text"), signature="mac=" + "1" * 64)
    wait_for(lambda: len(env.gateway.rasa.received) >= 1 and len(env.replies()) >= 3)
    out = capfd.readouterr()
    logs = out.out + out.err
    assert "webhook refused" in logs  # the logs were captured
    assert "phone linked" in logs
    for secret in (
        SECRET_KEY,
        OA_SECRET_KEY,
        "access-stale",
        "access-1",
        "refresh-0",
        "refresh-1",
        "912345678",
        "0912345678",
        "Nguyễn Văn An",
        "Nguyen Van An",
    ):
        assert secret not in logs, secret
