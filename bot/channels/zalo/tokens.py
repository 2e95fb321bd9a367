"""Zalo OA access tokens: where they are kept, and how they are refreshed safely.

An OA access token lives about 25 hours; the refresh token that renews it works exactly once
and is replaced by a new one on every refresh (`POST {oauth}/v4/oa/access_token`, form
`refresh_token, app_id, grant_type=refresh_token`, header `secret_key`; CONTRACT §4.3).
Hence the two rules `TokenManager` keeps:
- single flight: one refresh at a time (an asyncio lock in this process, plus an optional
  lock hook, e.g. a Redis lock, shared by every replica); a caller whose stale token was
  already replaced gets the new one without a second call to Zalo;
- write before use: the new pair is saved to the `TokenStore` before it is returned.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol

import httpx

from bot.channels.zalo._http import error_code, read_body
from bot.channels.zalo.errors import (
    TokenRefreshError,
    TokenUnavailable,
    ZaloTransportError,
    utcnow,
)
from core.logging import get_logger

log = get_logger("motcua.channels.zalo")

# Zalo documents `expires_in` (a string of seconds, "90000" for an OA token); when it is
# missing we assume an hour, so the token is renewed early rather than late.
DEFAULT_EXPIRES_IN = 3600


@dataclass(frozen=True, slots=True)
class TokenPair:
    """An access token, the refresh token that renews it, and when the access token expires
    (an aware datetime). The tokens never appear in a repr."""

    access_token: str
    refresh_token: str
    expires_at: datetime

    def __post_init__(self) -> None:
        if self.expires_at.tzinfo is None:
            raise ValueError("TokenPair.expires_at must be an aware datetime")

    def expires_within(self, margin: timedelta, *, now: datetime) -> bool:
        return self.expires_at - margin <= now

    def __repr__(self) -> str:
        return f"TokenPair(expires_at={self.expires_at.isoformat()!r})"


class TokenStore(Protocol):
    """Durable home of the current pair (the SQL one survives restarts). `load` answers None
    while nothing was ever saved; `save` replaces the pair, durably, before it returns."""

    async def load(self) -> TokenPair | None: ...

    async def save(self, pair: TokenPair) -> None: ...


class InMemoryTokenStore:
    """A `TokenStore` for tests and single-process development; lost on restart."""

    def __init__(self, pair: TokenPair | None = None) -> None:
        self._pair = pair

    async def load(self) -> TokenPair | None:
        return self._pair

    async def save(self, pair: TokenPair) -> None:
        self._pair = pair

    def __repr__(self) -> str:
        return f"InMemoryTokenStore({self._pair!r})"


class AsyncLock(Protocol):
    """Anything used as `async with lock:`, e.g. `redis.asyncio.lock.Lock`."""

    async def __aenter__(self) -> object: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...


# Managers over the same store object share one in-process lock, so two channels (OA and
# ZNS) built separately still never refresh at the same time. Keyed by identity (a store need
# not be hashable) and dropped with the store.
_local_locks: dict[int, tuple[weakref.ref[TokenStore], asyncio.Lock]] = {}


def _local_lock_for(store: TokenStore) -> asyncio.Lock:
    key = id(store)
    entry = _local_locks.get(key)
    if entry is not None and entry[0]() is store:
        return entry[1]
    lock = asyncio.Lock()
    try:
        ref = weakref.ref(store, lambda _: _local_locks.pop(key, None))
    except TypeError:  # a store without weak references gets a lock of its own
        return lock
    _local_locks[key] = (ref, lock)
    return lock


class TokenManager:
    """Hands out the current access token and refreshes it, one refresh at a time.

    The pair comes from `store`; `initial` (the configured first tokens) is used, and saved,
    only while the store holds nothing, so a restart keeps the rotated pair.
    `lock` is held around every refresh in addition to the in-process lock: pass a
    distributed lock when several replicas share the store.
    """

    def __init__(
        self,
        store: TokenStore,
        *,
        app_id: str,
        secret_key: str,
        oauth_base_url: str,
        initial: TokenPair | None = None,
        http: httpx.AsyncClient,
        lock: AsyncLock | None = None,
        refresh_margin: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self._app_id = app_id
        self._secret_key = secret_key
        self._url = oauth_base_url.rstrip("/") + "/v4/oa/access_token"
        self._initial = initial
        self._http = http
        self._local_lock = _local_lock_for(store)
        self._shared_lock = lock
        self._margin = refresh_margin
        self._clock = clock
        self._pair: TokenPair | None = None
        # a refreshed pair whose save failed: saved again before anyone uses it
        self._unsaved: TokenPair | None = None

    def __repr__(self) -> str:
        return f"TokenManager(app_id={self._app_id!r}, url={self._url!r})"

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        async with self._local_lock:
            if self._shared_lock is None:
                yield
            else:
                async with self._shared_lock:
                    yield

    async def access_token(self) -> str:
        """The current access token, refreshed first when it expires within the margin."""
        pair = self._pair
        if pair is None or self._unsaved is not None:
            async with self._locked():
                pair = await self._settle()
        if pair.expires_within(self._margin, now=self._clock()):
            return await self.refresh(pair.access_token)
        return pair.access_token

    async def refresh(self, stale: str) -> str:
        """A fresh access token to replace `stale` (the one Zalo refused or that expired).
        If someone else refreshed since `stale` was read, their token is returned and Zalo
        is not called; otherwise the new pair is saved to the store before it is returned."""
        async with self._locked():
            current = await self._settle()
            latest = await self.store.load() or current
            if latest.access_token != stale and not self._expiring(latest):
                self._pair = latest
                return latest.access_token
            try:
                fresh = await self._request(latest.refresh_token)
            except TokenRefreshError:
                # another process may have used the refresh token first: take its pair
                again = await self.store.load()
                if again is not None and again.refresh_token != latest.refresh_token:
                    self._pair = again
                    return again.access_token
                raise
            try:
                await self.store.save(fresh)
            except Exception:
                self._unsaved = fresh
                log.error("zalo token pair could not be stored; it is kept until it is")
                raise
            self._pair = fresh
            log.info("zalo access token refreshed", expires_at=fresh.expires_at.isoformat())
            return fresh.access_token

    def _expiring(self, pair: TokenPair) -> bool:
        return pair.expires_within(self._margin, now=self._clock())

    async def _settle(self) -> TokenPair:
        """The pair to use (under the lock): a pending unsaved pair is saved first; then the
        stored pair; then the configured initial one, which seeds the store."""
        if self._unsaved is not None:
            await self.store.save(self._unsaved)
            self._pair, self._unsaved = self._unsaved, None
        if self._pair is None:
            stored = await self.store.load()
            if stored is None:
                if self._initial is None:
                    raise TokenUnavailable(
                        "no Zalo token pair stored and none configured "
                        "(MOTCUA_ZALO_ACCESS_TOKEN, MOTCUA_ZALO_REFRESH_TOKEN)"
                    )
                await self.store.save(self._initial)
                stored = self._initial
            self._pair = stored
        return self._pair

    async def _request(self, refresh_token: str) -> TokenPair:
        try:
            response = await self._http.post(
                self._url,
                data={
                    "refresh_token": refresh_token,
                    "app_id": self._app_id,
                    "grant_type": "refresh_token",
                },
                headers={"secret_key": self._secret_key},
            )
        except httpx.TransportError as exc:
            raise ZaloTransportError(f"zalo oauth unreachable: {type(exc).__name__}") from None
        body = read_body(response)
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
            code = error_code(body) or -1
            reason = next(
                (
                    str(body[key])
                    for key in ("error_name", "message", "error_description")
                    if isinstance(body.get(key), str)
                ),
                "no token pair in the answer",
            )
            log.error("zalo token refresh refused", code=code, reason=reason)
            raise TokenRefreshError(code, reason)
        return TokenPair(
            access_token=access,
            refresh_token=refresh,
            expires_at=self._clock() + timedelta(seconds=_seconds(body.get("expires_in"))),
        )


def _seconds(value: object) -> int:
    if isinstance(value, bool):
        return DEFAULT_EXPIRES_IN
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return int(value)
    return DEFAULT_EXPIRES_IN
