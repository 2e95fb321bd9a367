"""Result notices at scale: 100,000 dossiers turn ready on PostgreSQL; two reminder workers
(`motcua reminders worker`, real processes) plan the notices and hand them to a local SMS
gateway fake, while one of them is killed (-9) three times and restarted. Reports the
throughput, the p99 lag from a notice's due time to its hand-over to the gateway, and the
notices lost or sent twice.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from benchmarks.channels import PY, ROOT, TOKEN, _fakes, _migrate
from benchmarks.common import Metrics, metric, percentile

CODE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}")


def _dossiers(n: int, status: Any, now: datetime) -> list[Any]:
    from core.dossiers.model import DossierData

    return [
        DossierData(
            code=f"000.00.12.H49-2611{i // 10_000 + 1:02d}-{i % 10_000:04d}",
            procedure_name="Đăng ký kết hôn",
            status=status,
            received_at=now - timedelta(days=5),
            due_at=now + timedelta(days=5),
            phone=f"+849{i:08d}",
            office="Bộ phận một cửa UBND phường Bãi Cháy",
        )
        for i in range(n)
    ]


def run(_free_port: object = None, *, n: int = 100_000, kills: int = 3) -> Metrics:
    assert n <= 280_000, "codes are made from 28 days of 10,000"
    from core.dossiers.model import ChangeSource, DossierStatus
    from core.dossiers.repository import SqlDossierRepository

    base = os.environ.get(
        "MOTCUA_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}?options=-csearch_path%3D{schema}"
    results: Metrics = {}
    try:
        _migrate(url)
        engine = create_engine(url)
        repo = SqlDossierRepository(engine)
        now = datetime.now(UTC)
        codes = {d.code for d in _dossiers(n, DossierStatus.PROCESSING, now)}
        assert len(codes) == n, "dossier codes must be distinct"
        repo.upsert_many(
            _dossiers(n, DossierStatus.PROCESSING, now), source=ChangeSource.CSV, now=now
        )
        with engine.begin() as conn:  # the first appearance is not what is measured
            conn.execute(text("UPDATE dossier_status_history SET planned_at = now()"))
        with _fakes() as (_rasa, sms):
            env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")} | {
                "MOTCUA_DATABASE_URL": url,
                "MOTCUA_SMS_PROVIDER": "http",
                "MOTCUA_SMS_HTTP_SEND_URL": sms + "/send",
                "MOTCUA_SMS_HTTP_TOKEN": TOKEN,
                "MOTCUA_SMS_MESSAGES_PER_SECOND": "100000",
                "MOTCUA_QUIET_HOURS": "00:00-00:00",  # measured at any hour
                "MOTCUA_HOTLINE": "1022",
                "MOTCUA_OUTBOX_LEASE_SECONDS": "5",
                "MOTCUA_LOG_LEVEL": "WARNING",
                "MOTCUA_RASA_URL": _rasa,
            }
            args = [PY, "-m", "bot.cli", "reminders", "worker", "--interval", "0.5"]

            def start() -> subprocess.Popen[bytes]:
                return subprocess.Popen(
                    args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )

            workers = [start(), start()]
            time.sleep(3)
            ready_at = datetime.now(UTC)
            started = time.perf_counter()
            repo.upsert_many(
                _dossiers(n, DossierStatus.RESULT_READY, ready_at),
                source=ChangeSource.PUSH,
                now=ready_at,
            )
            killed = 0
            deadline = time.monotonic() + 900
            done = 0
            while time.monotonic() < deadline:
                done = httpx.get(sms + "/stats").json()["distinct_ids"]
                if killed < kills and done >= n * (killed + 1) // (kills + 2):
                    os.kill(workers[0].pid, signal.SIGKILL)
                    workers[0].wait()
                    killed += 1
                    workers[0] = start()
                if done >= n:
                    break
                time.sleep(0.5)
            elapsed = time.perf_counter() - started
            # wait a little for in-flight repeats, then count
            time.sleep(2)
            dump = httpx.get(sms + "/dump").json()
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                try:
                    w.wait(20)
                except subprocess.TimeoutExpired:
                    w.kill()
        per_code: Counter[str] = Counter()
        for m in dump:
            found = CODE.search(m["text"])
            per_code[found.group(0) if found else "?"] += 1
        lost = sum(1 for c in codes if per_code[c] == 0)
        doubled = sum(1 for c in codes if per_code[c] > 1)
        repeated_ids = sum(1 for m in dump if m["count"] > 1)
        with engine.connect() as conn:
            lags = [
                float(row[0])
                for row in conn.execute(
                    text(
                        "SELECT EXTRACT(EPOCH FROM (o.sent_at - n.due_at)) FROM notices n "
                        "JOIN outbox_messages o ON o.key = 'notice:' || n.key "
                        "WHERE n.kind = 'result_ready' AND o.sent_at IS NOT NULL"
                    )
                )
            ]
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    results["notices_dossiers"] = metric(n, "dossiers", lower_is_better=False)
    results["notices_throughput_per_s"] = metric(done / elapsed, "notices/s", lower_is_better=False)
    results["notices_lag_p99_s"] = metric(
        percentile(lags, 0.99) if lags else -1, "s", lower_is_better=True
    )
    results["notices_lag_p50_s"] = metric(
        percentile(lags, 0.5) if lags else -1, "s", lower_is_better=True
    )
    results["notices_worker_kills"] = metric(killed, "kills", lower_is_better=False)
    results["notices_lost"] = metric(lost, "notices", lower_is_better=True)
    results["notices_duplicates"] = metric(doubled, "notices", lower_is_better=True)
    results["notices_provider_repeats_same_key"] = metric(
        repeated_ids, "notices", lower_is_better=True
    )
    print(
        f"  {n} dossiers ready: {done} notices handed over in {elapsed:.0f} s "
        f"({done / elapsed:.0f}/s), {killed} kill -9; lost {lost}, sent twice {doubled}, "
        f"provider calls repeated with the same key {repeated_ids}"
    )
    return results
