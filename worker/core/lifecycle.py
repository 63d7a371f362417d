"""A referral's lifecycle as data: which event, from which state, by whom, moves it where.

Every status change — an answer by reply or `introledger mark`, the stale timer, a review decision,
a member's correction — asks `decide` first and is written with `record`, so the history
(referral_events) holds each one with its reason; so are events that change no status (a party's
reply in the intro thread: evidence, THREAD_REPLY_WHY).
Anything not in TRANSITIONS is refused: states never go backwards by accident, a final answer
(won, lost, no fit) stays final unless the member corrects it explicitly, and a timer never
overrides a person. Each rule also says what its event cancels; `record` withdraws it in the
same transaction, so no caller can forget.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from models import FollowUp, OutboxMessage, Referral, ReferralEvent
from models.db import rowcount
from worker.core.statuses import OPEN, TERMINAL, Mail, Status, Step

# Who caused an event. `hand` is a person at the command line (review; `mark` speaks for the member).
MEMBER, PARTY, HAND, TIMER, INTRODUCER = "member", "party", "hand", "timer", "introducer"
PEOPLE = frozenset({MEMBER, PARTY})

ANSWER_STATE = {"met": Status.CONNECTED, "qualified": Status.QUALIFIED, "won": Status.WON, "lost": Status.LOST,
                "no_fit": Status.NO_FIT}
UNCHANGED = ""  # a rule's `to` for events that act on the referral without changing its status
# STOP (this referral) and STOP ALL (an opt-out of all mail): after either, nothing asks about it again.
STOP_EVENTS = ("stop", "opt_out")

# What an event cancels: follow-up steps still scheduled, and mail about the referral (that one
# alone) queued but not yet sent. The send path checks queued mail once more when it goes
# (worker/outbound/sendrules.py): a second guard for anything a change did not reach.
STEPS = "steps"  # scheduled follow-up steps: not mail yet
FOLLOW_UP, CLARIFICATION, NUDGE, CLOSED = "follow_up", "clarification", "promise_nudge", "closed_business"
CANCELLED = {  # what each is called in a reason, and what happens to it
    STEPS: ("pending follow-up", "cancelled"), FOLLOW_UP: ("queued follow-up", "withdrawn"),
    CLARIFICATION: ("queued clarification", "withdrawn"), NUDGE: ("queued reminder", "withdrawn"),
    CLOSED: ("queued closed-business note", "withdrawn"),
}
QUESTIONS = frozenset({FOLLOW_UP, CLARIFICATION, NUDGE})  # queued mail asking about the referral
ENDS = QUESTIONS | {STEPS}  # nothing is asked about it any more


@dataclass(frozen=True)
class Rule:
    event: str  # answer | correction | thread_reply | snooze | stop | opt_out | stale | review_accept | clear_intro | …
    sources: frozenset[str]
    answers: frozenset[str]  # for answer/correction: the answers it covers; empty: any event of that name
    actors: frozenset[str]
    to: str | None  # None: the answer's own state (ANSWER_STATE); UNCHANGED: same status
    cancels: frozenset[str] = frozenset()  # STEPS and mail kinds withdrawn in the same transaction
    why: str = ""  # a decision written down: the reason each event it allows is recorded with


def _rule(event, sources, actors, to=None, answers=(), cancels=(), why="") -> Rule:
    return Rule(event, frozenset(sources), frozenset(answers), frozenset(actors), to, frozenset(cancels), why)


# A reply in the intro thread carries no token, and anyone on its Cc can write From: a party (the
# member included): it is recorded, and the status stays the member's to move.
THREAD_REPLY_WHY = ("evidence only, status unchanged: a reply in the intro thread carries no reply token and "
                    "anyone copied on it can write its From, so it does not count as MET; the member answers "
                    "that (the follow-up's signed reply address, or `introledger mark`)")
_LIVE = {Status.INTRODUCED, Status.CONNECTED, Status.QUALIFIED, Status.STALE}  # stale: a late answer beats the timer
_ANY = _LIVE | TERMINAL | {Status.NEEDS_REVIEW, Status.REJECTED}
TRANSITIONS: tuple[Rule, ...] = (
    # An answer makes every question already queued about the referral moot (the next follow-up
    # is scheduled afresh by worker/followups/status.py, unless STOP was said).
    _rule("answer", {Status.INTRODUCED, Status.STALE}, PEOPLE, answers={"met"}, cancels=QUESTIONS),
    _rule("answer", {Status.INTRODUCED, Status.CONNECTED, Status.STALE}, PEOPLE, answers={"qualified"},
          cancels=QUESTIONS),
    # Final answers: the member's (a party's too only with follow_ups.partners_may_close).
    _rule("answer", _LIVE, {MEMBER}, answers=TERMINAL, cancels=ENDS),
    # A correction also withdraws a closed-business note not yet sent: it told of the old answer.
    _rule("correction", TERMINAL, {MEMBER}, answers=ANSWER_STATE.keys(), cancels=ENDS | {CLOSED}),
    _rule("snooze", _LIVE, PEOPLE, to=UNCHANGED, cancels=QUESTIONS),
    # STOP ends this referral's follow-ups; opt_out (STOP ALL, UNSUBSCRIBE) ends all mail to the
    # sender. Neither is an outcome: the status stays, and either always works.
    _rule("stop", _ANY, PEOPLE, to=UNCHANGED, cancels=ENDS),
    _rule("opt_out", _ANY, PEOPLE, to=UNCHANGED, cancels=ENDS),
    # A party wrote in the thread: evidence that they spoke, not an answer (the reason says why).
    # It ends a queued heads-up reminder, and the stale timer passes the referral by (HEARD).
    _rule("thread_reply", {Status.INTRODUCED}, {PARTY}, to=UNCHANGED, cancels={NUDGE}, why=THREAD_REPLY_WHY),
    # Only silence goes stale: `connected` means a person answered, and no timer overrides a person
    # (nor a party's reply in the thread: HEARD).
    _rule("stale", {Status.INTRODUCED}, {TIMER}, to=Status.STALE, cancels=ENDS),
    _rule("review_accept", {Status.NEEDS_REVIEW}, {HAND}, to=Status.INTRODUCED),
    _rule("review_reject", {Status.NEEDS_REVIEW}, {HAND}, to=Status.REJECTED, cancels=ENDS),
    # The introducer of an unclear intro writes a clear one (in its thread, or to the same people).
    _rule("clear_intro", {Status.NEEDS_REVIEW}, {INTRODUCER}, to=Status.INTRODUCED),
    # Two referrals found to be one intro (`introledger referrals merge KEEP OTHER`): the other is
    # folded into the one kept and asks nothing more; a final answer is never folded away.
    _rule("merge", {Status.NEEDS_REVIEW, *_LIVE}, {HAND}, to=Status.MERGED, cancels=ENDS | {CLOSED}),
    _rule("absorb", _ANY - {Status.REJECTED}, {HAND}, to=UNCHANGED),  # the one kept: its history says so
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    to_state: str  # the status afterwards (the current one when refused or unchanged)
    reason: str
    cancels: frozenset[str] = frozenset()  # what `record` withdraws with it (the rule's `cancels`)


def decide(current: str, answer: str | None, actor: str, event: str = "answer",
           partners_may_close: bool = False, stopped: bool = False) -> Decision:
    """May `actor` make `event` (with `answer`, for answers and corrections) happen now?
    `stopped`: STOP was said for this referral, so there is no follow-up left to move."""
    actors = {actor, MEMBER} if partners_may_close and actor == PARTY else {actor}
    if event == "correction" and current not in TERMINAL:
        event = "answer"  # nothing final to correct: an ordinary answer
    if event == "answer" and ANSWER_STATE.get(answer or "") == current and current not in TERMINAL:
        return Decision(True, current, f"already {_says(current)}: no change")
    if event == "snooze" and stopped:
        return Decision(False, current, "STOP was said for it, so no follow-up is left to snooze; "
                                        "reply with the word (MET, WON, …) any time")
    for rule in _candidates(event, answer):
        if current in rule.sources and actors & rule.actors:
            to = _target(rule, current, answer)
            said = rule.why or (f"{_says(current)} → {_says(to)}" if to != current else event)
            return Decision(True, to, said, rule.cancels)
    return Decision(False, current, _refusal(current, answer, actor, event))


def next_answers(current: str, event: str = "answer") -> tuple[str, ...]:
    """The answers the member may give a referral that is `current`, and that would move it on (in
    the order people read them): what a follow-up offers (no MET once they met) and the dashboard's
    status selector lists. `event="correction"`: what a final answer may be corrected to."""
    moves = ((answer, decide(current, answer, MEMBER, event)) for answer in ANSWER_STATE)
    return tuple(answer for answer, d in moves if d.allowed and d.to_state != current)


def gone_quiet(introduced_at: datetime, snoozed_until: datetime | None, now: datetime, after: timedelta,
               said_after: str) -> tuple[bool, str]:
    """Has the stale timer run out, and why (or why not)? Silence counts from the intro, or from
    the end of a SNOOZE: the member asked us to wait, and waiting is not the intro going nowhere."""
    since, what = introduced_at, "the intro"
    if snoozed_until is not None and snoozed_until > introduced_at:
        since, what = snoozed_until, f"the snooze ended on {snoozed_until:%Y-%m-%d}"
    if now - since > after:
        return True, f"no answer {said_after} after {what}"
    if since is snoozed_until and now < since:
        return False, f"snoozed until {snoozed_until:%Y-%m-%d}"
    return False, f"quiet for less than {said_after} since {what}"


def sources(event: str) -> frozenset[str]:
    """The states `event` may fire from (any answer, any actor): what a sweep should select."""
    return frozenset().union(*(r.sources for r in TRANSITIONS if r.event == event))


def _target(rule: Rule, current: str, answer: str | None) -> str:
    if rule.to == UNCHANGED:
        return current
    if rule.to is not None:
        return rule.to
    assert answer is not None, "a rule without a state of its own covers named answers (_candidates)"
    return ANSWER_STATE[answer]


def _candidates(event: str, answer: str | None) -> list[Rule]:
    return [r for r in TRANSITIONS if r.event == event and (not r.answers or answer in r.answers)]


def _refusal(current: str, answer: str | None, actor: str, event: str) -> str:
    wanted = _says(ANSWER_STATE.get(answer or "", answer or event))
    if current in TERMINAL and event != "correction":
        return (f"it is already {_says(current)}, a final answer; only its member can change it, "
                f"by replying CORRECTION: {wanted.upper()} or `introledger mark --correct`")
    if event == "correction":
        who = "only its member can correct it" if actor != MEMBER else f"it is {_says(current)}, not final"
        return f"no correction to {wanted}: {who}"
    rules = _candidates(event, answer)
    if any(current in r.sources for r in rules):
        return f"only the member may make it {wanted}, not a {actor}"
    if current in OPEN and answer in ANSWER_STATE:
        return f"it is {_says(current)} already; {wanted} would move it back"
    if current == Status.MERGED:
        return "it was merged into another referral (the same intro): answer about that one"
    return f"{event} does not apply to a referral that is {_says(current)}"


def _says(state: str) -> str:
    return state.replace("_", " ")


def record(session: Session, referral: Referral, event: str, decision: Decision, at: datetime, *,
           actor_email: str = "", message_id: str = "", reason: str = "", step: int | None = None,
           answer_key: str | None = None, amount=None, because: str = "") -> ReferralEvent:
    """The one place a status changes: the event row (accepted or refused), then the status, and
    what the event cancels withdrawn (the row's reason says how many; `because` is the reason the
    withdrawn mail keeps, by default the event in a few words)."""
    reason = reason or decision.reason
    if decision.allowed and decision.cancels:
        done = withdraw(session, referral.id, decision.cancels,
                        because or _because(event, decision.to_state, actor_email))
        reason = "; ".join([reason, *(f"{n} {CANCELLED[what][0]}{'' if n == 1 else 's'} {CANCELLED[what][1]}"
                                      for what, n in done.items() if n)])
    row = ReferralEvent(
        referral_id=referral.id, old_status=referral.status, new_status=decision.to_state,
        actor_email=actor_email, message_id=message_id, reason=reason[:2000],
        accepted=decision.allowed, at=at, event=event, step=step,
        answer_key=answer_key if decision.allowed else None,
        amount_cents=amount.minor if amount else None, currency=amount.currency if amount else "",
    )
    session.add(row)
    if decision.allowed:
        referral.status = decision.to_state
    session.flush()  # autoflush is off in a batch: the next message's replay check must see this row
    return row


def withdraw(session: Session, referral_id: int, what: frozenset[str], because: str) -> dict[str, int]:
    """Cancel `what` (STEPS and mail kinds) of one referral; how many of each. Mail about several
    referrals (a thank-you naming three intros) is never withdrawn for one of them."""
    done = {}
    if STEPS in what:
        done[STEPS] = rowcount(session.execute(update(FollowUp).where(
            FollowUp.referral_id == referral_id, FollowUp.status == Step.SCHEDULED).values(status=Step.CANCELLED)))
    kinds = sorted(what - {STEPS})
    queued = session.execute(select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.referral_ids).where(
        OutboxMessage.status == Mail.QUEUED, OutboxMessage.kind.in_(kinds))).all() if kinds else []
    for kind in kinds:
        ids = [i for i, k, about in queued if k == kind and list(about or ()) == [referral_id]]
        noun = CANCELLED[kind][0].removeprefix("queued ")
        done[kind] = rowcount(session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == Mail.QUEUED)
            .values(status=Mail.CANCELLED, reason=f"{noun} withdrawn: {because}"[:2000])
            .execution_options(synchronize_session=False))) if ids else 0
    return done


def heard(referral_id) -> ColumnElement[bool]:
    """SQL: a party's reply in the referral's thread was recorded (`referral_id`: a column or an id).
    No status says so (THREAD_REPLY_WHY), but the referral did not go quiet: the stale timer and
    the heads-up reminder pass it by."""
    return exists().where(ReferralEvent.referral_id == referral_id, ReferralEvent.event == "thread_reply",
                          ReferralEvent.accepted.is_(True))


def stopped(session: Session, referral_id: int) -> bool:
    """STOP (or STOP ALL) was said for this referral: nothing asks about it again."""
    return session.scalar(select(ReferralEvent.id).where(
        ReferralEvent.referral_id == referral_id, ReferralEvent.accepted.is_(True),
        ReferralEvent.event.in_(STOP_EVENTS)).limit(1)) is not None


_WORD: dict[str, str] = {state: answer.replace("_", " ").upper() for answer, state in ANSWER_STATE.items()}
_BECAUSE = {"snooze": "snoozed", "stop": "STOP for this referral", "stale": "the referral went stale",
            "thread_reply": "a party replied in the intro thread", "review_reject": "rejected in review"}


def _because(event: str, to_state: str, actor_email: str) -> str:
    if event == "answer":
        return f"answered {_WORD.get(to_state, _says(to_state))}"
    if event == "correction":
        return f"corrected to {_WORD.get(to_state, _says(to_state))}"
    if event == "opt_out":
        return f"{actor_email or 'the sender'} opted out of all mail"
    return _BECAUSE.get(event, _says(event))


if __name__ == "__main__":  # python -m worker.core.lifecycle --diagram: the README's diagram and table
    import sys

    from worker.core import lifecycle_doc

    if sys.argv[1:] != ["--diagram"]:
        sys.exit("usage: python -m worker.core.lifecycle --diagram")
    print(lifecycle_doc.diagram(), lifecycle_doc.cancels_table(), lifecycle_doc.decisions(), sep="\n\n")
