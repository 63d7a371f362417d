"""deploy/: the systemd units, the container image and the compose file start what they say.

No Docker daemon runs where these tests run, so the compose file and the Containerfile are
read, not run: every service's command is a real `introledger` command line (click parses it
with --help appended), every file they copy or mount exists, the config they ship validates.
The units go through `systemd-analyze verify` where systemd is installed.
"""
import json
import shlex
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from worker.cli.main import cli
from worker.core.config import load

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("introledger*"))
BINARY = "/opt/introledger/bin/introledger"


def accepted(args: list[str]) -> None:
    """The command line parses: every command and option exists (click stops at --help)."""
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, (args, result.output)


def unit(path: Path) -> dict[str, list[str]]:
    """key → values of a unit file (all sections; a key may repeat)."""
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_each_unit_runs_a_real_command_as_its_own_user():
    services = [u for u in UNITS if u.suffix == ".service"]
    assert {u.name for u in services} == {"introledger-migrate.service", "introledger-worker.service",
                                         "introledger-sender@.service", "introledger-lmtp.service",
                                         "introledger-web.service"}
    for path in services:
        keys = unit(path)
        (start,) = keys["ExecStart"]
        binary, *args = shlex.split(start.replace("%i", "1"))
        assert binary == BINARY, path.name
        accepted(args)
        assert keys["User"] == ["introledger"] and keys["EnvironmentFile"] == ["-/etc/introledger/env"], path.name
        assert keys["Environment"] == ["INTROLEDGER_CONFIG=/etc/introledger/config.yaml"], path.name
        if path.name != "introledger-migrate.service":
            assert "introledger-migrate.service" in keys["After"][0] and keys["RestartPreventExitStatus"] == ["2"]
            # Not started at all on a schema the migrations did not bring up (Wants= started them
            # anyway, and the dashboard restarted every 5 s on "no schema" until someone looked).
            assert keys["Requires"] == ["introledger-migrate.service"], path.name
    assert unit(DEPLOY / "systemd" / "introledger-worker.service")["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    # At boot PostgreSQL may not answer yet: the migrations wait for it instead of failing the
    # whole stack (the others are queued behind them).
    migrate = unit(DEPLOY / "systemd" / "introledger-migrate.service")
    assert migrate["ExecStart"] == [f"{BINARY} db upgrade --wait"] and migrate["TimeoutStartSec"] == ["infinity"]


def test_every_sender_instance_gets_a_metrics_port_of_its_own():
    """sender@1 … sender@40 each listen on their own valid port (920%i made sender@10 ask for 92010)."""
    from worker.cli.running import offset_port, send

    (start,) = unit(DEPLOY / "systemd" / "introledger-sender@.service")["ExecStart"]
    ports = []
    for n in range(1, 41):
        _binary, _command, *args = shlex.split(start.replace("%i", str(n)))
        params = send.make_context("send", args).params
        ports.append(offset_port(params["metrics_at"], params["port_offset"])[1])
    assert ports[:2] == [9201, 9202] and len(set(ports)) == 40 and max(ports) < 65536
    assert not {9100, 9102, 8080} & set(ports)  # the worker's, lmtp's and the dashboard's


def test_units_name_no_documentation_a_pip_install_does_not_create():
    for path in UNITS:
        for doc in unit(path).get("Documentation", []):
            for uri in doc.split():
                assert not uri.startswith("file:") or Path(uri.removeprefix("file://")).exists(), (path.name, uri)


@pytest.mark.servers
def test_db_upgrade_wait_migrates_once_the_database_answers(tmp_path, postgres_url):
    """What the migrations unit runs at boot, with PostgreSQL not answering yet: without --wait
    it fails at once; with it, it says what it waits for, then migrates when the database is up."""
    from tests.cli.test_cli import cli
    from tests.faults import TcpProxy
    from tests.migrated import head

    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    with TcpProxy("127.0.0.1", 5432) as proxy:
        env = {"INTROLEDGER_DATABASE_URL": postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")}
        proxy.refuse()
        failed = cli("db", "upgrade", cwd=tmp_path, env=env, ok=False)
        assert failed.returncode == 1 and "database unavailable" in failed.stderr
        healing = threading.Timer(2.0, proxy.heal)
        healing.start()
        try:
            waited = cli("db", "upgrade", "--wait", "--json", cwd=tmp_path, env=env, ok=False)
        finally:
            healing.join()
    assert waited.returncode == 0, waited.stderr
    assert "database unavailable" in waited.stderr and "retrying in" in waited.stderr
    assert json.loads(waited.stdout)["revision"] == head()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_finds_nothing(tmp_path):
    """systemd's own check of the units (the binary path points at a stand-in script here)."""
    stand_in = tmp_path / "introledger"
    stand_in.write_text("#!/bin/sh\nexit 0\n")
    stand_in.chmod(0o755)
    for path in UNITS:
        (tmp_path / path.name).write_text(path.read_text().replace(BINARY, str(stand_in)))
    names = [p.name.replace("@.service", "@1.service") for p in UNITS]
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path,
                            capture_output=True, text=True)
    # Its findings name the unit (an unknown key, a bad value, a missing command); its exit code
    # stays 0 for most of them.
    problems = [line for line in (result.stdout + result.stderr).splitlines() if any(n in line for n in names)]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_compose_starts_postgres_redis_and_each_introledger_service():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "worker", "sender", "lmtp", "web"}
    assert services["postgres"]["image"].startswith("postgres:") and services["redis"]["image"].startswith("redis:")
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    ours = {n: s for n, s in services.items() if s.get("image") == "introledger:latest"}
    assert set(ours) == {"migrate", "worker", "sender", "lmtp", "web"}
    for name, service in ours.items():
        accepted(service["command"])
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Containerfile"}
        env = service["environment"]
        assert "@postgres:5432/" in env["INTROLEDGER_DATABASE_URL"], name
        for needed in service["depends_on"]:
            assert needed in services, (name, needed)
        mounted = [v.split(":")[0] for v in service["volumes"] if v.startswith("./")]
        assert all((DEPLOY / m).exists() for m in mounted), mounted
    # --wait: podman-compose starts the services in order but does not wait for the conditions.
    assert ours["migrate"]["command"] == ["db", "upgrade", "--wait"] and ours["migrate"]["restart"] == "no"
    # podman-compose 1.0.3 passes `${NAME:-}` on verbatim (the dashboard got "${INTROLEDGER_WEB_SECRET:-}"
    # as its secret) and garbles a CMD healthcheck's quotes (the dashboard stayed "unhealthy").
    assert not [v for s in ours.values() for v in s["environment"].values() if ":-}" in v]
    assert services["web"]["healthcheck"]["test"][0] == "CMD-SHELL"
    for name in ("worker", "sender", "lmtp", "web"):
        assert ours[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    config = load(str(DEPLOY / "config.compose.yaml"), env={})
    assert config.settings.broker_url == "redis://redis:6379/0" and config.settings.source.kind == "lmtp"
    variables = {line.split("=")[0] for line in (DEPLOY / "env.example").read_text().splitlines()
                 if "=" in line and not line.startswith("#")}
    referenced = {v for s in ours.values() for v in s["environment"].values() if "${" in v}
    assert all(any(f"${{{name}" in r for r in referenced) for name in variables - {"POSTGRES_PASSWORD"})


def test_the_image_installs_the_package_and_runs_introledger():
    lines = [line for line in (DEPLOY / "Containerfile").read_text().splitlines() if line and not line.startswith("#")]
    copied = [line.split()[1] for line in lines if line.startswith("COPY ") and "--from" not in line]
    assert all((ROOT / source).exists() for source in copied), copied
    assert any("pip wheel" in line and "[postgres]" in line for line in lines)
    assert 'ENTRYPOINT ["introledger"]' in lines and any(line.startswith("USER introledger") for line in lines)
    cmd = next(line for line in lines if line.startswith("CMD "))
    accepted(yaml.safe_load(cmd.removeprefix("CMD ")))
    assert any(line.startswith("HEALTHCHECK") for line in lines)
    # What the wheel needs to build is not ignored away.
    ignored = (DEPLOY / "Containerfile.dockerignore").read_text().split()
    assert not {"worker", "models", "templates", "pyproject.toml", "README.md"} & set(ignored)
