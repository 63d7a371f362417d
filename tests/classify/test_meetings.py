"""A meeting invitation is no intro; "you two should meet" is (issue 14.1).

"should/must meet" counted as intro language on its own, so "we should meet next week to discuss" or "The
driver should meet the requirements" to two people would have been logged as an intro, as would a calendar
invitation sent as a multipart mail (only a text/calendar message or an English subject was known).
"""
import pytest

from tests.classify.test_intro_shapes import CAROL, WHEN, mail, verdict

DANA = "Dana Whitfield <dana@danabooks.example>"
SAM = "Sam Ortiz <sam@ortiz.example>"
TWO = f"{DANA}, {SAM}"


@pytest.mark.parametrize("body", [
    "Dana, Sam - you two should meet: Sam needs a bookkeeper and Dana is the best I know.",
    "I think you should meet. Sam runs the bakery on Main and needs help with the books.",
    "Dana, I'd like you to meet Sam, who runs the bakery on Main.",
    "Please meet Sam, who runs the bakery on Main - Dana does my books.",
    "Dana and Sam, you must\nmeet: Sam needs a bookkeeper.",
    "I think Dana and Sam should meet - Sam needs a bookkeeper.",
    "Ihr solltet euch unbedingt kennenlernen: Sam braucht eine Buchhalterin.",
    "Vous devriez faire connaissance : Sam cherche une comptable.",
    "Quiero que os conozcáis: Sam busca una contable.",
    "Jullie moeten echt kennismaken: Sam zoekt een boekhouder.",
    "Dovreste conoscervi: Sam cerca una commercialista.",
])
def test_you_two_should_meet_is_an_intro(body):
    v = verdict(mail(CAROL, TWO, f"Hi both,\n\n{body}\n\nCarol\n"))
    assert v.kind == "double_intro", v.reason


@pytest.mark.parametrize("body", [
    # English
    "We should meet next week to discuss the budget.",
    "The driver should meet the requirements of the spec; please check before Friday.",
    "Let's meet on Tuesday at 10 to go over the intro deck.",
    "Can we meet Thursday? I must meet the auditors first.",
    "You must meet the deadline on Friday, both of you.",
    "Please meet me in the lobby at 9.",
    "I think we should get to know each other before the project starts.",
    # German
    "Können wir uns am Dienstag treffen? Ich würde euch gerne persönlich kennenlernen.",
    "Wir sollten uns nächste Woche kennenlernen, am besten im Büro.",
    # French
    "Pouvons-nous nous voir mardi ? Nous pourrions faire connaissance autour d'un café.",
    # Spanish
    "¿Podemos reunirnos el martes? Me gustaría conoceros y quiero que me conozcas mejor.",
    # Dutch
    "Zullen we volgende week kennismaken? Dinsdag om 10 uur past mij goed.",
    # Italian
    "Possiamo vederci martedì? Vorrei conoscervi di persona.",
])
def test_a_meeting_the_writer_proposes_is_no_intro(body):
    v = verdict(mail(CAROL, TWO, f"Hi,\n\n{body}\n\nCarol\n"))
    assert v.kind == "not_intro", v.reason


@pytest.mark.parametrize("subject, body", [
    ("Dana / Sam", "Can we meet Tuesday at 10 to go over the numbers?"),
    ("Hello", "Let's meet Tuesday at 10 in my office. Dana, this is Sam, our new partner."),
    ("Dana <> Sam", "Können wir uns am Dienstag um 10 Uhr treffen?"),
])
def test_names_alone_under_a_proposed_meeting_wait_for_a_person(subject, body):
    """The subject or a "this is" names the two, but no intro words: it may be the writer's own meeting with both."""
    v = verdict(mail(CAROL, TWO, f"Hi,\n\n{body}\n\nCarol\n", subject))
    assert v.kind == "needs_review", v.reason
    assert "proposes a meeting" in v.reason


def invite(subject: str, description: str) -> bytes:
    """A calendar invitation as Google Calendar and Outlook send it: text, then the event as text/calendar."""
    return (f"From: {CAROL}\nTo: {TWO}\nCc: intros@example.com\nSubject: {subject}\nDate: {WHEN}\n"
            "Message-ID: <inv@x.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
            "--b1\nContent-Type: multipart/alternative; boundary=\"b2\"\n\n"
            f"--b2\nContent-Type: text/plain; charset=utf-8\n\n{description}\n\n"
            "--b2\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\n\n"
            "BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nSUMMARY:Dana / Sam\nEND:VEVENT\nEND:VCALENDAR\n"
            "--b2--\n--b1--\n").encode()


@pytest.mark.parametrize("subject, description", [
    # Outlook puts no word before the title: the calendar part says it
    ("Dana / Sam", "Dana, Sam - you two should meet, so here is half an hour. Join Microsoft Teams meeting."),
    ("Updated invitation: Intro call Dana / Sam @ Thu Nov 5, 2026", "Dana, meet Sam."),
    ("Aktualisierte Einladung: Kennenlernen Dana / Sam", "Ich möchte euch miteinander bekannt machen."),
    ("Invitation mise à jour : Dana / Sam", "Je vous présente Sam."),
    ("Invitación actualizada: Dana / Sam", "Os presento: Sam busca una contable."),
    ("Bijgewerkte uitnodiging: Dana / Sam", "Graag stel ik jullie aan elkaar voor."),
    ("Invito aggiornato: Dana / Sam", "Vorrei presentarvi: Sam cerca una commercialista."),
])
def test_a_calendar_invitation_is_no_intro(subject, description):
    v = verdict(invite(subject, description))
    assert (v.kind, v.rule) == ("not_intro", "invitation"), v.reason


@pytest.mark.parametrize("subject", ["Einladung: Dana / Sam", "Abgesagt: Dana / Sam", "Geannuleerd: Dana / Sam",
                                     "Annullato: Dana / Sam", "Accepted: Dana / Sam"])
def test_an_invitation_subject_alone_says_it_is_a_meeting(subject):
    v = verdict(mail(CAROL, TWO, "Dana, meet Sam.\n", subject))
    assert (v.kind, v.rule) == ("not_intro", "invitation"), v.reason


def test_an_ics_file_sent_as_bytes_is_an_invitation():
    """Some clients attach the event as invite.ics, application/octet-stream, under a subject of their own."""
    raw = invite("Dana / Sam", "Dana, Sam - you two should meet.").replace(
        b"Content-Type: text/calendar; charset=utf-8; method=REQUEST",
        b'Content-Type: application/octet-stream; name="invite.ics"\nContent-Disposition: attachment; '
        b'filename="invite.ics"')
    v = verdict(raw)
    assert (v.kind, v.rule) == ("not_intro", "invitation"), v.reason
