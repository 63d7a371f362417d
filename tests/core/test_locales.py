"""Which language a mail is written in, and how each language writes dates and lists of names."""
from datetime import UTC, datetime

from worker.core.locales import choose, names, supported, when

DAY = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)


def test_what_they_wrote_in_beats_their_setting_which_beats_the_default():
    assert choose("de", "fr", "en").language == "de"
    assert choose(None, "fr", "en").language == "fr"
    assert choose(None, None, "nl").language == "nl"
    assert choose("pt", "xx", "it").language == "it"  # languages we do not write fall through
    assert choose("de", None, "en").reason == "they wrote to us in de"


def test_language_tags_are_read_by_their_language():
    assert [supported(t) for t in ("DE", "de-CH", "fr_BE", "pt-BR", "", None)] == ["de", "de", "fr", None, None, None]


def test_dates_as_each_language_writes_them():
    assert [when(DAY, "long", lang) for lang in ("en", "de", "fr", "es", "nl", "it")] == [
        "16 November 2026", "16. November 2026", "16 novembre 2026", "16 de noviembre de 2026",
        "16 november 2026", "16 novembre 2026"]
    assert when(DAY, "full", "en") == "Monday 16 November 2026"
    assert when(DAY, "full", "de") == "Montag, 16. November 2026"
    assert when(DAY, "weekday", "fr") == "lundi 16 novembre"
    assert when(DAY, "month", "es") == "noviembre de 2026"
    assert when(None, "long", "de") == ""


def test_lists_of_names_join_with_the_languages_and():
    three = ["Zoë Åkesson", "Jürgen Müller", "Ana"]
    assert names(three, "en") == "Zoë Åkesson, Jürgen Müller and Ana"
    assert names(three, "de") == "Zoë Åkesson, Jürgen Müller und Ana"
    assert names(["Ana", "Inés"], "es") == "Ana e Inés"  # y becomes e before an i sound
    assert names(["Ana", "Hielo"], "es") == "Ana y Hielo"
    assert names(["Bram", "Eva"], "nl") == "Bram en Eva"
    assert names(["Solo"], "it") == "Solo" and names([], "fr") == ""
    assert names(["Marco", "Elena"], "it") == "Marco ed Elena"  # e becomes ed before an e
    assert names(["Marco", "Anna"], "it") == "Marco e Anna"
