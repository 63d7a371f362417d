"""A simulated season: a referral group's mail, day after day, through Dovecot → `introledger run` → SMTP.

    python bench/season.py [--days 90] [--members 10] [--partners 50] [--db sqlite|postgresql] [--seed 1]
                           [--pace 1] [--steps 7d,21d] [--stale-after 60d] [--verbose] [--keep]

The world (seeded): members in a dozen time zones, each writing in their language (English, German,
French, Spanish, Dutch) from Gmail, Outlook or Apple Mail; partners, each working with one or two
members (some Outlook users shown as "Last, First"); a prospect per intro. Each simulated day, on
weekdays more than at weekends, partners introduce prospects to members, members introduce
prospects to partners, partners to each other, and members to members (double intros in five
languages, CC'd to the tracking address); noise is CC'd too. What people then do, each mail written
the way their client writes it and delivered over LMTP (the path an MTA takes) into the mailbox
`introledger run` watches over IMAP IDLE:

- prospects reply-all in the intro thread; members thank the introducer by hand within minutes;
  the MTA delivers an intro twice; members forward intros afterwards (Gmail and Outlook blocks),
  some weeks late, some that were CC'd already;
- members answer follow-ups hours to a day later, quoting them the Gmail, Outlook, Apple Mail or
  German way: MET, QUALIFIED, WON with an amount in USD, EUR, GBP, JPY or AUD written as people
  write it ("$4,500", "4.5k", "4.500,00 €", "EUR 3 000", "¥450,000"), LOST, NO FIT, SNOOZE for a
  week or for six weeks, STOP, CORRECTION: WON … after a LOST, words we cannot read (then the
  answer to our clarification), "Thanks!" to our confirmations, or never; some with `introledger
  mark`, some from the office's address on their domain, some first from their personal Gmail
  (refused; they answer again when told); one member answers STOP ALL halfway through; one is on
  holiday and their robot answers (Gmail's, Outlook's, and one that says so only in words);
- a partner presses "Unsubscribe" in a thank-you; another leaves their company, and our mail to
  them comes back as a delivery report (RFC 3464) from the relay;
- a member joins halfway through: added to the config, and `run` gets SIGHUP.

`introledger run` gets SIGKILL about every nine days (started again at once, as a supervisor
would), is restarted politely a few times, and is down for three days 60% into the season while
mail piles up. At the end the bench prints what a person would check: referrals by state against
the ground truth, mail by kind, the figures that must be zero — duplicates; mail after a STOP,
STOP ALL, unsubscribe or bounce; mail about a referral after its final answer (but that answer's
confirmation and the closed-business thank-you); answers to robots; intros not logged exactly once;
referrals nobody introduced; two follow-ups about one referral within a day; greetings with the
wrong name; intros never thanked; thank-yous after the member's own; referrals never followed up;
SNOOZEs not followed up when promised; states unlike the truth; worker crashes — and each member's
ledger (`introledger report --group --json`: referrals given and received, won, and value per
currency) against the truth. Exit code 1 when one of them is not zero.

The clock. The product reasons with one wall clock, ``models.base.utcnow()`` (bootstrap passes it
to every policy). With ``INTROLEDGER_CLOCK_FILE`` set, utcnow adds the seconds that file holds to
the real clock; the bench rewrites the file (atomically) to move the clock of every process at
once, twice a simulated day (09:00 and 17:00 UTC: every zone here has one of them outside quiet
hours), and time flows normally in between. Chosen over libfaketime (``FAKETIME_TIMESTAMP_FILE``),
which fakes every clock of the process: monotonic ones too (threading waits, IMAP IDLE renewals,
socket and SMTP timeouts, the sweep's interval and SQLite's busy timeout would jump by a day), it is
an LD_PRELOAD into every child (libpq included) that CI would have to install with apt, and its file
is cached for seconds unless re-read on every call. The hook moves only the time the product's
policies read, and timeouts stay real. It is for simulations only (models/base.py).

After each jump the bench delivers what is due, waits until `run` has read it and the outbox has
nothing due left, then lets each simulated person read the mail the SMTP sink took (its Message-ID
names the outbox row) and schedules their answers. The truth is what those people did, in the order
their mail was processed: a party's reply in the thread connects an introduced referral; answers
move it as the lifecycle table in README says; an introduced referral goes stale ``stale_after``
after the intro or the end of its SNOOZE (one a person STOPped, or a robot answered, may be either).
The world is seeded; the order in which `run` sends (two threads) can change who answers what.
"""
from __future__ import annotations

import argparse
import base64
import bisect
import heapq
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import format_datetime
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._procs import Worker  # noqa: E402
from bench._sink import SinkControl  # noqa: E402
from tests import mailgen  # noqa: E402
from tests.replyshapes import reply_to_follow_up  # noqa: E402
from tests.servers import Dovecot, free_port  # noqa: E402

TRACKING = "intros@example.com"
START = datetime(2027, 3, 1, tzinfo=UTC)  # a Monday
SLOTS = (9, 17)  # UTC hours at which the clock stops and the world acts: each zone below has one outside quiet hours
SWEEP_SECONDS = 0.25
STEP_TIMEOUT = 60.0  # seconds a step may take to settle before it is reported stuck
TERMINAL = ("won", "lost", "no_fit")
ANSWERS = ("met", "qualified", "won", "lost", "no_fit")
OUTBOX_ID = re.compile(r"(?:^|\.)ol(\d+)[.@]")
TOKEN = re.compile(r"\+r(\d+)s(\d+)", re.I)

# (time zone, language the member writes in, home currency)
ZONES = (("America/Chicago", "en", "USD"), ("Europe/Berlin", "de", "EUR"), ("America/New_York", "en", "USD"),
         ("Europe/Paris", "fr", "EUR"), ("Europe/London", "en", "GBP"), ("Europe/Madrid", "es", "EUR"),
         ("America/Los_Angeles", "en", "USD"), ("Europe/Amsterdam", "nl", "EUR"), ("Asia/Tokyo", "en", "JPY"),
         ("Australia/Sydney", "en", "AUD"), ("Europe/Rome", "en", "EUR"), ("America/Denver", "en", "USD"))
FIRST = ["Alice", "Bob", "Carol", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Lars",
         "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wes", "Xenia",
         "Yusuf", "Zoe", "Amara", "Bruno", "Chloé", "Diego", "Esther", "Felix", "Greta", "Hamid", "Ivy",
         "Joaquín", "Katja", "Leon", "Mireille", "Noah"]
LAST = ["Jensen", "Okafor", "Müller", "Dupont", "García", "de Vries", "Rossi", "Tanaka", "Novak", "Silva",
        "Brown", "Kowalski", "Nguyen", "Haddad", "Larsen", "Moreau", "Whitfield", "O'Brien", "Schmidt",
        "Fernández", "Bakker", "Ricci", "Sato", "Lindqvist", "Costa", "Walsh", "Petrov", "Ahmed", "Keller",
        "Laurent", "Navarro", "Visser", "Conti", "Yamada", "Berg", "Murphy", "Horvat", "Oliveira", "Fischer",
        "Blanc"]
TRADES = ["books", "kitchens", "realty", "law", "dental", "design", "chiro", "photo", "tax", "build"]

WORDS = {  # what a member writes for each answer, by language (worker/mail/commands.py reads them all)
    "en": {"met": ["MET", "We met last week, nice guy"], "qualified": ["QUALIFIED", "Good lead"],
           "won": ["WON {amount}", "Won - {amount}, signed yesterday"],
           "lost": ["LOST went with a cheaper quote", "Lost"],
           "no_fit": ["NO FIT", "Not a fit"], "snooze": ["SNOOZE 1 week", "Snooze 1 week"],
           "snooze_long": ["SNOOZE 6 weeks", "Snooze 2 months"], "stop": ["STOP"],
           "garbled": ["Thanks for checking in, will let you know next week!", "Still chatting, more soon"]},
    "de": {"met": ["Getroffen"], "qualified": ["Qualifiziert"], "won": ["Gewonnen {amount}"],
           "lost": ["Verloren, zu teuer"], "no_fit": ["Passt nicht"], "snooze": ["Später 1 Woche"],
           "snooze_long": ["Später 6 Wochen"], "stop": ["Stopp"],
           "garbled": ["Danke der Nachfrage, ich melde mich nächste Woche."]},
    "fr": {"met": ["Rencontré"], "qualified": ["Qualifié"], "won": ["Gagné {amount}"], "lost": ["Perdu"],
           "no_fit": ["Pas adapté"], "snooze": ["Plus tard 1 semaine"], "snooze_long": ["Plus tard 6 semaines"],
           "stop": ["Arrêter"], "garbled": ["Merci, je vous tiens au courant."]},
    "es": {"met": ["Reunidos"], "qualified": ["Calificado"], "won": ["Ganado {amount}"], "lost": ["Perdido"],
           "no_fit": ["No encaja"], "snooze": ["Más tarde 1 semana"], "snooze_long": ["Más tarde 6 semanas"],
           "stop": ["Parar"], "garbled": ["Gracias, te cuento la semana que viene."]},
    "nl": {"met": ["Gesproken"], "qualified": ["Gekwalificeerd"], "won": ["Binnengehaald {amount}"],
           "lost": ["Niet gelukt"], "no_fit": ["Geen match"], "snooze": ["Later 1 week"],
           "snooze_long": ["Later 6 weken"], "stop": ["Stoppen"],
           "garbled": ["Bedankt, ik laat het volgende week weten."]},
}
# What a referral's member answers to its follow-ups, one entry per follow-up (None: no answer).
FATES = (
    (22, ["won"]), (10, ["met", "won"]), (5, ["qualified", "won"]), (12, ["lost"]), (5, ["no_fit"]),
    (7, ["met", None]), (6, ["snooze", "won"]), (3, ["snooze", "lost"]), (5, ["stop"]), (5, ["garbled", "met"]),
    (5, [None, "won"]), (15, [None, None]), (3, ["lost", "correction"]), (4, [None, "snooze_long", "won"]),
    (2, ["snooze_long", "lost"]),
)
THANKS = {"en": ["Thanks!", "Great, thank you"], "de": ["Danke!"], "fr": ["Merci !"], "es": ["¡Gracias!"],
          "nl": ["Dank je!"]}


def _say(text: str = "") -> None:
    print(text, flush=True)


# ---- the people ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Person:
    name: str
    email: str
    lang: str = "en"
    client: str = "gmail"
    display: str = ""  # how their mail client writes the name, when not "First Last" (Outlook: "Last, First")

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def shown(self) -> tuple[str, str]:
        return self.display or self.name, self.email


@dataclass(eq=False)
class Member(Person):
    tz: str = "UTC"
    currency: str = "USD"
    coordinator: bool = False
    latency: tuple[float, float] = (1.0, 20.0)  # hours between a mail and the answer
    holiday: tuple[datetime, datetime] | None = None  # the out-of-office robot answers meanwhile
    stop_all_from: datetime | None = None  # the first follow-up after this is answered STOP ALL
    stop_from: datetime | None = None  # the first follow-up after this is answered STOP (that referral only)
    joins: datetime | None = None  # added to the config then, and `run` sent SIGHUP
    joined: bool = False
    personal: str = ""  # their own Gmail, which our reply address is not for: an answer from it is refused
    used_personal: bool = False
    ooo_said: set = field(default_factory=set)

    def active(self, when: datetime) -> bool:
        return self.joins is None or when >= self.joins + timedelta(days=1)


@dataclass(eq=False)
class Intro:
    n: int
    kind: str  # given (member → partner), received (partner → member), between (member → member), partners
    at: datetime
    introducer: Person
    prospect: Person
    provider: Person
    giver: Member | None
    receiver: Member | None
    lang: str
    client: str
    script: list  # what the member answers, follow-up by follow-up
    thread_reply: float | None  # hours after the intro the prospect replies in the thread
    thanked_by_hand: bool
    route: str = "cc"  # cc (the tracking address CC'd), forward (a member forwards it later), cc+forward (both)
    forward_after: float = 0.0  # days
    twice: bool = False  # the MTA delivers the intro twice
    message_id: str = ""
    aliases: tuple[str, ...] = ()  # Message-IDs of other routes the same intro came by
    subject: str = ""
    referral_id: int | None = None
    # the truth, as the simulated people made it
    state: str = "introduced"
    value: tuple[int, str] | None = None
    stopped: bool = False  # a STOP or STOP ALL: is that silence? (stale or not: both are read as right)
    heard: bool = False  # a party replied in the thread: recorded, no status change, never stale
    robot: bool = False  # an out-of-office answered one of its follow-ups (its return date moves things)
    after_clarification: str | None = None
    retry: tuple | None = None  # (text, verb, value) refused from a personal address, sent again properly
    read_late: bool = False  # delivered while `run` was down
    follow_ups_seen: int = 0


def _ascii(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ascii_.lower().replace(" ", "").replace("'", "")


class Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set()

    def __call__(self) -> tuple[str, str, str]:
        for _ in range(10_000):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            if (first, last) not in self.used:
                self.used.add((first, last))
                return f"{first} {last}", _ascii(first), _ascii(last)
        raise RuntimeError("out of names: more people than the name lists allow")


def build_world(rng: random.Random, n_members: int, n_partners: int, days: int):
    names = Names(rng)
    members = []
    for i in range(n_members):
        zone, lang, currency = ZONES[i % len(ZONES)]
        name, first, last = names()
        domain = f"{last}{TRADES[i % len(TRADES)]}.example"
        slow = rng.random() < 0.25
        members.append(Member(name, f"{first}@{domain}", lang, ("gmail", "outlook", "apple")[i % 3], tz=zone,
                              currency=currency, personal=f"{first}.{last}@gmail-personal.example",
                              coordinator=i == 0, latency=(6.0, 40.0) if slow else (0.5, 20.0)))
    if n_members >= 3:
        away = members[1]
        begin = START + timedelta(days=max(1, days // 3), hours=6)
        away.holiday = (begin, begin + timedelta(days=min(7, max(2, days // 4))))
        members[-1].stop_all_from = START + timedelta(days=days // 2)
        members[0].stop_from = START + timedelta(days=days // 4)
    if n_members >= 4 and days >= 4:
        members[-2].joins = START + timedelta(days=days // 2, hours=SLOTS[0])
    partners = []
    for i in range(n_partners):
        name, first, last = names()
        lang = rng.choice(("en", "en", "en", "de", "fr", "es", "nl"))
        client = rng.choice(("gmail", "outlook", "apple"))
        display = f"{name.split(' ', 1)[1]}, {name.split()[0]}" if client == "outlook" and rng.random() < 0.5 else ""
        partners.append(Person(name, f"{first}.{last}@{last}-{TRADES[(i * 7) % len(TRADES)]}.example", lang,
                               client, display))
    # each partner works with one or two members
    circle = {m.email: [] for m in members}
    for i, p in enumerate(partners):
        for m in {members[i % n_members].email, rng.choice(members).email}:
            circle[m].append(p)
    for m in members:
        if not circle[m.email]:
            circle[m.email].append(rng.choice(partners))
    return members, partners, circle, names


def plan_intros(rng: random.Random, members, partners, circle, names, days: int, gone=None,
                pace: float = 1.0) -> list[Intro]:
    intros = []
    fates = [f for f, _ in FATES]
    for day in range(days):
        today = START + timedelta(days=day)
        weekend = today.weekday() >= 5
        active = [m for m in members if m.active(today)]
        for m in active:
            for kind, chance in (("received", 0.14), ("given", 0.12), ("between", 0.03), ("partners", 0.02)):
                if rng.random() >= chance * pace * (0.3 if weekend else 1.0):
                    continue
                if kind == "between" and len(active) < 2:
                    continue
                slot = rng.choice(SLOTS)
                hours_before = rng.uniform(0.2, 7.5)
                at = START + timedelta(days=day, hours=slot) - timedelta(hours=hours_before)
                partner = rng.choice(circle[m.email])
                left = gone is not None and at > gone[1]  # that partner left the company: no more intros
                if left and partner is gone[0]:
                    partner = rng.choice([p for p in partners if p is not gone[0]])
                name, first, last = names()
                prospect = Person(name, f"{first}.{last}@{rng.choice(('gmail', 'outlook', 'icloud'))}-mail.example",
                                  m.lang, rng.choice(("gmail", "outlook", "apple")))
                if kind == "received":
                    introducer, provider, giver, receiver = partner, m, None, m
                elif kind == "given":
                    introducer, provider, giver, receiver = m, partner, m, None
                elif kind == "between":
                    other = rng.choice([o for o in active if o is not m])
                    introducer, provider, giver, receiver = m, other, m, other
                else:  # a member introduces two of their partners to each other
                    others = [p for p in partners if p is not partner and not (left and p is gone[0])]
                    introducer, provider, giver, receiver = m, rng.choice(others), m, None
                    prospect = partner
                script = list(rng.choices([s for _, s in FATES], weights=fates)[0])
                route, after = "cc", 0.0
                roll = rng.random()
                if roll < 0.06:  # forwarded to us afterwards, sometimes weeks late
                    route, after = "forward", rng.choice((rng.uniform(0.5, 6), rng.uniform(8, 25)))
                elif roll < 0.10:  # CC'd, and forwarded again by the member a day or two later
                    route, after = "cc+forward", rng.uniform(0.1, 2)
                if route != "cc" and day + after >= days:
                    route, after = "cc", 0.0
                intros.append(Intro(
                    n=len(intros) + 1, kind=kind, at=at, introducer=introducer, prospect=prospect, provider=provider,
                    giver=giver, receiver=receiver, lang=introducer.lang, client=introducer.client, script=script,
                    thread_reply=rng.uniform(1, 40) if rng.random() < 0.3 and route != "forward" else None,
                    thanked_by_hand=kind == "received" and route != "forward" and rng.random() < 0.15,
                    route=route, forward_after=after, twice=route == "cc" and rng.random() < 0.02))
    intros.sort(key=lambda x: x.at)
    return intros


# ---- money as members write it ------------------------------------------------------------------


def amount(rng: random.Random, currency: str) -> tuple[str, int, str]:
    """(as written, minor units, ISO code)."""
    major = rng.randrange(5, 200) * 100
    if currency == "JPY":
        return f"¥{major * 100:,}", major * 100, "JPY"
    if currency == "EUR":
        text = rng.choice([f"{major:,}".replace(",", ".") + ",00 €", f"EUR {major:,}".replace(",", " "), f"€{major:,}"])
        return text, major * 100, "EUR"
    if currency == "GBP":
        return f"£{major:,}", major * 100, "GBP"
    if currency == "AUD":
        return f"A${major:,}", major * 100, "AUD"
    text = rng.choice([f"${major:,}", f"${major:,}", f"{major / 1000:g}k"])
    return text, major * 100, "USD"


# ---- mail the simulated people write ------------------------------------------------------------


def _addr(p: Person) -> str:
    return mailgen._addr(p.shown)


def forward(intro: Intro, forwarder: Member, when: datetime, message_id: str, style: str) -> bytes:
    """A member forwards an intro to the tracking address: Gmail's or Outlook's inline block, the
    original's date in the member's zone as their client prints it."""
    from zoneinfo import ZoneInfo

    lang = intro.lang if intro.lang in mailgen.INTRO_LINES else "en"
    text = mailgen.INTRO_LINES[lang].format(a=intro.prospect.first, b=intro.provider.first, trade="accountant")
    text += f"\n\nBest,\n{intro.introducer.first}"
    local = intro.at.astimezone(ZoneInfo(forwarder.tz))
    who = f"{intro.introducer.display or intro.introducer.name} <{intro.introducer.email}>"
    to = f"{intro.prospect.name} <{intro.prospect.email}>, {intro.provider.name} <{intro.provider.email}>"
    cc = f"Cc: {TRACKING}\n" if intro.route == "cc+forward" else ""
    if style == "outlook":
        block = (f"________________________________\nFrom: {who}\nSent: {local:%A, %B %-d, %Y %-I:%M %p}\nTo: {to}\n"
                 f"{cc}Subject: {intro.subject}\n\n{text}")
    else:
        block = (f"---------- Forwarded message ---------\nFrom: {who}\nDate: {local:%a, %b %-d, %Y at %-I:%M %p}\n"
                 f"Subject: {intro.subject}\nTo: {to}\n{cc}\n\n{text}")
    note = "For the ledger." if intro.route == "forward" else "Logging this one too, in case."
    return plain_mail(forwarder, [TRACKING], [], f"Fwd: {intro.subject}", f"{note}\n\n{block}\n", when, message_id)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def _plain(raw: bytes) -> tuple[object, str]:
    msg = message_from_bytes(raw, policy=policy.default)
    body = msg.get_body(("plain",))
    return msg, (body.get_content() if body is not None else "").replace("\r\n", "\n").strip()


def plain_mail(sender: Person, to: list[Person] | list[str], cc: list[str], subject: str, body: str, when: datetime,
               message_id: str, in_reply_to: str = "", extra: tuple = ()) -> bytes:
    tos = ", ".join(_addr(t) if isinstance(t, Person) else t for t in to)
    headers = [("From", _addr(sender)), ("To", tos), ("Cc", ", ".join(cc)), ("Subject", subject),
               ("Date", format_datetime(when)), ("Message-ID", f"<{message_id}>"), ("In-Reply-To", in_reply_to),
               ("References", in_reply_to), ("MIME-Version", "1.0"),
               ("Content-Type", 'text/plain; charset="utf-8"'), ("Content-Transfer-Encoding", "8bit"), *extra]
    head = "".join(f"{k}: {v}\r\n" for k, v in headers if v)
    return (head + "\r\n" + body.replace("\n", "\r\n") + "\r\n").encode("utf-8")


def thread_reply(intro: Intro, sender: Person, when: datetime, message_id: str, by_hand: bool) -> bytes:
    """A reply-all in the intro thread: the prospect's (introducer moved to BCC), or the member's
    thank-you by hand (introducer kept)."""
    other = intro.provider if sender is intro.prospect else intro.prospect
    if by_hand:
        text = (f"Thank you so much {intro.introducer.first}, much appreciated!\n\n{other.first}, lovely to meet "
                f"you. I'll call you tomorrow morning.\n\n{sender.first}")
        to = [intro.introducer, other]
    else:
        text = (f"Thanks {intro.introducer.first} (moving you to BCC)!\n\n{other.first}, great to meet you. Would "
                f"Tuesday or Wednesday afternoon work for a call?\n\nBest,\n{sender.first}")
        to = [other]
    stamp = intro.at.strftime("%a, %b %-d, %Y at %-I:%M %p")
    body = f"{text}\n\nOn {stamp} {intro.introducer.name} <{intro.introducer.email}> wrote:\n\n> {intro.subject}\n"
    return plain_mail(sender, to, [TRACKING], f"Re: {intro.subject}", body, when, message_id, f"<{intro.message_id}>")


def out_of_office(member: Member, mail_raw: bytes, when: datetime, message_id: str, style: int) -> bytes:
    """A holiday robot's answer: Gmail's (Auto-Submitted), Outlook's, or one that says so only in words."""
    original, _ = _plain(mail_raw)
    back = member.holiday[1]
    to = original["Reply-To"] or original["From"]
    text = (f"I'm out of the office until {back:%A %-d %B} with limited access to email. "
            f"I'll get back to you when I return.\n\n{member.name}")
    subject = str(original["Subject"])
    if style == 0:
        return plain_mail(member, [str(to)], [], f"Out of Office: {subject}", text, when, message_id,
                          f"{original['Message-ID']}", (("Auto-Submitted", "auto-replied"),))
    if style == 1:
        return plain_mail(member, [str(to)], [], f"Automatic reply: {subject}", text, when, message_id,
                          f"{original['Message-ID']}", (("X-Auto-Response-Suppress", "All"),
                                                        ("Auto-Submitted", "auto-generated")))
    return plain_mail(member, [str(to)], [], f"Re: {subject}", "Thank you for your email. " + text, when,
                      message_id, f"{original['Message-ID']}")


# Openers of the formal register (and of French, which always says "vous"): they greet by the whole
# name ("Bonjour Yusuf Ahmed,", "Guten Tag Eva Roth,"), as a letter to someone not on first-name terms does.
FORMAL_OPENERS = ("Bonjour", "Guten Tag", "Buenos días,", "Gentile", "Beste")


def greeting(raw: bytes) -> tuple[str, str] | None:
    """The opener and the name our mail greets its reader with ("Hi Kemi," → ("Hi", "Kemi"); "Hallo
    Kemi,", "Hola, Kemi:", "Bonjour Kemi Adeyemi," in the other languages it writes), if it opens with one."""
    _, text = _plain(raw)
    openers = "|".join(re.escape(o) for o in ("Hi", "Hello", "Dear", "Hallo", "Hola,", "Ciao") + FORMAL_OPENERS)
    for line in text.splitlines():
        if line.strip():
            m = re.match(rf"^({openers})\s+(.+?)[,:]\s*$", line.strip())
            return (m.group(1), m.group(2)) if m else None
    return None


def bounce(original_raw: bytes, recipient: str, when: datetime, message_id: str) -> bytes:
    """The relay's delivery report (RFC 3464, Postfix's shape) for our mail to an address that is gone."""
    head = original_raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
    boundary = f"report{message_id.split('@')[0]}"
    body = (f"--{boundary}\nContent-Type: text/plain; charset=us-ascii\n\nThis is the mail system at host "
            f"mx.relay.example.\n\nI'm sorry to have to inform you that your message could not be delivered "
            f"to one or more recipients.\n\n<{recipient}>: host mx.partner.example said: 550 5.1.1 <{recipient}>: "
            f"Recipient address rejected: User unknown in virtual mailbox table\n\n"
            f"--{boundary}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.relay.example\n\n"
            f"Final-Recipient: rfc822; {recipient}\nOriginal-Recipient: rfc822;{recipient}\nAction: failed\n"
            f"Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User "
            f"unknown in virtual mailbox table\n\n--{boundary}\nContent-Type: text/rfc822-headers\n\n"
            f"{head.strip()}\n\n--{boundary}--\n")
    headers = (f"Return-Path: <>\nFrom: MAILER-DAEMON@mx.relay.example (Mail Delivery System)\nTo: {TRACKING}\n"
               f"Subject: Undelivered Mail Returned to Sender\nDate: {format_datetime(when)}\n"
               f"Message-ID: <{message_id}>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
               f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\n\n')
    return (headers + body).replace("\n", "\r\n").encode("utf-8")


def unsubscribe(partner: Person, when: datetime, message_id: str) -> bytes:
    """What a mail client's Unsubscribe button sends (our List-Unsubscribe: mailto:…?subject=UNSUBSCRIBE)."""
    return plain_mail(partner, [TRACKING], [], "UNSUBSCRIBE", "", when, message_id)


# ---- the clock ----------------------------------------------------------------------------------


class Clock:
    """Writes the offset file every process reads (models/base.py); keeps the history to map a
    real time (the sink's) to the simulated one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.history: list[tuple[float, float]] = []  # (real time it was set, offset)
        self.set(START)

    def set(self, sim: datetime) -> None:
        real = time.time()
        offset = sim.timestamp() - real
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{offset:.6f}\n")
        os.replace(tmp, self.path)
        self.history.append((real, offset))
        with open(self.path.with_suffix(".history"), "a") as f:  # to read run.log's real times as simulated
            f.write(f"{real:.3f} {sim.isoformat()}\n")

    def now(self) -> datetime:
        return self.sim(time.time())

    def sim(self, real: float) -> datetime:
        i = bisect.bisect_right([r for r, _ in self.history], real) - 1
        return datetime.fromtimestamp(real + self.history[max(i, 0)][1], UTC)


# ---- the database ---------------------------------------------------------------------------


class Database:
    """A SQLite file in the work dir, or a PostgreSQL schema of our own (dropped at the end)."""

    def __init__(self, kind: str, workdir: Path, url: str | None = None) -> None:
        self.kind, self.schema, self.admin = kind, None, None
        if url:
            self.url = url
        elif kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'season.db'}"
        else:
            from sqlalchemy import create_engine, make_url

            from tests.fixtures_servers import POSTGRES_URL

            self.schema = f"season_{uuid.uuid4().hex[:12]}"
            self.admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
            query = {"application_name": self.schema, "options": f"-csearch_path={self.schema}"}
            self.url = make_url(POSTGRES_URL).update_query_dict(query).render_as_string(hide_password=False)
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from sqlalchemy.pool import NullPool

            from models.db import make_engine

            self._engine = make_engine(self.url)
            self._engine.pool = NullPool(self._engine.pool._creator)  # no connection kept between looks
        return self._engine

    def close(self, keep: bool = False) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self.schema is not None and not keep:
            with self.admin.connect() as conn:
                conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE application_name = %(s)s AND pid <> pg_backend_pid()", {"s": self.schema})
                conn.exec_driver_sql(f'DROP SCHEMA "{self.schema}" CASCADE')
        if self.admin is not None:
            self.admin.dispose()


def config_yaml(members: list[Member], dovecot: Dovecot, smtp_port: int, steps: list[str], stale_after: str) -> str:
    lines = []
    for m in members:
        domain = m.email.split("@")[1]
        lines.append(f"  - {{name: \"{m.name}\", emails: [{m.email}], domains: [{domain}], timezone: {m.tz}"
                     + (", coordinator: true" if m.coordinator else "") + "}")
    members_yaml = "\n".join(lines)
    return f"""\
tracking: {{address: {TRACKING}}}
broker_url: memory://
source:
  kind: imap
  imap: {{host: 127.0.0.1, port: {dovecot.port}, security: none, username: {dovecot.user},
         password_env: SEASON_IMAP_PASSWORD, timeout_seconds: 10}}
members:
{members_yaml}
outbound:
  transport: smtp
  smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none, timeout_seconds: 10}}
  sweep_seconds: {SWEEP_SECONDS}
follow_ups: {{steps: [{", ".join(steps)}], stale_after: {stale_after}}}
"""


# ---- the season ---------------------------------------------------------------------------------


@dataclass(order=True)
class Pending:
    due: datetime
    seq: int
    raw: bytes = field(compare=False)
    message_id: str = field(compare=False)
    what: str = field(compare=False)  # intro, thread, answer, ooo, unsubscribe, noise
    intro: Intro | None = field(compare=False, default=None)
    effect: tuple | None = field(compare=False, default=None)  # for answers: (verb, value) applied to the truth
    sender: str = field(compare=False, default="")
    words: str = field(compare=False, default="")  # for `mark`: the amount as typed


class Season:
    def __init__(self, args, workdir: Path, say=_say) -> None:
        self.args, self.workdir, self.say = args, workdir, say
        self.rng = random.Random(args.seed)
        self.members, self.partners, self.circle, names = build_world(self.rng, args.members, args.partners, args.days)
        state, used = self.rng.getstate(), set(names.used)
        self.intros = plan_intros(self.rng, self.members, self.partners, self.circle, names, args.days, None, args.pace)
        # A partner leaves their company half an hour after an intro a quarter into the season: the
        # thank-you for it bounces, and so would anything after. Planned again with them gone (the
        # same draws up to then, so the same intros).
        self.gone = None
        last = next((i for i in self.intros if i.kind == "received" and i.route == "cc" and not i.thanked_by_hand
                     and i.at >= START + timedelta(days=args.days // 4)), None)
        if last is not None and len(self.partners) >= 6:
            self.gone = (last.introducer, last.at + timedelta(minutes=30))
            self.rng.setstate(state)
            names.used = used
            self.intros = plan_intros(self.rng, self.members, self.partners, self.circle, names, args.days, self.gone,
                                      args.pace)
        # A partner presses Unsubscribe in the first thank-you they get a third into the season.
        first = next((i for i in self.intros if i.kind == "received" and i.route == "cc" and not i.thanked_by_hand
                      and i.at >= START + timedelta(days=args.days // 3)
                      and (self.gone is None or i.introducer is not self.gone[0])), None)
        self.unsubscriber = first.introducer if first is not None and len(self.partners) >= 5 else None
        self.unsubscribe_from = first.at if first is not None else None
        self.by_email = {m.email: m for m in self.members}
        self.partner_by_email = {p.email: p for p in self.partners}
        self.inbox: list[Pending] = []
        self.seq = 0
        self.delivered: list[Pending] = []
        self.sink_pos = 0
        self.sink_seen: list[dict] = []
        self.rows: dict[int, object] = {}
        self.ref_to_intro: dict[int, Intro] = {}
        self.by_message_id = {}
        self.kills = self.restarts = 0
        self.killed_at: datetime | None = None
        self.stuck: list[str] = []
        self.robots: set[str] = set()  # Message-IDs of the out-of-office answers we sent
        self.stops: list[tuple[str, int | None, str]] = []  # (address, referral id or None for all mail, Message-ID)
        self.finals: list[tuple[int, str]] = []  # (referral id, Message-ID of the final answer)
        self.thanks: set[str] = set()  # Message-IDs (local parts) of "Thanks!" to our confirmations
        self.snoozes: list[tuple[int, str, float, str]] = []  # (referral, Message-ID, seconds, who)
        self.marked_at: dict[str, datetime] = {}  # answers given with `introledger mark`, when
        self.mark_refused: list[str] = []
        self.unsettled: set[str] = set()  # delivered while `run` was down
        self.outage_days = 0.0
        self.outage: tuple[datetime, datetime] | None = None
        self.up: list[datetime] = []
        for intro in self.intros:
            self._plan_intro(intro)
        self._plan_noise()

    # -- planning

    def _push(self, due: datetime, raw: bytes, message_id: str, what: str, intro=None, effect=None, sender="",
              words="") -> None:
        self.seq += 1
        heapq.heappush(self.inbox, Pending(due, self.seq, raw, message_id, what, intro, effect, sender, words))

    def _plan_intro(self, intro: Intro) -> None:
        rng = self.rng
        lang = intro.lang if intro.lang in mailgen.INTRO_LINES else "en"
        raw = mailgen.intro(100_000 + intro.n, random.Random(self.args.seed * 7919 + intro.n), lang, intro.client,
                            TRACKING, intro.introducer.shown, intro.prospect.shown, intro.provider.shown, intro.at)
        head = message_from_bytes(raw, policy=policy.compat32)
        intro.subject = head["Subject"]
        cc_mid = head["Message-ID"].strip().strip("<>")
        if intro.route != "forward":
            intro.message_id = cc_mid
            self._push(intro.at, raw, cc_mid, "intro", intro)
            if intro.twice:  # the MTA's retry after a lost answer: the same bytes again
                self._push(intro.at + timedelta(minutes=rng.uniform(1, 30)), raw, cc_mid, "intro again", intro)
        if intro.route != "cc":
            forwarder = intro.receiver if intro.kind == "received" else intro.giver
            when = intro.at + timedelta(days=intro.forward_after)
            mid = f"fwd{intro.n}@{forwarder.email.split('@')[1]}"
            raw = forward(intro, forwarder, when, mid, "outlook" if forwarder.client == "outlook" else "gmail")
            if intro.route == "forward":
                intro.message_id = mid
                self._push(when, raw, mid, "intro", intro, sender=forwarder.email)
            else:
                intro.aliases = (mid,)
                self._push(when, raw, mid, "forward again", intro, sender=forwarder.email)
            self.by_message_id[mid] = intro
        self.by_message_id[intro.message_id] = intro
        if intro.thanked_by_hand:  # within minutes, before our thank-you's delay is up (and in the same slot)
            when = min(intro.at + timedelta(minutes=rng.uniform(2, 8)), slot_of(intro.at))
            mid = f"byhand{intro.n}@{intro.receiver.email.split('@')[1]}"
            self._push(when, thread_reply(intro, intro.receiver, when, mid, by_hand=True), mid, "thread", intro,
                       ("thread", None), intro.receiver.email)
        if intro.thread_reply is not None:
            when = intro.at + timedelta(hours=intro.thread_reply)
            mid = f"thread{intro.n}@{intro.prospect.email.split('@')[1]}"
            self._push(when, thread_reply(intro, intro.prospect, when, mid, by_hand=False), mid, "thread", intro,
                       ("thread", None), intro.prospect.email)

    def _plan_noise(self) -> None:
        for day in range(self.args.days):
            if self.rng.random() < 0.6:
                when = (START + timedelta(days=day, hours=self.rng.choice(SLOTS))
                        - timedelta(hours=self.rng.uniform(0.2, 7)))
                raw = mailgen.noise(900_000 + day, random.Random(self.args.seed * 31 + day), "gmail", TRACKING)
                raw = re.sub(rb"Date: [^\r\n]+", f"Date: {format_datetime(when)}".encode(), raw, count=1)
                mid = message_from_bytes(raw)["Message-ID"].strip().strip("<>")
                self._push(when, raw, mid, "noise")

    # -- running

    def run(self) -> dict:
        args = self.args
        with ExitStack() as stack:
            dovecot = getattr(args, "dovecot", None)  # the tests pass their own (emptied)
            if dovecot is None:
                dovecot = Dovecot().start()
                stack.callback(dovecot.stop)
            self.dovecot = dovecot
            self.sink = SinkControl(free_port(), str(self.workdir / "received.jsonl"), keep_raw=True)
            stack.callback(self.sink.close)
            self.db = Database(args.db, self.workdir, getattr(args, "database_url", None))
            stack.callback(self.db.close, args.keep)
            self.clock = Clock(self.workdir / "clock")
            cfg = self.workdir / "config.yaml"
            self.cfg = cfg
            self.write_config()
            self.env = {"SEASON_IMAP_PASSWORD": dovecot.password,
                        "INTROLEDGER_TOKEN_SECRET": "season-" + uuid.uuid4().hex,
                        "INTROLEDGER_DATABASE_URL": self.db.url, "INTROLEDGER_CLOCK_FILE": str(self.clock.path)}
            if self.cli("db", "upgrade").returncode != 0:
                raise SystemExit("db upgrade failed")
            self.worker = Worker("run", ["run", "-v"], cfg, self.workdir / "run.log", self.env)
            self.worker.start()
            stack.callback(self.worker.stop)
            started = time.monotonic()
            slots = [START + timedelta(days=d, hours=h) for d in range(args.days) for h in SLOTS]
            slots.append(START + timedelta(days=args.days, hours=SLOTS[0]))  # the morning after: last mail out
            n = len(slots)
            # `run` down for a few days (a dead server nobody noticed) about 60% into the season
            down = 2 * max(1, args.days // 30) if args.days >= 7 else 0
            first_down = int(n * 0.6)
            outage = set(range(first_down, first_down + down))
            self.outage_days = down / len(SLOTS)
            if down:
                self.outage = (slots[first_down], slots[first_down + down])
            self.up = [slot for k, slot in enumerate(slots) if k not in outage]  # when `run` saw the clock
            free = [k for k in range(2, n - 1) if k not in outage and k != first_down + down]
            kill_at = set(self.rng.sample(free, min(len(free), max(1, args.days // 9))))
            free = [k for k in free if k not in kill_at]
            polite_at = set(self.rng.sample(free, min(len(free), max(1, args.days // 20))))
            for k, slot in enumerate(slots):
                if k in outage:
                    if k == first_down:
                        self.worker.stop()
                    self.clock.set(slot)
                    for pending in self.due(slot):
                        self.handle(pending)
                        if pending.intro is not None and pending.what == "intro":
                            pending.intro.read_late = True
                    continue
                if k == first_down + down and down:
                    self.worker.start()
                self.join_members(slot)
                self.step(slot, kill=k in kill_at, polite=k in polite_at)
                if slot.hour == SLOTS[-1] and (slot - START).days % 10 == 9:
                    intros = len([p for p in self.delivered if p.what == "intro"])
                    self.say(f"  day {(slot - START).days + 1:3d}: {intros} "
                             f"intros, {len(self.sink_seen)} mails, {self.kills} kill -9, {self.restarts} restarts "
                             f"({time.monotonic() - started:.0f} s)")
            self.end = slots[-1]
            self.worker.stop()
            self.elapsed = time.monotonic() - started
            return self.check()

    def cli(self, *argv: str) -> subprocess.CompletedProcess:
        env = {**os.environ, **self.env, "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, "-m", "worker.cli.main", "--config", str(self.cfg), *argv],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    def write_config(self) -> None:
        members = [m for m in self.members if m.joins is None or m.joined]
        self.cfg.write_text(config_yaml(members, self.dovecot, self.sink.port, self.args.steps.split(","),
                                        self.args.stale_after))

    def join_members(self, slot: datetime) -> None:
        """A member joins mid-season: added to the config, and `run` told with SIGHUP (no restart)."""
        import signal

        joining = [m for m in self.members if m.joins is not None and not m.joined and slot >= m.joins]
        if not joining:
            return
        for m in joining:
            m.joined = True
        self.write_config()
        if self.worker.alive():
            self.worker.proc.send_signal(signal.SIGHUP)
        self.joins = getattr(self, "joins", 0) + len(joining)

    def due(self, slot: datetime) -> list[Pending]:
        batch = []
        while self.inbox and self.inbox[0].due <= slot:
            batch.append(heapq.heappop(self.inbox))
        return batch

    def handle(self, p: Pending) -> None:
        if p.what == "mark":
            self.mark(p)
        else:
            self.deliver(p)
            self.unsettled.add(p.message_id)

    def mark(self, p: Pending) -> None:
        """The member answers with `introledger mark` instead of by reply."""
        verb, _value = p.effect
        argv = ["mark", str(p.intro.referral_id), verb.upper()] + (["--amount", p.words] if p.words else [])
        out = self.cli(*argv)
        if out.returncode != 0:
            self.mark_refused.append(f"{' '.join(argv)}: {(out.stdout + out.stderr).strip()[-300:]}")
            return
        self.marked_at[p.message_id] = self.clock.now()
        self.delivered.append(p)
        self.apply(p)

    def step(self, slot: datetime, kill: bool, polite: bool) -> None:
        self.clock.set(slot)
        jumped = time.monotonic()
        batch = self.due(slot)
        for p in batch:
            self.handle(p)
        if kill:
            time.sleep(self.rng.uniform(0, 0.8))
            self.killed_at = self.clock.now()
            self.worker.kill9()
            self.kills += 1
            time.sleep(0.2)
            self.worker.start()
        elif polite:
            self.worker.stop()
            self.restarts += 1
            self.worker.start()
        waiting = self.settle(self.unsettled, jumped)
        self.unsettled = set()
        if waiting:
            self.stuck.append(f"{slot:%Y-%m-%d %H:%M}: {waiting}")
            self.say(f"  ! {slot:%Y-%m-%d %H:%M} did not settle in {STEP_TIMEOUT:.0f} s: {waiting}")
        self.react()
        if self.args.verbose:
            self.say(f"    {slot:%a %m-%d %H:%M}: {len(batch)} in, {time.monotonic() - jumped:.2f} s"
                     + (" (kill -9)" if kill else " (restart)" if polite else ""))

    def deliver(self, p: Pending) -> None:
        for _ in range(20):
            try:
                self.dovecot.deliver_lmtp(p.raw,
                                          mail_from="" if p.what == "bounce" else p.sender or "someone@example.org")
                break
            except Exception:  # noqa: BLE001 - as an MTA would: try again
                time.sleep(0.2)
        else:
            raise RuntimeError(f"LMTP refused {p.message_id}")
        self.delivered.append(p)
        if p.effect is not None:
            self.apply(p)

    def apply(self, p: Pending) -> None:
        """The truth: what this mail does to its referral, as the lifecycle says."""
        intro, (verb, value) = p.intro, p.effect
        s = intro.state
        if verb == "thread":
            if s == "introduced":
                intro.heard = True  # evidence, not MET (worker/core/lifecycle.py THREAD_REPLY_WHY)
        elif verb == "met":
            if s in ("introduced", "stale"):
                intro.state = "connected"
        elif verb == "qualified":
            if s in ("introduced", "connected", "stale"):
                intro.state = "qualified"
        elif verb in TERMINAL:
            if s not in TERMINAL:
                intro.state, intro.value = verb, value
                self.finals.append((intro.referral_id, p.message_id))
        elif verb == "correction":  # CORRECTION: WON … after a final answer
            if s in TERMINAL:
                intro.state, intro.value = "won", value
                self.finals.append((intro.referral_id, p.message_id))
        elif verb in ("snooze", "snooze_long", "stop"):
            intro.stopped = intro.stopped or verb == "stop"
            if verb.startswith("snooze"):
                self.snoozes.append((intro.referral_id, p.message_id, _snooze_seconds(p.raw), p.sender))
            if verb == "stop":
                self.stops.append((p.sender, intro.referral_id, p.message_id))
        elif verb == "stop_all":
            intro.stopped = True
            self.stops.append((p.sender, None, p.message_id))

    def settle(self, message_ids: set[str], jumped: float) -> str:
        """Wait until the worker has read this step's mail and sent what is due; '' or what still waits."""
        from sqlalchemy import func, or_, select

        from models import FollowUp, InboundMessage, OutboxMessage, Quarantined

        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            if not self.worker.alive():
                self.worker.reap()
                self.worker.start()
            now = self.clock.now()
            try:
                with self.db.engine.connect() as conn:
                    seen = set(conn.execute(select(InboundMessage.message_id).where(
                        InboundMessage.message_id.in_(message_ids))).scalars()) if message_ids else set()
                    seen |= set(conn.execute(select(Quarantined.message_id).where(
                        Quarantined.message_id.in_(message_ids))).scalars()) if message_ids else set()
                    due_steps = conn.execute(select(func.count()).select_from(FollowUp).where(
                        FollowUp.status == "scheduled", FollowUp.due_at <= now)).scalar()
                    open_rows = conn.execute(select(func.count()).select_from(OutboxMessage).where(or_(
                        (OutboxMessage.status == "queued") & (OutboxMessage.not_before <= now),
                        (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at > (self.killed_at or START))
                    ))).scalar()
            except Exception as exc:  # noqa: BLE001 - e.g. SQLite busy for a moment
                seen, due_steps, open_rows = set(), -1, -1
                self.say(f"  (look failed: {str(exc).splitlines()[0]})")
            unread = sorted(set(message_ids) - seen)
            if not unread and not due_steps and not open_rows and time.monotonic() - jumped >= 2.5 * SWEEP_SECONDS:
                return ""
            if time.monotonic() > deadline:
                return (f"{len(unread)} mail(s) unread {unread[:3]}, {due_steps} follow-up(s) due, "
                        f"{open_rows} outbox row(s) open")
            time.sleep(0.1)

    # -- what people do with the mail they got

    def new_mail(self) -> list[dict]:
        with open(self.sink.log_path, "rb") as f:
            f.seek(self.sink_pos)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self.sink_pos += end
        mails = [json.loads(line) for line in data[:end].splitlines() if line.strip()]
        self.sink_seen.extend(mails)
        return mails

    def load_rows(self) -> None:
        from sqlalchemy import select

        from models import OutboxMessage, Referral

        with self.db.engine.connect() as conn:
            for r in conn.execute(select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.referral_ids,
                                         OutboxMessage.to_addr, OutboxMessage.status, OutboxMessage.reason,
                                         OutboxMessage.in_reply_to, OutboxMessage.subject, OutboxMessage.dedupe_key,
                                         OutboxMessage.not_before, OutboxMessage.queued_at,
                                         OutboxMessage.last_error)):
                self.rows[r.id] = r
            for rid, mid in conn.execute(select(Referral.id, Referral.source_message_id)):
                intro = self.by_message_id.get((mid or "").strip("<>"))
                if intro is not None:
                    self.ref_to_intro[rid] = intro
                    intro.referral_id = rid

    def row_of(self, mail: dict):
        m = OUTBOX_ID.search(mail["message_id"])
        return self.rows.get(int(m.group(1))) if m else None

    def react(self) -> None:
        mails = self.new_mail()
        if not mails:
            return
        self.load_rows()
        for mail in mails:
            row = self.row_of(mail)
            if row is None:
                continue
            to = mail["rcpt"][0].lower()
            when = self.clock.sim(mail["t"])
            raw = base64.b64decode(mail["raw"])
            member = self.by_email.get(to)
            if member is not None:
                self.member_reads(member, row, raw, when)
            elif self.gone is not None and to == self.gone[0].email and when >= self.gone[1]:
                at = when + timedelta(minutes=self.rng.uniform(1, 20))
                mid = f"dsn{self.seq}@mx.relay.example"
                self._push(at, bounce(raw, to, at, mid), mid, "bounce")
                self.stops.append((to, None, mid))
            elif self.unsubscriber is not None and to == self.unsubscriber.email and row.kind == "thank_you" \
                    and when >= self.unsubscribe_from and not getattr(self, "unsubscribed", False):
                self.unsubscribed = True
                at = when + timedelta(hours=self.rng.uniform(0.5, 10))
                mid = f"unsubscribe{self.seq}@{to.split('@')[1]}"
                self._push(at, unsubscribe(self.unsubscriber, at, mid), mid, "unsubscribe", sender=to)
                self.stops.append((to, None, mid))

    def member_reads(self, member: Member, row, raw: bytes, when: datetime) -> None:
        rng = self.rng
        intro = self.ref_to_intro.get(row.referral_ids[0]) if row.referral_ids else None
        at = when + timedelta(hours=rng.uniform(*member.latency))
        if member.holiday and member.holiday[0] <= when < member.holiday[1]:
            # the robot answers follow-ups, and once any other mail from us
            if row.kind == "follow_up" or row.kind not in member.ooo_said:
                member.ooo_said.add(row.kind)
                if intro is not None and row.kind == "follow_up":
                    intro.robot = True
                at = when + timedelta(minutes=rng.uniform(1, 5))
                mid = f"ooo{self.seq}@{member.email.split('@')[1]}"
                self.robots.add(mid)
                self._push(at, out_of_office(member, raw, at, mid, len(self.robots) % 3), mid, "ooo",
                           sender=member.email)
            return
        if intro is None:
            return
        if row.kind == "follow_up":
            intro.follow_ups_seen += 1
            if member.stop_all_from and when >= member.stop_all_from:
                member.stop_all_from = None
                self.answer(member, intro, raw, at, "stop_all")
                return
            if member.stop_from and when >= member.stop_from:
                member.stop_from = None
                self.answer(member, intro, raw, at, "stop")
                return
            verb = intro.script.pop(0) if intro.script and intro.script[0] != "correction" else None
            if verb == "garbled":
                intro.after_clarification = intro.script.pop(0) if intro.script else None
            if verb in ("won", "lost", "met") and rng.random() < 0.06:
                self.mark_later(member, intro, at, verb)
            elif verb is not None:
                self.answer(member, intro, raw, at, verb)
        elif row.kind == "answer_not_applied" and intro.retry:  # "not applied: …": answered again, properly
            (text, verb, value), intro.retry = intro.retry, None
            mid = f"again{self.seq}.{intro.n}@{member.email.split('@')[1]}"
            reply = reply_to_follow_up(raw, member.email, text, "gmail", mid, when=at)
            self._push(at, reply, mid, "answer", intro, (verb, value), member.email)
        elif row.kind == "clarification" and intro.after_clarification:
            verb, intro.after_clarification = intro.after_clarification, None
            self.answer(member, intro, raw, at, verb)
        elif row.kind == "status_confirmation" and intro.script[:1] == ["correction"] and intro.state == "lost":
            intro.script.pop(0)
            self.answer(member, intro, raw, at, "correction")
        elif row.kind.endswith("_confirmation") and rng.random() < 0.12:
            self.answer(member, intro, raw, at, "thanks")  # "Thanks!" to our confirmation

    def mark_later(self, member: Member, intro: Intro, at: datetime, verb: str) -> None:
        written, value = "", None
        if verb == "won":
            written, minor, code = amount(self.rng, member.currency)
            value = (minor, code)
        self._push(at, b"", f"mark{self.seq}.{intro.n}", "mark", intro, (verb, value), member.email, written)

    def answer(self, member: Member, intro: Intro, raw: bytes, at: datetime, verb: str) -> None:
        rng = self.rng
        value = None
        if verb == "stop_all":
            text = "STOP ALL"
        elif verb == "thanks":
            text = rng.choice(THANKS[member.lang])
            self.thanks.add(f"answer{self.seq}.{intro.n}")
        elif verb == "correction":
            written, minor, code = amount(rng, member.currency)
            text, value = "CORRECTION: " + rng.choice(WORDS[member.lang]["won"]).format(amount=written), (minor, code)
        else:
            text = rng.choice(WORDS[member.lang][verb])
            if verb == "won":
                currency = member.currency if rng.random() < 0.8 else rng.choice(("USD", "EUR", "GBP"))
                written, minor, code = amount(rng, currency)
                text, value = text.format(amount=written), (minor, code)
        shape = {"gmail": "gmail", "outlook": "outlook", "apple": "apple"}[member.client]
        if member.lang == "de" and rng.random() < 0.5:
            shape = "german"
        sender, effect = member.email, (verb, value)
        if verb in ANSWERS and not member.used_personal and rng.random() < 0.08:
            # from the phone's personal account: refused, the member is told, and answers again
            member.used_personal, intro.retry = True, (text, verb, value)
            sender, effect = member.personal, ("from a personal address (refused)", None)
        elif rng.random() < 0.05:  # from the office's shared address on the member's domain: hers too
            sender = f"office@{member.email.split('@')[1]}"
        mid = f"answer{self.seq}.{intro.n}@{sender.split('@')[1]}"
        reply = reply_to_follow_up(raw, sender, text, shape, mid, when=at)
        self._push(at, reply, mid, "answer", intro, effect, sender)

    # -- the count

    def check(self) -> dict:
        from sqlalchemy import select

        from models import InboundMessage, Quarantined, Referral

        self.new_mail()
        self.load_rows()
        with self.db.engine.connect() as conn:
            processed = dict(conn.execute(select(InboundMessage.message_id, InboundMessage.processed_at)).all())
            refs = conn.execute(select(Referral.id, Referral.status, Referral.source_message_id)).all()
            quarantined = [(q.message_id, q.reason)
                           for q in conn.execute(select(Quarantined.message_id, Quarantined.reason))]
        mails = []
        for mail in self.sink_seen:
            row = self.row_of(mail)
            mails.append({"mail": mail, "row": row, "to": mail["rcpt"][0].lower(), "at": self.clock.sim(mail["t"]),
                          "kind": row.kind if row else "?", "refs": list(row.referral_ids or []) if row else []})
        r = {"days": self.args.days, "members": len(self.members), "partners": len(self.partners), "db": self.args.db,
             "seed": self.args.seed, "elapsed": self.elapsed, "kills": self.kills, "restarts": self.restarts,
             "stuck": self.stuck, "quarantined": quarantined, "outage_days": self.outage_days}
        delivered = [p for p in self.delivered if p.what == "intro"]
        r["intros"] = len(delivered)
        r["inbound"] = Counter(p.what for p in self.delivered)
        did = Counter()
        for p in self.delivered:
            if p.what == "answer":
                did[p.effect[0]] += 1
                did["answered from the office address"] += p.sender.startswith("office@")
            elif p.what == "mark":
                did[f"mark {p.effect[0]}"] += 1
            elif p.what == "thread":
                did["thanked by hand" if p.message_id.startswith("byhand") else "thread"] += 1
            elif p.what == "intro" and p.intro.route == "forward":
                did["forwarded late" if p.intro.forward_after > 3 else "forwarded"] += 1
            elif p.what not in ("intro", "noise"):
                did[p.what] += 1
        did["joined (SIGHUP)"] = getattr(self, "joins", 0)
        r["did"] = did
        # -- intros logged once, and nothing logged that nobody introduced
        logged = Counter((m or "").strip("<>") for _, _, m in refs)
        r["not_logged"], r["logged_twice"] = [], []
        for p in delivered:
            n = sum(logged[m] for m in (p.message_id, *p.intro.aliases))
            if n != 1:
                r["not_logged" if n == 0 else "logged_twice"].append(p.message_id)
        r["made_up"] = [(rid, mid) for rid, _, mid in refs if (mid or "").strip("<>") not in self.by_message_id]
        # -- states
        status = {rid: s for rid, s, _ in refs}
        wrong, truth_states = [], Counter()
        cutoff = self.end - timedelta(seconds=_seconds(self.args.stale_after))
        snoozed_until = defaultdict(list)
        for rid, mid, seconds, _who in self.snoozes:
            if processed.get(mid):
                snoozed_until[rid].append(processed[mid] + timedelta(seconds=seconds))
        for intro in self.intros:
            if intro.referral_id is None:
                continue
            want = {intro.state}
            if intro.state == "introduced" and not intro.heard:
                # stale_after counts from the intro, or from the end of a SNOOZE (worker/core/lifecycle.py)
                quiet_since = max([intro.at, *snoozed_until.get(intro.referral_id, [])])
                if quiet_since < cutoff:
                    want = {"stale"}
                if intro.stopped or intro.robot or abs(quiet_since - cutoff) < timedelta(days=1):
                    want = {"introduced", "stale"}  # a forward's date read in some zone: too close to call
            got = status.get(intro.referral_id)
            truth_states["/".join(sorted(want))] += 1
            if got not in want:
                wrong.append((intro.referral_id, got, "/".join(sorted(want)), intro))
        r["states"] = Counter(s for s in status.values())
        r["truth_states"] = truth_states
        r["wrong_states"] = wrong
        # -- mail by kind
        r["sent_by_kind"] = Counter(m["kind"] for m in mails)
        r["rows_by_kind"] = defaultdict(Counter)
        for row in self.rows.values():
            r["rows_by_kind"][row.kind][row.status] += 1
        # -- duplicates: one Message-ID twice, or the same mail twice from two rows
        by_mid = Counter(m["mail"]["message_id"] for m in mails)
        dups = [("same Message-ID", mid, n) for mid, n in by_mid.items() if n > 1]
        logical = defaultdict(set)
        for m in mails:
            logical[self.logical_key(m)].add(m["mail"]["message_id"])
        dups += [("same mail, two rows", key, len(mids)) for key, mids in logical.items() if key and len(mids) > 1]
        r["duplicates"] = dups
        # -- mail after STOP / STOP ALL / unsubscribe, and after a final answer
        after_stop, after_final = [], []
        for address, rid, mid in self.stops:
            t = processed.get(mid) or self.marked_at.get(mid)
            if t is None:
                after_stop.append((address, rid, "STOP never processed", mid))
                continue
            for m in mails:
                if m["to"] != address or m["at"] <= t:
                    continue
                if rid is None or (rid in m["refs"] and m["kind"] not in ("stop_confirmation", "status_confirmation")):
                    after_stop.append((address, rid, m["kind"], m["at"].isoformat(timespec="minutes")))
        for rid, mid in self.finals:
            t = processed.get(mid) or self.marked_at.get(mid)
            for m in mails:
                if t is not None and rid in m["refs"] and m["at"] > t and m["kind"] not in (
                        "status_confirmation", "closed_business"):
                    after_final.append((rid, m["kind"], m["to"], m["at"].isoformat(timespec="minutes")))
        r["after_stop"], r["after_final"] = after_stop, after_final
        # -- answers to robots
        r["robot_answers"] = [row.id for row in self.rows.values()
                              if (row.in_reply_to or "").strip("<>") in self.robots]
        r["robots"] = len(self.robots)
        r["thanks_clarified"] = [(m["to"], m["refs"]) for m in mails if m["kind"] == "clarification"
                                 and (m["row"].in_reply_to or "").strip("<>").split("@")[0] in self.thanks]
        # -- greetings: "Hi <first name>," with the name the person goes by
        # (the whole name in the formal register's greeting)
        people = {p.email: p for p in (*self.members, *self.partners)}
        r["greetings"] = []
        for m in mails:
            person = people.get(m["to"])
            said = greeting(base64.b64decode(m["mail"]["raw"])) if person else None
            if said is None:
                continue
            opener, name = said
            if name != person.first and not (opener in FORMAL_OPENERS and name == person.name):
                r["greetings"].append((m["kind"], m["to"], f"{opener} {name}, (not {person.first})"))
        # -- one question at a time: never two follow-ups about one referral within a day
        asked = defaultdict(list)
        for m in mails:
            if m["kind"] == "follow_up":
                asked[tuple(m["refs"])].append(m["at"])
        r["asked_twice"] = [(refs_, f"{a:%m-%d %H:%M} and {b:%m-%d %H:%M}") for refs_, times in asked.items()
                            for a, b in pairwise(sorted(times)) if b - a < timedelta(days=1)]
        r["mark_refused"] = self.mark_refused
        # -- a SNOOZE is a promise: "I'll ask again on …"
        r["snooze_broken"] = []
        for rid, mid, seconds, who in self.snoozes:
            t = processed.get(mid)
            if t is None:
                continue
            again = t + timedelta(seconds=seconds)
            gone = [processed.get(m) for a, ref, m in self.stops if a == who and ref in (None, rid)]
            settled = [processed.get(m) or self.marked_at.get(m) for ref, m in self.finals if ref == rid]
            if again > self.end - timedelta(days=2) or any(x and x < again for x in gone + settled):
                continue
            late = timedelta(days=2)
            if self.outage and self.outage[0] <= again <= self.outage[1]:
                late += self.outage[1] - again  # `run` was down then: it asks when it is back
            if not any(rid in m["refs"] and again - timedelta(hours=1) <= m["at"] <= again + late
                       for m in mails if m["kind"] == "follow_up"):
                r["snooze_broken"].append((rid, who, f"snoozed {t:%m-%d} until {again:%m-%d}: not asked"))
        # -- nothing that should have gone is missing
        thanked = {rid for m in mails if m["kind"] == "thank_you" for rid in m["refs"]}
        asked = {rid for m in mails if m["kind"] == "follow_up" for rid in m["refs"]}
        out_at = {address: processed.get(mid) for address, rid, mid in self.stops if rid is None}
        steps = [timedelta(seconds=_seconds(x)) for x in self.args.steps.split(",")]
        r["not_thanked"], r["thanked_anyway"], r["never_asked"] = [], [], []
        for intro in self.intros:
            rid = intro.referral_id
            if rid is None or intro.at > self.end - timedelta(days=1):
                continue
            # (a member introduced by another member is not thanked for them: worker/followups/thanks.py, "a member's
            # own intro is theirs to give"; a forward comes too late, and so does mail read after days down)
            if intro.kind == "received" and intro.route != "forward" and not intro.read_late:
                gone = out_at.get(intro.introducer.email)
                if intro.thanked_by_hand and rid in thanked:
                    r["thanked_anyway"].append((rid, intro.introducer.email))
                elif (not intro.thanked_by_hand and rid not in thanked
                      and not (gone and gone <= intro.at + timedelta(days=1))):
                    r["not_thanked"].append((rid, intro.introducer.email, f"{intro.at:%m-%d %H:%M}"))
            member = intro.receiver or intro.giver
            if not steps or rid in asked:
                continue
            # Counted from when `run` would mail the first step under its send rules, not from when it
            # is due: the first moment `run` runs after that (not in the outage), held to the end of the
            # member's quiet hours, and on to the next stop if a kill -9 caught it mid-send. A STOP ALL
            # read by then rightly means nothing is asked. With `run` down a day, a step due in the
            # member's night and the STOP ALL she wrote that evening were both read the morning it was
            # back; dated by the due time, that referral was counted as never asked (--days 8, seed 1).
            logged = intro.at + timedelta(days=intro.forward_after) if intro.route == "forward" else intro.at
            if logged - intro.at > timedelta(seconds=_seconds(self.args.stale_after)):
                continue  # a backfilled old intro: not asked about (worker/followups/schedule.py)
            due = max(intro.at + steps[0], logged)
            held = any(row.kind == "follow_up" and rid in (row.referral_ids or [])
                       and (row.last_error or "").startswith("released: the worker sending it stopped answering")
                       for row in self.rows.values())
            goes = asked_at(due, member.tz, self.up, held)
            opted = out_at.get(member.email)
            if goes is not None and goes < self.end - timedelta(days=1) \
                    and not (opted and opted <= goes + timedelta(days=1)):
                r["never_asked"].append((rid, member.email, f"due {due:%m-%d %H:%M}, goes {goes:%m-%d %H:%M}"))
        # -- the ledger: the coordinator's report, the slips, each won referral's value
        r["ledger"] = self.ledger()
        r["slips"] = self.slips()
        values = dict(self.values())
        r["values"] = [(i.referral_id, values.get(i.referral_id), i.value) for i in self.intros
                       if i.state == "won" and values.get(i.referral_id) != i.value]
        # -- the workers
        r["tracebacks"] = self.worker.tracebacks()
        r["crashes"] = list(self.worker.exits)
        r["unconfirmed"] = sum(1 for row in self.rows.values() if row.status == "unconfirmed")
        r["mails"] = len(mails)
        return r

    def logical_key(self, m: dict):
        """What makes two mails the same mail to the person who gets them."""
        row, kind = m["row"], m["kind"]
        if row is None:
            return None
        refs = tuple(sorted(m["refs"]))
        if kind == "follow_up":  # one per referral and step (its key is follow-up:<referral>:<step>)
            return (kind, refs, row.dedupe_key.rsplit(":", 1)[-1])
        if kind in ("thank_you", "stop_confirmation"):
            return (kind, refs, m["to"])
        if kind == "closed_business":
            return (kind, refs, m["to"], row.subject)
        if kind in ("status_confirmation", "snooze_confirmation", "answer_not_applied"):
            return (kind, refs, m["to"], row.in_reply_to or row.dedupe_key)
        if kind == "clarification":
            return (kind, refs, row.dedupe_key)
        if kind == "digest":
            return (kind, m["to"], m["at"].date().isoformat())
        if kind == "coffee_check_in":
            return (kind, m["to"], m["at"].strftime("%Y-%m"))
        return ("mid", m["mail"]["message_id"])

    def values(self) -> list[tuple[int, tuple[int, str]]]:
        from sqlalchemy import select

        from models import Referral

        with self.db.engine.connect() as conn:
            return [(rid, (cents, cur)) for rid, cents, cur in conn.execute(
                select(Referral.id, Referral.value_cents, Referral.currency).where(Referral.status == "won"))]

    def slips(self) -> list[str]:
        """`export slips` against the truth: one slip per intro, closed business per WON, values per currency."""
        import csv
        import io

        from worker.mail.commands import parse_amount

        out = self.cli("export", "slips")
        if out.returncode != 0:
            return [f"export slips failed: {out.stderr.strip()[-300:]}"]
        slips = list(csv.DictReader(io.StringIO(out.stdout)))
        logged = [i for i in self.intros if i.referral_id is not None]
        won = [i for i in logged if i.state == "won"]
        want: dict[str, int] = {}
        for i in won:
            want[i.value[1]] = want.get(i.value[1], 0) + i.value[0]
        got: dict[str, int] = {}
        for slip in slips:
            if slip["value"]:
                amount = parse_amount(slip["value"])
                got[amount.currency] = got.get(amount.currency, 0) + amount.minor
        problems = []
        if len(slips) != len(logged):
            problems.append(f"{len(slips)} slips for {len(logged)} intros")
        closed = sum(slip["type"] == "closed business" for slip in slips)
        if closed != len(won):
            problems.append(f"{closed} closed-business slips for {len(won)} won")
        if got != want:
            problems.append(f"slip values {got} (truth {want})")
        return problems

    def ledger(self) -> list[dict]:
        """`report --group --json` against the truth, per member and side."""
        out = self.cli("report", "--group", "--json")
        if out.returncode != 0:
            return [{"member": "(report failed)", "problems": [out.stderr.strip()[-500:]]}]
        rows = {row["member"]: row for row in json.loads(out.stdout)}
        truth = {m.email: {"given": _side(), "received": _side()} for m in self.members}
        for intro in self.intros:
            if intro.referral_id is None:
                continue
            for member, side in ((intro.giver, "given"), (intro.receiver, "received")):
                if member is None:
                    continue
                t = truth[member.email][side]
                t["referrals"] += 1
                if intro.state == "won":
                    t["won"] += 1
                    minor, code = intro.value
                    t["values"][code] = t["values"].get(code, 0) + minor
        result = []
        for m in self.members:
            row = next((v for k, v in rows.items() if m.email in k or m.name in k), None)
            problems = []
            for side in ("given", "received"):
                want, got = truth[m.email][side], (row or {}).get(side, {})
                for key in ("referrals", "won"):
                    if got.get(key) != want[key]:
                        problems.append(f"{side} {key} {got.get(key)} (truth {want[key]})")
                values = {c: v for c, v in (got.get("values") or {}).items() if v}
                if values != want["values"]:
                    problems.append(f"{side} values {values} (truth {want['values']})")
            result.append({"member": m.name, "truth": truth[m.email], "ours": row, "problems": problems})
        return result


def slot_of(when: datetime) -> datetime:
    """The first moment the simulated world stops at, at or after `when`."""
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    for d in range(2):
        for h in SLOTS:
            slot = day + timedelta(days=d, hours=h)
            if slot >= when:
                return slot
    raise AssertionError(when)


def asked_at(due: datetime, zone: str, up: list[datetime], held: bool = False) -> datetime | None:
    """The moment `run` mails a follow-up step due at `due` to a member in `zone` (None: not within `up`).

    `up` are the moments the season's clock stops at while `run` runs (it is down in the outage):
    a step due between them is queued at the next one (worker/followups/schedule.py), held until
    the end of the member's quiet hours (worker/outbound/quiet.py, the config's defaults), and
    sent at the first stop after that; `held`: a kill -9 caught it mid-send, and it is released
    once the claim is older than outbound.sending_timeout_seconds, at the next stop after that.
    """
    from worker.core.config import OutboundConfig
    from worker.outbound.quiet import outside_quiet_hours

    out = OutboundConfig()

    def next_up(when: datetime) -> datetime | None:
        k = bisect.bisect_left(up, when)
        return up[k] if k < len(up) else None

    queued = next_up(due)
    if queued is None:
        return None
    if out.quiet_hours is not None:
        queued = outside_quiet_hours(queued, zone, out.quiet_hours.start, out.quiet_hours.end)
    goes = next_up(queued)
    if goes is not None and held:
        goes = next_up(goes + timedelta(seconds=out.sending_timeout_seconds))
    return goes


def _snooze_seconds(raw: bytes) -> float:
    """How long the SNOOZE in this reply asks for, read as the product reads it (worker/mail/commands.py)."""
    from worker.mail.commands import parse_command

    _, text = _plain(raw)
    return parse_command(text.splitlines()[0]).snooze_seconds


def _side() -> dict:
    return {"referrals": 0, "won": 0, "values": {}}


def _seconds(duration: str) -> float:
    from worker.core import durations

    return durations.parse(duration).total_seconds()


# ---- the report ---------------------------------------------------------------------------------


def _money(values: dict) -> str:
    from worker.core.money import format_sums

    return format_sums(values) or "-"


def failures(r: dict) -> dict[str, int]:
    """The figures that must be zero."""
    return {
        "duplicates": len(r["duplicates"]),
        "mail after STOP, STOP ALL, unsubscribe or a bounce": len(r["after_stop"]),
        "mail about a referral after its final answer": len(r["after_final"]),
        "answers to out-of-office robots": len(r["robot_answers"]),
        "\"Sorry, I did not catch that\" to a \"Thanks!\"": len(r["thanks_clarified"]),
        "intros not logged exactly once": len(r["not_logged"]) + len(r["logged_twice"]),
        "referrals nobody introduced": len(r["made_up"]),
        "two follow-ups about one referral within a day": len(r["asked_twice"]),
        "greetings with the wrong name": len(r["greetings"]),
        "answers by `introledger mark` refused": len(r["mark_refused"]),
        "intros never thanked": len(r["not_thanked"]),
        "thank-yous after the member thanked by hand": len(r["thanked_anyway"]),
        "referrals never asked how it went": len(r["never_asked"]),
        "snoozes not followed up when promised": len(r["snooze_broken"]),
        "referral states unlike the truth": len(r["wrong_states"]),
        "ledger lines unlike the truth": sum(1 for line in r["ledger"] if line["problems"]),
        "slip totals and won values unlike the truth": len(r["slips"]) + len(r["values"]),
        "steps that did not settle": len(r["stuck"]),
        "worker crashes and tracebacks": len(r["crashes"]) + r["tracebacks"],
    }


def report(r: dict, say=_say) -> None:
    say("")
    say(f"season: {r['days']} days, {r['members']} members, {r['partners']} partners, {r['db']}, seed {r['seed']} — "
        f"{r['intros']} intros, {sum(r['inbound'].values())} mails in, {r['mails']} mails out, "
        f"{r['kills']} kill -9, {r['restarts']} restarts, `run` down {r['outage_days']:g} days, {r['elapsed']:.0f} s")
    say(f"mail in: {dict(r['inbound'])}")
    say(f"what people did: {', '.join(f'{k} {v}' for k, v in sorted(r['did'].items()) if v)}")
    say("")
    say(f"{'referrals by state':<24}{'ours':>6}{'truth':>7}")
    for state in sorted(set(r["states"]) | set(r["truth_states"])):
        say(f"  {state:<22}{r['states'].get(state, 0):>6}{r['truth_states'].get(state, 0):>7}")
    say("")
    say(f"{'mail by kind':<24}{'received':>9}  outbox rows by status")
    for kind in sorted(set(r["sent_by_kind"]) | set(r["rows_by_kind"])):
        rows = ", ".join(f"{s} {n}" for s, n in sorted(r["rows_by_kind"].get(kind, {}).items()))
        say(f"  {kind:<22}{r['sent_by_kind'].get(kind, 0):>9}  {rows}")
    say("")
    say("must be 0")
    for what, n in failures(r).items():
        say(f"  {what:<46}{n:>5}{'' if n == 0 else '   <-- FAIL'}")
    say(f"  (out-of-office answers sent by robots: {r['robots']}; unconfirmed rows: {r['unconfirmed']}; "
        f"quarantined: {len(r['quarantined'])})")
    say("")
    say(f"{'ledger (ours; truth where it differs)':<40}{'given':>6}{'won':>4}  {'value':<22}"
        f"{'received':>9}{'won':>4}  value")
    for line in r["ledger"]:
        ours = line.get("ours") or {}
        g, rc = ours.get("given", {}), ours.get("received", {})
        say(f"  {line['member'][:38]:<38}{g.get('referrals', '?'):>6}{g.get('won', '?'):>4}  "
            f"{_money(g.get('values') or {}):<22}{rc.get('referrals', '?'):>9}{rc.get('won', '?'):>4}  "
            f"{_money(rc.get('values') or {})}")
        for problem in line["problems"]:
            say(f"      differs: {problem}")
    details = [("duplicate", r["duplicates"]), ("after STOP", r["after_stop"]),
               ("after final answer", r["after_final"]),
               ("answer to a robot", r["robot_answers"]), ("clarified thanks", r["thanks_clarified"]),
               ("not logged", r["not_logged"]),
               ("logged twice", r["logged_twice"]), ("made up", r["made_up"]), ("asked twice", r["asked_twice"]),
               ("greeting", r["greetings"]), ("mark refused", r["mark_refused"]), ("not thanked", r["not_thanked"]),
               ("thanked anyway", r["thanked_anyway"]), ("never asked", r["never_asked"]),
               ("snooze", r["snooze_broken"]), ("slips", r["slips"]), ("value", r["values"]), ("stuck", r["stuck"]),
               ("quarantined", r["quarantined"])]
    for label, items in details:
        for item in items[:12]:
            say(f"  {label}: {item}")
    for rid, got, want, intro in r["wrong_states"][:20]:
        say(f"  state: referral #{rid} is {got}, truth {want} ({intro.kind} intro of {intro.at:%Y-%m-%d}, "
            f"script left {intro.script}, follow-ups answered {intro.follow_ups_seen})")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--members", type=int, default=10)
    p.add_argument("--partners", type=int, default=50)
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pace", type=float, default=1.0, help="intros per member and day, times this (default 1)")
    p.add_argument("--steps", default="7d,21d", help="follow_ups.steps (default 7d,21d)")
    p.add_argument("--stale-after", default="60d", help="follow_ups.stale_after (default 60d)")
    p.add_argument("--verbose", action="store_true", help="a line per step")
    p.add_argument("--keep", action="store_true", help="keep the work dir (logs, config) and the PostgreSQL schema")
    args = p.parse_args(argv)
    args.database_url = args.dovecot = None  # the tests' own PostgreSQL schema and Dovecot
    return args


def run(args, say=_say) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="introledger-season-"))
    say(f"season: {args.days} days, {args.members} members, {args.partners} partners, {args.db}, seed {args.seed}, "
        f"work dir {workdir}")
    try:
        return Season(args, workdir, say).run()
    finally:
        if args.keep:
            say(f"kept: {workdir}")
        else:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    r = run(args)
    report(r)
    bad = {k: v for k, v in failures(r).items() if v}
    print("\nOK: every must-be-0 is 0 and the ledger matches the truth" if not bad else f"\nFAILED: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
