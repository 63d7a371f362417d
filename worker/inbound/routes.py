"""What happens after each verdict, in one table: what it writes, then what it sets off.

One row per verdict kind. `act` writes the message's own facts (a referral, a party's reply, a
promise) and says which referral the message belongs to; the hooks then run in the same
transaction, in order, each named "service.method". bootstrap supplies the services; a service
that is off (follow-ups without a token secret) is given as None and its hooks do not run.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from worker.classify.verdict import Verdict
from worker.core.statuses import Kind
from worker.inbound.actions import Acted, log_referral, note_language, note_thread_reply, record_promise
from worker.mail.parse import Inbound

Act = Callable[[Session, Verdict, Inbound, datetime], "Acted | int | None"]
# Verdict and message are None when a person logs a referral by hand (`review accept`). A hook may
# return a note for the message's log line (what it refused to do, and why); most return None.
Hook = Callable[[Session, "Verdict | None", "Inbound | None", "int | None"], "str | None"]


def _its_referral(session: Session, verdict: Verdict, msg: Inbound, now: datetime) -> int | None:
    return verdict.referral_id  # the answer is read by the status desk (its hook), which records it


@dataclass(frozen=True)
class Route:
    kind: Kind
    act: Act | None = None
    hooks: tuple[str, ...] = ()


# A logged intro: remember the partner, plan the thank-you, schedule the follow-ups.
_LOGGED = ("partners.on_referral", "thanks.on_referral", "followups.on_referral")

ROUTES = (
    Route(Kind.DOUBLE_INTRO, log_referral, _LOGGED),
    Route(Kind.FORWARDED_INTRO, log_referral, _LOGGED),
    Route(Kind.HEADS_UP, log_referral, _LOGGED),
    Route(Kind.NEEDS_REVIEW, log_referral),  # waits for a person; `review accept` sets off _LOGGED
    Route(Kind.THREAD_REPLY, note_thread_reply, ("thanks.on_thread_reply",)),
    Route(Kind.STATUS_REPLY, _its_referral, ("desk.on_status_reply",)),
    Route(Kind.PROMISE, record_promise),
    Route(Kind.BRIEF_REQUEST, None, ("briefs.on_request",)),  # BRIEF: the member's brief, if the asker proves it
    Route(Kind.AUTO_REPLY, None, ("desk.on_auto_reply",)),  # an out-of-office pushes follow-ups back
    Route(Kind.NOT_INTRO, None, ("unsubscribes.on_mail",)),  # "STOP ALL" mailed to us
    Route(Kind.OTHER_DEPLOYMENT, None, ("deployments.on_other_deployment",)),
    Route(Kind.BOUNCE, None, ("bounces.on_bounce",)),  # our mail came back: its row bounced, address paused
    Route(Kind.OWN_MAIL),
    Route(Kind.MAILING_LIST),
    Route(Kind.NEWSLETTER),
)
BY_KIND: dict[str, Route] = {route.kind: route for route in ROUTES}


def act(session: Session, verdict: Verdict, msg: Inbound, now: datetime) -> Acted:
    """Apply a verdict, at `now` by the app's clock: the referral the message belongs to, if any."""
    route = BY_KIND.get(verdict.kind)
    done = route.act(session, verdict, msg, now) if route and route.act else None
    note_language(session, verdict, msg)  # before the hooks: the thank-you they queue is written in it
    return done if isinstance(done, Acted) else Acted(done)


def wire(services: Mapping[str, object | None]) -> dict[str, list[Hook]]:
    """The hooks of each kind, bound to the services given (None: that service is off).

    Every service a route names must be given, on or off, so a misspelt name fails at start."""
    hooks: dict[str, list[Hook]] = {}
    for route in ROUTES:
        for name in route.hooks:
            service, method = name.split(".")
            if service not in services:
                raise LookupError(f"route {route.kind}: no service {service!r} given (have {sorted(services)})")
            if services[service] is not None:
                hooks.setdefault(route.kind, []).append(getattr(services[service], method))
    return hooks
