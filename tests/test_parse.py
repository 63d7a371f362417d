"""Parsing: addresses, charsets, bodies and the headers the classifier relies on."""
from datetime import timezone

import pytest

from worker.htmltext import html_to_text
from worker.parse import Address, ParseError, parse


def msg(headers: str, body: str = "Hello", ctype="text/plain; charset=utf-8") -> bytes:
    return (f"{headers}\nContent-Type: {ctype}\n\n{body}\n").encode("utf-8")


def test_rfc2047_names_and_lowercased_addresses():
    raw = msg(
        "From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <Juergen@Example.COM>\n"
        "To: =?iso-8859-1?Q?Fran=E7ois_Dupont?= <f@x.example>, \"Núñez, José\" <j@y.example>\n"
        "Subject: =?UTF-8?Q?Vorstellung_=E2=80=93_Kaffee?=\nMessage-ID: <abc@x>\n"
        "Date: Mon, 02 Nov 2026 10:14:00 +0100"
    )
    m = parse(raw)
    assert m.sender == Address("Jürgen Müller", "juergen@example.com")
    assert m.to == (Address("François Dupont", "f@x.example"), Address("Núñez, José", "j@y.example"))
    assert m.subject == "Vorstellung – Kaffee"
    assert m.message_id == "abc@x" and m.dedupe_key == "mid:abc@x"
    assert m.date.astimezone(timezone.utc).hour == 9


def test_raw_8bit_utf8_and_latin1_headers_are_recovered():
    utf8 = "From: Zoë Ångström <zoe@x.example>\nSubject: Café\n\nhi\n".encode("utf-8")
    assert parse(utf8).sender.name == "Zoë Ångström"
    latin1 = "From: Zoë <zoe@x.example>\nSubject: Café\n\nhi\n".encode("latin-1")
    assert parse(latin1).subject == "Café"


def test_html_only_body_becomes_text_and_blockquotes_become_quotes():
    html = "<html><body><p>Alice, meet <b>Bob</b>.</p><blockquote>old &amp; quoted</blockquote></body></html>"
    m = parse(msg("From: a@x.example", html, "text/html; charset=utf-8"))
    assert m.text.splitlines()[0] == "Alice, meet Bob."
    assert "> old & quoted" in m.text


def test_plain_part_preferred_and_charset_decoded():
    raw = (
        b"From: a@x.example\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=BB\n\n"
        b"--BB\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n"
        b"Gr=FC=DFe\n--BB\nContent-Type: text/html\n\n<p>html</p>\n--BB--\n"
    )
    assert parse(raw).text.strip() == "Grüße"


def test_threading_headers_and_gateway_recipient():
    raw = msg(
        "From: a@x.example\nTo: b@y.example\nX-Original-To: intros@example.com\n"
        "Delivered-To: Intros@Example.com\nIn-Reply-To: <one@x>\nReferences: <zero@x> <one@x>"
    )
    m = parse(raw)
    assert m.in_reply_to == ("one@x",) and m.references == ("zero@x", "one@x")
    assert m.gateway == ("intros@example.com", "intros@example.com")


def test_attached_message_is_parsed_as_its_own_inbound():
    inner = b"From: carol@x.example\nTo: a@y.example, b@z.example\nMessage-ID: <inner@x>\nSubject: Intro\n\nmeet\n"
    raw = (b"From: fw@x.example\nContent-Type: multipart/mixed; boundary=ZZ\n\n--ZZ\n"
           b"Content-Type: text/plain\n\nsee attached\n--ZZ\nContent-Type: message/rfc822\n\n"
           + inner + b"\n--ZZ--\n")
    m = parse(raw)
    assert m.text.strip() == "see attached"
    assert [a.message_id for a in m.attached] == ["inner@x"]
    assert m.attached[0].sender.email == "carol@x.example"


def test_no_message_id_dedupes_by_content_hash():
    a, b = parse(msg("From: a@x.example")), parse(msg("From: a@x.example", "other"))
    assert a.dedupe_key.startswith("sha256:") and a.dedupe_key != b.dedupe_key


@pytest.mark.parametrize("raw", [b"", b"   \n", b"\x00\x01\x02 no headers at all"])
def test_unreadable_input_raises_parse_error(raw):
    with pytest.raises(ParseError):
        parse(raw)


def test_html_to_text_drops_styles_and_scripts():
    assert html_to_text("<style>p{}</style><script>x()</script><div>Hi&nbsp;there</div>") == "Hi there"  # nbsp folded like any space
