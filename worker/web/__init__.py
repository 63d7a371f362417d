"""The dashboard: the ledger in a browser, signed in by email (`introledger web`)."""
