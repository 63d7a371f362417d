"""Every mail in both registers of a language that has two: a formal one says "Sie", "vous", "usted",
"u", "Lei" throughout and an informal one "du", "tu", "tú", "je", "tu" throughout, never a mix (a
macro the other register's file forgot would come in the register of _words.txt), and neither
leaves English in."""
import re

import pytest

from tests.outbound.test_languages import DAY, INTRO, INTRODUCER, MEMBER, OTHERS, cases, leftovers, words_of
from worker.core.locales import address
from worker.mail.register import CUES, PLURAL, PRONOUN
from worker.outbound.templating import BUILTIN, REGISTER_WORDS, Templates

REGISTERS = ("formal", "informal")
WITH_TWO = sorted(p.parent.name for r in REGISTERS for p in BUILTIN.glob(f"*/{REGISTER_WORDS.format(r)}"))


# Where the pronoun is dropped, the verb still shows the register: "responde" is tú, "responda"
# usted. The second-person forms our words use in one register, which the other must not say
# (each a whole word; only forms no third person shares: "tiene" may be Anna's, "tienes" never is).
OTHER_REGISTERS_VERBS = {
    ("es", "formal"): "responde respóndeme tienes quieres has fuiste pon piensa abre pega envíame preséntalos "
                      "pregúntale diste recibiste presentaste recomendaste habéis perdona cambia ignora promocionas "
                      "recomiendas devuelves podrías sabrás decías",
    ("es", "informal"): "responda respóndame envíeme ponga piense abra pegue pregúntele preséntelos disculpe cambie",
    ("nl", "formal"): "jullie hoef kun",
    ("it", "formal"): "rispondi hai sei eri vuoi devi puoi potresti metti pensa apri incolla ignora chiedi mandami "
                      "scusa aggiorna smetti presentali richiedimelo promuovi raccomandi restituisci intendevi "
                      "esegui aggiungi",
    ("it", "informal"): "risponda metta pensi apra incolli ignori chieda aggiorni scusi esegua aggiunga",
}


def wrong_address(text: str, language: str, register: str) -> list[str]:
    """The pronouns (worker/mail/register.py's cues) and verb forms of the other register in `text`."""
    verbs = OTHER_REGISTERS_VERBS.get((language, register), "").split()
    unquoted = re.sub(r"«[^»]*»", " ", text)  # a button's label («Rispondi a tutti») addresses nobody
    return [m.group(0) for tier, said, pattern in CUES[language].rows
            if tier in (PRONOUN, PLURAL) and said != register for m in pattern.finditer(text)] + \
        [w for w in re.findall(r"[^\W\d_]+", unquoted.lower()) if w in verbs]


def test_the_languages_with_two_registers():
    assert WITH_TWO == ["de", "es", "fr", "it", "nl"]


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
    ("fr", "formal"): ("Bonjour Zoë Åkesson-Lefèvre,\n\nMerci pour la mise en relation avec Inès Moreau — j'apprécie "
                       "vraiment que vous ayez pensé à moi", "Bien à vous,\nJürgen Müller\n",
                       "Zoë Åkesson-Lefèvre vous a présenté Inès Moreau"),
    ("fr", "informal"): ("Bonjour Zoë,\n\nMerci pour la mise en relation avec Inès Moreau — j'apprécie vraiment que "
                         "tu aies pensé à moi", "Bien à toi,\nJürgen\n",
                         "Zoë Åkesson-Lefèvre t'a présenté Inès Moreau"),
    # Spanish, Dutch, Italian: the whole name after a greeting that does not need the reader's gender
    ("es", "formal"): ("Buenos días, Zoë Åkesson-Lefèvre:\n\nMuchas gracias por presentarme a Inès Moreau. Le "
                       "agradezco mucho que haya pensado en mí.", "Un cordial saludo,\nJürgen Müller\n",
                       "Zoë Åkesson-Lefèvre le presentó a Inès Moreau"),
    ("es", "informal"): ("Hola, Zoë:\n\nGracias por presentarme a Inès Moreau. Me alegra mucho que hayas pensado en "
                         "mí.", "Un abrazo,\nJürgen\n", "Zoë Åkesson-Lefèvre te presentó a Inès Moreau"),
    ("nl", "formal"): ("Beste Zoë Åkesson-Lefèvre,\n\nHartelijk dank dat u mij met Inès Moreau in contact heeft "
                       "gebracht", "Met vriendelijke groet,\nJürgen Müller\n",
                       "heeft Zoë Åkesson-Lefèvre u voorgesteld aan Inès Moreau"),
    ("nl", "informal"): ("Hallo Zoë,\n\nBedankt dat je me met Inès Moreau in contact hebt gebracht",
                         "Hartelijke groet,\nJürgen\n", "heeft Zoë Åkesson-Lefèvre je voorgesteld aan Inès Moreau"),
    ("it", "formal"): ("Gentile Zoë Åkesson-Lefèvre,\n\nLa ringrazio per avermi fatto conoscere Inès Moreau: "
                       "apprezzo davvero che Lei abbia pensato a me.", "Cordiali saluti,\nJürgen Müller\n",
                       "Zoë Åkesson-Lefèvre Le ha presentato Inès Moreau"),
    ("it", "informal"): ("Ciao Zoë,\n\ngrazie per avermi fatto conoscere Inès Moreau: apprezzo davvero che tu abbia "
                         "pensato a me.", "Un caro saluto,\nJürgen\n",
                         "Zoë Åkesson-Lefèvre ti ha presentato Inès Moreau"),
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


@pytest.mark.parametrize("language", WITH_TWO)
def test_a_reader_nobody_knows_is_written_to_formally(language):
    # worker/core/locales.py WHEN_UNKNOWN: it takes effect only where the formal words exist
    follow_up = Templates().render("follow_up", language, address(language, None).register, **INTRO, date=DAY)
    assert follow_up.register == "formal" and not wrong_address(words_of(follow_up), language, "formal")


@pytest.mark.parametrize("language", WITH_TWO)
def test_the_formal_register_greets_by_the_whole_name_in_every_mail(language):
    """Second user trial: 'Bonjour Marc' beside 'Guten Tag Dr. Peter Lange', and a formal clarification's
    'Buenos días, Jürgen:' — formal mail greets by the whole name, informal mail by the first."""
    templates = Templates()
    greeted = {"greet": "Jürgen", "greet_full": "Jürgen Müller"}
    for kind, data in (("clarification", {**INTRO, **greeted}), ("follow_up", {**INTRO, "date": DAY}),
                       ("thank_you", THANKS)):
        full = "Jürgen Müller" if kind != "thank_you" else THANKS["introducer"]["name"]
        formal, informal = (templates.render(kind, language, r, **data).text.split("\n")[0] for r in REGISTERS)
        assert full in formal, (kind, formal)
        assert full not in informal and full.split()[0] in informal, (kind, informal)


@pytest.mark.parametrize("language", WITH_TWO)
def test_the_footer_names_the_member_as_the_signature_does(language):
    """User trial: a formal German mail signed 'Katrin Bauer' and its footer said 'im Auftrag von Katrin'."""
    templates = Templates()
    formal, informal = (templates.render("thank_you", language, r, **THANKS) for r in REGISTERS)
    footer = {r: [line for line in m.text.splitlines() if line.startswith("(")][-1]
              for r, m in zip(REGISTERS, (formal, informal), strict=True)}
    assert "Jürgen Müller)" in footer["formal"] and "Jürgen Müller" in formal.html.split("<br>")[-1]
    assert footer["informal"].endswith("Jürgen)"), footer
