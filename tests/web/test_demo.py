"""`introledger demo` ends by saying how to open its dashboard, and those steps work."""
import os
import re

from click.testing import CliRunner

from tests.web.conftest import WEB_SECRET, client_for, csrf_of


def test_the_demo_says_how_to_open_its_dashboard_and_the_link_it_prints_signs_dana_in(tmp_path):
    from worker.app import bootstrap
    from worker.cli.main import cli
    from worker.core.config import load

    env = {k: None for k in os.environ if k.startswith("INTROLEDGER_")}
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        demo = runner.invoke(cli, ["demo", "--dir", "demo"], env=env, catch_exceptions=False)
        assert demo.exit_code == 0, demo.stderr
        said = demo.stdout.split("Open the demo's dashboard", 1)[1]
        assert "introledger --config demo/config.yaml web &" in said and "INTROLEDGER_WEB_SECRET" in said
        login = runner.invoke(cli, ["--config", "demo/config.yaml", "web", "login", "dana@danabooks.example"],
                              env=env, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert login.exit_code == 0, login.stderr
    link = re.search(r"http://127\.0\.0\.1:8080/sign-in/\S+", login.stdout).group(0)
    app = bootstrap.build(load(str(tmp_path / "demo" / "config.yaml"), env={"INTROLEDGER_WEB_SECRET": WEB_SECRET}))
    try:
        client = client_for(app)
        page = client.get(link)
        assert "Sign in as Dana Whitfield" in page.text
        overview = client.post(link, data={"csrf": csrf_of(page.text)})
        assert overview.url.path == "/" and "Closed business, all time" in overview.text
        listed = client.get("/api/referrals").json()
        assert any(r["status"] == "won" for r in listed)
    finally:
        app.engine.dispose()
