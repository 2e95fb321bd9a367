"""Channel identities: who wrote from where, which phone a platform vouched for, opt-outs and
subscriptions. Blocking SQL: call from a thread in async code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from core.db import dialect_insert
from core.messaging.tables import ChannelIdentity, Subscription


@dataclass(frozen=True, slots=True)
class Identity:
    channel: str
    user_id: str
    phone: str | None
    last_inbound_at: datetime | None
    opted_out: bool

    def __repr__(self) -> str:
        return f"Identity(channel={self.channel!r}, linked={self.phone is not None})"


def split_sender(sender: str) -> tuple[str, str]:
    """`telegram:42` → ("telegram", "42"); an SMS sender `tel:+84…` is the "sms" channel."""
    channel, _, user_id = sender.partition(":")
    return ("sms" if channel == "tel" else channel), user_id


class Identities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert = dialect_insert(engine)

    def _upsert(
        self, session: Session, channel: str, user_id: str, now: datetime, **values: object
    ) -> None:
        row: dict[str, object] = {"opted_out": False, "created_at": now} | values
        stmt = self._insert(ChannelIdentity).values(channel=channel, user_id=user_id, **row)
        if values:
            stmt = stmt.on_conflict_do_update(
                index_elements=["channel", "user_id"], set_=dict(values)
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=["channel", "user_id"])
        session.execute(stmt)

    def touch(self, channel: str, user_id: str, *, now: datetime) -> None:
        """The user wrote now (opens Zalo's free reply window again)."""
        with Session(self.engine) as session, session.begin():
            self.touch_in(session, channel, user_id, now=now)

    def touch_in(self, session: Session, channel: str, user_id: str, *, now: datetime) -> None:
        """The same, inside the caller's transaction."""
        self._upsert(session, channel, user_id, now, last_inbound_at=now)

    def link_phone(self, channel: str, user_id: str, phone: str, *, now: datetime) -> None:
        """The platform vouched that this user owns `phone` (+84…)."""
        with Session(self.engine) as session, session.begin():
            self._upsert(
                session,
                channel,
                user_id,
                now,
                phone=phone,
                phone_linked_at=now,
                last_inbound_at=now,
            )

    def set_opted_out(self, channel: str, user_id: str, opted_out: bool, *, now: datetime) -> None:
        with Session(self.engine) as session, session.begin():
            self._upsert(session, channel, user_id, now, opted_out=opted_out)
            if opted_out:
                session.execute(
                    delete(Subscription).where(
                        Subscription.channel == channel, Subscription.user_id == user_id
                    )
                )

    def get(self, channel: str, user_id: str) -> Identity | None:
        with Session(self.engine) as session:
            row = session.get(ChannelIdentity, (channel, user_id))
            return _identity(row) if row else None

    def linked_phone(self, sender: str) -> str | None:
        """The phone a sender proves: an SMS sender's own number, or a linked chat identity's."""
        channel, user_id = split_sender(sender)
        if channel == "sms":
            return user_id if user_id.startswith("+84") else None
        identity = self.get(channel, user_id)
        return identity.phone if identity else None

    def for_phone(self, phone: str) -> list[Identity]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(ChannelIdentity).where(ChannelIdentity.phone == phone)
            ).all()
            return [_identity(r) for r in rows]

    def subscribe(self, dossier_code: str, channel: str, user_id: str, *, now: datetime) -> bool:
        """Links the identity to the dossier's notices; False if it already was."""
        with Session(self.engine) as session, session.begin():
            self._upsert(session, channel, user_id, now, opted_out=False)
            stmt = (
                self._insert(Subscription)
                .values(dossier_code=dossier_code, channel=channel, user_id=user_id, created_at=now)
                .on_conflict_do_nothing()
                .returning(Subscription.dossier_code)
            )
            return session.execute(stmt).scalar() is not None

    def subscribers(self, dossier_code: str) -> list[Identity]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(ChannelIdentity)
                .join(
                    Subscription,
                    (Subscription.channel == ChannelIdentity.channel)
                    & (Subscription.user_id == ChannelIdentity.user_id),
                )
                .where(Subscription.dossier_code == dossier_code)
            ).all()
            return [_identity(r) for r in rows]

    def unlink_all(self, channel: str, user_id: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(ChannelIdentity)
                .where(ChannelIdentity.channel == channel, ChannelIdentity.user_id == user_id)
                .values(phone=None, phone_linked_at=None)
            )


def _identity(row: ChannelIdentity) -> Identity:
    return Identity(
        channel=row.channel,
        user_id=row.user_id,
        phone=row.phone,
        last_inbound_at=row.last_inbound_at,
        opted_out=row.opted_out,
    )
