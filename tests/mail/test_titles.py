"""Titles before a name, in the six languages we read (worker/mail/titles.py): the given name greeted from a
display name ("Hallo Thomas", not "Hallo RA"), what is kept of a name found in a mail's text, and a title
with a surname alone kept whole. Pure functions."""
import pytest

from worker.mail import titles
from worker.mail.names import first_name, given_and_family


@pytest.mark.parametrize("written, greeted", [
    # user trial: the coffee check-in said "Du hast RA 1 Empfehlung geschickt … Frag RA:"
    ("RA Thomas Richter", "Thomas"), ("Dipl.-Ing. Karl Maier", "Karl"), ("Frau Dr. med. Anna Weber", "Anna"),
    ("Mx. Sam Lee", "Sam"), ("Prof Eva Roth", "Eva"),
    ("Me Claire Laurent", "Claire"), ("Mlle Julie Petit", "Julie"), ("Monsieur Paul Martin", "Paul"),
    ("Dña. Ana López", "Ana"), ("Srta. Lucía Gómez", "Lucía"), ("Lic. Jorge Ruiz", "Jorge"),
    ("dhr. Jan Bakker", "Jan"), ("Mevr. Anna de Vries", "Anna"), ("ir. Pieter Smit", "Pieter"),
    ("Sig.ra Giulia Bianchi", "Giulia"), ("Avv. Marco Rossi", "Marco"), ("Dott.ssa Laura Conti", "Laura"),
    ("Frau Hoffmann", "Frau Hoffmann"), ("Dr. Mehta", "Dr. Mehta"),  # a title and a surname: as written
    ("Mejía Rosa", "Mejía"), ("Donna Ing", "Donna"), ("Don Smith", "Don"),  # names that only look like titles
])
def test_the_given_name_is_greeted_whatever_title_is_before_it(written, greeted):
    assert first_name(written) == greeted


@pytest.mark.parametrize("found, kept", [
    ("Herrn Jürgen Albrecht", "Jürgen Albrecht"),   # user trial: the reminder said "Hat sich Herrn gemeldet?"
    ("Dr. Julia Romero", "Julia Romero"),            # user trial: stored as a prospect named "Dr"
    ("M. Antoine Garnier", "Antoine Garnier"), ("Sr. Juan García", "Juan García"),
    ("mevrouw Anna Jansen", "Anna Jansen"), ("Sig.ra Giulia Bianchi", "Giulia Bianchi"),
    ("Herrn Olsen", "Herr Olsen"), ("Frau Dr. Weber", "Frau Dr. Weber"), ("Mme Dubois", "Mme Dubois"),
    ("Herr", ""), ("Dr.", ""), ("Anna Weber", "Anna Weber"),
])
def test_a_name_found_in_text_loses_its_title_unless_only_a_surname_follows(found, kept):
    assert titles.person(found) == kept


def test_given_name_and_surname_of_a_display_name():
    assert given_and_family("RA Thomas Richter") == ("Thomas", "Richter")
    assert given_and_family("Frau Sabine Hoffmann") == ("Sabine", "Hoffmann")
    assert given_and_family("Richter, Thomas") == ("Thomas", "Richter")
    assert given_and_family("Frau Hoffmann") == ("", "Hoffmann")
    assert given_and_family("Mark Delaney, CPA") == ("Mark", "Delaney")
    assert given_and_family("") == ("", "")


def test_every_language_has_titles_and_each_reads_as_one():
    assert set(titles.TITLES) == {"en", "de", "fr", "es", "nl", "it"}
    for forms in titles.TITLES.values():
        for form in forms:
            assert titles.is_title(form), form
    assert not titles.is_title("M")  # one letter without its dot is an initial
    assert not titles.is_title("Drew") and not titles.is_title("Frauke")
