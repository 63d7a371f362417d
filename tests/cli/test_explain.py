"""`introledger explain FILE | --message-id ID [--json]`: every rule tried on one message, what it saw,
the verdict — the answer to "why wasn't this logged?" (issue 14, point 5)."""
import json
import mailbox
import re
from email import message_from_bytes

from tests.cli.test_cli import CORPUS, cli, workdir  # noqa: F401 (workdir is a fixture)
from worker.classify.rules import RULES


def test_a_file_is_explained_rule_by_rule_without_logging_anything(workdir):  # noqa: F811
    out = cli("explain", str(CORPUS / "enron_not_intro_proposed_to_meet_qp.eml"), cwd=workdir).stdout
    lines = out.splitlines()
    assert "to christian.yoder@enron.com — party" in out and "language: en" in out
    assert "proposed to meet with him" in out  # the new text it read
    tried = [m.group(1) for line in lines if (m := re.match(r"\s+\d+\. (\w+) — ", line))]
    assert tried == [rule.__name__ for rule in RULES]  # all of them, in order: none answered before the last
    assert lines[-1] == "verdict: not_intro by not_intro"
    assert json.loads(cli("referrals", "--json", cwd=workdir).stdout) == []


def test_json_names_the_rule_that_answered_and_the_parties(workdir):  # noqa: F811
    got = json.loads(cli("explain", str(CORPUS / "gmail_double_intro_en.eml"), "--json", cwd=workdir).stdout)
    assert [r["rule"] for r in got["rules"]][-1] == "double_intro"
    assert [r["answered"] for r in got["rules"]] == [False] * (len(got["rules"]) - 1) + [True]
    assert got["verdict"]["kind"] == "double_intro" and got["verdict"]["confidence"] >= 0.9
    assert {"email": "dana@danabooks.example", "name": "Dana Whitfield", "role": "provider"} in \
        got["verdict"]["parties"]
    assert got["cues"]["intro"] and "Alice" in got["new_text"]
    assert {"email": "intros@example.com", "is": "tracking address"} in got["recipients"]
    assert got["recorded"] is None  # never read by the pipeline
    # What answers in Dana's name would need: no Authentication-Results here, so nothing vouches.
    assert got["sender_check"] == {"is": "unproven", "reason": "follow_ups.authserv_id is not set"}


def test_a_message_we_read_is_found_by_message_id_with_what_we_decided_then(workdir):  # noqa: F811
    raw = (CORPUS / "needs_review_loop_in.eml").read_bytes()
    mailbox.Maildir(str(workdir / "mail")).add(raw)
    cli("run", "--once", cwd=workdir)
    message_id = message_from_bytes(raw)["Message-ID"]
    got = json.loads(cli("explain", "--message-id", message_id, "--json", cwd=workdir).stdout)
    assert got["source"].startswith(str((workdir / "mail" / "cur").resolve()))
    assert got["recorded"]["kind"] == got["verdict"]["kind"] == "needs_review"
    assert "looping in" in json.dumps(got["cues"]).lower()
    human = cli("explain", "--message-id", message_id, cwd=workdir).stdout
    assert "when we read it" in human and "needs_review by weak_intro" in human


def test_unknown_message_and_missing_argument(workdir):  # noqa: F811
    missing = cli("explain", "--message-id", "<nowhere@x.example>", cwd=workdir, ok=False)
    assert missing.returncode == 1 and "no message <nowhere@x.example>" in missing.stderr
    assert cli("explain", cwd=workdir, ok=False).returncode == 2
    both = cli("explain", str(CORPUS / "heads_up_en.eml"), "--message-id", "x", cwd=workdir, ok=False)
    assert both.returncode == 2


def test_why_a_request_to_be_introduced_was_not_logged(workdir):  # noqa: F811
    """The trial's n21-en-request and n14-nl-request: right verdict, but explain said "no introduction language" —
    their words ("put me in touch", "aan iemand voorstellen") are no intro cue. The reason names the request."""
    asks = {"en": "Do you know a good electrician? Could you put me in touch with someone you tr=\nust?",
            "nl": "Kun je me aan iemand voorstellen? Het gaat om zonnepanelen."}
    for lang, body in asks.items():
        eml = workdir / f"request-{lang}.eml"
        eml.write_text("From: Greg Holt <greg@holt.example>\nTo: Tom Reilly <tom@reilly.example>\n"
                       "Cc: intros@example.com\nSubject: vraag\nMessage-ID: <r-" + lang + "@holt.example>\n"
                       "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                       f"Hi Tom,\n\n{body}\n\nGreg\n")
        human = cli("explain", str(eml), cwd=workdir).stdout
        assert human.splitlines()[-1] == "verdict: not_intro by not_intro", human
        assert "a request to be introduced" in human and "no introduction language" not in human, human
