"""Cheap proofs of infeasibility: certain, with the numbers that prove them."""

from __future__ import annotations

from optimiser import load_instance
from optimiser.errors import Severity
from optimiser.instance.proofs import prove_infeasible


def proofs(folder) -> list[str]:
    found = prove_infeasible(load_instance(folder.path))
    assert all(p.severity is Severity.INFEASIBLE for p in found)
    return [str(p) for p in found]


def test_the_tiny_instance_has_no_proof_of_infeasibility(tiny_instance):
    assert prove_infeasible(tiny_instance) == []


def test_volume_standard_against_total_demand(tiny):
    """180,000 people × 10 births per 1,000 = 1,800 births: two units of 1,000 cannot both be filled."""
    tiny.replace("services.yaml", "  min_volume: 500", "  min_volume: 1000\n  min_sites: 2")
    assert proofs(tiny) == [
        "services.yaml, row 11, column min_volume: Obstetrics (obstetrics) needs at least 1,000 births per unit "
        "at 2 units: 1,800 births in the instance. Lower min_volume to 900 or fewer, or allow fewer units"]


def test_maximum_volume_needs_more_units_than_allowed(tiny):
    """1,800 births, at most 500 per unit: 4 units needed, 2 allowed."""
    tiny.replace("services.yaml", "  min_volume: 500", "  max_volume: 500\n  max_sites: 2")
    assert proofs(tiny) == [
        "services.yaml, row 11, column max_volume: Obstetrics (obstetrics) has 1,800 births a year, but 2 units "
        "of at most 500 can handle 1,000 (4 units needed). Raise max_volume or allow more sites"]


def test_givens_beyond_max_sites(tiny):
    tiny.append("givens.csv", "north,cancer,true,x")
    assert proofs(tiny) == [
        "services.yaml, row 18, column max_sites: Cancer centre (cancer) is given at 2 sites (east, north) but "
        "max_sites is 1. Raise max_sites or change givens.csv"]


def test_sites_forbidden_below_min_sites(tiny):
    tiny.append("givens.csv", "north,emergency,false,x")
    tiny.append("givens.csv", "south,emergency,false,x")
    tiny.replace("services.yaml", "  min_sites: 1\n  rotas", "  min_sites: 2\n  rotas")
    assert proofs(tiny) == [
        "services.yaml, row 5, column min_sites: Emergency department (emergency) needs at least 2 sites but only "
        "1 of the 3 sites may host it. Lower min_sites or change givens.csv"]


def test_hard_travel_standard_no_site_close_enough(tiny):
    """With East forbidden, East Town is 18 minutes from the nearest site (North or South)."""
    tiny.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 15")
    tiny.append("givens.csv", "east,obstetrics,false,x")
    assert proofs(tiny) == [
        "services.yaml, row 12, column max_travel_min: Obstetrics (obstetrics): East Town (z_east) has no site "
        "within 15 minutes by car (nearest: north, 18 min). Raise max_travel_min, or add a site or road that "
        "reaches it"]


def test_coverage_standard_out_of_reach(tiny):
    """Cancer forbidden at East: within 10 minutes of North or South live 140,000 of 180,000 (East Town: 18 min)."""
    tiny.replace("services.yaml", "  max_sites: 1", "  max_sites: 1\n  coverage_travel_min: 10\n"
                                                    "  coverage_share: 0.9")
    tiny.replace("givens.csv", "east,cancer,true", "east,cancer,false")
    assert proofs(tiny) == [
        "services.yaml, row 20, column coverage_share: Cancer centre (cancer) must reach 90% of the population "
        "within 10 minutes by car, but even with every permitted site open only 77.8% is. Lower coverage_share "
        "or raise coverage_travel_min"]


def test_capacity_of_all_sites_below_demand(tiny):
    """Beds: 36,000 × 0.005 + 1,800 × 0.05 = 270 needed; 100 + 100 + 50 + 0 + 0 = 250 with expansion."""
    tiny.replace("resource_use.csv", "obstetrics,beds,0.01", "obstetrics,beds,0.05")
    tiny.replace("site_resources.csv", "north,beds,300", "north,beds,100")
    tiny.replace("site_resources.csv", "south,beds,300,50", "south,beds,100,0")
    tiny.replace("site_resources.csv", "east,beds,100", "east,beds,0")
    assert proofs(tiny) == [
        "site_resources.csv, column capacity: capacity of all sites < demand: 270 beds needed, 250 available even "
        "with every permitted expansion. Add beds capacity or max_expansion, or check resource_use.csv"]


def test_colocated_service_cannot_outnumber_its_partner(tiny):
    tiny.replace("services.yaml", "  min_volume: 500", "  min_volume: 500\n  min_sites: 2")
    tiny.replace("services.yaml", "  min_sites: 1\n  rotas", "  min_sites: 1\n  max_sites: 1\n  rotas")
    assert proofs(tiny) == [
        "services.yaml, row 13, column min_sites: obstetrics needs emergency on the same site and at least 2 sites, "
        "but emergency may be at no more than 1. Lower min_sites of obstetrics, raise max_sites of emergency, or "
        "relax the colocated rule"]


def test_given_service_with_no_partner_in_reach(tiny):
    """Cancer is given at East; emergency within 10 minutes of East is impossible once East may not host it
    (North 18 min, South 18 min from East by car)."""
    tiny.append("codependencies.csv", "cancer,within,emergency,10,car,red,x")
    tiny.append("givens.csv", "east,emergency,false,x")
    assert proofs(tiny) == [
        "codependencies.csv, row 3, column within_min: cancer is given at east and needs emergency within 10 "
        "minutes by car, but no site that may host emergency is that close. Raise within_min, or change "
        "givens.csv"]
