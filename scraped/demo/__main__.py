"""`python -m scraped.demo` (what `make run` does).

1. serve scraped/demo/site on 127.0.0.1 (a free port) from a small static server;
2. write ./var/scraped.toml: state in ./var, the control socket at its default path (the
   one scrapedctl computes too, so `scrapedctl status` needs no flags),
   engine.allow_private_networks = true (the site is on loopback);
3. start `scraped --config var/scraped.toml` in the foreground (its log is this output);
4. once it answers, submit scraped/demo/sample_job.toml pointed at the site, and print
   the scrapedctl commands to try. Ctrl-C stops the daemon (gracefully) and the server.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
SAMPLE = HERE / "sample_job.toml"
SAMPLE_BASE = "http://127.0.0.1:8000"


def _config(var: Path) -> str:
    return (
        "# Written by `python -m scraped.demo`; safe to delete (it is rewritten on every run).\n"
        "[daemon]\n"
        f'state_dir = "{var}"\n'
        "shutdown_grace = 5.0\n\n"
        "[engine]\n"
        "# The sample site is served on loopback, which the fetcher refuses by default.\n"
        "allow_private_networks = true\n"
    )


def _start_site() -> tuple[subprocess.Popen[str], str]:
    if not (SITE / "index.html").is_file():
        sys.exit(f"scraped.demo: the sample site is missing ({SITE}/index.html)")
    proc = subprocess.Popen([sys.executable, "-m", "scraped.demo.serve", str(SITE)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    if not port.isdigit():
        proc.kill()
        sys.exit("scraped.demo: the sample site server did not start")
    return proc, f"http://127.0.0.1:{port}"


def _wait_ready(socket_path: Path, daemon: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    from scraped.client import Client, DaemonUnreachable

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            return False
        try:
            with Client(socket_path, timeout=5) as c:
                c.call("hello")
            return True
        except DaemonUnreachable:
            time.sleep(0.1)
    return False


def _ctl() -> str:
    if shutil.which("scrapedctl"):
        return "scrapedctl"
    exe = str(Path(sys.executable).with_name("scrapedctl"))
    return exe if os.path.relpath(exe).startswith("..") else os.path.relpath(exe)


def main() -> int:
    from scraped.client import Client
    from scraped.errors import ScrapedError
    from scraped.paths import default_socket_path

    var = Path("var").resolve()
    var.mkdir(exist_ok=True)
    socket_path = Path(default_socket_path())
    config = var / "scraped.toml"
    config.write_text(_config(var))
    site, base = _start_site()
    print(f"demo: serving {SITE} on {base}", flush=True)
    daemon = subprocess.Popen([sys.executable, "-m", "scraped.daemon", "--config", str(config)])
    try:
        if not _wait_ready(socket_path, daemon):
            print("demo: the daemon did not start; see its log above", file=sys.stderr)
            return 1
        spec = SAMPLE.read_text(encoding="utf-8").replace(SAMPLE_BASE, base)
        try:
            with Client(socket_path) as c:
                job = c.call("jobs.submit", spec=spec)["job"]
        except ScrapedError as exc:
            print(f"demo: could not submit the sample job: {exc}", file=sys.stderr)
            return 1
        ctl = _ctl()
        print(f"""
demo: submitted job {job['id']} ({job['name']}). Try, in another terminal:

    {ctl} jobs watch {job['id']}
    {ctl} questions list
    {ctl} questions export --format csv > questions.csv
    {ctl} engine status

Ctrl-C stops the daemon and the sample site.
""", flush=True)
        return daemon.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(15)
            except subprocess.TimeoutExpired:
                daemon.kill()
        site.terminate()
        site.wait(5)


if __name__ == "__main__":
    sys.exit(main())
