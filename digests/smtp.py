"""Delivering one message over SMTP, with retries on temporary failures and no secret leaks.

- Temporary failures (a 4xx answer, a refused or dropped connection, a timeout) are retried
  with growing pauses; permanent ones (5xx, a bad password, a certificate that does not
  verify) are not, since trying again cannot help and may lock the account.
- The password lives in a :class:`Secret` whose ``repr`` and ``str`` are ``***``, and every
  error text is passed through :func:`redact` before it is logged, stored or shown: an SMTP
  server is free to echo what it was sent, and smtplib puts the AUTH exchange in exceptions.
- A send that the server accepted is never retried, even if saying goodbye (QUIT) failed.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from ipaddress import ip_address

log = logging.getLogger("fondsradar.smtp")


class Secret:
    """A password that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. ``ssl_context`` is for tests and private CAs; by default the
    system's trusted certificates are used and the host name is checked."""

    host: str
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str | None = None
    password: Secret | None = None
    timeout_s: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; the pause before try n+1 is ``backoff_s * factor**(n-1)``."""

    attempts: int = 3
    backoff_s: float = 10.0
    factor: float = 3.0

    def pause(self, attempt: int) -> float:
        return self.backoff_s * self.factor ** (attempt - 1)


@dataclass
class SendResult:
    ok: bool
    attempts: int
    error: str = ""
    temporary: bool = False
    refused: dict[str, str] = field(default_factory=dict)


class SendError(Exception):
    """One failed attempt, already in words and redacted."""

    def __init__(self, message: str, *, temporary: bool):
        super().__init__(message)
        self.temporary = temporary


def redact(text: str, settings: SmtpSettings) -> str:
    """``text`` with the password, and the base64 forms AUTH PLAIN/LOGIN send, blanked out."""
    if settings.password is None:
        return text
    password = settings.password.reveal()
    if not password:
        return text
    user = settings.username or ""
    forms = {
        password,
        base64.b64encode(password.encode()).decode(),
        base64.b64encode(f"\0{user}\0{password}".encode()).decode(),
        base64.b64encode(f"{user}\0{user}\0{password}".encode()).decode(),
    }
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def send_message(
    msg: EmailMessage,
    settings: SmtpSettings,
    *,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send ``msg`` to its To/Cc recipients; retry temporary failures per ``retry``."""
    retry = retry or RetryPolicy()
    where = f"{settings.host}:{settings.port}"
    attempt = 0
    while True:
        attempt += 1
        try:
            refused = _attempt(msg, settings)
        except SendError as exc:
            error = redact(str(exc), settings)
            if exc.temporary and attempt < retry.attempts:
                pause = retry.pause(attempt)
                log.warning("SMTP %s: attempt %d failed (%s); trying again in %.0f s",
                            where, attempt, error, pause)
                sleep(pause)
                continue
            log.error("SMTP %s: not sent after %d attempt(s): %s", where, attempt, error)
            return SendResult(ok=False, attempts=attempt, error=error, temporary=exc.temporary)
        words = {a: redact(f"{code} {_text(m)}", settings) for a, (code, m) in refused.items()}
        log.info("SMTP %s: sent %s (attempt %d)%s", where, msg.get("Message-ID", ""), attempt,
                 f"; refused: {', '.join(words)}" if words else "")
        return SendResult(ok=True, attempts=attempt, refused=words)


def _attempt(msg: EmailMessage, s: SmtpSettings) -> dict[str, tuple[int, bytes]]:
    """One connection: connect, secure, log in, send. Raises :class:`SendError`."""
    if s.security == "none" and s.username and not _loopback(s.host):
        raise SendError(
            'smtp.security is "none", so the password would cross the network unencrypted; '
            'use "starttls" or "ssl" (or no username, for a relay that needs no login)',
            temporary=False)
    if s.username and (s.password is None or not s.password.reveal()):
        raise SendError("smtp.username is set but no password was given (smtp.password_env)",
                        temporary=False)
    client: smtplib.SMTP | None = None
    try:
        context = s.ssl_context or ssl.create_default_context()
        if s.security == "ssl":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
        client.ehlo()
        if s.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if s.username and s.password is not None:
            client.login(s.username, s.password.reveal())
        return client.send_message(msg)
    except SendError:
        raise
    except Exception as exc:
        raise _classify(exc, s) from None
    finally:
        if client is not None:
            try:
                client.quit()
            except Exception:  # the message is in (or not) already; only the goodbye failed
                client.close()


def _classify(exc: Exception, s: SmtpSettings) -> SendError:
    """An exception from smtplib or the socket as one redacted line, temporary or not."""
    where = f"{s.host}:{s.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{a}: {code} {_text(m)}" for a, (code, m) in exc.recipients.items())
        return SendError(f"{where}: every recipient was refused ({detail})",
                         temporary=all(400 <= c < 500 for c in codes))
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SendError(f"{where}: login refused for the configured username "
                         f"({exc.smtp_code} {_text(exc.smtp_error)})",
                         temporary=400 <= exc.smtp_code < 500)
    if isinstance(exc, smtplib.SMTPResponseException):
        return SendError(f"{where}: the server answered {exc.smtp_code} {_text(exc.smtp_error)}",
                         temporary=400 <= exc.smtp_code < 500)
    if isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc):
        return SendError(f"{where}: no answer within {s.timeout_s:g} s", temporary=True)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SendError(f"{where}: the server closed the connection ({exc})", temporary=True)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendError(f"{where}: the server does not support this ({exc}); check "
                         "smtp.security", temporary=False)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SendError(f"{where}: the server's certificate could not be verified "
                         f"({exc.verify_message})", temporary=False)
    if isinstance(exc, ssl.SSLError):
        return SendError(f"{where}: TLS failed ({exc.reason or exc})", temporary=True)
    if isinstance(exc, socket.gaierror):
        return SendError(f"{where}: the host name could not be resolved ({exc.strerror})",
                         temporary=True)
    if isinstance(exc, TimeoutError | socket.timeout):
        return SendError(f"{where}: no answer within {s.timeout_s:g} s", temporary=True)
    if isinstance(exc, ConnectionError):
        return SendError(f"{where}: the server could not be reached "
                         f"({exc.strerror or type(exc).__name__})", temporary=True)
    if isinstance(exc, OSError):
        return SendError(f"{where}: network error ({exc.strerror or exc})", temporary=True)
    if isinstance(exc, smtplib.SMTPException):
        return SendError(f"{where}: {exc}", temporary=False)
    return SendError(f"{where}: {type(exc).__name__}: {exc}", temporary=False)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
