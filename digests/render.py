"""Rendering a composed :class:`~digests.model.Digest`: the email's HTML and text, the week's
archive page and the index of weeks. No I/O but reading the templates.

Scraped text is untrusted: every string from a source passes :func:`digests.text.clean_text`
(markup and script dropped) and links :func:`digests.text.safe_url` (http(s) only); the HTML
templates autoescape on top of that. ``StrictUndefined`` makes a typo in a template fail a
test instead of mailing a blank line.

The HTML is built for mail clients, not browsers: nested tables with ``width`` attributes
(Outlook's Word engine ignores CSS widths), no images, no web fonts, and every CSS rule
inlined into ``style`` attributes with css-inline (Gmail drops ``<style>`` in some views).
"""

from __future__ import annotations

import quopri
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from digests.formatting import (
    amount_text,
    change_text,
    days_left,
    format_day,
    format_deadline,
    format_timestamp,
    local_day,
    plural,
    status_label,
    target_text,
    week_range,
    week_title,
    why_text,
)
from digests.model import Call, ChangedCall, Digest, Entry, SourceHealth
from digests.text import clean_text, safe_url
from digests.words import WORDS, funder_name, source_name
from records.health import Cause

TEMPLATES = Path(__file__).with_name("templates")
# How many changed lines of one watched page are shown before "og N linjer mere".
MAX_PAGE_LINES = 8
TITLE_LIMIT = 300
LINE_LIMIT = 400
# Gmail cuts an email's HTML after 102 KB ("[Message clipped]"), hiding the rest, the sources'
# health included. The email's HTML, as sent (quoted-printable, where every "=" of the inlined
# styles takes three bytes), is kept below this many bytes by showing fewer calls per section;
# the rest is behind "og N flere" on the week's archive page.
CLIP_BYTES = 100_000

_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False,
                                 keep_link_tags=True)


@dataclass(frozen=True)
class RenderedEmail:
    """An email's parts; ``cap``: the calls per section it shows (below ``max_per_section``
    when the HTML had to be cut to stay under :data:`CLIP_BYTES`)."""

    subject: str
    html: str
    text: str
    cap: int | None = None


def environment() -> Environment:
    """The templates' environment: HTML autoescaped, text not (it is never read as HTML)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def subject(digest: Digest, *, test: bool = False) -> str:
    """``Fondsradar uge 2: 3 nye opslag, 1 ændring, 2 lukker snart``."""
    words = WORDS[digest.language]
    summary = ", ".join(_counts(digest)) or words["nothing"].rstrip(".")
    text = words["subject"].format(week=int(digest.week[6:8]), summary=summary)
    return (words["test_subject"] if test else "") + text


def render_email(
    digest: Digest,
    *,
    max_per_section: int,
    archive_url: str | None = None,
    test: bool = False,
) -> RenderedEmail:
    """The email of one audience: each section capped at ``max_per_section`` entries, the rest
    behind "og N flere", linking to the week's archive page when its address is known.

    A group's first email lists everything it follows; when that HTML would pass
    :data:`CLIP_BYTES`, the cap is lowered until it fits (at least one call per section)."""
    env = environment()
    cap = max_per_section
    while True:
        view = build_view(digest, mode="email", max_per_section=cap, archive_url=archive_url,
                          with_calendar=bool(digest.calendar_calls()))
        html = _INLINER.inline(env.get_template("digest.html.j2").render(**view))
        if html_wire_size(html) <= CLIP_BYTES or cap <= 1:
            break
        cap = max(1, min(cap - 1, cap * 3 // 4))
    text = env.get_template("digest.txt.j2").render(**view)
    return RenderedEmail(subject=subject(digest, test=test), html=html, text=text, cap=cap)


def html_wire_size(html: str) -> int:
    """The HTML part's size as the message carries it (UTF-8, quoted-printable)."""
    return len(quopri.encodestring(html.encode("utf-8")))


def render_archive(digest: Digest, *, index_url: str = "index.html",
                   calendar_url: str = "fondsradar.ics", feed_url: str = "feed.atom") -> str:
    """The week's archive page: the whole digest (no cap), with links to the other files."""
    view = build_view(digest, mode="archive", max_per_section=None, archive_url=None,
                      with_calendar=False, index_url=index_url, calendar_url=calendar_url,
                      feed_url=feed_url)
    return _INLINER.inline(environment().get_template("digest.html.j2").render(**view))


def render_index(weeks: Sequence[str], *, language: str, today: date,
                 calendar_url: str = "fondsradar.ics", feed_url: str = "feed.atom") -> str:
    """The index of archive pages, newest week first."""
    words = WORDS[language]
    view = {
        "w": words, "lang": language, "title": words["index_title"],
        "today": format_day(today, language, weekday=True),
        "weeks": [{"href": f"{w}.html", "title": week_title(w, language).capitalize(),
                   "range": week_range(w, language)} for w in sorted(set(weeks), reverse=True)],
        "calendar_url": calendar_url, "feed_url": feed_url,
    }
    return _INLINER.inline(environment().get_template("index.html.j2").render(**view))


# ------------------------------------------------------------------------------------ view
def build_view(
    digest: Digest,
    *,
    mode: str,
    max_per_section: int | None,
    archive_url: str | None,
    with_calendar: bool,
    index_url: str | None = None,
    calendar_url: str | None = None,
    feed_url: str | None = None,
) -> dict[str, Any]:
    """Everything the templates show, as plain strings: formatting happens here, not there."""
    lang = digest.language
    words = WORDS[lang]
    archive = archive_url  # ours (config or out_dir), not scraped: http(s) or file:

    def more(n: int, anchor: str) -> dict[str, Any] | None:
        if n <= 0:
            return None
        return {"text": plural("more", n, lang),
                "url": f"{archive}#{anchor}" if archive else None}

    urgent = digest.closing_soon_days
    new = []
    for section in digest.new:
        anchor = f"nye-{section.theme.slug}"
        shown, hidden = _cap(section.entries, max_per_section)
        new.append({"name": clean_text(section.theme.name), "anchor": anchor,
                    "entries": [_entry_view(e, digest.today, lang, urgent_days=urgent)
                                for e in shown],
                    "more": more(hidden, anchor)})
    changed, hidden_changed = _cap(digest.changed, max_per_section)
    closing, hidden_closing = _cap(digest.closing, max_per_section)
    upcoming, hidden_upcoming = _cap(digest.upcoming, max_per_section)
    watched, hidden_watched = _cap(digest.watched, max_per_section)
    audience = digest.audience.name
    counts = _counts(digest)
    links = _count_links(digest)
    failing = [h for h in digest.health if h.failing]
    all_unreachable = bool(digest.health) and len(failing) == len(digest.health) and all(
        _health_key(h) == "fail_unreachable" for h in failing)
    return {
        "w": words,
        "lang": lang,
        "mode": mode,
        "title": f"{words['brand']} {week_title(digest.week, lang)}",
        "heading": week_title(digest.week, lang).capitalize(),
        "week": digest.week,
        "week_range": week_range(digest.week, lang),
        "today": format_day(digest.today, lang, weekday=True),
        "audience": (words["for_group"].format(group=clean_text(audience)) if audience
                     else words["archive_for"]),
        "summary": " · ".join(counts) if counts else words["nothing"],
        "summary_links": links,
        "preheader": ", ".join(counts) if counts else words["nothing"],
        "intro": words["intro"],
        "new": new,
        "changed": {"entries": [_changed_view(c, digest.today, lang, urgent) for c in changed],
                    "more": more(hidden_changed, "aendringer")},
        "closing": {"entries": [_entry_view(e, digest.today, lang, badge=True, days_first=True,
                                            urgent_days=urgent) for e in closing],
                    "intro": words["closing_intro"].format(days=digest.closing_soon_days),
                    "more": more(hidden_closing, "lukker-snart")},
        "upcoming": {"entries": [_entry_view(e, digest.today, lang, badge=False,
                                             urgent_days=urgent) for e in upcoming],
                     "more": more(hidden_upcoming, "aabner-senere")},
        "all_unreachable": words["all_unreachable"] if all_unreachable else "",
        "watched": {"entries": [_watched_view(c, lang) for c in watched],
                    "more": more(hidden_watched, "sider")},
        "health": [_health_view(h, lang) for h in digest.health],
        "archive_url": archive,
        "index_url": index_url,
        "calendar_url": calendar_url,
        "feed_url": feed_url,
        "with_calendar": with_calendar,
    }


# The sections in the order the email shows them: (count's word, anchor of the section).
SECTIONS = (("n_closing", "lukker-snart"), ("n_new", "nye"), ("n_changed", "aendringer"),
            ("n_upcoming", "aabner-senere"), ("n_watched", "sider"))


def _section_counts(digest: Digest) -> list[tuple[str, int, str]]:
    sizes = {"n_closing": len(digest.closing), "n_new": digest.new_count,
             "n_changed": len(digest.changed), "n_upcoming": len(digest.upcoming),
             "n_watched": len(digest.watched)}
    return [(key, sizes[key], anchor) for key, anchor in SECTIONS if sizes[key]]


def _counts(digest: Digest) -> list[str]:
    return [plural(key, n, digest.language) for key, n, _ in _section_counts(digest)]


def _count_links(digest: Digest) -> list[dict[str, str]]:
    """The summary bar: each count a link to its section further down."""
    return [{"text": plural(key, n, digest.language), "href": f"#{anchor}"}
            for key, n, anchor in _section_counts(digest)]


def _cap(items: Sequence[Any], limit: int | None) -> tuple[list[Any], int]:
    if limit is None or len(items) <= limit:
        return list(items), 0
    return list(items[:limit]), len(items) - limit


def _call_view(call: Call, today: date, lang: str, urgent_days: int = 21) -> dict[str, Any]:
    words = WORDS[lang]
    deadline = call.next_deadline
    if deadline:
        deadline_text = format_deadline(deadline, lang)
    elif call.status == "rolling":
        deadline_text = words["rolling"]
    else:
        deadline_text = words["no_deadline"]
    opens = ""
    if call.status == "forthcoming" and call.opens:
        opens = format_deadline(call.opens, lang)
    funder = " · ".join(p for p in (funder_name(clean_text(call.funder), lang),
                                    clean_text(call.programme)) if p)
    return {
        "id": call.id,
        "title": clean_text(call.title, TITLE_LIMIT) or call.id,
        "url": safe_url(call.url),
        "funder": funder,
        "deadline": deadline_text,
        "days_left": days_left(deadline, today, lang),
        "urgent": bool(deadline) and _days(deadline, today) <= urgent_days,
        "opens": opens,
        "amount": amount_text(call.amount_min, call.amount_max, call.budget_total,
                              clean_text(call.currency) or None, lang),
        "target": target_text(call.levels, call.groups, lang),
        "status": status_label(call.status, lang),
        "days_badge": "",
    }


def _entry_view(entry: Entry, today: date, lang: str, *, badge: bool = False,
                days_first: bool = False, urgent_days: int = 21) -> dict[str, Any]:
    """A listed call; ``days_first``: the days left lead the title ("Lukker snart")."""
    view = _call_view(entry.call, today, lang, urgent_days)
    view["days_badge"] = view["days_left"] if days_first else ""
    view["why"] = why_text(entry.why, entry.call.levels, lang)
    view["theme"] = clean_text(entry.theme.name)
    view["badge"] = WORDS[lang]["new_badge"] if badge and entry.is_new else ""
    return view


def _days(deadline: str, today: date) -> int:
    try:
        return (local_day(deadline) - today).days
    except ValueError:
        return 10**6


def _changed_view(item: ChangedCall, today: date, lang: str, urgent_days: int) -> dict[str, Any]:
    words = WORDS[lang]
    view = _entry_view(item.entry, today, lang, urgent_days=urgent_days)
    currency = clean_text(item.entry.call.currency) or None
    view["changes"] = [
        {"label": words[f"label_{ch.field}"],
         "old": clean_text(change_text(ch.field, ch.old, currency, lang)),
         "new": clean_text(change_text(ch.field, ch.new, currency, lang))}
        for ch in item.changes
    ]
    return view


def _watched_view(call: Call, lang: str) -> dict[str, Any]:
    words = WORDS[lang]
    changes = call.page_changes
    lines: list[dict[str, str]] = []
    hidden = 0
    if changes is not None:
        all_lines = [("added", clean_text(x, LINE_LIMIT)) for x in changes.added]
        all_lines += [("removed", clean_text(x, LINE_LIMIT)) for x in changes.removed]
        all_lines = [(k, t) for k, t in all_lines if t]
        hidden = max(len(all_lines) - MAX_PAGE_LINES, 0) + changes.more
        lines = [{"kind": k, "sign": "+" if k == "added" else "−", "label": words[k],
                  "text": t} for k, t in all_lines[:MAX_PAGE_LINES]]
    funder = " · ".join(p for p in (funder_name(clean_text(call.funder), lang),
                                    clean_text(call.programme)) if p)
    return {
        "title": clean_text(call.title, TITLE_LIMIT) or call.id,
        "url": safe_url(call.url),
        "funder": funder,
        "lines": lines,
        "more_lines": plural("more_lines", hidden, lang) if hidden else "",
        "unknown": not lines,
        "when": format_timestamp(call.changed_at, lang),
    }


# The words for each cause of failure (records.health.Cause) in digests/words.py.
_FAIL_WORDS = {Cause.OFFLINE: "fail_unreachable", Cause.UNREACHABLE: "fail_unreachable",
               Cause.HTTP: "fail_http", Cause.LAYOUT: "fail_empty", Cause.DROP: "fail_drop",
               Cause.SHELL: "fail_shell", Cause.FIELDS: "fail_fields",
               Cause.REFUSED: "fail_refused"}


def _health_view(h: SourceHealth, lang: str) -> dict[str, Any]:
    """One plain line per source; a failing source says what staff should suspect."""
    words = WORDS[lang]
    name = source_name(h.source, lang)
    when = format_timestamp(h.last_ok, lang)
    if not h.failing:
        key = "healthy" if when else "healthy_never"
        return {"failing": False, "text": words[key].format(source=name, items=h.items,
                                                            when=when)}
    key = _health_key(h)
    since = words["last_ok"].format(when=when) if when else words["never_ok"]
    lost = [words[f"field_{f}"] for f in h.lost if f"field_{f}" in words] or [
        words["field_deadline"]]
    what = (", ".join(lost[:-1]) + f" {words['and']} " + lost[-1]) if len(lost) > 1 else lost[0]
    return {"failing": True, "text": f"{words[key].format(source=name, what=what)} ({since})"}


def _health_key(h: SourceHealth) -> str:
    """Which words fit a failing source, from the cause the crawler decided (never from the
    message's words: an offline site also found no calls, but "siden kan have ændret sig"
    would send staff looking for a changed page when the network was the problem)."""
    return _FAIL_WORDS.get(h.cause, "fail_other")  # StrEnum members hash as their text
