"""A TCP proxy in a process of its own, put between the workers and a server (PostgreSQL).

Modes, set from the bench over a pipe (``ProxyControl.set(mode)``):

- ``pass``: forward bytes both ways.
- ``cut``: drop every open connection now (the server "restarted"), keep accepting new ones.
- ``refuse``: drop every open connection and stop listening: new connections are refused, as
  when the server is down. ``pass`` listens again on the same port.
"""
import multiprocessing
import time


async def _pipe(reader, writer) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except Exception:  # noqa: BLE001 - either side went away
        pass
    finally:
        writer.close()


def _serve(listen_port: int, target: tuple[str, int], conn) -> None:
    import asyncio

    async def main():
        open_writers: set = set()

        async def handle(client_reader, client_writer):
            try:
                server_reader, server_writer = await asyncio.open_connection(*target)
            except OSError:
                client_writer.close()
                return
            pair = (client_writer, server_writer)
            open_writers.update(pair)
            try:
                await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))
            finally:
                open_writers.difference_update(pair)

        async def listen():
            for _ in range(50):
                try:
                    return await asyncio.start_server(handle, "127.0.0.1", listen_port, reuse_address=True)
                except OSError:
                    await asyncio.sleep(0.1)
            raise SystemExit(f"proxy could not listen on {listen_port}")

        def cut():
            for w in list(open_writers):
                transport = w.transport
                if transport is not None:
                    transport.abort()
            open_writers.clear()

        server = await listen()
        conn.send("ready")
        loop = asyncio.get_running_loop()
        while True:
            msg = await loop.run_in_executor(None, conn.recv)
            if msg is None:
                break
            if msg in ("cut", "refuse"):
                if msg == "refuse" and server is not None:
                    server.close()  # stops listening at once; the open ones are cut below
                    server = None
                cut()
            elif msg == "pass" and server is None:
                server = await listen()
            conn.send("ok")
        cut()
        if server is not None:
            server.close()

    asyncio.run(main())


class ProxyControl:
    def __init__(self, listen_port: int, target: tuple[str, int]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.port, self.mode = listen_port, "pass"
        self._conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(listen_port, target, child), daemon=True)
        self.proc.start()
        if not self._conn.poll(30) or self._conn.recv() != "ready":
            raise RuntimeError("the TCP proxy did not start")

    def set(self, mode: str) -> None:
        self._conn.send(mode)
        self._conn.recv()
        self.mode = "pass" if mode == "cut" else mode

    def close(self) -> None:
        try:
            self._conn.send(None)
        except OSError:
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()


if __name__ == "__main__":  # a quick look by hand: python bench/_proxy.py LISTEN HOST:PORT
    import sys

    host, port = sys.argv[2].rsplit(":", 1)
    p = ProxyControl(int(sys.argv[1]), (host, int(port)))
    print(f"proxy 127.0.0.1:{p.port} -> {host}:{port}; Ctrl-C stops")
    try:
        while True:
            time.sleep(1)
    finally:
        p.close()
