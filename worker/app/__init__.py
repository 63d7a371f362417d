"""The wiring: config → engine → pipeline and outbox; the long-running service; doctor."""
