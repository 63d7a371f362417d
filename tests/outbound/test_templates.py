"""Templates: user text stays data, HTML is escaped, users can override, typos are loud."""
import html
import re

import pytest

from worker.outbound.templating import TemplateProblem, Templates

SAMPLE = {
    "introducer": {"name": "{{7*7}} <script>alert(1)</script>", "first_name": "{{7*7}}", "email": "x@y"},
    "member": {"name": "Dana Whitfield", "first_name": "Dana", "email": "dana@x", "footer": True},
    "intros": [{"others": ["<b>Alice</b> & Co", "{% raw %}"], "subject": "s", "date": "2026-11-02"}],
}


def test_names_are_data_never_templates_and_html_is_escaped():
    out = Templates().render("thank_you", **SAMPLE)
    assert out.subject == "Thank you for the introduction to <b>Alice</b> & Co and {% raw %}"
    assert out.text.startswith("Hi {{7*7}},")  # not 49: user text is never evaluated
    assert "&lt;b&gt;Alice&lt;/b&gt; &amp; Co" in out.html
    assert "<script>" not in out.html and "<b>Alice" not in out.html


def test_a_users_file_overrides_ours(tmp_path):
    (tmp_path / "thank_you.txt").write_text(
        "{% set subject %}Cheers, {{ introducer.first_name }}!{% endset %}Short and sweet.\n")
    out = Templates(tmp_path).render("thank_you", **SAMPLE)
    assert out.subject == "Cheers, {{7*7}}!"
    assert out.text == "Short and sweet.\n"
    assert "<p>Hi" in out.html  # the HTML part still comes from ours


def test_undefined_variables_and_missing_subjects_name_the_file(tmp_path):
    (tmp_path / "thank_you.txt").write_text("{% set subject %}x{% endset %}{{ oops }}")
    with pytest.raises(TemplateProblem, match=rf"{tmp_path}/thank_you.txt: 'oops' is undefined"):
        Templates(tmp_path).render("thank_you", **SAMPLE)
    (tmp_path / "thank_you.txt").write_text("no subject here")
    with pytest.raises(TemplateProblem, match="sets no subject"):
        Templates(tmp_path).render("thank_you", **SAMPLE)


def test_preview_command_renders_with_sample_data(tmp_path):
    from tests.cli.test_cli import cli

    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    out = cli("templates", "preview", "thank_you", cwd=tmp_path).stdout
    assert out.startswith("Subject: Thank you for the introduction to Alice Moreno\n")
    assert "Hi Carol," in out
    html = cli("templates", "preview", "thank_you", "--html", cwd=tmp_path).stdout
    assert "<p>Hi Carol,</p>" in html


def test_the_thank_you_promises_the_same_thing_in_its_text_and_html_parts():
    # A client shows one part or the other; the introducer must read the same promise in both
    # (the HTML said "I'll be in touch", the text "I'll reach out shortly").
    out = Templates().render("thank_you", **SAMPLE)
    promise = "I'll reach out shortly and let you know how it goes."
    assert promise in out.text
    assert promise in html.unescape(re.sub(r"<[^>]+>", "", out.html))
