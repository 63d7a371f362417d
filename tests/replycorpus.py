"""The reply corpus and how a cut of it is judged (tests/mail/test_reply_corpus.py, bench/replies.py).

Replies come from two manifests: tests/data/replies (the reply corpus: real mail, replies written by
real clients here, replies written after a client's format) and the entries of tests/data/corpus
that say what their new text is. A cut is right when it is the answer, whitespace runs compared as
one space; keeping the whole signature under the answer, or its first lines, is forgiven, as a
person reading the answer would not mind it.
"""
from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
FOLDERS = (DATA / "replies", DATA / "corpus")


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    want: str
    signature: str
    client: str
    language: str
    source: str
    known_miss: str

    def raw(self) -> bytes:
        return self.path.read_bytes()


def cases() -> list[Case]:
    out = []
    for folder in FOLDERS:
        manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8")) or {}
        for name, entry in sorted(manifest.items()):
            if "new_text" not in entry:
                continue
            out.append(Case(name, folder / name, str(entry["new_text"]), str(entry.get("signature", "")),
                            str(entry.get("client", "")), str(entry.get("language", "")), str(entry.get("source", "")),
                            str(entry.get("known_miss", ""))))
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def judge(got: str, case: Case) -> str:
    """"exact", "signature" (the answer and the signature's first lines), or "wrong"."""
    got_flat, want_flat = _flat(got), _flat(case.want)
    if got_flat == want_flat:
        return "exact"
    if case.signature and got_flat.startswith(want_flat):
        tail = got_flat[len(want_flat):].strip()
        lines = case.signature.splitlines()
        if any(tail == _flat("\n".join(lines[:n])) for n in range(1, len(lines) + 1)):
            return "signature"
    return "wrong"


def answer_kept(got: str, case: Case) -> bool:
    """Whether every word of the answer is in the cut (the answer was never stripped)."""
    return _flat(case.want) in _flat(got)


def html_part(raw: bytes) -> str | None:
    """The HTML alternative of a multipart/alternative message, to read it without its plain part."""
    msg = message_from_bytes(raw, policy=policy.default)
    if msg.get_content_type() != "multipart/alternative":
        return None
    part = msg.get_body(("html",))
    return part.get_content() if part is not None else None
