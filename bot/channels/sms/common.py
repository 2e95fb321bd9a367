"""What the SMS adapters share: text rendering and cutting, bearer tokens, HTTP verdicts."""

from __future__ import annotations

import hmac
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final

import httpx

from bot.channels.base import OutboundMessage, SendError
from core.logging import get_logger
from core.smstext import GSM7_EXTENDED, MULTI_PART, SINGLE_PART, septets, to_gsm7

log = get_logger("motcua.channels.sms")

CHANNEL: Final = "sms"
# A placeholder: what one SMS part costs is in each province's contract with its provider.
DEFAULT_PRICE_PER_PART_VND: Final = 850.0


def render_text(message: OutboundMessage) -> str:
    """The SMS text of `message`: buttons become "- title" lines, then folded to GSM-7."""
    text = message.text.strip()
    lines = [text] if text else []
    lines.extend(f"- {button.title}" for button in message.buttons)
    return to_gsm7("\n".join(lines)).strip()


def part_limit(text: str, max_parts: int) -> int:
    """Septets that fit in `max_parts` concatenated parts. An extension character (two
    septets) is never split across parts, so with one present each boundary may waste one."""
    if max_parts <= 1:
        return SINGLE_PART
    limit = max_parts * MULTI_PART
    if not GSM7_EXTENDED.isdisjoint(text):
        limit -= max_parts - 1
    return limit


def _cut(text: str, limit: int) -> int:
    """Where to end a chunk of at most `limit` septets: after the last line break or space
    in its second half, else exactly at the limit."""
    used = 0
    end = 0
    for i, char in enumerate(text):
        used += 2 if char in GSM7_EXTENDED else 1
        if used > limit:
            break
        end = i + 1
    window = text[:end]
    for separator in ("\n", " "):
        at = window.rfind(separator)
        if at >= end // 2:
            return at + 1
    return max(end, 1)


def split_text(text: str, *, max_parts: int) -> list[str]:
    """`text` (GSM-7) cut into chunks of at most `max_parts` SMS parts each, at line breaks
    or spaces where possible. Each chunk is sent as one message the provider concatenates."""
    if not text:
        return []
    limit = part_limit(text, max_parts)
    chunks: list[str] = []
    rest = text
    while septets(rest) > limit:
        end = _cut(rest, limit)
        chunk = rest[:end].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[end:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def bearer_matches(headers: Mapping[str, str], token: str) -> bool:
    """Whether `Authorization: Bearer <token>` is present, compared in constant time."""
    scheme, _, credentials = (header(headers, "authorization") or "").strip().partition(" ")
    supplied = credentials.strip().encode() if scheme.lower() == "bearer" else b""
    return hmac.compare_digest(supplied, token.encode())


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """An HTTP `Retry-After` value (seconds or an HTTP date) in seconds from now."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def status_error(response: httpx.Response, *, provider: str) -> SendError | None:
    """The verdict on a non-2xx answer (None for 2xx): 429 and 5xx are retried (honouring
    `Retry-After`), any other status is permanent."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    if status == 429:
        return SendError(f"{provider}: rate limited (429)", retryable=True, retry_after=retry_after)
    if status >= 500:
        return SendError(
            f"{provider}: server error ({status})", retryable=True, retry_after=retry_after
        )
    return SendError(f"{provider}: rejected ({status})", retryable=False)


def transport_error(exc: httpx.HTTPError, *, provider: str) -> SendError:
    """Timeouts and connection failures: the request may not have arrived, so retry (both
    providers deduplicate on our id)."""
    return SendError(f"{provider}: {type(exc).__name__}", retryable=True)


async def post_checked(
    client: httpx.AsyncClient,
    url: str,
    *,
    provider: str,
    message_id: str,
    json: Any,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POSTs a send request; a network failure or an HTTP error status becomes the
    `SendError` the delivery layer acts on (logged without the number or the text)."""
    try:
        response = await client.post(url, json=json, headers=dict(headers or {}))
    except httpx.HTTPError as exc:
        failure = transport_error(exc, provider=provider)
        log.warning(
            "sms send failed", provider=provider, message_id=message_id, reason=str(failure)
        )
        raise failure from None
    error = status_error(response, provider=provider)
    if error is not None:
        log.warning(
            "sms send failed",
            provider=provider,
            message_id=message_id,
            http_status=response.status_code,
            retryable=error.retryable,
        )
        raise error
    return response
