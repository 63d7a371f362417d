"""A person's yes or no on review candidates (`introledger review`, the dashboard): all or nothing."""
from collections.abc import Callable

from sqlalchemy.orm import Session

from models import Referral
from worker.app.bootstrap import App
from worker.ledger import review
from worker.ledger.review import NotPending

__all__ = ["NotPending", "accept", "decide", "reject"]


def accept(app: App, session: Session, referral: Referral) -> None:
    review.accept(session, referral, app.now())
    # Logged now, so logging's policy applies: an intro older than thank_you.max_age_days is not
    # thanked, one older than follow_ups.stale_after is not followed up.
    app.pipeline.logged_by_hand(session, referral.id, referral.kind)
    review.note_reply_seen(session, referral, app.now())


def reject(app: App, session: Session, referral: Referral) -> None:
    review.reject(session, referral, app.now())


def decide(app: App, ids: list[int] | None, decision: Callable[[App, Session, Referral], None],
           allowed: Callable[[Session, list[Referral]], None] = lambda session, chosen: None) -> list[tuple[int, str]]:
    """[(id, status after)] for the candidates asked for (every one for None); one ID that is not
    waiting for review changes none of them (NotPending). `allowed` may refuse the lot by raising."""
    with app.sessions.begin() as session:
        chosen = review.pending(session, ids)
        allowed(session, chosen)
        for referral in chosen:
            decision(app, session, referral)
        return [(r.id, r.status) for r in chosen]
