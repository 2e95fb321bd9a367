"""One contract for every `DossierRepository`: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.db import make_engine
from core.dossiers.model import (
    ChangeSource,
    Dossier,
    DossierData,
    DossierStatus,
    StatusChange,
    StatusEvent,
)
from core.dossiers.repository import (
    DossierRepository,
    InMemoryDossierRepository,
    SqlDossierRepository,
)
from tests.unit.dossiers.storage import TIERS, migrated_database

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=HCM)
NOW1 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOW2 = NOW1 + timedelta(hours=1)
S = DossierStatus


@pytest.fixture(params=TIERS)
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DossierRepository]:
    if request.param == "memory":
        yield InMemoryDossierRepository()
        return
    with migrated_database(request.param, request, tmp_path) as url:
        engine = make_engine(url)
        try:
            # A tiny batch size so that every test also crosses chunk boundaries.
            yield SqlDossierRepository(engine, batch_size=3)
        finally:
            engine.dispose()


def dossier(seq: int, **changes: object) -> DossierData:
    base = DossierData(
        code=f"000.00.12.H49-261102-{seq:04d}",
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        applicant_name="Nguyễn Thị Lan",
        phone="0912 345 678",
        status=S.RECEIVED,
        received_at=T0,
        due_at=T0 + timedelta(days=3),
        office="Bộ phận một cửa UBND phường Hồng Gai",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_create_then_unchanged_then_updated_counts(repo: DossierRepository) -> None:
    rows = [dossier(i) for i in range(1, 8)]
    first = repo.upsert_many(rows, source=ChangeSource.CSV, now=NOW1)
    assert (first.created, first.updated, first.unchanged) == (7, 0, 0)
    again = repo.upsert_many(rows, source=ChangeSource.CSV, now=NOW2)
    assert (again.created, again.updated, again.unchanged, again.changes) == (0, 0, 7, ())
    edited = [*rows[:5], replace(rows[5], note="Bổ sung bản sao CCCD"), dossier(8)]
    third = repo.upsert_many(edited, source=ChangeSource.CSV, now=NOW2)
    assert (third.created, third.updated, third.unchanged) == (1, 1, 5)
    assert repo.count() == 8


CHANGE_CASES = [
    pytest.param({"status": S.PROCESSING}, True, id="status"),
    pytest.param({"status": S.RESULT_READY, "result_ready_at": T0 + timedelta(days=2)}, True,
                 id="status-and-time"),
    pytest.param({"note": "Thiếu tờ khai"}, False, id="note-only"),
    pytest.param({"due_at": T0 + timedelta(days=5)}, False, id="due-date-only"),
    pytest.param({"phone": "0987654321"}, False, id="phone-only"),
    pytest.param({"office": None}, False, id="office-cleared"),
    pytest.param({"applicant_name": "Nguyễn Thị Lan Anh"}, False, id="name-only"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "is_status_change"), CHANGE_CASES)
def test_only_a_change_of_status_is_a_status_change(
    repo: DossierRepository, changes: dict[str, object], is_status_change: bool
) -> None:
    repo.upsert_many([dossier(1)], source=ChangeSource.CSV, now=NOW1)
    result = repo.upsert_many([dossier(1, **changes)], source=ChangeSource.PUSH, now=NOW2)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    new_status = dossier(1, **changes).status
    expected = [StatusChange(dossier(1).code, S.RECEIVED, new_status, NOW2)]
    assert list(result.changes) == (expected if is_status_change else [])
    stored = repo.get(dossier(1).code)
    assert stored is not None
    assert stored.data() == dossier(1, **changes)
    assert stored.updated_at == NOW2


def test_creation_is_a_change_from_nothing_and_history_keeps_the_sources(
    repo: DossierRepository,
) -> None:
    code = dossier(1).code
    created = repo.upsert_many([dossier(1)], source=ChangeSource.CSV, now=NOW1)
    assert created.changes == (StatusChange(code, None, S.RECEIVED, NOW1),)
    repo.upsert_many([dossier(1, status=S.PROCESSING)], source=ChangeSource.PULL, now=NOW2)
    repo.upsert_many([dossier(1, status=S.PROCESSING)], source=ChangeSource.PULL, now=NOW2)
    later = NOW2 + timedelta(days=1)
    repo.upsert_many([dossier(1, status=S.RESULT_READY)], source=ChangeSource.PUSH, now=later)
    assert repo.history(code) == [
        StatusEvent(code, None, S.RECEIVED, NOW1, ChangeSource.CSV),
        StatusEvent(code, S.RECEIVED, S.PROCESSING, NOW2, ChangeSource.PULL),
        StatusEvent(code, S.PROCESSING, S.RESULT_READY, later, ChangeSource.PUSH),
    ]
    assert repo.history("000.00.12.H49-261102-9999") == []
    assert repo.history("not a code") == []


def test_reupsert_is_idempotent_and_keeps_updated_at(repo: DossierRepository) -> None:
    rows = [dossier(i, status=S.PROCESSING) for i in range(1, 5)]
    repo.upsert_many(rows, source=ChangeSource.CSV, now=NOW1)
    for _ in range(2):
        result = repo.upsert_many(rows, source=ChangeSource.CSV, now=NOW2)
        assert (result.created, result.updated, result.unchanged, result.changes) == (0, 0, 4, ())
    stored = repo.get(rows[0].code)
    assert stored is not None and stored.updated_at == NOW1
    assert len(repo.history(rows[0].code)) == 1


def test_a_code_given_twice_is_applied_in_order_later_wins(repo: DossierRepository) -> None:
    rows = [dossier(1), dossier(2), dossier(1, status=S.PROCESSING, note="lần 2")]
    result = repo.upsert_many(rows, source=ChangeSource.CSV, now=NOW1)
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    code = dossier(1).code
    assert [c for c in result.changes if c.code == code] == [
        StatusChange(code, None, S.RECEIVED, NOW1),
        StatusChange(code, S.RECEIVED, S.PROCESSING, NOW1),
    ]
    stored = repo.get(code)
    assert stored is not None and stored.status == S.PROCESSING and stored.note == "lần 2"


@pytest.mark.parametrize(
    "typed",
    ["000.00.12.H49-261102-0001", "000.00.12.h49 - 261102 - 0001", "OOO.OO.12.H49-2611O2-OOO1"],
)
def test_get_accepts_loose_codes_and_returns_domain_values(
    repo: DossierRepository, typed: str
) -> None:
    repo.upsert_many([dossier(1)], source=ChangeSource.CSV, now=NOW1)
    found = repo.get(typed)
    assert isinstance(found, Dossier)
    assert found.data() == dossier(1)
    assert found.phone == "+84912345678"
    assert repo.get("000.00.12.H49-261102-0002") is None
    assert repo.get("hello") is None


def test_get_many(repo: DossierRepository) -> None:
    repo.upsert_many([dossier(i) for i in range(1, 8)], source=ChangeSource.CSV, now=NOW1)
    asked = [dossier(i).code.lower() for i in (1, 5, 7)] + ["000.00.12.H49-261102-0099", "x"]
    found = repo.get_many(asked)
    assert sorted(found) == [dossier(i).code for i in (1, 5, 7)]


@pytest.mark.parametrize(
    "typed", ["0912345678", "0912 345 678", "0912.345.678", "+84912345678", "84912345678"]
)
def test_find_by_phone_in_any_form_newest_first(repo: DossierRepository, typed: str) -> None:
    repo.upsert_many(
        [
            dossier(1, received_at=T0),
            dossier(2, received_at=T0 + timedelta(days=2)),
            dossier(3, phone="+84987654321"),
            dossier(4, phone=None),
            dossier(5, received_at=T0 + timedelta(days=1)),
        ],
        source=ChangeSource.CSV,
        now=NOW1,
    )
    assert [d.code[-4:] for d in repo.find_by_phone(typed)] == ["0002", "0005", "0001"]


def test_find_by_phone_follows_a_changed_phone_and_rejects_garbage(
    repo: DossierRepository,
) -> None:
    repo.upsert_many([dossier(1)], source=ChangeSource.CSV, now=NOW1)
    repo.upsert_many([dossier(1, phone="0987 654 321")], source=ChangeSource.CSV, now=NOW2)
    assert repo.find_by_phone("0912345678") == []
    assert [d.code for d in repo.find_by_phone("+84987654321")] == [dossier(1).code]
    assert repo.find_by_phone("not a phone") == []
    assert repo.find_by_phone("") == []


NOW = datetime(2026, 11, 24, 10, 0, tzinfo=HCM)
OVERDUE_CASES = [
    (S.RECEIVED, -1, True),
    (S.PROCESSING, -1, True),
    (S.SUPPLEMENT_REQUESTED, -1, True),
    (S.PAYMENT_REQUESTED, -1, True),
    (S.PROCESSING, +1, False),
    (S.RESULT_READY, -1, False),
    (S.RETURNED, -1, False),
    (S.REJECTED, -1, False),
    (S.WITHDRAWN, -1, False),
    (S.PROCESSING, None, False),
]


def test_overdue_is_derived_from_status_and_due_time(repo: DossierRepository) -> None:
    rows = [
        dossier(i, status=status, due_at=None if days is None else NOW + timedelta(days=days))
        for i, (status, days, _) in enumerate(OVERDUE_CASES, start=1)
    ]
    repo.upsert_many(rows, source=ChangeSource.CSV, now=NOW1)
    expected = [row.code for row, (_, _, late) in zip(rows, OVERDUE_CASES, strict=True) if late]
    assert [d.code for d in repo.overdue(NOW)] == expected
    for row, (_, _, late) in zip(rows, OVERDUE_CASES, strict=True):
        stored = repo.get(row.code)
        assert stored is not None and stored.is_overdue(NOW) is late
    assert repo.overdue(NOW, limit=2) == [repo.get(c) for c in expected[:2]]


def test_times_keep_their_instant_whatever_the_zone(repo: DossierRepository) -> None:
    received = datetime(2026, 11, 2, 23, 30, 15, 123456, tzinfo=HCM)  # 16:30:15 UTC
    due = datetime(2026, 11, 5, 1, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    repo.upsert_many(
        [dossier(1, received_at=received, due_at=due)], source=ChangeSource.CSV, now=NOW1
    )
    stored = repo.get(dossier(1).code)
    assert stored is not None
    assert stored.received_at == received and stored.due_at == due
    assert stored.received_at.utcoffset() is not None
    assert stored.received_at.astimezone(HCM).date().isoformat() == "2026-11-02"
    # The same instants written in another zone are not a change.
    same = dossier(1, received_at=received.astimezone(UTC), due_at=due.astimezone(HCM))
    result = repo.upsert_many([same], source=ChangeSource.CSV, now=NOW2)
    assert result.unchanged == 1


@pytest.mark.storage
@pytest.mark.parametrize("tier", [t for t in TIERS if t != "memory"])
def test_changes_recorded_without_notices_are_already_planned(
    tier: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from core.dossiers.tables import StatusHistoryRecord
    from core.reminders.tables import NoticeRecord

    with migrated_database(tier, request, tmp_path) as url:
        engine = make_engine(url)
        try:
            repo = SqlDossierRepository(engine, batch_size=3)
            quiet = repo.upsert_many(
                [dossier(i) for i in range(1, 5)], source=ChangeSource.CSV, now=NOW1, notices=False
            )
            loud = repo.upsert_many(
                [dossier(1, status=S.RESULT_READY)], source=ChangeSource.CSV, now=NOW2
            )
            assert (len(quiet.changes), len(loud.changes)) == (4, 1)
            with Session(engine) as session:
                planned = session.execute(
                    select(StatusHistoryRecord.new_status, StatusHistoryRecord.planned_at).order_by(
                        StatusHistoryRecord.id
                    )
                ).all()
            assert planned == [("received", NOW1)] * 4 + [("result_ready", None)]
            with Session(engine) as session:
                apologies = session.execute(
                    select(NoticeRecord.key, NoticeRecord.state).order_by(NoticeRecord.key)
                ).all()
            # the overdue apology comes from the dates, not a change: recorded as skipped
            assert apologies == [(f"{dossier(i).code}:overdue:0", "skipped") for i in range(1, 5)]
        finally:
            engine.dispose()
