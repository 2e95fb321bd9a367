"""One Zalo API call: POST JSON with the `access_token` header, read the verdict in the body.

Zalo answers HTTP 200 even for errors (the `error` field says), takes the token in a bare
`access_token` header (not `Authorization`), and rotates tokens: a call refused for its token
is retried once with a refreshed one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import httpx

from bot.channels.zalo.errors import (
    AccessTokenError,
    ZaloTransportError,
    raise_for_error,
    utcnow,
)


class AccessTokenSource(Protocol):
    """What the API clients need from `tokens.TokenManager`."""

    async def access_token(self) -> str: ...

    async def refresh(self, stale: str) -> str: ...


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def read_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a Zalo answer; transport-level failures raise ZaloTransportError."""
    status = response.status_code
    if status == 429 or status >= 500:
        raise ZaloTransportError(
            f"zalo answered HTTP {status}", status=status, retry_after=_retry_after(response)
        )
    if status >= 400:
        raise ZaloTransportError(f"zalo answered HTTP {status}", status=status, retryable=False)
    try:
        body = response.json()
    except ValueError:
        raise ZaloTransportError("zalo answered a body that is not JSON", status=status) from None
    if not isinstance(body, dict):
        raise ZaloTransportError("zalo answered JSON that is not an object", status=status)
    return body


def error_code(body: dict[str, Any]) -> int:
    """The body's `error` as an int (0 when absent); a malformed one counts as a failure."""
    raw = body.get("error", 0)
    if isinstance(raw, bool):
        return -1
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw)
        except ValueError:
            return -1
    return -1


async def post_json(
    http: httpx.AsyncClient,
    url: str,
    payload: dict[str, Any],
    *,
    access_token: str,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, Any]:
    """One call; a non-zero `error` raises per `errors.ERROR_POLICY`."""
    try:
        response = await http.post(url, json=payload, headers={"access_token": access_token})
    except httpx.TransportError as exc:
        raise ZaloTransportError(f"zalo unreachable: {type(exc).__name__}") from None
    body = read_body(response)
    code = error_code(body)
    if code != 0:
        message = body.get("message")
        raise_for_error(code, message if isinstance(message, str) else "", clock=clock)
    return body


async def post_with_token(
    http: httpx.AsyncClient,
    url: str,
    payload: dict[str, Any],
    *,
    tokens: AccessTokenSource,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, Any]:
    """`post_json` with the current access token; on an access-token error the token is
    refreshed once (single flight, see TokenManager.refresh) and the call retried once."""
    token = await tokens.access_token()
    try:
        return await post_json(http, url, payload, access_token=token, clock=clock)
    except AccessTokenError:
        fresh = await tokens.refresh(token)
    return await post_json(http, url, payload, access_token=fresh, clock=clock)
