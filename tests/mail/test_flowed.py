"""format=flowed (RFC 3676): what a client soft-wrapped is read as the line its writer typed.

The client_* replies were written by mutt and neomutt with text_flowed=yes (scripts/client_shapes.sh); the
real_* ones are list mail from Thunderbird and from Apple Mail with DelSp=yes.
"""
from pathlib import Path

from worker.mail.commands import parse_command
from worker.mail.flowed import unflow
from worker.mail.parse import parse
from worker.mail.quotes import new_text

REPLIES = Path(__file__).parent.parent / "data" / "replies"


def text_of(name: str) -> str:
    return parse((REPLIES / name).read_bytes()).text


def test_a_soft_wrapped_answer_is_read_whole_by_the_command_reader():
    """neomutt sent 'LOST - … already does ' / 'the payroll …': the reason logged is the whole sentence."""
    for name in ("client_neomutt_flowed_soft_breaks.eml", "client_mutt_flowed_soft_breaks.eml"):
        command = parse_command(new_text(text_of(name)))
        assert command is not None and command.verb == "lost"
        assert command.reason == "they went with a firm that already does the payroll for their shop in Leeds."


def test_a_quoted_flowed_paragraph_keeps_its_quote_depth_and_is_dropped_from_the_answer():
    text = text_of("client_neomutt_flowed_soft_breaks.eml")
    assert ("> How did the intro to Alice (from Carol) go? If it led to work, reply WON and the amount; "
            "if not, LOST and why.") in text.splitlines()
    assert new_text(text) == "LOST - they went with a firm that already does the payroll for their shop in Leeds."


def test_thunderbird_soft_breaks_are_joined_and_its_paragraphs_kept():
    text = text_of("real_linux_leds_thunderbird_es_flowed_top.eml")
    assert ("Two different HW blinking intervals can be configured in the controller, but we were only using "
            "one of them until now.") in text.splitlines()
    # Thunderbird ends a URL line with a space before an empty line: the paragraph break stays.
    assert "\n\nHowever, there are no fast/slow blinking intervals" in text


def test_delsp_yes_drops_the_space_that_marked_the_break():
    """Apple Mail (DelSp=yes): 'Oops.   ' + 'Sorry' is 'Oops.  Sorry', a quoted diffstat line is whole again."""
    text = text_of("real_git_apple_mail_flowed_delsp_bottom_quote.eml")
    assert "Oops.  Sorry for all the trouble getting the patch properly formatted." in text
    assert ("> t/t9143-git-svn-gc.sh     |   44 ++++++++++++++++++++++++++++++++++++++++++++"
            in text.splitlines())
    assert "> ########################### utility functions #########################" in text.splitlines()


def test_quote_depths_never_flow_into_each_other_and_the_signature_separator_stays():
    flowed = ">>deep and soft \n>shallow\nanswer \n-- \nDana\n"
    assert unflow(flowed).splitlines() == [">> deep and soft ", "> shallow", "answer ", "-- ", "Dana"]


def test_space_stuffed_lines_lose_the_stuffing_only():
    assert unflow(" From the start \nof a line\n") == "From the start of a line\n"


def test_a_plain_message_is_left_alone():
    raw = (b"From: a@b.example\nTo: intros@example.com\nSubject: x\nContent-Type: text/plain\n\n"
           b"WON - 2,400 for the \nyear-end accounts.\n")
    assert parse(raw).text.splitlines()[0] == "WON - 2,400 for the "
