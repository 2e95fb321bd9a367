"""Wiring of the handoff into a gateway: the router's hook, the first interceptor of the
inbound pipeline, and the background task that expires unclaimed tickets."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.handoff.guides import load_guides
from bot.handoff.hours import WorkingHours
from bot.handoff.service import HandoffService
from core.offices import load_offices
from core.reminders.calendar import load_calendar

if TYPE_CHECKING:
    from bot.app import Gateway

ROOT = Path(__file__).resolve().parents[2]


def install_handoff(gateway: Gateway) -> HandoffService:
    """Builds the service from the gateway's settings and plugs it in. The expiry task joins
    `gateway.tasks` (and ends with `gateway.stop`) when called inside a running event loop,
    as `create_app`'s start-up does; otherwise run `service.run(stop)` yourself."""
    settings = gateway.settings
    province = load_offices().province
    calendar_path = Path(settings.calendar_file)
    calendar = load_calendar(calendar_path if calendar_path.is_absolute() else ROOT / calendar_path)
    service = HandoffService(
        engine=gateway.engine,
        outbox=gateway.outbox,
        dispatcher=gateway.dispatcher,
        channels=gateway.channels,
        dossiers=gateway.dossiers,
        guides=load_guides(),
        tz=settings.tz,
        hours_text=province.hours.text(),
        office_phone=province.phone,
        hotline=settings.hotline,
        working_hours=(
            WorkingHours(province.hours, calendar, settings.tz)
            if settings.handoff_office_hours_only
            else None
        ),
        claim_window=timedelta(minutes=settings.handoff_claim_minutes),
        db=gateway.db,
    )
    gateway.router.handoff_hook = service.open
    # first: a volunteer's messages and a citizen's words to a volunteer never reach the NLU
    # (nor the SMS keywords, except the opt-out, which the service lets through)
    gateway.pipeline.interceptors.insert(0, service.intercept)
    gateway.pipeline.follow_interceptors.append(service.welcome)
    gateway.handoff = service
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return service
    gateway.tasks.append(loop.create_task(service.run(gateway.stop)))
    return service
