"""Two database roles on PostgreSQL: the owner runs migrations, the application only writes data.

The owner role (the one ``oncotrial db init`` connects as) owns every table, trigger and
function. The application role, the one the servers connect as, is granted what the
application does and nothing more: rows of the data tables may be read and written, the
audit trail may be read and appended to but never updated, deleted or truncated, its head
only read and moved (forward: a trigger), and the schema revision only read. Not owning the
tables, it can neither alter them nor drop or disable their triggers. See docs/security.md.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from oncotrial.errors import OncotrialError

__all__ = ["APP_PRIVILEGES", "grant_app_role"]

#: What the application role may do per table; every other table of the schema: read and write rows.
APP_PRIVILEGES: dict[str, str] = {
    "audit_entry": "SELECT, INSERT",
    "audit_head": "SELECT, UPDATE",
    "alembic_version": "SELECT",
}
_DATA_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Give ``role`` (an existing login role) exactly the application's privileges on every
    table of the engine's schema; returns the statements run. PostgreSQL only."""
    if engine.dialect.name != "postgresql":
        raise OncotrialError(("app_role",), role, "database roles exist on PostgreSQL only (SQLite has none)")
    if not _ROLE.match(role):
        raise OncotrialError(("app_role",), role, "a role name is lower-case letters, digits and _")
    statements: list[str] = []
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            raise OncotrialError(
                ("app_role",), role, "no such role: create it first (CREATE ROLE ... LOGIN PASSWORD ...)"
            )
        owner = conn.execute(text("SELECT current_user")).scalar_one()
        if owner == role:
            raise OncotrialError(("app_role",), role, "the application role must not be the owner role")
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema}
        ).scalars()
        statements.append(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
        for table in tables:
            statements.append(f'REVOKE ALL ON "{schema}"."{table}" FROM {role}')
            statements.append(
                f'GRANT {APP_PRIVILEGES.get(table, _DATA_PRIVILEGES)} ON "{schema}"."{table}" TO {role}'
            )
        statements.append(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}')
        for statement in statements:
            conn.execute(text(statement))
    return statements
