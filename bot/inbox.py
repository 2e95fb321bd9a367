"""The durable inbox: a webhook event is stored before it is acknowledged, so an event Zalo,
Telegram or an SMS gateway was told we accepted is never lost, and a redelivery of the same
event (same Telegram `update_id`, Zalo `msg_id`, SMS id) is recognized by the unique key and
answered 200 without a second reply. Blocking SQL: call from a thread in async code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.orm import Session

from bot.channels.base import Follow, InboundEvent, InboundMessage, PhoneShared
from bot.outbox import Envelope, Outbox
from core.db import dialect_insert
from core.messaging.tables import InboxEvent

# An event not finished this long after it arrived is taken again (its process died).
STALE_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 3

Storable = InboundMessage | Follow | PhoneShared


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    event: Storable
    attempts: int = 0


def event_key(event: Storable) -> str | None:
    return event.message_id if isinstance(event, InboundMessage) else event.event_id


def _row(event: Storable, now: datetime) -> dict[str, Any]:
    payload: dict[str, Any]
    if isinstance(event, InboundMessage):
        kind, payload = "message", {"text": event.text, "callback_id": event.callback_id}
    elif isinstance(event, Follow):
        kind, payload = "follow", {}
    else:
        kind, payload = "phone", {"phone": event.phone}
    return {
        "channel": event.channel,
        "event_key": event_key(event),
        "kind": kind,
        "user_id": event.user_id,
        "payload": payload,
        "state": "new",
        "attempts": 0,
        "received_at": now,
    }


def _event(row: Any) -> Storable:
    payload = row.payload or {}
    if row.kind == "message":
        return InboundMessage(
            channel=row.channel,
            user_id=row.user_id,
            text=payload.get("text", ""),
            message_id=row.event_key,
            received_at=row.received_at,
            callback_id=payload.get("callback_id"),
        )
    if row.kind == "follow":
        return Follow(channel=row.channel, user_id=row.user_id, event_id=row.event_key)
    return PhoneShared(
        channel=row.channel, user_id=row.user_id, phone=payload["phone"], event_id=row.event_key
    )


class Inbox:
    def __init__(self, engine: Engine, *, retry_after: timedelta = STALE_AFTER) -> None:
        self.engine = engine
        self.retry_after = retry_after
        self._insert = dialect_insert(engine)

    def accept(self, events: Sequence[InboundEvent], *, now: datetime) -> list[Stored]:
        """Stores the events that are new; repeats of stored ones are left out of the result."""
        return self.accept_many([events], now=now)[0]

    def accept_many(
        self, batches: Sequence[Sequence[InboundEvent]], *, now: datetime
    ) -> list[list[Stored]]:
        """`accept` for several webhooks in one transaction (one commit for a burst)."""
        out: list[list[Stored]] = []
        with Session(self.engine) as session, session.begin():
            for events in batches:
                stored: list[Stored] = []
                for event in events:
                    if not isinstance(event, InboundMessage | Follow | PhoneShared):
                        continue
                    stmt = (
                        self._insert(InboxEvent)
                        .values(**_row(event, now))
                        .on_conflict_do_nothing(index_elements=["channel", "event_key"])
                        .returning(InboxEvent.id)
                    )
                    new_id = session.execute(stmt).scalar()
                    if new_id is not None:
                        stored.append(Stored(id=int(new_id), event=event))
                out.append(stored)
        return out

    def complete(
        self,
        stored_id: int,
        replies: Sequence[Envelope],
        *,
        outbox: Outbox,
        now: datetime,
        also: Callable[[Session], None] | None = None,
    ) -> None:
        """Queues the replies and marks the event done, in one transaction (with `also`, the
        caller's own writes): a crash leaves either all or none, and replies are keyed by the
        event so a retry adds none."""
        with Session(self.engine) as session, session.begin():
            if also is not None:
                also(session)
            outbox.enqueue_in(session, replies, now=now)
            session.execute(
                update(InboxEvent)
                .where(InboxEvent.id == stored_id)
                .values(state="done", claimed_until=None)
            )

    def fail(self, stored_id: int, reason: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(InboxEvent)
                .where(InboxEvent.id == stored_id)
                .values(state="failed", error=reason[:300], claimed_until=None)
            )

    def claim_stale(self, *, now: datetime, limit: int = 100) -> list[Stored]:
        """Events left unfinished by a process that died (or is far too slow)."""
        stale = and_(
            InboxEvent.state == "new",
            InboxEvent.received_at < now - self.retry_after,
            or_(InboxEvent.claimed_until.is_(None), InboxEvent.claimed_until < now),
        )
        pick = (
            select(InboxEvent.id)
            .where(stale)
            .order_by(InboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(InboxEvent)
            .where(InboxEvent.id.in_(pick.scalar_subquery()))
            .values(claimed_until=now + self.retry_after, attempts=InboxEvent.attempts + 1)
            .returning(
                InboxEvent.id,
                InboxEvent.channel,
                InboxEvent.event_key,
                InboxEvent.kind,
                InboxEvent.user_id,
                InboxEvent.payload,
                InboxEvent.received_at,
                InboxEvent.attempts,
            )
        )
        with Session(self.engine) as session, session.begin():
            rows = session.execute(stmt).all()
        out = [Stored(id=r.id, event=_event(r), attempts=r.attempts) for r in rows]
        out.sort(key=lambda s: s.id)
        return out
