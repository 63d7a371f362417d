"""A referral with nobody named beside the member: a heads-up accepted from review whose prospect is
unknown ("Isabelle says someone will call you"). Every mail about it reads as a sentence in each
language and register — "Merci pour la mise en relation", "Comment s'est passée la mise en
relation ?" — not "…avec ?", "…d'.", "…vous a présenté " with the name left blank (user trial), and
never the English "someone" in French mail."""
import re

import pytest

from tests.outbound.test_languages import LANGUAGES, cases, words_of
from worker.outbound.templating import Templates

# A word that wants a name after it, then nothing: punctuation, the end of the line, or a second space.
DANGLING = {
    "en": r"with|to|of|about|from|introduced you|introduced",
    "de": r"mit|von|an|zu|über|dem|der|die|den|bei|vorgestellt",
    "fr": r"avec|de|à|au|entre|présenté|présentée|présenter",
    "es": r"con|de|a|al|sobre|entre|presentó|presentado",
    "nl": r"met|van|aan|over|tussen",
    "it": r"con|di|a|ad|da|su|tra|presentato",
}


_ANSWER_ROW = re.compile(r"[A-ZÀ-Ý]{2,}\S*(?:\s\S+){0,3}? {2,}")  # "SNOOZE 2 weeks  ask me…": a column


def dangling(text: str, language: str) -> list[str]:
    """Lines where a name was left out: a preposition before punctuation or the line's end, an elided
    article with nothing after it ("d'."), or two spaces inside the line (not the answers' column)."""
    found = []
    for line in text.splitlines():
        said = line.strip()
        if (re.search(rf"(?i)(?<![\w'’])(?:{DANGLING[language]})\s*(?:[,.?!:;)\]]|$)", said)
                or re.search(r"(?i)\b[dlqs]['’]\s*(?:[,.?!:;)\]]|$)", said)
                or (re.search(r"\S {2,}\S", said) and not _ANSWER_ROW.match(said))):
            found.append(said)
    return found


def nameless(data: dict) -> dict:
    """The same data with nobody named beside the member (a given intro always names its two sides)."""
    out = {**data}
    if "others" in out and not out.get("given"):
        out["others"] = []
    if "intros" in out:
        out["intros"] = [{**i, "others": []} for i in out["intros"]]
    if out.get("source") == "heads_up":
        out["prospects"], out["prospect_first_name"] = [], ""
    if not out.get("given") and "them" in out and out.get("you"):
        out["them"] = []
    for key in ("received", "changes"):
        if key in out:
            out[key] = [{**r, "others": []} for r in out[key]]
    return out


def named() -> list[tuple[str, dict]]:
    """The mails of test_languages, less an answer_not_applied for an answer of no words: it reads
    "I received  about …" whoever is named (a case of its own); and a promise says what was promised,
    which reminders.py always has."""
    return [(kind, {**data, "said": "Je vous envoie quelqu'un"} if data.get("source") == "promise" else data)
            for kind, data in cases() if data.get("answer", "x")]


def said_lines(rendered) -> list[str]:
    return f"{rendered.subject}\n{rendered.text}".splitlines()


@pytest.mark.parametrize("register", ["formal", "informal"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_referral_with_nobody_named_reads_as_sentences(language, register):
    templates = Templates()
    wrong = []
    for kind, data in named():
        rendered = templates.render(kind, language, register, **nameless(data))
        wrong += [(kind, line) for line in dangling(f"{rendered.subject}\n{rendered.text}", language)]
        if language == "de":  # "mit jemandem", but "jemand hat sich gemeldet"
            wrong += [(kind, line) for line in said_lines(rendered)
                      if re.search(r"(?:^|[^\w ]|(?<!mit)(?<!von)(?<!zu)(?<!an)(?<!bei)) jemandem", line)]
        if language == "en":
            wrong += [(kind, line) for line in said_lines(rendered) if re.search(r"\bsomeone (?:are|have)\b", line)]
        else:
            said = words_of(rendered)
            wrong += [(kind, line) for line in said.splitlines() if re.search(r"(?i)\bsome(?:one|body)\b", line)]
    assert not wrong, "\n".join(f"{k}: {line}" for k, line in dict.fromkeys(wrong))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_check_finds_nothing_where_everyone_is_named(language):
    """The same check on the named cases: it flags what a missing name leaves, not our wording."""
    templates = Templates()
    for kind, data in named():
        rendered = templates.render(kind, language, "formal", **data)
        said = f"{rendered.subject}\n{rendered.text}"
        assert not dangling(said, language), (kind, dangling(said, language))
