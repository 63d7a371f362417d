"""The dramatiq broker and the outbox actor, built from config (Redis, or in-process).

Nothing is configured at import time: bootstrap builds the broker and registers the actor on
it, so one code path serves a Redis deployment and the embedded default alike.
"""
import logging

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from sqlalchemy.exc import OperationalError

QUEUE = "outbox"
log = logging.getLogger("introledger.broker")


def make_broker(url: str) -> dramatiq.Broker:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroker(url=url)
    if url == "memory://":
        return StubBroker()
    raise ValueError(f"broker_url {url!r}: use memory:// or redis://host:port/db")


def register(broker: dramatiq.Broker, deliver) -> dramatiq.Actor:
    """The actor takes an outbox id only (the database holds the truth). It never asks the queue
    to retry: a temporary failure is rescheduled in the outbox row (worker/backoff.py) and
    logged there in one line; an exception reaching dramatiq is our bug and keeps its traceback."""
    def send_outbox(outbox_id: int) -> None:
        try:
            result = deliver(outbox_id)
        except OperationalError as exc:  # the database, not the mail: the sweep nudges it again
            log.warning("outbox #%s: database unavailable, the sweep will nudge it again: %s",
                        outbox_id, str(exc).splitlines()[0])
            return
        if result != "retry":  # a retry was logged where it was decided
            log.info("outbox #%s: %s", outbox_id, result)

    return dramatiq.actor(send_outbox, broker=broker, actor_name="send_outbox", queue_name=QUEUE,
                          max_retries=0)


def start_worker(broker: dramatiq.Broker, threads: int = 2) -> dramatiq.Worker:
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker
