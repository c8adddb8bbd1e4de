"""The whole site-to-sponsor workflow in headless Chromium against a real uvicorn server.

A coordinator of site A screens two patients (one fails IN04, one is eligible), enrolls
the eligible one, records doses (a 7th nab-paclitaxel cycle is refused on the page),
baseline and follow-up tumour measurements (and sees the computed response), and an
adverse event; a monitor opens a query on a field; the coordinator answers it; the
investigator signs the casebook; the sponsor sees the subject on the dashboard. A user
of site B cannot see or open the subject, even by typing its URL. Each main page is
saved as a screenshot under ``test-output/web/``; no page may log a console error
(a CSP violation, a failed script) on the way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web._server import prepare_database, running_server
from tests.web.conftest import PASSWORD
from tests.web.helpers import ELIGIBLE, INELIGIBLE_ECOG

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("web-server")
    with running_server(folder, prepare_database(folder)) as base:
        yield base


@pytest.fixture(scope="module")
def browser(chromium_path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(output_dir) -> Path:
    folder = output_dir / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Session:
    """One user's browser context, collecting console errors."""

    def __init__(self, browser, base: str, shots: Path, width: int = 1280, height: int = 800) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.base, self.shots = base, shots
        self.errors: list[str] = []
        # A refused form answers 422 and a hidden subject 404 on purpose: the page itself may
        # carry an error status; a script, stylesheet or image that fails may not.
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} {response.url}")

    def go(self, path: str):
        return self.page.goto(self.base + path)

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.go("/login")
        self.page.fill("#f-username", username)
        self.page.fill("#f-password", password)
        self.page.click("button:has-text('Sign in')")
        self.page.wait_for_load_state()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def screen(s: Session, values: dict, protocol) -> None:
    s.go("/screening/new")
    s.page.fill("#f-consent_date", "2025-01-02")
    s.page.fill("#f-screening_date", "2025-01-06")
    for f in protocol.eligibility.fields:
        value = values[f.name]
        if f.type.value == "boolean":
            s.page.check(f"#f-{f.name}-{'yes' if value == 'true' else 'no'}")
        elif f.type.value == "choice":
            s.page.select_option(f"#f-{f.name}", value)
        else:
            s.page.fill(f"#f-{f.name}", value)
    s.page.click("button:has-text('Save and evaluate eligibility')")
    s.page.wait_for_load_state()


def record_dose(s: Session, sid: int, drug: str, cycle: int, date: str, dose: str, unit: str) -> None:
    s.go(f"/subjects/{sid}/doses/new")
    s.page.select_option("#f-drug_code", drug)
    s.page.fill("#f-cycle", str(cycle))
    s.page.fill("#f-dose_date", date)
    s.page.fill("#f-dose", dose)
    s.page.select_option("#f-unit", unit)
    s.page.click("button:has-text('Save')")
    s.page.wait_for_load_state()


def fill_lesion(
    s: Session, row: int, code: str | None, category: str | None, location: str | None, **measure
) -> None:
    if code is not None:
        s.page.fill(f"#f-m-{row}-code", code)
        s.page.select_option(f"#f-m-{row}-category", category)
        s.page.fill(f"#f-m-{row}-location", location)
    if "diameter" in measure:
        s.page.fill(f"#f-m-{row}-diameter_mm", measure["diameter"])
    if "state" in measure:
        s.page.select_option(f"#f-m-{row}-state", measure["state"])


def test_whole_workflow_from_screening_to_dashboard(browser, server, shots, protocol):
    coord = Session(browser, server, shots)
    coord.login("coord_a")
    assert coord.page.url.endswith("/subjects")

    # 1. Two patients screened: one fails IN04 (ECOG), one is eligible.
    screen(coord, INELIGIBLE_ECOG, protocol)
    verdict = coord.page.locator("#eligibility-verdict")
    assert "Not eligible" in verdict.inner_text()
    assert "IN04 – ECOG performance status 0 or 1." in verdict.inner_text()
    coord.shot("screening-not-eligible")

    screen(coord, ELIGIBLE, protocol)
    assert "Eligible." in coord.page.locator("#eligibility-verdict").inner_text()
    coord.shot("screening-eligible")
    coord.page.fill("#f-enrollment_date", "2025-01-10")
    coord.page.click("button:has-text('Enroll this patient')")
    coord.page.wait_for_load_state()
    sid = int(re.search(r"/subjects/(\d+)", coord.page.url).group(1))
    assert "Casebook: A01-001" in coord.page.inner_text("h1")

    # 2. Doses: six nab-paclitaxel cycles and anti-PD-1; a 7th nab-paclitaxel cycle is refused.
    for cycle in range(1, 7):
        date = ["2025-01-12", "2025-02-02", "2025-02-23", "2025-03-16", "2025-04-06", "2025-04-27"][cycle - 1]
        record_dose(coord, sid, "NABP", cycle, date, "260", "mg/m2")
        assert "/doses/new" not in coord.page.url, coord.page.inner_text("main")[:500]
    record_dose(coord, sid, "PD1", 1, "2025-01-12", "200", "mg")
    record_dose(coord, sid, "NABP", 7, "2025-05-18", "260", "mg/m2")
    summary = coord.page.locator(".error-summary")
    assert "may be given for at most 6 cycles; cycle 7 is beyond the protocol limit" in summary.inner_text()
    assert "at most 6 cycles" in coord.page.locator("#e-cycle").inner_text()
    coord.page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'error-summary'"
    )
    coord.shot("dose-7th-cycle-refused")

    # 3. Baseline and follow-up tumour measurements; the computed response is shown.
    coord.go(f"/subjects/{sid}/assessments/new")
    coord.page.fill("#f-visit_number", "1")
    coord.page.fill("#f-assessment_date", "2025-01-08")
    fill_lesion(coord, 0, "T01", "TARGET", "LIVER", diameter="40")
    fill_lesion(coord, 1, "T02", "TARGET", "LUNG", diameter="20")
    fill_lesion(coord, 2, "NT01", "NON-TARGET", "BONE", state="PRESENT")
    coord.shot("assessment-baseline-form")
    coord.page.click("button:has-text('Save assessment')")
    coord.page.wait_for_load_state()
    assert "Baseline assessment saved." in coord.page.inner_text("main")

    coord.go(f"/subjects/{sid}/assessments/new")
    coord.page.fill("#f-visit_number", "2")
    coord.page.fill("#f-visit", "WEEK 6")
    coord.page.fill("#f-assessment_date", "2025-02-23")
    # rows 0-2 are the baseline lesions in the order they were identified: T01, T02, NT01
    for row in range(3):
        code = coord.page.input_value(f"input[name='m-{row}-code']")
        if code == "T01":
            fill_lesion(coord, row, None, None, None, diameter="25")
        elif code == "T02":
            fill_lesion(coord, row, None, None, None, diameter="12")
        else:
            fill_lesion(coord, row, None, None, None, state="PRESENT")
    coord.page.click("button:has-text('Save assessment')")
    coord.page.wait_for_load_state()
    main = coord.page.inner_text("main")
    assert "computed RECIST 1.1 response: PR" in main
    # 60 mm -> 37 mm is -38.3% (hand computed): at least 30% below baseline, RECIST 1.1 section 4.3.1
    assert "Sum of diameters 37 mm (baseline 60 mm, change -38.3%" in main

    # 3b. A correction: T02 at week 6 re-read as 13 mm, with the reason for change.
    with coord.page.expect_navigation():
        coord.page.click("a:has-text('Edit tumour assessment') >> nth=1")
    coord.page.locator("#f-measurements tr", has_text="T02").locator("input[type=number]").fill("13")
    coord.page.fill("#f-reason", "T02 re-read on the radiology report")
    coord.shot("assessment-correction-form")
    with coord.page.expect_navigation():
        coord.page.click("button:has-text('Save change')")
    main = coord.page.inner_text("main")
    # 60 mm -> 38 mm is -36.7% (hand computed): still at least 30% below baseline
    assert "Assessment corrected; computed RECIST 1.1 response: PR." in main
    assert "Sum of diameters 38 mm (baseline 60 mm, change -36.7%" in main

    # 4. An adverse event.
    coord.go(f"/subjects/{sid}/adverse-events/new")
    coord.page.fill("#f-term", "Neutropenia")
    coord.page.select_option("#f-grade", "3")
    coord.page.check("#f-serious-no")
    coord.page.select_option("#f-related_NABP", "RELATED")
    coord.page.select_option("#f-related_PD1", "NOT RELATED")
    coord.page.fill("#f-start_date", "2025-01-25")
    coord.page.select_option("#f-action_taken", "DOSE NOT CHANGED")
    coord.page.click("button:has-text('Save')")
    coord.page.wait_for_load_state()
    assert "Neutropenia, grade 3" in coord.page.inner_text("main")
    coord.shot("casebook-site")

    # 4b. The subject list shows follow-up status, next visit due and an overdue flag in words.
    coord.go("/subjects")
    coord.page.fill("#f-as_of", "2025-02-01")
    coord.page.click("button:has-text('Show')")
    coord.page.wait_for_load_state()
    row = coord.page.locator("#subjects tr", has_text="A01-001")
    # anti-PD-1 cycle 1 on 2025-01-12 + the protocol's 21-day cycle = 2025-02-02
    assert "On treatment" in row.inner_text() and "Cycle 2, 2025-02-02" in row.inner_text()
    assert "✓ On time" in row.inner_text()
    coord.page.fill("#f-as_of", "2025-05-01")
    coord.page.click("button:has-text('Show')")
    coord.page.wait_for_load_state()
    assert "⚠ Overdue: Cycle 2" in coord.page.locator("#subjects tr", has_text="A01-001").inner_text()
    coord.shot("subjects-schedule-overdue")

    # 5. The monitor opens a query on the first dose's date.
    monitor = Session(browser, server, shots)
    monitor.login("monitor_a")
    monitor.go(f"/subjects/{sid}")
    first_dose = monitor.page.locator("li[id^='dose-']").first
    first_dose.locator("summary").click()
    first_dose.locator("select[name='field']").select_option("dose_date")
    first_dose.locator("textarea[name='text']").fill("Infusion record says 13 January; please check.")
    first_dose.locator("button:has-text('Open query')").click()
    monitor.page.wait_for_load_state()
    assert "opened on dose_date" in monitor.page.inner_text("main")
    monitor.shot("casebook-monitor-query")

    # 5b. The monitor marks the first dose source-data verified.
    dose_item = monitor.page.locator("li[id^='dose-']").first
    dose_item.locator("button:has-text('Mark verified')").click()
    monitor.page.wait_for_load_state()
    dose_item = monitor.page.locator("li[id^='dose-']").first
    assert "✓ Source-data verified by Monitor A on" in dose_item.inner_text()
    assert dose_item.locator("button:has-text('Mark verified')").count() == 0
    monitor.shot("casebook-monitor-verified")

    # 6. The coordinator answers it in the query inbox.
    coord.go("/queries")
    row = coord.page.locator("tr", has_text="Infusion record says 13 January")
    qid = row.get_attribute("id").removeprefix("query-")
    coord.page.fill(f"#answer-{qid}", "Checked against the source: 12 January is right.")
    coord.shot("queries-site")
    url = coord.page.url
    row.locator("button:has-text('Send answer')").click()  # htmx swaps the row in place
    coord.page.wait_for_function(
        f"() => document.getElementById('inbox-status').textContent.includes('Query #{qid} answered.')"
    )
    assert coord.page.url == url
    assert "Answered" in coord.page.inner_text(f"#query-{qid}")

    # 7. The investigator signs the casebook, re-entering the password.
    inv = Session(browser, server, shots)
    inv.login("inv_a")
    inv.go(f"/subjects/{sid}")
    inv.page.fill("#f-password", PASSWORD)
    inv.page.click("button:has-text('Sign casebook')")
    inv.page.wait_for_load_state()
    assert "Signed" in inv.page.inner_text("#signature-status")
    inv.shot("casebook-signed")

    # 8. The sponsor sees the subject on the dashboard, with curves drawn.
    sponsor = Session(browser, server, shots)
    sponsor.login("sponsor")
    assert sponsor.page.url.endswith("/dashboard")
    assert "A01-001" in sponsor.page.inner_text("#enrolled-subjects")
    assert "exact CI" in sponsor.page.inner_text("#orr-card")
    sponsor.page.wait_for_function(
        "() => [...document.querySelectorAll('figure img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    sponsor.shot("dashboard")
    sponsor.go("/datasets")
    sponsor.shot("datasets")

    # 9. A coordinator of site B sees no site A subject, even by typing its URL.
    other = Session(browser, server, shots)
    other.login("coord_b")
    assert "A01-001" not in other.page.inner_text("main")
    response = other.go(f"/subjects/{sid}")
    assert response.status == 404
    assert f"no subject {sid} visible to you" in other.page.inner_text("main")
    other.shot("site-b-refused")

    for who in (coord, monitor, inv, sponsor, other):
        assert who.errors == [], who.errors
        who.close()


def test_login_works_with_the_keyboard_alone(browser, server, shots):
    s = Session(browser, server, shots)
    s.go("/login")
    s.page.keyboard.press("Tab")
    assert s.page.evaluate("document.activeElement.textContent") == "Skip to main content"
    s.page.keyboard.press("Enter")  # follow the skip link into the main content
    s.page.keyboard.press("Tab")
    assert s.page.evaluate("document.activeElement.id") == "f-username"
    s.page.keyboard.type("coord_a")
    s.page.keyboard.press("Tab")
    s.page.keyboard.type(PASSWORD)
    s.page.keyboard.press("Enter")
    s.page.wait_for_url(re.compile(r".*/subjects$"))
    assert s.errors == []
    s.close()


def test_pages_fit_a_tablet_without_sideways_scrolling(browser, server, shots):
    s = Session(browser, server, shots, width=768, height=1024)
    s.login("coord_a")
    for path, name in [
        ("/subjects", "subjects-tablet"),
        ("/screening/new", "screening-tablet"),
        ("/queries", "queries-tablet"),
    ]:
        s.go(path)
        overflow = s.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 768 px"
        s.shot(name)
    s.close()


def test_every_input_on_the_main_forms_has_a_label(browser, server, shots):
    s = Session(browser, server, shots)
    s.login("coord_a")
    unlabelled_js = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
        .map(e => e.name || e.id)"""
    for path in ["/screening/new", "/password", "/queries", "/subjects"]:
        s.go(path)
        assert s.page.evaluate(unlabelled_js) == [], path
    s.close()
