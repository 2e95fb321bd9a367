"""eSMS.vn (VIHAT) brandname SMS (`MOTCUA_SMS_PROVIDER=esms`).

Documentation: https://developers.esms.vn/ (Vietnamese) and https://developers.esms.vn/en/.

- Send: `POST {base_url}/SendMultipleMessage_V4_post_json/` with JSON `ApiKey`, `SecretKey`,
  `Phone`, `Content`, `Brandname`, `SmsType` ("2" = customer care / OTP brandname message),
  `IsUnicode` ("0": we send GSM-7 text), `Sandbox`, `RequestId` (eSMS refuses a repeated one
  with CodeResult 124, so a retry never sends twice) and `CallbackUrl`. eSMS answers HTTP 200
  with `{"CodeResult": "100", "CountRegenerate": 0, "SMSID": "…"}`; any other CodeResult is a
  refusal, listed in https://developers.esms.vn/en/esms-api/table-of-error-codes .
  Customer-care brandname content must match a template registered with eSMS (CodeResult 146
  otherwise): a province registers its notice wordings before going live.
- Delivery reports: eSMS calls `CallbackUrl` with HTTP GET and query parameters `SMSID`,
  `SendStatus`, `SendSuccess`, `SendFailed`, `RequestId`, `TypeId`, `telcoid`, `phonenumber`, …
  (https://developers.esms.vn/en/esms-api/callback-url). The callback is not signed, so the
  URL we give carries a secret path segment: `{public_url}/webhooks/sms/esms/status/<token>`.
- Inbound (MO) SMS come only through an eSMS short code (đầu số ngắn): eSMS calls our URL with
  HTTP GET `sender, content, serviceNumber, keyword, sign, cpid, smsid, receiverTime`, where
  `sign = MD5(cpid + smsid + content + receiverTime + private key)`
  (https://developers.esms.vn/esms-api/ket-noi-ma-svoucher/ket-noi-dau-so-ngan), and expects an
  XML `<ClientResponse>` answer (`mo_response_body`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import httpx
from pydantic import SecretStr

from bot.channels.base import (
    DeliveryReport,
    InboundEvent,
    InboundMessage,
    InvalidRequest,
    OutboundMessage,
    SendError,
    SendResult,
    Unauthorized,
    WebhookRequest,
)
from bot.channels.client import provider_client
from bot.channels.sms.common import (
    CHANNEL,
    DEFAULT_PRICE_PER_PART_VND,
    post_checked,
    render_text,
    split_text,
)
from core.dossiers.model import normalize_phone
from core.logging import get_logger
from core.settings import Settings
from core.smstext import segments

if TYPE_CHECKING:
    from bot.channels.base import Channel

log = get_logger("motcua.channels.sms")

PROVIDER: Final = "esms"
DEFAULT_BASE_URL: Final = "https://rest.esms.vn/MainService.svc/json"
SEND_PATH: Final = "/SendMultipleMessage_V4_post_json/"
WEBHOOK_PATH: Final = "/webhooks/sms/esms"
CUSTOMER_CARE: Final = "2"
MO_TIMEZONE: Final = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_TEXT_CHARS: Final = 2000


@dataclass(frozen=True, slots=True)
class CodeVerdict:
    reason: str
    retryable: bool
    retry_after: float | None = None


ACCEPTED: Final = "100"
DUPLICATE_REQUEST: Final = "124"  # this RequestId was accepted before: the message is on its way
# CodeResult values of eSMS's table of error codes and what we do about them. Every refusal not
# listed is permanent: an operator reads the log line with the code.
CODE_RESULTS: Final[Mapping[str, CodeVerdict]] = {
    "99": CodeVerdict("phone number blocked by eSMS", retryable=False),
    "101": CodeVerdict("wrong ApiKey or SecretKey", retryable=False),
    "102": CodeVerdict("no price list for this account", retryable=False),
    # a top-up fixes it: try again later rather than lose a citizen's notice
    "103": CodeVerdict("account balance too low", retryable=True, retry_after=900.0),
    "104": CodeVerdict("brandname not registered", retryable=False),
    "108": CodeVerdict("phone number format refused", retryable=False),
    "118": CodeVerdict("message type not supported", retryable=False),
    "140": CodeVerdict("server IP not whitelisted at eSMS", retryable=False),
    "146": CodeVerdict("content matches no registered customer-care template", retryable=False),
    "177": CodeVerdict("mobile network not registered for this brandname", retryable=False),
    "300": CodeVerdict("message type missing", retryable=False),
}

# SendStatus of a callback: 1 pending approval, 2 waiting to send, 4 rejected, 5 sent (the
# counts tell delivered from failed), 7 handed to the network, waiting for its report.
_FINAL_SEND_STATUSES: Final = frozenset({"4", "5"})


def mo_signature(*, cpid: str, smsid: str, content: str, receiver_time: str, key: str) -> str:
    """eSMS's MO signature: hex MD5 of the values concatenated, then the private key."""
    digest = hashlib.md5(
        (cpid + smsid + content + receiver_time + key).encode(), usedforsecurity=False
    )
    return digest.hexdigest()


def mo_response_body(*, smsid: str, phone: str, reply: str = "") -> bytes:
    """The XML answer eSMS expects to an MO call. `reply` is sent back on the short code; our
    replies normally go out through the delivery layer, so it stays empty."""
    receiver = phone.removeprefix("+")
    return (
        "<ClientResponse>"
        f"<Message>{escape(reply)}</Message>"
        f"<Smsid>{escape(smsid)}</Smsid>"
        f"<Receiver>{escape(receiver)}</Receiver>"
        "</ClientResponse>"
    ).encode()


def _route(subpath: str) -> tuple[Literal["mo", "status"], str | None] | None:
    """`subpath` relative to `/webhooks/sms` (`/esms`, `/esms/status/<token>`) or to
    `/webhooks/sms/esms` (``, `/status/<token>`)."""
    parts = [p for p in subpath.split("/") if p]
    if parts[:1] == [PROVIDER]:
        parts = parts[1:]
    if not parts:
        return ("mo", None)
    if parts[0] == "status" and len(parts) <= 2:
        return ("status", parts[1] if len(parts) == 2 else None)
    return None


def _int(query: Mapping[str, str], name: str) -> int:
    value = (query.get(name) or "0").strip()
    try:
        return int(float(value))
    except ValueError:
        raise InvalidRequest(f"'{name}' is not a number") from None


def _required(query: Mapping[str, str], name: str, *, max_chars: int = 128) -> str:
    value = query.get(name)
    if value is None or not value.strip():
        raise InvalidRequest(f"'{name}' is missing")
    if len(value) > max_chars:
        raise InvalidRequest(f"'{name}' is too long")
    return value.strip()


class EsmsSmsChannel:
    """eSMS.vn customer-care brandname SMS."""

    name = CHANNEL
    provider = PROVIDER
    # eSMS publishes no request rate limit; a modest default pace, raised per contract.
    REQUESTS_PER_SECOND: ClassVar[float] = 5.0

    def __init__(
        self,
        *,
        api_key: str,
        secret_key: str,
        brandname: str,
        base_url: str = DEFAULT_BASE_URL,
        public_url: str | None = None,
        callback_token: str | None = None,
        mo_private_key: str | None = None,
        mo_cpid: str | None = None,
        sandbox: bool = False,
        price_per_part_vnd: float = DEFAULT_PRICE_PER_PART_VND,
        # Vietnamese brandname customer-care SMS are commonly capped at 3 parts (459 GSM-7
        # characters); a province checks its contract.
        max_parts: int = 3,
        timeout_seconds: float = 10.0,
        requests_per_second: float | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not api_key or not secret_key or not brandname:
            raise ValueError("eSMS needs an ApiKey, a SecretKey and a Brandname")
        if (public_url is None) != (callback_token is None):
            raise ValueError("eSMS delivery reports need both the public URL and a callback token")
        if max_parts < 1:
            raise ValueError("max_parts must be at least 1")
        self._api_key = api_key
        self._secret_key = secret_key
        self.brandname = brandname
        self._send_url = base_url.rstrip("/") + SEND_PATH
        self._callback_token = callback_token
        self._callback_url = (
            None
            if public_url is None
            else f"{public_url.rstrip('/')}{WEBHOOK_PATH}/status/{callback_token}"
        )
        self._mo_private_key = mo_private_key
        self._mo_cpid = mo_cpid
        self.sandbox = sandbox
        self.price_per_part_vnd = price_per_part_vnd
        self.max_parts = max_parts
        self.requests_per_second = requests_per_second or self.REQUESTS_PER_SECOND
        self._owns_client = client is None
        self._client = client or provider_client(timeout=timeout_seconds)

    @classmethod
    def from_values(
        cls,
        *,
        api_key: str,
        secret_key: str,
        brandname: str,
        base_url: str | None = None,
        public_url: str | None = None,
        callback_token: str | None = None,
        mo_private_key: str | None = None,
        mo_cpid: str | None = None,
        sandbox: bool = False,
        price_per_part_vnd: float | None = None,
    ) -> EsmsSmsChannel:
        """The adapter from plain setting values, unset (None or empty) = the default:
        `MOTCUA_SMS_ESMS_API_KEY`, `_SECRET_KEY`, `_BRANDNAME`, `_BASE_URL`, `_PUBLIC_URL`,
        `_CALLBACK_TOKEN`, `_MO_PRIVATE_KEY`, `_MO_CPID`, `_SANDBOX`, `_PRICE_PER_PART_VND`.
        Delivery reports are requested only when both the public URL and the token are set."""
        with_callbacks = bool(public_url) and bool(callback_token)
        return cls(
            api_key=api_key,
            secret_key=secret_key,
            brandname=brandname,
            base_url=base_url or DEFAULT_BASE_URL,
            public_url=public_url if with_callbacks else None,
            callback_token=callback_token if with_callbacks else None,
            mo_private_key=mo_private_key or None,
            mo_cpid=mo_cpid or None,
            sandbox=sandbox,
            price_per_part_vnd=(
                DEFAULT_PRICE_PER_PART_VND if price_per_part_vnd is None else price_per_part_vnd
            ),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> EsmsSmsChannel:
        """The adapter from `MOTCUA_SMS_ESMS_*` (see `from_values`)."""

        def value(name: str) -> Any:
            raw = getattr(settings, f"sms_esms_{name}", None)
            return raw.get_secret_value() if isinstance(raw, SecretStr) else raw

        missing = [n for n in ("api_key", "secret_key", "brandname") if not value(n)]
        if missing:
            names = ", ".join(f"MOTCUA_SMS_ESMS_{n.upper()}" for n in missing)
            raise ValueError(f"{names} required when MOTCUA_SMS_PROVIDER=esms")
        price = value("price_per_part_vnd")
        return cls.from_values(
            api_key=str(value("api_key")),
            secret_key=str(value("secret_key")),
            brandname=str(value("brandname")),
            base_url=value("base_url"),
            public_url=value("public_url"),
            callback_token=value("callback_token"),
            mo_private_key=value("mo_private_key"),
            mo_cpid=value("mo_cpid"),
            sandbox=bool(value("sandbox")),
            price_per_part_vnd=None if price is None else float(price),
        )

    @property
    def callback_url(self) -> str | None:
        """The URL eSMS calls back with delivery reports (it holds the secret: never log it)."""
        return self._callback_url

    def __repr__(self) -> str:
        return f"EsmsSmsChannel(brandname={self.brandname!r}, sandbox={self.sandbox})"

    # ------------------------------------------------------------------ inbound

    async def parse(self, request: WebhookRequest) -> list[InboundEvent]:
        """A delivery callback (`/status/<token>`) or an MO SMS (signed), both from the query
        string. A wrong token or signature raises `Unauthorized`; so does a kind of call this
        deployment did not configure. A callback that is not final yet, and an empty SMS, are
        ignored."""
        route = _route(request.subpath)
        if route is None:
            raise InvalidRequest("unknown eSMS webhook path")
        kind, token = route
        if kind == "status":
            self._check_callback_token(token)
            return self._delivery_report(request.query)
        message = self._mo_message(request.query)
        return [message] if message.text else []

    def _check_callback_token(self, token: str | None) -> None:
        expected = self._callback_token
        if expected is None:
            raise Unauthorized("eSMS delivery callbacks are not configured")
        if not hmac.compare_digest((token or "").encode(), expected.encode()):
            raise Unauthorized("wrong eSMS callback token")

    def _delivery_report(self, query: Mapping[str, str]) -> list[InboundEvent]:
        smsid = _required(query, "SMSID")
        send_status = (query.get("SendStatus") or "").strip()
        succeeded, failed = _int(query, "SendSuccess"), _int(query, "SendFailed")
        status: Literal["delivered", "failed"]
        if send_status == "4" or (send_status == "5" and failed > 0 and succeeded == 0):
            status = "failed"
        elif send_status == "5" and succeeded > 0 and failed == 0:
            status = "delivered"
        else:
            log.info(
                "esms callback without a final verdict",
                send_status=send_status,
                succeeded=succeeded,
                failed=failed,
            )
            return []
        request_id = (query.get("RequestId") or "").strip()
        return [
            DeliveryReport(
                channel=CHANNEL,
                # eSMS echoes our RequestId: that names the outbox row even when the answer that
                # carried the SMSID was lost (a retry answered 124); else match the SMSID.
                message_id=request_id or smsid,
                status=status,
                by_provider_id=not request_id,
                event_id=f"{PROVIDER}:{smsid}:{status}",
            )
        ]

    def _mo_message(self, query: Mapping[str, str]) -> InboundMessage:
        key = self._mo_private_key
        if key is None:
            raise Unauthorized("eSMS inbound SMS are not configured")
        sign = (query.get("sign") or "").strip().lower()
        cpid = query.get("cpid") or ""
        smsid = query.get("smsid") or ""
        content = query.get("content") or ""
        receiver_time = query.get("receiverTime") or ""
        expected = mo_signature(
            cpid=cpid, smsid=smsid, content=content, receiver_time=receiver_time, key=key
        )
        if not hmac.compare_digest(sign.encode(), expected.encode()):
            raise Unauthorized("wrong eSMS MO signature")
        if self._mo_cpid is not None and not hmac.compare_digest(
            cpid.encode(), self._mo_cpid.encode()
        ):
            raise Unauthorized("unexpected eSMS CP id")
        smsid = _required(query, "smsid")
        if len(content) > MAX_TEXT_CHARS:
            raise InvalidRequest("'content' is too long")
        try:
            phone = normalize_phone(_required(query, "sender", max_chars=32))
        except ValueError:
            raise InvalidRequest("'sender' is not a Vietnamese mobile number") from None
        return InboundMessage(
            channel=CHANNEL,
            user_id=phone,
            text=content,
            message_id=smsid,
            received_at=_receiver_time(receiver_time),
        )

    # ----------------------------------------------------------------- outbound

    def split(self, message: OutboundMessage) -> list[OutboundMessage]:
        """GSM-7 text with buttons as lines, in messages of at most `max_parts` parts."""
        return [
            replace(message, text=part, buttons=())
            for part in split_text(render_text(message), max_parts=self.max_parts)
        ]

    async def send(self, message: OutboundMessage) -> SendResult:
        """One `SendMultipleMessage_V4_post_json` call; `message.idempotency_key` is the
        `RequestId`. CodeResult 100 is accepted (delivery is reported later), 124 means this
        RequestId was accepted before; other codes map through `CODE_RESULTS`."""
        text = render_text(message)
        if not text:
            raise SendError("nothing to send: empty text", retryable=False)
        try:
            phone = normalize_phone(message.user_id)
        except ValueError:
            raise SendError(
                "recipient is not a Vietnamese mobile number", retryable=False
            ) from None
        request_id = message.idempotency_key or uuid.uuid4().hex
        payload: dict[str, str] = {
            "ApiKey": self._api_key,
            "SecretKey": self._secret_key,
            "Phone": "0" + phone.removeprefix("+84"),
            "Content": text,
            "Brandname": self.brandname,
            "SmsType": CUSTOMER_CARE,
            "IsUnicode": "0",
            "Sandbox": "1" if self.sandbox else "0",
            "RequestId": request_id,
        }
        if self._callback_url is not None:
            payload["CallbackUrl"] = self._callback_url
        response = await post_checked(
            self._client,
            self._send_url,
            provider=PROVIDER,
            message_id=request_id,
            json=payload,
        )
        data = _json_answer(response)
        if data is None:
            # HTTP 200 without the JSON answer (a proxy's page): the call may or may not have
            # arrived; a retry is safe because eSMS refuses a repeated RequestId (124).
            log.warning(
                "sms send failed",
                provider=PROVIDER,
                message_id=request_id,
                reason="answer is not JSON",
            )
            raise SendError("esms: answer is not JSON", retryable=True)
        code = str(data.get("CodeResult", "")).strip()
        parts = segments(text)
        if code in (ACCEPTED, DUPLICATE_REQUEST):
            smsid = data.get("SMSID")
            log.info(
                "sms sent", provider=PROVIDER, message_id=request_id, segments=parts, code=code
            )
            return SendResult(
                provider_message_id=str(smsid) if isinstance(smsid, str | int) and smsid else None,
                segments=parts,
                cost_vnd=parts * self.price_per_part_vnd,
            )
        verdict = CODE_RESULTS.get(code, CodeVerdict("refused", retryable=False))
        log.warning(
            "sms send failed",
            provider=PROVIDER,
            message_id=request_id,
            code=code,
            reason=verdict.reason,
            retryable=verdict.retryable,
        )
        raise SendError(
            f"esms: CodeResult {code or '?'}: {verdict.reason}",
            retryable=verdict.retryable,
            retry_after=verdict.retry_after,
        )

    # eSMS calls its callbacks with GET and wants XML back for an MO message.
    webhook_methods: ClassVar[tuple[str, ...]] = ("GET", "POST")

    def acknowledgement(self, events: Sequence[InboundEvent]) -> tuple[bytes, str] | None:
        """The body the gateway answers an MO call with (XML), or None for the default."""
        for event in events:
            if isinstance(event, InboundMessage) and event.message_id:
                return (
                    mo_response_body(smsid=event.message_id, phone=event.user_id),
                    "application/xml",
                )
        return None

    async def acknowledge(self, event: InboundEvent) -> None:
        return None

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _json_answer(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data: Any = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _receiver_time(value: str) -> datetime:
    """`receiverTime` (yyyyMMddHHmmss, Vietnam time); the arrival time if absent or odd."""
    try:
        return datetime.strptime(value.strip(), "%Y%m%d%H%M%S").replace(tzinfo=MO_TIMEZONE)
    except ValueError:
        return datetime.now(UTC)


if TYPE_CHECKING:
    _: Channel = EsmsSmsChannel(api_key="", secret_key="", brandname="")
