"""Every input on every form page has a label; CSRF also travels in htmx's header."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import sign_in
from tests.web.helpers import csrf, dose


class _Inputs(HTMLParser):
    """Collects form controls and the ids that a <label for> names (or that sit inside a label)."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.inside_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.inside_label += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append({**a, "_wrapped": "y" if self.inside_label else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.inside_label -= 1

    def unlabelled(self) -> list[str]:
        return [
            str(c.get("name") or c.get("id"))
            for c in self.controls
            if not c["_wrapped"] and c.get("id") not in self.label_for and not c.get("aria-label")
        ]


def unlabelled(html: str) -> list[str]:
    parser = _Inputs()
    parser.feed(html)
    assert parser.controls, "the page has no form control"
    return parser.unlabelled()


@pytest.mark.parametrize(
    "path",
    [
        "/subjects/{sid}/doses/new",
        "/subjects/{sid}/assessments/new",
        "/subjects/{sid}/adverse-events/new",
        "/subjects/{sid}/therapies/new",
        "/subjects/{sid}/end-of-treatment/new",
        "/subjects/{sid}/survival-contacts/new",
        "/subjects/{sid}/death/new",
        "/screening/new",
        "/password",
    ],
)
def test_every_form_control_has_a_label(coord, enrolled, path):
    assert unlabelled(coord.get(path.format(sid=enrolled)).text) == []


def test_monitor_and_investigator_casebook_forms_are_labelled(web_env, coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    for user in ("monitor_a", "inv_a"):
        with TestClient(web_env.app) as c:
            sign_in(c, user)
            assert unlabelled(c.get(f"/subjects/{enrolled}").text) == [], user


def test_htmx_requests_may_carry_the_csrf_token_in_a_header(coord, enrolled):
    token = csrf(coord, "/password")
    with_header = coord.post(
        f"/subjects/{enrolled}/death",
        data={"death_date": "2025-01-01"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert with_header.status_code == 422  # reached the service: before enrollment is refused there
    assert "is before enrollment on 2025-01-10" in with_header.text
    without = coord.post(f"/subjects/{enrolled}/death", data={"death_date": "2025-01-01"})
    assert without.status_code == 403
