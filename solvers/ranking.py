"""The best K distinct solutions of a MILP, by no-good cuts on its binary columns.

After each optimal solve, a cut excludes exactly that assignment of the chosen
binary columns and nothing else:

    Σ_{j: v_j = 1} (1 − x_j) + Σ_{j: v_j = 0} x_j ≥ 1

so the next solve returns the best solution that differs in at least one of
them. Each solve is proved optimal (gap 0), so the k-th solution is the k-th
best assignment: the list is exact and non-increasing in objective. Ties are
left in the order HiGHS finds them; the caller labels them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .highs import HighsSession, SolverResult, Status


def best_k(session: HighsSession, binary_columns: np.ndarray, k: int,
           progress: Callable[[int, SolverResult], None] | None = None) -> list[SolverResult]:
    """Up to ``k`` solutions, best first, distinct on ``binary_columns``.

    Stops early when no further distinct solution exists (infeasible) or a
    solve ends without proof of optimality; that last result is included so
    the caller can report its status and gap. The session's cuts are removed
    before returning.
    """
    binary_columns = np.asarray(binary_columns, dtype=np.int64)
    results: list[SolverResult] = []
    try:
        while len(results) < k:
            result = session.solve()
            if not result.has_solution:
                if result.status is not Status.INFEASIBLE or not results:
                    results.append(result)
                break
            results.append(result)
            if progress:
                progress(len(results), result)
            if result.status is not Status.OPTIMAL:
                break
            chosen = np.round(result.values[binary_columns]) > 0.5
            session.add_row(binary_columns, np.where(chosen, -1.0, 1.0), 1.0 - chosen.sum(), np.inf)
    finally:
        session.remove_added_rows()
    return results
