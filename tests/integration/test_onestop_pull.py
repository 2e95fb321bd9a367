"""The one-stop pull adapter against a fake one-stop HTTP server (Starlette on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from core.db import make_engine
from core.dossiers.model import DossierStatus, StatusChange
from core.dossiers.repository import (
    DossierRepository,
    InMemoryDossierRepository,
    SqlDossierRepository,
)
from core.onestop.cursors import InMemorySyncCursorStore, SqlSyncCursorStore, SyncCursorStore
from core.onestop.pull import (
    HttpDossierSource,
    RejectedItem,
    SourceError,
    SourceUnavailable,
    pull_once,
)
from tests.conftest import LocalServer
from tests.unit.dossiers.logging_state import fresh_logging
from tests.unit.dossiers.storage import TIERS, migrated_database

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=HCM)
S = DossierStatus


@pytest.fixture(autouse=True)
def _logging() -> Iterator[None]:
    with fresh_logging():
        yield


def item(seq: int, *, minutes: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": f"000.00.13.H49-261120-{seq:04d}",
        "procedure_code": "1.004222",
        "procedure_name": "Đăng ký thường trú",
        "applicant_name": "Phạm Thu Hà",
        "phone": 84987654321,
        "status": "processing",
        "received_at": "2026-11-20T08:00:00+07:00",
        "due_at": "2026-11-29T17:00:00+07:00",
        "result_ready_at": None,
        "office": "Bộ phận một cửa UBND phường Bãi Cháy",
        "note": None,
        "updated_at": (T0 + timedelta(minutes=minutes)).isoformat(),
    }
    return base | fields


def stamp(it: object) -> datetime:
    """An item's updated_at; malformed items sort first and always match."""
    if isinstance(it, dict) and isinstance(it.get("updated_at"), str):
        return datetime.fromisoformat(it["updated_at"])
    return datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class FakeOneStop:
    """The remote API of core/onestop/pull.py, with scripted failures."""

    items: list[dict[str, Any]]
    failures: list[int | str] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)

    async def dossiers(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.requests.append(query)
        if request.headers.get("authorization") != "Bearer s3cret":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "slow":
                await asyncio.sleep(1.0)
            elif failure == "garbage":
                return PlainTextResponse("<html>proxy error</html>")
            elif isinstance(failure, int):
                return JSONResponse({"error": "boom"}, status_code=failure)
        since = query.get("updated_since")
        chosen = [
            it for it in self.items if since is None or stamp(it) >= datetime.fromisoformat(since)
        ]
        chosen.sort(key=stamp)
        page, size = int(query["page"]), int(query["page_size"])
        part = chosen[(page - 1) * size : page * size]
        next_page = page + 1 if page * size < len(chosen) else None
        return JSONResponse({"items": part, "next_page": next_page})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/api/v1/dossiers", self.dossiers)])


@dataclass
class Store:
    repository: DossierRepository
    cursors: SyncCursorStore
    reopen: Callable[[], Store]


@pytest.fixture(params=TIERS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        memory = Store(InMemoryDossierRepository(), InMemorySyncCursorStore(), lambda: memory)
        yield memory
        return
    with migrated_database(request.param, request, tmp_path) as url:
        engines = []

        def open_store() -> Store:
            engine = make_engine(url)
            engines.append(engine)
            return Store(SqlDossierRepository(engine), SqlSyncCursorStore(engine), open_store)

        yield open_store()
        for engine in engines:
            engine.dispose()


def source(server: LocalServer, **options: Any) -> HttpDossierSource:
    defaults: dict[str, Any] = {"page_size": 3, "backoff": 0.01, "timeout": 5.0, "token": "s3cret"}
    return HttpDossierSource(f"{server.url}/api/v1/", tz=HCM, **(defaults | options))


async def test_pages_are_followed_and_every_row_is_upserted(
    store: Store, local_server: Callable[[Any], LocalServer]
) -> None:
    fake = FakeOneStop([item(i, minutes=i) for i in range(1, 8)])
    server = local_server(fake.app())
    result = await pull_once(source(server), store.repository, store.cursors)
    assert (result.created, result.updated, result.unchanged, result.pages) == (7, 0, 0, 3)
    assert [q["page"] for q in fake.requests] == ["1", "2", "3"]
    assert all("updated_since" not in q and q["page_size"] == "3" for q in fake.requests)
    assert {c.code[-4:] for c in result.changes} == {f"{i:04d}" for i in range(1, 8)}
    assert all(c.old_status is None and c.new_status is S.PROCESSING for c in result.changes)
    stored = store.repository.get(item(4, minutes=0)["code"])
    assert stored is not None and stored.phone == "+84987654321"
    assert store.repository.history(stored.code)[0].source == "pull"


async def test_a_server_error_and_a_timeout_are_retried(
    store: Store, local_server: Callable[[Any], LocalServer]
) -> None:
    fake = FakeOneStop([item(i, minutes=i) for i in range(1, 5)], failures=[500, "slow", 503])
    server = local_server(fake.app())
    result = await pull_once(source(server, timeout=0.3), store.repository, store.cursors)
    assert (result.created, result.pages) == (4, 2)
    assert [q["page"] for q in fake.requests] == ["1", "1", "1", "1", "2"]


async def test_the_cursor_does_not_move_when_retries_run_out(
    store: Store, local_server: Callable[[Any], LocalServer]
) -> None:
    fake = FakeOneStop([item(i, minutes=i) for i in range(1, 8)])
    server = local_server(fake.app())
    first = await pull_once(source(server), store.repository, store.cursors)
    assert first.cursor == T0 + timedelta(minutes=7)
    fake.items.append(item(8, minutes=30))
    fake.failures = [502] * 3
    with pytest.raises(SourceUnavailable, match="HTTP 502 \\(after 3 attempts\\)"):
        await pull_once(source(server, max_attempts=3), store.repository, store.cursors)
    assert store.cursors.get("onestop") == (T0 + timedelta(minutes=7)).isoformat()


ANSWERS = [
    pytest.param(404, "HTTP 404", id="not-found"),
    pytest.param(400, "HTTP 400", id="bad-request"),
    pytest.param("garbage", "not the expected JSON", id="html-body"),
]


@pytest.mark.parametrize(("failure", "message"), ANSWERS)
async def test_unusable_answers_are_not_retried(
    store: Store, local_server: Callable[[Any], LocalServer], failure: int | str, message: str
) -> None:
    fake = FakeOneStop([item(1, minutes=1)], failures=[failure])
    server = local_server(fake.app())
    with pytest.raises(SourceError, match=message):
        await pull_once(source(server), store.repository, store.cursors)
    assert len(fake.requests) == 1
    assert store.repository.count() == 0


async def test_a_wrong_token_is_a_source_error(
    store: Store, local_server: Callable[[Any], LocalServer]
) -> None:
    server = local_server(FakeOneStop([item(1, minutes=1)]).app())
    with pytest.raises(SourceError, match="HTTP 401"):
        await pull_once(source(server, token="wrong"), store.repository, store.cursors)


async def test_malformed_items_are_reported_and_the_rest_imported(
    store: Store, local_server: Callable[[Any], LocalServer]
) -> None:
    items = [
        item(1, minutes=1),
        item(2, minutes=2, status="archived"),
        item(3, minutes=3, phone="12345", received_at="hôm qua"),
        item(4, minutes=4),
        {k: v for k, v in item(5, minutes=5).items() if k != "updated_at"},
        item(6, minutes=6, code=None),
        item(7, minutes=7, procedure_name=["not", "text"]),
    ]
    fake = FakeOneStop(items)
    fake.items.append("not an object")  # type: ignore[arg-type]
    server = local_server(fake.app())
    result = await pull_once(source(server, page_size=4), store.repository, store.cursors)
    assert result.created == 2
    assert [(r.page, r.index, (r.code or "")[-4:]) for r in result.rejected] == [
        (1, 0, "0005"),  # undated items sort first at the fake server
        (1, 1, ""),
        (1, 3, "0002"),
        (2, 0, "0003"),
        (2, 2, ""),
        (2, 3, "0007"),
    ]
    reasons = [r.reason for r in result.rejected]
    assert reasons[0] == "updated_at: missing"
    assert reasons[1] == "not a JSON object"
    assert reasons[2].startswith("status: unknown 'archived'")
    assert "phone: " in reasons[3] and "received_at: needs a date and a time" in reasons[3]
    assert reasons[4] == "code: missing"
    assert reasons[5] == "procedure_name: expected text, got list"
    assert isinstance(result.rejected[0], RejectedItem)


async def test_the_cursor_survives_a_restart_and_only_changes_come_back(
    store: Store, local_server: Callable[[Any], LocalServer]
) -> None:
    fake = FakeOneStop([item(i, minutes=i) for i in range(1, 6)])
    server = local_server(fake.app())
    clock_at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    first = await pull_once(source(server), store.repository, store.cursors, clock=lambda: clock_at)
    assert first.cursor == T0 + timedelta(minutes=5)

    # The remote marks dossier 2 ready; a restarted process (new engine, new objects) pulls.
    ready = item(2, minutes=90, status="result_ready", result_ready_at="2026-11-20T09:25:00")
    fake.items[1] = ready
    fake.requests.clear()
    restarted = store.reopen()
    later = clock_at + timedelta(minutes=10)
    second = await pull_once(
        source(server), restarted.repository, restarted.cursors, clock=lambda: later
    )
    since = datetime.fromisoformat(fake.requests[0]["updated_since"])
    assert since == T0 + timedelta(minutes=5)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)  # 5 comes again
    assert second.changes == (StatusChange(ready["code"], S.PROCESSING, S.RESULT_READY, later),)
    assert second.cursor == T0 + timedelta(minutes=90)
    assert restarted.cursors.get("onestop") == (T0 + timedelta(minutes=90)).isoformat()

    third = await pull_once(source(server), restarted.repository, restarted.cursors)
    assert (third.created, third.updated, third.unchanged, third.changes) == (0, 0, 1, ())


def test_the_cli_pulls_with_the_settings(
    tmp_path: Path, local_server: Callable[[Any], LocalServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command
    from typer.testing import CliRunner

    from core.cli import alembic_config, app

    url = f"sqlite:///{tmp_path}/cli.db"
    command.upgrade(alembic_config(url), "head")
    fake = FakeOneStop([item(1, minutes=1), item(2, minutes=2)])
    server = local_server(fake.app())
    monkeypatch.setenv("MOTCUA_DATABASE_URL", url)
    monkeypatch.setenv("MOTCUA_ONESTOP_PULL_URL", f"{server.url}/api/v1")
    monkeypatch.setenv("MOTCUA_ONESTOP_PULL_TOKEN", "s3cret")
    runner = CliRunner()
    first = runner.invoke(app, ["onestop", "pull"])
    assert first.exit_code == 0, first.output
    assert "created 2" in first.output
    again = runner.invoke(app, ["onestop", "pull"])
    assert again.exit_code == 0, again.output
    assert "created 0" in again.output
    monkeypatch.delenv("MOTCUA_ONESTOP_PULL_URL")
    missing = runner.invoke(app, ["onestop", "pull"])
    assert missing.exit_code == 2
