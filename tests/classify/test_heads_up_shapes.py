"""Heads-ups to one recipient as people write them, in every language we read (issue 14, point 1), and
the calls that are no referral. The newcomer is named after the verb ("expect a call from Kirk"), between
commas ("Luis, my plumber, will call you"), asked to call ("I've asked Kirk to call you"), or given the
contact in one clause and named in another ("I gave her your number - Anna Berg, my neighbour").
Pure classification with the corpus' members (tests/classify/test_trial_shapes.py).
"""
import pytest

from tests.classify.test_trial_shapes import CAROL, CTX, DANA_TO, mail, roles, verdict
from worker.classify.explain import explain
from worker.mail.parse import parse

DANA_EMAIL = "dana@danabooks.example"


@pytest.mark.parametrize("body, name", [
    # English
    ("Hi Dana,\n\nLuis Garcia, a friend of mine, will be in touch this week.\n\nCarol\n", "Luis Garcia"),
    ("Hi Dana,\n\nKirk, who runs the bakery on Main Street, is going to call you.\n\nCarol\n", "Kirk"),
    ("Hi Dana,\n\nA friend of mine, Kirk Olsen, will be calling you about his taxes.\n\nCarol\n", "Kirk Olsen"),
    ("Hi Dana,\n\nexpect a call from my friend Kirk - he needs a bookkeeper.\n\nCarol\n", "Kirk"),
    ("Hi Dana,\n\nYou'll be hearing from Kirk Olsen soon, he needs help with his books.\n\nCarol\n", "Kirk Olsen"),
    ("Dear Ms Whitfield,\n\nyou will shortly be contacted by Mr. Kirk Olsen.\n\nCarol\n", "Kirk Olsen"),
    ("Hi Dana,\n\nI've asked Kirk to call you, he needs a bookkeeper.\n\nCarol\n", "Kirk"),
    ("Hi Dana,\n\nI asked my friend Kirk to give you a call.\n\nCarol\n", "Kirk"),
    ("Hi Dana,\n\nI gave Anna your number, she'll call you this week.\n\nCarol\n", "Anna"),
    ("Hi Dana,\n\nI gave her your number - Anna Berg, my neighbour. She'll call you.\n\nCarol\n", "Anna Berg"),
    # German
    ("Hallo Dana,\n\nAnna Berg meldet sich demnächst bei dir.\n\nCarol\n", "Anna Berg"),
    ("Hallo Dana,\n\nmein Kollege Kirk ruft dich morgen an.\n\nCarol\n", "Kirk"),
    ("Hallo Dana,\n\nich habe ihr deine Nummer gegeben - Anna Berg, meine Nachbarin.\n\nCarol\n", "Anna Berg"),
    ("Hallo Dana,\n\nich habe Anna gebeten, dich anzurufen.\n\nCarol\n", "Anna"),
    ("Sehr geehrte Frau Whitfield,\n\nich habe Herrn Olsen Ihre Kontaktdaten gegeben, er wird Sie anrufen.\n\nCarol\n",
     "Herr Olsen"),  # a surname alone keeps its title, in the nominative (worker/mail/titles.py)
    # French
    ("Bonjour Dana,\n\nje lui ai donné ton numéro - Anna, une amie. Elle va t'appeler.\n\nCarol\n", "Anna"),
    ("Bonjour Dana,\n\nj'ai demandé à mon amie Anna de t'appeler.\n\nCarol\n", "Anna"),
    ("Bonjour Madame,\n\nvous allez recevoir un appel de Kirk Olsen, de ma part.\n\nCarol\n", "Kirk Olsen"),
    # Spanish
    ("Hola Dana,\n\nle he pasado tu teléfono. Es Anna, una amiga; te llamará.\n\nCarol\n", "Anna"),
    ("Hola Dana,\n\nte llamará mi amiga Anna esta semana.\n\nCarol\n", "Anna"),
    ("Estimada Sra. Whitfield,\n\nel Sr. Kirk Olsen se pondrá en contacto con usted.\n\nCarol\n", "Kirk Olsen"),
    # Dutch
    ("Hoi Dana,\n\nik heb haar je nummer gegeven - Anna, een vriendin. Ze belt je.\n\nCarol\n", "Anna"),
    ("Hoi Dana,\n\nik heb Anna je nummer gegeven, ze belt je.\n\nCarol\n", "Anna"),
    ("Geachte mevrouw Whitfield,\n\nde heer Kirk Olsen zal binnenkort contact met u opnemen.\n\nCarol\n", "Kirk Olsen"),
    ("Hoi Dana,\n\nje wordt binnenkort gebeld door mijn buurman Kirk.\n\nCarol\n", "Kirk"),
    # Italian
    ("Ciao Dana,\n\ngli ho dato il tuo numero - Luis, un amico. Ti chiamerà.\n\nCarol\n", "Luis"),
    ("Ciao Dana,\n\nho dato il tuo numero ad Anna, ti chiamerà.\n\nCarol\n", "Anna"),
    ("Gentile Sig.ra Whitfield,\n\nil Sig. Kirk Olsen La contatterà a breve.\n\nCarol\n", "Kirk Olsen"),
    ("Ciao Dana,\n\nAnna si metterà in contatto con te.\n\nCarol\n", "Anna"),
])
def test_the_recipient_hears_who_will_get_in_touch(body, name):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", name: "prospect"}


@pytest.mark.parametrize("body", [
    "Hi Dana,\n\nLuis, my plumber, will call you about the leak.\n\nCarol\n",
    "Hallo Dana,\n\nLuis, mein Klempner, wird dich anrufen.\n\nCarol\n",
    "Bonjour Dana,\n\nLuis, mon plombier, va t'appeler.\n\nCarol\n",
    "Hola Dana,\n\nLuis, mi fontanero, te llamará.\n\nCarol\n",
    "Hoi Dana,\n\nLuis, mijn loodgieter, belt je morgen.\n\nCarol\n",
    "Ciao Dana,\n\nLuis, il mio idraulico, ti chiamerà.\n\nCarol\n",
])
def test_the_newcomer_and_trade_between_commas_make_a_heads_up(body):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "prospect", "Luis": "provider"}  # the plumber does the work


def test_a_name_before_a_comma_that_is_spoken_to_is_no_newcomer():
    # "Luis, my plumber will call you" speaks to Luis: no one named will call
    v = verdict(mail(CAROL, DANA_TO, "Luis, my plumber will call you tomorrow.\n\nCarol\n"))
    assert v.kind != "heads_up", v.reason


@pytest.mark.parametrize("body", [
    "Hi Dana,\n\nthe courier will call you before delivery.\n\nCarol\n",
    "Hi Dana,\n\nOur Sales Team will be in touch shortly.\n\nCarol\n",
    "Hi Dana,\n\nSomeone from IT will call you.\n\nCarol\n",
    "Hallo Dana,\n\nder Kurier wird dich anrufen.\n\nCarol\n",
    "Hallo Dana,\n\nunser Vertrieb wird sich bei dir melden.\n\nCarol\n",
    "Bonjour Dana,\n\nnotre service commercial vous contactera.\n\nCarol\n",
    "Hola Dana,\n\nnuestro equipo comercial se pondrá en contacto contigo.\n\nCarol\n",
    "Hoi Dana,\n\nde koerier belt je.\n\nCarol\n",
    "Ciao Dana,\n\nil corriere ti chiamerà.\n\nCarol\n",
    # the words of web forms and support bots (public code), no one named
    "Hallo Dana,\n\nEin Admin wird sich bei dir melden.\n\nCarol\n",
    "Hi Dana,\n\nA representative will contact you shortly.\n\nCarol\n",
    # an article before a capitalised word is a noun unless the word is a known given name
    "Hallo Dana,\n\nder Kurier ruft dich an.\n\nCarol\n",
    "Hallo Dana,\n\ndie Administration meldet sich bei dir.\n\nCarol\n",
    "Hallo Dana,\n\ndie Deutsche Bank meldet sich bei dir.\n\nCarol\n",
])
def test_a_service_that_will_call_is_no_intro(body):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert v.kind == "not_intro", v.reason


@pytest.mark.parametrize("body", [
    "Hi Dana,\n\nmy plumber will call you about the leak in your flat.\n\nCarol (your landlord)\n",
    "Hi Dana,\n\nLuis, my plumber, will call you about the leak in your flat.\n\nCarol\n",
    "Hi Dana,\n\nMonday will be fine. I will call you then.\n\nCarol\n",
    "Hi Dana,\n\nDHL will call you to arrange delivery.\n\nCarol\n",
    "Hallo Dana,\n\nein Kollege wird sich bei dir melden.\n\nCarol\n",
    "Hallo Dana,\n\nDie Administration wird sich bei dir melden.\n\nCarol\n",
    "Hi Dana,\n\nOne of our team members will be calling you to discuss our services.\n\nCarol\n",
])
def test_a_call_that_may_be_an_errand_is_no_referral(body):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert v.kind in ("not_intro", "needs_review"), v.reason


def test_explain_says_why_the_landlords_plumber_waits_for_a_person():
    got = explain(parse(mail(CAROL, DANA_TO, "Luis, my plumber, will call you about the leak in your flat.\n")), CTX)
    assert (got.verdict.kind, got.verdict.rule) == ("needs_review", "heads_up")
    assert "the call may be an errand ('your flat')" in got.verdict.reason


def test_a_greeting_is_no_name_and_a_blank_line_ends_a_sentence():
    # "Hoi Dana,\n\nde koerier belt je" once read as 'Hoi Dana will get in touch'
    v = verdict(mail(CAROL, DANA_TO, "Geachte mevrouw Whitfield,\n\nde heer Kirk Olsen zal u bellen.\n\nCarol\n"))
    assert roles(v) == {DANA_EMAIL: "provider", "Kirk Olsen": "prospect"}, v.reason


@pytest.mark.parametrize("body, name", [
    ("Servus Dana,\n\ndie Anna ruft dich morgen an wegen der Buchhaltung.\n\nCarol\n", "Anna"),
    ("Hallo Dana,\n\nder Thomas meldet sich bei dir wegen der Steuererklärung.\n\nCarol\n", "Thomas"),
    ("Hallo Dana,\n\nder Thomas Huber meldet sich bei dir.\n\nCarol\n", "Thomas Huber"),
    ("Grüezi Dana,\n\nich hab dem Reto deine Nummer gegeben, er meldet sich.\n\nCarol\n", "Reto"),
])
def test_spoken_german_puts_an_article_before_a_first_name(body, name):
    """"die Anna ruft dich an" (southern Germany, Austria, Switzerland): the article made "Anna" a noun, as it
    rightly makes "der Kurier" one, and the heads-up was missed."""
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", name: "prospect"}


@pytest.mark.parametrize("body, name", [
    ("Hallo Dana,\n\nder Korbinian Huber meldet sich bei dir, er braucht eine Buchhalterin.\n\nCarol\n",
     "Korbinian Huber"),
    ("Servus Dana,\n\nder Quirin ruft dich morgen an.\n\nCarol\n", "Quirin"),
    ("Hallo Dana,\n\nich hab dem Leopold deine Nummer gegeben.\n\nCarol\n", "Leopold"),
])
def test_a_bavarian_or_austrian_first_name_after_the_article_is_a_person(body, name):
    """"der Korbinian Huber meldet sich" (issue 14's known miss): the given names of southern Germany and Austria
    were missing from given_names, so the article made the name a noun."""
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", name: "prospect"}


@pytest.mark.parametrize("body", [
    "Estimada Sra. Whitfield:\n\nle he dado su número al Sr. Kirk Olsen; le llamará esta semana.\n\nCarol\n",
    "Estimada Sra. Whitfield:\n\nhe pasado sus datos de contacto al Sr. Kirk Olsen.\n\nUn saludo,\nCarol\n",
])
def test_formal_spanish_passes_on_su_numero(body):
    """Usted's "su número" / "sus datos" (issue 14's known miss): only tú's "tu número" was read."""
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", "Kirk Olsen": "prospect"}


@pytest.mark.parametrize("body", [
    "Bonjour Dana,\n\nune voisine cherche un comptable. Elle va vous appeler.\n\nCarol\n",
    "Bonjour Dana,\n\nune voisine cherche un comptable. Elle devrait vous appeler demain.\n\nCarol\n",
    "Bonjour Dana,\n\nun voisin cherche un comptable. Il vous appellera demain.\n\nCarol\n",
    "Bonjour Dana,\n\nun voisin cherche un comptable. Il doit vous appeler lundi.\n\nCarol\n",
    "Hi Dana,\n\na neighbour needs a bookkeeper. She should call you tomorrow.\n\nCarol\n",
    "Hallo Dana,\n\neine Nachbarin sucht eine Buchhalterin. Sie sollte dich morgen anrufen.\n\nCarol\n",
    "Hallo Dana,\n\neine Nachbarin sucht eine Buchhalterin. Sie wird Sie diese Woche anrufen.\n\nCarol\n",
    "Hola Dana,\n\nuna vecina busca una contable. Debería llamarte mañana.\n\nCarol\n",
    "Ciao Dana,\n\nuna vicina cerca una commercialista. Dovrebbe chiamarti domani.\n\nCarol\n",
    "Hoi Dana,\n\neen buurvrouw zoekt een boekhouder. Ze zou je morgen moeten bellen.\n\nCarol\n",
])
def test_someone_unnamed_who_should_call_you_goes_to_review(body):
    # "elle va vous appeler" was no heads-up language (the pattern wanted an apostrophe after "vous"), nor
    # "should"/"devrait"/"sollte"/"debería"/"dovrebbe"/"zou … moeten": the mail was filed as no intro
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("needs_review", "weak_intro"), v.reason


@pytest.mark.parametrize("body", [
    "Bonjour Dana,\n\nune voisine cherchait un comptable. Elle ne va pas vous appeler.\n\nCarol\n",
    "Bonjour Dana,\n\nun voisin cherchait un comptable. Il ne va pas t'appeler, il a trouvé.\n\nCarol\n",
])
def test_someone_who_will_not_call_you_is_no_heads_up(body):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert v.kind == "not_intro", v.reason


@pytest.mark.parametrize("body, name", [
    ("Hi Dana,\n\na client of mine, Julie Bernard, wants to sell her house. I gave her your details, she should call"
     " you this week.\n\nCarol\n", "Julie Bernard"),
    ("Bonjour Dana,\n\nune de mes clientes, Madame Julie Bernard, cherche à vendre sa maison. Je lui ai donné vos"
     " coordonnées, elle devrait vous appeler cette semaine.\n\nCarol\n", "Julie Bernard"),
    ("Hallo Dana,\n\neine Kundin von mir, Julie Bernard, möchte ihr Haus verkaufen. Ich habe ihr Ihre Nummer"
     " gegeben, sie wird Sie diese Woche anrufen.\n\nCarol\n", "Julie Bernard"),
    ("Hi Dana,\n\nKirk Olsen needs a bookkeeper. He'll call you tomorrow.\n\nCarol\n", "Kirk Olsen"),
    ("Bonjour Dana,\n\nmon voisin Luis cherche un comptable. Il va vous appeler.\n\nCarol\n", "Luis"),
    ("Hola Dana,\n\nuna amiga mía, Anna Berg, busca una contable. Le he dado tu número; te llamará.\n\nCarol\n",
     "Anna Berg"),
    ("Hoi Dana,\n\neen vriendin van mij, Anna Berg, zoekt een boekhouder. Ze belt je morgen.\n\nCarol\n",
     "Anna Berg"),
    ("Ciao Dana,\n\nuna mia amica, Anna Berg, cerca una commercialista. Ti chiamerà domani.\n\nCarol\n",
     "Anna Berg"),
])
def test_a_pronoun_calls_for_the_one_person_the_sentence_before_named(body, name):
    # user trial: the name and "she should call you" in two sentences went to review (weak_intro)
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", name: "prospect"}


@pytest.mark.parametrize("body", [
    # two people named: "she" may be either
    "Hi Dana,\n\na client of mine, Julie Bernard, and her husband Marc Petit want to sell. I gave her your details,"
    " she should call you.\n\nCarol\n",
    "Bonjour Dana,\n\nune de mes clientes, Julie Bernard, cherche avec Marc Petit une maison. Elle va vous"
    " appeler.\n\nCarol\n",
    # the named person is not in the sentence right before the call
    "Hi Dana,\n\na client of mine, Julie Bernard, wants to sell her house. The market is slow. She should call you"
    " this week.\n\nCarol\n",
])
def test_a_pronoun_that_may_be_someone_else_goes_to_review(body):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("needs_review", "weak_intro"), v.reason


@pytest.mark.parametrize("body", [
    "Bonjour Dana,\n\nune de mes clientes, Julie Bernard, cherche à vendre sa maison. Elle ne va pas vous appeler,"
    " elle a trouvé.\n\nCarol\n",
    "Hallo Dana,\n\neine Kundin von mir, Julie Bernard, wollte ihr Haus verkaufen. Sie wird Sie nicht anrufen.\n\n"
    "Carol\n",
    "Hi Dana,\n\na client of mine, Julie Bernard, wanted to sell her house. She won't call you after all.\n\nCarol\n",
])
def test_a_pronoun_that_will_not_call_names_no_one(body):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert v.kind in ("not_intro", "needs_review"), v.reason


@pytest.mark.parametrize("body", [
    "Hi Dana,\na client of mine, Julie Bernard, wants to sell her house. She should call you this week.\n\nCarol\n",
    "Hallo Dana,\neine Kundin von mir, Julie Bernard, möchte ihr Haus verkaufen. Sie wird dich anrufen.\n\nCarol\n",
])
def test_the_greeting_on_the_line_before_is_no_other_person(body):
    # "Dana" on the greeting line right above the naming sentence is spoken to: the pronoun is still Julie
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", "Julie Bernard": "prospect"}
