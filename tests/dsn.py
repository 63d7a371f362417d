"""Delivery reports about a mail we really sent, shaped as the fixtures in tests/data/bounces/
(Postfix's RFC 3464 report, sendmail's plain text): for tests that send first, then bounce."""
from email.utils import formatdate

from worker.mail.parse import parse


def postfix(returned: bytes, *, status: str = "5.1.1", action: str = "failed",
            diagnostic: str = "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table",
            headers_only: bool = False, queue_id: str = "2F6B1A0C51") -> bytes:
    """Postfix's report for the mail `returned` (its bytes as the SMTP server took them)."""
    sent = parse(returned)
    rcpt = sent.to[0].email
    diagnostic = diagnostic.format(rcpt=rcpt)
    boundary = f"{queue_id}.1796278361/mail.example.com"
    body = returned.replace(b"\r\n", b"\n")
    if headers_only:
        body = body.split(b"\n\n", 1)[0] + b"\n"
    part = "text/rfc822-headers" if headers_only else "message/rfc822"
    subject = "Delayed Mail (still being retried)" if action == "delayed" else "Undelivered Mail Returned to Sender"
    head = f"""Return-Path: <>
X-Original-To: intros@example.com
Delivered-To: intros@example.com
Date: {formatdate()}
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
Subject: {subject}
To: intros@example.com
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="{boundary}"
Content-Transfer-Encoding: 8bit
Message-Id: <20261203061241.{queue_id}@mail.example.com>

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<{rcpt}>: host mx1.{rcpt.partition('@')[2]}[198.51.100.31] said: {diagnostic}
    (in reply to RCPT TO command)

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com
X-Postfix-Queue-ID: {queue_id}
X-Postfix-Sender: rfc822; intros@example.com

Final-Recipient: rfc822; {rcpt}
Original-Recipient: rfc822;{rcpt}
Action: {action}
Status: {status}
Remote-MTA: dns; mx1.{rcpt.partition('@')[2]}
Diagnostic-Code: smtp; {diagnostic}

--{boundary}
Content-Description: Undelivered Message
Content-Type: {part}
Content-Transfer-Encoding: 8bit

"""
    return head.encode() + body + f"\n--{boundary}--\n".encode()


def sendmail_without_copy(rcpt: str, reason: str = "550 5.1.1 User unknown", ident: str = "4A8Cfk3x019273") -> bytes:
    """sendmail's plain-text report that quotes nothing of the mail: only its recipient says which."""
    return f"""Return-Path: <>
Date: {formatdate()}
From: Mail Delivery Subsystem <MAILER-DAEMON@smtp.hostingco.example>
Message-Id: <202612031241.{ident}@smtp.hostingco.example>
To: <intros@example.com>
Subject: Returned mail: see transcript for details
Auto-Submitted: auto-generated (failure)

The original message was received at Thu, 3 Dec 2026 06:40:55 -0600
from worker.example.com [203.0.113.9]

   ----- The following addresses had permanent fatal errors -----
<{rcpt}>
    (reason: {reason})

   ----- Transcript of session follows -----
... while talking to mx.{rcpt.partition('@')[2]}.:
>>> RCPT To:<{rcpt}>
<<< {reason}
550 5.1.1 <{rcpt}>... User unknown
""".encode()
