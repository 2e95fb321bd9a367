"""The ticket state machine and the volunteers' tools, on SQLite and PostgreSQL.

open → claimed (the first claim wins) → closed → rated; open → expired when nobody claims it in
time or volunteers are not reached. Every message is read back from the outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.handoff import texts
from core.logging import mask_phone
from tests.integration.handoff.rig import (
    DOSSIER,
    HOTLINE,
    OWNER_NAME,
    OWNER_PHONE,
    Rig,
    build_rig,
)

ZALO = "zalo:2468458835296197922"
SMS = "sms:+84987654321"


@pytest.fixture
def rig(engine: Engine) -> Iterator[Rig]:
    rig = build_rig(engine)
    rig.enrol("Lan", "telegram", "1001")
    rig.enrol("Minh", "telegram", "1002")
    yield rig
    rig.service.db.shutdown()


async def open_and_claim(rig: Rig, citizen: str = ZALO, volunteer: int = 0) -> int:
    await rig.ask_for_human(citizen)
    ticket = rig.tickets()[-1].id
    replies = await rig.volunteer(volunteer, f"/nhan {ticket}")
    assert replies[0].startswith(f"Bạn đã nhận phiếu #{ticket}.")
    return ticket


# --- opening ---------------------------------------------------------------------------------


async def test_a_request_opens_a_ticket_with_a_summary_and_notifies_every_volunteer_on_duty(
    rig: Rig,
) -> None:
    off_duty = rig.enrol("Hà", "telegram", "1003")
    await rig.volunteer(2, "/nghi")
    assert await rig.say(ZALO, "Làm giấy khai sinh cho con cần gì, số tôi 0912 345 678") is None
    replies = await rig.ask_for_human(
        ZALO, "tôi muốn gặp người", procedure_code="1.001193", dossier_code=DOSSIER
    )
    (ticket,) = rig.tickets()
    assert replies == [texts.opened(ticket.id)]
    assert (ticket.state, ticket.reason, ticket.citizen_channel) == (
        "open",
        "request_human",
        "zalo",
    )
    assert "Thủ tục: Thủ tục đăng ký khai sinh (1.001193)" in ticket.summary
    assert f"Hồ sơ: {DOSSIER}" in ticket.summary
    assert "tôi muốn gặp người" in ticket.summary
    assert "0912 345 678" not in ticket.summary and "78" in ticket.summary  # masked
    notified = [s for s in rig.sent() if ":notify:" in s.key]
    assert sorted(s.user_id for s in notified) == ["1001", "1002"]
    assert off_duty.user_id not in {s.user_id for s in notified}
    for s in notified:
        assert s.buttons == [[texts.CLAIM_BUTTON_TITLE, f"/nhan {ticket.id}"]]
        assert s.text == texts.notify(ticket.id, ticket.summary)
    # the transcript starts with the citizen's recent messages, unmasked (staff read it)
    transcript = rig.transcript(ticket.id)
    assert [a for a, _ in transcript] == ["citizen", "citizen", "system"]
    assert transcript[0][1] == "Làm giấy khai sinh cho con cần gì, số tôi 0912 345 678"


async def test_a_citizen_with_an_open_ticket_does_not_get_a_second_one(rig: Rig) -> None:
    await rig.ask_for_human(ZALO)
    ticket = rig.tickets()[0]
    message = rig.message(ZALO, "người thật đâu")
    replies = await rig.service.open(message, {"reason": "fallbacks"})
    assert [r.text for r in replies] == [texts.already_open(ticket.id)]
    assert len(rig.tickets()) == 1


async def test_while_waiting_the_citizen_is_heard_and_told_once_to_wait(rig: Rig) -> None:
    await rig.ask_for_human(ZALO)
    assert await rig.say(ZALO, "alo") == [texts.WAITING]
    assert await rig.say(ZALO, "có ai không") == []
    ticket = rig.tickets()[0].id
    assert ("citizen", "có ai không") in rig.transcript(ticket)
    replies = await rig.volunteer(1, f"/nhan {ticket}")
    assert "- alo" in replies[0] and "- có ai không" in replies[0]


# --- claiming --------------------------------------------------------------------------------


async def test_the_first_claim_wins_and_the_others_are_told(rig: Rig) -> None:
    rig.enrol("Hà", "zalo", "3003")
    await rig.ask_for_human(SMS)
    ticket = rig.tickets()[0].id
    results = await asyncio.gather(*(rig.volunteer(i, f"/nhan {ticket}") for i in range(3)))
    winners = [i for i, r in enumerate(results) if r[0].startswith("Bạn đã nhận")]
    assert len(winners) == 1
    (winner,) = winners
    for i, replies in enumerate(results):
        if i != winner:
            assert replies == [texts.taken(ticket)]
    stored = rig.tickets()[0]
    assert (stored.state, stored.volunteer_id) == ("claimed", rig.volunteers[winner].id)
    # the citizen learns who helps; every other notified volunteer learns it is taken
    assert rig.sent_to(SMS)[-1].text == texts.claimed_for_citizen(rig.volunteers[winner].name)
    for i in range(3):
        told = [s.text for s in rig.to_volunteer(i) if ":taken:" in s.key]
        assert told == ([] if i == winner else [texts.taken(ticket)])


@pytest.mark.parametrize(
    ("setup", "command", "expected"),
    [
        ("none", "/nhan 999", texts.ticket_gone(999, "missing")),
        ("claimed_by_self", "/nhan {ticket}", texts.already_yours(0)),
        ("closed", "/nhan {ticket}", texts.ticket_gone(0, "closed")),
        ("expired", "/nhan {ticket}", texts.ticket_gone(0, "expired")),
        ("holding_another", "/nhan {ticket}", texts.busy(0)),
    ],
)
async def test_claims_that_do_not_win(rig: Rig, setup: str, command: str, expected: str) -> None:
    ticket = 0
    if setup != "none":
        await rig.ask_for_human(ZALO)
        ticket = rig.tickets()[0].id
    if setup == "claimed_by_self":
        await rig.volunteer(0, f"/nhan {ticket}")
    if setup == "closed":
        await rig.volunteer(1, f"/nhan {ticket}")
        await rig.volunteer(1, "/xong")
    if setup == "expired":
        rig.clock.advance(minutes=11)
        await rig.service.expire()
    held = ticket
    if setup == "holding_another":
        held = await open_and_claim(rig, SMS)
    replies = await rig.volunteer(0, command.format(ticket=ticket))
    expected = expected.replace("#0", f"#{held if setup == 'holding_another' else ticket}")
    assert replies == [expected]
    assert rig.audit()[-1][1] in ("claim.lost", "claim.busy")


# --- relaying, closing, rating ---------------------------------------------------------------


async def test_messages_are_relayed_both_ways_and_the_bot_stays_quiet(rig: Rig) -> None:
    ticket = await open_and_claim(rig)
    assert await rig.say(ZALO, "Tôi chưa có giấy chứng sinh, số tôi 0912345678") == []
    to_volunteer = rig.to_volunteer(0)[-1]
    assert to_volunteer.text == texts.from_citizen(
        ticket, f"Tôi chưa có giấy chứng sinh, số tôi {mask_phone('0912345678')}"
    )
    assert to_volunteer.origin == "relay"
    assert await rig.volunteer(0, "Dạ, anh/chị cần giấy xác nhận của người làm chứng.") == []
    to_citizen = rig.sent_to(ZALO)[-1]
    assert to_citizen.text == texts.from_volunteer(
        "Lan", "Dạ, anh/chị cần giấy xác nhận của người làm chứng."
    )
    authors = [a for a, _ in rig.transcript(ticket)]
    assert authors[-2:] == ["citizen", "volunteer"]
    # the other volunteer's plain text goes nowhere
    assert await rig.volunteer(1, "xin chào") == [texts.NOT_HOLDING]


RATING_CASES = [
    # (after the rating question, the citizen writes …, replies, stored rating)
    (["4"], [[texts.RATING_THANKS]], 4),
    (["/danhgia 2"], [[texts.RATING_THANKS]], 2),
    (["5 sao"], [[texts.RATING_THANKS]], 5),
    (["cảm ơn nhé"], [None], None),
    (["cảm ơn nhé", "3"], [None, None], None),  # only the very next message is a bare rating
    (["cảm ơn nhé", "/danhgia 3"], [None, [texts.RATING_THANKS]], 3),  # the button still works
    (["4", "1"], [[texts.RATING_THANKS], None], 4),  # rated once
]


@pytest.mark.parametrize(("messages", "replies", "rating"), RATING_CASES)
async def test_closing_asks_for_a_rating_with_buttons(
    rig: Rig, messages: list[str], replies: list[list[str] | None], rating: int | None
) -> None:
    ticket = await open_and_claim(rig)
    assert await rig.volunteer(0, "/xong") == [texts.closed_for_volunteer(ticket)]
    question = rig.sent_to(ZALO)[-1]
    assert question.text == texts.RATING_QUESTION
    assert question.buttons == [[str(n), f"/danhgia {n}"] for n in range(1, 6)]
    assert [await rig.say(ZALO, m) for m in messages] == replies
    stored = rig.tickets()[0]
    assert (stored.state, stored.rating) == ("closed", rating)
    assert await rig.volunteer(0, "/xong") == [texts.NOTHING_TO_CLOSE]


async def test_an_sms_citizen_is_asked_for_a_rating_without_buttons_and_may_opt_out(
    rig: Rig,
) -> None:
    await open_and_claim(rig, SMS)
    assert await rig.say(SMS, "HUY") is None  # the opt-out keyword always goes through
    await rig.volunteer(0, "/xong")
    assert rig.sent_to(SMS)[-1].buttons == []
    assert await rig.say(SMS, "5") == [texts.RATING_THANKS]


# --- expiry ----------------------------------------------------------------------------------

EXPIRY_CASES = [
    # (opened at local time, volunteers on duty, minutes later, state after expire())
    ("2026-11-25T09:00", True, 9, "open"),
    ("2026-11-25T09:00", True, 10, "expired"),
    ("2026-11-25T16:55", True, 6, "expired"),
    ("2026-11-25T20:00", True, 0, "expired"),  # outside working hours: at once
    ("2026-11-29T10:00", True, 0, "expired"),  # Sunday
    ("2026-11-25T09:00", False, 0, "expired"),  # nobody on duty
]


@pytest.mark.parametrize(("opened", "on_duty", "minutes", "state"), EXPIRY_CASES)
async def test_unclaimed_tickets_expire_with_the_hotline_and_office_hours(
    rig: Rig, opened: str, on_duty: bool, minutes: int, state: str
) -> None:
    from datetime import datetime

    from tests.integration.handoff.rig import TZ

    rig.clock.now = datetime.fromisoformat(opened).replace(tzinfo=TZ)
    if not on_duty:
        await rig.volunteer(0, "/nghi")
        await rig.volunteer(1, "/nghi")
    replies = await rig.ask_for_human(ZALO)
    rig.clock.advance(minutes=minutes)
    await rig.service.expire()
    (ticket,) = rig.tickets()
    assert ticket.state == state
    told = [s.text for s in rig.sent_to(ZALO)] + replies
    hotline = [t for t in told if HOTLINE in t]
    if state == "expired":
        assert len(hotline) == 1
        assert f"phiếu số {ticket.id}" in hotline[0] and "thứ Hai đến thứ Sáu" in hotline[0]
        assert ticket.closed_at is not None
    else:
        assert hotline == []
    # expiring again tells nobody twice
    await rig.service.expire()
    assert len([t for t in rig.sent_to(ZALO) if HOTLINE in t.text]) <= 1


async def test_a_claimed_ticket_never_expires(rig: Rig) -> None:
    await open_and_claim(rig)
    rig.clock.advance(hours=5)
    assert await rig.service.expire() == []
    assert rig.tickets()[0].state == "claimed"


async def test_a_citizen_on_a_channel_that_cannot_be_relayed_keeps_the_question(rig: Rig) -> None:
    replies = await rig.ask_for_human("web:abc")
    (ticket,) = rig.tickets()
    assert ticket.state == "expired"
    assert replies == [
        texts.not_reachable_here(
            ticket_id=ticket.id,
            hotline=HOTLINE,
            office_phone=rig.service.office_phone,
            hours=rig.service.hours_text,
        )
    ]
    assert not [s for s in rig.sent() if ":notify:" in s.key]


async def test_the_next_deadline_is_the_oldest_open_tickets(rig: Rig) -> None:
    assert await rig.service.db(rig.service.store.next_deadline, timedelta(minutes=10)) is None
    await rig.ask_for_human(ZALO)
    deadline = await rig.service.db(rig.service.store.next_deadline, timedelta(minutes=10))
    assert deadline == rig.clock.now + timedelta(minutes=10)


# --- volunteer tools -------------------------------------------------------------------------


async def test_dossier_lookup_needs_the_citizens_digits_within_limits(rig: Rig) -> None:
    ticket = await open_and_claim(rig, SMS)
    assert await rig.volunteer(0, f"/hoso {DOSSIER}") == [texts.LOOKUP_NEEDS_DIGITS]
    assert await rig.volunteer(0, "/hoso 12345 6789") == [texts.LOOKUP_BAD_CODE]
    assert await rig.volunteer(0, f"/hoso {DOSSIER} 0000") == [texts.lookup_wrong(4)]
    # before verification the citizen's phone is masked in what the volunteer reads
    await rig.say(SMS, "số của tôi là 0912 345 678")
    assert "0912 345 678" not in rig.to_volunteer(0)[-1].text
    replies = await rig.volunteer(0, f"/hoso {DOSSIER.lower()} {OWNER_PHONE[-4:]}")
    assert OWNER_NAME in replies[0] and "Bổ sung bản sao căn cước" in replies[0]
    await rig.say(SMS, "số của tôi là 0912 345 678")
    assert "0912 345 678" in rig.to_volunteer(0)[-1].text
    lookups = [(a, d) for _, a, t, d in rig.audit() if a in ("dossier.lookup", "ticket.verified")]
    assert lookups == [
        ("dossier.lookup", "no_digits"),
        ("dossier.lookup", "wrong"),
        ("dossier.lookup", "verified"),
        ("ticket.verified", DOSSIER),
    ]
    assert ("volunteer:1", "ticket.verified", f"ticket:{ticket}", DOSSIER) in rig.audit()


async def test_dossier_lookup_is_blocked_after_five_wrong_answers(rig: Rig) -> None:
    for left in (4, 3, 2, 1):
        assert await rig.volunteer(0, f"/hoso {DOSSIER} 0000") == [texts.lookup_wrong(left)]
    assert await rig.volunteer(0, f"/hoso {DOSSIER} 0000") == [texts.LOOKUP_BLOCKED]
    assert await rig.volunteer(0, f"/hoso {DOSSIER} {OWNER_PHONE[-4:]}") == [texts.LOOKUP_BLOCKED]


TOOL_CASES = [
    (
        "/thutuc đăng ký khai sinh",
        ["Danh mục giấy tờ — Thủ tục đăng ký khai sinh (mã 1.001193)", "☐ ", "Giấy chứng sinh"],
    ),
    ("/thutuc ket hon", ["Thủ tục đăng ký kết hôn", "☐ "]),
    ("/thutuc zzzz qqqq", [texts.NO_PROCEDURE]),
    ("/huongdan khai sinh", ["Hướng dẫn nộp trực tuyến: Đăng ký khai sinh", "1. ", "VNeID"]),
    ("/huongdan đăng ký thường trú", ["Hướng dẫn nộp trực tuyến: Đăng ký thường trú"]),
    ("/huongdan cấp căn cước", ["Chưa có hướng dẫn", "Đăng ký kết hôn"]),
    ("/thutuc", [texts.usage("/thutuc <tên thủ tục>")]),
    ("/giup", ["/nhan", "/xong", "/thutuc", "/huongdan", "/hoso", "/truc"]),
]


@pytest.mark.parametrize(("command", "fragments"), TOOL_CASES)
async def test_volunteer_tools(rig: Rig, command: str, fragments: list[str]) -> None:
    (reply,) = await rig.volunteer(0, command)
    for fragment in fragments:
        assert fragment in reply


async def test_duty_switches_who_is_notified(rig: Rig) -> None:
    assert await rig.volunteer(1, "/nghi") == [texts.OFF_DUTY]
    await rig.ask_for_human(ZALO)
    assert {s.user_id for s in rig.sent() if ":notify:" in s.key} == {"1001"}
    assert await rig.volunteer(1, "/truc") == [texts.ON_DUTY]
    await rig.ask_for_human(SMS)
    assert {s.user_id for s in rig.sent() if s.key.startswith("handoff:2:notify:")} == {
        "1001",
        "1002",
    }


async def test_every_volunteer_action_is_audited(rig: Rig) -> None:
    ticket = await open_and_claim(rig)
    await rig.volunteer(0, "chào anh")
    await rig.volunteer(0, "/thutuc khai sinh")
    await rig.volunteer(0, "/huongdan khai sinh")
    await rig.volunteer(0, "/xong")
    await rig.volunteer(1, "/nghi")
    await rig.volunteer(1, "/truc")
    actions = [(actor, action, target) for actor, action, target, _ in rig.audit()]
    assert actions[-7:] == [
        ("volunteer:1", "claim", f"ticket:{ticket}"),
        ("volunteer:1", "relay", f"ticket:{ticket}"),
        ("volunteer:1", "procedure.checklist", None),
        ("volunteer:1", "procedure.guide", None),
        ("volunteer:1", "close", f"ticket:{ticket}"),
        ("volunteer:2", "duty.off", None),
        ("volunteer:2", "duty.on", None),
    ]
    # the audit keeps what was done, never what was said
    assert all("chào anh" not in (detail or "") for *_, detail in rig.audit())


# --- enrolment -------------------------------------------------------------------------------

ENROL_CASES = [
    # (invite valid for, chat, typed code transform, reply)
    (timedelta(days=1), "telegram:2001", str, texts.ENROLLED.format(name="Tú")),
    (timedelta(days=1), "zalo:2002", str.lower, texts.ENROLLED.format(name="Tú")),
    (timedelta(days=1), "sms:+84911111111", str, texts.ENROL_CHANNELS),
    (timedelta(seconds=-1), "telegram:2001", str, texts.BAD_INVITE),
    (
        timedelta(days=1),
        "telegram:2001",
        lambda c: c[:-1] + ("2" if c[-1] != "2" else "3"),
        texts.BAD_INVITE,
    ),
]


@pytest.mark.parametrize(("valid_for", "chat", "typed", "reply"), ENROL_CASES)
async def test_an_invite_code_enrols_the_chat_that_sends_it(
    rig: Rig, valid_for: timedelta, chat: str, typed: object, reply: str
) -> None:
    code = rig.invite("Tú", valid_for=valid_for)
    assert callable(typed)
    assert await rig.say(chat, f"/dangky {typed(code)}") == [reply]
    enrolled = reply.startswith("Chào")
    if enrolled:
        # now a volunteer: commands work, the code is spent
        assert await rig.say(chat, "/truc") == [texts.ON_DUTY]
        assert await rig.say("telegram:2999", f"/dangky {code}") == [texts.BAD_INVITE]
        assert any(action == "enrol" for _, action, _, _ in rig.audit())
    else:
        assert await rig.say(chat, "/truc") is None  # still a citizen: on to the NLU
