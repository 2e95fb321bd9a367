"""Dossiers (hồ sơ) as plain immutable values.

`DossierData` is what a source delivers (the twelve CONTRACT §6 fields); `Dossier` is what the
store holds (the same plus `updated_at`, when the store last changed it). Invariants hold by
construction: the code is canonical (§3), the phone is E.164 (`+84…`), the status is a §3 code,
every time is timezone-aware. Reprs never show the applicant's name, phone or the officer's note.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Final

import phonenumbers

from core.logging import mask_name, mask_phone
from nlu.text.dossier_code import DOSSIER_CODE_PATTERN, canonical_dossier_code

__all__ = [
    "OPEN_STATUSES",
    "ChangeSource",
    "Dossier",
    "DossierData",
    "DossierStatus",
    "InvalidDossier",
    "StatusChange",
    "StatusEvent",
    "UpsertResult",
    "as_aware",
    "normalize_phone",
]


class DossierStatus(StrEnum):
    """CONTRACT §3 status codes, in the order a dossier usually moves through them."""

    RECEIVED = "received"
    PROCESSING = "processing"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    PAYMENT_REQUESTED = "payment_requested"
    RESULT_READY = "result_ready"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES: Final = frozenset(
    {
        DossierStatus.RECEIVED,
        DossierStatus.PROCESSING,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.PAYMENT_REQUESTED,
    }
)
"""Statuses before `result_ready`: a dossier in one of them past its `due_at` is overdue."""


class ChangeSource(StrEnum):
    """Where an upsert came from; kept on every status history row."""

    CSV = "csv"
    PUSH = "push"
    PULL = "pull"


class InvalidDossier(ValueError):
    """A field value breaks an invariant; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


_CANONICAL_CODE: Final = re.compile(DOSSIER_CODE_PATTERN, re.ASCII)


_PHONE_CACHE_SIZE: Final = 65536
_phones: dict[str, str] = {}
_PHONE_SEPARATORS: Final = re.compile(r"[\s.\-()]")
_NINE_DIGITS: Final = re.compile(r"(?:\+84|84|0)([0-9]{9})")


def _vn_mobile_pattern() -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("VN")
    mobile = None if metadata is None else metadata.mobile
    if mobile is None or mobile.national_number_pattern is None:
        raise RuntimeError("phonenumbers has no Vietnamese mobile metadata")
    return mobile.national_number_pattern


_VN_MOBILE: Final = re.compile(_vn_mobile_pattern(), re.ASCII)


def normalize_phone(text: str) -> str:
    """A Vietnamese mobile number in any common form -> E.164 (`+84912345678`).

    Accepts `0912 345 678`, `0912.345.678`, `+84912345678`, `84912345678`, `(+84) 912…`.
    Raises ValueError for anything that is not a valid Vietnamese mobile number.
    """
    cached = _phones.get(text)
    if cached is not None:
        return cached
    digits = _PHONE_SEPARATORS.sub("", text)
    # The usual ten-digit forms are checked against phonenumbers' own VN mobile pattern
    # directly (a test proves it agrees with the full parse): the full parse costs ~30 µs,
    # a third of validating a whole CSV row.
    short = _NINE_DIGITS.fullmatch(digits)
    if short is not None and _VN_MOBILE.fullmatch(short[1]):
        normalized = "+84" + short[1]
    else:
        normalized = parse_phone(digits if short is None else "+84" + short[1], original=text)
    if len(_phones) >= _PHONE_CACHE_SIZE:
        _phones.clear()
    _phones[text] = _phones[normalized] = normalized
    return normalized


def parse_phone(text: str, *, original: str | None = None) -> str:
    """`normalize_phone` through phonenumbers' full parser, without shortcuts or cache."""
    shown = text if original is None else original
    digits = _PHONE_SEPARATORS.sub("", text)
    # "84912345678" without the plus is common in exports and in Zalo's ZNS API (CONTRACT §4.3);
    # phonenumbers would read it as a national number and reject it.
    if digits.startswith("84") and len(digits) == 11:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {shown!r}") from exc
    # number_type() is UNKNOWN for invalid numbers, so it checks validity at the same time.
    kind = phonenumbers.number_type(number) if number.country_code == 84 else None
    if kind in (None, phonenumbers.PhoneNumberType.UNKNOWN):
        raise ValueError(f"not a valid Vietnamese phone number: {shown!r}")
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValueError(f"not a Vietnamese mobile number: {shown!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def as_aware(value: datetime, tz: tzinfo) -> datetime:
    """A naive time is read in `tz` (MOTCUA_TIMEZONE); an aware one is kept as it is."""
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = unicodedata.normalize("NFC", value).strip()
    return cleaned or None


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class DossierData:
    """One dossier's fields as a source delivers them (CONTRACT §6).

    The constructor normalizes: a loose code becomes canonical, a phone becomes `+84…`, text
    becomes NFC without surrounding space (empty -> None), a status string becomes a
    `DossierStatus`. Naive datetimes are refused: read them with `as_aware` at the boundary.
    Raises `InvalidDossier` naming the field.
    """

    code: str
    procedure_name: str
    status: DossierStatus
    received_at: datetime
    procedure_code: str | None = None
    applicant_name: str | None = None
    phone: str | None = None
    due_at: datetime | None = None
    result_ready_at: datetime | None = None
    returned_at: datetime | None = None
    office: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not _CANONICAL_CODE.fullmatch(self.code):
            canonical = canonical_dossier_code(self.code)
            if canonical is None:
                raise InvalidDossier("code", f"not a dossier code: {self.code!r}")
            set_(self, "code", canonical)
        try:
            set_(self, "status", DossierStatus(self.status))
        except ValueError:
            raise InvalidDossier("status", f"not a status code: {self.status!r}") from None
        if self.phone is not None:
            try:
                set_(self, "phone", normalize_phone(self.phone) if self.phone.strip() else None)
            except ValueError as exc:
                raise InvalidDossier("phone", str(exc)) from None
        name = _text(self.procedure_name)
        if name is None:
            raise InvalidDossier("procedure_name", "is required")
        set_(self, "procedure_name", name)
        for field in ("procedure_code", "applicant_name", "office", "note"):
            set_(self, field, _text(getattr(self, field)))
        for field in ("received_at", "due_at", "result_ready_at", "returned_at"):
            value = getattr(self, field)
            if value is not None and value.tzinfo is None:
                raise InvalidDossier(field, "a naive datetime (no time zone)")

    def is_overdue(self, now: datetime) -> bool:
        """Quá hạn: `due_at` has passed and the status is still before `result_ready`."""
        return self.due_at is not None and now > self.due_at and self.status in OPEN_STATUSES

    def same_fields(self, other: DossierData) -> bool:
        """True when the twelve §6 fields are equal (times compared as instants)."""
        return all(getattr(self, f) == getattr(other, f) for f in DATA_FIELDS)

    def data(self) -> DossierData:
        """Only the §6 fields (drops `updated_at` of a stored `Dossier`)."""
        return DossierData(**{f: getattr(self, f) for f in DATA_FIELDS})

    def _repr_fields(self) -> list[str]:
        return [
            f"code={self.code!r}",
            f"status={self.status.value!r}",
            f"procedure_code={self.procedure_code!r}",
            f"applicant_name={mask_name(self.applicant_name) if self.applicant_name else None!r}",
            f"phone={mask_phone(self.phone) if self.phone else None!r}",
            f"due_at={self.due_at.isoformat() if self.due_at else None!r}",
            f"note={'<redacted>' if self.note else None!r}",
        ]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._repr_fields())})"


DATA_FIELDS: Final = (
    "code",
    "procedure_code",
    "procedure_name",
    "applicant_name",
    "phone",
    "status",
    "received_at",
    "due_at",
    "result_ready_at",
    "returned_at",
    "office",
    "note",
)
"""The CONTRACT §6 columns, in the contract's order."""


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Dossier(DossierData):
    """A stored dossier: the §6 fields plus when the store last changed them."""

    updated_at: datetime

    def __post_init__(self) -> None:
        DossierData.__post_init__(self)
        if self.updated_at.tzinfo is None:
            raise InvalidDossier("updated_at", "a naive datetime (no time zone)")

    def __repr__(self) -> str:
        fields = [*self._repr_fields(), f"updated_at={self.updated_at.isoformat()!r}"]
        return f"Dossier({', '.join(fields)})"


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A dossier's status changed (or it appeared: `old_status` is None) when upserted `at`."""

    code: str
    old_status: DossierStatus | None
    new_status: DossierStatus
    at: datetime


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """One row of a dossier's status history."""

    code: str
    old_status: DossierStatus | None
    new_status: DossierStatus
    at: datetime
    source: ChangeSource


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """Counts of an upsert (one per input row, applied in order) and the status changes."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: tuple[StatusChange, ...] = ()

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
            changes=self.changes + other.changes,
        )

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged
