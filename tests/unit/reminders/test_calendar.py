"""Vietnam's working days (holidays, Tết, swaps, data files), the UTC+7 lunar calendar and the
quiet hours of notices."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import lunardate
import pytest
from holidays import country_holidays
from hypothesis import given
from hypothesis import strategies as st

from core.reminders.calendar import (
    CALENDAR_DIR,
    CalendarError,
    LunarDate,
    QuietHours,
    VietnamCalendar,
    after_quiet_hours,
    from_lunar,
    hung_kings_day,
    load_calendar,
    lunar_new_year,
    to_lunar,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
FIXTURES = Path(__file__).parent / "calendars"
NATIONAL = load_calendar()
PROVINCE = load_calendar(FIXTURES / "province.yml")

# Mùng 1 Tết, Vietnam (UTC+7). 2030 is 2 February in Vietnam: the new moon falls at 23:07 on 2
# February Vietnam time, already 3 February in China (UTC+8), whose calendar (`lunardate`)
# says 3 February.
TET = [
    (2025, date(2025, 1, 29)),
    (2026, date(2026, 2, 17)),
    (2027, date(2027, 2, 6)),
    (2028, date(2028, 1, 26)),
    (2029, date(2029, 2, 13)),
    (2030, date(2030, 2, 2)),
    (2031, date(2031, 1, 23)),
    (2032, date(2032, 2, 11)),
    (2033, date(2033, 1, 31)),
    (2034, date(2034, 2, 19)),
    (2035, date(2035, 2, 8)),
]
CHINA_DIFFERS = {2030: date(2030, 2, 3)}

HUNG_KINGS = [
    (2025, date(2025, 4, 7)),
    (2026, date(2026, 4, 26)),
    (2027, date(2027, 4, 16)),
    (2028, date(2028, 4, 4)),
]

# A leap (nhuận) month in each of these lunar years, and only these, in 2025–2035.
LEAP_MONTHS = {2025: 6, 2028: 5, 2031: 3, 2033: 11}


@pytest.mark.parametrize(("year", "tet"), TET)
def test_lunar_new_year(year: int, tet: date) -> None:
    assert lunar_new_year(year) == tet
    assert to_lunar(tet) == LunarDate(year, 1, 1)
    assert to_lunar(tet - timedelta(days=1)).year == year - 1
    names = country_holidays("VN", years=year, language="en_US")
    assert names.get(tet) == "Lunar New Year"  # the `holidays` package agrees


@pytest.mark.parametrize(("year", "tet"), TET)
def test_chinas_calendar_differs_only_where_the_new_moon_is_near_midnight(
    year: int, tet: date
) -> None:
    china = lunardate.LunarDate(year, 1, 1).to_solar_date()
    assert china == CHINA_DIFFERS.get(year, tet)


@pytest.mark.parametrize("year", range(2025, 2036))
def test_hung_kings_day_agrees_with_the_holidays_package(year: int) -> None:
    names = country_holidays("VN", years=year, language="vi")
    package = [d for d, n in names.items() if n == "Ngày Giỗ Tổ Hùng Vương"]
    assert package == [hung_kings_day(year)]
    assert to_lunar(hung_kings_day(year)) == LunarDate(year, 3, 10)


@pytest.mark.parametrize(("year", "day"), HUNG_KINGS)
def test_hung_kings_day(year: int, day: date) -> None:
    assert hung_kings_day(year) == day


@pytest.mark.parametrize("year", range(2025, 2036))
def test_leap_months(year: int) -> None:
    months = {to_lunar(date(year, 1, 1) + timedelta(days=i)) for i in range(0, 366, 10)} | {
        to_lunar(date(year, 12, 31))
    }
    leap = {(m.year, m.month) for m in months if m.leap and m.year == year}
    expected = {(year, LEAP_MONTHS[year])} if year in LEAP_MONTHS else set()
    assert leap == expected
    if year in LEAP_MONTHS:
        month = LEAP_MONTHS[year]
        assert from_lunar(year, month, 1, leap=True) > from_lunar(year, month, 1)
    else:
        with pytest.raises(ValueError, match="no leap month"):
            from_lunar(year, 6, 1, leap=True)


def test_invalid_lunar_dates_are_refused() -> None:
    with pytest.raises(ValueError, match="no leap month 5"):
        from_lunar(2025, 5, 1, leap=True)  # 2025's leap month is the 6th
    with pytest.raises(ValueError, match="has 29 days"):
        from_lunar(2025, 12, 30)  # Tết 2025 eve is the 29th (28/1/2025)
    with pytest.raises(ValueError, match="not a lunar date"):
        from_lunar(2025, 13, 1)
    assert from_lunar(2025, 12, 29) == date(2026, 2, 16)


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31)))
def test_lunar_round_trip(day: date) -> None:
    lunar = to_lunar(day)
    assert from_lunar(lunar.year, lunar.month, lunar.day, leap=lunar.leap) == day


def test_lunar_matches_chinas_calendar_outside_the_known_gaps() -> None:
    """UTC+7 and UTC+8 disagree only for months whose new moon falls between 23:00 and 24:00
    Vietnam time; in 2025–2035 those are few, and Tết 2030 is the one that moves a holiday."""
    differing_months = set()
    day = date(2025, 1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        while day <= date(2035, 12, 31):
            ours = to_lunar(day)
            china = lunardate.LunarDate.from_solar_date(day.year, day.month, day.day)
            if (ours.year, ours.month, ours.day) != (china.year, china.month, china.day):
                differing_months.add((day.year, day.month))
            day += timedelta(days=1)
    assert (2030, 2) in differing_months
    assert len(differing_months) <= 8


# --- working days -----------------------------------------------------------------------

WORKING = [
    # Tết Dương lịch 2026: 1/1 by law, 2/1 swapped with Saturday 10/1 (data/calendar/national.yml)
    ("2026-01-01", False),
    ("2026-01-02", False),
    ("2026-01-03", False),
    ("2026-01-05", True),
    ("2026-01-10", True),
    ("2026-01-11", False),
    # Tết Nguyên đán 2026: 14/2–22/2 with the weekends
    ("2026-02-13", True),
    ("2026-02-16", False),
    ("2026-02-17", False),
    ("2026-02-20", False),
    ("2026-02-23", True),
    # Tết 2025: 25/1–2/2
    ("2025-01-24", True),
    ("2025-01-27", False),
    ("2025-01-31", False),
    ("2025-02-03", True),
    # Tết 2027: Thursday 4/2 to Wednesday 10/2 off
    ("2027-02-03", True),
    ("2027-02-04", False),
    ("2027-02-10", False),
    ("2027-02-11", True),
    # 30/4–1/5/2025: 2/5 swapped with Saturday 26/4
    ("2025-04-26", True),
    ("2025-04-30", False),
    ("2025-05-01", False),
    ("2025-05-02", False),
    ("2025-05-05", True),
    # Giỗ Tổ 2026 on Sunday 26/4: Monday 27/4 off; 30/4 and 1/5 on Thursday and Friday
    ("2026-04-27", False),
    ("2026-04-29", True),
    ("2026-04-30", False),
    ("2026-05-01", False),
    ("2026-05-04", True),
    # 2/9 and the day beside it
    ("2025-09-01", False),
    ("2025-09-02", False),
    ("2025-09-03", True),
    ("2026-09-01", False),
    ("2026-09-02", False),
    ("2026-09-03", True),
    ("2027-09-02", False),
    ("2027-09-03", False),
    ("2027-09-06", True),
    # ordinary weekdays and weekends
    ("2026-03-11", True),
    ("2026-03-14", False),
    ("2026-03-15", False),
]


@pytest.mark.parametrize(("day", "working"), WORKING)
def test_is_working_day(day: str, working: bool) -> None:
    assert NATIONAL.is_working_day(date.fromisoformat(day)) is working


ADD = [
    # a result ready on the Friday before Tết 2026 gets its reminders after the break
    ("2026-02-13", 1, "2026-02-23"),
    ("2026-02-13", 3, "2026-02-25"),
    ("2026-02-13", 7, "2026-03-03"),
    ("2026-02-14", 3, "2026-02-25"),  # from a Saturday inside the break
    # Tết 2027
    ("2027-02-03", 1, "2027-02-11"),
    ("2027-02-03", 3, "2027-02-15"),
    ("2027-02-03", 7, "2027-02-19"),
    # 30/4–1/5/2026
    ("2026-04-28", 3, "2026-05-05"),
    # 2/9
    ("2025-08-29", 1, "2025-09-03"),
    ("2026-08-28", 1, "2026-09-03"),
    # New Year 2026 and its make-up Saturday
    ("2025-12-31", 2, "2026-01-06"),
    ("2026-01-09", 1, "2026-01-10"),
    # weekends
    ("2026-03-06", 1, "2026-03-09"),
    ("2026-03-07", 1, "2026-03-09"),
    ("2026-03-11", 3, "2026-03-16"),
    ("2026-03-07", 0, "2026-03-07"),
]


@pytest.mark.parametrize(("start", "n", "expected"), ADD)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    begin, end = date.fromisoformat(start), date.fromisoformat(expected)
    assert NATIONAL.add_working_days(begin, n) == end
    assert NATIONAL.working_days_between(begin, end) == n


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        NATIONAL.add_working_days(date(2026, 3, 11), -1)


def test_next_working_day() -> None:
    assert NATIONAL.next_working_day(date(2026, 2, 14)) == date(2026, 2, 23)
    assert NATIONAL.next_working_day(date(2026, 3, 11)) == date(2026, 3, 11)


def test_holiday_names() -> None:
    assert NATIONAL.holiday_name(date(2026, 2, 17)) == "Tết Nguyên Đán"
    assert NATIONAL.holiday_name(date(2026, 9, 2)) == "Quốc khánh"
    assert NATIONAL.holiday_name(date(2026, 1, 2)) is not None
    assert NATIONAL.holiday_name(date(2026, 1, 10)) is None
    assert NATIONAL.holiday_name(date(2026, 3, 11)) is None


def test_the_national_file_adds_what_the_package_lacks() -> None:
    package_only = load_calendar(national=None)
    assert package_only.is_working_day(date(2026, 1, 2))
    assert not package_only.is_working_day(date(2026, 1, 10))
    assert not NATIONAL.is_working_day(date(2026, 1, 2))


def test_a_province_file_adds_a_day_off_and_a_working_saturday() -> None:
    assert NATIONAL.is_working_day(date(2026, 3, 9))
    assert not PROVINCE.is_working_day(date(2026, 3, 9))
    assert PROVINCE.is_working_day(date(2026, 3, 14))
    assert PROVINCE.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 10)
    assert PROVINCE.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 14)
    assert NATIONAL.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)
    assert not PROVINCE.is_working_day(date(2026, 1, 2))  # the national file still applies


@pytest.mark.parametrize("path", sorted(CALENDAR_DIR.glob("*.yml")), ids=lambda p: p.name)
def test_the_shipped_calendar_files_load(path: Path) -> None:
    calendar = load_calendar(path)
    assert not calendar.is_working_day(date(2026, 2, 17))


def test_an_empty_file_adds_nothing() -> None:
    calendar = load_calendar(FIXTURES / "empty.yml", national=None)
    assert calendar.extra_days_off == frozenset()
    assert calendar.extra_working_days == frozenset()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad-both.yml", "2026-03-14 is both a day off and a working day"),
        ("bad-weekday-working.yml", "working_days: 2026-03-11 is already a working day"),
        ("bad-date.yml", "not a date"),
        ("bad-datetime.yml", "days_off: entry 1: not a date"),
        ("bad-key.yml", "unknown key(s): holidays"),
        ("bad-shape.yml", "days_off: expected a list"),
        ("bad-yaml.yml", "unreadable"),
        ("missing.yml", "unreadable"),
    ],
)
def test_invalid_calendar_files_are_refused(name: str, message: str) -> None:
    with pytest.raises(CalendarError) as caught:
        load_calendar(FIXTURES / name)
    assert str(caught.value).startswith(f"{name}: ")
    assert message in str(caught.value)


def test_a_day_cannot_be_both_off_and_worked() -> None:
    with pytest.raises(ValueError, match="2026-03-14"):
        VietnamCalendar(extra_days_off={date(2026, 3, 14)}, extra_working_days={date(2026, 3, 14)})


# --- quiet hours --------------------------------------------------------------------------


def local(text: str, tz: ZoneInfo = HCM) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


QUIET = [
    # due (local)            quiet hours          allowed (local)
    ("2026-03-11 20:59", None, "2026-03-11 20:59"),
    ("2026-03-11 21:00", None, "2026-03-12 07:00"),
    ("2026-03-11 23:59:59", None, "2026-03-12 07:00"),
    ("2026-03-12 00:00", None, "2026-03-12 07:00"),
    ("2026-03-12 06:59", None, "2026-03-12 07:00"),
    ("2026-03-12 06:59:59.999999", None, "2026-03-12 07:00"),
    ("2026-03-12 07:00", None, "2026-03-12 07:00"),
    ("2026-03-12 12:00", None, "2026-03-12 12:00"),
    ("2025-12-31 22:00", None, "2026-01-01 07:00"),  # across the year; holidays do not matter
    ("2026-03-11 21:30", (time(22, 0), time(6, 0)), "2026-03-11 21:30"),
    ("2026-03-11 22:00", (time(22, 0), time(6, 0)), "2026-03-12 06:00"),
    ("2026-03-11 12:30", (time(12, 0), time(13, 0)), "2026-03-11 13:00"),
    ("2026-03-11 13:00", (time(12, 0), time(13, 0)), "2026-03-11 13:00"),
    ("2026-03-11 11:59", (time(12, 0), time(13, 0)), "2026-03-11 11:59"),
    ("2026-03-11 23:00", (time(0, 0), time(0, 0)), "2026-03-11 23:00"),  # none
]


@pytest.mark.parametrize(("due", "hours", "allowed"), QUIET)
def test_quiet_hours(due: str, hours: tuple[time, time] | None, allowed: str) -> None:
    quiet = QuietHours(*hours) if hours else QuietHours()
    result = after_quiet_hours(local(due), tz=HCM, quiet=quiet)
    assert result == local(allowed)
    # the same instant given in UTC gives the same answer
    assert quiet.next_allowed(local(due).astimezone(UTC), tz=HCM) == local(allowed)


def test_quiet_hours_return_the_same_moment_when_allowed() -> None:
    due = local("2026-03-11 10:15:42")
    assert after_quiet_hours(due, tz=HCM) is due


def test_quiet_hours_are_local_to_the_given_zone() -> None:
    # 14:30 UTC is 21:30 in Vietnam (quiet) and 15:30 in Paris (not quiet)
    due = datetime(2026, 3, 11, 14, 30, tzinfo=UTC)
    assert after_quiet_hours(due, tz=HCM) == local("2026-03-12 07:00")
    assert after_quiet_hours(due, tz=ZoneInfo("Europe/Paris")) is due


def test_quiet_hours_ending_in_a_skipped_hour() -> None:
    """New York skips 02:00–03:00 on 8 March 2026: a quiet period ending at 02:30 ends at the
    first real instant after it."""
    new_york = ZoneInfo("America/New_York")
    quiet = QuietHours(time(21, 0), time(2, 30))
    result = quiet.next_allowed(local("2026-03-08 01:00", new_york), tz=new_york)
    assert result == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert not quiet.is_quiet(result.astimezone(new_york).time())


def test_quiet_hours_refuse_naive_and_zoned_times() -> None:
    with pytest.raises(ValueError, match="aware"):
        after_quiet_hours(datetime(2026, 3, 11, 22, 0), tz=HCM)
    with pytest.raises(ValueError, match="local times"):
        QuietHours(time(21, 0, tzinfo=UTC), time(7, 0))
