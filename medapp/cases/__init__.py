"""Case store: SQLAlchemy tables, Alembic migrations, content-addressed blobs."""
