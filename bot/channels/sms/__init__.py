"""SMS (CONTRACT §4.4): the generic HTTP gateway and eSMS.vn, chosen by MOTCUA_SMS_PROVIDER.

Text sent by SMS is folded to GSM-7 (160 characters a part instead of 70); inbound keywords
(`HS <code>`, `TC`/`HUY`, `DK <code>`) are read by `parse_keyword` before the NLU.
"""

from __future__ import annotations

from bot.channels.sms.esms import EsmsSmsChannel
from bot.channels.sms.http import HttpSmsChannel
from bot.channels.sms.keywords import Keyword, parse_keyword
from core.settings import Settings

__all__ = ["EsmsSmsChannel", "HttpSmsChannel", "Keyword", "parse_keyword", "provider_channel"]


def provider_channel(settings: Settings) -> HttpSmsChannel | EsmsSmsChannel:
    """The SMS adapter MOTCUA_SMS_PROVIDER names. Raises ValueError naming what is missing."""
    if settings.sms_provider == "http":
        return HttpSmsChannel.from_settings(settings)
    if settings.sms_provider == "esms":
        return EsmsSmsChannel.from_settings(settings)
    raise ValueError(
        f"MOTCUA_SMS_PROVIDER={settings.sms_provider} has no adapter here: use http or esms"
    )
