"""Processes the chaos bench starts, kills with SIGKILL and starts again.

- ``Worker``: one ``introledger run`` or ``introledger send`` (``python -m worker.cli.main``, the same
  entry point as the ``introledger`` script, with this checkout on PYTHONPATH), output appended
  to a log file across restarts so tracebacks can be counted afterwards.
- ``Redis``: a private ``redis-server`` on a free port, nothing kept on disk (a kill loses every
  queued job: the point).
- ``restart_dovecot``: stop a tests.servers.Dovecot and start it again on the same ports and
  mail directory (its own ``stop()`` would delete the mail).
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, name: str, command: list[str], config: Path, log: Path, env: dict) -> None:
        self.name, self.command, self.config, self.log_path = name, command, config, log
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.proc: subprocess.Popen | None = None
        self.kills = self.starts = 0
        self.exits: list[int] = []  # exit codes of runs that ended on their own (not our SIGKILL)

    def start(self) -> None:
        self.reap()
        log = open(self.log_path, "ab")
        log.write(f"\n=== chaos: start #{self.starts + 1} at {time.time():.3f}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "worker.cli.main", "--config", str(self.config), *self.command],
            cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        self.starts += 1

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def reap(self) -> None:
        """Note an exit we did not cause (a crash), once."""
        if self.proc is not None and self.proc.poll() is not None:
            if self.proc.returncode != -signal.SIGKILL:
                self.exits.append(self.proc.returncode)
            self.proc = None

    def kill9(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.kills += 1
        self.proc = None

    def stop(self, timeout: float = 15) -> None:
        """A polite stop (SIGTERM) at the end; SIGKILL if it does not go."""
        self.reap()
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def tracebacks(self) -> int:
        try:
            return self.log_path.read_bytes().count(b"Traceback (most recent call last)")
        except OSError:
            return 0


class Redis:
    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log_path = port, log
        self.proc: subprocess.Popen | None = None
        self.kills = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        import socket

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not listen on {self.port}")

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.kills += 1
        self.proc = None

    def cut(self) -> None:
        """Drop every client connection (a network blip, or a failover): the data stays."""
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            client.client_kill_filter(_type="normal", skipme=True)
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


def restart_dovecot(server, down_seconds: float = 0.0) -> None:
    """Stop Dovecot (SIGTERM, as an upgrade would) and start it again with the same config."""
    proc = server.proc
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    time.sleep(down_seconds)
    import shutil

    server.proc = subprocess.Popen(
        [shutil.which(server.binary), "-F", "-c", server.conf],
        stdin=subprocess.DEVNULL, stdout=server._stderr, stderr=subprocess.STDOUT,
    )
    server._wait_listening(15)
