"""Non-blocking framed IO on a connected stdlib socket, driven by trio's IO waits.

trio's SocketStream yields to the scheduler on every send and receive, even when the
kernel could complete the call at once; on a control socket answering small requests
that doubles the event-loop iterations per request. Here a call that can complete now
does, and only a call that would block waits (`wait_readable`/`wait_writable`). To stay
fair to other tasks, a connection that keeps finding whole frames already buffered
(a pipelining client) checkpoints every `_FAIR_EVERY` frames.
"""

from __future__ import annotations

import socket

import trio

from scraped import protocol

_READ_CHUNK = 65536
_FAIR_EVERY = 16


class ConnectionClosed(Exception):
    """The peer closed the connection; `partial` tells whether it was mid-frame."""

    def __init__(self, partial: bool):
        super().__init__("connection closed mid-frame" if partial else "connection closed")
        self.partial = partial


class FramedSocket:
    def __init__(self, sock: socket.socket, max_frame: int):
        sock.setblocking(False)
        self.sock = sock
        self.max_frame = max_frame
        self._buf = bytearray()
        self._unyielded = 0

    async def read_frame(self) -> bytes:
        """The next frame's body. Raises FrameTooLarge (before reading the body) or
        ConnectionClosed."""
        buf = self._buf
        while True:
            if len(buf) >= 4:
                length = protocol.frame_length(bytes(buf[:4]), self.max_frame)
                if len(buf) >= 4 + length:
                    body = bytes(buf[4:4 + length])
                    del buf[:4 + length]
                    self._unyielded += 1
                    if self._unyielded >= _FAIR_EVERY:
                        self._unyielded = 0
                        await trio.lowlevel.checkpoint()
                    return body
            try:
                data = self.sock.recv(_READ_CHUNK)
            except BlockingIOError:
                self._unyielded = 0
                await trio.lowlevel.wait_readable(self.sock)
                continue
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            if not data:
                raise ConnectionClosed(partial=bool(buf))
            buf += data

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                sent = self.sock.send(view)
            except BlockingIOError:
                await trio.lowlevel.wait_writable(self.sock)
                continue
            except (ConnectionResetError, BrokenPipeError):
                raise ConnectionClosed(partial=False) from None
            view = view[sent:]

    def close(self) -> None:
        self.sock.close()
