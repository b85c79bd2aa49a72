"""Hostile input: no file, string, number or option crashes the engine, misleads it or makes it read
outside the instance folder (issue 23, items 6 to 12).

The corpus is made here, not committed: each case copies the tiny instance and breaks it one way
(encodings, empty and unreadable files, links out of the folder, markup and control characters in
free text, absurd numbers). Every case must end in exit 2 with the exact problem, from every command
that loads an instance, and in valid JSON with ``--json``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TINY, Folder
from test_cli import run

from optimiser import InstanceError, load_instance
from optimiser.errors import Problem, Severity
from optimiser.instance.folder import instance_folders
from optimiser.instance.schema import instance_schema

UTF8_CSV = "Save it as UTF-8 (in Excel: Save As, 'CSV UTF-8'; in a text editor: encoding UTF-8)"
UTF8_YAML = "Save it as UTF-8 (in a text editor: encoding UTF-8)"
OUTSIDE = "links outside the instance folder, which is all the engine reads. Copy what it links to into the " \
          "folder instead of linking to it"


def text(folder: Folder, file: str) -> str:
    return (folder.path / file).read_text(encoding="utf-8")


def encode(folder: Folder, file: str, encoding: str, old: str = "", new: str = "") -> None:
    """Write ``file`` again in another encoding, with ``old`` replaced by ``new`` (a character it changes)."""
    (folder.path / file).write_bytes(text(folder, file).replace(old, new).encode(encoding))


def make_folder(folder: Folder, file: str) -> None:
    (folder.path / file).unlink()
    (folder.path / file).mkdir()


def link_out(folder: Folder, file: str) -> None:
    """Move ``file`` out of the folder and leave a link to it: its content is valid, its place is not."""
    moved = folder.path.parent / f"elsewhere-{file}"
    (folder.path / file).rename(moved)
    (folder.path / file).symlink_to(moved)


#: One broken copy of the tiny instance per case: how it is broken, and the one problem it must give.
HOSTILE: dict[str, tuple[Callable, str]] = {
    "yaml in Latin-1": (
        lambda f: encode(f, "instance.yaml", "latin-1", "Three sites", "Café: three sites"),
        f"instance.yaml, row 3: is not UTF-8 text: byte 0xe9 cannot be read (Latin-1 or Windows-1252?). {UTF8_YAML}"),
    "yaml in UTF-16": (
        lambda f: encode(f, "services.yaml", "utf-16"),
        f"services.yaml: is UTF-16 text, not UTF-8. {UTF8_YAML}"),
    "yaml with a raw escape character": (
        lambda f: f.replace("roles.yaml", "name: Acute hospital", "name: Acute\x1b[2J hospital"),
        'roles.yaml, row 2: holds a control character (U+001B), which YAML does not allow. Remove it; inside '
        'double quotes, write it as an escape such as "\\e"'),
    "csv in Latin-1": (
        lambda f: encode(f, "zones.csv", "latin-1", "Middle Town", "Middle Töwn"),
        f"zones.csv, row 3: is not UTF-8 text: byte 0xf6 cannot be read (Latin-1 or Windows-1252?). {UTF8_CSV}"),
    "csv in UTF-16": (
        lambda f: encode(f, "sites.csv", "utf-16"),
        f"sites.csv: is UTF-16 text, not UTF-8. {UTF8_CSV}"),
    "csv of 0 bytes": (
        lambda f: f.write("givens.csv", ""),
        "givens.csv: is empty: it has no header row. Write the header row (site_id,service_id,hosts,source) and "
        "the rows under it, or remove the file"),
    "csv of blank lines": (
        lambda f: f.write("codependencies.csv", "\n\n\n"),
        "codependencies.csv: is empty: it has no header row. Write the header row (service_a,rule,service_b,"
        "within_min,mode,grade,transfer_share,source) and the rows under it, or remove the file"),
    "a folder named as a file": (
        lambda f: make_folder(f, "sites.csv"),
        "sites.csv: is a folder, not a file. Move the folder away and put the file in its place"),
    "zones with a header and no rows": (
        lambda f: f.write("zones.csv", text(f, "zones.csv").splitlines()[0] + "\n"),
        "zones.csv: has no rows. Every instance needs at least one: Demand areas (localities, MSOAs) with "
        "population, deprivation and a centroid."),
    "services with no records": (
        lambda f: f.write("services.yaml", "{}\n"),
        "services.yaml: has no records. Every instance needs at least one: Service lines: demand rate, standards, "
        "site counts, volumes, costs and rotas."),
    "an empty instance.yaml": (
        lambda f: f.write("instance.yaml", ""),
        "instance.yaml: is empty. Every instance needs it: What the instance is: its name, title, year, the area "
        "it covers and instance-wide settings."),
    "a README linked to /etc/passwd": (
        lambda f: (f.path / "README.md").symlink_to("/etc/passwd"),
        f"README.md: {OUTSIDE}"),
    "a folder linked to /etc": (
        lambda f: (f.path / "data").symlink_to("/etc"),
        f"data: {OUTSIDE}"),
    "sites.csv linked from outside": (
        lambda f: link_out(f, "sites.csv"),
        f"sites.csv: {OUTSIDE}"),
    "roads: naming /etc/passwd": (
        lambda f: f.append("instance.yaml", "roads: ../../../../etc/passwd"),
        "instance.yaml, row 11, column roads: '../../../../etc/passwd' is neither roads.csv nor a GraphML file "
        "(.graphml). Write roads: roads.csv (with road_nodes.csv), or the name of a .graphml file in the instance "
        "folder"),
    "roads: naming a graph outside": (
        lambda f: f.append("instance.yaml", "roads: ../roads.graphml"),
        "instance.yaml, row 11, column roads: '../roads.graphml' lies outside the instance folder, which is all "
        "the engine reads. Copy the GraphML file into the folder and name it there, e.g. roads: roads.graphml"),
    "a trailing comma on data rows only": (
        lambda f: f.write("sites.csv", text(f, "sites.csv").replace("\n", ",\n").replace("notes,\n", "notes\n")),
        "sites.csv, row 2: every row has one cell more than the header (a comma at the end of each row?). Remove "
        "the trailing commas, or add the missing column to the header"),
    "one row with a cell too many": (
        lambda f: f.replace("zones.csv", "30000,2,A", "30000,2,A,"),
        "zones.csv, row 3: the row has 8 cells where the header has 7. Remove the extra commas, or put a cell "
        "that holds a comma in double quotes"),
    "a population of 1e308": (
        lambda f: f.replace("zones.csv", "50000", "1e308"),
        "zones.csv, row 2, column population: 1e+308 is above the largest allowed value, 1,000,000,000 people. "
        "Resident population."),
    "a road 1e308 km long": (
        lambda f: f.replace("roads.csv", "N,M,single,6,", "N,M,single,1e308,"),
        "roads.csv, row 2, column length_km: 1e+308 is above the largest allowed value, 1,000 km. Length of the "
        "road between the two junctions."),
    "a road at 1e308 km/h": (
        lambda f: f.replace("roads.csv", "N,M,single,6,60", "N,M,single,6,1e308"),
        "roads.csv, row 2, column speed_kmh: 1e+308 is above the largest allowed value, 300 km/h. Typical car "
        "speed on the road."),
}


@pytest.fixture(params=list(HOSTILE))
def hostile(request, tiny):
    """The tiny instance broken one way, with the problem it must give."""
    breaks, problem = HOSTILE[request.param]
    breaks(tiny)
    return tiny, problem


def test_each_hostile_folder_is_one_problem_naming_the_file_and_the_fix(hostile):
    folder, problem = hostile
    with pytest.raises(InstanceError) as caught:
        load_instance(folder.path)
    assert [str(p) for p in caught.value.problems] == [problem]


@pytest.mark.parametrize("command", ["validate", "solve", "evaluate", "travel", "report"])
def test_every_command_exits_2_with_the_problem(capsys, hostile, command, tmp_path):
    """Nothing is read past the problem: the report is not written, the README not copied."""
    folder, problem = hostile
    output = ["-o", str(tmp_path / "report.html")] if command == "report" else []
    code, out, err = run(capsys, command, str(folder.path), *output)
    assert code == 2
    assert err.splitlines() == ["instance 'tiny' cannot be used (1):", f"  error {problem}"]
    assert out == ""
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("command", ["validate", "solve", "evaluate"])
def test_every_command_with_json_prints_the_problem_as_json(capsys, hostile, command):
    folder, problem = hostile
    code, out, err = run(capsys, command, str(folder.path), "--json")
    document = json.loads(out)
    assert (code, err) == (2, "")
    assert document["valid"] is False
    assert [str(Problem(**{**p, "severity": Severity(p["severity"])})) for p in document["problems"]] == [problem]


def test_a_file_without_read_permission_is_a_problem(capsys, tiny, monkeypatch):
    """Root reads any file whatever its mode, so as root the test makes os.access answer as it would
    for anyone else."""
    (tiny.path / "roles.yaml").chmod(0)
    if os.geteuid() == 0:
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path).name != "roles.yaml"
                            and real_access(path, mode))
    code, _, err = run(capsys, "validate", str(tiny.path))
    assert code == 2
    assert err.splitlines() == ["instance 'tiny' cannot be used (1):", "  error roles.yaml: cannot be read: "
                                "permission denied. Allow reading it (chmod a+r) or copy it anew"]


def test_links_inside_the_folder_are_followed(tiny):
    """Only links that lead out are refused: a table kept in a subfolder and linked is read."""
    (tiny.path / "tables").mkdir()
    (tiny.path / "sites.csv").rename(tiny.path / "tables" / "sites.csv")
    (tiny.path / "sites.csv").symlink_to(Path("tables") / "sites.csv")
    assert list(load_instance(tiny.path).sites.index) == ["north", "south", "east"]


@pytest.mark.parametrize("command", ["validate", "solve", "evaluate"])
def test_a_missing_instance_with_json_is_json(capsys, command, tmp_path):
    code, out, err = run(capsys, command, str(tmp_path / "nowhere"), "--json")
    assert (code, err) == (2, "")
    assert json.loads(out) == {"valid": False, "error": f"no instance {str(tmp_path / 'nowhere')!r}: it is neither "
                               f"a folder nor a named instance (named instances: {', '.join(instance_folders())})"}


# --- item 8: instance text is printed as text -----------------------------------------------------

#: Rich markup and terminal control sequences: a colour, an OSC 8 hyperlink ended by a bell, a C1 "clear screen".
HOSTILE_NAME = "Leigh [/] Westcliff [b]bold[/b] \x1b[31mred \x1b]8;;http://x.example\x07link\x1b]8;;\x07 \x9b2J"
#: The same in a double-quoted YAML string, which writes ESC as \e.
HOSTILE_YAML = HOSTILE_NAME.replace("\x1b", "\\e").replace("\x07", "\\a").replace("\x9b", "\\x9b")
#: The same as it must be printed: every character but the control ones.
SHOWN_NAME = "Leigh [/] Westcliff [b]bold[/b] [31mred ]8;;http://x.examplelink]8;; 2J"


@pytest.fixture
def marked_up(tiny):
    """Markup and control characters in every free-text field a command prints: the instance's name and
    title (YAML writes ESC as \\e), zone and site names, and a service's activity."""
    tiny.replace("instance.yaml", "name: tiny", f'name: "tiny {HOSTILE_YAML}"')
    tiny.replace("instance.yaml", "title: Tiny hand-checkable test instance",
                 f'title: "{HOSTILE_YAML} Tiny hand-checkable test instance"')
    tiny.replace("zones.csv", "Middle Town", HOSTILE_NAME)
    tiny.replace("sites.csv", "North Hospital", HOSTILE_NAME)
    tiny.replace("services.yaml", "activity: births", f'activity: "births {HOSTILE_YAML}"')
    return tiny


@pytest.mark.parametrize("command, shown", [
    ("validate", f"tiny {SHOWN_NAME} — {SHOWN_NAME} Tiny hand-checkable test instance (2024)"),
    ("validate", f"obstetrics 1,800 births {SHOWN_NAME}"),
    ("validate", f"6 min at worst ({SHOWN_NAME})"),
    ("travel", f"tiny {SHOWN_NAME}: minutes by car"),
    ("travel", f"{SHOWN_NAME}  "),
    ("solve", f"tiny {SHOWN_NAME}: best 1 configurations"),
    ("evaluate", f"tiny {SHOWN_NAME}: named options"),
])
def test_markup_and_control_characters_are_printed_as_text(capsys, marked_up, command, shown):
    code, out, err = run(capsys, command, str(marked_up.path))
    assert (code, err) == (0, "")
    assert shown in out
    assert not {"\x1b", "\x07", "\x9b"} & set(out)


@pytest.mark.parametrize("command, exit_code", [("evaluate", 0), ("solve", 1)])
def test_markup_and_control_characters_in_a_broken_rule_are_printed_as_text(capsys, marked_up, command, exit_code):
    """A service's name reaches the diagnosis: obstetrics at 1,000 births per unit cannot be met (1,800 births)
    with the status quo's two units, nor by any configuration with the south's 200 births apart."""
    marked_up.replace("services.yaml", "name: Obstetrics", f'name: "{HOSTILE_YAML}"')
    marked_up.replace("services.yaml", "min_volume: 500", "min_volume: 1000")
    code, out, err = run(capsys, command, str(marked_up.path))
    assert (code, err) == (exit_code, "")
    broken = f"  - {SHOWN_NAME} at south: 200 births {SHOWN_NAME} below the minimum of 1,000 per unit"
    assert " ".join(broken.split()) in " ".join(out.split())  # evaluate wraps it to the width of the output
    assert not {"\x1b", "\x07", "\x9b"} & set(out)


def test_markup_and_control_characters_in_a_problem_are_printed_as_text(capsys, tiny):
    tiny.replace("zones.csv", "group", HOSTILE_NAME)
    code, _, err = run(capsys, "validate", str(tiny.path))
    assert code == 2
    assert f"error zones.csv, row 1, column {SHOWN_NAME}: unknown column." in err
    assert not {"\x1b", "\x07", "\x9b"} & set(err)


def test_json_escapes_control_characters_and_keeps_the_text(capsys, marked_up):
    code, out, _ = run(capsys, "validate", str(marked_up.path), "--json")
    assert code == 0
    assert json.loads(out)["instance"] == f"tiny {HOSTILE_NAME}"
    assert not {"\x1b", "\x07", "\x9b"} & set(out)


# --- item 9: numbers have bounds ------------------------------------------------------------------

@pytest.mark.parametrize("field", [(s.file, f) for s in instance_schema() for f in s.fields
                                   if f.type in ("int", "float")], ids=lambda sf: f"{sf[0]}:{sf[1].name}")
def test_every_number_in_the_schema_has_both_bounds(field):
    """Beyond them a number is a typo, and arithmetic on it would overflow (1e308 people × a rate)."""
    _, f = field
    assert f.min is not None and f.max is not None
    assert f.min < f.max


# --- item 10: options are checked before any work ------------------------------------------------

FRACTION = "a fraction from 0 up to, not including, 1 (0.01 is 1%)"


@pytest.mark.parametrize("argv, message", [
    (["solve", "--time-limit", "-5"], "argument --time-limit: '-5' is not a number of seconds, 0 or more"),
    (["solve", "--time-limit", "nan"], "argument --time-limit: 'nan' is not a number of seconds, 0 or more"),
    (["solve", "--time-limit", "inf"], "argument --time-limit: 'inf' is not a number of seconds, 0 or more"),
    (["solve", "--gap", "-0.1"], f"argument --gap: '-0.1' is not {FRACTION}"),
    (["solve", "--gap", "nan"], f"argument --gap: 'nan' is not {FRACTION}"),
    (["solve", "--gap", "2"], f"argument --gap: '2' is not {FRACTION}"),
    (["solve", "--gap", "1"], f"argument --gap: '1' is not {FRACTION}"),
    (["solve", "--threads", "-2"], "argument --threads: '-2' is not a whole number of 1 or more"),
    (["solve", "--top", "0"], "argument --top: '0' is not a whole number of 1 or more"),
    (["solve", "--top", "2.5"], "argument --top: '2.5' is not a whole number of 1 or more"),
    (["solve", "--nearest", "-1"], "argument --nearest: '-1' is not a whole number of 0 or more"),
    (["report", "-o", "r.html", "--top", "0"], "argument --top: '0' is not a whole number of 1 or more"),
    (["report", "-o", "r.html", "--samples", "-1"], "argument --samples: '-1' is not a whole number of 1 or more"),
    (["report", "-o", "r.html", "--seed", "-1"], "argument --seed: '-1' is not a whole number of 0 or more"),
    (["sweep", "--design", "oat", "-o", "s", "--workers", "-1"],
     "argument --workers: '-1' is not a whole number of 0 or more"),
    (["sweep", "--design", "grid", "-o", "s", "--levels", "0"], "argument --levels: '0' is not a whole number of 1 "
                                                                "or more"),
    (["generate", "out", "--sites", "0"], "argument --sites: '0' is not a whole number of 1 or more"),
])
def test_a_wrong_option_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"error: optimiser {argv[0]}: {message} (see optimiser {argv[0]} --help)"]


@pytest.mark.parametrize("weight, shown", [("1e308", "1e+308"), ("nan", "nan"), ("-1", "-1.0")])
def test_a_weight_beyond_the_schemas_bounds_is_refused_before_it_overflows(capsys, tiny, weight, shown):
    """The bounds of weights.yaml's schema hold for --weight too: 1e308 used to overflow the objective."""
    code, _, err = run(capsys, "solve", str(tiny.path), "--weight", f"travel={weight}")
    assert code == 2
    assert err.splitlines() == [f"error: the weight of travel must be a number from 0 to 1,000,000, not {shown}"]


def test_a_wrong_option_with_json_is_json(capsys):
    code, out, err = run(capsys, "solve", "--gap", "2", "--json")
    assert (code, err) == (2, "")
    assert json.loads(out) == {"valid": False, "error": "optimiser solve: argument --gap: '2' is not a fraction "
                               "from 0 up to, not including, 1 (0.01 is 1%) (see optimiser solve --help)"}


# --- item 11: every problem at once ---------------------------------------------------------------

def test_every_readable_file_is_checked_and_a_copy_is_named_by_its_folder(capsys, tmp_path):
    """A bad latitude in sites.csv and an unreadable roles.yaml must not hide an unknown service in
    codependencies.csv; options.yaml's roles are not reported unknown because roles.yaml could not be
    read (an echo). The copy is called by its folder's name, not by the name inside instance.yaml."""
    copy = Folder(Path(shutil.copytree(TINY, tmp_path / "my_copy")))
    copy.replace("sites.csv", "51.60,0.50,true", "north-ish,0.50,true")
    copy.replace("codependencies.csv", "obstetrics,colocated", "obstetric,colocated")
    encode(copy, "roles.yaml", "utf-16")
    code, _, err = run(capsys, "validate", str(copy.path))
    assert code == 2
    assert err.splitlines() == [
        "instance 'my_copy' cannot be used (3):",
        "  error sites.csv, row 2, column lat: 'north-ish' is not a number. Write a number",
        f"  error roles.yaml: is UTF-16 text, not UTF-8. {UTF8_YAML}",
        "  error codependencies.csv, row 2, column service_a: unknown service 'obstetric'. Did you mean "
        "'obstetrics'? Known services (from services): cancer, emergency, obstetrics",
    ]


# --- item 12: output paths ------------------------------------------------------------------------

def test_sweep_into_an_existing_file_is_refused_and_the_file_kept(capsys, tiny, tmp_path):
    kept = tmp_path / "notes.txt"
    kept.write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, "sweep", str(tiny.path), "--design", "oat", "--param", "weights.travel=0.5:2",
                       "-o", str(kept))
    assert code == 2
    assert err.splitlines() == [f"error: -o {kept} is a file: name the folder of the sweep's results (a new one, "
                                "or one to resume)"]
    assert kept.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("argv", [["report", "-o", "{dir}", "--force"], ["travel", "--csv", "{dir}", "--force"]])
def test_writing_a_file_over_a_folder_is_refused(capsys, tiny, tmp_path, argv):
    folder = tmp_path / "out"
    (folder / "inside").mkdir(parents=True)
    code, _, err = run(capsys, argv[0], str(tiny.path), *(a.format(dir=folder) for a in argv[1:]))
    assert code == 2
    assert err.splitlines() == [f"error: {folder} is a folder: name the file to write (inside it, if you like)"]
    assert [p.name for p in folder.iterdir()] == ["inside"]


def test_a_report_named_pdf_is_refused_so_the_pdf_cannot_replace_the_html(capsys, tiny, tmp_path):
    code, _, err = run(capsys, "report", str(tiny.path), "-o", str(tmp_path / "x.pdf"), "--pdf")
    assert code == 2
    assert err.splitlines() == [f"error: -o {tmp_path / 'x.pdf'}: the report is HTML, so name an .html file "
                                f"({tmp_path / 'x.html'}); --pdf writes the PDF beside it"]
    assert list(tmp_path.iterdir()) == [tiny.path]


def test_a_file_under_a_file_is_refused(capsys, tiny, tmp_path):
    blocker = tmp_path / "plain"
    blocker.write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, "travel", str(tiny.path), "--csv", str(blocker / "times.csv"))
    assert code == 2
    assert err.splitlines() == [f"error: cannot make the folder of {blocker / 'times.csv'}: File exists"]
    assert blocker.read_text(encoding="utf-8") == "mine"
