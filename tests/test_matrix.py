"""The vectorised builder (optimiser.model.matrix) gives the very StandardForm that Pyomo compiles from
optimiser.model.statement.

Both forms are compared by name: the same rows, columns, coefficients per (row, column),
row and column bounds, integrality, and cost vector and constant per criterion, to 1e-9
relative. The instances cover every constraint family and option: roles, no roles, closest
assignment, the hard travel standard as rows, givens, expansion, co-dependencies of all
three kinds, coverage, and a volume maximum at a unit no zone can reach.
"""

from __future__ import annotations

import numpy as np
import pytest
from pyomo.core.base.component_namer import name_repr
from scipy.sparse import csr_array

from optimiser import Instance, load_instance
from optimiser.instance.generate import generate_instance
from optimiser.model import matrix as vectorised
from optimiser.model import statement as stated
from optimiser.model.matrix import build_matrix, quote
from optimiser.model.objective import criterion_scales, solver_weights
from optimiser.model.statement import CRITERIA, ModelOptions, build_model, prepare
from optimiser.search.engine import Engine, _locate
from solvers.highs import HighsSession
from solvers.milp import StandardForm, compile_pyomo

RTOL = 1e-9


def assert_same_form(ours: StandardForm, pyomo: StandardForm) -> None:
    """Equal up to the order of rows and columns."""
    assert len(set(ours.rows)) == len(ours.rows) and len(set(ours.columns)) == len(ours.columns)
    assert sorted(ours.rows) == sorted(pyomo.rows)
    assert sorted(ours.columns) == sorted(pyomo.columns)
    row, col = _permutation(pyomo.rows, ours.rows), _permutation(pyomo.columns, ours.columns)
    A, B = csr_array(ours.A), csr_array(pyomo.A)[row][:, col]
    for M in (A, B):
        M.eliminate_zeros()
        M.sort_indices()
    np.testing.assert_array_equal(A.indptr, B.indptr, err_msg="different sparsity")
    np.testing.assert_array_equal(A.indices, B.indices, err_msg="different sparsity")
    np.testing.assert_allclose(A.data, B.data, rtol=RTOL, atol=0)
    np.testing.assert_allclose(ours.row_lower, pyomo.row_lower[row], rtol=RTOL, atol=0)
    np.testing.assert_allclose(ours.row_upper, pyomo.row_upper[row], rtol=RTOL, atol=0)
    np.testing.assert_array_equal(ours.col_lower, pyomo.col_lower[col])
    np.testing.assert_array_equal(ours.col_upper, pyomo.col_upper[col])
    np.testing.assert_array_equal(ours.integer, pyomo.integer[col])
    assert list(ours.costs) == list(pyomo.costs) == list(CRITERIA)
    for name in CRITERIA:
        np.testing.assert_allclose(ours.costs[name], pyomo.costs[name][col], rtol=RTOL, atol=0, err_msg=name)
        assert ours.offsets[name] == pytest.approx(pyomo.offsets[name], rel=RTOL, abs=0)


def _permutation(names: list[str], order: list[str]) -> np.ndarray:
    """Positions in ``names`` of each of ``order``."""
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[name] for name in order], dtype=np.int64)


def both(instance: Instance, options: ModelOptions) -> tuple:
    data = prepare(instance, options)
    model = build_model(data)
    return data, model, compile_pyomo(model), build_matrix(data)


def assert_same(instance: Instance, options: ModelOptions) -> None:
    data, model, pyomo, ours = both(instance, options)
    assert_same_form(ours.form, pyomo)
    located = _locate(model, data, pyomo)
    for key in ("y", "r", "x"):
        assert np.array(ours.form.columns)[ours.columns[key]].tolist() == \
               np.array(pyomo.columns)[located[key]].tolist(), key
    assert {k: ours.form.columns[j] for k, j in ours.columns["expand"].items()} == \
           {k: pyomo.columns[j] for k, j in located["expand"].items()}


@pytest.fixture(scope="module")
def mse() -> Instance:
    return load_instance("mse")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Instance:
    return load_instance(generate_instance(tmp_path_factory.mktemp("g") / "g", sites=6, zones=40, services=8, seed=3))


def test_families_mirror_the_pyomo_model():
    assert [f.__name__ for f in vectorised.CONSTRAINT_FAMILIES] == [f.__name__ for f in stated.CONSTRAINT_FAMILIES]


@pytest.mark.parametrize("options", [ModelOptions(), ModelOptions(use_roles=False),
                                     ModelOptions(closest_assignment=True), ModelOptions(prune_travel=False)],
                         ids=["roles", "no-roles", "closest", "unpruned"])
def test_tiny(tiny_instance, options):
    assert_same(tiny_instance, options)


def test_tiny_with_far_zones_and_an_unreachable_unit(tiny):
    """Obstetrics within 10 minutes, none wanted from z_east: east is beyond every zone, so its
    ``volume_max`` row is Pyomo's ``0 ≤ v·y``; unpruned, the far pairs become ``travel_max`` rows."""
    tiny.replace("services.yaml", "  max_travel_min: 30", "  max_travel_min: 10\n  max_volume: 1000")
    tiny.write("demand.csv", "zone_id,service_id,demand\nz_east,obstetrics,0\n")
    instance = load_instance(tiny.path)
    for options in (ModelOptions(), ModelOptions(prune_travel=False, closest_assignment=True)):
        _, _, pyomo, ours = both(instance, options)
        assert_same_form(ours.form, pyomo)
    assert "volume_max[east,obstetrics]" in ours.form.rows
    assert any(name.startswith("travel_max[") for name in ours.form.rows)


def test_row_left_without_variables_is_dropped(tiny):
    """A volume maximum of 0 at a unit no zone reaches is ``0 ≤ 0·y``: Pyomo's compiler drops the row."""
    tiny.replace("services.yaml", "  max_travel_min: 30", "  max_travel_min: 10\n  max_volume: 0")
    tiny.replace("services.yaml", "  min_volume: 500", "  min_volume: 0")
    tiny.write("demand.csv", "zone_id,service_id,demand\nz_east,obstetrics,0\n")
    _, _, pyomo, ours = both(load_instance(tiny.path), ModelOptions())
    assert_same_form(ours.form, pyomo)
    assert "volume_max[east,obstetrics]" not in ours.form.rows and "volume_max[north,obstetrics]" in ours.form.rows


@pytest.mark.parametrize("name", ["mse", "hampshire", "dorset"])
def test_bundled_instances(name):
    instance = load_instance(name)
    assert_same(instance, ModelOptions(closest_assignment=bool(instance.settings.get("closest_assignment"))))


def test_mse_every_option(mse):
    for options in (ModelOptions(use_roles=False), ModelOptions(closest_assignment=True),
                    ModelOptions(prune_travel=False)):
        assert_same(mse, options)


def test_generated(generated):
    """Generated instances have coverage, within and excludes rules, volume maxima and givens."""
    rules = set(generated.codependencies["rule"])
    assert {"within", "excludes"} <= rules
    for options in (ModelOptions(), ModelOptions(closest_assignment=True, prune_travel=False)):
        assert_same(generated, options)


def test_same_optimum_on_mse(mse):
    data = prepare(mse, ModelOptions(closest_assignment=bool(mse.settings.get("closest_assignment"))))
    weights = solver_weights(mse.weights, criterion_scales(data))
    objectives = []
    for form in (compile_pyomo(build_model(data)), build_matrix(data).form):
        session = HighsSession(form)
        session.set_weights(weights)
        result = session.solve()
        assert result.status.value == "optimal"
        objectives.append(result.objective)
    assert objectives[0] == pytest.approx(objectives[1], rel=1e-9)


@pytest.mark.parametrize("value", ["basildon", "a-b.c", "1A", "123", "1.5e3", "inf", "it's", "x,y", "a:b", "é",
                                   "|pipe", "back\\slash", "(p)", "tab\there", 7, 2.5])
def test_names_are_quoted_as_pyomo_quotes_them(value):
    assert quote(value) == name_repr(value)


def test_engine_ranks_alike_with_either_builder(mse):
    """Engine.build's default (numpy matrices) and its Pyomo path rank the same configurations."""
    ours, theirs = Engine.build(mse).solve(top=3), Engine.build(mse, builder="pyomo").solve(top=3)
    assert [r.objective for r in ours.ranked] == pytest.approx([r.objective for r in theirs.ranked], rel=1e-9)
    assert [r.configuration for r in ours.ranked] == [r.configuration for r in theirs.ranked]
    assert ours.best.expansion.round(6).equals(theirs.best.expansion.round(6))


def test_unknown_builder_is_a_clear_error(mse):
    from optimiser import OptimiserError

    with pytest.raises(OptimiserError, match="unknown builder 'cplex': 'matrix' or 'pyomo'"):
        Engine.build(mse, builder="cplex")


@pytest.mark.parametrize("closest", [False, True], ids=["plain", "closest"])
def test_restricted_to_the_nearest_sites(tiny_instance, generated, closest):
    """Beyond shares (optimiser.model.nearest) enter the demand, worst-zone and coverage rows and the travel and equity
    costs, and the beyond demand placed at units enters the capacity and volume rows, alike in both forms."""
    for instance in (tiny_instance, generated):
        options = ModelOptions(nearest_sites=1, closest_assignment=closest)
        data, _, pyomo, ours = both(instance, options)
        assert_same_form(ours.form, pyomo)
        assert not data.beyond.empty and not data.beyond_units.empty
        placed = [j for j, name in enumerate(ours.form.columns) if name.startswith("beyond_at[")]
        assert len(placed) == len(data.beyond_units)
        for family in ("capacity[", "volume_min[", "beyond_placed[", "beyond_hosted["):
            rows = [i for i, name in enumerate(ours.form.rows) if name.startswith(family)]
            assert ours.form.A[rows][:, placed].nnz > 0, family
