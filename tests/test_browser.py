"""The Dagster UI in a real browser: materialize everything from the asset graph, open the report.

`dagster dev` (webserver and daemon) runs on a free localhost port with a throw-away
DAGSTER_HOME and data folder; headless Chromium, driven by Playwright, clicks
"Materialize all" on the asset graph, the run is followed through the webserver's GraphQL
API, and then the UI and the report are checked as a reader would see them. Screenshots
go to artifacts/ (git-ignored).

Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it). Without it the tests
are skipped with the reason, except in CI (environment variable CI set), where they fail.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import dagster_home_at

ROOT = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).with_name("dagster")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root in a container, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = ROOT / "artifacts"
PEOPLE = 8_000  # two generation blocks: the run takes about half a minute
STARTUP_SECONDS = 120
RUN_SECONDS = 300


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide Chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) to run the browser test; "
        "it runs in CI"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class DagsterUI:
    url: str
    data_dir: Path
    log: Path
    process: subprocess.Popen | None = None  # dagster dev, leader of its own process group

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        assert "errors" not in body, body["errors"]
        return body["data"]


def _wait_until_serving(ui: DagsterUI, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dagster dev exited with {process.returncode}:\n{ui.log_tail()}")
        try:
            with urllib.request.urlopen(f"{ui.url}/server_info", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"the webserver did not answer within {STARTUP_SECONDS}s:\n{ui.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """Stop dagster dev and what it started (webserver, daemon, code servers): its own process group."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass  # its children can take half a minute to wind down; the instance is thrown away anyway
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=15)


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory) -> Iterator[DagsterUI]:
    _require_chromium()
    folder = tmp_path_factory.mktemp("browser")
    home = dagster_home_at(folder / "dagster_home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGS_")}  # only this test's settings
    env |= {
        "DAGSTER_HOME": str(home),
        "EGS_DATA_DIR": str(folder / "data"),
        "EGS_PEOPLE": str(PEOPLE),
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    port = _free_port()
    ui = DagsterUI(url=f"http://127.0.0.1:{port}", data_dir=folder / "data", log=folder / "dagster_dev.log")
    with open(ui.log, "w") as log:
        process = subprocess.Popen(
            [DAGSTER, "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that stopping it stops its children
            # Ctrl-C as a terminal delivers it, even where this test process ignores SIGINT (a
            # background job of a non-interactive shell does, and its children inherit that).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    ui.process = process
    try:
        _wait_until_serving(ui, process)
        yield ui
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def page(dagster_ui):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)
            yield page
        finally:
            browser.close()


def _dismiss_welcome_dialog(page) -> None:
    """A fresh Dagster instance greets the first visitor with a newsletter dialog."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(state="visible", timeout=5_000)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError: no dialog this time
        return
    skip.click()


RUNS_QUERY = "{ runsOrError { ... on Runs { results { runId status jobName } } } }"


def _wait_for_run(ui: DagsterUI, run_id: str) -> str:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        run = ui.graphql(
            "query ($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id}
        )["runOrError"]
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            return run["status"]
        time.sleep(2)
    pytest.fail(f"run {run_id} did not finish within {RUN_SECONDS}s:\n{ui.log_tail()}")


@pytest.fixture(scope="module")
def run_from_ui(dagster_ui, page) -> str:
    """Materialize every asset by clicking "Materialize all" on the asset graph; the run's id."""
    page.goto(f"{dagster_ui.url}/asset-groups")
    materialize_all = page.get_by_role("button", name="Materialize all")
    materialize_all.wait_for()  # shown once the code location has loaded
    _dismiss_welcome_dialog(page)
    for group in ("generate", "warehouse", "metrics", "report"):
        assert page.get_by_text(group, exact=True).first.is_visible(), f"group {group} not in the asset graph"
    page.screenshot(path=ARTIFACTS / "asset-groups.png")

    assert dagster_ui.graphql(RUNS_QUERY)["runsOrError"]["results"] == []
    materialize_all.click()
    deadline = time.monotonic() + 60
    while not (runs := dagster_ui.graphql(RUNS_QUERY)["runsOrError"]["results"]):
        assert time.monotonic() < deadline, f"Materialize all launched no run:\n{dagster_ui.log_tail()}"
        time.sleep(1)
    run_id = runs[0]["runId"]
    status = _wait_for_run(dagster_ui, run_id)
    page.goto(f"{dagster_ui.url}/asset-groups")  # the graph again, every group now materialized
    page.get_by_text("metrics", exact=True).first.wait_for()
    expect(page.get_by_text("fetching statuses")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "asset-graph.png")
    page.goto(f"{dagster_ui.url}/runs/{run_id}")
    page.get_by_text("Success", exact=True).first.wait_for()
    expect(page.get_by_text("Loading run logs")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "run.png")
    assert status == "SUCCESS", f"the run ended {status}:\n{dagster_ui.log_tail()}"
    return run_id


CHECKS_QUERY = """
{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks {
    checks { name description executionForLatestMaterialization { status runId } } } } } }
"""


def test_materialize_all_from_the_ui_passes_every_check(dagster_ui, page, run_from_ui):
    nodes = dagster_ui.graphql(CHECKS_QUERY)["assetNodes"]
    checks = [
        ("/".join(node["assetKey"]["path"]), check)
        for node in nodes
        for check in node["assetChecksOrError"].get("checks", [])
    ]
    assert len(checks) >= 40
    not_green = [
        (asset, check["name"], check["executionForLatestMaterialization"])
        for asset, check in checks
        if (check["executionForLatestMaterialization"] or {}).get("status") != "SUCCEEDED"
        or check["executionForLatestMaterialization"]["runId"] != run_from_ui
    ]
    assert not_green == []
    assert all(check["description"] for _, check in checks)
    # ... and the UI shows them green: the report's own check, on its Checks tab.
    page.goto(f"{dagster_ui.url}/assets/insight_report?view=checks")
    page.get_by_text("every_chart_rendered").first.wait_for()
    page.get_by_text("Passed").first.wait_for()
    page.screenshot(path=ARTIFACTS / "report-checks.png")


def test_a_metric_shows_its_chart_and_preview_in_the_ui(dagster_ui, page, run_from_ui):
    page.goto(f"{dagster_ui.url}/assets/metrics/job_change_rate")
    page.get_by_text("Row count").first.wait_for()
    # The trend at a glance is on the page itself, no click needed (a markdown entry under
    # 1,000 characters); the full chart is one click away.
    trend = page.locator("tr", has=page.get_by_text("trend", exact=True)).locator("img[src^='data:image/svg+xml']")
    trend.wait_for()
    assert trend.evaluate("img => img.naturalWidth") > 100  # the SVG decoded
    page.screenshot(path=ARTIFACTS / "metric-trend.png")
    chart_row = page.locator("tr", has=page.get_by_text("chart", exact=True))
    chart_row.get_by_text("[Show Markdown]").click()
    image = page.get_by_role("dialog").locator("img[src^='data:image/svg+xml']")
    image.wait_for()
    assert image.evaluate("img => img.naturalWidth") > 100  # the SVG decoded
    page.screenshot(path=ARTIFACTS / "metric-chart.png")
    page.keyboard.press("Escape")
    assert page.locator("tr", has=page.get_by_text("preview", exact=True)).count() == 1


def test_the_report_opens_offline_with_every_chart(dagster_ui, page, run_from_ui):
    index = dagster_ui.data_dir / "report" / "index.html"
    assert index.exists(), "the run wrote no report"
    # Away from the Dagster UI first: its polling requests, still in flight, are not the report's.
    page.goto("about:blank")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(index.as_uri())
    charts = page.locator("div.chart")
    assert charts.count() >= 10
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.chart')].every(c => c.dataset.rendered === 'true')"
    )
    assert page.locator("div.chart svg").count() >= charts.count()
    fetched = [url for url in requests if not url.startswith(("file:", "data:", "blob:"))]
    assert fetched == [], "the report fetched from the network"
    page.screenshot(path=ARTIFACTS / "report.png")
    page.screenshot(path=ARTIFACTS / "report-full.png", full_page=True)


# Last in this module: it stops the module's UI.
STOP_SECONDS = 30


def test_ctrl_c_stops_the_ui_and_everything_it_started(dagster_ui):
    """Finding: `make ui` did not stop within 45 s of Ctrl-C. A terminal's Ctrl-C sends SIGINT
    to the foreground process group: dagster dev, its webserver, daemon and code servers."""
    group = dagster_ui.process.pid
    os.killpg(group, signal.SIGINT)
    dagster_ui.process.wait(timeout=STOP_SECONDS)
    deadline = time.monotonic() + STOP_SECONDS
    while True:
        try:
            os.killpg(group, 0)  # any process of the group left?
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, f"processes of dagster dev outlived Ctrl-C by {STOP_SECONDS}s"
        time.sleep(0.5)
    assert "Dagster services shut down" in dagster_ui.log_tail()
