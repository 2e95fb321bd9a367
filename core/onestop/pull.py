"""Pulling dossiers from the province's one-stop (một cửa) software into the local mirror.

A `DossierSource` yields pages of validated rows; `pull_once` feeds them to the same
`DossierRepository.upsert_many` as the CSV import and the push webhook (source `pull`), saves the
source's since-cursor after every page, and returns the counts, the status changes and the
rejected items.

Remote API served by the one-stop software (or a thin adapter in front of it) for
`HttpDossierSource`:

    GET {base_url}/dossiers?updated_since=<ISO 8601 with offset>&page=<N>&page_size=<M>
    Accept: application/json
    Authorization: Bearer <token>            (only when a token is configured)

    200 {"items": [<item>, ...], "next_page": <N + 1> | null}

- `<item>` is an object with the CONTRACT §6 fields (strings or null; absent = null; `phone`
  may also be a number) plus `updated_at`: when the one-stop software last changed the dossier,
  ISO 8601 (without an offset it is in MOTCUA_TIMEZONE). Items are validated exactly like CSV
  rows (`core.dossiers.rows.parse_row`); an item that fails, or lacks a valid `updated_at`, is
  reported as rejected (page, position, code, reason) and the others are imported.
- Items are ordered by `updated_at` ascending. `updated_since` is inclusive (`>=`) and absent
  on the very first pull (everything). `page` starts at 1; `next_page` null ends the run.
- After each page is stored, the cursor becomes the greatest `updated_at` seen, so a restart
  resumes from the last stored page; items at the cursor instant come again next time and
  are counted as unchanged.
- 5xx, 429, timeouts and connection errors are retried with exponential backoff (a numeric
  `Retry-After` is honoured); when the attempts run out, `SourceUnavailable` is raised and the
  cursor stays where the last stored page left it. Any other answer (4xx, a body that is not
  this shape) raises `SourceError` at once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, Final, Protocol

import httpx
from pydantic import BaseModel, ValidationError

from core.dossiers.model import ChangeSource, DossierData, StatusChange
from core.dossiers.repository import DossierRepository
from core.dossiers.rows import RowError, parse_row, parse_time
from core.logging import get_logger
from core.onestop.cursors import SyncCursorStore

__all__ = [
    "DossierSource",
    "HttpDossierSource",
    "PullResult",
    "PulledPage",
    "RejectedItem",
    "SourceError",
    "SourceUnavailable",
    "pull_once",
]

log = get_logger("motcua.onestop.pull")

RETRYABLE_STATUS: Final = frozenset({429, 500, 502, 503, 504})


class SourceError(Exception):
    """The one-stop software answered something this adapter cannot use; not retried."""


class SourceUnavailable(SourceError):
    """The one-stop software did not answer usefully within the retry budget."""


@dataclass(frozen=True, slots=True)
class RejectedItem:
    """An item that was not imported: where it was, its code if readable, and why."""

    page: int
    index: int
    reason: str
    code: str | None = None


@dataclass(frozen=True, slots=True)
class PulledPage:
    """One page of a source: valid rows, rejected items, and the greatest `updated_at` seen."""

    number: int
    rows: tuple[DossierData, ...]
    rejected: tuple[RejectedItem, ...]
    cursor: datetime | None


class DossierSource(Protocol):
    """A remote system that lists dossiers changed since a time, page by page."""

    @property
    def name(self) -> str:
        """The key of this source's cursor in the `SyncCursorStore`."""
        ...

    def pages(self, since: datetime | None) -> AsyncIterator[PulledPage]:
        """Pages of dossiers changed at or after `since` (everything when None), in order."""
        ...


class _Page(BaseModel):
    items: list[Any]
    next_page: int | None = None


def _item_code(item: Mapping[str, Any]) -> str | None:
    code = item.get("code")
    return code if isinstance(code, str) else None


class HttpDossierSource:
    """The one-stop HTTP API described in the module docstring, with an async httpx client."""

    def __init__(
        self,
        base_url: str,
        *,
        tz: tzinfo,
        name: str = "onestop",
        token: str | None = None,
        page_size: int = 500,
        timeout: float = 30.0,
        max_attempts: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if page_size < 1 or max_attempts < 1:
            raise ValueError("page_size and max_attempts must be at least 1")
        self._url = base_url.rstrip("/") + "/dossiers"
        self._tz = tz
        self._name = name
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._page_size = page_size
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._client = client

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"HttpDossierSource({self._url!r}, name={self._name!r})"

    async def pages(self, since: datetime | None) -> AsyncIterator[PulledPage]:
        if self._client is not None:
            async for page in self._pages(self._client, since):
                yield page
            return
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            async for page in self._pages(client, since):
                yield page

    async def _pages(
        self, client: httpx.AsyncClient, since: datetime | None
    ) -> AsyncIterator[PulledPage]:
        number: int | None = 1
        while number is not None:
            params: dict[str, str | int] = {"page": number, "page_size": self._page_size}
            if since is not None:
                params["updated_since"] = since.isoformat()
            body = await self._get(client, params)
            yield self._parse_page(number, body)
            if body.next_page is not None and body.next_page <= number:
                raise SourceError(f"page {number} points back to page {body.next_page}")
            number = body.next_page

    async def _get(self, client: httpx.AsyncClient, params: dict[str, str | int]) -> _Page:
        for attempt in range(1, self._max_attempts + 1):
            retry_after: float | None = None
            try:
                response = await client.get(
                    self._url, params=params, headers=self._headers, timeout=self._timeout
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    try:
                        return _Page.model_validate_json(response.content)
                    except ValidationError as exc:
                        first = exc.errors()[0]
                        where = ".".join(str(p) for p in first["loc"]) or "body"
                        raise SourceError(
                            f"page {params['page']}: not the expected JSON ({where}: "
                            f"{first['msg']})"
                        ) from None
                if response.status_code not in RETRYABLE_STATUS:
                    raise SourceError(
                        f"page {params['page']}: HTTP {response.status_code} from {self._url}"
                    )
                problem = f"HTTP {response.status_code}"
                retry_after = _retry_after(response)
            if attempt == self._max_attempts:
                raise SourceUnavailable(
                    f"{self._url} page {params['page']}: {problem} "
                    f"(after {self._max_attempts} attempts)"
                )
            delay = min(self._max_backoff, self._backoff * 2 ** (attempt - 1))
            delay = retry_after if retry_after is not None else delay * random.uniform(0.8, 1.2)
            log.warning("one-stop pull retry", page=params["page"], problem=problem, delay=delay)
            await asyncio.sleep(min(delay, self._max_backoff))
        raise AssertionError("unreachable")  # pragma: no cover

    def _parse_page(self, number: int, body: _Page) -> PulledPage:
        rows: list[DossierData] = []
        rejected: list[RejectedItem] = []
        cursor: datetime | None = None
        for index, item in enumerate(body.items):
            if not isinstance(item, dict):
                rejected.append(RejectedItem(number, index, "not a JSON object"))
                continue
            problems: list[str] = []
            updated_at: datetime | None = None
            raw_updated = item.get("updated_at")
            if not isinstance(raw_updated, str) or not raw_updated.strip():
                problems.append("updated_at: missing")
            else:
                try:
                    updated_at = parse_time(raw_updated, tz=self._tz)
                except ValueError as exc:
                    problems.append(f"updated_at: {exc}")
            try:
                row = parse_row(item, tz=self._tz)
            except RowError as exc:
                problems[:0] = exc.reasons
                code = exc.code or _item_code(item)
                rejected.append(RejectedItem(number, index, "; ".join(problems), code))
            else:
                if problems:
                    rejected.append(RejectedItem(number, index, "; ".join(problems), row.code))
                else:
                    rows.append(row)
            if updated_at is not None and (cursor is None or updated_at > cursor):
                cursor = updated_at
        return PulledPage(number, tuple(rows), tuple(rejected), cursor)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class PullResult:
    created: int
    updated: int
    unchanged: int
    changes: tuple[StatusChange, ...]
    rejected: tuple[RejectedItem, ...]
    pages: int
    cursor: datetime | None


async def pull_once(
    source: DossierSource,
    repository: DossierRepository,
    cursors: SyncCursorStore,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PullResult:
    """Pulls everything changed since the saved cursor; saves the cursor after each page.

    The repository and cursor store are synchronous (SQLAlchemy): they run in a worker thread so
    that the event loop never blocks on the database.
    """
    saved = await asyncio.to_thread(cursors.get, source.name)
    cursor = datetime.fromisoformat(saved) if saved else None
    created = updated = unchanged = pages = 0
    changes: list[StatusChange] = []
    rejected: list[RejectedItem] = []
    async for page in source.pages(cursor):
        pages += 1
        result = await asyncio.to_thread(
            repository.upsert_many, page.rows, source=ChangeSource.PULL, now=clock()
        )
        created += result.created
        updated += result.updated
        unchanged += result.unchanged
        changes.extend(result.changes)
        rejected.extend(page.rejected)
        for item in page.rejected:
            log.warning(
                "one-stop item rejected",
                source=source.name,
                page=item.page,
                index=item.index,
                dossier=item.code,
                reason=item.reason,
            )
        if page.cursor is not None and (cursor is None or page.cursor > cursor):
            cursor = page.cursor
            await asyncio.to_thread(cursors.set, source.name, cursor.isoformat(), now=clock())
    log.info(
        "one-stop pull done",
        source=source.name,
        pages=pages,
        created=created,
        updated=updated,
        unchanged=unchanged,
        changes=len(changes),
        rejected=len(rejected),
    )
    return PullResult(created, updated, unchanged, tuple(changes), tuple(rejected), pages, cursor)
