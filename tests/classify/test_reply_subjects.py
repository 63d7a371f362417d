"""A subject's intro words are the intro a reply answers, not a new one (user trial 2, defect 1).

Alice's out-of-office answer under "Re: Intro: Alice / Tom (kitchen cabinets)", in a thread we did not
know, was logged as Alice introducing Carol to Tom, and Tom was thanked for it. The messages here are
written for the test in the trial's shape. Pure classification: rules.classify, no thread known.
"""
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from worker.classify.directory import Directory
from worker.classify.rules import Context, classify
from worker.core.statuses import INTRO_KINDS
from worker.mail.parse import parse

CTX = Context(tracking=frozenset({"intros@example.com"}), directory=Directory())
WHEN = format_datetime(datetime(2026, 12, 3, 19, 21, tzinfo=UTC))
ALICE = "Alice Brook <alice.brook@gmail.example>"
TO = "Carol Nguyen <carol@nguyenrealty.example>"
CC = "Tom Reilly <tom@reillyrefinish.example>, intros@example.com"
OUT_OF_OFFICE = {
    "en": "Hi,\n\nThank you for your email. I am currently out of the office with limited access to email\n"
          "and will be back on Monday, December 7.\n\nKind regards,\nAlice Brook\n",
    "de": "Guten Tag,\n\nich bin bis zum 7. Dezember nicht im Büro und habe keinen Zugriff auf meine E-Mails.\n\n"
          "Alice Brook\n",
    "fr": "Bonjour,\n\nje suis actuellement absente jusqu'au 7 décembre.\n\nAlice Brook\n",
}


def mail(subject: str, body: str, in_reply_to: str = "<intro1@nguyenrealty.example>") -> bytes:
    threading = f"In-Reply-To: {in_reply_to}\nReferences: {in_reply_to}\n" if in_reply_to else ""
    return (f"From: {ALICE}\nTo: {TO}\nCc: {CC}\nSubject: {subject}\nDate: {WHEN}\n"
            f"Message-ID: <ooo@gmail.example>\n{threading}MIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}").encode()


def verdict(raw: bytes):
    return classify(parse(raw), CTX)


@pytest.mark.parametrize("lang", sorted(OUT_OF_OFFICE))
@pytest.mark.parametrize("subject", ["Re: Intro: Alice / Tom (kitchen cabinets)", "Intro: Alice / Tom",
                                     "Introduction: Carol <> Tom", "Carol <> Tom"])
def test_an_out_of_office_is_never_an_intro_whatever_its_subject(subject, lang):
    v = verdict(mail(subject, OUT_OF_OFFICE[lang]))
    assert v.kind == "auto_reply" and v.looks_automated, v.reason


@pytest.mark.parametrize("prefix", ["Re:", "RE:", "AW:", "Antw:", "R:", "SV:", "Fwd: Re:", "Re[2]:"])
@pytest.mark.parametrize("subject", ["Intro: Alice / Tom", "Carol <> Tom"])
def test_a_reply_to_an_intro_is_no_new_intro_by_its_subject_alone(prefix, subject):
    v = verdict(mail(f"{prefix} {subject}", "Sounds good, Tuesday works for me.\n\nAlice\n"))
    assert v.kind not in INTRO_KINDS, v.reason


def test_a_reply_whose_new_text_introduces_is_an_intro():
    body = "Carol, meet Tom - he redid my kitchen cabinets and would do yours too.\n\nAlice\n"
    v = verdict(mail("Re: Intro: Alice / Tom", body))
    assert (v.kind, v.rule) == ("double_intro", "double_intro"), v.reason


@pytest.mark.parametrize("subject, rule", [("Intro: Carol / Tom", "double_intro"), ("Carol <> Tom", "subject_intro")])
def test_a_new_mail_is_still_an_intro_by_its_subject(subject, rule):
    v = verdict(mail(subject, "Over to you two.\n\nAlice\n", in_reply_to=""))
    assert (v.kind, v.rule) == ("double_intro", rule), v.reason
