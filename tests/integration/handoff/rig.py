"""A handoff service over a real database, its messages read back from the outbox.

The platforms are stand-ins that send nothing: what would go out is what the outbox holds,
which is all the service ever writes to. The procedure catalog is loaded once for all tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.channels.base import (
    InboundEvent,
    InboundMessage,
    OutboundMessage,
    SendResult,
    WebhookRequest,
)
from bot.handoff.guides import load_guides
from bot.handoff.hours import WorkingHours
from bot.handoff.people import add_volunteer, create_invite
from bot.handoff.service import HandoffService
from bot.handoff.store import VolunteerView
from bot.outbox import Outbox
from core.dossiers.model import ChangeSource, DossierData
from core.dossiers.repository import SqlDossierRepository
from core.messaging.tables import OutboxMessage
from core.offices import load_offices
from core.people.tables import AuditEntry, Ticket, TicketMessage
from core.procedures.desk import ProcedureDesk
from core.reminders.calendar import CALENDAR_DIR, load_calendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A Wednesday, mid-morning: the province centre is open
OPENING_HOURS = datetime(2026, 11, 25, 9, 0, tzinfo=TZ)
HOTLINE = "0203 1234 567"
DOSSIER = "000.00.12.H49-241105-0012"
OWNER_PHONE = "+84912345678"
OWNER_NAME = "Nguyễn Thị Hoa"


@cache
def desk() -> ProcedureDesk:
    return ProcedureDesk.load()


class SilentChannel:
    """A platform that takes one part per message; nothing is ever sent in these tests."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def parse(self, request: WebhookRequest) -> list[InboundEvent]:
        raise AssertionError("not used")

    def split(self, message: OutboundMessage) -> list[OutboundMessage]:
        return [message]

    async def send(self, message: OutboundMessage) -> SendResult:
        raise AssertionError("the rig sends nothing")

    async def acknowledge(self, event: InboundEvent) -> None:
        return None

    async def aclose(self) -> None:
        return None


@dataclass
class Clock:
    now: datetime = OPENING_HOURS

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Sent:
    key: str
    channel: str
    user_id: str
    text: str
    buttons: list[list[str]]
    origin: str


@dataclass
class Rig:
    engine: Engine
    service: HandoffService
    clock: Clock
    volunteers: list[VolunteerView] = field(default_factory=list)
    _ids: int = 0

    # --- acting ---
    def message(self, sender: str, text: str) -> InboundMessage:
        channel, _, user_id = sender.partition(":")
        self._ids += 1
        return InboundMessage(channel, user_id, text, message_id=f"e{self._ids}")

    async def say(self, sender: str, text: str) -> list[str] | None:
        """A platform message through the interceptor: the replies' texts, or None when it
        would go on to the NLU."""
        replies = await self.service.intercept(self.message(sender, text))
        return None if replies is None else [r.text for r in replies]

    async def ask_for_human(
        self, sender: str, text: str = "cho tôi gặp người thật", **handoff: str | None
    ) -> list[str]:
        """The citizen's message passes the interceptor, the NLU asks for a human."""
        message = self.message(sender, text)
        assert await self.service.intercept(message) is None
        payload = {"reason": "request_human", "procedure_code": None, "dossier_code": None}
        return [r.text for r in await self.service.open(message, payload | handoff)]

    async def volunteer(self, index: int, text: str) -> list[str]:
        v = self.volunteers[index]
        replies = await self.service.intercept(self.message(f"{v.channel}:{v.user_id}", text))
        assert replies is not None, "a volunteer's message went on to the NLU"
        return [r.text for r in replies]

    def enrol(self, name: str, channel: str, user_id: str) -> VolunteerView:
        volunteer = add_volunteer(
            self.engine, name=name, channel=channel, user_id=user_id, now=self.clock.now
        )
        self.volunteers.append(volunteer)
        return volunteer

    def invite(self, name: str, *, valid_for: timedelta = timedelta(days=1)) -> str:
        return create_invite(self.engine, name=name, now=self.clock.now, valid_for=valid_for)

    # --- observing ---
    def sent(self) -> list[Sent]:
        with Session(self.engine) as session:
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            return [Sent(r.key, r.channel, r.user_id, r.text, r.buttons, r.origin) for r in rows]

    def sent_to(self, sender: str) -> list[Sent]:
        channel, _, user_id = sender.partition(":")
        return [s for s in self.sent() if (s.channel, s.user_id) == (channel, user_id)]

    def to_volunteer(self, index: int) -> list[Sent]:
        v = self.volunteers[index]
        return self.sent_to(f"{v.channel}:{v.user_id}")

    def tickets(self) -> list[Ticket]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(select(Ticket).order_by(Ticket.id)).all())

    def transcript(self, ticket_id: int) -> list[tuple[str, str]]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(TicketMessage.author, TicketMessage.text)
                .where(TicketMessage.ticket_id == ticket_id)
                .order_by(TicketMessage.id)
            ).all()
            return [(r.author, r.text) for r in rows]

    def audit(self) -> list[tuple[str, str, str | None, str | None]]:
        with Session(self.engine) as session:
            rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            return [(a.actor, a.action, a.target, a.detail) for a in rows]


def build_rig(
    engine: Engine,
    *,
    office_hours_only: bool = True,
    claim_minutes: float = 10,
    channels: tuple[str, ...] = ("telegram", "zalo", "sms"),
) -> Rig:
    clock = Clock()
    province = load_offices().province
    dossiers = SqlDossierRepository(engine)
    dossiers.upsert_many(
        [
            DossierData(
                code=DOSSIER,
                procedure_name="Thủ tục đăng ký khai sinh",
                procedure_code="1.001193",
                status="processing",
                received_at=OPENING_HOURS - timedelta(days=2),
                due_at=OPENING_HOURS + timedelta(days=1),
                applicant_name=OWNER_NAME,
                phone=OWNER_PHONE,
                office="Bộ phận một cửa UBND phường Hồng Gai",
                note="Bổ sung bản sao căn cước của mẹ.",
            )
        ],
        source=ChangeSource.CSV,
        now=OPENING_HOURS,
    )
    service = HandoffService(
        engine=engine,
        outbox=Outbox(engine),
        dispatcher=None,
        channels={name: SilentChannel(name) for name in channels},
        dossiers=dossiers,
        guides=load_guides(),
        tz=TZ,
        hours_text=province.hours.text(),
        office_phone=province.phone,
        hotline=HOTLINE,
        working_hours=(
            WorkingHours(province.hours, load_calendar(CALENDAR_DIR / "quang-ninh.yml"), TZ)
            if office_hours_only
            else None
        ),
        claim_window=timedelta(minutes=claim_minutes),
        desk=desk,
        clock=clock,
    )
    return Rig(engine=engine, service=service, clock=clock)
