"""Who may see a dossier's personal details (CONTRACT §7), and the limits on guessing.

A sender is the owner when the message comes from the dossier's phone (an SMS sender
`tel:+84…`, or a chat identity linked to that phone) or when it answers with the last four
digits of that phone. Failed answers are recorded in the database, so the limits hold across
replicas and restarts: at most 5 failures per dossier and 10 per sender in any hour.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.db import Base
from core.dossiers.model import Dossier

MAX_FAILURES_PER_DOSSIER = 5
MAX_FAILURES_PER_SENDER = 10
WINDOW = timedelta(hours=1)


class VerificationAttempt(Base):
    __tablename__ = "verification_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_code: Mapped[str] = mapped_column(String(64), index=True)
    sender: Mapped[str] = mapped_column(String(160), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Outcome(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    failures_left: int


class Verifier:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def _failures(self, session: Session, *, since: datetime, **match: str) -> int:
        column = VerificationAttempt.dossier_code if "code" in match else VerificationAttempt.sender
        value = match.get("code") or match["sender"]
        query = select(func.count()).where(
            column == value,
            VerificationAttempt.succeeded.is_(False),
            VerificationAttempt.at >= since,
        )
        return int(session.scalar(query) or 0)

    def blocked(self, *, code: str, sender: str, now: datetime) -> bool:
        since = now.astimezone(UTC) - WINDOW
        with self._sessions() as session:
            return (
                self._failures(session, since=since, code=code) >= MAX_FAILURES_PER_DOSSIER
                or self._failures(session, since=since, sender=sender) >= MAX_FAILURES_PER_SENDER
            )

    def check_last_digits(
        self, dossier: Dossier, digits: str, *, sender: str, now: datetime
    ) -> Verdict:
        """Compares the answer with the last 4 digits of the dossier's phone, within limits."""
        now = now.astimezone(UTC)  # SQLite keeps no offset: every stored time is UTC
        since = now - WINDOW
        with self._sessions.begin() as session:
            by_code = self._failures(session, since=since, code=dossier.code)
            by_sender = self._failures(session, since=since, sender=sender)
            left = min(MAX_FAILURES_PER_DOSSIER - by_code, MAX_FAILURES_PER_SENDER - by_sender)
            if left <= 0:
                return Verdict(Outcome.BLOCKED, 0)
            expected = (dossier.phone or "")[-4:]
            ok = len(expected) == 4 and hmac.compare_digest(expected, digits)
            session.add(
                VerificationAttempt(dossier_code=dossier.code, sender=sender, succeeded=ok, at=now)
            )
            if ok:
                return Verdict(Outcome.VERIFIED, left)
            return Verdict(Outcome.WRONG if left > 1 else Outcome.BLOCKED, left - 1)
