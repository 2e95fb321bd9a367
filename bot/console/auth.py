"""Staff logins, sessions, CSRF tokens and login throttling of the console.

- Sessions are server-side rows (`StaffSession`): the cookie carries a random token, the
  database only its SHA-256, so a copy of the database opens no session. A session lasts
  `SESSION_LIFETIME` from login (absolute), ends at logout, and ends when the account is
  deactivated.
- Each session has its own CSRF token; every POST must send it back in the form field
  `csrf_token`. Before login there is no session, so the login form uses a double-submit
  cookie (`motcua_login_csrf`) instead.
- Throttling (`LoginThrottle`): after `MAX_FAILURES` failed logins for one username, or from
  one client address, within `FAILURE_WINDOW`, every login for it is refused for `LOCKOUT`,
  even with the right password. Counters live in the gateway's rate-limit storage (Redis when
  configured), so all replicas share them.
- An unknown username costs the same argon2 verification as a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from bot.ratelimit import Rate, RateLimiter
from core.people.passwords import hash_password, verify_password
from core.people.tables import AuditEntry, StaffAccount, StaffSession

SESSION_COOKIE: Final = "motcua_session"
LOGIN_CSRF_COOKIE: Final = "motcua_login_csrf"
SESSION_LIFETIME: Final = timedelta(hours=8)
MAX_FAILURES: Final = 5
FAILURE_WINDOW: Final = timedelta(minutes=15)
LOCKOUT: Final = timedelta(minutes=15)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(expected: str, given: str) -> bool:
    """Constant-time comparison; an empty token never matches."""
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True, slots=True)
class StaffUser:
    """The staff member behind a valid session."""

    staff_id: int
    username: str
    display_name: str
    csrf_token: str
    expires_at: datetime

    @property
    def actor(self) -> str:
        return f"staff:{self.staff_id}"


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    user: StaffUser


@dataclass(frozen=True, slots=True)
class Credentials:
    staff_id: int
    password_hash: str
    active: bool


class Accounts:
    """Staff accounts and their sessions in the database. Blocking calls: run the database
    ones through the gateway's database threads, and `verify` (argon2, deliberately slow) in a
    worker thread of its own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._decoy_hash: str | None = None

    def find(self, username: str) -> Credentials | None:
        with Session(self.engine) as session:
            account = session.scalars(
                select(StaffAccount).where(StaffAccount.username == username.strip())
            ).first()
            if account is None:
                return None
            return Credentials(account.id, account.password_hash, account.active)

    def verify(self, credentials: Credentials | None, password: str) -> bool:
        """True when `credentials` is an active account and `password` its password. Unknown
        and inactive accounts are verified against a decoy hash, so they take as long."""
        if credentials is None or not credentials.active:
            if self._decoy_hash is None:
                self._decoy_hash = hash_password(secrets.token_urlsafe(16))
            verify_password(self._decoy_hash, password)
            return False
        return verify_password(credentials.password_hash, password)

    def open_session(self, staff_id: int, *, now: datetime | None = None) -> NewSession:
        """A new session for an account whose password was just verified; audited."""
        at = now or datetime.now(UTC)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = at + SESSION_LIFETIME
        with Session(self.engine) as session, session.begin():
            account = session.get(StaffAccount, staff_id)
            if account is None:
                raise LookupError(f"no staff account {staff_id}")
            session.execute(delete(StaffSession).where(StaffSession.expires_at <= at))
            session.add(
                StaffSession(
                    token_hash=token_hash(token),
                    staff_id=staff_id,
                    csrf_token=csrf,
                    created_at=at,
                    expires_at=expires,
                )
            )
            session.add(AuditEntry(actor=f"staff:{staff_id}", action="login", at=at))
            user = StaffUser(staff_id, account.username, account.display_name, csrf, expires)
        return NewSession(token=token, user=user)

    def record_failure(self, username: str, *, client: str, now: datetime | None = None) -> None:
        with Session(self.engine) as session, session.begin():
            session.add(
                AuditEntry(
                    actor=f"client:{client}"[:64],
                    action="login_failed",
                    target=username.strip()[:128] or None,
                    at=now or datetime.now(UTC),
                )
            )

    def user(self, token: str, *, now: datetime | None = None) -> StaffUser | None:
        """The staff member of a live session, or None (unknown, expired, account inactive)."""
        if not token:
            return None
        at = now or datetime.now(UTC)
        with Session(self.engine) as session:
            row = session.execute(
                select(StaffSession, StaffAccount)
                .join(StaffAccount, StaffAccount.id == StaffSession.staff_id)
                .where(StaffSession.token_hash == token_hash(token))
            ).first()
        if row is None:
            return None
        record, account = row
        if not account.active or record.expires_at <= at:
            return None
        return StaffUser(
            account.id, account.username, account.display_name, record.csrf_token, record.expires_at
        )

    def logout(self, token: str, *, now: datetime | None = None) -> None:
        at = now or datetime.now(UTC)
        with Session(self.engine) as session, session.begin():
            record = session.get(StaffSession, token_hash(token))
            if record is None:
                return
            session.add(AuditEntry(actor=f"staff:{record.staff_id}", action="logout", at=at))
            session.delete(record)


class LoginThrottle:
    """Failed-login counters per username and per client address (see the module docstring).

    Failures are counted by the gateway's `RateLimiter` (a sliding window); the lockout is one
    key with a fixed expiry in the same storage, so it lasts exactly `LOCKOUT`, however the
    window slides."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.failures = Rate(MAX_FAILURES - 1, int(FAILURE_WINDOW.total_seconds()))

    @staticmethod
    def _subjects(username: str, client: str) -> list[tuple[str, str]]:
        return [("user", username.strip().casefold()), ("ip", client)]

    @staticmethod
    def _lock_key(kind: str, value: str) -> str:
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]
        return f"console-login-lock/{kind}/{digest}"

    async def locked(self, username: str, client: str) -> bool:
        for kind, value in self._subjects(username, client):
            if await self.limiter.storage.get(self._lock_key(kind, value)) > 0:
                return True
        return False

    async def failed(self, username: str, client: str) -> None:
        """Counts a failure; the fifth within the window locks the username or address."""
        for kind, value in self._subjects(username, client):
            digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]
            if await self.limiter.hit(self.failures, "console-login-failures", kind, digest):
                await self.limiter.storage.incr(
                    self._lock_key(kind, value), int(LOCKOUT.total_seconds())
                )
