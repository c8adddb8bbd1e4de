"""Electronic data capture: persistence, audit trail, auth, services and the HTTP API.

The services are the only writers of trial data; the API (:mod:`oncotrial.edc.api`)
and the web pages call them with a session and the acting user, inside one
:func:`unit_of_work` that commits at the edge. See ``docs/edc.md``.

>>> from oncotrial.edc import Role, Action, PERMISSIONS
>>> Action.ENTER_DATA in PERMISSIONS[Role.MONITOR]
False
"""

from oncotrial.edc._access import (
    PERMISSIONS,
    Action,
    can,
    get_record,
    get_site,
    get_subject,
    require,
    visible_subjects,
)
from oncotrial.edc._admin import (
    MIN_PASSWORD_LENGTH,
    change_own_password,
    create_site,
    create_user,
    set_password,
)
from oncotrial.edc._audit import ChainBreak, ChainReport, verify_chain
from oncotrial.edc._auth import (
    authenticate,
    get_user,
    hash_password,
    issue_token,
    revoke_token,
    user_for_token,
    verify_password,
)
from oncotrial.edc._clinical import FORMS, create_record, delete_record, list_records, update_record
from oncotrial.edc._db import make_engine, make_sessionmaker, unit_of_work
from oncotrial.edc._dosing import check_dose, delete_dose, list_doses, record_dose, update_dose
from oncotrial.edc._errors import Conflict, Forbidden, Locked, NotAuthenticated, NotFound
from oncotrial.edc._idempotency import idempotent_create
from oncotrial.edc._models import (
    AdverseEvent,
    AuditEntry,
    AuditHead,
    Base,
    Death,
    Dose,
    EndOfTreatment,
    Lesion,
    LesionMeasurement,
    Query,
    QueryStatus,
    Role,
    Signature,
    Site,
    Subject,
    SubjectStatus,
    SurvivalContact,
    Therapy,
    Trial,
    TumourAssessment,
    User,
)
from oncotrial.edc._queries import answer_query, close_query, list_queries, open_query
from oncotrial.edc._signoff import freeze_subject, lock_database, sign_casebook, signatures, unlock_database
from oncotrial.edc._subjects import (
    audit_trail,
    eligibility,
    enroll_subject,
    list_subjects,
    screen_subject,
    update_screening,
)
from oncotrial.edc._trial import get_trial, setup_trial, trial_protocol
from oncotrial.edc._tumour import (
    list_assessments,
    recompute_responses,
    record_assessment,
    stored_rows,
    tu_tr_frames,
    update_investigator_response,
    update_measurement,
)

__all__ = [
    "FORMS",
    "MIN_PASSWORD_LENGTH",
    "PERMISSIONS",
    "Action",
    "AdverseEvent",
    "AuditEntry",
    "AuditHead",
    "Base",
    "ChainBreak",
    "ChainReport",
    "Conflict",
    "Death",
    "Dose",
    "EndOfTreatment",
    "Forbidden",
    "Lesion",
    "LesionMeasurement",
    "Locked",
    "NotAuthenticated",
    "NotFound",
    "Query",
    "QueryStatus",
    "Role",
    "Signature",
    "Site",
    "Subject",
    "SubjectStatus",
    "SurvivalContact",
    "Therapy",
    "Trial",
    "TumourAssessment",
    "User",
    "answer_query",
    "audit_trail",
    "authenticate",
    "can",
    "change_own_password",
    "check_dose",
    "close_query",
    "create_record",
    "create_site",
    "create_user",
    "delete_dose",
    "delete_record",
    "eligibility",
    "enroll_subject",
    "freeze_subject",
    "get_record",
    "get_site",
    "get_subject",
    "get_trial",
    "get_user",
    "hash_password",
    "idempotent_create",
    "issue_token",
    "list_assessments",
    "list_doses",
    "list_queries",
    "list_records",
    "list_subjects",
    "lock_database",
    "make_engine",
    "make_sessionmaker",
    "open_query",
    "recompute_responses",
    "record_assessment",
    "record_dose",
    "require",
    "revoke_token",
    "screen_subject",
    "set_password",
    "setup_trial",
    "sign_casebook",
    "signatures",
    "stored_rows",
    "trial_protocol",
    "tu_tr_frames",
    "unit_of_work",
    "unlock_database",
    "update_dose",
    "update_investigator_response",
    "update_measurement",
    "update_record",
    "update_screening",
    "user_for_token",
    "verify_chain",
    "verify_password",
    "visible_subjects",
]
