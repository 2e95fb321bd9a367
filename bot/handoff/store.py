"""The handoff's database side: tickets, their transcripts, volunteers, invitations, audit.

Blocking: call from a thread (the gateway's `DbThreads`). Each state change and the messages
it sends are one transaction (the messages are queued with `Outbox.enqueue_in`), so a crash
never leaves a claimed ticket whose citizen was not told, nor tells a citizen about a claim
that did not happen. A claim is one conditional UPDATE (`… WHERE id = ? AND state = 'open'`):
whoever's UPDATE matched first holds the ticket; everyone else matches nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bot.outbox import Envelope, Outbox
from core.db import rowcount
from core.messaging.tables import OutboxMessage
from core.people.tables import AuditEntry, Invite, Ticket, TicketMessage, Volunteer

ACTIVE_STATES = ("open", "claimed")
RATING_PROMPT_AUTHOR = "bot"
OPENED_LINE = "Phiếu mở, đã báo"


@dataclass(frozen=True, slots=True)
class VolunteerView:
    id: int
    name: str
    channel: str
    user_id: str
    on_duty: bool
    active: bool

    @property
    def actor(self) -> str:
        return f"volunteer:{self.id}"

    def __repr__(self) -> str:  # a volunteer's name and chat id stay out of reprs and logs
        return f"VolunteerView(id={self.id}, channel={self.channel!r}, on_duty={self.on_duty})"


@dataclass(frozen=True, slots=True)
class TicketView:
    id: int
    citizen_channel: str
    citizen_user_id: str
    state: str
    reason: str
    summary: str
    procedure_code: str | None
    dossier_code: str | None
    volunteer_id: int | None
    created_at: datetime
    claimed_at: datetime | None
    closed_at: datetime | None
    rating: int | None

    def __repr__(self) -> str:
        return f"TicketView(id={self.id}, state={self.state!r}, channel={self.citizen_channel!r})"


@dataclass(frozen=True, slots=True)
class CitizenState:
    """The ticket that decides what a citizen's message does: an open or claimed one, else a
    closed one still without a rating (`awaiting_rating`: the rating question is the last line
    of its transcript, so the very next message may be a bare digit)."""

    ticket: TicketView
    awaiting_rating: bool = False


@dataclass(frozen=True, slots=True)
class Sender:
    volunteer: VolunteerView | None
    citizen: CitizenState | None


@dataclass(frozen=True, slots=True)
class Opened:
    ticket: TicketView
    existing: bool
    notified: int


ClaimKind = Literal["won", "yours", "taken", "busy", "gone"]


@dataclass(frozen=True, slots=True)
class ClaimResult:
    kind: ClaimKind
    ticket: TicketView | None
    # won: what the citizen wrote while waiting; busy: the ticket the volunteer holds
    transcript: tuple[str, ...] = ()
    held: int | None = None


def volunteer_view(row: Volunteer) -> VolunteerView:
    return VolunteerView(
        id=row.id,
        name=row.name,
        channel=row.channel,
        user_id=row.user_id,
        on_duty=row.on_duty,
        active=row.active,
    )


def _ticket(row: Ticket) -> TicketView:
    return TicketView(
        id=row.id,
        citizen_channel=row.citizen_channel,
        citizen_user_id=row.citizen_user_id,
        state=row.state,
        reason=row.reason,
        summary=row.summary,
        procedure_code=row.procedure_code,
        dossier_code=row.dossier_code,
        volunteer_id=row.volunteer_id,
        created_at=row.created_at,
        claimed_at=row.claimed_at,
        closed_at=row.closed_at,
        rating=row.rating,
    )


def notify_key(ticket_id: int, volunteer_id: int) -> str:
    return f"handoff:{ticket_id}:notify:{volunteer_id}"


class HandoffStore:
    def __init__(self, engine: Engine, outbox: Outbox) -> None:
        self.engine = engine
        self.outbox = outbox

    # ------------------------------------------------------------------ lookups
    def sender(self, channel: str, user_id: str, *, rating_since: datetime) -> Sender:
        """Who wrote: an active volunteer, or a citizen with the ticket that concerns them."""
        with Session(self.engine) as session:
            volunteer = session.scalar(
                select(Volunteer).where(
                    Volunteer.channel == channel,
                    Volunteer.user_id == user_id,
                    Volunteer.active.is_(True),
                )
            )
            if volunteer is not None:
                return Sender(volunteer_view(volunteer), None)
            return Sender(None, self._citizen(session, channel, user_id, rating_since))

    def _citizen(
        self, session: Session, channel: str, user_id: str, rating_since: datetime
    ) -> CitizenState | None:
        mine = (Ticket.citizen_channel == channel, Ticket.citizen_user_id == user_id)
        active = session.scalar(
            select(Ticket)
            .where(*mine, Ticket.state.in_(ACTIVE_STATES))
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        if active is not None:
            return CitizenState(_ticket(active))
        closed = session.scalar(
            select(Ticket)
            .where(
                *mine,
                Ticket.state == "closed",
                Ticket.rating.is_(None),
                Ticket.closed_at >= rating_since,
            )
            .order_by(Ticket.id.desc())
            .limit(1)
        )
        if closed is None:
            return None
        last = session.scalar(
            select(TicketMessage.author)
            .where(TicketMessage.ticket_id == closed.id)
            .order_by(TicketMessage.id.desc())
            .limit(1)
        )
        return CitizenState(_ticket(closed), awaiting_rating=last == RATING_PROMPT_AUTHOR)

    def ticket(self, ticket_id: int) -> TicketView | None:
        with Session(self.engine) as session:
            row = session.get(Ticket, ticket_id)
            return _ticket(row) if row is not None else None

    def volunteer(self, volunteer_id: int) -> VolunteerView | None:
        with Session(self.engine) as session:
            row = session.get(Volunteer, volunteer_id)
            return volunteer_view(row) if row is not None else None

    def held_by(self, volunteer_id: int) -> TicketView | None:
        with Session(self.engine) as session:
            return self._held(session, volunteer_id)

    @staticmethod
    def _held(session: Session, volunteer_id: int) -> TicketView | None:
        row = session.scalar(
            select(Ticket)
            .where(Ticket.state == "claimed", Ticket.volunteer_id == volunteer_id)
            .order_by(Ticket.id)
            .limit(1)
        )
        return _ticket(row) if row is not None else None

    def transcript(self, ticket_id: int) -> list[tuple[str, str]]:
        """(author, text) of every line, oldest first."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(TicketMessage.author, TicketMessage.text)
                .where(TicketMessage.ticket_id == ticket_id)
                .order_by(TicketMessage.id)
            ).all()
        return [(r.author, r.text) for r in rows]

    def verified(self, ticket_id: int, volunteer_id: int) -> bool:
        """Whether the volunteer passed the citizen's verification digits for a dossier while
        holding this ticket (then the citizen's own words reach them unmasked)."""
        with Session(self.engine) as session:
            found = session.scalar(
                select(AuditEntry.id)
                .where(
                    AuditEntry.actor == f"volunteer:{volunteer_id}",
                    AuditEntry.action == "ticket.verified",
                    AuditEntry.target == f"ticket:{ticket_id}",
                )
                .limit(1)
            )
        return found is not None

    def next_deadline(self, window: timedelta) -> datetime | None:
        """When the oldest open ticket runs out of time."""
        with Session(self.engine) as session:
            oldest = session.scalar(
                select(func.min(Ticket.created_at)).where(Ticket.state == "open")
            )
        if oldest is None:
            return None
        return oldest.astimezone(UTC) + window

    # ------------------------------------------------------------------- open
    def open(
        self,
        *,
        channel: str,
        user_id: str,
        reason: str,
        summary: str,
        procedure_code: str | None,
        dossier_code: str | None,
        recent: Sequence[str],
        now: datetime,
        reachable: bool,
        volunteer_channels: Sequence[str],
        notify: Callable[[TicketView, VolunteerView], list[Envelope]],
        unavailable: Callable[[TicketView], str],
    ) -> Opened:
        """Opens a ticket and notifies every active on-duty volunteer, unless this citizen
        already has an open or claimed one. When the citizen cannot be reached by a volunteer
        (`reachable` false: outside working hours, or a channel we cannot relay to) or nobody
        is on duty, the ticket is kept as `expired` and nobody is notified."""
        with Session(self.engine) as session, session.begin():
            existing = session.scalar(
                select(Ticket)
                .where(
                    Ticket.citizen_channel == channel,
                    Ticket.citizen_user_id == user_id,
                    Ticket.state.in_(ACTIVE_STATES),
                )
                .order_by(Ticket.id.desc())
                .limit(1)
            )
            if existing is not None:
                return Opened(_ticket(existing), existing=True, notified=0)
            volunteers = (
                [
                    volunteer_view(v)
                    for v in session.scalars(
                        select(Volunteer)
                        .where(
                            Volunteer.active.is_(True),
                            Volunteer.on_duty.is_(True),
                            Volunteer.channel.in_(tuple(volunteer_channels)),
                        )
                        .order_by(Volunteer.id)
                    )
                ]
                if reachable
                else []
            )
            row = Ticket(
                citizen_channel=channel,
                citizen_user_id=user_id,
                state="open" if volunteers else "expired",
                reason=reason[:32],
                summary=summary,
                procedure_code=procedure_code,
                dossier_code=dossier_code,
                created_at=now,
                closed_at=None if volunteers else now,
            )
            session.add(row)
            session.flush()
            session.add_all(
                TicketMessage(ticket_id=row.id, author="citizen", text=text, at=now)
                for text in recent
            )
            ticket = _ticket(row)
            if volunteers:
                envelopes = [e for v in volunteers for e in notify(ticket, v)]
                self.outbox.enqueue_in(session, envelopes, now=now)
                session.add(
                    TicketMessage(
                        ticket_id=row.id,
                        author="system",
                        text=f"{OPENED_LINE} {len(volunteers)} tình nguyện viên.",
                        at=now,
                    )
                )
            else:
                session.add(
                    TicketMessage(
                        ticket_id=row.id, author="system", text=unavailable(ticket), at=now
                    )
                )
            return Opened(ticket, existing=False, notified=len(volunteers))

    # ------------------------------------------------------------------ claim
    def claim(
        self,
        ticket_id: int,
        volunteer: VolunteerView,
        *,
        now: datetime,
        won: Callable[[TicketView, list[VolunteerView]], list[Envelope]],
    ) -> ClaimResult:
        """The first volunteer to claim an open ticket gets it; `won(ticket, others)` gives
        the messages of a won claim (the citizen, and the other notified volunteers)."""
        with Session(self.engine) as session, session.begin():
            held = self._held(session, volunteer.id)
            if held is not None and held.id != ticket_id:
                self._audit(session, volunteer.actor, "claim.busy", f"ticket:{ticket_id}", now)
                return ClaimResult("busy", None, held=held.id)
            result = session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.state == "open")
                .values(state="claimed", volunteer_id=volunteer.id, claimed_at=now)
            )
            row = session.get(Ticket, ticket_id)
            if row is not None:
                session.refresh(row)
            if rowcount(result) == 1 and row is not None:
                ticket = _ticket(row)
                # what the citizen wrote after the ticket opened (the summary has the rest)
                opened_line = session.scalar(
                    select(func.min(TicketMessage.id)).where(
                        TicketMessage.ticket_id == ticket_id,
                        TicketMessage.author == "system",
                        TicketMessage.text.startswith(OPENED_LINE, autoescape=True),
                    )
                )
                waiting = session.scalars(
                    select(TicketMessage.text)
                    .where(
                        TicketMessage.ticket_id == ticket_id,
                        TicketMessage.author == "citizen",
                        TicketMessage.id > (opened_line or 0),
                    )
                    .order_by(TicketMessage.id)
                ).all()
                session.add(
                    TicketMessage(
                        ticket_id=ticket_id,
                        author="system",
                        text=f"Tình nguyện viên #{volunteer.id} nhận hỗ trợ.",
                        at=now,
                    )
                )
                others = self._notified(session, ticket_id, except_id=volunteer.id)
                self.outbox.enqueue_in(session, won(ticket, others), now=now)
                self._audit(session, volunteer.actor, "claim", f"ticket:{ticket_id}", now)
                return ClaimResult("won", ticket, transcript=tuple(waiting))
            self._audit(session, volunteer.actor, "claim.lost", f"ticket:{ticket_id}", now)
            if row is None:
                return ClaimResult("gone", None)
            ticket = _ticket(row)
            if row.state == "claimed":
                return ClaimResult("yours" if row.volunteer_id == volunteer.id else "taken", ticket)
            return ClaimResult("gone", ticket)

    def _notified(self, session: Session, ticket_id: int, *, except_id: int) -> list[VolunteerView]:
        """The volunteers told about the ticket: read back from the keys of their notices."""
        prefix = f"handoff:{ticket_id}:notify:"
        keys = session.scalars(
            select(OutboxMessage.key).where(OutboxMessage.key.startswith(prefix, autoescape=True))
        ).all()
        ids = {int(k[len(prefix) :].split(".")[0]) for k in keys}
        ids.discard(except_id)
        if not ids:
            return []
        rows = session.scalars(
            select(Volunteer).where(Volunteer.id.in_(ids)).order_by(Volunteer.id)
        )
        return [volunteer_view(v) for v in rows]

    # ------------------------------------------------------------------ relay
    def citizen_wrote(
        self,
        ticket_id: int,
        text: str,
        *,
        now: datetime,
        relay: Callable[[TicketView, int], list[Envelope]] | None,
        waiting_reply: str | None = None,
    ) -> bool:
        """Adds the citizen's message to the transcript; a claimed ticket relays it (`relay`
        gets the ticket and the transcript row id). For an open ticket, returns True the first
        time (the citizen gets one "please wait" reply, recorded as `waiting_reply`)."""
        with Session(self.engine) as session, session.begin():
            row = session.get(Ticket, ticket_id)
            if row is None:
                return False
            line = TicketMessage(ticket_id=ticket_id, author="citizen", text=text, at=now)
            session.add(line)
            session.flush()
            if row.state == "claimed" and relay is not None:
                self.outbox.enqueue_in(session, relay(_ticket(row), line.id), now=now)
                return False
            if row.state != "open" or waiting_reply is None:
                return False
            told = session.scalar(
                select(TicketMessage.id)
                .where(TicketMessage.ticket_id == ticket_id, TicketMessage.author == "bot")
                .limit(1)
            )
            if told is not None:
                return False
            session.add(
                TicketMessage(ticket_id=ticket_id, author="bot", text=waiting_reply, at=now)
            )
            return True

    def volunteer_wrote(
        self,
        volunteer: VolunteerView,
        text: str,
        *,
        now: datetime,
        relay: Callable[[TicketView, int], list[Envelope]],
    ) -> TicketView | None:
        """Relays a volunteer's message to the citizen of the ticket they hold (None: none)."""
        with Session(self.engine) as session, session.begin():
            held = self._held(session, volunteer.id)
            if held is None:
                return None
            line = TicketMessage(ticket_id=held.id, author="volunteer", text=text, at=now)
            session.add(line)
            session.flush()
            self.outbox.enqueue_in(session, relay(held, line.id), now=now)
            self._audit(session, volunteer.actor, "relay", f"ticket:{held.id}", now)
            return held

    # ------------------------------------------------------------------ close
    def close(
        self,
        volunteer: VolunteerView,
        ticket_id: int | None,
        *,
        now: datetime,
        rating_question: str,
        ask: Callable[[TicketView], list[Envelope]],
    ) -> TicketView | None:
        """Closes the ticket the volunteer holds and asks the citizen for a rating."""
        with Session(self.engine) as session, session.begin():
            query = select(Ticket.id).where(
                Ticket.state == "claimed", Ticket.volunteer_id == volunteer.id
            )
            if ticket_id is not None:
                query = query.where(Ticket.id == ticket_id)
            held = session.scalar(query.order_by(Ticket.id).limit(1))
            if held is None:
                return None
            result = session.execute(
                update(Ticket)
                .where(Ticket.id == held, Ticket.state == "claimed")
                .values(state="closed", closed_at=now)
            )
            if rowcount(result) != 1:
                return None
            row = session.get(Ticket, held)
            assert row is not None
            session.refresh(row)
            ticket = _ticket(row)
            session.add(
                TicketMessage(
                    ticket_id=held, author=RATING_PROMPT_AUTHOR, text=rating_question, at=now
                )
            )
            self.outbox.enqueue_in(session, ask(ticket), now=now)
            self._audit(session, volunteer.actor, "close", f"ticket:{held}", now)
            return ticket

    def rate(self, ticket_id: int, stars: int, *, now: datetime) -> bool:
        """Stores the citizen's rating once (a second one changes nothing)."""
        if not 1 <= stars <= 5:
            raise ValueError("a rating is 1 to 5")
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.state == "closed", Ticket.rating.is_(None))
                .values(rating=stars, rated_at=now)
            )
            if rowcount(result) == 1:
                session.add(
                    TicketMessage(
                        ticket_id=ticket_id, author="citizen", text=f"Đánh giá: {stars}/5", at=now
                    )
                )
                return True
            return False

    def skip_rating(self, ticket_id: int, *, now: datetime) -> None:
        """The citizen wrote something else after the rating question: stop waiting for it."""
        with Session(self.engine) as session, session.begin():
            session.add(
                TicketMessage(
                    ticket_id=ticket_id, author="system", text="Công dân chưa đánh giá.", at=now
                )
            )

    # ----------------------------------------------------------------- expire
    def expire(
        self,
        *,
        now: datetime,
        window: timedelta,
        is_open: Callable[[datetime], bool],
        tell: Callable[[TicketView], tuple[str, list[Envelope]]],
    ) -> list[int]:
        """Open tickets nobody claimed within `window`, opened when volunteers are not reached
        (`is_open` false), or still waiting when the office closes, become `expired`; `tell`
        gives the citizen's message."""
        expired: list[int] = []
        with Session(self.engine) as session, session.begin():
            rows = session.scalars(
                select(Ticket).where(Ticket.state == "open").order_by(Ticket.created_at)
            ).all()
            for row in rows:
                in_time = row.created_at > now - window
                if in_time and is_open(row.created_at) and is_open(now):
                    continue
                result = session.execute(
                    update(Ticket)
                    .where(Ticket.id == row.id, Ticket.state == "open")
                    .values(state="expired", closed_at=now)
                )
                if rowcount(result) != 1:
                    continue
                session.refresh(row)
                text, envelopes = tell(_ticket(row))
                session.add(TicketMessage(ticket_id=row.id, author="system", text=text, at=now))
                self.outbox.enqueue_in(session, envelopes, now=now)
                expired.append(row.id)
        return expired

    # --------------------------------------------------------------- volunteers
    def set_duty(self, volunteer: VolunteerView, on: bool, *, now: datetime) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(Volunteer).where(Volunteer.id == volunteer.id).values(on_duty=on)
            )
            self._audit(session, volunteer.actor, "duty.on" if on else "duty.off", None, now)

    def enrol(
        self, code: str, *, channel: str, user_id: str, now: datetime
    ) -> VolunteerView | None:
        """Uses a valid, unused invitation to enrol this chat (None: no such invitation)."""
        with Session(self.engine) as session, session.begin():
            invite = session.get(Invite, code)
            if invite is None:
                invite = session.get(Invite, code.upper())
            if invite is None or invite.used_at is not None or invite.expires_at <= now:
                return None
            result = session.execute(
                update(Invite)
                .where(Invite.code == invite.code, Invite.used_at.is_(None))
                .values(used_at=now)
            )
            if rowcount(result) != 1:
                return None
            row = session.scalar(
                select(Volunteer).where(Volunteer.channel == channel, Volunteer.user_id == user_id)
            )
            if row is None:
                row = Volunteer(
                    name=invite.name,
                    channel=channel,
                    user_id=user_id,
                    on_duty=True,
                    active=True,
                    created_at=now,
                )
                session.add(row)
            else:
                row.name, row.active, row.on_duty = invite.name, True, True
            session.flush()
            session.execute(
                update(Invite).where(Invite.code == invite.code).values(volunteer_id=row.id)
            )
            self._audit(session, f"volunteer:{row.id}", "enrol", f"invite:{invite.code}", now)
            return volunteer_view(row)

    # ------------------------------------------------------------------- audit
    def audit(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        detail: str | None = None,
        *,
        now: datetime,
    ) -> None:
        with Session(self.engine) as session, session.begin():
            self._audit(session, actor, action, target, now, detail)

    @staticmethod
    def _audit(
        session: Session,
        actor: str,
        action: str,
        target: str | None,
        now: datetime,
        detail: str | None = None,
    ) -> None:
        session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail, at=now))
