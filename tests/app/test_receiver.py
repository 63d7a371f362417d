"""Which recipients `introledger lmtp` takes, and `run` when mail comes in by LMTP."""
from tests.cli.test_cli import cli
from tests.conftest import build_app
from worker.app.receiver import router


def test_the_tracking_address_its_aliases_and_plus_addresses_are_taken(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url, tracking={"address": "intros@example.com", "aliases": ["refs@example.com"]})
    route = router(app)
    for ours in ("intros@example.com", "Intros@Example.COM", "refs@example.com", "intros+r12s2d9f3@example.com"):
        assert route(ours) is app.pipeline, ours
    for other in ("dana@danabooks.example", "intros@other.example", "intros-x@example.com"):
        assert route(other) is None, other
    app.engine.dispose()


def test_run_with_mail_by_lmtp_watches_nothing_and_does_the_due_work(tmp_path):
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\nsource: {kind: lmtp}\n")
    cli("db", "upgrade", cwd=tmp_path)
    result = cli("run", "--once", "--json", cwd=tmp_path)
    assert "mail comes in by LMTP (`introledger lmtp`), no mailbox to watch" in result.stderr.splitlines()[0]
    assert result.stdout.strip() == "{}"
    assert not (tmp_path / "mail").exists()  # no Maildir made for nothing
