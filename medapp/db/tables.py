"""SQLAlchemy 2 tables: users, sessions, API tokens, the audit trail and the case store. The schema itself is
created by Alembic migrations (medapp/db/migrations); a table or column changes only with a new migration."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)  # clinician | reviewer | admin
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)  # pseudonymous patient ref
    title: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="open", nullable=False)  # open | in review | closed
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)  # status changes (0002_review)
    analyses: Mapped[list[SavedAnalysis]] = relationship(back_populates="case", order_by="SavedAnalysis.id")
    # one case per reference whatever its capitals (0004_reference_folded, medapp/db/reference_index.py)
    __table_args__ = (Index("ix_cases_reference_folded", func.lower(reference), unique=True),
                      {"sqlite_autoincrement": True})  # an erased case's id is never given again (0005_erasure)


class SavedAnalysis(Base):
    __tablename__ = "analyses"
    __table_args__ = {"sqlite_autoincrement": True}  # nor an erased analysis's (0005_erasure)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), nullable=False, index=True)
    modality: Mapped[str] = mapped_column(String(20), nullable=False)
    model_id: Mapped[str] = mapped_column(String(80), nullable=False)
    model_version: Mapped[str] = mapped_column(String(40), nullable=False)
    input_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    input_name: Mapped[str] = mapped_column(String(255), nullable=False)
    label: Mapped[str] = mapped_column(String(120), nullable=False)
    prediction: Mapped[dict] = mapped_column(JSON, nullable=False)
    explanation: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    author: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    # HMAC of the patient identifier the input carried (DICOM Patient ID), None when it carried none (0003_patient)
    patient_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the code that made it, "0.2.0+1f3c5a7e9b2d" (medapp/build.py); None when saved before 0008_provenance
    app_version: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # the card it was made with, kept in model_cards (0008_provenance); None when saved before
    card_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    case: Mapped[Case] = relationship(back_populates="analyses")
    verdicts: Mapped[list[Verdict]] = relationship(back_populates="analysis", order_by="Verdict.id")


class KeptCard(Base):
    """A model card as an analysis was made with it, once per distinct text (0008_provenance): saved analyses are
    redrawn from it, not from today's card. The database refuses UPDATE and DELETE."""

    __tablename__ = "model_cards"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    version: Mapped[str] = mapped_column(String(40), nullable=False)
    card: Mapped[str] = mapped_column(Text, nullable=False)
    first_saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class Verdict(Base):
    """A reviewer's verdict on one analysis; one current verdict per reviewer (updated in place)."""

    __tablename__ = "verdicts"
    __table_args__ = (UniqueConstraint("analysis_id", "reviewer"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"), nullable=False, index=True)
    reviewer: Mapped[str] = mapped_column(String(80), nullable=False)
    verdict: Mapped[str] = mapped_column(String(20), nullable=False)  # agree | disagree | uncertain
    final_diagnosis: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    comment: Mapped[str] = mapped_column(Text, default="", nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)  # optimistic concurrency (0002_review)
    __mapper_args__ = {"version_id_col": version}  # every UPDATE checks and increments it
    analysis: Mapped[SavedAnalysis] = relationship(back_populates="verdicts")


class AuditEvent(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see the first migration)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False, index=True)
    username: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    target: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    detail: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)


class WebSession(Base):
    """A signed-in browser session that survives a reload (0002_review); the token itself is never stored."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    username: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiToken(Base):
    """A bearer token of the HTTP API (0002_service); only the secret's sha256 is stored (medapp.security.tokens)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), ForeignKey("users.username"), nullable=False, index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)  # shown in lists to tell tokens apart
    label: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    may_save_cases: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    rate_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the service default
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class InstallationSetting(Base):
    """Values drawn once per database and shared by every process using it (0003_patient)."""

    __tablename__ = "installation_settings"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), nullable=False)


class MeetingLead(Base):
    """The case a presenter is showing in Meeting mode, for the screens that follow them (0006_meeting_lead).
    One row per presenter while they lead; no foreign key: an erased case leaves the row, and a following
    screen says the case is gone until the presenter moves on."""

    __tablename__ = "meeting_leads"
    presenter: Mapped[str] = mapped_column(String(80), primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # "Case 2 of 4" as the presenter's screen says it
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    moved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    # the presenter's open page says it still leads every few seconds: a closed tab's lead lapses (LEAD_LAPSES_AFTER)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class VerdictDraft(Base):
    """What a reviewer chose and typed in a verdict form and has not recorded (0007_verdict_draft): a reload, a
    closed tab or a dropped connection starts a new browser session, whose form is then filled in from here.
    Never part of the record: not audited, not shown to anyone else, deleted when the verdict is recorded or the
    analysis erased."""

    __tablename__ = "verdict_drafts"
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id"), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(80), primary_key=True)
    verdict: Mapped[str | None] = mapped_column(String(20), nullable=True)  # none chosen yet
    final_diagnosis: Mapped[str] = mapped_column(Text, default="", nullable=False)
    comment: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # the version of the reviewer's recorded verdict the form was drawn with: pressing Record verdict on a draft
    # older than what was recorded since is refused as a conflict, as it is in the window it was typed in
    base_version: Mapped[int] = mapped_column(Integer, nullable=False)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
