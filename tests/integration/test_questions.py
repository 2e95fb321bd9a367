"""The question log: citizens' messages are recorded without their identity, and classified
later by Rasa's /model/parse with the procedure they name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.questions import classify_questions, sender_hash
from bot.rasa import RasaClient
from core.people.tables import QuestionLog
from core.procedures.desk import ProcedureDesk
from tests.conftest import LocalServer
from tests.integration.gateway_harness import start_gateway, wait_for


def test_chat_questions_are_logged_pseudonymously(
    tmp_path: Path, local_server: Callable[[Any], LocalServer]
) -> None:
    gateway = start_gateway(tmp_path, local_server)
    with httpx.Client(timeout=10) as client:
        for text in ("lệ phí đăng ký kết hôn", "/greet"):
            client.post(
                gateway.url + "/webhooks/rest/webhook",
                json={"sender": "web:alice", "message": text},
            )

    def logged() -> list[QuestionLog]:
        with Session(gateway.engine) as session:
            return list(session.scalars(select(QuestionLog)))

    rows = wait_for(logged)
    assert [(r.channel, r.text, r.intent) for r in rows] == [
        ("web", "lệ phí đăng ký kết hôn", None)
    ]
    assert rows[0].sender_hash == sender_hash("web:alice") != "web:alice"
    gateway.engine.dispose()


async def test_questions_are_classified_with_their_procedure(
    engine: Engine, local_server: Callable[[Any], LocalServer]
) -> None:
    intents = {"lệ phí đăng ký kết hôn": ("ask_fee", 0.93), "abc xyz": ("nlu_fallback", 0.2)}

    async def parse(request: Request) -> Response:
        text = (await request.json())["text"]
        name, confidence = intents[text]
        return JSONResponse({"text": text, "intent": {"name": name, "confidence": confidence}})

    rasa_server = local_server(Starlette(routes=[Route("/model/parse", parse, methods=["POST"])]))
    with Session(engine) as session, session.begin():
        from datetime import UTC, datetime

        session.execute(
            insert(QuestionLog),
            [
                {"channel": "zalo", "sender_hash": "x", "text": t, "at": datetime.now(UTC)}
                for t in intents
            ],
        )
    rasa = RasaClient(rasa_server.url, timeout=5)
    try:
        assert await classify_questions(engine, rasa, ProcedureDesk.load()) == 2
        assert await classify_questions(engine, rasa, ProcedureDesk.load()) == 0
    finally:
        await rasa.aclose()
    with Session(engine) as session:
        rows = {r.text: r for r in session.scalars(select(QuestionLog))}
    fee = rows["lệ phí đăng ký kết hôn"]
    assert (fee.intent, fee.confidence) == ("ask_fee", 0.93)
    assert fee.procedure_code is not None
    assert rows["abc xyz"].intent == "nlu_fallback"
    assert rows["abc xyz"].procedure_code is None
