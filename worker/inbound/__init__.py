"""Acting on a verdict: one message, one transaction — referrals, threads, duplicates."""
