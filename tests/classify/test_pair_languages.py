""""You two should talk" in every language we read, and with the newcomer named by title and surname (issue 14.1).

pair_intro knew only English ("you two should coordinate"): "Sie beide sollten sich austauschen" to Dana with Sam
on Cc waited in Review, and "vous deux devriez échanger" was read as no intro at all. And a newcomer on Cc called
"Herr Richter" in the text (RA Thomas Richter <t.richter@…> on Cc) was not found.
"""
import pytest

from tests.classify.test_intro_shapes import CAROL, mail, verdict

DANA = "Dana Whitfield <dana@danabooks.example>"
SAM = "Sam Ortiz <sam@ortiz.example>"
RICHTER = "RA Thomas Richter <t.richter@kanzlei-richter.example>"


@pytest.mark.parametrize("cc, body", [
    (SAM, "Hallo Dana,\n\nSam sucht eine Buchhalterin. Sie beide sollten sich austauschen."),
    (SAM, "Hallo Dana,\n\nSam sucht eine Buchhalterin, ihr zwei solltet euch mal unterhalten."),
    (SAM, "Bonjour Dana,\n\nSam cherche une comptable. Vous deux devriez échanger."),
    (SAM, "Hola Dana:\n\nSam busca una contable. Ustedes dos deberían hablar."),
    (SAM, "Hoi Dana,\n\nSam zoekt een boekhouder. Jullie twee moeten eens praten."),
    (SAM, "Ciao Dana,\n\nSam cerca una commercialista. Voi due dovreste sentirvi."),
    (RICHTER, "Sehr geehrte Frau Whitfield,\n\nHerr Richter sucht eine Buchhalterin. Sie beide sollten sich "
              "austauschen."),
    (RICHTER, "Hi Dana,\n\nMr. Richter needs a bookkeeper for his firm; you two should talk."),
])
def test_two_told_to_talk_the_one_on_cc_named_is_an_intro(cc, body):
    v = verdict(mail(CAROL, DANA, f"{body}\n\nCarol\n", "Re: Spring books", cc))
    assert (v.kind, v.rule) == ("double_intro", "pair_intro"), v.reason
    assert {p.address.email for p in v.intro.parties} == {"dana@danabooks.example", cc.split("<")[1][:-1]}


def test_they_two_should_talk_of_no_one_on_the_mail_is_no_pair_intro():
    """The people told to talk must be on the mail: Herr Meier on Cc is not Herr Richter."""
    v = verdict(mail(CAROL, DANA, "Hallo Dana,\n\nHerr Richter sucht eine Buchhalterin. Sie beide sollten sich "
                     "austauschen.\n\nCarol\n", "Re: Spring books", "Hans Meier <h.meier@meier.example>"))
    assert v.rule != "pair_intro", v.reason
