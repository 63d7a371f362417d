"""Fuzz: header and MIME mutations of real mail (tests/mutate.py) through the real pipeline.

Whatever the bytes, every message ends up recorded — logged, ignored with a reason, or
quarantined — in the same commit as the checkpoint; no exception escapes and the messages after
it in the batch are handled as usual. bench/fuzz.py runs 2,000 of them through `ingest` and IMAP.
"""
import itertools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import Checkpoint, InboundMessage
from tests import mailgen, mutate
from worker.inbound.pipeline import Origin

SEEDS = mutate.seeds()
KINDS = {"quarantined", "duplicate", "not_intro", "auto_reply", "bounce", "mailing_list", "newsletter",
         "own_mail", "other_deployment", "needs_review", "double_intro", "heads_up", "forwarded_intro",
         "thread_reply", "status_reply", "promise"}
_ids = itertools.count(1)

mutants = st.tuples(
    st.integers(0, len(SEEDS) - 1),
    st.lists(st.sampled_from(sorted(mutate.MUTATIONS)), min_size=1, max_size=3),
    st.integers(0, 2**32),
)


def _recorded(app) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(InboundMessage))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(batch=st.lists(mutants, min_size=1, max_size=4))
def test_mutated_real_mail_is_always_accounted_for(app, batch):
    n = next(_ids)
    items = []
    for k, (seed, names, rng_seed) in enumerate(batch):
        raw, _ = mutate.mutant(SEEDS[seed], random.Random(rng_seed), names, message_id=f"f{n}-{k}@fuzz.example")
        items.append((raw, Origin("imap:fuzz", str(k), 1, n * 10 + k)))
    items.append((mailgen.intro(10_000 + n), Origin("imap:fuzz", "intro", 1, n * 10 + 9)))
    before = _recorded(app)
    outcomes = app.pipeline.process_batch(items)
    assert len(outcomes) == len(items)
    assert {o.kind for o in outcomes} <= KINDS, [o.reason for o in outcomes]
    assert outcomes[-1].kind == "double_intro"  # the mail after the mutants is handled as usual
    with app.sessions() as s:
        assert s.scalar(select(Checkpoint.last_uid)) == n * 10 + 9
    assert _recorded(app) - before == sum(o.kind != "duplicate" for o in outcomes)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutant=mutants)
def test_one_mutation_at_a_time_of_every_kind(sqlite_app, mutant):
    seed, names, rng_seed = mutant
    raw, _ = mutate.mutant(SEEDS[seed], random.Random(rng_seed), names[:1], message_id=f"one-{next(_ids)}@fuzz.example")
    outcome = sqlite_app.pipeline.process(raw, Origin("file", "fuzz.eml"))
    assert outcome.kind in KINDS and outcome.reason


def test_mutants_delivered_over_imap_are_all_accounted_for(tmp_path, sqlite_url, imap_mailbox):
    """The same through real Dovecot (which rewrites some bytes: a NUL arrives as 0x80)."""
    from tests.conftest import build_app
    from tests.sources.test_imap import imap_settings
    from worker.app.live import imap_account
    from worker.sources.runner import Runner

    app = build_app(tmp_path, sqlite_url, {"TEST_IMAP_PASSWORD": imap_mailbox.password},
                    source=imap_settings(imap_mailbox, batch_size=7))
    mutants = [raw for raw, _names in itertools.islice(mutate.stream(40, seed=99), 40)]
    for raw in mutants:
        imap_mailbox.append(raw)
    imap_mailbox.append(mailgen.intro(20_000))
    outcomes = Runner(app.pipeline, app.sessions).imap_once(imap_account(app))
    assert len(outcomes) == len(mutants) + 1 and {o.kind for o in outcomes} <= KINDS
    assert outcomes[-1].kind == "double_intro"
    with app.sessions() as s:
        recorded = s.scalar(select(func.count()).select_from(InboundMessage))
        assert recorded == sum(o.kind != "duplicate" for o in outcomes)
    client = imap_mailbox.client()
    client.select_folder("INBOX")
    with app.sessions() as s:
        assert s.scalar(select(Checkpoint.last_uid)) == max(client.search(["ALL"]))
    client.logout()
    app.engine.dispose()
