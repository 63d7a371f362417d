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

    def drain(self, pipeline: Pipeline) -> list[Outcome]:
        self.ensure()
        outcomes = []
        for name in sorted(os.listdir(self.path / "new")):
            if name.startswith("."):
                continue
            path = self.path / "new" / name
            outcomes.append(pipeline.process(path.read_bytes(), Origin(self.source, name)))
            # Moved only after commit; a crash before this re-reads it and dedupe makes that a no-op.
            os.replace(path, self.path / "cur" / f"{name}:2,S")
        return outcomes
