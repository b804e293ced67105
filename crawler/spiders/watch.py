"""Any page staff add under ``[sources.watch] pages`` (a national agency's round page, a
foundation without a calls list): watched for changes, one ``watch`` item per page.

All the machinery is :class:`crawler.pagewatch.PageWatchSpider`; each page's ``name``,
``funder``, ``programme``, ``language`` and CSS ``selector`` come from the config.
"""

from __future__ import annotations

from crawler.pagewatch import PageWatchSpider


class WatchSpider(PageWatchSpider):
    """Watched pages without code: nothing beyond the shared page watch."""

    name = "watch"
