"""The weekly digest: pure rendering and delivery.

Plain records in (``model``), files' contents and emails out; nothing here reads the database
or imports the crawler or the matcher (docs/architecture.md). The shell (``fondsradar.job``) reads
the
store, builds :class:`Call` records, and writes or sends what comes back.

- ``compose``: which calls go into one audience's digest, under which heading;
- ``render``: email HTML (CSS inlined) and text, the week's archive page, the index of weeks;
- ``calendar``: the deadlines as iCalendar; ``feed``: new calls as Atom;
- ``message``: the ``EmailMessage``; ``smtp``: sending it, with retries.
"""

from digests.calendar import build_calendar, event_uid
from digests.compose import compose, matching
from digests.feed import build_feed
from digests.formatting import week_of
from digests.message import build_message, list_id, new_message_id
from digests.model import (
    Audience,
    Call,
    ChangedCall,
    Digest,
    Entry,
    FieldChange,
    PageChanges,
    SourceHealth,
    Theme,
    ThemeSection,
)
from digests.render import RenderedEmail, render_archive, render_email, render_index, subject
from digests.smtp import RetryPolicy, Secret, SendResult, SmtpSettings, redact, send_message
from digests.text import clean_text, safe_url, slug

__all__ = [
    "Audience",
    "Call",
    "ChangedCall",
    "Digest",
    "Entry",
    "FieldChange",
    "PageChanges",
    "RenderedEmail",
    "RetryPolicy",
    "Secret",
    "SendResult",
    "SmtpSettings",
    "SourceHealth",
    "Theme",
    "ThemeSection",
    "build_calendar",
    "build_feed",
    "build_message",
    "clean_text",
    "compose",
    "event_uid",
    "list_id",
    "matching",
    "new_message_id",
    "redact",
    "render_archive",
    "render_email",
    "render_index",
    "safe_url",
    "send_message",
    "slug",
    "subject",
    "week_of",
]
