"""A scriptable raw HTTP/1.1 server on 127.0.0.1 for tests of hostile behaviour.

Each route is an async handler that writes whatever bytes it likes to the socket, so a
test can script what real HTTP servers will not do on purpose: drip a body a byte at a
time, send a body forever, lie in its headers, serve a gzip bomb. Start it on port 0 with
`server = await nursery.start(HostileServer(routes).run)`.

The server counts what it saw: every request (with its arrival time on the trio clock),
hits per path, connections accepted, and the most requests it was handling at once.

Also runnable for benchmarks: `python -m tests.hostile_server --page-kb 12` serves a
keep-alive page at every path and prints its port.
"""

from __future__ import annotations

import argparse
import gzip
import http
import ipaddress
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx
import trio
import trio.lowlevel

__all__ = ["HostileServer", "LoopbackOnlyBackend", "RecordingTransport", "Request", "endless", "gzip_bomb", "page", "raw", "redirect",
           "response", "sequence", "slow_drip", "stall", "static_resolver"]


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    at: float = field(default_factory=trio.current_time)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


# A handler writes the response; it returns True to keep the connection open.
Handler = Callable[[Request, trio.SocketStream], Awaitable[bool]]


def response(status: int, headers: Iterable[tuple[str, str]] = (), body: bytes = b"",
             *, length: bool = True) -> bytes:
    reason = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else "X"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def page(body: bytes | str = b"<html><body>ok</body></html>", *, status: int = 200,
         content_type: str | None = "text/html; charset=utf-8",
         headers: Iterable[tuple[str, str]] = (), delay: float = 0.0) -> Handler:
    """A complete response with Content-Length, kept alive; `delay` seconds before it."""
    data = body.encode() if isinstance(body, str) else body
    head = [("Content-Type", content_type)] if content_type else []
    wire = response(status, [*head, *headers], data)

    async def handler(req: Request, stream: trio.SocketStream) -> bool:
        if delay:
            await trio.sleep(delay)
        await stream.send_all(wire)
        return True

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return page(b"", status=status, content_type=None, headers=[("Location", location)])


def raw(data: bytes) -> Handler:
    """Send `data` as is (any lie you like), then close the connection."""

    async def handler(req: Request, stream: trio.SocketStream) -> bool:
        await stream.send_all(data)
        return False

    return handler


def slow_drip(interval: float = 0.1, chunk: bytes = b"a", *,
              content_type: str = "text/html") -> Handler:
    """Headers at once, then `chunk` every `interval` seconds, forever (slowloris in reverse)."""

    async def handler(req: Request, stream: trio.SocketStream) -> bool:
        await stream.send_all(response(200, [("Content-Type", content_type),
                                             ("Connection", "close")], length=False))
        while True:
            await stream.send_all(chunk)
            await trio.sleep(interval)

    return handler


def endless(chunk_size: int = 64 * 1024, *, content_type: str = "text/html",
            content_length: int | None = None) -> Handler:
    """A body that never ends (optionally with a Content-Length that says so, or lies)."""
    chunk = b"<p>" + b"x" * (chunk_size - 7) + b"</p>\n"

    async def handler(req: Request, stream: trio.SocketStream) -> bool:
        head = [("Content-Type", content_type), ("Connection", "close")]
        if content_length is not None:
            head.append(("Content-Length", str(content_length)))
        await stream.send_all(response(200, head, length=False))
        while True:
            await stream.send_all(chunk)
            await trio.lowlevel.checkpoint()

    return handler


def gzip_bomb(size: int = 10 * 1024 * 1024, *, fill: bytes = b"\0",
              content_type: str = "text/html") -> Handler:
    """`size` bytes of `fill` (zeros), gzipped to a few KB, sent with Content-Encoding: gzip."""
    body = gzip.compress(fill * size, 9)
    return page(body, content_type=content_type, headers=[("Content-Encoding", "gzip")])


def stall() -> Handler:
    """Accept the request and never answer."""

    async def handler(req: Request, stream: trio.SocketStream) -> bool:
        await trio.sleep_forever()
        return False

    return handler


def sequence(*handlers: Handler) -> Handler:
    """The n-th request gets the n-th handler; the last one answers every request after."""
    calls = 0

    async def handler(req: Request, stream: trio.SocketStream) -> bool:
        nonlocal calls
        h = handlers[min(calls, len(handlers) - 1)]
        calls += 1
        return await h(req, stream)

    return handler


class LoopbackOnlyBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects to 127.0.0.1 only and records every attempt.

    Tests of the address guard use it, so that even a broken guard sends no packet to a
    non-loopback address: such an attempt is recorded and refused here.
    """

    def __init__(self) -> None:
        self.inner = httpcore.TrioBackend()
        self.attempts: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        self.attempts.append((host, port))
        if host != "127.0.0.1":
            raise httpcore.ConnectError(f"test backend refuses non-loopback {host}")
        return await self.inner.connect_tcp(host, port, timeout=timeout, local_address=local_address,
                                            socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await trio.sleep(seconds)


class RecordingTransport(httpx.AsyncBaseTransport):
    """An httpx transport that never touches the network: records requests, answers 200."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<p>x</p>")


def static_resolver(table: dict[str, list[str]]) -> Callable[[str, int], Awaitable[list[str]]]:
    """A resolver for Fetcher/Guard from a fixed table; IP literals resolve to themselves."""

    async def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return list(table[host])
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not in the test table") from None
        return [host]

    return resolve


async def _not_found(req: Request, stream: trio.SocketStream) -> bool:
    await stream.send_all(response(404, [("Content-Type", "text/plain")], b"not found"))
    return True


class HostileServer:
    """Serves scripted routes; `routes` maps a path (no query) to a handler.

    Resource handling: listeners and connections live in the nursery of `run`; cancel it
    to stop. A client that hangs up mid-response is normal here and is not an error.
    """

    def __init__(self, routes: dict[str, Handler] | None = None, *, default: Handler = _not_found):
        self.routes: dict[str, Handler] = dict(routes or {})
        self.default = default
        self.requests: list[Request] = []
        self.hits: Counter[str] = Counter()
        self.connections = 0
        self.active = 0
        self.max_active = 0
        self.port = 0
        self.keep_log = True

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def run(self, *, task_status: trio.TaskStatus[HostileServer] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1", backlog=1024)
        self.port = listeners[0].socket.getsockname()[1]
        async with trio.open_nursery() as nursery:
            await nursery.start(trio.serve_listeners, self._serve, listeners)
            task_status.started(self)

    async def _serve(self, stream: trio.SocketStream) -> None:
        self.connections += 1
        buf = bytearray()
        try:
            while True:
                req = await _read_request(stream, buf)
                if req is None:
                    return
                if self.keep_log:
                    self.requests.append(req)
                    self.hits[req.path] += 1
                handler = self.routes.get(req.path, self.default)
                self.active += 1
                self.max_active = max(self.max_active, self.active)
                try:
                    keep = await handler(req, stream)
                finally:
                    self.active -= 1
                if not keep or req.headers.get("connection", "").lower() == "close":
                    return
        except (trio.BrokenResourceError, trio.ClosedResourceError, ValueError):
            pass  # the client hung up (a fetcher cutting a hostile body short), or garbage
        finally:
            await trio.aclose_forcefully(stream)


async def _read_request(stream: trio.SocketStream, buf: bytearray) -> Request | None:
    while b"\r\n\r\n" not in buf:
        data = await stream.receive_some(65536)
        if not data:
            return None
        buf += data
        if len(buf) > 65536:
            raise ValueError("request head too large")
    end = buf.index(b"\r\n\r\n")
    head = bytes(buf[:end]).decode("latin-1").split("\r\n")
    del buf[: end + 4]  # GET only: no request bodies in these tests
    method, target, _ = head[0].split(" ", 2)
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return Request(method, target, headers)


def main() -> None:
    parser = argparse.ArgumentParser(description="serve one keep-alive page at every path")
    parser.add_argument("--page-kb", type=int, default=12)
    args = parser.parse_args()
    body = (b"<html><body>" + b"<p>question text</p>" * (args.page_kb * 1024 // 20))[: args.page_kb * 1024]
    server = HostileServer(default=page(body))
    server.keep_log = False

    async def run() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(server.run)
            print(server.port, flush=True)

    trio.run(run)


if __name__ == "__main__":
    main()
