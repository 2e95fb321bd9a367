"""Personal data and secrets never reach the logs."""

from __future__ import annotations

import logging

import pytest
import structlog

from core.logging import configure_logging, get_logger, mask_name, mask_phone, redact_text


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("gọi 0912345678 nhé", "0912345678", "****78"),
        ("số +84912345678", "84912345678", "+*********78"),
        ("sdt 0912 345 678 ạ", "345 678", "78"),
        ("sdt 0912.345.678", "345.678", "78"),
        ("84987654321 gọi lại", "87654321", "21"),
    ],
)
def test_phone_numbers_are_masked(text: str, hidden: str, kept: str) -> None:
    out = redact_text(text)
    assert hidden not in out
    assert kept in out


@pytest.mark.parametrize(
    "text", ["hồ sơ 000.00.12.H49-241105-0012", "mã 1.001193", "năm 2026", "port 5005"]
)
def test_codes_and_numbers_are_not_phones(text: str) -> None:
    assert redact_text(text) == text


def test_mask_helpers() -> None:
    assert mask_phone("+84912345678") == "+*********78"
    assert mask_name("Nguyễn Văn An") == "N. V. A."


def test_structured_events_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="DEBUG", fmt="json")
    get_logger("t").info(
        "citizen 0912345678 asked",
        applicant_name="Trần Thị Bình",
        phone="0987654321",
        token="123456:ABC-secret",
        nested={"secret_key": "zalo-key", "text": "số em là 0911222333"},
    )
    err = capsys.readouterr().err
    for leaked in (
        "0912345678",
        "Trần Thị Bình",
        "0987654321",
        "ABC-secret",
        "zalo-key",
        "0911222333",
    ):
        assert leaked not in err
    assert "T. T. B." in err
    structlog.reset_defaults()


def test_stdlib_logging_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", fmt="console")
    logging.getLogger("some.library").warning("sending to %s", "+84912345678")
    err = capsys.readouterr().err
    assert "84912345678" not in err
    assert "sending to +*********78" in err
