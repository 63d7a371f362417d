"""Building outgoing messages: robot headers, threading, no header injection."""
from models import OutboxMessage
from worker.mail import tokens
from worker.outbound.mailer import build


def make_row(**extra) -> OutboxMessage:
    values = dict(id=7, from_addr="Dana via introledger <intros@example.com>", to_addr="carol@x.example",
                  reply_to="", subject="Hello", text_body="Hi\n", html_body="<p>Hi</p>",
                  in_reply_to="", references="")
    values.update(extra)
    return OutboxMessage(**values)


def test_a_reply_threads_and_says_auto_replied():
    msg = build(make_row(in_reply_to="intro@x", references="zero@x intro@x"), "intros@example.com")
    assert msg["In-Reply-To"] == "<intro@x>" and msg["References"] == "<zero@x> <intro@x>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["List-Unsubscribe"] is None
    assert msg["X-Introledger-Loop"] == "intros@example.com"
    assert msg["Message-ID"].endswith("@example.com>")


def test_mail_that_answers_nothing_is_auto_generated_with_an_unsubscribe_address():
    msg = build(make_row(), "intros@example.com")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe"] == "<mailto:intros@example.com?subject=UNSUBSCRIBE>"
    assert msg["In-Reply-To"] is None


def test_the_unsubscribe_address_carries_the_recipients_token_and_no_post_header():
    """mailto only: List-Unsubscribe-Post (RFC 8058 one-click) is for https, so it is not set."""
    msg = build(make_row(to_addr="Carol <carol@x.example>"), "intros@example.com", "s3cret")
    token = tokens.unsubscribe_token("s3cret", "carol@x.example")
    assert msg["List-Unsubscribe"] == f"<mailto:intros@example.com?subject=UNSUBSCRIBE%20{token}>"
    assert len(token) == 16 and msg["List-Unsubscribe-Post"] is None
    assert tokens.unsubscribe_bound(token.upper(), "s3cret", "Carol@X.example")
    assert not tokens.unsubscribe_bound(token, "s3cret", "dana@danabooks.example")


def test_no_header_injection_through_subject_or_names():
    msg = build(make_row(subject="Hi\r\nBcc: victim@evil.example", from_addr="Eve\nBcc: x@y <intros@example.com>"),
                "intros@example.com")
    raw = bytes(msg).decode()
    assert "\nBcc:" not in raw and msg["Bcc"] is None
    assert msg["Subject"] == "Hi Bcc: victim@evil.example"


def test_the_date_says_utc_not_an_unknown_zone():
    """RFC 5322 3.3: "-0000" means the local time zone is unknown (user trial: our Date ended so)."""
    assert build(make_row(), "intros@example.com")["Date"].endswith(" +0000")
