"""The question log: what citizens asked, for the staff console's statistics and its list of
questions the assistant did not understand.

The gateway records each citizen message (pseudonymous: the sender as a short hash) without
slowing the turn: rows are buffered and written in the background. The reminder worker then
asks Rasa how it understood each one (`/model/parse`) and which procedure it names.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from bot.dbthreads import DbThreads
from bot.rasa import RasaClient, RasaUnavailable
from core.logging import get_logger
from core.people.tables import QuestionLog
from core.procedures.desk import ProcedureDesk
from core.procedures.search import is_ambiguous

log = get_logger("motcua.questions")
PROCEDURE_INTENTS = frozenset(
    {"ask_required_documents", "ask_processing_time", "ask_fee", "ask_online_submission"}
)


def sender_hash(sender: str) -> str:
    return hashlib.sha256(sender.encode()).hexdigest()[:16]


class QuestionRecorder:
    def __init__(self, engine: Engine, *, db: DbThreads, flush_seconds: float = 1.0) -> None:
        self.engine = engine
        self.db = db
        self.flush_seconds = flush_seconds
        self._rows: list[dict[str, Any]] = []

    def record(self, *, channel: str, sender: str, text: str) -> None:
        if not text or text.startswith("/"):
            return  # button payloads are not questions
        self._rows.append(
            {
                "channel": channel,
                "sender_hash": sender_hash(sender),
                "text": text[:2000],
                "at": datetime.now(UTC),
            }
        )

    def _write(self, rows: list[dict[str, Any]]) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(insert(QuestionLog), rows)

    async def flush(self) -> None:
        rows, self._rows = self._rows, []
        if rows:
            try:
                await self.db(self._write, rows)
            except Exception:
                log.exception("could not write the question log", rows=len(rows))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.flush_seconds)
            await self.flush()


async def classify_questions(
    engine: Engine, rasa: RasaClient, desk: ProcedureDesk | None, *, limit: int = 200
) -> int:
    """Fills intent, confidence and procedure of logged questions not classified yet."""

    def pending() -> list[tuple[int, str]]:
        with Session(engine) as session:
            rows = session.execute(
                select(QuestionLog.id, QuestionLog.text)
                .where(QuestionLog.intent.is_(None))
                .order_by(QuestionLog.id)
                .limit(limit)
            ).all()
            return [(r.id, r.text) for r in rows]

    rows = await asyncio.to_thread(pending)
    updates: list[dict[str, Any]] = []
    for row_id, text in rows:
        try:
            parsed = await rasa.parse(text)
        except RasaUnavailable:
            break
        intent = parsed.get("intent") or {}
        name = str(intent.get("name") or "nlu_fallback")
        procedure = None
        if desk is not None and name in PROCEDURE_INTENTS:
            hits = desk.search.search(text, limit=3)
            if hits and not is_ambiguous(hits):
                procedure = hits[0].code
        updates.append(
            {
                "row_id": row_id,
                "intent": name,
                "confidence": float(intent.get("confidence") or 0.0),
                "procedure_code": procedure,
            }
        )

    def write() -> None:
        with Session(engine) as session, session.begin():
            for u in updates:
                session.execute(
                    update(QuestionLog)
                    .where(QuestionLog.id == u["row_id"])
                    .values(
                        intent=u["intent"],
                        confidence=u["confidence"],
                        procedure_code=u["procedure_code"],
                    )
                )

    if updates:
        await asyncio.to_thread(write)
    return len(updates)
