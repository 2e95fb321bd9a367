"""Local stand-ins for the benchmarks, each run as its own process:

- `python -m benchmarks.fakes rasa PORT`: Rasa's REST channel, answering every message with one
  text that carries the message back ("Dạ, đã nhận: <text>"), and `/status` with a model;
- `python -m benchmarks.fakes sms PORT`: the generic HTTP SMS gateway of CONTRACT §4.4,
  accepting every send and counting, per our message id, how often it was sent; `GET /stats`
  and `GET /dump` report what arrived.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ECHO_PREFIX = "Dạ, đã nhận: "


def rasa_app() -> Starlette:
    async def webhook(request: Request) -> Response:
        body = await request.json()
        return JSONResponse(
            [{"recipient_id": body["sender"], "text": ECHO_PREFIX + str(body["message"])}]
        )

    async def status(_request: Request) -> Response:
        return JSONResponse({"model_file": "models/fake.tar.gz"})

    return Starlette(
        routes=[
            Route("/webhooks/rest/webhook", webhook, methods=["POST"]),
            Route("/status", status, methods=["GET"]),
        ]
    )


def sms_app() -> Any:
    """Plain ASGI (no framework): the fake must not be what limits the measured rate."""
    counts: Counter[str] = Counter()
    messages: dict[str, dict[str, Any]] = {}

    async def reply(send: Any, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/send":
            chunks = []
            while True:
                message = await receive()
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            body = json.loads(b"".join(chunks))
            counts[body["id"]] += 1
            messages.setdefault(body["id"], {"to": body["to"], "text": body["text"]})
            await reply(send, 202, json.dumps({"id": "p-" + body["id"]}).encode())
        elif path == "/stats":
            stats = {
                "requests": sum(counts.values()),
                "distinct_ids": len(counts),
                "repeated_ids": sum(1 for n in counts.values() if n > 1),
            }
            await reply(send, 200, json.dumps(stats).encode())
        elif path == "/dump":
            dump = [{"id": k, **v, "count": counts[k]} for k, v in messages.items()]
            await reply(send, 200, json.dumps(dump, ensure_ascii=False).encode())
        else:
            await reply(send, 404, b"{}")

    return app


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    app = rasa_app() if kind == "rasa" else sms_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
