"""The parser of the national procedure database: golden records, then the tricky helpers.

Golden files (`tests/fixtures/procedures/golden/<code>.json`) are the expected parse of the raw
records next to them, reviewed against the raw text; `UPDATE_GOLDEN=1` rewrites them from the
current parser (review the diff before committing).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from core.procedures.models import Channel, FeeKind, TimeUnit
from core.procedures.parser import (
    CHANNEL_TABLE_HEADER,
    DOCUMENT_TABLE_HEADER,
    LEGAL_TABLE_HEADER,
    find_form,
    page_sections,
    parse_directory,
    parse_fee,
    parse_legal_basis,
    parse_quantity,
    parse_record,
    parse_results,
    parse_time_limit,
    split_channel_rows,
    split_document_cases,
    split_list,
    split_template_files,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "procedures"
RAW = FIXTURES / "raw"
GOLDEN = FIXTURES / "golden"
RAW_FILES = sorted(RAW.glob("*.json"))


def _parse(path: Path) -> dict[str, Any]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return parse_record(raw, file_code=path.stem).model_dump(mode="json")


def test_there_are_enough_golden_records() -> None:
    assert len(RAW_FILES) >= 24
    assert sorted(p.name for p in GOLDEN.glob("*.json")) == [p.name for p in RAW_FILES]


@pytest.mark.parametrize("path", RAW_FILES, ids=lambda p: p.stem)
def test_golden(path: Path) -> None:
    golden = GOLDEN / path.name
    actual = _parse(path)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", "utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert actual == expected


def test_directory_report_counts_issues_by_kind() -> None:
    report = parse_directory(RAW)
    assert report.files == len(RAW_FILES)
    assert report.parsed == len(RAW_FILES)
    counts = report.issue_counts()
    assert counts["code_mismatch"] == 1
    assert report.records_with()["time_fee_fused"] >= 1
    assert report.clean == sum(
        1 for p in RAW_FILES if not json.loads((GOLDEN / p.name).read_text("utf-8"))["issues"]
    )
    assert "code_mismatch" in report.summary()


# --------------------------------------------------------------------------------------------
# The official code


def _raw(**fields: str) -> dict[str, str]:
    base = {
        "ma_thu_tuc": "1.001193",
        "ten_thu_tuc": "Thủ tục đăng ký khai sinh",
        "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfd-3fe0-70ac-b9d6-5e9e20d6eef7",
        "raw_text": "Tên thủ tụcThủ tục đăng ký khai sinhMã thủ tục1.001193Số quyết định163/QĐ-BTP",
    }
    return base | fields


@pytest.mark.parametrize(
    ("fields", "file_code", "code", "mismatch"),
    [
        ({}, "1.001193", "1.001193", False),
        ({}, None, "1.001193", False),
        # the crawler asked for 2.001428 and got the page of 3.000579
        (
            {
                "ma_thu_tuc": "2.001428",
                "raw_text": "Mã thủ tục3.000579Số quyết định2541/QĐ-UBND",
            },
            "2.001428",
            "3.000579",
            True,
        ),
        # the file is named differently from its own `ma_thu_tuc`
        ({}, "1.001194", "1.001193", True),
    ],
)
def test_the_page_code_wins_and_a_mismatch_is_reported(
    fields: dict[str, str], file_code: str | None, code: str, mismatch: bool
) -> None:
    result = parse_record(_raw(**fields), file_code=file_code)
    assert result.procedure is not None
    assert result.procedure.code == code
    assert any(i.kind == "code_mismatch" for i in result.issues) is mismatch


def test_a_record_without_any_code_has_no_procedure() -> None:
    result = parse_record(_raw(ma_thu_tuc="", raw_text="nothing"))
    assert result.procedure is None
    assert {i.kind for i in result.issues} >= {"page_code_missing", "code_missing"}


def test_missing_fields_are_reported_not_dropped() -> None:
    result = parse_record(_raw())
    kinds = {i.kind for i in result.issues}
    assert {"field_absent", "channels_missing", "documents_missing", "steps_missing"} <= kinds


def test_sections_are_cut_from_the_page_not_at_words_inside_them() -> None:
    raw_text = (
        "Trình Tự Thực HiệnBước 1. Lập hồ sơ theo mục 9.3 (Thành phần hồ sơ) và nộp.\n"
        f"Cách Thức Thực Hiện{CHANNEL_TABLE_HEADER}Trực tiếp5 Ngày làm việcMiễn phí"
        "(Căn cứ pháp lý: Thông tư 1/2020/TT-BTC)"
        f"Thành phần hồ sơ--{DOCUMENT_TABLE_HEADER}Đơn1 bản chính"
        "Căn cứ pháp lýKhông có thông tinCơ quan thực hiệnBảo hiểm xã hội"
        "Yêu cầu, điều kiện thực hiệnKhôngKết quả xử lýQuyết địnhMã: KQ.G1.000001"
    )
    sections = page_sections(raw_text)
    assert sections["trinh_tu_thuc_hien"].endswith("(Thành phần hồ sơ) và nộp.\n")
    assert sections["cach_thuc_thuc_hien"].endswith("(Căn cứ pháp lý: Thông tư 1/2020/TT-BTC)")
    assert sections["thanh_phan_ho_so"] == f"--{DOCUMENT_TABLE_HEADER}Đơn1 bản chính"
    assert sections["can_cu_phap_ly"] == "Không có thông tin"
    assert sections["co_quan_thuc_hien"] == "Bảo hiểm xã hội"
    assert sections["yeu_cau_dieu_kien"] == "Không"
    assert sections["ket_qua_xu_ly"] == "Quyết địnhMã: KQ.G1.000001"


# --------------------------------------------------------------------------------------------
# Channels × time × fee


def _rows(text: str) -> list[tuple[Any, ...]]:
    options, _issues = split_channel_rows(CHANNEL_TABLE_HEADER + text)
    return [
        (
            o.channel,
            o.time_limit.text,
            o.time_limit.value,
            o.time_limit.unit,
            o.fee.kind,
            o.fee.amount.amount if o.fee.amount else None,
            o.fee.note,
            o.description,
        )
        for o in options
    ]


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        (
            "Trực tiếp20 Ngày làm việcKhông có thông tinTrực tuyến20 Ngày làm việcMiễn phí",
            [
                (
                    Channel.IN_PERSON,
                    "20 Ngày làm việc",
                    20,
                    TimeUnit.WORKING_DAY,
                    FeeKind.NO_INFO,
                    None,
                    None,
                    None,
                ),
                (
                    Channel.ONLINE,
                    "20 Ngày làm việc",
                    20,
                    TimeUnit.WORKING_DAY,
                    FeeKind.FREE,
                    None,
                    None,
                    None,
                ),
            ],
        ),
        (  # a bare time fused with an amount: the shortest time, the note says 20.000
            "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)Trực tiếp120 VNĐ(20.000 vnđ /tờ khai)",
            [
                (Channel.ONLINE, "1", 1, None, FeeKind.AMOUNT, 20, "20.000 vnđ /tờ khai", None),
                (Channel.IN_PERSON, "1", 1, None, FeeKind.AMOUNT, 20, "20.000 vnđ /tờ khai", None),
            ],
        ),
        (
            "Trực tiếp1100,000 VNĐ(- Phí công bố: 100.000 đồng/lần)",
            [
                (
                    Channel.IN_PERSON,
                    "1",
                    1,
                    None,
                    FeeKind.AMOUNT,
                    100000,
                    "- Phí công bố: 100.000 đồng/lần",
                    None,
                )
            ],
        ),
        (
            "Trực tuyến1.5 Ngày làm việc40,000 Việt Nam Đồng(- Xe ô tô trên 10 chỗ)"
            "- Trong 1,5 ngày.",
            [
                (
                    Channel.ONLINE,
                    "1.5 Ngày làm việc",
                    1.5,
                    TimeUnit.WORKING_DAY,
                    FeeKind.AMOUNT,
                    40000,
                    "- Xe ô tô trên 10 chỗ",
                    "- Trong 1,5 ngày.",
                )
            ],
        ),
        (
            "Trực tiếpKhông có thông tinKhông có thông tinnộp hồ sơ tại trụ sở Cục.",
            [
                (
                    Channel.IN_PERSON,
                    "Không có thông tin",
                    None,
                    None,
                    FeeKind.NO_INFO,
                    None,
                    None,
                    "nộp hồ sơ tại trụ sở Cục.",
                )
            ],
        ),
        (
            "Trực tuyếnKhông phải trả kết quả cho người nộp thuếMiễn phíQua Cổng.",
            [
                (
                    Channel.ONLINE,
                    "Không phải trả kết quả cho người nộp thuế",
                    None,
                    None,
                    FeeKind.FREE,
                    None,
                    None,
                    "Qua Cổng.",
                )
            ],
        ),
        (
            "Trực tiếpKhông Không có thông tinTại Trung tâm",
            [
                (
                    Channel.IN_PERSON,
                    "Không",
                    None,
                    None,
                    FeeKind.NO_INFO,
                    None,
                    None,
                    "Tại Trung tâm",
                )
            ],
        ),
        (
            "Trực tiếp6 Tháng100 USD(100 USD/thẻ.)",
            [
                (
                    Channel.IN_PERSON,
                    "6 Tháng",
                    6,
                    TimeUnit.MONTH,
                    FeeKind.AMOUNT,
                    100,
                    "100 USD/thẻ.",
                    None,
                )
            ],
        ),
        (
            "Dịch vụ bưu chính8 Giờ20 VNĐ",
            [(Channel.POSTAL, "8 Giờ", 8, TimeUnit.HOUR, FeeKind.AMOUNT, 20, None, None)],
        ),
        (  # a channel's name inside a description, and a table pasted into one, are not rows
            "Trực tuyến2 Ngày làm việcMiễn phí(Không thu lệ phí)+ Trực tuyến: nộp qua Cổng.\n"
            "Dịch vụ bưu chính\t02 Ngày làm việc\tPhí : Đồng Không thu lệ phí\n",
            [
                (
                    Channel.ONLINE,
                    "2 Ngày làm việc",
                    2,
                    TimeUnit.WORKING_DAY,
                    FeeKind.FREE,
                    None,
                    "Không thu lệ phí",
                    "+ Trực tuyến: nộp qua Cổng. Dịch vụ bưu chính 02 Ngày làm việc"
                    " Phí : Đồng Không thu lệ phí",
                )
            ],
        ),
        (  # a note with nested parentheses
            "Trực tuyến3Miễn phí((Mức lệ phí do HĐND quyết định (nếu có).))"
            "Dịch vụ bưu chính3Miễn phí",
            [
                (
                    Channel.ONLINE,
                    "3",
                    3,
                    None,
                    FeeKind.FREE,
                    None,
                    "(Mức lệ phí do HĐND quyết định (nếu có).)",
                    None,
                ),
                (Channel.POSTAL, "3", 3, None, FeeKind.FREE, None, None, None),
            ],
        ),
    ],
)
def test_channel_rows(text: str, rows: list[tuple[Any, ...]]) -> None:
    assert _rows(text) == rows


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        (
            "Trực tuyến120 VNĐ(20.000 vnđ)",
            {"time_limit_unit_missing", "time_fee_fused", "fee_amount_implausible"},
        ),
        ("Trực tiếpKhông có thông tin2,000 Việt Nam Đồng", {"time_limit_missing"}),
        ("Trực tiếp5 NgàyKhông có thông tin", {"fee_missing"}),
        ("Trực tiếp5 NgàyMiễn phí(Lệ phí: 135.000 đồng/lần)", {"fee_free_but_note_has_amount"}),
        ("Trực tiếp5 NgàyMiễn phí(Lệ phí (chưa đóng", {"fee_note_unbalanced"}),
        ("Trực tiếp5 Ngày làm việcMiễn phí", set()),
        ("nộp trực tiếp", {"channels_missing"}),
    ],
)
def test_channel_issues(text: str, kinds: set[str]) -> None:
    _options, issues = split_channel_rows(CHANNEL_TABLE_HEADER + text)
    assert {i.kind for i in issues} == kinds


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("20 Ngày làm việc", 20, TimeUnit.WORKING_DAY),
        ("15 Ngày", 15, TimeUnit.DAY),
        ("8 Giờ", 8, TimeUnit.HOUR),
        ("4 Tháng", 4, TimeUnit.MONTH),
        ("1.5 Ngày làm việc", 1.5, TimeUnit.WORKING_DAY),
        ("\t02 Ngày làm việc ", 2, TimeUnit.WORKING_DAY),
        ("1", 1, None),
        ("Không có thông tin", None, None),
        ("Không quy định", None, None),
    ],
)
def test_time_limit(text: str, value: float | None, unit: TimeUnit | None) -> None:
    limit = parse_time_limit(text)
    assert (limit.value, limit.unit) == (value, unit)
    assert limit.text == text.strip()


@pytest.mark.parametrize(
    ("text", "kind", "amount", "currency"),
    [
        ("Miễn phí", FeeKind.FREE, None, None),
        ("Không có thông tin", FeeKind.NO_INFO, None, None),
        ("2,000,000 Việt Nam Đồng", FeeKind.AMOUNT, 2_000_000, "VND"),
        ("70,000 VNĐ", FeeKind.AMOUNT, 70_000, "VND"),
        ("145 USD", FeeKind.AMOUNT, 145, "USD"),
        ("50 VNĐ", FeeKind.AMOUNT, 50, "VND"),
        ("1 Việt Nam Đồng", FeeKind.AMOUNT, 1, "VND"),
    ],
)
def test_fee(text: str, kind: FeeKind, amount: int | None, currency: str | None) -> None:
    fee = parse_fee(text)
    assert fee.kind is kind
    assert (
        (fee.amount.amount, fee.amount.currency) == (amount, currency)
        if fee.amount
        else (amount is None)
    )


# --------------------------------------------------------------------------------------------
# Required documents


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("1 bản chính", (1, 0)),
        ("0 bản chính,1 bản sao", (0, 1)),
        ("2 bản chính, 2 bản sao", (2, 2)),
        ("0 bản chính", (0, 0)),
        ("01 bản chụp", None),
        ("bản chính", None),
    ],
)
def test_quantity(text: str, quantity: tuple[int, int] | None) -> None:
    assert parse_quantity(text) == quantity


def _cases(
    text: str,
) -> list[tuple[str | None, list[tuple[str, int, int, str | None, tuple[str, ...]]]]]:
    cases, _issues = split_document_cases(text)
    return [
        (c.title, [(d.name, d.originals, d.copies, d.form, d.template_files) for d in c.documents])
        for c in cases
    ]


H = DOCUMENT_TABLE_HEADER


@pytest.mark.parametrize(
    ("text", "cases"),
    [
        (
            f"--{H}- Giấy đề nghị;1 bản chínhBản sao điều lệ0 bản chính,1 bản sao",
            [(None, [("Giấy đề nghị;", 1, 0, None, ()), ("Bản sao điều lệ", 0, 1, None, ())])],
        ),
        (  # the next table's heading is fused to the last quantity of the previous one
            f"* Giấy tờ phải nộp:{H}- Giấy chứng sinh;1 bản chính"
            f"* Giấy tờ phải xuất trình:{H}Hộ chiếu1 bản chính",
            [
                ("* Giấy tờ phải nộp:", [("Giấy chứng sinh;", 1, 0, None, ())]),
                ("* Giấy tờ phải xuất trình:", [("Hộ chiếu", 1, 0, None, ())]),
            ],
        ),
        (  # "01 bản chính" inside a name, right before the quantity cell
            f"--{H}Giấy phép xuất khẩu: 01 bản chính1 bản chính"
            "Hóa đơn: 01 bản chụp;0 bản chính,1 bản sao",
            [
                (
                    None,
                    [
                        ("Giấy phép xuất khẩu: 01 bản chính", 1, 0, None, ()),
                        ("Hóa đơn: 01 bản chụp;", 0, 1, None, ()),
                    ],
                )
            ],
        ),
        (  # mentions followed by text are not cells
            f"--{H}Giấy ủy quyền (01 bản chính), trong đó có nộp 02 bản chính tờ khai1 bản chính",
            [
                (
                    None,
                    [
                        (
                            "Giấy ủy quyền (01 bản chính), trong đó có nộp 02 bản chính tờ khai",
                            1,
                            0,
                            None,
                            (),
                        )
                    ],
                )
            ],
        ),
        (  # a name ending in a year or a form number: the cell is one digit
            f"--{H}Đơn theo mẫu BM.NCC.20.031 bản chínhQuyết định ngày 01/7/20262 bản chính",
            [
                (
                    None,
                    [
                        ("Đơn theo mẫu BM.NCC.20.03", 1, 0, "Mẫu BM.NCC.20.03", ()),
                        ("Quyết định ngày 01/7/2026", 2, 0, None, ()),
                    ],
                )
            ],
        ),
        (  # the form column's file name, with a numbering glued in front
            f"--{H}Tờ khai (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA);"
            "1.MuCT01banhnh.doc1 bản chính",
            [
                (
                    None,
                    [
                        (
                            "Tờ khai (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA);",
                            1,
                            0,
                            "Mẫu CT01",
                            ("1.MuCT01banhnh.doc",),
                        )
                    ],
                )
            ],
        ),
        (  # rows that start in lower case
            f"--{H}Báo cáo0 bản chính,1 bản saobản sao hợp đồng lao động1 bản chính",
            [(None, [("Báo cáo", 0, 1, None, ()), ("bản sao hợp đồng lao động", 1, 0, None, ())])],
        ),
        (  # a remark row (0 and 0) is kept
            f"--{H}Trường hợp nộp trực tuyến thì không phải nộp bản giấy.0 bản chính",
            [(None, [("Trường hợp nộp trực tuyến thì không phải nộp bản giấy.", 0, 0, None, ())])],
        ),
    ],
)
def test_document_cases(
    text: str,
    cases: list[tuple[str | None, list[tuple[str, int, int, str | None, tuple[str, ...]]]]],
) -> None:
    assert _cases(text) == cases


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Không có thông tin", {"documents_missing"}),
        ("--", {"documents_missing"}),
        ("", {"documents_missing"}),
        ("Đơn đề nghị1 bản chính", {"documents_table_missing"}),
        (f"--{H}Đơn1 bản chínhSố lượng hồ sơ: 01 bộ", {"document_quantity_missing"}),
        (f"Trường hợp A:{H}--{H}Đơn1 bản chính", {"document_case_empty"}),
        (f"--{H}.1 bản chính", {"document_name_missing"}),
        (f"--{H}Đơn theo mẫuđơn đề nghị.docx1 bản chính", {"document_template_unsplit"}),
        (f"--{H}Đơn1 bản chính", set()),
    ],
)
def test_document_issues(text: str, kinds: set[str]) -> None:
    _cases, issues = split_document_cases(text)
    assert {i.kind for i in issues} == kinds


@pytest.mark.parametrize(
    ("name", "expected_name", "templates"),
    [
        (
            "Giấy đề nghị theo mẫu thống nhấtMẫu TP-LS-02-sđ.docx",
            "Giấy đề nghị theo mẫu thống nhất",
            ("Mẫu TP-LS-02-sđ.docx",),
        ),
        ("Văn bản (theo mẫu)12.1.PLCpgiyphp.docx", "Văn bản (theo mẫu)", ("12.1.PLCpgiyphp.docx",)),
        (
            "Nghị định số 32/2026/NĐ-CPMẫu số 05.QLT.docx",
            "Nghị định số 32/2026/NĐ-CP",
            ("Mẫu số 05.QLT.docx",),
        ),
        ("Bộ Công an.NA5.doc", "Bộ Công an.", ("NA5.doc",)),
        (
            "Văn bản đề nghịMẫu I.1.17.docxMẫu I.1.18.docx",
            "Văn bản đề nghị",
            ("Mẫu I.1.17.docx", "Mẫu I.1.18.docx"),
        ),
        ("Đơn đề nghị theo mẫu1.003850.docx", "Đơn đề nghị theo mẫu", ("1.003850.docx",)),
        (
            "Đơn trình báo (Bộ Công an).Đơn trình báo mất thẻ (mẫu TK07) (1).pdf",
            "Đơn trình báo (Bộ Công an).",
            ("Đơn trình báo mất thẻ (mẫu TK07) (1).pdf",),
        ),
        ("Giấy khám sức khỏe", "Giấy khám sức khỏe", ()),
    ],
)
def test_template_files(name: str, expected_name: str, templates: tuple[str, ...]) -> None:
    assert split_template_files(name) == (expected_name, templates, False)


def test_a_template_whose_start_cannot_be_told_stays_in_the_name() -> None:
    assert split_template_files("Tờ trình theo quy địnhtờ trình.docx") == (
        "Tờ trình theo quy địnhtờ trình.docx",
        (),
        True,
    )


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Tờ khai thay đổi thông tin cư trú (Mẫu CT01 ban hành kèm theo …)", "Mẫu CT01"),
        ("Văn bản đề nghị theo Mẫu số 07 Phụ lục", "Mẫu số 07"),
        ("Tờ khai (mẫu TK01 dành cho người từ 14 tuổi trở lên; mẫu TK01a …)", "Mẫu TK01"),
        ("Bản khai theo mẫu BM.NCC.20.01", "Mẫu BM.NCC.20.01"),
        ("Tờ khai đăng ký khai sinh theo mẫu", None),
        ("Đơn theo mẫu quy định", None),
    ],
)
def test_form(text: str, form: str | None) -> None:
    assert find_form(text) == form


# --------------------------------------------------------------------------------------------
# Legal basis, results, lists


@pytest.mark.parametrize(
    ("text", "documents"),
    [
        (
            "Luật 60/2014/QH1360/2014/QH13Thông tư 85/2019/TT-BTC85/2019/TT-BTC",
            [("Luật 60/2014/QH13", "60/2014/QH13"), ("Thông tư 85/2019/TT-BTC", "85/2019/TT-BTC")],
        ),
        (  # a number inside a title, followed by lower case or a space, is a mention
            "Thông tư số 53/2025/TT-BCAngày 01/7/2025 sửa đổi Thông tư số 55/2021/TT-BCA ngày"
            " 15/5/2021 của Bộ Công an.53/2025/TT-BCALuật Cư trú 202068/2020/QH14",
            [
                (
                    "Thông tư số 53/2025/TT-BCAngày 01/7/2025 sửa đổi Thông tư số 55/2021/TT-BCA"
                    " ngày 15/5/2021 của Bộ Công an.",
                    "53/2025/TT-BCA",
                ),
                ("Luật Cư trú 2020", "68/2020/QH14"),
            ],
        ),
        (
            "Nghị quyết số 66.7/2025/NQ-CP của Chính phủ66.7/2025/NQ-CPQuyết định 1/2020/QĐ-TTg"
            "1/2020/QĐ-TTg",
            [
                ("Nghị quyết số 66.7/2025/NQ-CP của Chính phủ", "66.7/2025/NQ-CP"),
                ("Quyết định 1/2020/QĐ-TTg", "1/2020/QĐ-TTg"),
            ],
        ),
        (  # the number column written with words
            "Luật Các tổ chức tín dụngLuật số 32/2024/QH15",
            [("Luật Các tổ chức tín dụng", "32/2024/QH15")],
        ),
        ("Luật Hóa chất", [("Luật Hóa chất", None)]),
        ("Không có thông tin", []),
    ],
)
def test_legal_basis(text: str, documents: list[tuple[str, str | None]]) -> None:
    parsed, _issues = parse_legal_basis(LEGAL_TABLE_HEADER + text)
    assert [(d.title, d.number) for d in parsed] == documents


def test_results_and_the_page_description() -> None:
    results, description, issues = parse_results(
        "Giấy khai sinhMã: KQ.G15.000031Văn bản từ chốiMã: G19-KQ0060102"
        "Từ khóaKhông có thông tinMô tả- Số lượng hồ sơ: 01 bộChọn cơ quan thực hiệnTỉnh"
    )
    assert [(r.name, r.code) for r in results] == [
        ("Giấy khai sinh", "KQ.G15.000031"),
        ("Văn bản từ chối", "G19-KQ0060102"),
    ]
    assert description == "- Số lượng hồ sơ: 01 bộ"
    assert issues == []


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("Cấp bộ, Cấp tỉnh, Cấp xã", ["Cấp bộ", "Cấp tỉnh", "Cấp xã"]),
        (
            "Công dân Việt Nam, Cán bộ, công chức, viên chức, Tổ chức (không bao gồm doanh "
            "nghiệp, HTX)",
            [
                "Công dân Việt Nam",
                "Cán bộ, công chức, viên chức",
                "Tổ chức (không bao gồm doanh nghiệp, HTX)",
            ],
        ),
        ("Không có thông tin", []),
    ],
)
def test_split_list(text: str, items: list[str]) -> None:
    assert split_list(text) == items
