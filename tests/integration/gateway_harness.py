"""A whole gateway on loopback, with a fake Rasa and the platforms faked as local HTTP servers.

The gateway is `create_app` served by uvicorn, over a migrated SQLite file; what the fakes
receive is what a platform would. Our own code runs unmocked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import create_app
from core.cli import alembic_config
from core.db import make_engine
from core.messaging.tables import InboxEvent, OutboxMessage
from core.settings import Settings
from tests.conftest import LocalServer


@dataclass
class EchoRasa:
    """Rasa's REST channel: answers "Dạ, bạn nói: <text>" and a button, records each call."""

    received: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def webhook(request: Request) -> Response:
            body = await request.json()
            self.received.append(body)
            return JSONResponse(
                [
                    {"recipient_id": body["sender"], "text": f"Dạ, bạn nói: {body['message']}"},
                    {
                        "recipient_id": body["sender"],
                        "text": "Chọn một mục:",
                        "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}],
                    },
                ]
            )

        async def status(_request: Request) -> Response:
            return JSONResponse({"model_file": "models/motcua-x.tar.gz"})

        return Starlette(
            routes=[
                Route("/webhooks/rest/webhook", webhook, methods=["POST"]),
                Route("/status", status),
            ]
        )


def wait_for(predicate: Callable[[], Any], *, timeout: float = 10.0) -> Any:
    """Polls until `predicate()` is truthy; fails the test with a timeout otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout} s")


@dataclass
class Gateway:
    url: str
    rasa: EchoRasa
    engine: Engine

    def outbox_states(self) -> list[tuple[str, str]]:
        with Session(self.engine) as session:
            return [
                (r.channel, r.state)
                for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            ]

    def inbox_count(self) -> int:
        with Session(self.engine) as session:
            return len(session.scalars(select(InboxEvent.id)).all())


def start_gateway(
    tmp_path: Path,
    local_server: Callable[[Any], LocalServer],
    **settings: Any,
) -> Gateway:
    database_url = f"sqlite:///{tmp_path}/gateway.db"
    command.upgrade(alembic_config(database_url), "head")
    rasa = EchoRasa()
    rasa_server = local_server(rasa.app())
    app = create_app(
        Settings(
            database_url=database_url,
            rasa_url=rasa_server.url,
            rasa_timeout_seconds=2.0,
            hotline="0203 1234 567",
            # the gateway sends itself, as a set-up without a worker does; the stack tests
            # (tests/e2e) deliver through the worker, the default
            **({"gateway_delivery": True} | settings),
        )
    )
    server = local_server(app)
    return Gateway(url=server.url, rasa=rasa, engine=make_engine(database_url))
