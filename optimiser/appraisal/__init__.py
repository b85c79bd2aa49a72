"""Judging configurations: the independent check, metrics, scores, explanations and text."""
