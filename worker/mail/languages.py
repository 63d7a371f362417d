"""Which of our languages a person wrote in: counted from the small words every sentence has.

Intros and replies are short, full of names and addresses; the words that carry no meaning of
their own ("und", "the", "vous", "het") still say the language after a line or two. A word two
languages share ("de", "la", "in") says nothing and is left out. Too few words, or two languages
too close, is no answer (None): a one-word reply like "WON" tells us nothing about its writer.
"""
import re
from collections import Counter

from worker.core.locales import LANGUAGES

_WORDS = {
    "en": """the and you your to of is are was were be been have has had that this with for will would can could
        should it we they them my me our i meet introduce introducing thanks thank hope who what about just let
        know looking forward please from at on she he her his also great hi hello best regards wanted think
        really here there which when if or but not connect touch""",
    "de": """der die das und ich du sie wir ihr ist sind nicht mit für auf dem den ein eine einen einem es zu von
        auch dich dir mich mir ihnen euch gern gerne vorstellen kennen hallo liebe lieber viele grüße grüßen
        danke bitte schon noch sehr bei wie was dass hat habe haben wird kann möchte würde oder aber meine mein
        deine dein ihre unser sich ganz gesagt kennenlernen freundliche beste""",
    "fr": """le la les et je tu vous nous il elle est sont pas avec pour sur un une des du au aux ce cette que qui
        mais ou mon ma mes ton ta votre vos notre bonjour merci présenter présente bien très avez ai suis été
        être faire peux pouvez cordialement salut chère cher vais serait leur dans ne""",
    "es": """el la los las y yo tú usted es son no con para por un una unos del al que pero mi mis tu tus su sus
        hola gracias presentar presento muy está estoy tengo tiene hacer puede saludos querido querida también
        como cuando donde este esta ustedes os te le les se en lo""",
    "nl": """de het een en ik jij je u wij we zij is zijn niet met voor op van dat die dit maar of mijn jouw uw
        onze hallo hoi bedankt dank graag voorstellen kennen heel ook hebben heb heeft kan kunnen wil zou groeten
        groet beste even naar bij wat hoe wel nog jullie er te""",
    "it": """il lo la gli le e io tu lei noi voi è sono non con per un una uno del della dei che ma mio mia tuo
        tua suo sua ciao grazie presentare presento molto anche ho hai ha abbiamo fare può saluti cari caro cara
        questo questa come quando dove vorrei volevo sei siamo ti vi si di da in""",
}
_SHARED = {w for w, n in Counter(w for words in _WORDS.values() for w in set(words.split())).items() if n > 1}
_LANGUAGE_OF = {w: lang for lang, words in _WORDS.items() for w in words.split() if w not in _SHARED}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
MIN_WORDS = 3       # fewer telling words than this: no answer
MARGIN = 2.0        # the winner needs twice the runner-up's count
_MAX_TEXT = 20_000  # the start of a long mail says its language; the rest costs time

assert set(_WORDS) == set(LANGUAGES), "a language we write needs words to be recognised by"


def detect(text: str) -> str | None:
    """"de", "fr", … for the language `text` is written in, or None when it does not say."""
    counts = Counter(lang for word in _TOKEN.findall(text[:_MAX_TEXT].lower())
                     if (lang := _LANGUAGE_OF.get(word.replace("’", "'"))))
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] < MIN_WORDS:
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return ranked[0][0] if ranked[0][1] >= MARGIN * runner_up else None
