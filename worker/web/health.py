"""Health (coordinators): what `doctor` says, when the mailbox was last read, the outbox queue's depth.
Doctor logs in to the mailbox and the SMTP server, so its answer is kept for a minute."""
import time
from datetime import datetime

from sqlalchemy import func, select
from starlette.responses import Response
from starlette.routing import Route

from models import Checkpoint, InboundMessage, OutboxMessage
from worker.app import doctor, shapes
from worker.core.statuses import Mail
from worker.web.pages import Ctx, handler

DOCTOR_KEPT_SECONDS = 60


def doctor_now(ctx: Ctx, fresh: bool = False) -> dict:
    cache = ctx.web.health_cache
    if fresh or not cache or time.monotonic() - cache["at"] > DOCTOR_KEPT_SECONDS:
        repaired: list[str] = []
        seen = doctor.examine(str(ctx.app.config.path), say=repaired.append)
        found = {**shapes.doctor_json(seen.problems, seen.warnings, repaired, seen.about), "checked": seen.checked}
        cache.update(at=time.monotonic(), found=found, when=ctx.now().isoformat())
    return {**cache["found"], "checked_at": cache["when"]}


def mailbox(ctx: Ctx) -> dict:
    with ctx.reads() as session:
        checkpoints = [{"source": c.source, "last_uid": c.last_uid, "updated_at": shapes.iso(c.updated_at)}
                       for c in session.scalars(select(Checkpoint).order_by(Checkpoint.source))]
        last: datetime | None = session.scalar(select(func.max(InboundMessage.processed_at)))
    return {"checkpoints": checkpoints, "last_message_at": shapes.iso(last)}


def queue(ctx: Ctx) -> dict:
    now = ctx.now()
    with ctx.reads() as session:
        counts = {status: n for status, n in session.execute(select(OutboxMessage.status, func.count())
                                                             .group_by(OutboxMessage.status))}
        due = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == Mail.QUEUED, OutboxMessage.not_before <= now)) or 0
        oldest = session.scalar(select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.status == Mail.QUEUED, OutboxMessage.not_before <= now))
    return {"by_status": {m.value: counts.get(m.value, 0) for m in Mail}, "due_now": due,
            "oldest_due": shapes.iso(oldest), "queue": ctx.app.config.queue_name}


@handler(coordinator=True)
def health_page(ctx: Ctx) -> Response:
    return ctx.render("health.html", d=doctor_now(ctx, ctx.field("fresh") == "1"), box=mailbox(ctx), q=queue(ctx))


@handler(coordinator=True)
def health_api(ctx: Ctx) -> Response:
    return ctx.json({"doctor": doctor_now(ctx, ctx.field("fresh") == "1"), "mailbox": mailbox(ctx),
                     "queue": queue(ctx)})


ROUTES = [Route("/health", health_page), Route("/api/health", health_api)]
