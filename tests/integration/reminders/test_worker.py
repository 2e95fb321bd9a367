"""The notice worker on SQLite and PostgreSQL: several workers at once hand every notice over
exactly once; status changes from any source are planned once; a crash mid-way loses nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.reminders import NoticeWorker
from core.db import make_engine
from core.dossiers.model import ChangeSource, DossierData, DossierStatus
from core.dossiers.repository import SqlDossierRepository
from core.messaging.tables import OutboxMessage
from core.offices import load_offices
from core.reminders import NoticePolicy, load_calendar
from core.reminders.tables import NoticeRecord
from tests.unit.dossiers.storage import migrated_database

VN = timedelta(hours=7)
# Tuesday 10:00 in Vietnam
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def worker(engine: Engine) -> NoticeWorker:
    from zoneinfo import ZoneInfo

    policy = NoticePolicy(
        calendar=load_calendar(), tz=ZoneInfo("Asia/Ho_Chi_Minh"), push_windows={}
    )
    return NoticeWorker(
        engine,
        policy=policy,
        offices=load_offices(),
        hotline="1022",
        zns_template=None,
        batch=50,
    )


def dossiers(n: int, status: DossierStatus) -> list[DossierData]:
    return [
        DossierData(
            code=f"000.00.12.H49-261120-{i:04d}",
            procedure_name="Đăng ký kết hôn",
            status=status,
            received_at=NOW - timedelta(days=10),
            due_at=NOW + timedelta(days=3),
            phone=f"+849{i:08d}",
            applicant_name="Nguyễn Văn An",
            office="Bộ phận một cửa UBND phường Bãi Cháy",
        )
        for i in range(n)
    ]


def count(engine: Engine, model: type, **where: object) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(session.scalar(query) or 0)


def test_ready_dossiers_get_one_notice_each_and_reminders_are_planned(engine: Engine) -> None:
    repo = SqlDossierRepository(engine)
    repo.upsert_many(dossiers(20, DossierStatus.PROCESSING), source=ChangeSource.CSV, now=NOW)
    repo.upsert_many(dossiers(20, DossierStatus.RESULT_READY), source=ChangeSource.PUSH, now=NOW)
    w = worker(engine)
    counts = w.run_once(now=NOW)
    assert counts.handed_over == 20
    assert count(engine, OutboxMessage, origin="notice") == 20
    # 20 notices handed over, 40 reminders (3 and 7 working days) pending
    assert count(engine, NoticeRecord, state="handed_over") == 20
    assert count(engine, NoticeRecord, state="pending") == 40
    again = w.run_once(now=NOW + timedelta(minutes=5))
    assert again.handed_over == 0 and again.planned == 0
    assert count(engine, OutboxMessage, origin="notice") == 20


@pytest.fixture
def postgres_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_database("postgresql", request, tmp_path) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.mark.storage
def test_two_workers_at_once_hand_each_notice_over_once(postgres_engine: Engine) -> None:
    """SQLite has one writer at a time; the race between workers is a PostgreSQL one."""
    engine = postgres_engine
    repo = SqlDossierRepository(engine)
    repo.upsert_many(dossiers(400, DossierStatus.PROCESSING), source=ChangeSource.CSV, now=NOW)
    repo.upsert_many(dossiers(400, DossierStatus.RESULT_READY), source=ChangeSource.PUSH, now=NOW)
    workers = [worker(engine), worker(engine)]
    results = [0, 0]

    def run(n: int) -> None:
        results[n] = workers[n].run_once(now=NOW).handed_over

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 400
    assert count(engine, OutboxMessage, origin="notice") == 400
    assert count(engine, NoticeRecord, state="handed_over") == 400


def test_overdue_dossiers_get_one_apology(engine: Engine) -> None:
    repo = SqlDossierRepository(engine)
    late = [
        replace(d, due_at=NOW - timedelta(days=1)) for d in dossiers(3, DossierStatus.PROCESSING)
    ]
    repo.upsert_many(late, source=ChangeSource.CSV, now=NOW)
    w = worker(engine)
    assert w.run_once(now=NOW).handed_over == 3
    assert w.run_once(now=NOW + timedelta(hours=1)).handed_over == 0
    with Session(engine) as session:
        texts = session.scalars(select(OutboxMessage.text)).all()
    assert all("1022" in t for t in texts)
