"""What each option sends out of the group: the activity that leaves for neighbouring providers, by zone,
service line and neighbour, and the income it takes at each service's tariff (services.yaml ``tariff_gbp``).

The view is read from each option's allocation, never from the model. Under a neighbour rule (``retention``
or ``nearest``) it holds the flows of the model's allocation
(:func:`~optimiser.instance.neighbours.leaving_flows`); under the retention rule they add up to the model's
``leaving`` and ``income_leaving`` criteria. Under ``none`` the model keeps every patient in the group. If the
instance still lists neighbours and a retention curve, the view estimates what would leave each option's
allocation if patients left as the curve states (:data:`ESTIMATE`). No measure, hurdle, score or ranking
reads that estimate. The estimate keeps the allocation as it is. Under the retention rule the model may
place some zones elsewhere, so the estimate and the ruled figures can differ a little.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from optimiser.instance.configuration import Solution
from optimiser.instance.folder import Instance
from optimiser.instance.neighbours import leaving_flows, nearest_neighbours, rule, tariff_gbp_m
from optimiser.instance.travel import TravelTimes

#: How the report labels the estimate under ``neighbour_rule: none``.
ESTIMATE = "if patients leave as the retention curve states (est.)"
#: The columns of :func:`flows`.
COLUMNS = ["option", "zone_id", "service_id", "neighbour_id", "site_id", "activity", "income_gbp_m"]


def estimated(instance: Instance) -> bool:
    """Whether the view is an estimate: the model keeps every patient (rule ``none``), but the instance lists
    neighbours offering services and a retention curve."""
    return (rule(instance) == "none" and not instance.tables["neighbour_services"].empty
            and not instance.tables["retention"].empty)


def flows(instance: Instance, solutions: Mapping[str, Solution], times: Mapping[str, TravelTimes]) -> pd.DataFrame:
    """Yearly activity each option's zones send to each neighbouring provider, and its income in GBP m:
    :data:`COLUMNS` (``site_id``: the unit it leaves, under a retention curve). Under the instance's rule,
    or the retention curve where it is :func:`estimated`; empty where nobody can leave."""
    chosen = "retention" if estimated(instance) else rule(instance)
    nearest = nearest_neighbours(instance)  # the same for every option
    frames = [leaving_flows(instance, solution.allocation, times, chosen, nearest).assign(option=label)
              for label, solution in solutions.items()]
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS[:-1])
    return found.assign(income_gbp_m=found["activity"].to_numpy(float)
                        * tariff_gbp_m(instance, found["service_id"]))[COLUMNS]


def totals(found: pd.DataFrame, options: list[str]) -> pd.DataFrame:
    """Each option's activity and income leaving in all: ``option, activity, income_gbp_m`` (0 for an option
    that sends nobody away), options in the order given."""
    summed = found.groupby("option")[["activity", "income_gbp_m"]].sum()
    return summed.reindex(options, fill_value=0.0).rename_axis("option").reset_index()
