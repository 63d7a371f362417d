"""Write the replies of tests/data/replies that no mail client installable here can produce.

    python scripts/written_replies.py

Each message is written after the named client's format (scripts/reply_formats.py: its attribution
or header block in the reader's language, its footer, its HTML, its MIME structure and transfer
encoding), answering introledger's follow-up the way people answer it: top-posted, under the
quote, between quoted lines, with signatures, disclaimers and list footers. Replies written by
real software (scripts/client_shapes.sh) and real published mail sit beside them; this script
rewrites only the written_*.eml files and their manifest entries.
"""
from __future__ import annotations

import html
import sys
from dataclasses import dataclass, field
from email import charset as email_charset
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reply_formats as F

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "replies"
ME = ("Dana Whitfield", "dana@danabooks.example")
TRACKER = ("introledger", "intros@example.com")
LONG = ("Dr. Margarethe Oberhauser-Lindqvist", "margarethe.oberhauser-lindqvist@kanzlei-oberhauser.example")


@dataclass
class Reply:
    name: str
    client: str
    lang: str
    answer: str
    sig: str = ""
    place: str = "top"  # top | bottom | inline
    inline: tuple[tuple[int, str], ...] = ()  # (original line index, answer typed under it)
    html: bool = True
    encoding: str = "qp"  # qp | base64 | 8bit | raw-qp (QP body whose header lost its encoding)
    sender: tuple[str, str] = TRACKER
    disclaimer: str = ""  # a company's notice, under the signature (part of it in the client)
    footer: str = ""  # a list's or server's footer, added at the very end of the text
    notes: str = ""
    opts: dict = field(default_factory=dict)

    @property
    def signed(self) -> str:
        """The signature as the client inserts it, with the company's notice under it."""
        return "\n\n".join(x for x in (self.sig, self.disclaimer) if x)

    @property
    def original(self) -> str:
        return F.FOLLOW_UP[self.lang]

    def want(self) -> str:
        parts = [self.answer] if self.answer else []
        parts += [text for _, text in self.inline]
        return "\n\n".join(parts)


def quote(text: str, prefix: str = "> ", blank: str = ">") -> str:
    return "\n".join(prefix + line if line else blank for line in text.splitlines())


def paragraphs_html(text: str, tag: str = "div") -> str:
    out = []
    for line in text.splitlines():
        out.append(f"<{tag}>{html.escape(line) if line else '<br>'}</{tag}>")
    return "".join(out)


def with_inline(r: Reply, prefix: str = "> ", blank: str = ">") -> str:
    """The quoted original with the inline answers typed under their lines."""
    lines, under = r.original.splitlines(), dict(r.inline)
    out = []
    for i, line in enumerate(lines):
        out.append(prefix + line if line else blank)
        if i in under:
            out += ["", under[i], ""]
    return "\n".join(out)


def sig_block(r: Reply, dashes: str = "-- ") -> str:
    return f"\n\n{dashes}\n{r.signed}" if r.signed else ""


def wrap_gmail(line: str) -> str:
    """Gmail's plain part breaks a long attribution before 78 columns, even inside "<address>"."""
    if len(line) <= 78:
        return line
    cut = line.rfind(" ", 0, 78)
    lt = line.find("<")
    if 0 < lt < 78 and (lt > cut or line.find(">", lt) > 78):
        cut = lt + 1
        return line[:cut] + "\n" + line[cut:]
    return line[:cut] + "\n" + line[cut + 1:]


# --- the clients ---------------------------------------------------------------------------------

def gmail(r: Reply) -> tuple[str, str | None]:
    table = {"web": F.GMAIL, "android": GMAIL_ANDROID, "ios": GMAIL_IOS}[r.opts.get("app", "web")]
    attribution = table[r.lang].format(name=r.sender[0], addr=r.sender[1])
    sig = sig_block(r)
    if r.place == "top":
        plain = f"{r.answer}{sig}\n\n{wrap_gmail(attribution)}\n\n{quote(r.original)}\n"
    elif r.place == "bottom":
        plain = f"{wrap_gmail(attribution)}\n\n{quote(r.original)}\n\n{r.answer}{sig}\n"
    else:
        head = f"{r.answer}\n\n" if r.answer else ""
        plain = f"{head}{wrap_gmail(attribution)}\n\n{with_inline(r)}{sig}\n"
    sig_html = (f'<div><br clear="all"></div><div><br></div><span class="gmail_signature_prefix">-- </span><br>'
                f'<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">'
                f"{paragraphs_html(r.signed)}</div>") if r.signed else ""
    attr_html = html.escape(attribution).replace(
        html.escape(f"<{r.sender[1]}>"), f'&lt;<a href="mailto:{r.sender[1]}">{r.sender[1]}</a>&gt;')
    quote_html = (f'<div class="gmail_quote"><div dir="ltr" class="gmail_attr">{attr_html}<br></div>'
                  f'<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
                  f'rgb(204,204,204);padding-left:1ex"><div dir="ltr">{paragraphs_html(r.original)}</div>'
                  f"</blockquote></div>")
    if r.place == "top":
        body = f'<div dir="ltr">{paragraphs_html(r.answer)}{sig_html}</div><br>{quote_html}'
    elif r.place == "bottom":
        body = f'<div dir="ltr"><br></div><br>{quote_html}<div><br></div>{paragraphs_html(r.answer)}{sig_html}'
    else:
        pieces, under = [], dict(r.inline)
        for i, line in enumerate(r.original.splitlines()):
            pieces.append(f'<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
                          f'rgb(204,204,204);padding-left:1ex">{html.escape(line) or "<br>"}</blockquote>')
            if i in under:
                pieces.append(f"<div><br></div><div>{html.escape(under[i])}</div><div><br></div>")
        body = (f'<div dir="ltr">{paragraphs_html(r.answer)}</div><br><div class="gmail_quote">'
                f'<div dir="ltr" class="gmail_attr">{attr_html}<br></div>{"".join(pieces)}</div>{sig_html}')
    return plain, f'<div dir="ltr">{body}</div>\n'


GMAIL_ANDROID = {
    "en": "On Mon, Nov 2, 2026, 10:14 AM {name} <{addr}> wrote:",
    "de": "{name} <{addr}> schrieb am Mo., 2. Nov. 2026, 10:14:",
    "fr": "Le lun. 2 nov. 2026, 10:14, {name} <{addr}> a écrit :",
    "es": "El lun., 2 nov. 2026 10:14, {name} <{addr}> escribió:",
    "nl": "Op ma 2 nov. 2026 10:14 schreef {name} <{addr}>:",
    "it": "Il lun 2 nov 2026, 10:14 {name} <{addr}> ha scritto:",
    "pt": "Em seg., 2 de nov. de 2026 10:14, {name} <{addr}> escreveu:",
}
GMAIL_IOS = {"en": "On Mon, Nov 2, 2026 at 10:14 {name} <{addr}> wrote:",
             "de": "Am Mo., 2. Nov. 2026 um 10:14 schrieb {name} <{addr}>:"}


def apple(r: Reply) -> tuple[str, str | None]:
    attribution = F.APPLE[r.lang].format(name=r.sender[0], addr=r.sender[1])
    footer = f"\n\n{F.IPHONE[r.lang]}" if r.opts.get("ios") else ""
    sig = f"\n\n{r.signed}" if r.signed else ""
    quoted = f"> {attribution}\n> \n{quote(r.original, blank='> ')}"
    if r.place == "top":
        plain = f"{r.answer}{sig}{footer}\n\n{quoted}\n"
    elif r.place == "bottom":
        plain = f"{quoted}\n\n{r.answer}{sig}{footer}\n"
    else:
        head = f"{r.answer}\n\n" if r.answer else ""
        plain = f"{head}> {attribution}\n> \n{with_inline(r, blank='> ')}{sig}{footer}\n"
    foot_html = f"<div><br></div><div>{html.escape(F.IPHONE[r.lang])}</div>" if footer else ""
    sig_html = f"<div><br></div>{paragraphs_html(r.signed)}" if r.signed else ""
    cite = (f'<blockquote type="cite"><div>{html.escape(attribution)}</div><br class="Apple-interchange-newline">'
            f"<div>{paragraphs_html(r.original)}</div></blockquote>")
    if r.place == "bottom":
        body = f"<div><br>{cite}</div><br><div>{paragraphs_html(r.answer)}</div>{sig_html}{foot_html}"
    elif r.place == "inline":
        body = f"{paragraphs_html(r.answer)}<div><br></div>{_inline_html(r, attribution, 'cite')}{sig_html}{foot_html}"
    else:
        body = f"{paragraphs_html(r.answer)}{sig_html}{foot_html}<div><br>{cite}</div>"
    return plain, (f'<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
                   f'<body dir="auto">{body}</body></html>\n')


def _inline_html(r: Reply, attribution: str, kind: str, moz: bool = False) -> str:
    """The original cut into quoted pieces with the answers typed between them."""
    prefix = f'<div class="moz-cite-prefix">{html.escape(attribution)}<br></div>' if moz else ""
    pieces, under = [], dict(r.inline)
    for i, line in enumerate(r.original.splitlines()):
        head = "" if moz or i else f"<div>{html.escape(attribution)}</div>"
        pieces.append(f'<blockquote type="{kind}">{head}<div>{html.escape(line) or "<br>"}</div></blockquote>')
        if i in under:
            pieces.append(f"<div><br></div><div>{html.escape(under[i])}</div><div><br></div>")
    return prefix + "".join(pieces)


def _outlook_block(r: Reply, labels, sent: str, rule: str, mailto: bool = False) -> str:
    colon = F.OUTLOOK_COLON.get(r.lang, ":")
    frm, snt, to, _cc, subj = labels
    sender = f"{r.sender[0]} [mailto:{r.sender[1]}]" if mailto else f"{r.sender[0]} <{r.sender[1]}>"
    lines = [f"{frm}{colon} {sender}", f"{snt}{colon} {sent}", f"{to}{colon} {ME[0]} <{ME[1]}>"]
    if r.opts.get("cc"):
        lines.append(f"{_cc}{colon} {r.opts['cc']}")
    lines.append(f"{subj}{colon} {F.SUBJECT[r.lang]}")
    return (rule + "\n" if rule else "") + "\n".join(lines)


def _outlook_html_block(r: Reply, labels, sent: str) -> str:
    colon = F.OUTLOOK_COLON.get(r.lang, ":")
    frm, snt, to, _cc, subj = labels
    rows = [(frm, f"{r.sender[0]} &lt;{r.sender[1]}&gt;"), (snt, sent), (to, f"{ME[0]} &lt;{ME[1]}&gt;")]
    if r.opts.get("cc"):
        rows.append((_cc, html.escape(r.opts["cc"])))
    rows.append((subj, html.escape(F.SUBJECT[r.lang])))
    return "<br>".join(f"<b>{html.escape(k)}{colon}</b> {v}" for k, v in rows)


def outlook(r: Reply) -> tuple[str, str | None]:
    """Outlook for Windows (desktop): the header block under a thin border, no quoting."""
    labels = F.OUTLOOK_LABELS[r.lang]
    block = _outlook_block(r, labels, F.OUTLOOK_SENT[r.lang], "", mailto=r.opts.get("mailto", False))
    sig = f"\n\n{r.signed}" if r.signed else ""
    plain = f"{r.answer}{sig}\n\n{block}\n\n{r.original}\n"
    msonormal = lambda t: "".join(f'<p class="MsoNormal">{html.escape(x) or "<o:p>&nbsp;</o:p>"}</p>'
                                  for x in t.splitlines())
    body = (f'<div class="WordSection1">{msonormal(r.answer)}<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
            f"{msonormal(r.signed)}<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>"
            f'<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
            f'<p class="MsoNormal">{_outlook_html_block(r, labels, F.OUTLOOK_SENT[r.lang])}<o:p></o:p></p></div></div>'
            f'<p class="MsoNormal"><o:p>&nbsp;</o:p></p>{msonormal(r.original)}</div>')
    return plain, (f'<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta name="Generator" '
                   f'content="Microsoft Word 15 (filtered medium)"></head><body lang="EN-US">{body}</body></html>\n')


def outlook_web(r: Reply) -> tuple[str, str | None]:
    """Outlook on the web / new Outlook: a rule, then the header block (divRplyFwdMsg)."""
    labels = F.OUTLOOK_LABELS[r.lang]
    block = _outlook_block(r, labels, F.OUTLOOK_SENT[r.lang], "_" * 32)
    sig = f"\n\n{r.signed}" if r.signed else ""
    plain = f"{r.answer}{sig}\n{block}\n\n{r.original}\n"
    body = (f'<div class="elementToProof" style="font-family:Aptos,Aptos_EmbeddedFont,Calibri,Helvetica,sans-serif;'
            f'font-size:12pt">{paragraphs_html(r.answer)}</div>'
            + (f'<div id="Signature">{paragraphs_html(r.signed)}</div>' if r.signed else "")
            + f'<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
            f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" '
            f'color="#000000">{_outlook_html_block(r, labels, F.OUTLOOK_SENT[r.lang])}</font><div>&nbsp;</div></div>'
            f"<div>{paragraphs_html(r.original)}</div>")
    return plain, f'<html><head></head><body dir="ltr">{body}</body></html>\n'


def outlook_mobile(r: Reply) -> tuple[str, str | None]:
    """Outlook for iOS / Android: the "Get Outlook" footer, a rule, the header block."""
    os_name = r.opts.get("os", "iOS")
    labels = F.OUTLOOK_LABELS[r.lang]
    sent = F.OUTLOOK_SENT[r.lang].replace("10:14 AM", "10:14:00 AM").replace("10:14", "10:14:00", 1) \
        if r.lang != "en" else "Monday, November 2, 2026 10:14:00 AM"
    footer = F.GET_OUTLOOK[r.lang].format(os=os_name)
    plain = f"{r.answer}\n\n{footer}\n{_outlook_block(r, labels, sent, '_' * 32)}\n\n{r.original}\n"
    link_text = footer.split("<")[0]
    body = (f'<div dir="auto">{paragraphs_html(r.answer)}</div><div dir="auto"><br></div>'
            f'<div id="ms-outlook-mobile-signature" dir="auto"><div dir="auto">'
            f'<a href="https://aka.ms/o0ukef">{html.escape(link_text)}</a></div></div>'
            f'<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">'
            f'<font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
            f"{_outlook_html_block(r, labels, sent)}</font><div>&nbsp;</div></div><div>{paragraphs_html(r.original)}</div>")
    return plain, f"<html><head></head><body>{body}</body></html>\n"


def outlook_mac(r: Reply) -> tuple[str, str | None]:
    """Outlook for Mac: "Date:" instead of "Sent:", HTML under OLK_SRC_BODY_SECTION."""
    labels = F.OUTLOOK_MAC_LABELS[r.lang]
    block = _outlook_block(r, labels, F.OUTLOOK_MAC_DATE[r.lang], "")
    sig = f"\n\n{r.signed}" if r.signed else ""
    plain = f"{r.answer}{sig}\n\n{block}\n\n{r.original}\n"
    body = (f"{paragraphs_html(r.answer)}{paragraphs_html(r.signed)}<div><br></div>"
            f'<span id="OLK_SRC_BODY_SECTION"><div style="font-family:Calibri; font-size:12pt; text-align:left; '
            f"color:black; BORDER-BOTTOM: medium none; BORDER-LEFT: medium none; PADDING-BOTTOM: 0in; PADDING-LEFT: 0in;"
            f' PADDING-RIGHT: 0in; BORDER-TOP: #b5c4df 1pt solid; BORDER-RIGHT: medium none; PADDING-TOP: 3pt">'
            f"{_outlook_html_block(r, labels, F.OUTLOOK_MAC_DATE[r.lang])}</div><div><br></div>"
            f"<div>{paragraphs_html(r.original)}</div></span>")
    return plain, f'<html><head></head><body style="word-wrap: break-word;">{body}</body></html>\n'


def outlook_plain(r: Reply) -> tuple[str, str | None]:
    """Outlook composing in plain text: "-----Original Message-----" and the header block."""
    labels = F.OUTLOOK_LABELS[r.lang]
    block = _outlook_block(r, labels, F.OUTLOOK_SENT[r.lang], F.ORIGINAL_MESSAGE[r.lang], mailto=True)
    sig = f"\n\n{r.signed}" if r.signed else ""
    return f"{r.answer}{sig}\n\n{block}\n\n{r.original}\n", None


def thunderbird(r: Reply) -> tuple[str, str | None]:
    attribution = F.THUNDERBIRD[r.lang].format(name=r.sender[0])
    sig = f"\n\n-- \n{r.signed}" if r.signed else ""
    if r.place == "top":
        plain = f"{r.answer}{sig}\n\n{attribution}\n{quote(r.original)}\n"
    elif r.place == "bottom":
        plain = f"{attribution}\n{quote(r.original)}\n\n{r.answer}{sig}\n"
    else:
        head = f"{r.answer}\n\n" if r.answer else ""
        plain = f"{head}{attribution}\n{with_inline(r)}{sig}\n"
    if not r.html:
        return plain, None
    cite = (f'<div class="moz-cite-prefix">{html.escape(attribution)}<br></div><blockquote type="cite" '
            f'cite="mid:fu-2@example.com"><pre class="moz-quote-pre" wrap="">{html.escape(r.original)}</pre></blockquote>')
    sig_html = f'<pre class="moz-signature" cols="72">-- \n{html.escape(r.signed)}</pre>' if r.signed else ""
    answer = f"<p>{'<br>'.join(html.escape(x) for x in r.answer.splitlines())}</p>"
    body = f"{answer}{sig_html}{cite}" if r.place == "top" else f"{cite}{answer}{sig_html}"
    if r.place == "inline":
        body = f"{answer}{_inline_html(r, attribution, 'cite', moz=True)}{sig_html}"
    return plain, f'<!DOCTYPE html><html><head></head><body>{body}</body></html>\n'


def yahoo(r: Reply) -> tuple[str, str | None]:
    attribution = F.YAHOO[r.lang].format(name=r.sender[0], addr=r.sender[1])
    footer = f"\n\n{F.YAHOO_FOOTER[r.lang]}" if r.opts.get("mobile") else ""
    sig = f"\n\n{r.signed}" if r.signed else ""
    plain = f"{r.answer}{sig}{footer}\n\n    {attribution}  \n \n {r.original}\n"
    body = (f'<div class="ydp3f1e2b9yahoo-style-wrap" style="font-family:Helvetica Neue, Helvetica, Arial, '
            f'sans-serif;font-size:13px;">{paragraphs_html(r.answer)}{paragraphs_html(r.signed)}'
            + (f'<div><br></div><div id="ymail_android_signature">{html.escape(F.YAHOO_FOOTER[r.lang])}</div>'
               if footer else "")
            + f'</div><div id="yahoo_quoted_8823146710" class="yahoo_quoted"><div style="font-family:\'Helvetica '
            f"Neue', Helvetica, Arial, sans-serif;font-size:13px;color:#26282a;\"><div>{html.escape(attribution)}</div>"
            f'<div><br></div><div><br></div><div><div dir="ltr">{paragraphs_html(r.original)}</div></div></div></div>')
    return plain, f'<html><head></head><body><div class="ydp3f1e2b9yahoo-style-wrap">{body}</div></body></html>\n'


def proton(r: Reply) -> tuple[str, str | None]:
    attribution = F.PROTON[r.lang].format(name=r.sender[0], addr=r.sender[1])
    sig = f"\n\n{r.signed}" if r.signed else ""
    plain = f"{r.answer}{sig}\n\n{F.PROTON_FOOTER}\n\n{attribution}\n\n{quote(r.original)}\n"
    body = (f'<div style="font-family: Arial, sans-serif; font-size: 14px;">{paragraphs_html(r.answer)}'
            f'{paragraphs_html(r.signed)}</div><div class="protonmail_signature_block"><div class="protonmail_signature_'
            f'block-proton">Sent with <a href="https://proton.me/" target="_blank">Proton Mail</a> secure email.</div>'
            f'</div><br><div class="protonmail_quote">{html.escape(attribution)}<br><br><blockquote class="protonmail_'
            f'quote" type="cite">{paragraphs_html(r.original)}</blockquote><br></div>')
    return plain, body + "\n"


def fastmail(r: Reply) -> tuple[str, str | None]:
    attribution = F.FASTMAIL[r.lang].format(name=r.sender[0])
    sig = sig_block(r)
    if r.place == "bottom":
        plain = f"{attribution}\n{quote(r.original)}\n\n{r.answer}{sig}\n"
    else:
        plain = f"{r.answer}{sig}\n\n{attribution}\n{quote(r.original)}\n"
    cite = (f"<div>{html.escape(attribution)}<br></div><blockquote type=\"cite\" id=\"qt\" style=\"\">"
            f"{paragraphs_html(r.original)}</blockquote>")
    answer = paragraphs_html(r.answer) + (f'<div id="sig58771928"><div class="signature">-- <br></div>'
                                          f'{paragraphs_html(r.signed)}</div>' if r.signed else "")
    body = f"{cite}<div><br></div>{answer}" if r.place == "bottom" else f"{answer}<div><br></div>{cite}"
    return plain, f'<!DOCTYPE html><html><head></head><body>{body}</body></html>\n'


def gmx(r: Reply) -> tuple[str, str | None]:
    sent_label, from_label, to_label, subj_label, when = F.GMX_LABELS[r.lang]
    app = f"\n\n{F.GMX_APP[r.opts['app']]}" if r.opts.get("app") else ""
    sig = f"\n\n{r.signed}" if r.signed else ""
    block = (f"{sent_label}: {when}\n{from_label}: \"{r.sender[0]}\" <{r.sender[1]}>\n"
             f"{to_label}: \"{ME[0]}\" <{ME[1]}>\n{subj_label}: {F.SUBJECT[r.lang]}")
    plain = f"{r.answer}{sig}{app}\n \n \n\n{block}\n\n{r.original}\n"
    rows = "<br/>".join([f"<b>{sent_label}:</b>&nbsp;{when}",
                         f"<b>{from_label}:</b>&nbsp;&quot;{r.sender[0]}&quot; &lt;{r.sender[1]}&gt;",
                         f"<b>{to_label}:</b>&nbsp;&quot;{ME[0]}&quot; &lt;{ME[1]}&gt;",
                         f"<b>{subj_label}:</b>&nbsp;{html.escape(F.SUBJECT[r.lang])}"])
    body = (f'<div style="font-family: Verdana;font-size: 12.0px;">{paragraphs_html(r.answer)}{paragraphs_html(r.signed)}'
            f'<div>&nbsp;<div>&nbsp;<div name="quote" style="margin:10px 5px 5px 10px; padding: 10px 0 10px 10px; '
            f'border-left:2px solid #C3D9E5; word-wrap: break-word;"><div style="margin:0 0 10px 0;">{rows}</div>'
            f'<div name="quoted-content">{paragraphs_html(r.original)}</div></div></div></div></div>')
    return plain, f"<html><head></head><body>{body}</body></html>\n"


def yandex(r: Reply) -> tuple[str, str | None]:
    attribution = F.YANDEX[r.lang].format(name=r.sender[0], addr=r.sender[1])
    sig = f"\n\n-- \n{r.signed}" if r.signed else ""
    foot = f"\n\n-- \n{F.YANDEX_FOOTER[r.lang]}" if r.opts.get("mobile") else ""
    plain = f"{r.answer}{sig}{foot}\n\n{attribution}\n{quote(r.original)}\n"
    body = (f"<div>{paragraphs_html(r.answer)}</div>" + (f"<div>-- </div>{paragraphs_html(r.signed)}" if r.signed else "")
            + (f"<div>-- </div><div>{html.escape(F.YANDEX_FOOTER[r.lang])}</div>" if foot else "")
            + f"<div>&nbsp;</div><div>{html.escape(attribution)}</div><blockquote>{paragraphs_html(r.original)}</blockquote>")
    return plain, f"<div>{body}</div>\n"


def mailru(r: Reply) -> tuple[str, str | None]:
    attribution = F.MAILRU[r.lang].format(name=r.sender[0], addr=r.sender[1])
    sig = f"\n--\n{r.signed}" if r.signed else ""
    foot = f"\n--\n{F.MAILRU_FOOTER[r.lang]}" if r.opts.get("mobile") else ""
    plain = f"{r.answer}\n{sig}{foot}\n\n\n>{attribution}\n>\n{quote(r.original, prefix='>')}\n"
    body = (f"<div>{paragraphs_html(r.answer)}</div><div>&nbsp;</div>"
            + (f'<div data-signature-widget="container"><div data-signature-widget="content"><div>--<br>'
               f"{html.escape(r.signed).replace(chr(10), '<br>')}</div></div></div>" if r.signed else "")
            + f'<blockquote style="border-left:1px solid #0857A6; margin:10px; padding:0 0 0 10px;">'
            f'{html.escape(attribution)}<br>&nbsp;<div id=""><div class="js-helper js-readmsg-msg"><div>'
            f"{paragraphs_html(r.original)}</div></div></div></blockquote>")
    return plain, f"<HTML><BODY>{body}</BODY></HTML>\n"


def zoho(r: Reply) -> tuple[str, str | None]:
    attribution = F.ZOHO[r.lang].format(name=r.sender[0], addr=r.sender[1])
    sig = f"\n\n{r.signed}" if r.signed else ""
    plain = f"{r.answer}{sig}\n\n\n\n\n{attribution}\n\n{quote(r.original)}\n\n\n"
    body = (f'<div style="font-family: Verdana, Arial, Helvetica, sans-serif; font-size: 10pt;">'
            f"{paragraphs_html(r.answer)}" + (f'<div id="Zm-_Id_-Sgn"><div>{paragraphs_html(r.signed)}</div></div>'
                                               if r.signed else "")
            + f'<div class="zmail_extra_hr" style="border-top: 1px solid rgb(204, 204, 204); height: 0px; margin-top: '
            f'10px; margin-bottom: 10px; line-height: 0px;"><br></div><div class="zmail_extra" data-zmail-block="true">'
            f'<div><br></div><div id="Zm-_Id_-Sgn1">{html.escape(attribution)}<br></div><div><br></div>'
            f'<blockquote style="border-left: 1px solid rgb(204, 204, 204); padding-left: 6px; margin: 0px 0px 0px 5px;">'
            f"{paragraphs_html(r.original)}</blockquote></div></div>")
    return plain, f'<div style="font-size:10pt;">{body}</div>\n'


def samsung(r: Reply) -> tuple[str, str | None]:
    footer, rule, labels, when = F.SAMSUNG[r.lang]
    frm, date, to, subj = labels
    colon = " :" if r.lang == "fr" else ":"
    block = (f"{rule}\n{frm}{colon} {r.sender[0]} <{r.sender[1]}> \n{date}{colon} {when} \n"
             f"{to}{colon} {ME[0]} <{ME[1]}> \n{subj}{colon} {F.SUBJECT[r.lang]} \n")
    plain = f"{r.answer}\n\n\n\n{footer}\n\n\n{block}\n{r.original}\n"
    rows = "".join(f"<div>{html.escape(x)}</div>" for x in block.splitlines())
    body = (f'<div dir="auto">{paragraphs_html(r.answer)}</div><div dir="auto"><br></div><div dir="auto"><br></div>'
            f'<div id="composer_signature" dir="auto"><div style="font-size:85%;color:#575757" dir="auto">'
            f'{html.escape(footer)}</div></div><div dir="auto"><br></div><div><br></div><div align="left" dir="auto" '
            f'style="font-size:100%;color:#000000">{rows}<div><br></div></div>{paragraphs_html(r.original)}')
    return plain, f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body>{body}</body></html>\n'


def notes(r: Reply) -> tuple[str, str | None]:
    """IBM/HCL Notes: "… wrote on …:" above a quoted header block (Notes 9 and later)."""
    attribution = F.NOTES[r.lang].format(name=r.sender[0], addr=r.sender[1])
    frm, to, date, subj = F.NOTES_LABELS[r.lang]
    sig = f"\n\n{r.signed}" if r.signed else ""
    quoted = (f"> {frm}: {r.sender[0]} <{r.sender[1]}>\n> {to}: {ME[0]} <{ME[1]}>\n"
              f"> {date}: 02.11.2026 10:14\n> {subj}: {F.SUBJECT[r.lang]}\n>\n{quote(r.original)}")
    return f"{r.answer}{sig}\n\n{attribution}\n\n{quoted}\n", None


def k9(r: Reply) -> tuple[str, str | None]:
    attribution = F.K9[r.lang].format(name=r.sender[0], addr=r.sender[1])
    foot = f"\n-- \n{F.K9_FOOTER[r.lang]}"
    if r.place == "bottom":
        return f"{attribution}\n{quote(r.original)}\n\n{r.answer}{foot}\n", None
    return f"{r.answer}{foot}\n\n{attribution}\n{quote(r.original)}\n", None


CLIENTS = {"gmail": gmail, "apple": apple, "outlook": outlook, "outlook_web": outlook_web,
           "outlook_mobile": outlook_mobile, "outlook_mac": outlook_mac, "outlook_plain": outlook_plain,
           "thunderbird": thunderbird, "yahoo": yahoo, "proton": proton, "fastmail": fastmail, "gmx": gmx,
           "yandex": yandex, "mailru": mailru, "zoho": zoho, "samsung": samsung, "notes": notes, "k9": k9}
CLIENT_NAMES = {
    "gmail": "Gmail", "apple": "Apple Mail", "outlook": "Outlook for Windows", "outlook_web": "Outlook on the web",
    "outlook_mobile": "Outlook mobile", "outlook_mac": "Outlook for Mac", "outlook_plain": "Outlook (plain text)",
    "thunderbird": "Thunderbird 115", "yahoo": "Yahoo Mail", "proton": "Proton Mail", "fastmail": "Fastmail",
    "gmx": "GMX / WEB.DE", "yandex": "Yandex Mail", "mailru": "Mail.ru", "zoho": "Zoho Mail",
    "samsung": "Samsung Email", "notes": "HCL Notes 9+", "k9": "K-9 Mail 6",
}
USER_AGENT = {"thunderbird": "Mozilla Thunderbird", "k9": "K-9 Mail for Android",
              "apple": "Apple Mail (2.3774.300.61.1.2)", "outlook": "Microsoft Outlook 16.0",
              "notes": "Lotus Notes Release 9.0.1FP10 SHF68 June 06, 2018"}


# --- the message ----------------------------------------------------------------------------------

def message(r: Reply, index: int) -> bytes:
    plain, body_html = CLIENTS[r.client](r)
    if r.footer:
        plain = plain.rstrip("\n") + "\n\n" + r.footer + "\n"
        body_html = body_html and (body_html.rstrip("\n") + f"<pre>{html.escape(r.footer)}</pre>\n")
    cs = email_charset.Charset("utf-8")
    cs.body_encoding = {"qp": email_charset.QP, "base64": email_charset.BASE64}.get(r.encoding)
    if r.encoding == "8bit":
        cs.body_encoding = None

    def part(text: str, subtype: str) -> MIMEText:
        if r.encoding == "raw-qp":
            # A quoted-printable body whose Content-Transfer-Encoding header was lost on the way (archives and
            # some list servers): the reader sees the soft breaks themselves.
            encoded = MIMEText(text, subtype, "utf-8")
            encoded.replace_header("Content-Transfer-Encoding", "quoted-printable")
            qp = email_charset.Charset("utf-8")
            qp.body_encoding = email_charset.QP
            raw = MIMEText(text, subtype, qp).get_payload()
            p = MIMEText("", subtype, "us-ascii")
            p.set_payload(raw)
            del p["Content-Transfer-Encoding"]
            p["Content-Transfer-Encoding"] = "7bit"
            return p
        return MIMEText(text, subtype, cs)

    if r.html and body_html:
        msg = MIMEMultipart("alternative", boundary=f"000000000000{index:04d}a5b9c0d1e2f3")
        for sub in (part(plain, "plain"), part(body_html, "html")):
            del sub["MIME-Version"]  # clients write it once, in the message's header
            msg.attach(sub)
    else:
        msg = part(plain, "plain")
    prefix = F.REPLY_PREFIX[r.lang] if r.client.startswith("outlook") else "Re:"
    headers = [("Delivered-To", TRACKER[1]), ("From", formataddr(ME)), ("To", formataddr(r.sender)),
               ("Subject", f"{prefix} {F.SUBJECT[r.lang]}"), ("Date", f"Tue, 03 Nov 2026 09:{index % 60:02d}:00 +0100"),
               ("Message-ID", f"<written-{index}@danabooks.example>"), ("In-Reply-To", "<fu-2@example.com>"),
               ("References", "<fu-2@example.com>")]
    if r.client in USER_AGENT:
        headers.append(("X-Mailer" if r.client in ("outlook", "notes", "apple") else "User-Agent", USER_AGENT[r.client]))
    for key, value in reversed(headers):
        msg._headers.insert(0, (key, value))  # first, in the order a client writes them
    if "MIME-Version" not in msg:
        msg["MIME-Version"] = "1.0"
    return msg.as_bytes()


def _footers(lang: str) -> set[str]:
    """Every footer line a client of this language puts under the answer."""
    tables = (F.IPHONE, F.YAHOO_FOOTER, F.YANDEX_FOOTER, F.MAILRU_FOOTER, F.K9_FOOTER)
    out = {t[lang] for t in tables if lang in t} | set(F.GMX_APP.values()) | {F.PROTON_FOOTER}
    out |= {F.GET_OUTLOOK[lang].format(os=o) for o in ("iOS", "Android") if lang in F.GET_OUTLOOK}
    out |= {F.SAMSUNG[lang][0]} if lang in F.SAMSUNG else set()
    return out


def signature_under(r: Reply, plain: str) -> str:
    """What the client put under the answer as the author's own: the signature with its "-- " line,
    the app's footer; not a company's notice, nor the quote."""
    last = r.want().splitlines()[-1] if r.want() else ""
    lines = plain[plain.index(last) + len(last):].split("\n") if last else plain.split("\n")
    own = set(r.sig.splitlines()) | _footers(r.lang) | {"-- ", "--", ""}
    taken = []
    for line in lines[1:] if last else lines:
        if line.rstrip() not in own and line not in own:
            break
        taken.append(line)
    return "\n".join(taken).strip()


def entry(r: Reply) -> dict:
    client = CLIENT_NAMES[r.client]
    if r.client == "gmail":
        client += {"web": " (web)", "android": " for Android", "ios": " for iOS"}[r.opts.get("app", "web")]
    if r.client == "apple":
        client += " (iOS)" if r.opts.get("ios") else " (macOS)"
    out = {"client": client, "language": r.lang, "source": f"written after {client}'s format (scripts/written_replies.py)",
           "shape": r.place if r.client not in ("outlook", "outlook_web", "outlook_mobile", "outlook_mac", "outlook_plain",
                                                 "yahoo", "gmx", "samsung") else "top, unquoted original",
           "html": bool(r.html and CLIENTS[r.client](r)[1]), "new_text": r.want()}
    if signature := signature_under(r, CLIENTS[r.client](r)[0]):
        out["signature"] = signature
    if r.notes:
        out["notes"] = r.notes
    return out


MANIFEST_HEADER = """\
# The reply corpus: what a reader must keep as the new text of each reply (issue 14, point 2).
#
# Keyed by file name. Fields:
#   client      the mail client (and version, where known) that wrote the message
#   language    the language of the client's UI and of the answer (en de fr es it nl pt pl sv da no fi ru cs ja
#               zh tr hu)
#   source      where the message comes from: a public archive (its address), "generated by <software>"
#               (scripts/client_shapes.sh ran it here), or "written after <client>'s format"
#               (scripts/written_replies.py, from the client's wording in scripts/reply_formats.py)
#   shape       where the answer is: top (above the quote), bottom (under it), inline (between quoted
#               lines); "unquoted original" when the client copies the original without ">"
#   html        true when the message carries an HTML part (multipart/alternative) beside the plain one
#   new_text    what worker/mail/quotes.py must keep: the author's answer; whitespace runs compare as one space
#   signature   the author's signature under the answer: keeping all or the first lines of it is forgiven
#               (a reader cannot always tell a name and a phone number from the answer)
#   known_miss  why we still cut this one wrong (tests/mail/test_reply_corpus.py expects the miss)
#   notes       what makes the message hard
# Files written by scripts/written_replies.py are rewritten with their entries when it runs.
"""


def main() -> None:
    from written_specs import REPLIES

    manifest_path = OUT / "manifest.yaml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    manifest = {k: v for k, v in (manifest or {}).items() if not k.startswith("written_")}
    for old in OUT.glob("written_*.eml"):
        old.unlink()
    for i, r in enumerate(REPLIES, 1):
        variant = r.opts.get("app", "") if r.client == "gmail" else ("ios" if r.opts.get("ios") else "")
        name = f"written_{r.client}{'_' + variant if variant and variant != 'web' else ''}_{r.lang}_{r.name}.eml"
        assert name not in manifest, name
        (OUT / name).write_bytes(message(r, i))
        manifest[name] = entry(r)
    body = yaml.safe_dump(dict(sorted(manifest.items())), allow_unicode=True, sort_keys=False, width=110)
    manifest_path.write_text(MANIFEST_HEADER + "\n" + body, encoding="utf-8")
    print(f"wrote {len(REPLIES)} replies to {OUT}")


if __name__ == "__main__":
    main()
