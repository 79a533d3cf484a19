"""The database room, below cases and security: tables, the engine, Alembic migrations, the audit trail.

It imports nothing else of medapp but config and types; `security` (accounts, sessions) and `cases`
(the case store) both build on it, and security never imports cases.
"""
