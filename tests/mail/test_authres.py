"""Which Authentication-Results our receiving server wrote: by its authserv-id and by where the
header stands (servers write on top; what a sender wrote sits below every Received header)."""
from worker.mail.authres import dmarc_passes, failures, ours, results, server, servers
from worker.mail.parse import parse

# A reply as our MX (mx.example.com, Postfix with OpenDKIM/OpenDMARC) hands it to local delivery:
# its verdict on top, its own Received, the sender's server's Received, then what the sender wrote —
# here a forged "pass" under our authserv-id.
DELIVERED = b"""\
Authentication-Results: mx.example.com; dkim=fail (signature verification failed)
\theader.d=danabooks.example header.s=mail; dmarc=fail (p=reject dis=none) header.from=danabooks.example
Received: from mail.danabooks.example (mail.danabooks.example [203.0.113.25])
\tby mx.example.com (Postfix) with ESMTPS id 4QxZ1k0Lz8z9rxL
\tfor <intros+r1s1d20394@example.com>; Tue,  3 Nov 2026 09:14:07 +0000 (UTC)
Received: from [192.168.1.20] (unknown [198.51.100.7])
\tby mail.danabooks.example (Postfix) with ESMTPSA id 91C2A20C4;
\tTue,  3 Nov 2026 10:14:05 +0100 (CET)
Authentication-Results: mx.example.com; dkim=pass header.d=danabooks.example; dmarc=pass header.from=danabooks.example
From: Dana Whitfield <dana@danabooks.example>
To: intros+r1s1d20394@example.com
Subject: Re: How did the intro to Alice Brook go? [ref R1]
Message-ID: <forged-1@danabooks.example>

WON
"""


def trace_of(raw: bytes):
    return parse(raw).trace


def test_the_header_a_sender_wrote_under_our_authserv_id_is_not_ours():
    found = ours(trace_of(DELIVERED), "mx.example.com")
    assert len(found.headers) == 1 and "dmarc=fail" in found.headers[0]
    assert failures(found.headers) == ["dmarc=fail", "dkim=fail"]
    assert not dmarc_passes(found.headers, "danabooks.example")
    assert "mx.example.com's Received header" in found.how


def test_a_milter_verdict_just_below_our_servers_received_header_is_ours():
    # Some milters insert their header under the MTA's own Received line: still ours.
    raw = DELIVERED.replace(b"Authentication-Results: mx.example.com; dkim=fail", b"X-Spam: no", 1)
    lines = raw.split(b"\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(b"Received: from [192.168"))
    verdict = "mx.example.com; dkim=pass header.d=danabooks.example; dmarc=pass header.from=danabooks.example"
    lines.insert(at, b"Authentication-Results: " + verdict.encode())
    found = ours(trace_of(b"\n".join(lines)), "mx.example.com").headers
    assert found == (verdict,)
    assert dmarc_passes(found, "danabooks.example")


def test_without_a_received_header_naming_our_server_only_those_above_the_lowest_count():
    raw = DELIVERED.replace(b"by mx.example.com (Postfix)", b"by mail-in3.example.net (Postfix)")
    found = ours(trace_of(raw), "mx.example.com")
    assert len(found.headers) == 1 and "dmarc=fail" in found.headers[0]
    assert "no Received header names mx.example.com" in found.how


def test_a_forged_received_header_naming_us_below_the_real_one_changes_nothing():
    forged = (b"Received: from x by mx.example.com (Postfix) with ESMTP id FAKE;\n"
              b"\tTue,  3 Nov 2026 09:00:00 +0000\n")
    raw = DELIVERED.replace(b"Authentication-Results: mx.example.com; dkim=pass header.d",
                            forged + b"Authentication-Results: mx.example.com; dkim=pass header.d")
    assert len(ours(trace_of(raw), "mx.example.com").headers) == 1  # the topmost Received naming us counts


def test_mail_that_crossed_no_server_is_read_whole():
    raw = b"Authentication-Results: mx.example.com; dmarc=pass header.from=b.example\nFrom: a@b.example\n\nhi\n"
    assert dmarc_passes(ours(trace_of(raw), "mx.example.com").headers, "b.example")


def test_authserv_ids_and_results_are_read_as_rfc_8601_writes_them():
    assert server("mx.example.com 1; dkim=pass") == "mx.example.com"
    assert server("(our MX) MX.Example.com; none") == "mx.example.com"
    # Microsoft 365 writes no authserv-id at all: nothing to match it by.
    assert server("spf=pass (sender IP is 203.0.113.25) smtp.mailfrom=danabooks.example; dkim=pass") == ""
    assert results("mx.example.com; dkim=pass (2048-bit key; unprotected) header.d=a.example;"
                   " dkim=fail header.d=b.example; dmarc=pass (p=none) header.from=a.example") == [
        ("dkim", "pass"), ("dkim", "fail"), ("dmarc", "pass")]
    assert failures(("mx.example.com; dkim=pass header.i=@dmarc=fail.example",)) == []  # a value, not a result
    assert not dmarc_passes(("mx.example.com; dmarc=bestguesspass header.from=a.example",), "a.example")


def test_a_dmarc_pass_counts_only_for_the_from_domain_it_names():
    """Was: any dmarc=pass counted, so a pass for the sender's own domain vouched for a From: in
    the member's name (the result's header.from was not compared with the message's From)."""
    other = "mx.example.com; dkim=pass header.d=evil.example; dmarc=pass (p=reject) header.from=evil.example"
    assert not dmarc_passes((other,), "danabooks.example")
    assert dmarc_passes((other,), "evil.example")
    assert dmarc_passes(("mx.example.com; dmarc=pass header.from=DanaBooks.Example.",), "danabooks.example")
    assert not dmarc_passes(("mx.example.com; dmarc=pass",), "danabooks.example")  # names no domain: unaligned
    assert not dmarc_passes(("mx.example.com; dmarc=pass header.from=mail.danabooks.example",), "danabooks.example")
    # Two results in one header: the aligned one counts, and a pass never hides a fail.
    assert dmarc_passes(("mx.example.com; dmarc=pass header.from=evil.example; dmarc=pass header.from=d.example",),
                        "d.example")
    assert not dmarc_passes(("mx.example.com; dmarc=pass header.from=d.example; dkim=fail header.d=d.example",),
                            "d.example")
    assert not dmarc_passes(("mx.example.com; dmarc=pass header.from=d.example",), "")


def test_servers_lists_who_wrote_verdicts_above_the_senders_own_headers():
    assert servers(trace_of(DELIVERED)) == ["mx.example.com"]
    google = (b"Received: by 2002:a05:6a10:1234 with SMTP id abc; Tue, 3 Nov 2026 01:14:08 -0800 (PST)\n"
              b"Authentication-Results: mx.google.com; dkim=pass header.i=@danabooks.example; spf=pass\n"
              b"Received: from mail.danabooks.example by mx.google.com with ESMTPS id x;"
              b" Tue, 3 Nov 2026 01:14:07 -0800 (PST)\n"
              b"Authentication-Results: evil.example; dmarc=pass\nFrom: d@danabooks.example\n\nx\n")
    assert servers(trace_of(google)) == ["mx.google.com"]
