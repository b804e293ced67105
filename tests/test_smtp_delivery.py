"""Sending over SMTP against a real server on 127.0.0.1: once per group and week, retries on
temporary failures, a failed send left pending for the next run, TLS, and a password that never
shows up anywhere."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from digests import RetryPolicy, Secret, SmtpSettings, send_message
from fondsradar import job
from records.store import Store
from tests.conftest import ROOT
from tests.test_digest_support import (
    PASSWORD,
    TODAY,
    USERNAME,
    WEEK,
    SmtpServer,
    config_file,
    free_port,
    make_config,
    secret_forms,
    self_signed_context,
    week_store,
)

FAST = RetryPolicy(attempts=3, backoff_s=0.01)
ENV = "FONDSRADAR_TEST_SMTP_PASSWORD"


def email_rows(store: Store) -> list[dict]:
    return [r for r in store.digests.recent() if r["kind"] == "email"]


def test_a_second_run_in_the_same_week_sends_nothing(tmp_path: Path) -> None:
    store = week_store(tmp_path)
    with SmtpServer() as server:
        cfg = make_config(tmp_path, smtp_port=server.port)
        first = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
        second = job.deliver(cfg, store, TODAY + timedelta(days=3), send=True, retry=FAST)
    assert [r.status for r in first.reports] == ["sent"]
    assert [r.status for r in second.reports] == ["already-sent"]
    assert len(server.received) == 1
    [row] = email_rows(store)
    assert (row["week"], row["status"], row["attempts"]) == (WEEK, "sent", 1)
    included = store.digests.included("email", "Teknologipagt-teamet", "2027-W03")
    assert len(included) == 5 and "interreg:oks-calls" in included  # 4 calls and the page


def test_next_week_only_what_is_new_changed_or_closing(tmp_path: Path) -> None:
    store = week_store(tmp_path)
    with SmtpServer() as server:
        cfg = make_config(tmp_path, smtp_port=server.port)
        job.deliver(cfg, store, TODAY, send=True, retry=FAST)
        later = job.deliver(cfg, store, TODAY + timedelta(days=7), send=True, retry=FAST)
    assert [r.status for r in later.reports] == ["sent"]  # one call still closes soon
    text = server.received[1].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "NYE OPSLAG" not in text and "LUKKER SNART" in text
    assert "Efteruddannelse af lærere" in text and "[NY]" not in text
    assert "Piger og programmering" not in text


def test_nothing_is_sent_in_a_week_with_nothing_to_say(tmp_path: Path) -> None:
    store = week_store(tmp_path)
    with SmtpServer() as server:
        cfg = make_config(tmp_path, smtp_port=server.port, closing_soon_days=1)
        job.deliver(cfg, store, TODAY, send=True, retry=FAST)
        quiet = job.deliver(cfg, store, TODAY + timedelta(days=7), send=True, retry=FAST)
    assert [r.status for r in quiet.reports] == ["nothing"]
    assert len(server.received) == 1 and len(email_rows(store)) == 1


def test_an_outage_leaves_the_digest_pending_and_the_next_run_sends_it(tmp_path: Path) -> None:
    store = week_store(tmp_path)
    server = SmtpServer()  # not started: the port refuses connections
    cfg = make_config(tmp_path, smtp_port=server.port)
    down = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
    [report] = down.reports
    assert report.status == "pending" and "could not be reached" in report.detail
    [row] = email_rows(store)
    assert (row["status"], row["attempts"]) == ("pending", 3) and row["sent_at"] is None
    assert store.digests.included("email", "Teknologipagt-teamet", "2027-W03") == set()

    with server:
        up = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
    assert [r.status for r in up.reports] == ["sent"]
    [row] = email_rows(store)
    assert (row["status"], row["attempts"], row["error"]) == ("sent", 4, None)
    msg = server.received[0].message
    assert msg["Message-ID"] == report.message_id  # the retry is the same message


def test_a_451_answer_is_retried_with_backoff_then_left_for_the_next_run(tmp_path: Path) -> None:
    store = week_store(tmp_path)
    with SmtpServer(answer="451 4.3.0 Mailbox busy, try again later") as server:
        cfg = make_config(tmp_path, smtp_port=server.port)
        busy = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
        assert server.data_attempts == 3 and not server.received
        assert busy.reports[0].status == "pending"
        assert "451" in busy.reports[0].detail
        server.answer = None
        ok = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
    assert ok.reports[0].status == "sent" and len(server.received) == 1


def test_a_permanent_refusal_is_not_retried_but_the_next_run_tries_again(tmp_path: Path) -> None:
    store = week_store(tmp_path)
    with SmtpServer(answer="554 5.7.1 Message rejected") as server:
        cfg = make_config(tmp_path, smtp_port=server.port)
        refused = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
        assert server.data_attempts == 1
        assert refused.reports[0].status == "failed" and "554" in refused.reports[0].detail
        server.answer = None
        ok = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
    assert ok.reports[0].status == "sent"


def test_a_week_that_was_never_sent_is_carried_by_the_next(tmp_path: Path) -> None:
    store = week_store(tmp_path)
    server = SmtpServer()
    cfg = make_config(tmp_path, smtp_port=server.port)
    job.deliver(cfg, store, TODAY, send=True, retry=FAST)  # down all week
    with server:
        job.deliver(cfg, store, TODAY + timedelta(days=7), send=True, retry=FAST)
    rows = {r["week"]: r["status"] for r in email_rows(store)}
    assert rows == {WEEK: "superseded", "2027-W03": "sent"}
    text = server.received[0].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "NYE OPSLAG" in text and "Piger og programmering" in text  # still new: never sent


def test_a_silent_server_times_out_and_is_retried(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts the connection, never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        cfg = make_config(tmp_path, smtp_port=silent.getsockname()[1], timeout_s=0.3)
        report = job.deliver(cfg, week_store(tmp_path), TODAY, send=True,
                             retry=RetryPolicy(attempts=2, backoff_s=0.01)).reports[0]
    assert report.status == "pending" and "no answer within 0.3 s" in report.detail


def test_login_works_and_the_password_never_leaks(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(ENV, PASSWORD)
    store = week_store(tmp_path)
    with SmtpServer(login=(USERNAME, PASSWORD)) as server:
        cfg = make_config(tmp_path, smtp_port=server.port, login=True)
        ok = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
    assert ok.reports[0].status == "sent" and server.logins == [(USERNAME, True)]

    other = tmp_path / "other"
    other.mkdir()
    store2 = week_store(other)
    with SmtpServer(login=(USERNAME, "a-different-password")) as server:
        cfg = make_config(other, smtp_port=server.port, login=True)
        bad = job.deliver(cfg, store2, TODAY, send=True, retry=FAST)
    report = bad.reports[0]
    assert report.status == "failed" and "login refused" in report.detail
    # smtplib tries each mechanism the server offers (PLAIN, LOGIN) once; no second connection
    assert set(server.logins) == {(USERNAME, False)} and len(server.logins) <= 2
    assert email_rows(store2)[0]["attempts"] == 1

    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail"))
    assert "login refused" in ours  # the failure was logged ...
    dumps = "\n".join("\n".join(s.db.conn.iterdump()) for s in (store, store2))
    files = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                      for p in [*tmp_path.rglob("*.eml"), *tmp_path.rglob("*.html")])
    for form in secret_forms():
        for where, text in (("logs", ours), ("error", report.detail), ("database", dumps),
                            ("files", files), ("repr", repr(job.smtp_settings(cfg)))):
            assert form not in text, f"the password leaked into the {where}"


def test_a_missing_password_variable_is_named_and_recorded(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    store = week_store(tmp_path)
    with SmtpServer(login=(USERNAME, PASSWORD)) as server:
        cfg = make_config(tmp_path, smtp_port=server.port, login=True)
        report = job.deliver(cfg, store, TODAY, send=True, retry=FAST).reports[0]
    assert report.status == "failed"
    assert f"the environment variable {ENV} is not set" in report.detail
    assert email_rows(store)[0]["status"] == "failed" and not server.received


def test_the_cli_sends_a_test_digest_to_one_address_without_recording_it(tmp_path: Path) -> None:
    store = week_store(tmp_path)
    store.close()
    env = {**os.environ, ENV: PASSWORD}
    env.pop("FONDSRADAR_TODAY", None)
    with SmtpServer(login=(USERNAME, PASSWORD)) as server:
        config = config_file(tmp_path, server.port)
        base = [sys.executable, "-m", "fondsradar", "--config", str(config), "--today",
                TODAY.isoformat(), "digest"]
        test = subprocess.run([*base, "--send", "--to", "kollega@example.dk"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        assert test.returncode == 0, test.stdout + test.stderr
        assert "Test digest sent to kollega@example.dk" in test.stdout
        assert [m.rcpt_tos for m in server.received] == [["kollega@example.dk"]]
        assert server.received[0].message["Subject"].startswith("[Test] Fondsradar uge 2:")
        assert email_rows(Store(tmp_path / "fondsradar.db")) == []  # not the group's send

        real = subprocess.run([*base, "--send"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        again = subprocess.run([*base, "--send"], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=120)
    group = "Teknologipagt-teamet (teknologipagt@example.dk)"  # the project's config.toml
    assert real.returncode == 0 and f"Sent to {group}." in real.stdout
    assert "Already sent to Teknologipagt-teamet this week" in again.stdout
    assert [m.rcpt_tos for m in server.received][1:] == [["teknologipagt@example.dk"]]
    for out in (test, real, again):
        for form in secret_forms():
            assert form not in out.stdout + out.stderr


def test_the_cli_refuses_to_without_send(tmp_path: Path) -> None:
    config = config_file(tmp_path, free_port(), login=False)
    result = subprocess.run([sys.executable, "-m", "fondsradar", "--config", str(config),
                             "digest", "--to", "x@example.dk"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "--to sends a test digest: use it with --send" in result.stderr


# ------------------------------------------------------------------ the transport itself
def message(to: str = "a@example.dk") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "f@example.dk", to, "hej"
    msg.set_content("hej")
    return msg


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "ssl"])
def test_tls_with_login(tmp_path: Path, implicit: bool) -> None:
    server_ctx, client_ctx = self_signed_context(tmp_path)
    with SmtpServer(login=(USERNAME, PASSWORD), tls=server_ctx, implicit_tls=implicit) as server:
        settings = SmtpSettings(host="127.0.0.1", port=server.port,
                                security="ssl" if implicit else "starttls", username=USERNAME,
                                password=Secret(PASSWORD), timeout_s=5, ssl_context=client_ctx)
        result = send_message(message(), settings, retry=FAST)
    assert result.ok, result.error
    assert server.logins == [(USERNAME, True)] and len(server.received) == 1


def test_an_untrusted_certificate_is_a_permanent_failure(tmp_path: Path) -> None:
    server_ctx, _ = self_signed_context(tmp_path)
    with SmtpServer(tls=server_ctx) as server:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, security="starttls",
                                timeout_s=5)  # the system's CAs do not know this certificate
        result = send_message(message(), settings, retry=FAST)
    assert not result.ok and not result.temporary and result.attempts == 1
    assert "certificate could not be verified" in result.error


def test_no_password_in_the_clear_over_the_network() -> None:
    settings = SmtpSettings(host="smtp.example.dk", port=25, security="none", username=USERNAME,
                            password=Secret(PASSWORD), timeout_s=1)
    result = send_message(message(), settings, retry=FAST)
    assert not result.ok and not result.temporary and "unencrypted" in result.error
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings.password)


def test_some_recipients_refused_still_counts_as_sent(tmp_path: Path) -> None:
    groups = [{"name": "Teamet", "emails": ["a@example.dk", "gone@example.dk"], "themes": ["*"]}]
    store = week_store(tmp_path)
    with SmtpServer(refuse={"gone@example.dk"}) as server:
        cfg = make_config(tmp_path, smtp_port=server.port, groups=groups)
        report = job.deliver(cfg, store, TODAY, send=True, retry=FAST).reports[0]
    assert report.status == "sent" and "gone@example.dk: 550" in report.detail
    assert server.received[0].rcpt_tos == ["a@example.dk"]
    [row] = email_rows(store)
    assert row["status"] == "sent" and "gone@example.dk" in row["error"]


def only_erasmus(config: Path) -> None:
    """Switch off every source but Erasmus+, the one the demo traffic answers for."""
    if "enabled = false" in config.read_text(encoding="utf-8"):
        return  # tests.conftest.write_config did it already
    lines = []
    for line in config.read_text(encoding="utf-8").splitlines():
        lines.append(line)
        header = line.strip()
        if header.startswith("[sources.") and not header.startswith("[[") \
                and header != "[sources.erasmus]" and header.count(".") == 1:
            lines.append("enabled = false")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_weekly_run_crawls_writes_and_sends_once(tmp_path: Path) -> None:
    demo_har = ROOT / "fondsradar" / "demo" / "demo.har"
    env = {k: v for k, v in os.environ.items() if k != "FONDSRADAR_TODAY"}
    with SmtpServer() as server:
        config = config_file(tmp_path, server.port, login=False)
        only_erasmus(config)
        command = [sys.executable, "-m", "fondsradar", "--config", str(config), "--today",
                   TODAY.isoformat(), "run", "--replay", str(demo_har)]
        first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=300)
        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Sent to Teknologipagt-teamet (teknologipagt@example.dk)." in first.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Already sent to Teknologipagt-teamet this week" in second.stdout
    assert len(server.received) == 1
    msg = server.received[0].message
    assert "Centres of Vocational Excellence" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for name in (f"{WEEK}.html", "index.html", "fondsradar.ics", "feed.atom"):
        assert (tmp_path / "out" / name).exists()
    runs = Store(tmp_path / "fondsradar.db").runs.recent()
    assert [r["status"] for r in runs] == ["ok", "ok"]


def test_a_run_whose_email_could_not_be_sent_fails_and_says_why(tmp_path: Path) -> None:
    from fondsradar.config import SourcesConfig

    server = SmtpServer()  # down
    cfg = make_config(tmp_path, smtp_port=server.port)
    cfg = cfg.model_copy(update={"sources": SourcesConfig(erasmus=cfg.sources.erasmus)})
    store = Store(cfg.db_path)
    result = job.run(cfg, store, today=TODAY, replay=ROOT / "fondsradar" / "demo" / "demo.har",
                     send=True, retry=FAST)
    assert [o.status for o in result.outcomes] == ["ok"]
    assert result.exit_code == job.EXIT_ERROR
    assert [r.status for r in result.sends] == ["pending"]
    [run] = store.runs.recent()
    assert run["status"] == "failed" and "digest for Teknologipagt-teamet not sent" in run["message"]
    with server:
        again = job.deliver(cfg, store, TODAY, send=True, retry=FAST)
    assert [r.status for r in again.reports] == ["sent"]
