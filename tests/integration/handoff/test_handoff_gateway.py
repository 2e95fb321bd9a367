"""The human handoff through the whole gateway, with Telegram, Zalo and SMS all on.

A citizen on one channel reaches a volunteer on another and back, and rates the help. The
platforms are local fakes (the Bot API, the Zalo OA API, an SMS gateway); Rasa is a fake whose
"action" asks for a human when the citizen does, exactly as `action_request_human` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.handoff.people import add_volunteer
from core.dossiers.model import ChangeSource, DossierData
from core.dossiers.repository import SqlDossierRepository
from core.people.tables import AuditEntry, Ticket
from nlu.text import fold
from tests.channels.telegram.fake_bot_api import FakeBotApi, ok, sent_message
from tests.channels.zalo.conftest import APP_ID, OA_SECRET_KEY, SECRET_KEY, sign
from tests.channels.zalo.fake_zalo import CS, FakeZalo
from tests.conftest import LocalServer
from tests.integration import gateway_harness
from tests.integration.gateway_harness import EchoRasa, Gateway, start_gateway, wait_for

TELEGRAM_TOKEN = "7000000001:AAH-fake-token-for-tests"
TELEGRAM_SECRET = "hook-secret-123"
SMS_TOKEN = "sms-secret-token"
ZALO_CITIZEN = "2468458835296197922"
ZALO_VOLUNTEER = "8451239076512340001"
LAN, MINH = 5120482519, 5120482520  # volunteers' Telegram chats
CITIZEN_PHONE = "+84912345678"
PHONE_FORMS = ("0912345678", "912345678", "+84912345678", "0912 345 678")
DOSSIER = "000.00.12.H49-241105-0012"
ZALO_EVENT = Path(__file__).parents[2] / "channels/zalo/fixtures/events/user_send_text.json"


@dataclass
class HandoffRasa(EchoRasa):
    """EchoRasa, except that asking for a person runs the handoff action: its text, then the
    `json_message` the gateway turns into a ticket (`actions.actions.ask_for_human`)."""

    handoff: dict[str, Any] = field(
        default_factory=lambda: {"reason": "request_human", "procedure_code": "1.001193"}
    )

    def app(self) -> Starlette:
        echo = super().app()

        async def webhook(request: Request) -> Response:
            body = await request.json()
            if "nguoi that" not in fold(body["message"]).lower():
                self.received.append(body)
                return JSONResponse([{"recipient_id": body["sender"], "text": "Dạ, bạn nói."}])
            self.received.append(body)
            return JSONResponse(
                [
                    {"recipient_id": body["sender"], "text": "Dạ, tôi nhờ người hỗ trợ ông/bà."},
                    {
                        "recipient_id": body["sender"],
                        "custom": {"handoff": {"dossier_code": None} | self.handoff},
                    },
                ]
            )

        echo.router.routes.insert(0, Route("/webhooks/rest/webhook", webhook, methods=["POST"]))
        return echo


@dataclass
class FakeSmsGateway:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def send(request: Request) -> Response:
            self.sent.append(await request.json())
            return JSONResponse({"id": f"gw-{len(self.sent)}"}, status_code=202)

        return Starlette(routes=[Route("/send", send, methods=["POST"])])


@dataclass
class Env:
    gateway: Gateway
    rasa: HandoffRasa
    telegram: FakeBotApi
    zalo: FakeZalo
    sms: FakeSmsGateway
    client: httpx.Client
    ids: int = 0

    def next_id(self) -> int:
        self.ids += 1
        return self.ids

    # --- inbound ---
    def telegram_text(self, chat: int, text: str) -> None:
        n = self.next_id()
        update = {
            "update_id": 9000 + n,
            "message": {
                "message_id": n,
                "from": {"id": chat, "is_bot": False, "first_name": "TNV"},
                "chat": {"id": chat, "first_name": "TNV", "type": "private"},
                "date": 1730790000 + n,
                "text": text,
            },
        }
        self._telegram(update)

    def telegram_button(self, chat: int, payload: str) -> None:
        n = self.next_id()
        update = {
            "update_id": 9000 + n,
            "callback_query": {
                "id": f"cbq-{n}",
                "from": {"id": chat, "is_bot": False, "first_name": "TNV"},
                "chat_instance": "-8121947290434960000",
                "data": payload,
                "message": {
                    "message_id": n,
                    "from": {"id": 7000000001, "is_bot": True, "first_name": "Một Cửa"},
                    "chat": {"id": chat, "first_name": "TNV", "type": "private"},
                    "date": 1730790000 + n,
                    "text": "Có công dân cần hỗ trợ",
                },
            },
        }
        self._telegram(update)

    def _telegram(self, update: dict[str, Any]) -> None:
        response = self.client.post(
            self.gateway.url + "/webhooks/telegram",
            content=json.dumps(update).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
            },
        )
        assert response.status_code == 200, response.text

    def zalo_text(self, user_id: str, text: str) -> None:
        """A text, or a tap on an `oa.query.show` button (Zalo sends its payload as text)."""
        n = self.next_id()
        body: dict[str, Any] = json.loads(ZALO_EVENT.read_text())
        body["sender"]["id"] = user_id
        body["message"] = {"text": text, "msg_id": f"msg{n:016d}"}
        body["timestamp"] = str(1730790853474 + n)
        content = json.dumps(body, ensure_ascii=False).encode()
        response = self.client.post(
            self.gateway.url + "/webhooks/zalo",
            content=content,
            headers={
                "Content-Type": "application/json",
                "X-ZEvent-Signature": sign(content, timestamp=body["timestamp"]),
            },
        )
        assert response.status_code == 200, response.text

    def sms_text(self, phone: str, text: str) -> None:
        response = self.client.post(
            self.gateway.url + "/webhooks/sms/http",
            content=json.dumps({"id": f"in-{self.next_id()}", "from": phone, "text": text}),
            headers={"Authorization": f"Bearer {SMS_TOKEN}", "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text

    # --- outbound, as the platforms received it ---
    def to_telegram(self, chat: int) -> list[dict[str, Any]]:
        calls = [c.params for c in self.telegram.calls_to("sendMessage")]
        return [c for c in calls if str(c["chat_id"]) == str(chat)]

    def telegram_texts(self, chat: int) -> list[str]:
        return [c["text"] for c in self.to_telegram(chat)]

    def to_zalo(self, user_id: str) -> list[dict[str, Any]]:
        """Messages Zalo accepted (a call refused for the stale token is sent again)."""
        seen: list[dict[str, Any]] = []
        for call in self.zalo.calls_to(CS):
            if call.json["recipient"]["user_id"] == user_id and call.json["message"] not in seen:
                seen.append(call.json["message"])
        return seen

    def zalo_texts(self, user_id: str) -> list[str]:
        return [m["text"] for m in self.to_zalo(user_id)]

    def sms_texts(self, phone: str) -> list[str]:
        return [m["text"] for m in self.sms.sent if m["to"] == phone]

    def tickets(self) -> list[Ticket]:
        with Session(self.gateway.engine, expire_on_commit=False) as session:
            return list(session.scalars(select(Ticket).order_by(Ticket.id)).all())

    def audit(self) -> list[tuple[str, str, str | None, str | None]]:
        with Session(self.gateway.engine) as session:
            rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            return [(a.actor, a.action, a.target, a.detail) for a in rows]

    def volunteer(self, name: str, channel: str, user_id: str | int) -> int:
        return add_volunteer(
            self.gateway.engine,
            name=name,
            channel=channel,
            user_id=str(user_id),
            now=datetime.now(UTC),
        ).id


def _buttons(markup: Any) -> list[list[dict[str, str]]]:
    markup = json.loads(markup) if isinstance(markup, str) else markup
    buttons: list[list[dict[str, str]]] = markup["inline_keyboard"]
    return buttons


@pytest.fixture
def start(
    tmp_path: Path,
    local_server: Callable[[Any], LocalServer],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., Env]]:
    started: list[Env] = []

    def start_env(**settings: Any) -> Env:
        monkeypatch.setattr(gateway_harness, "EchoRasa", HandoffRasa)
        telegram = FakeBotApi(token=TELEGRAM_TOKEN)
        telegram.url = local_server(telegram.app()).url
        telegram.expect("sendMessage", *(ok(sent_message(i, 1, "x")) for i in range(80)))
        telegram.expect("answerCallbackQuery", *(ok(True) for _ in range(10)))
        zalo = FakeZalo(
            app_id=APP_ID, secret_key=SECRET_KEY, access_tokens=set(), refresh_tokens={"refresh-0"}
        )
        zalo.url = local_server(zalo.app).url
        sms = FakeSmsGateway()
        sms_url = local_server(sms.app()).url
        gateway = start_gateway(
            tmp_path,
            local_server,
            telegram_token=TELEGRAM_TOKEN,
            telegram_secret_token=TELEGRAM_SECRET,
            telegram_api_base_url=telegram.base_url,
            zalo_app_id=APP_ID,
            zalo_secret_key=SECRET_KEY,
            zalo_oa_secret_key=OA_SECRET_KEY,
            zalo_access_token="access-stale",
            zalo_refresh_token="refresh-0",
            zalo_api_base_url=zalo.url,
            zalo_oauth_base_url=zalo.url,
            zalo_business_base_url=zalo.url,
            sms_provider="http",
            sms_http_send_url=sms_url + "/send",
            sms_http_token=SMS_TOKEN,
            # the tests run at any hour: volunteers are reached whenever they are on duty
            handoff_office_hours_only=False,
            **settings,
        )
        assert isinstance(gateway.rasa, HandoffRasa)
        env = Env(gateway, gateway.rasa, telegram, zalo, sms, httpx.Client(timeout=10))
        started.append(env)
        return env

    yield start_env
    for env in started:
        env.client.close()
        env.gateway.engine.dispose()
        assert env.telegram.unexpected == []


def test_a_zalo_citizen_reaches_a_telegram_volunteer_and_back_and_rates_the_help(
    start: Callable[..., Env],
) -> None:
    env = start()
    env.volunteer("Lan", "telegram", LAN)
    env.volunteer("Minh", "telegram", MINH)

    # the citizen asks for a person: the NLU's action asks the gateway for a human
    env.zalo_text(ZALO_CITIZEN, "Làm khai sinh cho con thế nào, cho tôi gặp người thật")
    wait_for(lambda: env.to_telegram(LAN) and env.to_telegram(MINH))
    ticket = env.tickets()[0]
    for chat in (LAN, MINH):
        notice = env.to_telegram(chat)[0]
        assert f"phiếu #{ticket.id}" in notice["text"]
        assert "Thủ tục đăng ký khai sinh (1.001193)" in notice["text"]
        assert _buttons(notice["reply_markup"]) == [
            [{"text": "Nhận hỗ trợ", "callback_data": f"/nhan {ticket.id}"}]
        ]
    wait_for(lambda: any("phiếu số" in t for t in env.zalo_texts(ZALO_CITIZEN)))

    # Lan taps the button first; Minh is told, and his late tap changes nothing
    env.telegram_button(LAN, f"/nhan {ticket.id}")
    wait_for(lambda: any(t.startswith("Bạn đã nhận phiếu") for t in env.telegram_texts(LAN)))
    wait_for(lambda: any("đã có người nhận" in t for t in env.telegram_texts(MINH)))
    wait_for(lambda: any("Lan đã nhận hỗ trợ" in t for t in env.zalo_texts(ZALO_CITIZEN)))
    env.telegram_button(MINH, f"/nhan {ticket.id}")
    wait_for(lambda: len([t for t in env.telegram_texts(MINH) if "đã có người nhận" in t]) == 2)
    wait_for(lambda: len(env.telegram.calls_to("answerCallbackQuery")) == 2)
    assert env.tickets()[0].state == "claimed"

    # Zalo → Telegram, Telegram → Zalo; the assistant hears none of it
    env.zalo_text(ZALO_CITIZEN, "Con tôi sinh ở nhà, không có giấy chứng sinh")
    wait_for(lambda: any("không có giấy chứng sinh" in t for t in env.telegram_texts(LAN)))
    assert f"Công dân (phiếu #{ticket.id}): Con tôi sinh ở nhà" in env.telegram_texts(LAN)[-1]
    env.telegram_text(LAN, "/thutuc đăng ký khai sinh")
    wait_for(lambda: any("☐" in t for t in env.telegram_texts(LAN)))
    env.telegram_text(LAN, "Dạ, cần văn bản của người làm chứng xác nhận việc sinh ạ.")
    wait_for(lambda: any("người làm chứng" in t for t in env.zalo_texts(ZALO_CITIZEN)))
    assert env.zalo_texts(ZALO_CITIZEN)[-1] == (
        "Tình nguyện viên Lan: Dạ, cần văn bản của người làm chứng xác nhận việc sinh ạ."
    )

    # /xong: the citizen is asked to rate with buttons 1-5, and answers 4
    env.telegram_text(LAN, "/xong")
    wait_for(lambda: any("đánh giá" in t for t in env.zalo_texts(ZALO_CITIZEN)))
    question = env.to_zalo(ZALO_CITIZEN)[-1]
    buttons = question["attachment"]["payload"]["buttons"]
    assert [(b["title"], b["payload"]) for b in buttons] == [
        (str(n), f"/danhgia {n}") for n in range(1, 6)
    ]
    env.zalo_text(ZALO_CITIZEN, "4")
    wait_for(lambda: env.tickets()[0].rating == 4)
    wait_for(lambda: any("cảm ơn ông/bà đã đánh giá" in t for t in env.zalo_texts(ZALO_CITIZEN)))
    assert env.tickets()[0].state == "closed"

    # only the request itself reached the assistant; the conversation goes back to it now
    assert [r["message"] for r in env.rasa.received] == [
        "Làm khai sinh cho con thế nào, cho tôi gặp người thật"
    ]
    env.zalo_text(ZALO_CITIZEN, "cảm ơn")
    wait_for(lambda: len(env.rasa.received) == 2)
    # nothing a volunteer typed went to the assistant; every action is in the audit
    actions = [(actor, action) for actor, action, _, _ in env.audit()]
    for expected in [
        ("volunteer:1", "claim"),
        ("volunteer:2", "claim.lost"),
        ("volunteer:1", "procedure.checklist"),
        ("volunteer:1", "relay"),
        ("volunteer:1", "close"),
    ]:
        assert expected in actions


def test_an_sms_citizen_and_a_zalo_volunteer_with_a_verified_lookup(
    start: Callable[..., Env], capfd: pytest.CaptureFixture[str]
) -> None:
    env = start()
    env.rasa.handoff = {"reason": "fallbacks", "dossier_code": DOSSIER}
    SqlDossierRepository(env.gateway.engine).upsert_many(
        [
            DossierData(
                code=DOSSIER,
                procedure_name="Thủ tục đăng ký khai sinh",
                status="supplement_requested",
                received_at=datetime.now(UTC) - timedelta(days=2),
                due_at=datetime.now(UTC) + timedelta(days=3),
                applicant_name="Nguyễn Văn An",
                phone=CITIZEN_PHONE,
                note="Bổ sung bản sao căn cước.",
            )
        ],
        source=ChangeSource.CSV,
        now=datetime.now(UTC),
    )
    env.volunteer("Hà", "zalo", ZALO_VOLUNTEER)

    env.sms_text("0912 345 678", "toi can nguoi that giup, so toi 0912345678")
    wait_for(lambda: env.to_zalo(ZALO_VOLUNTEER))
    notice = env.to_zalo(ZALO_VOLUNTEER)[0]
    assert "Kênh: SMS" in notice["text"] and f"Hồ sơ: {DOSSIER}" in notice["text"]
    (button,) = notice["attachment"]["payload"]["buttons"]
    assert (button["title"], button["payload"]) == ("Nhận hỗ trợ", "/nhan 1")

    env.zalo_text(ZALO_VOLUNTEER, button["payload"])  # the tap comes back as its payload
    wait_for(lambda: any("Ha da nhan ho tro" in t for t in env.sms_texts(CITIZEN_PHONE)))
    env.sms_text(CITIZEN_PHONE, "So cua toi la 0912345678 a")
    wait_for(lambda: any("So cua toi" in t for t in env.zalo_texts(ZALO_VOLUNTEER)))

    # before the citizen's digits, no form of the citizen's phone reaches the volunteer
    def seen_by_volunteer() -> str:
        return json.dumps(env.to_zalo(ZALO_VOLUNTEER), ensure_ascii=False)

    assert not any(form in seen_by_volunteer() for form in PHONE_FORMS)

    env.zalo_text(ZALO_VOLUNTEER, f"/hoso {DOSSIER} 1234")
    wait_for(lambda: any("không khớp" in t for t in env.zalo_texts(ZALO_VOLUNTEER)))
    assert "Nguyễn Văn An" not in seen_by_volunteer()
    env.zalo_text(ZALO_VOLUNTEER, f"/hoso {DOSSIER} 5678")
    wait_for(lambda: any("Nguyễn Văn An" in t for t in env.zalo_texts(ZALO_VOLUNTEER)))
    env.sms_text(CITIZEN_PHONE, "Goi lai cho toi so 0912345678 nhe")
    wait_for(
        lambda: any("Goi lai cho toi so 0912345678" in t for t in env.zalo_texts(ZALO_VOLUNTEER))
    )

    env.zalo_text(ZALO_VOLUNTEER, "Dạ, em sẽ gọi lại anh ạ.")
    wait_for(lambda: any("em se goi lai" in t for t in env.sms_texts(CITIZEN_PHONE)))
    env.zalo_text(ZALO_VOLUNTEER, "/xong")
    wait_for(lambda: any("danh gia" in t for t in env.sms_texts(CITIZEN_PHONE)))
    env.sms_text(CITIZEN_PHONE, "5")
    wait_for(lambda: env.tickets()[0].rating == 5)

    lookups = [d for _, action, _, d in env.audit() if action == "dossier.lookup"]
    assert lookups == ["wrong", "verified"]
    assert len(env.rasa.received) == 1  # only the request
    logs = "".join(capfd.readouterr())
    assert "handoff ticket claimed" in logs  # the logs were captured
    for secret in (*PHONE_FORMS, "Nguyễn Văn An", "em sẽ gọi lại", "So cua toi"):
        assert secret not in logs, secret


def test_an_unclaimed_ticket_expires_with_the_hotline_and_the_office_hours(
    start: Callable[..., Env],
) -> None:
    env = start(handoff_claim_minutes=0.02)  # 1.2 s
    env.volunteer("Hà", "zalo", ZALO_VOLUNTEER)
    env.telegram_text(LAN, "cho tôi gặp người thật")
    wait_for(lambda: any("phiếu số 1" in t for t in env.telegram_texts(LAN)))
    wait_for(lambda: any("0203 1234 567" in t for t in env.telegram_texts(LAN)), timeout=15)
    expired = next(t for t in env.telegram_texts(LAN) if "0203 1234 567" in t)
    assert "thứ Hai đến thứ Sáu" in expired and "đã được lưu lại" in expired
    assert env.tickets()[0].state == "expired"
    # the volunteer's late tap is told so; the citizen talks to the assistant again
    env.zalo_text(ZALO_VOLUNTEER, "/nhan 1")
    wait_for(lambda: any("hết hạn" in t for t in env.zalo_texts(ZALO_VOLUNTEER)))
    env.telegram_text(LAN, "lệ phí khai sinh")
    wait_for(lambda: len(env.rasa.received) == 2)


def test_a_chat_enrols_with_an_invite_and_is_then_a_volunteer(start: Callable[..., Env]) -> None:
    from bot.handoff.people import create_invite

    env = start()
    code = create_invite(env.gateway.engine, name="Tú", now=datetime.now(UTC))
    env.telegram_text(LAN, "/dangky SAI-MA")
    wait_for(lambda: any("Mã mời không đúng" in t for t in env.telegram_texts(LAN)))
    env.telegram_text(LAN, f"/dangky {code}")
    wait_for(lambda: any(t.startswith("Chào Tú!") for t in env.telegram_texts(LAN)))
    env.telegram_text(LAN, "/huongdan kết hôn")
    wait_for(
        lambda: any(
            "Hướng dẫn nộp trực tuyến: Đăng ký kết hôn" in t for t in env.telegram_texts(LAN)
        )
    )
    env.telegram_text(LAN, "xin chào")
    wait_for(lambda: any("chưa nhận phiếu" in t for t in env.telegram_texts(LAN)))
    assert env.rasa.received == []  # a volunteer's messages never reach the assistant
    # a volunteer who starts the bot again gets the commands, not the citizens' greeting
    env.telegram_text(LAN, "/start")
    wait_for(lambda: any("/nhan" in t and "/xong" in t for t in env.telegram_texts(LAN)))
    assert env.rasa.received == []
