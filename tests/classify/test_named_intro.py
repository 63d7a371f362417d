"""named_intro reads "Dana, this is Sam" as Sam presented to Dana — not "Dana, this is Sam's first week" (issue 14.1).

A possessive or a German genitive says whose something is, not who is presented: both were logged as an intro
of Dana and Sam.
"""
import pytest

from tests.classify.test_intro_shapes import CAROL, mail, verdict

DANA = "Dana Whitfield <dana@danabooks.example>"
SAM = "Sam Ortiz <sam@ortiz.example>"
MICHAEL = "Michael Ortiz <michael@ortiz.example>"


@pytest.mark.parametrize("to, body", [
    (f"{DANA}, {SAM}", "Dana, this is Sam's first week, so please be patient with him."),
    (f"{DANA}, {SAM}", "Dana, this is Sam’s first week, so please be patient with him."),
    (f"{DANA}, {SAM}", "Dana, this is Sam Ortiz's first week, so please be patient with him."),
    (f"{DANA}, {MICHAEL}", "Dana, das ist Michaels erste Woche, sei bitte geduldig mit ihm."),
])
def test_whose_week_it_is_presents_no_one(to, body):
    v = verdict(mail(CAROL, to, f"Hi,\n\n{body}\n\nCarol\n"))
    assert v.kind == "not_intro", v.reason


@pytest.mark.parametrize("to, body", [
    (f"{DANA}, {SAM}", "Dana, this is Sam, my partner."),
    (f"{DANA}, {MICHAEL}", "Dana, das ist Michael, mein Steuerberater."),
])
def test_who_is_presented_is_still_read(to, body):
    v = verdict(mail(CAROL, to, f"Hi,\n\n{body}\n\nCarol\n"))
    assert (v.kind, v.rule) == ("double_intro", "named_intro"), v.reason
