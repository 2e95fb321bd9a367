"""Messaging channels: one folder per platform behind the `Channel` seam (see base.py).

Adding a platform = one folder + one line in `build_channels` + its fixtures and case table.
A channel whose settings are absent is not built (start-up says so in one line).
"""

from __future__ import annotations

from typing import Any

from bot.channels.base import Channel
from bot.ratelimit import ChannelRates, Rate
from core.logging import get_logger
from core.settings import Settings

log = get_logger("motcua.channels")


def build_channels(settings: Settings, *, token_store: Any) -> dict[str, Channel]:
    """The channels the settings turn on, by name (`telegram`, `zalo`, `zns`, `sms`)."""
    channels: dict[str, Channel] = {}
    if settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel

        channels["telegram"] = TelegramChannel.from_settings(settings)
    else:
        log.info("channel telegram is off: MOTCUA_TELEGRAM_TOKEN is absent")
    if settings.zalo_enabled:
        from bot.channels.zalo.channel import ZaloChannel, ZnsChannel

        channels["zalo"] = ZaloChannel.from_settings(settings, token_store=token_store)
        if settings.zns_template_result_ready:
            zns = ZnsChannel.from_settings(settings, token_store=token_store)
            channels["zns"] = zns
        else:
            log.info("ZNS is off: MOTCUA_ZNS_TEMPLATE_RESULT_READY is absent")
    else:
        log.info("channel zalo is off: MOTCUA_ZALO_APP_ID or MOTCUA_ZALO_OA_SECRET_KEY is absent")
    if settings.sms_provider == "http":
        from bot.channels.sms.http import HttpSmsChannel

        channels["sms"] = HttpSmsChannel.from_settings(settings)
    elif settings.sms_provider is not None:
        from bot.channels.sms import provider_channel

        channels["sms"] = provider_channel(settings)
    else:
        log.info("channel sms is off: MOTCUA_SMS_PROVIDER is absent")
    return channels


def send_rates(settings: Settings) -> dict[str, ChannelRates]:
    """Each platform's send limits (DESIGN: Telegram ~30/s per bot and ~1/s per chat with short
    bursts; Zalo ~4,000 requests a minute per app; SMS per the gateway's contract)."""
    return {
        "telegram": ChannelRates(
            total=Rate(settings.telegram_messages_per_second), per_user=Rate(3)
        ),
        "zalo": ChannelRates(total=Rate(settings.zalo_requests_per_minute, 60)),
        "zns": ChannelRates(total=Rate(settings.zalo_requests_per_minute, 60)),
        "sms": ChannelRates(total=Rate(settings.sms_messages_per_second)),
    }
