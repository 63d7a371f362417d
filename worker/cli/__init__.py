"""The `introledger` command, one module per command group."""
