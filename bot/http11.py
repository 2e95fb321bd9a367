"""A small pooled HTTP/1.1 keep-alive client for one trusted local peer (the Rasa server).

Written by hand on purpose, and only for this hop: every citizen message crosses it, and the
general clients (httpx, aiohttp) spend 0.3–0.5 ms per request in their own layers, which is
most of what the gateway adds to Rasa's own time. Parsing is httptools' (the same parser
uvicorn uses), so chunked bodies, header folding and the like are handled by a real parser.
Anything unusual (a redirect, an upgrade) is not needed here and is treated as an error.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httptools


class HTTPError(Exception):
    """The request failed: connection refused or reset, timeout, or an unparsable answer."""


@dataclass
class _Response:
    status: int = 0
    body: list[bytes] = field(default_factory=list)
    complete: bool = False
    keep_alive: bool = True
    parser: httptools.HttpResponseParser | None = None

    # httptools callbacks
    def on_headers_complete(self) -> None:
        # Asked here: after the message completes, httptools has reset this state.
        assert self.parser is not None
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, data: bytes) -> None:
        self.body.append(data)

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = False

    def close(self) -> None:
        self.writer.close()

    async def exchange(self, request: bytes) -> _Response:
        self.writer.write(request)
        response = _Response()
        parser = httptools.HttpResponseParser(response)
        response.parser = parser
        received = False
        while not response.complete:
            data = await self.reader.read(65536)
            if not data:
                if not received:
                    raise ConnectionResetError("closed before answering")
                raise HTTPError("connection closed mid-response")
            received = True
            try:
                parser.feed_data(data)
            except httptools.HttpParserError as exc:
                raise HTTPError(f"unparsable response: {exc}") from None
        response.parser = None
        return response


class KeepAliveClient:
    def __init__(self, host: str, port: int, *, max_idle: int = 32) -> None:
        self.host = host
        self.port = port
        self.max_idle = max_idle
        self._idle: list[_Connection] = []
        self._host_header = f"{host}:{port}".encode()

    async def _connect(self) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise HTTPError(f"cannot connect: {exc.strerror or exc}") from None
        return _Connection(reader, writer)

    def _build(self, method: str, path: str, body: bytes, content_type: str) -> bytes:
        head = (
            f"{method} {path} HTTP/1.1\r\n".encode()
            + b"Host: " + self._host_header + b"\r\n"
            + b"Connection: keep-alive\r\n"
            + b"Accept: application/json\r\n"
        )  # fmt: skip
        if body or method == "POST":
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n".encode()
        return head + b"\r\n" + body

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        content_type: str = "application/json",
        timeout: float,
    ) -> tuple[int, bytes]:
        """Sends one request; returns (status, body). Raises HTTPError or TimeoutError."""
        request = self._build(method, path, body, content_type)
        async with asyncio.timeout(timeout):
            while True:
                reused = bool(self._idle)
                connection = self._idle.pop() if reused else await self._connect()
                try:
                    response = await connection.exchange(request)
                except ConnectionResetError:
                    connection.close()
                    if reused:
                        # The peer closed an idle keep-alive connection before reading this
                        # request: nothing was processed, so a fresh connection is safe.
                        continue
                    raise HTTPError("connection reset by the peer") from None
                except (OSError, HTTPError) as exc:
                    connection.close()
                    raise HTTPError(str(exc) or type(exc).__name__) from None
                except BaseException:
                    connection.close()  # a timeout or cancellation mid-exchange
                    raise
                if response.keep_alive and len(self._idle) < self.max_idle:
                    self._idle.append(connection)
                else:
                    connection.close()
                return response.status, b"".join(response.body)

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()
