"""The give-and-take ledger: partners, totals, digests, reminders, slips, review."""
