"""The ASGI gateway: the only module that knows the web framework (Starlette)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.channels import build_channels, rest, send_rates
from bot.channels.base import (
    Channel,
    InboundEvent,
    InvalidRequest,
    Unauthorized,
    WebhookRequest,
)
from bot.dbthreads import DbThreads
from bot.delivery import Dispatcher
from bot.handoff import HandoffService, install_handoff
from bot.inbound import TOO_FAST_REPLY, InboundPipeline
from bot.inbox import Inbox
from bot.keywords import SmsKeywords
from bot.metrics import OUTBOX_WAIT, REGISTRY, REJECTED
from bot.outbox import Outbox
from bot.questions import QuestionRecorder
from bot.rasa import RasaClient, RasaUnavailable
from bot.ratelimit import Rate, RateLimiter
from bot.router import ConversationRouter, busy_reply
from bot.tokens import SqlTokenStore
from core.db import make_engine, ping
from core.dossiers.repository import SqlDossierRepository
from core.logging import get_logger
from core.messaging.identities import Identities
from core.onestop import push
from core.settings import Settings

log = get_logger("motcua.gateway")
STATIC = Path(__file__).parent / "web" / "static"


class BodyTooLarge(Exception):
    pass


@dataclass
class Gateway:
    settings: Settings
    rasa: RasaClient
    router: ConversationRouter
    engine: Engine
    redis: aioredis.Redis | None
    dossiers: SqlDossierRepository
    limiter: RateLimiter
    channels: dict[str, Channel]
    outbox: Outbox
    # None: the worker sends (MOTCUA_GATEWAY_DELIVERY off)
    dispatcher: Dispatcher | None
    pipeline: InboundPipeline
    db: DbThreads
    questions: QuestionRecorder
    handoff: HandoffService | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        telegram = self.channels.get("telegram")
        if self.settings.telegram_polling and telegram is not None:
            from bot.channels.telegram.polling import poll

            async def handle(event: InboundEvent) -> None:
                await self.pipeline.accept_events(telegram, [event])

            log.info("telegram: long polling instead of the webhook (development)")
            self.tasks.append(asyncio.create_task(poll(telegram, handle, stop=self.stop)))  # type: ignore[arg-type]
        if self.dispatcher is not None:
            self.tasks.append(asyncio.create_task(self.dispatcher.run(self.stop)))
        self.tasks.append(asyncio.create_task(self.pipeline.run(self.stop)))
        self.tasks.append(asyncio.create_task(self.watch_outbox()))
        self.tasks.append(asyncio.create_task(self.questions.run(self.stop)))

    async def outbox_wait_seconds(self) -> float:
        """How long the longest-waiting due outbound message has waited (0 when none)."""
        now = datetime.now(UTC)
        oldest = await self.db(self.outbox.oldest_due, now=now)
        waited = 0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0)
        OUTBOX_WAIT.set(waited)
        return waited

    async def watch_outbox(self, *, every: float = 30.0, warn_after: float = 60.0) -> None:
        """Says so in the log when due messages wait unclaimed: nobody is delivering them (no
        worker running, or it cannot reach the database). A platform that refuses messages does
        not show here: those wait for their retry time, and the worker logs each failure."""
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=every)
            if self.stop.is_set():
                return
            try:
                waited = await self.outbox_wait_seconds()
            except Exception as exc:  # noqa: BLE001 - the database trouble is logged elsewhere
                log.warning("outbox check failed", error=type(exc).__name__)
                continue
            if waited > warn_after:
                log.warning(
                    "outbound messages are waiting: is the worker (motcua reminders worker) "
                    "running?",
                    oldest_waiting_seconds=round(waited),
                    gateway_delivery=self.dispatcher is not None,
                )

    async def aclose(self) -> None:
        self.stop.set()
        if self.dispatcher is not None:
            self.dispatcher.wake()
        if self.tasks:
            _done, pending = await asyncio.wait(self.tasks, timeout=10)
            for task in pending:
                task.cancel()
        for channel in self.channels.values():
            await channel.aclose()
        await self.rasa.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        self.db.shutdown()
        self.engine.dispose()


def build_gateway(settings: Settings) -> Gateway:
    rasa = RasaClient(settings.rasa_url, timeout=settings.rasa_timeout_seconds)
    engine = make_engine(settings.database_url)
    router = ConversationRouter(rasa, hotline=settings.hotline)
    limiter = RateLimiter(settings.redis_url)
    channels = build_channels(settings, token_store=SqlTokenStore(engine, provider="zalo"))
    outbox = Outbox(engine, lease=timedelta(seconds=settings.outbox_lease_seconds))
    db = DbThreads(engine)
    dispatcher = None
    if settings.gateway_delivery:
        dispatcher = Dispatcher(
            outbox,
            channels,
            limiter=limiter,
            rates=send_rates(settings),
            db=db,
            idle_seconds=settings.delivery_poll_seconds,
        )
    pipeline = InboundPipeline(
        inbox=Inbox(engine, retry_after=timedelta(seconds=settings.inbox_retry_seconds)),
        outbox=outbox,
        identities=Identities(engine),
        channels=channels,
        answer=router.handle,
        dispatcher=dispatcher,
        limiter=limiter,
        sender_rate=Rate(settings.sender_messages_per_minute, 60),
        db=db,
    )
    questions = QuestionRecorder(engine, db=db)
    pipeline.questions = questions
    dossiers = SqlDossierRepository(engine)
    pipeline.interceptors.append(
        SmsKeywords(identities=pipeline.identities, dossiers=dossiers, answer=router.handle, db=db)
    )
    gateway = Gateway(
        settings=settings,
        rasa=rasa,
        router=router,
        engine=engine,
        dossiers=dossiers,
        redis=aioredis.Redis.from_url(settings.redis_url) if settings.redis_url else None,
        limiter=limiter,
        channels=channels,
        outbox=outbox,
        dispatcher=dispatcher,
        pipeline=pipeline,
        db=db,
        questions=questions,
    )
    # handoff: installed here (bot/handoff)
    install_handoff(gateway)
    return gateway


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


async def _send_raw(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _read_raw_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InvalidRequest("client disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def rest_webhook(gateway: Gateway, scope: Scope, receive: Receive, send: Send) -> None:
    """POST /webhooks/rest/webhook, as plain ASGI: the chat hot path skips the framework's
    routing and middleware layers, so the gateway adds as little as possible to Rasa's time."""
    text_plain = b"text/plain; charset=utf-8"
    try:
        body = await _read_raw_body(scope, receive, gateway.settings.max_body_bytes)
        message, recipient = rest.parse(body)
    except BodyTooLarge:
        REJECTED.labels("rest", "too_large").inc()
        await _send_raw(send, 413, b"body too large", text_plain)
        return
    except InvalidRequest as exc:
        REJECTED.labels("rest", "malformed").inc()
        await _send_raw(send, 400, str(exc).encode(), text_plain)
        return
    try:
        if await gateway.pipeline.limiter.hit(gateway.pipeline.sender_rate, "in", message.sender):
            payload = [{"recipient_id": recipient, "text": TOO_FAST_REPLY}]
        else:
            gateway.questions.record(channel="web", sender=message.sender, text=message.text)
            payload = rest.render(recipient, await gateway.router.handle(message))
    except Exception:
        log.exception("unhandled error while answering", channel=message.channel)
        payload = [{"recipient_id": recipient, "text": busy_reply(gateway.settings.hotline)}]
    await _send_raw(
        send,
        200,
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(),
        b"application/json",
    )


ONESTOP_MAX_BODY = 8 * 1024 * 1024


async def onestop_webhook(request: Request) -> Response:
    """CONTRACT §4.5: a signed batch of dossier rows from the one-stop system."""
    gateway = _gateway(request)
    secret = gateway.settings.onestop_webhook_secret
    if secret is None:
        return PlainTextResponse("not configured", status_code=404)
    try:
        body = await _read_raw_body(request.scope, request.receive, ONESTOP_MAX_BODY)
    except BodyTooLarge:
        REJECTED.labels("onestop", "too_large").inc()
        return PlainTextResponse("body too large", status_code=413)
    except InvalidRequest as exc:
        return PlainTextResponse(str(exc), status_code=400)
    try:
        result = await gateway.db(
            push.receive,
            body,
            signature=request.headers.get(push.SIGNATURE_HEADER),
            secret=secret.get_secret_value(),
            repository=gateway.dossiers,
            tz=gateway.settings.tz,
            now=datetime.now(gateway.settings.tz),
        )
    except push.BadSignature as exc:
        REJECTED.labels("onestop", "unauthorized").inc()
        return PlainTextResponse(str(exc), status_code=401)
    except push.BadBatch as exc:
        REJECTED.labels("onestop", "malformed").inc()
        return PlainTextResponse(str(exc), status_code=400)
    log.info(
        "one-stop push",
        received=result.received,
        created=result.created,
        updated=result.updated,
        status_changes=len(result.changes),
        rejected=len(result.rejected),
    )
    return JSONResponse(result.as_json())


async def channel_webhook(request: Request) -> Response:
    """CONTRACT §4: POST /webhooks/telegram, /webhooks/zalo, /webhooks/sms/{provider}[/status].
    Stored, then answered 200 at once; the reply goes out later through the outbox."""
    gateway = _gateway(request)
    name = request.path_params["channel"]
    subpath = "/" + request.path_params.get("rest", "").strip("/")
    if name == "sms":
        provider, _, rest_of_path = subpath.strip("/").partition("/")
        if provider != gateway.settings.sms_provider:
            return PlainTextResponse(f"SMS provider {provider!r} is off", status_code=404)
        subpath = "/" + rest_of_path
    channel = gateway.channels.get(name)
    if channel is None:
        return PlainTextResponse(f"channel {name} is off", status_code=404)
    if request.method not in getattr(channel, "webhook_methods", ("POST",)):
        return PlainTextResponse("method not allowed", status_code=405)
    try:
        body = await _read_raw_body(request.scope, request.receive, gateway.settings.max_body_bytes)
    except BodyTooLarge:
        REJECTED.labels(name, "too_large").inc()
        return PlainTextResponse("body too large", status_code=413)
    except InvalidRequest as exc:
        return PlainTextResponse(str(exc), status_code=400)
    webhook = WebhookRequest(
        subpath=subpath.rstrip("/") or "/",
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        query=dict(request.query_params),
    )
    try:
        accepted = await gateway.pipeline.accept(channel, webhook)
    except Unauthorized as exc:
        REJECTED.labels(name, "unauthorized").inc()
        log.warning("webhook refused: bad signature or secret", channel=name)
        return PlainTextResponse(str(exc) or "unauthorized", status_code=401)
    except InvalidRequest as exc:
        REJECTED.labels(name, "malformed").inc()
        return PlainTextResponse(str(exc).splitlines()[0] if str(exc) else "malformed", 400)
    custom = getattr(channel, "acknowledgement", None)
    answer = custom(accepted.events) if custom is not None else None
    if answer is not None:
        body_out, media_type = answer
        return Response(body_out, media_type=media_type)
    return JSONResponse(
        {"ok": True, "accepted": accepted.stored, "duplicates": accepted.duplicates}
    )


async def healthz(request: Request) -> Response:
    gateway = _gateway(request)
    checks: dict[str, Any] = {}
    try:
        await asyncio.wait_for(asyncio.to_thread(ping, gateway.engine), timeout=3)
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = f"error: {type(exc).__name__}"
    if gateway.redis is None:
        checks["redis"] = "in-process"
    else:
        try:
            await asyncio.wait_for(gateway.redis.ping(), timeout=2)
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    try:
        status = await gateway.rasa.status()
        checks["rasa"] = "ok"
        checks["model"] = Path(str(status.get("model_file"))).name
    except RasaUnavailable as exc:
        checks["rasa"] = f"error: {exc}"
    # For the operator, not a readiness condition: a gateway whose messages wait for delivery
    # still accepts and keeps every message.
    delivery: dict[str, Any] = {"by": "gateway" if gateway.dispatcher is not None else "worker"}
    if checks["database"] == "ok":
        with contextlib.suppress(Exception):
            waited = await asyncio.wait_for(gateway.outbox_wait_seconds(), timeout=3)
            delivery["oldest_waiting_seconds"] = round(waited, 1)
    ready = all(checks[k] in ("ok", "in-process") for k in ("database", "redis", "rasa"))
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks, "delivery": delivery},
        status_code=200 if ready else 503,
    )


async def metrics(_request: Request) -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def index(_request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


def create_app(settings: Settings) -> ASGIApp:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gateway = build_gateway(settings)
        app.state.gateway = gateway
        gateway.start()
        log.info(
            "gateway started",
            rasa=settings.rasa_url,
            redis="configured" if settings.redis_url else "in-process",
            channels=sorted(gateway.channels),
        )
        if settings.onestop_webhook_secret is None:
            log.info("one-stop push webhook is off: MOTCUA_ONESTOP_WEBHOOK_SECRET is absent")
        try:
            yield
        finally:
            await gateway.aclose()

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/webhooks/onestop", onestop_webhook, methods=["POST"]),
        Route("/webhooks/{channel}", channel_webhook, methods=["GET", "POST"]),
        Route("/webhooks/{channel}/{rest:path}", channel_webhook, methods=["GET", "POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    # console routes: added here (bot/console)
    from bot.console import mount as console_mount

    routes.append(console_mount())
    framework = Starlette(routes=routes, lifespan=lifespan)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == "/webhooks/rest/webhook"
            and scope["method"] == "POST"
        ):
            await rest_webhook(framework.state.gateway, scope, receive, send)
        else:
            await framework(scope, receive, send)

    return app
