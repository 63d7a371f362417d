"""Two introledger instances that see each other's mail (and a vacation robot) go quiet."""
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from models import OutboxMessage, Referral
from models.db import make_engine, upgrade
from tests import mailgen
from tests.servers import SmtpSink
from worker.app import bootstrap
from worker.core.config import from_dict
from worker.inbound.pipeline import Origin


def instance(tmp_path, name, tracking, member, sink, clock):
    folder = tmp_path / name
    folder.mkdir()
    url = f"sqlite:///{folder / 'db.sqlite'}"
    config = from_dict({
        "tracking": {"address": tracking},
        "members": [{"name": member[0], "emails": [member[1]]}],
        "thank_you": {"delay_seconds": 0},
        "outbound": {"transport": "smtp", "quiet_hours": None,
                     "smtp": {"host": sink.host, "port": sink.port, "security": "none"}},
    }, folder / "config.yaml", env={"INTROLEDGER_DATABASE_URL": url})
    upgrade(make_engine(url))
    app = bootstrap.build(config, now=clock)
    outbound = bootstrap.build_outbound(app)
    outbound.sweep.enqueue = outbound.deliverer.deliver  # send inline, no queue needed here
    return app, outbound


def vacation_reply(raw: bytes) -> bytes:
    """What a typical out-of-office robot sends back to whoever wrote."""
    original = message_from_bytes(raw, policy=policy.default)
    return (f"From: {original['To']}\nTo: {original['From']}\nSubject: Out of Office: {original['Subject']}\n"
            f"Auto-Submitted: auto-replied\nMessage-ID: <ooo-{original['Message-ID'].strip('<>')}>\n\n"
            "I am away until Monday.\n").encode()


@pytest.mark.servers
def test_two_instances_and_a_robot_converge(tmp_path, clock):
    sink_a, sink_b = SmtpSink().start(), SmtpSink().start()
    try:
        a, out_a = instance(tmp_path, "a", "intros@a.example", ("Dana Whitfield", "dana@a.example"), sink_a, clock)
        b, out_b = instance(tmp_path, "b", "intros@b.example", ("Bob Stone", "bob@b.example"), sink_b, clock)
        # Carol introduces Dana and Bob and CCs both businesses' tracking addresses.
        intro = mailgen.intro(1, introducer=("Carol Jensen", "carol@c.example"), a=("Dana Whitfield", "dana@a.example"),
                              b=("Bob Stone", "bob@b.example"), tracking="intros@a.example, intros@b.example",
                              when=clock.current)
        for app in (a, b):
            assert app.pipeline.process(intro, Origin("file", "intro")).kind == "double_intro"
        sent_per_round, seen_a, seen_b = [], 0, 0
        for round_ in range(4):
            out_a.sweep()
            out_b.sweep()
            new_a, new_b = sink_a.messages[seen_a:], sink_b.messages[seen_b:]
            seen_a, seen_b = seen_a + len(new_a), seen_b + len(new_b)
            sent_per_round.append(len(new_a) + len(new_b))
            # Each instance's mail reaches the other's tracking inbox, and a robot answers all of it.
            for msg in new_a:
                b.pipeline.process(msg.raw, Origin("file", f"from-a-{round_}"))
                a.pipeline.process(vacation_reply(msg.raw), Origin("file", f"ooo-{round_}"))
            for msg in new_b:
                a.pipeline.process(msg.raw, Origin("file", f"from-b-{round_}"))
                b.pipeline.process(vacation_reply(msg.raw), Origin("file", f"ooo-{round_}"))
        # One thank-you, from Bob's instance (the intro's words make Bob the bookkeeper; Dana, the
        # client, owes Carol none), then silence: neither instance answers the other or the robot.
        assert sent_per_round == [1, 0, 0, 0]
        for app, mails in ((a, 0), (b, 1)):
            with app.sessions() as s:
                assert s.scalar(select(func.count()).select_from(Referral)) == 1
                assert s.scalar(select(func.count()).select_from(OutboxMessage)) == mails
    finally:
        sink_a.stop()
        sink_b.stop()

