"""Many mailboxes, many `introledger run` processes: leases spread the watchers, kill -9 of a
holder hands its mailboxes over within a lease, and nothing is handled or sent twice.

Real processes (`python -m worker.cli.main run -v`), real Dovecot (one IMAP account, a folder
per tracking mailbox), real PostgreSQL, RabbitMQ as the broker, an SMTP sink for the thank-yous.
"""
import email
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from email.utils import parseaddr

import pytest
from sqlalchemy import func, select

from models import InboundMessage, Lease, Referral
from tests import mailgen
from tests.conftest import build_app
from tests.sources.test_imap import wait_until

LEASE_SECONDS = 3
RABBITMQ = os.environ.get("INTROLEDGER_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
FOLDERS = {"intros@example.com": "INBOX", "intros@north.example": "North", "intros@south.example": "South",
           "intros@west.example": "West"}
MEMBERS = {"intros@example.com": ("Dana Whitfield", "dana@danabooks.example"),
           "intros@north.example": ("Nora North", "nora@northco.example"),
           "intros@south.example": ("Sam South", "sam@southco.example"),
           "intros@west.example": ("Wes West", "wes@westco.example")}


def _rabbitmq_or_skip() -> None:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError as exc:
        pytest.skip(f"RabbitMQ on 127.0.0.1:5672 does not answer ({exc})")


def _imap(server, folder: str) -> str:
    return (f"{{kind: imap, imap: {{host: {server.host}, port: {server.port}, security: none, "
            f"username: {server.user}, password_env: TEST_IMAP_PASSWORD, folder: {folder}, "
            "idle_renew_seconds: 5, poll_seconds: 0.2, timeout_seconds: 10}}")


def _holders(app) -> dict[str, tuple[str, datetime]]:
    with app.sessions() as s:
        return {name: (holder, taken) for name, holder, taken in s.execute(
            select(Lease.name, Lease.holder, Lease.taken_at).where(Lease.holder.is_not(None)))}


def _settled(app) -> bool:
    """Four mailboxes held 2-1-1, and the same holders a heartbeat later (handovers are over)."""
    before = _holders(app)
    if sorted([h for h, _ in before.values()].count(h) for h in {h for h, _ in before.values()}) != [1, 1, 2]:
        return False
    time.sleep(LEASE_SECONDS / 3 + 1)
    return {n: h for n, (h, _) in _holders(app).items()} == {n: h for n, (h, _) in before.items()}


def _count(app, model, *where) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where).execution_options(all_groups=True))


@pytest.mark.servers
@pytest.mark.timeout(300)
def test_processes_share_mailboxes_and_a_killed_holder_is_taken_over(tmp_path, postgres_url, imap_mailbox,
                                                                       smtp_sink):
    _rabbitmq_or_skip()
    for folder in FOLDERS.values():
        if folder != "INBOX":
            imap_mailbox.client().create_folder(folder)
    app = build_app(tmp_path, postgres_url)  # migrated; its sessions read the tables below
    namespace = f"t{uuid.uuid4().hex[:10]}"
    dana = MEMBERS["intros@example.com"]
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        f"members:\n  - {{name: {dana[0]}, emails: [{dana[1]}]}}\n"
        f"source: {_imap(imap_mailbox, 'INBOX')}\n"
        f"broker_url: {RABBITMQ}\n"
        f"leases: {{seconds: {LEASE_SECONDS}}}\n"
        "thank_you: {delay_seconds: 0}\n"
        f"outbound:\n  transport: smtp\n  quiet_hours: null\n  sweep_seconds: 0.5\n  queue_namespace: {namespace}\n"
        f"  smtp: {{host: {smtp_sink.host}, port: {smtp_sink.port}, security: none}}\n")
    env = {**os.environ, "INTROLEDGER_DATABASE_URL": postgres_url, "TEST_IMAP_PASSWORD": imap_mailbox.password,
           "INTROLEDGER_TOKEN_SECRET": "f" * 32, "PYTHONPATH": sys.path[0]}
    command = [sys.executable, "-m", "worker.cli.main", "--config", str(tmp_path / "config.yaml")]
    for address, folder in list(FOLDERS.items())[1:]:
        name, member_address = MEMBERS[address]
        (tmp_path / f"{folder}.yaml").write_text(
            f"tracking: {{address: {address}}}\nsource: {_imap(imap_mailbox, folder)}\n"
            f"members:\n  - {{name: {name}, emails: [{member_address}]}}\n")
        subprocess.run([*command, "mailboxes", "add", folder.lower(), str(tmp_path / f"{folder}.yaml")],
                       env=env, check=True, capture_output=True)
    logs, procs = [], []

    def start() -> subprocess.Popen:
        logs.append(open(tmp_path / f"run{len(logs)}.log", "w+"))
        procs.append(subprocess.Popen([*_machine(len(logs)), *command, "run", "-v"], env=env, stderr=logs[-1]))
        return procs[-1]

    sent, group_of = 0, {}  # introducer → the tracking mailbox their intro went to

    def deliver(n: int) -> None:
        nonlocal sent
        for address, folder in FOLDERS.items():
            for _ in range(n):
                sent += 1
                introducer = (f"Introducer {sent}", f"introducer{sent}@z.example")
                group_of[introducer[1]] = address
                imap_mailbox.append(mailgen.intro(1000 + sent, tracking=address, introducer=introducer,
                                                  b=MEMBERS[address], when=datetime.now(UTC)), folder=folder)

    try:
        for _ in range(3):
            start()
        # Every mailbox watched, the four shared out over the three processes (2, 1, 1), and settled.
        assert wait_until(lambda: _settled(app), timeout=60), _holders(app)
        deliver(2)
        assert wait_until(lambda: _count(app, Referral) == sent, timeout=60)

        now_held = _holders(app)
        victim = next(h for h, _ in now_held.values() if [g for g, _ in now_held.values()].count(h) == 2)
        held = {name for name, (holder, _) in now_held.items() if holder == victim}  # the holder of two
        os.kill(int(victim.split(":")[1]), signal.SIGKILL)
        killed_at = datetime.now(UTC)
        deliver(2)  # mail arriving while its mailboxes have no watcher
        assert wait_until(lambda: all(_holders(app).get(n, (victim,))[0] != victim for n in held), timeout=30)
        gaps = {n: (_holders(app)[n][1] - killed_at).total_seconds() for n in held}
        start()  # the killed one comes back as a new process
        # Under load its start-up (imports) can outlast the rest of the test; a SIGTERM before
        # it has begun would end it with -15, which says nothing about leases.
        assert wait_until(lambda: (tmp_path / f"run{len(logs) - 1}.log").stat().st_size > 0, timeout=60)
        deliver(1)
        assert wait_until(lambda: _count(app, Referral) == sent, timeout=60), (_count(app, Referral), sent)
        # Each thank-you goes, but for one the killed process had claimed (at most once: it waits
        # for its claim to time out, or for a person if it was mid-DATA: docs/sending.md).
        assert wait_until(lambda: len(smtp_sink.messages) + len(_claimed_by_the_dead(app, killed_at)) >= sent,
                          timeout=60), _outbox(app)
        time.sleep(2)  # a doubled send would land now
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=60) for proc in procs]
        _delete_queues(namespace)
    text = "\n".join(log.seek(0) or log.read() for log in logs)
    print(json.dumps({"held_by_the_killed": sorted(held), "taken_over_after_s": gaps, "intros": sent,
                      "thank_yous_claimed_by_the_killed": len(_claimed_by_the_dead(app, killed_at))}))
    assert sorted(codes) == [-signal.SIGKILL, 0, 0, 0], text  # the killed one; the others stopped cleanly
    # No mailbox was left unwatched longer than the lease (plus the one-second look for free ones).
    assert max(gaps.values()) <= LEASE_SECONDS + 1 + 1.5, gaps
    # Each intro logged once, in its own group, and nothing handled twice by two watchers.
    assert _count(app, InboundMessage) == sent and _count(app, Referral) == sent
    with app.engine.connect() as conn:
        per_group = sorted(conn.execute(select(func.count()).select_from(Referral).group_by(Referral.mailbox_id)))
    assert per_group == [(sent // 4,)] * 4
    assert " duplicate: " not in text, text
    assert "Traceback" not in text, text
    # Each thank-you went once, from its group's own tracking address.
    thanked = [m.rcpt_tos[0] for m in smtp_sink.messages]
    # (by recipient: a live process's row claimed before the kill and mid-send when asked is "sending"
    # with its mail already in the sink — counted by number it was counted twice, 19 + 2 for 20)
    dead = {parseaddr(a)[1].lower() for a in _claimed_by_the_dead(app, killed_at, "to_addr")}
    assert len(thanked) == len(set(thanked)) and len({t.lower() for t in thanked} | dead) == sent
    for message in smtp_sink.messages:
        headers = email.message_from_bytes(message.raw)
        address = group_of[message.rcpt_tos[0]]
        assert headers["From"].endswith(f"<{address}>") and headers["X-Introledger-Loop"] == address, headers
    app.engine.dispose()


def _machine(n: int) -> list[str]:
    """Each process on a machine of its own (a host name of its own, in a UTS namespace) where
    `unshare` may: its leases then wait to expire, as across machines; else all on this one."""
    if subprocess.run(["unshare", "-u", "true"], capture_output=True).returncode != 0:
        return []
    return ["unshare", "-u", "sh", "-c", f'hostname node{n} && exec "$0" "$@"']


def _claimed_by_the_dead(app, killed_at: datetime, column: str = "id") -> list:
    from models import OutboxMessage

    with app.sessions() as s:
        return list(s.scalars(select(getattr(OutboxMessage, column)).where(
            OutboxMessage.status.in_(("sending", "unconfirmed")), OutboxMessage.claimed_at <= killed_at)))


def _outbox(app) -> list:
    from models import OutboxMessage

    with app.sessions() as s:
        return [(m.id, m.kind, m.status, m.attempts, m.claimed_at, m.nudged_at, m.job_id, m.reason, m.last_error)
                for m in s.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent"))]


def _delete_queues(namespace: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ))
    try:
        channel = connection.channel()
        for queue in (f"introledger.{namespace}", f"introledger.{namespace}.DQ", f"introledger.{namespace}.XQ"):
            channel.queue_delete(queue)
    finally:
        connection.close()
