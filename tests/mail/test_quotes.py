"""Tests for worker.mail.quotes.new_text: what survives of a reply once quotes and boilerplate go."""


import pytest

from worker.mail.quotes import new_text

ATTRIBUTIONS = {
    "gmail_en": "On Mon, Nov 2, 2026 at 10:14 AM Carol Jensen <carol@x.example> wrote:",
    "apple_en": "On Nov 2, 2026, at 10:14, Carol Jensen <carol@x.example> wrote:",
    "outlook_mac": 'On 11/2/26, 10:14 AM, "Carol Jensen" <carol@x.example> wrote:',
    "thunderbird_en": "On 02/11/2026 10:14, Carol Jensen wrote:",
    "yahoo": (
        "On Monday, November 2, 2026, 10:14:05 AM GMT+1, Carol Jensen <carol@x.example> wrote:"
    ),
    "mutt": "On Mon, Nov 02, 2026 at 10:14:00AM +0100, Carol Jensen wrote:",
    "german": "Am 02.11.2026 um 10:14 schrieb Carol <carol@x.example>:",
    "german_gmail": "Am Mo., 2. Nov. 2026 um 10:14 Uhr schrieb Carol Jensen <carol@x.example>:",
    "german_thunderbird": "Am 02.11.2026 um 10:14 schrieb Carol Jensen:",
    "french": "Le lun. 2 nov. 2026 à 10:14, Carol <carol@x.example> a écrit :",
    "french_nbsp": "Le lun. 2 nov. 2026 à 10:14, Carol <carol@x.example> a\u00a0écrit\u00a0:",
    "spanish": "El lun, 2 nov 2026 a las 10:14, Carol (<carol@x.example>) escribió:",
    "dutch": "Op ma 2 nov. 2026 om 10:14 schreef Carol <carol@x.example>:",
    "italian": "Il giorno lun 2 nov 2026 alle ore 10:14 Carol <carol@x.example> ha scritto:",
    "portuguese": "Em seg., 2 de nov. de 2026 às 10:14, Carol <carol@x.example> escreveu:",
    "polish": "pon., 2 lis 2026 o 10:14 Carol Jensen <carol@x.example> napisał(a):",
    "russian_pishet": "02.11.2026 10:14, Carol Jensen пишет:",
    "russian_napisal": "2 нояб. 2026 г., в 10:14, Carol <carol@x.example> написал(а):",
    "russian_gmail_no_verb": "пн, 2 нояб. 2026 г. в 10:14, Carol Jensen <carol@x.example>:",
    "swedish": "Den mån 2 nov. 2026 kl 10:14 skrev Carol Jensen <carol@x.example>:",
    "danish": "man. 2. nov. 2026 kl. 10.14 skrev Carol Jensen <carol@x.example>:",
    "date_first": "2026-11-02 10:14 GMT+01:00 Carol <carol@x.example>:",
    "name_and_address_only": "Carol Jensen <carol@x.example> wrote:",
}


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_lost_reply_above_quoted_won_keeps_only_lost(attribution):
    body = f"LOST\n\n{attribution}\n> WON\n> Carol\n"
    assert new_text(body) == "LOST"


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_unquoted_original_below_attribution_is_cut(attribution):
    body = f"LOST — they picked another vendor.\n\n{attribution}\n\nWON\n\nCarol\n"
    assert new_text(body) == "LOST — they picked another vendor."


WRAPPED = {
    "before_address": (
        "On Mon, Nov 2, 2026 at 10:14 AM Carol Jensen\n<carol@x.example> wrote:"
    ),
    "before_verb": "On Mon, Nov 2, 2026 at 10:14 AM Carol Jensen <carol@x.example>\nwrote:",
    "after_time": "On Mon, Nov 2, 2026 at 10:14 AM\nCarol Jensen <carol@x.example> wrote:",
    "qp_soft_break_in_address": (
        "On Mon, Nov 2, 2026 at 10:14 AM Carol Jensen <carol@x.exa=\nmple> wrote:"
    ),
    "qp_split_mid_word": "On Mon, Nov 2, 2026 at 10:14 AM Carol Jen=\nsen <carol@x.example> wrote:",
    "german_after_name": "Am 02.11.2026 um 10:14 schrieb Carol Jensen\n<carol@x.example>:",
    "german_inside_name": "Am 02.11.2026 um 10:14 schrieb Carol\nJensen:",
    "french_inside_verb": "Le lun. 2 nov. 2026 à 10:14, Carol <carol@x.example> a\nécrit :",
    "spanish": "El lun, 2 nov 2026 a las 10:14, Carol\n(<carol@x.example>) escribió:",
    "dutch": "Op ma 2 nov. 2026 om 10:14 schreef Carol\n<carol@x.example>:",
    "italian_before_verb": (
        "Il giorno lun 2 nov 2026 alle ore 10:14 Carol <carol@x.example> ha\nscritto:"
    ),
    "portuguese": "Em seg., 2 de nov. de 2026 às 10:14, Carol\n<carol@x.example> escreveu:",
    "polish": "pon., 2 lis 2026 o 10:14 Carol Jensen\n<carol@x.example> napisał(a):",
    "date_first_qp": "2026-11-02 10:14 GMT+01:00 Carol <carol@x.exam=\nple>:",
}


@pytest.mark.parametrize("attribution", WRAPPED.values(), ids=WRAPPED.keys())
def test_attribution_wrapped_over_two_lines_is_cut_from_its_first_line(attribution):
    body = f"LOST\n\n{attribution}\n> WON\n"
    assert new_text(body) == "LOST"


def test_wrapped_attribution_directly_under_the_reply_keeps_the_reply():
    body = (
        "Deal is LOST, sorry.\n"
        "On Mon, Nov 2, 2026 at 10:14 AM Carol Jensen\n"
        "<carol@x.example> wrote:\n"
        "> WON?\n"
    )
    assert new_text(body) == "Deal is LOST, sorry."


def test_line_starting_with_on_right_above_an_attribution_is_kept():
    body = (
        "On Monday we ship 2 units\n"
        "On Mon, Nov 2, 2026 at 10:14 AM Carol Jensen <carol@x.example> wrote:\n"
        "> When do you ship?\n"
    )
    assert new_text(body) == "On Monday we ship 2 units"


OUTLOOK_BLOCKS = {
    "english_with_rule": (
        "________________________________\n"
        "From: Carol Jensen <carol@x.example>\n"
        "Sent: Monday, November 2, 2026 10:14 AM\n"
        "To: Dan Ortiz <dan@y.example>\n"
        "Subject: RE: Acme"
    ),
    "english_no_rule_mailto": (
        "From: Carol Jensen [mailto:carol@x.example]\n"
        "Sent: Monday, November 2, 2026 10:14 AM\n"
        "To: Dan Ortiz\n"
        "Cc: Erin Smith\n"
        "Subject: RE: Acme"
    ),
    "english_date_and_subject_only": (
        "From: Carol Jensen <carol@x.example>\nDate: Monday, November 2, 2026 at 10:14\n"
        "Subject: Re: Acme"
    ),
    "html_bold": (
        "*From:* Carol Jensen <carol@x.example>\n*Sent:* Monday, November 2, 2026 10:14 AM\n"
        "*To:* Dan Ortiz <dan@y.example>\n*Subject:* RE: Acme"
    ),
    "double_spaced": (
        "From: Carol Jensen <carol@x.example>\n\nSent: Monday, November 2, 2026 10:14 AM\n\n"
        "To: Dan Ortiz <dan@y.example>"
    ),
    "german": (
        "________________________________\n"
        "Von: Carol Jensen <carol@x.example>\n"
        "Gesendet: Montag, 2. November 2026 10:14\n"
        "An: Dan Ortiz <dan@y.example>\n"
        "Betreff: AW: Acme"
    ),
    "french": (
        "De : Carol Jensen <carol@x.example>\n"
        "Envoyé : lundi 2 novembre 2026 10:14\n"
        "À : Dan Ortiz <dan@y.example>\n"
        "Objet : RE: Acme"
    ),
    "spanish": (
        "De: Carol Jensen <carol@x.example>\n"
        "Enviado: lunes, 2 de noviembre de 2026 10:14\n"
        "Para: Dan Ortiz <dan@y.example>\n"
        "Asunto: RE: Acme"
    ),
    "spanish_enviado_el": (
        "De: Carol Jensen <carol@x.example>\n"
        "Enviado el: lunes, 2 de noviembre de 2026 10:14\n"
        "Para: Dan Ortiz <dan@y.example>\n"
        "Asunto: RE: Acme"
    ),
    "dutch": (
        "Van: Carol Jensen <carol@x.example>\n"
        "Verzonden: maandag 2 november 2026 10:14\n"
        "Aan: Dan Ortiz <dan@y.example>\n"
        "Onderwerp: RE: Acme"
    ),
    "italian": (
        "Da: Carol Jensen <carol@x.example>\n"
        "Inviato: lunedì 2 novembre 2026 10:14\n"
        "A: Dan Ortiz <dan@y.example>\n"
        "Oggetto: R: Acme"
    ),
}


@pytest.mark.parametrize("block", OUTLOOK_BLOCKS.values(), ids=OUTLOOK_BLOCKS.keys())
def test_outlook_header_block_and_everything_after_is_cut(block):
    body = f"LOST, they signed elsewhere.\n\n{block}\n\nDid we WIN Acme?\n"
    assert new_text(body) == "LOST, they signed elsewhere."


def test_outlook_rule_directly_under_the_reply_is_cut_too():
    body = (
        "LOST\n"
        "________________________________\n"
        "From: Carol Jensen\nSent: Monday\nTo: Dan\nSubject: Acme\n\nWON\n"
    )
    assert new_text(body) == "LOST"


SEPARATORS = [
    "-----Original Message-----",
    "----- Original Message -----",
    "-----Ursprüngliche Nachricht-----",
    "-----Message d'origine-----",
    "-----Mensaje original-----",
    "-----Oorspronkelijk bericht-----",
    "-----Messaggio originale-----",
    "-------- Original Message --------",
]


@pytest.mark.parametrize("separator", SEPARATORS)
def test_original_message_separator_cuts(separator):
    body = f"LOST\n\n{separator}\nFrom: Carol\nSubject: Acme\n\nWON\n"
    assert new_text(body) == "LOST"


FORWARD_MARKERS = [
    "---------- Forwarded message ---------",
    "-------- Forwarded Message --------",
    "Begin forwarded message:",
    "---------- Weitergeleitete Nachricht ---------",
    "Anfang der weitergeleiteten Nachricht:",
    "---------- Message transféré ---------",
    "Début du message réexpédié :",
    "---------- Mensaje reenviado ---------",
    "Inicio del mensaje reenviado:",
    "---------- Doorgestuurd bericht ---------",
    "Begin doorgestuurd bericht:",
    "---------- Messaggio inoltrato ---------",
]


@pytest.mark.parametrize("marker", FORWARD_MARKERS)
def test_forwarded_part_is_not_new_text(marker):
    body = (
        f"Dan, meet Erin — see her note below.\n\n{marker}\n"
        "From: Erin Smith <erin@z.example>\nDate: Mon, Nov 2, 2026 at 10:14 AM\n"
        "Subject: Hello\nTo: Carol <carol@x.example>\n\nWON the pilot!\n"
    )
    assert new_text(body) == "Dan, meet Erin — see her note below."


FOOTERS = [
    "Sent from my iPhone",
    "Sent from my iPad",
    "Sent from my Android",
    "Sent from my Android phone",
    "Get Outlook for iOS",
    "Get Outlook for Android",
    "Sent from Mail for Windows",
    "Sent from Mail for Windows 10",
    "Von meinem iPhone gesendet",
    "Envoyé de mon iPhone",
    "Enviado desde mi iPhone",
    "Verstuurd vanaf mijn iPhone",
    "Inviato da iPhone",
]


@pytest.mark.parametrize("footer", FOOTERS)
def test_mobile_footer_and_unquoted_original_after_it_are_cut(footer):
    body = f"LOST\n\n{footer}\n\nCarol Jensen wrote something earlier\nWON\n"
    assert new_text(body) == "LOST"


@pytest.mark.parametrize("footer", FOOTERS)
def test_mobile_footer_at_the_very_end_is_dropped(footer):
    assert new_text(f"Sounds good, LOST it is.\n\n{footer}") == "Sounds good, LOST it is."


def test_signature_after_standard_delimiter_is_cut():
    body = "LOST, unfortunately.\n\n-- \nDan Ortiz\nHead of Sales | +1 555 0100\n"
    assert new_text(body) == "LOST, unfortunately."


def test_signature_delimiter_without_trailing_space_is_cut():
    assert new_text("LOST\n--\nDan\n") == "LOST"


def test_double_dash_inside_a_sentence_is_kept():
    body = "We lost -- sadly -- the Acme deal.\nNext time."
    assert new_text(body) == body


KEPT_AS_IS = [
    "I wrote to Carol from the airport, and she wrote back from Berlin.",
    "From what I hear, Erin wrote the proposal.\nSent it on Monday.",
    "From: the desk of Dan Ortiz\nPlease meet Erin.",
    "On Monday she wrote: the plan is ready.",
    "On Friday Carol wrote:\n- budget approved\n- kickoff next week",
    "Here is what I wrote:\nthe deal moves to Q3.",
    "Quote from Carol: we wrote the spec from scratch.",
    "Note the date 02.11.2026 and the time 10:14 for the call.",
    "Carol <carol@x.example> is the best person for this.",
    "Sent from the office, not my phone: all good.",
    "Subject: pricing\nTo: whom it may concern",
    "Da: noi tutto bene.\nA: presto!",
    "Le client a écrit une lettre.",
    "Anyone who wrote in from Acme gets a reply today.",
]


@pytest.mark.parametrize("body", KEPT_AS_IS)
def test_ordinary_text_with_from_or_wrote_is_kept(body):
    assert new_text(body) == body


def test_inline_answers_between_quotes_are_kept():
    body = "> Did Acme sign?\nNo, LOST.\n\n> Any chance next year?\nMaybe.\n"
    assert new_text(body) == "No, LOST.\n\nMaybe."


def test_nested_quote_levels_are_all_dropped():
    body = "LOST\n\n>> WON\n> > WON\n>WON\n   > WON\n"
    assert new_text(body) == "LOST"


def test_quoted_attribution_does_not_cut_later_inline_answer():
    body = "> On Mon, Nov 2, 2026 at 10:14 AM Carol <carol@x.example> wrote:\n> > WON?\nLOST.\n"
    assert new_text(body) == "LOST."


def test_only_the_first_cut_matters():
    body = (
        "LOST\n\nOn Tue, Nov 3, 2026 at 9:00 AM Dan <dan@y.example> wrote:\n> WON?\n>\n"
        "> On Mon, Nov 2, 2026 at 10:14 AM Carol <carol@x.example> wrote:\n> > Status?\n"
    )
    assert new_text(body) == "LOST"


def test_crlf_line_endings():
    body = "LOST\r\n\r\nOn Mon, Nov 2, 2026 at 10:14 AM Carol <carol@x.example> wrote:\r\n> WON\r\n"
    assert new_text(body) == "LOST"


def test_multi_paragraph_reply_is_kept_whole():
    body = (
        "Hi Carol,\n\nThanks for the intro to Erin.\nWe met on 2 Nov and it went well.\n\n"
        "Best,\nDan\n\n"
        "On Mon, Nov 2, 2026 at 10:14 AM Carol <carol@x.example> wrote:\n> Dan, meet Erin.\n"
    )
    assert new_text(body) == (
        "Hi Carol,\n\nThanks for the intro to Erin.\nWe met on 2 Nov and it went well.\n\n"
        "Best,\nDan"
    )


@pytest.mark.parametrize("body", ["", "   \n\n\t ", "\r\n"])
def test_empty_body(body):
    assert new_text(body) == ""


@pytest.mark.parametrize(
    "body",
    [
        "> WON\n> Carol\n",
        "On Mon, Nov 2, 2026 at 10:14 AM Carol <carol@x.example> wrote:\n> WON\n",
        "\n\nAm 02.11.2026 um 10:14 schrieb Carol <carol@x.example>:\n> WON\n",
        "Sent from my iPhone",
        "-- \nDan",
    ],
)
def test_body_that_is_only_quotes_or_boilerplate(body):
    assert new_text(body) == ""


def test_reply_text_surrounding_whitespace_is_stripped():
    assert new_text("\n\n   LOST  \n\n> WON") == "LOST"


@pytest.mark.parametrize(
    "body",
    [
        "Hi Dan, I wrote to Carol from Berlin on 2 Nov at 10:14 about the Acme deal.\n" * 13_000,
        "x" * 1_000_000,
        "\n" * 1_000_000,
        "a\n" * 500_000,
        "> quoted line from the original message\n" * 25_000,
        "On " * 333_000,
        "wrote: " * 140_000,
        "<a@b" * 250_000,
        "-" * 1_000_000,
        "1:\n" * 333_000,
        ("On " + "b" * 290 + " wrote:\n") * 3_300,
    ],
    ids=["prose", "one_line", "newlines", "short_lines", "quoted", "on", "wrote", "addr", "dashes",
         "colons", "long_on_lines"],
)
def test_one_megabyte_of_adversarial_text_finishes(body):
    # No timing here (bench/ measures speed); the suite's timeout catches runaway backtracking.
    result = new_text(body + "\n\nLOST")
    assert isinstance(result, str) and len(result) <= len(body) + 6
