"""The console shows the CSV importer's rejection reasons in Vietnamese."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.console.reasons import FIELD_LABELS, vietnamese_reason
from core.dossiers.rows import COLUMNS, RowError, parse_row

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
GOOD = {
    "code": "000.00.12.H49-261105-0012",
    "procedure_code": "1.001193",
    "procedure_name": "Đăng ký khai sinh",
    "applicant_name": "Nguyễn Văn An",
    "phone": "0912 345 678",
    "status": "processing",
    "received_at": "2026-11-05T08:30",
    "due_at": "",
    "result_ready_at": "",
    "returned_at": "",
    "office": "",
    "note": "",
}


def reason_of(**cells: str) -> str:
    with pytest.raises(RowError) as caught:
        parse_row(GOOD | cells, tz=TZ)
    return str(caught.value)


# (the row's bad cells, what the console says)
CASES = [
    ({"code": ""}, "Mã hồ sơ: còn trống"),
    ({"code": "HS-12"}, "Mã hồ sơ: không phải mã hồ sơ: 'HS-12'"),
    ({"status": "xong"}, "Trạng thái: không rõ 'xong' (chỉ nhận: received, processing,"),
    ({"phone": "12"}, "Số điện thoại: "),
    ({"received_at": "2026-11-05"}, "Ngày tiếp nhận: cần cả ngày và giờ (ví dụ 2026-11-05T08:30)"),
    ({"due_at": "2026-13-45T08:00"}, "Ngày hẹn trả: không đúng dạng thời gian ISO 8601"),
    ({"procedure_code": "x" * 40}, "Mã thủ tục: dài quá 32 ký tự"),
    (
        {"code": "", "status": ""},
        "Mã hồ sơ: còn trống; Trạng thái: còn trống",
    ),
]


@pytest.mark.parametrize(("cells", "shown"), CASES)
def test_the_importers_reasons_read_in_vietnamese(cells: dict[str, str], shown: str) -> None:
    english = reason_of(**cells)
    vietnamese = vietnamese_reason(english)
    assert vietnamese.startswith(shown), (english, vietnamese)
    for word in ("missing", "not a", "unknown", "needs", "longer than", "one of"):
        assert word not in vietnamese, vietnamese


def test_a_row_with_the_wrong_number_of_cells() -> None:
    shown = vietnamese_reason("3 cells, but the header has 12 columns")
    assert shown == "dòng có 3 ô, nhưng dòng tiêu đề có 12 cột"


def test_what_no_pattern_knows_keeps_its_text_behind_the_field_name() -> None:
    assert vietnamese_reason("note: something new") == "Ghi chú: something new"
    assert vietnamese_reason("no field here") == "no field here"


def test_every_column_has_a_vietnamese_name() -> None:
    assert set(COLUMNS) <= set(FIELD_LABELS)
