"""The Telegram channel: webhook updates in, Bot API `sendMessage` out.

python-telegram-bot (PTB) 22 serves as a typed client and parser only; its Application/Updater
framework is not used, since the gateway owns HTTP. The Bot is never `initialize()`d: that
calls `getMe`, and a webhook must not fail because `getMe` did. Its HTTPXRequest objects
build their httpx clients when constructed, so every Bot API call works without it.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.channels.base import (
    InboundEvent,
    InboundMessage,
    InvalidRequest,
    OutboundMessage,
    SendResult,
    Unauthorized,
    WebhookRequest,
)
from bot.channels.telegram import mapping
from bot.channels.telegram.errors import send_error
from bot.channels.telegram.outbound import MAX_MESSAGE_UNITS, keyboard, split_text
from bot.channels.telegram.redaction import protect, redact
from core.logging import get_logger
from core.settings import Settings, SettingsError

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
GLOBAL_PER_SECOND = 30
PER_CHAT_PER_SECOND = 1
# https://core.telegram.org/bots/api#setwebhook
SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# The updates the bot reads; anything else is not even delivered.
ALLOWED_UPDATES = ("message", "callback_query")

log = get_logger("motcua.channels.telegram")


class TelegramChannel:
    """The `Channel` of CONTRACT §4.2. `global_rate` and `per_chat_rate` (messages per second)
    are for the delivery layer, which keeps the shared limits; this class does not wait."""

    name = mapping.NAME

    def __init__(
        self,
        *,
        token: str,
        secret_token: str,
        base_url: str = DEFAULT_BASE_URL,
        global_rate: float = GLOBAL_PER_SECOND,
        per_chat_rate: float = PER_CHAT_PER_SECOND,
        timeout: float = 10.0,
        pool_size: int = 16,
    ) -> None:
        if not token:
            raise ValueError("the Telegram bot token is empty")
        if not _SECRET.fullmatch(secret_token):
            raise ValueError(
                "the Telegram secret token must be 1-256 characters A-Z, a-z, 0-9, _ or - "
                "(the rule of setWebhook)"
            )
        protect(token)  # before the Bot is built: PTB logs its URL at construction
        self.global_rate = global_rate
        self.per_chat_rate = per_chat_rate
        self._secret = secret_token.encode()
        self._requests = (
            HTTPXRequest(
                connection_pool_size=pool_size,
                connect_timeout=5.0,
                read_timeout=timeout,
                write_timeout=timeout,
                pool_timeout=timeout,
            ),
            # getUpdates holds its connection for the whole long poll; PTB adds the poll's
            # timeout to this read timeout.
            HTTPXRequest(
                connection_pool_size=1,
                connect_timeout=5.0,
                read_timeout=timeout,
                write_timeout=timeout,
                pool_timeout=timeout,
            ),
        )
        self._bot = Bot(
            token,
            base_url=base_url,
            request=self._requests[0],
            get_updates_request=self._requests[1],
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramChannel:
        """The channel `MOTCUA_TELEGRAM_*` configure; SettingsError names a bad variable."""
        if settings.telegram_token is None or settings.telegram_secret_token is None:
            raise SettingsError(
                "MOTCUA_TELEGRAM_TOKEN and MOTCUA_TELEGRAM_SECRET_TOKEN are both required "
                "for the Telegram channel"
            )
        secret = settings.telegram_secret_token.get_secret_value()
        if not _SECRET.fullmatch(secret):
            raise SettingsError(
                "MOTCUA_TELEGRAM_SECRET_TOKEN must be 1-256 characters A-Z, a-z, 0-9, _ or -"
            )
        token = settings.telegram_token.get_secret_value()
        if not token:
            raise SettingsError("MOTCUA_TELEGRAM_TOKEN is empty")
        return cls(
            token=token,
            secret_token=secret,
            base_url=settings.telegram_api_base_url,
            global_rate=settings.telegram_messages_per_second,
        )

    def __repr__(self) -> str:  # PTB's own Bot repr shows the token: never print it
        return (
            f"TelegramChannel(global_rate={self.global_rate}, per_chat_rate={self.per_chat_rate})"
        )

    # Inbound

    async def parse(self, request: WebhookRequest) -> list[InboundEvent]:
        """A webhook update. The secret header must match (Unauthorized); the body must be a
        Telegram Update (InvalidRequest); what the bot does not read is `[]`."""
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            raise Unauthorized(f"missing header {SECRET_HEADER}")
        if not hmac.compare_digest(given.encode(), self._secret):
            raise Unauthorized(f"wrong {SECRET_HEADER}")
        return self.events_of(self.decode(request.body))

    def decode(self, body: bytes) -> Update:
        """The raw body as an Update; InvalidRequest with a one-line reason otherwise."""
        try:
            data: Any = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidRequest("body is not valid JSON") from None
        if not isinstance(data, dict):
            raise InvalidRequest("body must be a JSON object (a Telegram Update)")
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise InvalidRequest("'update_id' must be an integer")
        try:
            return Update.de_json(data, self._bot)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise InvalidRequest(
                f"not a Telegram Update ({type(exc).__name__} while reading it)"
            ) from None

    def events_of(self, update: Update) -> list[InboundEvent]:
        events = mapping.events_of(update)
        if not events:
            log.debug("telegram update ignored", update=mapping.dedupe_key(update))
        return events

    async def acknowledge(self, event: InboundEvent) -> None:
        """Answers a button press so the client stops its spinner; failures are only logged."""
        if not isinstance(event, InboundMessage) or event.callback_id is None:
            return
        if event.channel != self.name:
            return
        try:
            await self._open()
            await self._bot.answer_callback_query(event.callback_id)
        except TelegramError as exc:
            log.warning(
                "telegram answerCallbackQuery failed",
                error=type(exc).__name__,
                reason=redact(exc.message),
                update=event.message_id,
            )

    # Outbound

    def split(self, message: OutboundMessage) -> list[OutboundMessage]:
        """Parts of at most 4096 UTF-16 units, cut between paragraphs, lines or words; the
        buttons ride on the last part."""
        if not message.text:
            return [message]
        texts = split_text(message.text, limit=MAX_MESSAGE_UNITS)
        last = len(texts) - 1
        return [
            replace(message, text=text, buttons=message.buttons if i == last else ())
            for i, text in enumerate(texts)
        ]

    async def send(self, message: OutboundMessage) -> SendResult:
        """One `sendMessage` (plain text, inline keyboard one button per row)."""
        markup = keyboard(message.buttons) if message.buttons else None
        await self._open()
        try:
            sent = await self._bot.send_message(
                chat_id=message.user_id, text=message.text, reply_markup=markup
            )
        except TelegramError as exc:
            raise send_error(exc) from exc
        return SendResult(provider_message_id=str(sent.message_id))

    # Set-up and local development

    async def set_webhook(self, url: str) -> None:
        """Points Telegram at `url` with our secret token and the update types we read.
        PTB's TelegramError propagates."""
        await self._open()
        await self._bot.set_webhook(
            url, secret_token=self._secret.decode(), allowed_updates=ALLOWED_UPDATES
        )

    async def delete_webhook(self) -> None:
        """Turns webhooks off so `getUpdates` may be used (pending updates are kept).
        PTB's TelegramError propagates."""
        await self._open()
        await self._bot.delete_webhook(drop_pending_updates=False)

    async def get_updates(self, *, offset: int | None, timeout: int) -> Sequence[Update]:
        """One long poll: updates from `offset` on, waiting up to `timeout` seconds for one.
        Calling it confirms every update below `offset` to Telegram. PTB's TelegramError
        propagates."""
        await self._open()
        return await self._bot.get_updates(
            offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES
        )

    async def _open(self) -> None:
        """Reopens connection pools closed by `aclose` (a no-op while they are open); unlike
        `Bot.initialize` it does not call getMe."""
        for request in self._requests:
            await request.initialize()

    async def aclose(self) -> None:
        """Closes the HTTP connection pools (`Bot.shutdown` would skip them: it was never
        initialized). A later call opens them again."""
        for request in self._requests:
            await request.shutdown()
