"""A local Maildir as a live source: new/ is the queue, cur/ holds what has been processed."""
import os
from pathlib import Path

from worker.inbound.pipeline import Origin, Outcome, Pipeline
from worker.sources.sizing import DEFAULT_MAX_MESSAGE_BYTES, plan_chunks, read_headers


class MaildirSource:
    def __init__(self, path: Path, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES):
        self.path = Path(path)
        self.source = f"maildir:{self.path}"
        self.max_message_bytes = max_message_bytes

    def ensure(self) -> None:
        for sub in ("new", "cur", "tmp"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def drain(self, pipeline: Pipeline, batch_size: int = 200) -> list[Outcome]:
        self.ensure()
        names = sorted(n for n in os.listdir(self.path / "new") if not n.startswith("."))
        outcomes = []
        for start in range(0, len(names), batch_size):
            sizes = {n: (self.path / "new" / n).stat().st_size for n in names[start:start + batch_size]}
            for batch in plan_chunks(list(sizes), sizes, self.max_message_bytes):
                outcomes.extend(pipeline.process_batch([self._read(n, sizes[n]) for n in batch]))
                # Moved only after the commit; a crash before this re-reads them, and dedupe makes
                # the re-read a no-op.
                for name in batch:
                    os.replace(self.path / "new" / name, self.path / "cur" / f"{name}:2,S")
        return outcomes

    def recent_headers(self, count: int) -> list[bytes]:
        """The header blocks of the `count` newest messages, processed (cur/) or not (new/)."""
        files = [f for sub in ("new", "cur") if (self.path / sub).is_dir()
                 for f in (self.path / sub).iterdir() if not f.name.startswith(".")]
        files.sort(key=lambda f: f.stat().st_mtime, reverse=True)
        found = []
        for path in files[:count]:
            with open(path, "rb") as stream:
                found.append(read_headers(stream, self.max_message_bytes))
        return found

    def _read(self, name: str, size: int) -> tuple[bytes, Origin]:
        if size <= self.max_message_bytes:
            return (self.path / "new" / name).read_bytes(), Origin(self.source, name)
        with open(self.path / "new" / name, "rb") as stream:  # above the cap: its headers only
            return read_headers(stream, self.max_message_bytes), Origin(self.source, name, oversize=size)
