"""HTML mail bodies → plain text good enough to read intro language and quotes from."""
import re
from html.parser import HTMLParser

BLOCK = frozenset("p div br li tr h1 h2 h3 h4 h5 h6 table blockquote hr pre".split())
_BLANK_RUNS = re.compile(r"\n{3,}")
RULE = "_" * 32
SKIP = frozenset(("style", "script", "head", "title"))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.quote_depth = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            # Quoted replies become "> " lines so the quote stripper treats them like plain text.
            self.quote_depth += 1
            self.out.append("\n")
        elif tag == "hr":
            # Outlook and webmail draw the line above a quoted header block as <hr>; its plain-text
            # part writes it as a rule, which worker/mail/quotes.py reads as the block's start.
            self.out.append("\n" + RULE + "\n")
        elif tag in BLOCK:
            self.pre += tag == "pre"
            self.out.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        # "<br/>" (GMX, WEB.DE and other XHTML writers) is one line break, not an opening and a closing.
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.out.append("\n")
        elif tag in BLOCK:
            self.pre = max(0, self.pre - (tag == "pre"))
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.pre:
            # A line break in the markup is a space on screen: Thunderbird wraps its HTML source at 72
            # columns, in the middle of quoted paragraphs and of the attribution.
            data = data.replace("\n", " ")
        if self.quote_depth:
            # The quote marks open each line, not each piece of text on it ("<b>WON</b> it turned …").
            lines = data.split("\n")
            at_start = not self.out or self.out[-1].endswith("\n")
            data = "\n".join("> " * self.quote_depth + line if i or at_start else line
                              for i, line in enumerate(lines))
        self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    try:
        parser.feed(html.replace("\r\n", "\n").replace("\r", "\n"))  # as IMAP hands it over: CRLF
        parser.close()
    except AssertionError:  # html.parser's reaction to some malformed markup
        pass
    lines = (" ".join(line.split()) for line in "".join(parser.out).splitlines())
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
