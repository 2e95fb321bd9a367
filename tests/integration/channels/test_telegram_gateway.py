"""Telegram through the whole gateway (CONTRACT §4.2): updates at /webhooks/telegram with the
secret header, replies as sendMessage calls to a local fake Bot API."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.channels.telegram.fake_bot_api import FakeBotApi, ok, sent_message
from tests.conftest import LocalServer
from tests.integration.gateway_harness import Gateway, start_gateway, wait_for

TOKEN = "7000000001:AAH-fake-token-for-tests"
SECRET = "hook-secret-123"
CHAT = 5120482519


def text_update(update_id: int, text: str, chat: int = CHAT) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": chat, "is_bot": False, "first_name": "An", "language_code": "vi"},
            "chat": {"id": chat, "first_name": "An", "type": "private"},
            "date": 1730790000,
            "text": text,
        },
    }


@dataclass
class Env:
    gateway: Gateway
    api: FakeBotApi
    client: httpx.Client

    def post(
        self, update: Any, *, secret: str | None = SECRET, raw: bytes | None = None
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        content = raw if raw is not None else json.dumps(update).encode()
        return self.client.post(
            self.gateway.url + "/webhooks/telegram", content=content, headers=headers
        )

    def sent(self) -> list[dict[str, Any]]:
        return [c.params for c in self.api.calls_to("sendMessage")]


@pytest.fixture
def env(tmp_path: Path, local_server: Callable[[Any], LocalServer]) -> Iterator[Env]:
    api = FakeBotApi(token=TOKEN)
    api.url = local_server(api.app()).url
    gateway = start_gateway(
        tmp_path,
        local_server,
        telegram_token=TOKEN,
        telegram_secret_token=SECRET,
        telegram_api_base_url=api.base_url,
    )
    with httpx.Client(timeout=10) as client:
        yield Env(gateway=gateway, api=api, client=client)
    gateway.engine.dispose()
    api.verify()


def test_a_message_is_answered_through_send_message_with_an_inline_keyboard(env: Env) -> None:
    env.api.expect("sendMessage", ok(sent_message(1, CHAT, "a")), ok(sent_message(2, CHAT, "b")))
    assert env.post(text_update(100, "Lệ phí làm căn cước?")).status_code == 200
    wait_for(lambda: len(env.sent()) == 2)
    assert env.gateway.rasa.received == [
        {"sender": f"telegram:{CHAT}", "message": "Lệ phí làm căn cước?"}
    ]
    first, second = env.sent()
    assert str(first["chat_id"]) == str(CHAT)
    assert first["text"] == "Dạ, bạn nói: Lệ phí làm căn cước?"
    keyboard = second["reply_markup"]
    keyboard = json.loads(keyboard) if isinstance(keyboard, str) else keyboard
    assert keyboard["inline_keyboard"] == [[{"text": "Lệ phí", "callback_data": "/ask_fee"}]]


def test_a_button_press_is_answered_and_its_payload_goes_to_the_assistant(env: Env) -> None:
    env.api.expect("answerCallbackQuery", ok(True))
    env.api.expect("sendMessage", ok(sent_message(1, CHAT, "a")), ok(sent_message(2, CHAT, "b")))
    update = {
        "update_id": 101,
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": {"id": CHAT, "is_bot": False, "first_name": "An"},
            "chat_instance": "-8121947290434960000",
            "data": "/ask_fee",
            "message": {
                "message_id": 7,
                "from": {"id": 7000000001, "is_bot": True, "first_name": "Một Cửa"},
                "chat": {"id": CHAT, "first_name": "An", "type": "private"},
                "date": 1730790000,
                "text": "Chọn một mục:",
            },
        },
    }
    assert env.post(update).status_code == 200
    wait_for(lambda: len(env.sent()) == 2 and env.api.calls_to("answerCallbackQuery"))
    assert env.gateway.rasa.received[-1]["message"] == "/ask_fee"


def test_start_is_greeted(env: Env) -> None:
    env.api.expect("sendMessage", ok(sent_message(1, CHAT, "a")), ok(sent_message(2, CHAT, "b")))
    assert env.post(text_update(102, "/start")).status_code == 200
    wait_for(lambda: len(env.sent()) == 2)
    assert env.gateway.rasa.received == [{"sender": f"telegram:{CHAT}", "message": "/greet"}]


def test_a_redelivered_update_is_not_answered_twice(env: Env) -> None:
    env.api.expect("sendMessage", ok(sent_message(1, CHAT, "a")), ok(sent_message(2, CHAT, "b")))
    for _ in range(3):
        assert env.post(text_update(103, "xin chào")).status_code == 200
    wait_for(lambda: len(env.sent()) == 2)
    assert len(env.gateway.rasa.received) == 1
    assert env.gateway.inbox_count() == 1


@pytest.mark.parametrize(
    ("secret", "raw", "status"),
    [
        (None, None, 401),
        ("wrong-secret", None, 401),
        (SECRET, b"{oops", 400),
        (SECRET, b'{"message": {}}', 400),
        (SECRET, b"[]", 400),
    ],
)
def test_forged_and_malformed_updates_change_nothing(
    env: Env, secret: str | None, raw: bytes | None, status: int
) -> None:
    assert env.post(text_update(104, "xin chào"), secret=secret, raw=raw).status_code == status
    assert env.gateway.inbox_count() == 0
    assert env.gateway.rasa.received == []


def test_rate_limited_send_is_retried_after_telegrams_wait(env: Env) -> None:
    from tests.channels.telegram.fake_bot_api import error

    env.api.expect(
        "sendMessage",
        error(429, "Too Many Requests: retry after 1", {"retry_after": 1}),
        ok(sent_message(1, CHAT, "a")),
        ok(sent_message(2, CHAT, "b")),
    )
    env.post(text_update(105, "xin chào"))
    wait_for(lambda: len(env.sent()) == 3, timeout=15)
    assert env.sent()[1]["text"] == env.sent()[0]["text"]
    wait_for(lambda: env.gateway.outbox_states() == [("telegram", "sent")] * 2, timeout=15)


def test_long_polling_answers_like_the_webhook(
    tmp_path: Path, local_server: Callable[[Any], LocalServer]
) -> None:
    api = FakeBotApi(token=TOKEN)
    api.url = local_server(api.app()).url
    api.expect("deleteWebhook", ok(True))
    api.expect("getUpdates", ok([text_update(200, "xin chào")]))
    api.expect("sendMessage", ok(sent_message(1, CHAT, "a")), ok(sent_message(2, CHAT, "b")))
    gateway = start_gateway(
        tmp_path,
        local_server,
        telegram_token=TOKEN,
        telegram_secret_token=SECRET,
        telegram_api_base_url=api.base_url,
        telegram_polling=True,
    )
    wait_for(lambda: len(api.calls_to("sendMessage")) == 2)
    assert gateway.rasa.received == [{"sender": f"telegram:{CHAT}", "message": "xin chào"}]
    assert gateway.inbox_count() == 1
    gateway.engine.dispose()
