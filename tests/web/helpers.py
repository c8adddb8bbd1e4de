"""Test data and form helpers shared by the in-process and browser tests of the pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient

#: Screening values of a patient who meets every criterion of the bundled protocol
#: (chosen by reading its eligibility rules in pd1-nab-paclitaxel-cervical.toml).
ELIGIBLE = {
    "age_years": "52",
    "sex": "F",
    "histology_confirmed": "true",
    "disease_status": "recurrent",
    "measurable_lesions": "2",
    "ecog": "1",
    "life_expectancy_weeks": "24",
    "prior_anti_pd1_pdl1": "false",
    "prior_taxane_progression_6m": "false",
    "anc_10e9_l": "2.1",
    "platelets_10e9_l": "210",
    "hemoglobin_g_l": "118",
    "bilirubin_x_uln": "0.8",
    "ast_x_uln": "1.1",
    "alt_x_uln": "1.0",
    "liver_metastases": "false",
    "creatinine_x_uln": "0.9",
    "creatinine_clearance_ml_min": "80",
    "active_autoimmune_disease": "false",
    "systemic_steroids": "false",
    "untreated_cns_metastases": "false",
    "neuropathy_grade": "0",
    "pregnant_or_breastfeeding": "false",
}

#: The same patient with ECOG 2: fails IN04 (ECOG performance status 0 or 1) only.
INELIGIBLE_ECOG = {**ELIGIBLE, "ecog": "2"}


def csrf(client: TestClient, path: str) -> str:
    html = client.get(path).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client: TestClient, path: str, data: dict, *, token_from: str = "/password", **kwargs):
    """POST a form with the session's CSRF token, as the browser does."""
    return client.post(path, data={**data, "csrf_token": csrf(client, token_from)}, **kwargs)


SCREEN = {"site_code": "A01", "consent_date": "2025-01-02", "screening_date": "2025-01-06"}


def screen(client: TestClient, values: dict) -> int:
    response = post(client, "/screening", {**SCREEN, **values}, follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    return int(re.search(r"/subjects/(\d+)/eligibility", response.headers["location"]).group(1))


def dose(client, sid, drug, cycle, date, amount, unit):
    return post(
        client,
        f"/subjects/{sid}/doses",
        {"drug_code": drug, "cycle": str(cycle), "dose_date": date, "dose": str(amount), "unit": unit},
        follow_redirects=False,
    )


class _FormReader(HTMLParser):
    """The values a browser would post from a page's forms (checked boxes, selected options)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
            self.values.setdefault(self._select or "", "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_fields(html: str) -> dict[str, str]:
    """The fields of the forms of a page as a browser would post them (without the CSRF token).

    >>> form_fields('<input name="a" value="1"><input type="checkbox" name="b" value="1">')
    {'a': '1'}
    """
    reader = _FormReader()
    reader.feed(html)
    reader.values.pop("csrf_token", None)
    return reader.values
