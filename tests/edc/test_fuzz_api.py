"""Fuzzing the HTTP API with schemathesis: no server error and no answer outside the OpenAPI document.

Schemathesis reads the application's own ``/openapi.json`` and sends requests made from it to
the ASGI application in-process (``schemathesis.openapi.from_asgi``), through the engine that
``schemathesis run`` drives: the examples phase, the coverage phase (every boundary the
schema declares, and one step past it: the longest text and one character more, the largest
id and the next one, each required field missing, each type swapped) and the fuzzing phase
(random valid and invalid requests). Every check runs: not a server error, status code,
content type, headers and body against the schema, valid data accepted and invalid data
refused, the ``Allow`` header of a 405, authentication not ignored, and the rest. The bar is
no failure at all.

The trial is seeded as in ``test_api_access``: sites 101 and 102, a user per role, at site 101
an enrolled subject with a dose, another with every other form, and a subject in screening,
so that generated ids of 1 to a dozen reach real records. Each request is signed with the
bearer token of the role that may make it (an investigator of site 101 for data entry, its
monitor for queries and freezing, the sponsor administrator for sites, users, the audit
check and exports), so requests get past the role check into the rules.

Bound: the coverage phase sends every case the schema defines (about 2,760 requests, the same
on every run), and the fuzzing phase :data:`MAX_EXAMPLES` random requests per operation; about
2,900 requests per database, 50 s on SQLite and 65 s on PostgreSQL on the 2-core development
machine, so both stay within a few minutes of a CI run. The coverage phase already walks every
declared limit once, deterministically; the random phase only adds mixtures of them, so a few
random examples per operation suffice, and the seed is fixed so that a failure replays.
:data:`MAX_TIME_S` stops a run that takes far longer than that (and fails it).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.engine import events, from_schema

from oncotrial.edc.services.forms import DB_INT_MAX

from .conftest import ELIGIBLE, enrolled_subject

#: Random requests per operation in the fuzzing phase (valid and invalid ones together).
MAX_EXAMPLES = 2
#: Seconds after which the engine stops a run that is far slower than expected.
MAX_TIME_S = 240

#: Who signs each request: (method or "*", path prefix) -> user of ``conftest.ROLE_USERS``.
#: The first match wins; the investigator of site 101 signs the rest. Locking the database
#: and freezing a subject are asked of the statistician (refused with 403 once the body has
#: been checked), so that one fuzzed lock or freeze does not turn every later write into 409;
#: the administrator's unlock is fuzzed as is. Log-outs revoke the coordinator's token only.
SIGNERS: list[tuple[str, str, str]] = [
    ("*", "/api/auth/logout", "coord_a"),
    ("*", "/api/trial/lock", "stat"),
    ("*", "/api/subjects/{subject_id}/freeze", "stat"),
    ("*", "/api/trial/unlock", "admin"),
    ("*", "/api/sites", "admin"),
    ("*", "/api/users", "admin"),
    ("*", "/api/audit", "admin"),
    ("*", "/api/export", "admin"),
    ("*", "/api/queries/{query_id}/answer", "inv_a"),
    ("*", "/api/queries", "mon_a"),  # open and close
    ("*", "/api/source-verifications", "mon_a"),
]


def signer(method: str, path: str) -> str:
    """The user whose token signs a request to ``method path``."""
    for m, prefix, user in SIGNERS:
        if (m in ("*", method.upper())) and path.startswith(prefix):
            return user
    return "inv_a"


@pytest.fixture
def seeded(world) -> list[int]:
    """Records at site 101 whose ids fuzzed paths should reach (every id from 1 to the largest)."""
    from oncotrial.edc import create_record, open_query, record_assessment, record_dose, screen_subject
    from oncotrial.edc.services.forms import (
        AdverseEventIn,
        DeathIn,
        DoseIn,
        EndOfTreatmentIn,
        QueryIn,
        ScreeningIn,
        SurvivalContactIn,
        TherapyIn,
        TumourAssessmentIn,
    )

    ids = []
    with world.session() as s:
        inv = world.user(s, "inv_a")
        subject = enrolled_subject(s, inv)
        dose = {"drug_code": "PD1", "cycle": 1, "dose_date": dt.date(2024, 1, 11), "dose": 200, "unit": "mg"}
        ids.append(record_dose(s, inv, subject.id, DoseIn(**dose)).id)
        other = enrolled_subject(s, inv)
        ae = {"term": "Anaemia", "grade": 2, "serious": False, "start_date": "2024-01-20",
              "relatedness": {"NABP": "RELATED", "PD1": "NOT RELATED"}, "action_taken": "DOSE NOT CHANGED"}  # fmt: skip
        forms = [
            ("adverse-events", AdverseEventIn.model_validate(ae)),
            ("therapies", TherapyIn(category="CONCOMITANT", name="ondansetron", start_date="2024-01-10")),
            ("end-of-treatment", EndOfTreatmentIn(end_date="2024-03-01", reason_code="PROGRESSIVE_DISEASE")),
            ("survival-contacts", SurvivalContactIn(contact_date="2024-02-15", status="ALIVE")),
            ("death", DeathIn(death_date="2024-04-01")),
        ]
        ids += [create_record(s, inv, kind, other.id, form).id for kind, form in forms]
        target = {"lesion": {"code": "T01", "category": "TARGET", "location": "LIVER"}, "diameter_mm": 40}
        baseline = {
            "visit_number": 1,
            "visit": "BASELINE",
            "assessment_date": "2024-01-08",
            "measurements": [target],
        }
        ids.append(record_assessment(s, inv, subject.id, TumourAssessmentIn.model_validate(baseline)).id)
        query = QueryIn(record_table="dose", record_id=ids[0], field="dose", text="please check")
        ids.append(open_query(s, world.user(s, "mon_a"), query).id)
        screening = ScreeningIn(
            site_code="101", consent_date="2024-03-01", screening_date="2024-03-02", values=ELIGIBLE
        )
        ids += [subject.id, other.id, screen_subject(s, inv, screening).id]
        s.commit()
    return list(range(1, max(ids) + 1))


def _schema(app: Any, tokens: dict[str, str], known_ids: list[int]) -> Any:
    config = schemathesis.Config.from_dict(
        {
            "seed": 20241202,  # the same requests on every run: a failure can be replayed
            # The API declares no OpenAPI links: the stateful phase would only guess sequences.
            "phases": {"stateful": {"enabled": False}},
            # No shrinking: a failure is reported as found (shrinking would resend it many times);
            # no example database: nothing is written beside the tests.
            "generation": {"max-examples": MAX_EXAMPLES, "no-shrink": True, "database": "none"},
            "checks": {
                "enabled": True,
                # Valid requests may still break a rule the schema cannot state (the protocol's
                # dose, date order, a subject of another site): 404, 409 and 422 name it.
                "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]},
            },
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)

    @schema.auth(refresh_interval=None)  # a token per operation, never cached across them
    class RoleTokens:
        def get(self, case: Any, context: Any) -> str:
            return tokens[signer(context.operation.method, context.operation.path)]

        def set(self, case: Any, token: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    @schema.hook("flatmap_path_parameters")
    def reach_records(context: Any, path_parameters: dict[str, Any]) -> Any:
        # A valid id is as often one of the seeded records as the generated number.
        drawn = {
            name: st.sampled_from([value, *known_ids])
            if isinstance(value, int) and 1 <= value <= DB_INT_MAX
            else st.just(value)
            for name, value in (path_parameters or {}).items()
        }
        return st.fixed_dictionaries(drawn)

    return schema


def _failures(schema: Any) -> tuple[dict[tuple[str, str, str], list[str]], dict[str, int], list[str]]:
    """Run every phase: the failures by (operation, check, title), the requests sent per phase,
    and the engine's own errors."""
    failures: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    errors: list[str] = []
    sent: dict[str, int] = defaultdict(int)
    stream = from_schema(schema).execute()
    started = time.monotonic()
    for event in stream:
        if time.monotonic() - started > MAX_TIME_S:
            # Not the engine's max-time: given one, it repeats the fuzzing phase until time runs out.
            stream.stop()
            errors.append(f"stopped after {MAX_TIME_S} s: the run is far slower than its bound")
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            sent[str(event.phase)] += len(recorder.interactions)
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    case = recorder.cases[case_id].value
                    interaction = recorder.interactions.get(case_id)
                    answer = (
                        interaction.response.content[:300] if interaction and interaction.response else b""
                    )
                    key = (recorder.label, check.name, getattr(check.failure_info.failure, "title", ""))
                    failures[key].append(f"{case.as_curl_command()[:600]}\n    -> {answer!r}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(str(getattr(event, "info", event)))
    return failures, sent, errors


@pytest.mark.slow
def test_fuzzed_requests_meet_no_server_error_and_no_schema_violation(api, seeded):
    schema = _schema(api.client.app, api.tokens, seeded)
    failures, sent, errors = _failures(schema)
    assert not errors, errors
    # Every operation was reached: the coverage phase alone sends over two thousand requests.
    assert sent["coverage"] > 2000 and sent["fuzzing"] >= MAX_EXAMPLES * len(schema), dict(sent)
    report = "\n".join(
        f"{operation} [{check}] {title}: {len(cases)} case(s), e.g.\n    {cases[0]}"
        for (operation, check, title), cases in sorted(failures.items())
    )
    total = sum(sent.values())
    assert not failures, f"{len(failures)} failing operation/check pairs in {total} requests:\n{report}"
