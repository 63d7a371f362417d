"""How mail clients write a reply: attribution lines, header blocks, footers and HTML, per language.

Data for scripts/written_replies.py, which writes the replies of tests/data/replies that no client
installable here can produce. Each entry is the wording and layout the named client uses for the
named language (its localised UI strings and date format); every quoted message is sent on
Monday 2 November 2026 at 10:14 (+01:00), so each date is spelled out once per client and
language. Never used by worker/: the reader must not learn its shapes from its own test data.
"""

# The original every reply quotes: what introledger asked (a follow-up) in the reader's language.
FOLLOW_UP = {
    "en": "How did the intro to Alice Moreau (from Carol Jensen) go?\nReply WON, LOST, MET or NOTHING YET "
          "- add an amount if you like.\n\nintroledger",
    "de": "Wie ist die Vorstellung bei Alice Moreau (von Carol Jensen) gelaufen?\nAntworte mit WON, LOST, MET "
          "oder NOTHING YET, gern mit Betrag.\n\nintroledger",
    "fr": "Comment s'est passée la mise en relation avec Alice Moreau (par Carol Jensen) ?\nRépondez WON, LOST, "
          "MET ou NOTHING YET, avec un montant si vous voulez.\n\nintroledger",
    "es": "¿Qué tal fue la presentación con Alice Moreau (de Carol Jensen)?\nResponde WON, LOST, MET o NOTHING "
          "YET, con un importe si quieres.\n\nintroledger",
    "it": "Com'è andata la presentazione con Alice Moreau (da Carol Jensen)?\nRispondi WON, LOST, MET o NOTHING "
          "YET, con un importo se vuoi.\n\nintroledger",
    "nl": "Hoe ging de introductie bij Alice Moreau (via Carol Jensen)?\nAntwoord WON, LOST, MET of NOTHING YET, "
          "eventueel met een bedrag.\n\nintroledger",
    "pt": "Como correu a apresentação à Alice Moreau (da Carol Jensen)?\nResponda WON, LOST, MET ou NOTHING YET, "
          "com um valor se quiser.\n\nintroledger",
    "pl": "Jak poszło przedstawienie Alice Moreau (od Carol Jensen)?\nOdpowiedz WON, LOST, MET lub NOTHING YET, "
          "możesz dodać kwotę.\n\nintroledger",
    "sv": "Hur gick introduktionen till Alice Moreau (från Carol Jensen)?\nSvara WON, LOST, MET eller NOTHING YET, "
          "gärna med ett belopp.\n\nintroledger",
    "da": "Hvordan gik introduktionen til Alice Moreau (fra Carol Jensen)?\nSvar WON, LOST, MET eller NOTHING YET, "
          "gerne med et beløb.\n\nintroledger",
    "no": "Hvordan gikk introduksjonen til Alice Moreau (fra Carol Jensen)?\nSvar WON, LOST, MET eller NOTHING YET, "
          "gjerne med et beløp.\n\nintroledger",
    "fi": "Miten esittely Alice Moreaulle (Carol Jensenin kautta) meni?\nVastaa WON, LOST, MET tai NOTHING YET, "
          "halutessasi summan kanssa.\n\nintroledger",
    "ru": "Как прошло знакомство с Alice Moreau (от Carol Jensen)?\nОтветьте WON, LOST, MET или NOTHING YET, "
          "можно с суммой.\n\nintroledger",
    "cs": "Jak dopadlo představení Alice Moreau (od Carol Jensen)?\nOdpovězte WON, LOST, MET nebo NOTHING YET, "
          "případně s částkou.\n\nintroledger",
    "ja": "Alice Moreau さん（Carol Jensen さんのご紹介）との件はいかがでしたか？\nWON、LOST、MET、NOTHING YET の"
          "いずれかでご返信ください。\n\nintroledger",
    "zh": "Carol Jensen 介绍的 Alice Moreau 进展如何？\n请回复 WON、LOST、MET 或 NOTHING YET，可附上金额。\n\nintroledger",
    "tr": "Alice Moreau ile tanıştırma (Carol Jensen aracılığıyla) nasıl geçti?\nWON, LOST, MET veya NOTHING YET "
          "diye yanıtlayın, isterseniz tutarı da yazın.\n\nintroledger",
    "hu": "Hogy sikerült a bemutatás Alice Moreau-nak (Carol Jensentől)?\nVálaszoljon: WON, LOST, MET vagy "
          "NOTHING YET, akár összeggel.\n\nintroledger",
}

SUBJECT = {
    "en": "How did the intro to Alice Moreau go?", "de": "Wie lief die Vorstellung bei Alice Moreau?",
    "fr": "Et la mise en relation avec Alice Moreau ?", "es": "¿Qué tal con Alice Moreau?",
    "it": "Com'è andata con Alice Moreau?", "nl": "Hoe ging het met Alice Moreau?",
    "pt": "Como correu com a Alice Moreau?", "pl": "Jak poszło z Alice Moreau?", "sv": "Hur gick det med Alice Moreau?",
    "da": "Hvordan gik det med Alice Moreau?", "no": "Hvordan gikk det med Alice Moreau?",
    "fi": "Miten meni Alice Moreaun kanssa?", "ru": "Как прошло с Alice Moreau?", "cs": "Jak to dopadlo s Alice Moreau?",
    "ja": "Alice Moreau さんとの件", "zh": "Alice Moreau 的进展", "tr": "Alice Moreau ile nasıl geçti?",
    "hu": "Hogy sikerült Alice Moreau-val?",
}

# Reply prefixes as the clients localise them ("AW:" in German Outlook, "SV:" in Nordic ones...).
REPLY_PREFIX = {"en": "Re:", "de": "AW:", "fr": "RE :", "es": "RE:", "it": "R:", "nl": "RE:", "pt": "RE:",
                "pl": "Odp:", "sv": "SV:", "da": "SV:", "no": "SV:", "fi": "VS:", "ru": "RE:", "cs": "RE:",
                "ja": "RE:", "zh": "答复:", "tr": "YNT:", "hu": "VS:"}

# Gmail (web and apps): the attribution above <blockquote class="gmail_quote"> in each UI language.
GMAIL = {
    "en": "On Mon, Nov 2, 2026 at 10:14\u202fAM {name} <{addr}> wrote:",
    "de": "Am Mo., 2. Nov. 2026 um 10:14\u202fUhr schrieb {name} <{addr}>:",
    "fr": "Le lun. 2 nov. 2026 à 10:14, {name} <{addr}> a écrit :",
    "es": "El lun, 2 nov 2026 a las 10:14, {name} (<{addr}>) escribió:",
    "it": "Il giorno lun 2 nov 2026 alle ore 10:14 {name} <{addr}> ha scritto:",
    "nl": "Op ma 2 nov 2026 om 10:14 schreef {name} <{addr}>:",
    "pt": "Em seg., 2 de nov. de 2026 às 10:14, {name} <{addr}> escreveu:",
    "pl": "pon., 2 lis 2026 o 10:14 {name} <{addr}> napisał(a):",
    "sv": "Den mån 2 nov. 2026 kl 10:14 skrev {name} <{addr}>:",
    "da": "Den man. 2. nov. 2026 kl. 10.14 skrev {name} <{addr}>:",
    "no": "man. 2. nov. 2026 kl. 10:14 skrev {name} <{addr}>:",
    "fi": "ma 2. marrask. 2026 klo 10.14 {name} ({addr}) kirjoitti:",
    "ru": "пн, 2 нояб. 2026 г. в 10:14, {name} <{addr}>:",
    "cs": "po 2. 11. 2026 v 10:14 odesílatel {name} <{addr}> napsal:",
    "ja": "2026年11月2日(月) 10:14 {name} <{addr}>:",
    "zh": "{name} <{addr}> 于2026年11月2日周一 10:14写道：",
    "tr": "{name} <{addr}>, 2 Kas 2026 Pzt, 10:14 tarihinde şunu yazdı:",
    "hu": "{name} <{addr}> ezt írta (időpont: 2026. nov. 2., H, 10:14):",
}

# Apple Mail (macOS and iOS): the attribution, quoted with the message it introduces.
APPLE = {
    "en": "On 2 Nov 2026, at 10:14, {name} <{addr}> wrote:",
    "de": "Am 02.11.2026 um 10:14 schrieb {name} <{addr}>:",
    "fr": "Le 2 nov. 2026 à 10:14, {name} <{addr}> a écrit :",
    "es": "El 2 nov 2026, a las 10:14, {name} <{addr}> escribió:",
    "it": "Il giorno 2 nov 2026, alle ore 10:14, {name} <{addr}> ha scritto:",
    "nl": "Op 2 nov 2026 om 10:14 heeft {name} <{addr}> het volgende geschreven:",
    "pt": "Em 2 de nov. de 2026, à(s) 10:14, {name} <{addr}> escreveu:",
    "pl": "Wiadomość napisana przez {name} <{addr}> w dniu 02.11.2026, o godz. 10:14:",
    "sv": "2 nov. 2026 kl. 10:14 skrev {name} <{addr}>:",
    "da": "Den 2. nov. 2026 kl. 10.14 skrev {name} <{addr}>:",
    "no": "2. nov. 2026 kl. 10:14 skrev {name} <{addr}>:",
    "fi": "{name} <{addr}> kirjoitti 2.11.2026 kello 10.14:",
    "ru": "2 нояб. 2026 г., в 10:14, {name} <{addr}> написал(а):",
    "cs": "2. 11. 2026 v 10:14, {name} <{addr}>:",
    "ja": "2026/11/02 10:14、{name} <{addr}>のメール:",
    "zh": "2026年11月2日 10:14，{name} <{addr}> 写道：",
    "tr": "2 Kas 2026 tarihinde 10:14 saatinde, {name} <{addr}> şunları yazdı:",
}

# iOS Mail's default footer.
IPHONE = {
    "en": "Sent from my iPhone", "de": "Von meinem iPhone gesendet", "fr": "Envoyé de mon iPhone",
    "es": "Enviado desde mi iPhone", "it": "Inviato da iPhone", "nl": "Verstuurd vanaf mijn iPhone",
    "pt": "Enviado do meu iPhone", "pl": "Wysłane z iPhone'a", "sv": "Skickat från min iPhone",
    "da": "Sendt fra min iPhone", "no": "Sendt fra min iPhone", "fi": "Lähetetty iPhonesta",
    "ru": "Отправлено с iPhone", "cs": "Odesláno z iPhonu", "ja": "iPhoneから送信", "zh": "发自我的iPhone",
    "tr": "iPhone'umdan gönderildi",
}

# Outlook (Windows, Mac, web, mobile): the header block's labels in each language.
OUTLOOK_LABELS = {
    "en": ("From", "Sent", "To", "Cc", "Subject"),
    "de": ("Von", "Gesendet", "An", "Cc", "Betreff"),
    "fr": ("De", "Envoyé", "À", "Cc", "Objet"),
    "es": ("De", "Enviado el", "Para", "CC", "Asunto"),
    "it": ("Da", "Inviato", "A", "Cc", "Oggetto"),
    "nl": ("Van", "Verzonden", "Aan", "CC", "Onderwerp"),
    "pt": ("De", "Enviada em", "Para", "Cc", "Assunto"),
    "pl": ("Od", "Wysłano", "Do", "DW", "Temat"),
    "sv": ("Från", "Skickat", "Till", "Kopia", "Ämne"),
    "da": ("Fra", "Sendt", "Til", "Cc", "Emne"),
    "no": ("Fra", "Sendt", "Til", "Kopi", "Emne"),
    "fi": ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Kopio", "Aihe"),
    "ru": ("От", "Отправлено", "Кому", "Копия", "Тема"),
    "cs": ("Od", "Odesláno", "Komu", "Kopie", "Předmět"),
    "ja": ("差出人", "送信日時", "宛先", "CC", "件名"),
    "zh": ("发件人", "发送时间", "收件人", "抄送", "主题"),
    "tr": ("Kimden", "Gönderildi", "Kime", "Bilgi", "Konu"),
    "hu": ("Feladó", "Elküldve", "Címzett", "Másolatot kap", "Tárgy"),
}
# French Outlook writes a space before the colon.
OUTLOOK_COLON = {"fr": "\u00a0:"}
OUTLOOK_SENT = {
    "en": "Monday, November 2, 2026 10:14 AM",
    "de": "Montag, 2. November 2026 10:14",
    "fr": "lundi 2 novembre 2026 10:14",
    "es": "lunes, 2 de noviembre de 2026 10:14",
    "it": "lunedì 2 novembre 2026 10:14",
    "nl": "maandag 2 november 2026 10:14",
    "pt": "segunda-feira, 2 de novembro de 2026 10:14",
    "pl": "poniedziałek, 2 listopada 2026 10:14",
    "sv": "den 2 november 2026 10:14",
    "da": "2. november 2026 10:14",
    "no": "mandag 2. november 2026 10:14",
    "fi": "maanantai 2. marraskuuta 2026 10.14",
    "ru": "2 ноября 2026 г. 10:14",
    "cs": "pondělí 2. listopadu 2026 10:14",
    "ja": "2026年11月2日 10:14",
    "zh": "2026年11月2日 10:14",
    "tr": "2 Kasım 2026 Pazartesi 10:14",
    "hu": "2026. november 2. 10:14",
}
# Outlook for Mac writes "Date:" and its own date format.
OUTLOOK_MAC_LABELS = {
    "en": ("From", "Date", "To", "Cc", "Subject"),
    "de": ("Von", "Datum", "An", "Cc", "Betreff"),
    "fr": ("De", "Date", "À", "Cc", "Objet"),
    "es": ("De", "Fecha", "Para", "CC", "Asunto"),
    "nl": ("Van", "Datum", "Aan", "CC", "Onderwerp"),
}
OUTLOOK_MAC_DATE = {
    "en": "Monday, 2 November 2026 at 10:14", "de": "Montag, 2. November 2026 um 10:14",
    "fr": "lundi 2 novembre 2026 à 10:14", "es": "lunes, 2 de noviembre de 2026, 10:14",
    "nl": "maandag 2 november 2026 om 10:14",
}
# "-----Original Message-----" as Outlook writes it in plain-text mode.
ORIGINAL_MESSAGE = {
    "en": "-----Original Message-----", "de": "-----Ursprüngliche Nachricht-----",
    "fr": "-----Message d'origine-----", "es": "-----Mensaje original-----", "it": "-----Messaggio originale-----",
    "nl": "-----Oorspronkelijk bericht-----", "pt": "-----Mensagem original-----",
    "pl": "-----Oryginalna wiadomość-----", "sv": "-----Ursprungligt meddelande-----",
    "da": "-----Oprindelig meddelelse-----", "no": "-----Opprinnelig melding-----",
    "fi": "-----Alkuperäinen viesti-----", "ru": "-----Исходное сообщение-----", "cs": "-----Původní zpráva-----",
    "tr": "-----Özgün İleti-----", "ja": "-----Original Message-----", "zh": "-----原始邮件-----",
}
# Outlook for iOS and Android: the footer above the header block.
GET_OUTLOOK = {
    "en": "Get Outlook for {os}<https://aka.ms/o0ukef>", "de": "Outlook für {os} beziehen<https://aka.ms/o0ukef>",
    "fr": "Obtenir Outlook pour {os}<https://aka.ms/o0ukef>", "es": "Obtener Outlook para {os}<https://aka.ms/o0ukef>",
    "it": "Scarica Outlook per {os}<https://aka.ms/o0ukef>", "nl": "Outlook voor {os} downloaden<https://aka.ms/o0ukef>",
    "pt": "Obter o Outlook para {os}<https://aka.ms/o0ukef>", "sv": "Hämta Outlook för {os}<https://aka.ms/o0ukef>",
    "pl": "Pobierz aplikację Outlook dla systemu {os}<https://aka.ms/o0ukef>",
    "da": "Hent Outlook til {os}<https://aka.ms/o0ukef>", "ru": "Получить Outlook для {os}<https://aka.ms/o0ukef>",
}

# Thunderbird: the cite prefix, from its locale's date format.
THUNDERBIRD = {
    "en": "On 11/2/26 10:14 AM, {name} wrote:",
    "de": "Am 02.11.26 um 10:14 schrieb {name}:",
    "fr": "Le 02/11/2026 à 10:14, {name} a écrit\u00a0:",
    "es": "El 2/11/26 a las 10:14, {name} escribió:",
    "it": "Il 02/11/26 10:14, {name} ha scritto:",
    "nl": "Op 02-11-2026 om 10:14 schreef {name}:",
    "pl": "W dniu 2.11.2026 o 10:14, {name} pisze:",
    "ru": "02.11.2026 10:14, {name} пишет:",
    "cs": "Dne 02. 11. 26 v 10:14 {name} napsal(a):",
    "sv": "Den 2026-11-02 kl. 10:14, skrev {name}:",
    "fi": "{name} kirjoitti 2.11.2026 klo 10.14:",
    "pt": "Em 02/11/2026 10:14, {name} escreveu:",
    "da": "Den 02.11.2026 kl. 10.14 skrev {name}:",
}

# Yahoo Mail: an indented attribution, the original below it unquoted.
YAHOO = {
    "en": "On Monday, November 2, 2026 at 10:14:00 AM GMT+1, {name} <{addr}> wrote:",
    "de": "Am Montag, 2. November 2026, 10:14:00 MEZ hat {name} <{addr}> Folgendes geschrieben:",
    "fr": "Le lundi 2 novembre 2026 à 10:14:00 UTC+1, {name} <{addr}> a écrit :",
    "es": "El lunes, 2 de noviembre de 2026, 10:14:00 CET, {name} <{addr}> escribió:",
    "it": "Il lunedì 2 novembre 2026, 10:14:00 CET, {name} <{addr}> ha scritto:",
}
YAHOO_FOOTER = {"en": "Sent from Yahoo Mail on Android", "de": "Von Yahoo Mail auf Android gesendet",
                "fr": "Envoyé de Yahoo Mail pour iPhone", "es": "Enviado desde Yahoo Mail para iPhone",
                "it": "Inviato da Yahoo Mail su Android"}

PROTON = {
    "en": "On Monday, November 2nd, 2026 at 10:14 AM, {name} <{addr}> wrote:",
    "de": "Am Montag, 2. November 2026 um 10:14 schrieb {name} <{addr}>:",
    "fr": "Le lundi 2 novembre 2026 à 10:14, {name} <{addr}> a écrit :",
}
PROTON_FOOTER = "Sent with Proton Mail secure email."

FASTMAIL = {"en": "On Mon, 2 Nov 2026, at 10:14, {name} wrote:", "de": "Am Mo, 2. Nov 2026, um 10:14, schrieb {name}:"}

# GMX and WEB.DE: "Gesendet:" first, then "Von:", unquoted original in plain text.
GMX_LABELS = {
    "de": ("Gesendet", "Von", "An", "Betreff", "Montag, 02. November 2026 um 10:14 Uhr"),
    "en": ("Sent", "From", "To", "Subject", "Monday, November 02, 2026 at 10:14 AM"),
}
GMX_APP = {"gmx": "Gesendet mit der GMX Mail App", "webde": "Gesendet mit der WEB.DE Mail App"}

# Yandex: date first, no verb.
YANDEX = {"ru": "02.11.2026, 10:14, \"{name}\" <{addr}>:", "en": "02.11.2026, 10:14, \"{name}\" <{addr}>:"}
YANDEX_FOOTER = {"ru": "Отправлено из мобильной Яндекс Почты", "en": "Sent from Yandex Mail for mobile"}

# Mail.ru: weekday first, "от" before the sender.
MAILRU = {"ru": "Понедельник, 2 ноября 2026, 10:14 +01:00 от {name} <{addr}>:",
          "en": "Monday, 2 November 2026, 10:14 +01:00 from {name} <{addr}>:"}
MAILRU_FOOTER = {"ru": "Отправлено из Почты Mail.ru для Android", "en": "Sent from Mail.ru app for Android"}

# Zoho Mail: a dashed line with no colon.
ZOHO = {"en": "---- On Mon, 02 Nov 2026 10:14:00 +0100 {name} <{addr}> wrote ----",
        "de": "---- Am Mo, 02 Nov 2026 10:14:00 +0100 schrieb {name} <{addr}> ----",
        "fr": "---- Le lun., 02 nov. 2026 10:14:00 +0100 {name} <{addr}> a écrit ----"}

# Samsung Email: a footer, then a dashed "Original message" and its own header block.
SAMSUNG = {
    "en": ("Sent from my Galaxy", "-------- Original message --------", ("From", "Date", "To", "Subject"),
           "11/2/26 10:14 AM (GMT+01:00)"),
    "de": ("Von meinem Galaxy gesendet", "-------- Ursprüngliche Nachricht --------", ("Von", "Datum", "An", "Betreff"),
           "02.11.26 10:14 (GMT+01:00)"),
    "fr": ("Envoyé depuis mon appareil Galaxy", "-------- Message d'origine --------", ("De", "Date", "À", "Objet"),
           "02/11/2026 10:14 (GMT+01:00)"),
    "es": ("Enviado desde mi Galaxy", "-------- Mensaje original --------", ("De", "Fecha", "Para", "Asunto"),
           "2/11/26 10:14 (GMT+01:00)"),
    "it": ("Inviato dal mio Galaxy", "-------- Messaggio originale --------", ("Da", "Data", "A", "Oggetto"),
           "02/11/26 10:14 (GMT+01:00)"),
    "pt": ("Enviado do meu Galaxy", "-------- Mensagem original --------", ("De", "Data", "Para", "Assunto"),
           "02/11/2026 10:14 (GMT+01:00)"),
    "nl": ("Verzonden vanaf mijn Galaxy", "-------- Oorspronkelijk bericht --------", ("Van", "Datum", "Aan", "Onderwerp"),
           "02-11-26 10:14 (GMT+01:00)"),
}

# IBM/HCL Notes 9 and later: "… wrote on …:" with the header block quoted.
NOTES = {"en": "{name} <{addr}> wrote on 11/02/2026 10:14:00 AM:", "de": "{name} <{addr}> schrieb am 02.11.2026 10:14:00:",
         "fr": "{name} <{addr}> a écrit le 02/11/2026 10:14:00 :"}
NOTES_LABELS = {"en": ("From", "To", "Date", "Subject"), "de": ("Von", "An", "Datum", "Betreff"),
                "fr": ("De", "A", "Date", "Objet")}

K9 = {"en": "On November 2, 2026 10:14:00 AM GMT+01:00, {name} <{addr}> wrote:",
      "de": "Am 2. November 2026 10:14:00 MEZ schrieb {name} <{addr}>:"}
K9_FOOTER = {"en": "Sent from my Android device with K-9 Mail. Please excuse my brevity.",
             "de": "Diese Nachricht wurde von meinem Android-Gerät mit K-9 Mail gesendet."}
FAIREMAIL = {"en": "Nov 2, 2026 10:14:00 AM {name} <{addr}>:", "de": "02.11.2026 10:14:00 {name} <{addr}>:"}
