"""The command line: exit codes 0 / 1 / 2, problems printed in full, nothing overwritten."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimiser.cli.app import main
from optimiser.instance.generate import generate_instance
from optimiser.model.pmedian import write_pmedian_instance
from optimiser.search import scout as scouting

PMED = Path(__file__).parent / "data" / "pmed"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_a_valid_instance(capsys, tiny):
    code, out, _ = run(capsys, "validate", str(tiny.path))
    assert code == 0
    assert "3 sites, 4 zones (180,000 people), 3 service lines, 4 road junctions, 4 roads, 1 named options" in out
    assert "yearly demand: emergency 36,000 attendances; obstetrics 1,800 births; cancer 900 patients" in out
    assert ("by car, with every site open (no configuration yet), the nearest site is 0 min away for the median "
            "zone, 6 min at worst (Middle Town)") in out
    assert "✓ tiny: every file is valid; no cheap proof of infeasibility" in out


def test_validate_bad_input_exits_2_with_every_problem(capsys, tiny):
    tiny.replace("zones.csv", "30000", "lots").replace("sites.csv", "51.60,0.50,true", "51.60,0.50,maybe")
    code, out, err = run(capsys, "validate", str(tiny.path))
    assert code == 2
    assert "instance 'tiny' cannot be used (2):" in err
    assert "error sites.csv, row 2, column exists: 'maybe' is not true or false. Write true or false" in err
    assert "error zones.csv, row 3, column population: 'lots' is not a number. Write a number" in err
    assert "Traceback" not in err + out


def test_validate_infeasible_exits_1_with_the_proof(capsys, tiny):
    tiny.replace("services.yaml", "  min_volume: 500", "  min_volume: 1000\n  min_sites: 2")
    code, out, _ = run(capsys, "validate", str(tiny.path))
    assert code == 1
    assert "no configuration can meet these rules (1):" in out
    assert "needs at least 1,000 births per unit at 2 units: 1,800 births in the instance" in out


def test_validate_json(capsys, tiny):
    tiny.replace("sites.csv", "east,East Hospital,51.55,0.65", "east,East Hospital,51.60,0.70")
    code, out, _ = run(capsys, "validate", str(tiny.path), "--json")
    document = json.loads(out)
    assert code == 0
    assert document["valid"] is True
    assert document["problems"][0]["severity"] == "warning"
    assert document["problems"][0]["file"] == "sites.csv"
    assert document["problems"][0]["row"] == 4


def test_unknown_instance_is_one_red_line(capsys):
    code, _, err = run(capsys, "validate", "no-such-instance")
    assert code == 2
    assert err.startswith("error: no instance 'no-such-instance': it is neither a folder nor a named instance")


def test_debug_shows_the_traceback(tiny):
    tiny.replace("zones.csv", "30000", "lots")
    with pytest.raises(ValueError):
        main(["validate", str(tiny.path), "--debug"])


def test_travel_prints_the_matrix(capsys, tiny):
    code, out, _ = run(capsys, "travel", str(tiny.path), "--mode", "bluelight")
    assert code == 0
    assert "tiny: minutes by bluelight" in out
    assert out.splitlines()[-1].split() == ["East", "Town", "14", "14", "0"]


def test_travel_csv_never_overwrites(capsys, tiny, tmp_path):
    target = tmp_path / "times.csv"
    target.write_text("my notes")
    code, _, err = run(capsys, "travel", str(tiny.path), "--csv", str(target))
    assert code == 2
    assert f"error: {target} exists: choose a new file name, or pass --force to replace it" in err
    assert target.read_text() == "my notes"
    code, _, _ = run(capsys, "travel", str(tiny.path), "--csv", str(target), "--force")
    assert code == 0
    assert target.read_text().splitlines()[0] == "zone_id,north,south,east"


def test_the_console_script_exits_with_the_code(tiny):
    tiny.replace("zones.csv", "30000", "lots")
    result = subprocess.run([sys.executable, "-m", "optimiser", "validate", str(tiny.path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "zones.csv, row 3, column population: 'lots' is not a number" in result.stderr


def test_generate_writes_a_valid_instance_and_never_into_a_used_folder(capsys, tmp_path):
    folder = tmp_path / "synthetic"
    code, out, _ = run(capsys, "generate", str(folder), "--sites", "4", "--zones", "30", "--services", "5",
                       "--seed", "7")
    assert code == 0
    assert out.strip() == f"wrote synthetic instance to {folder} (seed 7)"
    code, out, _ = run(capsys, "validate", str(folder))
    assert code == 0
    assert "4 sites, 30 zones" in out
    code, _, err = run(capsys, "generate", str(folder), "--seed", "8")
    assert code == 2
    assert "will not generate into" in err


def test_list_shows_one_line_per_bundled_instance(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert lines["mse"].split()[1:7] == ["3", "sites", "26", "zones", "17", "services"]
    assert {"hampshire", "dorset"} <= set(lines)


def test_validate_json_on_bad_input_lists_the_problems(capsys, tiny):
    tiny.replace("zones.csv", "30000", "lots")
    code, out, _ = run(capsys, "validate", str(tiny.path), "--json")
    document = json.loads(out)
    assert code == 2
    assert document["valid"] is False
    assert document["problems"] == [{"file": "zones.csv", "message": "'lots' is not a number", "row": 3,
                                     "column": "population", "fix": "Write a number", "severity": "error"}]


def test_mse_is_the_default_instance(capsys):
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert out.startswith("mse — ")


def test_solve_prints_the_ranked_table(capsys):
    code, out, _ = run(capsys, "solve", "mse", "--top", "3")
    assert code == 0
    assert "mse: best 3 configurations" in out
    assert "solver HiGHS" in out
    assert "optimal" in out


def test_solve_json_is_machine_readable(capsys):
    code, out, _ = run(capsys, "solve", "mse", "--top", "2", "--json")
    document = json.loads(out)
    assert code == 0
    assert [r["rank"] for r in document["ranked"]] == [1, 2]
    assert set(document["ranked"][0]["hosts"]) == {"basildon", "southend", "broomfield"}
    assert document["diagnosis"] is None
    assert document["formulation"] == "classic" and document["restriction"] is None  # capacitated, and small


def test_solve_says_when_the_search_ran_on_the_radius_formulation(capsys, tmp_path):
    folder = write_pmedian_instance(PMED / "pmed1.txt", tmp_path / "pmed1")  # uncapacitated
    code, out, _ = run(capsys, "solve", str(folder))
    assert code == 0
    assert ("allocation: uncapacitated, so every zone is served by its cheapest open site and the search ran on "
            "the radius formulation (every candidate site, rows made as needed)") in out
    code, out, _ = run(capsys, "solve", str(folder), "--json")
    document = json.loads(out)
    assert document["formulation"] == "radius" and document["restriction"] is None
    assert document["ranked"][0]["status"] == "optimal"


def test_solve_infeasible_exits_1_with_the_diagnosis(capsys, tiny):
    tiny.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 10")
    code, out, _ = run(capsys, "solve", str(tiny.path))
    assert code == 1
    assert "tiny: no configuration meets every rule" in out
    assert "rules in conflict:" in out


def test_solve_bad_weight_exits_2(capsys):
    code, _, err = run(capsys, "solve", "mse", "--weight", "travel=fast")
    assert code == 2
    assert "error: --weight 'travel=fast': write CRITERION=NUMBER, e.g. --weight travel=2" in err


def test_evaluate_lists_the_named_options_and_what_they_break(capsys):
    code, out, _ = run(capsys, "evaluate", "mse")
    assert code == 0
    assert "status_quo breaks sites_max:" in out
    assert "2A breaks colocated:" in out
    for option in ("1A", "1B", "1C"):
        assert f"│ {option} " in out


def test_report_writes_html_and_never_overwrites(capsys, tmp_path):
    pytest.importorskip("jinja2", reason="the report needs the optional extra [report]")
    target = tmp_path / "mse.html"
    code, out, _ = run(capsys, "report", "mse", "-o", str(target), "--top", "2", "--samples", "500")
    assert code == 0
    assert "recommended: #1" in out
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, _, err = run(capsys, "report", "mse", "-o", str(target), "--top", "2", "--samples", "500")
    assert code == 2
    assert f"error: {target} exists: choose a new file name, or pass --force to replace it" in err


def test_report_without_the_extra_is_a_clear_error(capsys, monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "reports.render", None)
    code, _, err = run(capsys, "report", "mse", "-o", str(tmp_path / "r.html"))
    assert code == 2
    assert 'pip install "hospital-site-optimiser[report]"' in err


def test_brackets_in_messages_are_printed_not_read_as_styles(capsys, tiny):
    tiny.replace("roles.yaml", "services: [emergency, obstetrics]", "services: emergency")
    code, _, err = run(capsys, "validate", str(tiny.path))
    assert code == 2
    assert "must be a list of identifiers, e.g. [emergency, obstetrics]" in err


def test_sweep_runs_one_at_a_time_and_prints_the_tornado(capsys, tmp_path):
    pytest.importorskip("pyarrow", reason="sweeps need the optional extra [sweep]")
    code, out, _ = run(capsys, "sweep", "mse", "--design", "oat", "--param", "weights.travel=0.5:2",
                       "--workers", "0", "--top", "1", "-o", str(tmp_path / "sweep"))
    assert code == 0
    assert "3 scenarios solved, 0 failed" in out
    assert "weights.travel" in out


def test_sweep_without_parameters_is_a_clear_error(capsys, tmp_path):
    pytest.importorskip("pyarrow", reason="sweeps need the optional extra [sweep]")
    code, _, err = run(capsys, "sweep", "mse", "--design", "oat", "-o", str(tmp_path / "sweep"))
    assert code == 2
    assert "error: --design oat needs at least one --param NAME=LOW:HIGH" in err


def test_solve_nearest_grows_until_exact_and_says_so(capsys, tiny):
    """With one nearest site per zone most zones cannot reach cancer at east (given): the kept sites grow
    (here to all 4 zones × 3 sites × 3 services, past half of them) until no zone needs more."""
    code, out, _ = run(capsys, "solve", str(tiny.path), "--nearest", "1")
    assert code == 0
    assert "allocation pairs: 36 of 36 (each zone's nearest sites, 2 rounds); no zone needed a farther site, so " \
           "these are the full model's results" in out


def test_solve_stopped_before_any_configuration_says_so_and_exits_3(capsys, tiny):
    """Not a proof of infeasibility, so no diagnosis: the tiny instance's status quo breaks its rules, and no time
    is given to find another configuration."""
    code, out, _ = run(capsys, "solve", str(tiny.path), "--time-limit", "0")
    assert code == 3
    assert "tiny: the time limit of 0 s ended the search before it found any configuration; allow more time " \
           "with --time-limit" in out


def test_solve_stopped_with_farther_sites_needed_says_the_answer_was_evaluated(capsys, tmp_path):
    folder = generate_instance(tmp_path / "g", sites=10, zones=80, services=5, seed=4)
    code, out, _ = run(capsys, "solve", str(folder), "--nearest", "1", "--time-limit", "0")
    assert code == 0
    assert "rounds); the time limit stopped the search, so the last configuration found was evaluated with each " \
           "zone's nearest hosts added" in out
    assert "rank 1 is feasible, not proved optimal: gap no bound yet" in out


def test_a_solver_defect_is_one_red_line_and_exit_3(capsys, tiny, monkeypatch):
    """What the solver returned is not an answer (solvers.highs.SolverDefect): no traceback, no result."""
    from solvers.highs import HighsSession, SolverDefect

    def defective(self):
        raise SolverDefect("HiGHS 9.9.9 reported objective 1, but the solution it returned has objective 2")

    monkeypatch.setattr(HighsSession, "solve", defective)
    code, out, err = run(capsys, "solve", str(tiny.path))
    assert code == 3
    assert "solver error: HiGHS 9.9.9 reported objective 1, but the solution it returned has objective 2" in err
    assert "Traceback" not in err + out


def test_solve_shows_the_search_as_it_runs(capsys, monkeypatch, tmp_path):
    """The status line follows HiGHS: the configurations found, and where the running search stands (its words
    are those of test_progress_in_words; reports come at most once a second, and this search takes less)."""
    from pathlib import Path

    from rich.status import Status

    from optimiser.model.pmedian import write_pmedian_instance

    shown: list[str] = []
    monkeypatch.setattr(Status, "update", lambda self, status=None, **_: shown.append(str(status)))
    folder = write_pmedian_instance(Path(__file__).parent / "data" / "pmed" / "pmed2.txt", tmp_path / "pmed2")
    code, _, _ = run(capsys, "solve", str(folder))
    assert code == 0
    running = [line for line in shown if line.startswith("Solving pmed2: 0 of 1 configurations found; ")]
    assert running, shown


def test_progress_in_words():
    from optimiser.appraisal.display import progress_text
    from solvers.highs import Progress

    assert progress_text(Progress(48.2, 1.25541, 1.25047, 0.003938, 0)) == \
        "best 1.2554, bound 1.2505 (gap 0.39%) after 48 s"
    assert progress_text(Progress(2.0, None, None, None, 0)) == "no configuration yet after 2 s"
    assert progress_text(Progress(48.2, 1.25541, 1.25047, 0.003938, 0, provisional=True)) == \
        "best 1.2554 over the nearest sites kept, bound 1.2505 (gap 0.39%) after 48 s"


def test_solve_prints_the_relaxations_bound_when_it_scouts(capsys, tmp_path):
    """A restricted capacitated model (each zone's 2 nearest sites to start) is scouted by its relaxation
    without capacity, volume and coverage rules: 1.39711 against the optimum 1.39721 (tests/test_radius.py)."""
    folder = generate_instance(tmp_path / "c", sites=10, zones=80, services=5, seed=1)
    code, out, _ = run(capsys, "solve", str(folder), "--nearest", "2")
    assert code == 0
    assert "bound from the relaxation without capacity, volume and coverage rules (radius formulation): 1.39711" in out
    code, out, _ = run(capsys, "solve", str(folder), "--nearest", "2", "--json")
    document = json.loads(out)
    assert document["relaxation_bound"] == pytest.approx(1.397108, abs=1e-6)
    assert document["restriction"]["scouted"] is False and document["ranked"][0]["status"] == "optimal"


@pytest.mark.parametrize(("seed", "moves"), [(2, "4 services opened"), (6, "3 services opened and 1 service closed")])
def test_solve_says_how_many_services_the_scouts_configuration_opened_and_closed(capsys, tmp_path, budget_spent_after,
                                                                                 seed, moves):
    """The search is left no time after the scout's configuration is improved (seed 2: four services opened,
    1.360134 -> 1.345844; seed 6: three opened, then one of them closed again, 1.420196 -> 1.418428:
    tests/test_radius.py), so that configuration is the answer, and the CLI says so."""
    budget_spent_after("improved", scouting)
    folder = generate_instance(tmp_path / "g", sites=15, zones=200, services=5, seed=seed)
    code, out, _ = run(capsys, "solve", str(folder), "--nearest", "2", "--time-limit", "3600")
    assert code == 0
    assert "the best answer is the configuration of the relaxation without capacity, volume and coverage rules, " \
           f"served at each zone's nearest hosts, with {moves} where that allocation showed it pays" \
           in " ".join(out.split())  # a line wrapped to the width of the output
