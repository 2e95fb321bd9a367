"""Shared test fixtures: real local servers, free ports, and the storage tiers.

PostgreSQL and Redis tests run against real servers (MOTCUA_TEST_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test; MOTCUA_TEST_REDIS_URL, default
redis://127.0.0.1:6379/15). Where a server is missing those tests skip with the reason, except
under CI (CI=true), where a missing server is a failure.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
import uvicorn
from hypothesis import HealthCheck, settings

# Property tests assert behaviour, never speed: a shared 2-core machine may be slow at times.
settings.register_profile("motcua", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("motcua")

POSTGRES_URL = os.environ.get(
    "MOTCUA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`configure_logging` binds the logs to the `sys.stderr` of the moment: under capsys or
    typer's CliRunner a stream that is closed when the test ends. Each test gets the logging
    set-up it started with back, so no later test writes to a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    config = structlog.get_config()
    yield
    structlog.configure(**config)
    root.handlers[:] = handlers
    root.setLevel(level)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_service(name: str, check: Callable[[], None]) -> None:
    """Skips (or, under CI, fails) when a real server the test needs does not answer."""
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not there
        reason = f"{name} is not reachable ({type(exc).__name__}: {exc})"
        if IN_CI:
            pytest.fail(f"{reason}; under CI a missing server is a failure", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    def check() -> None:
        import sqlalchemy

        engine = sqlalchemy.create_engine(POSTGRES_URL)
        try:
            with engine.connect() as conn:
                conn.execute(sqlalchemy.text("SELECT 1"))
        finally:
            engine.dispose()

    require_service("PostgreSQL", check)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    def check() -> None:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()

    require_service("Redis", check)
    return REDIS_URL


class LocalServer:
    """An ASGI app served by uvicorn on a loopback port, in a background thread."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("local server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture
def local_server() -> Iterator[Callable[[Any], LocalServer]]:
    started: list[LocalServer] = []

    def start(app: Any) -> LocalServer:
        server = LocalServer(app).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()
