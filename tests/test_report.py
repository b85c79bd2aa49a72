"""The ranked option report: self-contained, escaped, deterministic, and readable in a browser and as a PDF."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
import subprocess
from dataclasses import replace
from html import unescape
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("jinja2", reason="the report extra is not installed (pip install -e '.[report]')")
pytest.importorskip("matplotlib", reason="the report extra is not installed (pip install -e '.[report]')")
pytest.importorskip("markdown_it", reason="the report extra is not installed (pip install -e '.[report]')")
pytest.importorskip("geopandas", reason="the report extra is not installed (pip install -e '.[report]')")

from optimiser import OptimiserError, load_instance
from optimiser.appraisal.scores import Study
from reports.render import _short_site, markdown, report

MSE = Path(__file__).resolve().parents[1] / "instances" / "mse"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DAY = dt.date(2025, 1, 6)
EXTERNAL = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["']?)"""
                      r"""(?:https?:)?//""", re.IGNORECASE)


def _study(folder: Path | str) -> Study:
    from optimiser.appraisal.study import study

    return study(load_instance(folder), top=5, samples=2_000)


@pytest.fixture(scope="module")
def mse() -> Study:
    return _study("mse")


@pytest.fixture(scope="module")
def mse_html(mse: Study, tmp_path_factory) -> Path:
    return report(mse, tmp_path_factory.mktemp("report") / "mse.html", today=DAY)[0]


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(f'id="{start}"'): html.index(f'id="{end}"')]


def _shown(study: Study, option: str) -> str:
    """How the report names an option: its id, or "status quo"."""
    source = study.appraisal.options.loc[option, "source"]
    return "status quo" if source == "status quo" else option


# --- content ----------------------------------------------------------------------------------

def test_report_is_self_contained_and_lists_every_option(mse: Study, mse_html: Path):
    html = mse_html.read_text(encoding="utf-8")
    assert not EXTERNAL.findall(html), "the report must reference nothing outside itself"
    assert re.findall(r'<img src="([^"]{0,22})', html) and all(
        src.startswith("data:image/png;base64,") for src in re.findall(r'<img src="([^"]{0,22})', html))
    formulas = re.findall(r'<img class="math" src="([^"]{0,26})', html)  # the formulation, typeset by mathtext
    assert formulas and all(src == "data:image/svg+xml;base64," for src in formulas)
    method = _section(html, "method", "reproducibility")
    assert not re.search(r"\\[a-zA-Z]+|\^\+|_\{", re.sub(r'<img [^>]*>', "", method)), "raw LaTeX in the annex"
    ranked = _section(html, "ranking", "maps")
    for option in mse.appraisal.ranking["option"]:
        assert f"<strong>{_shown(mse, option)}</strong>" in ranked
    assert "reference" in ranked
    recommended = mse.appraisal.recommended
    assert recommended is not None
    assert f'<strong class="option-name">{recommended}</strong>' in _section(html, "summary", "ranking")
    assert "Figures marked est. are estimates" in html  # the mse README marks estimates
    # the top three (mse's 2016 status quo breaks the one-centre rule of its models, so is not short-listed),
    # less those whose map is the same as one drawn, then the change and the gainers and losers of the recommended
    same = re.findall(r"</strong> \([^)]*\): the same map as #\d", html)
    assert html.count('class="map"') == 3 - len(same) + 2
    equity = _section(html, "equity", "robustness")  # the S-curve and shares by group, each in its unit
    assert "Access: who is within reach" in equity and "<th class=\"num\">30 min</th>" in equity
    assert "<td>deprivation quintile 1</td>" in equity
    titles = re.findall(r"<figcaption><strong>(#\d)</strong>: ([^.]*)\.", html)
    assert len({title for _, title in titles}) == len(titles)  # no two options carry the same label
    for section in ("change", "equity", "robustness", "hurdles", "assumptions", "method", "reproducibility"):
        assert f'id="{section}"' in html
    assert mse.checksum in html
    assert "demand_allocation" in _section(html, "method", "reproducibility")  # the formulation annex


def test_a_figure_is_the_same_number_in_every_view(mse: Study, mse_html: Path, capsys):
    """Option #1's mean trip per patient journey and its worst locality, from the metrics layer: the same in the
    CLI's --json (and equal to the model's own travel and worst_zone criteria, which share their definitions),
    the appraisal's tidy frame, the map caption and the summary's before/after table of the report."""
    import json

    from optimiser.cli.app import main

    assert main(["solve", "mse", "--top", "1", "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)["ranked"][0]
    travel, worst = ranked["metrics"]["mean_travel_min"], ranked["metrics"]["worst_zone_min"]
    assert travel == pytest.approx(ranked["criteria"]["travel"], abs=1e-9)
    assert worst == pytest.approx(ranked["criteria"]["worst_zone"], abs=1e-9)
    frame = mse.appraisal.metrics.query("option == '#1' and service == '' and mode == ''").set_index("measure")
    assert frame.loc["mean_travel_min", "value"] == pytest.approx(travel, abs=1e-9)
    assert frame.loc["worst_zone_min", "value"] == pytest.approx(worst, abs=1e-9)
    html = mse_html.read_text(encoding="utf-8")
    caption = re.search(r"<figcaption><strong>#1</strong>.*?</figcaption>", _section(html, "maps", "change"),
                        re.DOTALL).group(0)
    assert f"Mean trip per patient journey {travel:.1f} min; worst locality {worst:.1f} min" in caption
    summary = _section(html, "summary", "ranking")
    assert re.search(rf"Mean trip per patient journey <span class=\"unit\">\(minutes\)</span></td>"
                     rf"<td class=\"num\">[\d.]+</td><td class=\"num\">{travel:.1f}</td>", summary)
    scores = _section(html, "ranking", "maps")
    assert f"{travel:.1f}<br>" in scores  # the access criterion's measure in the criteria table


@pytest.fixture(scope="module")
def hampshire() -> Study:
    return _study("hampshire")


@pytest.fixture(scope="module")
def hampshire_html(hampshire: Study, tmp_path_factory) -> str:
    return report(hampshire, tmp_path_factory.mktemp("report") / "hampshire.html", today=DAY)[0].read_text(
        encoding="utf-8")


def test_a_hampshire_report_names_the_capacity_its_single_site_option_lacks(hampshire: Study, hampshire_html: str):
    """Hampshire's single-site options break capacity (optimiser evaluate hampshire says which): the report
    names the resource and site, and by how much, not just "failed"."""
    html = hampshire_html
    failures = _section(html, "summary", "ranking")
    assert re.search(r"<strong>option6_winchester</strong>.*beds at winchester: 149\.3 more needed than its "
                     r"capacity and permitted expansion", failures, re.DOTALL)
    assert "critical_care_beds at basingstoke: 10.7 more needed" in failures
    assert not hampshire.appraisal.scores.loc["option6_winchester"].notna().any()  # not scored


def _why_rows(page: str, table: str) -> list[list[str]]:
    """The cells of one table of the why section, row by row, tags stripped."""
    body = re.search(rf'<table class="{table}">.*?<tbody>(.*?)</tbody>', _section(page, "why", "assumptions"),
                     re.DOTALL).group(1)
    return [[unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


def _number(text: str) -> float:
    """A number as the report prints it (thousands commas, a typographic minus, percentages) as a float."""
    value = float(text.replace(",", "").replace("−", "-").rstrip("%"))
    return value / 100 if text.endswith("%") else value


def test_the_why_section_is_explain_recommended_against_the_decision(hampshire: Study, hampshire_html: str):
    """Hampshire's recommended option beside its real decision (critical_treatment_m3j7): every number of the
    section's tables is ``optimiser explain hampshire <recommended> critical_treatment_m3j7``'s, at the report's
    precision (objective differences to 4 decimals, shares to whole percent), and its flips are explain's."""
    from optimiser.appraisal.explain import explain

    recommended = hampshire.appraisal.recommended
    found = explain(hampshire.instance, recommended, "critical_treatment_m3j7")
    assert found.difference > 0  # the decision is worse in the optimiser's objective
    html = hampshire_html
    criteria = _why_rows(html, "why-criteria")
    assert [row[0] for row in criteria] == list(found.criteria.index)
    for row, (_, expected) in zip(criteria, found.criteria.iterrows(), strict=True):
        assert [_number(cell) for cell in row[1:]] == pytest.approx(
            [expected["weight"], expected["a"], expected["b"], expected["objective_difference"], expected["share"]],
            abs=0.005 + 1e-9)
    services = found.by_service()
    names = hampshire.instance.services["name"].str.split(" (", regex=False).str[0]
    assert [row[0] for row in _why_rows(html, "why-services")] == [
        names.get(s, "no one service (new sites, expansion, the worst trip)") for s in services.index[:8]]
    assert [_number(row[1]) for row in _why_rows(html, "why-services")] == pytest.approx(
        services["objective_difference"].head(8).round(4).tolist(), abs=1e-9)
    zones = found.by_zone().head(8)
    assert [(row[0], _number(row[2])) for row in _why_rows(html, "why-zones")] == [
        (hampshire.instance.zones.at[z, "name"], pytest.approx(round(share, 2), abs=1e-9))
        for z, share in zones["share"].items()]
    assumptions = found.assumptions.head(6)
    assert [row[0] for row in _why_rows(html, "why-assumptions")] == assumptions["parameter"].tolist()
    section = _section(html, "why", "assumptions")
    assert found.flips["sentence"].tolist() and all(sentence in section for sentence in found.flips["sentence"])
    assert f"difference {found.difference:+.4f})" in section


def test_the_mse_report_says_the_best_is_the_2018_decision(mse_html: Path):
    """mse's best configuration is the July 2018 decision itself (instances/mse/README.md): nothing to explain."""
    section = _section(mse_html.read_text(encoding="utf-8"), "why", "assumptions")
    assert "decision_2018 and #1 are equally good (1.40595)" in section
    assert "The two configurations are equally good under every assumption of the objective." in section


def test_the_mse_report_shows_what_each_option_would_send_out_of_the_group(mse: Study, mse_html: Path):
    """mse keeps ``neighbour_rule: none``, so the ranking keeps every patient in the group; the report still lists,
    for every mapped option, the activity and income that would leave under the retention curve, labelled as an
    estimate, and the hospitals it goes to: the appraisal's figures (:func:`optimiser.appraisal.leaving.totals`).
    The 2018 decision sends 2,322 a year (GBP 4.98m), most of it to Queen's, Romford (instances/mse/README.md)."""
    from optimiser.appraisal import leaving

    section = _section(mse_html.read_text(encoding="utf-8"), "neighbours", "plausibility")
    assert "if patients leave as the retention curve states (est.)</h3>" in section
    rows = re.findall(r'<tr><td>([^<]*)</td><td class="num">([^<]*)</td><td class="num">([^<]*)</td><td>([^<]*)</td>'
                      r"</tr>", section)
    shown = {unescape(option): (activity, income, unescape(to)) for option, activity, income, to in rows}
    options = list(mse.appraisal.neighbour_flows["option"].unique())
    totals = leaving.totals(mse.appraisal.neighbour_flows, options).set_index("option")
    assert shown and set(shown) <= {_shown(mse, o) for o in options}
    for option, row in totals.iterrows():
        if _shown(mse, option) in shown:
            assert shown[_shown(mse, option)][:2] == (f"{row.activity:,.0f}", f"{row.income_gbp_m:.2f}")
    activity, income, to = shown["decision_2018"]
    assert (activity, income) == ("2,322", "4.98") and to.startswith("Queen's Hospital, Romford")


def test_the_report_lists_every_finding_of_the_plausibility_review(mse: Study, mse_html: Path):
    """The study reviews every solved option (optimiser.appraisal.plausibility.review); section 7 lists each finding,
    options in the ranking's order."""
    assert len(mse.review) and set(mse.review["option"]) <= set(mse.appraisal.ranking["option"])
    table = re.search(r'<table class="plausibility">.*?</table>', mse_html.read_text(encoding="utf-8"),
                      re.DOTALL).group(0)
    shown = [tuple(unescape(cell) for cell in row)
             for row in re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)]
    order = list(mse.appraisal.ranking["option"])
    expected = sorted(mse.review.itertuples(index=False), key=lambda row: order.index(row.option))
    assert shown == [(_shown(mse, row.option), row.check, row.message) for row in expected]


def test_typeset_mathematics_is_kept_between_runs(tmp_path: Path, monkeypatch):
    """The formulation's expressions typeset once are read back from the file, the same to the byte, without
    typesetting again; an expression mathtext cannot parse is kept as such."""
    from reports import charts

    path = tmp_path / "math.json"
    first = charts.MathCache(path)
    typeset = [first.svg(r"\sum_{s} x_{z,s,l} = 1"), first.svg(r"\frac{")]
    assert typeset[0] is not None and typeset[1] is None
    first.save()

    def no_typesetting(expression):
        raise AssertionError(f"typeset again: {expression}")

    monkeypatch.setattr(charts, "math_svg", no_typesetting)
    again = charts.MathCache(path)
    assert [again.svg(r"\sum_{s} x_{z,s,l} = 1"), again.svg(r"\frac{")] == typeset
    path.write_text("{not json", encoding="utf-8")  # a damaged file is typeset again, not an error
    monkeypatch.undo()
    assert charts.MathCache(path).svg(r"\sum_{s} x_{z,s,l} = 1") == typeset[0]


def test_instance_strings_are_escaped(tmp_path: Path):
    folder = Path(shutil.copytree(MSE, tmp_path / "mse"))
    zones = (folder / "zones.csv").read_text(encoding="utf-8").splitlines()
    header = zones[0].split(",")
    at = header.index("name")
    rows = [line.split(",") for line in zones[1:]]
    for row in rows:
        row[at] = "<script>alert(1)</script>" + row[at]
    (folder / "zones.csv").write_text("\n".join([zones[0]] + [",".join(r) for r in rows]) + "\n", encoding="utf-8")
    sites = folder / "sites.csv"
    sites.write_text(sites.read_text(encoding="utf-8").replace(
        "Basildon University Hospital", "Basildon <b onmouseover=alert(2)>Univ</b> Hospital"), encoding="utf-8")
    with (folder / "README.md").open("a", encoding="utf-8") as handle:
        handle.write("\n<script>alert(3)</script>\n\nA [tracker](https://example.org/t) and "
                     "<img src=x onerror=alert(4)> and ![pixel](https://example.org/p.png).\n")
    html = report(_study(folder), tmp_path / "out.html", today=DAY)[0].read_text(encoding="utf-8")
    assert "<script" not in html and "<b onmouseover" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # zone names, escaped where shown
    assert "Basildon &lt;b onmouseover=alert(2)&gt;Univ&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    assert not EXTERNAL.findall(html)


def test_markdown_escapes_html_and_unlinks():
    html = markdown("# T\n\n<div onclick=x>raw</div>\n\n| a | b |\n|---|---|\n| 1 | [s](https://e.org) |\n")
    assert "<div" not in html and "&lt;div onclick=x&gt;" in html
    assert "<table>" in html and "href" not in html and "s (https://e.org)" in html


def test_a_hostile_readme_leaves_no_markup_behind():
    """A README with a script tag, an ``onerror`` attribute and ``javascript:`` links (inline, autolink, raw
    anchor, mixed case) renders as text: no tag, attribute or address that a browser would act on."""
    html = markdown("# R\n\n<script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n"
                    "See [here](javascript:alert(3)), <javascript:alert(4)> and [ok](JaVaScRiPt:alert(5)).\n\n"
                    "<a href=\"javascript:alert(6)\">x</a>\n")
    tags = re.findall(r"<[^>]*>", html)
    assert {re.sub(r"[<>/]", "", tag) for tag in tags} == {"h1", "p"}  # the parser's own tags, bare
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "onerror=&quot;alert(2)&quot;" in html
    assert "href" not in html.replace("&lt;a href", "")


def test_no_option_passing_the_hurdles_is_said_plainly(mse: Study, tmp_path: Path):
    appraisal = mse.appraisal
    ranking = appraisal.ranking.assign(rank=np.nan, passed_hurdles=False)
    failed = replace(mse, appraisal=replace(appraisal, ranking=ranking, acceptability=appraisal.acceptability.iloc[:0],
                                            weight_ranges=appraisal.weight_ranges.iloc[:0]))
    html = report(failed, tmp_path / "none.html", today=DAY)[0].read_text(encoding="utf-8")
    assert "No option passes every hurdle criterion" in _section(html, "summary", "ranking")


# --- files ------------------------------------------------------------------------------------

def test_two_renders_differ_only_in_the_date(mse: Study, tmp_path: Path):
    first = report(mse, tmp_path / "a.html", today=dt.date(2025, 1, 6))[0].read_text(encoding="utf-8")
    second = report(mse, tmp_path / "b.html", today=dt.date(2026, 3, 7))[0].read_text(encoding="utf-8")
    changed = [line for line in difflib.unified_diff(first.splitlines(), second.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed and all('class="date"' in line for line in changed), changed


def test_refuses_to_overwrite(mse: Study, tmp_path: Path):
    target = tmp_path / "mse.html"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(OptimiserError) as caught:
        report(mse, target, today=DAY)
    assert str(caught.value) == f"{target} already exists: pass overwrite=True to replace it"
    assert target.read_text(encoding="utf-8") == "keep me"
    pdf = tmp_path / "other.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(OptimiserError, match=r"other\.pdf already exists"):
        report(mse, tmp_path / "other.html", pdf=True, today=DAY)
    assert not (tmp_path / "other.html").exists()  # nothing written when any target exists
    assert report(mse, target, overwrite=True, today=DAY) == [target]
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --- as a reader sees it ----------------------------------------------------------------------

def test_report_loads_cleanly_in_headless_chromium(mse: Study, mse_html: Path):
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    errors, requests = [], []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(mse_html.as_uri(), wait_until="load")
            images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
            options = page.eval_on_selector_all("table.ranked tbody td.option strong",
                                                "els => els.map(e => e.textContent)")
        finally:
            browser.close()
    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert len(images) >= 7 and all(complete and width > 0 for complete, width in images), images
    assert options == [_shown(mse, o) for o in mse.appraisal.ranking["option"]]


def test_pdf_has_pages_and_none_is_mostly_blank(mse: Study, tmp_path: Path):
    """Every page but the last is filled at least 40% of the way down (a forced page break after a short
    section left one 13% full); every image in the HTML is checked in Chromium above."""
    if not (shutil.which("pdfinfo") and shutil.which("pdftoppm")):
        pytest.skip("poppler-utils (pdfinfo, pdftoppm) is not installed (.ci/run installs it)")
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:  # OSError: Pango missing
        pytest.skip(f"WeasyPrint or its system libraries (Pango) are missing: {error}")
    from PIL import Image

    html, pdf = report(mse, tmp_path / "mse.html", pdf=True, today=DAY)
    assert pdf == tmp_path / "mse.pdf" and html.is_file()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    assert pages >= 3
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    for image in images[:-1]:  # the last page may end where the text does
        with Image.open(image) as picture:
            assert _filled(np.asarray(picture.convert("L"), dtype=float)) >= 0.4, f"{image.name} is mostly blank"
    with Image.open(images[-1]) as picture:
        assert _filled(np.asarray(picture.convert("L"), dtype=float)) > 0, f"{images[-1].name} is blank"


def _filled(page: np.ndarray) -> float:
    """How far down its body (below the running head, above the footer) a page's content reaches, 0 to 1."""
    rows = (page < 245).any(axis=1)
    body = rows[int(0.04 * len(rows)):int(0.92 * len(rows))]
    return float(np.nonzero(body)[0].max() + 1) / len(body) if body.any() else 0.0


# --- the sensitivity sweep --------------------------------------------------------------------

SWEEP_PARAMS = ["weights.travel=0.5:2", "demand.obstetrics=0.9:1.1"]


@pytest.fixture(scope="module")
def mse_sweep(tmp_path_factory) -> Path:
    """A small real one-at-a-time sweep of mse (five scenarios, solved in this process)."""
    from optimiser.sweeps.runner import Design, sweep

    out = tmp_path_factory.mktemp("sweep") / "sweep"
    sweep(load_instance("mse"), Design.oat(SWEEP_PARAMS), out=out, workers=0, top=1)
    return out


def test_sweep_section_shows_the_design_the_winners_and_a_tornado(mse: Study, mse_sweep: Path, tmp_path: Path):
    from optimiser.sweeps.runner import open_sweep

    result = open_sweep(mse_sweep)
    html = report(mse, tmp_path / "swept.html", today=DAY, sweep=result)[0].read_text(encoding="utf-8")
    assert not EXTERNAL.findall(html)
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert sources and all(src.startswith("data:image/png;base64,") for src in sources)
    assert '<a href="#sensitivity">Sensitivity sweep</a>' in html
    section = _section(html, "sensitivity", "assumptions")
    assert "9. Sensitivity sweep" in section and "10. Assumptions and sources" in html
    assert "one at a time" in section and "<code>weights.travel</code>" in section
    assert "<code>demand.obstetrics</code>" in section
    assert "5 solved</strong>, 0 failed" in section
    assert 'alt="Tornado chart' in section and "One parameter at a time" in section
    assert "Rank stability of the named options" in section
    for option in ("1A", "1B", "1C"):
        assert f"<td><strong>{option}</strong></td>" in section
    # the configurations are named as the report names its options where they match one
    recommended = mse.appraisal.recommended
    hosts = mse.configurations[recommended].hosts
    optimal = [frozenset(tuple(p.split(":", 1)) for p in key.partition("|")[2].split(","))
               for key in result.solved["top_1"]]
    share = sum(h == hosts for h in optimal) / len(optimal)
    assert share > 0  # the base scenario's optimum is the study's own best
    assert f"<td><strong>{recommended}</strong><br>" in section and "<strong>C1</strong>" not in section
    summary = _section(html, "summary", "ranking")
    sentence = (f"In 5 solved scenarios of a one-at-a-time sweep varying weights.travel (0.5–2) and "
                f"demand.obstetrics (0.9–1.1), the recommended configuration ({recommended}) was optimal in "
                f"{share:.0%} (section 9).")
    assert sentence in summary
    # the same inputs give the same bytes; without a sweep there is no section and the numbers stay
    again = report(mse, tmp_path / "again.html", today=DAY, sweep=result)[0].read_text(encoding="utf-8")
    assert again == html
    plain = report(mse, tmp_path / "plain.html", today=DAY)[0].read_text(encoding="utf-8")
    assert 'id="sensitivity"' not in plain and "9. Assumptions and sources" in plain


def test_sweep_indices_are_shown_with_their_intervals(mse: Study, tmp_path: Path):
    from optimiser.sweeps.runner import Design, open_sweep, sweep

    out = tmp_path / "morris"
    sweep(load_instance("mse"), Design.morris(SWEEP_PARAMS, trajectories=2, seed=1), out=out, workers=0, top=1)
    html = report(mse, tmp_path / "morris.html", today=DAY, sweep=open_sweep(out))[0].read_text(encoding="utf-8")
    section = _section(html, "sensitivity", "assumptions")
    assert "Morris sensitivity indices" in section and "μ*" in section and "95% interval" in section
    assert "the confidence intervals are wide" in section
    assert "seed 1" in section and "tornado" not in section.lower()
    assert "6 solved</strong>" in section


def test_cli_report_with_a_sweep(capsys, mse_sweep: Path, tmp_path: Path):
    from optimiser.cli.app import main

    target = tmp_path / "cli.html"
    code = main(["report", "mse", "-o", str(target), "--sweep", str(mse_sweep), "--top", "2", "--samples", "500"])
    out, _ = capsys.readouterr()
    assert code == 0, out
    assert f"wrote {target}" in out
    html = target.read_text(encoding="utf-8")
    assert 'id="sensitivity"' in html and "solved scenarios of a one-at-a-time sweep" in html

    missing = tmp_path / "no-such-sweep"
    code = main(["report", "mse", "-o", str(tmp_path / "missing.html"), "--sweep", str(missing)])
    _, err = capsys.readouterr()
    assert code == 2
    assert f"--sweep {missing}: no such folder (give the -o folder of 'optimiser sweep')" in err
    assert not (tmp_path / "missing.html").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    code = main(["report", "mse", "-o", str(tmp_path / "empty.html"), "--sweep", str(empty)])
    _, err = capsys.readouterr()
    assert code == 2 and f"--sweep {empty}: cannot read the sweep" in err


# --- legible at size --------------------------------------------------------------------------

def _generated(folder: Path, sites: int, zones: int, services: int):
    from optimiser.instance.generate import generate_instance

    generate_instance(folder, sites=sites, zones=zones, services=services, seed=1)
    return load_instance(folder)


def test_site_labels_never_overlap_on_a_forty_site_map(tmp_path: Path, monkeypatch):
    """Forty sites, each labelled with its name and four lines of services, on one 8 cm map: no two labels'
    boxes (their rounded frames, measured with the renderer that draws them) overlap, none covers another
    site's marker's centre or the scale bar or leaves the map, and where a label fits nowhere it is the site's
    name alone or its number, never a label on top of another; the map's key names every numbered site with its
    whole label, so every site is named on the map or in the key."""
    from itertools import combinations

    import pandas as pd

    from optimiser.appraisal.geography import zone_areas
    from reports import charts

    instance = _generated(tmp_path / "forty", sites=40, zones=120, services=4)
    layers = charts.MapLayers.of(zone_areas(instance), instance.road_nodes, instance.roads, instance.sites)
    sites = [charts.MapSite(site_id, f"{_short_site(name)}\nEC +cancer\n+cardiothoracic\n+vascular", None, True)
             for site_id, name in instance.sites["name"].astype(str).items()]
    drawn = []
    monkeypatch.setattr(charts, "_png", lambda fig: drawn.append(fig) or "")
    minutes = pd.Series(np.linspace(0, 40, len(instance.zones)), index=instance.zones.index)
    figure = charts.option_map(layers, minutes, sites=sites, roles=[], scale=(0.0, 40.0), title="forty sites")
    fig = drawn[0]
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()
    ax = fig.axes[0]
    labels = [text for text in ax.texts if text.get_gid() == "site-label"]
    boxes = [label.get_bbox_patch().get_window_extent(renderer) for label in labels]
    frame = ax.get_window_extent(renderer)
    named = [text for text in labels if not text.get_text().isdigit()]
    assert len(named) >= len(sites) // 3  # 19 of 40 when written: the rest have no room on an 8 cm map
    assert not [(a, b) for a, b in combinations(boxes, 2) if a.overlaps(b)]
    assert all(frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1) for box in boxes)
    (scale,) = [text for text in ax.texts if text.get_text().endswith(" km")]  # the scale bar stays readable
    assert not [box for box in boxes if box.overlaps(scale.get_window_extent(renderer))]
    names = set(instance.sites["name"].astype(str).map(_short_site))
    assert all(label.get_text() in names or label.get_text().endswith("+vascular") for label in named)
    numbers = sorted(int(text.get_text()) for text in labels if text.get_text().isdigit())
    assert numbers and [number for number, _ in figure.key] == numbers
    whole = [f"{site.label.splitlines()[0]}: EC +cancer +cardiothoracic +vascular" for site in sites]
    assert all(entry == whole[number - 1] for number, entry in figure.key)
    # every site named on the map, or numbered there and named in the key, or named as too close to mark
    assert len(labels) + len(figure.unmarked) == len(sites) and set(figure.unmarked) <= set(whole)


@pytest.fixture(scope="module")
def fourteen(tmp_path_factory) -> Study:
    """A generated instance of 14 sites and 4 service lines: more sites than the report lists one by one."""
    from optimiser.appraisal.study import study

    instance = _generated(tmp_path_factory.mktemp("generated") / "fourteen", sites=14, zones=60, services=4)
    return study(instance, top=2, samples=500)


def test_a_long_hosts_table_is_summarised_and_the_full_table_folded(fourteen: Study, tmp_path: Path):
    """Beyond ten sites, who hosts what shows the sites per role and only the service lines that differ between
    the options mapped, each cell its sites or, when more than four, their number; the full table (every
    service line: 4, after the header and the roles row) is folded in a <details>, its header a <thead> that
    the print stylesheet repeats on every page."""
    html = report(fourteen, tmp_path / "fourteen.html", today=DAY)[0].read_text(encoding="utf-8")
    maps = _section(html, "maps", "change")
    brief, folded = maps[maps.index("Who hosts what"):].split("<details", 1)
    assert "<thead>" in folded and folded.count("<tr") == 1 + 1 + 4
    brief_rows = re.findall(r'<tr class="(differs|)">', brief)
    assert brief_rows == ["differs"] * len(brief_rows) and len(brief_rows) <= 4
    assert not re.search(r"<td>(?!\d)(?:[^<,]+, ){4,}[^<,]+</td>", brief)  # no cell lists five sites or more
    assert "thead { display: table-header-group; }" in html


def test_figures_are_drawn_finer_for_print_than_for_the_screen(mse: Study, mse_html: Path):
    """A map is 8 cm wide: 8 / 2.54 × 120 = 377.95 pixels in the HTML and × 150 = 472.44 in the HTML a PDF is made
    from, of which matplotlib draws the whole pixels: 377 and 472."""
    import base64
    import io

    from PIL import Image

    from reports import charts
    from reports.render import render_html

    def map_width(html: str) -> int:
        data = re.search(r'<figure class="map">\s*<img src="data:image/png;base64,([^"]+)"', html).group(1)
        return Image.open(io.BytesIO(base64.b64decode(data))).size[0]

    assert map_width(mse_html.read_text(encoding="utf-8")) == 377
    assert map_width(render_html(mse, today=DAY, dpi=charts.PRINT_DPI)) == 472


def test_beyond_forty_localities_the_change_is_shown_by_locality_group(fourteen: Study, tmp_path: Path):
    """Sixty localities in towns (zones.csv ``group``): the change chart has a bar per town, each the town's
    mean trip against the status quo, weighted by activity over its localities and services (each service by its
    own mode), worked out here from the appraisal's per-zone trips; the section says what the bars are."""
    from collections import defaultdict

    instance, appraisal = fourteen.instance, fourteen.appraisal
    modes = {s: instance.mode_or_default(m) for s, m in instance.services["mode"].items()}
    totals = defaultdict(lambda: [0.0, 0.0])
    for row in appraisal.access.itertuples():
        if row.mode == modes[row.service_id]:
            demand = float(instance.demand.at[row.zone_id, row.service_id])
            total = totals[(row.option, instance.zones.at[row.zone_id, "group"])]
            total[0] += demand * row.minutes
            total[1] += demand
    mean = {key: weighted / weight for key, (weighted, weight) in totals.items() if weight > 0}
    baseline = next(o for o, source in appraisal.options["source"].items() if source == "status quo")
    expected = {(o, g): m - mean[(baseline, g)] for (o, g), m in mean.items()}
    found = appraisal.group_change.set_index(["option", "group"])["minutes_change"].to_dict()
    assert found == pytest.approx(expected) and len(found) == len(appraisal.options) * instance.zones["group"].nunique()
    html = report(fourteen, tmp_path / "groups.html", today=DAY)[0].read_text(encoding="utf-8")
    change = _section(html, "change", "equity")
    assert "Change in each locality group's mean trip" in change and "the 60 localities are too many" in change


def test_without_roles_an_option_is_titled_by_what_it_opens_and_closes(fourteen: Study):
    """Fourteen sites and no roles: a title of fourteen "site: n service lines" would say nothing, so each
    configuration is named by the service lines it opens, then those it closes, against the status quo, each with
    its sites in name order; the status quo itself says so."""
    from reports.render import OptionNames

    instance = fourteen.instance
    names = OptionNames(instance, fourteen.appraisal, fourteen.configurations)
    today = fourteen.configurations["status_quo"]
    site = instance.sites["name"].astype(str).map(_short_site)
    service = instance.services["name"].astype(str)
    for option, configuration in fourteen.configurations.items():
        expected, opened, closed = [], configuration.hosts - today.hosts, today.hosts - configuration.hosts
        for verb, units in (("opens", opened), ("closes", closed)):
            moves = [f"{service[l]} at {', '.join(sorted(site[s] for s, m in units if m == l))}"
                     for l in instance.services.index if any(m == l for _, m in units)]
            expected += [f"{verb} {'; '.join(moves)}"] if moves else []
        named = instance.options.loc[option, "name"] if option in instance.options.index else ""
        assert names.title[option] == (named or "; ".join(expected) or "as the status quo")
    assert any(title.startswith(("opens ", "closes ")) for title in names.title.values())


def test_a_site_numbered_on_a_map_is_named_in_its_caption_by_its_place_in_sites_csv(tmp_path: Path):
    """Thirty sites on 8 cm maps: some labels have no room and become numbers. Each caption's key gives each
    number with the site that is that number's row of sites.csv (1 = the first), by its short name."""
    from optimiser.appraisal.study import study

    instance = _generated(tmp_path / "thirty", sites=30, zones=120, services=4)
    html = report(study(instance, top=1, samples=200), tmp_path / "thirty.html", today=DAY)[0].read_text(
        encoding="utf-8")
    keys = re.findall(r"Numbered sites \(no room for their label\): (.*?)</span>", _section(html, "maps", "change"))
    entries = [re.findall(r"<strong>(\d+)</strong> ([^:]+):", unescape(key)) for key in keys]
    assert keys and all(entries)
    names = instance.sites["name"].astype(str).map(_short_site).tolist()
    assert all(name == names[int(number) - 1] for found in entries for number, name in found)
