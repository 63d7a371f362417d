"""An intro's text as the ledger keeps it for people to read: its line breaks kept, cut at a word
with "…" only past a length no intro reaches, so the dashboard's timeline shows what was said."""
import re

LIMIT = 4000  # characters; an intro is a paragraph or three, a long one ~1,500
_BLANK_RUNS = re.compile(r"\n{3,}")


def excerpt(text: str, limit: int = LIMIT) -> str:
    """`text` with each line's spacing tidied and at most one blank line in a row, cut at a word."""
    lines = (" ".join(line.split()) for line in text.strip().splitlines())
    tidy = _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
    if len(tidy) <= limit:
        return tidy
    cut = tidy[:limit]
    word = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:word] if word > limit // 2 else cut).rstrip(" ,;:-\n") + "…"
