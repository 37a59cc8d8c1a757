"""The demo: `make run` (= `python -m scraped.demo`) serves the bundled sample site on
loopback, starts the daemon in the foreground on a config under ./var, and submits the
sample job, so a newcomer sees questions arrive with `scrapedctl questions list`."""
