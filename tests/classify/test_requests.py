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


ASKED_TO_INTRODUCE = [
    "Sam, would you mind introducing Dana to your accountant? She needs help with the books.",
    "Sam, can you introduce Dana to one of your clients?",
    "Please introduce Dana to your accountant, Sam.",
    "Sam, könntest du Dana deinem Steuerberater vorstellen?",
    "Sam, kannst du Dana mit deinem Anwalt bekannt machen?",
    "Sam, pourrais-tu présenter Dana à ton comptable ?",
    "Sam, ¿podrías presentarle a Dana tu abogado?",
    "Sam, kun je Dana in contact brengen met je boekhouder?",
    "Sam, potresti presentare Dana al tuo commercialista?",
]


@pytest.mark.parametrize("body", ASKED_TO_INTRODUCE)
def test_asking_someone_on_the_mail_to_introduce_another_to_their_person_is_no_intro(body):
    """Dana and Sam are both on the mail and the intro words are there, but the intro is asked for: the one Dana
    should meet (Sam's accountant) is on no address line. Was logged as a double intro of Dana and Sam."""
    v = verdict(mail(CAROL, f"{SAM}, {DANA}", f"Hi,\n\n{body}\n\nCarol\n", "Question"))
    assert v.kind == "not_intro", v.reason
    assert "a request that someone else make an introduction" in v.reason, v.reason


@pytest.mark.parametrize("body", [
    "Please let me introduce Sam to Dana, his new bookkeeper.",
    "Dana, could you help Sam with his books? I'm introducing you two because he needs a bookkeeper.",
    "Darf ich dir Sam vorstellen? Seine Firma sucht eine Buchhalterin.",
    "Te presento a Sam. ¿Puedes presentarle tu propuesta?",
])
def test_an_intro_beside_a_question_with_whose_words_stays_an_intro(body):
    v = verdict(mail(CAROL, f"{SAM}, {DANA}", f"Hi,\n\n{body}\n\nCarol\n", "Hello"))
    assert v.kind == "double_intro", v.reason


# A request that someone else make the intro, then the writer's own intro words said as a wish or a regret: the
# trial's "I'd introduce them myself but I don't know him" was logged as a double intro of Sam and Dana.
ASKED_THEN_WOULD_HAVE = [
    "Sam, can you put Dana in touch with your lawyer? I'd introduce them myself but I don't know him.",
    "Sam, could you connect Dana with your lawyer? I would have introduced you but I've never met him.",
    "Sam, kannst du Dana mit deinem Anwalt in Kontakt bringen? Ich würde euch ja selbst vorstellen, aber ich kenne"
    "\nihn nicht.",
    "Sam, peux-tu mettre Dana en relation avec ton avocat ? Je vous aurais bien présentés mais je ne le connais pas.",
    "Sam, ¿puedes poner a Dana en contacto con tu abogado? Os presentaría yo mismo, pero no lo conozco.",
    "Sam, kun je Dana in contact brengen met je advocaat? Ik zou jullie zelf aan elkaar voorstellen, maar ik ken"
    "\nhem niet.",
    "Sam, potresti mettere Dana in contatto con il tuo avvocato? Vi avrei presentato io, ma non lo conosco.",
]


@pytest.mark.parametrize("body", ASKED_THEN_WOULD_HAVE)
def test_a_request_stays_a_request_though_the_writer_says_they_would_introduce_them_themselves(body):
    """To Sam, Dana on Cc: the mail asks Sam for the intro, whatever the writer would have done."""
    v = verdict(mail(CAROL, SAM, f"Hi,\n\n{body}\n\nCarol\n", "Question", cc=DANA))
    assert v.kind == "not_intro", v.reason
    assert "a request that someone else make an introduction" in v.reason, v.reason


@pytest.mark.parametrize("body", [
    "I'd introduce you two myself, but I think you've already met at the fair.",
    "I would have introduced you last spring but Sam was away all summer.",
    "Ich würde euch gerne miteinander bekannt machen, aber ihr kennt euch ja schon.",
    "Ich hätte euch gern miteinander bekannt gemacht, aber Sam war verreist.",
    "Je vous aurais bien présentés l'un à l'autre, mais Sam était absent.",
    "Os habría presentado el uno al otro, pero Sam estaba fuera.",
    "Ik zou jullie graag aan elkaar voorstellen, maar jullie kennen elkaar al.",
    "Vi avrei presentati l'uno all'altra, ma Sam era via.",
])
def test_an_intro_the_writer_would_make_but_does_not_is_no_intro(body):
    v = verdict(mail(CAROL, f"{SAM}, {DANA}", f"Hi,\n\n{body}\n\nCarol\n", "Catching up"))
    assert v.kind == "not_intro", v.reason


@pytest.mark.parametrize("body", [
    "I'd love to introduce you two: Sam runs the bakery and needs a bookkeeper.",
    "I would have introduced you sooner! Sam, meet Dana, the best bookkeeper I know.",
    "Ich würde euch gerne miteinander bekannt machen: Sam sucht eine Buchhalterin.",
    "Ik zou jullie graag aan elkaar voorstellen: Sam zoekt een boekhouder.",
])
def test_a_wish_to_introduce_that_is_made_stays_an_intro(body):
    v = verdict(mail(CAROL, f"{SAM}, {DANA}", f"Hi,\n\n{body}\n\nCarol\n", "Hello"))
    assert v.kind == "double_intro", v.reason
