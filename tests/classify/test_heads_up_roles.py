"""A heads-up whose one recipient is the client (issue 14, point 1, after 3fbcebb): "Hi Dana, my plumber
Luis will call you about your leak" makes Luis the provider and Dana the prospect, and — as for a member
who is the client in a double intro — the referral is not 'received' (partner, or given by a member), so no
thank-you goes out for it (worker/followups/thanks.py thanks only what a member received). Where the words
do not say so, or say the newcomer needs something ("my friend Kirk needs a plumber, he'll call you"), the
recipient stays the provider. Pure classification, the corpus' members (tests/classify/test_trial_shapes.py).
"""
import pytest

from tests.classify.test_trial_shapes import CAROL, CTX, DANA, DANA_TO, MARCO, SARAH, mail, roles, verdict
from worker.classify.explain import explain
from worker.mail.parse import parse

DANA_EMAIL = "dana@danabooks.example"


@pytest.mark.parametrize("body, name", [
    ("Hi Dana, my plumber Luis will call you about your leak.\n\nCarol\n", "Luis"),
    ("Hi Dana,\n\nI've passed your details to my accountant Marta, she'll be in touch.\n\nCarol\n", "Marta"),
    ("Hi Dana,\n\nI gave your number to Luis, my plumber - he'll call you about the leak.\n\nCarol\n", "Luis"),
    ("Hi Dana,\n\nyou were looking for a plumber - I gave your number to my friend Luis, he'll call you this "
     "week.\n\nCarol\n", "Luis"),
    ("Hi Dana, my plumber Luis will call you tomorrow. Let me know if you need anything!\n\nCarol\n", "Luis"),
    ("Hallo Dana,\n\nmein Klempner Luis wird dich wegen des Wasserschadens anrufen.\n\nCarol\n", "Luis"),
    ("Hallo Dana,\n\nich habe meiner Steuerberaterin Marta deine Nummer gegeben, sie wird dich anrufen.\n\nCarol\n",
     "Marta"),
    ("Hallo Dana,\n\ndu suchst eine Steuerberaterin - ich habe Marta deine Nummer gegeben.\n\nCarol\n", "Marta"),
    ("Bonjour Dana,\n\nj'ai donné ton numéro à mon plombier Luis, il va t'appeler pour la fuite.\n\nCarol\n", "Luis"),
    ("Hola Dana,\n\nle di tu número a mi fontanero Luis, te llamará por la fuga.\n\nCarol\n", "Luis"),
    ("Hoi Dana,\n\nik heb je nummer aan mijn loodgieter Luis gegeven, hij belt je morgen.\n\nCarol\n", "Luis"),
    ("Ciao Dana,\n\nho dato il tuo numero alla mia commercialista Marta, ti chiamerà domani.\n\nCarol\n", "Marta"),
])
def test_a_named_provider_makes_the_one_recipient_the_client(body, name):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "prospect", name: "provider"}
    # Carol is no member: no member's business moves, on Dana's ledger all the same; no thank-you from Dana
    assert (v.intro.direction, v.intro.member_id) == ("partner", DANA.id)
    assert f"{name} is the provider, {DANA_EMAIL} the client" in v.reason


def test_a_member_sending_their_client_to_a_provider_has_given_it():
    v = verdict(mail("Marco Rossi <marco@rossi-marketing.example>", DANA_TO,
                     "Hi Dana, my accountant Marta will call you about the audit.\n\nMarco\n"))
    assert roles(v) == {DANA_EMAIL: "prospect", "Marta": "provider"}
    assert (v.intro.direction, v.intro.member_id) == ("given", MARCO.id)


def test_a_client_who_is_no_member_is_the_prospect_of_no_ones_ledger():
    v = verdict(mail(CAROL, SARAH, "Hi Sarah, my accountant Marta will call you about your taxes.\n\nCarol\n"))
    assert roles(v) == {"sarah@colecakes.example": "prospect", "Marta": "provider"}
    assert (v.intro.direction, v.intro.member_id) == ("partner", None)


@pytest.mark.parametrize("body, name", [
    # the newcomer needs something: the recipient is the provider, as before
    ("Hi Dana,\n\nmy friend Kirk needs a bookkeeper. Kirk will call you tomorrow.\n\nCarol\n", "Kirk"),
    ("Hi Dana,\n\nI gave your number to my accountant Marta - her bakery needs a bookkeeper. She'll call "
     "you.\n\nCarol\n", "Marta"),
    ("Hi Dana, my plumber Luis will call you - he's looking for a bookkeeper for his business.\n\nCarol\n", "Luis"),
    ("Hallo Dana,\n\nich habe meinem Klempner Luis deine Nummer gegeben, er sucht eine Buchhalterin.\n\nCarol\n",
     "Luis"),
    ("Bonjour Dana,\n\nj'ai donné ton numéro à mon plombier Luis, il cherche une comptable.\n\nCarol\n", "Luis"),
    # looking for clients is a provider's need
    ("Hi Dana,\n\nyou were looking for new clients, so I gave your number to my friend Luis. He'll call "
     "you.\n\nCarol\n", "Luis"),
    # the trade is someone else's: Kirk, who will call, is not said to do the work
    ("Hi Dana, Kirk will call you - my plumber Luis gave him your name.\n\nCarol\n", "Kirk"),
    # a friend, a neighbour: no trade, no need of Dana's
    ("Hi Dana,\n\nI gave your number to my neighbor Luis. He'll call you this week.\n\nCarol\n", "Luis"),
])
def test_the_recipient_stays_the_provider_unless_the_words_say_otherwise(body, name):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", name: "prospect"}
    assert (v.intro.direction, v.intro.member_id) == ("received", DANA.id)
    assert "the client" not in v.reason


def test_the_friend_who_needs_a_plumber_stays_a_prospect_for_review():
    # no name will get in touch: a person checks it, Dana the provider as before
    v = verdict(mail(CAROL, DANA_TO, "Hi Dana, my friend Kirk needs a plumber, he'll call you.\n\nCarol\n"))
    assert v.kind == "needs_review", v.reason
    assert roles(v) == {DANA_EMAIL: "provider"} and v.intro.direction == "received"


def test_explain_shows_who_is_named_the_provider_and_why():
    got = explain(parse(mail(CAROL, DANA_TO, "Hi Dana, my plumber Luis will call you about your leak.\n")), CTX)
    assert got.cues["named as the provider"] == "my plumber Luis"
    assert got.verdict.rule == "heads_up"
    assert "Luis is the provider, dana@danabooks.example the client ('my plumber Luis')" in got.verdict.reason
    needs = explain(parse(mail(CAROL, DANA_TO, "Dana, you were looking for a plumber: Luis will call you.\n")), CTX)
    assert needs.cues["the recipient needs"] == "you were looking for a plumber"
    assert "('you were looking for a plumber')" in needs.verdict.reason
