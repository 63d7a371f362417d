"""A local Maildir as a live source: new/ is the queue, cur/ holds what has been processed."""
import os
from pathlib import Path

from worker.pipeline import Origin, Outcome, Pipeline


class MaildirSource:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.source = f"maildir:{self.path}"

    def ensure(self) -> None:
        for sub in ("new", "cur", "tmp"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def drain(self, pipeline: Pipeline, batch_size: int = 200) -> list[Outcome]:
        self.ensure()
        names = sorted(n for n in os.listdir(self.path / "new") if not n.startswith("."))
        outcomes = []
        for start in range(0, len(names), batch_size):
            batch = names[start:start + batch_size]
            items = [((self.path / "new" / n).read_bytes(), Origin(self.source, n)) for n in batch]
            outcomes.extend(pipeline.process_batch(items))
            # Moved only after the commit; a crash before this re-reads them, and dedupe makes
            # the re-read a no-op.
            for name in batch:
                os.replace(self.path / "new" / name, self.path / "cur" / f"{name}:2,S")
        return outcomes
