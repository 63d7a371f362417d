"""Intros as people write them, and the look-alikes that must stay out (issue 14, point 1).

The phrasings are those of real mail: the Enron messages in tests/data/corpus (source in its
manifest) and the shapes the issue quotes from real intros. Each message goes through the
classifier the pipeline runs (rules.classify), with the corpus' members and tracking address.
"""
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from worker.classify.directory import Directory, MemberRef
from worker.classify.rules import Context, classify
from worker.mail.parse import parse

DANA = MemberRef(1, "Dana Whitfield", frozenset({"dana@danabooks.example"}), frozenset({"danabooks.example"}))
CTX = Context(tracking=frozenset({"intros@example.com"}), directory=Directory((DANA,)))
WHEN = format_datetime(datetime(2026, 11, 2, 10, 14, tzinfo=UTC))


def mail(sender: str, to: str, body: str, subject: str = "Hello", cc: str = "") -> bytes:
    cc_line = f"Cc: {cc}, intros@example.com\n" if cc else "Cc: intros@example.com\n"
    return (f"From: {sender}\nTo: {to}\n{cc_line}Subject: {subject}\nDate: {WHEN}\nMessage-ID: <t@x.example>\n"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}").encode()


def verdict(raw: bytes):
    return classify(parse(raw), CTX)


CAROL = "Carol Jensen <carol@jensen.example>"


@pytest.mark.parametrize("body, to, cc", [
    ("Hi Dana,\n\nI'm copying George and asking him to contact you about the books.\n\nCarol\n",
     "Dana Whitfield <dana@danabooks.example>", "George Abbott <george@abbott.example>"),
    ("Thanks Dana. Looping in Judith, who runs our media team - she needs exactly this.\n\nCarol\n\n"
     "On Mon, Nov 2, 2026 at 9:00 AM Dana Whitfield <dana@danabooks.example> wrote:\n> Happy to help.\n",
     "Dana Whitfield <dana@danabooks.example>", "Judith Kaur <judith@kaur-media.example>"),
    ("Dana - adding Sam here (our new office manager), he'll send you the receipts.\n\nCarol\n",
     "Dana Whitfield <dana@danabooks.example>", "Sam Ortiz <sam@ortiz.example>"),
    ("Hallo Dana,\n\nich nehme Petra in CC, die unsere Buchhaltung macht.\n\nCarol\n",
     "Dana Whitfield <dana@danabooks.example>", "Petra Lang <petra@lang.example>"),
])
def test_a_newcomer_brought_into_a_reply_and_said_who_they_are_is_an_intro(body, to, cc):
    v = verdict(mail(CAROL, to, body, "Re: Spring books", cc))
    assert (v.kind, v.rule) == ("double_intro", "cc_intro"), v.reason
    assert {p.address.email for p in v.intro.parties} == {to.split("<")[1][:-1], cc.split("<")[1][:-1]}
    assert next(p.role for p in v.intro.parties if p.address.email == "dana@danabooks.example") == "provider"


def test_a_newcomer_looped_in_with_no_word_about_them_waits_for_review():
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>", "Looping in Sam.\n\nCarol\n",
                     "Re: Spring books", "Sam Ortiz <sam@ortiz.example>"))
    assert v.kind == "needs_review", v.reason


@pytest.mark.parametrize("body", [
    "Dana, Alice - I put you in touch because Alice needs a bookkeeper.\n\nCarol\n",
    "I thought you two should connect: Alice is opening a second shop and needs a bookkeeper.\n\nCarol\n",
    "Alice, Dana - you'll want to know each other. Alice needs help with her books.\n\nCarol\n",
    "Would love for you two to connect - Alice needs a bookkeeper, Dana is the best I know.\n\nCarol\n",
])
def test_intros_without_the_word_introduce(body):
    v = verdict(mail(CAROL, "Alice Brandt <alice@brandt.example>, Dana Whitfield <dana@danabooks.example>", body))
    assert v.kind == "double_intro", v.reason


@pytest.mark.parametrize("subject, body", [
    ("Alice <> Dana", ""),
    ("Alice <> Dana", "See below.\n"),
    ("Intro: Alice / Dana", "Over to you two.\n"),
    ("Alice (Brandt Bakery) / Dana (Dana Books)", "\n"),
    ("Alice — Dana", "Carol\n"),
])
def test_a_subject_naming_both_people_is_an_intro(subject, body):
    v = verdict(mail(CAROL, "Alice Brandt <alice@brandt.example>, Dana Whitfield <dana@danabooks.example>",
                     body, subject))
    assert v.kind == "double_intro", v.reason


@pytest.mark.parametrize("subject", ["Dana + Raj - floor plan", "Budget / Q3", "Alice <> Bob"])
def test_a_subject_that_names_a_topic_or_other_people_is_no_intro(subject):
    v = verdict(mail(CAROL, "Alice Brandt <alice@brandt.example>, Dana Whitfield <dana@danabooks.example>",
                     "Notes attached.\n", subject))
    assert v.kind == "not_intro", v.reason


@pytest.mark.parametrize("body, name", [
    ("Hi Dana,\n\nmy friend Kirk will be calling you this week about his taxes.\n\nCarol\n", "Kirk"),
    ("Hallo Dana,\n\nich würde dir gern meine Freundin Anna vorstellen, sie sucht eine Buchhalterin. "
     "Ich gebe ihr deine Kontaktdaten.\n\nCarol\n", "Anna"),
    ("Bonjour Dana,\n\nje voudrais te présenter mon amie Anna, qui cherche une comptable. "
     "Je lui ai donné tes coordonnées.\n\nCarol\n", "Anna"),
    ("Hola Dana,\n\nte presento a mi amiga Anna, busca una contable. Le he dado tu contacto.\n\nCarol\n", "Anna"),
    ("Hoi Dana,\n\nik wil je graag voorstellen aan mijn vriendin Anna, ze zoekt een boekhouder. "
     "Ik heb haar je gegevens gegeven.\n\nCarol\n", "Anna"),
    ("Ciao Dana,\n\nti presento la mia amica Anna, cerca una commercialista. Le ho dato il tuo contatto.\n\n"
     "Carol\n", "Anna"),
    ("Dana, I'd like to introduce you to my colleague Ben Ortiz - I gave him your number.\n\nCarol\n",
     "Ben Ortiz"),
])
def test_a_heads_up_to_one_person_in_each_language(body, name):
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>", body))
    assert v.kind == "heads_up", v.reason
    roles = {p.address.email or p.address.name: p.role for p in v.intro.parties}
    assert roles == {"dana@danabooks.example": "provider", name: "prospect"}


def test_naming_someone_without_passing_on_a_contact_waits_for_review():
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>",
                     "Dana, I'd like to introduce you to my friend Anna some day.\n"))
    assert v.kind == "needs_review", v.reason


def test_three_party_intro_logs_both_newcomers_for_the_provider():
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>",
                     "Dana, meet Alice and Ben from Brandt Bakery - they both need a bookkeeper for "
                     "their two shops.\n\nCarol\n", "Intro",
                     "Alice Brandt <alice@brandt.example>, Ben Brandt <ben@brandt.example>"))
    assert v.kind == "double_intro", v.reason
    roles = {p.address.email: p.role for p in v.intro.parties}
    assert roles == {"dana@danabooks.example": "provider", "alice@brandt.example": "prospect",
                     "ben@brandt.example": "prospect"}


TWO = "Alice Brandt <alice@brandt.example>, Dana Whitfield <dana@danabooks.example>"


@pytest.mark.parametrize("sender, body, subject", [
    (CAROL, "Could you introduce me to Bob Lee? I hear he does great books.\n", "Question"),
    (CAROL, "Would love an intro to your accountant if you have a minute.\n", "Question"),
    (CAROL, "Want me to connect you with Sam Ortiz? He did our books last year.\n", "Books"),
    (CAROL, "Happy to introduce you to my accountant if that would help - just say.\n", "Books"),
    # ompi_not_intro_offer_put_in_touch.eml
    (CAROL, "ps. Also have you looked at Bright Cluster Manager?\n\nI can put you in touch with the guys "
     "there\n", "Re: Docker Cluster Queue Manager"),
    # git_not_intro_introduce_myself_to_list.eml
    (CAROL, "Hello, List!\n\nbefore I do I thought I'd introduce myself to the list and find out if "
     "anyone else is interested in this topic.\n", "Git Evolve"),
    ("Alice Brandt <alice@brandt.example>", "Thanks so much for the intro, Carol! Dana, looking forward to "
     "Thursday.\n", "Re: Alice / Dana"),
    (CAROL, "Let me introduce myself: I run a small bakery and need a bookkeeper.\n", "Hello"),
    (CAROL, "Introducing our new spring menu - 20% off for partners this month.\n", "Introducing our spring menu"),
    (CAROL, "FYI - any interest?\n\n---------- Forwarded message ---------\nFrom: Sales <sales@vendor.example>\n"
     "Date: Mon, Nov 2, 2026 at 9:00 AM\nSubject: Introducing our new CRM\nTo: <carol@jensen.example>\n\n"
     "We'd love to introduce our new CRM to your team. Book a demo!\n", "Fwd: Introducing our new CRM"),
])
def test_look_alikes_are_no_referral(sender, body, subject):
    to = TWO if sender == CAROL else f"Dana Whitfield <dana@danabooks.example>, {CAROL}"
    v = verdict(mail(sender, to, body, subject))
    assert v.kind in ("not_intro", "needs_review"), v.reason


def test_a_calendar_invitation_for_an_intro_call_is_no_referral():
    v = verdict(mail(CAROL, TWO, "Join with Google Meet: https://meet.example/abc\n",
                     "Invitation: Intro call Alice / Dana @ Thu Nov 5, 2026 10am - 10:30am (CET)"))
    assert (v.kind, v.rule) == ("not_intro", "invitation"), v.reason


def test_proposing_to_meet_someone_is_no_intro():
    """From enron_not_intro_proposed_to_meet_qp.eml: 'I ... proposed to meet with him', to two people."""
    v = verdict(mail(CAROL, TWO, "Afterwards, I spoke with Mike and proposed to meet with him to discuss "
                                 "bringing the groups together.\n"))
    assert v.kind == "not_intro", v.reason


@pytest.mark.parametrize("body, name", [
    # http://enron-mail.com/email/nemec-g/notes_inbox/Release_for_Expenditure_1.html (its recipients are not
    # published, so the message itself is not in the corpus)
    ("In response to your voice mail today regarding the request to proceed with substation I offer the "
     "following. I spoke with Jim Alexander today who should be in touch with you tomorrow.\n", "Jim Alexander"),
    ("I met Anna Berg yesterday, and she will call you about her books next week.\n", "Anna Berg"),
])
def test_someone_met_today_who_will_get_in_touch_is_a_heads_up(body, name):
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>", body))
    assert v.kind == "heads_up", v.reason
    assert name in {p.address.name for p in v.intro.parties}


def test_a_meeting_named_intro_to_a_topic_is_no_referral():
    """From enron_not_intro_intro_to_turbopark_meeting.eml: four colleagues, 'set up an Intro to TurboPark
    meeting with Rose' is a briefing on a product, no one introduced."""
    v = verdict(mail(CAROL, TWO, "I would still like to set up an Intro to TurboPark\nmeeting with Rose "
                                 "Engeldorf. A meeting with Herman would also be helpful.\n"))
    assert v.kind == "not_intro", v.reason


@pytest.mark.parametrize("body", [
    "Alice, Dana - a quick intro to Alice before the meeting on Thursday: she runs Brandt Bakery.\n",
    "Dana, intro to Alice here - she needs a bookkeeper for the bakery.\n",
])
def test_an_intro_to_a_person_near_a_meeting_is_still_an_intro(body):
    v = verdict(mail(CAROL, TWO, body))
    assert v.kind == "double_intro", v.reason


def test_before_someone_calls_you_is_a_heads_up_with_their_title_left_off():
    """From enron_heads_up_governor_will_call.eml."""
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>",
                     "I wanted to reach you before Governor Tony Knowles from Alaska calls you.\n"))
    assert v.kind == "heads_up", v.reason
    assert "Tony Knowles" in {p.address.name for p in v.intro.parties}


@pytest.mark.parametrize("body, subject", [
    # lkml_not_intro_patch_introduces_helper.eml
    ("This patch introduces a helper to set virtqueue MSI vector.\n\nSigned-off-by: Jason Wang\n",
     "[PATCH V2 05/14] virtio-pci-modern: introduce vp_modern_set_queue_vector()"),
    # the same subject over a body that says nothing of introducing
    ("Signed-off-by: Jason Wang <jasowang@redhat.com>\n---\n drivers/virtio/virtio_pci_modern.c | 35 +++\n",
     "[PATCH V2 05/14] virtio-pci-modern: introduce vp_modern_set_queue_vector()"),
    ("The hang was introduced in commit d110162cafc8, this reverts it.\n", "Re: perf hangs"),
    ("Careful: that would introduce a regression for older firmware.\n", "Re: quirk"),
])
def test_introducing_a_thing_is_no_intro(body, subject):
    v = verdict(mail(CAROL, TWO, body, subject))
    assert v.kind == "not_intro", v.reason


def test_introducing_a_person_by_name_stays_an_intro():
    v = verdict(mail(CAROL, TWO, "Alice, I'd like to introduce Dana, she does the books for half the "
                                 "bakeries in town.\n", "Bakery books"))
    assert v.kind == "double_intro", v.reason


def test_thanks_for_being_cced_is_no_intro_and_no_review():
    """From lkml_not_intro_thanks_for_ccing.eml: the newcomer thanks for the cc, under the quote that
    brought them in; 'cc'ing' is a weak intro cue everywhere else."""
    v = verdict(mail(CAROL, TWO, "On 13/10/06, Alice Brandt <alice@brandt.example> wrote:\n> You should cc "
                                 "Carol for that.\n\nThanks for cc'ing me (I'm still on holiday and not "
                                 "following the mailing list). The problem is the gcc version.\n"))
    assert (v.kind, v.rule) == ("not_intro", "not_intro"), v.reason


# Real list mail (tests/data/corpus/list_intro_*.eml) in a member's words: "so you can connect" says what
# the newcomer is for; "you two should … coordinate" to the one the mail answers and the one named on Cc.
def test_a_newcomer_added_so_you_can_connect_is_an_intro():
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>",
                     "Hello Dana,\n\nAdded Sam to cc so you can connect.\n\nCarol\n", "RE: Spring books",
                     "Sam Ortiz <sam@ortiz.example>"))
    assert (v.kind, v.rule) == ("double_intro", "cc_intro"), v.reason
    assert {p.address.email for p in v.intro.parties} == {"dana@danabooks.example", "sam@ortiz.example"}


PAIR = ("Sam mentioned last week that he is moving his shop's books to a new system, you two should "
        "probably coordinate with each other.\n\nCarol\n\nOn Mon, Nov 2, 2026 at 9:00 AM, Dana Whitfield "
        "<dana@danabooks.example> wrote:\n> I can take on one more client this spring.\n")


def test_two_told_to_coordinate_the_one_on_cc_named_is_an_intro_of_them_alone():
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>, Alice Brandt <alice@brandt.example>",
                     PAIR, "Re: Spring books", "Sam Ortiz <sam@ortiz.example>"))
    assert (v.kind, v.rule) == ("double_intro", "pair_intro"), v.reason
    # "you two": Sam and Dana, whose quote the mail answers; Alice, also on To, is not one of them
    assert {p.address.email for p in v.intro.parties} == {"dana@danabooks.example", "sam@ortiz.example"}


def test_two_on_to_told_to_talk_is_no_pair_intro():
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>, Sam Ortiz <sam@ortiz.example>", PAIR,
                     "Re: Spring books"))
    assert v.rule != "pair_intro" and v.kind != "double_intro", v.reason


def test_a_mailing_list_on_the_mail_is_no_party():
    v = verdict(mail(CAROL, "Dana Whitfield <dana@danabooks.example>, books-users@lists.example.org",
                     "Dana - I've added Sam to Cc. He keeps the books of the bakery.\n\nCarol\n", "Re: Spring books",
                     "Sam Ortiz <sam@ortiz.example>"))
    assert (v.kind, v.rule) == ("double_intro", "cc_intro"), v.reason
    assert {p.address.email for p in v.intro.parties} == {"dana@danabooks.example", "sam@ortiz.example"}
