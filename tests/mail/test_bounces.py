"""Reading delivery reports (worker/mail/bounces.py): each shape real mail servers write, and whether
a refusal is about the address (mail to it paused) or about our mail (not)."""
import random
from pathlib import Path

import pytest

from tests import mutate
from tests.manifests import manifest
from worker.classify.rules import Context, classify
from worker.mail import bounces
from worker.mail.parse import parse

BOUNCES = Path(__file__).parents[1] / "data" / "bounces"
MANIFEST = manifest(BOUNCES / "manifest.yaml")


def report(name: str) -> bounces.Report | None:
    return bounces.read(parse((BOUNCES / name).read_bytes()))


def test_every_fixture_is_in_the_manifest():
    files = {p.name for p in BOUNCES.glob("*.eml")}
    assert files <= set(MANIFEST), files - set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_shape_is_read(name):
    want = MANIFEST[name]
    got = report(name)
    assert got is not None, f"{name}: not read as a report"
    [failure] = got.failures
    assert (failure.recipient, failure.action, failure.status) == (want["recipient"], want["action"], want["status"])
    assert failure.reason.startswith(want["reason"]), failure.reason
    if want["message_id"]:
        assert got.message_ids[0] == want["message_id"]
    else:
        assert got.message_ids == ()
    if want["action"] == "failed":
        assert got.failed == (failure,) and got.failure_for(want["recipient"]) == failure
        assert bounces.refusal(failure.status, failure.reason).about_address is want["pause"]
    else:
        assert got.failed == () and got.reason.startswith("delayed, still being retried")


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_shape_is_a_bounce_carrying_its_report(name):
    """Never a person's mail, an auto-reply or an intro (the returned copy holds intro words and
    our loop header); the verdict's reason says what the report says."""
    verdict = classify(parse((BOUNCES / name).read_bytes()), Context(tracking=frozenset({"intros@example.com"})))
    assert (verdict.kind, verdict.rule) == ("bounce", "bounce")
    assert verdict.extra["report"].failures[0].recipient == MANIFEST[name]["recipient"]
    assert MANIFEST[name]["recipient"] in verdict.reason


def test_a_multi_line_reply_reads_as_one_line():
    """Gmail's 550-5.7.26 continuation prefixes are dropped after the first; folds joined."""
    failure = report("postfix_dmarc_rejected.eml").failed[0]
    assert "550-" not in failure.reason and "\n" not in failure.reason
    assert failure.reason.startswith("550 5.7.26 This mail has been blocked because the sender is unauthenticated.")
    assert len(failure.reason) <= bounces.MAX_REASON


def test_exim_vague_status_gives_way_to_the_servers_code():
    assert report("exim_user_unknown.eml").failed[0].status == "5.1.1"  # the DSN says 5.0.0


def test_exchange_threading_finds_our_mail_without_the_returned_part():
    """Exchange and Gmail thread the report to our mail: with no returned copy at all, the
    In-Reply-To still names it."""
    raw = (BOUNCES / "exchange_online_undeliverable.eml").read_bytes()
    raw = raw[:raw.index(b"--b7e3c1f0-4a2d-4f8e-9c61-2d5a7e0b9f34\nContent-Type: message/rfc822")]
    got = bounces.read(parse(raw))
    assert got.returned_to == () and got.message_ids == ("ol18.2a6c9e0f4b7d1853@example.com",)


def test_a_forward_that_failed_further_on_names_both_addresses():
    raw = (BOUNCES / "postfix_user_unknown.eml").read_bytes().replace(
        b"Original-Recipient: rfc822;carol@jensen-books.example", b"Original-Recipient: rfc822;carol@x.example")
    got = bounces.read(parse(raw))
    assert got.failure_for("carol@x.example").original == "carol@x.example"
    assert got.failure_for("carol@x.example").recipient == "carol@jensen-books.example"


def test_a_status_without_words_is_explained():
    failure = bounces.Failure("a@b.example", "failed", "5.1.1", "")
    assert failure.reason == "5.1.1 bad destination mailbox address"


@pytest.mark.parametrize("status, words, about_address", [
    ("", "550 5.1.1 <a@b.example>: Recipient address rejected: User unknown", True),
    ("5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound", True),
    ("", "550 Unrouteable address", True),
    ("5.2.1", "550 5.2.1 The email account that you tried to reach is disabled", True),
    ("", "550 Permanent failure", True),  # a refusal that says nothing more: the address, for good
    ("5.7.1", "554 5.7.1 <a@b.example>: Recipient address rejected: Access denied", True),
    ("", "554 5.7.1 Domain does not exist", True),  # a policy code, but the words say the address
    ("5.2.2", "552 5.2.2 Mailbox full", False),  # may empty again
    ("", "552 5.3.4 Message size exceeds fixed limit", False),
    ("", "554 5.7.1 <a@b.example>: Relay access denied", False),  # our relay's set-up, not the address
    ("", "550 5.7.1 chaos: refused", False),
    ("", "550 5.7.26 Unauthenticated email from example.com is not accepted due to its DMARC policy", False),
    ("", "554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org", False),
    ("", "553 5.1.8 <intros@example.com>: Sender address rejected: Domain not found", False),
])
def test_refusal_says_whether_the_address_is_the_problem(status, words, about_address):
    assert bounces.refusal(status, words).about_address is about_address


def test_mail_from_a_postmaster_that_reports_nothing_is_no_report():
    raw = (b"From: Postmaster <postmaster@hostco.example>\nTo: intros@example.com\nSubject: Maintenance\n"
           b"Message-ID: <m1@hostco.example>\n\nOur mail servers will be down on Sunday from 02:00 to 03:00.\n")
    assert bounces.read(parse(raw)) is None


def test_mangled_reports_never_raise():
    """A report is a stranger's bytes like any mail: truncated, mis-encoded or doubled, it is read
    as far as it goes or not at all, never an exception (which would quarantine it)."""
    rng = random.Random(7)
    seeds = [p.read_bytes() for p in sorted(BOUNCES.glob("*.eml"))]
    for _ in range(300):
        raw = rng.choice(seeds)
        mutation = rng.choice([mutate.truncate, mutate.bad_boundary, mutate.nested_multipart, mutate.long_runs,
                               mutate.bad_transfer_encoding, mutate.bad_charset, mutate.line_endings,
                               mutate.nuls, mutate.repeat_headers, mutate.random_bytes])
        try:
            msg = parse(mutation(raw, rng))
        except Exception:  # noqa: BLE001 - not parsed at all: quarantined upstream, not our concern
            continue
        got = bounces.read(msg)
        assert got is None or isinstance(got.reason, str)


@pytest.mark.parametrize("line", [b"a" * 300_000, b"(" * 300_000, b"x@" * 150_000, b"\n  a@b.example" * 20_000])
def test_a_forged_report_with_a_huge_line_is_read_in_linear_time(line):
    """Anyone can send a "report" from MAILER-DAEMON: a 200 KB line of letters took minutes (an
    unbounded address pattern scanned to the end from every position). pytest-timeout fails it."""
    raw = (b"From: MAILER-DAEMON@x.example\nTo: intros@example.com\nSubject: failure notice\n\n"
           b"This is a permanent error.\n" + line + b"\n")
    got = bounces.read(parse(raw))
    assert got is None or len(got.failures[0].reason) <= bounces.MAX_REASON
