"""The store: tables, sessions, migrations, the hash-chained audit trail and the one write path."""
