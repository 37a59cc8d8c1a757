"""The fetcher: everything between a URL and a decoded page, and the only part of the
engine that imports httpx/httpcore.

    fetcher.py       Fetcher, FetchSettings, FetchResult: one shared client, redirects hop by hop
    guard.py         which addresses may be fetched (private networks, DNS pinning)
    robots.py        robots.txt per origin, cached
    politeness.py    HostPolicy and per-host slots (concurrency, delay, autothrottle)
    body.py          bounded reads, inflate limits, content types, charsets
    fetch_errors.py  FetchError, its kinds, and httpx's exceptions mapped to it
    urls.py          canonical URLs, hosts, domain checks (no network; extraction uses it)

Import from the submodule (`from scraped.engine.fetch.fetcher import Fetcher`): this
package imports nothing, so `urls` stays light for extraction.
"""
