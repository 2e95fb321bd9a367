"""The action server's actions, driven through rasa-sdk's executor with Rasa 3.6 payloads,
against a real SQLite database (migrated) and the real catalog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from rasa_sdk.executor import ActionExecutor
from sqlalchemy.orm import Session

import actions.actions as act
from core.cli import alembic_config
from core.dossiers.model import ChangeSource, DossierData, DossierStatus
from core.dossiers.repository import SqlDossierRepository
from core.dossiers.verification import VerificationAttempt
from core.offices import OfficeDirectory
from core.settings import Settings

CODE = "000.00.12.H49-241105-0012"
OTHER = "000.00.12.H49-241106-0001"
PHONE = "+84912345678"


def user(text: str, intent: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": 1.0,
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
        },
    }


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "timestamp": 1.0, "name": name}


def call(
    next_action: str,
    events: list[dict[str, Any]],
    slots: dict[str, Any] | None = None,
    sender: str = "web:test",
) -> dict[str, Any]:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    return {
        "next_action": next_action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {"responses": {}, "slots": {}},
        "tracker": {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": latest["parse_data"],
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


@pytest.fixture(scope="module")
def executor() -> ActionExecutor:
    ex = ActionExecutor()
    ex.register_package("actions")
    return ex


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    url = f"sqlite:///{tmp_path}/actions.db"
    command.upgrade(alembic_config(url), "head")
    monkeypatch.setattr(act, "settings", lambda: Settings(database_url=url, hotline="1022"))
    for cached in (act.engine, act.dossiers, act.verifier, act.identities):
        cached.cache_clear()
    now = datetime.now(UTC)
    act.dossiers().upsert_many(
        [
            DossierData(
                code=CODE,
                procedure_code="1.000894",
                procedure_name="Đăng ký kết hôn",
                status=DossierStatus.SUPPLEMENT_REQUESTED,
                received_at=now - timedelta(days=2),
                due_at=now + timedelta(days=3),
                applicant_name="Nguyễn Văn An",
                phone=PHONE,
                office="Bộ phận một cửa UBND phường Hồng Gai",
                note="Bổ sung bản sao giấy xác nhận tình trạng hôn nhân",
            ),
            DossierData(
                code=OTHER,
                procedure_name="Đăng ký tạm trú",
                status=DossierStatus.PROCESSING,
                received_at=now - timedelta(days=9),
                due_at=now - timedelta(days=1),
                applicant_name="Trần Thị Bình",
                phone="+84987654321",
            ),
        ],
        source=ChangeSource.CSV,
        now=now,
    )
    yield
    for cached in (act.engine, act.dossiers, act.verifier, act.identities):
        cached.cache_clear()


async def run(executor: ActionExecutor, payload: dict[str, Any]) -> dict[str, Any]:
    result = await executor.run(payload)
    assert result is not None
    return {"events": result.events, "responses": result.responses}


def texts(out: dict[str, Any]) -> str:
    return "\n".join(r.get("text") or r.get("response") or "" for r in out["responses"])


def slots(out: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in out["events"] if e["event"] == "slot"}


async def test_status_without_code_asks_for_it(executor: ActionExecutor) -> None:
    out = await run(
        executor,
        call("action_check_dossier_status", [user("hồ sơ của tôi", "check_dossier_status")]),
    )
    assert [r["response"] for r in out["responses"]] == ["utter_ask_dossier_code"]


async def test_unknown_code_is_reported_canonical(executor: ActionExecutor) -> None:
    out = await run(
        executor,
        call("action_check_dossier_status", [user("hs ooo.oo.99.h49-241105-0001", "x")]),
    )
    assert out["responses"][0]["response"] == "utter_dossier_not_found"
    assert out["responses"][0]["dossier_code"] == "000.00.99.H49-241105-0001"


@pytest.mark.parametrize(
    "typed", [CODE, "ho so 000.00.12.h49 - 241105 - 0012 sao roi", "OOO.OO.12.H49-2411O5-OO12"]
)
async def test_anyone_gets_the_public_status_only(executor: ActionExecutor, typed: str) -> None:
    out = await run(executor, call("action_check_dossier_status", [user(typed, "x")]))
    said = texts(out)
    assert CODE in said
    assert "cần bổ sung giấy tờ" in said
    assert "Đăng ký kết hôn" in said
    for private in ("Nguyễn Văn An", "0912345678", "5678", "giấy xác nhận tình trạng hôn nhân"):
        assert private not in said
    assert out["responses"][-1]["response"] == "utter_ask_phone_digits"
    assert slots(out) == {"dossier_code": CODE, "pending_verification": CODE}


async def test_overdue_dossier_gets_an_apology_and_the_hotline(executor: ActionExecutor) -> None:
    out = await run(executor, call("action_check_dossier_status", [user(OTHER, "x")]))
    said = texts(out)
    assert "quá hạn" in said
    assert "xin lỗi" in said
    assert "1022" in said


@pytest.mark.parametrize("answer", ["4 số cuối là 5678", "5678", "56 78", "5.6.7.8 ạ"])
async def test_the_right_digits_reveal_the_details(executor: ActionExecutor, answer: str) -> None:
    events = [user(answer, "provide_phone_digits")]
    out = await run(
        executor,
        call("action_verify_dossier_owner", events, slots={"pending_verification": CODE}),
    )
    said = texts(out)
    assert "Nguyễn Văn An" in said
    assert "Bổ sung bản sao giấy xác nhận tình trạng hôn nhân" in said
    assert slots(out) == {"pending_verification": None, "verified_phone": PHONE}


async def test_a_verified_citizen_can_list_their_dossiers(executor: ActionExecutor) -> None:
    out = await run(
        executor,
        call(
            "action_check_dossier_status",
            [user("hồ sơ của tôi", "check_dossier_status")],
            slots={"verified_phone": PHONE},
        ),
    )
    said = texts(out)
    assert CODE in said
    assert OTHER not in said


async def test_sms_from_the_dossiers_phone_is_the_owner(executor: ActionExecutor) -> None:
    out = await run(
        executor, call("action_check_dossier_status", [user(CODE, "x")], sender=f"tel:{PHONE}")
    )
    assert "Nguyễn Văn An" in texts(out)
    assert "pending_verification" not in slots(out)


@pytest.mark.parametrize(
    ("linked", "sees_details"), [(PHONE, True), ("+84987654321", False), (None, False)]
)
async def test_a_chat_identity_linked_to_the_phone_is_the_owner(
    executor: ActionExecutor, linked: str | None, sees_details: bool
) -> None:
    if linked is not None:
        act.identities().link_phone("zalo", "6142494823", linked, now=datetime.now(UTC))
    out = await run(
        executor,
        call("action_check_dossier_status", [user(CODE, "x")], sender="zalo:6142494823"),
    )
    assert ("Nguyễn Văn An" in texts(out)) is sees_details
    assert ("pending_verification" in slots(out)) is not sees_details


async def test_guessing_is_blocked_after_five_failures_per_dossier(
    executor: ActionExecutor,
) -> None:
    pending = {"pending_verification": CODE}
    for i in range(4):
        out = await run(
            executor,
            call("action_verify_dossier_owner", [user(f"{1000 + i}", "x")], slots=pending,
                 sender=f"web:guesser{i}"),
        )  # fmt: skip
        assert out["responses"][0]["response"] == "utter_verification_wrong"
    out = await run(
        executor, call("action_verify_dossier_owner", [user("1111", "x")], slots=pending)
    )
    assert out["responses"][0]["response"] == "utter_verification_blocked"
    # Even the right answer is refused now, from anyone: the dossier is locked for an hour.
    out = await run(
        executor,
        call("action_verify_dossier_owner", [user("5678", "x")], slots=pending, sender="web:o"),
    )
    assert out["responses"][0]["response"] == "utter_verification_blocked"
    assert "Nguyễn Văn An" not in texts(out)


async def test_guessing_is_blocked_after_ten_failures_per_sender(
    executor: ActionExecutor,
) -> None:
    now = datetime.now(UTC)
    with Session(act.engine()) as session, session.begin():
        session.add_all(
            VerificationAttempt(dossier_code=f"X-{i}", sender="web:spray", succeeded=False, at=now)
            for i in range(10)
        )
    out = await run(
        executor,
        call("action_verify_dossier_owner", [user("5678", "x")],
             slots={"pending_verification": CODE}, sender="web:spray"),
    )  # fmt: skip
    assert out["responses"][0]["response"] == "utter_verification_blocked"


async def test_answer_names_the_procedure_and_links_the_source(executor: ActionExecutor) -> None:
    out = await run(
        executor, call("action_answer_procedure", [user("lệ phí đăng ký kết hôn", "ask_fee")])
    )
    said = texts(out)
    assert said.startswith("[") or said.startswith("Dạ")
    assert "miễn" in said.lower()
    assert "https://dichvucong.gov.vn" in said
    assert slots(out) == {"procedure_code": "1.000894"}


async def test_follow_up_keeps_the_procedure_of_the_previous_turn(
    executor: ActionExecutor,
) -> None:
    out = await run(
        executor,
        call("action_answer_procedure", [user("còn giấy tờ thì sao", "ask_required_documents")],
             slots={"procedure_code": "1.000894"}),
    )  # fmt: skip
    said = texts(out)
    assert "kết hôn" in said.lower()
    assert "bản" in said


async def test_close_matches_are_offered_as_buttons(executor: ActionExecutor) -> None:
    out = await run(executor, call("action_answer_procedure", [user("làm căn cước", "ask_fee")]))
    [response] = out["responses"]
    assert len(response["buttons"]) >= 2
    for button in response["buttons"]:
        assert button["payload"].startswith('/ask_fee{"procedure_code": "')


async def test_a_button_choice_answers_that_procedure(executor: ActionExecutor) -> None:
    chosen = [{"entity": "procedure_code", "value": "1.000894"}]
    out = await run(
        executor, call("action_answer_procedure", [user("/ask_fee", "ask_fee", chosen)])
    )
    assert slots(out) == {"procedure_code": "1.000894"}


async def test_without_a_procedure_it_asks_which_one(executor: ActionExecutor) -> None:
    out = await run(executor, call("action_answer_procedure", [user("/ask_fee", "ask_fee")]))
    assert "tên thủ tục" in texts(out)


async def test_first_fallback_offers_the_main_topics(executor: ActionExecutor) -> None:
    out = await run(executor, call("action_fallback", [action("action_listen"), user("xyz", "x")]))
    assert [r["response"] for r in out["responses"]] == ["utter_default"]


async def test_second_fallback_in_a_row_hands_over_to_a_human(executor: ActionExecutor) -> None:
    events = [
        user("xyz", "nlu_fallback"), action("action_fallback"), action("action_listen"),
        user("abc", "nlu_fallback"),
    ]  # fmt: skip
    out = await run(executor, call("action_fallback", events))
    assert [r.get("response") for r in out["responses"]] == ["utter_default_repeat", None]
    assert out["responses"][1]["custom"]["handoff"]["reason"] == "fallbacks"


async def test_asking_for_a_human_opens_a_handoff_with_what_is_known(
    executor: ActionExecutor,
) -> None:
    out = await run(
        executor,
        call(
            "action_request_human",
            [user("cho tôi gặp cán bộ", "request_human")],
            slots={"procedure_code": "1.000894", "dossier_code": CODE},
        ),
    )
    assert out["responses"][0]["response"] == "utter_request_human"
    assert out["responses"][1]["custom"] == {
        "handoff": {"reason": "request_human", "procedure_code": "1.000894", "dossier_code": CODE}
    }


async def test_fallback_count_resets_after_an_understood_turn(executor: ActionExecutor) -> None:
    events = [
        user("xyz", "nlu_fallback"), action("action_fallback"), action("action_listen"),
        user("lệ phí", "ask_fee"), action("action_answer_procedure"), action("action_listen"),
        user("abc", "nlu_fallback"),
    ]  # fmt: skip
    out = await run(executor, call("action_fallback", events))
    assert [r["response"] for r in out["responses"]] == ["utter_default"]


@pytest.mark.parametrize(
    ("message", "entities", "slot_values", "expected"),
    [
        # an office named in the message
        ("bộ phận một cửa phường Bãi Cháy ở đâu", [], {}, "Bộ phận một cửa UBND phường Bãi Cháy"),
        ("ubnd phuong bai chay may gio mo cua", [], {}, "Bộ phận một cửa UBND phường Bãi Cháy"),
        # an old name: the office it merged into
        ("một cửa phường Giếng Đáy mấy giờ làm việc", [], {}, "UBND phường Bãi Cháy"),
        ("sdt mot cua huyen van don", [], {}, "UBND đặc khu Vân Đồn"),
        # a button
        ("/ask_office_info", [{"entity": "office_id", "value": "uong-bi"}], {},
         "UBND phường Uông Bí"),
        # the office of the dossier of the conversation, or of the code in the message
        ("mấy giờ mở cửa", [], {"dossier_code": CODE}, "UBND phường Hồng Gai"),
        (f"hồ sơ {CODE} nộp ở đâu", [], {}, "UBND phường Hồng Gai"),
        # a name in the message beats the dossier's office
        ("còn phường Bãi Cháy thì sao", [], {"dossier_code": CODE}, "UBND phường Bãi Cháy"),
    ],
)  # fmt: skip
async def test_office_answer_names_address_hours_and_phone(
    executor: ActionExecutor,
    message: str,
    entities: list[dict[str, Any]],
    slot_values: dict[str, Any],
    expected: str,
) -> None:
    out = await run(
        executor,
        call("action_answer_office", [user(message, "ask_office_info", entities)],
             slots=slot_values),
    )  # fmt: skip
    [response] = out["responses"]
    assert response["text"].startswith("Dạ, ")
    assert expected in response["text"]
    for part in ("Địa chỉ:", "Giờ làm việc:", "Điện thoại: 0203"):
        assert part in response["text"]
    assert not response["buttons"]
    assert out["events"] == []


@pytest.mark.parametrize(
    ("message", "entities", "slot_values"),
    [
        ("bộ phận một cửa phường mấy giờ mở cửa", [], {}),
        ("/ask_office_info", [], {}),
        ("/ask_office_info", [{"entity": "office_id", "value": "khong-co"}], {}),
        ("mấy giờ mở cửa", [], {"dossier_code": OTHER}),  # a dossier without an office
    ],
)
async def test_without_an_office_the_province_answers_and_offers_wards(
    executor: ActionExecutor,
    message: str,
    entities: list[dict[str, Any]],
    slot_values: dict[str, Any],
) -> None:
    out = await run(
        executor,
        call("action_answer_office", [user(message, "ask_office_info", entities)],
             slots=slot_values),
    )  # fmt: skip
    [response] = out["responses"]
    assert response["text"].startswith("Dạ, Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh")
    assert "xã, phường nào" in response["text"]
    buttons = response["buttons"]
    assert 1 <= len(buttons) <= 4
    assert buttons[0] == {
        "title": "Phường Hồng Gai",
        "payload": '/ask_office_info{"office_id": "hong-gai"}',
    }
    for button in buttons:
        office_id = button["payload"].removeprefix('/ask_office_info{"office_id": "')[:-2]
        assert act.offices().get(office_id) is not None


async def test_a_name_shared_by_several_offices_asks_which(
    executor: ActionExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = act.offices()
    shared = [
        o.model_copy(update={"aliases": (*o.aliases, "huyện Cũ")})
        for o in directory
        if o.id in {"ha-tu", "cao-xanh"}
    ]
    monkeypatch.setattr(act, "offices", lambda: OfficeDirectory([directory.province, *shared]))
    out = await run(
        executor, call("action_answer_office", [user("một cửa huyện cũ", "ask_office_info")])
    )
    [response] = out["responses"]
    assert "nào" in response["text"]
    assert [b["title"] for b in response["buttons"]] == ["Phường Hà Tu", "Phường Cao Xanh"]


def test_repository_is_the_sql_one() -> None:
    assert isinstance(act.dossiers(), SqlDossierRepository)


def subscribed(code: str) -> list[tuple[str, str]]:
    return [(i.channel, i.user_id) for i in act.identities().subscribers(code)]


async def test_a_linked_chat_identity_subscribes_at_once(executor: ActionExecutor) -> None:
    act.identities().link_phone("zalo", "61424", PHONE, now=datetime.now(UTC))
    out = await run(
        executor,
        call(
            "action_subscribe_notifications",
            [user(f"báo cho tôi khi hồ sơ {CODE} có kết quả", "subscribe_notifications")],
            sender="zalo:61424",
        ),
    )
    assert [r.get("response") for r in out["responses"]] == ["utter_subscribed"]
    assert subscribed(CODE) == [("zalo", "61424")]


async def test_an_unlinked_identity_subscribes_after_the_right_digits(
    executor: ActionExecutor,
) -> None:
    events = [user(f"báo kết quả hồ sơ {CODE} cho tôi", "subscribe_notifications")]
    out = await run(executor, call("action_subscribe_notifications", events, sender="telegram:77"))
    assert slots(out) == {
        "dossier_code": CODE,
        "pending_verification": CODE,
        "pending_subscription": CODE,
    }
    assert subscribed(CODE) == []
    wrong = await run(
        executor,
        call(
            "action_verify_dossier_owner",
            [user("1111", "provide_phone_digits")],
            slots={"pending_verification": CODE, "pending_subscription": CODE},
            sender="telegram:77",
        ),
    )
    assert subscribed(CODE) == []
    assert "pending_subscription" not in slots(wrong)
    right = await run(
        executor,
        call(
            "action_verify_dossier_owner",
            [user("5678", "provide_phone_digits")],
            slots={"pending_verification": CODE, "pending_subscription": CODE},
            sender="telegram:77",
        ),
    )
    assert subscribed(CODE) == [("telegram", "77")]
    assert slots(right)["pending_subscription"] is None


async def test_web_chat_cannot_be_written_to_later(executor: ActionExecutor) -> None:
    out = await run(
        executor,
        call(
            "action_subscribe_notifications",
            [user(f"báo cho tôi khi {CODE} xong", "subscribe_notifications")],
        ),
    )
    assert [r.get("response") for r in out["responses"]] == ["utter_subscribe_web"]
    assert subscribed(CODE) == []


async def test_unsubscribing_opts_out_the_identity_and_its_phone(
    executor: ActionExecutor,
) -> None:
    act.identities().link_phone("zalo", "61424", PHONE, now=datetime.now(UTC))
    act.identities().subscribe(CODE, "zalo", "61424", now=datetime.now(UTC))
    await run(
        executor,
        call(
            "action_unsubscribe_notifications",
            [user("đừng nhắn tin cho tôi nữa", "unsubscribe_notifications")],
            sender="zalo:61424",
        ),
    )
    zalo, sms = act.identities().get("zalo", "61424"), act.identities().get("sms", PHONE)
    assert zalo is not None and zalo.opted_out
    assert sms is not None and sms.opted_out
    assert subscribed(CODE) == []
