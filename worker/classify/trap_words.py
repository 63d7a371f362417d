"""Intro words where no one is introduced: a request to be introduced, a meeting the writer proposes, an intro
the writer would make but does not.

Two of issue 14's precision traps, kept as data in the six languages we read (language.py merges them
into its TRAPS, so an intro word inside one does not count):
  - the writer asks to be introduced: "kannst du mich mit einem guten Notar bekannt machen?",
    "Pourriez-vous me mettre en relation avec un bon plombier ?", "do you know a good lawyer?";
  - the writer proposes to meet the people they write to: "we should meet next week",
    "können wir uns am Dienstag treffen?", "zullen we volgende week kennismaken?";
  - the writer would make the intro, or would have, but does not: "I'd introduce them myself but I don't know
    him", "je vous aurais bien présentés mais …" (WOULD_HAVE).
Each phrase runs to the end of its sentence: the intro words a request or a meeting carries ("could you
introduce me to someone who …", "let's meet Tuesday to go over the intro deck") are in it.
`trap_kind` names which kind a trap phrase is, for the verdict's reason.
"""
import re

from worker.mail.flowed import rejoin

_I = re.IGNORECASE | re.UNICODE
# The rest of the sentence, on text whose wrapped lines were joined (language.Cues): a blank line ends it.
_REST = r"[^.!?\n]{0,160}"
_QUESTION = r"[^.!?\n]{0,160}\?"

# The writer (or the writer's side) is the one to be introduced, asked in a question or as a wish.
REQUESTS = [re.compile(p, _I) for p in (
    # English: "could you introduce me to …", "would you be able to put me in touch with …"
    r"\b(?:introduce|introducing|connect|connecting|put|putting|intro|e-?intro|refer|referring|hook)"
    r" (?:me|us)(?: up)? (?:in touch |in contact )?(?:to|with)\b" + _REST,
    r"\b(?:could|can|would|will) you (?:\w+ ){0,3}?(?:introduce|connect|intro) (?:me|us)\b" + _REST,
    # "do you know a good commercial lawyer?", "know anyone at Acme who …?"
    r"\b(?:do|would|d['’]) you (?:happen to |by any chance )?know (?:of )?(?:anyone|anybody|someone|somebody"
    r"|any good|a good|a reliable|a trusted|a great|an? \w+ who)\b" + _QUESTION,
    r"\bknow (?:of )?(?:anyone|anybody|someone|somebody) (?:who|that|at|in|for)\b" + _QUESTION,
    r"\b(?:can|could|would) you recommend (?:me |us )?(?:a|an|any|someone|somebody|anyone)\b" + _REST,
    # German: "kannst du mich mit einem guten Notar bekannt machen?", "könnten Sie mich … vorstellen?"
    r"\b(?:kannst|könntest|würdest|magst|willst|könnt|könntet|würdet|können|könnten|würden)"
    r" (?:du|ihr|sie)\b[^.!?\n]{0,60}?\b(?:mich|uns)\b[^.!?\n]{0,80}?(?:bekannt ?(?:zu )?machen|vor(?:zu)?stellen"
    r"|in kontakt (?:zu )?bringen|vernetzen|vermitteln|empfehlen)" + _REST,
    r"\bmich (?:(?!euch|dich|sie|ihnen)\w+ ){0,3}?mit\b[^.!?\n]{0,60}?bekannt ?(?:zu )?machen" + _REST,
    # "kennst du jemanden, der …?", "kennen Sie einen guten Notar?"
    r"\bkenn(?:st du|en sie|t ihr)\b(?: \w+){0,2}? (?:jemanden|wen|einen|eine|ein)\b" + _QUESTION,
    # French: "pourriez-vous me mettre en relation avec …", "tu pourrais me présenter …"
    r"\b(?:me|m['’]|nous) (?:\w+ )?(?:mettre|mettiez|mettes) en (?:relation|contact)\b" + _REST,
    r"\b(?:pourriez|pouvez|pourrais|peux|voudriez|voudrais)[- ](?:vous|tu) (?:me|nous) (?:\w+ )?"
    r"(?:présenter|introduire|recommander)\b" + _REST,
    r"\b(?:tu|vous) (?:pourrais|pourriez|peux|pouvez) (?:me|nous) (?:\w+ )?(?:présenter|introduire)\b" + _REST,
    # "connais-tu quelqu'un qui …?", "vous connaissez un bon notaire ?"
    r"\b(?:connais[- ]tu|connaissez[- ]vous|tu connais|vous connaissez|conna[iî]trais[- ]tu|conna[iî]triez[- ]vous"
    r"|aurais[- ]tu|auriez[- ]vous)(?: \w+)? (?:quelqu['’]un|un|une|des)\b" + _QUESTION,
    # Spanish: "¿me podrías presentar a un buen abogado?", "¿podrías ponerme en contacto con …?"
    r"\b(?:me|nos) (?:podrías|puedes|podría|podéis|podríais|pueden|podrían) (?:\w+ )?(?:presentar|poner en contacto"
    r"|recomendar)\b" + _REST,
    r"\b(?:podrías|puedes|podría|podéis|podríais) (?:\w+ )?(?:presentarme|presentarnos|ponerme en contacto"
    r"|ponernos en contacto)\b" + _REST,
    # "¿conoces a alguien que …?", "¿conoce usted un buen notario?"
    r"\b(?:conoces|conocéis|conoce usted|conoce|conocerías|sabes de)(?: \w+)? (?:a )?(?:alguien|algún|alguna"
    r"|un|una)\b" + _QUESTION,
    # Dutch: "kun je mij in contact brengen met …", "zou u ons willen voorstellen aan …"
    r"\b(?:kun|kan|kunt|zou|wil|wilt) (?:je|jij|u)\b[^.!?\n]{0,40}?\b(?:mij|me|ons)\b[^.!?\n]{0,60}?"
    r"(?:in contact (?:te )?brengen|voor(?:te)?stellen|voor te stellen|aanbevelen|doorverwijzen)" + _REST,
    # "ken je iemand die …?", "weet u een goede notaris?"
    r"\b(?:ken|kent|weet) (?:je|jij|u)(?: \w+)? (?:iemand|een|wat)\b" + _QUESTION,
    # Italian: "mi potresti presentare un buon notaio?", "potresti mettermi in contatto con …"
    r"\b(?:mi|ci) (?:potresti|puoi|potrebbe|potreste|può|potete) (?:\w+ )?(?:presentare|mettere in contatto"
    r"|consigliare)\b" + _REST,
    r"\b(?:potresti|puoi|potrebbe|potreste) (?:\w+ )?(?:presentarmi|presentarci|mettermi in contatto"
    r"|metterci in contatto)\b" + _REST,
    # "conosci qualcuno che …?", "conosce un bravo commercialista?"
    r"\b(?:conosci|conosce|conoscete|conosceresti)(?: \w+)? (?:qualcuno|un|una|uno)\b" + _QUESTION,
)]

# The writer asks someone on the mail to introduce a third person to someone of theirs: "Sam, would you mind
# introducing Dana to your accountant?", "Könntest du Dana deinem Steuerberater vorstellen?". The intro is
# asked for, not made: the one to be introduced to ("your accountant") is on no one's address line.
# Each row: what asks (a question or "please"), then in one sentence the intro verb and whose person it is
# (your, deinem, ton, tu, je, tuo …) in the order the language puts them. English wants "to your" right after
# the one introduced, so "please let me introduce Sam to Dana, his new bookkeeper" stays an intro; the one
# introduced is named there, not "you", "me", "us" (offers and REQUESTS).
_S = r"[^.!?\n]{0,60}?"
ASKS_TO_INTRODUCE = [re.compile(r"\b(?:" + asks + r")\b" + _S + then + _REST, _I) for asks, then in (
    # English
    (r"would you mind|do you mind|could you|can you|would you|will you|are you able to|any chance you could"
     r"|please",
     r"\b(?:introduc(?:e|ing)|connect(?:ing)?|put(?:ting)?|hook(?:ing)?) (?!you\b|yourself|yourselves|us\b|me\b)"
     r"[\w'’-]+(?: [\w'’-]+)?(?: up)?(?: in touch| in contact)? (?:to|with) (?:one of )?(?:your|his|her|their"
     r"|someone|somebody|anyone)\b"),
    # German: "… Dana deinem Steuerberater vorstellen", "… mit deinem Anwalt bekannt machen"
    (r"kannst du|könntest du|würdest du|magst du|könnt ihr|könntet ihr|würdet ihr|können sie|könnten sie"
     r"|würden sie|wärst du so nett|wären sie so nett",
     r"\b(?:deine[mnr]?|ihre[mnr]?|eure[mnr]?|seine[mnr]?|jemandem)\b" + _S
     + r"(?:vor(?:zu)?stellen|bekannt ?(?:zu )?machen|in kontakt (?:zu )?bringen|vernetzen)"),
    # French: "… présenter Dana à ton comptable", "… mettre Dana en relation avec ton notaire"
    (r"pourrais[- ]tu|pourriez[- ]vous|peux[- ]tu|pouvez[- ]vous|tu pourrais|vous pourriez|tu peux|vous pouvez"
     r"|voudrais[- ]tu|voudriez[- ]vous|ça te dérangerait|cela vous dérangerait",
     r"\b(?:présenter|mettre" + _S + r"en (?:relation|contact))" + _S
     + r"\b(?:à|avec) (?:ton|ta|tes|votre|vos|son|sa|ses|leur|leurs)\b"),
    # Spanish: "… presentarle a Dana tu abogado", "… poner a Dana en contacto con tu gestor" (not "podría": "I could")
    (r"podrías|puedes|podéis|podríais|podría usted|usted podría|te importaría|le importaría|os importaría",
     r"\b(?:presentar\w*|poner\w*" + _S + r"en contacto)" + _S + r"\b(?:tu|tus|su|sus|vuestr[oa]s?)\b"),
    # Dutch: "… Dana voorstellen aan je boekhouder", "… Dana aan je boekhouder voorstellen" ("ik zou je graag aan
# haar voorstellen" is the writer's own intro)
    (r"(?<!ik )(?<!we )(?<!wij )(?:kun je|kan je|kunt u|zou je|zou u|wil je|wilt u)",
     r"(?:\b(?:voor(?:te)?stellen|voor te stellen|in contact (?:te )?brengen)" + _S
     + r"\b(?:aan|met) (?:je|jouw|uw|zijn|haar|hun)\b|\b(?:aan|met) (?:je|jouw|uw|zijn|haar|hun)\b" + _S
     + r"(?:voor(?:te)?stellen|voor te stellen|in contact (?:te )?brengen))"),
    # Italian: "… presentare Dana al tuo commercialista", "… mettere Dana in contatto con il tuo avvocato"
    (r"potresti|puoi|potrebbe|potreste|potete|ti dispiacerebbe|le dispiacerebbe",
     r"\b(?:presentar\w*|mettere" + _S + r"in contatto)" + _S
     + r"\b(?:tuo|tua|tuoi|tue|suo|sua|suoi|sue|vostr[oaie])\b"),
)]

# The writer says they would make the intro, or would have, but do not: "Sam, can you put Dana in touch with
# your lawyer? I'd introduce them myself but I don't know him." The intro words are a wish or a regret, no one is
# introduced. A past conditional ("I would have introduced you", "ich hätte euch vorgestellt", "je vous aurais
# présentés") is never an intro; a present one only with "but" or "myself" after it, for "I'd love to introduce
# you to Sam" and "ik zou je graag aan haar voorstellen" are the writer's own intros.
_V_EN = r"(?:introduce|connect|put [\w'’-]+(?: [\w'’-]+)? in touch|make the intro(?:duction)?)"
_V_DE = r"(?:vor(?:zu)?stellen|bekannt ?(?:zu )?machen|in kontakt (?:zu )?bringen|vernetzen|zusammenbringen)"
_V_NL = r"(?:voor(?:te)?stellen|voor te stellen|in contact (?:te )?brengen|koppelen)"
WOULD_HAVE = [re.compile(p + _REST, _I) for p in (
    # English: "I would have introduced you but …", "I'd introduce them myself but I don't know him"
    r"\b(?:i|we)(?:['’]d| would| could)(?: have(?! to)|['’]ve)\b(?: \w+){0,3}? (?:introduced|introduce|connected"
    r"|connect|put|made|make)\b",
    r"\b(?:i|we)(?:['’]d| would)(?: (?!like\b|love\b|be\b)\w+){0,2}? " + _V_EN
    + r"\b[^.!?\n]{0,80}?\b(?:but|myself|ourselves|except)\b",
    r"\b(?:i|we) (?:can['’]?t|cannot|couldn['’]?t|won['’]?t|am not able to|are not able to|am unable to)"
    r"(?: really)? " + _V_EN + r"\b",
    # German: "ich würde euch ja selbst vorstellen, aber …", "ich hätte euch gern bekannt gemacht"
    r"\b(?:ich|wir) (?:hätte|hätten)\b[^.!?\n]{0,60}?\b(?:vorgestellt|bekannt ?gemacht|in kontakt gebracht|vernetzt"
    r"|zusammengebracht|vorstellen (?:können|wollen|sollen))\b",
    r"\b(?:ich|wir) (?:würde|würden)\b[^.!?\n]{0,60}?\b" + _V_DE + r"\b[^.!?\n]{0,80}?\b(?:aber|allerdings|jedoch)\b",
    r"\b(?:ich|wir) (?:würde|würden)\b[^.!?\n]{0,30}?\b(?:selbst|selber)\b[^.!?\n]{0,40}?\b" + _V_DE + r"\b",
    # French: "je vous aurais bien présentés mais …", "je vous présenterais bien, mais …"
    r"\b(?:aurais|aurions)\b[^.!?\n]{0,40}?\b(?:présent\w*|mis\w* en (?:relation|contact)"
    r"|mettre\b[^.!?\n]{0,20}?en (?:relation|contact))",
    r"\b(?:présenterais|présenterions|(?:mettrais|mettrions)\b[^.!?\n]{0,30}?en (?:relation|contact))\b"
    r"[^.!?\n]{0,80}?(?:\bmais\b|\bmoi-même|\bnous-mêmes)",
    # Spanish: "os habría presentado, pero …", "os presentaría yo mismo, pero no lo conozco"
    r"\b(?:habría|habríamos)\b[^.!?\n]{0,40}?\b(?:presentado|presentar(?:te|os|les|los|las|le|la|lo)?\b"
    r"|puesto en contacto|poner\w* en contacto)",
    r"\b(?:hubiera|hubiese|hubiéramos|hubiésemos)\b(?: \w+){0,2}? (?:presentado|puesto en contacto)",
    r"\b(?:presentaría|presentaríamos|pondría|pondríamos)\b[^.!?\n]{0,80}?\b(?:pero|yo mism[oa]"
    r"|nosotr[oa]s mism[oa]s)\b",
    # Dutch: "ik had jullie graag aan elkaar voorgesteld, maar …", "ik zou jullie zelf voorstellen, maar …"
    r"\b(?:ik|we|wij) (?:had|hadden)\b[^.!?\n]{0,50}?\b(?:voorgesteld|in contact gebracht|gekoppeld"
    r"|willen voorstellen|voor willen stellen)\b",
    r"\b(?:ik|we|wij) (?:zou|zouden)\b[^.!?\n]{0,60}?\b" + _V_NL + r"\b[^.!?\n]{0,80}?\bmaar\b",
    r"\b(?:ik|we|wij) (?:zou|zouden)\b[^.!?\n]{0,30}?\bzelf\b[^.!?\n]{0,40}?\b" + _V_NL + r"\b",
    # Italian: "vi avrei presentato io, ma …", "vi presenterei io stesso, ma …"
    r"\b(?:avrei|avremmo)\b[^.!?\n]{0,40}?\b(?:presentat[oiae]|presentar\w*|mess[oiae] in contatto"
    r"|metter\w* in contatto)",
    r"\b(?:presenterei|presenteremmo|metterei|metteremmo)\b[^.!?\n]{0,80}?\b(?:ma|però|io stess[oa])\b",
)]

# The writer says the intro is not made: "I'm not introducing you yet", "ich stelle euch noch nicht vor", "je ne
# vous présente pas encore", "todavía no os presento", "ik stel jullie nog niet voor", "non vi presento ancora".
# The match is the negated clause alone (no rest of the sentence): "I don't think you two have met, so let me
# introduce you" and "ich weiß nicht ob ihr euch kennt aber ich stelle euch vor" stay intros, for the "not"
# belongs to another verb; German and Dutch keep to one clause where no comma marks it (_DE, _NL).
_CLAUSE = r"[^.!?\n,;:]"
_DE = r"(?:(?!\b(?:aber|sondern|doch|ob|dass|und|weil)\b)[^.!?\n,;:])"
_NL = r"(?:(?!\b(?:maar|of|dat|en|omdat)\b)[^.!?\n,;:])"
NOT_MADE = [re.compile(p, _I) for p in (
    # English: "I'm not introducing you yet", "I didn't introduce them", "we won't connect you"
    r"\b(?:i|we)(?:['’]m| am| are|['’]re) not (?:yet |going to |able to )?(?:introducing|introduce|connecting"
    r"|connect|putting|put)\b",
    r"\b(?:i|we) (?:do(?:n['’]t| not)|did(?:n['’]t| not)|have(?:n['’]t| not)|won['’]t|will not|shan['’]t|never)"
    r" (?:yet |ever )?(?:introduce|introduced|connect|connected|put|make the intro(?:duction)?)\b",
    # German: "ich stelle euch noch nicht vor", "ich möchte euch nicht miteinander bekannt machen" (not "nicht nur")
    r"\b(?:ich|wir)\b" + _DE + r"{0,40}?\b(?:nicht|nie)\b(?! nur\b)" + _DE + r"{0,40}?(?:\bvor(?:zu)?stellen"
    r"|\bvorgestellt|\bvor\b|\bbekannt ?(?:zu )?mach\w*|\bbekannt ?gemacht|\bin kontakt (?:zu )?bring\w*)",
    # French: "je ne vous présente pas encore", "je ne vous ai pas présentés", "je n'ai pas donné ton numéro"
    r"\bne (?:vous|te|les|leur|lui) (?:présente\w*|mets|mettrai\w*) (?:pas|jamais|plus|point)\b",
    r"\bn(?:e |['’])(?:vous |te |t['’]|les |leur |lui )?(?:ai|avons|vais|allons) (?:pas|jamais|plus|point)"
    r" (?:encore )?(?:présent\w*|mis en (?:relation|contact)|mettre en (?:relation|contact)|donné|transmis|passé)",
    # Spanish: "todavía no os presento", "no te voy a presentar", "no le he dado tu número"
    r"\bno (?:(?:te|os|le|les|lo|los|la|las|voy|vamos|he|hemos|a|todavía|aún|puedo|podemos|quiero) ){0,4}"
    r"(?:present\w*|puesto en contacto|poner\w* en contacto|dado|di|doy|pasado|pasé|paso)\b",
    # Dutch: "ik stel jullie nog niet aan elkaar voor", "ik heb je nummer niet doorgegeven"
    r"\b(?:ik|we|wij)\b" + _NL + r"{0,40}?\b(?:niet|nooit)\b" + _NL + r"{0,40}?\b(?:voor|voorgesteld|voorstellen"
    r"|voor te stellen|in contact (?:te )?brengen|gegeven|doorgegeven)\b",
    # Italian: "non vi presento ancora", "non ho dato il tuo numero a Luis"
    r"\bnon (?:(?:ti|vi|le|gli|li|ve|te|ho|abbiamo|ancora|posso|possiamo|voglio|sto|il|tuo|suo|numero) ){0,4}"
    r"(?:present\w*|messo in contatto|mettere in contatto|metto in contatto|dato|passato|do|passo)\b",
)]

# A heads-up the writer says is not coming: "Kirk won't call you after all", "I haven't given Kirk your number
# yet", "der Thomas meldet sich nicht bei dir". The heads-up rule takes no name from inside one (rules._heads_up_name).
NOT_COMING = [re.compile(p, _I) for p in (
    r"\b\w+(?: won['’]t| will not| isn['’]t going to| is not going to| aren['’]t going to| are not going to"
    r"| never) (?:be )?(?:call|calling|contact|contacting|e-?mail|ring|phone|text|get in touch|be in touch"
    r"|reach out)\b",
    r"\b(?:i|we) (?:did(?:n['’]t| not)|have(?:n['’]t| not)|won['’]t|will not|never|(?:am|are) not going to"
    r"|do(?:n['’]t| not)) (?:yet )?(?:give|gave|given|pass|passed|share|shared|send|sent|forward|forwarded|hand"
    r"|handed)\b" + _CLAUSE + r"{0,60}",
    r"\bmeld\w* sich (?:\w+ ){0,3}?(?:nicht|nie)\b", r"\b(?:ruft|rufen) (?:dich|sie|euch) (?:\w+ ){0,2}?nicht an\b",
    r"\bwird (?:sich|dich|sie|euch) (?:\w+ ){0,3}?nicht\b",
    r"\b(?:habe|hab|gebe|gab)\b" + _DE + r"{0,60}?\bnicht (?:\w+ )?(?:gegeben|weitergegeben|geben)\b",
    r"\bne (?:va|vont) (?:pas|jamais) (?:t|vous)['’] ?(?:appeler|contacter)\b",
    r"\bno (?:te|le|os|les) (?:va a |van a )?(?:llamar\w*|contactar\w*)\b", r"\bno se pondrá\b",
    r"\b(?:belt|mailt|bellen) (?:je|u|jou) (?:\w+ )?niet\b", r"\bneemt geen contact\b",
    r"\bnon (?:ti|la|vi|le) (?:chiamerà|contatterà|chiama|contatta)\b",
)]

# The writer proposes to meet, get to know or see the people written to: they are among those meeting, so
# no one is introduced ("you two should meet" is an intro: language.STRONG_INTRO).
MEETINGS = [re.compile(p, _I) for p in (
    # English: "let's meet on Tuesday", "can we meet", "we should get to know each other"
    r"\b(?:let['’]?s|let us|shall we|can we|could we|should we|we should|we could|we must|we need to|we['’]ll"
    r"|we will|i['’]d (?:like|love) to|i would (?:like|love) to|i want to|would you like to|can i|could i)"
    r"(?: all| both| finally| quickly| briefly| maybe| perhaps)? (?:meet|get together|sit down|catch up)\b" + _REST,
    r"\b(?:we|us|let['’]?s)\b[^.!?\n]{0,30}?\b(?:meet|know) each other\b" + _REST,
    # German: "können wir uns am Dienstag treffen?", "ich würde Sie gerne kennenlernen"
    r"\b(?:lass(?:t)? uns|wollen wir uns|sollen wir uns|können wir uns|könnten wir uns|wir sollten uns"
    r"|wir könnten uns|wir müssen uns|wir sehen uns)\b(?: \w+){0,6}? (?:treffen|kennen ?(?:zu ?)?lernen|sehen"
    r"|zusammensetzen)\b" + _REST,
    r"\bich (?:würde|möchte|will|wollte) (?:sie|dich|euch)(?: \w+){0,3}? (?:treffen|kennen ?(?:zu ?)?lernen)\b" + _REST,
    r"\b(?:freue mich|freuen uns)\b[^.!?\n]{0,30}?\b(?:sie|dich|euch) kennen ?zu ?lernen\b" + _REST,
    # French: "pouvons-nous nous voir mardi ?", "j'aimerais faire votre connaissance"
    r"\b(?:on (?:pourrait|devrait|peut)|nous (?:pourrions|devrions|pouvons)|pourrions-nous|pouvons-nous|peut-on"
    r"|on se)\b(?: \w+){0,6}? (?:se voir|nous voir|voit|rencontrer|nous rencontrer|se rencontrer|retrouver"
    r"|faire connaissance)\b" + _REST,
    r"\b(?:j['’]aimerais|je voudrais|je souhaiterais|ravie? de|heureu(?:x|se) de)(?: \w+){0,2}?"
    r" (?:faire (?:votre |ta )?connaissance|vous rencontrer|te rencontrer)\b" + _REST,
    # Spanish: "¿podemos reunirnos el martes?", "me gustaría conocerte"
    r"\b(?:podemos|podríamos|deberíamos|quedamos|vamos a|me gustaría|quiero|quisiera)(?: \w+){0,6}?"
    r" (?:reunirnos|vernos|quedar|conoceros|conocerte|conocerle|conocerlos|conocerla)\b" + _REST,
    r"\bque (?:nos|me) conozc\w+" + _REST,
    # Dutch: "zullen we volgende week kennismaken?", "ik wil graag met u kennismaken"
    r"\b(?:zullen we|kunnen we|laten we|moeten we|we moeten|we kunnen|wij kunnen)(?: \w+){0,6}? (?:afspreken"
    r"|kennismaken|kennis maken|samenzitten|bijpraten|ontmoeten)\b" + _REST,
    r"\b(?:ik|we|wij) (?:wil|wilde|zou|zouden|willen)(?: graag| heel graag| eens)*(?: met (?:je|jou|u|jullie))?"
    r"(?: eens| graag)* (?:kennismaken|kennis maken|ontmoeten)\b" + _REST,
    # Italian: "possiamo vederci martedì?", "vorrei conoscervi"
    r"\b(?:possiamo|potremmo|dovremmo|vorrei|vorremmo|mi piacerebbe|ci piacerebbe|piacere di|felice di|lieto di"
    r"|lieta di)(?: \w+){0,2}? (?:incontrarci|vederci|incontrarvi|incontrarti|conoscervi|conoscerti"
    r"|conoscerla)\b" + _REST,
)]

# Which kind a trap phrase is, first match wins: the words for a verdict's reason.
TRAP_KINDS: tuple[tuple[str, tuple[re.Pattern, ...]], ...] = (
    ("a request to be introduced", tuple(REQUESTS)),
    ("a request that someone else make an introduction", tuple(ASKS_TO_INTRODUCE)),
    ("an introduction the writer would make but does not", tuple(WOULD_HAVE)),
    ("an introduction the writer says is not made", tuple(NOT_MADE)),
    ("a meeting the writer proposes", tuple(MEETINGS)),
)


def trap_kind(phrase: str) -> str:
    """What a trap phrase (Cues.trap) is, in words; the other traps (thanks, offers, a sender introducing
    themself or a product) say it themselves."""
    return next((kind for kind, patterns in TRAP_KINDS if any(p.search(phrase) for p in patterns)),
                "a look-alike")


_MEETING = re.compile("|".join(f"(?:{p.pattern})" for p in MEETINGS), _I)
_ASKED = re.compile("|".join(f"(?:{p.pattern})" for p in (*REQUESTS, *ASKS_TO_INTRODUCE)), _I)


def proposed_meeting(text: str) -> str | None:
    """The first words in which the writer proposes to meet those written to ("can we meet Tuesday at 10"),
    read with wrapped lines joined; None when there are none."""
    found = _MEETING.search(rejoin(text).lower())
    return found.group(0).strip() if found else None


def requested(text: str) -> str | None:
    """The first words in which the writer asks to be introduced or asks someone else to introduce ("could you
    put me in touch with someone you trust?"), read with wrapped lines joined; None when there are none. A
    request may carry no intro word the cues know ("put me in touch", "voorstellen"): not_intro still names it."""
    found = _ASKED.search(rejoin(text).lower())
    return found.group(0).strip() if found else None


_DENIED = re.compile("|".join(f"(?:{p.pattern})" for p in (*NOT_MADE, *NOT_COMING)), _I)


def denied(text: str) -> list[tuple[int, int]]:
    """Where in `text` the writer says an intro or a heads-up is not made ("der Thomas meldet sich nicht bei
    dir"), as spans of its lower-cased form: no newcomer is named from inside one."""
    return [m.span() for m in _DENIED.finditer(text.lower())]
