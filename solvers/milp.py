"""A mixed-integer linear programme as plain matrices, compiled once from Pyomo.

The model is stated in Pyomo (readable, one constraint family at a time) and
compiled here into matrices by Pyomo's own ``LinearStandardFormCompiler``.
Re-solves then change costs, bounds and rows in HiGHS directly
(:mod:`solvers.highs`), which is two orders of magnitude cheaper than Pyomo's
persistent ``update()`` on large models. Every active Pyomo ``Objective``
becomes one named cost vector, so the weights of a weighted-sum objective can
change without recompiling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_array

if TYPE_CHECKING:
    from pyomo.core.base.block import BlockData


@dataclass
class StandardForm:
    """``min Σ_k w_k·(costs[k]·x + offsets[k])`` s.t. ``row_lower ≤ A x ≤ row_upper``,
    ``col_lower ≤ x ≤ col_upper``, ``x[j]`` integer where ``integer[j]``.

    ``columns`` and ``rows`` name each column and row as Pyomo did
    (``y[basildon,obstetrics]``, ``volume_min[basildon,obstetrics]``).
    """

    costs: dict[str, np.ndarray]
    offsets: dict[str, float]
    A: csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    columns: list[str]
    rows: list[str]

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    def column_index(self) -> dict[str, int]:
        return {name: j for j, name in enumerate(self.columns)}

    def objective_values(self, x: np.ndarray) -> dict[str, float]:
        """Each named objective at the point ``x``."""
        return {name: float(cost @ x + self.offsets[name]) for name, cost in self.costs.items()}


def compile_pyomo(model: BlockData) -> StandardForm:
    """Compile every active constraint and objective of a Pyomo model into a :class:`StandardForm`.

    Fixed Pyomo variables would be folded into constants, so variables that
    must stay adjustable (givens, evaluated options) are pinned by bounds instead.
    """
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler  # only this step needs Pyomo

    info = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    if any(obj.sense != 1 for obj in info.objectives):  # pyomo.core.minimize == 1
        raise ValueError("state every objective as one to minimise")
    n_rows = len(info.rows)
    senses = np.array([multiplier for _, multiplier in info.rows], dtype=int)
    rhs = np.asarray(info.rhs, dtype=float)
    row_lower = np.where(senses == 1, -np.inf, rhs)
    row_upper = np.where(senses == -1, np.inf, rhs)
    variables = info.columns
    c = info.c.toarray() if info.c.shape[0] else np.zeros((0, len(variables)))
    return StandardForm(
        costs={obj.local_name: c[k] for k, obj in enumerate(info.objectives)},
        offsets={obj.local_name: float(info.c_offset[k]) for k, obj in enumerate(info.objectives)},
        A=csr_array(info.A) if n_rows else csr_array((0, len(variables))),
        row_lower=row_lower,
        row_upper=row_upper,
        col_lower=np.array([-np.inf if v.lb is None else v.lb for v in variables], dtype=float),
        col_upper=np.array([np.inf if v.ub is None else v.ub for v in variables], dtype=float),
        integer=np.array([v.is_integer() for v in variables], dtype=bool),
        columns=[v.name for v in variables],
        rows=[con.name for con, _ in info.rows],
    )
