"""`introledger brief show|set MEMBER`: options, a file, the editor, JSON, and the errors a person makes."""
import json
import stat

from tests.cli.test_cli import cli, workdir  # noqa: F401 - workdir is a fixture

GREAT = "homeowners planning a kitchen under $40k"


def test_set_then_show_as_text_and_json(workdir):  # noqa: F811
    out = cli("brief", "set", "dana@danabooks.example", "--great", GREAT, "--not", "commercial work",
              cwd=workdir).stdout
    assert "brief of Dana Whitfield saved" in out and f"Great referral: {GREAT}" in out
    assert cli("brief", "show", "Dana Whitfield", cwd=workdir).stdout == (
        f"Great referral: {GREAT}\nNot a fit: commercial work\nWords clients use:\n")
    data = json.loads(cli("brief", "show", "dana whitfield", "--json", cwd=workdir).stdout)
    assert {k: data[k] for k in ("member", "great", "not_fit", "words")} == {
        "member": "Dana Whitfield", "great": GREAT, "not_fit": "commercial work", "words": ""}
    assert data["updated_at"]
    # One field changed, the others kept; an empty value clears one.
    data = json.loads(cli("brief", "set", "Dana Whitfield", "--words", "our cabinets look tired", "--not", "",
                          "--json", cwd=workdir).stdout)
    assert (data["great"], data["not_fit"], data["words"]) == (GREAT, "", "our cabinets look tired")


def test_an_empty_brief_says_how_to_write_one(workdir):  # noqa: F811
    assert "has no brief yet: introledger brief set" in cli("brief", "show", "Dana Whitfield", cwd=workdir).stdout


def test_from_a_file_as_show_prints_it_and_errors_name_the_line(workdir):  # noqa: F811
    (workdir / "brief.txt").write_text(f"# Dana's brief\nGreat referral: {GREAT}\n  and bathrooms\n"
                                       "Words clients use: it's time\n")
    cli("brief", "set", "Dana Whitfield", "--file", "brief.txt", cwd=workdir)
    data = json.loads(cli("brief", "show", "Dana Whitfield", "--json", cwd=workdir).stdout)
    assert (data["great"], data["words"]) == (f"{GREAT} and bathrooms", "it's time")
    (workdir / "bad.txt").write_text("Great referal: typo\n")
    bad = cli("brief", "set", "Dana Whitfield", "--file", "bad.txt", cwd=workdir, ok=False)
    assert bad.returncode == 1 and "bad.txt: line 1: expected one of Great referral:" in bad.stderr
    assert json.loads(cli("brief", "show", "Dana Whitfield", "--json", cwd=workdir).stdout)["great"].startswith(GREAT)


def test_in_the_editor(workdir):  # noqa: F811
    editor = workdir / "editor.sh"  # an editor that rewrites the file it is given, as a person would
    editor.write_text("#!/bin/sh\nsed -i 's/^Not a fit:.*/Not a fit: commercial work/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    cli("brief", "set", "Dana Whitfield", "--great", GREAT, cwd=workdir)
    cli("brief", "set", "Dana Whitfield", "--edit", cwd=workdir, env={"EDITOR": str(editor), "VISUAL": ""})
    data = json.loads(cli("brief", "show", "Dana Whitfield", "--json", cwd=workdir).stdout)
    assert (data["great"], data["not_fit"]) == (GREAT, "commercial work")


def test_mistakes(workdir):  # noqa: F811
    unknown = cli("brief", "show", "Nobody", cwd=workdir, ok=False)
    assert unknown.returncode == 1 and "Nobody: no member by that name or address in" in unknown.stderr
    nothing = cli("brief", "set", "Dana Whitfield", cwd=workdir, ok=False)
    assert nothing.returncode == 2 and "say what to set" in nothing.stderr
    long = cli("brief", "set", "Dana Whitfield", "--great", "x" * 501, cwd=workdir, ok=False)
    assert long.returncode == 1 and "at most 500" in long.stderr
