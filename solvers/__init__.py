"""The solver layer: a MILP in, a normalised result out. Knows nothing of hospitals."""
