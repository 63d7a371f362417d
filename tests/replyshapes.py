"""Replies to a received follow-up, in the shapes real mail clients give them."""
from datetime import datetime
from email import message_from_bytes, policy
from email.utils import format_datetime

SHAPES = ("gmail", "outlook", "apple", "german")


def reply_to_follow_up(follow_up_raw: bytes, sender: str, answer: str, shape: str, message_id: str,
                       when: datetime | None = None) -> bytes:
    """`when`: the reply's Date (default a fixed Monday in November 2026)."""
    original = message_from_bytes(follow_up_raw, policy=policy.default)
    body = original.get_body(("plain",)).get_content().replace("\r\n", "\n").strip()
    quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
    text = {
        "gmail": f"{answer}\n\nOn Mon, Nov 2, 2026 at 3:10 PM introledger <intros@example.com> wrote:\n\n{quoted}\n",
        "outlook": (f"{answer}\n\n________________________________\nFrom: introledger <intros@example.com>\n"
                    f"Sent: Monday, November 2, 2026 3:10 PM\nTo: {sender}\n"
                    f"Subject: {original['Subject']}\n\n{body}\n"),
        "apple": (f"{answer}\n\nSent from my iPhone\n\n> On 2 Nov 2026, at 15:10, introledger "
                  f"<intros@example.com> wrote:\n> \n{quoted}\n"),
        "german": f"{answer}\n\nAm 02.11.2026 um 15:10 schrieb introledger <intros@example.com>:\n\n{quoted}\n",
    }[shape]
    headers = (
        f"From: {sender}\nTo: {original['Reply-To']}\nSubject: Re: {original['Subject']}\n"
        f"Message-ID: <{message_id}>\nIn-Reply-To: {original['Message-ID']}\nReferences: {original['Message-ID']}\n"
        f"Date: {format_datetime(when) if when else 'Mon, 02 Nov 2026 16:00:00 +0000'}\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
    )
    return (headers + text).encode("utf-8")
