"""Why a CSV row was rejected, in Vietnamese for the staff console.

The importer's reasons (`core/dossiers/rows.py`) are English, for the command line and the logs:
`field: what is wrong`, several joined by `; `. Each part is matched against the table below; a
part no pattern knows keeps its English text behind the field's Vietnamese name, so nothing is
ever hidden from the staff member.
"""

from __future__ import annotations

import re
from typing import Final

FIELD_LABELS: Final = {
    "code": "Mã hồ sơ",
    "procedure_code": "Mã thủ tục",
    "procedure_name": "Tên thủ tục",
    "applicant_name": "Người nộp",
    "phone": "Số điện thoại",
    "status": "Trạng thái",
    "received_at": "Ngày tiếp nhận",
    "due_at": "Ngày hẹn trả",
    "result_ready_at": "Ngày có kết quả",
    "returned_at": "Ngày trả kết quả",
    "office": "Nơi trả kết quả",
    "note": "Ghi chú",
    "updated_at": "Ngày cập nhật",
}

# (what the importer says, what the staff member reads); `\g<v>` carries the value over
_MESSAGES: Final = [
    (r"missing", "còn trống"),
    (r"is required", "còn trống"),
    (r"not a dossier code: (?P<v>.*)", r"không phải mã hồ sơ: \g<v>"),
    (r"not a status code: (?P<v>.*)", r"không phải mã trạng thái: \g<v>"),
    (r"unknown (?P<v>.*?) \(one of (?P<list>.*)\)", r"không rõ \g<v> (chỉ nhận: \g<list>)"),
    (r"not a phone number: (?P<v>.*)", r"không phải số điện thoại: \g<v>"),
    (r"not a valid Vietnamese phone number: (?P<v>.*)", r"số điện thoại không hợp lệ: \g<v>"),
    (r"not a Vietnamese mobile number: (?P<v>.*)", r"không phải số di động Việt Nam: \g<v>"),
    (
        r"needs a date and a time of day \(e\.g\. (?P<e>[^)]*)\): (?P<v>.*)",
        r"cần cả ngày và giờ (ví dụ \g<e>): \g<v>",
    ),
    (r"not an ISO 8601 time: (?P<v>.*)", r"không đúng dạng thời gian ISO 8601: \g<v>"),
    (r"a naive datetime \(no time zone\)", "thiếu múi giờ"),
    (r"longer than (?P<n>\d+) characters", r"dài quá \g<n> ký tự"),
    (r"expected text, got (?P<v>.*)", r"phải là chữ, không phải \g<v>"),
]
_COMPILED: Final = [(re.compile(pattern + r"\Z", re.DOTALL), text) for pattern, text in _MESSAGES]
_CELLS: Final = re.compile(r"(?P<n>\d+) cells, but the header has (?P<m>\d+) columns\Z")


def _part(part: str) -> str:
    if cells := _CELLS.match(part):
        return f"dòng có {cells['n']} ô, nhưng dòng tiêu đề có {cells['m']} cột"
    field, sep, message = part.partition(": ")
    if not sep or field not in FIELD_LABELS:
        return part
    for pattern, text in _COMPILED:
        if found := pattern.match(message):
            message = found.expand(text)
            break
    return f"{FIELD_LABELS[field]}: {message}"


def vietnamese_reason(reason: str) -> str:
    """A rejection reason as the console shows it."""
    return "; ".join(_part(part) for part in reason.split("; "))
