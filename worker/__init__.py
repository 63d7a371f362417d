"""introledger worker: mail in, referrals and mail out."""
