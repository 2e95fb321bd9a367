"""What a notice says: Vietnamese for chat, diacritic-free single-part SMS, ZNS template data.

Chat text is polite and short ("Dạ, …"). SMS text is GSM-7 (CONTRACT §4.4) and always one part
of at most 160 characters: it carries the dossier code, what to do, where (a short office
name), the office hours and the hotline; when the full text is too long, parts are dropped or
shortened in a fixed order (see `render_sms`) — the procedure name, the STOP hint, the office
name, the hours, the office name again, then the office name is cut — never the code, what to
do or the hotline. The officer's note appears only in chat, and only to the dossier's verified
owner (CONTRACT §7).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import time, tzinfo
from typing import Final

from core.dossiers.model import DossierData
from core.offices import Hours, Office
from core.reminders.policy import Notice, NoticeChannel, NoticeKind, Route
from core.smstext import SINGLE_PART, is_gsm7, segments, septets, to_gsm7
from nlu.text import nfc

__all__ = [
    "MAX_HOTLINE_CHARS",
    "ZNS_PARAM_LIMITS",
    "Rendered",
    "render_chat",
    "render_for",
    "render_sms",
    "zns_template_data",
]

MAX_HOTLINE_CHARS: Final = 20
MAX_NOTE_CHARS: Final = 400

ZNS_PARAM_LIMITS: Final = {
    "ma_ho_so": 30,
    "ten_thu_tuc": 100,
    "dia_diem": 100,
    "gio_lam_viec": 100,
    "hotline": 20,
}
"""Longest value sent for each ZNS parameter. Zalo fixes each parameter's type and maximum
length when the template is registered and approved: keep these within that template's
limits."""

NO_OFFICE: Final = "nơi ông/bà đã nộp hồ sơ"
OFFICE_HOURS: Final = "giờ hành chính"
UNSUBSCRIBE_HINT: Final = "Nhắn “tắt thông báo” nếu ông/bà không muốn nhận tin nữa."
SMS_STOP_HINT: Final = " Tra loi TC de ngung."
SMS_STOP_HINT_TO: Final = " Soan TC gui {number} de ngung."
"""With a brandname sender citizens cannot reply: the hint names the number that takes TC."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A notice rendered for one route: `text` (chat or SMS text; for ZNS the SMS text, kept
    for the record) and, for ZNS, `template_data`."""

    text: str
    template_data: dict[str, str] | None = None


def _one_line(text: str) -> str:
    return " ".join(nfc(text).split())


def _hotline(hotline: str, office: Office | None) -> str:
    value = _one_line(hotline) or (office.phone if office else "")
    if not value:
        raise ValueError("no hotline: set MOTCUA_HOTLINE or give the office a phone")
    if len(_compact_phone(value)) > MAX_HOTLINE_CHARS:
        raise ValueError(f"the hotline is longer than {MAX_HOTLINE_CHARS} characters")
    return value


def _compact_phone(phone: str) -> str:
    return re.sub(r"[\s.]", "", to_gsm7(phone))


def _procedure(dossier: DossierData) -> str:
    return _one_line(dossier.procedure_name)


def _where(dossier: DossierData, office: Office | None) -> str:
    if office is not None:
        return f"{office.name}, {office.address}"
    return _one_line(dossier.office or "") or NO_OFFICE


def _hours(office: Office | None) -> str:
    """ "(giờ làm việc: thứ Hai đến thứ Sáu, …)", or "(trong giờ hành chính)"."""
    return f"(giờ làm việc: {office.hours.text()})" if office else f"(trong {OFFICE_HOURS})"


def _hours_short(office: Office | None) -> str:
    """ "Thứ 2–6: 7h30–11h30, 13h30–17h00; sáng thứ 7: 7h30–11h30"."""
    if office is None:
        return OFFICE_HOURS[:1].upper() + OFFICE_HOURS[1:]
    hours = office.hours
    text = f"Thứ 2–6: {hours.morning.text()}, {hours.afternoon.text()}"
    if hours.saturday is not None:
        text += f"; sáng thứ 7: {hours.saturday.text()}"
    return text


# --- chat ---------------------------------------------------------------------------------


def render_chat(
    notice: Notice,
    dossier: DossierData,
    office: Office | None,
    *,
    hotline: str,
    tz: tzinfo,
    show_note: bool = False,
) -> str:
    """The chat message (Zalo, Telegram) of a notice. `office` is the dossier's pickup office
    when the directory knows it; `hotline` falls back to the office's phone when empty;
    `show_note` only for the dossier's verified owner. Raises ValueError with no hotline."""
    code = dossier.code
    procedure = _procedure(dossier)
    where = _where(dossier, office)
    hours = _hours(office)
    hotline = _hotline(hotline, office)
    note = _one_line(dossier.note or "")[:MAX_NOTE_CHARS] if show_note else ""
    kind = notice.kind
    if kind is NoticeKind.RESULT_READY:
        body = (
            f"Dạ, hồ sơ {code} ({procedure}) của ông/bà đã có kết quả. Mời ông/bà đến nhận "
            f"tại {where} {hours}, mang theo phiếu hẹn và căn cước; người "
            "nhận thay cần giấy ủy quyền."
        )
    elif kind is NoticeKind.PICKUP_REMINDER:
        body = (
            f"Dạ, xin nhắc ông/bà: hồ sơ {code} ({procedure}) đã có kết quả nhưng chưa được "
            f"nhận. Mời ông/bà đến nhận tại {where} {hours}, mang theo phiếu "
            "hẹn và căn cước."
        )
    elif kind is NoticeKind.SUPPLEMENT_REQUESTED:
        detail = (
            f" Nội dung cần bổ sung: {note}."
            if note
            else " Để xem cần bổ sung giấy tờ gì, ông/bà nhắn mã hồ sơ cho tôi và xác minh "
            "số điện thoại đã đăng ký."
        )
        body = (
            f"Dạ, hồ sơ {code} ({procedure}) của ông/bà cần bổ sung giấy tờ.{detail} Mời "
            f"ông/bà bổ sung tại {where} {hours}."
        )
    elif kind is NoticeKind.REJECTED:
        reason = f" Lý do: {note}." if note else ""
        body = (
            f"Dạ, rất tiếc hồ sơ {code} ({procedure}) của ông/bà không được giải quyết."
            f"{reason} Mời ông/bà liên hệ {where} {hours} để được hướng dẫn "
            "và nhận lại giấy tờ."
        )
    else:
        due = dossier.due_at.astimezone(tz).strftime("%d/%m/%Y") if dossier.due_at else ""
        promised = f" (hẹn trả ngày {due})" if due else ""
        body = (
            f"Dạ, thành thật xin lỗi ông/bà: hồ sơ {code} ({procedure}) đã quá hạn giải "
            f"quyết{promised}. Bộ phận Một Cửa đang khẩn trương giải quyết và sẽ báo ngay khi "
            f"có kết quả. Ông/bà cũng có thể liên hệ {where} {hours}."
        )
    return f"{body} Hotline: {hotline}.\n{UNSUBSCRIBE_HINT}"


# --- SMS ----------------------------------------------------------------------------------

# Longest first; matched on the diacritic-free, case-insensitive name.
_OFFICE_PHRASES: Final = (
    (r"trung tam phuc vu hanh chinh cong", "TT PVHCC"),
    (r"trung tam hanh chinh cong", "TT HCC"),
    (r"bo phan tiep nhan va tra ket qua", "Mot cua"),
    (r"bo phan mot cua", "Mot cua"),
    (r"uy ban nhan dan", "UBND"),
)
_OFFICE_UNITS: Final = (
    (r"mot cua ubnd", "Mot cua"),
    (r"thi tran ", "TT."),
    (r"dac khu ", "DK."),
    (r"phuong ", "P."),
    (r"xa ", "X."),
    (r"tinh ", "T."),
    (r"mot cua ", "MC "),
)


def _replace_all(text: str, rules: tuple[tuple[str, str], ...]) -> str:
    for pattern, short in rules:
        text = re.sub(rf"(?<![A-Za-z]){pattern}", short, text, flags=re.IGNORECASE)
    return text


def _sms_office_names(dossier: DossierData, office: Office | None) -> tuple[str, str, str]:
    """The office's name for SMS: full, short ("Mot cua phuong Bai Chay"), tiny ("MC
    P.Bai Chay")."""
    name = office.name if office is not None else (dossier.office or "")
    full = _one_line(to_gsm7(name)) or "noi nop ho so"
    short = _replace_all(full, _OFFICE_PHRASES)
    if office is not None and office.place is not None:
        short = f"Mot cua {_one_line(to_gsm7(office.place))}"
    tiny = _replace_all(short, _OFFICE_UNITS)
    return full, short, tiny


def _sms_hours(hours: Hours | None) -> tuple[str, str]:
    """Office hours for SMS: full ("T2-T6 7h30-11h30, 13h30-17h; T7 7h30-11h30") and compact
    ("T2-T6 7h30-17h, sang T7")."""
    if hours is None:
        return "gio hanh chinh", "gio HC"
    morning, afternoon, saturday = hours.morning, hours.afternoon, hours.saturday
    full = f"T2-T6 {_span(morning.start, morning.end)}, {_span(afternoon.start, afternoon.end)}"
    compact = f"T2-T6 {_span(morning.start, afternoon.end)}"
    if saturday is not None:
        full += f"; T7 {_span(saturday.start, saturday.end)}"
        compact += ", sang T7"
    return full, compact


def _span(start: time, end: time) -> str:
    return f"{_clock(start)}-{_clock(end)}"


def _clock(t: time) -> str:
    """ "7h30", "17h"."""
    return f"{t.hour}h{t.minute:02d}" if t.minute else f"{t.hour}h"


@dataclass(frozen=True, slots=True)
class _SmsParts:
    code: str
    procedure: str | None
    where: str
    hours: str
    hotline: str
    stop: str


def _sms_text(kind: NoticeKind, p: _SmsParts) -> str:
    proc = f" ({p.procedure})" if p.procedure else ""
    at = f"{p.where} ({p.hours})"
    if kind is NoticeKind.RESULT_READY:
        text = f"Ho so {p.code}{proc} da co ket qua. Moi ong/ba den nhan tai {at}."
    elif kind is NoticeKind.PICKUP_REMINDER:
        text = f"Nhac: ho so {p.code}{proc} da co ket qua, chua nhan. Moi den nhan tai {at}."
    elif kind is NoticeKind.SUPPLEMENT_REQUESTED:
        text = f"Ho so {p.code}{proc} can bo sung giay to. Moi ong/ba bo sung tai {at}."
    elif kind is NoticeKind.REJECTED:
        text = f"Ho so {p.code}{proc} khong duoc giai quyet. Moi lien he {at} de biet ly do."
    else:
        text = (
            f"Xin loi, ho so {p.code}{proc} da qua han; dang khan truong giai quyet. Lien he {at}."
        )
    return f"{text} Hotline {p.hotline}.{p.stop}"


def _stop_hint(number: str | None) -> str:
    if not number:
        return SMS_STOP_HINT
    compact = _compact_phone(number)
    if not compact or len(compact) > MAX_HOTLINE_CHARS:
        raise ValueError(f"the STOP number must be 1 to {MAX_HOTLINE_CHARS} characters")
    return SMS_STOP_HINT_TO.format(number=compact)


def _fits(text: str) -> bool:
    return is_gsm7(text) and septets(text) <= SINGLE_PART and segments(text) == 1


def render_sms(
    notice: Notice,
    dossier: DossierData,
    office: Office | None,
    *,
    hotline: str,
    stop_hint: bool = True,
    stop_number: str | None = None,
) -> str:
    """The SMS of a notice: GSM-7, one part (≤ 160 characters) whatever the names' length.
    The STOP hint, where room allows, says to reply TC, or to text TC to `stop_number` (for a
    brandname sender, which cannot be answered). Raises ValueError with no hotline."""
    full_name, short_name, tiny_name = _sms_office_names(dossier, office)
    full_hours, compact_hours = _sms_hours(office.hours if office else None)
    parts = _SmsParts(
        code=dossier.code,
        procedure=_one_line(to_gsm7(dossier.procedure_name)) or None,
        where=full_name,
        hours=full_hours,
        hotline=_compact_phone(_hotline(hotline, office)),
        stop=_stop_hint(stop_number) if stop_hint else "",
    )
    # The fixed order in which parts give way when the text is too long.
    steps: tuple[Callable[[_SmsParts], _SmsParts], ...] = (
        lambda p: replace(p, procedure=None),
        lambda p: replace(p, stop=""),
        lambda p: replace(p, where=short_name),
        lambda p: replace(p, hours=compact_hours),
        lambda p: replace(p, where=tiny_name),
    )
    kind = notice.kind
    text = _sms_text(kind, parts)
    for step in steps:
        if _fits(text):
            return text
        parts = step(parts)
        text = _sms_text(kind, parts)
    if _fits(text):
        return text
    # Last resort: cut the office name to what room is left.
    room = SINGLE_PART - septets(_sms_text(kind, replace(parts, where="")))
    where = parts.where
    while where and septets(where) > room:
        where = where[:-1]
    text = _sms_text(kind, replace(parts, where=where.rstrip() or "Mot cua"[:room]))
    if not _fits(text):
        raise ValueError("the SMS does not fit one part even with the office name cut")
    return text


# --- ZNS ----------------------------------------------------------------------------------


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def zns_template_data(
    notice: Notice, dossier: DossierData, office: Office | None, *, hotline: str
) -> dict[str, str]:
    """The parameters of the "result ready" ZNS template (CONTRACT §4.3 `template_data`)."""
    del notice  # one template for both kinds that use ZNS; kept for a per-kind template later
    values = {
        "ma_ho_so": dossier.code,
        "ten_thu_tuc": _procedure(dossier),
        "dia_diem": office.name if office else (_one_line(dossier.office or "") or NO_OFFICE),
        "gio_lam_viec": _hours_short(office),
        "hotline": _hotline(hotline, office),
    }
    return {key: _cut(value, ZNS_PARAM_LIMITS[key]) for key, value in values.items()}


def render_for(
    route: Route,
    notice: Notice,
    dossier: DossierData,
    office: Office | None,
    *,
    hotline: str,
    tz: tzinfo,
    stop_number: str | None = None,
) -> Rendered:
    """The notice as `route` carries it: chat text, SMS text, or ZNS data (with the SMS text)."""
    if route.channel in (NoticeChannel.SMS, NoticeChannel.ZNS):
        sms = render_sms(notice, dossier, office, hotline=hotline, stop_number=stop_number)
        if route.channel is NoticeChannel.SMS:
            return Rendered(sms)
        return Rendered(
            sms,
            zns_template_data(notice, dossier, office, hotline=hotline),
        )
    text = render_chat(notice, dossier, office, hotline=hotline, tz=tz, show_note=route.verified)
    return Rendered(text)
