"""Dossier store benchmarks.

- CSV import into PostgreSQL through the real path (`import_csv` -> `SqlDossierRepository`):
  100,000 generated rows into an empty table, then the same file again (every row unchanged);
- `upsert_many` alone (rows already validated, batches of 2,000), half new rows and half status
  changes: 100,000 rows into an empty table, and 20,000 rows into the 1,000,000-row table;
- `get(code)` latency through the repository with 1,000,000 dossiers, bulk-loaded with COPY on
  PostgreSQL and executemany on SQLite: 2,000 random codes after 200 warm-up lookups.

PostgreSQL work happens in a dedicated database (`motcua_bench`, created and dropped here) on
the server of MOTCUA_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import csv
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from alembic import command
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.common import Metrics, metric, percentile
from core.cli import alembic_config
from core.db import make_engine
from core.dossiers.csv_import import import_csv
from core.dossiers.model import ChangeSource, DossierData, DossierStatus
from core.dossiers.repository import SqlDossierRepository
from core.dossiers.rows import COLUMNS

SEED = 20261124
SERVER = os.environ.get("MOTCUA_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
DATABASE = "motcua_bench"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
STATUSES = [s.value for s in DossierStatus]
PROCEDURES = [
    ("1.001193", "Thủ tục đăng ký khai sinh"),
    ("1.004194", "Đăng ký tạm trú"),
    ("1.004222", "Đăng ký thường trú"),
    ("1.001456", "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)"),
    ("2.000908", "Thủ tục cấp bản sao từ sổ gốc"),
]
OFFICES = [
    "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
    "Bộ phận một cửa UBND phường Hồng Gai",
    "Bộ phận một cửa UBND phường Bãi Cháy",
    "Bộ phận một cửa UBND phường Cẩm Phả",
]
# Prefixes that phonenumbers knows as Vietnamese mobile ranges, whatever the seven digits after.
PHONE_PREFIXES = ["090", "091", "094", "097", "098", "032", "035", "038", "070", "077", "083"]


def code_for(i: int, *, series: int = 0) -> str:
    """A distinct canonical code for every i below 2,800,000 (and each series below 10)."""
    agency = f"{series:03d}.{i // 280_000:02d}.12.H49"
    return f"{agency}-2611{(i // 10_000) % 28 + 1:02d}-{i % 10_000:04d}"


def fields_for(i: int, rng: random.Random) -> dict[str, Any]:
    procedure_code, procedure_name = PROCEDURES[i % len(PROCEDURES)]
    received = datetime(2026, 11, 1, 7, 30, tzinfo=TZ) + timedelta(minutes=rng.randrange(30_000))
    status = STATUSES[i % len(STATUSES)]
    ready = received + timedelta(days=2) if status in ("result_ready", "returned") else None
    return {
        "code": code_for(i),
        "procedure_code": procedure_code,
        "procedure_name": procedure_name,
        "applicant_name": f"Nguyễn Văn Số {i}",
        "phone": f"{rng.choice(PHONE_PREFIXES)}{rng.randrange(10_000_000):07d}",
        "status": status,
        "received_at": received,
        "due_at": received + timedelta(days=3),
        "result_ready_at": ready,
        "returned_at": ready + timedelta(days=1) if ready and status == "returned" else None,
        "office": OFFICES[i % len(OFFICES)],
        "note": "Bổ sung bản sao CCCD" if status == "supplement_requested" else None,
    }


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for i in range(rows):
            values = fields_for(i, rng)
            cells = []
            for name in COLUMNS:
                value = values[name]
                if isinstance(value, datetime):
                    # half with an offset, half naive (MOTCUA_TIMEZONE), as real exports vary
                    value = value.isoformat() if i % 2 else value.replace(tzinfo=None).isoformat()
                cells.append("" if value is None else value)
            writer.writerow(cells)


def database_url() -> str:
    return make_url(SERVER).set(database=DATABASE).render_as_string(hide_password=False)


def recreate_database() -> str:
    admin = create_engine(
        make_url(SERVER).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    finally:
        admin.dispose()
    url = database_url()
    command.upgrade(alembic_config(url), "head")
    return url


def drop_database() -> None:
    admin = create_engine(
        make_url(SERVER).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    finally:
        admin.dispose()


def truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE dossier_status_history, dossiers"))


def import_benchmarks(engine: Engine, workdir: Path, rows: int) -> Metrics:
    path = workdir / "dossiers.csv"
    write_csv(path, rows)
    repo = SqlDossierRepository(engine)
    started = time.perf_counter()
    first = import_csv(path, repo, tz=TZ)
    first_seconds = time.perf_counter() - started
    assert (first.created, first.rejected) == (rows, ()), first.rejected[:3]
    started = time.perf_counter()
    again = import_csv(path, repo, tz=TZ)
    again_seconds = time.perf_counter() - started
    assert again.unchanged == rows
    return {
        "dossier_import_rows_per_second_postgres": metric(
            rows / first_seconds, "rows/s", lower_is_better=False
        ),
        "dossier_reimport_unchanged_rows_per_second_postgres": metric(
            rows / again_seconds, "rows/s", lower_is_better=False
        ),
    }


def timed_upserts(engine: Engine, *, existing: range, new: range) -> float:
    """Rows per second of `upsert_many` in batches of 2,000: `existing` codes get a new status
    (an update and a status change each), `new` codes are created."""
    rng = random.Random(SEED + 1)
    batch = [DossierData(**(fields_for(i, rng) | {"status": "result_ready"})) for i in existing]
    batch += [DossierData(**(fields_for(i, rng) | {"status": "received"})) for i in new]
    random.Random(SEED).shuffle(batch)
    repo = SqlDossierRepository(engine)
    started = time.perf_counter()
    for start in range(0, len(batch), 2000):
        part = batch[start : start + 2000]
        repo.upsert_many(part, source=ChangeSource.PUSH, now=datetime.now(UTC))
    return len(batch) / (time.perf_counter() - started)


def upsert_benchmark(engine: Engine, rows: int) -> Metrics:
    truncate(engine)
    rng = random.Random(SEED + 4)
    half = rows // 2
    SqlDossierRepository(engine).upsert_many(
        (DossierData(**(fields_for(i, rng) | {"status": "processing"})) for i in range(half)),
        source=ChangeSource.CSV,
        now=datetime.now(UTC),
    )
    speed = timed_upserts(engine, existing=range(half), new=range(half, rows))
    return {
        "dossier_upsert_rows_per_second_postgres": metric(speed, "rows/s", lower_is_better=False)
    }


def stored_rows(count: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(SEED + 2)
    updated = datetime(2026, 11, 24, tzinfo=UTC)
    for i in range(count):
        values = fields_for(i, rng)
        values["phone"] = "+84" + values["phone"][1:]
        yield (*(values[name] for name in COLUMNS), updated)


def copy_load(engine: Engine, count: int) -> float:
    truncate(engine)
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, psycopg.Connection)
        columns = ", ".join((*COLUMNS, "updated_at"))
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY dossiers ({columns}) FROM STDIN") as copy,
        ):
            for row in stored_rows(count):
                copy.write_row(row)
        connection.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE dossiers"))
    return time.perf_counter() - started


def sqlite_load(path: Path, count: int) -> None:
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "head")
    placeholders = ", ".join("?" * (len(COLUMNS) + 1))
    columns = ", ".join((*COLUMNS, "updated_at"))

    def as_sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
        # The same storage format as the UtcDateTime column type: naive UTC text.
        return tuple(
            v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
            if isinstance(v, datetime)
            else v
            for v in row
        )

    connection = sqlite3.connect(path)
    try:
        connection.executemany(
            f"INSERT INTO dossiers ({columns}) VALUES ({placeholders})",  # noqa: S608 - fixed
            (as_sqlite(row) for row in stored_rows(count)),
        )
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()


def lookup_latencies(engine: Engine, count: int, *, lookups: int = 2000) -> list[float]:
    repo = SqlDossierRepository(engine)
    rng = random.Random(SEED + 3)
    codes = [code_for(rng.randrange(count)) for _ in range(lookups + 200)]
    latencies = []
    for n, code in enumerate(codes):
        started = time.perf_counter()
        found = repo.get(code)
        elapsed = (time.perf_counter() - started) * 1000
        assert found is not None and found.code == code
        if n >= 200:
            latencies.append(elapsed)
    return latencies


def lookup_metrics(latencies: list[float], tier: str) -> Metrics:
    return {
        f"dossier_lookup_p50_ms_{tier}_1m": metric(
            statistics.median(latencies), "ms", lower_is_better=True
        ),
        f"dossier_lookup_p99_ms_{tier}_1m": metric(
            percentile(latencies, 0.99), "ms", lower_is_better=True
        ),
    }


def run(free_port: Any, *, import_rows: int = 100_000, lookup_rows: int = 1_000_000) -> Metrics:
    del free_port  # no server of ours runs here
    results: Metrics = {}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-dossiers-") as tmp:
        workdir = Path(tmp)
        url = recreate_database()
        engine = make_engine(url)
        try:
            results |= import_benchmarks(engine, workdir, import_rows)
            results |= upsert_benchmark(engine, import_rows)
            seconds = copy_load(engine, lookup_rows)
            results["dossier_copy_load_seconds_postgres_1m"] = metric(
                seconds, "s", lower_is_better=True
            )
            results |= lookup_metrics(lookup_latencies(engine, lookup_rows), "postgres")
            speed = timed_upserts(
                engine, existing=range(10_000), new=range(lookup_rows, lookup_rows + 10_000)
            )
            results["dossier_upsert_rows_per_second_postgres_1m"] = metric(
                speed, "rows/s", lower_is_better=False
            )
        finally:
            engine.dispose()
            drop_database()
        sqlite_path = workdir / "lookup.db"
        sqlite_load(sqlite_path, lookup_rows)
        engine = make_engine(f"sqlite:///{sqlite_path}")
        try:
            results |= lookup_metrics(lookup_latencies(engine, lookup_rows), "sqlite")
        finally:
            engine.dispose()
    return results


if __name__ == "__main__":
    for name, value in run(None).items():
        print(f"{name:55s} {value['value']:>12} {value['unit']}")
