"""Mail we send: the outbox, templates, the send-time rules, the broker and SMTP."""
