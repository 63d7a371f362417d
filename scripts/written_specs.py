"""The replies scripts/written_replies.py writes: who answers, in which client and language, and how."""
from written_replies import LONG, Reply

SIG_EN = "Dana Whitfield\nDana Books | Bookkeeping for trades\n+1 555 0100 | danabooks.example"
SIG_DE = "Dana Whitfield\nDana Books GmbH\nTel. +49 30 1234567"
SIG_FR = "Dana Whitfield\nDana Books SARL\n+33 1 23 45 67 89"
SIG_SHORT = "Dana"

DISCLAIMER = {
    "en": "CONFIDENTIALITY NOTICE: This e-mail message, including any attachments, is for the sole use of the "
          "intended recipient(s) and may contain confidential and privileged information.",
    "de": "Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn Sie nicht der "
          "richtige Adressat sind oder diese E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den "
          "Absender und vernichten Sie diese Mail.",
    "fr": "Ce message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de ses "
          "destinataires. Toute utilisation non conforme à sa destination est interdite.",
    "nl": "De informatie verzonden met dit e-mailbericht is uitsluitend bestemd voor de geadresseerde. Gebruik "
          "van deze informatie door anderen dan de geadresseerde is verboden.",
    "es": "Este mensaje y sus archivos adjuntos van dirigidos exclusivamente a su destinatario y pueden contener "
          "información confidencial.",
    "it": "Questo messaggio e i suoi allegati sono indirizzati esclusivamente alle persone indicate e possono "
          "contenere informazioni riservate.",
}
MAILMAN = ("_______________________________________________\nchapter-members mailing list -- chapter@lists.example\n"
           "To unsubscribe send an email to chapter-members-leave@lists.example")
GOOGLE_GROUPS = ("-- \nYou received this message because you are subscribed to the Google Groups \"Chapter "
                 "Members\" group.\nTo unsubscribe from this group and stop receiving emails from it, send an email "
                 "to chapter-members+unsubscribe@googlegroups.com.")

R = Reply
REPLIES = [
    # Gmail on the web, every language it has a format for here.
    R("won_sig", "gmail", "en", "WON $4,500 - she signed on Friday.", sig=SIG_EN,
      notes="An amount above a three-line signature; Gmail's '-- ' prefix and NARROW NO-BREAK SPACE before AM."),
    R("long_sender_wrapped", "gmail", "en", "MET - we had coffee on Thursday, she wants a quote by the 20th.",
      sender=LONG, notes="A long sender: Gmail's plain part breaks the attribution inside '<address>'."),
    R("bottom", "gmail", "en", "NOTHING YET, she is travelling until the 20th.", place="bottom",
      notes="Bottom-posted: the answer under the quote."),
    R("inline", "gmail", "en", "", inline=((0, "It went well, we met twice."), (1, "WON, 2,300 for the first quarter.")),
      place="inline", sig=SIG_SHORT, notes="Inline answers under each quoted line, nothing above the quote."),
    R("won", "gmail", "de", "Gewonnen! 3.200 € für die Jahresabschlüsse.\n\nViele Grüße\nDana", sig=SIG_DE),
    R("won", "gmail", "fr", "Gagné, 1 800 € pour la première mission. Merci Carol !"),
    R("lost", "gmail", "es", "Perdido, eligieron a otra gestoría. ¡Gracias igualmente!",
      notes="Spanish Gmail puts the address in parentheses: '(<x@y>) escribió:'."),
    R("met", "gmail", "it", "Incontrati giovedì, ci risentiamo la prossima settimana."),
    R("won", "gmail", "nl", "Gewonnen, € 2.750 voor de eerste opdracht."),
    R("won", "gmail", "pt", "Ganho! 1.900 € no primeiro mês."),
    R("won", "gmail", "pl", "Wygrane, 6 000 zł za pierwszy kwartał.", notes="Date-first Polish: 'pon., 2 lis 2026 o 10:14'."),
    R("won", "gmail", "sv", "Vunnit, 14 000 kr för första uppdraget."),
    R("won", "gmail", "da", "Vundet - 9.500 kr. Tak for hjælpen!", notes="Danish clock time '10.14'."),
    R("nothing_yet", "gmail", "no", "Ikke noe ennå, hun er bortreist til den 20."),
    R("met", "gmail", "fi", "Tavattiin torstaina, tarjous lähtee ensi viikolla.",
      notes="Finnish Gmail writes the address in parentheses with no angle brackets."),
    R("won", "gmail", "ru", "Выиграли, 150 000 ₽ за первый этап.", notes="Russian Gmail: no verb, date first."),
    R("lost", "gmail", "cs", "Prohráli jsme, vybrali si jinou firmu."),
    R("won", "gmail", "ja", "受注しました。金額は45万円です。"),
    R("won", "gmail", "zh", "已成交，金额 2 万元。谢谢！", notes="Chinese Gmail ends with a full-width colon."),
    R("won", "gmail", "tr", "Kazandık, ilk iş için 40.000 TL."),
    R("won", "gmail", "hu", "Megnyertük, 450 000 Ft.", notes="Hungarian: 'ezt írta (időpont: …):'."),
    R("list_footer_bottom", "gmail", "en", "MET, and she is joining the chapter next month.", place="bottom",
      footer=GOOGLE_GROUPS, notes="Sent to a Google Group: the group's footer follows the bottom-posted answer."),
    # Gmail apps.
    R("lost", "gmail", "en", "LOST. They went with their cousin's firm.", opts={"app": "android"}),
    R("nothing_yet", "gmail", "de", "Noch nichts, sie meldet sich nach dem Urlaub.", opts={"app": "android"},
      notes="German Gmail for Android puts the name first: '… schrieb am Mo., 2. Nov. 2026, 10:14:'."),
    R("met", "gmail", "fr", "Rencontrée mardi, très sympa. On en reparle.", opts={"app": "android"}),
    R("won", "gmail", "es", "Ganado: 2.400 € el primer trimestre.", opts={"app": "android"}),
    R("met", "gmail", "nl", "Gesproken, ze stuurt volgende week de stukken.", opts={"app": "android"}),
    R("won", "gmail", "it", "Vinto! 2.000 € per il primo anno.", opts={"app": "android"}),
    R("won", "gmail", "en", "WON", opts={"app": "ios"}, notes="One word, nothing else."),
    # Apple Mail on macOS.
    R("won_closing", "apple", "en", "WON - 1,250 for the first job.\n\nThanks again,\nDana"),
    R("bottom", "apple", "en", "MET on Tuesday. Quote going out Friday.", place="bottom"),
    R("won", "apple", "de", "Hat geklappt: 2.100 € für die Lohnbuchhaltung."),
    R("lost", "apple", "fr", "Perdu, elle a choisi un cabinet plus proche de chez elle."),
    R("won", "apple", "nl", "Gewonnen! Begint in januari.", notes="Dutch Apple Mail: '… heeft … het volgende geschreven:'."),
    R("won", "apple", "pl", "Udało się, 4 500 zł.", notes="Polish Apple Mail: 'Wiadomość napisana przez … w dniu …:'."),
    R("met", "apple", "ja", "木曜日にお会いしました。来週見積もりを送ります。"),
    R("met", "apple", "fi", "Tavattiin, hyvä fiilis.", notes="Finnish Apple Mail: name first, 'kirjoitti … kello …:'."),
    R("inline", "apple", "sv", "Hej Carol,", place="inline", inline=((0, "Bra, vi träffades i tisdags."),),
      notes="A greeting above the quote, the answer between quoted lines."),
    # Apple Mail on iOS: "Sent from my iPhone" between the answer and the quote.
    R("won", "apple", "en", "WON!! 3k to start", opts={"ios": True}),
    R("lost", "apple", "de", "Leider verloren.", opts={"ios": True}),
    R("met", "apple", "fr", "On s'est vues hier, ça avance.", opts={"ios": True}),
    R("nothing_yet", "apple", "es", "Todavía nada.", opts={"ios": True}),
    R("won", "apple", "it", "Vinto, 800 €.", opts={"ios": True}),
    R("won", "apple", "pt", "Ganhámos, 1.500 €.", opts={"ios": True}),
    R("met", "apple", "ru", "Встретились, ждём решения.", opts={"ios": True}),
    R("won", "apple", "zh", "成交了，一万五。", opts={"ios": True}),
    R("won", "apple", "da", "Vundet, 12.000 kr.", opts={"ios": True}),
    R("lost", "apple", "tr", "Maalesef kaybettik.", opts={"ios": True}),
    R("met", "apple", "cs", "Sešli jsme se, uvidíme.", opts={"ios": True}, notes="Czech Apple Mail: no verb at all."),
    # Outlook for Windows: the original below an unquoted header block.
    R("won_disclaimer", "outlook", "en", "Hi Carol,\n\nWON - 4,500 for the year-end accounts. Thank you!",
      sig=SIG_EN, disclaimer=DISCLAIMER["en"], opts={"cc": "Carol Jensen <carol@jensen-realty.example>"},
      notes="Signature and a company notice between the answer and the header block."),
    R("won", "outlook", "de", "Hallo,\n\ngewonnen, 3.000 € Auftragswert.\n\nViele Grüße\nDana", sig=SIG_DE,
      disclaimer=DISCLAIMER["de"], notes="A German notice under the signature."),
    R("lost", "outlook", "fr", "Bonjour,\n\nperdu, malheureusement.\n\nCordialement,\nDana", sig=SIG_FR,
      disclaimer=DISCLAIMER["fr"], notes="French Outlook: 'De\u00a0:' with a no-break space before the colon."),
    R("won", "outlook", "es", "Ganado, 3.100 €.", disclaimer=DISCLAIMER["es"]),
    R("met", "outlook", "it", "Ci siamo incontrati, ottima impressione.", disclaimer=DISCLAIMER["it"]),
    R("won", "outlook", "nl", "Gewonnen: € 5.000 per jaar.", disclaimer=DISCLAIMER["nl"]),
    R("won", "outlook", "pl", "Wygrane. Dziękuję!"),
    R("lost", "outlook", "sv", "Förlorat, tyvärr."),
    R("won", "outlook", "fi", "Voitettu, 2 000 €."),
    R("met", "outlook", "ru", "Встретились в четверг."),
    R("won", "outlook", "ja", "受注しました。"),
    R("won", "outlook", "tr", "Kazandık."),
    R("won_mailto", "outlook", "en", "WON, 950.", opts={"mailto": True},
      notes="Outlook 2010's 'From: Name [mailto:address]'."),
    # Outlook on the web: a rule above the header block.
    R("won", "outlook_web", "en", "WON - 2,000 retainer.\n\nBest,\nDana"),
    R("lost", "outlook_web", "de", "Verloren, leider."),
    R("met", "outlook_web", "fr", "Rencontrée ce matin."),
    R("won", "outlook_web", "es", "Ganado."),
    R("won", "outlook_web", "nl", "Gewonnen, € 900."),
    R("won", "outlook_web", "zh", "已成交。"),
    # Outlook mobile.
    R("won", "outlook_mobile", "en", "WON 4.5k", opts={"os": "iOS"}),
    R("lost", "outlook_mobile", "en", "LOST", opts={"os": "Android"}),
    R("won", "outlook_mobile", "de", "Gewonnen, 1.200 €", opts={"os": "iOS"}),
    R("met", "outlook_mobile", "fr", "Rencontrée hier", opts={"os": "Android"}),
    R("won", "outlook_mobile", "es", "Ganado", opts={"os": "iOS"}),
    R("won", "outlook_mobile", "it", "Vinto", opts={"os": "Android"}),
    R("won", "outlook_mobile", "sv", "Vunnit!", opts={"os": "iOS"}),
    # Outlook for Mac.
    R("won", "outlook_mac", "en", "WON, 2,200.", sig=SIG_EN),
    R("met", "outlook_mac", "de", "Getroffen, sie meldet sich."),
    R("lost", "outlook_mac", "fr", "Perdu."),
    R("won", "outlook_mac", "nl", "Gewonnen."),
    # Outlook in plain-text mode: "-----Original Message-----" in the reader's language.
    R("won", "outlook_plain", "en", "WON - 700 for the tax return.", sig="Dana"),
    R("lost", "outlook_plain", "de", "Verloren."),
    R("met", "outlook_plain", "fr", "Rencontrée."),
    R("won", "outlook_plain", "it", "Vinto."),
    R("won", "outlook_plain", "pt", "Ganho."),
    R("won", "outlook_plain", "da", "Vundet."),
    R("won", "outlook_plain", "no", "Vunnet, 8 000 kr."),
    R("lost", "outlook_plain", "cs", "Prohráli."),
    # Thunderbird: bottom-posting and inline are its defaults' habits.
    R("bottom_sig", "thunderbird", "en", "WON, they signed for 1,800.", place="bottom", sig=SIG_EN),
    R("inline", "thunderbird", "en", "Hi,", place="inline",
      inline=((0, "Very well, we met on Monday."), (1, "MET for now; she decides next week.")), sig=SIG_SHORT),
    R("bottom", "thunderbird", "de", "Gewonnen, 2.400 €.", place="bottom", sig=SIG_DE),
    R("top", "thunderbird", "fr", "Gagné !"),
    R("bottom", "thunderbird", "es", "Perdido.", place="bottom"),
    R("bottom", "thunderbird", "it", "Vinto, 1.000 €.", place="bottom"),
    R("top", "thunderbird", "nl", "Gesproken, ziet er goed uit."),
    R("bottom", "thunderbird", "pl", "Spotkaliśmy się.", place="bottom", notes="Polish Thunderbird: 'W dniu … pisze:'."),
    R("bottom", "thunderbird", "ru", "Проиграли.", place="bottom", notes="Russian Thunderbird: '02.11.2026 10:14, … пишет:'."),
    R("top", "thunderbird", "cs", "Vyhráli jsme, 30 000 Kč."),
    R("bottom_list", "thunderbird", "en", "MET - thanks all for the tip.", place="bottom", footer=MAILMAN,
      notes="Sent to a Mailman 3 list: its footer follows the answer."),
    # Yahoo Mail: indented attribution, unquoted original.
    R("won", "yahoo", "en", "WON - 600 for the first month.", opts={"mobile": True}),
    R("lost", "yahoo", "de", "Leider verloren.", notes="German Yahoo: '… hat … Folgendes geschrieben:'."),
    R("met", "yahoo", "fr", "Rencontrée jeudi."),
    R("won", "yahoo", "es", "Ganado.", opts={"mobile": True}),
    R("won", "yahoo", "it", "Vinto."),
    # Proton Mail.
    R("won", "proton", "en", "WON, 1,100."),
    R("met", "proton", "de", "Getroffen, läuft gut."),
    R("lost", "proton", "fr", "Perdu."),
    # Fastmail.
    R("won", "fastmail", "en", "WON - 3,300.", sig=SIG_SHORT),
    R("bottom", "fastmail", "de", "Noch nichts.", place="bottom"),
    # GMX and WEB.DE: "Gesendet:" first.
    R("won", "gmx", "de", "Gewonnen, 900 €.\n\nGruß Dana", notes="GMX's block starts with 'Gesendet:', then 'Von:'."),
    R("lost", "gmx", "de", "Verloren.", opts={"app": "webde"}),
    R("met", "gmx", "en", "Met her on Friday.", opts={"app": "gmx"}),
    # Yandex: date first, no verb.
    R("won", "yandex", "ru", "Выиграли, 80 000 рублей.", sig="Дана"),
    R("lost", "yandex", "ru", "Проиграли, увы.", opts={"mobile": True}),
    R("met", "yandex", "en", "MET, all good."),
    # Mail.ru.
    R("won", "mailru", "ru", "Выиграли!", sig="Дана", notes="Mail.ru quotes its own attribution: '>Понедельник, … от …:'."),
    R("met", "mailru", "en", "Met on Monday.", opts={"mobile": True}),
    # Zoho Mail: "---- On … wrote ----", no colon.
    R("won", "zoho", "en", "WON, 2,600.\n\nRegards,\nDana"),
    R("lost", "zoho", "de", "Verloren."),
    R("met", "zoho", "fr", "Rencontrée."),
    # Samsung Email: footer, then a dashed "Original message" block.
    R("won", "samsung", "en", "WON 1800"),
    R("lost", "samsung", "de", "Verloren"),
    R("met", "samsung", "fr", "Rencontrée"),
    R("won", "samsung", "es", "Ganado"),
    R("won", "samsung", "pt", "Ganho"),
    R("met", "samsung", "nl", "Gesproken"),
    # HCL Notes 9+.
    R("won", "notes", "en", "WON - 5,000.", sig="Dana Whitfield\nDana Books"),
    R("lost", "notes", "de", "Verloren."),
    R("met", "notes", "fr", "Rencontrée."),
    # K-9 Mail.
    R("bottom", "k9", "en", "WON 700", place="bottom"),
    R("top", "k9", "de", "Gewonnen, 500 €"),
    # Answers that look like the start of a quote: a reader must keep them.
    R("trap_on_wrote", "gmail", "en",
      "On Thursday at 10:30 we met at her office, and afterwards she wrote:\n\"Let's start in January.\"\n\n"
      "So it's WON - 3,000 to start.", notes="A sentence in the answer reads like an attribution line."),
    R("trap_disclaimer_word", "outlook_web", "en",
      "Disclaimer: nothing is signed yet, but it looks like WON, around 2,000.",
      notes="The answer opens with the word 'Disclaimer:'."),
    R("trap_fields", "apple", "en", "MET.\n\nDate: Thursday 10am works for the kickoff.\nTo: do before then - send "
      "her the engagement letter.", notes="The answer has lines like 'Date:' and 'To:'."),
    # Mail whose quoted-printable encoding was not undone (an archive's copy): soft breaks split the lines.
    R("raw_qp", "gmail", "en", "WON - 1,750 for the bookkeeping setup.", sender=LONG,
      encoding="raw-qp", html=False,
      notes="Quoted-printable body under a 7bit header, as archives keep it: '=' soft breaks split the attribution."),
    R("raw_qp", "outlook", "de", "Gewonnen, 2.900 EUR ab Januar.",
      sender=LONG, encoding="raw-qp", html=False,
      notes="Undecoded quoted-printable: soft breaks split the header block's long 'Von:' line."),
]
