"""A local stand-in for Zalo's three hosts, answering the real shapes (errors with HTTP 200).

- `POST /v3.0/oa/message/cs` (openapi.zalo.me): consultation messages;
- `POST /v4/oa/access_token` (oauth.zaloapp.com): refresh, rotating both tokens;
- `POST /message/template` (business.openapi.zalo.me): ZNS.
Every call is recorded; `journal` interleaves the calls with events the test adds (token
saves), so ordering across the two can be asserted. `script` queues canned answers.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

CS = "/v3.0/oa/message/cs"
OAUTH = "/v4/oa/access_token"
ZNS = "/message/template"


@dataclass(frozen=True)
class Call:
    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] | None = None


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeZalo:
    def __init__(
        self,
        *,
        app_id: str,
        secret_key: str,
        access_tokens: set[str] | None = None,
        refresh_tokens: set[str] | None = None,
        refresh_delay: float = 0.0,
    ) -> None:
        self.app_id = app_id
        self.secret_key = secret_key
        self.valid_access = set(access_tokens or ())
        self.valid_refresh = set(refresh_tokens or ())
        self.refresh_delay = refresh_delay
        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.journal: list[tuple[str, str]] = []
        self.scripted: dict[str, list[Scripted]] = {CS: [], OAUTH: [], ZNS: []}
        self.on_refresh: Callable[[], None] | None = None
        self.issued = 0  # message ids
        self.rotations = 0  # token pairs: access-1/refresh-1, access-2/refresh-2 …
        self.url = ""
        self.app = Starlette(
            routes=[
                Route(CS, self._cs, methods=["POST"]),
                Route(OAUTH, self._oauth, methods=["POST"]),
                Route(ZNS, self._zns, methods=["POST"]),
            ]
        )

    # --- test helpers ---
    def script(self, path: str, body: Any, *, status: int = 200, **headers: str) -> None:
        with self.lock:
            self.scripted[path].append(Scripted(status, body, headers))

    def note(self, kind: str, value: str) -> None:
        with self.lock:
            self.journal.append((kind, value))

    def calls_to(self, path: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.path == path]

    # --- endpoints ---
    def _record(self, request: Request, *, json: Any = None, form: Any = None) -> None:
        call = Call(request.url.path, dict(request.headers), json, form)
        with self.lock:
            self.calls.append(call)
            if request.url.path in (CS, ZNS):
                self.journal.append(("send", request.headers.get("access_token", "")))

    def _next_scripted(self, path: str) -> Response | None:
        with self.lock:
            if not self.scripted[path]:
                return None
            answer = self.scripted[path].pop(0)
        if isinstance(answer.body, str):
            return PlainTextResponse(answer.body, answer.status, headers=answer.headers)
        return JSONResponse(answer.body, answer.status, headers=answer.headers)

    def _token_ok(self, request: Request) -> bool:
        with self.lock:
            return request.headers.get("access_token") in self.valid_access

    async def _cs(self, request: Request) -> Response:
        body = await request.json()
        self._record(request, json=body)
        scripted = self._next_scripted(CS)
        if scripted is not None:
            return scripted
        if not self._token_ok(request):
            return JSONResponse({"error": -216, "message": "Access token is invalid"})
        user_id = (body.get("recipient") or {}).get("user_id")
        message = body.get("message") or {}
        if not isinstance(user_id, str) or not isinstance(message.get("text"), str):
            return JSONResponse({"error": -201, "message": "message is invalid!"})
        with self.lock:
            self.issued += 1
            n = self.issued
        return JSONResponse(
            {
                "data": {
                    "message_id": f"6a8f3e2b1c0d9e8f{n:04d}",
                    "user_id": user_id,
                    "quota": {"quota_type": "reward_quota", "remain": 8, "total": 8},
                },
                "error": 0,
                "message": "Success",
            }
        )

    async def _oauth(self, request: Request) -> Response:
        # form parsing by hand: starlette's needs python-multipart
        form = dict(parse_qsl((await request.body()).decode("utf-8")))
        self._record(request, form=form)
        with self.lock:
            self.journal.append(("refresh", form.get("refresh_token", "")))
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        if self.on_refresh is not None:
            self.on_refresh()
        scripted = self._next_scripted(OAUTH)
        if scripted is not None:
            return scripted
        token = form.get("refresh_token", "")
        ok = (
            request.headers.get("secret_key") == self.secret_key
            and form.get("app_id") == self.app_id
            and form.get("grant_type") == "refresh_token"
        )
        with self.lock:
            if ok and token in self.valid_refresh:
                self.valid_refresh.discard(token)  # each refresh token works once
                self.rotations += 1
                access, refresh = f"access-{self.rotations}", f"refresh-{self.rotations}"
                self.valid_access.add(access)
                self.valid_refresh.add(refresh)
            else:
                access = refresh = ""
        if not access:
            return JSONResponse(
                {
                    "error_name": "Invalid refresh token",
                    "error_reason": "refresh token is invalid or expired",
                    "ref_doc": "https://developers.zalo.me/docs/official-account",
                    "error_description": "refresh token is invalid",
                    "error": -14014,
                }
            )
        return JSONResponse(
            {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        )

    async def _zns(self, request: Request) -> Response:
        body = await request.json()
        self._record(request, json=body)
        scripted = self._next_scripted(ZNS)
        if scripted is not None:
            return scripted
        if not self._token_ok(request):
            return JSONResponse({"error": -124, "message": "Access token invalid"})
        if not re.fullmatch(r"84\d{9}", str(body.get("phone", ""))):
            return JSONResponse({"error": -108, "message": "Phone number invalid"})
        if not body.get("tracking_id") or not isinstance(body.get("template_data"), dict):
            return JSONResponse({"error": -111, "message": "Template data empty"})
        with self.lock:
            self.issued += 1
            n = self.issued
        return JSONResponse(
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "msg_id": f"a4d0243feee163bd{n:04d}",
                    "sent_time": "1730793467432",
                    "sending_mode": "1",
                    "quota": {"dailyQuota": "500", "remainingQuota": "499"},
                },
            }
        )
