"""Mail goes out in its recipient's language, through the whole program: an intro or a reply is
read, its writer's language remembered, and the thank-you, follow-up or confirmation written in
it (SQLite, folder transport: the bytes an SMTP server would be handed)."""
from email import message_from_bytes, policy
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from models import OutboxMessage, Partner, Person
from tests.cli.test_cli import cli
from tests.conftest import MEMBERS, build_app
from worker.app import bootstrap
from worker.inbound.pipeline import Origin
from worker.outbound.language import for_address

DANA = "dana@danabooks.example"


def german_intro(clock, n: int = 1) -> bytes:
    return (f"From: Jürgen Bäcker <juergen@baeckerei-koeln.example>\nTo: Dana Whitfield <{DANA}>, "
            f"Anna Schröder <anna@schroeder-design.example>\nCc: intros@example.com\n"
            f"Subject: Vorstellung: Anna <> Dana\nMessage-ID: <vorstellung{n}@baeckerei-koeln.example>\n"
            f"Date: {format_datetime(clock.current)}\nContent-Type: text/plain; charset=utf-8\n\n"
            "Hallo Dana, hallo Anna,\n\nich möchte euch gern miteinander bekannt machen. Anna sucht eine "
            "Buchhalterin für ihr Designbüro, und Dana ist die Beste, die ich kenne. Meldet euch doch "
            "direkt bei einander.\n\nViele Grüße\nJürgen\n").encode()


def english_intro(clock) -> bytes:
    return (f"From: Carol Jensen <carol@x.example>\nTo: Dana Whitfield <{DANA}>, Alice Brook <alice@y.example>\n"
            f"Cc: intros@example.com\nSubject: Intro: Alice <> Dana\nMessage-ID: <intro1@x.example>\n"
            f"Date: {format_datetime(clock.current)}\n\nAlice, meet Dana. Dana is the bookkeeper I told you "
            "about, and Alice is looking for help with her books this spring. I think you two should talk.\n\n"
            "Best,\nCarol\n").encode()


@pytest.fixture
def make(tmp_path, clock):
    built = []

    def build(dana=None, **outbound):
        members = [{**MEMBERS[0], **(dana or {})}, MEMBERS[1]]
        app = build_app(tmp_path, f"sqlite:///{tmp_path / 'test.db'}", {"INTROLEDGER_TOKEN_SECRET": "s3"},
                        now=clock, members=members, thank_you={"delay_seconds": 0},
                        outbound={"transport": "folder", "folder": "sent", "quiet_hours": None, **outbound})
        built.append(app)
        return app

    yield build
    for app in built:
        app.engine.dispose()


def send_all(app) -> None:
    outbound = bootstrap.build_outbound(app)
    with app.sessions() as s:
        ids = s.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "queued")).all()
    assert {outbound.deliverer.deliver(i) for i in ids} <= {"sent"}
    outbound.close()


def received(tmp_path, to: str) -> list:
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted((tmp_path / "sent").iterdir())]
    return [m for m in mails if to in m["To"]]


def test_a_german_intro_gets_a_german_thank_you_and_an_english_one_an_english(make, tmp_path, clock):
    app = make()
    app.pipeline.process(german_intro(clock), Origin("file", "1"))
    app.pipeline.process(english_intro(clock), Origin("file", "2"))
    send_all(app)
    [danke] = received(tmp_path, "juergen@baeckerei-koeln.example")
    assert danke["Subject"] == "Danke für den Kontakt zu Anna Schröder"
    text = danke.get_body(("plain",)).get_content()
    assert text.startswith("Hallo Jürgen,\n\nvielen Dank, dass du mich mit Anna Schröder bekannt gemacht hast")
    assert "Herzliche Grüße\nDana" in text
    assert '<html lang="de">' in danke.get_body(("html",)).get_content()
    [thanks] = received(tmp_path, "carol@x.example")
    assert thanks["Subject"] == "Thank you for the introduction to Alice Brook"


def test_a_members_setting_holds_until_they_answer_us_in_another_language(make, clock):
    app = make(dana={"language": "de"})
    app.pipeline.process(english_intro(clock), Origin("file", "1"))  # written to Dana, not by her
    clock.advance(days=8)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    with app.sessions() as s:
        follow_up = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "follow_up"))
    assert follow_up.subject == "Wie lief der Kontakt mit Alice Brook? [ref R1]"
    assert "GEWONNEN 4.500 €" in follow_up.text_body
    # Dana answers us in English, in words enough to tell: her own mail to us beats her setting.
    reply = (f"From: Dana Whitfield <{DANA}>\nTo: {follow_up.reply_to}\nSubject: Re: {follow_up.subject}\n"
             f"In-Reply-To: <{follow_up.message_id}>\nMessage-ID: <answer1@danabooks.example>\n\n"
             "We met last week and it went really well, thanks for asking!\n").encode()
    app.pipeline.process(reply, Origin("file", "2"))
    with app.sessions() as s:
        note = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "status_confirmation"))
        assert s.scalar(select(Person.language).where(Person.email == DANA)) == "en"
    assert note.subject == "Noted: you and Alice Brook have met [ref R1]"


def test_a_members_own_intro_does_not_tell_their_language(make, clock):
    app = make(dana={"language": "de"})
    intro = (f"From: Dana Whitfield <{DANA}>\nTo: Carol Jensen <carol@x.example>, Ray Diaz <ray@z.example>\n"
             f"Cc: intros@example.com\nSubject: Intro: Carol <> Ray\nMessage-ID: <given1@danabooks.example>\n"
             f"Date: {format_datetime(clock.current)}\n\nCarol, meet Ray. Ray is the architect I told you about, "
             "and I think the two of you should talk about the new studio.\n\nBest,\nDana\n").encode()
    app.pipeline.process(intro, Origin("file", "1"))
    with app.sessions() as s:
        assert s.scalar(select(Person.language).where(Person.email == DANA)) is None
        assert for_address(s, DANA, "en").language == "de"


def test_what_someone_wrote_beats_their_partner_setting_which_beats_the_default(make, clock):
    app = make(language="nl")
    app.pipeline.process(german_intro(clock), Origin("file", "1"))
    with app.sessions.begin() as s:
        juergen = s.scalar(select(Person).where(Person.email == "juergen@baeckerei-koeln.example"))
        assert juergen.language == "de"
        partner = s.get(Partner, juergen.partner_id)
        partner.language = "it"
        assert for_address(s, juergen.email, "nl").reason == "they wrote to us in de"
        juergen.language = None
        assert for_address(s, juergen.email, "nl").language == "it"
        partner.language = None
        assert for_address(s, juergen.email, "nl").language == "nl"
        assert for_address(s, "nobody@nowhere.example", "nl").language == "nl"


def test_templates_preview_shows_a_language(tmp_path):
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    out = cli("templates", "preview", "follow_up", "--lang", "de", cwd=tmp_path).stdout
    assert out.startswith("Subject: Wie lief der Kontakt mit Alice Moreno? [ref R12]\n")
    # a reader who has not shown their register gets "Sie" (worker/core/locales.py WHEN_UNKNOWN)
    assert "am 2. November 2026 hat Carol Jensen Sie mit Alice Moreno bekannt gemacht" in out
    informal = cli("templates", "preview", "follow_up", "--lang", "de", "--register", "informal", cwd=tmp_path).stdout
    assert "am 2. November 2026 hat Carol Jensen dich mit Alice Moreno bekannt gemacht" in informal
    assert "GEWONNEN 4.500 €" in out
    english = cli("templates", "preview", "follow_up", cwd=tmp_path).stdout
    assert "How did the intro to Alice Moreno go?" in english
    assert cli("templates", "preview", "follow_up", "--lang", "pt", cwd=tmp_path, ok=False).returncode == 2


def test_a_partners_language_is_set_by_hand_and_shown(tmp_path):
    import json

    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    cli("db", "upgrade", cwd=tmp_path)
    added = json.loads(cli("partners", "add", "Anaïs Girard", "--email", "anais@girard.example", "--language", "fr",
                           "--json", cwd=tmp_path).stdout)
    assert added["language"] == "fr"
    edited = json.loads(cli("partners", "edit", str(added["id"]), "--language", "it", "--json", cwd=tmp_path).stdout)
    assert edited["language"] == "it"
    assert cli("partners", "edit", str(added["id"]), "--language", "pt", cwd=tmp_path, ok=False).returncode == 2


def intro_by(clock, language: str, body: str, n: int) -> bytes:
    return (f"From: Zoë Åkesson <zoe{n}@akesson.example>\nTo: Dana Whitfield <{DANA}>, "
            f"Anna Schröder <anna@schroeder-design.example>\nCc: intros@example.com\n"
            f"Subject: Anna <> Dana\nMessage-ID: <register{n}@akesson.example>\n"
            f"Date: {format_datetime(clock.current)}\nContent-Type: text/plain; charset=utf-8\n\n{body}").encode()


# An intro written formally and one written informally, and how the thank-you to each begins.
REGISTERED = {
    "de": ("Sehr geehrte Frau Whitfield, sehr geehrte Frau Schröder,\n\ngerne möchte ich Sie miteinander bekannt "
           "machen. Frau Schröder sucht eine Buchhalterin für ihr Designbüro, und Frau Whitfield ist die Beste, die "
           "ich kenne.\n\nMit freundlichen Grüßen\nZoë Åkesson\n",
           "Hallo Dana, hallo Anna,\n\nich möchte euch gern miteinander bekannt machen. Anna sucht eine "
           "Buchhalterin für ihr Designbüro, und Dana ist die Beste, die ich kenne. Meldet euch doch direkt bei "
           "einander.\n\nViele Grüße\nZoë\n",
           "Guten Tag Zoë Åkesson,\n\nvielen Dank, dass Sie mich mit Anna Schröder bekannt gemacht haben",
           "Hallo Zoë,\n\nvielen Dank, dass du mich mit Anna Schröder bekannt gemacht hast"),
    "fr": ("Madame, Madame,\n\nje me permets de vous présenter l'une à l'autre : Madame Schröder cherche une "
           "comptable pour son agence, et Madame Whitfield est la meilleure que je connaisse.\n\nBien "
           "cordialement,\nZoë Åkesson\n",
           "Salut Dana, salut Anna,\n\nje vous présente l'une à l'autre : Anna cherche une comptable pour son "
           "agence, et Dana est la meilleure que je connaisse. Je te laisse l'appeler, Dana !\n\nBises,\nZoë\n",
           "Bonjour Zoë Åkesson,\n\nMerci pour la mise en relation avec Anna Schröder — j'apprécie vraiment que "
           "vous ayez",
           "Bonjour Zoë,\n\nMerci pour la mise en relation avec Anna Schröder — j'apprécie vraiment que tu aies"),
    "es": ("Estimada Sra. Whitfield, estimada Sra. Schröder:\n\nMe permito ponerlas en contacto. La Sra. Schröder "
           "busca una contable para su estudio de diseño, y la Sra. Whitfield es la mejor que conozco.\n\n"
           "Atentamente,\nZoë Åkesson\n",
           "Hola Dana, hola Anna:\n\nOs presento: Anna busca una contable para su estudio de diseño, y Dana es la "
           "mejor que conozco. Dana, te paso su número.\n\nUn abrazo,\nZoë\n",
           "Buenos días, Zoë Åkesson:\n\nMuchas gracias por presentarme a Anna Schröder. Le agradezco mucho que haya",
           "Hola, Zoë:\n\nGracias por presentarme a Anna Schröder. Me alegra mucho que hayas"),
    "nl": ("Geachte mevrouw Whitfield, geachte mevrouw Schröder,\n\nGraag breng ik u met elkaar in contact. Mevrouw "
           "Schröder zoekt een boekhouder voor haar ontwerpbureau, en mevrouw Whitfield is de beste die ik ken.\n\n"
           "Met vriendelijke groet,\nZoë Åkesson\n",
           "Hoi Dana, hoi Anna,\n\nIk wil jullie graag aan elkaar voorstellen. Anna zoekt een boekhouder voor haar "
           "ontwerpbureau, en Dana is de beste die ik ken. Dana, ik geef Anna je nummer.\n\nGroetjes,\nZoë\n",
           "Beste Zoë Åkesson,\n\nHartelijk dank dat u mij met Anna Schröder in contact heeft gebracht",
           "Hallo Zoë,\n\nBedankt dat je me met Anna Schröder in contact hebt gebracht"),
    "it": ("Gentile dottoressa Whitfield, gentile signora Schröder,\n\nmi permetto di metterVi in contatto: la signora "
           "Schröder cerca una commercialista per il suo studio di design, e la dottoressa Whitfield è la migliore che "
           "conosca.\n\nCordiali saluti,\nZoë Åkesson\n",
           "Ciao Dana, ciao Anna,\n\nvi presento: Anna cerca una commercialista per il suo studio di design, e Dana è "
           "la migliore che conosca. Dana, ti passo il suo numero.\n\nUn abbraccio,\nZoë\n",
           "Gentile Zoë Åkesson,\n\nLa ringrazio per avermi fatto conoscere Anna Schröder",
           "Ciao Zoë,\n\ngrazie per avermi fatto conoscere Anna Schröder"),
}


@pytest.mark.parametrize("language", sorted(REGISTERED))
def test_a_formal_introducer_is_thanked_formally_and_an_informal_one_informally(make, tmp_path, clock, language):
    formal, informal, thanked_formally, thanked_informally = REGISTERED[language]
    app = make()
    app.pipeline.process(intro_by(clock, language, formal, 1), Origin("file", "1"))
    app.pipeline.process(intro_by(clock, language, informal, 2), Origin("file", "2"))
    send_all(app)
    [to_formal] = received(tmp_path, "zoe1@akesson.example")
    [to_informal] = received(tmp_path, "zoe2@akesson.example")
    assert to_formal.get_body(("plain",)).get_content().startswith(thanked_formally)
    assert to_informal.get_body(("plain",)).get_content().startswith(thanked_informally)
    with app.sessions() as s:
        assert for_address(s, "zoe1@akesson.example", "en").register_reason == "they wrote to us formally"


def test_a_member_nobody_knows_is_asked_formally_until_she_writes_informally(make, clock):
    app = make(dana={"language": "de"})
    app.pipeline.process(english_intro(clock), Origin("file", "1"))
    clock.advance(days=8)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    with app.sessions() as s:
        follow_up = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "follow_up"))
    assert "hat Carol Jensen Sie mit Alice Brook bekannt gemacht" in follow_up.text_body
    reply = (f"From: Dana Whitfield <{DANA}>\nTo: {follow_up.reply_to}\nSubject: Re: {follow_up.subject}\n"
             f"In-Reply-To: <{follow_up.message_id}>\nMessage-ID: <antwort1@danabooks.example>\n"
             "Content-Type: text/plain; charset=utf-8\n\n"
             "Wir haben uns letzte Woche getroffen, danke dir für die Nachfrage!\n").encode()
    app.pipeline.process(reply, Origin("file", "2"))
    with app.sessions() as s:
        note = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "status_confirmation"))
    assert note.subject == "Notiert: Du und Alice Brook habt euch getroffen [ref R1]"


def test_the_example_answer_is_in_the_members_currency(make, clock):
    """Second user trial: 'WON $4,500' as the example answer to a member who counts in EUR (members[].currency)."""
    app = make(dana={"currency": "EUR"})
    app.pipeline.process(english_intro(clock), Origin("file", "1"))
    clock.advance(days=8)
    with app.sessions.begin() as s:
        app.followups.materialize(s)
    with app.sessions() as s:
        follow_up = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "follow_up"))
    assert "WON €4,500" in follow_up.text_body and "WON €4,500" in follow_up.html_body
    assert "$" not in follow_up.text_body
