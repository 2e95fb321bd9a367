"""The console on a real gateway (uvicorn on loopback, migrated SQLite), with rows written
straight into the database the way the rest of the system writes them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.messaging.tables import OutboxMessage
from core.people.passwords import hash_password
from core.people.tables import (
    AuditEntry,
    Invite,
    QuestionLog,
    StaffAccount,
    Ticket,
    TicketMessage,
    Volunteer,
)
from core.reminders.tables import NoticeRecord
from tests.conftest import LocalServer
from tests.integration.gateway_harness import start_gateway

STAFF_USERNAME = "canbo.lan"
STAFF_PASSWORD = "mật-khẩu-đủ-dài-2024"
STAFF_NAME = "Trần Thị Lan"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    url: str
    engine: Engine
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"{self.url}/console"

    def client(self, **headers: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, follow_redirects=False, headers=headers)
        self.clients.append(client)
        return client

    def login(self, client: httpx.Client, *, password: str = STAFF_PASSWORD) -> httpx.Response:
        """Fetches the login form (its CSRF cookie and field), then posts the credentials."""
        form = client.get("/console/login")
        assert form.status_code == 200
        return client.post(
            "/console/login",
            data={
                "csrf_token": csrf_of(form.text),
                "username": STAFF_USERNAME,
                "password": password,
            },
        )

    def logged_in(self, **headers: str) -> tuple[httpx.Client, str]:
        """A client with a live session, and the session's CSRF token."""
        client = self.client(**headers)
        answer = self.login(client)
        assert answer.status_code == 303, answer.text
        page = client.get("/console/invites")
        assert page.status_code == 200
        return client, csrf_of(page.text)

    def count(self, table: type[Any], *where: Any) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    def audit(self) -> list[tuple[str, str]]:
        with Session(self.engine) as session:
            rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            return [(row.actor, row.action) for row in rows]


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)


@pytest.fixture
def console(tmp_path: Path, local_server: Callable[[Any], LocalServer]) -> Iterator[Console]:
    gateway = start_gateway(tmp_path, local_server)
    with Session(gateway.engine) as session, session.begin():
        session.add(
            StaffAccount(
                username=STAFF_USERNAME,
                display_name=STAFF_NAME,
                password_hash=hash_password(STAFF_PASSWORD),
                active=True,
                created_at=datetime.now(UTC),
            )
        )
    running = Console(url=gateway.url, engine=gateway.engine)
    yield running
    for client in running.clients:
        client.close()
    gateway.engine.dispose()


# Seed data, written as the handoff, the question log and the delivery layer write it.

NOW = datetime.now(UTC).replace(microsecond=0)


def add_volunteer(engine: Engine, *, name: str = "Lê Văn Hùng") -> int:
    with Session(engine) as session, session.begin():
        volunteer = Volunteer(
            name=name, channel="telegram", user_id="777001", created_at=NOW - timedelta(days=30)
        )
        session.add(volunteer)
        session.flush()
        return volunteer.id


def add_ticket(
    engine: Engine,
    *,
    state: str,
    summary: str,
    transcript: list[tuple[str, str]] = (),  # type: ignore[assignment]
    volunteer_id: int | None = None,
    rating: int | None = None,
    created_at: datetime = NOW - timedelta(hours=2),
    procedure_code: str | None = None,
) -> int:
    with Session(engine) as session, session.begin():
        ticket = Ticket(
            citizen_channel="zalo",
            citizen_user_id="6142494823",
            state=state,
            reason="request_human",
            summary=summary,
            procedure_code=procedure_code,
            volunteer_id=volunteer_id,
            created_at=created_at,
            claimed_at=created_at + timedelta(minutes=3)
            if state in ("claimed", "closed")
            else None,
            closed_at=created_at + timedelta(minutes=20) if state == "closed" else None,
            rating=rating,
            rated_at=created_at + timedelta(minutes=25) if rating else None,
        )
        session.add(ticket)
        session.flush()
        for index, (author, text) in enumerate(transcript):
            session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    author=author,
                    text=text,
                    at=created_at + timedelta(minutes=index),
                )
            )
        return ticket.id


def add_questions(
    engine: Engine, rows: list[tuple[str, str | None, float | None]], *, channel: str = "zalo"
) -> list[int]:
    """Question log rows (text, intent, confidence), the first one newest."""
    ids: list[int] = []
    with Session(engine) as session, session.begin():
        for index, (text, intent, confidence) in enumerate(rows):
            row = QuestionLog(
                channel=channel,
                sender_hash=f"{index:016x}",
                text=text,
                at=NOW - timedelta(minutes=5 * index),
                intent=intent,
                confidence=confidence,
            )
            session.add(row)
            session.flush()
            ids.append(row.id)
    return ids


def add_outbox(
    engine: Engine, *, channel: str, state: str, last_error: str | None = None, key: str
) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            OutboxMessage(
                key=key,
                public_id=f"pub-{key}",
                channel=channel,
                user_id="6142494823",
                text="Dạ, hồ sơ của bạn đã có kết quả.",
                buttons=[],
                origin="notice",
                state=state,
                attempts=5 if state == "failed" else 1,
                created_at=NOW - timedelta(hours=1),
                next_attempt_at=NOW - timedelta(hours=1),
                finished_at=NOW if state in ("failed", "delivered") else None,
                last_error=last_error,
            )
        )


def add_notice(engine: Engine, *, key: str, state: str, outcome: str | None) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            NoticeRecord(
                key=key,
                dossier_code="000.00.31.H49-261015-0041",
                kind="result_ready",
                sequence=1,
                due_at=NOW - timedelta(hours=1),
                state=state,
                planned_at=NOW - timedelta(hours=2),
                decided_at=NOW - timedelta(minutes=30) if state != "pending" else None,
                channel=None,
                outcome=outcome,
            )
        )


def invites_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Invite)) or 0)
