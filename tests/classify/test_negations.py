"""An introduction the writer says is not made is no intro, in every language we read (issue 14: negated intros
beside the other precision traps): "I'm not introducing you yet", "ich stelle euch noch nicht vor", "je ne vous
présente pas encore", "todavía no os presento", "ik stel jullie nog niet aan elkaar voor", "non vi presento
ancora" — and a heads-up said not to come: "der Thomas meldet sich nicht bei dir", "I haven't given him your
number yet". No published mail of this shape was found (the search covered the Enron pages and public list
archives): the messages are written for the test. Pure classification with the corpus' members.
"""
import pytest

from tests.classify.test_trial_shapes import CAROL, DANA_TO, RAJ, SARAH, mail, verdict

BOTH = f"{SARAH}, {RAJ}"


@pytest.mark.parametrize("body", [
    "Hi both,\n\nI'm not introducing you yet - Raj is away until January.\n\nCarol\n",
    "Hi both,\n\nI didn't introduce you at the party, Raj had left already.\n\nCarol\n",
    "Hallo ihr beiden,\n\nich stelle euch noch nicht vor, Raj ist bis Januar weg.\n\nCarol\n",
    "Hallo ihr beiden,\n\nich möchte euch nicht miteinander bekannt machen, bevor ich mit Raj gesprochen habe.\n\n"
    "Carol\n",
    "Bonjour à tous les deux,\n\nje ne vous présente pas encore, Raj n'est pas disponible avant janvier.\n\nCarol\n",
    "Bonjour à tous les deux,\n\nje ne vous ai pas encore présentés, Raj est en voyage.\n\nCarol\n",
    "Hola a los dos,\n\ntodavía no os presento: Raj está de viaje hasta enero.\n\nCarol\n",
    "Hola a los dos,\n\nno os voy a presentar hasta que Raj vuelva.\n\nCarol\n",
    "Hoi allebei,\n\nik stel jullie nog niet aan elkaar voor, Raj is tot januari weg.\n\nCarol\n",
    "Ciao a entrambi,\n\nnon vi presento ancora, Raj è via fino a gennaio.\n\nCarol\n",
])
def test_an_introduction_the_writer_says_is_not_made_is_no_intro(body):
    v = verdict(mail(CAROL, BOTH, body))
    assert v.kind in ("not_intro", "needs_review"), v.reason


@pytest.mark.parametrize("body", [
    "Hi both,\n\nI don't think you two have met, so let me introduce you: Sarah runs a bakery, Raj builds shops.\n\n"
    "Carol\n",
    "Hallo ihr beiden,\n\nich weiß nicht ob ihr euch kennt aber ich stelle euch gern vor: Sarah backt, Raj baut.\n\n"
    "Carol\n",
    "Hallo ihr beiden,\n\nich möchte euch nicht nur vorstellen, sondern auch gleich zum Kaffee einladen.\n\nCarol\n",
    "Bonjour à tous les deux,\n\nje ne sais pas si vous vous connaissez : je vous présente Sarah et Raj.\n\nCarol\n",
    "Hola a los dos,\n\nno sé si os conocéis: os presento, Sarah y Raj.\n\nCarol\n",
    "Hoi allebei,\n\nik weet niet of jullie elkaar kennen maar ik stel jullie graag aan elkaar voor.\n\nCarol\n",
    "Ciao a entrambi,\n\nnon so se vi conoscete, vi presento: Sarah e Raj.\n\nCarol\n",
])
def test_a_not_before_the_introduction_that_is_made_keeps_it_an_intro(body):
    v = verdict(mail(CAROL, BOTH, body))
    assert v.kind == "double_intro", v.reason


@pytest.mark.parametrize("body", [
    "Hi Dana,\n\nKirk won't call you after all, he found a bookkeeper.\n\nCarol\n",
    "Hi Dana,\n\nI haven't given Kirk your number yet, I wanted to ask you first.\n\nCarol\n",
    "Hallo Dana,\n\nder Thomas meldet sich nicht bei dir, er hat schon jemanden.\n\nCarol\n",
    "Hallo Dana,\n\nich habe dem Thomas deine Nummer nicht gegeben.\n\nCarol\n",
    "Bonjour Dana,\n\nje n'ai pas donné ton numéro à Luis.\n\nCarol\n",
    "Hola Dana,\n\nno le he dado tu número a Luis todavía.\n\nCarol\n",
    "Ciao Dana,\n\nnon ho dato il tuo numero a Luis.\n\nCarol\n",
])
def test_a_heads_up_the_writer_says_is_not_coming_is_no_heads_up(body):
    v = verdict(mail(CAROL, DANA_TO, body))
    assert v.kind in ("not_intro", "needs_review"), v.reason
