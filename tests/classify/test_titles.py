"""A title before a name (user trial): the heads-up is found, the newcomer named without it, and "Frau Hoffmann
benötigt … Herr Richter ist Fachanwalt" gives the roles "Sabine braucht … Thomas ist" gives — in each language
we read, the title and surname matched to the person on the mail by their name or their address. Pure
classification with the corpus' members (tests/classify/test_trial_shapes.py)."""
import pytest

from tests.classify.test_trial_shapes import CAROL, DANA_TO, mail, roles, verdict

DANA_EMAIL = "dana@danabooks.example"


@pytest.mark.parametrize("body, name", [
    # user trial: read as no intro; the same without "M." was logged
    ("Bonjour Madame Whitfield,\n\nJ'ai donné vos coordonnées à mon client M. Antoine Garnier, qui envisage de "
     "transformer\nun atelier en loft. Il devrait vous appeler la semaine prochaine.\n\nMarc\n", "Antoine Garnier"),
    ("Hallo Dana,\n\nich habe Frau Dr. Weber deine Nummer gegeben, sie ruft dich an.\n\nIngrid\n", "Frau Dr. Weber"),
    ("Hallo Dana,\n\nich habe Dr. Anna Weber deine Nummer gegeben, sie ruft dich an.\n\nIngrid\n", "Anna Weber"),
    # user trial: stored a prospect named "Herrn", one named "Dr"
    ("Sehr geehrte Frau Whitfield,\n\nich habe Herrn Jürgen Albrecht Ihre Kontaktdaten gegeben. Er wird sich in den "
     "nächsten Tagen bei Ihnen melden.\n\nIngrid Sommer\n", "Jürgen Albrecht"),
    ("Hi Dana,\n\nI gave your number to Dr. Julia Romero, she'll call you this week about payroll.\n\nBen\n",
     "Julia Romero"),
    ("Hola Dana,\n\nle di tu número a la Dra. Lucía Gómez, te llamará esta semana.\n\nCarol\n", "Lucía Gómez"),
    ("Hoi Dana,\n\nik heb je nummer aan mevrouw Anna Jansen gegeven, ze belt je morgen.\n\nCarol\n", "Anna Jansen"),
    ("Ciao Dana,\n\nho dato il tuo numero alla Dott.ssa Laura Conti, ti chiamerà domani.\n\nCarol\n", "Laura Conti"),
])
def test_a_titled_newcomer_is_a_heads_up_named_without_the_title(body, name):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", name: "prospect"}


HOFFMANN, RICHTER = "s.hoffmann@hoffmann-gmbh.example", "richter@richter-arbeitsrecht.example"
LEE, MEHTA = "sarah@leeco.example", "raj@mehtadental.example"
PLAIN = f"Sarah Lee <{LEE}>, Raj Mehta <{MEHTA}>"  # the surname from a display name with no title


@pytest.mark.parametrize("to, body, prospect, provider", [
    # user trial: both plain parties, and the client listed as a partner
    (f"Frau Sabine Hoffmann <{HOFFMANN}>, RA Thomas Richter <{RICHTER}>",
     "Sehr geehrte Frau Hoffmann,\nsehr geehrter Herr Richter,\n\ngerne stelle ich Sie einander vor. Frau Hoffmann "
     "benötigt für ihr Unternehmen\nUnterstützung bei einer arbeitsrechtlichen Frage; Herr Richter ist Fachanwalt "
     "für\nArbeitsrecht.\n\nKlaus\n", HOFFMANN, RICHTER),
    # the same to bare addresses: the surname after the title is found in the address
    (f"{HOFFMANN}, {RICHTER}", "Guten Tag,\n\ngerne stelle ich Sie einander vor. Frau Hoffmann benötigt Hilfe im "
     "Arbeitsrecht; Herr Richter ist Fachanwalt.\n\nKlaus\n", HOFFMANN, RICHTER),
    (f"Mrs. Sarah Lee <{LEE}>, Dr. Raj Mehta <{MEHTA}>", "Hi both,\n\nI'd like to introduce you. Mrs. Lee needs a "
     "dentist for her family; Dr. Mehta is the best pediatric dentist in town.\n\nDana\n", LEE, MEHTA),
    (PLAIN, "Bonjour,\n\nje vous présente l'un à l'autre. Mme Lee cherche un dentiste pour sa famille ; "
     "le Dr Mehta est dentiste à Lyon.\n\nCarol\n", LEE, MEHTA),
    (PLAIN, "Hola a los dos:\n\nos presento. La Sra. Lee busca un dentista; el Dr. Mehta es "
     "dentista infantil.\n\nCarol\n", LEE, MEHTA),
    (PLAIN, "Beste allebei,\n\ngraag stel ik jullie aan elkaar voor. Mevrouw Lee zoekt een tandarts; "
     "dhr. Mehta is tandarts in Utrecht.\n\nCarol\n", LEE, MEHTA),
    (PLAIN, "Buongiorno,\n\nvi presento. La Sig.ra Lee ha bisogno di un legale; l'Avv. Mehta è un ottimo "
     "avvocato.\n\nCarol\n", LEE, MEHTA),
    (PLAIN, "Buongiorno,\n\nvorrei presentarvi. La Sig.ra Lee cerca un dentista; il Dott. Mehta è "
     "un ottimo dentista.\n\nCarol\n", LEE, MEHTA),
])
def test_a_title_and_surname_in_the_text_give_the_parties_their_roles(to, body, prospect, provider):
    v = verdict(mail(CAROL, to, body))
    assert v.kind == "double_intro", v.reason
    assert roles(v) == {prospect: "prospect", provider: "provider"}


def test_a_surname_after_a_title_is_no_one_elses():
    """"Frau Hoffmann" names the Hoffmann on the mail, not another party: without a title the surname
    alone says nothing (it may be anyone's word)."""
    to = f"<{HOFFMANN}>, Thomas Richter <{RICHTER}>"
    v = verdict(mail(CAROL, to, "Hallo,\n\nich möchte euch vorstellen. Hoffmann braucht Hilfe.\n\nCarol\n"))
    assert roles(v) == {HOFFMANN: "party", RICHTER: "party"}


def test_a_subject_naming_two_people_by_title_and_surname_is_an_intro():
    v = verdict(mail(CAROL, f"<{HOFFMANN}>, <{RICHTER}>", "Guten Tag,\n\nbitte nehmen Sie direkt Kontakt "
                     "auf.\n\nCarol\n", subject="Frau Hoffmann / Herr Richter"))
    assert (v.kind, v.rule) == ("double_intro", "subject_intro"), v.reason


@pytest.mark.parametrize("body, name", [
    ("Sehr geehrte Frau Whitfield,\n\nHerr Dr. Klein wird sich bei Ihnen melden.\n\nCarol\n", "Herr Dr. Klein"),
    ("Chère Madame,\n\nMme Dubois va vous appeler demain.\n\nCarol\n", "Mme Dubois"),
    ("Dear Ms Whitfield,\n\nMr. Kirk Olsen will call you tomorrow.\n\nCarol\n", "Kirk Olsen"),
    ("Geachte mevrouw Whitfield,\n\ndhr. Jansen belt u morgen.\n\nCarol\n", "dhr. Jansen"),
    ("Estimada Sra. Whitfield,\n\nla Sra. López la llamará mañana.\n\nCarol\n", "Sra. López"),
    ("Gentile Sig.ra Whitfield,\n\nil Sig. Rossi La contatterà a breve.\n\nCarol\n", "Sig. Rossi"),
])
def test_a_titled_newcomer_named_first_keeps_the_title_when_only_a_surname_follows(body, name):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", name: "prospect"}


def test_two_people_presented_by_title_and_surname_without_the_word_introduce():
    to = f"Frau Sabine Hoffmann <{HOFFMANN}>, RA Thomas Richter <{RICHTER}>"
    v = verdict(mail(CAROL, to, "Sehr geehrte Damen und Herren,\n\nFrau Hoffmann, das ist Herr Richter, Fachanwalt "
                     "für Arbeitsrecht. Herr Richter, Frau Hoffmann sucht Rat.\n\nKlaus\n"))
    assert (v.kind, v.rule) == ("double_intro", "named_intro"), v.reason
    assert roles(v) == {HOFFMANN: "prospect", RICHTER: "provider"}


@pytest.mark.parametrize("body, name", [
    ("Gentile Dott.ssa Whitfield,\n\nl'Avv. Rossi La contatterà la prossima settimana per la contabilità dello "
     "studio.\n\nCordiali saluti\nCarol\n", "Avv. Rossi"),
    ("Ciao Dana,\n\nl'ing. Bianchi ti chiamerà domani per il preventivo.\n\nCarol\n", "ing. Bianchi"),
    ("Ciao Dana,\n\nho dato il tuo numero all'Avv. Rossi, ti chiamerà domani.\n\nCarol\n", "Avv. Rossi"),
])
def test_a_title_after_an_elided_article_stays_with_the_surname(body, name):
    """Italian elides the article before a title ("l'Avv. Rossi"): the name was read from "Rossi" on, stored
    without the title that says who Rossi is."""
    v = verdict(mail(CAROL, DANA_TO, body))
    assert (v.kind, v.rule) == ("heads_up", "heads_up"), v.reason
    assert roles(v) == {DANA_EMAIL: "provider", name: "prospect"}


def test_a_name_after_an_elided_article_is_an_office_not_a_person():
    """"l'Ufficio Tecnico ti chiamerà": was a heads-up of a prospect named "Tecnico"."""
    v = verdict(mail(CAROL, DANA_TO, "Ciao Dana,\n\nl'Ufficio Tecnico ti chiamerà domani.\n\nCarol\n"))
    assert v.kind != "heads_up", v.reason
