"""Client of the Rasa server's REST channel and HTTP API.

Rasa's REST channel answers 200 with an empty list on internal errors, so "no reply" is a
failure to handle here, not a success (the router answers politely and logs it).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from bot.channels.base import Button
from bot.http11 import HTTPError, KeepAliveClient
from core.logging import get_logger

log = get_logger("motcua.rasa")


class RasaUnavailable(Exception):
    """Rasa did not answer usefully: down, slow, an error, or an empty answer."""


class Reply:
    """One bot message; `custom` is an action's `json_message` (e.g. a handoff request)."""

    __slots__ = ("buttons", "custom", "text")

    def __init__(
        self,
        text: str,
        buttons: tuple[Button, ...] = (),
        custom: dict[str, Any] | None = None,
    ) -> None:
        self.text = text
        self.buttons = buttons
        self.custom = custom


def _parse_replies(data: Any) -> list[Reply]:
    if not isinstance(data, list):
        raise RasaUnavailable("Rasa answered something other than a list")
    replies: list[Reply] = []
    for item in data:
        if not isinstance(item, dict):
            continue
        text = item.get("text") if isinstance(item.get("text"), str) else ""
        buttons = tuple(
            Button(title=str(b["title"]), payload=str(b["payload"]))
            for b in item.get("buttons") or []
            if isinstance(b, dict) and "title" in b and "payload" in b
        )
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else None
        if text or buttons or custom:
            replies.append(Reply(text or "", buttons, custom))
    return replies


class RasaClient:
    """Talks to one Rasa server over a pool of keep-alive connections (see bot/http11.py)."""

    def __init__(self, base_url: str, *, timeout: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the Rasa URL must be http://host:port, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._http = KeepAliveClient(parts.hostname, parts.port or 80)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, sender: str, text: str) -> list[Reply]:
        """Sends one user message; returns Rasa's replies, or raises RasaUnavailable."""
        body = json.dumps({"sender": sender, "message": text}, ensure_ascii=False).encode()
        try:
            status, answer = await self._http.request(
                "POST", f"{self._prefix}/webhooks/rest/webhook", body=body, timeout=self._timeout
            )
        except TimeoutError:
            raise RasaUnavailable("Rasa timed out") from None
        except HTTPError as exc:
            raise RasaUnavailable(f"Rasa unreachable: {exc}") from None
        if status != 200:
            raise RasaUnavailable(f"Rasa answered HTTP {status}")
        try:
            replies = _parse_replies(json.loads(answer))
        except ValueError:
            raise RasaUnavailable("Rasa answered invalid JSON") from None
        if not replies:
            raise RasaUnavailable("Rasa answered no reply")
        return replies

    async def parse(self, text: str) -> dict[str, Any]:
        """Rasa's /model/parse of `text` (intent, confidence, entities)."""
        body = json.dumps({"text": text}, ensure_ascii=False).encode()
        try:
            code, answer = await self._http.request(
                "POST", f"{self._prefix}/model/parse", body=body, timeout=self._timeout
            )
            data = json.loads(answer)
        except (TimeoutError, HTTPError, ValueError):
            raise RasaUnavailable("Rasa unreachable") from None
        if code != 200 or not isinstance(data, dict):
            raise RasaUnavailable(f"Rasa answered HTTP {code}")
        return data

    async def status(self) -> dict[str, Any]:
        """Rasa's /status: raises RasaUnavailable unless a model is loaded."""
        try:
            code, answer = await self._http.request(
                "GET", f"{self._prefix}/status", timeout=min(self._timeout, 2.0)
            )
            data = json.loads(answer)
        except (TimeoutError, HTTPError, ValueError):
            raise RasaUnavailable("Rasa unreachable") from None
        if code != 200 or not isinstance(data, dict):
            raise RasaUnavailable(f"Rasa answered HTTP {code}")
        if not data.get("model_file"):
            raise RasaUnavailable("Rasa has no model loaded")
        return data
