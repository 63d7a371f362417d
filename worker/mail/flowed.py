"""Undo format=flowed (RFC 3676): soft line breaks joined, quote depth kept, as the sender's client meant it.

A flowed line ends in a space: the next line of the same quote depth continues it. ">" marks (no space
between them) give the depth; a space after them is "stuffing" and goes. With DelSp=yes the space that
marked the soft break belongs to the break, not to the text. "-- " (the signature separator) never flows.
"""
from __future__ import annotations

import re

_SIGNATURE = "-- "


def unflow(text: str, delsp: bool = False) -> str:
    """The text with its soft breaks joined; a quoted paragraph comes out as one line of ">" marks and text."""
    out: list[str] = []
    paragraph: list[str] = []
    depth_open = -1  # the depth of the paragraph being joined, -1 when none is open
    for line in text.replace("\r\n", "\n").split("\n"):
        depth, content = _split_quote(line)
        if depth_open >= 0 and (depth != depth_open or not content or content == _SIGNATURE):
            # A flowed line must not flow into another depth or the signature; nor into an empty line,
            # which RFC 3676 would join too, losing the paragraph break Thunderbird writes after a URL line.
            out.append(_line(depth_open, paragraph))
            paragraph, depth_open = [], -1
        if content.endswith(" ") and content != _SIGNATURE:
            paragraph.append(content[:-1] if delsp else content)
            depth_open = depth
            continue
        paragraph.append(content)
        out.append(_line(depth, paragraph))
        paragraph, depth_open = [], -1
    if paragraph:
        out.append(_line(depth_open, paragraph))
    return "\n".join(out)


def _split_quote(line: str) -> tuple[int, str]:
    depth = len(line) - len(line.lstrip(">"))
    content = line[depth:]
    if content.startswith(" "):
        content = content[1:]  # space-stuffed (or the space after the quote marks)
    return depth, content


def _line(depth: int, parts: list[str]) -> str:
    text = "".join(parts)
    return (">" * depth + " " + text) if depth else text


# A line break inside a paragraph, with the spaces around it (a flowed line's trailing space too), or a
# run of spaces: one space each.
_SOFT_BREAK = re.compile(r"(?<=\S)[ \t]*\n[ \t]*(?=\S)|[ \t]{2,}")


def rejoin(text: str) -> str:
    """The text with each paragraph on one line: what a client wrapped at ~72 columns without marking it
    flowed ("Could you introduce\\nme to someone") reads as written, for phrase matching. A blank line
    still ends a paragraph, so no phrase runs from a greeting's paragraph into the next."""
    return _SOFT_BREAK.sub(" ", text)
