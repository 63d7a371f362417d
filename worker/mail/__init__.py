"""Reading one message: raw bytes → its facts, text without quotes, forwarded blocks, tokens."""
