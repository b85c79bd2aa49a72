"""A ranking the time limit stops in a restricted model keeps the configurations it found."""

from __future__ import annotations

from optimiser.appraisal.checker import check_solution
from optimiser.instance.folder import load_instance
from optimiser.instance.generate import generate_instance
from optimiser.search import restriction
from optimiser.search.engine import solve


def test_a_stopped_round_keeps_the_top_configurations_it_found(tmp_path, budget_spent_after):
    """A generated 30-site instance is restricted to each zone's nearest sites; its first round of the
    top 3 finds configurations that send patients beyond those sites, and the limit ends the search
    there (as 10 s did). Only the first used to be returned, repaired; all three are, each served in the
    full model, feasible by the independent checker, marked unproved, and distinct."""
    budget_spent_after("beyond_shares", restriction)
    instance = load_instance(generate_instance(tmp_path / "g", sites=30, zones=300, services=8, seed=0))
    result = solve(instance, top=3, time_limit_s=3600)
    assert result.limited and result.restriction is not None and result.restriction.repaired
    assert len(result.ranked) == 3
    assert len({r.configuration for r in result.ranked}) == 3
    for ranked in result.ranked:
        assert ranked.status.value == "feasible" and ranked.gap is not None and 0 <= ranked.gap < 0.05
        assert check_solution(instance, ranked.configuration, ranked.allocation, ranked.expansion) == []
