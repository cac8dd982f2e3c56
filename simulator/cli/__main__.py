"""`python -m simulator.cli` is `exchange-twin`."""

import sys

from simulator.cli import main

sys.exit(main())
