"""What the bot says about a dossier (CONTRACT §7): public facts to anyone who has the code,
personal details (name, officer's note) only to its verified owner."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.dossiers.model import Dossier, DossierStatus

STATUS_LABELS = {
    DossierStatus.RECEIVED: "đã được tiếp nhận",
    DossierStatus.PROCESSING: "đang được giải quyết",
    DossierStatus.SUPPLEMENT_REQUESTED: "cần bổ sung giấy tờ",
    DossierStatus.PAYMENT_REQUESTED: "đang chờ ông/bà nộp phí, lệ phí",
    DossierStatus.RESULT_READY: "đã có kết quả, đang chờ ông/bà đến nhận",
    DossierStatus.RETURNED: "đã trả kết quả",
    DossierStatus.REJECTED: "bị từ chối giải quyết",
    DossierStatus.WITHDRAWN: "đã được rút theo đề nghị của công dân",
}


def _day(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%d/%m/%Y") if at else "chưa có"


def public_status(dossier: Dossier, *, now: datetime, tz: ZoneInfo, hotline: str = "") -> str:
    """Status, procedure, due date, pickup office and the next step: safe for anyone."""
    lines = [
        f"Dạ, hồ sơ {dossier.code} ({dossier.procedure_name or 'thủ tục hành chính'}) "
        f"{STATUS_LABELS[dossier.status]}."
    ]
    office = dossier.office or "nơi ông/bà đã nộp hồ sơ"
    status = dossier.status
    if dossier.is_overdue(now):
        lines.append(
            f"Hồ sơ đã quá hạn hẹn trả ({_day(dossier.due_at, tz)}). Thành thật xin lỗi ông/bà "
            "vì sự chậm trễ; bộ phận Một Cửa đang đôn đốc giải quyết."
            + (f" Ông/bà có thể gọi hotline {hotline} để được hỗ trợ." if hotline else "")
        )
    elif status in (DossierStatus.RECEIVED, DossierStatus.PROCESSING):
        lines.append(f"Hẹn trả kết quả ngày {_day(dossier.due_at, tz)} tại {office}.")
    if status == DossierStatus.SUPPLEMENT_REQUESTED:
        lines.append("Để biết cần bổ sung giấy tờ gì, ông/bà vui lòng xác minh là chủ hồ sơ.")
    elif status == DossierStatus.PAYMENT_REQUESTED:
        lines.append(f"Ông/bà vui lòng nộp phí, lệ phí trực tuyến hoặc tại {office}.")
    elif status == DossierStatus.RESULT_READY:
        lines.append(
            f"Ông/bà đến {office} trong giờ hành chính để nhận, mang theo phiếu hẹn và căn "
            "cước. Người nhận thay cần giấy ủy quyền. Ông/bà cũng có thể đăng ký nhận qua "
            "bưu chính công ích."
        )
    elif status == DossierStatus.RETURNED:
        lines.append(f"Ngày trả: {_day(dossier.returned_at, tz)}.")
    elif status == DossierStatus.REJECTED:
        lines.append(f"Để biết lý do, ông/bà vui lòng xác minh là chủ hồ sơ hoặc liên hệ {office}.")
    return "\n".join(lines)


def owner_details(dossier: Dossier, *, tz: ZoneInfo) -> str:
    """Personal details for the verified owner only."""
    lines = [f"Dạ, thông tin hồ sơ {dossier.code}:"]
    if dossier.applicant_name:
        lines.append(f"- Người nộp: {dossier.applicant_name}")
    lines.append(f"- Ngày tiếp nhận: {_day(dossier.received_at, tz)}")
    lines.append(f"- Hẹn trả: {_day(dossier.due_at, tz)}")
    if dossier.note:
        label = (
            "Cần bổ sung"
            if dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
            else "Ghi chú của cán bộ"
        )
        lines.append(f"- {label}: {dossier.note}")
    return "\n".join(lines)


def dossier_list(dossiers: list[Dossier]) -> str:
    if not dossiers:
        return "Dạ, tôi chưa thấy hồ sơ nào gắn với số điện thoại của ông/bà."
    lines = ["Dạ, các hồ sơ của ông/bà:"]
    for d in dossiers[:10]:
        lines.append(f"- {d.code}: {d.procedure_name or 'hồ sơ'} — {STATUS_LABELS[d.status]}")
    return "\n".join(lines)
