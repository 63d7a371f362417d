"""`introledger web` started before PostgreSQL answers (its unit at boot): it waits, then serves."""
import subprocess
import sys
import urllib.request

from models.db import make_engine, upgrade
from tests.faults import TcpProxy
from tests.servers import free_port
from tests.sources.test_imap import wait_until


def _answers(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=1).status == 200
    except OSError:
        return False


def test_web_waits_for_the_database_then_serves(tmp_path, postgres_url):
    engine = make_engine(postgres_url)
    upgrade(engine)
    engine.dispose()
    (tmp_path / "config.yaml").write_text("tracking: {address: intros@example.com}\n")
    port = free_port()
    with TcpProxy("127.0.0.1", 5432) as proxy:
        proxy.refuse()
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": sys.path[0], "INTROLEDGER_WEB_SECRET": "w" * 32,
               "INTROLEDGER_DATABASE_URL": postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")}
        err = open(tmp_path / "stderr", "w+")
        web = subprocess.Popen([sys.executable, "-m", "worker.cli.main", "web", "--port", str(port)], cwd=tmp_path,
                               env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            assert wait_until(lambda: "retrying in" in (tmp_path / "stderr").read_text() or web.poll() is not None,
                              timeout=30)
            assert web.poll() is None, (tmp_path / "stderr").read_text()  # still there, waiting
            proxy.heal()
            assert wait_until(lambda: _answers(f"http://127.0.0.1:{port}/sign-in"), timeout=30)
        finally:
            web.terminate()
            web.wait(10)
    text = (tmp_path / "stderr").read_text()
    assert "error: database unavailable" in text and "Traceback" not in text
