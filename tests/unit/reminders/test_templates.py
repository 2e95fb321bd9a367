"""What notices say: Vietnamese chat text, single-part GSM-7 SMS, ZNS template data."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dossiers.model import DossierData, DossierStatus
from core.offices import Hours, Office, OfficeKind, load_offices
from core.reminders.policy import Notice, NoticeChannel, NoticeKind, Route
from core.reminders.templates import (
    SMS_STOP_HINT,
    ZNS_PARAM_LIMITS,
    render_chat,
    render_for,
    render_sms,
    zns_template_data,
)
from core.smstext import is_gsm7, segments

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICES = load_offices()
BAI_CHAY = OFFICES.get("bai-chay")
assert BAI_CHAY is not None
PROVINCE = OFFICES.province
CODE = "000.00.12.H49-260201-0012"
HOTLINE = "0203 3 000 000"
NOTE = "Thiếu bản sao căn cước có chứng thực"
K = NoticeKind


def notice(kind: NoticeKind) -> Notice:
    return Notice(code=CODE, kind=kind, sequence=0, due_at=datetime(2026, 3, 11, 10, tzinfo=HCM))


def dossier(**changes: object) -> DossierData:
    base = DossierData(
        code=CODE,
        procedure_name="Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        status=DossierStatus.RESULT_READY,
        received_at=datetime(2026, 2, 2, 8, tzinfo=HCM),
        phone="0912345678",
        due_at=datetime(2026, 2, 27, 17, tzinfo=HCM),
        office="Bộ phận một cửa UBND phường Bãi Cháy",
        note=NOTE,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# --- SMS ----------------------------------------------------------------------------------

SMS = [
    (
        K.RESULT_READY,
        BAI_CHAY,
        "Ho so 000.00.12.H49-260201-0012 da co ket qua. Moi ong/ba den nhan tai Mot cua phuong "
        "Bai Chay (T2-T6 7h30-17h, sang T7). Hotline 02033000000.",
    ),
    (
        K.PICKUP_REMINDER,
        BAI_CHAY,
        "Nhac: ho so 000.00.12.H49-260201-0012 da co ket qua, chua nhan. Moi den nhan tai Mot "
        "cua phuong Bai Chay (T2-T6 7h30-17h, sang T7). Hotline 02033000000.",
    ),
    (
        K.SUPPLEMENT_REQUESTED,
        BAI_CHAY,
        "Ho so 000.00.12.H49-260201-0012 can bo sung giay to. Moi ong/ba bo sung tai Mot cua "
        "phuong Bai Chay (T2-T6 7h30-17h, sang T7). Hotline 02033000000.",
    ),
    (
        K.REJECTED,
        PROVINCE,
        "Ho so 000.00.12.H49-260201-0012 khong duoc giai quyet. Moi lien he TT PVHCC tinh "
        "Quang Ninh (T2-T6 7h30-17h, sang T7) de biet ly do. Hotline 02033000000.",
    ),
    (
        K.OVERDUE,
        PROVINCE,
        "Xin loi, ho so 000.00.12.H49-260201-0012 da qua han; dang khan truong giai quyet. "
        "Lien he TT PVHCC T.Quang Ninh (T2-T6 7h30-17h, sang T7). Hotline 02033000000.",
    ),
    (
        K.RESULT_READY,
        None,  # the dossier's own office text, hours unknown
        "Ho so 000.00.12.H49-260201-0012 da co ket qua. Moi ong/ba den nhan tai Bo phan mot cua "
        "UBND phuong Bai Chay (gio hanh chinh). Hotline 02033000000.",
    ),
]


@pytest.mark.parametrize(("kind", "office", "expected"), SMS)
def test_sms_text(kind: NoticeKind, office: Office | None, expected: str) -> None:
    text = render_sms(notice(kind), dossier(), office, hotline=HOTLINE)
    assert text == expected
    assert segments(text) == 1 and is_gsm7(text) and len(text) <= 160


@pytest.mark.parametrize("kind", list(K))
@pytest.mark.parametrize("office", [BAI_CHAY, PROVINCE, None], ids=["commune", "province", "none"])
def test_every_sms_carries_code_hotline_and_never_the_note(
    kind: NoticeKind, office: Office | None
) -> None:
    text = render_sms(notice(kind), dossier(), office, hotline=HOTLINE)
    assert CODE in text and "Hotline 02033000000." in text
    assert "can cuoc" not in text.lower()
    assert segments(text) == 1


def test_short_names_leave_room_for_the_procedure_and_the_stop_hint() -> None:
    short = dossier(procedure_name="Công chứng", office="UBND xã Cô Tô")
    text = render_sms(notice(K.RESULT_READY), short, None, hotline="1900 1234")
    assert text == (
        "Ho so 000.00.12.H49-260201-0012 (Cong chung) da co ket qua. Moi ong/ba den "
        "nhan tai UBND xa Co To (gio hanh chinh). Hotline 19001234." + SMS_STOP_HINT
    )
    without = render_sms(notice(K.RESULT_READY), short, None, hotline="1900 1234", stop_hint=False)
    assert "TC" not in without and "(Cong chung)" in without
    to_number = render_sms(
        notice(K.RESULT_READY), short, None, hotline="1900 1234", stop_number="8077"
    )
    assert to_number.endswith("Hotline 19001234. Soan TC gui 8077 de ngung.")
    with pytest.raises(ValueError, match="STOP number"):
        render_sms(notice(K.RESULT_READY), short, None, hotline="1", stop_number="1" * 21)


def test_the_hotline_falls_back_to_the_offices_phone() -> None:
    text = render_sms(notice(K.RESULT_READY), dossier(), BAI_CHAY, hotline="")
    assert text.endswith(f"Hotline {BAI_CHAY.phone.replace(' ', '')}.")
    with pytest.raises(ValueError, match="no hotline"):
        render_sms(notice(K.RESULT_READY), dossier(), None, hotline=" ")
    with pytest.raises(ValueError, match="longer than 20"):
        render_sms(notice(K.RESULT_READY), dossier(), None, hotline="0" * 21)


CODES = st.from_regex(r"\A[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}\Z")
NAMES = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=string.printable + "ĐđÂâẠạỮữ{}[]€~|\\", max_size=300),
)
HOTLINES = st.from_regex(r"\A[0-9][0-9 .]{6,17}[0-9]\Z")
OFFICE_NAMES = NAMES.filter(lambda s: s.strip() != "")
HOURS = Hours.model_validate(
    {"morning": "07:00-11:45", "afternoon": "13:00-17:15", "saturday": "07:30-11:30"}
)


@given(
    kind=st.sampled_from(list(K)),
    code=CODES,
    procedure=NAMES.filter(lambda s: s.strip() != ""),
    office_text=NAMES,
    office_name=st.one_of(st.none(), OFFICE_NAMES),
    commune=st.booleans(),
    hotline=HOTLINES,
    stop_hint=st.booleans(),
    stop_number=st.one_of(st.none(), HOTLINES),
)
def test_any_sms_is_one_part(
    kind: NoticeKind,
    code: str,
    procedure: str,
    office_text: str,
    office_name: str | None,
    commune: bool,
    hotline: str,
    stop_hint: bool,
    stop_number: str | None,
) -> None:
    subject = dossier(code=code, procedure_name=procedure, office=office_text)
    office = (
        None
        if office_name is None
        else Office(
            id="x",
            kind=OfficeKind.COMMUNE if commune else OfficeKind.PROVINCE,
            name=office_name,
            address="Số 1",
            hours=HOURS,
            phone="0203 3 000 101",
        )
    )
    text = render_sms(
        Notice(code=code, kind=kind, sequence=0, due_at=datetime(2026, 3, 11, tzinfo=HCM)),
        subject,
        office,
        hotline=hotline,
        stop_hint=stop_hint,
        stop_number=stop_number,
    )
    assert is_gsm7(text) and segments(text) == 1 and len(text) <= 160
    assert code in text
    assert f"Hotline {hotline.replace(' ', '').replace('.', '')}." in text
    # parts give way in a fixed order: the procedure before the STOP hint
    has_stop = text.endswith("de ngung.")
    if stop_hint and f"{code} (" in text:
        assert has_stop
    if not stop_hint:
        assert not has_stop
    if has_stop:
        assert text.endswith(
            SMS_STOP_HINT
            if stop_number is None
            else f" Soan TC gui {stop_number.replace(' ', '').replace('.', '')} de ngung."
        )


@pytest.mark.parametrize(
    ("office_text", "office"),
    [
        ("X" * 300, None),
        ("{" * 300, None),  # GSM-7 extension characters count twice
        ("Bộ phận một cửa UBND phường " + "Bãi Cháy Mới " * 20, None),
        (
            "",
            Office.model_validate(
                {
                    "id": "x",
                    "kind": "commune",
                    "name": "Bộ phận một cửa UBND phường " + "Dài " * 60,
                    "address": "Số 1",
                    "hours": HOURS,
                    "phone": "0203 3 000 101",
                }
            ),
        ),
    ],
    ids=["ascii", "extension", "vietnamese", "office"],
)
def test_long_office_names_are_cut_never_the_code_or_hotline(
    office_text: str, office: Office | None
) -> None:
    for kind in K:
        text = render_sms(notice(kind), dossier(office=office_text), office, hotline="0912 345 678")
        assert segments(text) == 1 and is_gsm7(text)
        assert CODE in text and text.endswith("Hotline 0912345678.")


# --- chat ---------------------------------------------------------------------------------

CHAT = [
    # kind, owner?, what the text must say, what it must not
    (K.RESULT_READY, True, ["đã có kết quả", "Mời ông/bà đến nhận tại", "phiếu hẹn"], [NOTE]),
    (K.PICKUP_REMINDER, True, ["xin nhắc", "chưa được nhận"], [NOTE]),
    (K.SUPPLEMENT_REQUESTED, True, ["cần bổ sung giấy tờ", f"Nội dung cần bổ sung: {NOTE}."], []),
    (K.SUPPLEMENT_REQUESTED, False, ["cần bổ sung giấy tờ", "xác minh số điện thoại"], [NOTE]),
    (K.REJECTED, True, ["không được giải quyết", f"Lý do: {NOTE}.", "nhận lại giấy tờ"], []),
    (K.REJECTED, False, ["không được giải quyết", "nhận lại giấy tờ"], [NOTE, "Lý do"]),
    (K.OVERDUE, True, ["xin lỗi", "quá hạn", "hẹn trả ngày 27/02/2026"], [NOTE]),
]


@pytest.mark.parametrize(("kind", "owner", "says", "never"), CHAT)
def test_chat_text(kind: NoticeKind, owner: bool, says: list[str], never: list[str]) -> None:
    text = render_chat(notice(kind), dossier(), BAI_CHAY, hotline=HOTLINE, tz=HCM, show_note=owner)
    assert text.startswith("Dạ, ")
    for expected in [
        CODE,
        "Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        BAI_CHAY.name,
        BAI_CHAY.address,
        BAI_CHAY.hours.text(),
        f"Hotline: {HOTLINE}.",
        "tắt thông báo",
        *says,
    ]:
        assert expected in text
    for absent in never:
        assert absent not in text


def test_chat_without_a_known_office() -> None:
    text = render_chat(notice(K.RESULT_READY), dossier(), None, hotline=HOTLINE, tz=HCM)
    assert "tại Bộ phận một cửa UBND phường Bãi Cháy (trong giờ hành chính)" in text
    bare = render_chat(notice(K.RESULT_READY), dossier(office=None), None, hotline=HOTLINE, tz=HCM)
    assert "tại nơi ông/bà đã nộp hồ sơ (trong giờ hành chính)" in bare


# --- ZNS and routes -----------------------------------------------------------------------


def test_zns_template_data() -> None:
    data = zns_template_data(notice(K.RESULT_READY), dossier(), BAI_CHAY, hotline=HOTLINE)
    assert data == {
        "ma_ho_so": CODE,
        "ten_thu_tuc": "Cấp đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        "dia_diem": "Bộ phận một cửa UBND phường Bãi Cháy",
        "gio_lam_viec": "Thứ 2–6: 7h30–11h30, 13h30–17h00; sáng thứ 7: 7h30–11h30",
        "hotline": HOTLINE,
    }


def test_zns_values_are_cut_to_the_template_limits() -> None:
    long = dossier(procedure_name="Thủ tục " * 40, office="Bộ phận " * 40)
    data = zns_template_data(notice(K.PICKUP_REMINDER), long, None, hotline=HOTLINE)
    assert set(data) == set(ZNS_PARAM_LIMITS)
    for key, value in data.items():
        assert len(value) <= ZNS_PARAM_LIMITS[key]
    assert data["ten_thu_tuc"].endswith("…")
    assert data["gio_lam_viec"] == "Giờ hành chính"


ROUTES = [
    (Route(NoticeChannel.SMS, "+84912345678", True), "Ho so ", False),
    (Route(NoticeChannel.ZNS, "+84912345678", True), "Ho so ", True),
    (Route(NoticeChannel.ZALO, "z1", True), "Dạ, ", False),
    (Route(NoticeChannel.TELEGRAM, "42", False), "Dạ, ", False),
]


@pytest.mark.parametrize(("route", "starts", "template"), ROUTES)
def test_render_for_a_route(route: Route, starts: str, template: bool) -> None:
    rendered = render_for(
        route,
        notice(K.SUPPLEMENT_REQUESTED),
        dossier(status=DossierStatus.SUPPLEMENT_REQUESTED),
        BAI_CHAY,
        hotline=HOTLINE,
        tz=HCM,
    )
    assert rendered.text.startswith(starts)
    assert (rendered.template_data is not None) is template
    # the officer's note reaches only the dossier's owner, and only in chat
    shows_note = route.verified and route.channel in (NoticeChannel.ZALO, NoticeChannel.TELEGRAM)
    assert (NOTE in rendered.text) is shows_note
