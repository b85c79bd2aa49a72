"""``python -m optimiser`` runs the command line."""

from optimiser.cli.app import run

run()
