"""``python -m optimiser`` runs the command line."""

import sys

from optimiser.cli.app import main

sys.exit(main())
