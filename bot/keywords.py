"""SMS keyword commands (CONTRACT §4.4), answered before the NLU.

`HS <code>` asks for a dossier's status: it goes to the assistant as a status question, so the
answer is the one web chat gives (and since an SMS comes from its phone, the owner of the
dossier is verified by the channel). `TC` / `HUY` stop notices; `DK <code>` subscribes this phone
to a dossier's notices, allowed only from the phone on the dossier.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.channels.base import InboundMessage, OutboundMessage
from bot.channels.sms.keywords import parse_keyword
from bot.dbthreads import DbThreads
from bot.inbound import Answer
from core.dossiers.repository import DossierRepository
from core.messaging.identities import Identities

ASK_FOR_CODE = (
    "Dạ, ông/bà vui lòng soạn HS và mã hồ sơ in trên phiếu hẹn, "
    "ví dụ: HS 000.00.12.H49-241105-0012."
)
ASK_FOR_CODE_TO_SUBSCRIBE = (
    "Dạ, ông/bà vui lòng soạn DK và mã hồ sơ in trên phiếu hẹn, "
    "ví dụ: DK 000.00.12.H49-241105-0012."
)
STOPPED = (
    "Dạ, Một Cửa đã ngừng gửi thông báo đến số này. "
    "Khi cần, ông/bà soạn DK và mã hồ sơ để nhận lại thông báo."
)
UNKNOWN_DOSSIER = "Dạ, không tìm thấy hồ sơ {code}. Ông/bà vui lòng kiểm tra lại mã trên phiếu hẹn."
NOT_OWNER = (
    "Dạ, chỉ số điện thoại đã khai trên hồ sơ {code} mới đăng ký nhận thông báo được. "
    "Ông/bà vui lòng nhắn từ số đó hoặc liên hệ bộ phận một cửa."
)
SUBSCRIBED = "Dạ, Một Cửa sẽ nhắn tin cho ông/bà khi hồ sơ {code} có kết quả."


def status_question(code: str) -> str:
    return f"tình trạng hồ sơ {code}"


class SmsKeywords:
    """An interceptor of the inbound pipeline, for the SMS channel only."""

    def __init__(
        self, *, identities: Identities, dossiers: DossierRepository, answer: Answer, db: DbThreads
    ) -> None:
        self.db = db
        self.identities = identities
        self.dossiers = dossiers
        self.answer = answer

    async def __call__(self, message: InboundMessage) -> list[OutboundMessage] | None:
        if message.channel != "sms":
            return None
        keyword = parse_keyword(message.text)
        if keyword is None:
            return None

        def reply(text: str) -> list[OutboundMessage]:
            return [OutboundMessage(channel="sms", user_id=message.user_id, text=text)]

        now = datetime.now(UTC)
        code = keyword.dossier_code
        if keyword.kind == "stop":
            await self.db(self.identities.set_opted_out, "sms", message.user_id, True, now=now)
            return reply(STOPPED)
        if code is None:
            return reply(ASK_FOR_CODE if keyword.kind == "status" else ASK_FOR_CODE_TO_SUBSCRIBE)
        if keyword.kind == "status":
            question = InboundMessage(
                channel="sms",
                user_id=message.user_id,
                text=status_question(code),
                message_id=message.message_id,
            )
            return await self.answer(question)
        dossier = await self.db(self.dossiers.get, code)
        if dossier is None:
            return reply(UNKNOWN_DOSSIER.format(code=code))
        if dossier.phone != message.user_id:
            return reply(NOT_OWNER.format(code=code))
        await self.db(self.identities.subscribe, code, "sms", message.user_id, now=now)
        return reply(SUBSCRIBED.format(code=code))
