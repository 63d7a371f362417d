"""Formal or informal: how a person addressed us, read from intros and replies as people write them."""
import pytest

from worker.mail.register import detect

# (language, formal, informal): a reply to one person, as a partner or member writes it.
REPLIES = [
    ("de", "Sehr geehrter Herr Müller, vielen Dank für die Vorstellung, ich melde mich bei Ihnen, sobald wir "
           "gesprochen haben. Mit freundlichen Grüßen, Anna Schröder",
           "Hallo Jürgen, danke dir für die Vorstellung, ich melde mich, sobald wir gesprochen haben. LG Anna"),
    ("fr", "Bonjour Madame Moreau, merci pour votre message, je vous tiens au courant. Cordialement, Paul",
           "Salut Inès, merci pour ton message, je te tiens au courant. Bises, Paul"),
    ("es", "Estimada Sra. García: muchas gracias, le escribo cuando hayamos hablado. ¿Usted tiene su número? "
           "Atentamente, Pablo",
           "Hola Carmen, muchas gracias, te escribo cuando hayamos hablado. ¿Tienes tu número? Un abrazo, Pablo"),
    ("nl", "Geachte mevrouw De Vries, dank voor uw bericht, ik laat u weten hoe het ging. Met vriendelijke groet, Bram",
           "Hoi Carla, dank voor je bericht, ik laat je weten hoe het ging. Groetjes, Bram"),
    ("it", "Gentile dottoressa Rossi, La ringrazio per il messaggio, Le farò sapere come è andata. Cordiali saluti, "
           "Marco", "Ciao Carla, grazie per il messaggio, ti faccio sapere come è andata. Un abbraccio, Marco"),
]


@pytest.mark.parametrize("language, formal, informal", REPLIES)
def test_a_formal_writer_and_an_informal_one_are_told_apart(language, formal, informal):
    said = detect(formal, language)
    assert said.register == "formal", said
    assert detect(informal, language).register == "informal", detect(informal, language)
    assert language in said.reason and "“" in said.reason  # names the cue it went by


def test_the_pronoun_decides_before_the_closing_formula():
    # "Mit freundlichen Grüßen" is what many write under a "du" mail too.
    said = detect("Hallo Anna, kannst du mir bis Freitag Bescheid geben? Mit freundlichen Grüßen, Jo", "de")
    assert said.register == "informal" and "du" in said.reason


def test_an_intro_to_two_people_says_vous_to_both_whatever_the_register():
    intro = "Bonjour Anne, bonjour François, je vous présente l'un à l'autre : vous devriez vous parler."
    assert detect(intro, "fr", addressed=2).register is None
    assert detect(intro, "fr", addressed=1).register == "formal"  # to one reader, vous is the courtesy form
    assert detect(intro + " Bien cordialement, Camille", "fr", addressed=2).register == "formal"


def test_sie_opening_a_sentence_may_be_she():
    text = "Hallo Jo, das ist Anna. Sie sucht eine Steuerberaterin. Viele Grüße"
    assert detect(text, "de").register is None
    assert detect("Hallo Jo, ich stelle Ihnen Anna vor.", "de").register == "formal"


def test_english_and_words_alone_say_nothing():
    assert detect("Thank you so much, I will let you know how it goes.", "en").register is None
    assert detect("GEWONNEN 4.500 €", "de").register is None
    assert detect("", None).register is None


@pytest.mark.parametrize("text", [
    "Buenos días, Sr. García: gracias por la presentación, la llamaré mañana. Saludos, Pablo",  # a title, abbreviated
    "Buenos días: muchas gracias. ¿Podría Ud. enviarme su número? Saludos, Pablo",  # usted as most abbreviate it
    "Buenos días: le agradezco mucho la presentación. Saludos, Pablo",  # the courtesy verb, no pronoun
])
def test_a_spanish_formal_writer_without_the_word_usted(text):
    assert detect(text, "es").register == "formal", detect(text, "es")


def test_ustedes_abbreviated_is_plural_too():
    intro = "Hola a los dos: ¿Uds. ya se conocen? Creo que deberían hablar."
    assert detect(intro, "es", addressed=2).register is None
    assert detect("Buenos días, ¿Ud. ya la conoce?", "es", addressed=2).register == "formal"  # Ud. is one reader
