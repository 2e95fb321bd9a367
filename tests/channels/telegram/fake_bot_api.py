"""A local fake of the Telegram Bot API (https://core.telegram.org/bots/api#making-requests).

A Starlette app served on loopback: it answers the methods the channel calls with the Bot API's
own envelopes (`{"ok": true, "result": …}` / `{"ok": false, "error_code", "description",
"parameters"?}`), records every call, and `verify()` fails the test when a scripted answer was
never asked for or a call came that nobody scripted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

METHODS = ("sendMessage", "answerCallbackQuery", "getUpdates", "deleteWebhook", "setWebhook")


@dataclass(frozen=True)
class Call:
    method: str
    token: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a JSON body (dict or list) or raw text, after `delay` seconds."""

    status: int = 200
    body: Any = None
    delay: float = 0.0


def ok(result: Any) -> Reply:
    return Reply(200, {"ok": True, "result": result})


def error(status: int, description: str, parameters: dict[str, Any] | None = None) -> Reply:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters is not None:
        body["parameters"] = parameters
    return Reply(status, body)


def sent_message(message_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """The Message `sendMessage` returns (https://core.telegram.org/bots/api#message)."""
    return {
        "message_id": message_id,
        "from": {
            "id": 7000000001,
            "is_bot": True,
            "first_name": "Một Cửa",
            "username": "MotCuaBot",
        },
        "chat": {"id": chat_id, "first_name": "An", "type": "private"},
        "date": 1730790000,
        "text": text,
    }


@dataclass
class FakeBotApi:
    token: str
    url: str = ""
    # An unscripted getUpdates is a long poll that times out: `[]` after this many seconds
    # (or the request's own `timeout`, if shorter).
    idle_poll_seconds: float = 0.05
    calls: list[Call] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    _script: dict[str, deque[Reply]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """What the channel takes as `base_url` (the token is appended by PTB)."""
        return f"{self.url}/bot"

    def expect(self, method: str, *replies: Reply) -> None:
        assert method in METHODS, method
        with self._lock:
            self._script.setdefault(method, deque()).extend(replies)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def verify(self) -> None:
        with self._lock:
            pending = {m: len(q) for m, q in self._script.items() if q}
            unexpected = list(self.unexpected)
        assert not unexpected, f"calls nobody scripted: {unexpected}"
        assert not pending, f"scripted calls that never came: {pending}"

    def app(self) -> Starlette:
        routes = [
            Route(f"/bot{{token}}/{method}", self._endpoint(method), methods=["POST"])
            for method in METHODS
        ]
        # Any other method (getMe included: the channel never needs it) fails the test.
        routes.append(Route("/bot{token}/{method}", self._unknown, methods=["GET", "POST"]))
        return Starlette(routes=routes)

    async def _unknown(self, request: Request) -> Response:
        method = request.path_params["method"]
        with self._lock:
            self.calls.append(Call(method, request.path_params["token"], {}))
            self.unexpected.append(method)
        return JSONResponse(error(404, "Not Found").body, status_code=404)

    def _endpoint(self, method: str) -> Any:
        async def endpoint(request: Request) -> Response:
            token = request.path_params["token"]
            params = _params(await request.body(), request.headers.get("content-type", ""))
            with self._lock:
                self.calls.append(Call(method, token, params))
                script = self._script.get(method)
                reply = script.popleft() if script else None
                if token != self.token:
                    self.unexpected.append(f"{method} with another token")
                    reply = error(401, "Unauthorized")
                elif reply is None and method != "getUpdates":
                    self.unexpected.append(method)
                    reply = error(500, "Internal Server Error: unscripted call")
            if reply is None:  # an idle long poll
                await _hold(request, min(float(params.get("timeout", 0)), self.idle_poll_seconds))
                reply = ok([])
            await _hold(request, reply.delay)
            if isinstance(reply.body, str):
                return PlainTextResponse(reply.body, status_code=reply.status)
            return JSONResponse(reply.body, status_code=reply.status)

        return endpoint


async def _hold(request: Request, seconds: float) -> None:
    """Waits `seconds`, or until the client hangs up (so the server can stop at once)."""
    deadline = time.monotonic() + seconds
    # ASGI has no event for a hang-up outside `receive`: polling it is what Starlette offers.
    while time.monotonic() < deadline and not await request.is_disconnected():  # noqa: ASYNC110
        await asyncio.sleep(0.02)


def _params(body: bytes, content_type: str) -> dict[str, Any]:
    """PTB posts form fields (JSON-encoded where the value is an object or array)."""
    if content_type.startswith("application/json"):
        data: dict[str, Any] = json.loads(body or b"{}")
        return data
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        params[key] = value
        if value[:1] in ("[", "{"):
            with contextlib.suppress(json.JSONDecodeError):  # a text may start with a bracket
                params[key] = json.loads(value)
    return params
