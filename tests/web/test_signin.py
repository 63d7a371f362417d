"""Signing in to the dashboard by email: a one-time link through the outbox, short-lived, single use,
rate-limited; sessions in signed HttpOnly SameSite cookies; CSRF on every POST; security headers."""
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from models import OutboxMessage, SignInLink
from tests.web.conftest import DANA, ENV, client_for, csrf_of, post, sign_in


def ask_link(client, email: str):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"email": email, "csrf": csrf_of(page.text)})


def queued_links(app) -> list[OutboxMessage]:
    with app.sessions() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sign_in")))


def test_a_member_gets_a_one_time_link_by_mail_and_it_signs_them_in_once(web_app):
    client = client_for(web_app)
    answer = ask_link(client, "Dana@DanaBooks.example")
    assert answer.status_code == 200 and "a sign-in link is on its way" in answer.text
    [mail] = queued_links(web_app)
    assert (mail.to_addr, mail.status, mail.subject) == (DANA[1], "queued", "Your introledger sign-in link")
    link = next(word for word in mail.text_body.split() if "/sign-in/" in word)
    assert link.startswith("http://127.0.0.1:8080/sign-in/")
    with web_app.sessions() as s:  # only its hash is kept
        assert link.rsplit("/", 1)[1] not in {row.token_hash for row in s.scalars(select(SignInLink))}

    for _ in range(2):  # opening it (a mail scanner does) does not spend it
        page = client.get(link)
        assert page.status_code == 200 and "Sign in as Dana Whitfield" in page.text
    signed_in = client.post(link, data={"csrf": csrf_of(page.text)})
    assert signed_in.url.path == "/" and "Overview" in signed_in.text and "Dana Whitfield" in signed_in.text

    again = client_for(web_app)
    page = again.get(link)
    assert page.status_code == 410 and "no longer works" in page.text
    assert again.post(link, data={"csrf": csrf_of(again.get("/sign-in").text)}).status_code == 410


def test_an_unknown_address_gets_the_same_answer_and_no_mail(web_app):
    answer = ask_link(client_for(web_app), "stranger@nowhere.example")
    assert answer.status_code == 200 and "a sign-in link is on its way" in answer.text
    assert queued_links(web_app) == []


def test_a_link_expires(web_app, clock):
    client = client_for(web_app)
    ask_link(client, DANA[1])
    link = next(w for w in queued_links(web_app)[0].text_body.split() if "/sign-in/" in w)
    clock.advance(minutes=16)
    assert client.get(link).status_code == 410


def test_links_are_rate_limited_per_address_and_per_client(web_app, clock):
    client = client_for(web_app)
    assert [ask_link(client, DANA[1]).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert len(queued_links(web_app)) == 3
    assert "too many sign-in links" in ask_link(client, DANA[1]).text.lower()
    for i in range(7):  # other addresses from the same client, up to its limit of 10 links asked
        ask_link(client, f"someone{i}@x.example")
    assert ask_link(client, "marco@rossi-marketing.example").status_code == 429
    clock.advance(minutes=16)
    assert ask_link(client, DANA[1]).status_code == 200


def test_session_cookie_is_signed_httponly_samesite_and_sign_out_ends_it(web_app):
    client = sign_in(client_for(web_app), web_app, DANA[1])
    header = next(h for h in client.cookies.jar if h.name == "introledger_session")
    assert header.has_nonstandard_attr("HttpOnly")
    raw_headers = client_for(web_app)  # a fresh client sees the Set-Cookie line itself
    link_client = sign_in(raw_headers, web_app, DANA[1])
    assert link_client.get("/api/overview").status_code == 200
    stolen = client.cookies.get("introledger_session")
    forged = stolen[:-2] + ("00" if not stolen.endswith("00") else "11")
    intruder = client_for(web_app)
    intruder.cookies.set("introledger_session", forged)
    assert intruder.get("/api/overview").status_code == 401

    assert post(client, "/sign-out").url.path == "/sign-in"
    replay = client_for(web_app)
    replay.cookies.set("introledger_session", stolen)
    assert replay.get("/api/overview").status_code == 401  # signed out: the session ended server-side


def test_set_cookie_attributes(web_app):
    from worker.web.signin import login_link

    client = client_for(web_app)
    link = login_link(web_app, DANA[1]).url
    page = client.get(link)
    response = client.post(link, data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in cookies if c.startswith("introledger_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session


def test_every_post_needs_the_csrf_token(web_app):
    client = sign_in(client_for(web_app), web_app, DANA[1])
    assert client.post("/sign-out").status_code == 403
    assert client.post("/sign-out", data={"csrf": "x" * 40}).status_code == 403
    assert client.post("/sign-in", data={"email": DANA[1]}).status_code == 403
    assert client.get("/api/overview").status_code == 200  # still signed in: nothing was done
    token = client.get("/api/session").json()["csrf"]
    assert client.post("/sign-out", headers={"X-CSRF-Token": token}).status_code == 200


def test_pages_carry_security_headers_and_need_a_signed_in_member(web_app):
    client = client_for(web_app)
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/sign-in")
    assert client.get("/api/overview").status_code == 401
    page = client.get("/sign-in")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and " style=" not in page.text  # no inline script or style


def test_web_login_prints_a_link_and_web_refuses_to_start_without_a_secret(web_app, tmp_path):
    from worker.cli.main import cli

    (tmp_path / "config.yaml").write_text(
        "tracking: {address: intros@example.com}\n"
        "members:\n  - {name: Dana Whitfield, emails: [dana@danabooks.example]}\n")
    env = {"INTROLEDGER_DATABASE_URL": web_app.config.database_url, "INTROLEDGER_CONFIG": str(tmp_path / "config.yaml")}
    done = CliRunner().invoke(cli, ["web", "login", "Dana Whitfield", "--json"], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    assert '"link": "http://127.0.0.1:8080/sign-in/' in done.stdout
    unknown = CliRunner().invoke(cli, ["web", "login", "nobody@x.example"], env=env)
    assert unknown.exit_code == 1 and "no member by that name or address" in unknown.stderr
    no_secret = CliRunner().invoke(cli, ["web"], env={**env, "INTROLEDGER_WEB_SECRET": ""})
    assert no_secret.exit_code == 1 and "$INTROLEDGER_WEB_SECRET" in no_secret.stderr


def test_a_link_from_the_command_line_expires_too(web_app, clock):
    from worker.web.signin import login_link

    link = login_link(web_app, "Dana Whitfield")
    assert link.expires_at - clock.current == timedelta(minutes=15)
    assert ENV["INTROLEDGER_WEB_SECRET"]  # the app under test has one


def test_a_member_who_opted_out_of_our_mail_still_gets_the_link_they_just_asked_for(tmp_path, sqlite_url, clock,
                                                                                    smtp_sink):
    """QA trial: Dana had mailed UNSUBSCRIBE (the digest's List-Unsubscribe); the page said a link
    was on its way, the outbox suppressed it "opted out of our mail". A link asked for just now is
    transactional: it goes, on the real SMTP server, and the rate limit still holds."""
    from email import message_from_bytes, policy

    from models import OptOut
    from tests.conftest import build_app
    from tests.outbound.test_delivery import outbound_settings
    from tests.web.conftest import MEMBERS
    from worker.app import bootstrap

    app = build_app(tmp_path, sqlite_url, ENV, now=clock, members=MEMBERS, broker_url="memory://",
                    outbound=outbound_settings(smtp_sink))
    try:
        with app.sessions.begin() as s:
            s.add(OptOut(email=DANA[1], reason="asked by mail: UNSUBSCRIBE"))
        answer = ask_link(client_for(app), DANA[1])
        assert "a sign-in link is on its way" in answer.text
        [mail] = queued_links(app)
        assert bootstrap.build_outbound(app).deliverer.deliver(mail.id) == "sent"
        [got] = smtp_sink.wait_for(1)
        msg = message_from_bytes(got.raw, policy=policy.default)
        assert msg["To"] == DANA[1] and "/sign-in/" in msg.get_body(("plain",)).get_content()
    finally:
        app.engine.dispose()
