"""Row validation shared by the CSV import, the pull adapter and the push webhook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.dossiers.model import DossierStatus
from core.dossiers.rows import COLUMNS, RowError, parse_row, parse_time

HCM = ZoneInfo("Asia/Ho_Chi_Minh")

TIMES = [
    ("2026-11-05T08:30", datetime(2026, 11, 5, 8, 30, tzinfo=HCM)),
    ("2026-11-05 08:30:15", datetime(2026, 11, 5, 8, 30, 15, tzinfo=HCM)),
    ("2026-11-05T08:30:00+07:00", datetime(2026, 11, 5, 1, 30, tzinfo=UTC)),
    ("2026-11-05T01:30:00Z", datetime(2026, 11, 5, 1, 30, tzinfo=UTC)),
    ("2026-11-05T01:30:00z", datetime(2026, 11, 5, 1, 30, tzinfo=UTC)),
    ("2026-11-05T10:30:00+09:00", datetime(2026, 11, 5, 1, 30, tzinfo=UTC)),
    ("2026-11-05T08:30:00.250+07:00", datetime(2026, 11, 5, 1, 30, 0, 250000, tzinfo=UTC)),
    ("20261105T083000", datetime(2026, 11, 5, 8, 30, tzinfo=HCM)),
    (" 2026-11-05T08:30 ", datetime(2026, 11, 5, 8, 30, tzinfo=HCM)),
]


@pytest.mark.parametrize(("text", "expected"), TIMES)
def test_iso_times_with_or_without_offset(text: str, expected: datetime) -> None:
    parsed = parse_time(text, tz=HCM)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_naive_times_use_the_given_zone() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert parse_time("2026-11-05T08:30", tz=plus_two) == datetime(2026, 11, 5, 6, 30, tzinfo=UTC)


BAD_TIMES = [
    ("2026-11-05", "needs a date and a time of day"),
    ("20261105", "needs a date and a time of day"),
    ("05/11/2026 08:30", "not an ISO 8601 time"),
    ("2026-11-31T08:00", "not an ISO 8601 time"),
    ("2026-11-05T25:00", "not an ISO 8601 time"),
    ("sáng mai", "needs a date and a time of day"),
    ("2026-11-05T08:30+25:00", "not an ISO 8601 time"),
]


@pytest.mark.parametrize(("text", "message"), BAD_TIMES)
def test_bad_times(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_time(text, tz=HCM)


def row(**cells: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": "000.00.14.H49-261118-0030",
        "procedure_name": "Thủ tục đăng ký kết hôn",
        "status": "received",
        "received_at": "2026-11-18T09:10:00",
    }
    return base | cells


def test_only_four_cells_are_required_and_missing_keys_are_null() -> None:
    parsed = parse_row(row(), tz=HCM)
    assert parsed.status is DossierStatus.RECEIVED
    assert (parsed.phone, parsed.due_at, parsed.note, parsed.procedure_code) == (
        None,
        None,
        None,
        None,
    )
    assert set(COLUMNS) >= {"code", "procedure_name", "status", "received_at"}


JSON_CELLS = [
    ({"phone": 84912345678}, None),
    ({"phone": None, "note": None}, None),
    ({"phone": True}, "phone: expected text, got bool"),
    ({"procedure_code": 1.001193}, "procedure_code: expected text, got float"),
    ({"status": ["received"]}, "status: expected text, got list"),
    ({"due_at": 1763456000}, "due_at: expected text, got int"),
    ({"code": 123}, "code: expected text, got int"),
]


@pytest.mark.parametrize(("cells", "problem"), JSON_CELLS)
def test_json_values(cells: dict[str, Any], problem: str | None) -> None:
    if problem is None:
        parse_row(row(**cells), tz=HCM)
        return
    with pytest.raises(RowError) as raised:
        parse_row(row(**cells), tz=HCM)
    assert raised.value.reasons == (problem,)


def test_a_row_error_keeps_the_code_when_it_was_readable() -> None:
    with pytest.raises(RowError) as raised:
        parse_row(row(code="000.00.14.h49 261118 0030", status="?"), tz=HCM)
    assert raised.value.code == "000.00.14.H49-261118-0030"
    with pytest.raises(RowError) as unreadable:
        parse_row(row(code="?", status="?"), tz=HCM)
    assert unreadable.value.code is None
    assert len(unreadable.value.reasons) == 2
