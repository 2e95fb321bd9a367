"""The notice policy: which events notify, when (quiet hours, working-day reminders), through
which channel, and what a due notice becomes at send time."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.dossiers.model import DossierData, DossierStatus, StatusChange
from core.reminders.calendar import load_calendar
from core.reminders.policy import (
    PUSH_WINDOWS,
    Audience,
    Defer,
    DeferReason,
    ImportedReady,
    LinkedIdentity,
    Notice,
    NoticeChannel,
    NoticeKind,
    NoticePolicy,
    Route,
    Send,
    Skip,
    SkipReason,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = load_calendar()
POLICY = NoticePolicy(calendar=CALENDAR, tz=HCM)
ZNS_POLICY = NoticePolicy(calendar=CALENDAR, tz=HCM, zns_configured=True)
CODE = "000.00.12.H49-260201-0012"
PHONE = "+84912345678"
S = DossierStatus
K = NoticeKind
C = NoticeChannel


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=HCM)


def dossier(status: DossierStatus = S.RESULT_READY, **changes: object) -> DossierData:
    base = DossierData(
        code=CODE,
        procedure_name="Cấp đổi giấy phép lái xe",
        status=status,
        received_at=at("2026-02-02 08:00"),
        phone=PHONE,
        due_at=at("2026-02-27 17:00"),
        office="Bộ phận một cửa UBND phường Bãi Cháy",
        note="Thiếu bản sao căn cước",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def zalo(last: str | None, *, verified: bool = True, user: str = "z1") -> LinkedIdentity:
    return LinkedIdentity("zalo", user, at(last) if last else None, verified)


def telegram(last: str | None = None, *, verified: bool = False) -> LinkedIdentity:
    return LinkedIdentity("telegram", "42", at(last) if last else None, verified)


def change(old: DossierStatus | None, new: DossierStatus, when: str) -> StatusChange:
    return StatusChange(CODE, old, new, at(when))


def keys(notices: list[Notice]) -> list[str]:
    return [n.idempotency_key.removeprefix(CODE + ":") for n in notices]


# --- which events notify ----------------------------------------------------------------

READY = ["result_ready:0", "pickup_reminder:1", "pickup_reminder:2"]

PLAN = [
    # old status, new status, dossier now, occurrence, expected keys
    (S.PROCESSING, S.RESULT_READY, S.RESULT_READY, 0, READY),
    (S.RECEIVED, S.RESULT_READY, S.RESULT_READY, 0, READY),
    (S.SUPPLEMENT_REQUESTED, S.RESULT_READY, S.RESULT_READY, 0, READY),
    (S.PAYMENT_REQUESTED, S.RESULT_READY, S.RESULT_READY, 0, READY),
    (None, S.RESULT_READY, S.RESULT_READY, 0, READY),  # pushed already ready
    (S.RETURNED, S.RESULT_READY, S.RESULT_READY, 0, []),  # a correction, not news
    (S.REJECTED, S.RESULT_READY, S.RESULT_READY, 0, []),
    (S.WITHDRAWN, S.RESULT_READY, S.RESULT_READY, 0, []),
    (S.RESULT_READY, S.RESULT_READY, S.RESULT_READY, 0, []),
    (S.PROCESSING, S.RESULT_READY, S.RETURNED, 0, []),  # a later change already applied
    (S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_REQUESTED, 0, ["supplement_requested:0"]),
    (S.RECEIVED, S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_REQUESTED, 0, ["supplement_requested:0"]),
    (S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_REQUESTED, 1, ["supplement_requested:1"]),
    (S.PROCESSING, S.REJECTED, S.REJECTED, 0, ["rejected:0"]),
    (None, S.REJECTED, S.REJECTED, 0, ["rejected:0"]),
    (S.SUPPLEMENT_REQUESTED, S.REJECTED, S.REJECTED, 2, ["rejected:0"]),
    (None, S.RECEIVED, S.RECEIVED, 0, []),
    (S.RECEIVED, S.PROCESSING, S.PROCESSING, 0, []),
    (S.PROCESSING, S.PAYMENT_REQUESTED, S.PAYMENT_REQUESTED, 0, []),
    (S.SUPPLEMENT_REQUESTED, S.PROCESSING, S.PROCESSING, 0, []),
    (S.RESULT_READY, S.RETURNED, S.RETURNED, 0, []),
    (S.PROCESSING, S.WITHDRAWN, S.WITHDRAWN, 0, []),
]


@pytest.mark.parametrize(("old", "new", "now_status", "occurrence", "expected"), PLAN)
def test_which_status_changes_notify(
    old: DossierStatus | None,
    new: DossierStatus,
    now_status: DossierStatus,
    occurrence: int,
    expected: list[str],
) -> None:
    notices = POLICY.plan(
        dossier(now_status),
        change(old, new, "2026-03-11 10:00"),
        audience=Audience(),
        now=at("2026-03-11 10:00"),
        occurrence=occurrence,
    )
    assert keys(notices) == expected


@pytest.mark.parametrize("new", list(S))
@pytest.mark.parametrize("old", [None, *S])
def test_only_ready_supplement_and_rejection_notify(
    old: DossierStatus | None, new: DossierStatus
) -> None:
    notices = POLICY.plan(
        dossier(new),
        change(old, new, "2026-03-11 10:00"),
        audience=Audience(),
        now=at("2026-03-11 10:00"),
    )
    kinds = {n.kind for n in notices}
    if old == new:
        assert kinds == set()
    elif new is S.RESULT_READY:
        news = old is None or old in (
            S.RECEIVED,
            S.PROCESSING,
            S.SUPPLEMENT_REQUESTED,
            S.PAYMENT_REQUESTED,
        )
        assert kinds == ({K.RESULT_READY, K.PICKUP_REMINDER} if news else set())
    elif new in (S.SUPPLEMENT_REQUESTED, S.REJECTED):
        assert kinds == {K(new.value)}
    else:
        assert kinds == set()


@pytest.mark.parametrize(
    ("status", "expected"),
    [(S.RESULT_READY, READY), (S.PROCESSING, []), (S.RETURNED, [])],
)
def test_a_dossier_imported_already_ready_gets_its_notice(
    status: DossierStatus, expected: list[str]
) -> None:
    event = ImportedReady(CODE, at("2026-03-11 10:00"))
    first = POLICY.plan(dossier(status), event, audience=Audience(), now=at("2026-03-11 10:00"))
    assert keys(first) == expected
    # imported again, or the change seen again: the same keys, so nothing new is stored
    again = POLICY.plan(dossier(status), event, audience=Audience(), now=at("2026-03-12 10:00"))
    assert keys(again) == expected
    if status is S.RESULT_READY:
        pushed = POLICY.plan(
            dossier(status),
            change(S.PROCESSING, S.RESULT_READY, "2026-03-11 10:00"),
            audience=Audience(),
            now=at("2026-03-11 10:00"),
        )
        assert keys(pushed) == keys(first)


def test_nothing_is_planned_for_a_citizen_who_opted_out() -> None:
    audience = Audience(opted_out=True)
    now = at("2026-03-11 10:00")
    ready = change(S.PROCESSING, S.RESULT_READY, "2026-03-11 10:00")
    assert POLICY.plan(dossier(), ready, audience=audience, now=now) == []
    overdue = dossier(S.PROCESSING, due_at=at("2026-03-10 17:00"))
    assert POLICY.plan_overdue(overdue, audience=audience, now=now) == []


def test_planning_checks_its_inputs() -> None:
    other = StatusChange(
        "000.00.12.H49-260201-0013", S.PROCESSING, S.RESULT_READY, at("2026-03-11 10:00")
    )
    with pytest.raises(ValueError, match="another dossier"):
        POLICY.plan(dossier(), other, audience=Audience(), now=at("2026-03-11 10:00"))
    with pytest.raises(ValueError, match="aware"):
        POLICY.plan(
            dossier(),
            change(S.PROCESSING, S.RESULT_READY, "2026-03-11 10:00"),
            audience=Audience(),
            now=datetime(2026, 3, 11, 10, 0),
        )


# --- when -------------------------------------------------------------------------------

TIMING = [
    # ready at (local)    first notice         reminders
    ("2026-02-13 10:00", "2026-02-13 10:00", ["2026-02-25 08:00", "2026-03-03 08:00"]),  # Tết
    ("2026-02-13 20:59", "2026-02-13 20:59", ["2026-02-25 08:00", "2026-03-03 08:00"]),
    ("2026-02-13 21:30", "2026-02-14 07:00", ["2026-02-25 08:00", "2026-03-03 08:00"]),
    ("2026-02-14 06:59", "2026-02-14 07:00", ["2026-02-25 08:00", "2026-03-03 08:00"]),
    ("2027-02-03 15:00", "2027-02-03 15:00", ["2027-02-15 08:00", "2027-02-19 08:00"]),  # Tết
    ("2026-04-28 09:00", "2026-04-28 09:00", ["2026-05-05 08:00", "2026-05-11 08:00"]),
    ("2025-08-29 16:00", "2025-08-29 16:00", ["2025-09-05 08:00", "2025-09-11 08:00"]),
    ("2026-03-06 23:00", "2026-03-07 07:00", ["2026-03-11 08:00", "2026-03-17 08:00"]),
    ("2026-03-11 10:00", "2026-03-11 10:00", ["2026-03-16 08:00", "2026-03-20 08:00"]),
]


@pytest.mark.parametrize(("ready", "first", "reminders"), TIMING)
def test_notice_and_reminder_times(ready: str, first: str, reminders: list[str]) -> None:
    notices = POLICY.plan(
        dossier(), change(S.PROCESSING, S.RESULT_READY, ready), audience=Audience(), now=at(ready)
    )
    assert [n.due_at for n in notices] == [at(first), *map(at, reminders)]
    assert [n.sequence for n in notices] == [0, 1, 2]


@pytest.mark.parametrize(
    ("days", "reminder_time", "expected"),
    [
        ((1,), time(8, 0), ["2026-03-12 08:00"]),
        ((2, 5, 10), time(9, 30), ["2026-03-13 09:30", "2026-03-18 09:30", "2026-03-25 09:30"]),
        ((), time(8, 0), []),
        ((3,), time(6, 0), ["2026-03-16 07:00"]),  # moved out of the quiet hours
        ((3,), time(22, 0), ["2026-03-17 07:00"]),
    ],
)
def test_configured_reminders(
    days: tuple[int, ...], reminder_time: time, expected: list[str]
) -> None:
    policy = NoticePolicy(
        calendar=CALENDAR, tz=HCM, reminder_working_days=days, reminder_time=reminder_time
    )
    notices = policy.plan(
        dossier(),
        change(S.PROCESSING, S.RESULT_READY, "2026-03-11 10:00"),
        audience=Audience(),
        now=at("2026-03-11 10:00"),
    )
    assert [n.due_at for n in notices[1:]] == [at(e) for e in expected]
    assert all(n.kind is K.PICKUP_REMINDER for n in notices[1:])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"reminder_working_days": (1, 2, 3, 4)}, "at most 3"),
        ({"reminder_working_days": (0, 3)}, "positive"),
        ({"reminder_working_days": (7, 3)}, "increasing"),
        ({"reminder_working_days": (3, 3)}, "increasing"),
        ({"reminder_time": time(8, 0, tzinfo=HCM)}, "local time"),
        ({"push_windows": {"web": None}}, "web"),
    ],
)
def test_invalid_policies_are_refused(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NoticePolicy(calendar=CALENDAR, tz=HCM, **settings)  # type: ignore[arg-type]


OVERDUE = [
    # status, due_at, now, expected due of the apology (None: no apology)
    (S.PROCESSING, "2026-03-10 17:00", "2026-03-11 10:00", "2026-03-11 10:00"),
    (S.RECEIVED, "2026-03-10 17:00", "2026-03-11 10:00", "2026-03-11 10:00"),
    (S.SUPPLEMENT_REQUESTED, "2026-03-10 17:00", "2026-03-11 10:00", "2026-03-11 10:00"),
    (S.PAYMENT_REQUESTED, "2026-03-10 17:00", "2026-03-11 10:00", "2026-03-11 10:00"),
    (S.PROCESSING, "2026-03-10 17:00", "2026-03-10 22:00", "2026-03-11 07:00"),
    (S.PROCESSING, "2026-03-11 17:00", "2026-03-11 10:00", None),
    (S.PROCESSING, None, "2026-03-11 10:00", None),
    (S.RESULT_READY, "2026-03-10 17:00", "2026-03-11 10:00", None),
    (S.RETURNED, "2026-03-10 17:00", "2026-03-11 10:00", None),
    (S.REJECTED, "2026-03-10 17:00", "2026-03-11 10:00", None),
    (S.WITHDRAWN, "2026-03-10 17:00", "2026-03-11 10:00", None),
]


@pytest.mark.parametrize(("status", "due", "now", "expected"), OVERDUE)
def test_one_apology_for_an_overdue_dossier(
    status: DossierStatus, due: str | None, now: str, expected: str | None
) -> None:
    subject = dossier(status, due_at=at(due) if due else None)
    notices = POLICY.plan_overdue(subject, audience=Audience(), now=at(now))
    if expected is None:
        assert notices == []
    else:
        assert [(n.idempotency_key, n.due_at) for n in notices] == [
            (f"{CODE}:overdue:0", at(expected))
        ]


# --- through which channel --------------------------------------------------------------

ROUTES = [
    # identities, zns on?, phone?, kind, expected routes (channel, user id)
    ([], False, True, K.RESULT_READY, [(C.SMS, PHONE)]),
    ([], True, True, K.RESULT_READY, [(C.ZNS, PHONE), (C.SMS, PHONE)]),
    ([], True, True, K.PICKUP_REMINDER, [(C.ZNS, PHONE), (C.SMS, PHONE)]),
    ([], True, True, K.SUPPLEMENT_REQUESTED, [(C.SMS, PHONE)]),  # no ZNS template for it
    ([], True, True, K.OVERDUE, [(C.SMS, PHONE)]),
    ([zalo("2026-03-10 10:01")], False, True, K.RESULT_READY, [(C.ZALO, "z1"), (C.SMS, PHONE)]),
    ([zalo("2026-03-09 10:00")], False, True, K.RESULT_READY, [(C.SMS, PHONE)]),  # 48 h passed
    ([zalo("2026-03-09 10:00")], True, True, K.RESULT_READY, [(C.ZNS, PHONE), (C.SMS, PHONE)]),
    ([zalo(None)], False, True, K.RESULT_READY, [(C.SMS, PHONE)]),
    ([zalo("2026-03-11 11:00")], False, True, K.RESULT_READY, [(C.SMS, PHONE)]),  # future: bad
    ([telegram()], False, True, K.REJECTED, [(C.TELEGRAM, "42"), (C.SMS, PHONE)]),
    ([telegram("2025-01-01 10:00")], False, False, K.REJECTED, [(C.TELEGRAM, "42")]),
    (
        [LinkedIdentity("web", "abc", at("2026-03-11 09:59"), True)],
        False,
        True,
        K.RESULT_READY,
        [(C.SMS, PHONE)],
    ),  # web chat cannot be written to first
    ([], False, False, K.RESULT_READY, []),
    ([], True, False, K.RESULT_READY, []),
    ([zalo("2026-03-09 10:00")], True, False, K.RESULT_READY, []),
    # the owner's identity before a subscriber's, then the most recently active
    (
        [telegram(verified=False), zalo("2026-03-11 09:00", verified=True)],
        False,
        False,
        K.RESULT_READY,
        [(C.ZALO, "z1")],
    ),
    (
        [telegram(verified=True), zalo("2026-03-11 09:00", verified=True)],
        False,
        False,
        K.RESULT_READY,
        [(C.ZALO, "z1")],
    ),
    (
        [telegram("2026-03-11 09:30", verified=True), zalo("2026-03-11 09:00", verified=True)],
        False,
        False,
        K.RESULT_READY,
        [(C.TELEGRAM, "42")],
    ),
    (
        [zalo("2026-03-11 08:00", user="a"), zalo("2026-03-11 09:00", user="b")],
        False,
        False,
        K.RESULT_READY,
        [(C.ZALO, "b")],
    ),
    (
        [zalo("2026-03-11 09:00", user="b"), zalo("2026-03-11 09:00", user="a")],
        False,
        False,
        K.RESULT_READY,
        [(C.ZALO, "a")],
    ),
]


@pytest.mark.parametrize(("identities", "zns", "phone", "kind", "expected"), ROUTES)
def test_routes(
    identities: list[LinkedIdentity],
    zns: bool,
    phone: bool,
    kind: NoticeKind,
    expected: list[tuple[NoticeChannel, str]],
) -> None:
    policy = ZNS_POLICY if zns else POLICY
    subject = dossier(phone=PHONE if phone else None)
    routes = policy.routes(subject, kind, identities, at=at("2026-03-11 10:00"))
    assert [(r.channel, r.user_id) for r in routes] == expected


def test_channels_switched_off_are_not_used() -> None:
    policy = NoticePolicy(
        calendar=CALENDAR, tz=HCM, push_windows={"zalo": PUSH_WINDOWS["zalo"]}, sms_enabled=False
    )
    routes = policy.routes(dossier(), K.RESULT_READY, [telegram()], at=at("2026-03-11 10:00"))
    assert routes == []


def test_the_zalo_window_closes_48_hours_after_the_last_message() -> None:
    identity = zalo("2026-03-09 10:00")
    assert POLICY.window_open(identity, at=at("2026-03-11 09:59:59"))
    assert not POLICY.window_open(identity, at=at("2026-03-11 10:00"))


def test_a_planned_notice_names_the_route_of_its_due_time() -> None:
    """The Zalo window is open when the result is ready, closed by the reminders."""
    audience = Audience((zalo("2026-03-11 09:00"),))
    notices = ZNS_POLICY.plan(
        dossier(),
        change(S.PROCESSING, S.RESULT_READY, "2026-03-11 10:00"),
        audience=audience,
        now=at("2026-03-11 10:00"),
    )
    assert [(n.channel, n.user_id) for n in notices] == [
        (C.ZALO, "z1"),
        (C.ZNS, PHONE),
        (C.ZNS, PHONE),
    ]
    nobody = POLICY.plan(
        dossier(phone=None),
        change(S.PROCESSING, S.RESULT_READY, "2026-03-11 10:00"),
        audience=Audience(),
        now=at("2026-03-11 10:00"),
    )
    assert [(n.channel, n.user_id) for n in nobody] == [(None, None)] * 3


# --- at send time -----------------------------------------------------------------------


def notice(kind: NoticeKind, due: str = "2026-03-11 10:00", sequence: int = 0) -> Notice:
    return Notice(code=CODE, kind=kind, sequence=sequence, due_at=at(due))


@dataclass(frozen=True)
class Case:
    name: str
    notice: Notice
    dossier: DossierData
    now: str
    expected: Send | Skip | Defer
    audience: Audience = field(default_factory=Audience)
    policy: NoticePolicy = POLICY


SMS = Route(C.SMS, PHONE, True)
ZNS = Route(C.ZNS, PHONE, True)
OVERDUE_DOSSIER = dossier(S.PROCESSING, due_at=at("2026-03-10 17:00"))
READY_NOTICE = notice(K.RESULT_READY)
REMINDER = notice(K.PICKUP_REMINDER, sequence=1)

DECIDE = [
    Case("ready", READY_NOTICE, dossier(), "2026-03-11 10:00", Send(READY_NOTICE, SMS)),
    Case("ready, sent late", READY_NOTICE, dossier(), "2026-03-16 10:00", Send(READY_NOTICE, SMS)),
    Case(
        "ready, returned",
        READY_NOTICE,
        dossier(S.RETURNED),
        "2026-03-11 10:00",
        Skip(SkipReason.RETURNED),
    ),
    Case("reminder", REMINDER, dossier(), "2026-03-11 10:00", Send(REMINDER, SMS)),
    Case("reminder, a day late", REMINDER, dossier(), "2026-03-12 10:00", Send(REMINDER, SMS)),
    Case("reminder, stale", REMINDER, dossier(), "2026-03-13 10:01", Skip(SkipReason.STALE)),
    Case(
        "reminder, never stale",
        REMINDER,
        dossier(),
        "2026-03-20 10:00",
        Send(REMINDER, SMS),
        policy=NoticePolicy(calendar=CALENDAR, tz=HCM, reminder_stale_after=None),
    ),
    Case(
        "reminder, returned",
        REMINDER,
        dossier(S.RETURNED),
        "2026-03-11 10:00",
        Skip(SkipReason.RETURNED),
    ),
    Case(
        "reminder, withdrawn",
        REMINDER,
        dossier(S.WITHDRAWN),
        "2026-03-11 10:00",
        Skip(SkipReason.WITHDRAWN),
    ),
    Case(
        "reminder, back to processing",
        REMINDER,
        dossier(S.PROCESSING),
        "2026-03-11 10:00",
        Skip(SkipReason.STATUS_CHANGED),
    ),
    Case(
        "reminder, opted out",
        REMINDER,
        dossier(),
        "2026-03-11 10:00",
        Skip(SkipReason.OPTED_OUT),
        audience=Audience(opted_out=True),
    ),
    Case(
        "ready, opted out",
        READY_NOTICE,
        dossier(),
        "2026-03-11 10:00",
        Skip(SkipReason.OPTED_OUT),
        audience=Audience(opted_out=True),
    ),
    Case(
        "supplement",
        notice(K.SUPPLEMENT_REQUESTED),
        dossier(S.SUPPLEMENT_REQUESTED),
        "2026-03-11 10:00",
        Send(notice(K.SUPPLEMENT_REQUESTED), SMS),
    ),
    Case(
        "supplement, already supplied",
        notice(K.SUPPLEMENT_REQUESTED),
        dossier(S.PROCESSING),
        "2026-03-11 10:00",
        Skip(SkipReason.STATUS_CHANGED),
    ),
    Case(
        "rejected",
        notice(K.REJECTED),
        dossier(S.REJECTED),
        "2026-03-11 10:00",
        Send(notice(K.REJECTED), SMS),
    ),
    Case(
        "rejected, withdrawn since",
        notice(K.REJECTED),
        dossier(S.WITHDRAWN),
        "2026-03-11 10:00",
        Skip(SkipReason.WITHDRAWN),
    ),
    Case(
        "overdue",
        notice(K.OVERDUE),
        OVERDUE_DOSSIER,
        "2026-03-11 10:00",
        Send(notice(K.OVERDUE), SMS),
    ),
    Case(
        "overdue, result since",
        notice(K.OVERDUE),
        replace(OVERDUE_DOSSIER, status=S.RESULT_READY),
        "2026-03-11 10:00",
        Skip(SkipReason.NOT_OVERDUE),
    ),
    Case(
        "overdue, due date moved",
        notice(K.OVERDUE),
        replace(OVERDUE_DOSSIER, due_at=at("2026-03-20 17:00")),
        "2026-03-11 10:00",
        Skip(SkipReason.NOT_OVERDUE),
    ),
    Case(
        "overdue, returned",
        notice(K.OVERDUE),
        replace(OVERDUE_DOSSIER, status=S.RETURNED),
        "2026-03-11 10:00",
        Skip(SkipReason.RETURNED),
    ),
    Case(
        "overdue, withdrawn",
        notice(K.OVERDUE),
        replace(OVERDUE_DOSSIER, status=S.WITHDRAWN),
        "2026-03-11 10:00",
        Skip(SkipReason.WITHDRAWN),
    ),
    Case(
        "not due yet",
        READY_NOTICE,
        dossier(),
        "2026-03-11 09:59",
        Defer(at("2026-03-11 10:00"), DeferReason.NOT_DUE),
    ),
    Case(
        "quiet hours, evening",
        notice(K.RESULT_READY, "2026-03-11 20:50"),
        dossier(),
        "2026-03-11 21:00",
        Defer(at("2026-03-12 07:00"), DeferReason.QUIET_HOURS),
    ),
    Case(
        "quiet hours, morning",
        notice(K.RESULT_READY, "2026-03-11 20:50"),
        dossier(),
        "2026-03-12 06:59",
        Defer(at("2026-03-12 07:00"), DeferReason.QUIET_HOURS),
    ),
    Case(
        "quiet hours over",
        notice(K.RESULT_READY, "2026-03-11 20:50"),
        dossier(),
        "2026-03-12 07:00",
        Send(notice(K.RESULT_READY, "2026-03-11 20:50"), SMS),
    ),
    Case(
        "no phone, no identity",
        READY_NOTICE,
        dossier(phone=None),
        "2026-03-11 10:00",
        Skip(SkipReason.NO_CHANNEL),
    ),
    Case(
        "no phone, Zalo window closed",
        READY_NOTICE,
        dossier(phone=None),
        "2026-03-11 10:00",
        Skip(SkipReason.NO_CHANNEL),
        audience=Audience((zalo("2026-03-09 09:00"),)),
    ),
    Case(
        "Zalo window open",
        READY_NOTICE,
        dossier(),
        "2026-03-11 10:00",
        Send(READY_NOTICE, Route(C.ZALO, "z1", True), (SMS,)),
        audience=Audience((zalo("2026-03-10 12:00"),)),
    ),
    Case(
        "Zalo window open, ZNS on",
        READY_NOTICE,
        dossier(),
        "2026-03-11 10:00",
        Send(READY_NOTICE, Route(C.ZALO, "z1", False), (ZNS, SMS)),
        audience=Audience((zalo("2026-03-10 12:00", verified=False),)),
        policy=ZNS_POLICY,
    ),
    Case(
        "Zalo window closed, ZNS on",
        READY_NOTICE,
        dossier(),
        "2026-03-11 10:00",
        Send(READY_NOTICE, ZNS, (SMS,)),
        audience=Audience((zalo("2026-03-09 09:00"),)),
        policy=ZNS_POLICY,
    ),
    Case(
        "Zalo window closed, ZNS off",
        READY_NOTICE,
        dossier(),
        "2026-03-11 10:00",
        Send(READY_NOTICE, SMS),
        audience=Audience((zalo("2026-03-09 09:00"),)),
    ),
    Case(
        "ZNS on, but no template for supplements",
        notice(K.SUPPLEMENT_REQUESTED),
        dossier(S.SUPPLEMENT_REQUESTED),
        "2026-03-11 10:00",
        Send(notice(K.SUPPLEMENT_REQUESTED), SMS),
        policy=ZNS_POLICY,
    ),
    Case(
        "Telegram, no phone",
        REMINDER,
        dossier(phone=None),
        "2026-03-11 10:00",
        Send(REMINDER, Route(C.TELEGRAM, "42", False)),
        audience=Audience((telegram(),)),
    ),
]


@pytest.mark.parametrize("case", DECIDE, ids=lambda c: c.name)
def test_decide(case: Case) -> None:
    decision = case.policy.decide(
        case.notice, case.dossier, audience=case.audience, now=at(case.now)
    )
    assert decision == case.expected


def test_decide_checks_its_inputs() -> None:
    other = Notice(
        code="000.00.12.H49-260201-0013",
        kind=K.RESULT_READY,
        sequence=0,
        due_at=at("2026-03-11 10:00"),
    )
    with pytest.raises(ValueError, match="another dossier"):
        POLICY.decide(other, dossier(), audience=Audience(), now=at("2026-03-11 10:00"))
    with pytest.raises(ValueError, match="aware"):
        POLICY.decide(READY_NOTICE, dossier(), audience=Audience(), now=datetime(2026, 3, 11))


def test_notice_keys_and_reprs() -> None:
    planned = Notice(
        code=CODE,
        kind=K.PICKUP_REMINDER,
        sequence=2,
        due_at=at("2026-03-11 10:00"),
        channel=C.SMS,
        user_id=PHONE,
    )
    assert planned.idempotency_key == f"{CODE}:pickup_reminder:2"
    assert PHONE not in repr(planned)
    assert PHONE not in repr(SMS) and "z1" not in repr(zalo("2026-03-11 09:00"))
    assert PHONE not in repr(Send(planned, SMS))
    with pytest.raises(ValueError, match="aware"):
        Notice(code=CODE, kind=K.OVERDUE, sequence=0, due_at=datetime(2026, 3, 11))
    with pytest.raises(ValueError, match="negative"):
        Notice(code=CODE, kind=K.OVERDUE, sequence=-1, due_at=at("2026-03-11 10:00"))


# --- on a controlled clock: the worker loop, run often -----------------------------------


@dataclass
class Row:
    notice: Notice
    next_check: datetime
    outcome: str | None = None


def run_worker(
    policy: NoticePolicy,
    *,
    start: str,
    end: str,
    timeline: dict[str, DossierData],
    audiences: dict[str, Audience] | None = None,
    step: timedelta = timedelta(minutes=10),
) -> tuple[list[tuple[datetime, str, NoticeChannel]], dict[str, str]]:
    """A stand-in for the reminder worker (the real one lives in bot/ with a database): at each
    tick it applies the dossier's state from `timeline`, plans the status changes and the
    overdue apology (twice, as two workers would), and decides every due row."""
    rows: dict[str, Row] = {}
    sends: list[tuple[datetime, str, NoticeChannel]] = []
    moments = sorted((at(t), d) for t, d in timeline.items())
    audience_at = sorted((at(t), a) for t, a in (audiences or {}).items())
    now, stop = at(start), at(end)
    current: DossierData | None = None
    while now <= stop:
        for moment, state in moments:
            if moment <= now and (current is None or moment > at_of(current)):
                previous = current.status if current else None
                current = replace(state, received_at=moment)
                for _ in range(2):
                    for planned in policy.plan(
                        current,
                        StatusChange(CODE, previous, current.status, moment),
                        audience=pick(audience_at, now),
                        now=now,
                    ):
                        rows.setdefault(planned.idempotency_key, Row(planned, planned.due_at))
        assert current is not None
        for _ in range(2):
            for planned in policy.plan_overdue(current, audience=pick(audience_at, now), now=now):
                rows.setdefault(planned.idempotency_key, Row(planned, planned.due_at))
        for key, row in rows.items():
            if row.outcome is None and row.next_check <= now:
                decision = policy.decide(
                    row.notice, current, audience=pick(audience_at, now), now=now
                )
                if isinstance(decision, Send):
                    sends.append((now, key.removeprefix(CODE + ":"), decision.channel))
                    row.outcome = "sent"
                elif isinstance(decision, Skip):
                    row.outcome = str(decision.reason)
                else:
                    row.next_check = decision.until
        now += step
    outcomes = {k.removeprefix(CODE + ":"): r.outcome or "pending" for k, r in rows.items()}
    return sends, outcomes


def at_of(state: DossierData) -> datetime:
    return state.received_at


def pick(timeline: list[tuple[datetime, Audience]], now: datetime) -> Audience:
    current = Audience()
    for moment, audience in timeline:
        if moment <= now:
            current = audience
    return current


def test_ready_before_tet_reminded_after_it_and_not_after_handover() -> None:
    """Ready on the Friday evening before Tết 2026: the notice waits for 07:00, the first
    reminder comes 3 working days later (after the break), and none after the handover."""
    sends, outcomes = run_worker(
        POLICY,
        start="2026-02-12 09:00",
        end="2026-03-10 12:00",
        timeline={
            "2026-02-12 09:00": dossier(S.PROCESSING),
            "2026-02-13 20:55": dossier(S.RESULT_READY),
            "2026-03-02 09:30": dossier(S.RETURNED),
        },
    )
    assert sends == [
        (at("2026-02-14 07:00"), "result_ready:0", C.SMS),
        (at("2026-02-25 08:00"), "pickup_reminder:1", C.SMS),
    ]
    assert outcomes == {
        "result_ready:0": "sent",
        "pickup_reminder:1": "sent",
        "pickup_reminder:2": "returned",
    }
    assert all(not POLICY.quiet.is_quiet(t.astimezone(HCM).time()) for t, _, _ in sends)


def test_no_reminder_after_the_citizen_opts_out() -> None:
    sends, outcomes = run_worker(
        POLICY,
        start="2026-03-10 09:00",
        end="2026-03-25 12:00",
        timeline={
            "2026-03-10 09:00": dossier(S.PROCESSING, due_at=at("2026-03-31 17:00")),
            "2026-03-11 10:00": dossier(due_at=at("2026-03-31 17:00")),
        },
        audiences={"2026-03-12 18:00": Audience(opted_out=True)},
    )
    assert sends == [(at("2026-03-11 10:00"), "result_ready:0", C.SMS)]
    assert outcomes["pickup_reminder:1"] == outcomes["pickup_reminder:2"] == "opted out"


def test_an_overdue_dossier_gets_one_apology_then_its_result() -> None:
    sends, _ = run_worker(
        POLICY,
        start="2026-03-09 09:00",
        end="2026-03-13 12:00",
        timeline={
            "2026-03-09 09:00": dossier(S.PROCESSING, due_at=at("2026-03-10 17:00")),
            "2026-03-12 16:30": dossier(due_at=at("2026-03-10 17:00")),
        },
        audiences={"2026-03-09 09:00": Audience((zalo("2026-03-10 16:00"),))},
    )
    assert sends == [
        (at("2026-03-10 17:10"), "overdue:0", C.ZALO),
        (at("2026-03-12 16:30"), "result_ready:0", C.SMS),  # the Zalo window has closed
    ]
