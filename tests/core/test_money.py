"""Money in each currency's own precision: ¥450,000 is shown as ¥450,000 everywhere, never '4,500 JPY'."""
import json
from datetime import UTC

import pytest

from tests.fixtures_outcomes import FILE
from tests.followups.test_outcomes import answer, mails, referral
from worker.core.money import Amount, format_money, format_sums
from worker.ledger import slips
from worker.mail.commands import parse_amount


@pytest.fixture
def app(one_intro_app):
    return one_intro_app


@pytest.mark.parametrize("minor, currency, shown", [
    (450000, "JPY", "¥450,000"), (450000, "USD", "$4,500"), (450050, "USD", "$4,500.50"),
    (125050, "CHF", "CHF 1,250.50"), (125000, "EUR", "€1,250"), (1250500, "KWD", "KWD 1,250.500"),
    (None, "USD", ""), (450000, "", "4,500"),
])
def test_an_amount_reads_as_its_currency_writes_it(minor, currency, shown):
    assert format_money(minor, currency).replace("\xa0", " ") == shown


def test_sums_in_different_currencies_are_never_added_together():
    assert format_sums({"USD": 450000, "JPY": 450000, "EUR": 0}) == "¥450,000 + $4,500"


def test_an_amount_written_without_currency_takes_the_default_with_its_precision():
    written = parse_amount("WON 450000")
    assert written.currency == "" and written.or_currency("JPY") == Amount(450000, "JPY")
    assert written.or_currency("USD") == Amount(45000000, "USD")


@pytest.mark.parametrize("text, expected", [
    ("US$4,500", (450000, "USD")), ("¥450,000", (450000, "JPY")), ("4.5k EUR", (450000, "EUR")),
    ("CHF 1'250.50", (125050, "CHF")), ("450000", (450000, "JPY")),
])
def test_slips_read_amounts_like_replies_do(text, expected):
    assert slips.parse_value(text, "JPY") == expected
    assert parse_amount(text, "JPY") == Amount(*expected)


def test_a_slip_value_that_is_no_amount_names_what_was_written():
    with pytest.raises(ValueError, match="'about a week'"):
        slips.parse_value("about a week", "USD")


def test_a_won_in_yen_is_confirmed_and_thanked_in_yen(app, clock):
    from worker.app import bootstrap

    dana, marco = app.config.settings.members  # Dana tells introducers what a deal was worth
    sharing = dana.model_copy(update={"share_value": True})
    bootstrap.sync_members(app.sessions, app.config.with_members([sharing, marco]))
    app.pipeline.process(answer(clock, "WON ¥450,000"), FILE)
    r = referral(app)
    assert (r.status, r.value_cents, r.currency) == ("won", 450000, "JPY")
    [closed] = mails(app, "closed_business")
    [confirmation] = mails(app, "status_confirmation")
    for mail in (closed, confirmation):
        assert "¥450,000" in mail.text_body and "4,500 JPY" not in mail.text_body + mail.html_body


# The four ways of writing an amount, each accepted by a WON reply, `mark` and a slip.
WRITTEN = [("US$4,500", 450000, "USD", "$4,500"), ("¥450,000", 450000, "JPY", "¥450,000"),
           ("4.5k EUR", 450000, "EUR", "€4,500"), ("CHF 1'250.50", 125050, "CHF", "CHF 1,250.50")]


@pytest.mark.parametrize("written, minor, currency, shown", WRITTEN)
def test_a_won_reply_takes_each_way_of_writing_an_amount_and_confirms_it_as_written(
        app, clock, written, minor, currency, shown):
    app.pipeline.process(answer(clock, f"WON {written}"), FILE)
    r = referral(app)
    assert (r.status, r.value_cents, r.currency) == ("won", minor, currency)
    [confirmation] = mails(app, "status_confirmation")
    assert f"worth {shown}" in confirmation.text_body.replace("\xa0", " ")


def test_mark_takes_each_way_of_writing_an_amount(tmp_path):
    from datetime import datetime

    from tests import mailgen
    from tests.cli.test_cli import cli

    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    cli("db", "upgrade", cwd=tmp_path)
    for n in range(1, len(WRITTEN) + 1):
        (tmp_path / f"{n}.eml").write_bytes(mailgen.intro(
            n, b=("Dana Whitfield", "dana@danabooks.example"), when=datetime.now(UTC)))
    cli("ingest", *(f"{n}.eml" for n in range(1, len(WRITTEN) + 1)), cwd=tmp_path)
    for n, (written, *_) in enumerate(WRITTEN, 1):
        assert f"referral #{n} is now won" in cli("mark", str(n), "WON", "--amount", written, cwd=tmp_path).stdout
    values = [r["value"] for r in json.loads(cli("referrals", "--json", cwd=tmp_path).stdout)]
    assert values == [{"amount_cents": minor, "currency": currency} for _, minor, currency, _ in WRITTEN]


@pytest.mark.parametrize("written, minor, currency, shown", WRITTEN)
def test_a_slip_takes_each_way_of_writing_an_amount_and_shows_it_as_written(written, minor, currency, shown):
    csv_text = f"giver,receiver,date,type,value\nCarol Jensen,Dana Whitfield,2026-03-01,closed business,\"{written}\"\n"
    [slip], problems = slips.read(csv_text, "USD")
    assert problems == [] and (slip.value_cents, slip.currency) == (minor, currency)
    assert format_money(slip.value_cents, slip.currency).replace("\xa0", " ") == shown
