"""Every mail we send, in every language we write: rendered with real-looking data (accented
names, amounts in EUR, CHF and JPY), with no English left in it, the language's own dates and
amounts, the names as written, and reply words our parser reads in that language."""
import html
import re
from datetime import UTC, datetime

import pytest

from worker.core.money import Amount
from worker.mail.commands import VOCABULARY, asks_for_brief, parse_command, split_correction
from worker.outbound.templating import BUILTIN, Templates

LANGUAGES = sorted(p.parent.name for p in BUILTIN.glob("*/_words.txt"))
VERBS = ("met", "qualified", "won", "lost", "no_fit", "snooze", "stop", "stop_all")

MEMBER = {"name": "Jürgen Müller", "first_name": "Jürgen", "email": "jurgen@muller-bau.example", "footer": True}
INTRODUCER = {"name": "Zoë Åkesson-Lefèvre", "first_name": "Zoë", "email": "zoe@akesson.example"}
OTHERS = ["Inès Moreau", "Niccolò Ferrari"]
DAY = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
EUR, CHF, JPY = Amount(450000, "EUR"), Amount(125050, "CHF"), Amount(450000, "JPY")
PARTNER = {"name": "Søren Østergård", "first_name": "Søren", "email": "soren@ostergard.example",
           "company": "Østergård ApS", "given": 4, "received": 1, "last": datetime(2026, 11, 24, tzinfo=UTC),
           "flags": [{"kind": "unbalanced", "gave": 4, "got": 1}, {"kind": "quiet", "days": 95},
                     {"kind": "nowhere", "count": 2, "of": 4}]}
ÁLVARO = {**PARTNER, "name": "Álvaro Núñez", "first_name": "Álvaro", "email": "alvaro@nunez.example", "company": "",
          "given": 1, "received": 2, "flags": []}
# The member's own words (user data, in whatever language they wrote it): names only here.
BRIEF = {"great": "Østergård ApS", "not_fit": "Núñez & Co", "words": "Jürgen!", "name": MEMBER["name"],
         "first_name": "Jürgen", "to": "partner", "reply": True}
INTRO = {"member": MEMBER, "introducer": INTRODUCER, "others": OTHERS[:1], "given": False, "ref": 12}
GIVEN = {**INTRO, "others": OTHERS, "given": True}


def cases() -> list[tuple[str, dict]]:
    """Each mail with data as the code passes it, every branch a person can meet."""
    out = [
        ("thank_you", {"introducer": INTRODUCER, "member": MEMBER,
                       "intros": [{"others": OTHERS[:1], "subject": "", "date": DAY}]}),
        ("thank_you", {"introducer": INTRODUCER, "member": MEMBER, "brief": BRIEF,
                       "intros": [{"others": [n], "subject": "", "date": DAY} for n in OTHERS]}),
        ("brief", {"member": MEMBER, "partner": INTRODUCER, "brief": {**BRIEF, "to": "answer"}}),
        *[("closed_business", {**INTRO, "won": won, "value": value, "reward": ""})
          for won, value in ((True, EUR), (True, None), (False, None))],
        *[(kind, data) for data in (INTRO, GIVEN) for kind, extra in (
            ("follow_up", {"date": DAY}), ("clarification", {"greet": "Jürgen", "greet_full": "Jürgen Müller"}),
            ("snooze_confirmation", {"again": datetime(2026, 11, 16, 15, tzinfo=UTC)}), ("stop_confirmation", {}))
          for data in [{**data, **extra}]],
        # after MET / QUALIFIED: did it turn into business? (the answers still open)
        *[("follow_up", {**data, "date": DAY, "stage": stage, "asks": asks})
          for data in (INTRO, GIVEN) for stage, asks in (("connected", ["qualified", "won", "lost", "no_fit"]),
                                                        ("qualified", ["won", "lost", "no_fit"]))],
        # a heads-up (X would get in touch, no intro mail), and a step after an earlier one went unanswered
        *[("follow_up", {**data, "date": DAY, "stage": stage, "heads_up": heads_up, "asked_before": again})
          for data in (INTRO, GIVEN) for stage in ("introduced", "connected")
          for heads_up, again in ((True, 0), (True, 1), (False, 1))],
        ("snooze_confirmation", {**INTRO, "again": datetime(2026, 11, 16, 15, tzinfo=UTC), "party": True}),
        # to the client about an intro to a partner who pays a fee: the default line and the member's own
        *[(kind, {**INTRO, **extra, "disclosures": [{"words": "", "member": MEMBER["name"], "partner": PARTNER["name"]},
                                                     {"words": "Østergård ApS!", "member": "", "partner": ""}]})
          for kind, extra in (("clarification", {"greet": "Inès", "greet_full": "Inès Moreau"}),
                              ("stop_confirmation", {}))],
        *[("status_confirmation", {**data, "status": status, "you": you, "them": them, "prospect": prospect,
                                   "provider": provider, "value": CHF, "note": "", "again_days": again,
                                   "stopped": stopped, "final": status in ("won", "lost", "no_fit")})
          for data in (INTRO, GIVEN) for status in ("connected", "qualified", "won", "lost", "no_fit", "stale")
          for you, them, prospect, provider, again, stopped in (
              (True, OTHERS[:1], "", "", 7, False), (False, OTHERS, "Inès Moreau", "Niccolò Ferrari", 14, False),
              (False, OTHERS, "", "", 1, True), (True, OTHERS, "", "", None, False),
              (True, OTHERS[:1], "", "", 3, False))],
        *[("answer_not_applied", {**data, "answer": answer, "status": "lost", "refusal": {
            "case": case, "verb": "won", "status": "lost", "member_email": MEMBER["email"], "ref": 12,
            "sender": "jurgen.privat@mail.example", "copied_to": "ines@moreau.example", "fresh": fresh,
            "why": "", "how": ""}})
          for data in (INTRO, GIVEN) for answer in ("👍", "")
          for case, fresh in (("final", False), ("refused", False), ("copied", True), ("copied", False),
                              ("other_address", False), ("unverified", False))],
        *[("coffee_check_in", {"member": MEMBER, "tracking": "intros@muller-bau.example",
                               "month": datetime(2026, 12, 1, 9, tzinfo=UTC), "window_days": 90,
                               "brief": {**BRIEF, "to": "member", "reply": False},
                               "partners": partners}) for partners in ([PARTNER], [PARTNER, ÁLVARO],
                                                                      [PARTNER, ÁLVARO, ÁLVARO, ÁLVARO])],
        *[("daily_prompt", {"member": MEMBER, "tracking": "intros@muller-bau.example", "promoted": promoted,
                            "date": datetime(2026, 11, 24, 8, tzinfo=UTC), "partners": [PARTNER, ÁLVARO]})
          for promoted in (True, False)],
        *[("promise_nudge", {"member": MEMBER, "tracking": "intros@muller-bau.example", "source": source,
                             "partner": INTRODUCER, "prospects": prospects, "prospect_first_name": "Inès",
                             "date": datetime(2026, 11, 3, tzinfo=UTC), "subject": "", "said": "", "waited_days": 14})
          for source, prospects in (("heads_up", OTHERS[:1]), ("heads_up", OTHERS), ("promise", []))],
        *[("digest", {"member": MEMBER, "week": "2–8 Nov", "due": due, "won": won,
                      "received": [{"date": DAY, "introducer": INTRODUCER["name"], "others": OTHERS[:1]}] * due,
                      "given": [{"date": DAY, "introducer": MEMBER["name"], "others": OTHERS}] * due,
                      "changes": [{"others": OTHERS[:1], "ref": 12, "old": "introduced", "new": "won"},
                                  {"others": [], "ref": 13, "old": "connected", "new": "no_fit"}][:due],
                      "top": [{"name": PARTNER["name"], "given": 1, "received": 3, "given_px": 53,
                               "received_px": 160, "bar": "▮▮▮▯"}][:due],
                      "unbalanced": [{"name": PARTNER["name"], "flags": PARTNER["flags"]}][:due],
                      "group": [{"name": MEMBER["name"], "week_given": 1, "week_received": 2, "given": 5,
                                 "received": 9, "balance": "-4"}][:due],
                      # giving back, and partners who are also clients (tests/ledger/test_promotions.py)
                      "gave_back": {"given": due, "received": 3, "partners": due, "promoted_given": 1,
                                    "promoted_received": 2, "promoted": due},
                      "clients": [{"name": PARTNER["name"], "since": DAY}][:due]})
          for due, won in ((2, {"EUR": 450000, "CHF": 125050, "JPY": 450000}), (0, {}))],
        ("sign_in", {"member": MEMBER, "link": "https://intros.muller-bau.example/sign-in/3q2-7Rk", "minutes": 15,
                     "client": "203.0.113.7"}),
        ("sign_in", {"member": MEMBER, "link": "https://intros.muller-bau.example/sign-in/3q2-7Rk", "minutes": 15,
                     "client": ""}),
    ]
    return out


# English words that have no business in mail in another language (each checked as a whole word).
ENGLISH = frozenset("""the and you your with thank thanks reply please intro introduced introduction referral
    referrals week won met lost qualified snooze follow business today again since about who what did got gave
    sent from nothing none yet just soon went how this that will would our my good news sign coffee partners
    check-in last quarter figures asked ignore open browser minutes once worth noted okay done sorry catch
    until hear answer word amount match least""".split())
# Words English shares with another language: "Browser" is German, Dutch and Italian,
# "minutes" French, "week", "open" and "partners" Dutch too, "met" Dutch for "with".
OWN = {"de": {"browser"}, "fr": {"minutes"}, "nl": {"met", "week", "open", "browser", "partners"}, "it": {"browser"}}


def words_of(rendered) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", rendered.html))
    return f"{rendered.subject}\n{rendered.text}\n{text}"


def leftovers(text: str, language: str) -> set[str]:
    for keep in ("introledger", "muller-bau.example", "akesson.example", "sign-in", "[ref R12]"):
        text = text.replace(keep, " ")
    found = {w.lower() for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text)}
    return (found & ENGLISH) - OWN.get(language, set())


def test_every_mail_has_test_data():
    assert {kind for kind, _ in cases()} == set(Templates().names())


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_no_english_is_left_in_any_mail(language):
    templates = Templates()
    for kind, data in cases():
        rendered = templates.render(kind, language, **data)
        assert rendered.language == language
        assert not leftovers(words_of(rendered), language), (kind, leftovers(words_of(rendered), language),
                                                              rendered.text)


AMOUNTS = {  # EUR 4,500, CHF 1,250.50 and JPY 450,000 as each language writes them
    "en": ("€4,500", "CHF 1,250.50", "¥450,000"),
    "de": ("4.500 €", "1.250,50 CHF", "450.000 ¥"),
    "fr": ("4 500 €", "1 250,50 CHF", "450 000 JPY"),
    "es": ("4.500 €", "1.250,50 CHF", "450.000 JPY"),
    "nl": ("€ 4.500", "CHF 1.250,50", "JP¥ 450.000"),
    "it": ("4.500 €", "1.250,50 CHF", "450.000 JPY"),
}
DATES = {  # 2 November 2026 in the follow-up, Monday 16 November in the snooze confirmation
    "en": ("2 November 2026", "Monday 16 November 2026"),
    "de": ("2. November 2026", "Montag, 16. November 2026"),
    "fr": ("2 novembre 2026", "lundi 16 novembre 2026"),
    "es": ("2 de noviembre de 2026", "lunes, 16 de noviembre de 2026"),
    "nl": ("2 november 2026", "maandag 16 november 2026"),
    "it": ("2 novembre 2026", "lunedì 16 novembre 2026"),
}


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("language", LANGUAGES)
def test_amounts_and_dates_are_written_the_languages_way(language):
    t = Templates()
    eur, chf, jpy = AMOUNTS[language]
    assert eur in plain(t.render("closed_business", language, **INTRO, won=True, value=EUR, reward="").text)
    digest = next(data for kind, data in cases() if kind == "digest")  # EUR, CHF and JPY won in one week
    won = plain(t.render("digest", language, **digest).text)
    assert all(figure in won for figure in (eur, chf, jpy)), won
    long, full = DATES[language]
    assert long in t.render("follow_up", language, **INTRO, date=DAY).text
    assert full in t.render("snooze_confirmation", language, **INTRO, again=datetime(2026, 11, 16, tzinfo=UTC)).text


@pytest.mark.parametrize("language", LANGUAGES)
def test_names_come_out_as_written_in_both_parts(language):
    t = Templates()
    thanks = t.render("thank_you", language, introducer=INTRODUCER, member=MEMBER,
                      intros=[{"others": OTHERS, "subject": "", "date": DAY}])
    for part in (thanks.text, html.unescape(thanks.html)):
        assert "Zoë" in part and "Inès Moreau" in part and "Niccolò Ferrari" in part and "Jürgen" in part
    assert "Inès Moreau" in thanks.subject


@pytest.mark.parametrize("language", LANGUAGES)
def test_user_text_stays_escaped_in_html_in_every_language(language):
    t = Templates()
    evil = "<b>Bob</b> & {{7*7}}"
    for kind, data in cases():
        data = {**data, "others": [evil], "them": [evil], "greet": evil, "greet_full": evil,
                "prospects": [evil]} if "others" in data else data
        rendered = t.render(kind, language, **data)
        assert "<b>Bob" not in rendered.html and "49" not in rendered.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reply_words_a_mail_names_are_read_back_in_that_language(language):
    words = Templates().env(language).get_template("_words.txt").module
    vocabulary = VOCABULARY[language]
    follow_up = Templates().render("follow_up", language, **INTRO, date=DAY).text
    for verb in VERBS:
        for said in (words.answer_word(verb), words.answer_example(verb)):
            assert said in follow_up or said == words.answer_word(verb)
            command = parse_command(str(said), vocabulary)
            assert command is not None and command.verb == verb, (language, said)
    won = parse_command(str(words.answer_example("won")), vocabulary)
    assert won.amount is not None and won.amount.minor > 0 and won.amount.currency
    snooze = parse_command(str(words.answer_example("snooze")), vocabulary)
    assert snooze.snooze_seconds == 14 * 86400
    correction, rest = split_correction(str(words.correction_of("lost")))
    assert correction and parse_command(rest, vocabulary).verb == "lost"
    assert asks_for_brief(str(words.brief_word()))
    brief = Templates().render("brief", language, member=MEMBER, partner=INTRODUCER, brief=BRIEF).text
    assert str(words.brief_word()) in brief


def test_every_language_we_write_has_its_words():
    from worker.core.locales import LANGUAGES as WRITTEN

    assert LANGUAGES == sorted(WRITTEN) == ["de", "en", "es", "fr", "it", "nl"]


def test_a_users_words_reword_one_phrase_and_keep_the_rest(tmp_path):
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "_words.txt").write_text("{% macro hi(name) %}Servus {{ name }},{% endmacro %}\n")
    out = Templates(tmp_path).render("thank_you", "de", introducer=INTRODUCER, member=MEMBER,
                                     intros=[{"others": OTHERS[:1], "subject": "", "date": DAY}])
    assert out.text.startswith("Servus Zoë,\n\nvielen Dank, dass du mich mit Inès Moreau bekannt gemacht hast")
    assert "<p>Servus Zoë,</p>" in out.html


def test_a_phrase_a_language_lacks_comes_in_english_rather_than_no_mail(tmp_path):
    # A mail added with English words only: in German it still goes out, that phrase in English.
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "_words.txt").write_text("{% macro news() %}Big news today{% endmacro %}\n")
    (tmp_path / "news.txt").write_text('{%- import "_words.txt" as w -%}{% set subject %}{{ w.news() }}{% endset %}'
                                       "{{ w.hi(member.first_name) }} {{ w.news() }}")
    (tmp_path / "news.html").write_text('{%- import "_words.html" as w -%}<p>{{ w.hi(member.first_name) }}</p>')
    out = Templates(tmp_path).render("news", "de", member=MEMBER)
    assert (out.subject, out.text) == ("Big news today", "Hallo Jürgen, Big news today\n")
    assert Templates(tmp_path).render("thank_you", "en", introducer=INTRODUCER, member=MEMBER, intros=[
        {"others": OTHERS[:1], "subject": "", "date": DAY}]).text.startswith("Hi Zoë,")  # ours fill in the rest


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", ["won", "lost", "no_fit"])
def test_a_final_answers_confirmation_gives_as_its_correction_example_another_word(language, status):
    """QA trial: "Noted: … did not work out. … reply CORRECTION: and the right word (e.g. CORRECTION: LOST)"."""
    t = Templates()
    words = t.env(language).get_template("_words.txt").module
    text = t.render("status_confirmation", language, **INTRO, status=status, you=False, them=OTHERS[:1],
                    prospect="", provider="", value=None, note="", again_days=None, stopped=False, final=True).text
    examples = re.findall(re.escape(str(words.correction_word())) + r"\s?: [^\s).]+", text)
    assert examples, text
    example = examples[-1]  # the one in brackets; the first is the instruction ("reply CORRECTION: and …")
    is_correction, rest = split_correction(example)
    command = parse_command(rest)
    assert is_correction and command is not None and command.verb != status, (example, text)


@pytest.mark.parametrize("language, wrong, right", [
    ("de", ["du hast ihnen 0"], ["Von 1 Partner kam 1 Empfehlung, du hast ihm 0 geschickt"]),
    ("es", ["1 recibidas", "1 dadas", "les has"], ["1 recibida", "0 dadas", "le has enviado 0"]),
    # French counts 0 as one
    ("fr", ["1 reçues", "0 données", "vous leur"], ["1 reçue", "0 donnée", "vous lui en avez envoyé 0"]),
    ("it", ["1 ricevute", "1 date"], ["1 ricevuta", "0 date"]),
])
def test_digest_counts_agree_with_their_number(language, wrong, right):
    """QA trial: "du hast ihnen 0 geschickt" for one partner; "1 recibidas", "tú les has enviado"."""
    digest = next(data for kind, data in cases() if kind == "digest")
    one = {**digest, "received": digest["received"][:1], "given": [],
           "gave_back": {**digest["gave_back"], "given": 0, "received": 1, "partners": 1}}
    rendered = Templates().render("digest", language, **one)
    said = plain(rendered.subject + "\n" + rendered.text)
    assert not [w for w in wrong if w in said], said
    assert all(r in said for r in right), said


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_coffee_check_in_names_one_period_for_its_figures(language):
    """QA trial: "… 3 referrals this quarter …" above "Referral figures are for the last 90 days"."""
    data = next(data for kind, data in cases() if kind == "coffee_check_in")
    rendered = Templates().render("coffee_check_in", language, **{**data, "window_days": 60})
    for part in (rendered.text, html.unescape(rendered.html)):
        said = part.lower()
        assert not any(w in said for w in ("quarter", "quartal", "trimestre", "kwartaal")), part
        assert " 90 " not in said and said.count(" 60 ") >= 1, part


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", ["copied", "other_address"])
def test_a_coordinator_is_told_what_to_do_herself_not_to_ask_the_coordination(language, case):
    """QA trial: "ask your coordinator …" to a member who is the coordinator."""
    refusal = {"case": case, "verb": "won", "status": "introduced", "member_email": MEMBER["email"], "ref": 12,
               "sender": "jurgen.privat@mail.example", "copied_to": "ines@moreau.example", "fresh": False,
               "why": ""}
    how = {False: "ask your coordinator to run `introledger mark 12 WON`.",  # English: as the code words it
           True: "run `introledger mark 12 WON` yourself."}
    told = {c: Templates().render("answer_not_applied", language, **INTRO, answer="WON", status="introduced",
                                  refusal={**refusal, "coordinator": c, "how": how[c]}).text for c in (False, True)}
    assert told[True] != told[False]
    assert not any(w in told[True].lower() for w in ("coordinat", "koordination", "coördinator")), told[True]


@pytest.mark.parametrize("register", ["", "formal"])
def test_italian_writes_ad_and_ed_before_a_name_with_the_same_vowel(register):
    """QA trial: "hai mandato 1 segnalazione a Álvaro" — Italian writes "ad Álvaro", and "ed Elena"."""
    elena = {**ÁLVARO, "name": "Elena Ricci", "first_name": "Elena", "email": "elena@ricci.example"}
    data = next(data for kind, data in cases() if kind == "coffee_check_in")
    rendered = Templates().render("coffee_check_in", "it", register, **{**data, "partners": [PARTNER, ÁLVARO, elena]})
    assert "ad Álvaro" in rendered.text and "ed Elena" in rendered.text and "a Søren" in rendered.text, rendered.text
    assert "ad Álvaro" in html.unescape(rendered.html), rendered.html  # "Chiedi ad Álvaro" under the table
    for part in (rendered.text, html.unescape(rendered.html)):
        assert not re.search(r"\b(?:a Álvaro|e Elena)\b", part), part


@pytest.mark.parametrize("words_file", ["_words.txt", "_words.informal.txt"])
def test_french_counts_zero_in_the_singular(words_file):
    """User trial: 'vous avez envoyé 0 recommandations' — French says 0 recommandation, as for 1."""
    words = Templates().env("fr").get_template(words_file).module
    line = {"name": "Jürgen Weber", "first_name": "Jürgen", "last": None}
    assert "0 recommandation à" in str(words.coffee_line({**line, "given": 0, "received": 2}))
    assert "2 recommandations à" in str(words.coffee_line({**line, "given": 2, "received": 0}))
