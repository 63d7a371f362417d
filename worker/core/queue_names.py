"""How a deployment's queue is named: from `outbound.queue_namespace`, or a slug of the tracking address
(worker/outbound/queues.py says why each deployment needs its own)."""
import re

PREFIX = "introledger."
NAMESPACE_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"


def slug(address: str) -> str:
    """'Intros@Example.com' → 'intros-example-com': stable, and valid in a queue name."""
    return re.sub(r"[^a-z0-9]+", "-", address.lower()).strip("-")[:63].rstrip("-") or "default"


def namespace(tracking_address: str, configured: str | None) -> str:
    return configured or slug(tracking_address)


def queue_name(ns: str) -> str:
    return PREFIX + ns
