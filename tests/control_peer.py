"""A local peer that holds control connections open, run as another user by the tests.

    python -m tests.control_peer SOCKET     then, on stdin, one command a line:
        open N      open N more connections and send nothing on them (idle holders)
        quit        close them all and exit

After each `open`, one JSON line on stdout: {"open": total held, "refused": [messages of
the connections the daemon refused at once]}. Standard library only (it runs under the
system python as `nobody`, with msgpack from the venv on PYTHONPATH).
"""

from __future__ import annotations

import json
import socket
import struct
import sys

import msgpack


def _refusal(sock: socket.socket) -> str | None:
    """The daemon's error reply if it refused this connection at once, else None."""
    sock.settimeout(0.3)
    try:
        head = sock.recv(4)
    except (TimeoutError, BlockingIOError):
        return None
    except OSError as exc:
        return f"closed: {exc}"
    if len(head) < 4:
        return "closed"
    (n,) = struct.unpack(">I", head)
    body = b""
    while len(body) < n:
        chunk = sock.recv(n - len(body))
        if not chunk:
            break
        body += chunk
    reply = msgpack.unpackb(body)
    return str(reply.get("error", {}).get("message"))


def main(path: str) -> None:
    held: list[socket.socket] = []
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "open":
            fresh = []
            for _ in range(int(words[1])):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                fresh.append(s)
            refused = []
            for s in fresh:
                why = _refusal(s)
                if why is None:
                    held.append(s)
                else:
                    refused.append(why)
                    s.close()
            print(json.dumps({"open": len(held), "refused": refused}), flush=True)
    for s in held:
        s.close()


if __name__ == "__main__":
    main(sys.argv[1])
