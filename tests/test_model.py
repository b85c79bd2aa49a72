"""The model, one constraint family at a time, on the tiny instance with hand-derived optima.

Car minutes (tests/data/tiny):           yearly demand (population × rate / 1000):
             north  south  east                     emergency  obstetrics  cancer
    z_north      0     12    18          z_north       10,000         500     250
    z_mid        6      6    12          z_mid          6,000         300     150
    z_south     12      0    12          z_south       12,000         600     300
    z_east      18     18     0          z_east         8,000         400     200
                                         total         36,000       1,800     900   (all: 38,700)

Site-to-site: north–south 12, south→east 12 (one-way motorway), east→south 18, north–east 18.
Rules: obstetrics colocated with emergency, at least 500 births a unit, at most 30 minutes away;
cancer at one site, given at east (a site that does not exist yet, so east must be built).

Each test weights travel alone unless it says otherwise, so the optimum is the least
activity-weighted travel: Σ demand × minutes / 38,700. Every solution is re-checked by
the independent checker (optimiser.appraisal.checker), which shares no code with the model.
"""

from __future__ import annotations

import pytest

from optimiser import load_instance
from optimiser.appraisal.checker import check_solution
from optimiser.model.pmedian import TRAVEL_ONLY
from optimiser.model.statement import CRITERIA
from optimiser.search.diagnose import diagnose
from optimiser.search.engine import solve

TOTAL_DEMAND = 38_700


def best(folder, *, weights=TRAVEL_ONLY, closest=None):
    instance = load_instance(folder.path)
    result = solve(instance, top=1, weights=weights, closest_assignment=closest)
    solution = result.best
    assert check_solution(instance, solution.configuration, solution.allocation, solution.expansion,
                          closest_assignment=bool(closest)) == []
    assert solution.gap == pytest.approx(0.0)
    return solution


@pytest.fixture
def plain(tiny):
    """The tiny instance without its role layer: every service placed on its own."""
    tiny.remove("roles.yaml")
    tiny.write("options.yaml", "status_quo:\n  name: Today\n  services:\n    north: [emergency, obstetrics]\n"
                               "    south: [emergency, obstetrics]\n    east: [cancer]\n")
    return tiny


def test_volume_minimum_splits_a_zone(plain):
    """Everything opens (travel only). Emergency: z_mid 6 min → 6,000 × 6 = 36,000. Cancer at east:
    250×18 + 150×12 + 300×12 = 9,900. Obstetrics at east has 400 births of its own and needs 500, so a
    third of z_mid (100 births) travels 12 min instead of 6: 100×12 + 200×6 = 2,400.
    Travel = (36,000 + 2,400 + 9,900) / 38,700."""
    solution = best(plain)
    assert solution.criteria["travel"] == pytest.approx(48_300 / TOTAL_DEMAND)
    to_east = solution.allocation.query("service_id == 'obstetrics' and zone_id == 'z_mid' and site_id == 'east'")
    assert to_east["share"].sum() == pytest.approx(1 / 3)


def test_site_count_maximum(plain):
    """Obstetrics at two sites at most: {north, south} costs 300×6 + 400×18 = 9,000; {north, east} 9,000;
    {south, east} 500×12 + 300×6 + 100 births moved 6 min further to fill east = 8,400, the best."""
    plain.replace("services.yaml", "  min_volume: 500", "  min_volume: 500\n  max_sites: 2")
    solution = best(plain)
    assert solution.configuration.sites_of("obstetrics") == ["east", "south"]
    assert solution.criteria["travel"] == pytest.approx((36_000 + 8_400 + 9_900) / TOTAL_DEMAND)


def test_excludes(plain):
    """Cancer excludes obstetrics: east (cancer, given) cannot host obstetrics, so z_east travels 18 min:
    300×6 + 400×18 = 9,000."""
    plain.append("codependencies.csv", "cancer,excludes,obstetrics,,,,test")
    solution = best(plain)
    assert solution.configuration.sites_of("obstetrics") == ["north", "south"]
    assert solution.criteria["travel"] == pytest.approx((36_000 + 9_000 + 9_900) / TOTAL_DEMAND)


def test_colocated(plain):
    """Emergency may not be at east, and obstetrics needs emergency on site: neither is at east.
    Emergency: 6,000×6 + 8,000×18 = 180,000; obstetrics 9,000."""
    plain.append("givens.csv", "east,emergency,false,test")
    solution = best(plain)
    assert solution.configuration.sites_of("obstetrics") == ["north", "south"]
    assert solution.criteria["travel"] == pytest.approx((180_000 + 9_000 + 9_900) / TOTAL_DEMAND)


def test_within(plain):
    """Obstetrics within 5 minutes of cancer (only at east): only east qualifies (north 18, south 12 away).
    Obstetrics: 500×18 + 300×12 + 600×12 = 19,800."""
    plain.append("codependencies.csv", "obstetrics,within,cancer,5,car,red,test")
    solution = best(plain)
    assert solution.configuration.sites_of("obstetrics") == ["east"]
    assert solution.criteria["travel"] == pytest.approx((36_000 + 19_800 + 9_900) / TOTAL_DEMAND)


def test_capacity_without_expansion(plain):
    """North has no beds and may not add any, so it can serve no emergency or maternity patients:
    emergency 10,000×12 + 6,000×6 = 156,000; obstetrics at south and east: 500×12 + 300×6 + 100 births
    moved 6 min further to fill east = 8,400."""
    plain.replace("site_resources.csv", "north,beds,300,50", "north,beds,0,0")
    solution = best(plain)
    assert solution.criteria["travel"] == pytest.approx((156_000 + 8_400 + 9_900) / TOTAL_DEMAND)
    assert solution.expansion.empty


def test_capacity_with_paid_expansion(plain):
    """With room to add 100 beds at north, travel is as good as with no capacity limit, and north's
    load (≥ 10,000 × 0.005 + 500 × 0.01 = 55 beds) is bought."""
    plain.replace("site_resources.csv", "north,beds,300,50", "north,beds,0,100")
    solution = best(plain)
    assert solution.criteria["travel"] == pytest.approx(48_300 / TOTAL_DEMAND)
    assert solution.expansion.set_index(["site_id", "resource"]).loc[("north", "beds"), "added"] >= 55 - 1e-6


def test_coverage_standard(plain):
    """Emergency at two sites at most. Travel alone picks {south, east}: 10,000×12 + 6,000×6 = 156,000.
    With 60% of people within 5 minutes only {north, south} qualifies (110,000 of 180,000 = 61%):
    6,000×6 + 8,000×18 = 180,000, and obstetrics follows emergency: 9,000."""
    plain.replace("services.yaml", "  min_sites: 1\n  rotas_24_7: 2", "  min_sites: 1\n  max_sites: 2\n"
                  "  coverage_travel_min: 5\n  coverage_share: 0.6\n  rotas_24_7: 2")
    solution = best(plain)
    assert solution.configuration.sites_of("emergency") == ["north", "south"]
    assert solution.criteria["travel"] == pytest.approx((180_000 + 9_000 + 9_900) / TOTAL_DEMAND)


def test_closest_assignment(plain):
    """Patients use their nearest open site: z_mid may not travel 12 min to east while north or south is
    6 away, so east reaches 500 births only with south closed (z_south then 12 min from north and east alike).
    {north, south}: 300×6 + 400×18 = 9,000; {north, east}: 300×6 + 600×12 = 9,000, a tie; all three or
    {south, east} leave east 400 births."""
    solution = best(plain, closest=True)
    assert solution.configuration.sites_of("obstetrics") in (["north", "south"], ["east", "north"])
    assert solution.criteria["travel"] == pytest.approx((36_000 + 9_000 + 9_900) / TOTAL_DEMAND)


def test_givens_fix_a_service(plain):
    """Without the given, cancer goes where it travels least: south, 250×12 + 150×6 + 200×18 = 7,500
    (north 8,100; east 9,900)."""
    plain.write("givens.csv", "site_id,service_id,hosts,source\n")
    solution = best(plain)
    assert solution.configuration.sites_of("cancer") == ["south"]
    assert solution.criteria["travel"] == pytest.approx((36_000 + 2_400 + 7_500) / TOTAL_DEMAND)


def test_roles_bundle_services(tiny):
    """The one role, acute, brings emergency and obstetrics: north and south must take it, and east
    (once built for cancer) takes it too, since that halves travel: the same optimum as without roles."""
    solution = best(tiny)
    assert solution.configuration.role_of == {"north": "acute", "south": "acute", "east": "acute"}
    assert solution.criteria["travel"] == pytest.approx(48_300 / TOTAL_DEMAND)


def test_a_role_cannot_be_taken_where_its_service_is_forbidden(tiny):
    """Emergency may not be at east, so east cannot take acute: it hosts cancer alone.
    Travel: emergency 180,000, obstetrics 9,000, cancer 9,900."""
    tiny.append("givens.csv", "east,emergency,false,test")
    solution = best(tiny)
    assert solution.configuration.role_of == {"north": "acute", "south": "acute"}
    assert solution.criteria["travel"] == pytest.approx((180_000 + 9_000 + 9_900) / TOTAL_DEMAND)


def test_workforce_criterion(plain):
    """Minimising rotas alone: one emergency department (2 rotas), nothing else needs rotas."""
    solution = best(plain, weights={name: 0.0 for name in CRITERIA} | {"workforce": 1.0})
    assert solution.criteria["workforce"] == 2
    assert len(solution.configuration.sites_of("emergency")) == 1


def test_disruption_criterion(plain):
    """Minimising moves alone returns today's configuration, which meets every rule: 0 moves."""
    solution = best(plain, weights={name: 0.0 for name in CRITERIA} | {"disruption": 1.0})
    assert solution.criteria["disruption"] == 0
    assert solution.configuration.sites_of("emergency") == ["north", "south"]


def test_capital_criterion(plain):
    """East does not exist and must be built for cancer (given): £120m is unavoidable."""
    solution = best(plain, weights={name: 0.0 for name in CRITERIA} | {"capital": 1.0})
    assert solution.criteria["capital"] == pytest.approx(120)


def test_infeasible_instance_is_diagnosed(plain):
    """Obstetrics within 10 minutes: z_east can only use east (0 min), z_mid only north or south (6 min),
    so east has its own 400 births, short of 500. Two rules conflict, and either may give way: 100 births
    of volume at east, or 100 births of South Town (1/6 of its 600) travelling beyond 10 minutes to
    east — equally cheap, each a sixth of its rule's scale."""
    plain.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 10")
    instance = load_instance(plain.path)
    assert solve(instance, top=1, weights=TRAVEL_ONLY).ranked == []
    diagnosis = diagnose(instance)
    assert sorted(diagnosis.conflicting) == ["travel_max", "volume_min"]
    ways = [diagnosis.relaxations, *diagnosis.alternatives]
    volume_ways = [[r.message for r in way] for way in ways if way[0].rule == "volume_min"]
    assert volume_ways == [["Obstetrics at east: 100 births below the minimum of 500 per unit"]]


def test_ties_share_a_rank(plain):
    """Obstetrics at two sites at most: {south, east} is best (8,400); {north, south} and {north, east}
    both cost 9,000, so they tie for second place."""
    plain.replace("services.yaml", "  min_volume: 500", "  min_volume: 500\n  max_sites: 2")
    instance = load_instance(plain.path)
    ranked = solve(instance, top=3, weights=TRAVEL_ONLY).ranked
    assert [r.rank for r in ranked] == [1, 2, 2]
    assert [r.tied_with_previous for r in ranked] == [False, False, True]
    assert sorted(tuple(r.configuration.sites_of("obstetrics")) for r in ranked[1:]) == [
        ("east", "north"), ("north", "south")]
    for r in ranked:
        assert check_solution(instance, r.configuration, r.allocation, r.expansion) == []
