"""What is decided about a mail at the moment it is sent, as data: is it still wanted, and does it
count against the daily per-recipient cap.

A mail can wait in the outbox for a day (the cap, quiet hours, an SMTP outage). Whatever happened
to its referral meanwhile — a final answer, a SNOOZE, a STOP — is checked again when a worker
claims it, so a member who answered WON never gets "How did the intro go?" afterwards.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from worker.core import lifecycle
from worker.core.statuses import QUALIFIED, Status

# The daily cap protects partners and prospects from us, not members from their own mail. These
# kinds are never held back by it and never counted in it, so they cannot starve what it guards:
CAP_EXEMPT = frozenset({
    # answers to the recipient's own mail (mostly a member's answer; a party's MET too): they go at once
    "status_confirmation", "snooze_confirmation", "stop_confirmation", "clarification", "answer_not_applied",
    # a member's own account, sent only to the member's first address
    "digest", "coffee_check_in", "promise_nudge", "daily_prompt",
    # a sign-in link the person just asked for on the dashboard (rate-limited there)
    "sign_in",
})
# Mail the person asked for this minute (transactional, not ours to send unasked): an opt-out of our
# mail does not hold it back — a member who mailed UNSUBSCRIBE can still sign in. A bounce pause does.
OPT_OUT_EXEMPT = frozenset({"sign_in"})
# Follow-ups to a member still count: one per referral, they are the mail that arrives in a heap
# (intros logged together, a backlog after an outage), and the cap spreads that over days.

# STOP (this referral) and STOP ALL (an opt-out of all mail): lifecycle events worker/followups/status.py records.
STOP_EVENTS = lifecycle.STOP_EVENTS
# Events a person caused that make a question asked before them moot.
PERSON_EVENTS = ("answer", "correction", "snooze", *STOP_EVENTS)


@dataclass(frozen=True)
class Wanted:
    statuses: frozenset[str] | None  # the referral states in which the mail still makes sense (None: any)
    moot_after: frozenset[str]  # person events that, once recorded after the mail was queued, make it moot
    ends_with_stop: bool  # a STOP on the referral withdraws it


RULES: dict[str, Wanted] = {
    # "How did the intro go?": only while the referral is open and nobody answered since.
    "follow_up": Wanted(lifecycle.OPEN, frozenset(PERSON_EVENTS), True),
    # "Did Bob get in touch?" (the heads-up reminder; a promise's nudge has no referral): only while
    # nobody has said they met, and not after the member answered, snoozed or stopped it while
    # it waited for their morning.
    "promise_nudge": Wanted(frozenset({Status.INTRODUCED}), frozenset(PERSON_EVENTS), True),
    # "Sorry, I did not catch that": moot once a readable answer came.
    "clarification": Wanted(None, frozenset({"answer", "correction", *STOP_EVENTS}), True),
    # "Your intro turned into business": not after the member corrected the answer away.
    "closed_business": Wanted(QUALIFIED, frozenset(), False),
}


@dataclass(frozen=True)
class ReferralFacts:
    referral_id: int
    status: str
    stopped: bool  # a STOP was accepted for this referral
    last_event: str = ""  # the latest person event (PERSON_EVENTS) and when
    last_event_at: datetime | None = None
    last_status: str = ""  # the status that event left


def checked(kind: str) -> bool:
    """Whether the send path must look at the referral before sending this kind."""
    return kind in RULES


def counts_against_cap(kind: str) -> bool:
    return kind not in CAP_EXEMPT


def still_wanted(kind: str, queued_at: datetime, facts: list[ReferralFacts]) -> tuple[bool, str]:
    """(True, "") if the mail should still go; else (False, why) — the reason kept on the row."""
    rule = RULES.get(kind)
    if rule is None:
        return True, ""
    for f in facts:
        ref = f"referral #{f.referral_id}"
        if rule.ends_with_stop and f.stopped:
            return False, f"not sent: STOP was answered for {ref}"
        if rule.statuses is not None and f.status not in rule.statuses:
            return False, f"not sent: {ref} is {f.status.replace('_', ' ')}"
        if f.last_event in rule.moot_after and f.last_event_at is not None and f.last_event_at >= queued_at:
            done = "snoozed" if f.last_event == "snooze" else f"answered ({f.last_status.replace('_', ' ')})"
            return False, f"not sent: {ref} was {done} at {f.last_event_at:%Y-%m-%d %H:%M} UTC, after this was queued"
    return True, ""


# ---- one question about a referral a day ------------------------------------------------------
# "How did the intro to Julia Park go?" (a follow-up step) and "Did Julia Park get in touch?" (the
# heads-up reminder, a promise_nudge about one referral) ask the member the same thing. Our mail is
# read by busy people: at most one of them about one referral within ASK_GAP. When both fall due
# together the heads-up reminder asks (it asks the right question: did they call?), and the
# follow-up step counts as done, so the member is not asked again the next day. The follow-up
# steps keep their own spacing (worker/followups/schedule.py): a later step is not moved.
ASKING = frozenset({lifecycle.FOLLOW_UP, lifecycle.NUDGE})
ASK_GAP = timedelta(days=1)


@dataclass(frozen=True)
class Asked:
    """An asking mail about the referral already in the outbox (cancelled or suppressed ones are not)."""

    outbox_id: int
    kind: str            # follow_up | promise_nudge
    at: datetime         # when it went (sent_at), else when it was queued
    waiting: bool        # still queued: it can be withdrawn


@dataclass(frozen=True)
class AskVerdict:
    send: bool
    reason: str = ""                  # why not, or what gave way
    withdraw: tuple[int, ...] = ()    # queued mail that gives way to this one
    asked_by: int | None = None       # the mail that asked instead (send=False)


def ask_once(kind: str, asked: list[Asked], since: datetime) -> AskVerdict:
    """May an asking mail of `kind` about one referral go, given what already asked about it?

    `since`: asks from then on count (the caller's "within a day": a day before now for a follow-up
    step; a day before the reminder fell due for the heads-up reminder, so a follow-up that went
    the day it fell due settles it for good — it is decided again at every sweep)."""
    if kind not in ASKING:
        return AskVerdict(True)
    recent = [a for a in asked if a.waiting or a.at >= since]
    if kind == lifecycle.FOLLOW_UP:
        # Other follow-up steps are the schedule's business (one mail asks, the latest step's).
        nudge = next((a for a in recent if a.kind == lifecycle.NUDGE), None)
        if nudge is None:
            return AskVerdict(True)
        return AskVerdict(False, f"the heads-up reminder (outbox #{nudge.outbox_id}, {nudge.at:%Y-%m-%d %H:%M} UTC) "
                                 "asked already", asked_by=nudge.outbox_id)
    # A follow-up that went asked it, however long ago ("How did the intro to Julia go?" a week before
    # "Did Julia get in touch?", the first still unanswered, read as asking twice).
    went = next((a for a in asked if not a.waiting and (a.kind == lifecycle.FOLLOW_UP or a.at >= since)), None)
    if went is not None:
        what = "a follow-up" if went.kind == lifecycle.FOLLOW_UP else "the heads-up reminder"
        return AskVerdict(False, f"{what} (outbox #{went.outbox_id}) asked on {went.at:%Y-%m-%d %H:%M} UTC",
                          asked_by=went.outbox_id)
    waiting = tuple(a.outbox_id for a in recent if a.kind == lifecycle.FOLLOW_UP)
    return AskVerdict(True, "the heads-up reminder asks instead of the queued follow-up" if waiting else "", waiting)
