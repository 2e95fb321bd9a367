"""The demo dossiers (data/demo/dossiers.csv) are valid, varied and consistent."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.dossiers.csv_import import import_csv
from core.dossiers.model import OPEN_STATUSES, Dossier, DossierStatus
from core.dossiers.repository import InMemoryDossierRepository

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "data" / "demo" / "dossiers.csv"
NATIONAL = ROOT.parent / "shared" / "data" / "dichvucong-2026" / "raw"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DEMO_NOW = datetime(2026, 11, 24, 9, 0, tzinfo=HCM)


@cache
def demo() -> list[Dossier]:
    repo = InMemoryDossierRepository()
    report = import_csv(DEMO, repo, tz=HCM, now=DEMO_NOW)
    assert (report.rejected, report.duplicates) == ((), ())
    with DEMO.open(encoding="utf-8", newline="") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    found = repo.get_many(codes)
    assert len(found) == len(codes) == report.created
    return list(found.values())


def test_at_least_sixty_dossiers_over_every_status() -> None:
    counts = Counter(d.status for d in demo())
    assert len(demo()) >= 60
    assert set(counts) == set(DossierStatus)
    assert counts[DossierStatus.RESULT_READY] >= 3


def test_several_are_overdue_on_the_demo_day_and_several_are_not() -> None:
    overdue = [d for d in demo() if d.is_overdue(DEMO_NOW)]
    still_open = [d for d in demo() if d.status in OPEN_STATUSES and not d.is_overdue(DEMO_NOW)]
    assert len(overdue) >= 3
    assert len(still_open) >= 3


@pytest.mark.parametrize(
    "status",
    [
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.PAYMENT_REQUESTED,
        DossierStatus.REJECTED,
        DossierStatus.WITHDRAWN,
    ],
)
def test_officers_explain_in_the_note(status: DossierStatus) -> None:
    assert all(d.note for d in demo() if d.status == status)


def test_codes_times_and_offices_are_consistent() -> None:
    for d in demo():
        agency, day, _ = d.code.split("-")
        assert agency.endswith(".H49"), d.code  # Quảng Ninh
        assert day == d.received_at.astimezone(HCM).strftime("%y%m%d"), d.code
        assert d.received_at.year == 2026
        assert d.due_at is not None and d.due_at > d.received_at
        assert d.office and ("Quảng Ninh" in d.office or "phường" in d.office)
        assert d.phone is not None and d.applicant_name
        if d.status in (DossierStatus.RESULT_READY, DossierStatus.RETURNED):
            assert d.result_ready_at is not None and d.result_ready_at > d.received_at
        if d.status == DossierStatus.RETURNED:
            assert d.returned_at is not None and d.result_ready_at is not None
            assert d.returned_at >= d.result_ready_at


def test_one_demo_phone_has_several_dossiers() -> None:
    by_phone = Counter(d.phone for d in demo())
    assert by_phone["+84912345678"] >= 2


@pytest.mark.skipif(not NATIONAL.is_dir(), reason="the national procedure data is not beside")
def test_procedures_are_named_as_in_the_national_database() -> None:
    for d in demo():
        [source] = NATIONAL.glob(f"*/{d.procedure_code}.json")
        assert json.loads(source.read_text("utf-8"))["ten_thu_tuc"] == d.procedure_name
