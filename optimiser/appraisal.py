"""Options appraisal: every option measured, hurdles checked, scored, ranked, and the ranking's robustness.

The appraisal scores *any* configuration — the optimiser's best K and the
instance's named options alike — on the criteria of ``criteria.yaml``, from
the same data as the model. It follows the NHS options-appraisal sequence:
hurdle criteria (pass/fail) first, then weighted evaluation criteria, each
scored 0–10 across the options appraised (best 10, worst 0, linear between),
summed with the stated weights; options that fail a hurdle are listed but not
ranked. Robustness is shown two ways: rank acceptability (the share of weight
vectors, drawn around the stated weights or within the analyst's ranges,
under which each option takes each rank) and, for each criterion, the range
of its weight over which the top option stays top.

Travel times of an option come from its allocation: the model's optimal one
where the option was solved or evaluated, else every patient at the nearest
site hosting the service (stated in the method).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .configuration import Configuration
from .instance import Instance


@dataclass(frozen=True)
class Appraisal:
    """The appraisal of a set of options, as tidy frames a report or a script can read.

    - ``options``: one row per option (index ``option``): ``label``, ``source`` (``optimiser``,
      ``named`` or ``status quo``), ``feasible`` (meets every rule), ``allocation`` (``model`` or
      ``nearest``), ``description``.
    - ``metrics``: tidy, one row per option and measure: ``option, measure, service, mode, value, unit``
      (``service`` and ``mode`` blank where the measure spans them).
    - ``hurdles``: ``option, criterion, name, passed, detail``.
    - ``scores``: options × evaluation criteria, scores 0–10, plus ``weighted`` (the weighted mean).
    - ``ranking``: ``option, rank, passed_hurdles, weighted`` in rank order; rank is blank where a
      hurdle failed; the status quo is listed for reference.
    - ``acceptability``: options × ranks (1…n), share of sampled weight vectors giving that rank.
    - ``weight_ranges``: ``criterion, weight, low, high``: the weight of one criterion (others fixed)
      may move within [low, high] and the top option stays top.
    - ``access``: ``option, zone_id, service_id, mode, minutes`` (each zone's mean trip), for maps.
    - ``equity``: ``option, deprivation_quintile, mode, minutes`` (population-weighted mean).
    - ``change``: ``option, zone_id, minutes_change`` against the status quo (negative = gain).
    - ``volumes``: ``option, site_id, service_id, volume, min_volume, max_volume``.
    - ``criteria``: the criteria as read (``criteria.yaml`` or the defaults), with their weights.
    - ``method``: the method in words, for the report.
    """

    instance: str
    options: pd.DataFrame
    metrics: pd.DataFrame
    hurdles: pd.DataFrame
    scores: pd.DataFrame
    ranking: pd.DataFrame
    acceptability: pd.DataFrame
    weight_ranges: pd.DataFrame
    access: pd.DataFrame
    equity: pd.DataFrame
    change: pd.DataFrame
    volumes: pd.DataFrame
    criteria: pd.DataFrame
    method: str
    samples: int = 0
    seed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def recommended(self) -> str | None:
        """The option ranked first, if any passes every hurdle."""
        ranked = self.ranking.dropna(subset=["rank"])
        return None if ranked.empty else str(ranked.iloc[0]["option"])


@dataclass(frozen=True)
class Study:
    """Everything a report needs, computed: no file is read and no model is touched after this.

    ``configurations`` maps each appraised option to its configuration; ``solver`` describes the
    optimiser run (``status``, ``gap`` of the worst-proved ranked option, ``solver`` version,
    ``weights``), or is empty when only named options were appraised; ``checksum`` is the SHA-256 of
    the instance folder's files; ``versions`` the package versions that produced it.
    """

    instance: Instance
    appraisal: Appraisal
    configurations: dict[str, Configuration]
    solver: dict[str, object]
    checksum: str
    versions: dict[str, str]
