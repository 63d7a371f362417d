"""Every language has every word: a mail English can write, each language can write.

A word added to templates/en/_words.txt alone (the digest's "giving back" line) made every German
digest fail to render, and the failing digest held up the follow-ups queued with it. Now English
fills a missing word in, so the mail goes but half in English: this finds the gap whatever data
the render tests happen to use.
"""
import re

import pytest

from worker.outbound import templating


def _words(language: str) -> set[str]:
    """The macros templates/<language>/_words.txt itself defines (a missing one would be filled in
    English by the layered loader: the mail goes out half in English)."""
    text = (templating.BUILTIN / language / "_words.txt").read_text()
    return set(re.findall(r"\{%-?\s*macro\s+([a-z_][a-z0-9_]*)\s*\(", text))


def _used() -> set[str]:
    """The words the shared mail shapes (templates/*.txt, *.html) ask for: `w.NAME`."""
    return {name for path in templating.BUILTIN.glob("*.*") if path.suffix in (".txt", ".html")
            for name in re.findall(r"\bw\.([a-z_][a-z0-9_]*)", path.read_text())}


def _written() -> list[str]:
    root = templating.BUILTIN
    return sorted(p.parent.name for p in root.glob("*/_words.txt") if p.parent.name != "en")


def test_english_writes_every_word_the_mail_asks_for():
    assert sorted(_used() - _words("en")) == []


@pytest.mark.parametrize("language", _written())
def test_each_language_writes_every_word_the_mail_asks_for(language):
    missing = sorted(_used() - _words(language))
    assert missing == [], f"templates/{language}/_words.txt lacks {missing}"
