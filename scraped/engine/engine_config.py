"""The [engine] section: jobs, politeness defaults, the fetcher, the frontier, write batching."""

from __future__ import annotations

from dataclasses import dataclass

from scraped.engine.extraction_config import ExtractionConfig
from scraped.settings import setting


@dataclass(frozen=True)
class FetchConfig:
    """The shared HTTP client (one httpx.AsyncClient for every job)."""

    connect_timeout: float = setting(10.0, "Seconds to open a connection.", minimum=0.1, live=False)
    read_timeout: float = setting(20.0, "Seconds to wait for the next bytes of a response.",
                                  minimum=0.1, live=False)
    total_timeout: float = setting(60.0, "Seconds one request may take in all (a slow drip is cut off).",
                                   minimum=0.1, live=False)
    retries: int = setting(3, "Retries of a request after a timeout, connection error, 429 or 5xx.",
                           minimum=0, maximum=20, live=False)
    backoff: float = setting(0.5, "First retry delay in seconds; doubles each retry, with jitter.\n"
                             "A Retry-After header overrides it.", minimum=0.0, live=False)
    backoff_max: float = setting(60.0, "Longest retry delay in seconds (Retry-After included).",
                                 minimum=0.0, live=False)
    max_redirects: int = setting(5, "Redirects followed per request.", minimum=0, maximum=30, live=False)
    max_response_bytes: int = setting(5 << 20, "Largest body accepted, counted while streaming and\n"
                                      "after decompression (a gzip bomb is cut off).",
                                      minimum=1024, live=False)
    content_types: tuple[str, ...] = setting(("text/html", "application/xhtml+xml", "text/plain"),
                                             "Content types that are parsed; others are skipped.",
                                             live=False)
    max_connections: int = setting(100, "Connections the shared client keeps open in all.",
                                   minimum=1, maximum=10_000, live=False)


@dataclass(frozen=True)
class EngineConfig:
    """The scraping engine."""

    max_concurrent_jobs: int = setting(5, "Jobs that may run at once (adaptive concurrency may lower it).",
                                       minimum=1, maximum=100)
    jobs_dir: str = setting("", "Directory of job spec files (*.toml) loaded at start and on reload.")
    user_agent: str = setting("scraped/0.1 (+question bank crawler)", "User-Agent sent with every request.")
    allow_private_networks: bool = setting(False, "Allow targets on loopback, private, link-local or\n"
                                           "metadata addresses (only for demos and tests).")
    resume_interrupted: bool = setting(True, "Resume jobs interrupted by a crash when the daemon starts.")
    join_running_jobs: bool = setting(False, "With slots free and nothing queued, help crawl a RUNNING job of\n"
                                      "another daemon on the same MongoDB (claiming its frontier in\n"
                                      "batches). Off: a second daemon only takes over a dead one's jobs.")

    # Politeness defaults: a job spec's [politeness] table overrides each.
    obey_robots: bool = setting(True, "Fetch robots.txt once per host and obey it (crawl-delay too).")
    host_concurrency: int = setting(8, "Requests in flight per host.", minimum=1, maximum=256)
    host_delay: float = setting(0.0, "Seconds between the starts of two requests to one host.",
                                minimum=0.0, maximum=3600.0)
    autothrottle: bool = setting(False, "Adapt each host's delay to its observed latency.")

    # One job's crawl loop.
    job_concurrency: int = setting(32, "Pages one job fetches at once (across its hosts).",
                                   minimum=1, maximum=1024)
    max_pages: int = setting(10_000, "Default page limit of a job whose spec sets none (0: no limit).",
                             minimum=0)
    max_depth: int = setting(5, "Default link depth of a job whose spec sets none.", minimum=0, maximum=100)
    frontier_batch: int = setting(64, "Frontier entries a job claims from the store at a time.",
                                  minimum=1, maximum=5000)
    page_attempts: int = setting(3, "Times a page that failed with a retryable error is tried again\n"
                                 "(later, after the fetcher's own retries) before it counts as failed.",
                                 minimum=1, maximum=20)
    page_crashes: int = setting(3, "Daemon crashes while a page was processed alone (it runs alone once it\n"
                                "was in flight at two crashes) before it is given up as a page that\n"
                                "crashes the daemon. Crashes with other pages in flight never count.\n"
                                "`jobs retry-failed` brings a given-up page back.", minimum=1, maximum=100)
    max_failure_ratio: float = setting(0.5, "A crawl that ends with more than this share of its pages failed\n"
                                       "(robots.txt refusals not counted) ends FAILED, not COMPLETED; one\n"
                                       "with no page fetched is always FAILED. 1.0: only that.",
                                       minimum=0.0, maximum=1.0)
    page_retry_delay: float = setting(30.0, "Seconds before a failed page is tried again.", minimum=0.0)
    write_batch: int = setting(500, "Buffered writes (links, questions, done marks) that trigger a flush.",
                               minimum=1, maximum=50_000)
    write_interval: float = setting(0.2, "Longest time in seconds a buffered write waits.",
                                    minimum=0.01, maximum=60.0)
    progress_interval: float = setting(1.0, "Seconds between saves of a running job's progress counters.",
                                       minimum=0.1, maximum=60.0)
    seen_cache: int = setting(100_000, "URLs per job remembered in memory in front of the store's\n"
                              "de-duplication (a cache: the store decides).", minimum=0)
    failures_kept: int = setting(50, "Recent page failures kept on a job (URL, reason, kind, time).",
                                 minimum=1, maximum=10_000)
    lease_seconds: float = setting(60.0, "A running job's lease; renewed while it runs. After a crash,\n"
                                   "another daemon sharing the store may take the job once it expires.",
                                   minimum=5.0, maximum=3600.0)
    drop_frontier: bool = setting(True, "Delete a job's frontier when it completes, stops or fails\n"
                                  "(its counters and failures stay on the job).")
    stop_grace: float = setting(10.0, "Seconds a paused or stopped job gets to save its work.",
                                minimum=0.1, maximum=600.0)
    fetch: FetchConfig = setting(factory=FetchConfig)
    extraction: ExtractionConfig = setting(factory=ExtractionConfig)
