"""Tests for worker.mail.forwarded: inline forwarded blocks and the loose dates mail clients print."""

from datetime import datetime, timedelta, timezone

import pytest

from worker.mail.forwarded import ForwardedBlock, find_forwarded, parse_loose_date

CAROL = "Carol Jensen <carol@x.example>"
DAN = "Dan Ortiz <dan@y.example>"
INTRO_BODY = "Dan, meet Erin. Erin runs growth at Acme.\n\nCarol"


def test_gmail_english():
    text = (
        "Logging this intro.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Carol Jensen <carol@x.example>\n"
        "Date: Mon, Nov 2, 2026 at 10:14 AM\n"
        "Subject: Intro: Dan <> Erin\n"
        "To: Dan Ortiz <dan@y.example>, Erin Smith <erin@z.example>\n"
        "Cc: Frank Lee <frank@w.example>\n\n\n"
        f"{INTRO_BODY}\n"
    )
    assert find_forwarded(text) == ForwardedBlock(
        note="Logging this intro.",
        from_=CAROL,
        to=f"{DAN}, Erin Smith <erin@z.example>",
        cc="Frank Lee <frank@w.example>",
        date="Mon, Nov 2, 2026 at 10:14 AM",
        subject="Intro: Dan <> Erin",
        body=INTRO_BODY,
    )


def test_thunderbird_headers_in_its_own_order_with_tabs():
    text = (
        "FYI\n\n"
        "-------- Forwarded Message --------\n"
        "Subject: \tIntro: Dan <> Erin\n"
        "Date: \tMon, 2 Nov 2026 10:14:22 +0100\n"
        "From: \tCarol Jensen <carol@x.example>\n"
        "To: \tDan Ortiz <dan@y.example>\n\n\n\n"
        f"{INTRO_BODY}\n"
    )
    assert find_forwarded(text) == ForwardedBlock(
        "FYI", CAROL, DAN, "", "Mon, 2 Nov 2026 10:14:22 +0100", "Intro: Dan <> Erin", INTRO_BODY
    )


def test_apple_mail_with_quoted_headers_and_body():
    text = (
        "See below.\n\n"
        "Sent from my iPhone\n\n"
        "Begin forwarded message:\n\n"
        "> From: Carol Jensen <carol@x.example>\n"
        "> Subject: Intro: Dan <> Erin\n"
        "> Date: November 2, 2026 at 10:14:22 AM PST\n"
        "> To: Dan Ortiz <dan@y.example>\n"
        "> \n"
        "> Dan, meet Erin. Erin runs growth at Acme.\n"
        "> \n"
        "> Carol\n"
    )
    assert find_forwarded(text) == ForwardedBlock(
        "See below.\n\nSent from my iPhone", CAROL, DAN, "",
        "November 2, 2026 at 10:14:22 AM PST", "Intro: Dan <> Erin", INTRO_BODY,
    )


def test_outlook_rule_with_mailto_and_semicolon_lists():
    text = (
        "Adding the tracker.\n\n"
        "________________________________\n"
        "From: Carol Jensen [mailto:carol@x.example]\n"
        "Sent: Monday, November 2, 2026 10:14 AM\n"
        "To: Dan Ortiz <dan@y.example>; Erin Smith <erin@z.example>\n"
        "Cc: Frank Lee <frank@w.example>; Gina Park <gina@v.example>;\n"
        "Subject: Intro: Dan <> Erin\n\n"
        f"{INTRO_BODY}\n"
    )
    assert find_forwarded(text) == ForwardedBlock(
        note="Adding the tracker.",
        from_=CAROL,
        to=f"{DAN}, Erin Smith <erin@z.example>",
        cc="Frank Lee <frank@w.example>, Gina Park <gina@v.example>",
        date="Monday, November 2, 2026 10:14 AM",
        subject="Intro: Dan <> Erin",
        body=INTRO_BODY,
    )


def test_outlook_original_message_with_quoted_display_name():
    text = (
        "-----Original Message-----\n"
        'From: "Carol Jensen" <carol@x.example>\n'
        "Sent: Monday, November 02, 2026 10:14 AM\n"
        "To: Dan Ortiz\n"
        "Subject: Intro\n\n"
        "Hello Dan\n"
    )
    block = find_forwarded(text)
    assert block == ForwardedBlock(
        "", CAROL, "Dan Ortiz", "", "Monday, November 02, 2026 10:14 AM", "Intro", "Hello Dan"
    )


def test_outlook_address_only_sender_collapses_to_address():
    text = (
        "________________________________\n"
        "From: carol@x.example [mailto:carol@x.example]\n"
        "Sent: Monday, November 2, 2026 10:14 AM\n"
        "To: dan@y.example\nSubject: Intro\n\nHi\n"
    )
    assert find_forwarded(text).from_ == "carol@x.example"


def test_html_converted_sender_with_bold_name_and_mailto_link():
    text = (
        "---------- Forwarded message ---------\n"
        "From: *Carol Jensen* <carol@x.example <mailto:carol@x.example>>\n"
        "Date: Mon, Nov 2, 2026 at 10:14 AM\n"
        "Subject: Intro\n"
        "To: <dan@y.example <mailto:dan@y.example>>\n\n"
        "Hi\n"
    )
    block = find_forwarded(text)
    assert (block.from_, block.to) == (CAROL, "<dan@y.example>")


LOCALIZED = {
    "german_gmail": (
        "---------- Weitergeleitete Nachricht ---------\n"
        "Von: Carol Jensen <carol@x.example>\n"
        "Date: Mo., 2. Nov. 2026 um 10:14 Uhr\n"
        "Subject: Intro: Dan <> Erin\n"
        "To: Dan Ortiz <dan@y.example>\n",
        "Mo., 2. Nov. 2026 um 10:14 Uhr",
    ),
    "german_outlook": (
        "________________________________\n"
        "Von: Carol Jensen <carol@x.example>\n"
        "Gesendet: Montag, 2. November 2026 10:14\n"
        "An: Dan Ortiz <dan@y.example>\n"
        "Betreff: Intro: Dan <> Erin\n",
        "Montag, 2. November 2026 10:14",
    ),
    "german_apple": (
        "Anfang der weitergeleiteten Nachricht:\n\n"
        "Von: Carol Jensen <carol@x.example>\n"
        "Betreff: Intro: Dan <> Erin\n"
        "Datum: 2. November 2026 um 10:14:00 MEZ\n"
        "An: Dan Ortiz <dan@y.example>\n",
        "2. November 2026 um 10:14:00 MEZ",
    ),
    "german_original": (
        "-----Ursprüngliche Nachricht-----\n"
        "Von: Carol Jensen [mailto:carol@x.example]\n"
        "Gesendet: Montag, 2. November 2026 10:14\n"
        "An: Dan Ortiz <dan@y.example>\n"
        "Betreff: Intro: Dan <> Erin\n",
        "Montag, 2. November 2026 10:14",
    ),
    "french_gmail": (
        "---------- Message transféré ---------\n"
        "De : Carol Jensen <carol@x.example>\n"
        "Date : lun. 2 nov. 2026 à 10:14\n"
        "Objet : Intro: Dan <> Erin\n"
        "À : Dan Ortiz <dan@y.example>\n",
        "lun. 2 nov. 2026 à 10:14",
    ),
    "french_apple": (
        "Début du message réexpédié :\n\n"
        "De: Carol Jensen <carol@x.example>\n"
        "Objet: Intro: Dan <> Erin\n"
        "Date: 2 novembre 2026 à 10:14:00 UTC+1\n"
        "À: Dan Ortiz <dan@y.example>\n",
        "2 novembre 2026 à 10:14:00 UTC+1",
    ),
    "french_outlook_nbsp": (
        "-----Message d'origine-----\n"
        "De\u00a0: Carol Jensen <carol@x.example>\n"
        "Envoyé\u00a0: lundi 2 novembre 2026 10:14\n"
        "À\u00a0: Dan Ortiz <dan@y.example>\n"
        "Objet\u00a0: Intro: Dan <> Erin\n",
        "lundi 2 novembre 2026 10:14",
    ),
    "spanish_gmail": (
        "---------- Mensaje reenviado ---------\n"
        "De: Carol Jensen <carol@x.example>\n"
        "Date: lun, 2 nov 2026 a las 10:14\n"
        "Subject: Intro: Dan <> Erin\n"
        "To: Dan Ortiz <dan@y.example>\n",
        "lun, 2 nov 2026 a las 10:14",
    ),
    "spanish_outlook": (
        "-----Mensaje original-----\n"
        "De: Carol Jensen <carol@x.example>\n"
        "Enviado el: lunes, 2 de noviembre de 2026 10:14\n"
        "Para: Dan Ortiz <dan@y.example>\n"
        "Asunto: Intro: Dan <> Erin\n",
        "lunes, 2 de noviembre de 2026 10:14",
    ),
    "spanish_apple": (
        "Inicio del mensaje reenviado:\n\n"
        "De: Carol Jensen <carol@x.example>\n"
        "Asunto: Intro: Dan <> Erin\n"
        "Fecha: 2 de noviembre de 2026, 10:14:00 GMT+1\n"
        "Para: Dan Ortiz <dan@y.example>\n",
        "2 de noviembre de 2026, 10:14:00 GMT+1",
    ),
    "dutch_gmail": (
        "---------- Doorgestuurd bericht ---------\n"
        "Van: Carol Jensen <carol@x.example>\n"
        "Date: ma 2 nov. 2026 om 10:14\n"
        "Subject: Intro: Dan <> Erin\n"
        "To: Dan Ortiz <dan@y.example>\n",
        "ma 2 nov. 2026 om 10:14",
    ),
    "dutch_apple": (
        "Begin doorgestuurd bericht:\n\n"
        "Van: Carol Jensen <carol@x.example>\n"
        "Onderwerp: Intro: Dan <> Erin\n"
        "Datum: 2 november 2026 om 10:14:00 CET\n"
        "Aan: Dan Ortiz <dan@y.example>\n",
        "2 november 2026 om 10:14:00 CET",
    ),
    "dutch_outlook": (
        "-----Oorspronkelijk bericht-----\n"
        "Van: Carol Jensen <carol@x.example>\n"
        "Verzonden: maandag 2 november 2026 10:14\n"
        "Aan: Dan Ortiz <dan@y.example>\n"
        "Onderwerp: Intro: Dan <> Erin\n",
        "maandag 2 november 2026 10:14",
    ),
    "italian_gmail": (
        "---------- Messaggio inoltrato ---------\n"
        "Da: Carol Jensen <carol@x.example>\n"
        "Date: lun 2 nov 2026 alle ore 10:14\n"
        "Subject: Intro: Dan <> Erin\n"
        "To: Dan Ortiz <dan@y.example>\n",
        "lun 2 nov 2026 alle ore 10:14",
    ),
    "italian_outlook": (
        "-----Messaggio originale-----\n"
        "Da: Carol Jensen <carol@x.example>\n"
        "Inviato: lunedì 2 novembre 2026 10:14\n"
        "A: Dan Ortiz <dan@y.example>\n"
        "Oggetto: Intro: Dan <> Erin\n",
        "lunedì 2 novembre 2026 10:14",
    ),
}


@pytest.mark.parametrize("headers,date", LOCALIZED.values(), ids=LOCALIZED.keys())
def test_localized_forwards(headers, date):
    text = f"Bitte eintragen.\n\n{headers}\n{INTRO_BODY}\n"
    assert find_forwarded(text) == ForwardedBlock(
        "Bitte eintragen.", CAROL, DAN, "", date, "Intro: Dan <> Erin", INTRO_BODY
    )


@pytest.mark.parametrize("headers,date", LOCALIZED.values(), ids=LOCALIZED.keys())
def test_localized_dates_parse(headers, date):
    parsed = parse_loose_date(date)
    assert parsed is not None
    assert parsed.replace(tzinfo=None) == datetime(2026, 11, 2, 10, 14)


def test_forward_quoted_inside_a_reply():
    text = (
        "Thanks, logged.\n\n"
        "On Tue, Nov 3, 2026 at 9:00 AM Dan Ortiz <dan@y.example> wrote:\n"
        "> Fwd for the tracker\n"
        ">\n"
        "> ---------- Forwarded message ---------\n"
        "> From: Carol Jensen <carol@x.example>\n"
        "> Date: Mon, Nov 2, 2026 at 10:14 AM\n"
        "> Subject: Intro\n"
        "> To: Dan Ortiz <dan@y.example>\n"
        ">\n"
        "> Dan, meet Erin.\n"
        "> > an older quote stays quoted\n"
    )
    block = find_forwarded(text)
    assert block.from_ == CAROL
    assert block.to == DAN
    assert block.subject == "Intro"
    assert block.body == "Dan, meet Erin.\n> an older quote stays quoted"
    assert block.note == (
        "Thanks, logged.\n\n"
        "On Tue, Nov 3, 2026 at 9:00 AM Dan Ortiz <dan@y.example> wrote:\n"
        "> Fwd for the tracker\n>"
    )


def test_header_values_wrapped_onto_continuation_lines():
    text = (
        "---------- Forwarded message ---------\n"
        "From: Carol Jensen <carol@x.example>\n"
        "Date: Mon, Nov 2, 2026 at 10:14 AM\n"
        "Subject: Intro: Dan Ortiz (Acme) and Erin Smith (Globex) about the\n"
        "  Q1 partnership\n"
        "To: Dan Ortiz <dan@y.example>, Erin Smith\n"
        "<erin@z.example>, Frank Lee <frank@w.example>,\n"
        "Gina Park <gina@v.example>\n\n"
        "Body\n"
    )
    block = find_forwarded(text)
    assert block.subject == (
        "Intro: Dan Ortiz (Acme) and Erin Smith (Globex) about the Q1 partnership"
    )
    assert block.to == (
        "Dan Ortiz <dan@y.example>, Erin Smith <erin@z.example>, Frank Lee <frank@w.example>, "
        "Gina Park <gina@v.example>"
    )
    assert block.body == "Body"


def test_header_block_without_blank_line_before_body():
    text = (
        "-----Original Message-----\n"
        "From: Carol Jensen <carol@x.example>\n"
        "Sent: Monday, November 2, 2026 10:14 AM\n"
        "To: Dan Ortiz <dan@y.example>\n"
        "Subject: Intro\n"
        "Dan, meet Erin.\n"
    )
    block = find_forwarded(text)
    assert (block.subject, block.body) == ("Intro", "Dan, meet Erin.")


def test_reply_to_and_other_headers_are_ignored():
    text = (
        "---------- Forwarded message ---------\n"
        "From: Carol Jensen <carol@x.example>\n"
        "Reply-To: Assistant <pa@x.example>\n"
        "Date: Mon, Nov 2, 2026 at 10:14 AM\n"
        "Subject: Intro\n"
        "To: Dan Ortiz <dan@y.example>\n\n"
        "Body\n"
    )
    assert find_forwarded(text) == ForwardedBlock(
        "", CAROL, DAN, "", "Mon, Nov 2, 2026 at 10:14 AM", "Intro", "Body"
    )


def test_nested_forward_returns_the_outermost():
    text = (
        "Outer note\n\n"
        "---------- Forwarded message ---------\n"
        "From: Dan Ortiz <dan@y.example>\n"
        "Date: Tue, Nov 3, 2026 at 9:00 AM\n"
        "Subject: Fwd: Intro\n"
        "To: Tracker <track@t.example>\n\n"
        "Inner note\n\n"
        "---------- Forwarded message ---------\n"
        "From: Carol Jensen <carol@x.example>\n"
        "Date: Mon, Nov 2, 2026 at 10:14 AM\n"
        "Subject: Intro\n"
        "To: Dan Ortiz <dan@y.example>\n\n"
        "Dan, meet Erin.\n"
    )
    block = find_forwarded(text)
    assert (block.note, block.from_, block.subject) == ("Outer note", DAN, "Fwd: Intro")
    assert block.body.startswith("Inner note\n\n---------- Forwarded message ---------\n")
    assert block.body.endswith("Dan, meet Erin.")
    assert find_forwarded(block.body).from_ == CAROL


def test_crlf_line_endings():
    text = (
        "note\r\n\r\n---------- Forwarded message ---------\r\n"
        "From: Carol Jensen <carol@x.example>\r\nSubject: Intro\r\n\r\nBody\r\n"
    )
    assert find_forwarded(text) == ForwardedBlock("note", CAROL, "", "", "", "Intro", "Body")


def test_marker_without_headers_gives_body_only():
    text = "note\n-----Original Message-----\nsomething pasted\n"
    assert find_forwarded(text) == ForwardedBlock("note", "", "", "", "", "", "something pasted")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Dan, meet Erin. I forwarded her message from last week.",
        "This was forwarded message by message.",
        "Begin forwarded message soon, please",
        "Numbers\n____________________\nTotal: 12\n",
        "LOST\n\nOn Mon, Nov 2, 2026 at 10:14 AM Carol <carol@x.example> wrote:\n> WON\n",
        "-- \nDan Ortiz\n",
    ],
)
def test_no_forwarded_block(text):
    assert find_forwarded(text) is None


def test_find_forwarded_on_one_megabyte_of_lookalike_prose():
    text = "Hi Dan, I wrote to Carol from Berlin about the deal -- more soon.\n" * 15_000
    assert find_forwarded(text) is None


CET = timezone(timedelta(hours=1))
PST = timezone(timedelta(hours=-8))
NAIVE_1014 = datetime(2026, 11, 2, 10, 14)

DATES = {
    "Mon, 2 Nov 2026 10:14:22 +0100": datetime(2026, 11, 2, 10, 14, 22, tzinfo=CET),
    "Mon, 2 Nov 2026 10:14:22 +0100 (CET)": datetime(2026, 11, 2, 10, 14, 22, tzinfo=CET),
    "2 Nov 2026 10:14:22 -0800": datetime(2026, 11, 2, 10, 14, 22, tzinfo=PST),
    "Mon, 2 Nov 2026 10:14:22 -0000": datetime(2026, 11, 2, 10, 14, 22),
    "Mon, Nov 2, 2026 at 10:14 AM": NAIVE_1014,
    "Mon, Nov 2, 2026 at 10:14 PM": datetime(2026, 11, 2, 22, 14),
    "Monday, November 2, 2026 10:14 AM": NAIVE_1014,
    "Monday, November 02, 2026 12:05 AM": datetime(2026, 11, 2, 0, 5),
    "2 November 2026 at 10:14:00 GMT+1": datetime(2026, 11, 2, 10, 14, tzinfo=CET),
    "November 2, 2026 at 10:14:22 AM PST": datetime(2026, 11, 2, 10, 14, 22, tzinfo=PST),
    "02.11.2026 10:14": NAIVE_1014,
    "2.11.26, 10:14": NAIVE_1014,
    "2026-11-02 10:14": NAIVE_1014,
    "2026-11-02T10:14:00+01:00": datetime(2026, 11, 2, 10, 14, tzinfo=CET),
    "2026-11-02 10:14 GMT+01:00": datetime(2026, 11, 2, 10, 14, tzinfo=CET),
    "Mo., 2. Nov. 2026 um 10:14 Uhr": NAIVE_1014,
    "Montag, 2. November 2026 10:14": NAIVE_1014,
    "2. März 2026 um 10:14": datetime(2026, 3, 2, 10, 14),
    "lun. 2 nov. 2026 à 10:14": NAIVE_1014,
    "mar. 3 févr. 2026 à 10:14": datetime(2026, 2, 3, 10, 14),
    "lundi 2 novembre 2026 10:14": NAIVE_1014,
    "lun, 2 nov 2026 a las 10:14": NAIVE_1014,
    "mar, 3 mar 2026 a las 10:14": datetime(2026, 3, 3, 10, 14),
    "lunes, 2 de noviembre de 2026 10:14 p. m.": datetime(2026, 11, 2, 22, 14),
    "ma 2 nov. 2026 om 10:14": NAIVE_1014,
    "di 3 mrt. 2026 om 10:14": datetime(2026, 3, 3, 10, 14),
    "maandag 2 november 2026 10:14": NAIVE_1014,
    "lun 2 nov 2026 alle ore 10:14": NAIVE_1014,
    "mer 2 dic 2026 alle ore 10:14": datetime(2026, 12, 2, 10, 14),
    "2 mei 2026 10:14": datetime(2026, 5, 2, 10, 14),
    "2 maggio 2026 10:14": datetime(2026, 5, 2, 10, 14),
    "1st November 2026, 9:05 pm": datetime(2026, 11, 1, 21, 5),
    "11/2/26, 10:14 AM": NAIVE_1014,
    "13/2/2026 10:14": datetime(2026, 2, 13, 10, 14),
    "2 November 2026": datetime(2026, 11, 2),
}


@pytest.mark.parametrize("text,expected", DATES.items(), ids=DATES.keys())
def test_parse_loose_date(text, expected):
    assert parse_loose_date(text) == expected
    assert (parse_loose_date(text).tzinfo is None) == (expected.tzinfo is None)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "soon", "next Tuesday at 10", "10:14", "November 2026", "11/2/2026 10:14",
     "31 Feb 2026 10:14", "2026-13-45 10:14"],
)
def test_parse_loose_date_gives_up(text):
    assert parse_loose_date(text) is None


def test_emacs_start_of_forwarded_message():
    """Gnus and message-mode (scripts/drive_clients.py, client_gnus_forwarded_intro)."""
    block = find_forwarded(
        "For the ledger.\n\n\n-------------------- Start of forwarded message --------------------\n"
        "From: Carol Mendes <carol@x.example>\nTo: Dana <dana@y.example>, Alice <alice@z.example>\n"
        "Subject: Intro: Alice / Dana\nDate: Thu, 19 Nov 2026 09:42:00 +0100\n\nHi Alice, hi Dana,\n"
        "-------------------- End of forwarded message --------------------\n")
    assert block is not None
    assert (block.note, block.from_, block.to) == ("For the ledger.", "Carol Mendes <carol@x.example>",
                                                   "Dana <dana@y.example>, Alice <alice@z.example>")


def test_a_header_block_rewrapped_like_a_paragraph():
    """Claws Mail wraps the forwarded header lines at 72 columns, the next field mid-line."""
    block = find_forwarded(
        "For the ledger.\n\nBegin forwarded message:\n\nDate: Thu, 19 Nov 2026 09:42:00 +0100\n"
        "From: Carol Mendes <carol@mendes-consulting.example>\n"
        "To: Dana Whitfield <dana@danabooks.example>, Alice Brandt\n"
        "<alice@brandt-bakery.example> Subject: Intro: Alice (Brandt Bakery) /\nDana (bookkeeping)\n\n\n"
        "Hi Alice, hi Dana,\n")
    assert block is not None
    assert block.to == "Dana Whitfield <dana@danabooks.example>, Alice Brandt <alice@brandt-bakery.example>"
    assert block.subject == "Intro: Alice (Brandt Bakery) / Dana (bookkeeping)"
    assert block.body == "Hi Alice, hi Dana,"
