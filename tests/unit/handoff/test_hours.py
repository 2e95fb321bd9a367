"""When volunteers are reached: the province centre's hours on Vietnam's working days."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import WorkingHours
from core.offices import load_offices
from core.reminders.calendar import CALENDAR_DIR, load_calendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS = WorkingHours(
    load_offices().province.hours, load_calendar(CALENDAR_DIR / "quang-ninh.yml"), TZ
)

# The centre: 07:30-11:30, 13:30-17:00 on weekdays, 07:30-11:30 on Saturdays.
CASES = [
    ("2026-11-25T07:29", False),  # Wednesday, before opening
    ("2026-11-25T07:30", True),
    ("2026-11-25T12:15", True),  # lunch: volunteers still answer
    ("2026-11-25T16:59", True),
    ("2026-11-25T17:00", False),
    ("2026-11-28T09:00", True),  # Saturday morning
    ("2026-11-28T14:00", False),  # Saturday afternoon
    ("2026-11-29T09:00", False),  # Sunday
    ("2026-09-02T09:00", False),  # Quốc khánh
    ("2026-01-01T09:00", False),  # Tết Dương lịch
    ("2026-01-10T15:00", True),  # a Saturday worked in exchange (weekday hours)
]


@pytest.mark.parametrize(("local", "open_"), CASES)
def test_working_hours(local: str, open_: bool) -> None:
    assert HOURS.is_open(datetime.fromisoformat(local).replace(tzinfo=TZ)) is open_


def test_an_instant_in_another_zone_is_read_in_local_time() -> None:
    # 01:00 UTC is 08:00 in Hà Nội
    assert HOURS.is_open(datetime.fromisoformat("2026-11-25T01:00+00:00"))
