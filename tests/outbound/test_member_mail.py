"""Per-member mail settings, read in the mail as its recipient gets it (folder transport: the bytes
an SMTP server would be handed): what an introducer is told about a closed deal
(members[].share_value) and the "sent by introledger" footer (members[].footer)."""
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from models import OutboxMessage, Referral
from tests import mailgen
from tests.conftest import MEMBERS, build_app
from worker.app import bootstrap
from worker.inbound.pipeline import Origin
from worker.mail.commands import parse_command

pytestmark = pytest.mark.sqlite_only(reason=(
    "what members are sent is policy; the outbox's SQL is held to PostgreSQL in "
    "test_at_most_once/test_delivery"
))

CAROL = ("Carol Jensen", "carol@x.example")
DANA = ("Dana Whitfield", "dana@danabooks.example")
MARCO = ("Marco Rossi", "marco@rossi-marketing.example")


def make(tmp_path, database_url, clock, dana=None, marco=None):
    members = [{**MEMBERS[0], **(dana or {})}, {**MEMBERS[1], **(marco or {})}]
    return build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "s3"}, now=clock, members=members,
                     thank_you={"delay_seconds": 0}, follow_ups={"reward": "A $25 gift card is on its way."},
                     outbound={"transport": "folder", "folder": "sent", "quiet_hours": None,
                               "per_recipient_per_day": 20})


@pytest.fixture
def apps():
    built = []
    yield built
    for app in built:
        app.engine.dispose()


def intro(app, i: int, member) -> None:
    raw = mailgen.intro(i, introducer=CAROL, a=(f"Alice {i}", f"alice{i}@y.example"), b=member,
                        when=app.now())
    app.pipeline.process(raw, Origin("file", str(i)))


def answer(app, referral_id: int, words: str, by: str) -> None:
    """What `introledger mark ID WORDS` does: the member's answer, with its mails."""
    with app.sessions.begin() as s:
        app.desk.apply(s, s.get(Referral, referral_id), parse_command(words), by, "", via=f"by hand: {words}")


def send_all(app) -> None:
    outbound = bootstrap.build_outbound(app)
    with app.sessions() as s:
        ids = s.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued")).all()
    assert {outbound.deliverer.deliver(i) for i in ids} <= {"sent"}
    outbound.close()


def inbox(tmp_path, to: str) -> dict[str, str]:
    """Subject → what the recipient reads (plain text and HTML parts), of every mail sent to `to`."""
    got = {}
    for path in sorted((tmp_path / "sent").iterdir()):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        if msg["To"] == to:
            parts = (msg.get_body(("plain",)), msg.get_body(("html",)))
            got[msg["Subject"]] = "\n".join(p.get_content() for p in parts if p is not None)
    return got


def test_the_introducer_hears_the_deal_closed_but_not_its_value_unless_the_member_shares_it(
        tmp_path, database_url, clock, apps):
    """User trial: Carol learned from our thank-you what Dana charged her client ($4,500)."""
    app = make(tmp_path, database_url, clock, marco={"share_value": True})
    apps.append(app)
    intro(app, 1, DANA)
    intro(app, 2, MARCO)
    answer(app, 1, "WON $4,500", DANA[1])
    answer(app, 2, "WON EUR 3000", MARCO[1])
    send_all(app)

    carol = inbox(tmp_path, CAROL[1])
    from_dana = carol["Your intro to Alice 1 turned into business"]
    assert "Good news: your introduction to Alice 1 turned into real business. Thank you" in from_dana
    assert "A $25 gift card is on its way." in from_dana
    assert "4,500" not in from_dana and "4500" not in from_dana
    from_marco = carol["Your intro to Alice 2 turned into business"]  # Marco shares it
    assert "turned into real business (€3,000). Thank you" in from_marco
    # the member's own confirmation keeps the value: it is hers
    assert "turned into business, worth $4,500." in inbox(tmp_path, DANA[1])[
        "Noted: the intro to Alice 1 turned into business [ref R1]"]
    # and nobody else's mail carries it: not the partners', not the prospects'
    for path in (tmp_path / "sent").iterdir():
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        if mail["To"] != DANA[1]:
            read = [mail["Subject"], *(part.get_content() for part in mail.walk() if not part.is_multipart())]
            assert not any("4,500" in text for text in read), mail["Subject"]


def test_the_introledger_footer_is_each_members_choice_in_all_mail_sent_for_them(tmp_path, database_url, clock, apps):
    app = make(tmp_path, database_url, clock, dana={"footer": False})
    apps.append(app)
    intro(app, 1, DANA)
    intro(app, 2, MARCO)
    answer(app, 1, "QUALIFIED", DANA[1])
    send_all(app)

    carol = inbox(tmp_path, CAROL[1])
    for subject in ("Thank you for the introduction to Alice 1", "Your intro to Alice 1 is a real prospect"):
        body = carol[subject]
        assert body.count("Dana Whitfield") == 2  # the signature, in the text and the HTML part
        assert "introledger" not in body, subject
    marcos = carol["Thank you for the introduction to Alice 2"]  # Marco keeps the default
    assert "(sent by introledger on Marco's behalf)" in marcos
    assert "Sent by introledger on Marco" in marcos  # and in the HTML part


def test_a_members_mail_settings_follow_the_config_when_it_is_re_read(tmp_path, database_url, clock, apps):
    """SIGHUP re-syncs members (worker/app/reload.py): a member who turns share_value on is heard at once."""
    app = make(tmp_path, database_url, clock)
    apps.append(app)
    intro(app, 1, DANA)
    intro(app, 2, DANA)
    answer(app, 1, "WON $4,500", DANA[1])
    bootstrap.sync_members(app.sessions, app.config.with_members(
        [app.config.settings.members[0].model_copy(update={"share_value": True, "footer": False}),
         app.config.settings.members[1]]))
    answer(app, 2, "WON $1,200", DANA[1])
    send_all(app)
    carol = inbox(tmp_path, CAROL[1])
    assert "4,500" not in carol["Your intro to Alice 1 turned into business"]
    later = carol["Your intro to Alice 2 turned into business"]
    assert "turned into real business ($1,200)." in later and "introledger" not in later


def test_the_reward_is_promised_once_per_referral_and_in_the_introducers_language(tmp_path, database_url, clock,
                                                                                  apps):
    """QA trial: QUALIFIED then WON promised Carol "A $25 gift card is on its way." twice for one
    referral — and in English inside the German mail."""
    app = build_app(tmp_path, database_url, {"INTROLEDGER_TOKEN_SECRET": "s3"}, now=clock,
                    thank_you={"delay_seconds": 0},
                    follow_ups={"reward": {"en": "A $25 gift card is on its way.",
                                           "de": "Ein Gutschein über 25 € ist unterwegs."}},
                    outbound={"transport": "folder", "folder": "sent", "quiet_hours": None, "language": "de",
                              "per_recipient_per_day": 20})
    apps.append(app)
    app.pipeline.process(mailgen.intro(1, lang="de", introducer=CAROL, a=("Alice 1", "alice1@y.example"), b=DANA,
                                       when=app.now()), Origin("file", "1"))
    answer(app, 1, "QUALIFIED", DANA[1])
    send_all(app)
    answer(app, 1, "WON 2000 EUR", DANA[1])
    send_all(app)
    carol = inbox(tmp_path, CAROL[1])
    closed = [body for subject, body in carol.items() if subject.startswith("Aus deinem Kontakt")]
    assert len(closed) == 2, list(carol)
    said = "\n".join(closed)
    assert said.count("Ein Gutschein über 25 € ist unterwegs.") == 2  # once, in the text and the HTML part
    assert "gift card" not in said


def test_a_title_in_an_address_header_is_kept_out_of_the_names_in_our_mail(tmp_path, database_url, clock, apps):
    """Second user trial: 'Thanks for the intro: mevr. Ingrid Jansen', 'Hi Dott. Luca Ferri' — a title in a
    From or To header stayed in the stored name, while a title in the text is dropped before a given name."""
    app = make(tmp_path, database_url, clock)
    apps.append(app)
    raw = mailgen.intro(1, introducer=("Dott. Luca Ferri", "l.ferri@studio.example"),
                        a=("mevr. Ingrid Jansen", "i.jansen@y.example"), b=DANA, when=app.now())
    app.pipeline.process(raw, Origin("file", "1"))
    send_all(app)
    got = inbox(tmp_path, "l.ferri@studio.example")
    assert len(got) == 1, "one thank-you to the introducer"
    text = "\n".join(f"{subject}\n{body}" for subject, body in got.items())
    assert "Ingrid Jansen" in text and "Luca" in text
    assert "mevr." not in text and "Dott." not in text
