"""The digest as an email: ``multipart/mixed`` holding ``multipart/alternative`` (text, then
HTML: clients show the last part they can) and, when there are deadlines, an ``.ics``
attachment (``text/calendar; method=PUBLISH``) that Outlook and Gmail offer to add.

Headers that make it behave as a list mail: ``List-Id`` (clients filter on it),
``Auto-Submitted`` (RFC 3834: no out-of-office replies back to the robot), and a
``Message-ID`` chosen once per group and week by the shell, so a retried send carries the
same id and a client that already got the first attempt can drop the duplicate.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid, parseaddr

from digests.render import RenderedEmail
from digests.text import DANISH, clean_text, slug


class _DigestPolicy(EmailPolicy):
    """The standard policy, except that a non-ASCII Subject is folded by the classic
    ``email.header.Header`` encoder: Python 3.11's folder can emit an empty encoded word
    (``=?utf-8?q??=``) when "ændret" meets the line limit, which RFC 2047 forbids and some
    clients show as garbage."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() == "subject" and not str(value).isascii():
            return f"{name}: {self._encoded(name, str(value))}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "subject" and not str(value).isascii():
            return f"{name}: {self._encoded(name, str(value))}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)

    def _encoded(self, name: str, value: str) -> str:
        return Header(value, "utf-8", maxlinelen=self.max_line_length or 78,
                      header_name=name).encode(linesep=self.linesep)


MAIL_POLICY = _DigestPolicy()


def sender_domain(sender: str) -> str:
    """``Fondsradar <fondsradar@example.dk>`` → ``example.dk`` (for ids that must be unique)."""
    address = parseaddr(sender)[1]
    return address.rsplit("@", 1)[-1].lower() if "@" in address else "fondsradar.invalid"


def new_message_id(sender: str, week: str, audience: str) -> str:
    """A fresh, globally unique Message-ID naming the week and group (readable in logs)."""
    return make_msgid(idstring=f"{week}.{slug(audience or 'test')}",
                      domain=sender_domain(sender))


def list_id(audience: str, sender: str) -> str:
    """``Fondsradar: Teknologipagt-teamet <teknologipagt-teamet.fondsradar.example.dk>``."""
    label = f"{slug(audience or 'test')}.fondsradar.{sender_domain(sender)}"
    # An ASCII phrase: list ids are matched by filters, and an encoded word here would be
    # folded by the same buggy code as the Subject.
    phrase = unicodedata.normalize("NFKD", clean_text(audience).translate(DANISH))
    phrase = phrase.encode("ascii", "ignore").decode().replace('"', "").strip()
    return f"Fondsradar: {phrase or 'test'} <{label}>"


def build_message(
    rendered: RenderedEmail,
    *,
    sender: str,
    to: Sequence[str],
    message_id: str,
    list_id_value: str,
    date: datetime,
    language: str,
    ics: bytes | None = None,
    ics_filename: str = "fondsradar.ics",
) -> EmailMessage:
    """The complete message, ready for ``smtplib.SMTP.send_message``."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = [_address(a) for a in to]
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["List-Id"] = list_id_value
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    # Quoted-printable keeps both parts readable in the raw message and safe for any relay.
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if ics:
        msg.add_attachment(ics, maintype="text", subtype="calendar", filename=ics_filename,
                           params={"method": "PUBLISH", "charset": "utf-8"})
    # Last: set_content and add_attachment move Content-* headers into the parts.
    msg["Content-Language"] = language
    return msg


def wire_size(msg: EmailMessage) -> int:
    """The message's size in bytes as it goes over SMTP (CRLF line ends)."""
    return len(msg.as_bytes(policy=msg.policy.clone(linesep="\r\n")))


def _address(value: str) -> Address:
    name, addr = parseaddr(value)
    return Address(display_name=name, addr_spec=addr or value)
