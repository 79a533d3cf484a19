"""Case store: cases, analyses and verdicts (on medapp.db's tables and audit trail), content-addressed blobs."""
