"""Run a spider's callbacks against a site served on loopback, without Scrapy's engine.

A Twisted reactor cannot be restarted inside one test process, and a child ``fondsradar crawl``
per layout costs seconds; so the layout tests fetch every request the spider makes over real
HTTP from the loopback server (urllib), hand the answer to the request's callback as Scrapy
would (an ``HtmlResponse``/``TextResponse`` with the request attached), and follow what the
callback yields, breadth first. Items are collected; nothing is mocked but the scheduler.
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections import deque
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Request, TextResponse

from records.call import CallItem

MAX_REQUESTS = 200


def fetch(request: Request) -> TextResponse:
    """One request over HTTP, as the response object Scrapy would build."""
    try:
        with urllib.request.urlopen(request.url, timeout=10) as answer:  # noqa: S310 (loopback)
            status, body, headers = answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as err:
        status, body, headers = err.code, err.read(), dict(err.headers)
    ctype = headers.get("Content-Type", "text/html")
    cls = HtmlResponse if "html" in ctype else TextResponse
    return cls(url=request.url, status=status, body=body, encoding="utf-8", request=request,
               headers={k: v for k, v in headers.items()})


def walk(spider: scrapy.Spider) -> list[CallItem]:
    """Every item the spider yields from its start requests, following its requests."""
    async def starts() -> list[Request]:
        return [r async for r in spider.start()]

    queue: deque[Request] = deque(asyncio.run(starts()))
    seen: set[str] = set()
    items: list[CallItem] = []
    while queue and len(seen) < MAX_REQUESTS:
        request = queue.popleft()
        if request.url in seen and not request.dont_filter:
            continue
        seen.add(request.url)
        response = fetch(request)
        if response.status >= 400 and response.status not in request.meta.get(
                "handle_httpstatus_list", []):
            continue
        callback = request.callback or spider.parse
        for out in callback(response, **request.cb_kwargs) or []:
            if isinstance(out, Request):
                queue.append(out)
            elif isinstance(out, CallItem):
                items.append(out)
    return items


def by_title(items: list[Any]) -> dict[str, Any]:
    return {item.title: item for item in items}
