"""Only our receiving server's word counts, read from mail as it really arrives: delivered over
LMTP to Dovecot (which adds its own trace on top) and read back over IMAP by the worker."""
import pytest
from sqlalchemy import select

from models import Referral
from tests import mailgen
from tests.conftest import build_app
from tests.followups.test_reply_trust import ALICE, DANA, SECRET, token
from tests.sources.test_imap import imap_settings
from worker.app.live import imap_account
from worker.inbound.pipeline import Origin
from worker.sources.runner import Runner

pytestmark = pytest.mark.servers


def reply(body: str, n: int, to: str, verdict: str = "", forged: str = "", cc: str = "") -> bytes:
    """Dana's answer as our MX (mx.example.com) hands it on: its verdict on top, its Received
    header, her server's, then what she (or someone forging her) wrote, `forged` among it."""
    cc_line = f"Cc: {cc}\n" if cc else ""
    return (f"{verdict}Received: from mail.danabooks.example (mail.danabooks.example [203.0.113.25])\n"
            f"\tby mx.example.com (Postfix) with ESMTPS id 4QxZ1k{n}; Tue,  3 Nov 2026 09:14:07 +0000 (UTC)\n"
            f"Received: from [192.168.1.20] (unknown [198.51.100.7])\n"
            f"\tby mail.danabooks.example (Postfix) with ESMTPSA id 91C2A{n}; Tue,  3 Nov 2026 10:14:05 +0100\n"
            f"{forged}From: {DANA}\nTo: {to}\n{cc_line}Subject: Re: How did the intro to Alice Brook go? [ref R1]\n"
            f"Message-ID: <answer{n}@danabooks.example>\nDate: Tue, 3 Nov 2026 10:14:05 +0100\n\n{body}\n").encode()


PASS = "Authentication-Results: mx.example.com; dkim=pass header.d=danabooks.example; dmarc=pass " \
       "header.from=danabooks.example\n"


def status(app) -> str:
    with app.sessions() as s:
        return s.scalar(select(Referral.status).where(Referral.id == 1))


def test_a_pass_the_sender_wrote_under_our_id_vouches_for_nothing(tmp_path, sqlite_url, clock, imap_mailbox):
    app = build_app(tmp_path, sqlite_url, {"INTROLEDGER_TOKEN_SECRET": SECRET, "TEST_IMAP_PASSWORD": "x"},
                    now=clock, source=imap_settings(imap_mailbox), thank_you={"delay_seconds": 0},
                    follow_ups={"authserv_id": "mx.example.com"}, outbound={"quiet_hours": None})
    app.config._env["TEST_IMAP_PASSWORD"] = imap_mailbox.password
    try:
        app.pipeline.process(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                           a=("Alice Brook", "alice@y.example"),
                                           b=("Dana Whitfield", "dana@danabooks.example"), when=clock.current),
                             Origin("file", "t"))
        runner, account = Runner(app.pipeline, app.sessions), imap_account(app)
        to = token(clock, DANA)
        # A reply-all put Dana's reply address in Alice's hands: from now on only our server's
        # DMARC pass shows an answer "from Dana" is hers.
        imap_mailbox.deliver_lmtp(reply("MET", 1, to, PASS, cc=ALICE), rcpt=imap_mailbox.user)
        runner.imap_once(account)
        assert status(app) == "connected"
        imap_mailbox.deliver_lmtp(reply("WON", 2, to, forged=PASS), rcpt=imap_mailbox.user)
        runner.imap_once(account)
        assert status(app) == "connected"  # the pass stands below our server's Received: the sender's
        imap_mailbox.deliver_lmtp(reply("WON", 3, to, verdict=PASS), rcpt=imap_mailbox.user)
        runner.imap_once(account)
        assert status(app) == "won"
    finally:
        app.engine.dispose()
