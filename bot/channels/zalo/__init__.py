"""Zalo Official Account chat and ZNS template messages (CONTRACT §4.3)."""

from bot.channels.zalo.channel import (
    FREE_REPLY_WINDOW,
    ZALO_REQUESTS_PER_MINUTE,
    ZaloChannel,
    ZnsChannel,
    token_manager_from_settings,
)
from bot.channels.zalo.tokens import InMemoryTokenStore, TokenManager, TokenPair, TokenStore

__all__ = [
    "FREE_REPLY_WINDOW",
    "ZALO_REQUESTS_PER_MINUTE",
    "InMemoryTokenStore",
    "TokenManager",
    "TokenPair",
    "TokenStore",
    "ZaloChannel",
    "ZnsChannel",
    "token_manager_from_settings",
]
