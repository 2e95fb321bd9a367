"""The Zalo channels behind the `Channel` seam: OA chat (`zalo`) and ZNS templates (`zns`).

`ZaloChannel` reads OA webhook events (`POST /webhooks/zalo`, signed with
`X-ZEvent-Signature`) and replies with consultation messages; `ZnsChannel` sends approved
templates to a phone number when the user is outside the OA's reply window. Both draw their
access token from one `TokenManager`: build the ZNS channel with `tokens=zalo.tokens`, or over
the same store object (managers over one store share their in-process lock).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Final

import httpx

from bot.channels.base import (
    Follow,
    InboundEvent,
    InboundMessage,
    InvalidRequest,
    OutboundMessage,
    PhoneShared,
    SendError,
    SendResult,
    Unauthorized,
    WebhookRequest,
)
from bot.channels.client import provider_client
from bot.channels.zalo import oa, zns
from bot.channels.zalo.errors import (
    AccessTokenError,
    OutsideWindow,
    RecipientUnreachable,
    TokenRefreshError,
    TokenUnavailable,
    ZaloAPIError,
    ZaloError,
    utcnow,
)
from bot.channels.zalo.events import FollowEvent, UserSendText, UserSubmitInfo, validate
from bot.channels.zalo.signature import HEADER, verify_signature
from bot.channels.zalo.tokens import AsyncLock, TokenManager, TokenPair, TokenStore
from core.dossiers.model import normalize_phone
from core.logging import get_logger
from core.settings import Settings, SettingsError

log = get_logger("motcua.channels.zalo")

# Zalo's documented limit for the OA API: 4,000 requests per minute per app.
ZALO_REQUESTS_PER_MINUTE: Final = 4000
# An OA may answer freely for 48 hours after the user's last message (for a fee up to 7 days).
FREE_REPLY_WINDOW: Final = timedelta(hours=48)
# The configured first access token's lifetime is unknown: it is renewed within this time.
INITIAL_TOKEN_LIFETIME: Final = timedelta(hours=1)
HTTP_TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
# An access token refused again right after a refresh: try again a little later.
TOKEN_RETRY_SECONDS: Final = 60.0


def _nfc(text: str) -> str:
    """Outbound text in NFC, exactly as written otherwise (typographic quotes stay)."""
    return unicodedata.normalize("NFC", text)


def split_text(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at a paragraph break, else a line
    break, else a space; a word longer than `limit` is the only thing ever cut."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]  # a break right after the limit still makes a clean cut
        cut = -1
        for separator in ("\n\n", "\n"):
            at = window.rfind(separator)
            if at >= limit // 2:
                cut = at
                break
        if cut < 0:
            cut = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
        if cut <= 0:
            cut = limit
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            parts.append(head)
    if rest or not parts:
        parts.append(rest)
    return parts


def send_error(exc: ZaloError) -> SendError:
    """The `SendError` the delivery layer acts on. Outside the reply window the reason starts
    with "outside window" and the delivery falls back to ZNS or SMS."""
    if isinstance(exc, OutsideWindow):
        return SendError(f"outside window: {exc}", retryable=False)
    if isinstance(exc, RecipientUnreachable):
        return SendError(f"recipient unreachable: {exc}", retryable=False)
    if isinstance(exc, TokenRefreshError):
        return SendError(
            f"zalo refused the token refresh; an OA admin must grant access again: {exc}",
            retryable=False,
        )
    if isinstance(exc, AccessTokenError):
        return SendError(
            f"access token refused after a refresh: {exc}",
            retryable=True,
            retry_after=TOKEN_RETRY_SECONDS,
        )
    if isinstance(exc, TokenUnavailable):
        return SendError(str(exc), retryable=False)
    return SendError(str(exc), retryable=exc.retryable, retry_after=exc.retry_after)


def _log_failure(channel: str, exc: ZaloError) -> None:
    code = exc.code if isinstance(exc, ZaloAPIError) else None
    # outside the reply window is the ordinary way to the ZNS/SMS fallback, not a problem
    level = log.info if isinstance(exc, OutsideWindow) else log.warning
    level(
        "zalo send failed",
        channel=channel,
        code=code,
        kind=type(exc).__name__,
        retryable=exc.retryable,
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _require(value: str | None, variable: str) -> str:
    if not value:
        raise SettingsError(f"{variable} is required when the Zalo channels are on")
    return value


@dataclass(frozen=True, slots=True)
class _TokenSettings:
    app_id: str
    secret_key: str
    oauth_base_url: str
    initial: TokenPair | None

    def __repr__(self) -> str:
        return f"_TokenSettings(app_id={self.app_id!r})"


def _token_settings(settings: Settings) -> _TokenSettings:
    app_id = _require(settings.zalo_app_id, "MOTCUA_ZALO_APP_ID")
    secret = settings.zalo_secret_key
    secret_key = _require(secret.get_secret_value() if secret else None, "MOTCUA_ZALO_SECRET_KEY")
    access, refresh = settings.zalo_access_token, settings.zalo_refresh_token
    if (access is None) != (refresh is None):
        raise SettingsError(
            "MOTCUA_ZALO_ACCESS_TOKEN and MOTCUA_ZALO_REFRESH_TOKEN are set together or not at all"
        )
    initial = None
    if access is not None and refresh is not None:
        initial = TokenPair(
            access_token=access.get_secret_value(),
            refresh_token=refresh.get_secret_value(),
            expires_at=utcnow() + INITIAL_TOKEN_LIFETIME,
        )
    return _TokenSettings(app_id, secret_key, settings.zalo_oauth_base_url, initial)


def token_manager_from_settings(
    settings: Settings,
    *,
    store: TokenStore,
    http: httpx.AsyncClient,
    lock: AsyncLock | None = None,
) -> TokenManager:
    """The OA's `TokenManager`: MOTCUA_ZALO_APP_ID and MOTCUA_ZALO_SECRET_KEY refresh it;
    MOTCUA_ZALO_ACCESS_TOKEN / MOTCUA_ZALO_REFRESH_TOKEN seed an empty store."""
    config = _token_settings(settings)
    return _manager(config, store=store, http=http, lock=lock)


def _manager(
    config: _TokenSettings, *, store: TokenStore, http: httpx.AsyncClient, lock: AsyncLock | None
) -> TokenManager:
    return TokenManager(
        store,
        app_id=config.app_id,
        secret_key=config.secret_key,
        oauth_base_url=config.oauth_base_url,
        initial=config.initial,
        http=http,
        lock=lock,
    )


def _http_and_tokens(
    settings: Settings,
    *,
    store: TokenStore,
    tokens: TokenManager | None,
    lock: AsyncLock | None,
) -> tuple[httpx.AsyncClient, TokenManager]:
    """A new HTTP client for a channel, and its token manager (`tokens`, or a new one over
    `store`). Settings are checked before the client is opened."""
    if tokens is not None:
        return provider_client(timeout=HTTP_TIMEOUT), tokens
    config = _token_settings(settings)
    http = provider_client(timeout=HTTP_TIMEOUT)
    return http, _manager(config, store=store, http=http, lock=lock)


class _ZaloAdapter:
    """What the OA and the ZNS adapters share: no acknowledgement, and the HTTP client they
    own (when none was given) closed with them."""

    _owned_http: httpx.AsyncClient | None = None

    async def acknowledge(self, event: InboundEvent) -> None:
        return None

    async def aclose(self) -> None:
        if self._owned_http is not None:
            await self._owned_http.aclose()


class ZaloChannel(_ZaloAdapter):
    """Zalo OA chat. `user_id` is the user's id for this OA (`sender.id` of their events)."""

    name = "zalo"

    def __init__(
        self,
        *,
        app_id: str,
        oa_secret_key: str,
        client: oa.Client,
        tokens: TokenManager | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        """`http`, when given, is closed by `aclose` (the channel owns it)."""
        self._app_id = app_id
        self._oa_secret_key = oa_secret_key
        self.client = client
        self.tokens = tokens
        self._owned_http = http

    def __repr__(self) -> str:
        return f"ZaloChannel(app_id={self._app_id!r})"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        token_store: TokenStore,
        tokens: TokenManager | None = None,
        lock: AsyncLock | None = None,
    ) -> ZaloChannel:
        app_id = _require(settings.zalo_app_id, "MOTCUA_ZALO_APP_ID")
        oa_secret = settings.zalo_oa_secret_key
        oa_secret_key = _require(
            oa_secret.get_secret_value() if oa_secret else None, "MOTCUA_ZALO_OA_SECRET_KEY"
        )
        http, manager = _http_and_tokens(settings, store=token_store, tokens=tokens, lock=lock)
        client = oa.Client(http, tokens=manager, api_base_url=settings.zalo_api_base_url)
        return cls(
            app_id=app_id, oa_secret_key=oa_secret_key, client=client, tokens=manager, http=http
        )

    async def parse(self, request: WebhookRequest) -> list[InboundEvent]:
        header = request.headers.get(HEADER)
        if not header:
            raise Unauthorized("missing X-ZEvent-Signature")
        try:
            data: Any = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidRequest("body is not valid JSON") from None
        if not isinstance(data, dict):
            raise InvalidRequest("body must be a JSON object")
        for key in ("app_id", "timestamp", "event_name"):
            if not isinstance(data.get(key), str):
                raise InvalidRequest(f"'{key}' must be a string")
        if data["app_id"] != self._app_id:
            raise Unauthorized("app_id is not this app's")
        if not verify_signature(
            header,
            app_id=self._app_id,
            raw_body=request.body,
            timestamp=data["timestamp"],
            oa_secret_key=self._oa_secret_key,
        ):
            raise Unauthorized("X-ZEvent-Signature does not match")
        event_name: str = data["event_name"]
        if event_name == "user_send_text":
            return self._text(validate(UserSendText, data))
        if event_name == "follow":
            follow = validate(FollowEvent, data)
            user_id = follow.user_id
            return [
                Follow(
                    channel=self.name,
                    user_id=user_id,
                    event_id=f"follow:{user_id}:{follow.timestamp}",
                )
            ]
        if event_name == "user_submit_info":
            return self._phone(validate(UserSubmitInfo, data))
        log.debug("zalo event ignored", event_name=event_name)
        return []

    def _text(self, event: UserSendText) -> list[InboundEvent]:
        message = InboundMessage(
            channel=self.name,
            user_id=event.sender.id,
            text=event.message.text,
            message_id=event.message.msg_id,
        )
        return [message] if message.text else []

    def _phone(self, event: UserSubmitInfo) -> list[InboundEvent]:
        if event.info.phone is None:
            log.info("zalo phone share ignored", reason="no phone in the shared info")
            return []
        try:
            phone = normalize_phone(event.info.phone)
        except ValueError:
            log.info("zalo phone share ignored", reason="not a Vietnamese mobile number")
            return []
        return [
            PhoneShared(
                channel=self.name,
                user_id=event.sender.id,
                phone=phone,
                event_id=f"user_submit_info:{event.sender.id}:{event.timestamp}",
            )
        ]

    def split(self, message: OutboundMessage) -> list[OutboundMessage]:
        """Parts of at most 2,000 characters (Zalo's limit for a consultation text), cut
        between words; the buttons go with the last part."""
        parts = split_text(_nfc(message.text), oa.MAX_TEXT_CHARS)
        last = len(parts) - 1
        return [
            replace(message, text=part, buttons=message.buttons if i == last else ())
            for i, part in enumerate(parts)
        ]

    async def send(self, message: OutboundMessage) -> SendResult:
        text = _nfc(message.text)
        if len(text) > oa.MAX_TEXT_CHARS:
            raise SendError(
                f"text longer than {oa.MAX_TEXT_CHARS} characters: split it first",
                retryable=False,
            )
        zalo_message: oa.Message = oa.TextMessage(text)
        if message.buttons:
            if len(message.buttons) > oa.MAX_BUTTONS:
                log.warning("zalo buttons dropped", kept=oa.MAX_BUTTONS, given=len(message.buttons))
            zalo_message = oa.TemplateButtonsMessage(
                text,
                tuple(
                    oa.QueryButton(
                        title=_clip(_nfc(button.title), oa.MAX_BUTTON_TITLE_CHARS),
                        payload=_clip(_nfc(button.payload), oa.MAX_BUTTON_PAYLOAD_CHARS),
                    )
                    for button in message.buttons[: oa.MAX_BUTTONS]
                ),
            )
        try:
            result = await self.client.send_message(message.user_id, zalo_message)
        except ZaloError as exc:
            _log_failure(self.name, exc)
            raise send_error(exc) from exc
        return SendResult(provider_message_id=result.message_id)


class ZnsChannel(_ZaloAdapter):
    """ZNS template messages. `user_id` is the phone (`+84…`); `message.template` is
    required and `message.idempotency_key` becomes the `tracking_id`."""

    name = "zns"

    def __init__(self, *, client: zns.Client, http: httpx.AsyncClient | None = None) -> None:
        """`http`, when given, is closed by `aclose` (the channel owns it)."""
        self.client = client
        self._owned_http = http

    def __repr__(self) -> str:
        return "ZnsChannel()"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        token_store: TokenStore,
        tokens: TokenManager | None = None,
        lock: AsyncLock | None = None,
    ) -> ZnsChannel:
        http, manager = _http_and_tokens(settings, store=token_store, tokens=tokens, lock=lock)
        client = zns.Client(http, tokens=manager, business_base_url=settings.zalo_business_base_url)
        return cls(client=client, http=http)

    async def parse(self, request: WebhookRequest) -> list[InboundEvent]:
        raise InvalidRequest("ZNS has no webhook of its own: its events arrive at /webhooks/zalo")

    def split(self, message: OutboundMessage) -> list[OutboundMessage]:
        return [message]

    async def send(self, message: OutboundMessage) -> SendResult:
        template, tracking_id = message.template, message.idempotency_key
        if template is None:
            raise SendError("a ZNS message needs a template", retryable=False)
        if not tracking_id or len(tracking_id) > zns.MAX_TRACKING_ID_CHARS:
            raise SendError(
                f"a ZNS message needs an idempotency key of 1 to {zns.MAX_TRACKING_ID_CHARS} "
                "characters (its tracking_id)",
                retryable=False,
            )
        try:
            phone = normalize_phone(message.user_id)
        except ValueError:
            raise SendError("not a Vietnamese mobile number", retryable=False) from None
        try:
            result = await self.client.send_zns_message(
                phone, template.template_id, dict(template.data), tracking_id
            )
        except ZaloError as exc:
            _log_failure(self.name, exc)
            raise send_error(exc) from exc
        return SendResult(provider_message_id=result.msg_id)
