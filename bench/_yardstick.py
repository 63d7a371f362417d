"""Cut replies with another reply parser, inside bench/replies.py's own virtualenv (never ours).

    <venv>/bin/python bench/_yardstick.py LIBRARY < {"name": "plain text", ...}

Prints {"name": {"cut": ..., "s": seconds}} as JSON; a message the library fails on is cut to its
error ("error: …"), which is judged wrong.
"""
import json
import sys
import time


def _talon():
    import talon
    from talon import quotations

    talon.init()
    return quotations.extract_from_plain


def _email_reply_parser():
    from email_reply_parser import EmailReplyParser

    return EmailReplyParser.parse_reply


def _mail_parser_reply():
    from mailparser_reply import EmailReplyParser
    from mailparser_reply.constants import MAIL_LANGUAGES

    parser = EmailReplyParser(languages=[lang for lang in MAIL_LANGUAGES if lang != "david"])
    return parser.parse_reply


def _quotequail():
    import quotequail

    def cut(text: str) -> str:
        unwrapped = quotequail.unwrap(text)  # {"text_top": the reply, …}, or None when it finds no quote
        return unwrapped.get("text_top", "") if unwrapped else text

    return cut


LIBRARIES = {"talon": _talon, "email-reply-parser": _email_reply_parser, "mail-parser-reply": _mail_parser_reply,
             "quotequail": _quotequail}


def main() -> None:
    cut = LIBRARIES[sys.argv[1]]()
    texts = json.load(sys.stdin)
    out = {}
    for name, text in texts.items():
        start = time.perf_counter()
        try:
            got = cut(text) or ""
        except Exception as e:  # noqa: BLE001 - a library's failure on one message is that message's result
            got = f"error: {type(e).__name__}: {e}"
        out[name] = {"cut": got, "s": time.perf_counter() - start}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
