"""The dramatiq broker and the outbox actor, built from config (Redis, or in-process).

Nothing is configured at import time: bootstrap builds the broker and registers the actor on
it, so one code path serves a Redis deployment and the embedded default alike.
"""
import logging
import time

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name
from sqlalchemy.exc import OperationalError

log = logging.getLogger("introledger.broker")


REDIS, RABBITMQ, MEMORY = "Redis", "RabbitMQ", "in-process"


def kind(url: str) -> str:
    """Which broker a broker_url names: Redis, RabbitMQ, or the in-process one."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return REDIS
    if url.startswith(("amqp://", "amqps://")):
        return RABBITMQ
    return MEMORY


def make_broker(url: str) -> dramatiq.Broker:
    if kind(url) == REDIS:
        return RedisBroker(url=url)
    if kind(url) == RABBITMQ:
        # Durable queues, messages acknowledged after the actor ran: a job survives a broker
        # restart; one lost anyway is nudged again by the sweep (worker/outbound/sweep.py).
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url)
    if url == "memory://":
        return StubBroker()
    raise ValueError(f"broker_url {url!r}: use memory://, redis://host:port/db or amqp://user:password@host:5672/vhost")


def register(broker: dramatiq.Broker, deliver, queue: str) -> dramatiq.Actor:
    """The actor takes an outbox id only (the database holds the truth). It never asks the queue
    to retry: a temporary failure is rescheduled in the outbox row (worker/outbound/backoff.py) and
    logged there in one line; an exception reaching dramatiq is our bug and keeps its traceback.
    `queue` is this deployment's own (worker/outbound/queues.py): ids mean something only in its database."""
    def send_outbox(outbox_id: int) -> None:
        try:
            result = deliver(outbox_id)
        except OperationalError as exc:  # the database, not the mail: the sweep nudges it again
            log.warning("outbox #%s: database unavailable, the sweep will nudge it again: %s",
                        outbox_id, str(exc).splitlines()[0])
            return
        if result != "retry":  # a retry was logged where it was decided
            log.info("outbox #%s: %s", outbox_id, result)

    return dramatiq.actor(broker=broker, actor_name="send_outbox", queue_name=queue, max_retries=0)(send_outbox)


def send_job(actor: dramatiq.Actor, outbox_id: int) -> str:
    """Enqueue one nudge; the id under which the broker keeps it (Redis gives each enqueue its
    own, beside the message id)."""
    message = actor.send(outbox_id)
    return message.options.get("redis_message_id") or message.message_id


def job_check(broker: dramatiq.Broker, queue: str):
    """A function telling which of some job ids the broker still holds — waiting, delayed, or
    fetched by a worker and not yet acknowledged — or None when it cannot tell (the in-process
    broker, whose jobs are lost only with the process). Redis keeps a job's body in
    `<namespace>:<queue>.msgs` (or `.DQ.msgs` when delayed) until it is acknowledged."""
    if not isinstance(broker, RedisBroker):
        return None
    keys = [f"{broker.namespace}:{queue}.msgs", f"{broker.namespace}:{dq_name(queue)}.msgs"]

    def held(job_ids: list[str]) -> set[str]:
        pipe = broker.client.pipeline(transaction=False)
        for job_id in job_ids:
            for key in keys:
                pipe.hexists(key, job_id)
        answers = pipe.execute()
        return {job_id for i, job_id in enumerate(job_ids) if answers[2 * i] or answers[2 * i + 1]}

    return held


def depth(broker: dramatiq.Broker, queue: str) -> dict[str, int]:
    """Jobs the broker holds for the queue: waiting, and delayed (a retry's wait). Only a nudge
    each (the outbox is the truth), so a deep queue means slow sending, never lost mail."""
    delayed = dq_name(queue)
    if isinstance(broker, RedisBroker):
        pipe = broker.client.pipeline(transaction=False)
        for name in (queue, delayed):
            pipe.hlen(f"{broker.namespace}:{name}.msgs")  # until acknowledged: waiting or being worked on
        waiting, later = pipe.execute()
        return {"waiting": waiting, "delayed": later}
    if isinstance(broker, StubBroker):
        return {"waiting": broker.queues[queue].qsize() if queue in broker.queues else 0,
                "delayed": broker.queues[delayed].qsize() if delayed in broker.queues else 0}
    channel = broker.channel  # type: ignore[attr-defined]  # RabbitMQ: a passive declare answers with the count
    return {"waiting": channel.queue_declare(queue, passive=True).method.message_count,
            "delayed": channel.queue_declare(delayed, passive=True).method.message_count}


class QuietQueueOutage(logging.Filter):
    """dramatiq reports a Redis that stopped answering four times every 3 s (a CRITICAL line and a
    restart line per consumer): one warning a minute says the same. Other records pass as is."""

    def __init__(self, every: float = 60.0, clock=time.monotonic):
        super().__init__()
        self.every, self.clock, self.last = every, clock, None

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if text.startswith("Restarting consumer"):
            return False
        if "connection error" not in text:
            return True
        now = self.clock()
        if self.last is not None and now - self.last < self.every:
            return False
        self.last = now
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg, record.args = "queue unavailable, the worker retries every few seconds (said once a minute): %s", (
            text.removeprefix("Consumer encountered a connection error: "),)
        return True


def _quiet_consumers(broker: dramatiq.Broker) -> None:
    quiet = QuietQueueOutage()
    declared = {q for q in broker.get_declared_queues() if dq_name(q) != q}
    for queue in sorted({*declared, *(dq_name(q) for q in declared)}):
        logger = logging.getLogger(f"dramatiq.worker.ConsumerThread({queue})")
        for old in [f for f in logger.filters if isinstance(f, QuietQueueOutage)]:
            logger.removeFilter(old)
        logger.addFilter(quiet)


def start_worker(broker: dramatiq.Broker, threads: int = 2) -> dramatiq.Worker:
    _quiet_consumers(broker)
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker
