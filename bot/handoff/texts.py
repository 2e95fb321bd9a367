"""What the handoff says: to citizens (polite, "Dạ, …") and to volunteers (short, practical)."""

from __future__ import annotations

from bot.channels.base import Button

CLAIM_BUTTON_TITLE = "Nhận hỗ trợ"
RATING_BUTTONS = tuple(Button(title=str(n), payload=f"/danhgia {n}") for n in range(1, 6))

REASONS = {
    "request_human": "công dân muốn gặp người hỗ trợ",
    "fallbacks": "trợ lý chưa hiểu câu hỏi hai lần liên tiếp",
}
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "sms": "SMS", "web": "web"}

# --- to the citizen ---------------------------------------------------------------------------


def opened(ticket_id: int) -> str:
    return (
        f"Dạ, tôi đã chuyển câu hỏi của ông/bà tới tình nguyện viên hỗ trợ (phiếu số {ticket_id}). "
        "Ông/bà vui lòng chờ trong giây lát, khi có người nhận tôi sẽ báo ngay ạ."
    )


def already_open(ticket_id: int) -> str:
    return (
        f"Dạ, yêu cầu của ông/bà đã được ghi nhận (phiếu số {ticket_id}). "
        "Ông/bà vui lòng chờ trong giây lát ạ."
    )


WAITING = (
    "Dạ, tôi đã ghi lại tin nhắn của ông/bà. Tình nguyện viên sẽ đọc khi nhận hỗ trợ, "
    "ông/bà vui lòng chờ thêm ít phút ạ."
)


def claimed_for_citizen(volunteer_name: str) -> str:
    return (
        f"Dạ, tình nguyện viên {volunteer_name} đã nhận hỗ trợ ông/bà. "
        "Ông/bà cứ nhắn trực tiếp tại đây ạ."
    )


def from_volunteer(volunteer_name: str, text: str) -> str:
    return f"Tình nguyện viên {volunteer_name}: {text}"


RATING_QUESTION = (
    "Dạ, cuộc trò chuyện với tình nguyện viên đã kết thúc. Ông/bà vui lòng đánh giá mức độ hài "
    "lòng từ 1 (chưa hài lòng) đến 5 (rất hài lòng) bằng cách bấm hoặc nhắn một số từ 1 đến 5 ạ."
)
RATING_THANKS = "Dạ, cảm ơn ông/bà đã đánh giá. Chúc ông/bà một ngày tốt lành!"


def unavailable(*, ticket_id: int, hotline: str, office_phone: str, hours: str) -> str:
    phone = hotline or office_phone
    return (
        "Dạ, hiện chưa có cán bộ hoặc tình nguyện viên nào trả lời được ngay. Câu hỏi của "
        f"ông/bà đã được lưu lại (phiếu số {ticket_id}) và sẽ được xem xét. Ông/bà có thể gọi "
        f"đường dây nóng {phone} trong giờ làm việc: {hours}."
    )


def not_reachable_here(*, ticket_id: int, hotline: str, office_phone: str, hours: str) -> str:
    phone = hotline or office_phone
    return (
        "Dạ, trên kênh này tôi chưa kết nối được ông/bà với tình nguyện viên. Câu hỏi của ông/bà "
        f"đã được lưu lại (phiếu số {ticket_id}). Ông/bà có thể nhắn cho Một Cửa qua Zalo, "
        f"Telegram hoặc gọi đường dây nóng {phone} trong giờ làm việc: {hours}."
    )


# --- to volunteers ----------------------------------------------------------------------------


def notify(ticket_id: int, summary: str) -> str:
    return f"Có công dân cần hỗ trợ — phiếu #{ticket_id}\n{summary}"


def claimed_by_you(ticket_id: int, summary: str, transcript: list[str]) -> str:
    lines = [f"Bạn đã nhận phiếu #{ticket_id}.", summary]
    if transcript:
        lines.append("Tin nhắn của công dân trong lúc chờ:")
        lines += [f"- {t}" for t in transcript]
    lines.append(
        "Tin bạn nhắn ở đây sẽ chuyển tới công dân. Gõ /xong khi đã hỗ trợ xong, /giup để xem lệnh."
    )
    return "\n".join(lines)


def taken(ticket_id: int) -> str:
    return f"Phiếu #{ticket_id} đã có người nhận. Cảm ơn bạn!"


def ticket_gone(ticket_id: int, state: str) -> str:
    if state == "closed":
        return f"Phiếu #{ticket_id} đã đóng."
    if state == "expired":
        return f"Phiếu #{ticket_id} đã hết hạn chờ; công dân đã được hướng dẫn gọi đường dây nóng."
    return f"Không có phiếu #{ticket_id}."


def busy(ticket_id: int) -> str:
    return (
        f"Bạn đang hỗ trợ phiếu #{ticket_id}. Gõ /xong để đóng phiếu đó trước khi nhận phiếu mới."
    )


def already_yours(ticket_id: int) -> str:
    return f"Bạn đang hỗ trợ phiếu #{ticket_id}; cứ nhắn tin để trao đổi với công dân."


def from_citizen(ticket_id: int, text: str) -> str:
    return f"Công dân (phiếu #{ticket_id}): {text}"


def closed_for_volunteer(ticket_id: int) -> str:
    return f"Đã đóng phiếu #{ticket_id} và mời công dân đánh giá. Cảm ơn bạn!"


NOTHING_TO_CLOSE = "Bạn không giữ phiếu nào đang mở."
NOT_HOLDING = "Bạn chưa nhận phiếu nào nên tin nhắn này không được chuyển đi. Gõ /giup để xem lệnh."
ON_DUTY = "Đã bật trực: bạn sẽ nhận thông báo khi có công dân cần hỗ trợ."
OFF_DUTY = "Đã tắt trực: bạn sẽ không nhận thông báo mới. Gõ /truc để trực lại."
ENROLLED = "Chào {name}! Bạn đã là tình nguyện viên của Một Cửa và đang trực. Gõ /giup để xem lệnh."
ALREADY_ENROLLED = "Tài khoản chat này đã là tình nguyện viên. Gõ /giup để xem lệnh."
BAD_INVITE = "Mã mời không đúng, đã dùng hoặc đã hết hạn. Bạn vui lòng xin mã mới từ cán bộ."
ENROL_CHANNELS = "Chỉ đăng ký tình nguyện viên được qua Telegram hoặc Zalo."
HELP = (
    "Lệnh của tình nguyện viên:\n"
    "/nhan <số phiếu> — nhận hỗ trợ một công dân (hoặc bấm nút Nhận hỗ trợ)\n"
    "/xong — kết thúc, mời công dân đánh giá\n"
    "/thutuc <tên thủ tục> — danh mục giấy tờ để gửi hoặc in\n"
    "/huongdan <tên thủ tục> — các bước nộp trực tuyến\n"
    "/hoso <mã hồ sơ> <4 số cuối điện thoại> — tra hồ sơ giúp công dân (cần công dân cho 4 số)\n"
    "/truc, /nghi — bật, tắt nhận thông báo\n"
    "Khi đang giữ phiếu, tin nhắn thường được chuyển tới công dân."
)


def usage(command_usage: str) -> str:
    return f"Cú pháp: {command_usage}"


def no_guide(titles: list[str]) -> str:
    return "Chưa có hướng dẫn cho thủ tục này. Có hướng dẫn cho: " + "; ".join(titles) + "."


NO_PROCEDURE = "Không tìm thấy thủ tục này. Bạn thử gõ tên khác, ví dụ: /thutuc đăng ký khai sinh."
LOOKUP_NEEDS_DIGITS = (
    "Cần 4 số cuối điện thoại trên hồ sơ do chính công dân cung cấp: /hoso <mã hồ sơ> <4 số cuối>."
)
LOOKUP_BAD_CODE = "Mã hồ sơ không đúng dạng, ví dụ: 000.00.12.H49-241105-0012."
LOOKUP_UNKNOWN = "Không tìm thấy hồ sơ {code}."


def lookup_wrong(left: int) -> str:
    return f"4 số cuối không khớp với hồ sơ. Còn {left} lần thử trong giờ này."


LOOKUP_BLOCKED = "Đã sai quá số lần cho phép; tạm khóa tra cứu hồ sơ này trong một giờ."
