"""The dramatiq broker and the outbox actor, built from config (Redis, or in-process).

Nothing is configured at import time: bootstrap builds the broker and registers the actor on
it, so one code path serves a Redis deployment and the embedded default alike.
"""
import logging

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from worker.mailer import TransientSendError

QUEUE = "outbox"
log = logging.getLogger("introledger.broker")


def make_broker(url: str) -> dramatiq.Broker:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroker(url=url)
    if url == "memory://":
        return StubBroker()
    raise ValueError(f"broker_url {url!r}: use memory:// or redis://host:port/db")


def register(broker: dramatiq.Broker, deliver, max_retries: int) -> dramatiq.Actor:
    """The actor takes an outbox id only (the database holds the truth) and retries
    temporary SMTP failures with exponential backoff."""
    def send_outbox(outbox_id: int) -> None:
        log.info("outbox #%s: %s", outbox_id, deliver(outbox_id))

    return dramatiq.actor(
        send_outbox, broker=broker, actor_name="send_outbox", queue_name=QUEUE,
        max_retries=max_retries, min_backoff=1_000, max_backoff=600_000,
        retry_when=lambda retries, exc: isinstance(exc, TransientSendError) and retries < max_retries,
    )


def start_worker(broker: dramatiq.Broker, threads: int = 2) -> dramatiq.Worker:
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker
