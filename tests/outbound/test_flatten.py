"""worker/outbound/flatten.py writes exactly the bytes smtplib.send_message would, only cheaper."""
import copy
import io
from email.generator import BytesGenerator

from hypothesis import given, settings
from hypothesis import strategies as st

from models import OutboxMessage
from worker.outbound import flatten, mailer

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)


def stdlib_bytes(msg) -> bytes:
    """What smtplib.SMTP.send_message transmits for an ASCII message (Python 3.11)."""
    with io.BytesIO() as out:
        BytesGenerator(out).flatten(copy.copy(msg), linesep="\r\n")
        return out.getvalue()


def row(**kw) -> OutboxMessage:
    base = dict(id=7, from_addr="Dana Whitfield via introledger <intros@example.com>",
                to_addr="Carol Jensen <carol@x.example>", reply_to="dana@danabooks.example",
                subject="Thank you for the introduction to Bob", text_body="Hi Carol,\n\nThanks!\n",
                html_body="<p>Hi Carol,</p>", in_reply_to="<intro-1@mail.example>",
                references="<intro-1@mail.example>")
    base.update(kw)
    return OutboxMessage(**base)


def test_a_thank_you_is_byte_for_byte_what_smtplib_sends():
    msg = mailer.build(row(), "intros@example.com")
    assert flatten.to_bytes(msg) == stdlib_bytes(msg)


def test_long_folded_and_non_ascii_headers_take_the_stdlib_path():
    long_subject = "Thank you for the introduction to " + " and ".join(f"Person Number {i}" for i in range(12))
    for r in (row(subject=long_subject), row(subject="Merci pour la présentation à Jürgen Müller"),
              row(to_addr="Jürgen Müller <jm@x.example>"), row(html_body="")):
        msg = mailer.build(r, "intros@example.com")
        data = flatten.to_bytes(msg)
        assert data == stdlib_bytes(msg)
        assert max(len(line) for line in data.split(b"\r\n")) <= 998


@settings(max_examples=100, deadline=None)  # each run draws new ones (not derandomized)
@given(subject=TEXT, name=TEXT, text=TEXT, html=TEXT)
def test_any_row_flattens_like_the_stdlib(subject, name, text, html):
    msg = mailer.build(row(subject=subject, to_addr=f"{name} <carol@x.example>", text_body=text, html_body=html),
                       "intros@example.com")
    assert flatten.to_bytes(msg) == stdlib_bytes(msg)


@settings(max_examples=200, deadline=None)
@given(name=TEXT)
def test_any_display_name_stays_one_mailbox_with_our_address(name):
    from email import message_from_bytes, policy

    msg = mailer.build(row(to_addr=f"{name} <carol@x.example>",
                           from_addr=f"{name} via introledger <intros@example.com>"), "intros@example.com")
    parsed = message_from_bytes(flatten.to_bytes(msg), policy=policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["carol@x.example"]
    assert [a.addr_spec for a in parsed["From"].addresses] == ["intros@example.com"]
