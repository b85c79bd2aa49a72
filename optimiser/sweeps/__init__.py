"""Scenarios and sweeps: many solves of one instance under changed assumptions."""
