"""The scraping engine: jobs, frontier, fetcher, extraction."""
