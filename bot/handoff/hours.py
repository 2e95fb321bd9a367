"""When volunteers are reached: the working hours of the province centre (`core/offices.py`)
on Vietnam's working days (`core/reminders/calendar.py`).

A working day counts from the morning opening to the afternoon closing (volunteers answer
over the lunch break too); a Saturday counts in the centre's Saturday hours when it has them
and the day is not a holiday, and in the weekday hours when it is a make-up working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from core.offices import Hours
from core.reminders.calendar import VietnamCalendar

_SATURDAY = 5


@dataclass(frozen=True, slots=True)
class WorkingHours:
    hours: Hours
    calendar: VietnamCalendar
    tz: ZoneInfo

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz)
        day, clock = local.date(), local.timetz().replace(tzinfo=None)
        if self.calendar.is_working_day(day):
            return _within(clock, self.hours.morning.start, self.hours.afternoon.end)
        saturday = self.hours.saturday
        if (
            day.weekday() == _SATURDAY
            and saturday is not None
            and self.calendar.holiday_name(day) is None
        ):
            return _within(clock, saturday.start, saturday.end)
        return False

    def text(self) -> str:
        return self.hours.text()


def _within(clock: time, start: time, end: time) -> bool:
    return start <= clock < end
