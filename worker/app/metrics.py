"""Health and Prometheus metrics over HTTP: `run --metrics 127.0.0.1:9100` (also `send`, `lmtp`).

GET /metrics is Prometheus's text format; GET /healthz answers 200 with what the process does
while the database answers, 503 with the problem when it does not (a load balancer or
systemd's watchdog script reads the code, a person the JSON). What this process counted itself
(messages by outcome, duty durations) lives in it; what the database and the broker hold (mail
by state, queue depth, who watches which mailbox) is asked for at each scrape, so any one
process shows the deployment's.
"""
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dramatiq
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from models import OutboxMessage
from worker.app.bootstrap import App
from worker.core.outages import describe
from worker.inbound.pipeline import Outcome
from worker.outbound import broker as brokers
from worker.sources import leases

log = logging.getLogger("introledger.metrics")
DUTY_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300)


def parse_listen(value: str) -> tuple[str, int]:
    """"127.0.0.1:9100" or ":9100" (every address) → (host, port); ValueError names the mistake."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r}: give HOST:PORT, e.g. 127.0.0.1:9100")
    return host.strip("[]") or "0.0.0.0", int(port)


class Metrics:
    """One process's registry: its own counters, and the deployment's state read at each scrape."""

    def __init__(self, app: App, role: str):
        self.app, self.role = app, role
        self.watching: Callable[[], list[str]] = list  # the mailboxes this process watches now
        self.broker: dramatiq.Broker | None = None     # whose queue depth to report
        self.registry = CollectorRegistry()
        self.messages = Counter("introledger_messages", "Messages this process handled, by outcome: the "
                                "verdict's kind, duplicate or quarantined", ["kind"], registry=self.registry)
        self.duties = Histogram("introledger_duty_seconds", "One round of a group's due work (follow-ups, "
                                "digests, reminders)", ["mailbox"], buckets=DUTY_BUCKETS, registry=self.registry)
        self.registry.register(_Deployment(self))

    def outcome(self, outcome: Outcome) -> None:
        self.messages.labels(outcome.kind).inc()

    def timed(self, due_work: Callable[[App], int]) -> Callable[[App], int]:
        def timed_due_work(app: App) -> int:
            started = time.perf_counter()
            try:
                return due_work(app)
            finally:
                label = app.config.settings.tracking.address
                self.duties.labels(label).observe(time.perf_counter() - started)
        return timed_due_work

    def health(self) -> tuple[int, dict]:
        try:
            with self.app.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure is the answer
            return 503, {"ok": False, "role": self.role, "database": describe(exc)}
        return 200, {"ok": True, "role": self.role, "database": "ok", "watching": self.watching()}

    def serve(self, listen: tuple[str, int]) -> ThreadingHTTPServer:
        """Bound now (a taken port fails at start), served on a daemon thread."""
        server = ThreadingHTTPServer(listen, _handler(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="introledger-metrics", daemon=True).start()
        return server


def _handler(metrics: Metrics) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(metrics.registry))
            elif path in ("/healthz", "/health"):
                code, body = metrics.health()
                self._send(code, "application/json", json.dumps(body).encode())
            else:
                self._send(404, "text/plain; charset=utf-8", b"/metrics or /healthz\n")

        def _send(self, code: int, kind: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # a scrape every 15 s is not news
            pass

    return Handler


class _Deployment(Collector):
    """Read at each scrape: mail by state, queue depth, lease holders."""

    def __init__(self, metrics: Metrics):
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("introledger_database_up", "1 when the database answered this scrape")
        try:
            yield from self._database()
            up.add_metric([], 1)
        except Exception as exc:  # noqa: BLE001 - the scrape still answers, saying so
            log.warning("metrics: database unavailable: %s", describe(exc))
            up.add_metric([], 0)
        yield up
        watched = GaugeMetricFamily("introledger_mailboxes_watched", "Mailboxes this process watches now",
                                    labels=["mailbox"])
        for mailbox in self.metrics.watching():
            watched.add_metric([mailbox], 1)
        yield watched
        if self.metrics.broker is not None:
            yield from self._queue(self.metrics.broker)

    def _database(self) -> Iterator[GaugeMetricFamily]:
        with self.metrics.app.sessions() as session:
            by_state = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
            held = leases.holders(session, leases.wall_clock())
        outbox = GaugeMetricFamily("introledger_outbox_messages", "Outgoing mail by state (all groups)",
                                   labels=["status"])
        for status, n in sorted(by_state):
            outbox.add_metric([status], n)
        yield outbox
        holders = GaugeMetricFamily("introledger_lease_holder", "1 for each mailbox's live lease and the "
                                    "`run` process holding it (host:pid:instance)", labels=["mailbox", "holder"])
        for name, holder in sorted(held.items()):
            holders.add_metric([name.removeprefix("mailbox:"), holder], 1)
        yield holders

    def _queue(self, broker: dramatiq.Broker) -> Iterator[GaugeMetricFamily]:
        queue = self.metrics.app.config.queue_name
        depth = GaugeMetricFamily("introledger_queue_depth", "Jobs the broker holds for this deployment's "
                                  "queue", labels=["queue", "state"])
        try:
            for state, n in brokers.depth(broker, queue).items():
                depth.add_metric([queue, state], n)
        except Exception as exc:  # noqa: BLE001 - the broker is down: no figure, the rest still answers
            log.warning("metrics: queue depth unavailable: %s", describe(exc))
            return
        yield depth
