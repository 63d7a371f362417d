"""Health and Prometheus metrics over HTTP (`run --metrics HOST:PORT`), scraped as Prometheus does."""
import json
import mailbox
import os
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest

from tests import mailgen
from tests.conftest import build_app
from tests.servers import free_port
from tests.sources.test_imap import wait_until

DANA = ("Dana Whitfield", "dana@danabooks.example")
NORA = ("Nora North", "nora@northco.example")


def scrape(port: int, path: str = "/metrics") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def samples(text: str) -> dict[str, float]:
    """`name{labels}` → value, for the introledger_ lines."""
    found = {}
    for line in text.splitlines():
        if line.startswith("introledger_"):
            key, _, value = line.rpartition(" ")
            found[key] = float(value)
    return found


@pytest.mark.servers
def test_run_serves_what_it_did_and_what_the_deployment_holds(tmp_path, sqlite_url):
    build_app(tmp_path, sqlite_url)  # migrated
    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        f"members:\n  - {{name: {DANA[0]}, emails: [{DANA[1]}]}}\n"
        "outbound: {sweep_seconds: 0.3}\n")
    (tmp_path / "north.yaml").write_text(
        "tracking: {address: intros@north.example}\nsource: {kind: maildir, maildir: {path: north}}\n"
        f"members:\n  - {{name: {NORA[0]}, emails: [{NORA[1]}]}}\n")
    env = {**os.environ, "INTROLEDGER_DATABASE_URL": sqlite_url, "INTROLEDGER_TOKEN_SECRET": "m" * 32,
           "PYTHONPATH": sys.path[0]}
    command = [sys.executable, "-m", "worker.cli.main", "--config", str(tmp_path / "config.yaml")]
    subprocess.run([*command, "mailboxes", "add", "north", str(tmp_path / "north.yaml")], env=env, check=True)
    now = datetime.now(UTC)
    mailbox.Maildir(str(tmp_path / "mail")).add(mailgen.intro(1, b=DANA, when=now))
    mailbox.Maildir(str(tmp_path / "mail")).add(mailgen.noise(2))
    mailbox.Maildir(str(tmp_path / "north")).add(mailgen.intro(3, b=NORA, tracking="intros@north.example", when=now))
    port = free_port()
    err = open(tmp_path / "stderr", "w+")
    run = subprocess.Popen([*command, "run", "--metrics", f"127.0.0.1:{port}"], env=env, stderr=err)
    try:
        def read() -> dict[str, float]:
            try:
                return samples(scrape(port)[1])
            except OSError:
                return {}
        assert wait_until(lambda: read().get('introledger_messages_total{kind="double_intro"}') == 2, timeout=60), (
            read(), (tmp_path / "stderr").read_text())
        assert wait_until(lambda: all(f'introledger_duty_seconds_count{{mailbox="{a}"}}' in read()
                                      for a in ("intros@example.com", "intros@north.example")), timeout=30)
        seen = read()
        code, health = scrape(port, "/healthz")
    finally:
        run.terminate()
        run.wait(30)
    assert seen['introledger_messages_total{kind="not_intro"}'] == 1
    assert seen['introledger_outbox_messages{status="queued"}'] == 2  # the two thank-yous, waiting their delay
    assert seen["introledger_database_up"] == 1
    for address in ("intros@example.com", "intros@north.example"):
        assert seen[f'introledger_mailboxes_watched{{mailbox="{address}"}}'] == 1
        assert [k for k in seen if k.startswith('introledger_lease_holder{holder="')
                and f'mailbox="{address}"' in k], address
        assert seen[f'introledger_duty_seconds_count{{mailbox="{address}"}}'] >= 1
    assert seen['introledger_queue_depth{queue="introledger.intros-example-com",state="waiting"}'] == 0
    assert code == 200 and json.loads(health) == {
        "ok": True, "role": "run", "database": "ok", "watching": ["intros@example.com", "intros@north.example"]}


@pytest.mark.servers
def test_health_says_503_while_the_database_is_down(tmp_path, postgres_url):
    from tests.faults import TcpProxy
    from worker.app.metrics import Metrics

    with TcpProxy("127.0.0.1", 5432) as proxy:
        app = build_app(tmp_path, postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"))
        metrics = Metrics(app, "lmtp")
        port = free_port()
        server = metrics.serve(("127.0.0.1", port))
        try:
            assert scrape(port, "/healthz")[0] == 200
            proxy.refuse()
            code, body = scrape(port, "/healthz")
            assert code == 503 and json.loads(body)["ok"] is False, body
            assert json.loads(body)["database"] != "ok", body  # the problem, in one line
            assert samples(scrape(port)[1])["introledger_database_up"] == 0  # the scrape still answers
            proxy.heal()
            assert wait_until(lambda: scrape(port, "/healthz")[0] == 200)
        finally:
            server.shutdown()
            app.engine.dispose()


@pytest.mark.servers
@pytest.mark.parametrize("url", ["redis", "amqp://guest:guest@127.0.0.1:5672/%2F"])
def test_queue_depth_counts_the_jobs_the_broker_holds(request, url):
    import uuid

    from worker.outbound.broker import depth, make_broker, register

    if url == "redis":
        url = request.getfixturevalue("redis_url")
    else:
        pytest.importorskip("pika")
    broker = make_broker(url)
    queue = f"introledger.t{uuid.uuid4().hex[:8]}"
    actor = register(broker, lambda outbox_id: "sent", queue)
    try:
        for outbox_id in (1, 2, 3):
            actor.send(outbox_id)
        assert wait_until(lambda: depth(broker, queue) == {"waiting": 3, "delayed": 0}), depth(broker, queue)
    finally:
        if url.startswith("amqp"):
            for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                broker.channel.queue_delete(name)
        broker.close()
