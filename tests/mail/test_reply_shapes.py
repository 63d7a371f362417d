"""The new text of replies from many clients (issue 14, point 2).

Single shapes, each in the smallest message that shows it; the reply corpus as a whole (real mail,
replies written by real clients, replies written after client formats) is read in
tests/mail/test_reply_corpus.py.
"""
import pytest

from worker.mail.htmltext import html_to_text
from worker.mail.quotes import new_text

OUTLOOK_HEADERS = {
    "finnish": "Lähettäjä: Carol Jensen <carol@x.example>\nLähetetty: maanantai 2. marraskuuta 2026 10.14\n"
               "Vastaanottaja: Dana <dana@y.example>\nAihe: Vs: Alice",
    "hungarian": "Feladó: Carol Jensen <carol@x.example>\nElküldve: 2026. november 2. 10:14\n"
                 "Címzett: Dana <dana@y.example>\nTárgy: RE: Alice",
    "turkish": "Kimden: Carol Jensen <carol@x.example>\nGönderildi: 2 Kasım 2026 Pazartesi 10:14\n"
               "Kime: Dana <dana@y.example>\nKonu: YNT: Alice",
    "czech": "Od: Carol Jensen <carol@x.example>\nOdesláno: pondělí 2. listopadu 2026 10:14\n"
             "Komu: Dana <dana@y.example>\nPředmět: RE: Alice",
    "portuguese": "De: Carol Jensen <carol@x.example>\nEnviada em: segunda-feira, 2 de novembro de 2026 10:14\n"
                  "Para: Dana <dana@y.example>\nAssunto: RE: Alice",
    "japanese": "差出人: Carol Jensen <carol@x.example>\n送信日時: 2026年11月2日 10:14\n宛先: Dana <dana@y.example>\n"
                "件名: RE: Alice",
    "after_dashed_rule": "-----------------------------------\nFrom: Carol Jensen <carol@x.example>\n"
                         "Sent: Monday, November 2, 2026 10:14 AM\nTo: Dana\nSubject: RE: Alice",
    "lotus_fields_only": "To: Dana Whitfield/Books@Books\ncc:\nSubject: Alice",
    "from_to_subject_no_date": "From: Carol Jensen\nTo: Dana\nSubject: Alice",
}


@pytest.mark.parametrize("block", OUTLOOK_HEADERS.values(), ids=OUTLOOK_HEADERS.keys())
@pytest.mark.parametrize("gap", ["\n\n", "\n"], ids=["blank_line_before", "no_blank_line"])
def test_outlook_header_block_cuts_the_unquoted_original(block, gap):
    body = f"LOST, sorry.{gap}{block}\n\nHow did the intro to Alice go? WON?\n"
    assert new_text(body) == "LOST, sorry."


@pytest.mark.parametrize("rule", [
    "-----Original Message-----", "-----Ursprüngliche Nachricht-----", "-----Message d'origine-----",
    "-----Mensaje original-----", "-----Oorspronkelijk bericht-----", "-----Messaggio originale-----",
    "-----Oprindelig meddelelse-----", "-----Ursprungligt meddelande-----", "-----Alkuperäinen viesti-----",
    "-----Původní zpráva-----", "-----Oryginalna wiadomość-----", "-----Исходное сообщение-----",
])
def test_original_message_rule_in_many_languages(rule):
    assert new_text(f"MET\n{rule}\nWON?\n") == "MET"


@pytest.mark.parametrize("footer", [
    "Sent from my iPhone", "Sent from my Huawei phone", "Get Outlook for Android", "Sent from Yahoo Mail for iPhone",
    "Von meinem Samsung Galaxy Smartphone gesendet", "Envoyé depuis mon iPhone", "Enviado do meu iPhone",
    "Skickat från min iPhone", "Sendt fra min iPhone", "Wysłane z iPhone", "Отправлено с iPhone",
])
def test_mobile_footer_and_the_unquoted_original_below_it_are_cut(footer):
    body = f"WON, 1200\n\n{footer}\n\nCarol Jensen wrote on Nov 2:\n\nHow did the intro to Alice go?\n"
    assert new_text(body) == "WON, 1200"


@pytest.mark.parametrize("footer", [
    "CONFIDENTIALITY NOTICE: This e-mail and any attachments are for the named recipient only.",
    "This email and any files transmitted with it are confidential and intended solely for the addressee.",
    "_______________________________________________\nchapter-members mailing list\nchapter@lists.example",
])
def test_disclaimer_and_list_footer_are_cut(footer):
    assert new_text(f"MET - coffee Thursday.\n\nDana\n\n{footer}\nIf you received this in error, delete it.\n") \
        == "MET - coffee Thursday.\n\nDana"


def test_a_sentence_about_this_email_is_kept():
    body = "This email is to say we won the Alice job.\n\nDana\n"
    assert new_text(body) == body.strip()


def test_bottom_posted_answer_under_a_quote_is_kept():
    body = "On Mon, Nov 2, 2026 at 10:14 AM Carol <carol@x.example> wrote:\n> How did it go?\n\nWON, 1200\n"
    assert new_text(body) == "WON, 1200"


def test_inline_answers_between_quotes_are_kept_in_order():
    body = ("Hi Carol,\n\nOn Mon, Nov 2, 2026 at 10:14 AM Carol <carol@x.example> wrote:\n> Did you meet Alice?\n"
            "Yes, Thursday.\n> Any work from it?\nWON, a kitchen for 1200.\n\n-- \nDana\n")
    assert new_text(body) == "Hi Carol,\n\nYes, Thursday.\nWON, a kitchen for 1200."


def test_top_posted_answer_leaves_the_unquoted_text_after_the_quote_out():
    assert new_text("LOST\n\nOn Mon, Nov 2, 2026 at 10:14 AM Carol <c@x.example> wrote:\n\nWON?\n") == "LOST"


HTML = {
    "outlook_web_divRplyFwdMsg": (
        '<div>Verloren, leider.</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>Von:</b> Carol Jensen &lt;carol@x.example&gt;<br>'
        '<b>Gesendet:</b> Montag, 2. November 2026 10:14<br><b>An:</b> Dana<br><b>Betreff:</b> Alice</font>'
        '<div>&nbsp;</div></div><div>Wie lief die Vorstellung bei Alice? WON?</div>'),
    "outlook_hr_unknown_language": (
        '<p>LOST</p><hr><p><b>Lähettäjä:</b> Carol<br><b>Lähetetty:</b> 2.11.2026 10.14<br>'
        '<b>Vastaanottaja:</b> Dana<br><b>Aihe:</b> Alice</p><p>WON?</p>'),
    "gmail_quote": (
        '<div dir="ltr">LOST</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Nov 2,'
        ' 2026 at 10:14 AM Carol &lt;carol@x.example&gt; wrote:<br></div><blockquote class="gmail_quote">'
        '<div dir="ltr">WON?</div></blockquote></div>'),
    "apple_blockquote_cite": (
        '<html><body><div>LOST</div><div><br><blockquote type="cite"><div>On 2 Nov 2026, at 10:14, Carol '
        '&lt;carol@x.example&gt; wrote:</div><br><div>WON?</div></blockquote></div></body></html>'),
}


@pytest.mark.parametrize("html", HTML.values(), ids=HTML.keys())
def test_html_reply_keeps_only_the_answer(html):
    assert new_text(html_to_text(html)) in ("LOST", "Verloren, leider.")


def test_alpines_signature_above_the_quote_leaves_the_answer_under_it():
    """Alpine puts the signature where the cursor starts, above the quote; an answer typed under the
    quote, or between its lines, is still the answer (scripts/drive_clients.py, client_alpine_inline)."""
    body = ("\n\n-- \nDana Whitfield\nDana Books\n\nOn Thu, 3 Dec 2026, introledger wrote:\n\n> \n"
            "> How did it go?\n\nLOST - they chose a firm nearer to them.\n\n> Reply WON, MET or LOST.\n")
    assert new_text(body) == "LOST - they chose a firm nearer to them."
    assert new_text("\n-- \nDana\n\nOn Thu, 3 Dec 2026, introledger wrote:\n> How did it go?\n") == ""


# GNU mail's ~m: the original whole, tab-indented, no attribution (scripts/drive_clients.py, client_mailutils_*).
INTERPOLATED = ("\tContent-Type: multipart/alternative;\n\t boundary=\"==b==\"\n"
                "\tFrom: introledger <intros@example.com>\n\tSubject: How did the intro go?\n"
                "\tDate: Thu, 03 Dec 2026 12:55:18 -0000\n\t\n\t--==b==\n"
                "\tContent-Type: text/plain\n\t\n\tHow did it go? Reply WON $4,500, MET or LOST.\n\t--==b==--\n")


@pytest.mark.parametrize("body", ["WON $900 - signed.\n\n" + INTERPOLATED, INTERPOLATED + "\nWON $900 - signed.\n"],
                         ids=["answer_above", "answer_below"])
def test_an_original_interpolated_with_tabs_is_a_quote(body):
    assert new_text(body) == "WON $900 - signed."


def test_tab_indented_lines_of_an_answer_stay():
    body = "WON, the terms:\n\n\tFee: 900\n\tStart: Monday\n\tSubject: to the contract\n\nDana\n"
    assert new_text(body) == body.strip()


# Thunderbird's HTML reply as it reaches us over IMAP: CRLF line ends, the source wrapped at 72 columns in
# the middle of a quoted paragraph, the quoted answer words in a table (scripts/drive_clients.py).
THUNDERBIRD_HTML = (
    '<html>\r\n  <body>\r\n    <div class="moz-cite-prefix">On 12/3/26 12:11, introledger wrote:<br>\r\n'
    '    </div>\r\n    <blockquote type="cite" cite="mid:ol7@example.com">\r\n      <p>On 19 October 2026, Carol'
    ' introduced you to Alice\r\n        Brandt. How did it go?</p>\r\n      <table>\r\n        <tbody>\r\n'
    '          <tr>\r\n            <td><b>WON $4,500</b></td>\r\n            <td>it turned into business</td>\r\n'
    '          </tr>\r\n        </tbody>\r\n      </table>\r\n    </blockquote>\r\n'
    '    <p>MET - coffee on Thursday.</p>\r\n    <pre class="moz-signature" cols="72">-- \r\nDana</pre>\r\n'
    '  </body>\r\n</html>\r\n')


def test_thunderbirds_html_reply_over_imap_keeps_only_the_answer():
    assert new_text(html_to_text(THUNDERBIRD_HTML)) == "MET - coffee on Thursday."


def test_a_quoted_paragraph_wrapped_in_the_markup_stays_one_quoted_line():
    text = html_to_text(THUNDERBIRD_HTML)
    assert "> On 19 October 2026, Carol introduced you to Alice Brandt. How did it go?" in text.splitlines()
    # One quote mark a line, not one before each cell or bold word on it.
    assert "> WON $4,500 it turned into business" in text.splitlines()


def test_a_huge_reply_of_cut_look_alikes_still_reads():
    """1 MB of lines that each almost start a cut (bench/corpus.py times it)."""
    assert new_text(PATHOLOGICAL).startswith("WON\nTo: a\ncc:\nOn Mon wrote:\nx")


# "On Mon wrote:" has no date and no quote under it: a sentence, not an attribution.
PATHOLOGICAL = "WON\n" + "To: a\ncc:\n> x\nOn Mon wrote:\nx\n> x\nx <b@c> on 1/1/2001\nFrom: x\n" * 16000
