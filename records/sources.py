"""Where each source lives by default: written once, read by the config and the spiders.

A staff member's ``config.toml`` may point a source elsewhere (tests point them at loopback);
these are the values used when it does not.
"""

from __future__ import annotations

ERASMUS_SEARCH_URL = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"
ERASMUS_PROGRAMMES = ("43353764",)  # SEDIA's id of Erasmus+
NOVONORDISK_START_URLS = ("https://novonordiskfonden.dk/en/grant/",)
VILLUM_VELUX_START_URLS = (
    "https://villumfonden.dk/en/basic-page/current-calls",
    "https://veluxfonden.dk/en/basic-page/current-calls",
)
PDJ_START_URLS = ("https://www.pdjf.dk/nyheder/",)
