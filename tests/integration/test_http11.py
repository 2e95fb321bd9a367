"""The keep-alive client to Rasa, against small real servers on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.http11 import HTTPError, KeepAliveClient
from tests.conftest import free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return await reader.readexactly(length) if length else b""


def ok(body: bytes, *, close: bool = False) -> bytes:
    connection = b"close" if close else b"keep-alive"
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: " + connection
        + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


class Server:
    def __init__(self) -> None:
        self.connections = 0
        self.port = free_port()

    async def start(self, handler: Handler) -> asyncio.Server:
        async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await handler(reader, writer)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        return await asyncio.start_server(counted, "127.0.0.1", self.port)


@pytest.fixture
def server() -> Server:
    return Server()


async def test_reuses_one_connection(server: Server) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            body = await read_request(reader)
            writer.write(ok(body))
            await writer.drain()

    async with await server.start(echo):
        client = KeepAliveClient("127.0.0.1", server.port)
        for i in range(5):
            status, body = await client.request("POST", "/x", body=b"%d" % i, timeout=2)
            assert (status, body) == (200, b"%d" % i)
        await client.aclose()
    assert server.connections == 1


async def test_reconnects_when_the_peer_closed_an_idle_connection(server: Server) -> None:
    async def one_per_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        body = await read_request(reader)
        writer.write(ok(body))  # says keep-alive, then closes anyway (an idle timeout)
        await writer.drain()

    async with await server.start(one_per_connection):
        client = KeepAliveClient("127.0.0.1", server.port)
        assert await client.request("POST", "/x", body=b"a", timeout=2) == (200, b"a")
        await asyncio.sleep(0.05)
        assert await client.request("POST", "/x", body=b"b", timeout=2) == (200, b"b")
        await client.aclose()
    assert server.connections == 2


async def test_connection_close_is_honoured(server: Server) -> None:
    async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(ok(b"[]", close=True))
        await writer.drain()

    async with await server.start(closing):
        client = KeepAliveClient("127.0.0.1", server.port)
        for _ in range(3):
            assert await client.request("GET", "/status", timeout=2) == (200, b"[]")
        await client.aclose()
    assert server.connections == 3


async def test_chunked_body(server: Server) -> None:
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\n[1,\r\n3\r\n2,3\r\n1\r\n]\r\n0\r\n\r\n"
        )
        await writer.drain()
        await asyncio.sleep(0.1)

    async with await server.start(chunked):
        client = KeepAliveClient("127.0.0.1", server.port)
        assert await client.request("GET", "/", timeout=2) == (200, b"[1,2,3]")
        await client.aclose()


async def test_timeout_closes_the_connection(server: Server) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async with await server.start(silent):
        client = KeepAliveClient("127.0.0.1", server.port)
        with pytest.raises(TimeoutError):
            await client.request("GET", "/", timeout=0.2)
        assert client._idle == []
        await client.aclose()


@pytest.mark.parametrize(
    "answer",
    [b"not http at all\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"],
    ids=["garbage", "cut-short"],
)
async def test_broken_answers_raise(server: Server, answer: bytes) -> None:
    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()

    async with await server.start(broken):
        client = KeepAliveClient("127.0.0.1", server.port)
        with pytest.raises(HTTPError):
            await client.request("GET", "/", timeout=2)
        await client.aclose()


async def test_refused_connection_raises() -> None:
    client = KeepAliveClient("127.0.0.1", free_port())
    with pytest.raises(HTTPError, match="cannot connect"):
        await client.request("GET", "/", timeout=2)
