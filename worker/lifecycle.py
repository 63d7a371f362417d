"""A referral's lifecycle as data: which event, from which state, by whom, moves it where.

Every status change — an answer by reply or `introledger mark`, a party's reply in the intro
thread, the stale timer, a review decision, a member's correction — asks `decide` first and is
written with `record`, so the history (referral_events) holds each one with its reason.
Anything not in TRANSITIONS is refused: states never go backwards by accident, a final answer
(won, lost, no fit) stays final unless the member corrects it explicitly, and a timer never
overrides a person.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from models import Referral, ReferralEvent

# Who caused an event. `hand` is a person at the command line (review; `mark` speaks for the member).
MEMBER, PARTY, HAND, TIMER, INTRODUCER = "member", "party", "hand", "timer", "introducer"
PEOPLE = frozenset({MEMBER, PARTY})

TERMINAL = frozenset({"won", "lost", "no_fit"})
OPEN = frozenset({"introduced", "connected", "qualified"})
ANSWER_STATE = {"met": "connected", "qualified": "qualified", "won": "won", "lost": "lost", "no_fit": "no_fit"}
UNCHANGED = ""  # a rule's `to` for events that act on the referral without changing its status


@dataclass(frozen=True)
class Rule:
    event: str  # answer | correction | thread_reply | snooze | stop | opt_out | stale | review_accept | clear_intro | …
    sources: frozenset[str]
    answers: frozenset[str]  # for answer/correction: the answers it covers; empty: any event of that name
    actors: frozenset[str]
    to: str | None  # None: the answer's own state (ANSWER_STATE); UNCHANGED: same status


def _rule(event, sources, actors, to=None, answers=()) -> Rule:
    return Rule(event, frozenset(sources), frozenset(answers), frozenset(actors), to)


_LIVE = {"introduced", "connected", "qualified", "stale"}  # stale: a late answer beats the timer
_ANY = _LIVE | TERMINAL | {"needs_review", "rejected"}
TRANSITIONS: tuple[Rule, ...] = (
    _rule("answer", {"introduced", "stale"}, PEOPLE, answers={"met"}),
    _rule("answer", {"introduced", "connected", "stale"}, PEOPLE, answers={"qualified"}),
    # Final answers: the member's (a party's too only with follow_ups.partners_may_close).
    _rule("answer", _LIVE, {MEMBER}, answers=TERMINAL),
    _rule("correction", TERMINAL, {MEMBER}, answers=ANSWER_STATE.keys()),
    _rule("snooze", _LIVE, PEOPLE, to=UNCHANGED),
    # STOP ends this referral's follow-ups; opt_out (STOP ALL, UNSUBSCRIBE) ends all mail to the
    # sender. Neither is an outcome: the status stays, and either always works.
    _rule("stop", _ANY, PEOPLE, to=UNCHANGED),
    _rule("opt_out", _ANY, PEOPLE, to=UNCHANGED),
    _rule("thread_reply", {"introduced"}, {PARTY}, to="connected"),
    # Only silence goes stale: `connected` means a person answered, and no timer overrides a person.
    _rule("stale", {"introduced"}, {TIMER}, to="stale"),
    _rule("review_accept", {"needs_review"}, {HAND}, to="introduced"),
    _rule("review_reject", {"needs_review"}, {HAND}, to="rejected"),
    # The introducer of an unclear intro writes a clear one (in its thread, or to the same people).
    _rule("clear_intro", {"needs_review"}, {INTRODUCER}, to="introduced"),
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    to_state: str  # the status afterwards (the current one when refused or unchanged)
    reason: str


def decide(current: str, answer: str | None, actor: str, event: str = "answer",
           partners_may_close: bool = False) -> Decision:
    """May `actor` make `event` (with `answer`, for answers and corrections) happen now?"""
    actors = {actor, MEMBER} if partners_may_close and actor == PARTY else {actor}
    if event == "correction" and current not in TERMINAL:
        event = "answer"  # nothing final to correct: an ordinary answer
    if event == "answer" and ANSWER_STATE.get(answer or "") == current and current not in TERMINAL:
        return Decision(True, current, f"already {_says(current)}: no change")
    for rule in _candidates(event, answer):
        if current in rule.sources and actors & rule.actors:
            to = current if rule.to == UNCHANGED else rule.to or ANSWER_STATE[answer]
            return Decision(True, to, f"{_says(current)} → {_says(to)}" if to != current else event)
    return Decision(False, current, _refusal(current, answer, actor, event))


def sources(event: str) -> frozenset[str]:
    """The states `event` may fire from (any answer, any actor): what a sweep should select."""
    return frozenset().union(*(r.sources for r in TRANSITIONS if r.event == event))


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
    return f"{event} does not apply to a referral that is {_says(current)}"


def _says(state: str) -> str:
    return state.replace("_", " ")


def record(session: Session, referral: Referral, event: str, decision: Decision, at: datetime, *,
           actor_email: str = "", message_id: str = "", reason: str = "", step: int | None = None,
           answer_key: str | None = None, amount=None) -> ReferralEvent:
    """The one place a status changes: the event row (accepted or refused), then the status."""
    row = ReferralEvent(
        referral_id=referral.id, old_status=referral.status, new_status=decision.to_state,
        actor_email=actor_email, message_id=message_id, reason=(reason or decision.reason)[:2000],
        accepted=decision.allowed, at=at, event=event, step=step,
        answer_key=answer_key if decision.allowed else None,
        amount_cents=amount.minor if amount else None, currency=amount.currency if amount else "",
    )
    session.add(row)
    if decision.allowed:
        referral.status = decision.to_state
    session.flush()  # autoflush is off in a batch: the next message's replay check must see this row
    return row
