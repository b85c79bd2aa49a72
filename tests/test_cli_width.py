"""The command line at regional size: a configuration as a compact summary, never wider than the terminal."""

from __future__ import annotations

import pytest
from rich.console import Console

from optimiser.appraisal.display import configuration_lines, site_table, status_line
from optimiser.cli.app import main
from optimiser.instance.configuration import option_configuration
from optimiser.instance.folder import load_instance
from optimiser.instance.generate import generate_instance
from optimiser.search.engine import Solution

COLUMNS = 100


@pytest.fixture(scope="module")
def forty_sites(tmp_path_factory):
    """A generated 40-site instance (120 zones: few enough to solve in seconds), with a status quo."""
    folder = tmp_path_factory.mktemp("regional") / "forty"
    generate_instance(folder, sites=40, zones=120, services=8, seed=0)
    return folder


@pytest.mark.parametrize("verb", [["solve", "--top", "2"], ["evaluate"], ["study", "--top", "1", "--samples", "100"]])
def test_output_fits_100_columns_at_40_sites(capsys, monkeypatch, forty_sites, verb):
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    code = main([verb[0], str(forty_sites), *verb[1:]])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= COLUMNS, max(lines, key=len)
    assert any((line.startswith("  against the status quo, ") and line.endswith(" of 40 sites change:"))
               or line == "  the status quo: no service line opened or closed" for line in lines)


def test_solve_long_shows_every_site(capsys, monkeypatch, forty_sites):
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    code = main(["solve", str(forty_sites), "--long"])
    out = capsys.readouterr().out
    assert code == 0
    assert "#1: site by service line" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(" s0")]
    assert [row[0] for row in rows] == [f"s{n:03d}" for n in range(1, 41)]
    assert {len(row) for row in rows} == {9}  # the site and a mark for each of 8 services
    assert max(len(line) for line in out.splitlines()) <= COLUMNS


def test_a_configuration_is_summarised_by_role_and_change():
    """mse's 2018 decision against its 2016 status quo (options.yaml, roles.yaml): Basildon as seh
    loses elective_inpatient, which seh does not bring; Broomfield and Southend as ec lose
    major_emergency, which ec does not bring; nothing opens."""
    instance = load_instance("mse")
    lines = configuration_lines(instance, option_configuration(instance, "decision_2018"), COLUMNS)
    assert lines[:2] == ["seh (1): basildon", "ec (2): broomfield, southend"]
    assert lines[-3:] == ["against the status quo, 3 of 3 sites change:",
                          "  - closes major_emergency (2): broomfield, southend",
                          "  - closes elective_inpatient (1): basildon"]
    assert all(len(line) <= COLUMNS for line in lines)
    status_quo = configuration_lines(instance, option_configuration(instance, "status_quo"), COLUMNS)
    assert status_quo == ["the status quo: no service line opened or closed"]


def test_the_site_table_numbers_services_that_would_not_fit():
    instance = load_instance("mse")
    configuration = option_configuration(instance, "decision_2018")
    narrow, wide = Console(width=COLUMNS, record=True), Console(width=400, record=True)
    narrow.print(site_table(instance, configuration, COLUMNS))
    wide.print(site_table(instance, configuration, 400))
    narrow_text, wide_text = narrow.export_text(), wide.export_text()
    assert narrow_text.splitlines()[1].split() == ["site", "role", *map(str, range(1, 18))]
    assert narrow_text.splitlines()[2].split()[:4] == ["basildon", "seh", "●", "●"]
    assert narrow_text.splitlines()[5].startswith("1 emergency, 2 major_emergency, 3 critical_care,")
    assert max(len(line) for line in narrow_text.splitlines()) <= COLUMNS
    assert wide_text.splitlines()[1].split()[:4] == ["site", "role", "emergency", "major_emergency"]


def test_a_configuration_not_proved_optimal_says_so():
    solution = Solution(option_configuration(load_instance("mse"), "1A"), 1.5, {}, None, None, "feasible", 0.02)
    assert status_line("#1", solution) == "#1  objective 1.5000, NOT proved optimal (feasible, gap 2.00%)"


def test_every_verb_that_solves_takes_a_time_limit_and_gap(capsys):
    code = main(["evaluate", "mse", "1A", "--time-limit", "60", "--gap", "0.01"])
    out = capsys.readouterr().out
    assert code == 0
    assert "1A  objective 1.4123, proved optimal" in out
    for verb in ("study", "report"):
        with pytest.raises(SystemExit):
            main([verb, "--help"])
        assert "--time-limit TIME_LIMIT" in capsys.readouterr().out
