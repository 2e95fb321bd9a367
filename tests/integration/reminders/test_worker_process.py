"""`motcua reminders worker` as a process: it delivers what a gateway queued, serves its own
metrics when asked to, and refuses a metrics port it cannot listen on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.base import OutboundMessage
from bot.outbox import Envelope, Outbox
from core.cli import ROOT, alembic_config
from core.db import make_engine
from tests.conftest import LocalServer, free_port

MOTCUA = str(Path(sys.executable).parent / "motcua")


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    return env | {"MOTCUA_DATABASE_URL": database_url, "MOTCUA_LOG_LEVEL": "INFO"} | extra


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/worker.db"
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture
def sms_gateway(local_server: Callable[[Any], LocalServer]) -> tuple[str, list[Any]]:
    sent: list[Any] = []

    async def send(request: Request) -> Response:
        sent.append(await request.json())
        return JSONResponse({"id": f"gw-{len(sent)}"}, status_code=202)

    server = local_server(Starlette(routes=[Route("/send", send, methods=["POST"])]))
    return server.url + "/send", sent


def _stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=20)
    return out.decode()


def test_the_worker_sends_what_was_queued_and_serves_its_metrics(
    database_url: str, sms_gateway: tuple[str, list[Any]]
) -> None:
    send_url, sent = sms_gateway
    port = free_port()
    env = _env(
        database_url,
        MOTCUA_SMS_PROVIDER="http",
        MOTCUA_SMS_HTTP_SEND_URL=send_url,
        MOTCUA_SMS_HTTP_TOKEN="t",
        MOTCUA_WORKER_METRICS_PORT=str(port),
    )
    process = subprocess.Popen(
        [MOTCUA, "reminders", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    engine = make_engine(database_url)
    try:
        # queued as a gateway queues a reply, with no wake-up: the worker's poll finds it
        message = OutboundMessage(channel="sms", user_id="+84912345678", text="Dạ, đã nhận ạ")
        Outbox(engine).enqueue([Envelope("reply:1", message)], now=datetime.now(UTC))
        deadline = time.monotonic() + 20
        while not sent and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [(m["to"], m["text"]) for m in sent] == [("+84912345678", "Da, da nhan a")]
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'motcua_outbox_results_total{state="sent"} 1.0' in metrics
        assert "motcua_send_seconds_count" in metrics
    finally:
        output = _stop(process)
        engine.dispose()
    assert process.returncode == 0, output
    assert "+84912345678" not in output


def test_a_metrics_port_in_use_stops_the_worker_with_a_clear_message(database_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [MOTCUA, "reminders", "worker"],
            cwd=ROOT,
            env=_env(database_url, MOTCUA_WORKER_METRICS_PORT=str(port)),
            capture_output=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert (
        f"MOTCUA_WORKER_METRICS_PORT: cannot listen on 127.0.0.1:{port}" in result.stderr.decode()
    )
