"""Why a source failed, as a value every layer can compare (never a phrase to search for).

The crawler decides the cause from a crawl's stats (``crawler.health``); the store keeps it per
source run; the shell and the digest choose their words from it. Offline machines fail every
source with ``OFFLINE``, which is how the shell tells "no network here" from "sites changed".
"""

from __future__ import annotations

from enum import StrEnum


class Cause(StrEnum):
    """The main reason a source's crawl failed, most telling first."""

    NONE = ""  # healthy
    OFFLINE = "offline"  # the name was not found, or the connection was refused
    UNREACHABLE = "unreachable"  # time-outs, incomplete pages, other network failures
    HTTP = "http"  # the site answered with HTTP errors
    REFUSED = "refused"  # robots.txt, a redirect or link to another site, a request budget
    LAYOUT = "layout"  # no calls, or the pages lack what the spider reads
    SHELL = "shell"  # a page is now an empty shell that a script fills in the browser
    FIELDS = "fields"  # calls found, but a field they used to have is gone (e.g. deadlines)
    DROP = "drop"  # far fewer calls than last time
    ERROR = "error"  # a page could not be read (a spider error), or anything else
