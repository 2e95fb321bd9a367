"""Building the Zalo channels from MOTCUA_* settings."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError

from bot.channels.base import OutboundMessage, Template
from bot.channels.zalo import FREE_REPLY_WINDOW, ZALO_REQUESTS_PER_MINUTE
from bot.channels.zalo.channel import ZaloChannel, ZnsChannel
from bot.channels.zalo.tokens import InMemoryTokenStore
from core.settings import Settings, SettingsError
from tests.channels.zalo.conftest import APP_ID, OA_SECRET_KEY, SECRET_KEY, USER_ID, fresh_pair
from tests.channels.zalo.fake_zalo import CS, OAUTH, ZNS, FakeZalo


def _settings(fake: FakeZalo, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "zalo_app_id": APP_ID,
        "zalo_secret_key": SECRET_KEY,
        "zalo_oa_secret_key": OA_SECRET_KEY,
        "zalo_access_token": "access-0",
        "zalo_refresh_token": "refresh-0",
        "zalo_api_base_url": fake.url,
        "zalo_oauth_base_url": fake.url,
        "zalo_business_base_url": fake.url,
        "zns_template_result_ready": "248079",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_limits() -> None:
    assert ZALO_REQUESTS_PER_MINUTE == 4000
    assert FREE_REPLY_WINDOW.total_seconds() == 48 * 3600


async def test_both_channels_from_settings_share_the_tokens(fake_zalo: FakeZalo) -> None:
    fake_zalo.valid_access.clear()  # the configured access token is no longer valid
    fake_zalo.refresh_delay = 0.2
    store = InMemoryTokenStore()
    settings = _settings(fake_zalo)
    zalo = ZaloChannel.from_settings(settings, token_store=store)
    zns = ZnsChannel.from_settings(settings, token_store=store)
    try:
        assert (zalo.name, zns.name) == ("zalo", "zns")
        await asyncio.gather(
            zalo.send(OutboundMessage(channel="zalo", user_id=USER_ID, text="Dạ, em chào.")),
            zns.send(
                OutboundMessage(
                    channel="zns",
                    user_id="+84912345678",
                    text="",
                    template=Template("248079", (("dossier_code", "X"),)),
                    idempotency_key="outbox-1",
                )
            ),
        )
    finally:
        await zalo.aclose()
        await zns.aclose()
    assert len(fake_zalo.calls_to(OAUTH)) == 1
    assert fake_zalo.calls_to(CS)[-1].headers["access_token"] == "access-1"
    assert fake_zalo.calls_to(ZNS)[-1].headers["access_token"] == "access-1"
    stored = await store.load()
    assert stored is not None and stored.refresh_token == "refresh-1"


MISSING = [
    ({"zalo_app_id": None}, "MOTCUA_ZALO_APP_ID"),
    ({"zalo_oa_secret_key": None}, "MOTCUA_ZALO_OA_SECRET_KEY"),
    ({"zalo_secret_key": None}, "MOTCUA_ZALO_SECRET_KEY"),
    ({"zalo_refresh_token": None}, "MOTCUA_ZALO_REFRESH_TOKEN"),
]


@pytest.mark.parametrize(("overrides", "variable"), MISSING, ids=[m[1] for m in MISSING])
def test_missing_settings_name_the_variable(
    fake_zalo: FakeZalo, overrides: dict[str, Any], variable: str
) -> None:
    # Settings refuse what they can tell alone; the channel names what only it needs.
    def build() -> None:
        settings = _settings(fake_zalo, **overrides)
        ZaloChannel.from_settings(settings, token_store=InMemoryTokenStore())

    with pytest.raises((SettingsError, ValidationError), match=variable):
        build()


def test_zns_needs_the_app_secret(fake_zalo: FakeZalo) -> None:
    with pytest.raises((SettingsError, ValidationError), match="MOTCUA_ZALO_SECRET_KEY"):
        ZnsChannel.from_settings(
            _settings(fake_zalo, zalo_secret_key=None), token_store=InMemoryTokenStore()
        )


async def test_no_configured_tokens_is_fine_when_the_store_has_them(fake_zalo: FakeZalo) -> None:
    store = InMemoryTokenStore(fresh_pair())
    settings = _settings(fake_zalo, zalo_access_token=None, zalo_refresh_token=None)
    zalo = ZaloChannel.from_settings(settings, token_store=store)
    try:
        await zalo.send(OutboundMessage(channel="zalo", user_id=USER_ID, text="Dạ."))
    finally:
        await zalo.aclose()
    assert fake_zalo.calls_to(CS)[0].headers["access_token"] == "access-0"
