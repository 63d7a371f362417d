"""The chaos bench's SMTP sink: aiosmtpd in a process of its own, recording every mail it takes.

Its own process so its timing is a real server's, not the bench's (one GIL per process), and so
what it recorded survives whatever the bench does to the senders. Each accepted mail is one JSON
line in ``log_path`` (flushed at once): time, Message-ID, In-Reply-To, recipients, subject, and
with ``keep_raw`` the whole message (base64; bench/season.py answers the mail it receives).

Modes, set from the bench over a pipe (``SinkControl.set(mode, seconds)``):

- ``up``: accept everything.
- ``down``: the listening socket is closed and open sessions are dropped (connection refused).
- ``451`` / ``550``: every end of DATA is answered with that code (nothing recorded).
- ``slow``: the mail is recorded (the server HAS taken it) and the end-of-DATA reply comes
  ``seconds`` later: a client whose timeout is shorter gives up on a mail that was delivered.
"""
import base64
import json
import multiprocessing
import time
from email.parser import BytesHeaderParser

REPLIES = {"451": "451 4.3.0 chaos: try again later", "550": "550 5.7.1 chaos: refused"}


class _Handler:
    def __init__(self, state: dict, log, keep_raw: bool = False) -> None:
        self.state = state
        self.log = log
        self.keep_raw = keep_raw

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        mode = self.state["mode"]
        if mode in REPLIES:
            return REPLIES[mode]
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        head = BytesHeaderParser().parsebytes(raw)
        entry = {
            "t": time.time(), "message_id": (head.get("Message-ID") or "").strip().strip("<>"),
            "in_reply_to": (head.get("In-Reply-To") or "").strip().strip("<>"),
            "rcpt": list(envelope.rcpt_tos), "subject": str(head.get("Subject") or ""),
            "mode": mode,
        }
        if self.keep_raw:
            entry["raw"] = base64.b64encode(raw).decode("ascii")
        self.log.write(json.dumps(entry) + "\n")
        self.log.flush()
        if mode == "slow":
            await asyncio.sleep(self.state["seconds"])
        return "250 OK"


def _serve(port: int, log_path: str, conn, keep_raw: bool = False) -> None:
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    state = {"mode": "up", "seconds": 0.0}
    log = open(log_path, "a", buffering=1)
    handler = _Handler(state, log, keep_raw)

    def start():
        c = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10, enable_SMTPUTF8=True)
        for _ in range(50):  # the port may linger for a moment after a stop
            try:
                c.start()
                return c
            except Exception:  # noqa: BLE001
                time.sleep(0.1)
        raise SystemExit(f"sink could not listen on {port}")

    controller = start()
    conn.send("ready")
    while True:
        msg = conn.recv()
        if msg is None:
            break
        mode, seconds = msg
        if mode == "down":
            if controller is not None:
                controller.stop()
                controller = None
        else:
            if controller is None:
                controller = start()
            state["mode"], state["seconds"] = mode, seconds
        conn.send("ok")
    if controller is not None:
        controller.stop()
    log.close()


class SinkControl:
    """Start the sink process; ``set()`` changes its mode; ``received()`` reads what it took."""

    def __init__(self, port: int, log_path: str, keep_raw: bool = False) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.port, self.log_path, self.mode = port, log_path, "up"
        self._conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(port, log_path, child, keep_raw), daemon=True)
        self.proc.start()
        if not self._conn.poll(30) or self._conn.recv() != "ready":
            raise RuntimeError("the SMTP sink did not start")

    def set(self, mode: str, seconds: float = 0.0) -> None:
        self._conn.send((mode, seconds))
        self._conn.recv()
        self.mode = mode

    def received(self) -> list[dict]:
        with open(self.log_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def close(self) -> None:
        try:
            self._conn.send(None)
        except OSError:
            pass
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
