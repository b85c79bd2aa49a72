"""HiGHS sessions: one solver instance kept alive across re-solves.

A :class:`HighsSession` holds a compiled :class:`~solvers.milp.StandardForm`
in ``highspy`` and changes it in place (objective weights, column bounds, added
rows) between solves, so that ranking the best K configurations, evaluating
named options and sweeping weights never rebuild the model. Results come back
as a :class:`SolverResult`; no HiGHS object leaves this module.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import highspy
import numpy as np
from scipy.sparse import csr_array

from .milp import StandardForm

#: Relative difference allowed between HiGHS's objective and the one its solution has (its tolerances).
OBJECTIVE_TOLERANCE = 1e-6
#: HiGHS's searches for solutions that ``SolverOptions(heuristics=False)`` turns off: feasibility jump,
#: the root's reduced-cost fixing, RENS and RINS (its roundings stay).
HEURISTICS = ("mip_heuristic_run_feasibility_jump", "mip_heuristic_run_root_reduced_cost",
              "mip_heuristic_run_rens", "mip_heuristic_run_rins")
#: HiGHS presolve rules off in every MIP solve (its ``presolve_rule_off`` bits). Rule 13, parallel rows
#: and columns, takes two columns' costs as equal within an absolute 1e-7 and, on such a tie, fixes an
#: integer column at a bound; our objective's costs go down to 5e-9, and it answered pinned models with
#: "optimal" costs above their true optimum (regional: 1.302084 for 1.254291). LPs keep it: there it
#: fixes no integer column, every regional LP had the same optimum with it and without (to 1e-15), and
#: it makes the national reduced-cost LP's presolve fast (59 s with it, 157 s without).
MIP_PRESOLVE_RULES_OFF = 1 << 13
#: HiGHS's ``mip_abs_gap``, left at its default: a MIP solve asked for gap 0 ends "optimal" once its
#: objective is within this of its bound (on our scaled objectives, about 1, a relative 1e-6).
MIP_ABS_GAP = 1e-6
#: The time limit is a promise: work owed after it (an answer's allocation) ends by this share of the limit
#: and these seconds past it, whatever it costs the answer.
GRACE_SHARE, GRACE_S = 0.1, 1.0
#: Seconds of the grace kept for what follows the last solve: HiGHS took up to 0.2 s past its interrupt to
#: stop a linear programme, and reading and ranking the answers 0.1 s (a generated 30-site, 1,500-zone
#: instance at 2 s).
FINISH_S = 0.3
#: Least seconds between two looks of the heartbeat at a silent solve (a watch interval of 0 asks for every report).
HEARTBEAT_S = 0.05


class Status(StrEnum):
    """What a solve ended with."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # stopped by a limit with a solution that may not be optimal
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no solution"  # stopped by a limit before any solution was found
    ERROR = "error"


@dataclass(frozen=True)
class SolverOptions:
    """Solver settings. ``mip_gap`` 0 proves optimality, which rankings need (HiGHS's
    ``mip_abs_gap`` of 1e-6 still applies: on the scaled objective, about 1, a relative 1e-6);
    ``threads`` and ``random_seed`` are fixed so results repeat run to run.
    ``time_limit_s`` bounds each solve, or a whole job of solves when the caller
    starts a budget (:meth:`HighsSession.start_budget`). ``watch_interval_s`` is the least time
    between two reports of a running solve to its watcher (:attr:`HighsSession.watch`), and the
    most while HiGHS says nothing (a root LP of minutes): the watcher then hears the last news again,
    with the time. ``heuristics`` False turns off HiGHS's searches for solutions that cost the most
    where the LP relaxation is nearly integral and a start is given (:data:`HEURISTICS`)."""

    time_limit_s: float | None = None
    mip_gap: float = 0.0
    threads: int = 1
    random_seed: int = 0
    log: bool = False
    watch_interval_s: float = 1.0
    heuristics: bool = True

    def __post_init__(self) -> None:
        if self.time_limit_s is not None and not self.time_limit_s >= 0:
            raise ValueError(f"the time limit must be a number of seconds, 0 or more, not {self.time_limit_s!r}")
        if not 0 <= self.mip_gap < 1:
            raise ValueError(f"the gap must be a fraction from 0 (proved optimal) up to, not including, 1, "
                             f"not {self.mip_gap!r}")
        if self.threads < 1:
            raise ValueError(f"threads must be 1 or more, not {self.threads!r}")


class SolverDefect(RuntimeError):
    """HiGHS returned a solution that does not have the objective it reported: a bug of the solver
    (highspy 1.16.0 does this after a MIP start), never to be passed on as an answer."""


@dataclass(frozen=True)
class Progress:
    """Where a running search stands: seconds since the job began (or this solve, outside a job),
    the best objective found and the best bound proved (None: none yet), their relative gap (None:
    no solution yet) and the branch-and-bound nodes explored. ``provisional``: the objective is a
    relaxation's (a model of each zone's nearest sites), so the configuration's true cost, known once
    it is served, may be higher."""

    seconds: float
    objective: float | None
    bound: float | None
    gap: float | None
    nodes: int
    provisional: bool = False

    def __str__(self) -> str:
        """In a few words, for ``watch=print``: the best objective found, the bound, the gap, the time."""
        best = "no configuration yet" if self.objective is None else f"best {self.objective:.4f}"
        if self.provisional and self.objective is not None:
            best += " over the nearest sites kept"
        bound = "" if self.bound is None else f", bound {self.bound:.4f}"
        return f"{best}{bound}{self._gap_text()} after {self.seconds:.0f} s"

    def _gap_text(self) -> str:
        if self.gap is None:
            return ""
        return " (gap no bound yet)" if math.isinf(self.gap) else f" (gap {self.gap:.2%})" if self.gap else " (gap 0)"


@dataclass(frozen=True)
class SolverResult:
    """The outcome of one solve: status, objective, best bound, relative gap, time, and the solution."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    solver: str
    values: np.ndarray | None = None
    #: The solution is the best for its integer values: every integer column was fixed, or the caller proved
    #: it so (a configuration's pinned solve, with some integer column of no consequence left free).
    fixed: bool = False

    @property
    def has_solution(self) -> bool:
        return self.values is not None


def relative_gap(objective: float, bound: float) -> float:
    """How far a solution's ``objective`` may be from the optimum, given a ``bound`` on it."""
    return (objective - bound) / max(abs(objective), 1e-9)


def proved(objective: float | None, bound: float | None) -> bool:
    """The ``bound`` proves ``objective`` optimal, to the tolerance a solve asked for gap 0 ends at: within
    :data:`MIP_ABS_GAP`, or that share of the objective (a relative gap shown as 0.0000%). HiGHS also
    answers "optimal" once a search is within its ``mip_rel_gap``: that is not a proof."""
    if objective is None or bound is None:
        return False
    return objective - bound <= MIP_ABS_GAP * max(1.0, abs(objective))


@functools.cache
def solver_version() -> str:
    """Named in every result; asked of a new HiGHS once per process (a new one costs a millisecond)."""
    h = highspy.Highs()
    return f"HiGHS {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


class HighsSession:
    """A compiled MILP loaded into HiGHS once, then re-solved with small changes."""

    def __init__(self, form: StandardForm, options: SolverOptions | None = None):
        self.form = form
        self.options = options or SolverOptions()
        self._highs = highspy.Highs()
        self._apply_options()
        self._load()
        self._base_rows = form.A.shape[0]
        self._weights: dict[str, float] = {}
        self._cost, self._offset = np.zeros(len(form.columns)), 0.0  # of the weights last set
        self.deadline: float | None = None  # perf_counter time by which every solve must end
        #: Called with a :class:`Progress` while a solve runs, about once per ``watch_interval_s``: with
        #: HiGHS's news where it has some (it reports between its own steps: after the root LP, at new
        #: solutions, between nodes), else with the last news again, from a heartbeat thread.
        self.watch: Callable[[Progress], None] | None = None
        self.began: float | None = None  # perf_counter time the job began (start_budget): progress counts from it
        self.owed_until: float | None = None  # perf_counter time by which even owed work must end (owe)
        self._started = self._reported = 0.0
        self._news = Progress(0.0, None, None, None, 0)  # what HiGHS said last in this solve
        self._telling = threading.Lock()
        self._watch_error: BaseException | None = None  # raised by the watcher in the heartbeat thread
        #: Where ``collect`` is set, every solution HiGHS finds during the last MIP search, in order: a caller
        #: whose model only relaxes its own (the radius master) checks them all, not just the last.
        self.collect = False
        self.found: list[np.ndarray] = []

    def start_budget(self) -> None:
        """From now on the time limit bounds every solve together, not each one
        (a ranking or a restricted model's rounds are one job to the analyst)."""
        self.began = time.perf_counter()
        limit = self.options.time_limit_s
        self.deadline = None if limit is None else self.began + limit
        self.owed_until = None if limit is None else self.began + limit * (1 + GRACE_SHARE) + GRACE_S - FINISH_S

    def owe(self) -> None:
        """From now on solves may run past the deadline, to the end of the grace (:data:`GRACE_SHARE`): the
        work an answer is owed (its allocation), once the search has stopped."""
        self.deadline = math.inf if self.owed_until is None else self.owed_until

    def share_budget(self, other: HighsSession) -> None:
        """Take ``other``'s job: its start, deadline and grace (a session of a changed model, a master)."""
        self.began, self.deadline, self.owed_until = other.began, other.deadline, other.owed_until

    # --- model changes ------------------------------------------------------------------------

    @property
    def weights(self) -> dict[str, float]:
        """The objective weights last set (to carry into a session for a changed model)."""
        return dict(self._weights)

    def set_weights(self, weights: Mapping[str, float]) -> None:
        """Minimise ``Σ weights[k] · objective k``; objectives not named get weight 0."""
        unknown = set(weights) - set(self.form.costs)
        if unknown:
            raise KeyError(f"no objective named {sorted(unknown)}; objectives: {sorted(self.form.costs)}")
        cost = np.zeros(len(self.form.columns))
        offset = 0.0
        for name, weight in weights.items():
            cost += weight * self.form.costs[name]
            offset += weight * self.form.offsets[name]
        n = len(cost)
        self._highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        self._highs.changeObjectiveOffset(offset)
        self._weights = dict(weights)
        self._cost, self._offset = cost, offset

    def set_bounds(self, columns: Sequence[int], lower: Sequence[float], upper: Sequence[float]) -> None:
        """Change the bounds of some columns (pin a variable by giving equal bounds)."""
        index = np.asarray(columns, dtype=np.int32)
        lower, upper = np.asarray(lower, float), np.asarray(upper, float)
        self._highs.changeColsBounds(len(index), index, lower, upper)
        self._lower[index], self._upper[index] = lower, upper

    def reset_bounds(self, columns: Sequence[int]) -> None:
        """Give columns back the bounds the compiled model had."""
        index = np.asarray(columns, dtype=np.int32)
        self.set_bounds(index, self.form.col_lower[index], self.form.col_upper[index])

    @property
    def time_left_s(self) -> float | None:
        """Seconds left before the deadline; None without one."""
        return None if self.deadline is None else max(self.deadline - time.perf_counter(), 0.0)

    def set_start(self, columns: Sequence[int], values: Sequence[float]) -> None:
        """Offer HiGHS a starting point for the next solve: values of some columns (the
        configuration); HiGHS completes it, or ignores it where it is infeasible."""
        index = np.asarray(columns, dtype=np.int32)
        self._highs.setSolution(len(index), index, np.asarray(values, float))

    def add_row(self, columns: Sequence[int], coefficients: Sequence[float], lower: float, upper: float) -> int:
        """Add ``lower ≤ Σ coefficients·x[columns] ≤ upper``; returns its row index."""
        index = np.asarray(columns, dtype=np.int32)
        self._highs.addRow(lower, upper, len(index), index, np.asarray(coefficients, float))
        return self._highs.getNumRow() - 1

    def add_rows(self, rows: csr_array, lower: np.ndarray, upper: np.ndarray) -> None:
        """Add ``lower ≤ rows·x ≤ upper``, many rows at once."""
        self._highs.addRows(rows.shape[0], np.asarray(lower, float), np.asarray(upper, float), rows.nnz,
                            rows.indptr.astype(np.int32), rows.indices.astype(np.int32), rows.data.astype(float))

    def delete_rows(self, rows: Sequence[int]) -> None:
        """Delete rows by their index (the rows after each one move up)."""
        index = np.asarray(rows, dtype=np.int32)
        if len(index):
            self._highs.deleteRows(len(index), index)

    def remove_added_rows(self) -> None:
        """Delete every row added since the model was loaded (cuts of an earlier ranking)."""
        extra = self._highs.getNumRow() - self._base_rows
        if extra:
            self._highs.deleteRows(extra, np.arange(self._base_rows, self._base_rows + extra, dtype=np.int32))

    # --- solving ------------------------------------------------------------------------------

    def solve(self, *, relaxation: bool = False, fresh: bool = False) -> SolverResult:
        """Solve from the current state and normalise the outcome; ``relaxation``: the LP relaxation
        (every integer column continuous), whose bound is its objective; ``fresh``: forget the last
        basis first, so that HiGHS presolves, which it skips from a basis: after many bounds have
        changed, faster than the warm start (regional, an LP after another with other units free:
        10 s warm, 2.4 s fresh)."""
        if self.deadline is not None and self.time_left_s == 0:  # HiGHS takes 0.1-0.3 s to say so (30 × 1,500)
            return SolverResult(Status.NO_SOLUTION, None, None, None, 0.0, solver_version())
        if fresh:
            self._highs.clearSolver()
        if self.deadline is not None:
            self._set("time_limit", self.time_left_s)
        self._set("solve_relaxation", relaxation)
        self._set("presolve_rule_off", 0 if relaxation else MIP_PRESOLVE_RULES_OFF)
        self._started, self._reported = time.perf_counter(), -math.inf
        self._news, self._watch_error = Progress(0.0, None, None, None, 0), None
        self.found = []
        collect = self.collect and not relaxation
        if collect:
            self._highs.cbMipSolution.subscribe(self._keep)
        try:
            if self.watch:
                self._run_watched()
            else:
                self._run()
        finally:
            if collect:
                self._highs.cbMipSolution.unsubscribe(self._keep)
        if self._watch_error is not None:
            raise self._watch_error
        return self._result(time.perf_counter() - self._started, relaxation)

    def _run(self) -> None:
        """HiGHS's run, interrupted at the deadline: HiGHS checks its own time limit between the steps of a
        search, and a MIP given 3.75 s ran 6.8 s (a generated 30-site, 1,500-zone model, top 3)."""
        if self.deadline is None or not math.isfinite(self.deadline):
            self._highs.run()
            return
        deadline = self.deadline

        def stop_at_deadline(event) -> None:
            if time.perf_counter() >= deadline:
                event.interrupt()

        events = (self._highs.cbSimplexInterrupt, self._highs.cbIpmInterrupt, self._highs.cbMipInterrupt)
        for event in events:
            event.subscribe(stop_at_deadline)
        try:
            self._highs.run()
        finally:
            for event in events:
                event.unsubscribe(stop_at_deadline)

    def _run_watched(self) -> None:
        """HiGHS's run, its news passed to the watcher, with a heartbeat while it says nothing."""
        events = (self._highs.cbMipInterrupt, self._highs.cbMipImprovingSolution)
        silence = threading.Event()
        heartbeat = threading.Thread(target=self._heartbeat, args=(silence,), daemon=True)
        for event in events:
            event.subscribe(self._on_event)
        heartbeat.start()
        try:
            self._run()
        finally:
            silence.set()
            heartbeat.join()
            for event in events:
                event.unsubscribe(self._on_event)

    def reduced_costs(self) -> np.ndarray:
        """Each column's reduced cost in the last LP solved (a pinned column's: how the objective
        would change, to first order, were its bound moved up by one)."""
        return np.array(self._highs.getSolution().col_dual)

    def relax_to_feasibility(self, *, row_penalty: np.ndarray, lower_penalty: np.ndarray,
                             upper_penalty: np.ndarray) -> SolverResult:
        """Least-penalty violation of rows and column bounds that makes the model feasible.

        Penalties are per unit of violation; a negative penalty forbids relaxing
        that row or bound. HiGHS keeps integrality, so a model infeasible only
        through integrality is relaxed correctly too. The model itself is left
        as it was.
        """
        start = time.perf_counter()
        self._set("presolve_rule_off", MIP_PRESOLVE_RULES_OFF)  # it keeps integrality: a MIP
        outcome = self._highs.feasibilityRelaxation(1.0, 1.0, 1.0, np.asarray(lower_penalty, float),
                                                    np.asarray(upper_penalty, float), np.asarray(row_penalty, float))
        solution = self._highs.getSolution()
        found = outcome != highspy.HighsStatus.kError and solution.value_valid
        # The relaxed point is infeasible for the model as stated, so HiGHS reports no model status:
        # the outcome of the call is the status.
        result = SolverResult(Status.OPTIMAL if found else Status.ERROR,
                              self._highs.getInfo().objective_function_value if found else None, None, None,
                              time.perf_counter() - start, solver_version(),
                              np.array(solution.col_value) if found else None)
        self._load()  # the relaxation leaves its own objective and bounds behind
        if self._weights:
            self.set_weights(self._weights)
        return result

    def write_mps(self, path: str) -> None:
        """Write the current model (with added rows) as MPS, for solving elsewhere."""
        self._highs.writeModel(str(path))

    # --- internals ----------------------------------------------------------------------------

    def _on_event(self, event) -> None:
        """A HiGHS callback during a MIP search: keep where it stands, and tell the watcher now and then."""
        if self._watch_error is not None:  # the watcher failed in the heartbeat: end the search
            raise self._watch_error
        out = event.data_out
        objective = out.mip_primal_bound if math.isfinite(out.mip_primal_bound) else None
        bound = out.mip_dual_bound if math.isfinite(out.mip_dual_bound) else None
        gap = out.mip_gap if objective is not None else None
        self._news = Progress(0.0, objective, bound, gap, int(out.mip_node_count))
        self._tell(heartbeat=False)

    def _keep(self, event) -> None:
        """A HiGHS callback at a solution of the MIP search: keep it (:attr:`collect`)."""
        self.found.append(np.array(event.data_out.mip_solution))

    def _heartbeat(self, silence: threading.Event) -> None:
        """While the solve runs, tell the watcher the last news whenever HiGHS has been silent for a
        watch interval; a watcher's error is kept for the solve to raise."""
        interval = self.options.watch_interval_s
        while not silence.wait(max(self._silent_since + interval - time.perf_counter(), HEARTBEAT_S)):
            try:
                self._tell(heartbeat=True)
            except BaseException as error:  # any error of the watcher is the caller's
                self._watch_error = error
                return

    @property
    def _silent_since(self) -> float:
        """When the watcher last heard anything of this solve, or the solve began."""
        return max(self._reported, self._started)

    def _tell(self, *, heartbeat: bool) -> None:
        """The last news, timed now, to the watcher, unless it heard some less than an interval ago
        (the heartbeat: unless the solve began less than an interval ago, either)."""
        with self._telling:
            now = time.perf_counter()
            last = self._silent_since if heartbeat else self._reported
            if now - last < self.options.watch_interval_s:
                return
            self._reported = now
            since = self._started if self.began is None else self.began
            self.watch(replace(self._news, seconds=now - since))

    def _apply_options(self) -> None:
        o = self.options
        self._set("output_flag", o.log)
        self._set("mip_rel_gap", o.mip_gap)
        self._set("threads", o.threads)
        self._set("random_seed", o.random_seed)
        if o.time_limit_s is not None:
            self._set("time_limit", float(o.time_limit_s))
        for name in HEURISTICS:
            self._set(name, o.heuristics)

    def _set(self, name: str, value: bool | int | float) -> None:
        """Set one HiGHS option. HiGHS answers a name it does not know, or a value out of range, with an
        error status and carries on; this raises instead."""
        if self._highs.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise ValueError(f"{solver_version()} refuses the option {name!r} = {value!r}")

    def _load(self) -> None:
        form = self.form
        csc = form.A.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(form.columns), form.A.shape[0]
        lp.col_cost_ = np.zeros(lp.num_col_)
        lp.col_lower_, lp.col_upper_ = form.col_lower, form.col_upper
        lp.row_lower_, lp.row_upper_ = form.row_lower, form.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(float)
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in form.integer]
        self._highs.passModel(lp)
        self._lower, self._upper = form.col_lower.copy(), form.col_upper.copy()  # as HiGHS has them now

    def _result(self, seconds: float, relaxation: bool = False) -> SolverResult:
        h = self._highs
        model_status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        values = np.array(h.getSolution().col_value) if has_solution else None
        status = _status(model_status, has_solution)
        if status is Status.UNBOUNDED and np.isfinite(self.form.col_lower).all() and np.isfinite(
                self.form.col_upper).all():
            status = Status.INFEASIBLE  # HiGHS's "unbounded or infeasible" on a bounded model
        objective = info.objective_function_value if has_solution else None
        if has_solution:
            self._check_objective(values, objective)
        is_mip = bool(self.form.integer.any()) and not relaxation
        bound = info.mip_dual_bound if is_mip else objective
        gap = (info.mip_gap if is_mip else 0.0) if has_solution else None
        integer = self.form.integer
        fixed = is_mip and bool((self._lower[integer] == self._upper[integer]).all())
        return SolverResult(status, objective, bound if has_solution else None, gap, seconds, solver_version(),
                            values, fixed)

    def _check_objective(self, values: np.ndarray, objective: float) -> None:
        """The solution's own objective must be the one HiGHS reports, or the answer is not what it claims."""
        own = float(self._cost @ values) + self._offset
        if abs(own - objective) > OBJECTIVE_TOLERANCE * max(1.0, abs(objective)):
            raise SolverDefect(f"{solver_version()} reported objective {objective:.9g}, but the solution it "
                               f"returned has objective {own:.9g}; no answer is given. Install a HiGHS "
                               "without this defect (pip install 'highspy<1.16').")


def _status(model_status, has_solution: bool) -> Status:
    S = highspy.HighsModelStatus
    if model_status == S.kOptimal:
        return Status.OPTIMAL
    if model_status == S.kInfeasible:
        return Status.INFEASIBLE
    if model_status in (S.kUnbounded, S.kUnboundedOrInfeasible):
        return Status.UNBOUNDED
    if model_status in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt, S.kObjectiveBound,
                        S.kObjectiveTarget, S.kMemoryLimit):
        return Status.FEASIBLE if has_solution else Status.NO_SOLUTION
    return Status.ERROR
