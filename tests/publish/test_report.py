"""The report from real records (the runner on a tiny corpus): files, tables, and the page in Chromium.

The browser test drives Debian's headless ``chromium`` through ``chromedriver`` (selenium): it
installs both with apt-get when missing and allowed (root), and skips with the reason otherwise.
The page is opened from ``file://``: it must need nothing but itself.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.atomic import read_json
from ragorft.benchmarks.core.fmt import pct_ci
from ragorft.benchmarks.decide import Requirement, recommend, requirement_cost
from ragorft.benchmarks.publish.site import FIGURES
from ragorft.benchmarks.run.runner import run_suite
from ragorft.benchmarks.run.suite import read_suite
from ragorft.benchmarks.score.costs import error_volume
from ragorft.benchmarks.score.pricing import load_prices

from tests.helpers.corpora import INTENTS, write_card, write_csv

SUITE = """
name = "t"
corpora = ["{card}"]
budgets = [2, "full"]
seeds = [0]

[[run]]
name = "rag-k1"
strategy = "rag"
options = {{ k = 1 }}

[[run]]
name = "rag-k3"
strategy = "rag"
options = {{ k = 3 }}
"""

STABLE_COLUMNS = ["corpus", "run", "strategy", "budget", "seed", "n_train", "n_test", "accuracy", "accuracy_lo"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ABSOLUTE = re.compile(r"(?<![\w.])/(?:work|home|root|tmp|usr|opt|var|Users)/")


class PageText(HTMLParser):
    """The text a reader sees, per element class: enough to check a page without a browser."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.by_class: dict[str, list[str]] = {}
        self.visible: list[str] = []
        self.cells_rows: list[list[str]] = []
        self._in_cells = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        cls = dict(attrs).get("class") or ""
        self.stack.append(cls)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "table" and "cells" in cls.split():
            self._in_cells += 1
        if self._in_cells and tag == "tr":
            self.cells_rows.append([])

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "table" and self._in_cells:
            self._in_cells -= 1

    def handle_data(self, data: str) -> None:
        if self._skip or not data.strip():
            return
        self.visible.append(data)
        for cls in filter(None, self.stack):
            for name in cls.split():
                self.by_class.setdefault(name, []).append(data)
        if self._in_cells and self.cells_rows and self.stack and self.stack[-1] == "":
            self.cells_rows[-1].append(data.strip())


def expected_page_numbers(out: Path) -> tuple[set[str], str, str]:
    """(accuracy cells as the records give them, the decision's headline, its chosen accuracy) for tiny."""
    records = [read_json(p) for p in sorted((out / "cells").glob("*.json"))]
    req = Requirement.from_mapping({"monthly_queries": "250k", "cost_per_error": 0.5, "hardware": "cpu-8core"})
    decision = recommend(records, req, prices=load_prices())
    accuracy = {pct_ci(r["metrics"]["accuracy"], *r["metrics"]["accuracy_ci"]) for r in records}
    row = decision.row(decision.chosen or decision.runner_up)
    chosen = f"{100 * row['accuracy']:.1f}% [{100 * row['accuracy_lo']:.1f}, {100 * row['accuracy_hi']:.1f}]"
    return accuracy, decision.card()["answer"], chosen


def test_report_page_shows_the_records_numbers_without_a_browser(
    tiny_results: Path, capsys: pytest.CaptureFixture
) -> None:
    out = report_of_tiny_suite(tiny_results)
    page = PageText()
    page.feed((out / "index.html").read_text())
    accuracy, headline, chosen = expected_page_numbers(out)
    assert page.by_class["headline"] == [headline]  # the answer card leads with the scorer's answer
    assert chosen in " ".join(page.by_class["cost"])
    assert {row[6] for row in page.cells_rows[1:] if len(row) > 6} == accuracy  # the accuracy column, below its header
    text = " ".join(page.visible)
    assert "###" not in text and "**" not in text  # Markdown rendered, not shown raw
    assert "{'" not in text and "':" not in text  # no Python dict (Machines is words)
    html = (out / "index.html").read_text()
    # the page's grid: one entry per combination of its controls, the first selection the report's own
    (data,) = re.findall(r'<script type="application/json" class="ask-data">(.*?)</script>', html)
    grid = json.loads(data)
    entries = json.loads(zlib.decompress(base64.b64decode(grid["entries"])))
    sizes = [len(c["options"]) for c in grid["controls"]]
    assert len(entries) == math.prod(sizes) and len(sizes) == 5  # volume, cost, bar, latency, budget
    initial = 0
    for control in grid["controls"]:
        initial = initial * len(control["options"]) + control["initial"]
    assert entries[initial]["answer"] == headline
    # the last combination (every control at its last value) is what its command prints
    last = entries[-1]
    args = [*shlex.split(last["command"])[4:], "--results-dir", str(out.parent), "--json"]
    capsys.readouterr()
    assert main(["recommend", "--suite", str(out.parents[1] / "t.toml"), *args]) == 0
    (decision,) = json.loads(capsys.readouterr().out)
    assert [last[k] for k in ("verdict", "chosen", "steps")] == [decision[k] for k in ("verdict", "chosen", "steps")]
    assert (
        html.index('class="answer')
        < html.index("<figure")
        < html.index('class="dataframe sortable cells')
        < html.index('id="reasoning"')
    )


@pytest.fixture(scope="module")
def tiny_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the tiny suite once for real (its own cache and mirror); return the results folder."""
    root = tmp_path_factory.mktemp("report")
    mirror = root / "mirror" / "tiny"
    train = [(t, lab) for lab, texts in INTENTS.items() for t in texts[:6]]
    test = [(t, lab) for lab, texts in INTENTS.items() for t in texts[6:]]
    files = {"train.csv": write_csv(mirror / "train.csv", train), "test.csv": write_csv(mirror / "test.csv", test)}
    (root / "corpora" / "tiny").mkdir(parents=True)
    card = write_card(root / "corpora" / "tiny", name="tiny", files=files)
    suite_file = root / "t.toml"
    suite_file.write_text(SUITE.format(card=card.parent))
    results = root / "results"
    suite = read_suite(str(suite_file))
    run_suite(suite, results_dir=results, data_dir=root / "mirror", cache_dir=root / "cache", progress=False)
    return results


REQUIREMENT_FLAGS = ["--monthly-queries", "250k", "--cost-per-error", "0.5", "--hardware", "cpu-8core"]


_REPORTED: set[Path] = set()


def report_of_tiny_suite(results: Path) -> Path:
    """`ragorft report` on the tiny suite's records, at a requirement (once per results folder: every
    test reads the same files); return the suite's results folder."""
    if results not in _REPORTED:
        assert main(["report", "--suite", "t", "--results-dir", str(results), *REQUIREMENT_FLAGS]) == 0
        _REPORTED.add(results)
    return results / "t"


def test_report_files_from_records(tiny_results: Path) -> None:
    out = report_of_tiny_suite(tiny_results)
    records = [read_json(p) for p in sorted((out / "cells").glob("*.json"))]
    assert len(records) == 4

    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns[: len(STABLE_COLUMNS)]) == STABLE_COLUMNS
    assert len(summary) == 4 and set(summary["run"]) == {"rag-k1", "rag-k3"}
    by_cell = {(r["run"], r["budget_name"]): r for r in records}
    req = Requirement.from_mapping({"monthly_queries": "250k", "cost_per_error": 0.5, "hardware": "cpu-8core"})
    prices = load_prices()
    for _, row in summary.iterrows():
        rec = by_cell[(row["run"], row["budget"])]
        assert row["accuracy"] == pytest.approx(rec["metrics"]["accuracy"])
        cost = requirement_cost(rec, req, prices, 250_000)  # the scorer's numbers, for the same requirement
        assert row["cost_per_1k_queries_usd"] == pytest.approx(1000 * cost.serving_usd_per_query)
        assert row["cost_per_1k_queries_usd"] == pytest.approx(
            1000 * rec["timing"]["predict_seconds_per_query"] * prices.hardware["cpu-8core"].usd_per_hour / 3600
        )
        assert row["errors_per_month"] == round(cost.errors_monthly)
        assert (row["errors_per_month_lo"], row["errors_per_month_hi"]) == tuple(map(round, cost.errors_monthly_ci))
        assert row["total_usd_per_month"] == pytest.approx(cost.total_monthly)
        assert row["training_usd"] == pytest.approx(cost.training_usd) and row["monthly_queries"] == 250_000
        assert row["hourly_usd"] == prices.hardware["cpu-8core"].usd_per_hour

    # `ragorft table` writes summary.csv through the same writer: same flags, same file
    before = (out / "summary.csv").read_bytes()
    assert main(["table", "--suite", "t", "--results-dir", str(tiny_results), *REQUIREMENT_FLAGS]) == 0
    assert (out / "summary.csv").read_bytes() == before
    assert (out / "RESULTS.md").read_text().startswith("# Results: suite `t`")

    md = (out / "REPORT.md").read_text()
    assert "## tiny" in md and "rag-k1" in md and "rag-k3" in md
    assert "every cell priced on cpu-8core" in md and "tiny 250,000 (from the requirement)" in md
    # the recommendation printed in the report is the scorer's for the same requirement, verbatim
    assert recommend(records, req, prices=prices).to_markdown() in md
    assert "## Recommendation" in md and "Paired significance" in md
    for name, _caption in FIGURES.values():
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
        assert f"]({name})" in md
    assert md.index("## The answer") < md.index("## Figures") < md.index("## tiny") < md.index("## Full reasoning")
    html = (out / "index.html").read_text()
    assert "http://" not in html and "https://" not in html  # self-contained: nothing fetched
    for text in (md, html, (out / "summary.csv").read_text(), (out / "RESULTS.md").read_text()):
        assert not ABSOLUTE.search(text), ABSOLUTE.search(text)
    assert "`benchmarks/core/prices.toml`" in md
    assert html.count("data:image/png;base64,") == len(FIGURES)
    index = (tiny_results / "README.md").read_text()
    assert "`t`" in index and "tiny: " in index


def _chromium() -> tuple[str, str]:
    """Paths of chromium and chromedriver, installing the Debian packages when missing and allowed."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    if not shutil.which("apt-get"):
        pytest.skip("chromium/chromedriver missing and apt-get unavailable: install packages chromium chromium-driver")
    if os.geteuid() != 0:
        pytest.skip("chromium/chromedriver missing and not root: `apt-get install chromium chromium-driver`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"could not install chromium with apt-get: {done.stderr.strip()[-300:]}")
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        pytest.skip("apt-get installed chromium but chromium/chromedriver are not on PATH")
    return browser, driver


#: the settings the browser test moves the page's controls to (control field -> option shown);
#: together they reach the verdicts ship, undiagnosed and latency, at other volumes, costs and budgets
ASK_SETTINGS = [
    {"monthly_queries": "10,000,000", "cost_per_error": "$10.00", "accuracy_bar": "90.0%"},
    {"accuracy_bar": "none: not significantly worse than the most accurate", "max_latency_ms": "100 ms"},
    {"max_latency_ms": "none", "budget": "2shot", "monthly_queries": "100,000"},
]


def _ask_answers_as_recommend(driver, results: Path, capsys: pytest.CaptureFixture) -> list[str]:
    """Move the page's controls to each of ASK_SETTINGS and check the page shows what `ragorft
    recommend` prints for the command the page names: verdict, candidate, headline, every reason."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    panel = driver.find_element(By.CSS_SELECTOR, "section.ask[data-corpus='tiny']")
    WebDriverWait(driver, 30).until(lambda _: panel.get_attribute("data-ready") == "true")
    verdicts = []
    for setting in ASK_SETTINGS:
        for field, shown in setting.items():
            Select(panel.find_element(By.CSS_SELECTOR, f"select[data-field='{field}']")).select_by_visible_text(shown)
        command = shlex.split(panel.find_element(By.CSS_SELECTOR, ".ask-command").text)
        assert command[:4] == ["ragorft", "recommend", "--suite", "t"]
        capsys.readouterr()
        suite = str(results.parent / "t.toml")
        assert main(["recommend", "--suite", suite, *command[4:], "--results-dir", str(results), "--json"]) == 0
        (decision,) = json.loads(capsys.readouterr().out)
        verdict = panel.find_element(By.CSS_SELECTOR, ".verdict").text
        assert verdict == decision["verdict"]
        candidate = decision["chosen"] or f"none clears it; closest: {decision['runner_up']}"
        assert panel.find_element(By.CSS_SELECTOR, ".ask-candidate").text == candidate
        assert panel.find_element(By.CSS_SELECTOR, ".ask-headline").text == decision["recommendation"].split(": ")[0]
        shown_steps = [li.text for li in panel.find_elements(By.CSS_SELECTOR, ".ask-steps > li")]
        expected = [
            "\n".join([f"[{s['step']}] {s['question']} {s['answer']}", *s["evidence"]]) for s in decision["steps"]
        ]
        assert [" ".join(x.split()) for x in shown_steps] == [" ".join(x.split()) for x in expected]
        verdicts.append(verdict)
        keep = os.environ.get("RAGORFT_SCREENSHOT_DIR")  # the page at each setting, for a reader's eyes
        if keep:
            driver.execute_script("arguments[0].scrollIntoView()", panel)
            driver.save_screenshot(str(Path(keep) / f"report-ask-{len(verdicts)}-{verdict}.png"))
    return verdicts


def test_report_page_in_headless_chromium(tiny_results: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (dev extra) not installed")
    from selenium.webdriver.common.by import By

    browser, driver_path = _chromium()
    out = report_of_tiny_suite(tiny_results)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1800",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    try:
        driver.get((out / "index.html").resolve().as_uri())
        assert driver.title == "ragorft report: suite t"
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        assert driver.find_element(By.ID, "corpus-tiny").text == "tiny"
        accuracy, headline, chosen = expected_page_numbers(out)
        card = driver.find_element(By.CSS_SELECTOR, ".answer[data-corpus]")
        assert card.find_element(By.CSS_SELECTOR, ".headline").text == headline
        assert chosen in card.find_element(By.CSS_SELECTOR, "dd.cost").text
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "###" not in body and "**" not in body and "{'" not in body
        reasoning = driver.find_element(By.CSS_SELECTOR, ".reasoning")
        assert reasoning.find_elements(By.TAG_NAME, "h3") and reasoning.find_elements(By.TAG_NAME, "table")
        table = driver.find_element(By.CSS_SELECTOR, "table.cells")
        runs = {td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody td:nth-child(2)")}
        assert runs == {"rag-k1", "rag-k3"}
        assert {td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody td:nth-child(7)")} == accuracy
        assert {td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody td:nth-child(1)")} == {"rag"}
        images = driver.find_elements(By.TAG_NAME, "img")
        assert len(images) == len(FIGURES)
        assert all(driver.execute_script("return arguments[0].naturalWidth", img) > 100 for img in images)

        # sorting: click "train n" twice (ascending, then descending) and read the column back
        header = next(th for th in table.find_elements(By.CSS_SELECTOR, "thead th") if th.text.startswith("train n"))
        column = "tbody td:nth-child(5)"
        header.click()
        ascending = [int(td.text) for td in table.find_elements(By.CSS_SELECTOR, column)]
        header.click()
        descending = [int(td.text) for td in table.find_elements(By.CSS_SELECTOR, column)]
        assert ascending == sorted(ascending) and descending == sorted(ascending, reverse=True)
        assert ascending[0] < ascending[-1]

        # the page answers for the report's own requirement first, then for others as recommend does
        ask = driver.find_element(By.CSS_SELECTOR, "section.ask[data-corpus='tiny']")
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 30).until(lambda _: ask.get_attribute("data-ready") == "true")
        assert ask.find_element(By.CSS_SELECTOR, ".ask-headline").text == headline
        verdicts = _ask_answers_as_recommend(driver, tiny_results, capsys)
        assert len(set(verdicts)) >= 2, verdicts  # the settings change the answer

        shot = tmp_path / "report.png"
        assert driver.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == PNG_MAGIC and shot.stat().st_size > 10_000
        keep = os.environ.get("RAGORFT_SCREENSHOT_DIR")
        if keep:
            shutil.copy(shot, Path(keep) / "report-screenshot.png")
        assert [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []
    finally:
        driver.quit()


def test_report_handles_other_strategies_devices_and_missing_latency(tiny_results: Path, tmp_path: Path) -> None:
    """Records of any strategy, device and budget render: a GPU cell is priced at its GPU's rate from
    prices.toml, a cell without single-query latencies shows blanks, and every run gets its row."""
    import json

    from ragorft.benchmarks.core.atomic import write_json
    from ragorft.benchmarks.publish.site import build_report

    cells = tmp_path / "results" / "mixed" / "cells"
    for path in sorted((tiny_results / "t" / "cells").glob("*.json")):
        rec = read_json(path)
        if rec["run"] == "rag-k3":  # relabel one run's real records as a GPU strategy with no latency sample
            rec = json.loads(json.dumps(rec))
            rec.update(run="lora-r8", strategy="lora", cell_id=rec["cell_id"].replace("rag-k3", "lora-r8"))
            rec["provenance"]["device"] = "cuda"
            rec["provenance"]["machine"] = {**rec["provenance"]["machine"], "gpu": "NVIDIA H100 80GB HBM3"}
            rec["timing"]["latency_ms"] = {}
        write_json(cells / path.name.replace("rag-k3", "lora-r8"), rec)
    report = build_report(cells.parent, "mixed")
    df = report.summary
    assert set(df["strategy"]) == {"rag", "lora"} and len(df) == 4
    gpu = df[df["strategy"] == "lora"]
    h100 = load_prices().hardware["h100"]
    assert (gpu["hourly_usd"] == h100.usd_per_hour).all() and gpu["latency_p95_ms"].isna().all()
    assert (gpu["priced_as"] == f"h100 at ${h100.usd_per_hour:g}/h").all()
    expected = 1000 * gpu["predict_ms_per_query"] / 1000 * h100.usd_per_hour / 3600
    assert gpu["cost_per_1k_queries_usd"].to_numpy() == pytest.approx(expected.to_numpy())
    table = report.sections[0].table
    assert set(table["run"]) == {"rag-k1", "lora-r8"} and table["p95 ms"].isna().sum() == 2
    assert report.sections[0].significance.shape == (4, 4)


def test_report_leaves_an_unpriceable_gpu_cell_unpriced_and_says_why(tiny_results: Path, tmp_path: Path) -> None:
    """A GPU no [hardware.*] gpu_match names has no price: its cells get no cost (not a guessed one),
    the header names the cell and the fix, and the rest of the report is still written."""
    from ragorft.benchmarks.core.atomic import write_json
    from ragorft.benchmarks.publish.site import build_report

    cells = tmp_path / "results" / "odd" / "cells"
    for path in sorted((tiny_results / "t" / "cells").glob("*.json")):
        rec = read_json(path)
        if rec["run"] == "rag-k3":
            rec["provenance"]["device"] = "cuda"
            rec["provenance"]["machine"] = {**rec["provenance"]["machine"], "gpu": "Imaginary Accelerator 9000"}
        write_json(cells / path.name, rec)
    report = build_report(cells.parent, "odd")
    df = report.summary
    odd = df[df["run"] == "rag-k3"]
    assert odd["cost_per_1k_queries_usd"].isna().all() and odd["hourly_usd"].isna().all()
    assert odd["total_usd_per_month"].isna().all() and odd["priced_as"].isna().all()
    # an error count needs no price: still (1 - accuracy) x the volume
    assert odd["errors_per_month"].tolist() == [round(error_volume(a, 1_000_000)) for a in odd["accuracy"]]
    assert df[df["run"] == "rag-k1"]["cost_per_1k_queries_usd"].notna().all()
    unpriced = [h for h in report.header if h.startswith("Not priced")]
    assert len(unpriced) == 1 and "Imaginary Accelerator 9000" in unpriced[0] and "--hardware" in unpriced[0]
    assert set(report.sections[0].table.loc[report.sections[0].table["run"] == "rag-k3", "$ / 1k queries"]) == {"n/a"}
    assert any("The scorer could not decide" in err for _, d, err in report.decisions if d is None)


def test_report_refuses_bad_requirement_flags_in_one_line(tiny_results: Path, capsys: pytest.CaptureFixture) -> None:
    for flag, value, needle in (
        ("--hardware", "abacus", "unknown hardware 'abacus'"),
        ("--monthly-queries", "lots", "monthly_queries"),
    ):
        assert main(["report", "--suite", "t", "--results-dir", str(tiny_results), flag, value]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and "\n" not in err and "Traceback" not in err
