"""`python -m worker.cli` runs the `introledger` command."""
import sys

from worker.cli.main import main

sys.exit(main())
