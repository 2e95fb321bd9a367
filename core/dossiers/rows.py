"""Validation of incoming dossier rows (CONTRACT §6), shared by the CSV import, the one-stop
pull adapter and the push webhook.

`parse_row` takes one row as a mapping of §6 field names to cells and returns a `DossierData`,
or raises `RowError` listing every problem of the row in one line. Cells are strings (CSV) or
JSON values; an empty or missing cell is null. Rules:

- `code`: required; any loose form `canonical_dossier_code` recognizes (lower case, spaces
  around the dashes, letter O for zero…), stored canonical.
- `procedure_name`, `status`, `received_at`: required. `status` is a §3 code (case-insensitive).
- times: ISO 8601 with a time of day, with or without an offset; without one they are in
  MOTCUA_TIMEZONE (`tz`). A bare date is refused: a deadline needs its hour.
- `phone`: a Vietnamese mobile number in any common form, stored as `+84…`.
- `procedure_code` at most 32 characters; other text is kept as given (Unicode NFC, trimmed).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Final

from core.dossiers.model import (
    DATA_FIELDS,
    DossierData,
    DossierStatus,
    InvalidDossier,
    as_aware,
    normalize_phone,
)
from nlu.text.dossier_code import canonical_dossier_code

__all__ = ["COLUMNS", "REQUIRED_CELLS", "RowError", "parse_row", "parse_time"]

COLUMNS: Final = DATA_FIELDS
"""The §6 columns; a CSV header must name all of them (in any order)."""

REQUIRED_CELLS: Final = ("code", "procedure_name", "status", "received_at")
TIME_FIELDS: Final = ("received_at", "due_at", "result_ready_at", "returned_at")
_MAX_LENGTH: Final = {"procedure_code": 32}
_STATUS_LIST: Final = ", ".join(s.value for s in DossierStatus)


class RowError(ValueError):
    """A row that cannot be imported; `reasons` lists each problem (`field: what is wrong`)."""

    def __init__(self, reasons: list[str], *, code: str | None = None) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = tuple(reasons)
        self.code = code


def _short(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def parse_time(text: str, *, tz: tzinfo) -> datetime:
    """ISO 8601 with a time of day; naive means `tz`. Raises ValueError."""
    value = text.strip()
    if len(value) <= 10 or not any(sep in value[8:] for sep in ("T", "t", " ")):
        raise ValueError(f"needs a date and a time of day (e.g. 2026-11-05T08:30): {_short(text)}")
    if value[-1] in "zZ":
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {_short(text)}") from None
    return as_aware(parsed, tz)


def _cell(row: Mapping[str, object], field: str, problems: list[str]) -> str | None:
    value = row.get(field)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and field == "phone":
        value = str(value)
    if not isinstance(value, str):
        problems.append(f"{field}: expected text, got {type(value).__name__}")
        return None
    value = value.strip()
    return value or None


def parse_row(row: Mapping[str, object], *, tz: tzinfo) -> DossierData:
    """One §6 row -> a `DossierData`, or `RowError` with every problem found."""
    problems: list[str] = []
    cells = {field: _cell(row, field, problems) for field in COLUMNS}
    for field in REQUIRED_CELLS:
        if cells[field] is None and not any(p.startswith(f"{field}:") for p in problems):
            problems.append(f"{field}: missing")

    code: str | None = None
    if (raw_code := cells["code"]) is not None:
        code = canonical_dossier_code(raw_code)
        if code is None:
            problems.append(f"code: not a dossier code: {_short(raw_code)}")

    status: DossierStatus | None = None
    if (raw_status := cells["status"]) is not None:
        try:
            status = DossierStatus(raw_status.lower())
        except ValueError:
            problems.append(f"status: unknown {_short(raw_status)} (one of {_STATUS_LIST})")

    phone: str | None = None
    if (raw_phone := cells["phone"]) is not None:
        try:
            phone = normalize_phone(raw_phone)
        except ValueError as exc:
            problems.append(f"phone: {exc}")

    times: dict[str, datetime | None] = {}
    for field in TIME_FIELDS:
        raw_time = cells[field]
        times[field] = None
        if raw_time is not None:
            try:
                times[field] = parse_time(raw_time, tz=tz)
            except ValueError as exc:
                problems.append(f"{field}: {exc}")

    for field, limit in _MAX_LENGTH.items():
        value = cells[field]
        if value is not None and len(value) > limit:
            problems.append(f"{field}: longer than {limit} characters")

    if problems:
        raise RowError(problems, code=code)
    assert code is not None and status is not None and cells["procedure_name"] is not None
    received_at = times["received_at"]
    assert received_at is not None
    try:
        return DossierData(
            code=code,
            procedure_code=cells["procedure_code"],
            procedure_name=cells["procedure_name"],
            applicant_name=cells["applicant_name"],
            phone=phone,
            status=status,
            received_at=received_at,
            due_at=times["due_at"],
            result_ready_at=times["result_ready_at"],
            returned_at=times["returned_at"],
            office=cells["office"],
            note=cells["note"],
        )
    except InvalidDossier as exc:
        raise RowError([str(exc)], code=code) from None
