"""Intros a user trial wrote that we missed (issue 14, point 1), and the look-alikes beside them.

No published mail of these shapes was found (the search covered the Enron pages and public list
archives): the messages here are written for the test, in the words the trial's users wrote. The
real mail of the cc-intro shape is in tests/data/corpus (list_cc_intro_*.eml, source in its manifest).
Pure classification: each message goes through rules.classify with the corpus' members.
"""
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from worker.classify.directory import Directory, MemberRef
from worker.classify.explain import explain
from worker.classify.rules import Context, ThreadMatch, classify
from worker.mail.parse import parse

DANA = MemberRef(1, "Dana Whitfield", frozenset({"dana@danabooks.example"}), frozenset({"danabooks.example"}))
MARCO = MemberRef(2, "Marco Rossi", frozenset({"marco@rossi-marketing.example"}), frozenset())
CTX = Context(tracking=frozenset({"intros@example.com"}), directory=Directory((DANA, MARCO)))
WHEN = format_datetime(datetime(2026, 11, 2, 10, 14, tzinfo=UTC))
CAROL = "Carol Jensen <carol@jensen.example>"
DANA_TO = "Dana Whitfield <dana@danabooks.example>"
SARAH = "Sarah Cole <sarah@colecakes.example>"
RAJ = "Raj Mehta <raj@mehta-architects.example>"


def mail(sender: str, to: str, body: str, subject: str = "Hello", cc: str = "") -> bytes:
    cc_line = f"Cc: {cc}, intros@example.com\n" if cc else "Cc: intros@example.com\n"
    return (f"From: {sender}\nTo: {to}\n{cc_line}Subject: {subject}\nDate: {WHEN}\nMessage-ID: <t@x.example>\n"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}").encode()


def verdict(raw: bytes, ctx: Context = CTX):
    return classify(parse(raw), ctx)


def roles(v) -> dict[str, str]:
    return {p.address.email or p.address.name: p.role for p in v.intro.parties}


@pytest.mark.parametrize("to, body, provider, prospect", [
    (f"{SARAH}, {DANA_TO}", "Sarah, this is Dana, my bookkeeper. Dana, Sarah is opening a second bakery and "
     "needs someone to sort out her books before January.\n\nCarol\n", "dana@danabooks.example",
     "sarah@colecakes.example"),
    (f"{SARAH}, {RAJ}", "Hi both,\n\nSarah, this is Raj, the architect who did our loft. Raj, Sarah is looking for "
     "someone to redo her shop front.\n\nCarol\n", "raj@mehta-architects.example", "sarah@colecakes.example"),
    (f"{SARAH}, {DANA_TO}", "Hi Sarah,\n\nhere's Dana, the bookkeeper I mentioned on Friday. She did our books "
     "for years. I'll let you two take it from here!\n\nCarol\n", "dana@danabooks.example",
     "sarah@colecakes.example"),
    (f"{SARAH}, {DANA_TO}", "Sarah - here's Dana (the bookkeeper I mentioned).\n\nCarol\n", "dana@danabooks.example",
     "sarah@colecakes.example"),
    (f"{SARAH}, {DANA_TO}", "Sarah, das ist Dana, meine Buchhalterin. Dana, Sarah sucht jemanden für ihre "
     "Buchhaltung.\n\nCarol\n", "dana@danabooks.example", "sarah@colecakes.example"),
])
def test_two_people_presented_by_name_without_the_word_introduce(to, body, provider, prospect):
    v = verdict(mail(CAROL, to, body))
    assert v.kind == "double_intro", v.reason
    assert roles(v) == {provider: "provider", prospect: "prospect"}


@pytest.mark.parametrize("sender, to, body", [
    # a cold mail: the writer says who she is herself
    ("Anna Berg <anna@berg-cleaning.example>", f"{SARAH}, {RAJ}",
     "Hi Sarah, this is Anna from Berg Cleaning - we clean offices in your area. Any interest?\n"),
    # the person named is no one on the mail
    (CAROL, f"{SARAH}, {RAJ}", "Sarah, this is Tom's number if you need a plumber: 555-0102.\n"),
    (CAROL, f"{SARAH}, {RAJ}", "Raj, here's Tom, who fixed our roof - if you ever need him.\n"),
    # a thank-you first
    (CAROL, f"{SARAH}, {RAJ}", "Thanks for the intro last week! Sarah, this is Raj, my husband.\n"),
])
def test_a_name_after_this_is_that_is_no_intro(sender, to, body):
    assert verdict(mail(sender, to, body)).kind in ("not_intro", "needs_review")


@pytest.mark.parametrize("body", [
    "Hi Dana,\n\nI gave your number to my neighbor Luis - his restaurant needs a bookkeeper. He'll call you "
    "this week.\n\nCarol\n",
    "Hallo Dana,\n\nich habe meinem Nachbarn Luis deine Nummer gegeben, er wird dich diese Woche anrufen.\n\nCarol\n",
    "Bonjour Dana,\n\nj'ai donné ton numéro à mon voisin Luis, il va t'appeler cette semaine.\n\nCarol\n",
    "Hola Dana,\n\nle di tu número a mi vecino Luis, te llamará esta semana.\n\nCarol\n",
    "Hoi Dana,\n\nik heb je nummer aan mijn buurman Luis gegeven, hij belt je deze week.\n\nCarol\n",
    "Ciao Dana,\n\nho dato il tuo numero al mio vicino Luis, ti chiamerà questa settimana.\n\nCarol\n",
])
def test_a_contact_passed_on_to_a_named_newcomer_is_a_heads_up(body):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {"dana@danabooks.example": "provider", "Luis": "prospect"}
    assert v.intro.direction == "received"


ANNA = "Anna Lang <anna@lang-moebel.example>"


@pytest.mark.parametrize("body", [
    "Hallo Dana,\n\nich habe Anna mal in CC genommen, sie sucht eine Buchhalterin für ihre Werkstatt.\n\nCarol\n",
    "Hallo Dana,\n\nich hab Anna mal in CC genommen - sie kümmert sich bei uns um die Finanzen.\n\nCarol\n",
    "Hallo Dana,\n\nich setze Anna in CC, die unsere Buchhaltung übernehmen soll.\n\nCarol\n",
    "Bonjour Dana,\n\nj'ai mis Anna en copie, elle cherche une comptable pour son atelier.\n\nCarol\n",
    "Hola Dana,\n\nhe puesto a Anna en copia, ella lleva las cuentas de la tienda.\n\nCarol\n",
    "Hoi Dana,\n\nik heb Anna in de cc gezet, zij zoekt een boekhouder.\n\nCarol\n",
    "Ciao Dana,\n\nho messo Anna in copia, lei cerca una commercialista.\n\nCarol\n",
    "Hi Dana,\n\nI've cc'd Anna, who runs the books at the workshop.\n\nCarol\n",
    "Hi Dana,\n\nLooping in Anna. She runs the books at the workshop and has questions for you.\n\nCarol\n",
])
def test_a_newcomer_put_on_cc_in_each_language_is_an_intro(body):
    v = verdict(mail(CAROL, DANA_TO, body, "Re: Books", ANNA))
    assert (v.kind, v.rule) == ("double_intro", "cc_intro"), v.reason
    assert roles(v) == {"dana@danabooks.example": "provider", "anna@lang-moebel.example": "prospect"}


@pytest.mark.parametrize("body", [
    "Hallo Dana,\n\nich habe Anna mal in CC genommen.\n\nCarol\n",
    "Bonjour Dana,\n\nj'ai mis Anna en copie.\n\nCarol\n",
])
def test_a_newcomer_put_on_cc_with_no_word_about_them_waits_for_review(body):
    assert verdict(mail(CAROL, DANA_TO, body, "Re: Books", ANNA)).kind == "needs_review"


def test_a_cc_intro_in_a_long_thread_introduces_the_newcomer_to_the_one_it_is_to():
    cc = ", ".join([ANNA, "Sam Ortiz <sam@ortiz.example>", "Lena Fischer <lena@fischer.example>",
                    "Ben Okafor <ben@okafor.example>", "Team <team@jensen.example>"])
    v = verdict(mail(CAROL, DANA_TO, "Adding Anna to Cc as the one who keeps our books.\n", "Re: Books", cc))
    assert v.rule == "cc_intro", v.reason
    assert set(roles(v)) == {"dana@danabooks.example", "anna@lang-moebel.example"}


def test_a_newcomer_brought_into_a_logged_intros_thread_is_a_new_intro():
    raw = mail(SARAH, DANA_TO, "Dana, I'm copying Anna, who does the books "
               "for my sister's shop.\n\nSarah\n", "Re: Intro", ANNA)
    people = frozenset({"dana@danabooks.example", "sarah@colecakes.example", "carol@jensen.example"})
    thread = ThreadMatch(3, "replies to <i@x>, part of referral #3", parties=people)
    v = verdict(raw, Context(tracking=CTX.tracking, directory=CTX.directory, thread=thread))
    assert (v.kind, v.rule) == ("double_intro", "cc_intro"), v.reason
    assert "thread of referral #3" in v.reason
    # Anna is already one of the referral's people: a reply in its thread, as before
    known = ThreadMatch(3, thread.how, parties=thread.parties | {"anna@lang-moebel.example"})
    assert verdict(raw, Context(tracking=CTX.tracking, directory=CTX.directory, thread=known)).kind == "thread_reply"


def test_a_newcomer_in_a_thread_is_brought_in_for_its_parties_not_for_its_introducer():
    """Sarah's reply-all to Carol's intro of her and Dana names no one but the newcomer: Anna is brought in for
    Dana, not for Carol, who made the first intro and is To as a reply-all keeps her (user trial 2)."""
    raw = mail(SARAH, f"{DANA_TO}, {CAROL}", "Adding Anna, who does the books for my sister's shop.\n\nSarah\n",
               "Re: Intro", ANNA)
    people = frozenset({"dana@danabooks.example", "sarah@colecakes.example", "carol@jensen.example"})
    thread = ThreadMatch(3, "replies to <i@x>, part of referral #3", parties=people, introducer="carol@jensen.example")
    v = verdict(raw, Context(tracking=CTX.tracking, directory=CTX.directory, thread=thread))
    assert (v.kind, v.rule) == ("double_intro", "cc_intro"), v.reason
    assert set(roles(v)) == {"dana@danabooks.example", "anna@lang-moebel.example"}


ROLE_SWAP = ("Raj, meet Dana. Dana is looking for an architect for her new office. Dana, Raj is the architect "
             "who did our loft.\n\nCarol\n")


def test_a_member_who_is_the_client_is_the_prospect_and_the_business_goes_to_the_other():
    v = verdict(mail(CAROL, f"{RAJ}, {DANA_TO}", ROLE_SWAP, "Intro"))
    assert v.kind == "double_intro", v.reason
    assert roles(v) == {"raj@mehta-architects.example": "provider", "dana@danabooks.example": "prospect"}
    assert (v.intro.direction, v.intro.member_id) == ("partner", DANA.id)  # no member's business, on Dana's ledger


def test_a_member_introducing_a_member_client_to_a_provider_has_given_it():
    v = verdict(mail("Marco Rossi <marco@rossi-marketing.example>", f"{RAJ}, {DANA_TO}", ROLE_SWAP, "Intro"))
    assert roles(v)["raj@mehta-architects.example"] == "provider"
    assert (v.intro.direction, v.intro.member_id) == ("given", MARCO.id)


@pytest.mark.parametrize("body", [
    # the old reading holds where the text is not clear: a member on the mail is the provider
    "Sam, meet Dana. Dana needs no introduction - best bookkeeper in town. Sam runs the bakery on Main.\n",
    "Sam, meet Dana! Dana Whitfield is my bookkeeper. Sam, I told Dana you'd probably want to meet at the shop.\n",
])
def test_a_member_stays_the_provider_unless_the_text_clearly_says_otherwise(body):
    v = verdict(mail(CAROL, f"Sam Ortiz <sam@ortiz.example>, {DANA_TO}", body, "Intro"))
    assert roles(v)["dana@danabooks.example"] == "provider"
    assert v.intro.direction == "received"


def test_explain_shows_the_new_cues():
    cues = explain(parse(mail(CAROL, f"{SARAH}, {DANA_TO}", "Sarah, this is Dana, my bookkeeper. I gave your "
                                                               "number to my friend Luis. Looping in Anna, who "
                                                               "runs it.\n", cc=ANNA)), CTX).cues
    assert cues["presented by name"] == "Sarah, this is Dana"
    assert cues["contact passed on"] == "gave your number to my friend Luis"
    assert cues["brought in"].startswith("Looping in Anna, w")
