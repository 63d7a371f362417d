"""`doctor` looks at the mailbox's last messages and says when the receiving server adds no
Authentication-Results, or none under the configured authserv_id — with real Dovecot, the mail
delivered over LMTP as an MTA hands it on."""
import json

import pytest
import yaml

from tests.cli.test_cli import cli
from worker.app.doctor import authentication, survey

OURS = b"Authentication-Results: mx.example.com; dkim=pass header.d=y.example; dmarc=pass header.from=y.example\n"
GOOGLE = b"Authentication-Results: mx.google.com; dkim=pass header.i=@y.example; dmarc=pass header.from=y.example\n"


def delivered(n: int, verdict: bytes = b"", by: str = "mx.example.com") -> bytes:
    """A partner's mail as our MX passes it on: its verdict (if any) on top of its Received header."""
    return verdict + (f"Received: from mail.y.example (mail.y.example [203.0.113.9])\n"
            f"\tby {by} (Postfix) with ESMTPS id 4Qx{n}; Tue,  3 Nov 2026 09:14:07 +0000 (UTC)\n"
            f"From: Alice Brook <alice@y.example>\nTo: intros@example.com\nSubject: note {n}\n"
            f"Message-ID: <note{n}@y.example>\nDate: Tue, 3 Nov 2026 10:14:05 +0100\n\nHello {n}\n").encode()


def lines(headers, authserv_id):
    return authentication(survey(headers, authserv_id), authserv_id, "INBOX")


def test_a_server_that_adds_none_is_named():
    [line] = lines([delivered(i) for i in range(3)], "mx.example.com")
    assert "adds no Authentication-Results (none in the last 3 delivered messages in INBOX)" in line


def test_none_under_the_configured_id_names_the_ones_seen():
    [line] = lines([delivered(1, GOOGLE, by="mx.google.com")], "mx.example.com")
    assert "from mx.example.com (follow_ups.authserv_id)" in line and "they carry mx.google.com" in line


def test_ours_present_says_nothing_and_an_unset_id_is_suggested_from_recent_mail():
    assert lines([delivered(1, OURS), delivered(2)], "mx.example.com") == []
    [line] = lines([delivered(1, OURS)], None)
    assert "authserv_id is not set" in line and "e.g. mx.example.com (recent mail in INBOX carries it)" in line


def test_mail_no_server_delivered_and_an_empty_mailbox_say_nothing_about_the_server():
    appended = b"From: a@y.example\nSubject: saved draft\n\nx\n"  # an IMAP APPEND: no Received header
    assert lines([appended, b"not a message"], "mx.example.com") == []
    assert lines([], "mx.example.com") == []


def write_config(tmp_path, server, **follow_ups) -> None:
    config = {"tracking": {"address": "intros@example.com"},
              "source": {"kind": "imap", "imap": {"host": server.host, "port": server.port, "security": "none",
                                                  "username": server.user, "password_env": "TEST_IMAP_PASSWORD"}},
              "follow_ups": follow_ups}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))


def warnings(tmp_path, server) -> list[str]:
    out = cli("doctor", "--json", cwd=tmp_path, env={"TEST_IMAP_PASSWORD": server.password}).stdout
    return [w["message"] for w in json.loads(out)["warnings"] if w["check"] == "follow-ups"]


@pytest.mark.servers
def test_doctor_reads_the_last_messages_in_a_real_mailbox(tmp_path, imap_mailbox):
    write_config(tmp_path, imap_mailbox, authserv_id="mx.example.com")
    cli("db", "upgrade", cwd=tmp_path)
    assert warnings(tmp_path, imap_mailbox) == []  # nothing delivered yet: nothing to say
    imap_mailbox.append(OURS + b"From: a@y.example\nSubject: a draft\n\nx\n")  # APPENDed: no Received header
    for i in range(1, 3):
        imap_mailbox.deliver_lmtp(delivered(i))  # Dovecot adds its own Received on top
    [line] = warnings(tmp_path, imap_mailbox)
    assert "adds no Authentication-Results (none in the last 2 delivered messages in test@127.0.0.1 INBOX)" in line
    imap_mailbox.deliver_lmtp(delivered(3, GOOGLE, by="mx.google.com"))
    [line] = warnings(tmp_path, imap_mailbox)
    assert "carries Authentication-Results from mx.example.com" in line and "mx.google.com" in line
    imap_mailbox.deliver_lmtp(delivered(4, OURS))
    assert warnings(tmp_path, imap_mailbox) == []
    write_config(tmp_path, imap_mailbox)  # no authserv_id: the one recent mail carries is suggested
    [line] = warnings(tmp_path, imap_mailbox)
    assert "authserv_id is not set" in line and "e.g. mx.example.com (recent mail in" in line
