"""Co-located zones merged into one model zone (optimiser.model.aggregate): the unmerged model's results, from
fewer zones.

Zones with the same minutes to every site in every mode, the same deprivation quintile, demand
for the same services and, under a coverage standard, the same demand per head are one model
zone with their population and demand added. These tests split every zone of a generated instance
into two co-located parts (a few with the second part in another quintile, which must stay
apart) and hold the merged model to the unmerged one on every rule the instance has: the same
optima, criteria and top three, with and without closest assignment and the nearest-site
restriction; allocations name every zone as given and pass the independent checker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from test_nearest import assert_feasible

from optimiser import Instance, load_instance
from optimiser.instance.generate import generate_instance
from optimiser.model.aggregate import expand_allocation
from optimiser.model.statement import CRITERIA, ModelOptions, prepare
from optimiser.search.diagnose import diagnose
from optimiser.search.engine import Engine

#: Zones of the generated instance, each split in two at the same place; the second part of the last few
#: gets another quintile.
ZONES, OTHER_QUINTILE = 45, 4
#: Travel, equity and the worst zone priced together with capital, running, rotas and moves.
EVERY_CRITERION = dict.fromkeys(CRITERIA, 1.0)


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> Instance:
    """45 zones, each split into ``z…`` and ``z…b`` (10% to 90% of the people) on the same junction;
    cancer's coverage standard tightened from 25 to 15 minutes, so that it binds (the optimum moves)."""
    folder = generate_instance(tmp_path_factory.mktemp("split") / "g", sites=8, zones=ZONES, services=5, seed=4)
    services = yaml.safe_load((folder / "services.yaml").read_text(encoding="utf-8"))
    services["cancer"]["coverage_travel_min"] = 15
    (folder / "services.yaml").write_text(yaml.safe_dump(services, sort_keys=False), encoding="utf-8")
    zones = pd.read_csv(folder / "zones.csv")
    share = np.linspace(0.1, 0.9, ZONES)  # of the people in the second part
    parts = zones.assign(zone_id=zones["zone_id"] + "b", population=(share * zones["population"]).round())
    zones["population"] -= parts["population"]
    moved = parts.index[-OTHER_QUINTILE:]
    parts.loc[moved, "deprivation_quintile"] = parts.loc[moved, "deprivation_quintile"] % 5 + 1
    pd.concat([zones, parts]).to_csv(folder / "zones.csv", index=False)
    return load_instance(folder)


def ranking(instance: Instance, options: ModelOptions):
    return Engine.build(instance, options=options).solve(top=3, weights=EVERY_CRITERION)


@pytest.fixture(scope="module")
def unmerged(split):
    """The reference: every zone on its own, every pair kept."""
    return ranking(split, ModelOptions(merge_zones=False, nearest_sites=0))


def test_split_instance_has_every_rule_the_merge_must_respect(split):
    services = split.services
    assert services["min_volume"].fillna(0).gt(0).any() and services["max_volume"].notna().any()
    assert services["coverage_share"].notna().any() and (split.site_resources["max_expansion"] > 0).any()
    assert not split.codependencies.empty and not split.givens.empty


def test_co_located_zones_merge_only_with_the_same_quintile(split):
    members = prepare(split, ModelOptions()).zone_members
    first = split.zones.index[:ZONES]
    same, other = first[:-OTHER_QUINTILE], first[-OTHER_QUINTILE:]
    assert (members[same + "b"].to_numpy() == members[same].to_numpy()).all()
    assert (members[other + "b"].to_numpy() != members[other].to_numpy()).all()


def test_merged_zone_adds_population_and_demand(split):
    data = prepare(split, ModelOptions())
    merged = data.instance
    first = split.zones.index[0]
    assert merged.zones.loc[first, "population"] == split.zones.loc[[first, first + "b"], "population"].sum()
    assert merged.demand.loc[first].to_numpy() == pytest.approx(split.demand.loc[[first, first + "b"]].sum())
    assert merged.zones["population"].sum() == split.zones["population"].sum()
    assert merged.demand.sum().to_numpy() == pytest.approx(split.demand.sum().to_numpy(), rel=1e-12)
    assert set(data.pairs["zone_id"]) <= set(merged.zones.index)


def test_demand_per_head_must_agree_under_a_coverage_standard(tiny):
    """Parts of South Town (quintile 1) on its junction: another quintile, other demand per head for cancer
    (which has a coverage standard) and no emergency demand each keep a zone apart; other demand per head
    for obstetrics (no coverage standard) does not."""
    tiny.replace("services.yaml", "  max_sites: 1", "  max_sites: 1\n  coverage_travel_min: 20\n  coverage_share: 0.5")
    for zone, quintile in (("b", 1), ("quintile", 2), ("births", 1), ("cancer", 1), ("no_emergency", 1)):
        tiny.append("zones.csv", f"z_south_{zone},South Town {zone},51.50,0.50,1000,{quintile},B")
    tiny.write("demand.csv", "zone_id,service_id,demand\nz_south_births,obstetrics,99\nz_south_cancer,cancer,99\n"
                             "z_south_no_emergency,emergency,0\n")
    members = prepare(load_instance(tiny.path), ModelOptions()).zone_members
    assert members[members != members.index].to_dict() == {"z_south_b": "z_south", "z_south_births": "z_south"}


def test_nothing_to_merge_leaves_the_instance_as_given(tiny_instance):
    data = prepare(tiny_instance, ModelOptions())
    assert data.zone_members is None and data.instance is tiny_instance


@pytest.mark.parametrize(("closest", "nearest"), [(False, None), (True, None), (False, 1), (True, 1)])
def test_top_three_and_every_criterion_equal_the_unmerged_model(split, unmerged, closest, nearest):
    reference = unmerged if not closest else ranking(split, ModelOptions(merge_zones=False, nearest_sites=0,
                                                                         closest_assignment=True))
    merged = ranking(split, ModelOptions(closest_assignment=closest, nearest_sites=nearest))
    assert len(merged.ranked) == len(reference.ranked) == 3
    assert [r.objective for r in merged.ranked] == pytest.approx([r.objective for r in reference.ranked], rel=1e-9)
    for ours, theirs in zip(merged.ranked, reference.ranked, strict=True):
        assert ours.criteria == pytest.approx(theirs.criteria, rel=1e-9, abs=1e-9)
        assert ours.configuration.hosts == theirs.configuration.hosts
    assert_feasible(split, merged, closest=closest)


def test_allocation_names_every_zone_as_given(split):
    merged = ranking(split, ModelOptions())
    assert_feasible(split, merged)
    allocation = merged.best.allocation
    assert set(allocation["zone_id"]) == set(split.zones.index)
    shares = allocation.groupby(["zone_id", "service_id"])["share"].sum()
    assert len(shares) == (split.demand > 0).to_numpy().sum()
    assert shares.to_numpy() == pytest.approx(1.0)
    first = split.zones.index[0]
    ours, part = (allocation[allocation["zone_id"] == z].drop(columns="zone_id").reset_index(drop=True)
                  for z in (first, first + "b"))
    pd.testing.assert_frame_equal(ours, part)


def test_expand_allocation_gives_each_member_its_model_zone_shares():
    allocation = pd.DataFrame({"service_id": ["l", "l", "m"], "zone_id": ["a", "a", "c"], "site_id": ["s", "t", "s"],
                               "share": [0.25, 0.75, 1.0]})
    members = pd.Series(["a", "a", "c"], index=["a", "b", "c"])
    assert expand_allocation(allocation, None) is allocation
    expanded = expand_allocation(allocation, members)
    assert list(expanded.columns) == list(allocation.columns)
    assert expanded[["zone_id", "site_id", "share"]].values.tolist() == [
        ["a", "s", 0.25], ["b", "s", 0.25], ["a", "t", 0.75], ["b", "t", 0.75], ["c", "s", 1.0]]


def test_diagnosis_sees_the_zones_as_given(tiny):
    """Obstetrics within 10 minutes (as in tests/test_model.py): with South Town whole, 100 of its 600 births
    beyond the limit (1/6 of its demand) is the cheapest relaxation. Split in two on its junction, each part's
    row counts on its own, so 20% of North Town's demand is cheaper; merged, South Town's 1/6 would return."""
    tiny.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 10")
    tiny.replace("zones.csv", "z_south,South Town,51.50,0.50,60000,1,B",
                 "z_south,South Town,51.50,0.50,36000,1,B\nz_south_b,South Town B,51.50,0.50,24000,1,B")
    assert [r.message for r in diagnose(load_instance(tiny.path)).relaxations] == [
        "Obstetrics: 20% of North Town's demand must travel beyond 10 minutes"]
