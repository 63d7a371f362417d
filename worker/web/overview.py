"""The overview: this month and quarter each way, the balance over twelve months, the ledger's
flags, and what needs the viewer now (review candidates, follow-ups nobody answered, failed mail)."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import Route

from models import OutboxMessage, Referral
from worker.app import shapes
from worker.core import money
from worker.core.statuses import OPEN, Mail, Status
from worker.ledger import balance as ledger
from worker.web import chart
from worker.web.pages import COUNT_CAP, Ctx, handler
from worker.web.referrals import unanswered
from worker.web.viewer import Viewer

FAILED_MAIL = (Mail.FAILED, Mail.BOUNCED, Mail.UNCONFIRMED)


@dataclass(frozen=True)
class Needs:
    review: int
    unanswered: list[tuple[int, str]]  # (referral id, subject) of follow-ups sent and not answered
    unanswered_count: int  # exact up to COUNT_CAP
    unanswered_exact: bool
    failed_mail: int

    @property
    def unanswered_text(self) -> str:
        return f"{self.unanswered_count:,}" if self.unanswered_exact else f"{COUNT_CAP:,}+"

    def as_json(self) -> dict:
        return {"review": self.review, "unanswered_follow_ups": self.unanswered_count,
                "unanswered_follow_ups_exact": self.unanswered_exact, "failed_mail": self.failed_mail}


def months_back(now: datetime, n: int = 12) -> list[str]:
    """The last n calendar months up to now's, oldest first, as "YYYY-MM"."""
    y, m = now.year, now.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def twelve_months(rows: list[dict], now: datetime) -> list[dict]:
    """by_month rows (one or many members) → the last twelve months, gaps filled, the balance
    running from the first referral ever (so the line starts where the history left it)."""
    window = months_back(now)
    per_month: dict[str, list[int]] = {}
    for row in rows:
        seen = per_month.setdefault(row["month"], [0, 0])
        seen[0] += row["given"]
        seen[1] += row["received"]
    running = sum(g - r for month, (g, r) in per_month.items() if month < window[0])
    out = []
    for month in window:
        g, r = per_month.get(month, (0, 0))
        running += g - r
        out.append({"month": month, "given": g, "received": r, "balance": running})
    return out


FLAGS_SHOWN = 8  # the overview's flagged lines; the rest are a link away (/partners?flagged=1)


def figures(ctx: Ctx, every_flag: bool = True) -> dict:
    """The overview's figures; every_flag=False: only the first FLAGS_SHOWN flagged lines (the
    page's), flags_total saying how many there are in all."""
    viewer, app = ctx.me(), ctx.app
    now = app.now()
    names = [m.name for m in app.config.settings.members] if viewer.coordinator else [viewer.name]
    with ctx.reads() as session:
        # Three questions of the whole history, each answered from the members' stored sums
        # (worker/ledger/summary.py): the flagged lines only, the months, the members' totals.
        book = ledger.Ledger(session, None, None, viewer.ledger_scope)
        lines = book.flagged(now, app.thresholds, None if every_flag else FLAGS_SHOWN)
        months = book.by_month()
        totals = book.group(names, now, app.thresholds)
        needs = needs_now(session, viewer)
    monthly = twelve_months(months, now)
    quarter_start = f"{now.year:04d}-{(now.month - 1) // 3 * 3 + 1:02d}"
    quarter = [m for m in monthly if m["month"] >= quarter_start]
    won: dict[str, int] = {}
    for t in totals:
        for currency, minor in t.received.values.items():
            money.add(won, minor, currency)
    return {
        "viewer": {"member": viewer.name, "coordinator": viewer.coordinator},
        "month": {"given": monthly[-1]["given"], "received": monthly[-1]["received"]},
        "quarter": {"given": sum(m["given"] for m in quarter), "received": sum(m["received"] for m in quarter)},
        "balance": monthly[-1]["balance"],
        "won": {"received": sum(t.received.won for t in totals), "given": sum(t.given.won for t in totals),
                "values": dict(sorted(won.items())), "value": money.format_sums(won)},
        "monthly": monthly,
        "flags": [{"member": l.member, "partner": l.partner, "partner_id": l.partner_id, "name": l.name,
                   "flags": l.flags} for l in lines],
        "flags_total": sum(t.flagged for t in totals),
        "needs": needs,
        "group": [shapes.group_json(t) for t in totals] if viewer.coordinator else [],
    }


def needs_now(session: Session, viewer: Viewer) -> Needs:
    review = session.scalar(select(func.count()).select_from(Referral).where(
        Referral.status == Status.NEEDS_REVIEW, viewer.referrals())) or 0
    failed = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status.in_(FAILED_MAIL), viewer.mail())) or 0
    # Counted as the lists count (exactly up to COUNT_CAP, then "1,000+"), newest first: a group's
    # history can hold tens of thousands of open referrals, each asked about its follow-ups.
    ids = list(session.scalars(select(Referral.id).where(unanswered(session.get_bind().dialect.name == "sqlite"),
                                                          viewer.referral_ids(sorted(OPEN)))
                               .order_by(Referral.id.desc()).limit(COUNT_CAP + 1)))
    subjects = dict(session.execute(select(Referral.id, Referral.subject).where(Referral.id.in_(ids[:5]))).all())
    first = [(rid, subjects[rid]) for rid in ids[:5]]
    return Needs(review, first, min(len(ids), COUNT_CAP), len(ids) <= COUNT_CAP, failed)


@handler()
def overview_page(ctx: Ctx) -> Response:
    data = figures(ctx, every_flag=False)
    return ctx.render("overview.html", f=data, chart=chart.build(data["monthly"]))


@handler()
def overview_api(ctx: Ctx) -> Response:
    data = figures(ctx)
    return ctx.json({**data, "needs": data["needs"].as_json()})


ROUTES = [Route("/", overview_page), Route("/api/overview", overview_api)]
