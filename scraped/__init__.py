"""scraped: a daemon that collects aptitude and interview questions from the web."""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1
