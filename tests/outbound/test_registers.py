"""Every mail in both registers of a language that has two: a formal one says "Sie", "vous", …
throughout and an informal one "du", "tu", … throughout, never a mix (a macro the other register's
file forgot would come in the register of _words.txt), and neither leaves English in."""
import pytest

from tests.outbound.test_languages import DAY, INTRO, INTRODUCER, MEMBER, OTHERS, cases, leftovers, words_of
from worker.mail.register import CUES, PLURAL, PRONOUN
from worker.outbound.templating import BUILTIN, REGISTER_WORDS, Templates

REGISTERS = ("formal", "informal")
WITH_TWO = sorted(p.parent.name for r in REGISTERS for p in BUILTIN.glob(f"*/{REGISTER_WORDS.format(r)}"))


def wrong_address(text: str, language: str, register: str) -> list[str]:
    """The pronouns of the other register in `text` (worker/mail/register.py's cues)."""
    return [m.group(0) for tier, said, pattern in CUES[language].rows
            if tier in (PRONOUN, PLURAL) and said != register for m in pattern.finditer(text)]


def test_the_languages_with_two_registers():
    assert WITH_TWO == ["de", "fr"]


@pytest.mark.parametrize("register", REGISTERS)
@pytest.mark.parametrize("language", WITH_TWO)
def test_every_mail_keeps_one_register_and_no_english(language, register):
    templates = Templates()
    for kind, data in cases():
        rendered = templates.render(kind, language, register, **data)
        said = words_of(rendered)
        assert rendered.register == register
        assert not wrong_address(said, language, register), (kind, wrong_address(said, language, register), said)
        assert not leftovers(said, language), (kind, leftovers(said, language))


THANKS = {"introducer": INTRODUCER, "member": MEMBER, "intros": [{"others": OTHERS[:1], "subject": "", "date": DAY}]}
# What the reader of each sees first: the thank-you to an introducer and the follow-up to a member.
SEEN = {
    ("de", "formal"): ("Guten Tag Zoë Åkesson-Lefèvre,\n\nvielen Dank, dass Sie mich mit Inès Moreau bekannt "
                       "gemacht haben", "Freundliche Grüße\nJürgen Müller\n",
                       "hat Zoë Åkesson-Lefèvre Sie mit Inès Moreau bekannt gemacht"),
    ("de", "informal"): ("Hallo Zoë,\n\nvielen Dank, dass du mich mit Inès Moreau bekannt gemacht hast",
                         "Herzliche Grüße\nJürgen\n", "hat Zoë Åkesson-Lefèvre dich mit Inès Moreau bekannt gemacht"),
    ("fr", "formal"): ("Bonjour Zoë,\n\nMerci pour la mise en relation avec Inès Moreau — j'apprécie vraiment que "
                       "vous ayez pensé à moi", "Bien à vous,\nJürgen\n",
                       "Zoë Åkesson-Lefèvre vous a présenté Inès Moreau"),
    ("fr", "informal"): ("Bonjour Zoë,\n\nMerci pour la mise en relation avec Inès Moreau — j'apprécie vraiment que "
                         "tu aies pensé à moi", "Bien à toi,\nJürgen\n",
                         "Zoë Åkesson-Lefèvre t'a présenté Inès Moreau"),
}


@pytest.mark.parametrize("language, register", sorted(SEEN))
def test_the_thank_you_and_the_follow_up_in_each_register(language, register):
    opening, closing, asked = SEEN[language, register]
    templates = Templates()
    thanks = templates.render("thank_you", language, register, **THANKS)
    assert thanks.text.startswith(opening) and closing in thanks.text, thanks.text
    follow_up = templates.render("follow_up", language, register, **INTRO, date=DAY)
    assert asked in follow_up.text, follow_up.text
    assert (thanks.language, follow_up.register) == (language, register)


def test_english_has_one_register():
    formal, plain = (Templates().render("thank_you", "en", r, **THANKS) for r in ("formal", ""))
    assert formal.text == plain.text and formal.register == ""
