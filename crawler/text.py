"""Plain text out of scraped HTML.

Descriptions are shown in emails and fed to the matcher, so markup must go but the paragraph
structure should stay. Source HTML is sometimes malformed (SEDIA's ``topicConditions`` opens
``<div class="eui-u-mt-l>``); lxml's forgiving parser through BeautifulSoup copes with that.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

_BLOCKS = ("p", "div", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
           "article", "ul", "ol", "table", "dd", "dt")


def html_to_text(html: str | None) -> str:
    """Visible text of an HTML fragment; blocks become lines, runs of space one space."""
    if not html:
        return ""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    return clean_lines(soup.get_text())


def clean_lines(text: str) -> str:
    """Collapse white space within lines and drop empty lines."""
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
