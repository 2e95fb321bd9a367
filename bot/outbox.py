"""The durable outbox: every outbound message (replies and notices alike) is a row before it is
a provider call.

States: queued → sending (claimed, with a lease) → sent → delivered | failed. A message whose
lease ran out while `sending` (its sender crashed) is claimed again and re-sent with the same
`public_id`, which providers that deduplicate (SMS `id`, ZNS `tracking_id`) use to drop the
repeat. Enqueuing is idempotent by `key`: the same reply or notice is never queued twice.
Several dispatchers may run (replicas): claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, and
SQLite serializes writers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Engine, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from bot.channels.base import Button, OutboundMessage, Template
from core.db import dialect_insert, rowcount
from core.messaging.tables import OutboxMessage

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=30)
Origin = Literal["reply", "notice", "relay", "system"]


@dataclass(frozen=True, slots=True)
class Envelope:
    """What to enqueue: the message, its idempotency key, and where to turn if the platform
    refuses it for good (Zalo outside its reply window → ZNS → SMS)."""

    key: str
    message: OutboundMessage
    origin: Origin = "reply"
    fallbacks: tuple[OutboundMessage, ...] = ()
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    public_id: str
    key: str
    message: OutboundMessage
    attempts: int
    fallbacks: tuple[OutboundMessage, ...]
    origin: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed message."""

    id: int
    state: Literal["sent", "queued", "failed"]
    at: datetime
    provider_message_id: str | None = None
    segments: int | None = None
    cost_vnd: float | None = None
    error: str | None = None
    retry_at: datetime | None = None
    # a rate-limit wait is not an attempt
    refund_attempt: bool = False


def _message_json(message: OutboundMessage) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "user_id": message.user_id,
        "text": message.text,
        "buttons": [[b.title, b.payload] for b in message.buttons],
        "template": _template_json(message.template),
    }


def _template_json(template: Template | None) -> dict[str, Any] | None:
    if template is None:
        return None
    return {"id": template.template_id, "data": dict(template.data)}


def _template(data: dict[str, Any] | None) -> Template | None:
    if not data:
        return None
    return Template(template_id=str(data["id"]), data=tuple(sorted(data["data"].items())))


def _message(data: dict[str, Any], *, key: str | None = None) -> OutboundMessage:
    return OutboundMessage(
        channel=data["channel"],
        user_id=data["user_id"],
        text=data["text"],
        buttons=tuple(Button(title=t, payload=p) for t, p in data.get("buttons") or []),
        template=_template(data.get("template")),
        idempotency_key=key,
    )


def new_public_id() -> str:
    return "m" + secrets.token_hex(12)


class Outbox:
    """SQL storage of outbound messages. Blocking: call from a thread in async code."""

    def __init__(self, engine: Engine, *, lease: timedelta = LEASE) -> None:
        self.engine = engine
        self.lease = lease

    # ------------------------------------------------------------------ enqueue
    def enqueue(self, envelopes: Sequence[Envelope], *, now: datetime) -> int:
        """Stores the messages; keys already present are skipped. Returns how many were new."""
        if not envelopes:
            return 0
        with Session(self.engine) as session, session.begin():
            added = self.enqueue_in(session, envelopes, now=now)
        return added

    def enqueue_in(self, session: Session, envelopes: Sequence[Envelope], *, now: datetime) -> int:
        """The same, inside the caller's transaction (so a reply is stored atomically with the
        inbox event it answers)."""
        if not envelopes:
            return 0
        rows = [
            {
                "key": e.key,
                "public_id": new_public_id(),
                "channel": e.message.channel,
                "user_id": e.message.user_id,
                "text": e.message.text,
                "buttons": [[b.title, b.payload] for b in e.message.buttons],
                "template": _template_json(e.message.template),
                "fallback": [_message_json(f) for f in e.fallbacks] or None,
                "origin": e.origin,
                "state": "queued",
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": e.not_before or now,
            }
            for e in envelopes
        ]
        stmt = dialect_insert(self.engine)(OutboxMessage).on_conflict_do_nothing(
            index_elements=["key"]
        )
        result = session.execute(stmt.returning(OutboxMessage.id), rows)
        return len(result.all())

    # -------------------------------------------------------------------- claim
    def has_due(self, *, now: datetime) -> bool:
        """Whether `claim` would find anything (a read, no lock taken)."""
        with Session(self.engine) as session:
            return session.scalar(select(OutboxMessage.id).where(_due(now)).limit(1)) is not None

    def oldest_due(self, *, now: datetime) -> datetime | None:
        """When the longest-waiting due message became due; None when nothing waits."""
        with Session(self.engine) as session:
            return session.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.state == "queued", OutboxMessage.next_attempt_at <= now
                )
            )

    def claim(self, *, now: datetime, limit: int, lease: timedelta | None = None) -> list[Claimed]:
        """Takes up to `limit` due messages (queued and due, or sending with a lapsed lease)."""
        pick = (
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(pick.scalar_subquery()))
            .values(
                state="sending",
                claimed_until=now + (lease or self.lease),
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(
                OutboxMessage.id,
                OutboxMessage.public_id,
                OutboxMessage.key,
                OutboxMessage.channel,
                OutboxMessage.user_id,
                OutboxMessage.text,
                OutboxMessage.buttons,
                OutboxMessage.template,
                OutboxMessage.fallback,
                OutboxMessage.attempts,
                OutboxMessage.origin,
            )
        )
        with Session(self.engine) as session, session.begin():
            rows = session.execute(stmt).all()
        claimed = [
            Claimed(
                id=r.id,
                public_id=r.public_id,
                key=r.key,
                message=_message(
                    {
                        "channel": r.channel,
                        "user_id": r.user_id,
                        "text": r.text,
                        "buttons": r.buttons,
                        "template": r.template,
                    },
                    key=r.public_id,
                ),
                attempts=r.attempts,
                fallbacks=tuple(_message(f) for f in r.fallback or []),
                origin=r.origin,
            )
            for r in rows
        ]
        claimed.sort(key=lambda c: c.id)
        return claimed

    # ------------------------------------------------------------------- finish
    def finish(
        self,
        outcomes: Iterable[Outcome],
        *,
        fallbacks: Sequence[Envelope] = (),
        now: datetime | None = None,
    ) -> None:
        """Records what became of claimed messages, in one transaction, with the fallbacks to
        queue for messages that failed for good."""
        outcomes = list(outcomes)
        sent = [o for o in outcomes if o.state == "sent"]
        with Session(self.engine) as session, session.begin():
            if sent:
                # the common case in one executemany
                session.connection().execute(
                    _MARK_SENT,
                    [
                        {
                            "b_id": o.id,
                            "b_sent_at": o.at,
                            "b_provider_id": o.provider_message_id,
                            "b_segments": o.segments,
                            "b_cost": o.cost_vnd,
                        }
                        for o in sent
                    ],
                )
            for o in outcomes:
                if o.state == "sent":
                    continue
                values: dict[str, Any] = {"state": o.state, "claimed_until": None}
                if o.state == "queued":
                    values["next_attempt_at"] = o.retry_at or o.at
                    if o.error:
                        values["last_error"] = o.error[:300]
                    if o.refund_attempt:
                        values["attempts"] = OutboxMessage.attempts - 1
                else:
                    values |= {"finished_at": o.at, "last_error": (o.error or "")[:300]}
                # Only a message still `sending` is touched: a delivery report that arrived
                # first is not overwritten.
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == o.id, OutboxMessage.state == "sending")
                    .values(**values)
                )
            if fallbacks:
                self.enqueue_in(session, fallbacks, now=now or datetime.now(UTC))

    def report(
        self,
        *,
        channel: str,
        message_id: str,
        status: Literal["delivered", "failed"],
        by_provider_id: bool,
        now: datetime,
    ) -> bool:
        """A provider's delivery report; returns whether it matched a message of ours."""
        column = OutboxMessage.provider_message_id if by_provider_id else OutboxMessage.public_id
        stmt = (
            update(OutboxMessage)
            .where(
                column == message_id,
                OutboxMessage.channel == channel,
                OutboxMessage.state.in_(("sending", "sent", "queued")),
            )
            .values(state=status, finished_at=now, claimed_until=None)
        )
        with Session(self.engine) as session, session.begin():
            matched = rowcount(session.execute(stmt))
            if not matched:
                # already final (a repeated report) or unknown
                exists = session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(column == message_id)
                )
                return bool(exists)
        return True

    # ------------------------------------------------------------------- views
    def counts(self) -> dict[str, int]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            ).all()
        return {state: int(n) for state, n in rows}


def _due(now: datetime) -> Any:
    """Queued and due, or being sent by a sender whose lease ran out (it crashed)."""
    return or_(
        and_(OutboxMessage.state == "queued", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.state == "sending", OutboxMessage.claimed_until < now),
    )


_outbox = cast(Table, OutboxMessage.__table__)
# Only a message still `sending` is touched: a delivery report that came first stays.
_MARK_SENT = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("b_id"), _outbox.c.state == "sending")
    .values(
        state="sent",
        claimed_until=None,
        sent_at=bindparam("b_sent_at"),
        provider_message_id=bindparam("b_provider_id"),
        segments=bindparam("b_segments"),
        cost_vnd=bindparam("b_cost"),
        last_error=None,
    )
)


def backoff(attempts: int, *, retry_after: float | None = None) -> timedelta:
    """Exponential backoff (2, 4, 8 … s, at most 10 min) or the platform's own wait if longer."""
    if retry_after is not None and retry_after > 0:
        return timedelta(seconds=min(retry_after, 3600.0))
    return timedelta(seconds=min(2.0**attempts, 600.0))
