"""Enrolment of volunteers and staff accounts (the `motcua volunteers` and `motcua staff`
commands). Blocking."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.handoff.store import VolunteerView, volunteer_view
from core.people.passwords import hash_password
from core.people.tables import AuditEntry, Invite, StaffAccount, Ticket, Volunteer

VOLUNTEER_CHANNELS = ("telegram", "zalo")
MIN_PASSWORD_LENGTH = 10
# Invite codes: no 0/O or 1/I/L to misread when dictated
INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
INVITE_LENGTH = 10
_USERNAME = re.compile(r"[a-z0-9._-]{1,64}")


class EnrolmentError(Exception):
    """The request cannot be done; the message says why (for the command line)."""


@dataclass(frozen=True, slots=True)
class StaffView:
    id: int
    username: str
    display_name: str
    active: bool
    created_at: datetime


def add_volunteer(
    engine: Engine, *, name: str, channel: str, user_id: str, now: datetime, actor: str = "cli"
) -> VolunteerView:
    """Enrols a chat as a volunteer (on duty); a removed volunteer's chat is enrolled again."""
    name, user_id = " ".join(name.split()), user_id.strip()
    if channel not in VOLUNTEER_CHANNELS:
        raise EnrolmentError(f"volunteers are reached on {' or '.join(VOLUNTEER_CHANNELS)}")
    if not name:
        raise EnrolmentError("the name is empty")
    if not user_id or len(user_id) > 128 or not user_id.lstrip("-").isdigit():
        raise EnrolmentError(f"not a {channel} chat id: {user_id!r}")
    with Session(engine) as session, session.begin():
        row = session.scalar(
            select(Volunteer).where(Volunteer.channel == channel, Volunteer.user_id == user_id)
        )
        if row is not None and row.active:
            raise EnrolmentError(f"this {channel} chat is already volunteer #{row.id}")
        if row is None:
            row = Volunteer(
                name=name,
                channel=channel,
                user_id=user_id,
                on_duty=True,
                active=True,
                created_at=now,
            )
            session.add(row)
        else:
            row.name, row.active, row.on_duty = name, True, True
        session.flush()
        session.add(
            AuditEntry(actor=actor, action="volunteer.add", target=f"volunteer:{row.id}", at=now)
        )
        return volunteer_view(row)


def list_volunteers(engine: Engine, *, include_removed: bool = False) -> list[VolunteerView]:
    with Session(engine) as session:
        query = select(Volunteer).order_by(Volunteer.id)
        if not include_removed:
            query = query.where(Volunteer.active.is_(True))
        return [volunteer_view(v) for v in session.scalars(query)]


@dataclass(frozen=True, slots=True)
class Removed:
    volunteer: VolunteerView
    # tickets the volunteer held, open again: another volunteer may claim them, or they
    # expire and the citizen is given the hotline
    released: tuple[int, ...]


def remove_volunteer(
    engine: Engine, volunteer_id: int, *, now: datetime, actor: str = "cli"
) -> Removed:
    """Deactivates a volunteer (history and audit stay); their chat is then a citizen's, and
    the tickets they held are open again."""
    with Session(engine) as session, session.begin():
        row = session.get(Volunteer, volunteer_id)
        if row is None or not row.active:
            raise EnrolmentError(f"no active volunteer #{volunteer_id}")
        row.active, row.on_duty = False, False
        released = sorted(
            session.scalars(
                update(Ticket)
                .where(Ticket.state == "claimed", Ticket.volunteer_id == row.id)
                .values(state="open", volunteer_id=None, claimed_at=None)
                .returning(Ticket.id)
            ).all()
        )
        session.add(
            AuditEntry(actor=actor, action="volunteer.remove", target=f"volunteer:{row.id}", at=now)
        )
        for ticket_id in released:
            session.add(
                AuditEntry(
                    actor=actor, action="ticket.release", target=f"ticket:{ticket_id}", at=now
                )
            )
        return Removed(volunteer=volunteer_view(row), released=tuple(released))


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def create_invite(
    engine: Engine,
    *,
    name: str,
    now: datetime,
    valid_for: timedelta = timedelta(days=3),
    created_by: int | None = None,
) -> str:
    """A one-time code the volunteer sends as `/dangky <code>` from their own chat."""
    name = " ".join(name.split())
    if not name:
        raise EnrolmentError("the name is empty")
    with Session(engine) as session, session.begin():
        code = new_invite_code()
        session.add(
            Invite(
                code=code,
                name=name,
                created_by=created_by,
                created_at=now,
                expires_at=now + valid_for,
            )
        )
        actor = f"staff:{created_by}" if created_by is not None else "cli"
        session.add(
            AuditEntry(actor=actor, action="invite.create", target=f"invite:{code}", at=now)
        )
    return code


def add_staff(
    engine: Engine, *, username: str, display_name: str, password: str, now: datetime
) -> StaffView:
    """A console account; the password is stored as an argon2id hash."""
    username, display_name = username.strip().lower(), " ".join(display_name.split())
    if not _USERNAME.fullmatch(username):
        raise EnrolmentError("a username is 1-64 letters, digits, '.', '_' or '-'")
    if not display_name:
        raise EnrolmentError("the name is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise EnrolmentError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    try:
        with Session(engine) as session, session.begin():
            row = StaffAccount(
                username=username,
                display_name=display_name,
                password_hash=hash_password(password),
                active=True,
                created_at=now,
            )
            session.add(row)
            session.flush()
            session.add(
                AuditEntry(actor="cli", action="staff.add", target=f"staff:{row.id}", at=now)
            )
            return StaffView(row.id, row.username, row.display_name, row.active, row.created_at)
    except IntegrityError:
        raise EnrolmentError(f"the username {username!r} is taken") from None


def list_staff(engine: Engine) -> list[StaffView]:
    with Session(engine) as session:
        rows = session.scalars(select(StaffAccount).order_by(StaffAccount.id))
        return [StaffView(r.id, r.username, r.display_name, r.active, r.created_at) for r in rows]
