"""Channel identities on SQLite and PostgreSQL: linked phones, opt-outs, subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from core.messaging.identities import Identities, split_sender

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
PHONE = "+84912345678"


def test_split_sender_names_sms_senders_by_phone() -> None:
    assert split_sender("tel:+84912345678") == ("sms", "+84912345678")
    assert split_sender("zalo:6142494823") == ("zalo", "6142494823")
    assert split_sender("web:zalo:1") == ("web", "zalo:1")


def test_touch_records_the_last_message_time(engine: Engine) -> None:
    ids = Identities(engine)
    assert ids.get("zalo", "1") is None
    ids.touch("zalo", "1", now=T0)
    ids.touch("zalo", "1", now=T0 + timedelta(hours=1))
    got = ids.get("zalo", "1")
    assert got is not None
    assert got.last_inbound_at == T0 + timedelta(hours=1)
    assert got.phone is None
    assert not got.opted_out


def test_a_linked_phone_proves_the_sender(engine: Engine) -> None:
    ids = Identities(engine)
    ids.link_phone("zalo", "1", PHONE, now=T0)
    assert ids.linked_phone("zalo:1") == PHONE
    assert ids.linked_phone("telegram:1") is None
    assert ids.linked_phone(f"tel:{PHONE}") == PHONE
    assert ids.linked_phone("web:zalo:1") is None
    assert [i.channel for i in ids.for_phone(PHONE)] == ["zalo"]
    ids.unlink_all("zalo", "1")
    assert ids.linked_phone("zalo:1") is None


def test_opting_out_drops_subscriptions_and_subscribing_opts_back_in(engine: Engine) -> None:
    ids = Identities(engine)
    assert ids.subscribe("000.00.12.H49-241105-0012", "sms", PHONE, now=T0)
    assert not ids.subscribe("000.00.12.H49-241105-0012", "sms", PHONE, now=T0)
    assert [i.user_id for i in ids.subscribers("000.00.12.H49-241105-0012")] == [PHONE]
    ids.set_opted_out("sms", PHONE, True, now=T0)
    assert ids.subscribers("000.00.12.H49-241105-0012") == []
    got = ids.get("sms", PHONE)
    assert got is not None and got.opted_out
    ids.subscribe("000.00.12.H49-241105-0012", "sms", PHONE, now=T0)
    got = ids.get("sms", PHONE)
    assert got is not None and not got.opted_out
    assert "912345678" not in repr(got)
