"""Notice policy: which dossier events notify the citizen, when, through which channel; and, at
send time, whether a planned notice still goes out.

Pure: values in, values out, the current moment always passed in. The caller stores the planned
`Notice`s under their `idempotency_key` (inserting a key twice adds nothing, so planning the same
event again, or a worker running twice, never notifies twice) and, when one is due, asks
`decide` with the dossier and the citizen's identities as they are then.

Which events notify (`plan`):
- the status becomes `result_ready` (from an open status, or a dossier first seen already
  `result_ready`, e.g. by an import: `ImportedReady`): the notice, then pickup reminders
  `reminder_working_days` working days after it (default 3 and 7, at most 3 reminders);
- the status becomes `supplement_requested` or `rejected`: the notice, saying what to do next;
- a dossier past its `due_at` still before `result_ready` (`plan_overdue`): one apology.
Nothing is planned for a citizen who opted out. Notices go out at any time of any day except
the quiet hours (default 21:00–07:00 local): one due at night waits for the morning.

Channel, in order (`routes`): a Zalo or Telegram identity linked to the dossier's phone or
subscribed to the dossier, while the platform lets us write first (Zalo: 48 hours after the
citizen's last message; Telegram: always; web chat cannot be written to first); else a ZNS
template to the dossier's phone when configured for that kind; else SMS to the dossier's phone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from core.dossiers.model import OPEN_STATUSES, DossierData, DossierStatus, StatusChange
from core.logging import mask_phone
from core.reminders.calendar import DEFAULT_QUIET_HOURS, QuietHours, VietnamCalendar

__all__ = [
    "MAX_REMINDERS",
    "PUSH_WINDOWS",
    "ZNS_KINDS",
    "Audience",
    "Decision",
    "Defer",
    "DeferReason",
    "Event",
    "ImportedReady",
    "LinkedIdentity",
    "Notice",
    "NoticeChannel",
    "NoticeKind",
    "NoticePolicy",
    "Route",
    "Send",
    "Skip",
    "SkipReason",
]


class NoticeKind(StrEnum):
    RESULT_READY = "result_ready"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    REJECTED = "rejected"
    OVERDUE = "overdue"
    PICKUP_REMINDER = "pickup_reminder"


class NoticeChannel(StrEnum):
    """Where a notice goes. `zns` is a Zalo template message to a phone number (CONTRACT §4.3);
    `sms` a text to a phone number; `zalo` and `telegram` a chat message to a user id."""

    ZALO = "zalo"
    TELEGRAM = "telegram"
    ZNS = "zns"
    SMS = "sms"


PUSH_WINDOWS: Final[Mapping[str, timedelta | None]] = MappingProxyType(
    {
        # Zalo OA: free replies for 48 hours after the user's last message (paid ones up to 7
        # days); later only ZNS. https://developers.zalo.me/docs/official-account
        "zalo": timedelta(hours=48),
        # Telegram: a bot may write to a user who started it, at any time.
        "telegram": None,
    }
)
"""Chat platforms we may write to first, and for how long after the user's last message
(None: no limit). A channel not listed (web chat) is never written to first."""

ZNS_KINDS: Final = frozenset({NoticeKind.RESULT_READY, NoticeKind.PICKUP_REMINDER})
"""The kinds the one approved ZNS template (`MOTCUA_ZNS_TEMPLATE_RESULT_READY`, "hồ sơ đã có
kết quả") fits. Other kinds go by SMS when no chat window is open."""

MAX_REMINDERS: Final = 3


class SkipReason(StrEnum):
    OPTED_OUT = "opted out"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    STATUS_CHANGED = "status changed"
    NOT_OVERDUE = "not overdue"
    STALE = "stale"
    NO_CHANNEL = "no channel"


class DeferReason(StrEnum):
    NOT_DUE = "not due"
    QUIET_HOURS = "quiet hours"


@dataclass(frozen=True, slots=True)
class LinkedIdentity:
    """A chat identity of the citizen: linked to the dossier's phone (`verified`: the platform
    vouched for that phone, so it may read the officer's note) or subscribed to the dossier by
    its code. `last_inbound_at` is when the user last wrote to us (None: unknown)."""

    channel: str
    user_id: str
    last_inbound_at: datetime | None = None
    verified: bool = False

    def __repr__(self) -> str:
        return f"LinkedIdentity(channel={self.channel!r}, verified={self.verified})"


@dataclass(frozen=True, slots=True)
class Audience:
    """Who may hear about a dossier. `opted_out`: the citizen asked to stop (TC/HUY by SMS
    from the dossier's phone, or the unsubscribe intent from any of these identities)."""

    identities: tuple[LinkedIdentity, ...] = ()
    opted_out: bool = False


@dataclass(frozen=True, slots=True)
class ImportedReady:
    """A dossier found already `result_ready` (by an import or a first sync) and never
    notified: it gets its notice as if it had just become ready."""

    code: str
    at: datetime


Event = StatusChange | ImportedReady


@dataclass(frozen=True, slots=True)
class Route:
    """One way to reach the citizen. `verified`: the recipient is the dossier's owner (its
    phone, or an identity linked to it), so the officer's note may be shown."""

    channel: NoticeChannel
    user_id: str
    verified: bool

    def __repr__(self) -> str:
        shown = mask_phone(self.user_id) if self.user_id.startswith("+") else "…"
        return f"Route(channel={self.channel.value!r}, user_id={shown!r})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    """A planned notice. `channel`/`user_id` are the route chosen when planning, for display
    and statistics; `decide` chooses again at send time. `idempotency_key` is
    `"{code}:{kind}:{sequence}"`: result_ready, rejected and overdue are sequence 0 (one per
    dossier), pickup reminders 1.., supplement requests the count of earlier ones."""

    code: str
    kind: NoticeKind
    sequence: int
    due_at: datetime
    channel: NoticeChannel | None = None
    user_id: str | None = None
    idempotency_key: str = field(init=False)

    def __post_init__(self) -> None:
        if self.due_at.tzinfo is None:
            raise ValueError("due_at must be an aware datetime")
        if self.sequence < 0:
            raise ValueError("sequence must not be negative")
        object.__setattr__(self, "kind", NoticeKind(self.kind))
        object.__setattr__(self, "idempotency_key", f"{self.code}:{self.kind}:{self.sequence}")

    def __repr__(self) -> str:
        channel = self.channel.value if self.channel else None
        return (
            f"Notice(key={self.idempotency_key!r}, due_at={self.due_at.isoformat()!r}, "
            f"channel={channel!r})"
        )


@dataclass(frozen=True, slots=True)
class Send:
    """Send `notice` now by `route`; if that fails for good, try `fallbacks` in order (the
    phone routes, ZNS then SMS, not chosen first)."""

    notice: Notice
    route: Route
    fallbacks: tuple[Route, ...] = ()

    @property
    def channel(self) -> NoticeChannel:
        return self.route.channel

    @property
    def user_id(self) -> str:
        return self.route.user_id

    @property
    def idempotency_key(self) -> str:
        return self.notice.idempotency_key


@dataclass(frozen=True, slots=True)
class Skip:
    """Never send this notice; `reason` says why."""

    reason: SkipReason


@dataclass(frozen=True, slots=True)
class Defer:
    """Not now: ask again at `until`."""

    until: datetime
    reason: DeferReason


Decision = Send | Skip | Defer

_NEEDED_STATUS: Final = {
    NoticeKind.RESULT_READY: DossierStatus.RESULT_READY,
    NoticeKind.PICKUP_REMINDER: DossierStatus.RESULT_READY,
    NoticeKind.SUPPLEMENT_REQUESTED: DossierStatus.SUPPLEMENT_REQUESTED,
    NoticeKind.REJECTED: DossierStatus.REJECTED,
}


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")


def _kind_of(change: StatusChange) -> NoticeKind | None:
    old, new = change.old_status, change.new_status
    if old == new:
        return None
    if new is DossierStatus.RESULT_READY:
        # From returned/rejected/withdrawn back to ready is a correction of the record, not news.
        return NoticeKind.RESULT_READY if old is None or old in OPEN_STATUSES else None
    if new is DossierStatus.SUPPLEMENT_REQUESTED:
        return NoticeKind.SUPPLEMENT_REQUESTED
    if new is DossierStatus.REJECTED:
        return NoticeKind.REJECTED
    return None


def _status_reason(status: DossierStatus) -> SkipReason:
    if status is DossierStatus.RETURNED:
        return SkipReason.RETURNED
    if status is DossierStatus.WITHDRAWN:
        return SkipReason.WITHDRAWN
    return SkipReason.STATUS_CHANGED


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class NoticePolicy:
    """The notice rules of a deployment.

    Construct once: `NoticePolicy(calendar=load_calendar(CALENDAR_DIR / "quang-ninh.yml"),
    tz=settings.tz, zns_configured=settings.zns_template_result_ready is not None,
    sms_enabled=settings.sms_enabled, push_windows={k: v for k, v in PUSH_WINDOWS.items() if
    <channel k is on>})`.
    """

    calendar: VietnamCalendar
    tz: tzinfo
    quiet: QuietHours = DEFAULT_QUIET_HOURS
    reminder_working_days: tuple[int, ...] = (3, 7)
    """Pickup reminders, in working days after the result_ready notice (at most 3)."""
    reminder_time: time = time(8, 0)
    """Local time of day of a pickup reminder (then moved out of the quiet hours if need be)."""
    reminder_stale_after: timedelta | None = timedelta(days=2)
    """A pickup reminder not sent this long after it was due is dropped (after an outage the
    citizen gets the later reminder, not several at once). None: never dropped."""
    push_windows: Mapping[str, timedelta | None] = field(default_factory=lambda: PUSH_WINDOWS)
    zns_configured: bool = False
    sms_enabled: bool = True

    def __post_init__(self) -> None:
        days = self.reminder_working_days
        if len(days) > MAX_REMINDERS:
            raise ValueError(f"at most {MAX_REMINDERS} pickup reminders, got {len(days)}")
        if any(n < 1 for n in days) or list(days) != sorted(set(days)):
            raise ValueError("reminder days must be positive and increasing, e.g. (3, 7)")
        if self.reminder_time.tzinfo is not None:
            raise ValueError("reminder_time is a local time of day, without a time zone")
        chat = {NoticeChannel.ZALO.value, NoticeChannel.TELEGRAM.value}
        unknown = sorted(set(self.push_windows) - chat)
        if unknown:
            raise ValueError(f"not a chat channel we can write to first: {', '.join(unknown)}")
        object.__setattr__(self, "push_windows", MappingProxyType(dict(self.push_windows)))

    # --- planning ------------------------------------------------------------------------

    def plan(
        self,
        dossier: DossierData,
        event: Event,
        *,
        audience: Audience,
        now: datetime,
        occurrence: int = 0,
    ) -> list[Notice]:
        """The notices an event calls for, first one due at `now` or the end of the quiet
        hours. `dossier` is the dossier after the event; a change it no longer reflects (a later
        change already applied) plans nothing. `occurrence` is how many earlier times the
        dossier entered the event's status: the sequence of a second supplement request, so it
        is not taken for a repeat of the first."""
        _require_aware("now", now)
        if event.code != dossier.code:
            raise ValueError("the event is about another dossier")
        if audience.opted_out:
            return []
        kind: NoticeKind | None
        if isinstance(event, ImportedReady):
            ready = dossier.status is DossierStatus.RESULT_READY
            kind = NoticeKind.RESULT_READY if ready else None
        elif event.new_status is not dossier.status:
            kind = None
        else:
            kind = _kind_of(event)
        if kind is None:
            return []
        sequence = occurrence if kind is NoticeKind.SUPPLEMENT_REQUESTED else 0
        first = self._notice(
            dossier, kind, sequence, self.quiet.next_allowed(now, tz=self.tz), audience
        )
        if kind is not NoticeKind.RESULT_READY:
            return [first]
        reminders = [
            self._notice(dossier, NoticeKind.PICKUP_REMINDER, number, at, audience)
            for number, at in enumerate(self.reminder_times(first.due_at), start=1)
        ]
        return [first, *reminders]

    def plan_overdue(
        self, dossier: DossierData, *, audience: Audience, now: datetime
    ) -> list[Notice]:
        """The one apology for a dossier past its `due_at` and still before `result_ready`
        (kind overdue, sequence 0): call it for every such dossier, as often as you like."""
        _require_aware("now", now)
        if audience.opted_out or not dossier.is_overdue(now):
            return []
        due = self.quiet.next_allowed(now, tz=self.tz)
        return [self._notice(dossier, NoticeKind.OVERDUE, 0, due, audience)]

    def reminder_times(self, first_notice_at: datetime) -> list[datetime]:
        """When the pickup reminders fall: `reminder_working_days` working days after the local
        day of the first notice, at `reminder_time`, out of the quiet hours."""
        _require_aware("first_notice_at", first_notice_at)
        start = first_notice_at.astimezone(self.tz).date()
        times = []
        for n in self.reminder_working_days:
            day = self.calendar.add_working_days(start, n)
            # Through UTC and back: a wall time a DST jump skips becomes a real instant.
            at = datetime.combine(day, self.reminder_time, tzinfo=self.tz)
            at = at.astimezone(UTC).astimezone(self.tz)
            times.append(self.quiet.next_allowed(at, tz=self.tz))
        return times

    def _notice(
        self,
        dossier: DossierData,
        kind: NoticeKind,
        sequence: int,
        due: datetime,
        audience: Audience,
    ) -> Notice:
        routes = self.routes(dossier, kind, audience.identities, at=due)
        first = routes[0] if routes else None
        return Notice(
            code=dossier.code,
            kind=kind,
            sequence=sequence,
            due_at=due,
            channel=first.channel if first else None,
            user_id=first.user_id if first else None,
        )

    # --- channel -------------------------------------------------------------------------

    def window_open(self, identity: LinkedIdentity, *, at: datetime) -> bool:
        """May we write to this identity first at `at`?"""
        if identity.channel not in self.push_windows:
            return False
        window = self.push_windows[identity.channel]
        if window is None:
            return True
        last = identity.last_inbound_at
        return last is not None and last <= at < last + window

    def routes(
        self,
        dossier: DossierData,
        kind: NoticeKind,
        identities: Sequence[LinkedIdentity],
        *,
        at: datetime,
    ) -> list[Route]:
        """Every way to reach the citizen at `at`, best first: one chat identity with an open
        window (the owner's before a subscriber's, the most recently active first), then ZNS
        and SMS to the dossier's phone."""
        chats = [i for i in identities if self.window_open(i, at=at)]
        chats.sort(key=lambda i: (i.channel, i.user_id))
        chats.sort(
            key=lambda i: (i.verified, i.last_inbound_at is not None, i.last_inbound_at or at),
            reverse=True,
        )
        found = [Route(NoticeChannel(c.channel), c.user_id, c.verified) for c in chats[:1]]
        if dossier.phone is not None:
            if self.zns_configured and kind in ZNS_KINDS:
                found.append(Route(NoticeChannel.ZNS, dossier.phone, True))
            if self.sms_enabled:
                found.append(Route(NoticeChannel.SMS, dossier.phone, True))
        return found

    # --- send time -----------------------------------------------------------------------

    def decide(
        self, notice: Notice, dossier: DossierData, *, audience: Audience, now: datetime
    ) -> Decision:
        """Whether a planned notice goes out now, given the dossier and the audience as they
        are now. Skipped for good: the citizen opted out; the dossier moved on (returned,
        withdrawn, another status; an overdue one got its result or a later due date); a
        pickup reminder more than `reminder_stale_after` late; no route at all. Deferred: not
        due yet, or quiet hours now. Otherwise Send, with the route chosen now."""
        _require_aware("now", now)
        if notice.code != dossier.code:
            raise ValueError("the notice is about another dossier")
        if audience.opted_out:
            return Skip(SkipReason.OPTED_OUT)
        if notice.kind is NoticeKind.OVERDUE:
            if not dossier.is_overdue(now):
                terminal = dossier.status in (DossierStatus.RETURNED, DossierStatus.WITHDRAWN)
                return Skip(_status_reason(dossier.status) if terminal else SkipReason.NOT_OVERDUE)
        elif dossier.status is not _NEEDED_STATUS[notice.kind]:
            return Skip(_status_reason(dossier.status))
        if now < notice.due_at:
            return Defer(notice.due_at, DeferReason.NOT_DUE)
        stale = self.reminder_stale_after
        if (
            notice.kind is NoticeKind.PICKUP_REMINDER
            and stale is not None
            and now - notice.due_at > stale
        ):
            return Skip(SkipReason.STALE)
        allowed = self.quiet.next_allowed(now, tz=self.tz)
        if allowed != now:
            return Defer(allowed, DeferReason.QUIET_HOURS)
        routes = self.routes(dossier, notice.kind, audience.identities, at=now)
        if not routes:
            return Skip(SkipReason.NO_CHANNEL)
        first, *rest = routes
        fallbacks = tuple(r for r in rest if r.channel in (NoticeChannel.ZNS, NoticeChannel.SMS))
        return Send(notice, first, fallbacks)
