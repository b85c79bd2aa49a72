"""The command line: the one place that calls the optimiser, the solvers and the reports."""
