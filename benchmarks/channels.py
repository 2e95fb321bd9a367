"""Channels and delivery: webhook acknowledgement under load, outbox throughput, and crash
safety (kill -9 of the gateway, then of the worker, while 10,000 messages pass through).

Everything runs locally: the gateway (`python -m bot`) and the worker (`motcua reminders
worker`, which sends) as real processes with the generic HTTP SMS channel, a fake Rasa and a
fake SMS gateway (benchmarks/fakes.py) as processes of their own.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import Metrics, metric, percentile
from benchmarks.fakes import ECHO_PREFIX
from bot.channels.client import provider_client

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TOKEN = "bench-sms-token"  # noqa: S105 - a local fake's token
WORKER = [PY, "-m", "bot.cli", "reminders", "worker"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer")


@contextmanager
def _process(
    args: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def _fakes() -> Iterator[tuple[str, str]]:
    rasa_port, sms_port = _free_port(), _free_port()
    with (
        _process([PY, "-m", "benchmarks.fakes", "rasa", str(rasa_port)]),
        _process([PY, "-m", "benchmarks.fakes", "sms", str(sms_port)]),
    ):
        rasa, sms = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{sms_port}"
        _wait_http(rasa + "/status")
        _wait_http(sms + "/stats")
        yield rasa, sms


def _gateway_env(database_url: str, rasa: str, sms: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env |= {
        "MOTCUA_DATABASE_URL": database_url,
        "MOTCUA_HTTP_PORT": str(port),
        "MOTCUA_RASA_URL": rasa,
        "MOTCUA_SMS_PROVIDER": "http",
        "MOTCUA_SMS_HTTP_SEND_URL": sms + "/send",
        "MOTCUA_SMS_HTTP_TOKEN": TOKEN,
        "MOTCUA_SMS_MESSAGES_PER_SECOND": "100000",
        "MOTCUA_OUTBOX_LEASE_SECONDS": "5",
        "MOTCUA_INBOX_RETRY_SECONDS": "5",
        "MOTCUA_LOG_LEVEL": "WARNING",
    }
    return env


def _migrate(database_url: str) -> None:
    env = dict(os.environ, MOTCUA_DATABASE_URL=database_url)
    subprocess.run(
        [str(Path(PY).parent / "motcua"), "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def _load_client(*, timeout: float) -> httpx.AsyncClient:
    """The load generator's client. Not httpx's own pool: with hundreds of requests waiting
    (a gateway restarting after a kill) its per-request rescans made the driver the bottleneck
    and then stalled it; the platforms' adapters use the same pool for the same reason."""
    return provider_client(timeout=timeout, max_connections=200)


def _inbound(n: int, run: str) -> dict[str, Any]:
    # one phone per message: the per-sender limit is not what is measured here
    return {"id": f"{run}-{n}", "from": f"+8490{n:07d}", "text": f"tin {run}-{n}"}


async def _open_loop(url: str, bodies: list[dict[str, Any]], rate: float) -> list[float]:
    """Sends at a fixed rate whatever the answers' speed; returns each request's latency."""
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with _load_client(timeout=10) as client:

        async def one(body: dict[str, Any]) -> None:
            started = time.perf_counter()
            response = await client.post(url, json=body, headers=headers)
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)

        tasks = []
        start = time.perf_counter()
        for i, body in enumerate(bodies):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.gather(*tasks)
    return latencies


async def _baseline(url: str, n: int, rate: float) -> list[float]:
    latencies: list[float] = []
    async with _load_client(timeout=10) as client:
        start = time.perf_counter()
        tasks = []

        async def one() -> None:
            started = time.perf_counter()
            (await client.get(url)).raise_for_status()
            latencies.append(time.perf_counter() - started)

        for i in range(n):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return latencies


def bench_ack(results: Metrics, *, rate: float = 200, seconds: float = 15) -> None:
    with tempfile.TemporaryDirectory() as tmp, _fakes() as (rasa, sms):
        database_url = f"sqlite:///{tmp}/ack.db"
        _migrate(database_url)
        port = _free_port()
        env = _gateway_env(database_url, rasa, sms, port)
        # the deployment's shape: the gateway answers, the worker sends the replies meanwhile
        with _process([PY, "-m", "bot"], env), _process(WORKER, env):
            base = f"http://127.0.0.1:{port}"
            _wait_http(base + "/healthz")
            url = base + "/webhooks/sms/http"
            n = int(rate * seconds)
            asyncio.run(_open_loop(url, [_inbound(i, "warm") for i in range(200)], rate))
            latencies = asyncio.run(_open_loop(url, [_inbound(i, "ack") for i in range(n)], rate))
            trivial = asyncio.run(_baseline(sms + "/stats", n // 3, rate))
    p99 = percentile(latencies, 0.99) * 1000
    results["webhook_ack_p50_ms"] = metric(
        percentile(latencies, 0.5) * 1000, "ms", lower_is_better=True
    )
    results["webhook_ack_p99_ms"] = metric(p99, "ms", lower_is_better=True)
    results["webhook_ack_rate_rps"] = metric(rate, "requests/s", lower_is_better=False)
    results["webhook_ack_p99_vs_trivial_http_ratio"] = metric(
        p99 / (percentile(trivial, 0.99) * 1000), "ratio", lower_is_better=True
    )
    print(
        f"  webhook ack at {rate:.0f}/s: p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
        f"p99 {p99:.1f} ms ({len(latencies)} requests)"
    )


def bench_outbox(
    results: Metrics, *, n: int = 10_000, database_url: str | None = None, label: str = "sqlite"
) -> None:
    from bot.channels.base import OutboundMessage
    from bot.channels.sms.http import HttpSmsChannel
    from bot.delivery import Dispatcher
    from bot.outbox import Envelope, Outbox
    from bot.ratelimit import RateLimiter
    from core.db import make_engine

    with tempfile.TemporaryDirectory() as tmp, _fakes() as (_rasa, sms):
        url = database_url or f"sqlite:///{tmp}/outbox.db"
        _migrate(url)
        engine = make_engine(url)
        outbox = Outbox(engine)
        now = datetime.now(UTC)
        run = f"ob{time.time_ns()}"
        outbox.enqueue(
            [
                Envelope(
                    key=f"{run}:{i}",
                    message=OutboundMessage("sms", f"+8491{i:07d}", f"Ho so {i} da co ket qua"),
                    origin="notice",
                )
                for i in range(n)
            ],
            now=now,
        )

        async def drain() -> float:
            channel = HttpSmsChannel(send_url=sms + "/send", token=TOKEN)
            dispatcher = Dispatcher(outbox, {"sms": channel}, limiter=RateLimiter(), rates={})
            started = time.perf_counter()
            stop = asyncio.Event()
            delivery = asyncio.create_task(dispatcher.run(stop))
            # polling the database is what a monitor would do; nothing signals "all sent"
            while (await asyncio.to_thread(outbox.counts)).get("sent", 0) < n:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            stop.set()
            dispatcher.wake()
            await delivery
            await channel.aclose()
            return elapsed

        async def raw() -> float:
            """The baseline: the same provider calls straight from memory, no database."""
            channel = HttpSmsChannel(send_url=sms + "/send", token=TOKEN)
            slots = asyncio.Semaphore(32)

            async def one(i: int) -> None:
                async with slots:
                    await channel.send(
                        OutboundMessage(
                            "sms",
                            f"+8492{i:07d}",
                            f"Ho so {i} da co ket qua",
                            idempotency_key=f"raw-{run}-{i}",
                        )
                    )

            started = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(n // 2)))
            elapsed = time.perf_counter() - started
            await channel.aclose()
            return elapsed

        elapsed = asyncio.run(drain())
        baseline = (n // 2) / asyncio.run(raw())
        stats = httpx.get(sms + "/stats").json()
        engine.dispose()
    rate = n / elapsed
    results[f"outbox_throughput_{label}_msgs_per_s"] = metric(
        rate, "messages/s", lower_is_better=False
    )
    results[f"outbox_throughput_{label}_vs_raw_sends_ratio"] = metric(
        rate / baseline, "ratio", lower_is_better=False
    )
    print(
        f"  outbox ({label}): {n} messages in {elapsed:.1f} s = {rate:.0f}/s "
        f"(the same sends without the outbox: {baseline:.0f}/s); "
        f"fake got {stats['distinct_ids']} distinct, {stats['repeated_ids']} repeated"
    )


def bench_crash(
    results: Metrics,
    *,
    victim: str = "gateway",
    n: int = 10_000,
    kills: int = 3,
    rate: float = 250,
) -> None:
    """Sends `n` inbound SMS at `rate`/s to the gateway, with the worker delivering the replies,
    while `victim` (the gateway or the worker) is killed (-9) `kills` times and restarted; a
    request that fails is redelivered, as the platforms do. Then waits for every reply at the
    fake SMS gateway and counts the lost, the doubled, and the provider calls made again with
    the same message id (a send in flight when its sender died)."""
    with tempfile.TemporaryDirectory() as tmp, _fakes() as (rasa, sms):
        database_url = f"sqlite:///{tmp}/crash.db"
        _migrate(database_url)
        port = _free_port()
        env = _gateway_env(database_url, rasa, sms, port)
        base = f"http://127.0.0.1:{port}"
        run = f"c{time.time_ns()}"
        bodies = [_inbound(i, run) for i in range(n)]
        kill_at = sorted(random.Random(7).sample(range(n // 10, n - n // 10), kills))
        argv = {"gateway": [PY, "-m", "bot"], "worker": WORKER}
        procs: dict[str, subprocess.Popen[bytes]] = {}
        state = {"killed": 0, "redeliveries": 0}

        def start(name: str) -> None:
            procs[name] = subprocess.Popen(
                argv[name], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )

        async def drive() -> None:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with _load_client(timeout=5) as client:

                async def deliver(body: dict[str, Any]) -> None:
                    while True:
                        try:
                            r = await client.post(
                                base + "/webhooks/sms/http", json=body, headers=headers
                            )
                            if r.status_code == 200:
                                return
                        except httpx.HTTPError:
                            pass
                        state["redeliveries"] += 1
                        await asyncio.sleep(0.5)

                tasks = []
                started = time.perf_counter()
                for i, body in enumerate(bodies):
                    if kill_at and i == kill_at[0]:
                        kill_at.pop(0)
                        os.kill(procs[victim].pid, signal.SIGKILL)
                        procs[victim].wait()
                        state["killed"] += 1
                        start(victim)
                    delay = started + i / rate - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(deliver(body)))
                await asyncio.gather(*tasks)

        start("gateway")
        start("worker")
        try:
            _wait_http(base + "/healthz")
            t0 = time.perf_counter()
            asyncio.run(drive())
            expected = {f"{ECHO_PREFIX}tin {b['id']}" for b in bodies}
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                if httpx.get(sms + "/stats").json()["distinct_ids"] >= n:
                    break
                time.sleep(1)
            elapsed = time.perf_counter() - t0
            dump = httpx.get(sms + "/dump").json()
        finally:
            for proc in procs.values():
                proc.kill()
                proc.wait()
    from core.smstext import to_gsm7

    folded = {to_gsm7(t): t for t in expected}
    per_text = Counter(folded.get(m["text"], m["text"]) for m in dump)
    lost = sum(1 for t in expected if per_text[t] == 0)
    doubled = sum(1 for t in expected if per_text[t] > 1)
    repeated_ids = sum(1 for m in dump if m["count"] > 1)
    prefix = "crash" if victim == "gateway" else f"crash_{victim}"
    results[f"{prefix}_kills"] = metric(state["killed"], "kills", lower_is_better=False)
    results[f"{prefix}_messages"] = metric(n, "messages", lower_is_better=False)
    results[f"{prefix}_lost_messages"] = metric(lost, "messages", lower_is_better=True)
    results[f"{prefix}_duplicate_replies"] = metric(doubled, "messages", lower_is_better=True)
    results[f"{prefix}_provider_repeats_same_key"] = metric(
        repeated_ids, "messages", lower_is_better=True
    )
    print(
        f"  crash of the {victim}: {n} messages, {state['killed']} kill -9, "
        f"{state['redeliveries']} redeliveries; lost {lost}, duplicate replies {doubled}, "
        f"provider calls repeated with the same key {repeated_ids}; {elapsed:.0f} s"
    )


def run(_free_port: object = None) -> Metrics:
    results: Metrics = {}
    bench_ack(results)
    bench_outbox(results)
    postgres = os.environ.get(
        "MOTCUA_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    try:
        import sqlalchemy

        sqlalchemy.create_engine(postgres).connect().close()
    except Exception as exc:  # noqa: BLE001 - PostgreSQL is optional for the benchmark
        print(f"  outbox (postgresql) skipped: {type(exc).__name__}")
    else:
        schema = f"bench_outbox_{uuid.uuid4().hex[:8]}"  # a fresh schema: no earlier rows
        admin = sqlalchemy.create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
        try:
            scoped = f"{postgres}?options=-csearch_path%3D{schema}"
            bench_outbox(results, database_url=scoped, label="postgresql")
        finally:
            with admin.connect() as conn:
                conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    bench_crash(results, victim="gateway")
    bench_crash(results, victim="worker")
    return results
