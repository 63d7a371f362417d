"""A request to be introduced is no intro, in every language we read and however the client wrapped it (issue 14.1).

Found trying it as a user: "kannst du mich mit einem guten Notar bekannt machen?", "Pourriez-vous me mettre
en relation avec un bon plombier ?" and "Could you introduce\\nme to someone" (wrapped by the client) waited
in Review; with a second person on Cc they would have been logged as intros. The writer asks to be
introduced: no one is introduced yet, so the mail is recorded as no intro, with that reason.
"""
import pytest

from tests.classify.test_intro_shapes import CAROL, mail, verdict

DANA = "Dana Whitfield <dana@danabooks.example>"
SAM = "Sam Ortiz <sam@ortiz.example>"

REQUESTS = [
    # English, as a client wraps it at ~72 columns (the trial's 07-raj-request.eml)
    "One more thing - do you know a good commercial lawyer for the new lease? Could you introduce\n"
    "me to someone you trust? Would really appreciate it.",
    "Do you know anyone at Acme who could introduce\nus to their facilities team?",
    "Would you be able to put me in touch with a good commercial lawyer? Happy to\nbuy you lunch for it.",
    # German, du and Sie, one line and wrapped
    "kannst du mich mit einem guten Notar bekannt machen?",
    "könnten Sie mich eventuell mit einem guten Notar bekannt machen? Wir brauchen\njemanden für den Übergabevertrag.",
    "Kennst du jemanden, der mich mit einem guten\nNotar bekannt machen kann?",
    # French
    "Pourriez-vous me mettre en relation avec un bon plombier ? Je n'en connais aucun\nà Villeurbanne.",
    "Connais-tu quelqu'un qui pourrait me mettre\nen contact avec un notaire ?",
    # Spanish
    "¿Me podrías presentar a un buen abogado? Lo necesito para el local.",
    "¿Conoces a alguien que me pueda\npresentar a un notario?",
    # Dutch
    "Kun je mij in contact brengen met een goede notaris?",
    "Ken je een goede notaris om ons aan\nvoor te stellen?",
    # Italian
    "Mi potresti presentare un buon commercialista?",
    "Conosci qualcuno che mi possa\npresentare a un notaio?",
]


@pytest.mark.parametrize("body", REQUESTS)
def test_a_request_to_be_introduced_is_no_intro(body):
    v = verdict(mail(CAROL, DANA, f"Hi,\n\n{body}\n\nCarol\n", "Question"))
    assert v.kind == "not_intro", v.reason


@pytest.mark.parametrize("body", REQUESTS[::3])
def test_a_request_with_someone_on_cc_is_no_intro_either(body):
    """With a second person on the mail, the intro words would have logged a double intro."""
    v = verdict(mail(CAROL, DANA, f"Hi,\n\n{body}\n\nCarol\n", "Question", cc=SAM))
    assert v.kind == "not_intro", v.reason
    assert "a request to be introduced" in v.reason, v.reason


@pytest.mark.parametrize("body", [
    "Do you know Sam? Let me introduce\nyou two: Sam runs the bakery and needs a bookkeeper.",
    "Darf ich euch miteinander bekannt\nmachen? Sam braucht eine Buchhalterin.",
    "Kennst du einen guten Bäcker? Ich möchte euch\nmiteinander bekannt machen: Sam ist der beste.",
    "Je voudrais vous\nprésenter Sam, qui cherche une comptable.",
    "Ken je Sam al? Graag stel ik jullie aan\nelkaar voor.",
    "Conosci già Sam? Vorrei\npresentarvi: Sam cerca una commercialista.",
])
def test_an_intro_next_to_a_question_or_wrapped_stays_an_intro(body):
    v = verdict(mail(CAROL, f"{DANA}, {SAM}", f"Hi,\n\n{body}\n\nCarol\n", "Hello"))
    assert v.kind == "double_intro", v.reason
