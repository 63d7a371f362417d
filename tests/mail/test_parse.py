"""Parsing: addresses, charsets, bodies and the headers the classifier relies on."""
from datetime import UTC

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.mail.htmltext import html_to_text
from worker.mail.parse import Address, ParseError, parse


def msg(headers: str, body: str = "Hello", ctype="text/plain; charset=utf-8") -> bytes:
    return (f"{headers}\nContent-Type: {ctype}\n\n{body}\n").encode()


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
    assert m.date.astimezone(UTC).hour == 9


def test_a_comma_python_folded_into_an_encoded_word_does_not_become_part_of_the_next_name():
    # What Python's own email package (3.11, policy.default) writes for a To: of two people, the
    # first with an accented name, when the line is folded: the comma between them goes into an
    # encoded word of its own. Decoded, the second person was logged as ", Sophie Martin", and
    # every follow-up read "votre mise en relation de Pierre Lefèvre avec , Sophie Martin".
    raw = msg(
        "From: Claire Dubois <claire@dubois-immobilier.example>\n"
        "To:\n =?utf-8?q?Ma=C3=AEtre_Pierre_Lef=C3=A8vre?= <p.lefevre@notaires-lyon.example>\n"
        " =?utf-8?q?=2C?= Sophie Martin <sophie.martin@orange.example>\n"
        "Subject: Mise en relation\nMessage-ID: <m@x>"
    )
    assert [a.name for a in parse(raw).to] == ["Maître Pierre Lefèvre", "Sophie Martin"]


def test_raw_8bit_utf8_and_latin1_headers_are_recovered():
    utf8 = "From: Zoë Ångström <zoe@x.example>\nSubject: Café\n\nhi\n".encode()
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
    # nbsp folded like any space
    assert html_to_text("<style>p{}</style><script>x()</script><div>Hi&nbsp;there</div>") == "Hi there"


def test_undeclared_8bit_utf8_inside_multipart_survives():
    raw = ("From: a@x.example\nContent-Type: multipart/alternative; boundary=\"b1\"\n\n"
           "preamble\n--b1\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
           "ich möchte euch vorstellen — Grüße\n--b1\nContent-Type: text/html\n\n<p>x</p>\n--b1--\nepilogue\n"
           ).encode()
    assert parse(raw).text.strip() == "ich möchte euch vorstellen — Grüße"


def test_nested_multipart_boundary_lookalikes_and_truncation():
    raw = (b"From: a@x.example\nContent-Type: multipart/mixed; boundary=outer\n\n"
           b"--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
           b"--inner\nContent-Type: text/plain\n\nbody mentions --outer mid-line and --innerX\n"
           b"--inner--\n--outer\nContent-Type: application/pdf\nContent-Disposition: attachment\n\n%PDF\n"
           b"--outer\nContent-Type: text/plain\n\ncut off here, no closing line")
    assert parse(raw).text.strip() == "body mentions --outer mid-line and --innerX"


def test_attachment_with_base64_wrapped_rfc822_is_still_read():
    import base64
    inner = b"From: carol@x.example\nTo: a@y.example\nMessage-ID: <in@x>\n\nhello\n"
    raw = (b"From: f@x.example\nContent-Type: multipart/mixed; boundary=Z\n\n--Z\n"
           b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
           + base64.encodebytes(inner) + b"--Z--\n")
    assert [m.message_id for m in parse(raw).attached] == ["in@x"]


_ATOM = st.text("abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=12)
_NAME = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyzéü'.,-()\"", max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_NAME, _ATOM, _ATOM, st.booleans()), min_size=1, max_size=4))
def test_fast_address_path_agrees_with_the_stdlib_parser(entries):
    from email.utils import getaddresses

    from worker.mail.parse import _simple_addresses

    parts = []
    for name, local, domain, quoted in entries:
        email = f"{local}@{domain}.example"
        parts.append(f'"{name}" <{email}>' if quoted else (f"{name} <{email}>" if name.strip() else email))
    value = ", ".join(parts)
    fast = _simple_addresses([value])
    if fast is not None:  # when the fast path answers, it must answer as the stdlib does
        usable = lambda pairs: [(n.strip(), e) for n, e in pairs if "@" in e]
        assert usable(fast) == usable(getaddresses([value]))


@pytest.mark.parametrize("header, shown", [
    ("=?x-unknown?Q?J=FCrgen_M=FCller?=", "Jürgen Müller"),       # a charset nobody registered: Windows-1252
    ("=?unknown-8bit?B?SvxyZ2Vu?=", "Jürgen"),                    # what some gateways write for raw 8-bit
    ("=?x-unknown?B?SsO8cmdlbg==?=", "Jürgen"),                   # ... and its bytes were UTF-8
    ("=?x-mac-roman?Q?Ren=8E?=", "René"),                          # Apple's old charset, under its mail name
    ("=?utf-8*de?Q?J=C3=BCrgen?=", "Jürgen"),                      # RFC 2231 language tag
])
def test_a_name_in_an_unknown_charset_is_decoded_best_effort_never_left_encoded(header, shown):
    from worker.mail.parse import parse

    m = parse(f"From: {header} <j@x.example>\r\nTo: a@b.example\r\nSubject: {header}\r\n"
              f"Message-ID: <u@x>\r\n\r\nhi\r\n".encode())
    assert m.sender.name == shown and m.subject == shown


@pytest.mark.parametrize("header, shown", [
    # QA trial: a word cut inside a character was stored as "PrÃ©sentation Paul â€ / Claire"
    ("=?utf-8?q?Pr=C3=A9sentation_Paul_=E2=80?= / Claire", "Présentation Paul \ufffd / Claire"),
    ("=?UTF-8?B?UHLDqXNlbnRhdGlvbiDi?= / Claire", "Présentation \ufffd / Claire"),
    ("=?utf-8?q?caf=E9?=", "café"),  # no UTF-8 in it at all: the bytes of a mislabelled Windows-1252 word
])
def test_a_utf8_word_cut_mid_character_keeps_its_text_and_marks_only_the_broken_bytes(header, shown):
    from worker.mail.parse import parse

    m = parse(f"From: Paul <p@x.example>\r\nTo: a@b.example\r\nSubject: {header}\r\n"
              f"Message-ID: <u@x>\r\n\r\nhi\r\n".encode())
    assert m.subject == shown
