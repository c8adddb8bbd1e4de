"""The site's pages in-process: screening, enrollment, doses, assessments, AEs, queries, signature."""

from __future__ import annotations

import re
from html import escape

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, sign_in
from tests.web.helpers import ELIGIBLE, INELIGIBLE_ECOG, SCREEN, dose, post, screen


def test_screening_form_labels_every_protocol_field(coord, protocol):
    html = coord.get("/screening/new").text
    for f in protocol.eligibility.fields:
        assert f'for="f-{f.name}"' in html or f"<legend>{escape(f.label, quote=False)}" in html, f.name


def test_ineligible_patient_sees_the_failing_criterion_named(coord):
    sid = screen(coord, INELIGIBLE_ECOG)
    html = coord.get(f"/subjects/{sid}/eligibility").text
    assert "Not eligible" in html
    assert "<strong>IN04</strong> – ECOG performance status 0 or 1." in html
    assert "Enroll this patient" not in html


def test_bad_screening_value_is_shown_inline_and_in_the_summary(coord):
    response = post(coord, "/screening", {**SCREEN, **ELIGIBLE, "ecog": "7"})
    assert response.status_code == 422
    assert 'href="#f-ecog"' in response.text  # summary links to the field
    assert '<p class="error" id="e-ecog">must be at most 5</p>' in response.text


def test_eligible_patient_is_enrolled_with_a_site_number(coord, enrolled):
    html = coord.get(f"/subjects/{enrolled}").text
    assert "Casebook: A01-001" in html and "Enrolled" in html


def test_seventh_nab_paclitaxel_cycle_is_refused_with_its_message(coord, enrolled):
    for cycle in range(1, 7):
        assert (
            dose(coord, enrolled, "NABP", cycle, f"2025-{cycle + 1:02d}-01", 260, "mg/m2").status_code == 303
        )
    response = dose(coord, enrolled, "NABP", 7, "2025-08-01", 260, "mg/m2")
    assert response.status_code == 422
    assert (
        "albumin-bound paclitaxel (NABP) may be given for at most 6 cycles; "
        "cycle 7 is beyond the protocol limit" in response.text
    )
    assert 'id="e-cycle"' in response.text
    assert "Cycle 7" not in coord.get(f"/subjects/{enrolled}").text


def test_editing_a_dose_asks_for_a_reason(coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    edit = re.search(r'href="(/doses/\d+/edit)"', coord.get(f"/subjects/{enrolled}").text).group(1)
    form = coord.get(edit).text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    data = {"drug_code": "PD1", "cycle": "1", "dose_date": "2025-01-13", "dose": "200", "unit": "mg"}
    refused = post(coord, edit, {**data, "version": version})
    assert refused.status_code == 422
    assert "a reason is required to change data after first entry" in refused.text
    done = post(
        coord, edit, {**data, "version": version, "reason": "transcription error"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "2025-01-13" in coord.get(f"/subjects/{enrolled}").text


def test_assessments_show_the_computed_response_and_its_explanation(coord, enrolled):
    dose(coord, enrolled, "NABP", 1, "2025-01-12", 260, "mg/m2")
    base = {
        "visit_number": "1", "visit": "BASELINE", "assessment_date": "2025-01-08", "n_rows": "6",
        "m-0-code": "T01", "m-0-category": "TARGET", "m-0-location": "LIVER", "m-0-diameter_mm": "40",
        "m-1-code": "T02", "m-1-category": "TARGET", "m-1-location": "LUNG", "m-1-diameter_mm": "20",
        "m-2-code": "NT01", "m-2-category": "NON-TARGET", "m-2-location": "BONE", "m-2-state": "PRESENT",
    }  # fmt: skip
    assert post(coord, f"/subjects/{enrolled}/assessments", base, follow_redirects=False).status_code == 303
    follow = {
        "visit_number": "2", "visit": "WEEK 6", "assessment_date": "2025-02-23", "n_rows": "5",
        "m-0-code": "NT01", "m-0-category": "NON-TARGET", "m-0-location": "BONE", "m-0-state": "PRESENT",
        "m-1-code": "T01", "m-1-category": "TARGET", "m-1-location": "LIVER", "m-1-diameter_mm": "25",
        "m-2-code": "T02", "m-2-category": "TARGET", "m-2-location": "LUNG", "m-2-diameter_mm": "12",
    }  # fmt: skip
    response = post(coord, f"/subjects/{enrolled}/assessments", follow, follow_redirects=True)
    # 60 mm at baseline -> 37 mm: -38.3% (hand computed), a partial response by RECIST 1.1 section 4.3.1.
    assert "computed RECIST 1.1 response: PR" in response.text
    assert "Sum of diameters 37 mm (baseline 60 mm, change -38.3%" in response.text
    assert "Baseline: sum of target diameters 60 mm over 2 target lesion(s)." in response.text


def test_baseline_target_too_small_is_refused_on_its_row(coord, enrolled):
    base = {
        "visit_number": "1", "visit": "BASELINE", "assessment_date": "2025-01-08", "n_rows": "6",
        "m-0-code": "T01", "m-0-category": "TARGET", "m-0-location": "LIVER", "m-0-diameter_mm": "5",
    }  # fmt: skip
    response = post(coord, f"/subjects/{enrolled}/assessments", base)
    assert response.status_code == 422
    assert 'id="e-m-0-diameter_mm"' in response.text
    assert "must be at least 10 mm at baseline" in response.text


def test_adverse_event_is_recorded_with_relatedness_per_drug(coord, enrolled):
    data = {
        "term": "Neutropenia", "grade": "3", "serious": "false", "related_NABP": "RELATED",
        "related_PD1": "NOT RELATED", "start_date": "2025-01-20", "action_taken": "DOSE REDUCED",
    }  # fmt: skip
    assert (
        post(coord, f"/subjects/{enrolled}/adverse-events", data, follow_redirects=False).status_code == 303
    )
    html = coord.get(f"/subjects/{enrolled}").text
    assert "Neutropenia, grade 3" in html and "NABP: related" in html


def test_query_is_opened_by_the_monitor_answered_by_the_site_and_closed(web_env, coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    dose_id = re.search(r'id="dose-(\d+)"', coord.get(f"/subjects/{enrolled}").text).group(1)
    with TestClient(web_env.app) as monitor:
        sign_in(monitor, "monitor_a")
        opened = post(
            monitor,
            "/queries",
            {
                "record_table": "dose",
                "record_id": dose_id,
                "field": "dose_date",
                "text": "Source says 13 Jan?",
            },
            follow_redirects=False,
        )
        assert opened.status_code == 303
        assert "Record a dose" not in monitor.get(f"/subjects/{enrolled}").text  # monitors enter no data
    inbox = coord.get("/queries").text
    qid = re.search(r'id="query-(\d+)"', inbox).group(1)
    version = re.search(
        rf'action="/queries/{qid}/answer"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="version" value="(\d+)"',
        inbox,
    ).group(1)
    post(coord, f"/queries/{qid}/answer", {"answer": "Source checked: 12 Jan.", "version": version})
    with TestClient(web_env.app) as monitor:
        sign_in(monitor, "monitor_a")
        html = monitor.get("/queries").text
        assert "Source checked: 12 Jan." in html and "Answered" in html
        version = re.search(
            rf'action="/queries/{qid}/close"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="version" value="(\d+)"',
            html,
        ).group(1)
        post(monitor, f"/queries/{qid}/close", {"version": version})
        assert f'id="query-{qid}"' not in monitor.get("/queries").text


def test_investigator_signs_with_password_reentry(web_env, coord, enrolled):
    with TestClient(web_env.app) as inv:
        sign_in(inv, "inv_a")
        wrong = post(inv, f"/subjects/{enrolled}/sign", {"meaning": "I approve", "password": "nope"})
        assert "does not match: re-enter your own password to sign" in wrong.text
        ok = post(
            inv,
            f"/subjects/{enrolled}/sign",
            {"meaning": "I approve", "password": PASSWORD},
            follow_redirects=True,
        )
        assert "Casebook signed." in ok.text
        assert re.search(r'id="signature-status"><span class="badge ok">Signed</span>', ok.text)


@pytest.mark.parametrize(
    "path",
    [
        "/subjects/{sid}",
        "/subjects/{sid}/eligibility",
        "/subjects/{sid}/doses/new",
        "/subjects/{sid}/assessments/new",
    ],
)
def test_site_b_cannot_open_site_a_subject_even_by_url(web_env, enrolled, path):
    with TestClient(web_env.app) as other:
        sign_in(other, "coord_b")
        assert "A01-" not in other.get("/subjects").text
        response = other.get(path.format(sid=enrolled))
        assert response.status_code == 404
        assert f"no subject {enrolled} visible to you" in response.text


def test_answer_sent_by_htmx_returns_the_updated_row_and_a_status_line(web_env, coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    dose_id = re.search(r'id="dose-(\d+)"', coord.get(f"/subjects/{enrolled}").text).group(1)
    with TestClient(web_env.app) as monitor:
        sign_in(monitor, "monitor_a")
        post(
            monitor,
            "/queries",
            {"record_table": "dose", "record_id": dose_id, "field": "dose", "text": "Dose?"},
        )
    inbox = coord.get("/queries").text
    qid = re.search(r'id="query-(\d+)"', inbox).group(1)
    response = post(
        coord,
        f"/queries/{qid}/answer",
        {"answer": "200 mg as prescribed", "version": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.text.lstrip().startswith(f'<tr id="query-{qid}">')  # a row, not a page
    assert "Answered" in response.text and "200 mg as prescribed" in response.text
    assert f'hx-swap-oob="true">Query #{qid} answered.</p>' in response.text
    again = post(
        coord, f"/queries/{qid}/answer", {"answer": "again", "version": "2"}, headers={"HX-Request": "true"}
    )
    assert "a query that is answered cannot be answered" in again.text


def test_navigation_follows_the_role(web_env, coord):
    nav = coord.get("/subjects").text.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert "Screen a patient" in nav and "Dashboard" not in nav
    with TestClient(web_env.app) as sponsor:
        sign_in(sponsor, "sponsor")
        nav = sponsor.get("/dashboard").text.split('<nav aria-label="Main">')[1].split("</nav>")[0]
        assert "Dashboard" in nav and "Datasets" in nav and "Screen a patient" not in nav


def test_an_edit_after_signing_voids_the_signature_on_the_casebook(web_env, coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    with TestClient(web_env.app) as inv:
        sign_in(inv, "inv_a")
        post(inv, f"/subjects/{enrolled}/sign", {"meaning": "I approve", "password": PASSWORD})
    assert '<span class="badge ok">Signed</span>' in coord.get(f"/subjects/{enrolled}").text
    edit = re.search(r'href="(/doses/\d+/edit)"', coord.get(f"/subjects/{enrolled}").text).group(1)
    data = {"drug_code": "PD1", "cycle": "1", "dose_date": "2025-01-13", "dose": "200", "unit": "mg"}
    post(coord, edit, {**data, "version": "1", "reason": "date corrected from the source"})
    assert '<span class="badge warn">Not signed</span>' in coord.get(f"/subjects/{enrolled}").text


def test_end_of_treatment_is_recorded_and_a_later_dose_refused(coord, enrolled, protocol):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    reason = protocol.treatment_end_reasons[0]
    saved = post(
        coord,
        f"/subjects/{enrolled}/end-of-treatment",
        {"end_date": "2025-03-01", "reason_code": reason.code},
        follow_redirects=True,
    )
    assert f"Treatment ended: {reason.label}" in saved.text
    refused = dose(coord, enrolled, "PD1", 2, "2025-03-05", 200, "mg")
    assert refused.status_code == 422
    assert "is after the end of treatment on 2025-03-01: no dose may follow it" in refused.text


def test_death_before_the_last_dose_is_refused_inline(coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    response = post(coord, f"/subjects/{enrolled}/death", {"death_date": "2025-01-11", "cause": "disease"})
    assert response.status_code == 422
    assert '<p class="error" id="e-death_date">is before the last dose on 2025-01-12</p>' in response.text


def test_survival_contact_and_therapy_appear_on_the_timeline(coord, enrolled):
    post(coord, f"/subjects/{enrolled}/survival-contacts", {"contact_date": "2025-06-01", "status": "ALIVE"})
    post(
        coord,
        f"/subjects/{enrolled}/therapies",
        {"category": "SUBSEQUENT ANTI-CANCER THERAPY", "name": "Bevacizumab", "start_date": "2025-06-10"},
    )
    html = coord.get(f"/subjects/{enrolled}").text
    assert "Status: alive" in html and "Bevacizumab (subsequent anti-cancer therapy)" in html


def test_subject_list_shows_status_first_dose_and_open_queries(web_env, coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    dose_id = re.search(r'id="dose-(\d+)"', coord.get(f"/subjects/{enrolled}").text).group(1)
    with TestClient(web_env.app) as monitor:
        sign_in(monitor, "monitor_a")
        post(
            monitor, "/queries", {"record_table": "dose", "record_id": dose_id, "field": "dose", "text": "?"}
        )
    row = coord.get("/subjects").text.split(f'href="/subjects/{enrolled}">A01-001</a>')[1].split("</tr>")[0]
    assert "<td>Enrolled</td>" in row
    assert "<td>2025-01-12</td>" in row
    assert '<span class="badge warn">1 open</span>' in row


def test_site_b_cannot_edit_site_a_records_or_answer_its_queries(web_env, coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    dose_id = re.search(r'id="dose-(\d+)"', coord.get(f"/subjects/{enrolled}").text).group(1)
    with TestClient(web_env.app) as monitor:
        sign_in(monitor, "monitor_a")
        post(
            monitor, "/queries", {"record_table": "dose", "record_id": dose_id, "field": "dose", "text": "?"}
        )
    qid = re.search(r'id="query-(\d+)"', coord.get("/queries").text).group(1)
    with TestClient(web_env.app) as other:
        sign_in(other, "coord_b")
        assert other.get(f"/doses/{dose_id}/edit").status_code == 404
        data = {"drug_code": "PD1", "cycle": "1", "dose_date": "2025-01-13", "dose": "200", "unit": "mg"}
        changed = post(other, f"/doses/{dose_id}/edit", {**data, "version": "1", "reason": "x"})
        assert changed.status_code == 404
        answered = post(other, f"/queries/{qid}/answer", {"answer": "not mine", "version": "1"})
        assert answered.status_code == 404
        assert f'id="query-{qid}"' not in other.get("/queries").text
    assert "2025-01-12" in coord.get(f"/subjects/{enrolled}").text  # nothing changed


def _row(client: TestClient, sid: int, label: str, as_of: str) -> str:
    html = client.get(f"/subjects?as_of={as_of}").text
    return html.split(f'href="/subjects/{sid}">{label}</a>')[1].split("</tr>")[0]


def test_subject_list_shows_follow_up_status_and_next_visit_due_from_the_protocol(coord, enrolled, protocol):
    import datetime as dt

    first = dt.date(2025, 1, 12)
    dose(coord, enrolled, "PD1", 1, first.isoformat(), 200, "mg")
    due = protocol.regimen.cycle_length.after(first)
    row = _row(coord, enrolled, "A01-001", first.isoformat())
    assert "<td>On treatment</td>" in row
    assert f"<td>Cycle 2, {due}</td>" in row
    assert '<span class="badge ok">✓ On time</span>' in row


def test_subject_list_flags_an_overdue_visit_in_words_and_with_an_icon(coord, enrolled, protocol):
    import datetime as dt

    first = dt.date(2025, 1, 12)
    dose(coord, enrolled, "PD1", 1, first.isoformat(), 200, "mg")
    last_day = protocol.regimen.cycle_length.after(first) + dt.timedelta(
        days=protocol.regimen.dose_window_days
    )
    assert "Overdue" not in _row(coord, enrolled, "A01-001", last_day.isoformat())
    late = _row(coord, enrolled, "A01-001", (last_day + dt.timedelta(days=1)).isoformat())
    assert '<span class="badge bad">⚠ Overdue: Cycle 2</span>' in late


def test_subject_list_refuses_an_as_of_that_is_not_a_date(coord):
    response = coord.get("/subjects?as_of=tomorrow")
    assert (
        response.status_code == 422
        and "as_of: &#39;tomorrow&#39; is not a date (YYYY-MM-DD)" in response.text
    )


def _dose_id(client: TestClient, sid: int) -> str:
    return re.search(r'id="dose-(\d+)"', client.get(f"/subjects/{sid}").text).group(1)


def _item(html: str, anchor: str) -> str:
    return html.split(f'<li id="{anchor}">')[1].split("</li>")[0]


def test_monitor_marks_a_dose_verified_on_the_casebook_and_everyone_sees_who_and_when(
    web_env, coord, enrolled
):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    dose_id = _dose_id(coord, enrolled)
    assert "Not source-data verified" in _item(coord.get(f"/subjects/{enrolled}").text, f"dose-{dose_id}")
    assert "Mark verified" not in coord.get(f"/subjects/{enrolled}").text
    with TestClient(web_env.app) as monitor:
        sign_in(monitor, "monitor_a")
        before = _item(monitor.get(f"/subjects/{enrolled}").text, f"dose-{dose_id}")
        assert "Mark verified" in before
        response = post(
            monitor,
            f"/subjects/{enrolled}/sdv",
            {"record_table": "dose", "record_id": dose_id},
            follow_redirects=False,
        )
        assert response.status_code == 303 and response.headers["location"].endswith(f"#dose-{dose_id}")
        after = _item(monitor.get(f"/subjects/{enrolled}").text, f"dose-{dose_id}")
        assert "Mark verified" not in after
    site_view = _item(coord.get(f"/subjects/{enrolled}").text, f"dose-{dose_id}")
    assert '<span class="badge ok">✓ Source-data verified</span> by Monitor A on ' in site_view


def test_editing_a_verified_dose_clears_its_mark_on_the_casebook(web_env, coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    dose_id = _dose_id(coord, enrolled)
    with TestClient(web_env.app) as monitor:
        sign_in(monitor, "monitor_a")
        post(monitor, f"/subjects/{enrolled}/sdv", {"record_table": "dose", "record_id": dose_id})
    edit = coord.get(f"/doses/{dose_id}/edit").text
    version = re.search(r'name="version" value="(\d+)"', edit).group(1)
    response = post(
        coord,
        f"/doses/{dose_id}/edit",
        {"drug_code": "PD1", "cycle": "1", "dose_date": "2025-01-13", "dose": "200", "unit": "mg",
         "version": version, "reason": "infusion record"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    assert "Not source-data verified" in _item(coord.get(f"/subjects/{enrolled}").text, f"dose-{dose_id}")


def test_a_coordinator_posting_a_mark_is_refused_and_nothing_is_marked(coord, enrolled):
    dose(coord, enrolled, "PD1", 1, "2025-01-12", 200, "mg")
    dose_id = _dose_id(coord, enrolled)
    response = post(coord, f"/subjects/{enrolled}/sdv", {"record_table": "dose", "record_id": dose_id})
    assert response.status_code == 403 and "mark records source-data verified" in response.text
    assert "Not source-data verified" in _item(coord.get(f"/subjects/{enrolled}").text, f"dose-{dose_id}")


def test_casebook_shows_the_follow_up_status_and_the_next_visit_as_of_a_day(coord, enrolled, protocol):
    import datetime as dt

    first = dt.date(2025, 1, 12)
    dose(coord, enrolled, "PD1", 1, first.isoformat(), 200, "mg")
    html = coord.get(f"/subjects/{enrolled}?as_of=2025-01-20").text
    card = html.split('id="schedule-status">')[1].split("</dd>")[0]
    assert card == f"On treatment; next: Cycle 2, {protocol.regimen.cycle_length.after(first)}"
    assert "Follow-up (as of 2025-01-20)" in html
