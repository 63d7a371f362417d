"""The whole loop against the real parts: intro APPENDed to Dovecot → thank-you and, after the
(test-short) delay, a follow-up received by the SMTP server → a reply built from that follow-up
in each client's quoting shape → status and value updated, confirmation and closed-business sent."""
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from models import Referral
from tests import mailgen
from tests.conftest import build_app
from tests.replyshapes import SHAPES, reply_to_follow_up
from tests.sources.test_imap import imap_settings
from worker.app.service import Service

pytestmark = pytest.mark.sqlite_only(reason=(
    "the mail path through Dovecot and SMTP; PostgreSQL under it is tests/system/test_season.py's"
))

ANSWERS = {"gmail": "WON $4,500 - signed them yesterday!", "outlook": "WON $4,500",
           "apple": "Won! $4.5k", "german": "Gewonnen, 4.500 €"}
EXPECTED = {"gmail": (450000, "USD"), "outlook": (450000, "USD"), "apple": (450000, "USD"),
            "german": (450000, "EUR")}


def subjects(sink) -> list[str]:
    return [message_from_bytes(m.raw, policy=policy.default)["Subject"] for m in sink.messages]


@pytest.mark.parametrize("shape", SHAPES)
def test_intro_to_won_through_dovecot_and_smtp(tmp_path, database_url, imap_mailbox, smtp_sink, clock, shape):
    app = build_app(
        tmp_path, database_url, {"TEST_IMAP_PASSWORD": imap_mailbox.password, "INTROLEDGER_TOKEN_SECRET": "s3"},
        now=clock, source=imap_settings(imap_mailbox),
        thank_you={"delay_seconds": 0}, follow_ups={"steps": ["30s"], "reward": "A $25 gift card is on its way."},
        outbound={"transport": "smtp", "quiet_hours": None,
                  "smtp": {"host": smtp_sink.host, "port": smtp_sink.port, "security": "none"}},
    )
    imap_mailbox.append(mailgen.intro(1, introducer=("Carol Jensen", "carol@x.example"),
                                      a=("Alice Brook", "alice@y.example"),
                                      b=("Dana Whitfield", "dana@danabooks.example"), when=clock.current))
    Service(app).once()
    assert subjects(smtp_sink) == ["Thank you for the introduction to Alice Brook"]

    clock.advance(seconds=31)
    Service(app).once()
    follow_up = smtp_sink.messages[-1]
    assert follow_up.rcpt_tos == ["dana@danabooks.example"]
    msg = message_from_bytes(follow_up.raw, policy=policy.default)
    assert msg["Subject"] == "How did the intro to Alice Brook go? [ref R1]"
    assert msg["Reply-To"].startswith("intros+r1s1d")  # referral 1, step 1 (bound to Dana)
    assert "Carol Jensen introduced you to Alice Brook" in msg.get_body(("plain",)).get_content()

    imap_mailbox.append(reply_to_follow_up(follow_up.raw, "Dana Whitfield <dana@danabooks.example>",
                                           ANSWERS[shape], shape, f"answer-{shape}@danabooks.example"))
    Service(app).once()
    with app.sessions() as s:
        referral = s.scalar(select(Referral))
        assert referral.status == "won"
        assert (referral.value_cents, referral.currency) == EXPECTED[shape]
    sent = {m.rcpt_tos[0]: message_from_bytes(m.raw, policy=policy.default) for m in smtp_sink.messages[2:]}
    assert sent["dana@danabooks.example"]["Subject"] == "Noted: the intro to Alice Brook turned into business [ref R1]"
    closed = sent["carol@x.example"]
    assert closed["Subject"] == "Your intro to Alice Brook turned into business"
    assert "A $25 gift card is on its way." in closed.get_body(("plain",)).get_content()
