"""What the console pages show, read from the database as plain frozen values.

Every function here is blocking (SQLAlchemy): the views run them through the gateway's database
threads. Times are returned as stored (aware, UTC); the templates show them in the office's
time zone.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final

from sqlalchemy import ColumnElement, Engine, func, or_, select
from sqlalchemy.orm import Session

from bot.console.questions import LOW_CONFIDENCE, UNDERSTOOD_NOT, Question
from core.messaging.tables import OUTBOX_STATES, OutboxMessage
from core.people.tables import (
    TICKET_STATES,
    AuditEntry,
    Invite,
    QuestionLog,
    Ticket,
    TicketMessage,
    Volunteer,
)
from core.procedures.tables import ProcedureRow
from core.reminders.tables import NOTICE_STATES, NoticeRecord

INVITE_LIFETIME: Final = timedelta(days=7)
# No 0/O, 1/I/L: the code is read aloud and typed from a phone screen.
INVITE_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH: Final = 8
QUESTIONS_SCANNED: Final = 2000
STATS_DAYS: Final = 14


def record_audit(
    engine: Engine,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            AuditEntry(
                actor=actor,
                action=action,
                target=target,
                detail=detail,
                at=now or datetime.now(UTC),
            )
        )


# Tickets


@dataclass(frozen=True, slots=True)
class TicketSummary:
    id: int
    state: str
    channel: str
    reason: str
    summary: str
    procedure_code: str | None
    dossier_code: str | None
    volunteer: str | None
    created_at: datetime
    claimed_at: datetime | None
    closed_at: datetime | None
    rating: int | None


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    author: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TicketDetail:
    ticket: TicketSummary
    procedure_name: str | None
    transcript: tuple[TranscriptLine, ...]


def _summary(ticket: Ticket, volunteer: str | None) -> TicketSummary:
    return TicketSummary(
        id=ticket.id,
        state=ticket.state,
        channel=ticket.citizen_channel,
        reason=ticket.reason,
        summary=ticket.summary,
        procedure_code=ticket.procedure_code,
        dossier_code=ticket.dossier_code,
        volunteer=volunteer,
        created_at=ticket.created_at,
        claimed_at=ticket.claimed_at,
        closed_at=ticket.closed_at,
        rating=ticket.rating,
    )


def ticket_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        counts = dict(
            session.execute(select(Ticket.state, func.count()).group_by(Ticket.state)).all()
        )
    return {state: int(counts.get(state, 0)) for state in TICKET_STATES}


def list_tickets(engine: Engine, state: str, *, limit: int = 200) -> list[TicketSummary]:
    """Tickets in `state`, newest first (open ones oldest first: whoever waits longest)."""
    order = Ticket.created_at.asc() if state == "open" else Ticket.created_at.desc()
    with Session(engine) as session:
        rows = session.execute(
            select(Ticket, Volunteer.name)
            .outerjoin(Volunteer, Volunteer.id == Ticket.volunteer_id)
            .where(Ticket.state == state)
            .order_by(order, Ticket.id)
            .limit(limit)
        )
        return [_summary(ticket, name) for ticket, name in rows]


def ticket_detail(engine: Engine, ticket_id: int) -> TicketDetail | None:
    with Session(engine) as session:
        row = session.execute(
            select(Ticket, Volunteer.name)
            .outerjoin(Volunteer, Volunteer.id == Ticket.volunteer_id)
            .where(Ticket.id == ticket_id)
        ).first()
        if row is None:
            return None
        ticket, volunteer = row
        procedure_name = (
            session.scalar(
                select(ProcedureRow.name).where(ProcedureRow.code == ticket.procedure_code)
            )
            if ticket.procedure_code
            else None
        )
        lines = session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket_id)
            .order_by(TicketMessage.at, TicketMessage.id)
        )
        transcript = tuple(TranscriptLine(m.author, m.text, m.at) for m in lines)
        return TicketDetail(_summary(ticket, volunteer), procedure_name, transcript)


# Questions not understood


def _not_understood() -> ColumnElement[bool]:
    return or_(
        QuestionLog.intent.in_(UNDERSTOOD_NOT),
        QuestionLog.confidence < LOW_CONFIDENCE,
    )


def _question(row: QuestionLog) -> Question:
    return Question(row.id, row.text, row.at, row.channel, row.intent, row.confidence)


def not_understood(engine: Engine, *, limit: int = QUESTIONS_SCANNED) -> list[Question]:
    """The newest questions the assistant did not understand, newest first."""
    with Session(engine) as session:
        rows = session.scalars(
            select(QuestionLog)
            .where(_not_understood())
            .order_by(QuestionLog.at.desc(), QuestionLog.id.desc())
            .limit(limit)
        )
        return [_question(row) for row in rows]


def questions_by_id(engine: Engine, ids: Iterable[int]) -> dict[int, Question]:
    """Those of `ids` that are questions not understood (others are left out)."""
    wanted = sorted(set(ids))
    found: dict[int, Question] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = session.scalars(
                select(QuestionLog).where(
                    QuestionLog.id.in_(chunk),
                    _not_understood(),
                )
            )
            found.update((row.id, _question(row)) for row in rows)
    return found


# Delivery


@dataclass(frozen=True, slots=True)
class FailedMessage:
    public_id: str
    channel: str
    origin: str
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class SkippedNotice:
    dossier_code: str
    kind: str
    outcome: str | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    channels: tuple[str, ...]
    outbox: dict[str, dict[str, int]]  # channel -> state -> count
    failures: tuple[FailedMessage, ...]
    notices: dict[str, dict[str, int]]  # kind -> state -> count
    skip_reasons: tuple[tuple[str, int], ...]
    latest_skipped: tuple[SkippedNotice, ...]


def delivery_status(engine: Engine, *, failures: int = 30) -> DeliveryStatus:
    with Session(engine) as session:
        outbox: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTBOX_STATES, 0))
        for channel, state, count in session.execute(
            select(OutboxMessage.channel, OutboxMessage.state, func.count()).group_by(
                OutboxMessage.channel, OutboxMessage.state
            )
        ):
            outbox[channel][state] = int(count)
        failed = tuple(
            FailedMessage(
                m.public_id,
                m.channel,
                m.origin,
                m.attempts,
                m.last_error,
                m.created_at,
                m.finished_at,
            )
            for m in session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.state == "failed")
                .order_by(OutboxMessage.id.desc())
                .limit(failures)
            )
        )
        notices: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(NOTICE_STATES, 0))
        for kind, state, count in session.execute(
            select(NoticeRecord.kind, NoticeRecord.state, func.count()).group_by(
                NoticeRecord.kind, NoticeRecord.state
            )
        ):
            notices[kind][state] = int(count)
        reasons = tuple(
            (outcome or "—", int(count))
            for outcome, count in session.execute(
                select(NoticeRecord.outcome, func.count())
                .where(NoticeRecord.state == "skipped")
                .group_by(NoticeRecord.outcome)
                .order_by(func.count().desc())
            )
        )
        skipped = tuple(
            SkippedNotice(n.dossier_code, n.kind, n.outcome, n.decided_at)
            for n in session.scalars(
                select(NoticeRecord)
                .where(NoticeRecord.state == "skipped")
                .order_by(NoticeRecord.decided_at.desc())
                .limit(failures)
            )
        )
    return DeliveryStatus(
        channels=tuple(sorted(outbox)),
        outbox=dict(outbox),
        failures=failed,
        notices=dict(sorted(notices.items())),
        skip_reasons=reasons,
        latest_skipped=skipped,
    )


# Statistics


@dataclass(frozen=True, slots=True)
class DayStats:
    day: date
    messages: dict[str, int]  # channel -> count
    tickets_opened: int
    tickets_claimed: int
    tickets_expired: int
    ratings: int
    rating_sum: int

    @property
    def total_messages(self) -> int:
        return sum(self.messages.values())

    @property
    def average_rating(self) -> float | None:
        return self.rating_sum / self.ratings if self.ratings else None


@dataclass(frozen=True, slots=True)
class Stats:
    days: tuple[DayStats, ...]
    channels: tuple[str, ...]
    top_intents: tuple[tuple[str, int], ...]
    top_procedures: tuple[tuple[str, str | None, int], ...]  # code, name, count
    ratings: int
    average_rating: float | None


def _local_day(at: datetime, tz: tzinfo) -> date:
    return at.astimezone(tz).date()


def daily_stats(
    engine: Engine, *, tz: tzinfo, now: datetime, days: int = STATS_DAYS, top: int = 10
) -> Stats:
    """Per local day, the last `days` days up to and including today in `tz`."""
    today = _local_day(now, tz)
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    span = [first + timedelta(days=i) for i in range(days)]
    messages: dict[date, Counter[str]] = {d: Counter() for d in span}
    opened: Counter[date] = Counter()
    claimed: Counter[date] = Counter()
    expired: Counter[date] = Counter()
    rated: Counter[date] = Counter()
    rating_sum: Counter[date] = Counter()
    with Session(engine) as session:
        rows = session.execute(
            select(QuestionLog.at, QuestionLog.channel).where(QuestionLog.at >= since)
        )
        for at, channel in rows:
            day = _local_day(at, tz)
            if day in messages:
                messages[day][channel] += 1
        ticket_rows = session.execute(
            select(
                Ticket.created_at, Ticket.claimed_at, Ticket.state, Ticket.rating, Ticket.rated_at
            ).where(
                or_(
                    Ticket.created_at >= since,
                    Ticket.claimed_at >= since,
                    Ticket.rated_at >= since,
                )
            )
        )
        for created_at, claimed_at, state, rating, rated_at in ticket_rows:
            if created_at >= since:
                opened[_local_day(created_at, tz)] += 1
                if state == "expired":
                    expired[_local_day(created_at, tz)] += 1
            if claimed_at is not None and claimed_at >= since:
                claimed[_local_day(claimed_at, tz)] += 1
            if rating is not None and rated_at is not None and rated_at >= since:
                rated[_local_day(rated_at, tz)] += 1
                rating_sum[_local_day(rated_at, tz)] += rating
        intents = tuple(
            (str(intent), int(count))
            for intent, count in session.execute(
                select(QuestionLog.intent, func.count())
                .where(QuestionLog.at >= since, QuestionLog.intent.is_not(None))
                .group_by(QuestionLog.intent)
                .order_by(func.count().desc(), QuestionLog.intent)
                .limit(top)
            )
        )
        procedures = tuple(
            (str(code), name, int(count))
            for code, name, count in session.execute(
                select(QuestionLog.procedure_code, ProcedureRow.name, func.count())
                .outerjoin(ProcedureRow, ProcedureRow.code == QuestionLog.procedure_code)
                .where(QuestionLog.at >= since, QuestionLog.procedure_code.is_not(None))
                .group_by(QuestionLog.procedure_code, ProcedureRow.name)
                .order_by(func.count().desc(), QuestionLog.procedure_code)
                .limit(top)
            )
        )
    channels = sorted({c for counter in messages.values() for c in counter})
    day_stats = tuple(
        DayStats(
            day=d,
            messages=dict(messages[d]),
            tickets_opened=opened[d],
            tickets_claimed=claimed[d],
            tickets_expired=expired[d],
            ratings=rated[d],
            rating_sum=rating_sum[d],
        )
        for d in span
    )
    total_ratings = sum(rated.values())
    return Stats(
        days=day_stats,
        channels=tuple(channels),
        top_intents=intents,
        top_procedures=procedures,
        ratings=total_ratings,
        average_rating=sum(rating_sum.values()) / total_ratings if total_ratings else None,
    )


# Volunteer invitations


@dataclass(frozen=True, slots=True)
class InviteView:
    code: str
    name: str
    created_at: datetime
    expires_at: datetime


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def create_invite(
    engine: Engine, *, name: str, staff_id: int, now: datetime | None = None
) -> InviteView:
    """A new one-time code for the volunteer `name`, valid `INVITE_LIFETIME`; audited."""
    at = now or datetime.now(UTC)
    with Session(engine) as session, session.begin():
        code = new_invite_code()
        while session.get(Invite, code) is not None:
            code = new_invite_code()
        session.add(
            Invite(
                code=code,
                name=name,
                created_by=staff_id,
                created_at=at,
                expires_at=at + INVITE_LIFETIME,
            )
        )
        session.add(
            AuditEntry(actor=f"staff:{staff_id}", action="invite", target=f"invite:{code}", at=at)
        )
        return InviteView(code, name, at, at + INVITE_LIFETIME)


def unused_invites(engine: Engine, *, now: datetime | None = None) -> list[InviteView]:
    at = now or datetime.now(UTC)
    with Session(engine) as session:
        rows = session.scalars(
            select(Invite)
            .where(Invite.used_at.is_(None), Invite.expires_at > at)
            .order_by(Invite.created_at.desc())
        )
        return [InviteView(i.code, i.name, i.created_at, i.expires_at) for i in rows]


def join_ids(ids: Sequence[int]) -> str:
    return ",".join(str(i) for i in ids)
