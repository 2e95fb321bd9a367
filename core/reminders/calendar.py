"""Vietnam's working days, its lunar calendar (UTC+7) and the quiet hours of notices.

Working days are Monday to Friday, minus the public holidays and their days off in lieu, plus
the Saturdays worked to make up for a swapped day. The nationwide list comes from the `holidays`
package (`holidays.Vietnam`: Tết Dương lịch, Tết Nguyên đán with its days off, Giỗ Tổ Hùng
Vương, 30/4, 1/5, 2/9 with the day beside it since the Labour Code 2019, days off in lieu, and
the swaps the Government decided, with their sources in the package); decisions it does not
carry yet are in `data/calendar/national.yml`, and the days a province adds or swaps in
`data/calendar/<province>.yml`, each entry with its decision in a comment.

All functions are pure: no clock is read, every moment is passed in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Final

import yaml
from holidays import country_holidays

__all__ = [
    "CALENDAR_DIR",
    "DEFAULT_QUIET_HOURS",
    "NATIONAL_FILE",
    "CalendarError",
    "LunarDate",
    "QuietHours",
    "VietnamCalendar",
    "after_quiet_hours",
    "from_lunar",
    "hung_kings_day",
    "load_calendar",
    "lunar_new_year",
    "to_lunar",
]

CALENDAR_DIR: Final = Path(__file__).resolve().parents[2] / "data" / "calendar"
NATIONAL_FILE: Final = CALENDAR_DIR / "national.yml"

VIETNAM_UTC_OFFSET_HOURS: Final = 7.0

_SATURDAY: Final = 5


class CalendarError(Exception):
    """A calendar data file is unreadable or invalid; the message names the file and entry."""


# --- Working days -----------------------------------------------------------------------


class VietnamCalendar:
    """Working days of Vietnam's public administration.

    `extra_days_off` are days a decision adds (a province's own day off, a swap the `holidays`
    package does not know yet); `extra_working_days` are weekend days worked to make up for a
    swapped day (làm bù). A date may not be in both.
    """

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self.extra_days_off: frozenset[date] = frozenset(extra_days_off)
        self.extra_working_days: frozenset[date] = frozenset(extra_working_days)
        both = self.extra_days_off & self.extra_working_days
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"both a day off and a working day: {listed}")
        self._years: dict[int, tuple[dict[date, str], frozenset[date]]] = {}

    def _year(self, year: int) -> tuple[dict[date, str], frozenset[date]]:
        cached = self._years.get(year)
        if cached is None:
            # Neighbouring years too: a decision may swap a day across New Year (2014-12-27
            # was worked for 2015-01-02).
            national = country_holidays("VN", years=(year - 1, year, year + 1), language="vi")
            days_off = {d: str(name) for d, name in national.items() if d.year == year}
            worked = frozenset(d for d in national.weekend_workdays if d.year == year)
            cached = self._years[year] = (days_off, worked)
        return cached

    def holiday_name(self, day: date) -> str | None:
        """The Vietnamese name of the public holiday or day off on `day`, if it is one."""
        if day in self.extra_working_days:
            return None
        if day in self.extra_days_off:
            return "Ngày nghỉ theo quyết định của cơ quan có thẩm quyền"
        return self._year(day.year)[0].get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        days_off, worked = self._year(day.year)
        if day in worked:
            return True
        return day.weekday() < _SATURDAY and day not in days_off

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (`day` itself is not counted; n=0 gives `day`).

        A result ready on Friday 13/2/2026, the last working day before Tết Bính Ngọ, plus 3
        working days is Wednesday 25/2/2026.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        for _ in range(n):
            day += timedelta(days=1)
            while not self.is_working_day(day):
                day += timedelta(days=1)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]: 0 when end <= start."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def _read_dates(path: Path, data: dict[str, object], key: str) -> list[date]:
    raw = data.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CalendarError(f"{path.name}: {key}: expected a list of dates (YYYY-MM-DD)")
    days: list[date] = []
    for number, item in enumerate(raw, start=1):
        if isinstance(item, str):
            try:
                item = date.fromisoformat(item.strip())
            except ValueError:
                raise CalendarError(
                    f"{path.name}: {key}: entry {number}: not a date (YYYY-MM-DD): {item!r}"
                ) from None
        if isinstance(item, datetime) or not isinstance(item, date):
            raise CalendarError(
                f"{path.name}: {key}: entry {number}: not a date (YYYY-MM-DD): {item!r}"
            )
        days.append(item)
    return days


def _read_file(path: Path) -> tuple[list[date], list[date]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CalendarError(f"{path.name}: unreadable: {exc}") from exc
    except ValueError as exc:  # PyYAML builds dates while parsing: 2026-02-30 fails there
        raise CalendarError(f"{path.name}: not a date: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CalendarError(f"{path.name}: expected a mapping with days_off and working_days")
    unknown = sorted(str(k) for k in data if k not in ("days_off", "working_days"))
    if unknown:
        raise CalendarError(f"{path.name}: unknown key(s): {', '.join(unknown)}")
    return _read_dates(path, data, "days_off"), _read_dates(path, data, "working_days")


def load_calendar(
    path: Path | None = None, *, national: Path | None = NATIONAL_FILE
) -> VietnamCalendar:
    """The calendar of `holidays.Vietnam` with the nationwide additions (`national`) and a
    province's file (`path`, e.g. `data/calendar/quang-ninh.yml`) applied.

    Each file is YAML: `days_off: [YYYY-MM-DD, …]` and `working_days: [YYYY-MM-DD, …]` (the
    weekend days worked in exchange), with the decision of each entry in a comment. Raises
    `CalendarError` naming the file and the entry for an invalid file, a date listed both ways,
    or a `working_days` entry that is an ordinary weekday (already a working day: a typo).
    """
    days_off: dict[date, Path] = {}
    working: dict[date, Path] = {}
    for source in (national, path):
        if source is None:
            continue
        off, worked = _read_file(source)
        days_off.update((d, source) for d in off)
        working.update((d, source) for d in worked)
    base = VietnamCalendar()
    for day, source in sorted(working.items()):
        if day in days_off:
            raise CalendarError(
                f"{source.name}: {day.isoformat()} is both a day off and a working day"
            )
        if day.weekday() < _SATURDAY and base.is_working_day(day):
            raise CalendarError(
                f"{source.name}: working_days: {day.isoformat()} is already a working day"
            )
    return VietnamCalendar(extra_days_off=days_off, extra_working_days=working)


# --- Quiet hours --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local times of day when no notice goes out: [start, end), across midnight when start
    is after end (21:00–07:00). start == end means no quiet hours."""

    start: time = time(21, 0)
    end: time = time(7, 0)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local times of day, without a time zone")

    def is_quiet(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, *, tz: tzinfo) -> datetime:
        """`moment` itself when it is outside the quiet hours in `tz`, else the end of the quiet
        period (that day's or the next day's `end`), as an aware datetime in `tz`."""
        if moment.tzinfo is None:
            raise ValueError("an aware datetime is required")
        local = moment.astimezone(tz)
        wall = local.time().replace(tzinfo=None)
        if not self.is_quiet(wall):
            return moment
        end_day = local.date()
        if self.start > self.end and wall >= self.start:
            end_day += timedelta(days=1)
        allowed = datetime.combine(end_day, self.end, tzinfo=tz)
        # Through UTC and back: a wall time a DST jump skips becomes the real instant after it.
        return allowed.astimezone(UTC).astimezone(tz)


DEFAULT_QUIET_HOURS: Final = QuietHours()


def after_quiet_hours(
    due: datetime, *, tz: tzinfo, quiet: QuietHours = DEFAULT_QUIET_HOURS
) -> datetime:
    """The same moment when notices may go out then, else the next moment they may."""
    return quiet.next_allowed(due, tz=tz)


# --- Lunar calendar (UTC+7) ---------------------------------------------------------------
#
# Hồ Ngọc Đức's algorithm ("Thuật toán tính âm lịch", https://www.informatik.uni-leipzig.de/
# ~duc/amlich/calrules.html), the reference for Vietnam's lunar calendar: new moons from Jean
# Meeus' "Astronomical Algorithms" computed at UTC+7. China's calendar (UTC+8, `lunardate`)
# differs in some years when a new moon falls between 23:00 and 24:00 Vietnam time (Tết 1985
# and 2007 are the well-known cases); holidays.Vietnam agrees with this one, a test proves it.

_SYNODIC_MONTH: Final = 29.530588853
_EPOCH_NEW_MOON: Final = 2415021.076998695  # JD of the new moon of 1 January 1900
_JD_OF_ORDINAL_ZERO: Final = 1721425  # julian day number = date.toordinal() + this


def _jdn(day: date) -> int:
    return day.toordinal() + _JD_OF_ORDINAL_ZERO


def _from_jdn(jdn: int) -> date:
    return date.fromordinal(jdn - _JD_OF_ORDINAL_ZERO)


def _new_moon_day(k: int, offset_hours: float) -> int:
    """The julian day number (local) of the k-th new moon after 1 January 1900."""
    t = k / 1236.85
    t2 = t * t
    t3 = t2 * t
    dr = math.pi / 180
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 -= 0.4068 * math.sin(mpr * dr) - 0.0161 * math.sin(dr * 2 * mpr)
    c1 -= 0.0004 * math.sin(dr * 3 * mpr)
    c1 += 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 -= 0.0074 * math.sin(dr * (m - mpr)) - 0.0004 * math.sin(dr * (2 * f + m))
    c1 -= 0.0004 * math.sin(dr * (2 * f - m)) + 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 += 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    jd_new = jd1 + c1 - delta_t
    return math.floor(jd_new + 0.5 + offset_hours / 24)


def _sun_longitude_sector(jdn: int, offset_hours: float) -> int:
    """The sun's longitude at local midnight starting day `jdn`, in 30° sectors (0..11)."""
    t = (jdn - 2451545.5 - offset_hours / 24) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    longitude = (l0 + dl) * dr
    longitude -= math.pi * 2 * math.floor(longitude / (math.pi * 2))
    return math.floor(longitude / math.pi * 6)


def _lunar_month_11(year: int, offset_hours: float) -> int:
    """The julian day number of the first day of the 11th lunar month (the one holding the
    winter solstice) of solar `year`."""
    off = _jdn(date(year, 12, 31)) - 2415021
    k = math.floor(off / _SYNODIC_MONTH)
    new_moon = _new_moon_day(k, offset_hours)
    if _sun_longitude_sector(new_moon, offset_hours) >= 9:
        new_moon = _new_moon_day(k - 1, offset_hours)
    return new_moon


def _leap_month_offset(a11: int, offset_hours: float) -> int:
    """In a leap year starting at month 11 `a11`: how many months after it the leap one is
    (the first month without a major solar term)."""
    k = math.floor((a11 - _EPOCH_NEW_MOON) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = _sun_longitude_sector(_new_moon_day(k + i, offset_hours), offset_hours)
    while True:
        last = arc
        i += 1
        arc = _sun_longitude_sector(_new_moon_day(k + i, offset_hours), offset_hours)
        if arc == last or i >= 14:
            break
    return i - 1


@dataclass(frozen=True, slots=True, order=True)
class LunarDate:
    """A date of the Vietnamese lunar calendar; `leap` marks the repeated (nhuận) month."""

    year: int
    month: int
    day: int
    leap: bool = False

    def __str__(self) -> str:
        leap = " nhuận" if self.leap else ""
        return f"{self.day}/{self.month}{leap}/{self.year} âm lịch"


def to_lunar(day: date, *, offset_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> LunarDate:
    """The Vietnamese lunar date of a solar date."""
    day_number = _jdn(day)
    k = math.floor((day_number - _EPOCH_NEW_MOON) / _SYNODIC_MONTH)
    month_start = _new_moon_day(k + 1, offset_hours)
    if month_start > day_number:
        month_start = _new_moon_day(k, offset_hours)
    a11 = _lunar_month_11(day.year, offset_hours)
    b11 = a11
    if a11 >= month_start:
        lunar_year = day.year
        a11 = _lunar_month_11(day.year - 1, offset_hours)
    else:
        lunar_year = day.year + 1
        b11 = _lunar_month_11(day.year + 1, offset_hours)
    lunar_day = day_number - month_start + 1
    diff = math.floor((month_start - a11) / 29)
    leap = False
    lunar_month = diff + 11
    if b11 - a11 > 365:
        leap_diff = _leap_month_offset(a11, offset_hours)
        if diff >= leap_diff:
            lunar_month = diff + 10
            leap = diff == leap_diff
    if lunar_month > 12:
        lunar_month -= 12
    if lunar_month >= 11 and diff < 4:
        lunar_year -= 1
    return LunarDate(lunar_year, lunar_month, lunar_day, leap)


def from_lunar(
    year: int,
    month: int,
    day: int,
    *,
    leap: bool = False,
    offset_hours: float = VIETNAM_UTC_OFFSET_HOURS,
) -> date:
    """The solar date of a Vietnamese lunar date. Raises ValueError for a leap month that
    year does not have, or a day past the month's end."""
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"not a lunar date: {day}/{month}/{year}")
    if month < 11:
        a11 = _lunar_month_11(year - 1, offset_hours)
        b11 = _lunar_month_11(year, offset_hours)
    else:
        a11 = _lunar_month_11(year, offset_hours)
        b11 = _lunar_month_11(year + 1, offset_hours)
    k = math.floor(0.5 + (a11 - _EPOCH_NEW_MOON) / _SYNODIC_MONTH)
    off = month - 11
    if off < 0:
        off += 12
    if b11 - a11 > 365:
        leap_off = _leap_month_offset(a11, offset_hours)
        leap_month = leap_off - 2
        if leap_month <= 0:
            leap_month += 12
        if leap and month != leap_month:
            raise ValueError(f"lunar year {year} has no leap month {month}")
        if leap or off >= leap_off:
            off += 1
    elif leap:
        raise ValueError(f"lunar year {year} has no leap month")
    month_start = _new_moon_day(k + off, offset_hours)
    next_start = _new_moon_day(k + off + 1, offset_hours)
    if month_start + day - 1 >= next_start:
        raise ValueError(f"lunar month {month}/{year} has {next_start - month_start} days")
    return _from_jdn(month_start + day - 1)


def lunar_new_year(year: int) -> date:
    """Mùng 1 Tết Nguyên đán of solar `year`."""
    return from_lunar(year, 1, 1)


def hung_kings_day(year: int) -> date:
    """Giỗ Tổ Hùng Vương, the 10th day of the 3rd lunar month."""
    return from_lunar(year, 3, 10)
