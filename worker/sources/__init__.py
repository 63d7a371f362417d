"""Where mail comes from: IMAP (IDLE), a Maildir, or files for a backfill."""
