"""The HTTP client the channel adapters call their platforms with.

It is httpx (its API, its errors, its timeouts) over aiohttp's connection pool. httpcore 1.0's
own pool rescans every connection for every queued request and asks each socket whether it is
still alive (`getpeername` and `poll` per connection per pass), and it closes idle connections
beyond `max_keepalive_connections` counted over all of them, busy ones included
(encode/httpcore#1035). With the delivery layer's dozens of sends in flight that cost more CPU
than everything else in a send: about 1,000 sends/s at 8 connections and 570/s at 32, against
about 3,000/s over aiohttp's pool, on the same 2 cores and the same local gateway.
"""

from __future__ import annotations

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

# Sends in flight to one platform at once; the delivery layer runs at most this many anyway.
MAX_CONNECTIONS = 32


def provider_client(
    *, timeout: float | httpx.Timeout, max_connections: int = MAX_CONNECTIONS
) -> httpx.AsyncClient:
    """A new client for one platform's API. Closing the client closes its pool."""

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=30)
        return aiohttp.ClientSession(connector=connector)

    return httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(client=session))
