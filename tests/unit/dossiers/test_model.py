"""Dossier values: statuses, phone normalization, invariants, overdue, redacted reprs."""

from __future__ import annotations

import random
from dataclasses import FrozenInstanceError, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dossiers.model import (
    OPEN_STATUSES,
    ChangeSource,
    Dossier,
    DossierData,
    DossierStatus,
    InvalidDossier,
    StatusChange,
    UpsertResult,
    normalize_phone,
    parse_phone,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=HCM)
S = DossierStatus


def test_statuses_are_exactly_the_contract_codes() -> None:
    assert [s.value for s in DossierStatus] == [
        "received",
        "processing",
        "supplement_requested",
        "payment_requested",
        "result_ready",
        "returned",
        "rejected",
        "withdrawn",
    ]
    assert {s.value for s in OPEN_STATUSES} == {
        "received",
        "processing",
        "supplement_requested",
        "payment_requested",
    }
    assert [s.value for s in ChangeSource] == ["csv", "push", "pull"]


PHONES = [
    ("0912345678", "+84912345678"),
    ("0912 345 678", "+84912345678"),
    ("0912.345.678", "+84912345678"),
    ("0912-345-678", "+84912345678"),
    ("+84912345678", "+84912345678"),
    ("+84 912 345 678", "+84912345678"),
    ("84912345678", "+84912345678"),
    ("(+84) 912 345 678", "+84912345678"),
    (" 0362 123 456 ", "+84362123456"),
    ("0888123456", "+84888123456"),
    ("0776123456", "+84776123456"),
]


@pytest.mark.parametrize(("typed", "normalized"), PHONES)
def test_phone_forms_normalize_to_e164(typed: str, normalized: str) -> None:
    assert normalize_phone(typed) == normalized
    assert parse_phone(typed) == normalized


NOT_PHONES = [
    ("", "not a phone number"),
    ("abc", "not a phone number"),
    ("0912", "not a valid Vietnamese"),
    ("09123456789", "not a valid Vietnamese"),
    ("0241234567", "not a valid Vietnamese"),
    ("+14155550100", "not a valid Vietnamese"),
    ("02438256789", "not a Vietnamese mobile number"),  # a Hà Nội landline
    ("1900 1234", "not a"),
]


@pytest.mark.parametrize(("typed", "message"), NOT_PHONES)
def test_other_text_is_not_a_phone(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_phone(typed)


@settings(max_examples=400, deadline=None)
@given(
    national=st.from_regex(r"[1-9]\d{8}", fullmatch=True),
    form=st.sampled_from(["0{}", "+84{}", "84{}", "0{} ", "+84 {}"]),
)
def test_the_fast_path_agrees_with_the_full_phonenumbers_parse(national: str, form: str) -> None:
    typed = form.format(national)
    try:
        expected: str | None = parse_phone(typed)
    except ValueError:
        expected = None
    try:
        fast: str | None = normalize_phone(typed)
    except ValueError:
        fast = None
    assert fast == expected


def data(**changes: object) -> DossierData:
    base = DossierData(
        code="000.00.12.H49-261102-0001",
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        applicant_name="Nguyễn Thị Lan",
        phone="+84912345678",
        status=S.PROCESSING,
        received_at=T0,
        due_at=T0 + timedelta(days=1),
        office="Bộ phận một cửa UBND phường Hồng Gai",
        note="Bổ sung bản sao giấy chứng nhận kết hôn",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_constructor_normalizes() -> None:
    loose = data(
        code="ooo.oo.12.h49 - 261102 - 0001",
        phone="0912 345 678",
        status="result_ready",
        procedure_name="  Thu\u0309 tục đăng ký khai sinh ",
        office="   ",
        note="",
    )
    assert loose.code == "000.00.12.H49-261102-0001"
    assert loose.phone == "+84912345678"
    assert loose.status is S.RESULT_READY
    assert loose.procedure_name == "Thủ tục đăng ký khai sinh"
    assert (loose.office, loose.note) == (None, None)


INVALID = [
    ({"code": "HS-001"}, "code"),
    ({"code": "\u0660\u0660\u0660.00.12.H49-261102-0001"}, "code"),  # Arabic-Indic digits
    ({"status": "done"}, "status"),
    ({"phone": "12345"}, "phone"),
    ({"procedure_name": " "}, "procedure_name"),
    ({"received_at": datetime(2026, 11, 2, 8, 0)}, "received_at"),
    ({"due_at": datetime(2026, 11, 3, 17, 0)}, "due_at"),
]


@pytest.mark.parametrize(("changes", "field"), INVALID)
def test_invariants_are_enforced(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidDossier) as raised:
        data(**changes)
    assert raised.value.field == field


def test_values_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        data().status = S.RETURNED  # type: ignore[misc]


DUE = T0 + timedelta(days=1)
OVERDUE = [
    *[(status, DUE + timedelta(seconds=1), True) for status in OPEN_STATUSES],
    (S.PROCESSING, DUE, False),  # due at this very instant: not yet
    (S.PROCESSING, DUE - timedelta(hours=1), False),
    *[
        (status, DUE + timedelta(days=9), False)
        for status in (S.RESULT_READY, S.RETURNED, S.REJECTED, S.WITHDRAWN)
    ],
]


@pytest.mark.parametrize(("status", "now", "overdue"), OVERDUE)
def test_overdue(status: DossierStatus, now: datetime, overdue: bool) -> None:
    assert data(status=status, due_at=DUE).is_overdue(now) is overdue
    assert data(status=status, due_at=DUE).is_overdue(now.astimezone(UTC)) is overdue


def test_no_due_time_is_never_overdue() -> None:
    assert not data(due_at=None).is_overdue(T0 + timedelta(days=365))


def test_reprs_hide_personal_data() -> None:
    stored = Dossier(**{f: getattr(data(), f) for f in data().__dataclass_fields__}, updated_at=T0)
    for value in (data(), stored):
        text = repr(value) + str(value) + repr([value]) + f"{value}"
        assert "000.00.12.H49-261102-0001" in text
        for secret in ("Nguyễn", "Lan", "912345678", "345678", "5678", "Bổ sung", "kết hôn"):
            assert secret not in text, secret
        assert "N. T. L." in text and "<redacted>" in text


def test_data_drops_updated_at_and_same_fields_compares_instants() -> None:
    stored = Dossier(**{f: getattr(data(), f) for f in data().__dataclass_fields__}, updated_at=T0)
    assert stored.data() == data()
    assert stored.same_fields(data(received_at=T0.astimezone(UTC)))
    assert not stored.same_fields(data(note="khác"))


def test_upsert_results_add_up() -> None:
    change = StatusChange("000.00.12.H49-261102-0001", None, S.RECEIVED, T0)
    total = UpsertResult(1, 0, 2, (change,)) + UpsertResult(0, 3, 1, ())
    assert (total.created, total.updated, total.unchanged, total.total) == (1, 3, 3, 7)
    assert total.changes == (change,)


def test_the_fast_path_agrees_on_every_number_range() -> None:
    rng = random.Random(7)
    for prefix in range(100, 1000):
        for _ in range(5):
            national = f"{prefix}{rng.randrange(1_000_000):06d}"
            for typed in (f"0{national}", f"84{national}"):
                try:
                    expected: str | None = parse_phone(typed)
                except ValueError:
                    expected = None
                try:
                    fast: str | None = normalize_phone(typed)
                except ValueError:
                    fast = None
                assert fast == expected, typed
