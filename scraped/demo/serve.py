"""A quiet static file server for the demo site: binds 127.0.0.1 on the given port (0: a
free one) and prints that port on its first line of output, then serves until interrupted.
A port in use is one line on stderr and exit status 75.

    python -m scraped.demo.serve DIRECTORY [PORT]
"""

from __future__ import annotations

import functools
import http.server
import sys


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    directory = argv[0] if argv else "."
    port = int(argv[1]) if len(argv) > 1 else 0
    handler = functools.partial(_Quiet, directory=directory)
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        print(f"scraped.demo.serve: cannot bind 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return 75
    with server:
        print(server.server_address[1], flush=True)
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
