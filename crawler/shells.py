"""Pages that turned into empty script shells: noticed for every spider, in one place.

When a site is rebuilt as a JavaScript application, its server sends a page with scripts and
hardly any text; a crawler without a browser reads nothing there. A spider then yields nothing
for the page, which looks the same as "no calls this week". This spider middleware tells the
two apart: after a callback has run, if it yielded neither an item nor a request and the page is
a script shell, the page's address is recorded in the crawl stats under
:data:`crawler.health.SCRIPT_SHELL`, and :func:`crawler.health.assess` fails the source with a
reason a person understands. A shell from which the spider still found its way (Novo Nordisk
Fonden's listing leads to its back end) is not reported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from crawler.health import SCRIPT_SHELL
from crawler.text import parse_html, visible_lines

# A page with less visible text than this, and at least one script, is a shell.
SHELL_TEXT = 200


def is_script_shell(html: str | bytes) -> bool:
    """A page that holds scripts but (almost) no text of its own."""
    root = parse_html(html)
    if root is None:
        return False
    if not root.xpath("//script"):
        return False
    body = root.find("body")
    text = " ".join(visible_lines(body if body is not None else root))
    return len(text) < SHELL_TEXT


class ScriptShellMiddleware(BaseSpiderMiddleware):
    """Records the pages that were script shells and gave the spider nothing."""

    def process_spider_output(self, response: Response | None, result: Iterable[Any]
                              ) -> Iterable[Any]:
        count = 0
        for out in result:
            count += 1
            yield out
        if not count:
            self._check(response)

    async def process_spider_output_async(self, response: Response | None,
                                          result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        count = 0
        async for out in result:
            count += 1
            yield out
        if not count:
            self._check(response)

    def _check(self, response: Response | None) -> None:
        if not isinstance(response, TextResponse) or response.status >= 400:
            return
        if not is_script_shell(response.text):
            return
        stats = self.crawler.stats
        pages = list(stats.get_value(SCRIPT_SHELL) or [])
        if response.url not in pages:
            pages.append(response.url)
        stats.set_value(SCRIPT_SHELL, pages)
        if self.crawler.spider is not None:
            self.crawler.spider.logger.warning(
                "%s is an empty shell that a script fills in the browser: nothing to read",
                response.url)
