"""report.html in a real browser: no console error, every figure loaded, a screenshot saved."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncotrial.analysis import analyze
from oncotrial.report import write_report

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def check_report_in_browser(report: Path, chromium_path: str, screenshot: Path) -> dict:
    """Open ``report`` in headless Chromium; return what the page showed."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda req: requests.append(req.url))
            page.goto(report.resolve().as_uri(), wait_until="load")
            figures = page.eval_on_selector_all(
                "figure.report-figure img",
                "imgs => imgs.map(i => ({alt: i.alt, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,"
                " caption: i.closest('figure').querySelector('figcaption').textContent}))",
            )
            scripts = page.eval_on_selector_all("script", "s => s.length")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    external = [u for u in requests if not u.startswith(("file:", "data:"))]
    return {"errors": errors, "figures": figures, "scripts": scripts, "external": external}


@pytest.mark.browser
def test_report_renders_every_figure_without_console_errors(
    adam, protocol, tmp_path, chromium_path, output_dir
):
    results = analyze(adam, protocol=protocol)
    report = write_report(
        results, adam, tmp_path / "report.html", protocol=protocol, thresholds=(-30.0, 20.0)
    )
    shot = output_dir / "report-example.png"
    seen = check_report_in_browser(report, chromium_path, shot)
    assert seen["errors"] == []
    assert seen["external"] == [] and seen["scripts"] == 0
    # one Kaplan-Meier plot per time-to-event endpoint, plus waterfall, swimmer and spider
    assert len(seen["figures"]) == len(results.time_to_event) + 3
    for fig in seen["figures"]:
        assert fig["complete"] and fig["w"] > 100 and fig["h"] > 100, fig["alt"]
        assert fig["alt"] and fig["caption"].startswith("Figure ")
    assert shot.stat().st_size > 10_000


@pytest.mark.browser
def test_reference_package_report_in_browser(tmp_path, chromium_path, output_dir):
    from oncotrial.cli.analyze import run_analysis

    sdtm = Path(__file__).parent.parent / "data" / "pharmaverse-recist" / "sdtm"
    outputs = run_analysis(sdtm, tmp_path / "out")
    shot = output_dir / "report-pharmaverse.png"
    seen = check_report_in_browser(outputs.report, chromium_path, shot)
    assert seen["errors"] == [] and seen["external"] == []
    assert len(seen["figures"]) == 6
    assert all(f["complete"] and f["w"] > 100 for f in seen["figures"])
    assert shot.exists()
