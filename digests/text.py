"""Scraped text made safe to show: no markup, no script, no dangerous links.

Titles and page lines come from other people's web pages. The HTML templates escape
everything anyway (Jinja2 autoescape), but the plain-text part and the calendar are read by
other programs too, so markup is removed here once, for every output alike.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

# Whole elements whose content is code, not text.
_CODE_BLOCKS = re.compile(r"<\s*(script|style|iframe|object|embed|template)\b.*?(<\s*/\s*\1\s*>|$)",
                          re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^<>]*(>|$)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACE = re.compile(r"[ \t\r\n\xa0]+")


def clean_text(value: object, limit: int | None = None) -> str:
    """Plain text from a scraped string: entities decoded, tags and script dropped, one line.

    Entities are decoded before tags are removed, so an escaped ``&lt;script&gt;`` is
    removed too instead of arriving as a live tag after some later decoding step.
    """
    if value is None:
        return ""
    text = str(value)
    for _ in range(2):  # "&amp;lt;" hides a tag behind two layers of escaping
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    text = _CODE_BLOCKS.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _CONTROL.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def safe_url(url: object) -> str | None:
    """Only absolute http(s) links reach a digest; ``javascript:``, ``data:`` and relative or
    malformed addresses are dropped (the title is then shown without a link)."""
    if not url:
        return None
    text = _CONTROL.sub("", str(url)).strip()
    if any(c in text for c in ' <>"\'`\\\n\r\t'):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text


DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def slug(value: str) -> str:
    """``Piger og STEM-gruppen`` → ``piger-og-stem-gruppen``: for file names and header ids."""
    ascii_text = unicodedata.normalize("NFKD", value.translate(DANISH))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return out or "digest"
