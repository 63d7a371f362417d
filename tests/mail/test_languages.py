"""Which language a person wrote in, from intros and replies as people write them."""
import pytest

from worker.mail.languages import detect

WRITTEN = {
    "en": "Hi Anna, I wanted to introduce you to Bob Stone, who is looking for a bookkeeper for his "
          "bakery. I think you two should talk. Best, Carol",
    "de": "Hallo Anna, ich möchte dir gern Jürgen Bäcker vorstellen. Er sucht eine Steuerberaterin für "
          "seine Bäckerei in Köln, und ich habe ihm gesagt, dass du die Beste bist. Viele Grüße, Carola",
    "fr": "Bonjour Anne, je vous présente François Lefèvre, qui cherche un comptable pour sa boulangerie. "
          "Je pense que vous devriez vous parler. Bien cordialement, Camille",
    "es": "Hola Ana, te presento a Íñigo Martínez, que busca una asesora fiscal para su panadería. Creo que "
          "os vendría muy bien hablar. Un abrazo, Carmen",
    "nl": "Hoi Anna, ik wil je graag voorstellen aan Bram de Vries, die een boekhouder zoekt voor zijn "
          "bakkerij. Jullie moeten echt even praten. Groeten, Carla",
    "it": "Ciao Anna, ti presento Niccolò Ferrari che cerca un commercialista per il suo panificio. Credo "
          "che dovreste sentirvi, è una persona molto seria. Un saluto, Carla",
}


@pytest.mark.parametrize("language", sorted(WRITTEN))
def test_an_intro_says_its_language(language):
    assert detect(WRITTEN[language]) == language


@pytest.mark.parametrize("language", sorted(WRITTEN))
def test_a_reply_of_one_sentence_says_it_too(language):
    reply = {"en": "We met last week and it went really well, thanks!",
             "de": "Wir haben uns letzte Woche getroffen, das war sehr gut, danke!",
             "fr": "Nous nous sommes vus la semaine dernière, c'était très bien, merci !",
             "es": "Nos reunimos la semana pasada y fue muy bien, ¡gracias!",
             "nl": "We hebben elkaar vorige week gesproken en het was heel goed, bedankt!",
             "it": "Ci siamo visti la settimana scorsa ed è andata molto bene, grazie!"}[language]
    assert detect(reply) == language


def test_a_word_a_name_or_an_amount_says_nothing():
    for text in ("WON", "GEWONNEN 4.500 €", "Alice Brook <alice@y.example>", "MET\n\nSent from my iPhone", ""):
        assert detect(text) is None
