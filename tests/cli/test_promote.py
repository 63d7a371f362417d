"""`introledger promote list|add|remove|order|page|snippet MEMBER`: as a user runs it, with --json."""
import json

from tests.cli.test_cli import cli, workdir  # noqa: F401 - workdir is a fixture


def partners(workdir):  # noqa: F811
    cli("partners", "add", "Carol Jensen", "--email", "carol@x.example", "--company", "Jensen Kitchens", cwd=workdir)
    cli("partners", "add", "Raj Mehta", "--email", "raj@mehta.example", "--fee", "10% of the first job", cwd=workdir)
    cli("partners", "add", "Zoe Park", "--email", "zoe@park.example", cwd=workdir)


def as_json(*args, cwd) -> dict:
    return json.loads(cli(*args, "--json", cwd=cwd).stdout)


def test_add_order_remove_as_json(workdir):  # noqa: F811
    partners(workdir)
    data = as_json("promote", "add", "Dana Whitfield", "carol@x.example", "Raj Mehta", "--note", "trusted", cwd=workdir)
    assert (data["member"], data["slug"], data["order"], data["published"]) == (
        "Dana Whitfield", "dana-whitfield", "chosen", True)
    assert data["url"] == "http://127.0.0.1:8080/p/dana-whitfield"
    assert [(p["name"], p["position"], p["note"], p["email"]) for p in data["partners"]] == [
        ("Carol Jensen", 1, "trusted", None), ("Raj Mehta", 2, "trusted", None)]
    assert [p["referral_fee"] for p in data["partners"]] == [False, True]
    data = as_json("promote", "add", "dana@danabooks.example", "zoe@park.example", "--show-email", cwd=workdir)
    assert data["partners"][2]["email"] == "zoe@park.example"
    data = as_json("promote", "order", "Dana Whitfield", "Zoe Park", "raj@mehta.example", cwd=workdir)
    assert [p["name"] for p in data["partners"]] == ["Zoe Park", "Raj Mehta", "Carol Jensen"]
    assert as_json("promote", "order", "Dana Whitfield", "--by", "given", cwd=workdir)["order"] == "given"
    data = as_json("promote", "remove", "Dana Whitfield", "Raj Mehta", cwd=workdir)
    assert [p["name"] for p in data["partners"]] == ["Zoe Park", "Carol Jensen"]
    assert as_json("promote", "list", "Dana Whitfield", cwd=workdir) == data
    out = cli("promote", "list", "Dana Whitfield", cwd=workdir).stdout
    assert "Dana Whitfield recommends (2)" in out and "http://127.0.0.1:8080/p/dana-whitfield" in out


def test_the_page_and_the_snippet(workdir):  # noqa: F811
    partners(workdir)
    cli("promote", "add", "Dana Whitfield", "Carol Jensen", "--note", "Rebuilt our kitchen", cwd=workdir)
    data = as_json("promote", "page", "Dana Whitfield", "--slug", "dana", "--disclosure",
                   "I get a thank-you fee from {partner}.", cwd=workdir)
    assert data["url"] == "http://127.0.0.1:8080/p/dana"
    text = cli("promote", "snippet", "Dana Whitfield", cwd=workdir).stdout
    assert text == ("Dana Whitfield recommends:\n  Carol Jensen, Jensen Kitchens — Rebuilt our kitchen\n"
                    "More: http://127.0.0.1:8080/p/dana\n")
    html = cli("promote", "snippet", "Dana Whitfield", "--html", cwd=workdir).stdout
    assert "<b>Carol Jensen</b>, Jensen Kitchens" in html and 'href="http://127.0.0.1:8080/p/dana"' in html
    assert not as_json("promote", "page", "Dana Whitfield", "--unpublish", cwd=workdir)["published"]


def test_mistakes_are_named(workdir):  # noqa: F811
    partners(workdir)
    nobody = cli("promote", "add", "Dana Whitfield", "Nobody Here", cwd=workdir, ok=False)
    assert nobody.returncode == 1 and "Nobody Here: no such partner" in nobody.stderr
    assert as_json("promote", "list", "Dana Whitfield", cwd=workdir)["partners"] == []  # nothing half-done
    not_listed = cli("promote", "remove", "Dana Whitfield", "Zoe Park", cwd=workdir, ok=False)
    assert not_listed.returncode == 1 and "Zoe Park is not on Dana Whitfield's list" in not_listed.stderr
    member = cli("promote", "list", "Someone Else", cwd=workdir, ok=False)
    assert member.returncode == 1 and "no member by that name" in member.stderr
    assert cli("promote", "order", "Dana Whitfield", cwd=workdir, ok=False).returncode == 2
    empty = cli("promote", "snippet", "Dana Whitfield", cwd=workdir, ok=False)
    assert empty.returncode == 1 and "recommends nobody yet" in empty.stderr
    slug = cli("promote", "page", "Dana Whitfield", "--slug", "Dana!", cwd=workdir, ok=False)
    assert slug.returncode == 1 and "lower-case letters, digits and hyphens" in slug.stderr
