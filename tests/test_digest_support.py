"""Helpers shared by the digest, email and SMTP tests, and tests of those helpers.

- :class:`SmtpServer`: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives
  as parsed messages, can answer with an error code, ask for a login, speak TLS, and be
  stopped and started again on the same port (an outage).
- :func:`week_store`: a real store on a tmp file filled through ``save_source`` and
  ``import_records`` the way the crawler and ``import`` fill it, with the cases the digest
  must handle: new calls, a moved deadline, a call closing soon, a watched page that changed,
  hostile scraped text, and a failing source.
- :func:`make_config`: the project's config.toml with the digest and [smtp] set per test.
"""

from __future__ import annotations

import base64
import email
import logging
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from fondsradar.config import Config, DigestConfig, DigestGroup, SmtpConfig, load_config
from records.store import SourceOutcome, Store, now_iso
from tests.conftest import write_config

TODAY = date(2027, 1, 11)  # a Monday: ISO week 2027-W02
WEEK = "2027-W02"
PASSWORD = "Tr0ub4dor&3-hemmelig"
USERNAME = "fondsradar@example.dk"
HOSTILE_TITLE = "Makerspaces <script>alert('pwn')</script> for kreative piger &amp; drenge"

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's own chatter


# ---------------------------------------------------------------------------------- SMTP
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Handler:
    server: SmtpServer

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.server.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server.data_attempts += 1
        if self.server.answer:
            return self.server.answer
        self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                             envelope.original_content or envelope.content))
        return "250 2.0.0 OK: queued"


@dataclass
class SmtpServer:
    """A real SMTP server on 127.0.0.1 for one test. ``answer`` set to e.g. ``"451 4.3.0 Try
    again later"`` makes it refuse every message with that reply."""

    port: int = field(default_factory=free_port)
    answer: str | None = None
    login: tuple[str, str] | None = None
    tls: ssl.SSLContext | None = None
    implicit_tls: bool = False
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    data_attempts: int = 0
    _controller: Controller | None = None

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {}
        if self.login is not None:  # (implicit TLS is TLS too, but aiosmtpd only knows STARTTLS)
            kwargs.update(authenticator=self._authenticate,
                          auth_require_tls=self.tls is not None and not self.implicit_tls)
        if self.tls is not None and not self.implicit_tls:
            kwargs.update(tls_context=self.tls, require_starttls=True)
        if self.implicit_tls:
            kwargs.update(ssl_context=self.tls)
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                      ready_timeout=10, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.login is None:
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        ok = (user, password) == self.login
        self.logins.append((user, ok))
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def self_signed_context(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting it) for a certificate made for 127.0.0.1."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


def secret_forms(password: str = PASSWORD, user: str = USERNAME) -> list[str]:
    """The password as it could leak: plain, and as AUTH PLAIN / LOGIN would encode it."""
    return [password, base64.b64encode(password.encode()).decode(),
            base64.b64encode(f"\0{user}\0{password}".encode()).decode()]


# -------------------------------------------------------------------------------- config
def make_config(
    tmp_path: Path,
    *,
    groups: list[dict[str, Any]] | None = None,
    smtp_port: int | None = None,
    login: bool = False,
    language: str = "da",
    max_per_section: int = 15,
    closing_soon_days: int = 21,
    timeout_s: float = 5,
) -> Config:
    """The project's themes, with this test's database, digest settings and [smtp]."""
    cfg = load_config(write_config(tmp_path))
    digest = DigestConfig(
        language=language, out_dir=str(tmp_path / "out"), closing_soon_days=closing_soon_days,
        max_per_section=max_per_section,
        groups=[DigestGroup(**g) for g in (groups or [
            {"name": "Teknologipagt-teamet", "emails": ["stem@example.dk"], "themes": ["*"]}])])
    smtp = None
    if smtp_port is not None:
        smtp = SmtpConfig(host="127.0.0.1", port=smtp_port, security="none",
                          username=USERNAME if login else None,
                          password_env="FONDSRADAR_TEST_SMTP_PASSWORD" if login else None,
                          sender="Fondsradar <fondsradar@example.dk>", timeout_s=timeout_s)
    return cfg.model_copy(update={"digest": digest, "smtp": smtp})


def config_file(tmp_path: Path, smtp_port: int, *, login: bool = True) -> Path:
    """A config file (for the CLI) with an [smtp] table pointing at the test server."""
    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    text += (f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
             'sender = "Fondsradar <fondsradar@example.dk>"\ntimeout_s = 5\n')
    if login:
        text += f'username = "{USERNAME}"\npassword_env = "FONDSRADAR_TEST_SMTP_PASSWORD"\n'
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------- store
def call(key: str, title: str, description: str, **over: Any) -> dict[str, Any]:
    """An export-shaped call record as a spider would store it."""
    record: dict[str, Any] = {
        "id": f"novonordisk:{key}", "source": "novonordisk", "funder": "Novo Nordisk Fonden",
        "programme": "Naturvidenskabelig uddannelse", "title": title,
        "url": f"https://novonordiskfonden.dk/da/opslag/{key}", "language": "da",
        "status": "open", "opens": "2026-11-01", "deadlines": ["2027-09-03T14:00:00+02:00"],
        "amount_min": None, "amount_max": 6_000_000, "currency": "DKK", "budget_total": None,
        "description": description, "keywords": [], "extra": {},
    }
    record.update(over)
    return record


CALLS: list[dict[str, Any]] = [
    call("piger-kodning", "Piger og programmering: kodeklubber for piger i grundskolen",
         "Projekter, der får flere piger til at vælge STEM: kodeklubber, programmering og "
         "rollemodeller for piger i udskolingen og på gymnasiet."),
    call("laerere-teknologi", "Efteruddannelse af lærere i teknologiforståelse",
         "Kompetenceudvikling og efteruddannelse af lærere i grundskolen i "
         "teknologiforståelse, programmering og computationel tankegang.",
         deadlines=["2027-01-20"], amount_max=1_500_000),
    call("groen-eud", "Grøn omstilling i erhvervsuddannelserne",
         "Bæredygtighed, klima og grøn omstilling i erhvervsuddannelser (EUD og EUX): "
         "elever og lærere arbejder med cirkulær økonomi og energi.",
         deadlines=["2027-02-15T12:00:00+01:00", "2027-06-01T12:00:00+02:00"],
         amount_min=500_000, amount_max=2_000_000),
    call("hostile", HOSTILE_TITLE,
         "Kreativitet, design og innovation i makerspaces for elever i grundskolen "
         "<img src=x onerror=alert(1)>.",
         url="javascript:alert(document.cookie)", deadlines=["2027-04-01"]),
]

WATCHED = {
    "id": "interreg:oks-calls", "source": "interreg", "funder": "Interreg",
    "programme": "Interreg Öresund-Kattegat-Skagerrak", "title": "Interreg ÖKS: aktuelle opslag",
    "url": "https://interreg-oks.eu/calls", "language": "da", "status": "watch", "opens": None,
    "deadlines": [], "description": "Siden med programmets opslag.", "keywords": [], "extra": {},
}


def save(store: Store, source: str, records: list[dict[str, Any]], *, status: str = "ok",
         message: str = "", cause: str = "") -> None:
    """Store one source's crawl the way the crawler's store pipeline does."""
    run = store.runs.start("crawl", TODAY)
    outcome = SourceOutcome(source, status, items=len(records), message=message, cause=cause)
    store.calls.save(run, source, records, outcome, now_iso(), complete=status == "ok")
    store.runs.finish(run, status, 0 if status == "ok" else 3)


def week_store(tmp_path: Path, *, failing: bool = True) -> Store:
    """A store as after two crawls: the calls, a watched page that changed between the two,
    and (with ``failing``) a source whose last crawl found nothing."""
    store = Store(tmp_path / "fondsradar.db")
    save(store, "novonordisk", CALLS)
    save(store, "interreg", [WATCHED])
    changed = dict(WATCHED, description="Siden med programmets opslag. Ny runde.",
                   extra={"changes": {"added": ["Ny runde åbner 1. marts 2027 <b>&amp;</b>",
                                                "<script>alert(1)</script>Ansøg senest maj"],
                                      "removed": ["Ingen åbne runder lige nu"]}})
    save(store, "interreg", [changed])
    if failing:
        save(store, "pdj", [], status="failed", message="no calls found", cause="layout")
    return store


# ------------------------------------------------------------------ tests of the helpers
def test_the_smtp_server_receives_and_refuses(tmp_path: Path) -> None:
    import smtplib

    with SmtpServer() as server:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=5) as client:
            client.sendmail("a@example.dk", ["b@example.dk"], b"Subject: hi\r\n\r\nhello\r\n")
        assert server.received[0].message["Subject"] == "hi"
        server.answer = "451 4.3.0 Try again later"
        with smtplib.SMTP("127.0.0.1", server.port, timeout=5) as client:
            try:
                client.sendmail("a@example.dk", ["b@example.dk"], b"Subject: x\r\n\r\nx\r\n")
            except smtplib.SMTPDataError as exc:
                assert exc.smtp_code == 451
            else:
                raise AssertionError("the server should have refused")


def test_week_store_has_each_case(tmp_path: Path) -> None:
    store = week_store(tmp_path)
    calls = {c["id"]: c for c in store.calls.current(TODAY)}
    assert calls["interreg:oks-calls"]["extra"]["changes"]["removed"]
    assert {h["source"]: h["status"] for h in store.sources.latest()}["pdj"] == "failed"
