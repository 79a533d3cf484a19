"""One case per reference whatever its capitals, kept by the database: a unique index on lower(reference).

The store refuses "mdt-7" beside "MDT-7" before it inserts, but two users creating the two spellings at the
same moment both passed that check and made two cases, splitting one meeting's analyses between them. With the
index the second insert fails, and the store names the case that exists.

A database that already holds references differing only in capitals (made before the store's check) opens
without the index, with a warning naming them, rather than refusing to start: once an administrator has renamed
all but one of each group, the next start creates it (`migrate` calls `ensure` after every upgrade).
"""
from __future__ import annotations

import logging

import sqlalchemy as sa

INDEX = "ix_cases_reference_folded"
log = logging.getLogger(__name__)


def folded_twins(connection: sa.Connection) -> list[list[str]]:
    """Groups of case references that differ only in capitals."""
    folded = connection.execute(sa.text(
        "SELECT lower(reference) FROM cases GROUP BY lower(reference) HAVING count(*) > 1")).scalars().all()
    return [sorted(connection.execute(sa.text("SELECT reference FROM cases WHERE lower(reference) = :f"),
                                      {"f": f}).scalars()) for f in folded]


# Any constant shared by every medapp process: the advisory lock that makes their starts create the index in turn.
_PG_LOCK = 0x6D656461  # "meda"


def present(connection: sa.Connection) -> bool:
    # read from the catalogue: SQLAlchemy's SQLite inspector skips indexes on an expression; on PostgreSQL in this
    # schema only (two installations in two schemas of one database each need their own: an IT review)
    catalogue = ("SELECT name FROM sqlite_master WHERE type = 'index' AND name = :n"
                 if connection.dialect.name == "sqlite" else
                 "SELECT indexname FROM pg_indexes WHERE indexname = :n AND schemaname = current_schema()")
    return connection.execute(sa.text(catalogue), {"n": INDEX}).first() is not None


def ensure(connection: sa.Connection, *, warn: bool = True) -> bool:
    """Create the index unless it exists or twins prevent it (then warn, naming them, when `warn`); whether it is
    there. Run inside the caller's transaction."""
    if present(connection):  # every start after the first: no lock taken
        return True
    if connection.dialect.name == "postgresql":
        # workers started together after a rename all found it missing; CREATE INDEX IF NOT EXISTS is not safe
        # between sessions, and one of four died on a duplicate catalogue row (an IT review). They take it in turn,
        # and look again once they hold the lock. SQLite's writes are serialised by its own lock.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
        if present(connection):
            return True
    twins = folded_twins(connection)
    if twins:
        if warn:
            log.warning("case references %s differ only in capitals, so the database cannot yet refuse such twins "
                        "made at the same moment; rename all but one of each group and restart to add that check",
                        "; ".join(" and ".join(repr(r) for r in group) for group in twins))
        return False
    connection.execute(sa.text(f"CREATE UNIQUE INDEX IF NOT EXISTS {INDEX} ON cases (lower(reference))"))
    return True
