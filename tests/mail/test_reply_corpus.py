"""The new text of every reply in the reply corpus is cut right (issue 14, point 2).

tests/replycorpus.py says where the replies come from and how a cut is judged; bench/replies.py
prints the score beside other reply parsers'. A reply whose manifest entry has `known_miss` is
expected to be cut wrong (strict: once it is read right, the entry must lose its `known_miss`).
"""
import pytest

from tests.replycorpus import answer_kept, cases, html_part, judge
from worker.mail.htmltext import html_to_text
from worker.mail.parse import parse
from worker.mail.quotes import new_text

CASES = cases()


def _params(selected):
    return [pytest.param(c, id=c.name, marks=pytest.mark.xfail(strict=True, reason=c.known_miss) if c.known_miss
                         else ()) for c in selected]


@pytest.mark.parametrize("case", _params(CASES))
def test_reply_new_text(case):
    got = new_text(parse(case.raw()).text)
    assert judge(got, case) != "wrong", f"want {case.want!r}\ngot  {got!r}"


HTML_CASES = [c for c in CASES if html_part(c.raw()) is not None]


@pytest.mark.parametrize("case", _params(HTML_CASES))
def test_reply_new_text_from_the_html_part_alone(case):
    """Clients that send HTML beside plain text: the HTML alone reads the same (HTML-only senders)."""
    got = new_text(html_to_text(html_part(case.raw())))
    assert judge(got, case) != "wrong", f"want {case.want!r}\ngot  {got!r}"


def test_the_corpus_is_large_and_the_misses_are_few():
    assert len(CASES) >= 120
    # Mail real people wrote, as published (its source an address), is what the rate must hold on.
    assert sum(c.origin == "real" for c in CASES) >= 40
    misses = [c for c in CASES if c.known_miss]
    assert len(misses) <= 0.05 * len(CASES), [c.name for c in misses]


def test_no_cut_strips_the_answer():
    """Where we are wrong, we keep too much, never too little: the answer itself is never lost."""
    lost = [c.name for c in CASES if not answer_kept(new_text(parse(c.raw()).text), c)]
    assert lost == []
