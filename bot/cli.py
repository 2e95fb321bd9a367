"""The `motcua` command (CONTRACT §5): the administration commands of `core.cli`, plus the
reminder commands, which need the delivery layer of `bot`."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from prometheus_client import start_http_server
from sqlalchemy import Engine

from bot.channels import build_channels, send_rates
from bot.dbthreads import DbThreads
from bot.delivery import Dispatcher
from bot.handoff.people import (
    EnrolmentError,
    add_staff,
    add_volunteer,
    create_invite,
    list_staff,
    list_volunteers,
    remove_volunteer,
)
from bot.metrics import REGISTRY
from bot.outbox import Outbox
from bot.questions import classify_questions
from bot.rasa import RasaClient
from bot.ratelimit import RateLimiter
from bot.reminders import NoticeWorker, deliver_notices, work_forever
from bot.tokens import SqlTokenStore
from core.cli import ROOT, app
from core.clitools import EXIT_UNUSABLE, command_settings, fail, open_database
from core.logging import get_logger
from core.offices import load_offices
from core.procedures.desk import ProcedureDesk
from core.reminders import PUSH_WINDOWS, CalendarError, NoticePolicy, QuietHours, load_calendar
from core.settings import Settings

log = get_logger("motcua.reminders")
reminders_app = typer.Typer(help="Result notices and pickup reminders.", no_args_is_help=True)
app.add_typer(reminders_app, name="reminders")


def parse_now(now: str | None, settings: Settings) -> datetime:
    """--now as an aware time (without an offset it is in MOTCUA_TIMEZONE)."""
    if now is None:
        return datetime.now(settings.tz)
    try:
        parsed = datetime.fromisoformat(now)
    except ValueError:
        typer.echo(f"--now: not an ISO 8601 time: {now!r}", err=True)
        raise typer.Exit(2) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=settings.tz)


def build_policy(settings: Settings, *, channels: set[str]) -> NoticePolicy:
    path = Path(settings.calendar_file)
    path = path if path.is_absolute() else ROOT / path
    try:
        calendar = load_calendar(path)
    except (CalendarError, OSError) as exc:
        fail(f"MOTCUA_CALENDAR_FILE: {exc}", code=EXIT_UNUSABLE)
    start, end = settings.quiet_window
    return NoticePolicy(
        calendar=calendar,
        tz=settings.tz,
        quiet=QuietHours(start=start, end=end),
        reminder_working_days=settings.reminder_days,
        push_windows={k: v for k, v in PUSH_WINDOWS.items() if k in channels},
        zns_configured="zns" in channels,
        sms_enabled="sms" in channels,
    )


def build(settings: Settings) -> tuple[NoticeWorker, Dispatcher]:
    """The worker and a delivery layer over the channels the settings turn on."""
    engine = open_database(settings, table="notices")
    channels = build_channels(settings, token_store=SqlTokenStore(engine, provider="zalo"))
    worker = NoticeWorker(
        engine,
        policy=build_policy(settings, channels=set(channels)),
        offices=load_offices(),
        hotline=settings.hotline,
        zns_template=settings.zns_template_result_ready,
        stop_number=settings.sms_stop_number,
    )
    dispatcher = Dispatcher(
        Outbox(engine),
        channels,
        limiter=RateLimiter(settings.redis_url),
        rates=send_rates(settings),
        db=DbThreads(engine),
        idle_seconds=settings.delivery_poll_seconds,
    )
    return worker, dispatcher


@reminders_app.command("run-once")
def reminders_run_once(
    now: str | None = typer.Option(None, "--now", help="ISO 8601; default: the real clock"),
) -> None:
    """Sends every notification due at --now and exits; prints how many were sent, skipped
    and failed."""
    settings = command_settings()
    at = parse_now(now, settings)
    worker, dispatcher = build(settings)

    async def run() -> None:
        counts = await asyncio.to_thread(worker.run_once, now=at)
        dispatcher.clock = lambda: at
        await deliver_notices(worker, dispatcher, counts, settle=10.0)
        for channel in dispatcher.channels.values():
            await channel.aclose()
        skipped = sum(counts.skipped.values())
        log.info(
            "reminders run",
            at=at.isoformat(),
            planned=counts.planned,
            sent=counts.sent,
            skipped=skipped,
            failed=counts.failed,
            deferred=counts.deferred,
            waiting=counts.waiting,
        )
        typer.echo(f"sent {counts.sent}, skipped {skipped}, failed {counts.failed}")
        if counts.skipped:
            reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.skipped.items()))
            typer.echo(f"skipped: {reasons}")
        if counts.deferred:
            typer.echo(f"{counts.deferred} waiting for a later time (quiet hours or not due)")
        if counts.waiting:
            typer.echo(f"{counts.waiting} not confirmed yet; they will be retried")

    asyncio.run(run())


@reminders_app.command("worker")
def reminders_worker(
    interval: float = typer.Option(10.0, help="seconds between rounds", min=0.1),
) -> None:
    """Plans and hands over notices, and delivers every outbound message (replies, relays and
    notices), forever, until SIGINT or SIGTERM."""
    settings = command_settings()
    worker, dispatcher = build(settings)
    if settings.worker_metrics_port is not None:
        host, port = settings.http_host, settings.worker_metrics_port
        try:
            start_http_server(port, addr=host, registry=REGISTRY)
        except OSError as exc:
            fail(f"MOTCUA_WORKER_METRICS_PORT: cannot listen on {host}:{port}: {exc.strerror}")
        log.info("worker metrics", url=f"http://{host}:{port}/metrics")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        rasa = RasaClient(settings.rasa_url, timeout=settings.rasa_timeout_seconds)
        try:
            desk: ProcedureDesk | None = ProcedureDesk.load(engine=worker.engine)
        except Exception:  # noqa: BLE001 - statistics may go without procedures
            log.warning("procedure catalog unavailable: questions get no procedure")
            desk = None

        async def classify() -> int:
            return await classify_questions(worker.engine, rasa, desk)

        await work_forever(worker, dispatcher, stop, interval=interval, also=classify)
        await rasa.aclose()
        for channel in dispatcher.channels.values():
            await channel.aclose()

    asyncio.run(run())


# --- volunteers and staff (bot/handoff) ---------------------------------------------------------

volunteers_app = typer.Typer(help="Youth volunteers who answer citizens.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts of the console.", no_args_is_help=True)
app.add_typer(volunteers_app, name="volunteers")
app.add_typer(staff_app, name="staff")


def _people_database() -> Engine:
    return open_database(command_settings(), table="volunteers")


@volunteers_app.command("add")
def volunteers_add(
    name: str = typer.Option(..., "--name", help="how citizens and staff see the volunteer"),
    telegram: str | None = typer.Option(None, "--telegram", help="the Telegram chat id"),
    zalo: str | None = typer.Option(None, "--zalo", help="the Zalo user id (of our OA)"),
) -> None:
    """Enrols a volunteer reached on Telegram or Zalo (on duty from now)."""
    if (telegram is None) == (zalo is None):
        fail("give exactly one of --telegram CHAT_ID or --zalo USER_ID")
    channel, user_id = ("telegram", telegram) if telegram is not None else ("zalo", zalo)
    assert user_id is not None
    engine = _people_database()
    try:
        volunteer = add_volunteer(
            engine, name=name, channel=channel, user_id=user_id, now=datetime.now(UTC)
        )
    except EnrolmentError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    typer.echo(f"volunteer #{volunteer.id} added on {volunteer.channel}, on duty")


@volunteers_app.command("list")
def volunteers_list(
    all_: bool = typer.Option(False, "--all", help="removed volunteers too"),
) -> None:
    """Lists the volunteers: id, name, channel, chat id, duty."""
    engine = _people_database()
    try:
        volunteers = list_volunteers(engine, include_removed=all_)
    finally:
        engine.dispose()
    if not volunteers:
        typer.echo("no volunteers")
    for v in volunteers:
        state = ("on duty" if v.on_duty else "off duty") if v.active else "removed"
        typer.echo(f"{v.id}\t{v.name}\t{v.channel}\t{v.user_id}\t{state}")


@volunteers_app.command("remove")
def volunteers_remove(volunteer_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Removes a volunteer (their tickets and audit stay; their chat is a citizen's again); the
    tickets they held are open again for another volunteer, or expire to the hotline."""
    engine = _people_database()
    try:
        removed = remove_volunteer(engine, volunteer_id, now=datetime.now(UTC))
    except EnrolmentError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    typer.echo(f"volunteer #{volunteer_id} removed")
    if removed.released:
        tickets = ", ".join(f"#{t}" for t in removed.released)
        typer.echo(f"tickets open again: {tickets}")


@volunteers_app.command("invite")
def volunteers_invite(
    name: str = typer.Option(..., "--name", help="the volunteer's name"),
    days: int = typer.Option(3, "--days", min=1, max=30, help="days the code stays valid"),
) -> None:
    """Prints a one-time code the volunteer sends as `/dangky <code>` from their own chat."""
    engine = _people_database()
    try:
        code = create_invite(
            engine, name=name, now=datetime.now(UTC), valid_for=timedelta(days=days)
        )
    except EnrolmentError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    typer.echo(code)


@staff_app.command("add")
def staff_add(
    username: str = typer.Option(..., "--username"),
    name: str = typer.Option(..., "--name", help="the display name"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from the first line of stdin"
    ),
) -> None:
    """Creates a console account; the password (asked twice, or read from stdin) is stored as
    an argon2id hash."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = open_database(command_settings(), table="staff_accounts")
    try:
        staff = add_staff(
            engine, username=username, display_name=name, password=password, now=datetime.now(UTC)
        )
    except EnrolmentError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    typer.echo(f"staff #{staff.id} {staff.username} added")


@staff_app.command("list")
def staff_list() -> None:
    """Lists the console accounts: id, username, name, state."""
    engine = open_database(command_settings(), table="staff_accounts")
    try:
        accounts = list_staff(engine)
    finally:
        engine.dispose()
    if not accounts:
        typer.echo("no staff accounts")
    for s in accounts:
        state = "active" if s.active else "disabled"
        typer.echo(f"{s.id}\t{s.username}\t{s.display_name}\t{state}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
