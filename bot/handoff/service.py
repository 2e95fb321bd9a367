"""Human handoff: a citizen on any channel reaches an on-duty volunteer on theirs, and back.

`HandoffService.open` is the router's handoff hook (an action asked for a human): it opens a
ticket with a summary (recent messages, detected procedure, dossier code) and notifies every
on-duty volunteer with a "Nhận hỗ trợ" button (`/nhan <ticket>`). `intercept` is an
interceptor of the inbound pipeline, run before the NLU for every platform message:

- an active volunteer's messages are commands (`/nhan`, `/xong`, `/thutuc`, `/huongdan`,
  `/hoso`, `/truc`, `/nghi`, `/giup`) or, while they hold a ticket, words relayed to the
  citizen; they never reach the NLU;
- a citizen with an open ticket is heard (transcript) and told once to wait; with a claimed
  ticket their words go to the volunteer and the bot stays quiet; after `/xong` their next
  message "1".."5" (or the `/danhgia N` button) is the satisfaction rating;
- an unknown chat may enrol with `/dangky <invite code>`.

`expire` turns tickets nobody claimed in time (or opened when volunteers are not reached) into
`expired` and gives the citizen the hotline and office hours. Every message goes through the
outbox under a key unique to its event (`handoff:{ticket}:…`), every volunteer action is
audited, and the citizen's phone number is masked in all a volunteer reads until the volunteer
has passed that citizen's verification digits for a dossier (`/hoso`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.channels.base import Button, Channel, Follow, InboundMessage, OutboundMessage
from bot.channels.sms.keywords import parse_keyword
from bot.dbthreads import DbThreads
from bot.delivery import Dispatcher
from bot.handoff import texts
from bot.handoff.commands import (
    USAGE,
    Checklist,
    Claim,
    Command,
    Done,
    Duty,
    Enrol,
    Guide,
    Help,
    Invalid,
    Lookup,
    Rate,
    parse_command,
    parse_rating,
)
from bot.handoff.guides import Guides
from bot.handoff.hours import WorkingHours
from bot.handoff.store import (
    CitizenState,
    ClaimResult,
    HandoffStore,
    TicketView,
    VolunteerView,
    notify_key,
)
from bot.outbox import Envelope, Origin, Outbox
from core.db import make_sessionmaker
from core.dossiers.replies import owner_details, public_status
from core.dossiers.repository import DossierRepository
from core.dossiers.verification import Outcome, Verifier
from core.logging import get_logger, mask_phone, redact_text
from core.procedures.desk import ProcedureDesk, Topic
from core.procedures.search import is_ambiguous
from nlu.text.dossier_code import canonical_dossier_code

log = get_logger("motcua.handoff")

VOLUNTEER_CHANNELS = ("telegram", "zalo")
RECENT_MESSAGES = 5
RECENT_SENDERS = 10_000
RATING_WINDOW = timedelta(hours=24)
CHECK_AT_MOST_EVERY = 30.0  # seconds between expiry checks when nothing is due sooner
MAX_CHECKLIST_ITEMS = 20
MAX_DOCUMENT_CHARS = 180


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _event_key(message: InboundMessage, fallback: int) -> str:
    """A short, stable key of the inbound event (the platform's id), else the transcript row."""
    if not message.message_id:
        return f"r{fallback}"
    digest = hashlib.sha256(f"{message.channel}:{message.message_id}".encode()).hexdigest()
    return "m" + digest[:20]


class HandoffService:
    def __init__(
        self,
        *,
        engine: Engine,
        outbox: Outbox,
        dispatcher: Dispatcher | None,
        channels: Mapping[str, Channel],
        dossiers: DossierRepository,
        guides: Guides,
        tz: ZoneInfo,
        hours_text: str,
        office_phone: str,
        hotline: str = "",
        working_hours: WorkingHours | None = None,
        claim_window: timedelta = timedelta(minutes=10),
        db: DbThreads | None = None,
        desk: Callable[[], ProcedureDesk] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        """`working_hours` None: volunteers are reached at any time. `desk` loads the procedure
        catalog (once, on first use; default `ProcedureDesk.load(engine=engine)`)."""
        self.store = HandoffStore(engine, outbox)
        self.outbox = outbox
        self.dispatcher = dispatcher
        self.channels = channels
        self.dossiers = dossiers
        self.guides = guides
        self.tz = tz
        self.hours_text = hours_text
        self.office_phone = office_phone
        self.hotline = hotline
        self.working_hours = working_hours
        self.claim_window = claim_window
        self.db = db or DbThreads(engine)
        self.clock = clock
        self.verifier = Verifier(make_sessionmaker(engine))
        self._load_desk = desk or (lambda: ProcedureDesk.load(engine=engine))
        self._desk: ProcedureDesk | None = None
        self._desk_lock = threading.Lock()
        self._recent: OrderedDict[str, deque[str]] = OrderedDict()
        self._opened = asyncio.Event()

    # ================================================================== the router's hook
    async def open(self, message: InboundMessage, handoff: dict[str, Any]) -> list[OutboundMessage]:
        """Opens a ticket for the citizen who wrote `message` (see `bot.router.HandoffHook`);
        returns what the citizen is told."""
        now = self.clock()
        reason = str(handoff.get("reason") or "request_human")
        procedure_code = _optional_str(handoff.get("procedure_code"))
        dossier_code = _optional_str(handoff.get("dossier_code"))
        recent = self._take_recent(message)
        procedure = await self._procedure_name(procedure_code) if procedure_code else None
        summary = self._summary(
            reason=reason,
            channel=message.channel,
            user_id=message.user_id,
            procedure=procedure,
            procedure_code=procedure_code,
            dossier_code=dossier_code,
            recent=recent,
        )
        relayable = message.channel in self.channels
        in_hours = self.working_hours is None or self.working_hours.is_open(now)
        available = [c for c in VOLUNTEER_CHANNELS if c in self.channels]

        def notify(ticket: TicketView, volunteer: VolunteerView) -> list[Envelope]:
            return self._envelopes(
                notify_key(ticket.id, volunteer.id),
                OutboundMessage(
                    channel=volunteer.channel,
                    user_id=volunteer.user_id,
                    text=texts.notify(ticket.id, ticket.summary),
                    buttons=(Button(texts.CLAIM_BUTTON_TITLE, f"/nhan {ticket.id}"),),
                ),
                origin="system",
            )

        def unavailable(ticket: TicketView) -> str:
            say = texts.unavailable if relayable else texts.not_reachable_here
            return say(
                ticket_id=ticket.id,
                hotline=self.hotline,
                office_phone=self.office_phone,
                hours=self.hours_text,
            )

        opened = await self.db(
            self.store.open,
            channel=message.channel,
            user_id=message.user_id,
            reason=reason,
            summary=summary,
            procedure_code=procedure_code,
            dossier_code=dossier_code,
            recent=recent,
            now=now,
            reachable=relayable and in_hours,
            volunteer_channels=available,
            notify=notify,
            unavailable=unavailable,
        )
        ticket = opened.ticket
        if opened.existing:
            return [_reply(message, texts.already_open(ticket.id))]
        log.info(
            "handoff ticket opened",
            ticket=ticket.id,
            channel=message.channel,
            reason=reason,
            notified=opened.notified,
            state=ticket.state,
        )
        if ticket.state == "expired":
            return [_reply(message, unavailable(ticket))]
        self._opened.set()
        self._wake()
        return [_reply(message, texts.opened(ticket.id))]

    # ============================================================ the pipeline's interceptor
    async def welcome(self, follow: Follow) -> list[OutboundMessage] | None:
        """A volunteer who starts the bot (Telegram `/start`, a Zalo follow) gets the list of
        commands instead of the citizens' greeting; None for everyone else."""
        who = await self.db(
            self.store.sender, follow.channel, follow.user_id, rating_since=self.clock()
        )
        if who.volunteer is None:
            return None
        return [OutboundMessage(follow.channel, follow.user_id, texts.HELP)]

    async def intercept(self, message: InboundMessage) -> list[OutboundMessage] | None:
        """See the module docstring. Returns the replies to the sender, or None to let the
        message go on to the NLU."""
        now = self.clock()
        who = await self.db(
            self.store.sender, message.channel, message.user_id, rating_since=now - RATING_WINDOW
        )
        command = parse_command(message.text)
        if who.volunteer is not None:
            return await self._volunteer(who.volunteer, message, command, now)
        if isinstance(command, Enrol):
            return await self._enrol(message, command, now)
        if who.citizen is None:
            self._remember(message)
            return None
        return await self._citizen(who.citizen, message, now)

    # ----------------------------------------------------------------------- citizens
    async def _citizen(
        self, state: CitizenState, message: InboundMessage, now: datetime
    ) -> list[OutboundMessage] | None:
        ticket = state.ticket
        if message.channel == "sms" and _is_stop_keyword(message.text):
            return None  # opting out of SMS always works
        if ticket.state == "open":
            first = await self.db(
                self.store.citizen_wrote,
                ticket.id,
                message.text,
                now=now,
                relay=None,
                waiting_reply=texts.WAITING,
            )
            return [_reply(message, texts.WAITING)] if first else []
        if ticket.state == "claimed":
            if not message.text:
                return []
            volunteer = (
                await self.db(self.store.volunteer, ticket.volunteer_id)
                if ticket.volunteer_id is not None
                else None
            )
            if volunteer is None:
                return []
            verified = await self.db(self.store.verified, ticket.id, volunteer.id)

            def relay(t: TicketView, line: int) -> list[Envelope]:
                text = message.text if verified else redact_text(message.text)
                return self._envelopes(
                    f"handoff:{t.id}:citizen:{_event_key(message, line)}",
                    OutboundMessage(
                        volunteer.channel, volunteer.user_id, texts.from_citizen(t.id, text)
                    ),
                    origin="relay",
                )

            await self.db(self.store.citizen_wrote, ticket.id, message.text, now=now, relay=relay)
            self._wake()
            return []
        # closed, not rated yet
        stars = parse_rating(message.text)
        by_button = isinstance(parse_command(message.text), Rate)
        if stars is not None and (state.awaiting_rating or by_button):
            stored = await self.db(self.store.rate, ticket.id, stars, now=now)
            if stored:
                log.info("handoff rated", ticket=ticket.id, rating=stars)
            return [_reply(message, texts.RATING_THANKS)]
        if state.awaiting_rating:
            await self.db(self.store.skip_rating, ticket.id, now=now)
        self._remember(message)
        return None

    async def _enrol(
        self, message: InboundMessage, command: Enrol, now: datetime
    ) -> list[OutboundMessage]:
        if message.channel not in VOLUNTEER_CHANNELS:
            return [_reply(message, texts.ENROL_CHANNELS)]
        volunteer = await self.db(
            self.store.enrol,
            command.code,
            channel=message.channel,
            user_id=message.user_id,
            now=now,
        )
        if volunteer is None:
            log.warning("volunteer enrolment refused", channel=message.channel)
            return [_reply(message, texts.BAD_INVITE)]
        log.info("volunteer enrolled", volunteer=volunteer.id, channel=message.channel)
        return [_reply(message, texts.ENROLLED.format(name=volunteer.name))]

    # --------------------------------------------------------------------- volunteers
    async def _volunteer(
        self,
        volunteer: VolunteerView,
        message: InboundMessage,
        command: Command | None,
        now: datetime,
    ) -> list[OutboundMessage]:
        def say(text: str) -> list[OutboundMessage]:
            return [_reply(message, text)]

        match command:
            case Claim(ticket_id):
                return say(await self._claim(volunteer, ticket_id, now))
            case Done(ticket_id):
                return say(await self._close(volunteer, ticket_id, now))
            case Checklist(query):
                await self._audit(volunteer, "procedure.checklist", None, now)
                return say(await self._checklist(query))
            case Guide(query):
                await self._audit(volunteer, "procedure.guide", None, now)
                return say(await self._guide(query))
            case Lookup() as lookup:
                return say(await self._lookup(volunteer, lookup, now))
            case Duty(on):
                await self.db(self.store.set_duty, volunteer, on, now=now)
                return say(texts.ON_DUTY if on else texts.OFF_DUTY)
            case Enrol():
                return say(texts.ALREADY_ENROLLED)
            case Help():
                return say(texts.HELP)
            case Invalid(name):
                return say(texts.usage(USAGE[name]))
            case _:
                return await self._relay_from(volunteer, message, now)

    async def _claim(self, volunteer: VolunteerView, ticket_id: int, now: datetime) -> str:
        def won(ticket: TicketView, others: list[VolunteerView]) -> list[Envelope]:
            envelopes = self._envelopes(
                f"handoff:{ticket.id}:claimed",
                OutboundMessage(
                    ticket.citizen_channel,
                    ticket.citizen_user_id,
                    texts.claimed_for_citizen(volunteer.name),
                ),
                origin="system",
            )
            for other in others:
                envelopes += self._envelopes(
                    f"handoff:{ticket.id}:taken:{other.id}",
                    OutboundMessage(other.channel, other.user_id, texts.taken(ticket.id)),
                    origin="system",
                )
            return envelopes

        result: ClaimResult = await self.db(
            self.store.claim, ticket_id, volunteer, now=now, won=won
        )
        if result.kind == "won" and result.ticket is not None:
            log.info("handoff ticket claimed", ticket=ticket_id, volunteer=volunteer.id)
            self._wake()
            transcript = [redact_text(t) for t in result.transcript]
            return texts.claimed_by_you(ticket_id, result.ticket.summary, transcript)
        if result.kind == "busy" and result.held is not None:
            return texts.busy(result.held)
        if result.kind == "yours":
            return texts.already_yours(ticket_id)
        if result.kind == "taken":
            return texts.taken(ticket_id)
        return texts.ticket_gone(ticket_id, result.ticket.state if result.ticket else "missing")

    async def _close(self, volunteer: VolunteerView, ticket_id: int | None, now: datetime) -> str:
        def ask(ticket: TicketView) -> list[Envelope]:
            buttons = () if ticket.citizen_channel == "sms" else texts.RATING_BUTTONS
            return self._envelopes(
                f"handoff:{ticket.id}:rate",
                OutboundMessage(
                    ticket.citizen_channel,
                    ticket.citizen_user_id,
                    texts.RATING_QUESTION,
                    buttons=buttons,
                ),
                origin="system",
            )

        ticket = await self.db(
            self.store.close,
            volunteer,
            ticket_id,
            now=now,
            rating_question=texts.RATING_QUESTION,
            ask=ask,
        )
        if ticket is None:
            return texts.NOTHING_TO_CLOSE
        log.info("handoff ticket closed", ticket=ticket.id, volunteer=volunteer.id)
        self._wake()
        return texts.closed_for_volunteer(ticket.id)

    async def _relay_from(
        self, volunteer: VolunteerView, message: InboundMessage, now: datetime
    ) -> list[OutboundMessage]:
        if not message.text:
            return []

        def relay(ticket: TicketView, line: int) -> list[Envelope]:
            return self._envelopes(
                f"handoff:{ticket.id}:volunteer:{_event_key(message, line)}",
                OutboundMessage(
                    ticket.citizen_channel,
                    ticket.citizen_user_id,
                    texts.from_volunteer(volunteer.name, message.text),
                ),
                origin="relay",
            )

        ticket = await self.db(
            self.store.volunteer_wrote, volunteer, message.text, now=now, relay=relay
        )
        if ticket is None:
            return [_reply(message, texts.NOT_HOLDING)]
        self._wake()
        return []

    async def _lookup(self, volunteer: VolunteerView, lookup: Lookup, now: datetime) -> str:
        code = canonical_dossier_code(lookup.code)
        if code is None:
            return texts.LOOKUP_BAD_CODE
        if lookup.digits is None:
            await self._audit(volunteer, "dossier.lookup", code, now, detail="no_digits")
            return texts.LOOKUP_NEEDS_DIGITS
        dossier = await self.db(self.dossiers.get, code)
        if dossier is None:
            await self._audit(volunteer, "dossier.lookup", code, now, detail="unknown")
            return texts.LOOKUP_UNKNOWN.format(code=code)
        verdict = await self.db(
            self.verifier.check_last_digits,
            dossier,
            lookup.digits,
            sender=volunteer.actor,
            now=now,
        )
        await self._audit(volunteer, "dossier.lookup", code, now, detail=verdict.outcome.value)
        if verdict.outcome is Outcome.WRONG:
            return texts.lookup_wrong(verdict.failures_left)
        if verdict.outcome is Outcome.BLOCKED:
            return texts.LOOKUP_BLOCKED
        held = await self.db(self.store.held_by, volunteer.id)
        if held is not None:
            await self._audit(volunteer, "ticket.verified", f"ticket:{held.id}", now, detail=code)
        return (
            public_status(dossier, now=now, tz=self.tz, hotline=self.hotline)
            + "\n"
            + owner_details(dossier, tz=self.tz)
        )

    async def _checklist(self, query: str) -> str:
        desk = await self._procedures()
        hits = desk.find(query)
        if not hits:
            return texts.NO_PROCEDURE
        code = hits[0].code
        entry = desk.catalog.get(code)
        if entry is None:
            text = desk.answer_for(Topic.REQUIRED_DOCUMENTS, code).text
        else:
            lines = [f"Danh mục giấy tờ — {entry.name} (mã {code})"]
            items = 0
            for case in entry.document_cases:
                if items >= MAX_CHECKLIST_ITEMS:
                    break
                if case.title:
                    lines.append(case.title.strip())
                for document in case.documents:
                    if items >= MAX_CHECKLIST_ITEMS:
                        lines.append("☐ …")
                        break
                    lines.append(
                        f"☐ {_document_line(document.name, document.originals, document.copies)}"
                    )
                    items += 1
            lines.append(f"{entry.answers.details_label}: {entry.answers.details_url}")
            text = "\n".join(lines)
        if is_ambiguous(hits):
            others = "; ".join(f"{h.name} ({h.code})" for h in hits[1:3])
            text += f"\nCó thể bạn muốn tìm: {others}"
        return text

    async def _guide(self, query: str) -> str:
        guide = self.guides.find(query)
        if guide is None:
            desk = await self._procedures()
            hits = desk.find(query)
            guide = self.guides.for_code(hits[0].code) if hits else None
        if guide is None:
            return texts.no_guide(self.guides.titles())
        return guide.text()

    async def _audit(
        self,
        volunteer: VolunteerView,
        action: str,
        target: str | None,
        now: datetime,
        *,
        detail: str | None = None,
    ) -> None:
        await self.db(self.store.audit, volunteer.actor, action, target, detail, now=now)

    # ------------------------------------------------------------------------ expiry
    async def expire(self, now: datetime | None = None) -> list[int]:
        """Expires the open tickets nobody claimed within the claim window, or opened outside
        working hours; each citizen is told the hotline and the office hours. Returns their
        ids."""
        at = now or self.clock()

        def is_open(moment: datetime) -> bool:
            return self.working_hours is None or self.working_hours.is_open(moment)

        def tell(ticket: TicketView) -> tuple[str, list[Envelope]]:
            text = texts.unavailable(
                ticket_id=ticket.id,
                hotline=self.hotline,
                office_phone=self.office_phone,
                hours=self.hours_text,
            )
            if ticket.citizen_channel not in self.channels:
                return text, []
            message = OutboundMessage(ticket.citizen_channel, ticket.citizen_user_id, text)
            return text, self._envelopes(f"handoff:{ticket.id}:expired", message, origin="system")

        expired = await self.db(
            self.store.expire, now=at, window=self.claim_window, is_open=is_open, tell=tell
        )
        if expired:
            log.info("handoff tickets expired", tickets=len(expired))
            self._wake()
        return expired

    async def run(self, stop: asyncio.Event) -> None:
        """Expires tickets until `stop`: when the oldest open ticket's time is up, and at least
        every 30 s (tickets other replicas opened)."""
        while not stop.is_set():
            self._opened.clear()
            delay = CHECK_AT_MOST_EVERY
            try:
                await self.expire()
                deadline = await self.db(self.store.next_deadline, self.claim_window)
                if deadline is not None:
                    left = (deadline - self.clock()).total_seconds()
                    delay = min(CHECK_AT_MOST_EVERY, max(left + 0.05, 0.1))
            except Exception:
                log.exception("could not expire handoff tickets")
            stopping = asyncio.ensure_future(stop.wait())
            opened = asyncio.ensure_future(self._opened.wait())
            try:
                await asyncio.wait({stopping, opened}, timeout=delay, return_when="FIRST_COMPLETED")
            finally:
                for waiter in (stopping, opened):
                    waiter.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await waiter

    # ------------------------------------------------------------------------ helpers
    def _envelopes(self, key: str, message: OutboundMessage, *, origin: Origin) -> list[Envelope]:
        """The message as the parts its channel sends, each under `key.<n>`."""
        channel = self.channels.get(message.channel)
        parts = channel.split(message) if channel is not None else [message]
        return [
            Envelope(key=f"{key}.{n}", message=part, origin=origin) for n, part in enumerate(parts)
        ]

    def _wake(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def _remember(self, message: InboundMessage) -> None:
        """Keeps the last few texts of each citizen, for the summary of a ticket they open."""
        if not message.text or message.text.startswith("/"):
            return
        recent = self._recent.get(message.sender)
        if recent is None:
            recent = self._recent[message.sender] = deque(maxlen=RECENT_MESSAGES)
            while len(self._recent) > RECENT_SENDERS:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(message.sender)
        if not recent or recent[-1] != message.text:
            recent.append(message.text)

    def _take_recent(self, message: InboundMessage) -> list[str]:
        recent = list(self._recent.pop(message.sender, ()))
        if message.text and not message.text.startswith("/") and message.text not in recent[-1:]:
            recent.append(message.text)
        return recent[-RECENT_MESSAGES:]

    async def _procedures(self) -> ProcedureDesk:
        if self._desk is None:

            def load() -> ProcedureDesk:
                with self._desk_lock:
                    if self._desk is None:
                        self._desk = self._load_desk()
                    return self._desk

            return await asyncio.to_thread(load)
        return self._desk

    async def _procedure_name(self, code: str) -> str | None:
        try:
            desk = await self._procedures()
        except Exception:  # noqa: BLE001 - a summary may go without the procedure's name
            log.warning("procedure catalog unavailable for a ticket summary")
            return None
        return desk.names.get(code)

    def _summary(
        self,
        *,
        reason: str,
        channel: str,
        user_id: str,
        procedure: str | None,
        procedure_code: str | None,
        dossier_code: str | None,
        recent: list[str],
    ) -> str:
        """What volunteers and staff read about a ticket: phones masked, no names."""
        where = texts.CHANNEL_NAMES.get(channel, channel)
        if channel == "sms":
            where += f" (số {mask_phone(user_id)})"
        lines = [f"Lý do: {texts.REASONS.get(reason, reason)}", f"Kênh: {where}"]
        if procedure_code:
            lines.append(f"Thủ tục: {procedure or 'mã'} ({procedure_code})")
        if dossier_code:
            lines.append(f"Hồ sơ: {dossier_code}")
        if recent:
            lines.append("Tin nhắn gần đây:")
            lines += [f"- {redact_text(text)}" for text in recent]
        return "\n".join(lines)


def _reply(message: InboundMessage, text: str) -> OutboundMessage:
    return OutboundMessage(channel=message.channel, user_id=message.user_id, text=text)


def _optional_str(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _is_stop_keyword(text: str) -> bool:
    keyword = parse_keyword(text)
    return keyword is not None and keyword.kind == "stop"


def _document_line(name: str, originals: int, copies: int) -> str:
    name = " ".join(name.split())
    if len(name) > MAX_DOCUMENT_CHARS:
        name = name[: MAX_DOCUMENT_CHARS - 1].rstrip() + "…"
    counts = []
    if originals:
        counts.append(f"{originals} bản chính")
    if copies:
        counts.append(f"{copies} bản sao")
    return f"{name} — {', '.join(counts)}" if counts else name
