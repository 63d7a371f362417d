"""Money in each currency's own precision: ¥450,000 is shown as ¥450,000 everywhere, never '4,500 JPY'."""
import pytest

from tests.fixtures_outcomes import FILE
from tests.test_outcomes import answer, mails, referral
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
