"""The reminder worker: turns dossier status changes into notices and hands due notices to the
delivery layer.

Three steps, each its own transaction, safe with several workers (PostgreSQL: rows claimed with
`FOR UPDATE SKIP LOCKED`; SQLite: one writer at a time):
1. plan: status changes not yet planned (`dossier_status_history.planned_at IS NULL`) become
   notice rows by the pure policy of `core.reminders`, keyed `{code}:{kind}:{sequence}`, and
   the change is marked planned, atomically: a change is planned once, a key stored once;
2. overdue: open dossiers past their due date get one apology notice;
3. hand over: due pending notices are decided again with the dossier and the citizen's
   identities as they are now; a notice to send is rendered and queued in the outbox (key
   `notice:{idempotency key}`) in the same transaction that marks it handed over, so a crash
   (kill -9) at any point neither loses it nor queues it twice. Skipped ones record why; those
   deferred (quiet hours) wait for their new time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.orm import Session

from bot.channels.base import OutboundMessage, Template
from bot.delivery import Dispatcher
from bot.outbox import Envelope, Outbox
from core.db import dialect_insert
from core.dossiers.model import OPEN_STATUSES, DossierData, DossierStatus, StatusChange
from core.dossiers.repository import SqlDossierRepository
from core.dossiers.tables import DossierRecord, StatusHistoryRecord
from core.logging import get_logger
from core.messaging.tables import ChannelIdentity, OutboxMessage, Subscription
from core.offices import OfficeDirectory
from core.reminders import (
    Audience,
    Defer,
    LinkedIdentity,
    Notice,
    NoticeChannel,
    NoticeKind,
    NoticePolicy,
    Route,
    Send,
    Skip,
    render_for,
)
from core.reminders.tables import NoticeRecord

log = get_logger("motcua.reminders")


@dataclass
class RunCounts:
    """What one run did: notices handed over, skipped (with reasons), deferred; and how the
    provider calls for them ended (sent, failed)."""

    planned: int = 0
    handed_over: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    deferred: int = 0
    sent: int = 0
    failed: int = 0
    waiting: int = 0
    keys: list[str] = field(default_factory=list)

    def merge(self, other: RunCounts) -> None:
        self.planned += other.planned
        self.handed_over += other.handed_over
        self.skipped.update(other.skipped)
        self.deferred += other.deferred
        self.keys.extend(other.keys)


@dataclass(frozen=True, slots=True)
class Recipients:
    """The citizen's identities per dossier phone and subscribers per dossier code."""

    by_phone: dict[str, list[ChannelIdentity]]
    by_code: dict[str, list[ChannelIdentity]]
    sms_opted_out: set[str]


class NoticeWorker:
    def __init__(
        self,
        engine: Engine,
        *,
        policy: NoticePolicy,
        offices: OfficeDirectory,
        hotline: str,
        zns_template: str | None,
        stop_number: str | None = None,
        batch: int = 500,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.offices = offices
        self.hotline = hotline
        self.zns_template = zns_template
        self.stop_number = stop_number
        self.batch = batch
        self.dossiers = SqlDossierRepository(engine)
        self.outbox = Outbox(engine)
        self._insert = dialect_insert(engine)

    # ----------------------------------------------------------------- recipients
    def _recipients(self, session: Session, dossiers: Iterable[DossierData]) -> Recipients:
        phones = {d.phone for d in dossiers if d.phone}
        codes = {d.code for d in dossiers}
        by_phone: dict[str, list[ChannelIdentity]] = {}
        by_code: dict[str, list[ChannelIdentity]] = {}
        opted: set[str] = set()
        if phones:
            for row in session.scalars(
                select(ChannelIdentity).where(
                    (ChannelIdentity.phone.in_(phones))
                    | ((ChannelIdentity.channel == "sms") & (ChannelIdentity.user_id.in_(phones)))
                )
            ):
                if row.channel == "sms":
                    if row.opted_out:
                        opted.add(row.user_id)
                    continue
                if row.phone:
                    by_phone.setdefault(row.phone, []).append(row)
        if codes:
            rows = session.execute(
                select(Subscription.dossier_code, ChannelIdentity)
                .join(
                    ChannelIdentity,
                    and_(
                        Subscription.channel == ChannelIdentity.channel,
                        Subscription.user_id == ChannelIdentity.user_id,
                    ),
                )
                .where(Subscription.dossier_code.in_(codes))
            ).all()
            for code, identity in rows:
                by_code.setdefault(code, []).append(identity)
        return Recipients(by_phone, by_code, opted)

    @staticmethod
    def _audience(dossier: DossierData, recipients: Recipients) -> Audience:
        linked = recipients.by_phone.get(dossier.phone or "", [])
        subscribed = recipients.by_code.get(dossier.code, [])
        seen: set[tuple[str, str]] = set()
        identities: list[LinkedIdentity] = []
        opted_out = bool(dossier.phone and dossier.phone in recipients.sms_opted_out)
        for row, verified in [(r, True) for r in linked] + [(r, False) for r in subscribed]:
            opted_out = opted_out or row.opted_out
            if row.channel == "sms" or (row.channel, row.user_id) in seen:
                continue
            seen.add((row.channel, row.user_id))
            identities.append(
                LinkedIdentity(
                    channel=row.channel,
                    user_id=row.user_id,
                    last_inbound_at=row.last_inbound_at,
                    verified=verified or (row.phone is not None and row.phone == dossier.phone),
                )
            )
        return Audience(identities=tuple(identities), opted_out=opted_out)

    # ----------------------------------------------------------------- planning
    def plan(self, *, now: datetime) -> tuple[int, int]:
        """Plans one batch of status changes; returns how many changes were planned and how
        many notices they stored."""
        pick = (
            select(StatusHistoryRecord)
            .where(StatusHistoryRecord.planned_at.is_(None))
            .order_by(StatusHistoryRecord.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )
        stored = 0
        with Session(self.engine) as session, session.begin():
            changes = session.scalars(pick).all()
            if not changes:
                return 0, 0
            dossiers = self.dossiers.get_many({c.dossier_code for c in changes})
            recipients = self._recipients(session, dossiers.values())
            notices: list[Notice] = []
            for change in changes:
                dossier = dossiers.get(change.dossier_code)
                if dossier is None:
                    continue
                event = StatusChange(
                    code=change.dossier_code,
                    old_status=DossierStatus(change.old_status) if change.old_status else None,
                    new_status=DossierStatus(change.new_status),
                    at=change.changed_at,
                )
                occurrence = 0
                if event.new_status is DossierStatus.SUPPLEMENT_REQUESTED:
                    occurrence = int(
                        session.scalar(
                            select(func.count()).where(
                                StatusHistoryRecord.dossier_code == change.dossier_code,
                                StatusHistoryRecord.new_status == event.new_status.value,
                                StatusHistoryRecord.id < change.id,
                            )
                        )
                        or 0
                    )
                notices.extend(
                    self.policy.plan(
                        dossier,
                        event,
                        audience=self._audience(dossier, recipients),
                        now=now,
                        occurrence=occurrence,
                    )
                )
            stored = self._store(session, notices, now=now)
            session.execute(
                update(StatusHistoryRecord)
                .where(StatusHistoryRecord.id.in_([c.id for c in changes]))
                .values(planned_at=now)
            )
        return len(changes), stored

    def _store(self, session: Session, notices: Sequence[Notice], *, now: datetime) -> int:
        if not notices:
            return 0
        rows = [
            {
                "key": n.idempotency_key,
                "dossier_code": n.code,
                "kind": n.kind.value,
                "sequence": n.sequence,
                "due_at": n.due_at,
                "state": "pending",
                "planned_at": now,
                "channel": n.channel.value if n.channel else None,
            }
            for n in notices
        ]
        stmt = self._insert(NoticeRecord).on_conflict_do_nothing(index_elements=["key"])
        return len(session.execute(stmt.returning(NoticeRecord.key), rows).all())

    def plan_overdue(self, *, now: datetime) -> int:
        """One apology notice for each open dossier past its due date that has none yet."""
        has_notice = select(NoticeRecord.dossier_code).where(NoticeRecord.kind == "overdue")
        query = (
            select(DossierRecord.code)
            .where(
                DossierRecord.status.in_(sorted(s.value for s in OPEN_STATUSES)),
                DossierRecord.due_at < now,
                DossierRecord.code.not_in(has_notice),
            )
            .limit(self.batch)
        )
        with Session(self.engine) as session, session.begin():
            codes = session.scalars(query).all()
            if not codes:
                return 0
            dossiers = self.dossiers.get_many(codes)
            recipients = self._recipients(session, dossiers.values())
            notices = [
                n
                for d in dossiers.values()
                for n in self.policy.plan_overdue(
                    d, audience=self._audience(d, recipients), now=now
                )
            ]
            return self._store(session, notices, now=now)

    # ----------------------------------------------------------------- hand over
    def hand_over(self, *, now: datetime) -> RunCounts:
        """Decides one batch of due notices and queues those to send."""
        counts = RunCounts()
        pick = (
            select(NoticeRecord)
            .where(NoticeRecord.state == "pending", NoticeRecord.due_at <= now)
            .order_by(NoticeRecord.due_at, NoticeRecord.key)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )
        with Session(self.engine) as session, session.begin():
            rows = session.scalars(pick).all()
            if not rows:
                return counts
            dossiers = self.dossiers.get_many({r.dossier_code for r in rows})
            recipients = self._recipients(session, dossiers.values())
            envelopes: list[Envelope] = []
            for row in rows:
                dossier = dossiers.get(row.dossier_code)
                notice = Notice(
                    code=row.dossier_code,
                    kind=NoticeKind(row.kind),
                    sequence=row.sequence,
                    due_at=row.due_at,
                )
                if dossier is None:
                    row.state, row.outcome, row.decided_at = "skipped", "dossier gone", now
                    counts.skipped["dossier gone"] += 1
                    continue
                decision = self.policy.decide(
                    notice, dossier, audience=self._audience(dossier, recipients), now=now
                )
                if isinstance(decision, Defer):
                    row.due_at = decision.until
                    counts.deferred += 1
                elif isinstance(decision, Skip):
                    row.state, row.outcome = "skipped", decision.reason.value
                    row.decided_at = now
                    counts.skipped[decision.reason.value] += 1
                else:
                    envelopes.append(self._envelope(decision, dossier))
                    row.state, row.decided_at = "handed_over", now
                    row.channel = decision.channel.value
                    counts.handed_over += 1
                    counts.keys.append(envelopes[-1].key)
            self.outbox.enqueue_in(session, envelopes, now=now)
        return counts

    def _message(self, route: Route, notice: Notice, dossier: DossierData) -> OutboundMessage:
        office = self.offices.by_name(dossier.office) if dossier.office else None
        rendered = render_for(
            route,
            notice,
            dossier,
            office,
            hotline=self.hotline,
            tz=self.policy.tz,
            stop_number=self.stop_number,
        )
        template = None
        if route.channel is NoticeChannel.ZNS and self.zns_template and rendered.template_data:
            template = Template(
                template_id=self.zns_template,
                data=tuple(sorted((k, str(v)) for k, v in rendered.template_data.items())),
            )
        return OutboundMessage(
            channel=route.channel.value,
            user_id=route.user_id,
            text=rendered.text,
            template=template,
        )

    def _envelope(self, decision: Send, dossier: DossierData) -> Envelope:
        notice = decision.notice
        return Envelope(
            key=f"notice:{notice.idempotency_key}",
            message=self._message(decision.route, notice, dossier),
            origin="notice",
            fallbacks=tuple(self._message(r, notice, dossier) for r in decision.fallbacks),
        )

    # ----------------------------------------------------------------- a whole round
    def run_once(self, *, now: datetime) -> RunCounts:
        """Plans every pending change and overdue dossier, and hands over every due notice."""
        counts = RunCounts()
        while True:
            changes, stored = self.plan(now=now)
            counts.planned += stored
            if changes == 0:
                break
        while n := self.plan_overdue(now=now):
            counts.planned += n
        while True:
            part = self.hand_over(now=now)
            counts.merge(part)
            if part.handed_over + sum(part.skipped.values()) + part.deferred == 0:
                break
            if part.handed_over + sum(part.skipped.values()) == 0:
                break  # only deferred ones left: they wait for their time
        return counts

    def outcomes(self, keys: Sequence[str]) -> dict[str, str]:
        """The outbox states of the messages queued under `keys` (and their fallbacks)."""
        states: dict[str, str] = {}
        with Session(self.engine) as session:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                for key, state in session.execute(
                    select(OutboxMessage.key, OutboxMessage.state).where(
                        OutboxMessage.key.in_(part) | _fallback_of(part)
                    )
                ):
                    states[key] = state
        return states


def _fallback_of(keys: Sequence[str]) -> Any:
    return OutboxMessage.key.in_([f"{k}>{c}" for k in keys for c in ("zns", "sms")])


def final_state(key: str, states: dict[str, str]) -> str:
    """A notice's outcome: its own message's state, or its fallback's if it turned to one."""
    state = states.get(key, "queued")
    if state != "failed":
        return state
    for channel in ("zns", "sms"):
        fallback = f"{key}>{channel}"
        if fallback in states:
            return final_state(fallback, states)
    return state


async def deliver_notices(
    worker: NoticeWorker, dispatcher: Dispatcher, counts: RunCounts, *, settle: float = 30.0
) -> None:
    """Sends what this run queued until each message is sent or failed for good, or `settle`
    seconds pass (retries later belong to the worker or the gateway)."""
    deadline = asyncio.get_running_loop().time() + settle
    while True:
        await dispatcher.drain_once()
        states = await asyncio.to_thread(worker.outcomes, counts.keys)
        finals = [final_state(k, states) for k in counts.keys]
        done = [s for s in finals if s in ("sent", "delivered", "failed")]
        if len(done) == len(finals) or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    counts.sent = sum(1 for s in finals if s in ("sent", "delivered"))
    counts.failed = sum(1 for s in finals if s == "failed")
    counts.waiting = len(finals) - counts.sent - counts.failed


async def work_forever(
    worker: NoticeWorker,
    dispatcher: Dispatcher,
    stop: asyncio.Event,
    *,
    interval: float = 5.0,
    clock: Any = None,
    also: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """The worker's loop: plan, hand over and deliver every `interval` seconds until `stop`;
    `also` is more background work done each round (classifying the question log)."""
    now_of = clock or (lambda: datetime.now(UTC))
    delivery = asyncio.create_task(dispatcher.run(stop))
    log.info("reminder worker started", interval_seconds=interval)
    try:
        while not stop.is_set():
            try:
                counts = await asyncio.to_thread(worker.run_once, now=now_of())
            except Exception:
                log.exception("reminder round failed; trying again")
            else:
                if counts.handed_over or counts.skipped or counts.planned:
                    dispatcher.wake()
                    log.info(
                        "reminder round",
                        planned=counts.planned,
                        handed_over=counts.handed_over,
                        skipped=sum(counts.skipped.values()),
                        deferred=counts.deferred,
                    )
            if also is not None:
                try:
                    await also()
                except Exception:
                    log.exception("background step of the worker failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
    finally:
        stop.set()
        dispatcher.wake()
        await delivery
        log.info("reminder worker stopped")
