"""The conversation router: every inbound message of every channel passes here.

It hands the message to Rasa with a sender that names channel and user, and turns Rasa's
answer into outbound messages. When Rasa is down, slow or silent the citizen still gets a
polite answer, and the failure is logged and counted.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.base import Button, InboundMessage, OutboundMessage
from bot.metrics import MESSAGES, RASA_FAILURES, TURN_SECONDS
from bot.rasa import RasaClient, RasaUnavailable
from core.logging import get_logger

log = get_logger("motcua.router")

EMPTY_MESSAGE_REPLY = 'Dạ, ông/bà vui lòng nhập câu hỏi, ví dụ: "làm căn cước cần giấy tờ gì".'


def busy_reply(hotline: str) -> str:
    text = "Dạ, xin lỗi ông/bà, hệ thống đang bận. Ông/bà vui lòng thử lại sau ít phút"
    return text + (f" hoặc gọi hotline {hotline}." if hotline else ".")


# Called when an action asks for a human (a reply carrying `{"handoff": {...}}`): opens the
# ticket and returns any extra messages for the citizen.
HandoffHook = Callable[[InboundMessage, dict[str, Any]], Awaitable[list[OutboundMessage]]]


class ConversationRouter:
    def __init__(self, rasa: RasaClient, *, hotline: str = "") -> None:
        self.rasa = rasa
        self.hotline = hotline
        self.handoff_hook: HandoffHook | None = None

    async def handle(self, message: InboundMessage) -> list[OutboundMessage]:
        started = time.perf_counter()
        MESSAGES.labels(message.channel, "in").inc()
        if not message.text:
            replies = [self._reply(message, EMPTY_MESSAGE_REPLY)]
        else:
            replies = await self._ask_rasa(message)
        MESSAGES.labels(message.channel, "out").inc(len(replies))
        TURN_SECONDS.labels(message.channel).observe(time.perf_counter() - started)
        return replies

    async def _ask_rasa(self, message: InboundMessage) -> list[OutboundMessage]:
        try:
            answers = await self.rasa.send(message.sender, message.text)
        except RasaUnavailable as exc:
            RASA_FAILURES.labels(_reason(str(exc))).inc()
            log.warning(
                "rasa unavailable, answered with the busy message",
                channel=message.channel,
                reason=str(exc),
            )
            return [self._reply(message, busy_reply(self.hotline))]
        replies = [self._reply(message, a.text, a.buttons) for a in answers if a.text or a.buttons]
        for answer in answers:
            handoff = (answer.custom or {}).get("handoff")
            if isinstance(handoff, dict) and self.handoff_hook is not None:
                try:
                    replies.extend(await self.handoff_hook(message, handoff))
                except Exception:
                    log.exception("could not open a handoff ticket", channel=message.channel)
        return replies

    @staticmethod
    def _reply(
        message: InboundMessage, text: str, buttons: tuple[Button, ...] = ()
    ) -> OutboundMessage:
        return OutboundMessage(
            channel=message.channel, user_id=message.user_id, text=text, buttons=buttons
        )


def _reason(detail: str) -> str:
    for key in ("timed out", "unreachable", "no reply", "HTTP", "invalid", "list"):
        if key in detail:
            return key.replace(" ", "_").lower()
    return "other"
