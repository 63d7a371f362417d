"""A deployment's own templates (outbound.templates_dir) are rendered by `doctor` and `templates check`
in every language and register they reach, so a words file written for an older macro signature
fails at deploy time, naming the file, macro and message, not weeks later when its mail is due."""
from tests.app.test_doctor import _problems, _workdir
from tests.cli.test_cli import cli

# follow_up_body before f24954c gave it heads_up and again: the product now passes six arguments.
OLD_FOLLOW_UP = """{% macro follow_up_body(given, others, introducer, date) -%}
Am {{ date | long_date }} hat {{ introducer }} dich mit {{ others | names }} bekannt gemacht. Wie war's?
{%- endmacro %}
"""
# The same phrase reworded, with today's signature.
NEW_FOLLOW_UP = OLD_FOLLOW_UP.replace("date)", "date, heads_up=false, again=0)")


def _deployment(tmp_path, database_url: str, words: str) -> dict:
    (tmp_path / "mytemplates" / "de").mkdir(parents=True)
    (tmp_path / "mytemplates" / "de" / "_words.txt").write_text(words)
    return _workdir(tmp_path, database_url, "outbound: {templates_dir: mytemplates}\n")


def test_doctor_names_an_override_words_file_with_an_old_macro_signature(tmp_path, sqlite_url):
    env = _deployment(tmp_path, sqlite_url, OLD_FOLLOW_UP)
    result = cli("doctor", cwd=tmp_path, env=env, ok=False)
    assert result.returncode == 1
    [problem] = _problems(result)
    assert problem.startswith("templates: mytemplates/de/_words.txt: follow_up_body(): "
                              "macro 'follow_up_body' takes not more than 4 argument(s)")
    assert ("follow_up_body(given, others, introducer, date, heads_up=false, again=0) — copy the new "
            "signature from templates/de/_words.txt") in problem
    # Informal German is what the file writes; formal German has its own follow_up_body (ours).
    assert problem.endswith("[follow_up (de informal)]")


def test_doctor_says_nothing_of_an_override_with_the_current_signature(tmp_path, sqlite_url):
    env = _deployment(tmp_path, sqlite_url, NEW_FOLLOW_UP)
    result = cli("doctor", cwd=tmp_path, env=env)
    assert _problems(result) == [] and "templates:" not in result.stdout
    assert "templates and broker all answer" in result.stdout


def test_templates_check_names_a_template_that_does_not_parse_with_its_line(tmp_path):
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n"
                                          "outbound: {templates_dir: mytemplates}\n")
    (tmp_path / "mytemplates").mkdir()
    (tmp_path / "mytemplates" / "thank_you.txt").write_text(
        '{%- import "_words.txt" as w -%}\n{%- set subject %}Thanks{% endset -%}\nHi {{ member.first_name }\n')
    result = cli("templates", "check", cwd=tmp_path, ok=False)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["✗ mytemplates/thank_you.txt:3: unexpected '}'"]


def test_templates_check_names_a_word_macro_that_takes_fewer_arguments_than_ours_where_samples_do_not_reach(
        tmp_path):
    # A snooze for one party of the intro only: no sample reaches it, so only the signature can tell.
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n"
                                          "outbound: {templates_dir: mytemplates}\n")
    (tmp_path / "mytemplates" / "de").mkdir(parents=True)
    (tmp_path / "mytemplates" / "de" / "_words.txt").write_text(
        "{% macro snooze_party_body(name) %}Wir fragen später wieder nach {{ name }}.{% endmacro %}\n")
    result = cli("templates", "check", cwd=tmp_path, ok=False)
    assert result.stdout.splitlines() == [
        "✗ mytemplates/de/_words.txt: snooze_party_body() takes 1 argument(s), the product's takes 2: "
        "snooze_party_body(name, again) — copy the new signature from templates/de/_words.txt"]


def test_an_old_override_fails_its_mail_with_a_reason_instead_of_crashing_the_sender(tmp_path):
    """Jinja raises a plain TypeError for a macro called with more than it takes; the senders catch
    TemplateProblem (marking the mail failed with the reason), so it must arrive as one."""
    import pytest

    from worker.outbound.samples import samples
    from worker.outbound.templating import TemplateProblem, Templates
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "_words.txt").write_text(OLD_FOLLOW_UP)
    with pytest.raises(TemplateProblem, match="follow_up_body"):
        Templates(tmp_path, "de").render("follow_up", "de", "informal", **samples()["follow_up"])
