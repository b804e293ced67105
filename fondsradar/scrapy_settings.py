"""Scrapy settings for ``scrapy crawl SPIDER`` run by hand from the repository root.

``scrapy.cfg`` points here rather than at :mod:`crawler.settings` so that the crawler stage
never imports the shell: this module is the shell's, and adds ``config.toml``'s values (sources,
politeness, the database) to the crawler's defaults. The ``fondsradar`` command does not use it:
its crawl child builds the same settings from the config it was given.
"""

from __future__ import annotations

import logging
import os

from crawler.settings import *  # noqa: F403  (a Scrapy settings module is its globals)
from fondsradar.config import ConfigError, config_path, load_config
from fondsradar.crawl import scrapy_settings

# FONDSRADAR_NO_CONFIG: the crawler's defaults alone (tests that pass every setting with -s).
if not os.environ.get("FONDSRADAR_NO_CONFIG"):
    try:
        globals().update(scrapy_settings(load_config(config_path(None))))
    except ConfigError as exc:
        logging.getLogger(__name__).warning("config.toml not used: %s", exc)
